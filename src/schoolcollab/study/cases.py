"""The primary-school study's case studies and design facts (``data/muijs2015``): load and validate.

``partnerships.csv`` lists the nine case-study partnerships with the type each belongs to,
``processes.yaml`` what they did, needed and struggled with, and ``study.yaml`` the design's counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..csv_rows import check_rows, worded
from ..errors import Problems, short
from ..inputs import read_csv
from ..review import TEXT_SCHEMA, load_yaml_document
from ..validation import Schema, report_errors
from ..yamlio import line_of, load_yaml

PARTNERSHIP_TYPES = ("I", "II", "III")


PARTNERSHIP_COLUMNS = [
    "partnership",
    "supporting_school",
    "supported_school",
    "supporting_improved",
    "supported_improved",
    "type",
]


def _improved() -> dict[str, Any]:
    return {
        "type": "boolean",
        "x-problem": worded("{value!r} is not true or false", "true or false", code="partnership.not_boolean"),
    }


PARTNERSHIP_ROW = {
    "type": "object",
    "properties": {
        "partnership": {
            "type": "integer",
            "minimum": 1,
            "x-problem": worded(
                "partnership {value!r} is not a number",
                "a whole number from 1, as in the study's Table 1",
                code="partnership.not_a_number",
            ),
        },
        "supporting_improved": _improved(),
        "supported_improved": _improved(),
        "type": {
            "enum": list(PARTNERSHIP_TYPES),
            "x-problem": worded(
                "type {value!r} is not a partnership type", "one of: I, II, III", code="partnership.unknown_type"
            ),
        },
    },
}
# type I: only the supported school improved; II: both; III: neither
IMPLIED_TYPE = {(False, True): "I", (True, True): "II", (False, False): "III"}


def load_partnerships(path: Path, problems: Problems) -> pd.DataFrame:
    """The case-study partnerships; type must agree with which schools improved.

    Empty if any row has a problem, so processes.yaml is not cross-checked against a wrong row.
    """
    columns = PARTNERSHIP_COLUMNS
    frame = read_csv(path, columns, problems, missing="this file (see data/muijs2015/README.md)")
    if frame is None:
        return pd.DataFrame(columns=columns)
    checked = check_rows(path, frame, PARTNERSHIP_ROW, problems)
    seen: dict[int, int] = {}
    for line, row in checked.rows.items():
        number = row["partnership"]
        if isinstance(number, int) and number in seen:
            problems.add(
                path,
                f"partnership {number} is listed twice (also on line {seen[number]})",
                field="partnership",
                line=line,
                expected="each partnership once",
                code="partnership.duplicate",
            )
            checked.bad_lines.add(line)
        if isinstance(number, int):
            seen.setdefault(number, line)
        pair = (row["supporting_improved"], row["supported_improved"])
        if (
            row["type"] in PARTNERSHIP_TYPES
            and all(isinstance(v, bool) for v in pair)
            and IMPLIED_TYPE.get(pair) != row["type"]
        ):
            problems.add(
                path,
                f"type {row['type']} does not match supporting_improved={str(pair[0]).lower()}, "
                f"supported_improved={str(pair[1]).lower()}",
                field="type",
                line=line,
                expected="I (only supported improved), II (both), III (neither)",
                code="partnership.type_mismatch",
            )
            checked.bad_lines.add(line)
    if not checked.ok:
        return pd.DataFrame(columns=columns)
    # the rest of the file's columns (a note) travel with the row, as text
    return checked.frame(list(frame.columns)).astype({"partnership": str})


PROCESS_KINDS = ("activity", "condition", "difficulty")
_NOT_REPORTED = {"const": "not_reported"}
PROCESS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "label",
            "description",
            "reported_as",
            "partnership_types",
            "partnerships",
            "source_location",
        ],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
            "label": TEXT_SCHEMA,
            "description": TEXT_SCHEMA,
            "reported_as": {"enum": list(PROCESS_KINDS)},
            "partnership_types": {
                "anyOf": [
                    _NOT_REPORTED,
                    {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(PARTNERSHIP_TYPES)}},
                ]
            },
            "partnerships": {
                "anyOf": [
                    _NOT_REPORTED,
                    {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "integer", "minimum": 1}},
                ]
            },
            "source_location": TEXT_SCHEMA,
            "note": {"type": "string"},
        },
    },
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
    errors = report_errors(path, Schema(PROCESS_SCHEMA).errors(data), problems)
    if errors and not isinstance(data, list):
        return pd.DataFrame(columns=columns)
    # cross-check the items the schema accepted, so one run reports both kinds of problem
    broken = {err.absolute_path[0] for err in errors if err.absolute_path}
    numbers = pd.to_numeric(partnerships["partnership"], errors="coerce")
    types = {
        int(n): t for n, t in zip(numbers, partnerships["type"], strict=False) if pd.notna(n) and t in PARTNERSHIP_TYPES
    }
    seen: set[str] = set()
    for i, item in enumerate(data):
        if i in broken:
            continue
        if item["id"] in seen:
            problems.add(
                path,
                f"id '{item['id']}' is used twice",
                field=f"[{i}].id",
                line=line_of(path, [i, "id"]),
                expected="a unique id",
                code="process.duplicate_id",
            )
        seen.add(item["id"])
        listed = item["partnerships"]
        if not types:  # partnerships.csv itself failed to load; its own problems are already reported
            continue
        if listed == "not_reported":
            if item["partnership_types"] != "not_reported":
                problems.add(
                    path,
                    "types are given but no partnerships",
                    field=f"[{i}].partnership_types",
                    line=line_of(path, [i, "partnership_types"]),
                    expected="not_reported, as for partnerships",
                    code="process.types_without_partnerships",
                )
            continue
        unknown = [n for n in listed if n not in types]
        if unknown:
            problems.add(
                path,
                f"partnership(s) {unknown} are not in partnerships.csv",
                field=f"[{i}].partnerships",
                line=line_of(path, [i, "partnerships"]),
                expected=f"numbers from {sorted(types)}",
                code="process.unknown_partnership",
            )
            continue
        implied = sorted({types[n] for n in listed}, key=PARTNERSHIP_TYPES.index)
        if item["partnership_types"] == "not_reported" or sorted(item["partnership_types"]) != sorted(implied):
            problems.add(
                path,
                f"partnership_types {item['partnership_types']} do not match the types of "
                f"partnerships {listed} in partnerships.csv",
                field=f"[{i}].partnership_types",
                line=line_of(path, [i, "partnership_types"]),
                expected=str(implied),
                code="process.types_mismatch",
            )
    if errors:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(data).reindex(columns=[*columns, "note"])


def load_study(path: Path, problems: Problems) -> dict[str, Any]:
    """The primary-school study's design (data/muijs2015/study.yaml); the counts the book and the
    simulation use must be whole numbers."""
    doc = load_yaml_document(path, problems)
    wanted = [
        ("programme", "supported_schools"),
        ("programme", "supporting_schools"),
        ("qualitative", "partnerships"),
        ("qualitative", "interviews", "total"),
    ]
    for keys in wanted:
        value: Any = doc
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            problems.add(
                path,
                f"{short(value)} is not a count",
                field=".".join(keys),
                line=line_of(path, list(keys)) if value is not None else None,
                expected="a whole number above 0",
                code="study.not_a_count",
            )
    return doc
