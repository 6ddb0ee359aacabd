"""The bibliography (``references.bib``) and the citation keys the book uses."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Set
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock

from .errors import Problems, did_you_mean, one_of
from .inputs import read_input

# Fields an entry of each type must have to be cited and listed properly (BibTeX's own rules,
# with author/editor as alternatives for books).
REQUIRED: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "article": ("author", "title", "journal", "year"),
    "book": (("author", "editor"), "title", "publisher", "year"),
    "incollection": ("author", "title", "booktitle", "publisher", "year"),
    "inbook": (("author", "editor"), "title", "publisher", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "phdthesis": ("author", "title", "school", "year"),
    "misc": (("title", "note"), "year"),  # a work cited without a title carries a note saying so
    "online": ("title", "year"),
}
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
# family name + year (or "forthcoming") + first significant title word; the word may be absent when
# the source names no title (an in-text citation missing from a reference list)
KEY_PATTERN = re.compile(r"^[a-z]+([0-9]{4}|forthcoming)[a-z0-9]*$")


# BibTeX's quotation marks, ``x'' and `x'. pybtex (and so the references page) turns ``x'' into “x” but prints a
# single `x' as typed, backtick and all; the package itself turns both into ‘x’ and “x” when it reads the file.
SINGLE_LATEX_QUOTE = re.compile(r"(?<!`)`(?!`)")
# fields the references page prints as text; url, doi and the like are left as they are
TEXT_FIELDS = (
    "title",
    "booktitle",
    "journal",
    "series",
    "note",
    "howpublished",
    "publisher",
    "institution",
    "school",
    "organization",
    "address",
    "edition",
)
YEAR_PATTERN = re.compile(r"^(\d{4})[a-z]?$")  # 2009, or 2009a/2009b to tell same-author works apart
EARLIEST_YEAR = 1500


class AnyKey(frozenset[str]):
    """The keys of a bibliography that could not be read at all: every key passes, so that a broken
    references.bib is reported once, not again at every citation of the book."""

    def __contains__(self, key: object) -> bool:
        return True


@dataclass(frozen=True)
class Bibliography:
    """Entries by key, with the line each starts on (1-based)."""

    path: Path
    entries: dict[str, dict[str, str]]
    lines: dict[str, int]
    types: dict[str, str]
    unparsed: frozenset[str] = frozenset()  # keys of entries that failed to parse (reported already)
    readable: bool = True

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        """The keys of :meth:`keys` (none when the file could not be read)."""
        return iter(self.keys())

    def keys(self) -> Set[str]:
        """Keys to check citations against: the parsed entries and those that failed to parse (their
        problem is the parse, not every citation of them); anything when the file could not be read."""
        return set(self.entries) | self.unparsed if self.readable else AnyKey()

    def year(self, key: str) -> int | None:
        digits = re.match(r"\d{4}", self.entries.get(key, {}).get("year", ""))
        return int(digits.group()) if digits else None


def _parse(path: Path, text: str, problems: Problems) -> bibtexparser.Library | None:
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)  # its warnings repeat our problems, unformatted, on stderr
    try:
        return bibtexparser.parse_string(text)
    except Exception as exc:  # noqa: BLE001 - the parser's own bug on odd input: report it, never crash
        problems.add(
            path,
            f"the BibTeX parser gave up on this file ({exc.__class__.__name__})",
            expected="@type{key, field = {value}, ...} entries",
            code="bib.parser_failed",
        )
        return None
    finally:
        logger.setLevel(level)


def parse_bibliography(path: Path, problems: Problems) -> Bibliography:
    """Parse ``path``; every failed block, duplicate key and missing field goes into ``problems``."""
    text = read_input(path, problems, missing="references.bib in the book's folder")
    library = _parse(path, text, problems) if text is not None else None
    if text is None or library is None:  # (no text, no library)
        return Bibliography(path, {}, {}, {}, readable=False)
    unparsed: set[str] = set()
    for block in library.failed_blocks:
        if block.start_line is None:  # bibtexparser's splitter numbers every block it reads from a string
            raise ValueError(f"bibtexparser gave no line number for a failed block of {path}")
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.add(
                path,
                f"duplicate key '{block.key}' (an entry with this key comes earlier)",
                field=block.key,
                line=line,
                expected="each key once",
                code="bib.duplicate_key",
            )
            continue
        reason = str(getattr(block.error, "abort_reason", "") or block.error).strip().rstrip(".") or "syntax error"
        hint = '; is a { or " in this entry not closed?' if re.search(r"end of file|closing", reason) else ""
        problems.add(
            path,
            f"entry could not be parsed: {reason}{hint}",
            line=line,
            expected="@type{key, field = {value}, ...}",
            code="bib.unparseable_entry",
        )
        key = re.match(r"\s*@\s*\w+\s*[{(]\s*([^\s,={}()]+)", block.raw or "")
        if key:
            unparsed.add(key.group(1))
    entries: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    types: dict[str, str] = {}
    for entry in library.entries:
        if entry.start_line is None:  # bibtexparser's splitter numbers every block it reads from a string
            raise ValueError(f"bibtexparser gave no line number for entry '{entry.key}' of {path}")
        line = entry.start_line + 1
        etype = entry.entry_type.lower()
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        if etype not in REQUIRED:
            problems.add(
                path,
                f"entry type @{etype} is not used in this book{did_you_mean(etype, REQUIRED)}",
                field=entry.key,
                line=line,
                expected=one_of(REQUIRED),
                code="bib.unknown_entry_type",
            )
        if not KEY_PATTERN.match(entry.key):
            problems.add(
                path,
                f"key '{entry.key}' breaks the key convention",
                field=entry.key,
                line=line,
                expected="familyname + year + first title word, lowercase, e.g. armstrong2015effective",
                code="bib.key_convention",
            )
        for need in REQUIRED.get(etype, ()):
            options = need if isinstance(need, tuple) else (need,)
            if not any(fields.get(o, "").strip() for o in options):
                problems.add(
                    path,
                    f"@{etype} entry has no {' or '.join(options)}",
                    field=entry.key,
                    line=line,
                    expected=f"a non-empty '{options[0]}' field",
                    code="ref.missing_field",
                )
        year = fields.get("year", "").strip()
        digits = YEAR_PATTERN.match(year)
        latest = date.today().year + 1
        if year and year != "forthcoming" and not (digits and EARLIEST_YEAR <= int(digits.group(1)) <= latest):
            problems.add(
                path,
                f"year {year!r} is not a publication year",
                field=entry.key,
                line=line,
                expected=f"four digits from {EARLIEST_YEAR} to {latest}, a letter allowed (2009a), or forthcoming",
                code="ref.bad_year",
            )
        for name in TEXT_FIELDS:
            quoted = SINGLE_LATEX_QUOTE.search(fields.get(name, ""))
            if quoted:
                opening = re.match(r"`[^`]*?'(?![A-Za-z])", fields[name][quoted.start() :])
                said = opening.group() if opening else "`"
                problems.add(
                    path,
                    f"the {name} uses a LaTeX single quotation mark ({said}), which the references "
                    "page prints as typed, backtick and all",
                    field=entry.key,
                    line=line,
                    expected=f"the quotation marks themselves: {typographic_quotes(said)}",
                    code="bib.latex_quote",
                )
        entries[entry.key] = {k: typographic_quotes(v) if k in TEXT_FIELDS else v for k, v in fields.items()}
        lines[entry.key] = line
        types[entry.key] = etype
    if not entries and not library.failed_blocks:
        problems.add(
            path,
            "the file has no entries" if not text.strip() else "the file has no @entries",
            expected="one @type{key, ...} entry per work the book cites",
            code="file.empty" if not text.strip() else "bib.no_entries",
        )
        return Bibliography(path, {}, {}, {}, readable=False)
    return Bibliography(path, entries, lines, types, frozenset(unparsed - set(entries)))


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> Bibliography:
    problems = Problems()
    bib = parse_bibliography(path, problems)
    problems.raise_if_any()
    return bib


def load_bibliography(path: Path) -> Bibliography:
    """The bibliography at ``path``; raises InputError listing every problem in it."""
    path = Path(path).resolve()
    return _load_cached(path, path.stat().st_mtime_ns)


def cited_keys(text: str) -> list[tuple[int, str]]:
    """(line, key) for every key in a MyST ``{cite}`` role in ``text``."""
    found: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for match in CITE_ROLE.finditer(line):
            found.extend((lineno, k.strip()) for k in match.group(1).split(",") if k.strip())
    return found


def typographic_quotes(text: str) -> str:
    """BibTeX's quotation marks as the marks themselves: ``x'' -> “x”, `x' -> ‘x’ (an apostrophe inside a
    quotation, as in `the school's way', stays an apostrophe); a stray `` or ` opens, '' closes."""
    text = re.sub(r"``(.*?)''", r"“\1”", text, flags=re.S)
    text = re.sub(r"(?<!`)`([^`]*?)'(?![A-Za-z])", r"‘\1’", text, flags=re.S)
    return text.replace("``", "“").replace("''", "”").replace("`", "‘")


def plain_text(value: str) -> str:
    """A BibTeX field as plain text, for a comment or a table: no protecting braces, no LaTeX quotation marks
    or escaped specials, one line."""
    text = typographic_quotes(value)
    text = re.sub(r"\\([&%$#_])", r"\1", text).replace("{", "").replace("}", "")
    return " ".join(text.split())


def short_citation(bib: Bibliography, key: str) -> str:
    """'Hopkins and Higham (2007)', 'P. A. Woods et al. (2006)': the APA narrative citation the text gives
    the same work (:mod:`schoolcollab.apa_names`), for tables and lists, where a cite role cannot go."""
    if key not in bib.entries:
        return key
    return _apa_narrative(read_input(bib.path, Problems()) or "").get(key, key)


@lru_cache(maxsize=4)
def _apa_narrative(text: str) -> dict[str, str]:
    """Key -> narrative citation, for the whole file at once: letters and initials depend on the others.
    Keyed by the file's text alone: two copies of one bibliography (a book and its copy) cite alike."""
    from pybtex.database import parse_string
    from pybtex.exceptions import PybtexError

    from .apa_names import ApaSortingStyle, citations

    try:
        parsed = parse_string(text, "bibtex")
    except PybtexError:  # a file the check reports as broken: its tables show keys until it is fixed
        return {}
    entries = ApaSortingStyle().sort(list(parsed.entries.values()))
    return {key: f"{c.narrative} ({c.year})" for key, c in citations(entries).items()}
