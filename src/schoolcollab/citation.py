"""How to cite the book: one record, from ``data/editions/editions.yaml`` and ``_config.yml``, in every form.

The edition and its date come from :func:`schoolcollab.editions.status`, the title and author from
``_config.yml``. Between two snapshots the book is a draft: a draft's citation says so and gives no date of
its own (it is not an edition). ``CITATION.cff`` cites the last recorded edition; ``schoolcollab snapshot``
rewrites it, ``schoolcollab citation`` writes it, and ``schoolcollab check`` reports it when it has drifted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import rispy
import yaml

from .errors import Problems
from .inputs import read_text
from .paths import Project

CFF_FILE = "CITATION.cff"
CFF_HEADER = (
    "# Written by `schoolcollab citation` (and `schoolcollab snapshot`) from data/editions/editions.yaml\n"
    "# and _config.yml: edit those, not this file. `schoolcollab check` reports it when it drifts.\n"
)


@dataclass(frozen=True)
class BookCitation:
    """What a citation of the book as built says."""

    title: str
    author: str
    label: str  # 'Edition 2026.1' or 'Draft of the edition after 2026.1'
    edition: str | None  # the last recorded edition's name (None before the first snapshot)
    date: dt.date | None  # that edition's date
    draft: bool

    @property
    def key(self) -> str:
        if self.draft or not self.edition:
            return "schoolcollab_draft"
        return f"schoolcollab_{self.edition.replace('.', '_')}"


def book_metadata(project: Project) -> tuple[str, str]:
    """(title, author) from ``_config.yml``, read as an input so that a page showing them follows a change."""
    config = yaml.safe_load(read_text(project.root / "_config.yml")) or {}
    return str(config.get("title") or "Untitled book"), str(config.get("author") or "Anonymous")


def book_citation(project: Project, last_edition: bool = False) -> BookCitation:
    """The citation of the book as built (with ``last_edition``: of the last recorded edition, draft or not)."""
    from .editions import status

    title, author = book_metadata(project)
    st = status(project)
    last = st.last
    draft = st.draft and not (last_edition and last is not None)
    label = f"Edition {last.name}" if last is not None and not draft else st.label()
    date = dt.date.fromisoformat(last.date) if last is not None else None
    return BookCitation(title, author, label, last.name if last else None, date, draft)


def apa_parts(c: BookCitation) -> tuple[str, str, str, str]:
    """(author, date, title, edition) of an APA-like reference; a draft is undated ('n.d.')."""
    when = "n.d." if c.draft or c.date is None else f"{c.date.year}, {c.date:%B} {c.date.day}"
    return c.author, when, c.title, c.label


def apa_text(c: BookCitation) -> str:
    """An APA-like reference as plain text: Author. (date). Title (edition)."""
    author, when, title, label = apa_parts(c)
    return f"{author}. ({when}). {title} ({label})."


def _braced(text: str) -> str:
    return text.replace("\\", "").replace("{", "").replace("}", "")


def bibtex_entry(c: BookCitation) -> str:
    """A BibTeX @misc entry; the author is braced so BibTeX keeps a corporate name whole."""
    fields = [("author", "{" + _braced(c.author) + "}"), ("title", _braced(c.title)), ("note", c.label)]
    if not c.draft and c.date is not None:
        fields += [("year", str(c.date.year)), ("month", str(c.date.month)), ("date", c.date.isoformat())]
    body = ",\n".join(f"  {name:<6} = {{{value}}}" for name, value in fields)
    return f"@misc{{{c.key},\n{body}\n}}\n"


def ris_entry(c: BookCitation) -> str:
    """A RIS record (type GEN: a living review is neither a journal article nor a fixed report)."""
    from .bib_export import PlainRisWriter

    record = {
        "type_of_reference": "GEN",
        "id": c.key,
        "primary_title": c.title,
        "authors": [c.author],
        "edition": c.label,
    }
    if not c.draft and c.date is not None:
        record.update(year=str(c.date.year), date=f"{c.date:%Y/%m/%d}")
    return rispy.dumps([record], implementation=PlainRisWriter)


def cff_data(project: Project) -> dict:
    """``CITATION.cff`` (CFF 1.2.0) for the last recorded edition; without one, the book undated."""
    c = book_citation(project, last_edition=True)
    authors = [{"name": c.author}]
    dated = {"version": c.edition, "date-released": c.date.isoformat()} if c.edition and c.date else {}
    preferred: dict[str, object] = {"type": "report", "title": c.title, "authors": [dict(a) for a in authors]}
    if c.edition and c.date:  # the condition of dated, spelled out so that c.date is known to be set
        preferred.update({"edition": c.label, "year": c.date.year, "month": c.date.month})
    return {
        "cff-version": "1.2.0",
        "message": "If you use this review, please cite the edition you read as below.",
        "type": "software",
        "title": c.title,
        "authors": authors,
        **dated,
        "preferred-citation": preferred,
    }


def cff_text(project: Project) -> str:
    """The text ``CITATION.cff`` should hold."""
    return CFF_HEADER + yaml.safe_dump(cff_data(project), sort_keys=False, allow_unicode=True, width=110)


def write_cff(project: Project) -> Path:
    """Write ``CITATION.cff`` from the editions and ``_config.yml`` (atomically)."""
    from .yamlio import write_atomic

    path = project.root / CFF_FILE
    write_atomic(path, cff_text(project))
    return path


def check_cff(project: Project, problems: Problems) -> None:
    """A ``CITATION.cff`` that no longer says what the editions and ``_config.yml`` say is a problem."""
    path = project.root / CFF_FILE
    if not path.is_file():  # a book may do without one; this book's tests require it
        return
    want = yaml.safe_load(cff_text(project))
    try:
        have = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.add(
            path,
            f"cannot be read as YAML ({exc.__class__.__name__})",
            expected="the file `schoolcollab citation` writes",
            code="citation.unreadable",
        )
        return
    if not isinstance(have, dict):
        have = {}
    for name in dict.fromkeys([*want, *have]):
        if have.get(name) != want.get(name):
            problems.add(
                path,
                f"says {name}: {have.get(name)!r}, but data/editions/editions.yaml and _config.yml "
                f"give {want.get(name)!r}",
                field=name,
                expected="what they say: run `schoolcollab citation` to rewrite CITATION.cff",
                code="citation.stale",
            )
            break
