"""What an author does to publish a new edition, end to end: import, add, code, build, snapshot, build again."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import copy_built

CLI = str(Path(sys.executable).with_name("schoolcollab"))
CRITERIA = ("independence", "comparison", "sample", "voices", "time_span", "reporting")
RIS = """\
TY  - JOUR
AU  - Quigley, Ann
AU  - Ortega, Luis
TI  - Federated primary schools and pupils' attainment: a matched comparison
JO  - Journal of School Collaboration
VL  - 12
IS  - 3
SP  - 201
EP  - 219
PY  - 2021
DO  - 10.1234/jsc.2021.0042
ER  -
"""

pytestmark = pytest.mark.slow


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], cwd=project, capture_output=True, text=True, timeout=900)


def text_of(page: Path) -> str:
    return " ".join(BeautifulSoup(page.read_text(), "html.parser").get_text(" ", strip=True).split())


@pytest.fixture(scope="module")
def edition(tmp_path_factory, built_book):
    """A copy of the book after an author added one study and recorded edition 2026.2."""
    book = copy_built(built_book, tmp_path_factory.mktemp("living") / "book")
    root = book.root
    (root / "export.ris").write_text(RIS)
    imported = run(root, "import", "export.ris")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    key = re.search(r"schoolcollab add (\S+)", imported.stdout).group(1)
    added = run(root, "add", key)
    assert added.returncode == 0, added.stderr
    record = yaml.safe_load((book.sources / f"{key}.yaml").read_text())
    claim = "pupil-impact-federations"
    record.update(
        {
            "coded_from": [{"seed": key, "sections": ["Abstract", "Methods", "Results"]}],
            "publication_type": "empirical",
            "design": "quasi_experimental",
            "aims": "Compare attainment in federated and matched non-federated primary schools.",
            "sample": {"description": "60 federated and 60 matched primary schools", "unit": "schools", "size": 120},
            "country": ["england"],
            "country_reason": "The article studies primary federations in England (Methods).",
            "phase": ["primary"],
            "formality": "formal",
            "collaboration_types": ["hard_governance_federation"],
            "initiative": "none",
            "appraisal": {
                c: {"judgement": "yes", "reason": "Stated in the article.", "where": "Methods"} for c in CRITERIA
            },
            "findings": [
                {
                    "theme": "impact_students",
                    "domain": "attainment",
                    "direction": "positive",
                    "summary": "Pupils in federated primary schools gained more than matched peers.",
                    "where": "Results, Table 2",
                    "claims": [{"id": claim, "stance": "supports"}],
                }
            ],
        }
    )
    (book.sources / f"{key}.yaml").write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
    search = yaml.safe_load((book.data / "searches" / "2026.1.yaml").read_text())
    search.update(
        {
            "edition": "2026.2",
            "search_date": "2026-11-30",
            "source": "Test search of ERIC",
            "database_results": 40,
            "duplicates": 4,
            "records_screened": 36,
            "records_excluded": 30,
            "dbr_sought_reports": 6,
            "dbr_notretrieved_reports": 0,
            "dbr_assessed": 6,
            "dbr_excluded": [{"reason": "not about schools working together", "n": 5}],
            "new_studies": 1,
            "new_reports": 1,
        }
    )
    (book.data / "searches" / "2026.2.yaml").write_text(yaml.safe_dump(search, sort_keys=False))
    assert run(root, "check").returncode == 0
    draft = run(root, "build")
    assert draft.returncode == 0, draft.stdout + draft.stderr
    draft_changes = text_of(root / "_build" / "html" / "chapters" / "changes.html")
    shot = run(root, "snapshot", "2026.2", "--note", "One new matched study.", "--search-date", "2026-11-30")
    assert shot.returncode == 0, shot.stderr
    final = run(root, "build")
    assert final.returncode == 0, final.stdout + final.stderr
    return book, key, claim, draft_changes


def test_the_draft_says_it_is_a_draft_and_lists_the_new_study(edition) -> None:
    _, _, _, draft = edition
    assert "Draft of the edition after 2026.1" in draft
    assert "Quigley and Ortega (2021)" in draft
    assert "1 source(s) were added, 0 removed" in draft


def test_the_edition_compares_itself_with_2026_1(edition) -> None:
    book, key, claim, _ = edition
    page = text_of(book.root / "_build" / "html" / "chapters" / "changes.html")
    assert "Edition status: Edition 2026.2" in page and "compares the book in front of you with 2026.1" in page
    table = BeautifulSoup((book.root / "_build" / "html" / "chapters" / "changes.html").read_text(), "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("table.sc-table tr")]
    assert [r for r in rows if r[:1] == ["added"]] == [["added", "Quigley and Ortega (2021)", "Quasi-experimental"]]
    from schoolcollab.editions import compare
    from schoolcollab.errors import Problems
    from schoolcollab.load import collect_evidence

    ev = collect_evidence(book, Problems())
    changes = compare(book, ev)
    assert changes.since == "2026.1" and changes.added == [key] and changes.removed == []
    before = {
        r["claim"]: r["rating"]
        for r in csv.DictReader(io.StringIO((book.data / "editions" / "2026.1" / "ratings.csv").read_text()))
    }
    moved = {c for c in ev.ratings["claim"] if before.get(c) != ev.ratings.set_index("claim").at[c, "rating"]}
    assert set(changes.claims.loc[changes.claims["what"] == "rating", "claim"]) == moved


def test_the_history_keeps_both_editions_and_2026_1_is_untouched(edition) -> None:
    book, _, _, _ = edition
    history = text_of(book.root / "_build" / "html" / "chapters" / "editions.html")
    assert "2026.1" in history and "2026.2" in history and "One new matched study." in history
    old = (book.data / "editions" / "2026.1" / "ratings.csv").read_text()
    assert old == (Path(__file__).resolve().parents[1] / "data" / "editions" / "2026.1" / "ratings.csv").read_text()
    for name in ("2026.2", "2026.1", "2025.9"):
        refused = run(book.root, "snapshot", name)
        assert refused.returncode == 1


def test_the_prisma_flow_of_2026_2_starts_from_the_previous_studies(edition) -> None:
    book, _, _, _ = edition
    out = run(book.root, "prisma", "--csv", "flow.csv")
    assert out.returncode == 0 and "2026.2" in out.stdout
    counts = {r["data"]: r["n"] for r in csv.DictReader((book.root / "flow.csv").open())}
    assert counts["previous_studies"] == "88" and counts["new_studies"] == "1" and counts["total_studies"] == "89"
    assert counts["database_results"] == "40" and counts["dbr_excluded"] == "not about schools working together, 5"
    assert counts["register_results"] == "not_reported"
    # a search whose new studies disagree with the records it adds is refused
    path = book.data / "searches" / "2026.2.yaml"
    path.write_text(path.read_text().replace("new_studies: 1", "new_studies: 2"))
    check = run(book.root, "check")
    assert check.returncode == 1 and "new_studies is 2, but edition 2026.2 adds 1" in check.stderr


def test_sentences_about_the_evidence_base_count_the_new_record(edition) -> None:
    book, key, _, _ = edition
    methods = text_of(book.root / "_build" / "html" / "chapters" / "methods.html")
    assert "Of the 89 records, 88 were coded from the two source documents and 1 from the works themselves" in methods
    assert "Status of the book you are reading: Edition 2026.2" in methods
    impact = text_of(book.root / "_build" / "html" / "chapters" / "impact.html")
    assert "Evidence added since the review" in impact and "Quigley and Ortega" in impact
    structure = text_of(book.root / "_build" / "html" / "chapters" / "structure.html")
    assert "Evidence added since the review" not in structure  # its findings are all about impact
