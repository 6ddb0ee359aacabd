"""The review's own apparatus held as data: initiatives, glossary, search strategy, summary template."""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path
from typing import Any

import pandas as pd

from .csv_rows import check_rows
from .errors import Problems, did_you_mean
from .inputs import read_csv
from .validation import yaml_problems
from .yamlio import line_of, load_yaml

INITIATIVE_COLUMNS = [
    "id",
    "name",
    "abbreviation",
    "start_year",
    "end_year",
    "ongoing",
    "summary",
    "source",
    "seed_location",
    "note",
]
TEXT_SCHEMA = {"type": "string", "minLength": 1}
_ROW_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "ongoing", "summary", "source", "seed_location"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "name": TEXT_SCHEMA,
        "summary": TEXT_SCHEMA,
        "source": TEXT_SCHEMA,
        "seed_location": TEXT_SCHEMA,
        "start_year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
        "end_year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
        "ongoing": {"anyOf": [{"type": "boolean"}, {"const": "not_reported"}]},
    },
}
GLOSSARY_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["term", "definition", "source"],
        "additionalProperties": True,
        "properties": {
            "term": TEXT_SCHEMA,
            "definition": TEXT_SCHEMA,
            "source": TEXT_SCHEMA,
            "abbreviation": {"type": "string"},
        },
    },
}


def load_initiatives(path: Path, bib_keys: Set[str], problems: Problems) -> pd.DataFrame:
    """Government initiatives (one row each); CSV line numbers in every problem.

    With problems in its rows, the rows are still returned untyped, so that records are checked against
    the ids the file does hold; if the file itself is unusable the frame is empty.
    """
    frame = read_csv(path, INITIATIVE_COLUMNS, problems, missing="this file (see data/review/README.md)")
    if frame is None:
        return pd.DataFrame(columns=INITIATIVE_COLUMNS)
    if frame.empty:
        problems.add(
            path,
            "the file has a header but no initiatives",
            line=2,
            expected="one row per initiative",
            code="csv.no_rows",
        )
    checked = check_rows(path, frame, _ROW_SCHEMA, problems, terms="an allowed value")
    bad = not checked.ok
    # a ragged row is kept as text: records are still checked against the ids the file holds
    rows = {line: {k: str(v).strip() for k, v in frame.loc[line].items()} for line in checked.ragged}
    rows.update(checked.rows)
    for line, row in checked.rows.items():
        if row["source"] and row["source"] not in bib_keys:
            problems.add(
                path,
                f"source '{row['source']}' is not in references.bib{did_you_mean(row['source'], bib_keys)}",
                field="source",
                line=line,
                expected="a bib key",
                code="initiative.unknown_source",
            )
            bad = True
        if (
            isinstance(row["end_year"], int)
            and isinstance(row["start_year"], int)
            and row["end_year"] < row["start_year"]
        ):
            problems.add(
                path,
                f"end_year {row['end_year']} is before start_year {row['start_year']}",
                field="end_year",
                line=line,
                expected="a year at or after start_year",
                code="initiative.end_before_start",
            )
            bad = True
        if row["start_year"] is None and not row["note"]:
            problems.add(
                path,
                "no start_year and no note saying why",
                field="note",
                line=line,
                expected="a start year, or a note that the source documents give none",
                code="initiative.no_start_year",
            )
            bad = True
        if row["ongoing"] is True and row["end_year"] is not None:
            problems.add(
                path,
                "an ongoing initiative has an end_year",
                field="end_year",
                line=line,
                expected="an empty end_year when ongoing is true",
                code="initiative.ongoing_with_end",
            )
            bad = True
    for line in frame.index[frame["id"].duplicated()]:
        problems.add(
            path,
            f"id '{frame.at[line, 'id']}' is used twice",
            field="id",
            line=int(line),
            expected="unique ids",
            code="initiative.duplicate_id",
        )
        bad = True
    out = pd.DataFrame([rows[line] for line in sorted(rows)], columns=INITIATIVE_COLUMNS)
    if bad:
        return out
    return out.astype({"start_year": "Int64", "end_year": "Int64"}).sort_values(
        ["start_year", "name"], ignore_index=True
    )


