"""Nothing an author writes in the data runs or is parsed in the book: checked on the built HTML.

The hostile copy (conftest.hostile_book) puts HTML, MyST and LaTeX into a glossary entry, a claim of the
ledger, an initiative's name and a bibliography title; the PDF side is checked in test_pdf.py.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from conftest import HOSTILE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages(hostile_book) -> dict[str, str]:
    html = hostile_book.build_dir / "html"
    return {str(p.relative_to(html)): p.read_text(encoding="utf-8") for p in html.rglob("*.html")}


def test_no_injected_script_or_event_handler_reaches_a_page(pages) -> None:
    for name, text in pages.items():
        assert "alert('x')</script>" not in text and "alert('t')</script>" not in text, name
        soup = BeautifulSoup(text, "html.parser")
        # the theme's own buttons have handlers; the injected ones all call alert()
        handlers = [
            tag.name
            for tag in soup.find_all(True)
            if any(a.startswith("on") and "alert(" in str(v) for a, v in tag.attrs.items())
        ]
        assert not handlers, (name, handlers)
        assert not soup.find("img", src="x"), name


def test_the_hostile_text_is_shown_as_text_where_the_data_appears(pages) -> None:
    where = {
        "chapters/appendix-glossary.html",
        "chapters/summary.html",
        "chapters/explorer.html",
        "chapters/appendix-initiatives.html",
        "chapters/references.html",
    }
    for name in where:
        assert (
            "&lt;script&gt;" in pages[name] or "\\u003cscript" in pages[name] or "&lt;b onmouseover" in pages[name]
        ), name
    glossary = BeautifulSoup(pages["chapters/appendix-glossary.html"], "html.parser").get_text(" ")
    assert " ".join(HOSTILE.split()) in " ".join(glossary.split())  # every character, as written


def test_myst_in_the_data_is_not_parsed(pages) -> None:
    summary = BeautifulSoup(pages["chapters/summary.html"], "html.parser")
    text = " ".join(summary.get_text(" ").split())
    assert "{cite}`nobody`" in text and ":::{warning} boom :::" in text and "**not bold**" in text
    assert not any("boom" in a.get_text() for a in summary.select("div.admonition.warning"))
    assert "$x$" in " ".join(
        BeautifulSoup(pages["chapters/appendix-initiatives.html"], "html.parser").get_text(" ").split()
    )
