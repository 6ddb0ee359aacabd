"""The published model tables of Muijs (2015), transcribed in data/muijs2015/, read and validated.

``published_coefficients.csv`` holds one row per table, sample, year and term; ``published_variance.csv``
one row per variance share. Every problem in either file is reported at once with its line and column.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..errors import Problems, did_you_mean, one_of
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


def _read(path: Path, columns: list[str], problems: Problems) -> pd.DataFrame | None:
    """The file's well-formed rows, indexed by line (a row with the wrong number of cells is reported
    by read_csv and left out here, its cells being shifted)."""
    frame = read_csv(path, columns, problems, missing="this file (see data/muijs2015/README.md)")
    return None if frame is None else frame.drop(index=frame.attrs["ragged"])


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _check_keys(path: Path, frame: pd.DataFrame, key: str, allowed: set[str], problems: Problems) -> None:
    """The columns shared by both files, plus ``key`` (term or quantity), row by row."""
    for i, row in frame.iterrows():
        line = int(i)
        table = _number(row["table"])
        if table not in TABLES:
            problems.add(
                path,
                f"unknown table {row['table']!r}",
                field="table",
                line=line,
                expected="2, 3 or 4",
                code="published.unknown_table",
            )
        elif row["model"] != TABLES[int(table)]:
            problems.add(
                path,
                f"table {int(table)} holds the {TABLES[int(table)]!r} model, not {row['model']!r}",
                field="model",
                line=line,
                expected=TABLES[int(table)],
                code="published.model_mismatch",
            )
        if row["sample"] not in SAMPLES:
            problems.add(
                path,
                f"unknown sample {row['sample']!r}{did_you_mean(row['sample'], SAMPLES)}",
                field="sample",
                line=line,
                expected=one_of(SAMPLES),
                code="published.unknown_sample",
            )
        if _number(row["year"]) not in YEARS:
            problems.add(
                path,
                f"unknown year {row['year']!r}",
                field="year",
                line=line,
                expected="0 (baseline), 1, 2 or 3",
                code="published.unknown_year",
            )
        if row[key] not in allowed:
            problems.add(
                path,
                f"unknown {key} {row[key]!r}{did_you_mean(row[key], allowed)}",
                field=key,
                line=line,
                expected=one_of(allowed),
                code="published.unknown_term",
            )
    dupes = frame[frame.duplicated(["table", "sample", "year", key], keep=False)]
    for i, row in dupes.iterrows():
        problems.add(
            path,
            f"{row[key]} appears more than once for table {row['table']}, {row['sample']}, year {row['year']}",
            field=key,
            line=int(i),
            expected="one row per cell",
            code="published.duplicate_cell",
        )


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
    frame = _read(path, COEF_COLUMNS, problems)
    if frame is None:
        return pd.DataFrame(columns=COEF_COLUMNS)
    _check_keys(path, frame, "term", TERMS, problems)
    for i, row in frame.iterrows():
        line = int(i)
        coef, se = _number(row["coefficient"]), _number(row["se"])
        if row["coefficient"] and coef is None:
            problems.add(
                path,
                f"not a number: {row['coefficient']!r}",
                field="coefficient",
                line=line,
                expected="a number, or empty for a cell the extraction lost",
                code="published.not_a_number",
            )
        if row["se"] and (se is None or se <= 0):
            problems.add(
                path,
                f"not a positive number: {row['se']!r}",
                field="se",
                line=line,
                expected="a standard error > 0, or empty",
                code="published.bad_se",
            )
        if not row["coefficient"] and not row["note"]:
            problems.add(
                path,
                "an empty cell needs a note saying why",
                field="note",
                line=line,
                expected="e.g. 'cell lost in the extraction'",
                code="published.empty_without_note",
            )
    out = _typed(frame, ["coefficient", "se"])
    # Italics marked significance in print and were lost: recompute, never trust a typed value.
    out["significant"] = (out["coefficient"] / out["se"]).abs() >= 1.96
    return out


def load_variance(path: Path, problems: Problems) -> pd.DataFrame:
    frame = _read(path, VAR_COLUMNS, problems)
    if frame is None:
        return pd.DataFrame(columns=VAR_COLUMNS)
    _check_keys(path, frame, "quantity", QUANTITIES, problems)
    for i, row in frame.iterrows():
        value = _number(row["value"])
        if row["value"] and (value is None or not 0 <= value <= 100):
            problems.add(
                path,
                f"not a percentage: {row['value']!r}",
                field="value",
                line=int(i),
                expected="a number from 0 to 100",
                code="published.not_a_percentage",
            )
    out = _typed(frame, ["value"])
    return out
