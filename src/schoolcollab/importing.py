"""``schoolcollab import``: add the references of a RIS or BibTeX export to references.bib.

RIS comes from ERIC, Scopus and Web of Science, BibTeX from Zotero and Better BibTeX. Each new record
becomes an entry keyed by the convention at the top of references.bib; a record whose DOI, or whose
normalised title and year, matches an entry already there is reported and not added. The bibliography is
only ever appended to, atomically, and only when every record of the file is usable.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import rispy
from bibtexparser.model import DuplicateBlockKeyBlock

from .bib import EARLIEST_YEAR, REQUIRED, YEAR_PATTERN, _parse, parse_bibliography
from .errors import Problems, display_path, short
from .inputs import read_input
from .paths import Project
from .yamlio import write_atomic

STOP_WORDS = frozenset(
    ["a", "an", "the", "of", "on", "in", "and", "for", "to", "with", "at", "by", "from", "is", "are", "do", "does"]
)
RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
TY_HINT = "each record opened by a TY line naming its type, e.g. 'TY  - JOUR' (a tag, two spaces, '- ')"
ER_HINT = "each record closed by an 'ER  -' line (ER, two spaces, '-')"
BIB_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.M)
DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s,;{}\"]+")
RIS_TYPES = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "INPR": "article",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "incollection",
    "ECHAP": "incollection",
    "RPRT": "techreport",
    "GOVDOC": "techreport",
    "CONF": "inproceedings",
    "CPAPER": "inproceedings",
    "THES": "phdthesis",
}  # any other TY: misc
BIB_TYPES = {
    "report": "techreport",
    "thesis": "phdthesis",
    "mastersthesis": "phdthesis",
    "conference": "inproceedings",
    "proceedings": "misc",
    "booklet": "misc",
    "manual": "misc",
    "unpublished": "misc",
}
PUBLISHER = {"techreport": "institution", "phdthesis": "school"}  # the field a RIS PB line fills
BIB_FIELDS = {"journaltitle": "journal", "location": "address", "issue": "number"}  # biblatex -> BibTeX
KEPT = (
    "author",
    "editor",
    "title",
    "booktitle",
    "journal",
    "volume",
    "number",
    "pages",
    "edition",
    "series",
    "chapter",
    "publisher",
    "institution",
    "school",
    "organization",
    "address",
    "type",
    "howpublished",
    "year",
    "doi",
    "url",
    "isbn",
    "note",
)
RIS_HINT = {
    "author": "an 'AU  - Family, Given' line",
    "editor": "an 'A2  - Family, Given' line",
    "title": "a 'TI  - ' line",
    "year": "a 'PY  - ' line with a four-digit year",
    "journal": "a 'JO  - ' (or JF, T2) line naming the journal",
    "publisher": "a 'PB  - ' line",
    "booktitle": "a 'T2  - ' line naming the book or proceedings",
    "institution": "a 'PB  - ' line naming the institution",
    "school": "a 'PB  - ' line naming the university",
    "note": "an 'N1  - ' line",
}
LATEX_SPECIALS = str.maketrans(
    {"&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$", "_": r"\_", "{": "", "}": "", "\\": "", "~": r"\~{}", "^": r"\^{}"}
)
FOLD = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)
LATEX_LETTERS = {
    "ss": "ss",
    "o": "o",
    "O": "O",
    "l": "l",
    "L": "L",
    "ae": "ae",
    "AE": "AE",
    "oe": "oe",
    "OE": "OE",
    "aa": "a",
    "AA": "A",
    "i": "i",
    "j": "j",
}


@dataclass
class Record:
    """One record of the imported file, as the BibTeX entry it would become."""

    line: int
    label: str  # "record 3" (RIS) or the entry's key in the file (BibTeX)
    etype: str
    fields: dict[str, str]  # BibTeX values, ready to write between braces
    ris: bool


@dataclass
class ImportResult:
    """What an import did: the keys added and the records skipped as likely duplicates."""

    bib: Path
    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report printed by the command."""
        out = [f"likely duplicate, not added: {d}" for d in self.duplicates]
        if not self.added:
            return out + [
                f"nothing added to {self.bib.name}" + (" (every record is there already)" if self.duplicates else "")
            ]
        out.append(
            f"added {len(self.added)} entr{'y' if len(self.added) == 1 else 'ies'} to {self.bib.name}: "
            + ", ".join(self.added)
        )
        out.append("next: start a source record for each, then fill it in and run `schoolcollab check`:")
        return out + [f"  schoolcollab add {key}" for key in self.added]


