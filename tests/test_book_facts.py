"""Facts the build records about the whole book (``schoolcollab.build.book_facts``): the explorer's
"Cited in" column and the provenance page's simulated results, filled in as pages are written.

The slow tests build a copy of the book in which the chapters' code is written differently (another
variable name for the evidence, another import of the simulation, another section title), which the
old way of finding these facts, by reading the chapters' source, got wrong.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from schoolcollab.bib import cited_keys
from schoolcollab.build import placeholders as ph
from schoolcollab.load import evidence
from schoolcollab.present.book_table import latex_escape

from conftest import copy_built

CLI = str(Path(sys.executable).with_name("schoolcollab"))
CONCLUSIONS = ("conclusions.html", "Conclusions and gaps in the evidence")  # cites most sources by claim boxes only
SIM_SECTION = "A replication on invented pupils"  # the copy's new title: it does not say "simulated"
LEFT_OVER = re.compile(r"@@sc:")


# --- placeholders: unit tests -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["muijs2015improving", "o'brien_2001:x", "müller2020é", 'a&b<c>"d\\e'])
def test_a_placeholder_survives_every_escaping_an_output_goes_through(key: str) -> None:
    text = ph.cited_in(key)
    for escaped in (
        html.escape(text, quote=True),
        latex_escape(text),
        json.dumps(json.dumps([text])),  # itables: the cells as JSON, inside a JSON string
    ):
        assert [(p.kind, p.argument) for p in ph.find(escaped)] == [(ph.CITED_IN, key)]


def test_placeholders_are_found_in_order_and_unknown_kinds_refused() -> None:
    text = f"a {ph.cited_in('x2001y')} b {ph.token(ph.SIMULATED_RESULTS)} c {ph.cited_in('z2002w')}"
    assert [(p.kind, p.argument) for p in ph.find(text)] == [
        (ph.CITED_IN, "x2001y"),
        (ph.SIMULATED_RESULTS, ""),
        (ph.CITED_IN, "z2002w"),
    ]
    with pytest.raises(ValueError, match="unknown placeholder kind"):
        ph.token("cited-by")


@pytest.mark.parametrize("title", ['Pupils’ "voices" & <b>schools</b>', "Étude\\d'impact"])
def test_what_fills_a_placeholder_reads_the_same_in_the_page_and_in_json(title: str) -> None:
    safe = ph.json_safe_html(title)
    assert json.dumps(json.dumps(safe)) == '"\\"' + safe + '\\""'  # JSON changes nothing in it
    assert BeautifulSoup(f"<p>{safe}</p>", "html.parser").get_text() == title


def test_the_simulated_section_mark_takes_a_replication_only() -> None:
    from schoolcollab.present import simulated_section

    with pytest.raises(TypeError, match="Replication"):
        simulated_section("the results below are simulated")  # type: ignore[arg-type]


# --- what the chapters say, read independently of the build ---------------------------------------


def _chapters(root: Path) -> list[tuple[str, str, str]]:
    """(file stem, title, text) of every chapter of _toc.yml after the root page, in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    out = []
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            path = root / f"{chapter['file']}.md"
            text = path.read_text(encoding="utf-8")
            title = next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))
            out.append((path.stem, title, text))
    return out


