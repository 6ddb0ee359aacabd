"""``schoolcollab import``: RIS and BibTeX exports become well-formed, convention-keyed entries, appended only.

Every test imports into a throwaway copy of the book (the ``book`` fixture), never the real references.bib.
Malformed files are in the hostile-input corpus (tests/bad_inputs/import_*).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import cli

from schoolcollab.bib import load_bibliography
from schoolcollab.check import check_project
from schoolcollab.errors import InputError
from schoolcollab.importing import import_references, make_key, normal_doi, normal_title
from schoolcollab.paths import Project

# ERIC: JO/VL/IS/SP/EP/DO, continuation lines, keywords
ERIC = """\
TY  - JOUR
AU  - Hutchings, Merryn
AU  - Gr\u00e9goire, Am\u00e9lie
TI  - The Role of School-to-School Partnerships in England: Evidence & Practice
JO  - Educational Review
VL  - 68
IS  - 2
SP  - 201
EP  - 219
PY  - 2016
DO  - 10.1080/00131911.2016.0000001
AB  - Partnerships between schools were studied
  over three years.
KW  - partnerships
KW  - England
ER  -
"""
# Scopus: journal in T2, abbreviation in J2, notes, database, a scopus URL
SCOPUS = """\
TY  - JOUR
AU  - Sandals, L.
AU  - Bryant, B.
TI  - Teaching school alliances and the self-improving system
PY  - 2018
T2  - School Leadership & Management
J2  - Sch. Leadersh. Manag.
VL  - 38
IS  - 4
SP  - 381-399
DO  - 10.1080/13632434.2018.0000002
UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-1&partnerID=40
N1  - Cited By :12; Export Date: 3 March 2026
DB  - Scopus
M3  - Article
ER  -
"""
BOOK = """\
TY  - BOOK
AU  - Education Endowment Foundation
TI  - A Guide to School Partnerships
PB  - EEF
CY  - London
PY  - 2019
SN  - 978-0-00-000000-0
ER  -
"""
# muijs2015improving's DOI, with the doi.org prefix and in capitals
DUP_DOI = """\
TY  - JOUR
AU  - Muijs, Daniel
TI  - Improving schools through collaboration (the ERIC title differs a little)
JO  - Oxford Review of Education
PY  - 2015
DO  - https://doi.org/10.1080/03054985.2015.1047824
ER  -
"""
# chapman2014school's title with other case, punctuation, an accent and no braces; same year; no DOI
DUP_TITLE = """\
TY  - JOUR
AU  - Chapman, Christopher
AU  - Muijs, Daniel
TI  - Does school to school collaboration promote school improvement: a study of the impact of school \
federations on student outcomes
T2  - School Effectiveness and School Improvement
PY  - 2014///
ER  -
"""
# key chapman2009emerging is taken by another work
CLASH = """\
TY  - RPRT
AU  - Chapman, Christopher
TI  - Emerging Patterns of School Leadership: A Second Look
PB  - National College
PY  - 2009
ER  -
"""
RIS = "\n".join([ERIC, SCOPUS, BOOK, DUP_DOI, DUP_TITLE, CLASH])

BIBTEX = """\
@string{routledge = "Routledge"}

