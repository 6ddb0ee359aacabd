"""The review's own apparatus held as data: initiatives, glossary, search strategy, summary template."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

from .errors import Problems, did_you_mean, short
from .evidence.records import describe, error_line, schema_errors
from .inputs import read_csv
from .yamlio import line_of, load_yaml

INITIATIVE_COLUMNS = ["id", "name", "abbreviation", "start_year", "end_year", "ongoing", "summary", "source",
                      "seed_location", "note"]
_TEXT = {"type": "string", "minLength": 1}
_ROW_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "ongoing", "summary", "source", "seed_location"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "name": _TEXT, "summary": _TEXT, "source": _TEXT, "seed_location": _TEXT,
        "start_year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
        "end_year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
        "ongoing": {"anyOf": [{"type": "boolean"}, {"const": "not_reported"}]},
    },
}
GLOSSARY_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["term", "definition", "source"], "additionalProperties": True,
              "properties": {"term": _TEXT, "definition": _TEXT, "source": _TEXT, "abbreviation": {"type": "string"}}},
}


def _yaml_problems(path: Path, data: Any, schema: dict[str, Any], problems: Problems) -> bool:
    return not _report(path, schema_errors(jsonschema.Draft202012Validator(schema), data), problems)


def _report(path: Path, errors: list[jsonschema.ValidationError], problems: Problems) -> list[jsonschema.ValidationError]:
    """Add each schema error as a problem naming its field and line; returns the errors."""
    for err in errors:
        field, message, expected = describe(err, terms="an allowed value")
        problems.add(path, message, field=field, line=error_line(path, err), expected=expected)
    return errors


_WHOLE = re.compile(r"^-?[0-9]+$")


def load_initiatives(path: Path, bib_keys: set[str], problems: Problems) -> pd.DataFrame:
    """Government initiatives (one row each); CSV line numbers in every problem.

    With problems in its rows, the rows are still returned untyped, so that records are checked against
    the ids the file does hold; if the file itself is unusable the frame is empty.
    """
    frame = read_csv(path, INITIATIVE_COLUMNS, problems, missing="this file (see data/review/README.md)")
    if frame is None:
        return pd.DataFrame(columns=INITIATIVE_COLUMNS)
    if frame.empty:
        problems.add(path, "the file has a header but no initiatives", line=2, expected="one row per initiative")
    validator = jsonschema.Draft202012Validator(_ROW_SCHEMA)
    rows, bad = [], bool(frame.attrs["ragged"])
    for line, raw in zip(frame.index, frame.to_dict("records")):
        row: dict[str, Any] = {k: v.strip() for k, v in raw.items() if k in INITIATIVE_COLUMNS}
        rows.append(row)
        if line in frame.attrs["ragged"]:
            continue
        for col in ("start_year", "end_year"):
            row[col] = int(row[col]) if _WHOLE.match(row[col]) else (None if row[col] == "" else row[col])
        row["ongoing"] = {"true": True, "false": False}.get(row["ongoing"].lower(), row["ongoing"])
        for err in schema_errors(validator, row):
            field, message, expected = describe(err, terms="an allowed value")
            problems.add(path, message, field=field, line=line, expected=expected)
            bad = True
        if row["source"] and row["source"] not in bib_keys:
            problems.add(path, f"source '{row['source']}' is not in references.bib"
                         f"{did_you_mean(row['source'], bib_keys)}", field="source", line=line, expected="a bib key")
            bad = True
        if isinstance(row["end_year"], int) and isinstance(row["start_year"], int) and row["end_year"] < row["start_year"]:
            problems.add(path, f"end_year {row['end_year']} is before start_year {row['start_year']}",
                         field="end_year", line=line, expected="a year at or after start_year")
            bad = True
        if row["start_year"] is None and not row["note"]:
            problems.add(path, "no start_year and no note saying why", field="note", line=line,
                         expected="a start year, or a note that the source documents give none")
            bad = True
        if row["ongoing"] is True and row["end_year"] is not None:
            problems.add(path, "an ongoing initiative has an end_year", field="end_year", line=line,
                         expected="an empty end_year when ongoing is true")
            bad = True
    for line in frame.index[frame["id"].duplicated()]:
        problems.add(path, f"id '{frame.at[line, 'id']}' is used twice", field="id", line=int(line),
                     expected="unique ids")
        bad = True
    out = pd.DataFrame(rows, columns=INITIATIVE_COLUMNS)
    if bad:
        return out
    return out.astype({"start_year": "Int64", "end_year": "Int64"}).sort_values(["start_year", "name"], ignore_index=True)


def _load_sourced_list(path: Path, schema: dict[str, Any], columns: list[str], bib_keys: set[str],
                       problems: Problems) -> pd.DataFrame:
    """A YAML list of items that each cite a bib key in ``source``; an optional abbreviation defaults to ''."""
    data = load_yaml(path, problems)
    if data is None or not _yaml_problems(path, data, schema, problems):
        return pd.DataFrame(columns=columns)
    for i, item in enumerate(data):
        if item["source"] not in bib_keys:
            problems.add(path, f"source '{item['source']}' is not in references.bib"
                         f"{did_you_mean(item['source'], bib_keys)}", field=f"[{i}].source",
                         line=line_of(path, [i, "source"]), expected="a bib key")
    frame = pd.DataFrame(data)
    frame["abbreviation"] = frame["abbreviation"].fillna("") if "abbreviation" in frame else ""
    return frame


def load_glossary(path: Path, bib_keys: set[str], problems: Problems) -> pd.DataFrame:
    """Glossary terms, sorted."""
    frame = _load_sourced_list(path, GLOSSARY_SCHEMA, ["term", "abbreviation", "definition", "source"], bib_keys,
                               problems)
    return frame.sort_values("term", key=lambda s: s.str.lower(), ignore_index=True)


def load_yaml_document(path: Path, problems: Problems) -> dict[str, Any]:
    """A free-form YAML mapping (search strategy, summary template)."""
    data = load_yaml(path, problems)
    if data is not None and not isinstance(data, dict):
        problems.add(path, "expected a mapping at the top level", line=1, expected="'field: value' pairs")
        return {}
    return data or {}


def included_count(strategy: dict[str, Any]) -> int:
    """The number of sources the review says it included (the last screening stage; the loader
    has checked that it is a number)."""
    return int(strategy["screening"][-1]["count"])


ROLES_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["role", "description", "source", "seed_location"],
              "additionalProperties": False,
              "properties": {"role": _TEXT, "abbreviation": {"type": "string"}, "description": _TEXT,
                             "source": _TEXT, "seed_location": _TEXT}},
}


def load_roles(path: Path, bib_keys: set[str], problems: Problems) -> pd.DataFrame:
    """System-leadership roles (data/review/system_leadership.yaml), in file order."""
    return _load_sourced_list(path, ROLES_SCHEMA, ["role", "abbreviation", "description", "source"], bib_keys,
                              problems)


SEARCH_SCHEMA = {
    "type": "object",
    "required": ["databases", "supplementary", "keywords", "screening"],
    "properties": {
        "databases": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "description"],
            "properties": {"name": _TEXT, "description": _TEXT, "scale": {"type": "string"}}}},
        "supplementary": {"type": "array", "items": {
            "type": "object", "required": ["name", "description"],
            "properties": {"name": _TEXT, "description": _TEXT}}},
        "keywords": {"type": "array", "minItems": 1, "items": _TEXT},
        "screening": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["stage", "description", "count"],
            "properties": {"stage": _TEXT, "description": _TEXT,
                           "count": {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "not_reported"}]}}}},
    },
}


def load_search_strategy(path: Path, problems: Problems) -> dict[str, Any]:
    """The search strategy, validated: the methods chapter's tables and counts come from it."""
    data = load_yaml_document(path, problems)
    if data and _yaml_problems(path, data, SEARCH_SCHEMA, problems):
        counts = [s["count"] for s in data["screening"]]
        if not isinstance(counts[-1], int):
            problems.add(path, "the last screening stage has no count", field="screening",
                         line=line_of(path, ["screening", len(counts) - 1, "count"]),
                         expected="the number of sources included")
        return data
    return {}


