"""The "Cite this edition" box of the book's first page: the reference in words, as BibTeX and as RIS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..citation import apa_parts, bibtex_entry, book_citation, ris_entry
from ..paths import find_project
from .style import markdown_text

if TYPE_CHECKING:  # IPython only when the box is drawn (inside a kernel)
    from IPython.display import Markdown


def cite_box_markdown(root: Path | None = None) -> str:
    """The box as MyST Markdown: an admonition holding the reference and two code blocks."""
    c = book_citation(find_project(root))
    author, when, title, label = (markdown_text(part) for part in apa_parts(c))
    draft = (
        "\n\nThis copy is a draft, not yet an edition: cite it as a draft, or cite the last edition "
        f"({markdown_text(c.edition)}) instead."
        if c.draft and c.edition
        else ""
    )
    return (
        f":::{{admonition}} Cite this edition\n:class: sc-cite\n\n{author}. ({when}). *{title}* ({label})."
        f"{draft}\n\nBibTeX:\n\n````bibtex\n{bibtex_entry(c)}````\n\nRIS:\n\n````text\n{ris_entry(c)}````\n:::\n"
    )


def cite_box(root: Path | None = None) -> Markdown:
    """The "Cite this edition" box, for ``chapters/index.md``."""
    from IPython.display import Markdown

    return Markdown(cite_box_markdown(root))
