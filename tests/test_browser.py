"""The book in a real browser: Debian's Chromium driven by Playwright, with the network cut off.

Every page loads with no console error and no request leaving the machine; internal links resolve;
the explorer's search box filters and its headings sort; the book's search finds a source by author.
A screenshot of every page is kept under _build/test-artifacts/browser/ for a human to look at. Every
page is loaded once for the screenshots, the console and the links (``walk``), a few at a time.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from browser_support import LOCAL, MAIN_TABLES, Visit, pages, rows, visits
from conftest import ROOT

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).with_name("schoolcollab"))
ARTEFACTS = ROOT / "_build" / "test-artifacts" / "browser"


@dataclass
class Walk:
    """Every page of the book loaded once: what it complained of, its links, its ids."""

    problems: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)  # (page, href as the browser resolved it)
    ids: dict[str, set[str] | None] = field(default_factory=dict)  # url -> the ids it built; None: did not load


@pytest.fixture(scope="module")
def walk(site, browser) -> Walk:
    """Each page of the built book visited once, photographed, and read for its links and ids."""
    project, base = site
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob("*.png"):
        old.unlink()
    found, listed = Walk(), pages(project)
    for rel, visit in zip(listed, visits(browser, [base + rel for rel in listed]), strict=True):
        visit.page.screenshot(path=str(ARTEFACTS / (rel.replace("/", "__")[:-5] + ".png")), full_page=True)
        hrefs = visit.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        found.links += [(rel, href) for href in hrefs]
        found.ids[base + rel] = set(visit.page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        if visit.errors or visit.outside:
            found.problems[rel] = {"console": visit.errors, "outside": visit.outside}
        visit.close()
    return found


def test_every_page_loads_cleanly_offline_and_is_photographed(site, walk: Walk) -> None:
    project, _ = site
    assert not walk.problems
    assert len(list(ARTEFACTS.glob("*.png"))) == len(pages(project)) == len(walk.ids)


def test_every_internal_link_resolves_in_the_browser(browser, walk: Walk) -> None:
    links, ids = walk.links, dict(walk.ids)
    broken = []
    for rel, href in links:
        url, fragment = urldefrag(href)
        parsed = urlparse(url)
        if parsed.hostname not in LOCAL or not parsed.path.endswith(".html"):
            continue
        if url not in ids:  # not a page of the site as listed: fetch it as a reader's click would
            visit = Visit(browser, url)
            response = visit.context.request.get(url)
            found = visit.page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
            ids[url] = set(found) if response.status == 200 else None
            visit.close()
            if ids[url] is None:
                broken.append((rel, href, response.status))
                continue
        if ids[url] is None:
            continue  # already reported
        if fragment and fragment not in ids[url]:
            broken.append((rel, href, "no such anchor"))
    assert len(links) > 100 and not broken, broken


def test_explorer_search_filters_and_headings_sort(site, browser) -> None:
    _, base = site
    visit = Visit(browser, base + "chapters/explorer.html")
    page = visit.page
    page.wait_for_function(f"() => {MAIN_TABLES}.length == 2")
    before = rows(page)
    assert len(before) == 25  # first page of 88 sources
    search = page.locator(".dt-container:has(table[id^='itables_']) .dt-search input").first
    search.fill("Muijs")
    page.wait_for_timeout(400)
    after = rows(page)
    assert 0 < len(after) < len(before)
    assert all("Muijs" in " ".join(r) for r in after)
    search.fill("")
    page.wait_for_timeout(300)
    # the sort control of the Year heading (a button readers click or reach with the keyboard)
    header = page.locator(".dt-container:has(table[id^='itables_']) .dt-scroll-head th", has_text="Year").first.locator(
        ".dt-column-order"
    )
    header.click()
    page.wait_for_timeout(300)
    years_up = [int(r[2]) for r in rows(page)]
    header.click()
    page.wait_for_timeout(300)
    years_down = [int(r[2]) for r in rows(page)]
    assert years_up == sorted(years_up) and years_down == sorted(years_down, reverse=True)
    assert years_down[0] > years_up[0]
    headers = page.evaluate(
        f"() => {MAIN_TABLES}.map(t => t.closest('.dt-container').querySelectorAll('thead th').length)"
    )
    assert all(n > 0 for n in headers)  # header rows once DataTables has drawn them
    claims = rows(page, 1)
    # the ledger: claim, area, kind, confidence, the four components, how they combine, stances, sources
    assert claims and all(len(r) == 11 for r in claims)
    assert not visit.errors and not visit.outside
    visit.close()


def test_book_search_finds_a_source_by_author(site, browser) -> None:
    _, base = site
    visit = Visit(browser, base + "search.html?q=Hutchings")
    visit.page.wait_for_selector("#search-results ul li", timeout=15000)
    found = visit.page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.href)")
    assert any(h.endswith("references.html") or "references.html" in h for h in found), found
    assert not visit.errors and not visit.outside
    visit.close()


def test_pages_are_accessible_alt_text_header_rows_and_headings_in_order(site) -> None:
    from bs4 import BeautifulSoup

    project, _ = site
    problems = []
    for rel in pages(project):
        soup = BeautifulSoup((project.build_dir / "html" / rel).read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article") or soup
        for img in article.find_all("img"):
            if not (img.get("alt") or "").strip() or img.get("alt", "").endswith((".png", ".svg")):
                problems.append((rel, "image without alt text", img.get("src")))
        for tab in article.find_all("table"):
            if (tab.get("id") or "").startswith("itables_"):
                continue  # filled in by DataTables: checked in the browser
            if not tab.find("th"):
                problems.append((rel, "table without a header row", tab.get("id")))
        levels = [int(h.name[1]) for h in article.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        for before, after in zip(levels, levels[1:], strict=False):
            if after > before + 1:
                problems.append((rel, f"heading h{after} follows h{before}", None))
    assert not problems
