"""The published model tables of Muijs (2015), transcribed in data/muijs2015/, read and validated.

``published_coefficients.csv`` holds one row per table, sample, year and term; ``published_variance.csv``
one row per variance share. Every problem in either file is reported at once with its line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..csv_rows import CheckedRows, check_rows, worded
from ..errors import Problems, one_of
from ..inputs import read_csv

TABLES = {2: "empty", 3: "pupil", 4: "partnership"}
SAMPLES = {"supported", "supporting"}
YEARS = {0, 1, 2, 3}
# the pupil-level terms of the published models, in the order of the study's tables (simulate uses them too)
PUPIL_TERMS = [
    "fsm",
    "idaci",
    "male",
    "school_action",
    "school_action_plus",
    "statemented",
    "home_language_english",
    "white",
    "pakistani_bangladeshi",
    "other_asian",
    "mixed",
    "other_ethnicity",
    "ks1_prior_attainment",
]
TERMS = {"constant", *PUPIL_TERMS, "partnership"}
QUANTITIES = {"pct_level2", "pct_level1", "pct_explained_level2", "pct_explained_level1", "pct_explained_total"}
COEF_COLUMNS = [
    "table",
    "model",
    "sample",
    "year",
    "term",
    "coefficient",
    "se",
    "significant",
    "printed",
    "correction",
    "note",
]
VAR_COLUMNS = ["table", "model", "sample", "year", "quantity", "value", "printed", "correction", "note"]


def _row_schema(key: str, allowed: set[str], numbers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The row schema of a published-table file: the columns both files share, ``key`` (term or
    quantity) with its ``allowed`` values, and the file's ``numbers`` columns."""
    return {
        "type": "object",
        "properties": {
            "table": {
                "enum": sorted(TABLES),
                "type": "integer",
                "x-problem": worded("unknown table {value!r}", "2, 3 or 4", code="published.unknown_table"),
            },
            "sample": {
                "enum": sorted(SAMPLES),
                "x-problem": worded(
                    "unknown sample {value!r}{suggestion}", one_of(SAMPLES), code="published.unknown_sample"
                ),
            },
            "year": {
                "enum": sorted(YEARS),
                "type": "integer",
                "x-problem": worded("unknown year {value!r}", "0 (baseline), 1, 2 or 3", code="published.unknown_year"),
            },
            key: {
                "enum": sorted(allowed),
                "x-problem": worded(
                    f"unknown {key} {{value!r}}{{suggestion}}", one_of(allowed), code="published.unknown_term"
                ),
            },
            **numbers,
        },
    }


COEF_ROW = _row_schema(
    "term",
    TERMS,
    {
        "coefficient": {
            "type": ["number", "null"],
            "x-problem": worded(
                "not a number: {value!r}",
                "a number, or empty for a cell the extraction lost",
                code="published.not_a_number",
            ),
        },
        "se": {
            "type": ["number", "null"],
            "exclusiveMinimum": 0,
            "x-problem": worded(
                "not a positive number: {value!r}", "a standard error > 0, or empty", code="published.bad_se"
            ),
        },
    },
)
VAR_ROW = _row_schema(
    "quantity",
    QUANTITIES,
    {
        "value": {
            "type": ["number", "null"],
            "minimum": 0,
            "maximum": 100,
            "x-problem": worded(
                "not a percentage: {value!r}", "a number from 0 to 100", code="published.not_a_percentage"
            ),
        },
    },
)


def _checked(
    path: Path, columns: list[str], schema: dict[str, Any], key: str, problems: Problems
) -> CheckedRows | None:
    """The file's rows after its row schema and the rules across cells and rows (a table's model, one row
    per cell); None if the file itself is unusable."""
    frame = read_csv(path, columns, problems, missing="this file (see data/muijs2015/README.md)")
    if frame is None:
        return None
    checked = check_rows(path, frame, schema, problems)
    for line, row in checked.rows.items():
        table = row["table"]
        if table in TABLES and row["model"] != TABLES[table]:
            problems.add(
                path,
                f"table {table} holds the {TABLES[table]!r} model, not {row['model']!r}",
                field="model",
                line=line,
                expected=TABLES[table],
                code="published.model_mismatch",
            )
            checked.bad_lines.add(line)
    cells: dict[tuple[str, ...], list[int]] = {}
    for line, row in checked.rows.items():
        cells.setdefault(tuple(str(row[c]) for c in ("table", "sample", "year", key)), []).append(line)
    for (table, sample, year, name), lines in cells.items():
        for line in lines if len(lines) > 1 else []:
            problems.add(
                path,
                f"{name} appears more than once for table {table}, {sample}, year {year}",
                field=key,
                line=line,
                expected="one row per cell",
                code="published.duplicate_cell",
            )
    return checked


def _typed(frame: pd.DataFrame, numbers: list[str]) -> pd.DataFrame:
    """Table and year as whole numbers, ``numbers`` as floats (empty cells become missing)."""
    out = frame.reset_index(drop=True)
    for col in ("table", "year"):
        number = pd.to_numeric(out[col], errors="coerce")
        out[col] = number.where(number == number.round()).astype("Int64")  # 1.5 is no year: missing
    for col in numbers:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def load_coefficients(path: Path, problems: Problems) -> pd.DataFrame:
    checked = _checked(path, COEF_COLUMNS, COEF_ROW, "term", problems)
    if checked is None:
        return pd.DataFrame(columns=COEF_COLUMNS)
    for line, row in checked.rows.items():
        if row["coefficient"] is None and not row["note"]:
            problems.add(
                path,
                "an empty cell needs a note saying why",
                field="note",
                line=line,
                expected="e.g. 'cell lost in the extraction'",
                code="published.empty_without_note",
            )
    out = _typed(checked.frame(COEF_COLUMNS), ["coefficient", "se"])
    # Italics marked significance in print and were lost: recompute, never trust a typed value.
    out["significant"] = (out["coefficient"] / out["se"]).abs() >= 1.96
    return out


def load_variance(path: Path, problems: Problems) -> pd.DataFrame:
    checked = _checked(path, VAR_COLUMNS, VAR_ROW, "quantity", problems)
    if checked is None:
        return pd.DataFrame(columns=VAR_COLUMNS)
    return _typed(checked.frame(VAR_COLUMNS), ["value"])