PARTNERSHIP_TYPES = ("I", "II", "III")


def load_partnerships(path: Path, problems: Problems) -> pd.DataFrame:
    """The case-study partnerships; type must agree with which schools improved.

    Empty if any row has a problem, so processes.yaml is not cross-checked against a wrong row.
    """
    columns = ["partnership", "supporting_school", "supported_school", "supporting_improved", "supported_improved",
               "type"]
    frame = read_csv(path, columns, problems, missing="this file (see data/muijs2015/README.md)")
    if frame is None:
        return pd.DataFrame(columns=columns)
    # type I: only the supported school improved; II: both; III: neither
    implied = {("false", "true"): "I", ("true", "true"): "II", ("false", "false"): "III"}
    bad = bool(frame.attrs["ragged"])
    seen: dict[str, int] = {}
    for line, row in frame.drop(index=frame.attrs["ragged"]).iterrows():
        line = int(line)
        number = row["partnership"].strip()
        if not (number.isascii() and number.isdigit() and int(number) > 0):
            problems.add(path, f"partnership {number!r} is not a number", field="partnership", line=line,
                         expected="a whole number from 1, as in the study's Table 1")
            bad = True
        elif number in seen:
            problems.add(path, f"partnership {number} is listed twice (also on line {seen[number]})",
                         field="partnership", line=line, expected="each partnership once")
            bad = True
        seen.setdefault(number, line)
        pair = (row["supporting_improved"].strip().lower(), row["supported_improved"].strip().lower())
        for col, value in zip(("supporting_improved", "supported_improved"), pair):
            if value not in ("true", "false"):
                problems.add(path, f"{row[col]!r} is not true or false", field=col, line=line,
                             expected="true or false")
                bad = True
        if row["type"] not in PARTNERSHIP_TYPES:
            problems.add(path, f"type {row['type']!r} is not a partnership type", field="type", line=line,
                         expected="one of: I, II, III")
            bad = True
        elif all(v in ("true", "false") for v in pair) and implied.get(pair) != row["type"]:
            problems.add(path, f"type {row['type']} does not match supporting_improved={pair[0]}, "
                         f"supported_improved={pair[1]}", field="type", line=line,
                         expected="I (only supported improved), II (both), III (neither)")
            bad = True
    if bad:
        return pd.DataFrame(columns=columns)
    for col in ("supporting_improved", "supported_improved"):
        frame[col] = frame[col].str.strip().str.lower().eq("true")
    return frame.reset_index(drop=True)