def plain(text: str) -> str:
    """LaTeX and Unicode reduced to ASCII text: accents, braces and commands removed, '&' as 'and'."""
    text = re.sub(r"\\&|&", " and ", text)
    text = re.sub(
        r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![a-zA-Z])\s*(?:\{\})?", lambda m: LATEX_LETTERS[m.group(1)], text
    )
    text = re.sub(r"\\[a-zA-Z]+\s*", "", text)  # \emph, \c, \textit: their argument stays
    text = re.sub(r"\\[^a-zA-Z]", "", text).replace("{", "").replace("}", "")  # accents: \" \' \^
    text = unicodedata.normalize("NFKD", text.translate(FOLD))
    return text.encode("ascii", "ignore").decode()


def letters(text: str) -> str:
    """Lowercase ASCII letters only, as keys are spelled."""
    return re.sub(r"[^a-z]", "", plain(text).lower())


def normal_title(title: str) -> str:
    """A title compared without case, punctuation, accents or braces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain(title).lower()).split())


def normal_doi(value: str) -> str:
    """'10.1080/x' from 'https://doi.org/10.1080/X', 'doi:10.1080/x' or '10.1080/X', lowercased."""
    found = DOI_IN_TEXT.search(value.replace("\\", "").strip())
    return found.group().rstrip(".)]").lower() if found else ""


def split_names(value: str) -> list[str]:
    """The names of a BibTeX name list, split at ' and ' outside braces."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and value[i : i + 5].lower() == " and " and i >= start:
            names.append(value[start:i])
            start = i + 5
    return [n.strip() for n in [*names, value[start:]] if n.strip()]


def first_name(entry: dict[str, str]) -> str:
    """The first author's name as written (the first editor's when there is no author), or ''."""
    names = split_names(entry.get("author") or entry.get("editor") or "")
    return names[0] if names else ""


def family_part(name: str, corporate: dict[str, str]) -> str:
    """The key's first part for one BibTeX name: the family name, or a corporate author's abbreviation."""
    if re.fullmatch(r"\{[^{}]*\}", name):  # {Department for Education}
        full = name[1:-1]
        if normal_title(full) in corporate:
            return corporate[normal_title(full)]
        words = [w for w in re.findall(r"[A-Za-z][\w']*", plain(full)) if w[0].isupper()]
        return letters(full) if len(words) < 2 else "".join(w[0] for w in words).lower()
    depth, current = 0, ""
    tokens: list[str] = []
    for ch in name:
        depth += (ch == "{") - (ch == "}")
        if ch == "," and depth == 0:
            return letters("".join(tokens) + current)  # "von Last, First"
        if ch.isspace() and depth == 0:
            tokens.append(current)
            current = ""
        else:
            current += ch
    words = [t for t in [*tokens, current] if t]
    von = next((i for i, t in enumerate(words[:-1]) if i and t[:1].islower()), len(words) - 1)
    return letters("".join(words[von:]))  # "First von Last"


def make_key(family: str, year: str, title: str, taken: set[str]) -> tuple[str, str]:
    """(key, base): base = family + year + first significant title word; the key adds a letter (b, c, ...)
    when the base is taken, as references.bib tells pont2008improving and pont2008improvingb apart."""
    year = "forthcoming" if year.lower() == "forthcoming" else year[:4]
    word = ""
    for raw in plain(title).split():
        candidate = re.sub(r"[^a-z0-9]", "", raw.lower().split("-")[0])
        if candidate and candidate not in STOP_WORDS:
            word = candidate
            break
    base = f"{family}{year}{word}"
    for suffix in ["", *"bcdefghijklmnopqrstuvwxyz"]:
        if base + suffix not in taken:
            return base + suffix, base
    raise ValueError(f"every key from {base} to {base}z is taken")


def _bibtex_text(value: str) -> str:
    """A RIS value as BibTeX text: LaTeX specials escaped, braces dropped."""
    return " ".join(value.translate(LATEX_SPECIALS).split())


def ris_name(name: str) -> str:
    """'Family, Given[, Suffix]' as BibTeX writes it; a name without a comma is a corporate author."""
    parts = [_bibtex_text(p) for p in name.split(",")]
    if len(parts) == 1:
        return "{" + parts[0] + "}"
    return ", ".join([parts[0], *parts[2:], parts[1]]) if len(parts) > 2 else ", ".join(parts)


