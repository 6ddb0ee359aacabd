"""Sphinx extension: every page says what it is part of, in the meta tags that citation tools read.

Highwire Press tags (``citation_*``, which Google Scholar and Zotero read) and Dublin Core (``DC.*``),
from the same record as the "Cite this edition" box (:mod:`schoolcollab.citation`). An edition is dated by
``editions.yaml``; a draft has no date of its own, so it carries the date it was built. The PDF's address,
``citation_pdf_url``, is added when the site is published with a current PDF
(:mod:`schoolcollab.build.downloads`), since the PDF is built after the HTML.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..citation import BookCitation, book_citation
from ..paths import Project
from .provenance import build_date

CONFIG = "schoolcollab_citation"  # the tags' values, as a config value: a change rewrites every page


def citation_tags(c: BookCitation, built: str) -> list[tuple[str, str]]:
    """(name, content) of every meta tag for citation ``c`` of a book built on ``built`` (ISO date)."""
    published = built if c.draft or c.date is None else c.date.isoformat()
    return [
        ("citation_title", c.title),
        ("citation_author", c.author),
        ("citation_publication_date", published.replace("-", "/")),
        ("citation_online_date", built.replace("-", "/")),
        ("citation_technical_report_institution", c.author),
        ("citation_technical_report_number", c.label),
        ("citation_language", "en"),
        ("DC.title", c.title),
        ("DC.creator", c.author),
        ("DC.publisher", c.author),
        ("DC.date", published),
        ("DC.type", "Text"),
        ("DC.format", "text/html"),
        ("DC.language", "en"),
        ("DC.description", f"{c.title} ({c.label})"),
    ]


def meta_html(tags: list[tuple[str, str]]) -> str:
    """The tags as HTML, escaped (title and author come from _config.yml, which an author writes)."""
    return "".join(
        f'\n<meta name="{html.escape(n, quote=True)}" content="{html.escape(v, quote=True)}" />' for n, v in tags
    )


def on_config_inited(app: Sphinx, config: Any) -> None:
    c = book_citation(Project(Path(app.srcdir)))
    config[CONFIG] = [list(t) for t in citation_tags(c, build_date().isoformat())]


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    context["metatags"] = context.get("metatags", "") + meta_html([tuple(t) for t in app.config[CONFIG]])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(CONFIG, [], "html", types=[list])
    app.connect("config-inited", on_config_inited)
    app.connect("html-page-context", on_html_page_context)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
