"""Placeholders a chapter's output leaves for the build to fill with facts only the whole book knows.

A chapter executes on its own, so it cannot know which other chapters cite a source, show results of
simulated data or have a section with a given label; Sphinx knows once it has read every page. A chapter
therefore prints a placeholder and :mod:`.book_facts` replaces it when the page is written. A placeholder
is made of ASCII letters, digits, ``@``, ``:`` and ``-`` only, which pass unchanged through every escaping
an output goes through (HTML, LaTeX, Markdown, and the JSON, nested twice, in which itables carries a
table's cells), so it is found wherever it landed. What replaces it must survive the same contexts: see
:func:`json_safe_html`.

This module is imported by the kernel as well as by Sphinx, so it imports neither.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CITED_IN = "cited-in"  # the chapters that cite a source (its key, hex-encoded, is the argument)
SIMULATED_SECTION = "simulated-section"  # marks the section it stands in as showing simulated results
SIMULATED_RESULTS = "simulated-results"  # the table of the sections so marked, across the book
SEE_SECTION = "see-section"  # "See <section>." when the book has a section with that label, else nothing
KINDS = (CITED_IN, SIMULATED_SECTION, SIMULATED_RESULTS, SEE_SECTION)
IN_TEXT = (SEE_SECTION,)  # kinds written in Markdown output, so found in the page's text, not in raw HTML
TOKEN = re.compile(r"@@sc:([a-z-]+)(?::([0-9a-f]*))?@@")


@dataclass(frozen=True)
class Placeholder:
    """One placeholder as found in an output: its kind, its argument, and its exact text."""

    kind: str
    argument: str
    text: str


def token(kind: str, argument: str = "") -> str:
    """The placeholder text for ``kind``; the argument is hex-encoded UTF-8, which no escaping alters."""
    if kind not in KINDS:
        raise ValueError(f"unknown placeholder kind {kind!r}; one of {', '.join(KINDS)}")
    encoded = argument.encode("utf-8").hex()
    return f"@@sc:{kind}:{encoded}@@" if argument else f"@@sc:{kind}@@"


def cited_in(key: str) -> str:
    """Where the chapters citing the source ``key`` go."""
    return token(CITED_IN, key)


def see_section(label: str) -> str:
    """A pointer to the section labelled ``label``, dropped by the build when the book has no such section."""
    return token(SEE_SECTION, label)


def find(text: str) -> list[Placeholder]:
    """Every placeholder in ``text``, in order, with its argument decoded."""
    found = []
    for match in TOKEN.finditer(text):
        raw = match.group(2) or ""
        try:
            argument = bytes.fromhex(raw).decode("utf-8")
        except ValueError:  # not one of ours after all (odd hex digits, not UTF-8): left for the check
            argument = raw
        found.append(Placeholder(match.group(1), argument, match.group()))
    return found


def json_safe_html(text: str) -> str:
    """``text`` escaped for HTML in printable ASCII with no double quote or backslash: it reads the same in
    the page and inside a JSON string, which would have written those characters as escapes."""
    return "".join(c if " " <= c <= "~" and c != "\\" else f"&#{ord(c)};" for c in html.escape(text, quote=True))
