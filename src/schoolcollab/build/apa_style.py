"""The reference list in APA 7 form: a pybtex formatting style, registered as ``apa``.

Every entry is set out as the APA Publication Manual (7th edition, chapters 9 and 10) asks: authors
``Surname, I. I.``, the year in parentheses, titles in sentence case (braces in references.bib keep proper
nouns and acronyms as typed), books and reports in italics with their edition, report number or a
bracketed description, journal and volume in italics with the issue in parentheses, chapters
``In E. Editor (Ed.), *Book* (pp. x–y). Publisher.``, and the DOI as an https://doi.org/ link.
APA gives no place of publication, ISBN or note, so references.bib's transcription notes stay out of it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pybtex
from pybtex.database import Entry
from pybtex.richtext import BaseText, HRef, Tag, Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle

from ..apa_names import (
    ETYPES_WITH_ITALIC_TITLE,
    ApaSortingStyle,
    Citation,
    alphabetic,
    citations,
    creators,
    editor_name,
    join_names,
    listed_name,
    rich_field,
)

# APA capitalises the first word of a subtitle (after a colon or a dash) and after a question or exclamation
SUBTITLE = re.compile(r"((?<=[:?!])\s+|\s+[—–]\s+)")
REPORT_SERIAL = re.compile(r"^[\d./-]+$")  # a bare number is 'No. 36'; a code such as DFE-RR466 stands alone
CHAPTER_TYPES = {"incollection", "inproceedings", "inbook"}
DATED_TYPES = {"misc", "online"}  # web pages and press articles carry their month; others the year only


class CitedEntry(FormattedEntry):
    """A formatted reference that also carries its in-text citation (pickled with the Sphinx environment)."""

    def __init__(self, key: str, text: BaseText, label: str, citation: Citation) -> None:
        super().__init__(key, text, label)
        self.citation = citation


def sentence_case(title: BaseText) -> Text:
    """'Towards self-improving school systems: Lessons from a City Challenge': lower case except the first
    word, the first word of a subtitle and whatever references.bib protects with braces."""
    pieces = title.lower().split(SUBTITLE)  # the pattern's group keeps the separators, at the odd places
    return Text(*[piece if i % 2 else piece.capfirst() for i, piece in enumerate(pieces)])


def title_case_words(text: BaseText) -> Text:
    """'Research Report' from 'Research report': a report series is a name."""
    return Text(" ").join([word.capfirst() for word in text.split(" ")])


def ordinal(number: str) -> str:
    """'2nd' from '2'; a written edition ('Revised') as it is."""
    if not number.isdigit():
        return number
    n = int(number)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _creators(entry: Entry) -> Text:
    role, people = creators(entry)
    if not people:
        return Text()
    names = join_names([listed_name(p) for p in people])
    if role == "editor":
        names = Text(names, " (Ed.)" if len(people) == 1 else " (Eds.)")
    return names.add_period()


def _date(entry: Entry, citation: Citation) -> Text:
    month = entry.fields.get("month", "").strip()
    dated = entry.type in DATED_TYPES and month and citation.year[:1].isdigit()
    return Text("(", citation.year, f", {month}" if dated else "", ").")


def _report_number(entry: Entry) -> BaseText | None:
    """'(Research Report DFE-RR466)', '(Report No. 36)', or a description in brackets: '[White paper]'."""
    kind, number = rich_field(entry, "type"), entry.fields.get("number", "").strip()
    if number:
        series = title_case_words(kind) if kind else Text("Report")
        return Text("(", series, " No. " if REPORT_SERIAL.match(number) else " ", number, ")")
    return Text("[", kind.capfirst(), "]") if kind else None


def _title(entry: Entry) -> Text:
    """The title, in italics for a work that stands alone, with the details APA puts after it."""
    title = rich_field(entry, "title")
    shown = sentence_case(title) if title else Text("[Title not known]")
    if title and entry.type in ETYPES_WITH_ITALIC_TITLE:
        shown = Tag("em", shown)
    details = []
    if entry.type in ("book", "inbook") and rich_field(entry, "edition"):
        details.append(Text("(", ordinal(entry.fields["edition"].strip()), " ed.)"))
    if entry.type == "techreport":
        details.append(_report_number(entry))
    if entry.type == "phdthesis":
        school = rich_field(entry, "school")
        details.append(Text("[Doctoral dissertation", *([", ", school] if school else []), "]"))
    return Text(" ").join([shown, *[d for d in details if d]]).add_period()


def _publisher(entry: Entry, *fields: str) -> Text:
    """The publisher (institution, for a report), left out when the author is the publisher (APA 9.29)."""
    _, people = creators(entry)
    author = alphabetic(Text(" ").join([listed_name(p) for p in people])) if len(people) == 1 else None
    for name in fields:
        value = rich_field(entry, name)
        if value:
            return Text() if alphabetic(value) == author else value.add_period()
    return Text()


def _journal(entry: Entry) -> Text:
    journal, volume, number, pages = (rich_field(entry, f) for f in ("journal", "volume", "number", "pages"))
    parts: list[BaseText] = [Tag("em", journal)] if journal else []
    if volume:
        parts.append(Text(Tag("em", volume), *(["(", number, ")"] if number else [])))
    if pages:
        parts.append(pages)
    return Text(", ").join(parts).add_period() if parts else Text()


def _chapter_source(entry: Entry) -> Text:
    """'In H. Biseth & H. B. Holmarsdottir (Eds.), *Human rights in the field ...* (pp. 125–145). Sense.'"""
    editors = entry.persons.get("editor", [])
    lead = Text("In ")
    if editors:
        lead += Text(
            join_names([editor_name(e) for e in editors], listed=False),
            " (Ed.), " if len(editors) == 1 else " (Eds.), ",
        )
    book = rich_field(entry, "booktitle")
    details = []
    if rich_field(entry, "edition"):
        details.append(Text(ordinal(entry.fields["edition"].strip()), " ed."))
    if rich_field(entry, "volume"):
        details.append(Text("Vol. ", rich_field(entry, "volume")))
    pages = rich_field(entry, "pages")
    if pages:
        details.append(Text("pp. " if re.search(r"[-–]", str(pages)) else "p. ", pages))
    shown = Tag("em", sentence_case(book)) if book else Text()
    if details:
        shown = Text(shown, " (", Text(", ").join(details), ")")
    return Text(Text(lead, shown).add_period(), " ", _publisher(entry, "publisher"))


def _source(entry: Entry) -> Text:
    if entry.type == "article":
        return _journal(entry)
    if entry.type in CHAPTER_TYPES:
        return _chapter_source(entry)
    if entry.type == "techreport":
        return _publisher(entry, "institution", "publisher")
    if entry.type == "phdthesis":
        return Text()
    return _publisher(entry, "publisher", "howpublished", "organization")


def _link(entry: Entry) -> Text:
    """The DOI as https://doi.org/..., else the URL, as printed links with no full stop after them."""
    doi = entry.fields.get("doi", "").strip()
    if doi:
        url = "https://doi.org/" + re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi, flags=re.I)
        return Text(HRef(url, url))
    url = entry.fields.get("url", "").strip()
    return Text(HRef(url, url)) if url else Text()


