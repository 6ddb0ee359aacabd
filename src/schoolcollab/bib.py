"""The bibliography (``references.bib``) and the citation keys the book uses."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock

from .errors import Problems, one_of
from .inputs import read_text

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


@dataclass(frozen=True)
class Bibliography:
    """Entries by key, with the line each starts on (1-based)."""

    path: Path
    entries: dict[str, dict[str, str]]
    lines: dict[str, int]
    types: dict[str, str]

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def keys(self) -> set[str]:
        return set(self.entries)

    def year(self, key: str) -> int | None:
        digits = re.match(r"\d{4}", self.entries[key].get("year", ""))
        return int(digits.group()) if digits else None


def parse_bibliography(path: Path, problems: Problems) -> Bibliography:
    """Parse ``path``; every failed block, duplicate key and missing field goes into ``problems``."""
    try:
        library = bibtexparser.parse_string(read_text(path))
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        problems.add(path, f"cannot be read ({exc.__class__.__name__})", expected="a UTF-8 BibTeX file")
        return Bibliography(path, {}, {}, {})
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.add(path, f"duplicate key '{block.key}' (an entry with this key comes earlier)",
                         field=block.key, line=line, expected="each key once")
        else:
            first = str(block.error).strip().splitlines()[0] if str(block.error).strip() else "syntax error"
            problems.add(path, f"entry could not be parsed: {first}", line=line,
                         expected="@type{key, field = {value}, ...}")
    entries: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    types: dict[str, str] = {}
    for entry in library.entries:
        line = entry.start_line + 1
        etype = entry.entry_type.lower()
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        if etype not in REQUIRED:
            problems.add(path, f"entry type @{etype} is not used in this book", field=entry.key,
                         line=line, expected=one_of(REQUIRED))
        if not KEY_PATTERN.match(entry.key):
            problems.add(path, f"key '{entry.key}' breaks the key convention", field=entry.key, line=line,
                         expected="familyname + year + first title word, lowercase, e.g. armstrong2015effective")
        for need in REQUIRED.get(etype, ()):
            options = need if isinstance(need, tuple) else (need,)
            if not any(fields.get(o, "").strip() for o in options):
                problems.add(path, f"@{etype} entry has no {' or '.join(options)}", field=entry.key,
                             line=line, expected=f"a non-empty '{options[0]}' field")
        entries[entry.key] = fields
        lines[entry.key] = line
        types[entry.key] = etype
    return Bibliography(path, entries, lines, types)


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
    found = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for match in CITE_ROLE.finditer(line):
            found.extend((lineno, k.strip()) for k in match.group(1).split(",") if k.strip())
    return found


def short_citation(bib: Bibliography, key: str) -> str:
    """'Hopkins and Higham (2007)', 'Chapman et al. (2009)': for tables, where a cite role cannot go."""
    entry = bib.entries.get(key)
    if entry is None:
        return key
    people = entry.get("author") or entry.get("editor") or entry.get("organization") or key
    names = [n.strip().strip("{}") for n in re.split(r"\s+and\s+", people)]
    family = [n.split(",")[0].strip().strip("{}") for n in names]
    who = family[0] if len(family) == 1 else (" and ".join(family) if len(family) == 2 else f"{family[0]} et al.")
    return f"{who} ({entry.get('year', 'n.d.')})"