def _first(rec: dict, *names: str) -> str:
    for name in names:
        value = rec.get(name) if len(name) > 2 else rec.get("unknown_tag", {}).get(name)
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def ris_record(rec: dict, line: int, label: str, source: str) -> Record:
    """The entry a parsed RIS record becomes (missing fields are left out; ``check_record`` names them)."""
    etype = RIS_TYPES.get(rec.get("type_of_reference", "").strip().upper(), "misc")
    authors = [n for n in [*rec.get("authors", []), *rec.get("first_authors", [])] if n.strip()]
    editors = [n for n in [*rec.get("secondary_authors", []), *rec.get("unknown_tag", {}).get("ED", [])] if n.strip()]
    start, end = _first(rec, "start_page"), _first(rec, "end_page")
    pages = re.sub(r"\s*[-\u2013]+\s*", "--", start) + (f"--{end}" if start and end and "-" not in start else "")
    year = re.search(r"\d{4}", _first(rec, "year", "publication_year", "date"))
    doi = normal_doi(_first(rec, "doi")) or next((normal_doi(u) for u in rec.get("urls", []) if "doi.org" in u), "")
    venue = {
        "article": ("journal_name", "alternate_title3", "secondary_title", "alternate_title2", "alternate_title1"),
        "incollection": ("secondary_title", "BT"),
        "inproceedings": ("secondary_title", "custom3", "BT"),
    }
    fields = {
        "author": " and ".join(map(ris_name, authors)),
        "editor": " and ".join(map(ris_name, editors)) if etype in ("book", "incollection", "inproceedings") else "",
        "title": _bibtex_text(_first(rec, "title", "primary_title", "BT" if etype == "book" else "title")),
        "journal" if etype == "article" else "booktitle": _bibtex_text(_first(rec, *venue.get(etype, ()))),
        "volume": _bibtex_text(_first(rec, "volume")),
        "number": _bibtex_text(_first(rec, "number")),
        "pages": pages,
        "edition": _bibtex_text(_first(rec, "edition")),
        "series": _bibtex_text(_first(rec, "tertiary_title")),
        "address": _bibtex_text(_first(rec, "place_published")),
        PUBLISHER.get(etype, "publisher"): _bibtex_text(_first(rec, "publisher")),
        "year": year.group() if year else "",
        "doi": doi,
        "url": "" if doi else _first(rec, "urls").translate(str.maketrans("", "", "{} ")),
        "isbn": _bibtex_text(_first(rec, "issn")) if etype in ("book", "incollection") else "",
        "note": f"Imported from {source} ({label}).",
    }
    return Record(line, label, etype, {k: v for k, v in fields.items() if v}, ris=True)


def read_ris(path: Path, text: str, problems: Problems) -> list[Record]:
    """The records of a RIS file; a record without TY or ER, or with an empty TY, is a problem."""
    lines = text.splitlines()
    records: list[Record] = []
    start: int | None = None
    orphan = False

    def close(end: int) -> None:
        if start is None:  # called only on an ER line with a record open
            raise ValueError(f"no RIS record is open at line {end} of {path}")
        label = f"record {len(records) + 1}"
        parsed = rispy.loads("\n".join(lines[start - 1 : end]), skip_unknown_tags=False)
        records.append(ris_record(parsed[0] if parsed else {}, start, label, path.name))

    for number, content in enumerate(lines, start=1):
        tag = RIS_TAG.match(content)
        if not tag:
            continue
        if tag.group(1) == "TY":
            if start is not None:
                problems.add(
                    path,
                    f"the record starting here has no ER line before the next TY (line {number})",
                    line=start,
                    field=f"record {len(records) + 1}",
                    expected=ER_HINT,
                    code="ris.missing_er",
                )
                records.append(Record(start, "", "misc", {}, ris=True))
            if not content[6:].strip():
                problems.add(
                    path,
                    "TY names no type of reference",
                    line=number,
                    field=f"record {len(records) + 1}",
                    expected="'TY  - ' and a RIS type such as JOUR, BOOK, CHAP, RPRT, CONF or GEN",
                    code="ris.empty_type",
                )
            start, orphan = number, False
        elif tag.group(1) == "ER":
            if start is None:
                problems.add(
                    path,
                    "ER closes a record that no TY line opened",
                    line=number,
                    expected=TY_HINT,
                    code="ris.orphan_er",
                )
            else:
                close(number)
                start = None
        elif start is None and not orphan:
            problems.add(
                path,
                f"the {tag.group(1)} line is outside a record (the record has no TY line)",
                line=number,
                expected=TY_HINT,
                code="ris.outside_record",
            )
            orphan = True
    if start is not None:
        problems.add(
            path,
            "the record starting here has no ER line (the file ends first)",
            line=start,
            field=f"record {len(records) + 1}",
            expected=ER_HINT,
            code="ris.missing_er",
        )
    return [r for r in records if r.label]


