"""Schema errors in an author's words: one module for every loader that validates with JSON Schema.

A jsonschema error names a schema path; an author needs the field as written in the file, its line, what
is wrong and what would be valid. :func:`describe` says that for one error, :func:`schema_errors` picks
the most specific errors in file order, and :func:`report_errors` adds them to a :class:`~schoolcollab.errors.Problems`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple, cast

import jsonschema
import jsonschema_rs

from .errors import Problems, did_you_mean, one_of, short
from .yamlio import line_of

NOT_REPORTED = "not_reported"  # the codebook's word for what a document does not say
CODEBOOK_TERMS = "a term of the codebook"  # what an enum of a record or claim lists


class Description(NamedTuple):
    """One schema error in an author's words: where, what is wrong, what would be valid, and why (its code)."""

    field: str
    message: str
    expected: str
    code: str


def _at(data: Any, where: list[Any]) -> Any:
    """The value at a schema error's path (None where the path does not lead)."""
    for step in where:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def error_line(path: Path, err: jsonschema.ValidationError) -> int | None:
    """The line of the value a schema error is about (of the first unknown field, for an unknown field)."""
    where = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict) and isinstance(err.schema, dict):
        extra = sorted(map(str, set(err.instance) - set(err.schema.get("properties", {}))))
        where += extra[:1]
    return line_of(path, where)


def schema_errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[jsonschema.ValidationError]:
    """The most specific errors, in file order, without the echoes of an unknown theme (a finding whose
    theme is not a term also fails the theme's if/then rules, which would only repeat the problem)."""
    errors = [leaf for error in validator.iter_errors(data) for leaf in _leaves(error)]
    bad_theme = {
        tuple(e.absolute_path)[:-1] for e in errors if e.validator == "enum" and list(e.absolute_path)[-1:] == ["theme"]
    }
    return sorted(
        (
            e
            for e in errors
            if not (tuple(e.absolute_path) in bad_theme and {"then", "else"} & set(map(str, e.schema_path)))
        ),
        key=lambda e: list(map(str, e.absolute_path)),
    )


class Schema:
    """A JSON Schema (draft 2020-12) ready to check data, fast where the data is valid.

    The Rust validator answers valid or invalid in microseconds; only data it rejects is validated again by
    jsonschema, whose errors carry the paths the messages are made from. Most data is valid, so a check of
    the whole book spends little time here (``tests/test_validation_schema.py`` holds the two to one answer).
    """

    def __init__(self, schema: dict[str, Any]):
        self.full = jsonschema.Draft202012Validator(schema)
        self._fast = jsonschema_rs.validator_for(schema)

    def errors(self, data: Any) -> list[jsonschema.ValidationError]:
        """:func:`schema_errors` of ``data``: none when it is valid."""
        try:
            if self._fast.is_valid(data):
                return []
        except (ValueError, TypeError, OverflowError):  # a value JSON has no type for (a YAML date): jsonschema says
            pass
        return schema_errors(self.full, data)


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific errors under an anyOf/oneOf failure.

    The branch whose type the value has explains best (-3 breaks 'minimum 1', not 'const not_reported');
    if the value has the type of no branch, the anyOf itself is reported with every alternative.
    """
    if error.context and error.validator in ("anyOf", "oneOf"):
        typed = [
            e
            for e in error.context
            if e.validator not in ("type", "const", "enum") or e.absolute_path != error.absolute_path
        ]
        best = jsonschema.exceptions.best_match(typed) if typed else None
        return _leaves(best) if best is not None else [error]
    return [error]


def dotted(where: list[Any]) -> str:
    """A field's path as an author reads it: ``findings[0].claims``."""
    return _dotted(where)


def _dotted(where: list[Any]) -> str:
    out = ""
    for step in where:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


_KINDS = {
    "array": "a list ([a, b] or '- item' lines)",
    "object": "'field: value' pairs",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "an empty value",
}
_PATTERNS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "lowercase letters and digits, words joined by hyphens (e.g. landscape-complex)",
    "^[a-z0-9_]+$": "lowercase letters, digits and underscores (e.g. beacon_schools)",
}


