"""The transcription of Muijs (2015) Tables 2-4 against what the article's own text says about them.

The prose of the Results is an independent reading of the same numbers, so it catches a transcription
slip (a swapped column, a lost sign, a misplaced cell) that checking the CSV against itself would not.
Line numbers refer to ``shared/seeds/002_*.txt``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from schoolcollab.check import check_project
from schoolcollab.errors import InputError, Problems
from schoolcollab.load import published_coefficients, published_variance
from schoolcollab.paths import Project
from schoolcollab.study.published import load_coefficients

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def coef() -> pd.DataFrame:
    return published_coefficients(ROOT)


@pytest.fixture(scope="module")
def var() -> pd.DataFrame:
    return published_variance(ROOT)


def shares(var: pd.DataFrame, table: int, quantity: str) -> pd.DataFrame:
    rows = var[(var["table"] == table) & (var["quantity"] == quantity)]
    return rows.pivot(index="sample", columns="year", values="value")


def test_every_cell_of_the_three_tables_is_present_once(coef, var) -> None:
    # 15 rows per sample-year in Table 4 (14 intake terms + partnership), 14 in Table 3, 1 in Table 2.
    assert coef.groupby("table").size().to_dict() == {2: 8, 3: 14 * 8, 4: 15 * 8}
    assert not coef.duplicated(["table", "sample", "year", "term"]).any()
    assert var.groupby("table").size().to_dict() == {2: 16, 3: 40, 4: 16}


def test_school_level_share_lies_where_the_text_puts_it(var) -> None:
    # Line 86: 15-20 % of the variance is at school level, more in the supported sample than the supporting.
    level2 = shares(var, 2, "pct_level2")
    assert level2.min().min() >= 15 and level2.max().max() <= 20
    assert (level2.loc["supported"] > level2.loc["supporting"]).all()


def test_variance_explained_by_intake_matches_the_text(var) -> None:
    # Line 260: up to 18.2 % (supported) and 16.7 % (supporting) of the total; up to 42 % and 39 % at
    # school level.
    total = shares(var, 3, "pct_explained_total").max(axis=1)
    level2 = shares(var, 3, "pct_explained_level2").max(axis=1)
    assert total.to_dict() == {"supported": 18.2, "supporting": 16.7}
    assert round(level2["supported"]) == 42 and round(level2["supporting"]) == 39


def test_shares_add_to_100_except_the_cells_flagged_as_misprints(var) -> None:
    wide = var[var["quantity"].isin(["pct_level2", "pct_level1"])]
    sums = wide.groupby(["table", "sample", "year"])["value"].sum()
    # Two shares each rounded to 0.1 may sum to 99.9 or 100.1; more than that is a misprint.
    off = set(sums[(sums - 100).abs() > 0.1 + 1e-9].index)
    flagged = set(wide[wide["note"].str.contains("misprinted", na=False)].set_index(["table", "sample", "year"]).index)
    assert off == flagged == {(4, "supported", 2), (4, "supporting", 1), (4, "supporting", 2)}


def test_partnership_effect_grows_and_is_larger_for_supported_schools(coef) -> None:
    # Line 264: the partnership effect strengthens over time, more so in supported schools; in supporting
    # schools it is significant only in year 3.
    effect = coef[coef["term"] == "partnership"].pivot(index="sample", columns="year", values="coefficient")
    assert effect.loc["supported"].is_monotonic_increasing and effect.loc["supporting"].is_monotonic_increasing
    assert (effect.loc["supported"] > effect.loc["supporting"]).all()
    significant = coef[coef["term"] == "partnership"].pivot(index="sample", columns="year", values="significant")
    assert significant.loc["supporting"].tolist() == [False, False, False, True]
    # The text dates significance in supported schools from year 2, but the printed year-2 estimate
    # (0.623, SE 0.330) gives z = 1.89: the chapter reports the discrepancy rather than hiding it.
    assert significant.loc["supported"].tolist() == [False, False, False, True]


def test_main_predictors_named_in_the_text_are_significant(coef) -> None:
    # Line 260: prior attainment, FSM, IDACI and special needs drive outcomes in both samples.
    t3 = coef[(coef["table"] == 3) & coef["coefficient"].notna()]
    for term in ("ks1_prior_attainment", "fsm", "idaci", "school_action", "statemented"):
        rows = t3[t3["term"] == term]
        assert len(rows) and rows["significant"].all(), term


def test_lost_minus_signs_are_restored_and_recorded(coef) -> None:
    idaci = coef[coef["term"] == "idaci"]
    assert (idaci["coefficient"] < 0).all()
    restored = idaci[idaci["correction"].str.contains("minus sign", na=False)]
    assert len(restored) == 6
    assert all(not p.startswith("-") for p in restored["printed"])


def test_every_change_and_every_gap_is_explained(coef) -> None:
    changed = coef[coef["correction"].astype(bool)]
    assert len(changed) == 16
    # A changed value differs from what was printed; an empty cell always says why.
    assert (changed["printed"] != changed["coefficient"].map("{:.3f}".format)).all()
    assert coef.loc[coef["coefficient"].isna(), "note"].astype(bool).all()


BAD_ROWS = [
    "3,pupil,supported,1,fsm,-1.2,0.2,true,-1.2 (0.2),,",  # line 2: a valid row
    "3,pupil,sponsored,1,idaci,-4.1,0.3,true,,,",  # line 3: unknown sample
    "3,pupil,supported,1,male,minus 1,0.2,true,,,",  # line 4: not a number
    "5,pupil,supported,1,white,,,,,,",  # line 5: unknown table, empty cell, no note
]


def test_a_broken_transcription_names_every_line_and_field_at_once(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data" / "muijs2015", tmp_path / "data" / "muijs2015")
    path = tmp_path / "data" / "muijs2015" / "published_coefficients.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text("\n".join([header, *BAD_ROWS]) + "\n", encoding="utf-8")
    problems = Problems()
    load_coefficients(path, problems)
    with pytest.raises(InputError) as caught:
        problems.raise_if_any()
    found = {(p.line, p.field) for p in caught.value.problems}
    assert found == {(3, "sample"), (4, "coefficient"), (5, "table"), (5, "note")}
    message = str(caught.value)
    assert "published_coefficients.csv:3: sample: unknown sample 'sponsored'" in message
    assert "expected" in message


def test_check_reports_a_bad_variance_share(book: Project) -> None:
    path = book.data / "muijs2015" / "published_variance.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("19.5,19.5", "195,19.5")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_project(book)
    assert [(p.line, p.field) for p in report.problems] == [(2, "value")]


def test_the_model_tables_show_every_transcribed_term(coef) -> None:
    from schoolcollab.present.matched_study import model_table

    for number in (3, 4):
        rendered = model_table(coef, number).data
        terms = coef[coef["table"] == number]["term"].nunique()
        assert len(rendered) == 2 * terms, number  # one block of rows per sample
        assert "White" in set(rendered["Term"])