def read_bibtex(path: Path, text: str, problems: Problems) -> list[Record]:
    """The entries of a BibTeX file; every block bibtexparser could not parse is a problem."""
    library = _parse(path, text, problems)
    if library is None:
        return []
    for block in library.failed_blocks:
        reason = str(getattr(block.error, "abort_reason", "") or block.error).strip().rstrip(".") or "syntax error"
        hint = '; is a { or " in this entry not closed?' if re.search(r"end of file|closing", reason) else ""
        problems.add(
            path,
            f"entry could not be parsed: {reason}{hint}",
            line=(block.start_line or 0) + 1,
            expected="@type{key, field = {value}, ...}, each key once",
            code="bib.duplicate_key" if isinstance(block, DuplicateBlockKeyBlock) else "bib.unparseable_entry",
        )
    records = []
    for entry in library.entries:
        if entry.start_line is None:  # bibtexparser's splitter numbers every block it reads from a string
            raise ValueError(f"bibtexparser gave no line number for entry '{entry.key}' of {path}")
        values = {BIB_FIELDS.get(f.key.lower(), f.key.lower()): " ".join(str(f.value).split()) for f in entry.fields}
        if not values.get("year") and re.match(r"\d{4}", values.get("date", "")):
            values["year"] = values["date"][:4]
        if (etype := entry.entry_type.lower()) == "mastersthesis":
            values.setdefault("type", "Master's thesis")
        etype = etype if etype in REQUIRED else BIB_TYPES.get(etype, "misc")
        values["doi"] = normal_doi(values.get("doi", ""))
        values["note"] = " ".join([values.get("note", ""), f"Imported from {path.name} (entry {entry.key})."]).strip()
        records.append(
            Record(entry.start_line + 1, entry.key, etype, {k: values[k] for k in KEPT if values.get(k)}, ris=False)
        )
    return records


def check_record(path: Path, rec: Record, problems: Problems) -> None:
    """Report a record without title, year or authors, or without a field its entry type requires."""

    def missing(what: str, name: str) -> None:
        hint = RIS_HINT[name] if rec.ris else f"a non-empty '{name}' field"
        problems.add(
            path,
            f"the {'record' if rec.ris else 'entry'} has no {what}",
            line=rec.line,
            field=rec.label,
            expected=hint,
            code="ref.missing_field",
        )

    if not rec.fields.get("title"):
        missing("title", "title")
    year = rec.fields.get("year", "")
    digits, latest = YEAR_PATTERN.match(year), date.today().year + 1
    if not year:
        missing("year", "year")
    elif year != "forthcoming" and not (digits and EARLIEST_YEAR <= int(digits.group(1)) <= latest):
        problems.add(
            path,
            f"year {year!r} is not a publication year",
            line=rec.line,
            field=rec.label,
            expected=f"four digits from {EARLIEST_YEAR} to {latest}, a letter allowed (2009a), or forthcoming",
            code="ref.bad_year",
        )
    first = first_name(rec.fields)
    if not first:
        missing("authors", "author")
    elif not family_part(first, {}):
        problems.add(
            path,
            f"the first author's name {first!r} has no Latin letters to make a key from",
            line=rec.line,
            field=rec.label,
            expected="the family name in Latin letters, e.g. 'Zhang, W.'",
            code="import.no_latin_name",
        )
    for need in REQUIRED[rec.etype]:
        options = need if isinstance(need, tuple) else (need,)
        if options[0] not in ("author", "title", "year") and not any(rec.fields.get(o) for o in options):
            missing(f"{options[0]}, which @{rec.etype} entries need", options[0])


def format_entry(key: str, etype: str, fields: dict[str, str]) -> str:
    """One entry in the file's layout: a field per line, names padded, no comma after the last; marked
    ``keywords = {update}``, as every work added after the source documents is (data/sources/README.md)."""
    fields = {
        **fields,
        "keywords": "update",  # BibTeX's `x' and ``x'' quotes would print as typed
        **{
            k: re.sub(r"`([^`']*)'", r"‘\1’", re.sub(r"``([^`']*)''", r"“\1”", fields[k]))
            for k in ("title", "booktitle", "journal")
            if k in fields
        },
    }
    width = max(map(len, fields))
    body = ",\n".join(f"  {name.ljust(width)} = {{{fields[name]}}}" for name in (*KEPT, "keywords") if name in fields)
    return f"@{etype}{{{key},\n{body}\n}}"