PROCESS_KINDS = ("activity", "condition", "difficulty")
_NOT_REPORTED = {"const": "not_reported"}
PROCESS_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": False,
              "required": ["id", "label", "description", "reported_as", "partnership_types", "partnerships",
                           "source_location"],
              "properties": {
                  "id": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "label": _TEXT, "description": _TEXT,
                  "reported_as": {"enum": list(PROCESS_KINDS)},
                  "partnership_types": {"anyOf": [_NOT_REPORTED, {"type": "array", "minItems": 1, "uniqueItems": True,
                                                                   "items": {"enum": list(PARTNERSHIP_TYPES)}}]},
                  "partnerships": {"anyOf": [_NOT_REPORTED, {"type": "array", "minItems": 1, "uniqueItems": True,
                                                              "items": {"type": "integer", "minimum": 1}}]},
                  "source_location": _TEXT, "note": {"type": "string"}}},
}


def load_processes(path: Path, partnerships: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """Processes the case studies report (data/muijs2015/processes.yaml), checked against the partnerships.

    Each listed partnership must exist, and ``partnership_types`` must be exactly the types of the listed
    partnerships, so retyping a partnership in partnerships.csv cannot leave this file silently stale.
    """
    columns = ["id", "label", "description", "reported_as", "partnership_types", "partnerships", "source_location"]
    data = load_yaml(path, problems)
    if data is None:
        return pd.DataFrame(columns=columns)
    errors = _report(path, schema_errors(jsonschema.Draft202012Validator(PROCESS_SCHEMA), data), problems)
    if errors:
        if not isinstance(data, list):
            return pd.DataFrame(columns=columns)
    # cross-check the items the schema accepted, so one run reports both kinds of problem
    broken = {err.absolute_path[0] for err in errors if err.absolute_path}
    numbers = pd.to_numeric(partnerships["partnership"], errors="coerce")
    types = {int(n): t for n, t in zip(numbers, partnerships["type"]) if pd.notna(n) and t in PARTNERSHIP_TYPES}
    seen: set[str] = set()
    for i, item in enumerate(data):
        if i in broken:
            continue
        if item["id"] in seen:
            problems.add(path, f"id '{item['id']}' is used twice", field=f"[{i}].id", line=line_of(path, [i, "id"]),
                         expected="a unique id")
        seen.add(item["id"])
        listed = item["partnerships"]
        if not types:  # partnerships.csv itself failed to load; its own problems are already reported
            continue
        if listed == "not_reported":
            if item["partnership_types"] != "not_reported":
                problems.add(path, "types are given but no partnerships", field=f"[{i}].partnership_types",
                             line=line_of(path, [i, "partnership_types"]),
                             expected="not_reported, as for partnerships")
            continue
        unknown = [n for n in listed if n not in types]
        if unknown:
            problems.add(path, f"partnership(s) {unknown} are not in partnerships.csv", field=f"[{i}].partnerships",
                         line=line_of(path, [i, "partnerships"]), expected=f"numbers from {sorted(types)}")
            continue
        implied = sorted({types[n] for n in listed}, key=PARTNERSHIP_TYPES.index)
        if item["partnership_types"] == "not_reported" or sorted(item["partnership_types"]) != sorted(implied):
            problems.add(path, f"partnership_types {item['partnership_types']} do not match the types of "
                         f"partnerships {listed} in partnerships.csv", field=f"[{i}].partnership_types",
                         line=line_of(path, [i, "partnership_types"]), expected=str(implied))
    if errors:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(data).reindex(columns=[*columns, "note"])


def load_study(path: Path, problems: Problems) -> dict[str, Any]:
    """The primary-school study's design (data/muijs2015/study.yaml); the counts the book and the
    simulation use must be whole numbers."""
    doc = load_yaml_document(path, problems)
    wanted = [("programme", "supported_schools"), ("programme", "supporting_schools"),
              ("qualitative", "partnerships"), ("qualitative", "interviews", "total")]
    for keys in wanted:
        value: Any = doc
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            problems.add(path, f"{short(value)} is not a count", field=".".join(keys),
                         line=line_of(path, list(keys)) if value is not None else None,
                         expected="a whole number above 0")
    return doc
