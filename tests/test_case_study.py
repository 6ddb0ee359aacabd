"""The case-study side of the primary-school study, and the review's selection flow: loaders and views."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from schoolcollab.check import check_project
from schoolcollab.errors import Problems
from schoolcollab.paths import Project
from schoolcollab.present import processes_by_type, processes_table, selection_flow
from schoolcollab.review import load_search_strategy
from schoolcollab.study.cases import load_partnerships, load_processes

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "data" / "muijs2015"


def load(processes: Path, partnerships: Path = CASES / "partnerships.csv") -> tuple[pd.DataFrame, Problems]:
    problems = Problems()
    frame = load_processes(processes, load_partnerships(partnerships, problems), problems)
    return frame, problems


def test_processes_load_and_agree_with_the_partnership_types() -> None:
    frame, problems = load(CASES / "processes.yaml")
    assert not problems.items
    assert len(frame) == 27 and frame["id"].is_unique
    assert set(frame["reported_as"]) == {"activity", "condition", "difficulty"}


def test_retyping_a_partnership_makes_the_processes_file_report_it(tmp_path: Path) -> None:
    # Partnership 8 becomes type II (both improved): every process that lists it now carries a stale type.
    csv = (CASES / "partnerships.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(csv) if line.startswith("8,"))
    csv[row] = csv[row].replace("false,false,III", "true,true,II")
    (tmp_path / "partnerships.csv").write_text("\n".join(csv) + "\n", encoding="utf-8")
    _, problems = load(CASES / "processes.yaml", tmp_path / "partnerships.csv")
    assert problems.items, "expected stale types to be reported"
    assert all(p.field.endswith(".partnership_types") and p.line for p in problems)
    assert all("partnerships.csv" in p.message for p in problems)
    assert {p.code for p in problems} == {"process.types_mismatch"}


def test_unknown_partnership_and_bad_kind_are_named(book: Project) -> None:
    path = book.data / "muijs2015" / "processes.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  partnerships: [4]\n", "  partnerships: [40]\n", 1).replace(
        "reported_as: condition", "reported_as: enabler", 1
    )
    path.write_text(text, encoding="utf-8")
    found = {(p.file.rsplit("/", 1)[-1], p.field) for p in check_project(book).problems}
    assert ("processes.yaml", "[0].partnerships") in found
    assert any(name == "processes.yaml" and field.endswith("reported_as") for name, field in found)


def test_processes_table_groups_by_kind_and_counts_by_type() -> None:
    frame, _ = load(CASES / "processes.yaml")
    shown = processes_table(frame).data
    assert len(shown) == len(frame)
    headings = [h for h in shown["Reported as"] if h]
    assert headings == ["What partnerships did", "What made them work", "What got in the way"]
    counts = processes_by_type(frame)
    listed = frame[frame["partnerships"].map(lambda v: isinstance(v, list))]
    assert counts["III"] == sum("III" in t for t in listed["partnership_types"])
    assert counts["I"] > counts["II"] > counts["III"] > 0


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.axes[0].texts]


def test_selection_flow_shows_reported_counts_and_marks_the_missing_ones() -> None:
    problems = Problems()
    strategy = load_search_strategy(ROOT / "data" / "review" / "search_strategy.yaml", problems)
    figure = selection_flow(strategy, n_coded=123)
    shown = texts(figure)
    missing = sum(not isinstance(s["count"], int) for s in strategy["screening"])
    assert shown.count("count not reported") == missing
    assert f"n = {strategy['screening'][-1]['count']}" in shown
    assert any(t.startswith("n = 123 records") for t in shown)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_count_in_the_study_design_that_is_not_a_number_is_named(book: Project) -> None:
    path = book.data / "muijs2015" / "study.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  supported_schools: 20\n" in text
    path.write_text(text.replace("  supported_schools: 20\n", "  supported_schools: twenty\n"), encoding="utf-8")
    problems = check_project(book).problems
    assert [(p.field, p.line) for p in problems] == [
        ("programme.supported_schools", text.splitlines().index("  supported_schools: 20") + 1)
    ]
