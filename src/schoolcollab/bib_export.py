"""The book's references for reference managers: BibTeX as written, RIS, and CSL-JSON.

The references page lists every entry of ``references.bib`` (its bibliography is ``:all:``), so every entry is
exported. BibTeX keeps each entry's own text; RIS and CSL-JSON are built from the parsed entries, with names
split by pybtex (BibTeX's own rules: "von Last, Jr, First") and LaTeX quotation marks, braces and escapes
turned into plain text. A corporate author written in braces, ``{Department for Education}``, stays one name.
"""

from __future__ import annotations

import re
from typing import Any, cast

import bibtexparser
import rispy

from .bib import Bibliography, plain_text

MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
RIS_TYPE = {
    "article": "JOUR",
    "book": "BOOK",
    "incollection": "CHAP",
    "inbook": "CHAP",
    "inproceedings": "CONF",
    "techreport": "RPRT",
    "phdthesis": "THES",
    "online": "ELEC",
    "misc": "GEN",
}
CSL_TYPE = {
    "article": "article-journal",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "inproceedings": "paper-conference",
    "techreport": "report",
    "phdthesis": "thesis",
    "online": "webpage",
    "misc": "document",
}
CSL_REQUIRED = ("id", "type", "title")


class PlainRisWriter(rispy.RisWriter):
    """RIS without rispy's numbered line before each record ("1."), which is not part of the format."""

    def set_header(self, count: int) -> str:
        return ""


def bibtex_text(bib: Bibliography) -> str:
    """Every entry of ``references.bib`` as its author wrote it, in the file's order."""
    library = bibtexparser.parse_string(bib.path.read_text(encoding="utf-8"))
    # (an entry parse_string read from the text always has its raw text; only hand-built ones have none)
    return "\n\n".join(cast(str, entry.raw).strip() for entry in library.entries if entry.key in bib.entries) + "\n"


def _names(value: str) -> list[dict[str, str]]:
    """BibTeX names as CSL names: family and given, or a literal for a name written in braces."""
    from pybtex.database import Person

    people = []
    for name in (n.strip() for n in re.split(r"\s+and\s+", value) if n.strip()):
        if name.startswith("{") and name.endswith("}") and name.count("{") == 1:
            people.append({"literal": plain_text(name)})
            continue
        person = Person(name)
        family = plain_text(" ".join([*person.prelast_names, *person.last_names]))
        given = plain_text(" ".join([*person.first_names, *person.middle_names]))
        people.append(
            {
                "family": family,
                **({"given": given} if given else {}),
                **({"suffix": plain_text(" ".join(person.lineage_names))} if person.lineage_names else {}),
            }
        )
    return people


def _ris_name(person: dict[str, str]) -> str:
    if "literal" in person:
        return person["literal"]
    return ", ".join(p for p in (person["family"], person.get("given", ""), person.get("suffix", "")) if p)


def _pages(value: str) -> tuple[str, str]:
    parts = [p.strip() for p in re.split(r"-+|\u2013", value, maxsplit=1)]
    return parts[0], parts[1] if len(parts) > 1 else ""


def _year(entry: dict[str, str]) -> int | None:
    digits = re.match(r"\d{4}", entry.get("year", ""))
    return int(digits.group()) if digits else None


def _text(entry: dict[str, str], name: str) -> str:
    return plain_text(entry.get(name, ""))


def csl_item(key: str, etype: str, entry: dict[str, str]) -> dict[str, Any]:
    """One entry as a CSL-JSON item (fields the entry lacks are left out)."""
    item: dict[str, Any] = {
        "id": key,
        "type": CSL_TYPE.get(etype, "document"),
        "title": _text(entry, "title") or _text(entry, "note"),
    }
    for bib_name, csl_name in (("author", "author"), ("editor", "editor")):
        if entry.get(bib_name, "").strip():
            item[csl_name] = _names(entry[bib_name])
    year = _year(entry)
    if year is not None:
        month = MONTHS.get(entry.get("month", "").strip().lower()[:3])
        item["issued"] = {"date-parts": [[year, month] if month else [year]]}
    elif entry.get("year"):
        item["issued"] = {"literal": entry["year"]}
    container = _text(entry, "journal") or _text(entry, "booktitle")
    publisher = _text(entry, "publisher") or _text(entry, "institution") or _text(entry, "school")
    simple = {
        "container-title": container,
        "publisher": publisher,
        "publisher-place": _text(entry, "address"),
        "volume": _text(entry, "volume"),
        "issue": _text(entry, "number"),
        "edition": _text(entry, "edition"),
        "genre": _text(entry, "type"),
        "ISBN": _text(entry, "isbn"),
        "DOI": entry.get("doi", "").strip(),
        "URL": entry.get("url", "").strip(),
        "note": _text(entry, "note") if entry.get("title") else "",
        "page": "–".join(p for p in _pages(entry.get("pages", "")) if p),
    }
    item.update({k: v for k, v in simple.items() if v})
    return item


def csl_items(bib: Bibliography) -> list[dict[str, Any]]:
    """Every entry as CSL-JSON, sorted by key."""
    return [csl_item(key, bib.types[key], bib.entries[key]) for key in sorted(bib.entries)]


def ris_text(bib: Bibliography) -> str:
    """Every entry as a RIS record, sorted by key (the key in ID, so a re-import can be matched)."""
    records = []
    for item in csl_items(bib):
        entry = bib.entries[item["id"]]
        start, end = _pages(entry.get("pages", ""))
        year = item.get("issued", {}).get("date-parts", [[None]])[0][0]
        rec: dict[str, Any] = {
            "type_of_reference": RIS_TYPE.get(bib.types[item["id"]], "GEN"),
            "id": item["id"],
            "primary_title": item["title"],
            "authors": [_ris_name(p) for p in item.get("author", [])],
            "secondary_authors": [_ris_name(p) for p in item.get("editor", [])],
            "year": str(year) if year else entry.get("year", ""),
            "secondary_title": item.get("container-title", ""),
            "publisher": item.get("publisher", ""),
            "place_published": item.get("publisher-place", ""),
            "volume": item.get("volume", ""),
            "number": item.get("issue", ""),
            "start_page": start,
            "end_page": end,
            "edition": item.get("edition", ""),
            "issn": item.get("ISBN", ""),
            "doi": item.get("DOI", ""),
            "urls": [item["URL"]] if item.get("URL") else [],
            "notes": [item["note"]] if item.get("note") else [],
        }
        records.append({k: v for k, v in rec.items() if v})
    return rispy.dumps(records, implementation=PlainRisWriter)
