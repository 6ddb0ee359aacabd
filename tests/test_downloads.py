"""The book's downloads: the evidence tables (CSV, workbook, data package), the references (BibTeX, RIS, CSL-JSON),
the explorer's CSV export and addresses, and the PDF link.

Fast tests write the files from the book's own data into a temporary folder and read them back with the
libraries readers would use; slow ones build a copy of the book and follow every download link of its pages.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import bibtexparser
import openpyxl
import pandas as pd
import pytest
import rispy
from bs4 import BeautifulSoup

from schoolcollab.bib_export import CSL_REQUIRED, bibtex_text, csl_items, ris_text
from schoolcollab.build.downloads import current_pdf, write_downloads
from schoolcollab.paths import Project
from schoolcollab.present.downloads import DOWNLOADS, FOLDER, TABLES, datapackage, evidence_tables, to_csv
from schoolcollab.serve import make_server

CLI = str(Path(sys.executable).with_name("schoolcollab"))


def expected_counts(ev) -> dict[str, int]:
    return {
        "sources": len(ev.sources),
        "findings": len(ev.findings),
        "claims": len(ev.claims),
        "claim_sources": len(ev.links),
        "appraisals": len(ev.appraisals),
    }


def check_files(folder: Path, ev) -> None:
    """Every download in ``folder`` parses with a reader's library and agrees with the evidence base."""
    from frictionless import Package

    counts = expected_counts(ev)
    for spec in TABLES:
        frame = pd.read_csv(folder / spec.path, dtype=str, keep_default_na=False)
        assert list(frame.columns) == [f.name for f in spec.fields]
        assert len(frame) == counts[spec.name], spec.name
        assert not frame.duplicated(list(spec.primary_key)).any(), spec.name
    keys = set(pd.read_csv(folder / "sources.csv", dtype=str)["key"])
    assert keys == set(ev.sources["key"])
    assert set(pd.read_csv(folder / "claims.csv", dtype=str)["id"]) == set(ev.claims["id"])
    book = openpyxl.load_workbook(folder / "evidence.xlsx", read_only=True)
    assert book.sheetnames == ["About", *[s.name for s in TABLES]]
    for spec in TABLES:
        rows = list(book[spec.name].iter_rows(values_only=True))
        assert list(rows[0]) == [f.name for f in spec.fields] and len(rows) - 1 == counts[spec.name]
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    library = bibtexparser.parse_file(str(folder / "references.bib"))
    assert not library.failed_blocks and {e.key for e in library.entries} == set(ev.bib.entries)
    ris = rispy.load(folder / "references.ris")
    assert {r["id"] for r in ris} == set(ev.bib.entries)
    assert all(r["type_of_reference"] and r.get("primary_title") for r in ris)
    items = json.loads((folder / "references.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in items} == set(ev.bib.entries)
    check_csl(items)


def check_csl(items: list[dict]) -> None:
    """CSL-JSON's shape: required fields, names as family/given or literal, dates as integer parts."""
    for item in items:
        assert all(isinstance(item.get(f), str) and item[f] for f in CSL_REQUIRED), item
        for person in item.get("author", []) + item.get("editor", []):
            assert set(person) <= {"family", "given", "suffix", "literal"} and ("family" in person) != (
                "literal" in person
            ), person
        if "date-parts" in item.get("issued", {}):
            assert all(isinstance(p, int) for p in item["issued"]["date-parts"][0])
        texts = [v for v in item.values() if isinstance(v, str)] + [
            part for person in item.get("author", []) + item.get("editor", []) for part in person.values()
        ]
        assert not any(ch in text for text in texts for ch in "{}\\"), item  # BibTeX markup turned into text


@pytest.fixture(scope="module")
def written(tmp_path_factory, book_evidence):
    """The downloads written from the book's own data into a folder standing for a site."""
    from schoolcollab.paths import Project

    from conftest import ROOT

    site = tmp_path_factory.mktemp("site")
    write_downloads(Project(ROOT), site)
    return site / FOLDER


def test_every_download_is_written_parses_and_agrees_with_the_data(written, book_evidence) -> None:
    assert sorted(p.name for p in written.iterdir()) == sorted(d.file for d in DOWNLOADS)
    check_files(written, book_evidence)


def test_tables_follow_their_schema_and_keys_join(book_evidence) -> None:
    tables = evidence_tables(book_evidence)
    for spec in TABLES:
        frame = tables[spec.name]
        assert list(frame.columns) == [f.name for f in spec.fields]
        for f in spec.fields:
            if f.required:
                assert (frame[f.name].astype(str) != "").all() and not frame[f.name].isna().any(), (spec.name, f.name)
        for mine, other, theirs in spec.foreign_keys:
            assert set(frame[mine[0]]) <= set(tables[other][theirs[0]]), (spec.name, mine)
    claims = tables["claims"].set_index("id")
    rated = book_evidence.ratings.set_index("claim")
    for comp in ("methods", "coherence", "adequacy", "relevance"):  # the reasons the book shows, unchanged
        assert (claims[comp] == rated[comp]).all() and (claims[f"{comp}_why"] == rated[f"{comp}_why"]).all()


def test_the_data_package_catches_a_broken_key(written, tmp_path) -> None:
    """The validation is real: a finding of an unknown source fails the data package's foreign key."""
    from frictionless import Package

    for f in written.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    findings = pd.read_csv(tmp_path / "findings.csv", dtype=str, keep_default_na=False)
    findings.loc[0, "key"] = "nobody2020nothing"
    (tmp_path / "findings.csv").write_text(to_csv(findings), encoding="utf-8")
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


def test_data_package_describes_every_column(book_evidence) -> None:
    package = datapackage("T", "Edition 1", "2026-01-01T00:00:00Z")
    for resource, spec in zip(package["resources"], TABLES, strict=False):
        assert [f["name"] for f in resource["schema"]["fields"]] == [f.name for f in spec.fields]
        assert all(f["description"] and f["type"] in ("string", "integer") for f in resource["schema"]["fields"])


def test_references_round_trip(book_evidence) -> None:
    bib = book_evidence.bib
    library = bibtexparser.parse_string(bibtex_text(bib))
    assert [e.key for e in library.entries] == [k for k in bib.entries]
    ris = {r["id"]: r for r in rispy.loads(ris_text(bib))}
    items = {i["id"]: i for i in csl_items(bib)}
    assert items["muijs2015improving"]["type"] == "article-journal"
    assert ris["muijs2015improving"]["type_of_reference"] == "JOUR"
    corporate = [k for k, e in bib.entries.items() if e.get("author", "").startswith("{Department for Education}")]
    assert corporate and items[corporate[0]]["author"] == [{"literal": "Department for Education"}]
    assert ris[corporate[0]]["authors"] == ["Department for Education"]
    paged = next(k for k, e in bib.entries.items() if "--" in e.get("pages", ""))
    assert "–" in items[paged]["page"] and ris[paged]["start_page"] and ris[paged]["end_page"]


def test_a_pdf_is_linked_only_when_it_was_built_from_these_sources(tmp_path) -> None:
    pdf, stamp = tmp_path / "book.pdf", tmp_path / "pdf.digest"
    assert current_pdf("abc", stamp, pdf) is None  # never built
    pdf.write_bytes(b"%PDF-1.5\n")
    assert current_pdf("abc", stamp, pdf) is None  # built, but from what is not known
    stamp.write_text("old")
    assert current_pdf("abc", stamp, pdf) is None  # built from other sources: stale
    stamp.write_text("abc")
    assert current_pdf("abc", stamp, pdf) == pdf


# ---- the built book ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(built_book: Project) -> Project:
    """The session's built book (these tests only read it)."""
    return built_book


def download_links(html: Path) -> dict[Path, set[str]]:
    links: dict[Path, set[str]] = {}
    for page in html.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for a in soup.find_all("a", href=True):
            if f"{FOLDER}/" in a["href"]:
                links.setdefault(page, set()).add(a["href"])
    return links


@pytest.mark.slow
def test_built_pages_link_every_download_and_each_link_resolves(site, book_evidence) -> None:
    html = site.build_dir / "html"
    links = download_links(html)
    assert links, "no page links the downloads"
    targets = {(page.parent / href).resolve() for page, hrefs in links.items() for href in hrefs}
    assert all(t.is_file() for t in targets), [t for t in targets if not t.is_file()]
    assert {t.name for t in targets} == {d.file for d in DOWNLOADS}
    check_files(html / FOLDER, book_evidence)


@pytest.mark.slow
def test_no_pdf_link_without_a_pdf(site) -> None:
    html = site.build_dir / "html"
    assert not list((html / FOLDER).glob("*.pdf"))
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "citation_pdf_url" not in text and "sc-pdf-link" not in text, page


@pytest.mark.slow
def test_pdf_edition_is_linked_from_every_page_when_built(hostile_book) -> None:
    """The hostile book is built as HTML, then HTML and PDF: every page links the PDF of that build."""
    html = hostile_book.build_dir / "html"
    published = html / FOLDER / "schoolcollab.pdf"
    assert published.read_bytes() == (hostile_book.build_dir / "latex" / "schoolcollab.pdf").read_bytes()
    pages = sorted((html / "chapters").glob("*.html"))
    assert pages
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("a.sc-pdf-link")
        meta = soup.find("meta", attrs={"name": "citation_pdf_url"})
        assert link is not None and meta is not None, page
        assert (
            (page.parent / link["href"]).resolve() == published.resolve() == (page.parent / meta["content"]).resolve()
        )


@pytest.fixture(scope="module")
def served(site):
    server = make_server(site.build_dir / "html", port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/chapters/"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_explorer_exports_the_filtered_rows_as_csv(served, browser, book_evidence) -> None:
    from browser_support import Visit, rows

    visit = Visit(browser, served + "explorer.html")
    page = visit.page
    box = page.locator("div.dt-search input").first
    box.fill("Muijs")
    page.wait_for_timeout(300)
    shown = rows(page, 0)
    assert 0 < len(shown) < len(book_evidence.sources)
    with page.expect_download() as event:
        page.locator("button.buttons-csv").first.click()
    path = event.value.path()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == len(shown)  # the filtered rows, not the whole table nor one page of it
    assert frame.columns[-1] == "Key" and set(frame["Key"]) <= set(book_evidence.sources["key"])
    assert all("muijs" in " ".join(r).lower() for r in frame.astype(str).values.tolist())
    assert not frame.apply(lambda c: c.str.contains("<a |<br", regex=True)).any().any()  # text, not HTML
    assert not visit.errors and not visit.outside
    visit.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "address", ["explorer.html#source-muijs2015improving", "explorer.html?source=muijs2015improving"]
)
def test_explorer_address_shows_that_source(served, browser, address) -> None:
    from browser_support import Visit, rows

    visit = Visit(browser, served + address)
    page = visit.page
    page.wait_for_selector("tr.sc-addressed")
    shown = rows(page, 0)
    assert len(shown) == 1 and "Muijs" in shown[0][0]
    page.wait_for_function(
        "document.activeElement && document.activeElement.classList.contains('sc-addressed')", timeout=5000
    )  # the row has the focus, for a keyboard or screen-reader user
    page.get_by_role("button", name="Show all sources").click()
    page.wait_for_timeout(300)
    assert len(rows(page, 0)) > 1
    assert not visit.errors and not visit.outside
    visit.close()
