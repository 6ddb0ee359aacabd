"""Editions and PRISMA counts on the mini book, whose answers are known."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from schoolcollab import editions as ed
from schoolcollab import prisma
from schoolcollab.check import check_project
from schoolcollab.errors import Problems
from schoolcollab.load import collect_evidence

from minibook import make_minibook


def load(project):
    problems = Problems()
    ev = collect_evidence(project, problems)
    assert not problems.items, [str(p) for p in problems]
    return ev


@pytest.fixture
def mini(tmp_path: Path):
    return make_minibook(tmp_path / "mini")


def test_names_must_be_new_later_and_version_like(mini) -> None:
    ev = load(mini)
    ed.write_edition(mini, ev, "2026.1", "2026-01-01", "not_reported", "first")
    for name, why in (
        ("2026.1", "already exists"),
        ("2025.12", "sort before"),
        ("2026.1.0", "sort before"),
        ("spring", "not an edition name"),
    ):
        with pytest.raises(ed.EditionRefused, match=why):
            ed.write_edition(mini, ev, name, "2026-01-02", "not_reported", "")
    ed.write_edition(mini, ev, "2026.10", "2026-02-01", "2026-01-15", "second")  # 10 sorts after 1, not as text
    assert [e.name for e in ed.list_editions(mini)] == ["2026.1", "2026.10"]


def test_status_is_the_edition_until_the_evidence_changes(mini) -> None:
    assert ed.status(mini).label() == "Draft (no edition recorded yet)"
    ed.write_edition(mini, load(mini), "2026.1", "2026-01-01", "not_reported", "")
    assert ed.status(mini).label() == "Edition 2026.1" and ed.baseline(mini) is None
    (mini.sources / "gamma2014three.yaml").write_text((mini.sources / "gamma2014three.yaml").read_text() + "# x\n")
    assert ed.status(mini).label() == "Draft of the edition after 2026.1"
    assert ed.baseline(mini).name == "2026.1"


def test_compare_finds_added_removed_recoded_sources_claims_and_cells(mini) -> None:
    ed.write_edition(mini, load(mini), "2026.1", "2026-01-01", "not_reported", "")
    gamma = yaml.safe_load((mini.sources / "gamma2014three.yaml").read_text())
    (mini.sources / "gamma2014three.yaml").unlink()  # removed
    gamma.update(key="epsilon2013five", design="survey")  # added, on the same findings
    (mini.sources / "epsilon2013five.yaml").write_text(yaml.safe_dump(gamma))
    alpha = mini.sources / "alpha2012two.yaml"
    alpha.write_text(alpha.read_text().replace("formality: formal", "formality: both"))  # recoded
    changes = ed.compare(mini, load(mini))
    assert (changes.since, changes.added, changes.removed, changes.recoded) == (
        "2026.1",
        ["epsilon2013five"],
        ["gamma2014three"],
        ["alpha2012two"],
    )
    assert changes.gap_map_recorded and changes.cells.empty  # the same findings in the same cells
    # the contrary study is now by an author outside the team: nothing in the ledger linked it, so no rating moved
    assert set(changes.claims["claim"]) <= {"federations-raise-attainment", "leadership-matters"}
    history = ed.history(mini)
    assert list(history["edition"]) == ["2026.1"] and history.loc[0, "sources"] == 4


def test_prisma_stages_may_not_exceed_the_stage_before(tmp_path: Path, mini) -> None:
    (mini.data / "searches").mkdir()
    search = {
        "edition": "2026.2",
        "search_date": "2026-11-30",
        "source": "test",
        **{c: "not_reported" for c in prisma.COUNTS},
        "dbr_excluded": [{"reason": "off topic", "n": 9}],
        "other_excluded": "not_reported",
    }
    search.update(
        database_results=30,
        register_results=0,
        duplicates=5,
        records_screened=26,
        records_excluded=20,
        dbr_sought_reports=8,
        dbr_assessed=6,
        new_studies=4,
    )
    (mini.data / "searches" / "2026.2.yaml").write_text(yaml.safe_dump(search))
    said = "\n".join(map(str, check_project(mini).problems))  # searches are checked by `schoolcollab check`
    assert "records_screened is 26, more than the 25 left" in said
    assert "dbr_sought_reports is 8, more than the 6 left" in said
    assert "dbr_excluded is 9, more than the 6 left" in said
    assert "new_studies is 4, but edition 2026.2 adds 4" not in said  # the draft adds every record: 4
    assert "new_studies" not in said


def test_the_csv_uses_the_prisma2020_layout() -> None:
    counts = prisma.flow_counts(
        {
            **{c: "not_reported" for c in prisma.COUNTS},
            "database_results": 12,
            "dbr_excluded": [{"reason": "a", "n": 1}, {"reason": "b", "n": 2}],
            "other_excluded": "not_reported",
        },
        previous=88,
        new=3,
    )
    rows = list(csv.DictReader(io.StringIO(prisma.prisma_csv(counts))))
    assert list(rows[0]) == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    n = {r["data"]: r["n"] for r in rows}
    assert n["previous_studies"] == "88" and n["new_studies"] == "3" and n["total_studies"] == "91"
    assert n["database_results"] == "12" and n["register_results"] == "not_reported"
    assert n["dbr_excluded"] == "a, 1; b, 2" and n["other_excluded"] == "not_reported"
    assert [r["data"] for r in rows] == [d for d, *_ in prisma.NODES]
