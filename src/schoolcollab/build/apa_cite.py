"""APA 7 citations in the text: a sphinxcontrib-bibtex referencing style, registered as ``apa``.

``{cite:p}`` gives a parenthetical citation, ``(Chapman & Muijs, 2014)``, and ``{cite:t}`` a narrative
one, ``Chapman and Muijs (2014)``; three or more authors are ``Hill et al.``; a group author is spelled
out. Several works in one parenthesis are put in the order of the reference list, separated by
semicolons, and the works of the same authors share their names: ``(Chapman & Muijs, 2013, 2014)``
(APA 8.12). Names and years, letters included, come from the reference list's own style
(:mod:`.apa_style`), so a citation and its entry in the list always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pybtex.database import Entry
from pybtex.richtext import BaseText, Text
from pybtex.style.template import Node, node
from sphinxcontrib.bibtex.style.referencing import BaseReferenceStyle
from sphinxcontrib.bibtex.style.template import SphinxReferenceText

from ..apa_names import ApaSortingStyle, Citation, citations

PARENTHETICAL = ("p", "ps", "alp", "alps")
NARRATIVE = ("t", "ts", "ct", "cts")
AUTHOR = ("author", "authors", "cauthor", "cauthors", "authorpar", "authorpars")
YEAR = ("year", "yearpar")
LABEL = ("label", "labelpar")
EMPTY = ("empty",)
_SORT = ApaSortingStyle()


@dataclass(frozen=True)
class Cited:
    """One work of a citation: its in-text form, where it links to, and the reader's own words around it."""

    citation: Citation
    info: Any  # sphinxcontrib.bibtex's SphinxReferenceInfo: the link target
    order: tuple  # the work's place in the reference list
    pre: str
    post: str

    def link(self, *parts: BaseText | str) -> BaseText:
        """``parts`` as a link to the work's entry in the reference list."""
        return SphinxReferenceText(self.info, *parts)

    def names(self, role: str) -> BaseText:
        """'Chapman & Muijs' in parentheses, 'Chapman and Muijs' in a sentence; every author for the 's' roles."""
        full = role.endswith("s")
        parenthetical = role in PARENTHETICAL or role.endswith(("par", "pars"))
        if parenthetical:
            return self.citation.all_parenthetical if full else self.citation.parenthetical
        return self.citation.all_narrative if full else self.citation.narrative


def citation_of(entry: Entry, formatted_entry: Any) -> Citation:
    """The citation the reference list worked out; alone, if the list was formatted by another style."""
    found = getattr(formatted_entry, "citation", None)
    return found if isinstance(found, Citation) else citations([entry])[entry.key]


@node
def cited(children: list, data: dict) -> Cited:
    # one work, kept whole so that the outer template can order and group the works of a citation
    info = data["reference_info"]
    return Cited(
        citation_of(data["entry"], data["formatted_entry"]),
        info,
        _SORT.sorting_key(data["entry"]),
        info.pre_text,
        info.post_text,
    )


def _with_words(work: Cited, body: BaseText) -> BaseText:
    """'see Chapman & Muijs, 2014, p. 3': the author's words before and after a work (APA 8.13)."""
    return Text(*([work.pre, " "] if work.pre else []), body, *([", ", work.post] if work.post else []))


def _parenthetical(role: str, works: Sequence[Cited]) -> BaseText:
    groups: list[list[Cited]] = []
    for work in sorted(works, key=lambda w: w.order):
        last = groups[-1][-1] if groups else None
        if last and not (last.post or work.pre) and str(last.names(role)) == str(work.names(role)):
            groups[-1].append(work)
        else:
            groups.append([work])
    shown = []
    for group in groups:
        first = group[0].link(group[0].names(role), ", ", group[0].citation.year)
        years = [first, *(w.link(w.citation.year) for w in group[1:])]
        shown.append(
            Text(
                *([group[0].pre, " "] if group[0].pre else []),
                Text(", ").join(years),
                *([", ", group[-1].post] if group[-1].post else []),
            )
        )
    body = Text("; ").join(shown)
    return body if role.startswith("al") else Text("(", body, ")")


def _narrative(role: str, works: Sequence[Cited]) -> BaseText:
    shown = [Text(w.link(w.names(role)), " (", _with_words(w, w.link(w.citation.year)), ")") for w in works]
    text = _and(shown)
    return text.capfirst() if role.startswith("c") else text


def _and(parts: Sequence[BaseText]) -> BaseText:
    if len(parts) <= 2:
        return Text(" and ").join(parts)
    return Text(", ").join(parts[:-1]) + Text(", and ", parts[-1])


def _single(role: str, works: Sequence[Cited]) -> BaseText:
    if role in AUTHOR:
        pieces = [_with_words(w, w.link(w.names(role))) for w in works]
    elif role in YEAR:
        pieces = [_with_words(w, w.link(w.citation.year)) for w in works]
    else:
        pieces = [_with_words(w, w.link(w.citation.label())) for w in works]
    if role.endswith(("par", "pars")):
        return Text("(", Text("; ").join(pieces), ")")
    text = _and(pieces)
    return text.capfirst() if role.startswith("c") else text


@node
def assembled(children: list, data: Any, role: str, works: Sequence[Cited]) -> BaseText:
    # the citation as the role asks for it; "empty" cites without printing anything
    if role in EMPTY or not works:
        return Text()
    if role in PARENTHETICAL:
        return _parenthetical(role, works)
    if role in NARRATIVE:
        return _narrative(role, works)
    return _single(role, works)


@dataclass
class ApaReferenceStyle(BaseReferenceStyle):
    """Every citation role of sphinxcontrib-bibtex, in APA's author–date form."""

    def role_names(self) -> Iterable[str]:
        return [*PARENTHETICAL, *NARRATIVE, *AUTHOR, *YEAR, *LABEL, *EMPTY]

    def inner(self, role_name: str) -> Node:
        return cited

    def outer(self, role_name: str, children: list) -> Node:
        return assembled(role=role_name, works=children)