class ApaStyle(BaseStyle):
    """APA 7 reference list entries, sorted as APA sorts them, labelled with their in-text citation."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sorting_style = ApaSortingStyle()
        self.sort = self.sorting_style.sort
        self.format_labels = self.citation_labels  # BaseStyle sets it to a label style's method
        self.citations: dict[str, Citation] = {}
        # sphinxcontrib-bibtex asks for each entry twice, for the list and for its tooltip: formatted once
        self._formatted: dict[tuple[str, str], CitedEntry] = {}

    def citation_labels(self, sorted_entries: Iterable[Entry]) -> list[str]:
        """Each entry's parenthetical citation, 'Chapman et al., 2009a'; remembered for :meth:`format_entry`."""
        self.citations = citations(list(sorted_entries))
        return [c.label() for c in self.citations.values()]

    def format_entry(self, label: str, entry: Entry, bib_data: object = None) -> CitedEntry:
        if (label, entry.key) not in self._formatted:
            citation = self.citations.get(entry.key) or citations([entry])[entry.key]
            digest = _entry_digest(label, entry, citation)
            formatted = _kept[digest] if digest in _kept else self._format(label, entry, citation)
            _used[digest] = formatted
            self._formatted[label, entry.key] = formatted
        return self._formatted[label, entry.key]

    def _format(self, label: str, entry: Entry, citation: Citation) -> CitedEntry:
        author, date = _creators(entry), _date(entry, citation)
        head: Sequence[BaseText] = (author, date, _title(entry)) if author else (_title(entry), date)
        parts = [*head, _source(entry), _link(entry)]
        return CitedEntry(entry.key, Text(" ").join([p for p in parts if p]), label, citation)


# -- entries kept between builds -------------------------------------------------------------------------
# Sphinx asks for the whole list at every build; set out from LaTeX, the book's entries took 0.25 s of
# each rebuild. An entry is taken from the last build when everything it is made from is unchanged: its
# fields and names, its label and in-text citation (which depend on the other entries), this style's code
# and pybtex's version.
_kept: dict[str, CitedEntry] = {}
_used: dict[str, CitedEntry] = {}


@lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__)
    code = [here, here.parent.parent / "apa_names.py"]
    return hashlib.sha256(b"".join(path.read_bytes() for path in code) + pybtex.__version__.encode()).hexdigest()


def _entry_digest(label: str, entry: Entry, citation: Citation) -> str:
    persons = sorted((role, [str(person) for person in people]) for role, people in entry.persons.items())
    parts = (_code_digest(), label, entry.key, entry.type, repr(sorted(entry.fields.items())), repr(persons))
    return hashlib.sha256("\0".join([*parts, repr(citation)]).encode()).hexdigest()


def load_kept(path: Path) -> None:
    """Start a build with the entries the last one formatted (kept at ``path``; none if it is missing
    or unreadable: they are then formatted again)."""
    _kept.clear()
    _used.clear()
    try:
        kept = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - absent, half-written or from another version: format again
        return
    if isinstance(kept, dict):
        _kept.update({k: v for k, v in kept.items() if isinstance(v, CitedEntry)})


def save_kept(path: Path) -> None:
    """Keep the entries this build formatted, and only those, for the next build (a build that formatted
    none leaves the last one's)."""
    if not _used:
        return
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(pickle.dumps(dict(_used), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(partial, path)