@article{hargreavesSelfimprovingSchoolSystem2019,
  title = {A {Self-Improving} School System: {{Towards}} Maturity},
  author = {Hargreaves, David H. and {\\"O}zt{\\"u}rk, Ay{\\c s}e},
  date = {2019-05},
  journaltitle = {Journal of Educational Change},
  volume = {20},
  pages = {1--20},
  doi = {https://doi.org/10.1007/S10833-019-0000003},
  keywords = {partnerships},
  file = {/home/me/Zotero/storage/X/hargreaves.pdf}
}

@incollection{vandenberg2017networks,
  author = {Jan van den Berg},
  title = {Networks of Schools},
  booktitle = {Handbook of School Networks},
  editor = {Smith, A.},
  publisher = routledge,
  year = 2017,
  pages = {10--30}
}

@article{chapman2014dup,
  author = {Chapman, C. and Muijs, D.},
  title = {Does School-to-School Collaboration Promote School Improvement? {A} Study of the Impact of School
           Federations on Student Outcomes},
  journal = {School Effectiveness and School Improvement},
  year = {2014}
}
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ris_records_become_entries_that_pass_the_check(book: Project, tmp_path: Path) -> None:
    before = book.bib.read_bytes()
    result = import_references(book, write(tmp_path, "export.ris", RIS))
    assert result.added == ["hutchings2016role", "sandals2018teaching", "eef2019guide", "chapman2009emergingb"]
    assert any(
        "record 4 is muijs2015improving (same DOI 10.1080/03054985.2015.1047824)" in d for d in result.duplicates
    )
    assert any("record 5 is chapman2014school (same title and year)" in d for d in result.duplicates)
    after = book.bib.read_bytes()
    assert after.startswith(before) and after[len(before) :].startswith(b"\n@article{hutchings2016role,\n")
    bib = load_bibliography(book.bib)  # the project's own loader raises on any problem
    eric, scopus, guide, report = (bib.entries[k] for k in result.added)
    assert bib.types["hutchings2016role"] == "article"
    assert eric["author"] == "Hutchings, Merryn and Gr\u00e9goire, Am\u00e9lie"
    assert eric["title"] == r"The Role of School-to-School Partnerships in England: Evidence \& Practice"
    assert (eric["journal"], eric["volume"], eric["number"], eric["pages"], eric["year"], eric["doi"]) == (
        "Educational Review",
        "68",
        "2",
        "201--219",
        "2016",
        "10.1080/00131911.2016.0000001",
    )
    assert "abstract" not in eric and eric["keywords"] == "update"  # not the export's: added works
    assert scopus["journal"] == r"School Leadership \& Management" and scopus["pages"] == "381--399"
    assert "url" not in scopus  # the DOI is the link; Scopus's own record URL is not kept
    assert bib.types["eef2019guide"] == "book" and guide["author"] == "{Education Endowment Foundation}"
    assert (guide["publisher"], guide["address"], guide["isbn"]) == ("EEF", "London", "978-0-00-000000-0")
    assert bib.types["chapman2009emergingb"] == "techreport" and report["institution"] == "National College"
    assert "disambiguated from chapman2009emerging" in report["note"]
    assert not [p for p in check_project(book).problems if p.file.endswith("references.bib")]


def test_importing_twice_adds_nothing_the_second_time(book: Project, tmp_path: Path) -> None:
    path = write(tmp_path, "export.ris", RIS + "\n" + ERIC)  # the ERIC record twice in one file, too
    first = import_references(book, path)
    assert first.added.count("hutchings2016role") == 1 and len(first.added) == 4
    assert any("is hutchings2016role (same DOI" in d for d in first.duplicates)
    once = book.bib.read_bytes()
    second = import_references(book, path)
    assert second.added == [] and len(second.duplicates) == 7
    assert book.bib.read_bytes() == once
    assert second.lines()[-1] == "nothing added to references.bib (every record is there already)"


def test_bibtex_from_zotero_and_better_bibtex(book: Project, tmp_path: Path) -> None:
    result = import_references(book, write(tmp_path, "zotero.bib", BIBTEX))
    assert result.added == ["hargreaves2019self", "vandenberg2017networks"]
    assert any("entry chapman2014dup is chapman2014school (same title and year)" in d for d in result.duplicates)
    bib = load_bibliography(book.bib)
    art, chapter = bib.entries["hargreaves2019self"], bib.entries["vandenberg2017networks"]
    assert art["journal"] == "Journal of Educational Change" and art["year"] == "2019"  # biblatex fields mapped
    assert art["doi"] == "10.1007/s10833-019-0000003" and "file" not in art
    assert art["title"] == "A {Self-Improving} School System: {{Towards}} Maturity"  # braces kept as written
    assert bib.types["vandenberg2017networks"] == "incollection" and chapter["publisher"] == "Routledge"
    assert not [p for p in check_project(book).problems if p.file.endswith("references.bib")]
    # the same work again, now as RIS with its DOI in another form: a duplicate of what was just added
    again = (
        "TY  - JOUR\nAU  - Hargreaves, D.\nTI  - Other\nJO  - J\nPY  - 2019\nDO  - 10.1007/s10833-019-0000003\nER  -\n"
    )
    assert import_references(book, write(tmp_path, "again.ris", again)).added == []


def test_the_command_prints_keys_and_next_steps_and_check_passes(book: Project, tmp_path: Path) -> None:
    path = write(tmp_path, "eric.ris", ERIC + "\n" + DUP_DOI)
    result = cli("import", str(path), cwd=book.root)
    assert result.returncode == 0, result.stderr
    assert "added 1 entry to references.bib: hutchings2016role" in result.stdout
    assert "  schoolcollab add hutchings2016role" in result.stdout
    assert "likely duplicate, not added:" in result.stdout and "is muijs2015improving" in result.stdout
    check = cli("check", cwd=book.root)
    assert check.returncode == 0, check.stdout + check.stderr
    added = cli("add", "hutchings2016role", cwd=book.root)
    assert added.returncode == 0, added.stderr  # the next step the import names works


def test_existing_text_is_kept_byte_for_byte(tmp_path: Path) -> None:
    root = tmp_path / "book"
    root.mkdir()
    old = (
        "\ufeff% a comment\r\n@book{smith2001good,\r\n  author={Smith, A.},title={Good},\r\n"
        "  publisher={P},year={2001}}"
    ).encode("utf-8")  # BOM, CRLF, odd layout, no final newline
    (root / "references.bib").write_bytes(old)
    result = import_references(Project(root), write(tmp_path, "x.ris", BOOK))
    new = (root / "references.bib").read_bytes()
    assert result.added == ["eef2019guide"] and new.startswith(old)
    assert new[len(old) :].startswith(b"\r\n\r\n@book{eef2019guide,\r\n") and b"\n" not in new.replace(b"\r\n", b"")
    assert set(load_bibliography(root / "references.bib").entries) == {"smith2001good", "eef2019guide"}


def test_a_bad_record_means_nothing_is_written(book: Project, tmp_path: Path) -> None:
    before = book.bib.read_bytes()
    with pytest.raises(InputError) as info:
        import_references(book, write(tmp_path, "x.ris", ERIC + "TY  - JOUR\nTI  - No author\nJO  - J\nPY  - 2020\n"))
    assert "record 2: the record starting here has no ER line" in info.value.render()
    assert book.bib.read_bytes() == before


def test_key_convention() -> None:
    taken = {"pont2008improving"}
    assert make_key("pont", "2008", "Improving School Leadership, Volume 2", taken) == (
        "pont2008improvingb",
        "pont2008improving",
    )
    assert make_key("busher", "1996", "Co-operation between schools", set())[0] == "busher1996co"
    assert make_key("feys", "2014", "What do we know?", set())[0] == "feys2014what"
    assert make_key("hall", "2013", "{Can} the {\\'E}cole do it", set())[0] == "hall2013can"
    assert make_key("muijs", "2010", "Why network? Theoretical perspectives", set())[0] == "muijs2010why"
    assert make_key("pearson", "2013", "", set())[0] == "pearson2013"
    assert make_key("chapman", "forthcoming", "An International Review", set())[0] == "chapmanforthcominginternational"


def test_doi_and_title_normalisation() -> None:
    forms = ["10.1080/ABC.1", "https://doi.org/10.1080/abc.1", "http://dx.doi.org/10.1080/abc.1", "doi:10.1080/abc.1"]
    assert {normal_doi(f) for f in forms} == {"10.1080/abc.1"}
    assert normal_title("{Does} School-to-School Collaboration Promote {\\'E}cole? {A} Study") == normal_title(
        "does school to school collaboration promote \u00e9cole: a study"
    )
    assert normal_title("Leadership \\& Management") == normal_title("Leadership and management")
