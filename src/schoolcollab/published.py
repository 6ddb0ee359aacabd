"""The published model tables of Muijs (2015), transcribed in data/muijs2015/, read and validated.

``published_coefficients.csv`` holds one row per table, sample, year and term; ``published_variance.csv``
one row per variance share. Every problem in either file is reported at once with its line and column.
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .errors import Problems, one_of
from .inputs import read_text

TABLES = {2: "empty", 3: "pupil", 4: "partnership"}
SAMPLES = {"supported", "supporting"}
YEARS = {0, 1, 2, 3}
TERMS = {"constant", "fsm", "idaci", "male", "school_action", "school_action_plus", "statemented",
         "home_language_english", "white", "pakistani_bangladeshi", "other_asian", "mixed", "other_ethnicity",
         "ks1_prior_attainment", "partnership"}
QUANTITIES = {"pct_level2", "pct_level1", "pct_explained_level2", "pct_explained_level1", "pct_explained_total"}
COEF_COLUMNS = ["table", "model", "sample", "year", "term", "coefficient", "se", "significant", "printed",
                "correction", "note"]
VAR_COLUMNS = ["table", "model", "sample", "year", "quantity", "value", "printed", "correction", "note"]


def _read(path: Path, columns: list[str], problems: Problems) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        problems.add(path, f"cannot be read as CSV: {exc}", expected="a UTF-8 CSV file")
        return None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems.add(path, f"missing column(s): {', '.join(missing)}", line=1, expected=", ".join(columns))
        return None
    return frame


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _check_keys(path: Path, frame: pd.DataFrame, key: str, allowed: set[str], problems: Problems) -> None:
    """The columns shared by both files, plus ``key`` (term or quantity), row by row."""
    for i, row in frame.iterrows():
        line = int(i) + 2
        table = _number(row["table"])
        if table not in TABLES:
            problems.add(path, f"unknown table {row['table']!r}", field="table", line=line, expected="2, 3 or 4")
        elif row["model"] != TABLES[int(table)]:
            problems.add(path, f"table {int(table)} holds the {TABLES[int(table)]!r} model, not {row['model']!r}",
                         field="model", line=line, expected=TABLES[int(table)])
        if row["sample"] not in SAMPLES:
            problems.add(path, f"unknown sample {row['sample']!r}", field="sample", line=line, expected=one_of(SAMPLES))
        if _number(row["year"]) not in YEARS:
            problems.add(path, f"unknown year {row['year']!r}", field="year", line=line,
                         expected="0 (baseline), 1, 2 or 3")
        if row[key] not in allowed:
            problems.add(path, f"unknown {key} {row[key]!r}", field=key, line=line, expected=one_of(allowed))
    dupes = frame[frame.duplicated(["table", "sample", "year", key], keep=False)]
    for i, row in dupes.iterrows():
        problems.add(path, f"{row[key]} appears more than once for table {row['table']}, {row['sample']}, "
                     f"year {row['year']}", field=key, line=int(i) + 2, expected="one row per cell")


def _typed(frame: pd.DataFrame, numbers: list[str]) -> pd.DataFrame:
    """Table and year as whole numbers, ``numbers`` as floats (empty cells become missing)."""
    out = frame.copy()
    for col in ("table", "year"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    for col in numbers:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def load_coefficients(path: Path, problems: Problems) -> pd.DataFrame:
    frame = _read(path, COEF_COLUMNS, problems)
    if frame is None:
        return pd.DataFrame(columns=COEF_COLUMNS)
    _check_keys(path, frame, "term", TERMS, problems)
    for i, row in frame.iterrows():
        line = int(i) + 2
        coef, se = _number(row["coefficient"]), _number(row["se"])
        if row["coefficient"] and coef is None:
            problems.add(path, f"not a number: {row['coefficient']!r}", field="coefficient", line=line,
                         expected="a number, or empty for a cell the extraction lost")
        if row["se"] and (se is None or se <= 0):
            problems.add(path, f"not a positive number: {row['se']!r}", field="se", line=line,
                         expected="a standard error > 0, or empty")
        if not row["coefficient"] and not row["note"]:
            problems.add(path, "an empty cell needs a note saying why", field="note", line=line,
                         expected="e.g. 'cell lost in the extraction'")
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
            problems.add(path, f"not a percentage: {row['value']!r}", field="value", line=int(i) + 2,
                         expected="a number from 0 to 100")
    out = _typed(frame, ["value"])
    return out


def published_coefficients(root: Path) -> pd.DataFrame:
    """Tables 2-4 of Muijs (2015) as tidy rows; raises InputError naming every problem."""
    problems = Problems()
    frame = load_coefficients(root / "data" / "muijs2015" / "published_coefficients.csv", problems)
    problems.raise_if_any()
    return frame


def published_variance(root: Path) -> pd.DataFrame:
    """The variance shares printed under Tables 2-4; raises InputError naming every problem."""
    problems = Problems()
    frame = load_variance(root / "data" / "muijs2015" / "published_variance.csv", problems)
    problems.raise_if_any()
    return frame
