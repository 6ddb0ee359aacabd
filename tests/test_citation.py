"""Citing the book: CITATION.cff, the "Cite this edition" box and the pages' citation meta tags, all from
data/editions/editions.yaml and _config.yml, and all following a new edition."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
import yaml
from bs4 import BeautifulSoup
from cli_runner import cli, real_cli

from schoolcollab.build.citation_meta import citation_tags
from schoolcollab.check import check_project
from schoolcollab.citation import CFF_FILE, bibtex_entry, book_citation, cff_text, ris_entry, write_cff
from schoolcollab.editions import list_editions, status, write_edition
from schoolcollab.load import evidence
from schoolcollab.present.cite_view import cite_box_markdown

from conftest import ROOT

CFF_SCHEMA = Path(__file__).with_name("schemas") / "cff-1.2.0.json"
CFF_SCHEMA_SHA256 = "0b8d22140da702d766df318dcff3a91af2f39521298dcf36d76315fd99cc169b"  # see schemas/README.md


def validate_cff(path: Path) -> dict:
    schema_bytes = CFF_SCHEMA.read_bytes()
    assert hashlib.sha256(schema_bytes).hexdigest() == CFF_SCHEMA_SHA256
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(json.loads(schema_bytes), format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors
    return data


def test_citation_cff_is_valid_and_agrees_with_editions(real) -> None:
    data = validate_cff(real.root / CFF_FILE)
    last = list_editions(real)[-1]
    assert data["version"] == last.name and data["date-released"] == last.date
    assert data["title"] == real.config()["title"] and data["authors"] == [{"name": real.config()["author"]}]
    assert (real.root / CFF_FILE).read_text(encoding="utf-8") == cff_text(real)


def test_the_schema_rejects_a_broken_cff(tmp_path) -> None:
    """The validation is real: a CFF without authors, or with an undated release, fails."""
    broken = yaml.safe_load((ROOT / CFF_FILE).read_text(encoding="utf-8"))
    del broken["authors"]
    broken["date-released"] = "23 November 2026"
    (tmp_path / CFF_FILE).write_text(yaml.safe_dump(broken), encoding="utf-8")
    with pytest.raises(AssertionError):
        validate_cff(tmp_path / CFF_FILE)


def test_check_reports_a_drifted_citation_file(book) -> None:
    path = book.root / CFF_FILE
    path.write_text(
        path.read_text(encoding="utf-8").replace("version: '2026.1'", "version: '2025.9'"), encoding="utf-8"
    )
    problems = [p for p in check_project(book).problems if Path(p.file).name == CFF_FILE]
    assert len(problems) == 1 and problems[0].field == "version"
    assert "2025.9" in str(problems[0]) and "schoolcollab citation" in str(problems[0])
    result = cli("citation", cwd=book.root)
    assert result.returncode == 0, result.stderr
    assert not [p for p in check_project(book).problems if Path(p.file).name == CFF_FILE]


def test_cite_forms_parse_and_carry_the_edition(real) -> None:
    c = book_citation(real)
    entry = bibtexparser.parse_string(bibtex_entry(c)).entries[0]
    assert entry.key == c.key and entry["note"] == c.label
    ris = rispy.loads(ris_entry(c))[0]
    assert ris["primary_title"] == c.title and ris["edition"] == c.label
    box = cite_box_markdown(real.root)
    assert "Cite this edition" in box and bibtex_entry(c) in box and ris_entry(c) in box
    assert status(real).label().replace(".", "\\.") in box


def test_a_new_edition_changes_cite_box_meta_tags_and_cff(book) -> None:
    before_box, before_tags = cite_box_markdown(book.root), dict(citation_tags(book_citation(book), "2027-01-05"))
    write_edition(book, evidence(book.root), "2026.2", "2027-01-04", "2026-12-31", "test edition")
    c = book_citation(book)
    assert not c.draft and c.label == "Edition 2026.2"
    box, tags = cite_box_markdown(book.root), dict(citation_tags(c, "2027-01-05"))
    assert box != before_box and "Edition 2026\\.2" in box and "2027\\, January 4" in box
    assert "year   = {2027}" in box and "DA  - 2027/01/04" in box
    assert tags != before_tags
    assert tags["citation_publication_date"] == "2027/01/04" and tags["DC.date"] == "2027-01-04"
    assert tags["citation_online_date"] == "2027/01/05" and tags["citation_technical_report_number"] == c.label
    data = validate_cff(book.root / CFF_FILE)  # the snapshot rewrote it
    assert data["version"] == "2026.2" and data["date-released"] == "2027-01-04"
    assert not check_project(book).problems


def test_a_draft_says_so_and_is_undated(book) -> None:
    c = book_citation(book)
    assert c.draft  # the book's data changed since edition 2026.1
    tags = dict(citation_tags(c, "2027-01-05"))
    assert tags["citation_publication_date"] == "2027/01/05" and "Draft" in tags["citation_technical_report_number"]
    box = cite_box_markdown(book.root)
    assert "(n\\.d\\.)" in box and "draft, not yet an edition" in box and "year" not in bibtex_entry(c)
    write_cff(book)  # the CFF cites the last edition, not the draft
    assert yaml.safe_load((book.root / CFF_FILE).read_text(encoding="utf-8"))["version"] == "2026.1"


def page_tags(page: Path) -> dict[str, str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {
        m["name"]: m["content"]
        for m in soup.find_all("meta", attrs={"name": True})
        if m["name"].startswith(("citation_", "DC."))
    }


@pytest.mark.slow
def test_built_pages_carry_the_meta_tags_and_the_box_follows_a_snapshot(built_copy) -> None:
    project = built_copy
    for args in (["build"], ["snapshot", "2026.2", "--date", "2027-01-04", "--note", "test"], ["build"]):
        result = real_cli(*args, cwd=project.root)
        assert result.returncode == 0, result.stdout + result.stderr
        if args == ["build"] and "draft_tags" not in locals():
            draft_tags = page_tags(project.build_dir / "html" / "chapters" / "index.html")
            draft_index = (project.build_dir / "html" / "chapters" / "index.html").read_text(encoding="utf-8")
    assert "Draft of the edition after 2026.1" in draft_tags["citation_technical_report_number"]
    assert "Cite this edition" in draft_index and "schoolcollab_draft" in draft_index
    pages = [p for p in (project.build_dir / "html" / "chapters").glob("*.html")]
    want = dict(citation_tags(book_citation(project), draft_tags["citation_online_date"].replace("/", "-")))
    for page in pages:
        assert page_tags(page) == want, page
    assert want["citation_technical_report_number"] == "Edition 2026.2"
    assert want["citation_publication_date"] == "2027/01/04" and want["citation_title"] == project.config()["title"]
    index = (project.build_dir / "html" / "chapters" / "index.html").read_text(encoding="utf-8")
    assert "schoolcollab_2026_2" in index and "schoolcollab_draft" not in index
    validate_cff(project.root / CFF_FILE)