def import_references(project: Project, file: Path) -> ImportResult:
    """Append the new records of ``file`` to the project's references.bib; raise InputError if any is bad."""
    file = Path(file)
    problems = Problems()
    bib = parse_bibliography(project.bib, problems)
    problems.raise_if_any()  # a bibliography with problems is fixed first: `schoolcollab check` lists them
    before = project.bib.read_bytes()
    text = read_input(file, problems, missing="a RIS (.ris) or BibTeX (.bib) file exported from a database")
    records: list[Record] = []
    if text is not None:
        ris, bibtex = re.search(r"^[A-Z][A-Z0-9]  -", text, re.M), BIB_ENTRY.search(text)
        if not text.strip():
            problems.add(file, "the file is empty", expected="RIS records or BibTeX entries", code="file.empty")
        elif ris and (not bibtex or ris.start() < bibtex.start()):
            records = read_ris(file, text, problems)
        elif bibtex:
            records = read_bibtex(file, text, problems)
        else:
            number, opening = next((i, x.strip()) for i, x in enumerate(text.splitlines(), 1) if x.strip())
            problems.add(
                file,
                f"the file is neither RIS nor BibTeX (it begins {short(opening, 40)})",
                line=number,
                expected="RIS records "
                "('TY  - JOUR' ... 'ER  -', as ERIC, Scopus and Web of Science export) or BibTeX entries "
                "('@article{key, title = {...}, ...}', as Zotero exports)",
                code="import.unknown_format",
            )
        if not records and not problems:
            problems.add(
                file, "the file holds no records", expected="RIS records or BibTeX entries", code="import.no_records"
            )
    for rec in records:
        check_record(file, rec, problems)
    problems.raise_if_any()

    corporate = {
        normal_title(first_name(e)): re.sub(r"[^a-z].*", "", key)  # {Department for Education}: dfe
        for key, e in bib.entries.items()
        if re.fullmatch(r"\{[^{}]*\}", first_name(e))
    }
    by_doi: dict[str, str] = {}
    by_title: dict[tuple[str, str], str] = {}

    def remember(key: str, entry: dict[str, str]) -> None:
        for value in (entry.get("doi", ""), entry.get("url", ""), entry.get("note", "")):
            for doi in DOI_IN_TEXT.findall(value):
                by_doi.setdefault(normal_doi(doi), key)
        by_title.setdefault((normal_title(entry.get("title", "")), entry.get("year", "")[:4]), key)

    for key, entry in bib.entries.items():
        remember(key, entry)
    result = ImportResult(project.bib)
    taken = set(bib.entries)
    entries = []
    for rec in records:
        doi, year = rec.fields.get("doi", ""), rec.fields["year"]
        by_name = by_title.get((normal_title(rec.fields["title"]), year[:4]))
        same = (by_doi[doi], f"same DOI {doi}") if doi in by_doi else (by_name, "same title and year")
        if same[0]:
            label = rec.label if rec.ris else f"entry {rec.label}"
            result.duplicates.append(f"{display_path(file)}:{rec.line} {label} is {same[0]} ({same[1]})")
            continue
        key, base = make_key(family_part(first_name(rec.fields), corporate), year, rec.fields["title"], taken)
        if key != base:
            rec.fields["note"] += f" Key disambiguated from {base} by a letter suffix."
        taken.add(key)
        remember(key, rec.fields)
        entries.append(format_entry(key, rec.etype, rec.fields))
        result.added.append(key)
    if entries:
        _append(project.bib, before, entries)
    return result


def _append(path: Path, before: bytes, entries: list[str]) -> None:
    """Add ``entries`` after the file's existing text, which is kept byte for byte, in one atomic write."""
    raw = path.read_bytes()
    if raw != before:  # someone saved it meanwhile: keys and duplicates were judged on the old text
        problems = Problems()
        problems.add(
            path,
            "the file changed while the import ran, so nothing was added",
            expected="the import run again once the file is saved",
            code="import.file_changed",
        )
        problems.raise_if_any()
    old = raw.decode("utf-8")  # read_input accepted it; a byte-order mark stays as it was
    newline = "\r\n" if "\r\n" in old else "\n"
    addition = ("" if not old or old.endswith("\n") else "\n") + "".join(f"\n{e}\n" for e in entries)
    mode = os.stat(path).st_mode
    write_atomic(path, old + addition.replace("\n", newline))
    os.chmod(path, mode & 0o7777)
