"""Coded source records (``data/sources/<bibkey>.yaml``): load, validate, tabulate."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pandas as pd

from ..errors import Problems, one_of
from ..yamlio import line_of, load_yaml
from .codebook import Codebook


@dataclass(frozen=True)
class SourceTables:
    """The coded records as tidy tables (one row per source, per finding, per collaboration type)."""

    sources: pd.DataFrame
    findings: pd.DataFrame
    types: pd.DataFrame


class RecordValidator:
    """Validates records against the codebook schema.

    The Rust validator answers valid/invalid for a record in microseconds; only an invalid record is
    re-validated by the pure-Python one, whose errors carry the paths we turn into messages.
    """

    def __init__(self, schema: dict[str, Any]):
        self._fast = jsonschema_rs.validator_for(schema)
        self._full = jsonschema.Draft202012Validator(schema)

    def problems(self, path: Path, record: Any, problems: Problems) -> bool:
        """Add every schema problem of ``record`` to ``problems``; True if it is valid."""
        if self._fast.is_valid(record):
            return True
        for error in sorted(self._full.iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
            for err in _leaves(error):
                where = list(err.absolute_path)
                field, message, expected = describe(err)
                problems.add(path, message, field=field or _dotted(where), line=line_of(path, where),
                             expected=expected)
        return False


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific errors under an anyOf/allOf/if-then failure."""
    if error.context and error.validator in ("anyOf", "oneOf"):
        best = jsonschema.exceptions.best_match(error.context)
        return [best] if best is not None else [error]
    return [error]


def _dotted(where: list[Any]) -> str:
    out = ""
    for step in where:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def describe(err: jsonschema.ValidationError) -> tuple[str, str, str]:
    """(field, message, expected) in an author's terms for one schema error."""
    where = list(err.absolute_path)
    field = _dotted(where)
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return (_dotted([*where, missing]), f"required field '{missing}' is missing",
                f"a value (write {'not_reported' if missing not in ('key', 'findings') else 'one'} if the seed does not say)")
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(schema.get("properties", {})))
        return (_dotted([*where, extra[0]]) if extra else field, f"unknown field {', '.join(map(repr, extra))}",
                one_of(schema.get("properties", {})))
    if err.validator in ("enum", "const") and where == ["initiative"]:
        return field, f"{err.instance!r} is not an id of data/review/initiatives.csv", \
            one_of(map(str, schema.get("enum", [])))
    if err.validator in ("enum", "const"):
        allowed = schema.get("enum", [schema.get("const")])
        return field, f"{err.instance!r} is not a term of the codebook", one_of(map(str, allowed))
    if err.validator == "not":
        what = "a 'factor'" if "factor" in str(err.validator_value) else "a 'domain'"
        return field, f"this finding should not have {what} for its theme", \
            "'domain' only on impact_* findings; 'factor' only on drivers, conditions, challenges, sustainability"
    if err.validator == "type":
        return field, f"{err.instance!r} has the wrong type", f"a {err.validator_value}"
    if err.validator == "minItems":
        return field, "the list is empty", f"at least {err.validator_value} item(s)"
    if err.validator == "minLength":
        return field, "the text is empty", "a non-empty string"
    return field, err.message, ""


def validate_record(path: Path, record: Any, validator: RecordValidator, bib_keys: set[str],
                    problems: Problems) -> bool:
    """Schema plus the cross-file rules: file name is the key, the key is in references.bib."""
    ok = validator.problems(path, record, problems)
    if not isinstance(record, dict):
        return False
    key = record.get("key")
    if isinstance(key, str):
        if key != path.stem:
            problems.add(path, f"key '{key}' does not match the file name", field="key",
                         line=line_of(path, ["key"]), expected=f"key: {path.stem} (or rename the file)")
            ok = False
        if key not in bib_keys:
            problems.add(path, f"key '{key}' is not in references.bib", field="key",
                         line=line_of(path, ["key"]), expected="the key of an entry in references.bib")
            ok = False
    for i, origin in enumerate(record.get("coded_from") or []):
        seed = origin.get("seed") if isinstance(origin, dict) else None
        if isinstance(seed, str) and seed not in bib_keys:
            problems.add(path, f"seed '{seed}' is not in references.bib", field=f"coded_from[{i}].seed",
                         line=line_of(path, ["coded_from", i, "seed"]), expected="a bib key")
            ok = False
    return ok


def load_records(folder: Path, codebook: Codebook, initiatives: list[str], bib_keys: set[str],
                 problems: Problems, files: list[Path]) -> list[dict[str, Any]]:
    """Every valid record in ``files``; each problem of each invalid one goes into ``problems``."""
    validator = RecordValidator(codebook.source_schema(initiatives))
    records = []
    for path in files:
        record = load_yaml(path, problems)
        if record is None:
            if path.stat().st_size == 0:
                problems.add(path, "the file is empty", expected="a source record (see data/sources/README.md)")
            continue
        if validate_record(path, record, validator, bib_keys, problems):
            records.append(record)
    return records


def tabulate(records: list[dict[str, Any]], codebook: Codebook, years: dict[str, int | None]) -> SourceTables:
    """Tidy tables from valid records."""
    designs = codebook.vocab["designs"]
    types = codebook.vocab["collaboration_types"]
    source_rows, finding_rows, type_rows = [], [], []
    for rec in records:
        key = rec["key"]
        sample = rec["sample"]
        source_rows.append({
            "key": key, "year": years.get(key), "design": rec["design"],
            "tier": designs[rec["design"]]["tier"], "publication_type": rec["publication_type"],
            "formality": rec["formality"], "initiative": rec["initiative"],
            "sample_unit": sample["unit"], "sample_size": sample["size"] if isinstance(sample["size"], int) else None,
            "countries": tuple(rec["country"]), "phases": tuple(rec["phase"]),
            "collaboration_types": tuple(t for t in rec["collaboration_types"] if t != "not_reported"),
            "seeds": tuple(o["seed"] for o in rec["coded_from"]),
        })
        for t in rec["collaboration_types"]:
            if t != "not_reported":
                type_rows.append({"key": key, "type": t, "family": types[t]["family"], "typology": types[t]["typology"]})
        for i, f in enumerate(rec["findings"]):
            finding_rows.append({
                "key": key, "finding": i, "theme": f["theme"], "domain": f.get("domain"),
                "factor": f.get("factor"), "direction": f["direction"], "summary": f["summary"],
                "where": f["where"], "claims": tuple((c["id"], c["stance"]) for c in f.get("claims", ())),
            })
    src_cols = ["key", "year", "design", "tier", "publication_type", "formality", "initiative", "sample_unit",
                "sample_size", "countries", "phases", "collaboration_types", "seeds"]
    return SourceTables(
        sources=pd.DataFrame(source_rows, columns=src_cols).astype({"sample_size": "Int64", "year": "Int64"}),
        findings=pd.DataFrame(finding_rows, columns=["key", "finding", "theme", "domain", "factor", "direction",
                                                     "summary", "where", "claims"]),
        types=pd.DataFrame(type_rows, columns=["key", "type", "family", "typology"]),
    )