def _kind(value: Any) -> str:
    """What a value is, in an author's words."""
    for types, word in (
        (bool, "true/false"),
        ((int, float), "a number"),
        (str, "text"),
        (list, "a list"),
        (dict, "'field: value' pairs"),
        (type(None), "empty"),
    ):
        if isinstance(value, types):
            return word
    return f"a {type(value).__name__}"


def wanted(schema: Any) -> str:
    """What a schema accepts, in an author's words."""
    if not isinstance(schema, dict):
        return ""
    if "anyOf" in schema or "oneOf" in schema:
        return ", or ".join(filter(None, (wanted(s) for s in schema["anyOf" if "anyOf" in schema else "oneOf"])))
    if "const" in schema:
        return str(schema["const"])
    if "enum" in schema:
        return one_of(map(str, schema["enum"]))
    types: str | list[str] | None = schema.get("type")  # JSON Schema: a type name or a list of them
    words = " or ".join(_KINDS.get(t, t) for t in (types if isinstance(types, list) else [types] if types else []))
    items = schema.get("items")
    if types == "array" and isinstance(items, dict) and "enum" in items:
        words += f", each {one_of(map(str, items['enum']))}"
    if types == "object" and schema.get("required"):
        words += f": {', '.join(schema['required'])}"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words += f" from {low} to {high}"
    elif low is not None:
        words += f" of at least {low}"
    elif high is not None:
        words += f" of at most {high}"
    return words


# what a missing field takes, where the schema alone says it badly ("text", "a list") or where the field is free
# text, so not_reported is valid only where it says so
REQUIRED_HINTS = {
    "key": "the source's key in references.bib",
    "coded_from": "a list of {seed: the bib key of the document you coded the record from, sections: [the parts "
    "of it you read]}",
    "seed": "the bib key of the document the record was coded from (the work's own key when you read the work itself)",
    "sections": "a list of the parts of that document you read, e.g. [Abstract, Methods, Results]",
    "sample": "description, unit and size ('field: value' pairs; each not_reported if the document does not say)",
    "description": "who or what was studied, in a few words, or not_reported if the document does not say",
    "findings": "a list of at least one finding",
    "initiative": "an id of data/review/initiatives.csv, none (no initiative) or not_reported",
    "appraisal": "an appraisal block (one judgement per criterion of appraisal_criteria in data/codebook.yaml), "
    "or not_applicable (not a study) or not_reported",
    "country_reason": "one sentence saying where the source documents place the work, or country: [not_reported]",
    "scope": "what the claim is about: countries, phases and families (each a list of codebook terms, or all) "
    "and period: {from: year, to: year}",
    "aims": "the study's aim in one sentence, or not_reported if the document does not say",
    "summary": "what the work found, in one sentence of your own words",
    "where": "the page, section or table of the document it comes from",
    "reason": "one sentence in your own words on what the judgement rests on",
    "statement": "the claim in one sentence of your own words",
    "evidence": "a list of the sources the claim rests on, each {key: a bib key, stance: supports, mixed or "
    "against} (an empty list [] for a gap)",
}


def required_hint(missing: str, where: list[Any], prop: Any) -> str:
    """What a missing required field takes, with "write not_reported" only where not_reported is valid."""
    if missing == "id":
        return (
            "a unique id: lowercase words joined by hyphens (e.g. landscape-complex)"
            if where[:1] == ["claims"]
            else "the id of a claim in data/findings.yaml"
        )
    if missing in REQUIRED_HINTS:
        return REQUIRED_HINTS[missing]
    takes = wanted(prop) or "a value"
    # a block (an appraisal judgement) takes not_reported inside it, not as its value
    valid = isinstance(prop, dict) and prop.get("type") != "object" and NOT_REPORTED in json.dumps(prop)
    return (
        f"{takes} (write not_reported if the document does not say)" if valid and NOT_REPORTED not in takes else takes
    )


