"""Coded source records (``data/sources/<bibkey>.yaml``): load, validate, tabulate."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import Problems, did_you_mean
from ..validation import Schema, _at, _dotted, describe, error_line
from ..yamlio import line_of, load_yaml
from .codebook import Codebook


@dataclass(frozen=True)
class SourceTables:
    """The coded records as tidy tables (one row per source, per finding, per collaboration type)."""

    sources: pd.DataFrame
    findings: pd.DataFrame
    types: pd.DataFrame


class RecordValidator:
    """Validates records against the codebook schema, wording a misplaced factor by the list it is in."""

    def __init__(self, schema: dict[str, Any], codebook: Codebook | None = None):
        self._schema = Schema(schema)
        # term -> its vocabulary and theme ('barriers (theme challenges)'); theme -> the lists its factor is from
        self._factor_terms = codebook.factor_terms() if codebook is not None else {}
        self._factor_lists = codebook.factor_lists() if codebook is not None else {}

    def problems(self, path: Path, record: Any, problems: Problems) -> bool:
        """Add every schema problem of ``record`` to ``problems``; True if it is valid."""
        errors = self._schema.errors(record)
        seen = set()  # a rule the schema states twice (a domain's terms) is reported once
        for err in errors:
            field, message, expected, code = describe(err)
            if (tuple(map(str, err.absolute_path)), message) in seen:
                continue
            seen.add((tuple(map(str, err.absolute_path)), message))
            term = err.instance if isinstance(err.instance, str) else None
            elsewhere = (
                err.validator == "enum" and list(err.absolute_path)[-1:] == ["factor"] and term in self._factor_terms
            )
            if elsewhere and term is not None:
                message = self._factor_elsewhere(term, _at(record, list(err.absolute_path)[:-1]))
            problems.add(
                path,
                message,
                field=field or _dotted(list(err.absolute_path)),
                line=error_line(path, err),
                expected=expected,
                code="vocab.factor_of_other_theme" if elsewhere else code,
            )
        return not errors

    def _factor_elsewhere(self, term: str, finding: Any) -> str:
        """A factor that is a term of another list: which list it is in (and its theme), and which list the
        finding's theme takes its factor from."""
        theme = finding.get("theme") if isinstance(finding, dict) else None
        lists = self._factor_lists.get(theme, ()) if isinstance(theme, str) else ()
        if not lists:
            return f"'{term}' is a term of {self._factor_terms[term]}"
        return (
            f"'{term}' is a term of {self._factor_terms[term]}, not of {' or '.join(lists)}, the "
            f"list{'s' if len(lists) > 1 else ''} of theme {theme}"
        )


def validate_record(
    path: Path, record: Any, validator: RecordValidator, bib_keys: Set[str], problems: Problems
) -> bool:
    """Schema plus the cross-file rules: file name is the key, the key is in references.bib."""
    ok = validator.problems(path, record, problems)
    if not isinstance(record, dict):
        return False
    key = record.get("key")
    if isinstance(key, str):
        if key != path.stem:
            problems.add(
                path,
                f"key '{key}' does not match the file name",
                field="key",
                line=line_of(path, ["key"]),
                expected=f"key: {path.stem} (or rename the file)",
                code="record.key_mismatch",
            )
            ok = False
        if key not in bib_keys:
            problems.add(
                path,
                f"key '{key}' is not in references.bib{did_you_mean(key, bib_keys)}",
                field="key",
                line=line_of(path, ["key"]),
                expected="the key of an entry in references.bib",
                code="record.unknown_key",
            )
            ok = False
    origins = record.get("coded_from")
    for i, origin in enumerate(origins if isinstance(origins, list) else []):
        seed = origin.get("seed") if isinstance(origin, dict) else None
        if isinstance(seed, str) and seed not in bib_keys:
            problems.add(
                path,
                f"seed '{seed}' is not in references.bib{did_you_mean(seed, bib_keys)}",
                field=f"coded_from[{i}].seed",
                line=line_of(path, ["coded_from", i, "seed"]),
                expected="a bib key",
                code="record.unknown_seed",
            )
            ok = False
    return ok


def load_records(
    folder: Path,
    codebook: Codebook,
    initiatives: list[str] | None,
    bib_keys: Set[str],
    problems: Problems,
    files: list[Path],
    invalid: list[tuple[Path, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every valid record in ``files``; each problem of each invalid one goes into ``problems`` (and the
    invalid record itself into ``invalid``, so that its other links can still be checked)."""
    validator = RecordValidator(codebook.source_schema(initiatives), codebook)
    records = []
    for path in files:
        record = load_yaml(path, problems)
        if record is None:
            continue
        if validate_record(path, record, validator, bib_keys, problems):
            records.append(record)
        elif invalid is not None:
            invalid.append((path, record))
    return records


def tabulate(records: list[dict[str, Any]], codebook: Codebook, years: dict[str, int | None]) -> SourceTables:
    """Tidy tables from valid records."""
    designs = codebook.vocab["designs"]
    types = codebook.vocab["collaboration_types"]
    source_rows, finding_rows, type_rows = [], [], []
    for rec in records:
        key = rec["key"]
        sample = rec["sample"]
        source_rows.append(
            {
                "key": key,
                "year": years.get(key),
                "design": rec["design"],
                "tier": designs[rec["design"]]["tier"],
                "publication_type": rec["publication_type"],
                "formality": rec["formality"],
                "initiative": rec["initiative"],
                "sample_unit": sample["unit"],
                "sample_size": sample["size"] if isinstance(sample["size"], int) else None,
                "countries": tuple(rec["country"]),
                "phases": tuple(rec["phase"]),
                "collaboration_types": tuple(t for t in rec["collaboration_types"] if t != "not_reported"),
                "seeds": tuple(o["seed"] for o in rec["coded_from"]),
                "appraisal": "appraised" if isinstance(rec["appraisal"], dict) else rec["appraisal"],
                "discussed_in": tuple(rec.get("discussed_in", ())),
            }
        )
        for t in rec["collaboration_types"]:
            if t != "not_reported":
                type_rows.append(
                    {"key": key, "type": t, "family": types[t]["family"], "typology": types[t]["typology"]}
                )
        for i, f in enumerate(rec["findings"]):
            finding_rows.append(
                {
                    "key": key,
                    "finding": i,
                    "theme": f["theme"],
                    "domain": f.get("domain"),
                    "factor": f.get("factor"),
                    "direction": f["direction"],
                    "summary": f["summary"],
                    "where": f["where"],
                    "claims": tuple((c["id"], c["stance"]) for c in f.get("claims", ())),
                }
            )
    src_cols = [
        "key",
        "year",
        "design",
        "tier",
        "publication_type",
        "formality",
        "initiative",
        "sample_unit",
        "sample_size",
        "countries",
        "phases",
        "collaboration_types",
        "seeds",
        "appraisal",
        "discussed_in",
    ]
    return SourceTables(
        sources=pd.DataFrame(source_rows, columns=src_cols).astype({"sample_size": "Int64", "year": "Int64"}),
        findings=pd.DataFrame(
            finding_rows,
            columns=["key", "finding", "theme", "domain", "factor", "direction", "summary", "where", "claims"],
        ),
        types=pd.DataFrame(type_rows, columns=["key", "type", "family", "typology"]),
    )
