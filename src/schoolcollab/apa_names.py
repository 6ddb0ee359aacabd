"""APA 7 names, years and in-text citations of references.bib's entries, and the reference list's order.

Only the whole list shows which works need a letter after the year (2009a, 2009b) or initials before the
first author's surname, so the in-text form of every entry (:class:`Citation`) is worked out here, once,
from the sorted list: :mod:`schoolcollab.build.apa_style` formats the list, :mod:`schoolcollab.build.apa_cite`
the citations in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pybtex.database import Entry, Person
from pybtex.richtext import BaseText, Tag, Text
from pybtex.style.sorting import BaseSortingStyle

MAX_LISTED_AUTHORS = 20  # APA 9.8: list up to 20; from 21, the first 19, an ellipsis and the last
YEAR = re.compile(r"^(\d{4})([a-z]?)$")
IN_PRESS = {"forthcoming", "in press"}
ETYPES_WITH_ITALIC_TITLE = {"book", "techreport", "misc", "online", "phdthesis", "inbook"}


@dataclass(frozen=True)
class Citation:
    """How a work is cited in the text: names for a parenthetical and a narrative citation, and the year."""

    parenthetical: BaseText  # "Chapman & Muijs"
    narrative: BaseText  # "Chapman and Muijs"
    year: str  # "2014", "2009b", "n.d.", "in press"
    all_parenthetical: BaseText  # every author's surname, for the roles that ask for them all
    all_narrative: BaseText

    def label(self) -> str:
        """The plain parenthetical form, 'Chapman & Muijs, 2014': unique for every work in the list."""
        return f"{self.parenthetical}, {self.year}"


# -- names ------------------------------------------------------------------------------------------


def creators(entry: Entry) -> tuple[str, Sequence[Person]]:
    """The people a work is listed under: its authors, else its editors (role name and persons)."""
    for role in ("author", "editor"):
        if entry.persons.get(role):
            return role, entry.persons[role]
    return "", ()


# A name's parts are read from LaTeX at every use, and the list is sorted and cited by the same ~300
# names over and over: read once per spelling (rich text is never changed in place, so it can be shared)
@lru_cache(maxsize=4096)
def _surname(parts: tuple[str, ...]) -> Text:
    return Text(" ").join([Text.from_latex(part) for part in parts])


@lru_cache(maxsize=4096)
def _initials(given: tuple[str, ...]) -> Text:
    names = [Text.from_latex(part) for part in given]
    return Text(" ").join([name.abbreviate() if not str(name).endswith(".") else name for name in names])


def surname(person: Person) -> Text:
    """'van der Berg', 'Department for Education': the particles and the family name (or a group's name)."""
    return _surname(tuple(person.prelast_names + person.last_names))


def initials(person: Person) -> Text:
    """'P. A.' for Paul Andrew, 'J.-P.' for Jean-Paul; empty for a group author or a bare surname."""
    return _initials(tuple(person.first_names + person.middle_names))


def listed_name(person: Person) -> Text:
    """'Surname, I. I.' (or the name alone when no initials are known), with ', Jr.' kept."""
    parts = [surname(person)]
    if person.rich_lineage_names:
        parts.append(Text(" ").join(person.rich_lineage_names))
    if initials(person):
        parts.append(initials(person))
    return Text(", ").join(parts)


def editor_name(person: Person) -> Text:
    """'H. B. Holmarsdottir': an editor in a chapter reference, initials first."""
    return Text(" ").join([p for p in (initials(person), surname(person)) if p])


def join_names(names: Sequence[BaseText], listed: bool = True) -> Text:
    """'A', 'A, & B', 'A, B, & C' in the list (its names hold commas); 'A & B', 'A, B, & C' in an 'In' line."""
    if len(names) > MAX_LISTED_AUTHORS:
        return Text(", ").join(names[: MAX_LISTED_AUTHORS - 1]) + Text(", . . . ", names[-1])
    if len(names) <= 1:
        return Text(*names)
    if len(names) == 2:
        comma = "," if listed and "," in str(names[0]) else ""
        return Text(names[0], comma + " & ", names[1])
    return Text(", ").join(names[:-1]) + Text(", & ", names[-1])


def rich_field(entry: Entry, name: str) -> BaseText | None:
    """A field as rich text (braces become protected text, -- an en dash); None when absent or empty."""
    value = entry.fields.get(name, "").strip()
    return Text.from_latex(value) if value else None


# -- the year ---------------------------------------------------------------------------------------


def split_year(entry: Entry) -> tuple[str, str]:
    """('2009', 'b') for 2009b; ('in press', '') for forthcoming; ('n.d.', '') when there is no year."""
    year = entry.fields.get("year", "").strip()
    digits = YEAR.match(year)
    if digits:
        return digits.group(1), digits.group(2)
    if year.lower() in IN_PRESS:
        return "in press", ""
    return ("n.d.", "") if not year else (year, "")


def year_text(base: str, letter: str) -> str:
    """'2009b'; with a letter, a year that is not a number takes a hyphen (APA 8.19): 'n.d.-a'."""
    return base + (letter if not letter or base[:1].isdigit() else "-" + letter)


# -- sorting and the in-text forms ---------------------------------------------------------------------


def alphabetic(text: object) -> str:
    """Letter by letter, accents, spaces and punctuation ignored (APA 9.44: nothing precedes something)."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", plain)


def _title_key(entry: Entry) -> str:
    title = entry.fields.get("title", "")
    return alphabetic(re.sub(r"^(the|an|a)\s+", "", title, flags=re.I))


class ApaSortingStyle(BaseSortingStyle):
    """Surname and initials of each author in turn, then year (no date first, in press last), letter, title."""

    def sorting_key(self, entry: Entry) -> tuple:
        _, people = creators(entry)
        names = tuple((alphabetic(surname(p)), alphabetic(initials(p))) for p in people) or ((_title_key(entry), ""),)
        base, letter = split_year(entry)
        when = (0, "") if base == "n.d." else (2, "") if base == "in press" else (1, base)
        return names, when, letter or "~", _title_key(entry)  # works without a letter after those with one


def _short_title(entry: Entry) -> BaseText:
    """A work without authors or editors is cited by its title up to any subtitle, as the list shows it."""
    title = rich_field(entry, "title") or Text("[Title not known]")
    main = title.split(":")[0] if ":" in str(title) else title
    return Tag("em", main) if entry.type in ETYPES_WITH_ITALIC_TITLE else Text("“", main, "”")


def _in_text(entry: Entry, with_initials: bool) -> tuple[BaseText, BaseText, BaseText, BaseText]:
    """(parenthetical, narrative, all parenthetical, all narrative) names of an entry (APA 8.17, 8.20)."""
    _, people = creators(entry)
    if not people:
        title = _short_title(entry)
        return title, title, title, title
    names = [surname(p) for p in people]
    if with_initials and initials(people[0]):
        names[0] = Text(initials(people[0]), " ", names[0])

    def joined(amp: str, full: bool) -> BaseText:
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return Text(names[0], amp, names[1])
        if not full:
            return Text(names[0], " et al.")
        return Text(", ").join(names[:-1]) + Text("," + amp, names[-1])

    return joined(" & ", False), joined(" and ", False), joined(" & ", True), joined(" and ", True)


def citations(sorted_entries: Sequence[Entry]) -> dict[str, Citation]:
    """Each entry's in-text citation, given the whole list in its order.

    A letter in references.bib's year is kept (the book's letters follow seed 1, whose text the chapters
    quote). Works that would still be cited alike (same names, same year, no letter to tell them apart)
    get the next free letters in list order (APA 8.19). First authors who share a surname but not their
    initials are cited with their initials (APA 8.20).
    """
    by_surname: dict[str, set[str]] = defaultdict(set)
    for entry in sorted_entries:
        _, people = creators(entry)
        if people:
            by_surname[str(surname(people[0]))].add(str(initials(people[0])))
    forms: dict[str, tuple[BaseText, BaseText, BaseText, BaseText]] = {}
    for entry in sorted_entries:
        _, people = creators(entry)
        shared = bool(people) and len(by_surname[str(surname(people[0]))]) > 1
        forms[entry.key] = _in_text(entry, with_initials=shared)
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in sorted_entries:
        groups[(str(forms[entry.key][0]), split_year(entry)[0])].append(entry)
    letters: dict[str, str] = {}
    for group in groups.values():
        used = {split_year(e)[1] for e in group}
        free = (chr(c) for c in range(ord("a"), ord("z") + 1) if chr(c) not in used)
        for entry in group:
            letter = split_year(entry)[1]
            letters[entry.key] = letter or (next(free) if len(group) > 1 else "")
    return {
        entry.key: Citation(
            *forms[entry.key][:2], year_text(split_year(entry)[0], letters[entry.key]), *forms[entry.key][2:]
        )
        for entry in sorted_entries
    }