def describe(err: jsonschema.ValidationError, terms: str = CODEBOOK_TERMS) -> Description:
    """Field, message, expected value and reason code, in an author's terms, for one schema error."""
    where = list(err.absolute_path)
    field = _dotted(where)
    schema = err.schema if isinstance(err.schema, dict) else {}
    parent = err.parent
    alternatives = (
        wanted(parent.schema)
        if parent is not None and parent.validator in ("anyOf", "oneOf") and parent.absolute_path == err.absolute_path
        else ""
    )
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        hint = required_hint(missing, where, schema.get("properties", {}).get(missing, {}))
        return Description(
            _dotted([*where, missing]), f"required field '{missing}' is missing", hint, code="schema.required_field"
        )
    if err.validator == "additionalProperties":
        # an additionalProperties error is raised on the mapping it checked, never on an unset instance
        extra = sorted(map(str, set(cast(dict[str, Any], err.instance)) - set(schema.get("properties", {}))))
        known = schema.get("properties", {})
        return Description(
            _dotted([*where, extra[0]]) if extra else field,
            f"unknown field {', '.join(map(repr, extra))}{did_you_mean(extra[0], known) if extra else ''}",
            one_of(known),
            code="schema.unknown_field",
        )
    if err.validator in ("enum", "const"):
        allowed = [str(a) for a in schema.get("enum", [schema.get("const")])]
        initiative = where == ["initiative"]
        what = "an id of data/review/initiatives.csv" if initiative else terms
        return Description(
            field,
            f"{short(err.instance)} is not {what}{did_you_mean(err.instance, allowed)}",
            alternatives or one_of(allowed),
            # the code says what the message says: an initiative id, a codebook term, or one of the schema's values
            code="record.unknown_initiative"
            if initiative
            else ("vocab.unknown_term" if terms == CODEBOOK_TERMS else "schema.unknown_value"),
        )
    if err.validator == "not":
        what = "a 'factor'" if "factor" in str(err.validator_value) else "a 'domain'"
        return Description(
            field,
            f"this finding should not have {what} for its theme",
            "'domain' only on impact_* findings; 'factor' only on drivers, conditions, challenges, sustainability",
            code="schema.theme_field",
        )
    if err.validator in ("type", "anyOf", "oneOf"):
        if not where:
            return Description(
                field, f"the top level of the file is {_kind(err.instance)}", wanted(schema), code="schema.wrong_type"
            )
        expected = alternatives or wanted(schema)
        text = isinstance(err.instance, str) and err.instance.strip().lstrip("-").isdecimal()
        message = (
            f"{short(err.instance)} is text, not a number (write it without quotes)"
            if text and "number" in expected
            else f"{short(err.instance)} is {_kind(err.instance)}, which is not allowed here"
        )
        return Description(field, message, expected, code="schema.wrong_type")
    if err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        side = "below the minimum" if "inimum" in err.validator else "above the maximum"
        return Description(
            field,
            f"{short(err.instance)} is {side} {err.validator_value}",
            alternatives or wanted(schema),
            code="schema.out_of_range",
        )
    if err.validator == "minItems" and where == ["findings"]:
        return Description(
            field,
            "the list is empty",
            "at least one finding: theme, direction, summary and where (domain or "
            "factor as its theme needs), as in data/sources/README.md",
            code="schema.empty_list",
        )
    if err.validator == "minItems":
        return Description(
            field, "the list is empty", f"at least {err.validator_value} item(s)", code="schema.empty_list"
        )
    if err.validator == "minLength":
        return Description(field, "the text is empty", "a non-empty string", code="schema.empty_text")
    if err.validator == "pattern":
        return Description(
            field,
            f"{short(err.instance)} is not in the required form",
            _PATTERNS.get(str(err.validator_value), f"text matching {err.validator_value}"),
            code="schema.bad_format",
        )
    if err.validator == "uniqueItems":
        return Description(field, "the list repeats an item", "each item once", code="schema.repeated_item")
    return Description(field, err.message[:200], "", code="schema.invalid")


def yaml_problems(path: Path, data: Any, schema: dict[str, Any], problems: Problems) -> bool:
    """Validate ``data`` (read from ``path``) against ``schema``; True when it is valid."""
    return not report_errors(path, Schema(schema).errors(data), problems)


def report_errors(
    path: Path, errors: list[jsonschema.ValidationError], problems: Problems
) -> list[jsonschema.ValidationError]:
    """Add each schema error as a problem naming its field and line; returns the errors."""
    for err in errors:
        field, message, expected, code = describe(err, terms="an allowed value")
        problems.add(path, message, code=code, field=field, line=error_line(path, err), expected=expected)
    return errors