def expected_cited_in(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Key -> (page, title) of the chapters citing it in their text or through a claim box, in book order."""
    ev = evidence(root)
    by_claim = ev.links.groupby("claim")["key"].apply(set).to_dict()
    cited: dict[str, list[tuple[str, str]]] = {}
    for stem, title, text in _chapters(root):
        keys = {key for _, key in cited_keys(text)}
        for claim in re.findall(r"claim_box\(\s*\w+\s*,\s*[\"']([^\"']+)[\"']\s*\)", text):
            keys |= by_claim[claim]
        for key in keys:
            cited.setdefault(key, []).append((f"{stem}.html", title))
    return cited


# --- what the built pages show --------------------------------------------------------------------


def _links(cell_html: str) -> list[tuple[str, str]]:
    return [(a["href"], a.get_text()) for a in BeautifulSoup(cell_html, "html.parser").find_all("a")]


def explorer_cited_in(page: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    """Key -> the "Cited in" links of the sources table, as the page's static table and as the cells
    DataTables draws (itables' JSON) hold them."""
    text = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    static = next(t for t in soup.select("div[id$='_fallback'] table") if "Cited in" in t.thead.get_text())
    heads = [th.get_text(strip=True) for th in static.thead.find_all("th")]
    heads[0] = "Source"  # the first heading also holds itables' icons
    cited, key = heads.index("Cited in"), heads.index("Key")
    from_static = {
        tds[key].get_text(): _links(tds[cited].decode_contents())
        for tds in (tr.find_all("td") for tr in static.tbody.find_all("tr"))
    }
    first = re.search(r'"data_json": ("(?:[^"\\]|\\.)*")', text)  # the sources table comes first
    assert first, "no DataTables data in the explorer"
    rows = json.loads(json.loads(first.group(1)))
    from_json = {row[key]: _links(row[cited]) for row in rows}
    return from_static, from_json


def simulated_table(page: Path) -> list[list[str]]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    figure = soup.find(id="tbl-prov-simulated")
    return [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in figure.find("tbody").find_all("tr")]


def summary_pointers(page: Path) -> list[tuple[str, str]]:
    """(href, text) of every "See <section>." link in the summary."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return [
        (a["href"], a.get_text())
        for a in soup.select("main a.reference.internal")
        if a.previous_sibling is not None and str(a.previous_sibling).endswith("See ")
    ]


def anchors(html_dir: Path, href: str) -> bool:
    """Whether ``href`` (relative to chapters/) names an element that exists."""
    page, _, anchor = href.partition("#")
    soup = BeautifulSoup((html_dir / "chapters" / page).read_text(encoding="utf-8"), "html.parser")
    return soup.find(id=anchor) is not None


def _build(root: Path) -> str:
    result = subprocess.run([CLI, "build"], cwd=root, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    return (root / "_build" / "build.log").read_text(encoding="utf-8")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {path.name}: update the test"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory, built_book) -> dict:
    """A copy whose impact and conclusions chapters call their evidence ``evidence`` and whose matched-schools
    chapter imports the simulation otherwise, under another section title; built, then built again after a
    change elsewhere."""
    book = copy_built(built_book, tmp_path_factory.mktemp("facts") / "book")
    root, chapters = book.root, book.root / "chapters"
    for name in ("impact.md", "conclusions.md"):
        text = (chapters / name).read_text(encoding="utf-8")
        (chapters / name).write_text(re.sub(r"\bev\b", "evidence", text), encoding="utf-8")
    _edit(
        chapters / "matched-study.md",
        "import schoolcollab.study.replication as rp",
        "from schoolcollab.study import replication as rp",
    )
    _edit(chapters / "matched-study.md", "## A simulated replication", f"## {SIM_SECTION}")
    _build(root)
    html_dir = root / "_build" / "html"
    first = {
        "expected": expected_cited_in(root),
        "explorer": explorer_cited_in(html_dir / "chapters" / "explorer.html"),
        "simulated": simulated_table(html_dir / "chapters" / "provenance.html"),
        "conclusions_text": {key for _, key in cited_keys((chapters / "conclusions.md").read_text(encoding="utf-8"))},
        "left_over": [p.name for p in html_dir.rglob("*.html") if LEFT_OVER.search(p.read_text(encoding="utf-8"))],
        "pointers": summary_pointers(html_dir / "chapters" / "summary.html"),
        "html": html_dir,
    }
    # a citation added to a page without code, and the simulated section renamed: the explorer and the
    # provenance page must show both without executing again
    _edit(
        chapters / "rebuild.md", "{cite:p}`armstrong2015effective`", "{cite:p}`armstrong2015effective,norwich1994inter`"
    )
    _edit(chapters / "matched-study.md", f"## {SIM_SECTION}", "## Invented pupils")
    _edit(
        chapters / "impact.md",
        "(sec-impact-leadership)=\n## Leadership capacity",
        "(sec-impact-leadership)=\n## Leaders",
    )
    log = _build(root)
    second = {
        "expected": expected_cited_in(root),
        "explorer": explorer_cited_in(html_dir / "chapters" / "explorer.html"),
        "simulated": simulated_table(html_dir / "chapters" / "provenance.html"),
        "pointers": summary_pointers(html_dir / "chapters" / "summary.html"),
        "log": log,
    }
    return {"first": first, "second": second}


@pytest.mark.slow
def test_cited_in_lists_the_chapters_that_cite_each_source_whatever_their_code_is_called(rewritten) -> None:
    first = rewritten["first"]
    static, cells = first["explorer"]
    # the page's own table (itables shows the first and last rows only) agrees with the interactive one
    assert len(static) > 10 and static == {k: cells[k] for k in static}
    expected = {k: v for k, v in first["expected"].items() if k in cells}  # the explorer lists coded sources
    assert {k: v for k, v in cells.items() if v} == expected
    boxed = [k for k, v in expected.items() if CONCLUSIONS in v and k not in first["conclusions_text"]]
    assert len(boxed) > 10, "the conclusions should cite many sources through their claim boxes only"
    assert first["left_over"] == []


@pytest.mark.slow
def test_the_simulated_results_table_names_the_section_that_shows_them(rewritten) -> None:
    assert rewritten["first"]["simulated"] == [["The matched-schools study, re-run", SIM_SECTION]]


@pytest.mark.slow
def test_a_change_elsewhere_reaches_the_explorer_and_provenance_without_executing_them(rewritten) -> None:
    second = rewritten["second"]
    static, cells = second["explorer"]
    assert static == {k: cells[k] for k in static}
    assert {k: v for k, v in cells.items() if v} == {k: v for k, v in second["expected"].items() if k in cells}
    assert ("rebuild.html", "How to read and rebuild this book") in cells["norwich1994inter"]
    assert second["simulated"] == [["The matched-schools study, re-run", "Invented pupils"]]
    executed = re.findall(r"chapters/(\S+)\.md: executed", second["log"])
    assert "explorer" not in executed and "provenance" not in executed, executed


@pytest.mark.slow
def test_the_summary_points_to_the_sections_the_book_has_under_their_current_titles(rewritten) -> None:
    first, second = rewritten["first"], rewritten["second"]
    assert len(first["pointers"]) > 20
    assert all(anchors(first["html"], href) for href, _ in first["pointers"])
    assert ("impact.html#sec-impact-leadership", "Leadership capacity") in first["pointers"]
    # a section renamed in another chapter: the summary says so without executing again
    renamed = [text for href, text in second["pointers"] if href == "impact.html#sec-impact-leadership"]
    assert renamed and set(renamed) == {"Leaders"}
    assert "summary" not in re.findall(r"chapters/(\S+)\.md: executed", second["log"])


@pytest.mark.slow
def test_the_print_edition_fills_the_same_facts(hostile_book) -> None:
    pdf = hostile_book.build_dir / "latex" / "schoolcollab.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Cited in" in text and not LEFT_OVER.search(text)
    # the LaTeX the PDF was made from (kept in the build's staging folder): exact rows, before line breaking
    tex = next((hostile_book.build_dir / ".stage").rglob("schoolcollab.tex")).read_text(encoding="utf-8")
    assert not LEFT_OVER.search(tex)
    expected = expected_cited_in(hostile_book.root)
    columns = 9  # the explorer's printed sources table: Source ... Appraisal, Cited in
    for key in ("norwich1994inter", "muijs2015improving"):
        start = latex_escape(_short(hostile_book.root, key)) + " & "
        rows = [
            r for r in tex.splitlines() if r.startswith(start) and r.endswith(" \\\\") and r.count(" & ") == columns - 1
        ]
        assert len(rows) == 1, rows
        assert rows[0].endswith(" & " + latex_escape("; ".join(t for _, t in expected[key])) + " \\\\"), rows[0]
    assert "The matched-schools study, re-run & A simulated replication \\\\" in tex


def _short(root: Path, key: str) -> str:
    from schoolcollab.bib import short_citation
    from schoolcollab.load import bibliography

    return short_citation(bibliography(root), key)
