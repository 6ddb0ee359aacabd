"""Every CSV input is validated the same way: a JSON-Schema row schema declares each column's kind and rule.

A CSV cell is text. The row schema says what each column holds (``integer``, ``number``, ``boolean``,
``null`` for an empty cell, or text), so :func:`typed_row` turns the cells into those kinds first and the
schema then judges the typed row, exactly as a YAML record is judged. A column may carry an ``x-problem``
annotation (ignored by jsonschema) with the wording, what would be valid and the reason code of any error in
that column, for files whose messages speak the study's language ("unknown sample 'suported'").

Rules across rows or across columns (a repeated id, a type that disagrees with two other cells) stay in
the loader, which runs them on the rows :func:`check_rows` returns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import Problems, did_you_mean
from .problem_codes import check_code
from .validation import CODEBOOK_TERMS, Schema, describe

_WHOLE = re.compile(r"^-?[0-9]+$")
_BOOLEANS = {"true": True, "false": False}


def _kinds(prop: dict[str, Any]) -> set[str]:
    """The JSON types a column's schema allows, through ``anyOf`` branches."""
    declared = prop.get("type", [])
    kinds = {declared} if isinstance(declared, str) else set(declared)
    for branch in prop.get("anyOf", []):
        kinds |= _kinds(branch)
    return kinds


def worded(message: str, expected: str, *, code: str) -> dict[str, str]:
    """A column's ``x-problem`` annotation: ``message`` may use ``{value}`` (the cell as written) and
    ``{suggestion}`` (a close allowed value, for an ``enum`` column)."""
    return {"message": message, "expected": expected, "code": check_code(code)}


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # 'nan' and 'inf' parse, but are no reported value


def typed_row(cells: dict[str, str], schema: dict[str, Any]) -> dict[str, Any]:
    """The row's cells (stripped), each converted to the first kind its column allows that it can be.

    A cell that fits none stays text, so the schema reports it as the wrong kind with its own words.
    """
    row: dict[str, Any] = {name: text.strip() for name, text in cells.items()}
    for name, prop in schema.get("properties", {}).items():
        if name not in row:
            continue
        text, kinds = row[name], _kinds(prop)
        if text == "" and "null" in kinds:
            row[name] = None
        elif "integer" in kinds and _WHOLE.match(text):
            row[name] = int(text)
        elif "number" in kinds and (number := _number(text)) is not None:
            row[name] = number
        elif "boolean" in kinds and text.lower() in _BOOLEANS:
            row[name] = _BOOLEANS[text.lower()]
    return row


@dataclass
class CheckedRows:
    """The rows of one CSV file after its row schema: typed, by the line each starts on."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    bad_lines: set[int] = field(default_factory=set)  # lines with a problem, including ragged ones
    ragged: list[int] = field(default_factory=list)  # rows whose cells shifted: not typed, not checked

    @property
    def ok(self) -> bool:
        return not self.bad_lines

    def frame(self, columns: list[str]) -> pd.DataFrame:
        """The typed rows as a table with ``columns``, in file order."""
        return pd.DataFrame([self.rows[line] for line in sorted(self.rows)], columns=columns)


def _worded(prop: dict[str, Any], raw: str) -> tuple[str, str, str] | None:
    """A column's own message, expected value and code for any error in it (``x-problem``), if it has one."""
    own = prop.get("x-problem")
    if own is None:
        return None
    allowed = [str(v) for v in prop.get("enum", [])]
    suggestion = did_you_mean(raw, allowed) if allowed else ""
    return own["message"].format(value=raw, suggestion=suggestion), own["expected"], own["code"]


def check_rows(
    path: Path, frame: pd.DataFrame, schema: dict[str, Any], problems: Problems, *, terms: str = CODEBOOK_TERMS
) -> CheckedRows:
    """Type and validate every well-formed row of ``frame`` (from :func:`~schoolcollab.inputs.read_csv`).

    Each schema error becomes one problem with the row's line and the column as its field; a column's
    ``x-problem`` words it, :func:`~schoolcollab.validation.describe` otherwise.
    """
    validator = Schema(schema)
    props = schema.get("properties", {})
    ragged = [int(line) for line in frame.attrs.get("ragged", [])]
    checked = CheckedRows(bad_lines=set(ragged), ragged=ragged)
    for line, cells in zip(frame.index, frame.to_dict("records"), strict=True):
        line = int(line)
        if line in ragged:
            continue
        raw = {str(k): str(v).strip() for k, v in cells.items()}
        row = typed_row(raw, schema)
        checked.rows[line] = row
        reported: set[str] = set()  # one problem per column, however many of its rules fail
        for err in validator.errors(row):
            column = str(err.absolute_path[0]) if err.absolute_path else ""
            own = _worded(props.get(column, {}), raw.get(column, "")) if column else None
            if own is not None:
                if column in reported:
                    continue
                reported.add(column)
                message, expected, code = own
                problems.add(path, message, field=column, line=line, expected=expected, code=code)
            else:
                where, message, expected, code = describe(err, terms=terms)
                problems.add(path, message, field=where or column, line=line, expected=expected, code=code)
            checked.bad_lines.add(line)
    return checked
