"""Reason codes: declared once, each with its meaning, each used, and nothing else accepted."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jsonschema
import pytest

from schoolcollab.errors import Problem, Problems
from schoolcollab.problem_codes import CODES
from schoolcollab.validation import describe, schema_errors

SRC = Path(__file__).resolve().parents[1] / "src" / "schoolcollab"
CODE_FORM = re.compile(r"^[a-z0-9]+\.[a-z0-9_]+$")


def _literals(value: ast.expr) -> list[str]:
    """The codes a ``code=`` argument can take: a string, or either branch of a conditional (``a if c else b``)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        return _literals(value.body) + _literals(value.orelse)
    return []  # a variable passing a code on (code=code): its literal is counted where it is written


def codes_in_source() -> dict[str, list[str]]:
    """Code literal -> where it is written: every ``code="..."`` argument in src/."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in (k for k in node.keywords if k.arg == "code"):
                    for text in _literals(keyword.value):
                        found.setdefault(text, []).append(f"{path.relative_to(SRC)}:{keyword.value.lineno}")
    return found


def test_every_code_is_named_in_form_and_says_what_it_means() -> None:
    assert len(CODES) >= 50
    for code, meaning in CODES.items():
        assert CODE_FORM.match(code), f"{code!r} is not area.what_is_wrong in lowercase"
        assert meaning.strip() and "\n" not in meaning and meaning == meaning.strip(), f"{code}: no one-line meaning"


def test_the_table_and_the_source_agree() -> None:
    written = codes_in_source()
    undeclared = {c: where for c, where in written.items() if c not in CODES}
    assert not undeclared, f"codes used in src/ but not declared in problem_codes.CODES: {undeclared}"
    unused = sorted(set(CODES) - set(written))
    assert not unused, f"codes declared in problem_codes.CODES but used nowhere in src/: {unused}"


def test_every_problem_call_in_the_source_passes_a_code() -> None:
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            owner = func.value if isinstance(func, ast.Attribute) and func.attr == "add" else None
            adds = isinstance(owner, ast.Name) and owner.id in ("problems", "remaining")
            built = isinstance(func, ast.Name) and func.id == "Problem"
            if (adds or built) and not any(k.arg == "code" for k in node.keywords):
                missing.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not missing, f"problems added without a code: {missing}"


def test_an_unknown_code_is_a_programming_error() -> None:
    problems = Problems()
    with pytest.raises(ValueError, match="'yaml.no_such_code'"):
        problems.add("a.yaml", "bad", code="yaml.no_such_code")
    with pytest.raises(ValueError, match="'yaml_syntax'"):
        Problem("a.yaml", 1, "", "bad", code="yaml_syntax")
    assert not problems


def test_the_code_ends_the_line_and_is_part_of_the_problem() -> None:
    problems = Problems()
    problems.add("a.yaml", "not valid YAML:\n  bad", line=3, expected="'field: value'", code="yaml.syntax")
    problems.add("a.yaml", "the file is empty", code="file.empty")
    first, second = problems
    assert str(first) == "a.yaml:3: not valid YAML: bad (expected 'field: value') [yaml.syntax]"
    assert str(second) == "a.yaml: the file is empty [file.empty]"
    same_words = Problem("a.yaml", 3, "", "not valid YAML: bad", "'field: value'", code="yaml.too_complex")
    assert same_words != first and len({first, same_words, first}) == 2


# one schema error of each kind describe() knows, and the code it gives
SCHEMA_KINDS = [
    ({"type": "object", "required": ["aims"]}, {}, "schema.required_field"),
    ({"type": "object", "properties": {"aims": {}}, "additionalProperties": False}, {"aim": 1}, "schema.unknown_field"),
    ({"enum": ["survey"]}, "surevy", "vocab.unknown_term"),
    (
        {"type": "object", "properties": {"initiative": {"enum": ["issp"]}}},
        {"initiative": "x"},
        "record.unknown_initiative",
    ),
    ({"not": {"required": ["factor"]}}, {"factor": "x"}, "schema.theme_field"),
    ({"type": "integer"}, "12", "schema.wrong_type"),
    ({"type": "object"}, [], "schema.wrong_type"),
    ({"anyOf": [{"type": "integer"}, {"const": "not_reported"}]}, [1], "schema.wrong_type"),
    ({"type": "integer", "minimum": 1}, 0, "schema.out_of_range"),
    ({"type": "integer", "maximum": 2100}, 3015, "schema.out_of_range"),
    ({"type": "array", "minItems": 1}, [], "schema.empty_list"),
    ({"type": "string", "minLength": 1}, "", "schema.empty_text"),
    ({"type": "string", "pattern": "^[a-z0-9_]+$"}, "Beacon Schools", "schema.bad_format"),
    ({"type": "array", "uniqueItems": True}, ["a", "a"], "schema.repeated_item"),
    ({"type": "string", "maxLength": 3}, "four", "schema.invalid"),
]


@pytest.mark.parametrize(("schema", "data", "code"), SCHEMA_KINDS, ids=[c for _, _, c in SCHEMA_KINDS])
def test_describe_gives_each_kind_of_schema_error_its_code(schema: dict, data: object, code: str) -> None:
    errors = schema_errors(jsonschema.Draft202012Validator(schema), data)
    assert len(errors) == 1, errors
    assert describe(errors[0]).code == code


def test_an_enum_outside_the_codebook_is_an_unknown_value() -> None:
    (error,) = schema_errors(jsonschema.Draft202012Validator({"enum": ["I", "II"]}), "IV")
    assert describe(error, terms="an allowed value").code == "schema.unknown_value"