def _load_sourced_list(
    path: Path, schema: dict[str, Any], columns: list[str], bib_keys: Set[str], problems: Problems
) -> pd.DataFrame:
    """A YAML list of items that each cite a bib key in ``source``; an optional abbreviation defaults to ''."""
    data = load_yaml(path, problems)
    if data is None or not yaml_problems(path, data, schema, problems):
        return pd.DataFrame(columns=columns)
    for i, item in enumerate(data):
        if item["source"] not in bib_keys:
            problems.add(
                path,
                f"source '{item['source']}' is not in references.bib{did_you_mean(item['source'], bib_keys)}",
                field=f"[{i}].source",
                line=line_of(path, [i, "source"]),
                expected="a bib key",
                code="review.unknown_source",
            )
    frame = pd.DataFrame(data)
    frame["abbreviation"] = frame["abbreviation"].fillna("") if "abbreviation" in frame else ""
    return frame


def load_glossary(path: Path, bib_keys: Set[str], problems: Problems) -> pd.DataFrame:
    """Glossary terms, sorted."""
    frame = _load_sourced_list(
        path, GLOSSARY_SCHEMA, ["term", "abbreviation", "definition", "source"], bib_keys, problems
    )
    return frame.sort_values("term", key=lambda s: s.str.lower(), ignore_index=True)


def load_yaml_document(path: Path, problems: Problems) -> dict[str, Any]:
    """A free-form YAML mapping (search strategy, summary template)."""
    data = load_yaml(path, problems)
    if data is not None and not isinstance(data, dict):
        problems.add(
            path,
            "expected a mapping at the top level",
            line=1,
            expected="'field: value' pairs",
            code="yaml.not_a_mapping",
        )
        return {}
    return data or {}


def included_count(strategy: dict[str, Any]) -> int:
    """The number of sources the review says it included (the last screening stage; the loader
    has checked that it is a number)."""
    return int(strategy["screening"][-1]["count"])


ROLES_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["role", "description", "source", "seed_location"],
        "additionalProperties": False,
        "properties": {
            "role": TEXT_SCHEMA,
            "abbreviation": {"type": "string"},
            "description": TEXT_SCHEMA,
            "source": TEXT_SCHEMA,
            "seed_location": TEXT_SCHEMA,
        },
    },
}


def load_roles(path: Path, bib_keys: Set[str], problems: Problems) -> pd.DataFrame:
    """System-leadership roles (data/review/system_leadership.yaml), in file order."""
    return _load_sourced_list(path, ROLES_SCHEMA, ["role", "abbreviation", "description", "source"], bib_keys, problems)


SEARCH_SCHEMA = {
    "type": "object",
    "required": ["databases", "supplementary", "keywords", "screening"],
    "properties": {
        "databases": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "description"],
                "properties": {"name": TEXT_SCHEMA, "description": TEXT_SCHEMA, "scale": {"type": "string"}},
            },
        },
        "supplementary": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "description"],
                "properties": {"name": TEXT_SCHEMA, "description": TEXT_SCHEMA},
            },
        },
        "keywords": {"type": "array", "minItems": 1, "items": TEXT_SCHEMA},
        "screening": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["stage", "description", "count"],
                "properties": {
                    "stage": TEXT_SCHEMA,
                    "description": TEXT_SCHEMA,
                    "count": {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "not_reported"}]},
                },
            },
        },
    },
}


def load_search_strategy(path: Path, problems: Problems) -> dict[str, Any]:
    """The search strategy, validated: the methods chapter's tables and counts come from it."""
    data = load_yaml_document(path, problems)
    if data and yaml_problems(path, data, SEARCH_SCHEMA, problems):
        counts = [s["count"] for s in data["screening"]]
        if not isinstance(counts[-1], int):
            problems.add(
                path,
                "the last screening stage has no count",
                field="screening",
                line=line_of(path, ["screening", len(counts) - 1, "count"]),
                expected="the number of sources included",
                code="review.no_included_count",
            )
        return data
    return {}
