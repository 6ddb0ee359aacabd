"""Editions of the living review: each one recorded once, never overwritten, and compared with the book as built.

``data/editions/editions.yaml`` lists every edition (name, date, date of its search, a note, the fingerprint of
the evidence it was computed from); ``data/editions/<name>/`` holds what that edition computed: ``ratings.csv``
(every claim's rating and its four components), ``sources.csv`` (every coded record, its design, appraisal and
a digest of its file) and ``gap_map.csv`` (the evidence matrix). Between two snapshots the book is a draft of
the next edition, and says so.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from packaging.version import InvalidVersion, Version

from .errors import Problems
from .inputs import loading_evidence, read_text, record, record_facet
from .paths import Project
from .yamlio import load_yaml, write_atomic

RATING_FIELDS = ["claim", "rating", "methods", "coherence", "adequacy", "relevance"]
SOURCE_FIELDS = ["key", "design", "appraisal", "findings", "digest"]
GAP_FIELDS = ["theme", "family", "sources", "empirical_sources"]
NAME_HELP = "a name like 2026.2: year, a dot and a number, later than the last edition"


class EditionRefused(Exception):
    """``snapshot`` will not record: the name is used, sorts before the last, or is malformed."""


@dataclass(frozen=True)
class Edition:
    name: str
    date: str
    search_date: str
    note: str
    fingerprint: str


def folder(project: Project) -> Path:
    return project.data / "editions"


def evidence_fingerprint(project: Project) -> str:
    """A short hash of ``data/`` (without the editions themselves) and ``references.bib``.

    The editions are left out so that recording an edition does not change the fingerprint of the
    evidence it records: the book built right after ``snapshot`` is that edition, not a draft.
    """
    h = hashlib.sha256()
    files = sorted(p for p in project.data.rglob("*") if p.is_file() and folder(project) not in p.parents)
    for path in [*files, project.bib]:
        if path.is_file():
            record(path)
            h.update(path.relative_to(project.root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def list_editions(project: Project) -> list[Edition]:
    """Every recorded edition, oldest first (none before the first snapshot)."""
    path = folder(project) / "editions.yaml"
    if not path.is_file():
        return []
    problems = Problems()
    raw = load_yaml(path, problems)
    problems.raise_if_any()
    return [
        Edition(
            str(e["name"]),
            str(e["date"]),
            str(e.get("search_date", "not_reported")),
            str(e.get("note", "")),
            str(e.get("fingerprint", "")),
        )
        for e in (raw or {}).get("editions", [])
    ]


def _csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False)


def edition_tables(project: Project, name: str) -> dict[str, pd.DataFrame]:
    """What edition ``name`` computed: its ratings, sources and gap map (empty where it recorded none)."""
    base = folder(project) / name
    return {
        "ratings": _csv(base / "ratings.csv", RATING_FIELDS),
        "sources": _csv(base / "sources.csv", SOURCE_FIELDS),
        "gap_map": _csv(base / "gap_map.csv", GAP_FIELDS),
    }


def current_tables(project: Project, ev: Any) -> dict[str, pd.DataFrame]:
    """The same tables computed from the evidence as it is now."""
    from .evidence.synthesis import evidence_matrix

    ratings = ev.ratings[["claim", "rating", "methods", "coherence", "adequacy", "relevance"]].astype(str)
    counts = ev.findings.groupby("key").size()
    sources = pd.DataFrame(
        {
            "key": ev.sources["key"],
            "design": ev.sources["design"],
            "appraisal": ev.sources["appraisal"],
            "findings": [str(int(counts.get(k, 0))) for k in ev.sources["key"]],
            "digest": [record_digest(project.sources / f"{k}.yaml") for k in ev.sources["key"]],
        }
    )
    gap = evidence_matrix(ev.tables, ev.codebook)[GAP_FIELDS].astype(str)
    return {"ratings": ratings.reset_index(drop=True), "sources": sources.reset_index(drop=True), "gap_map": gap}


def record_digest(path: Path) -> str:
    """A short hash of a record's text: a recoded record has a new digest."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _version(name: str) -> Version:
    try:
        return Version(name)
    except InvalidVersion:
        raise EditionRefused(f"'{name}' is not an edition name (expected {NAME_HELP})") from None


def check_name(project: Project, name: str) -> None:
    """Refuse a name already used, one that sorts before the last edition, or a malformed one."""
    _version(name)
    known = list_editions(project)
    if any(e.name == name for e in known):
        raise EditionRefused(
            f"edition {name} already exists in {folder(project) / 'editions.yaml'}; editions are "
            f"never overwritten (expected a new name, {NAME_HELP})"
        )
    if known and _version(name) <= _version(known[-1].name):
        raise EditionRefused(
            f"edition {name} would sort before the last edition, {known[-1].name} (expected {NAME_HELP})"
        )


def write_edition(project: Project, ev: Any, name: str, date: str, search_date: str, note: str) -> Path:
    """Record the current evidence as edition ``name``; raises EditionRefused for a bad name."""
    check_name(project, name)
    base = folder(project) / name
    base.mkdir(parents=True, exist_ok=False)
    for table, frame in current_tables(project, ev).items():
        write_atomic(base / f"{table}.csv", frame.to_csv(index=False))
    entries = [e.__dict__ for e in list_editions(project)]
    entries.append(
        {
            "name": name,
            "date": date,
            "search_date": search_date,
            "note": note,
            "fingerprint": evidence_fingerprint(project),
        }
    )
    header = (
        "# Every edition of the book, oldest first; written by `schoolcollab snapshot`, never rewritten.\n"
        "# What each edition computed is in the folder of its name (see README.md).\n"
    )
    write_atomic(
        folder(project) / "editions.yaml",
        header + yaml.safe_dump({"editions": entries}, sort_keys=False, allow_unicode=True),
    )
    from .citation import write_cff  # the citation reads the editions: imported here, not at the top

    write_cff(project)  # CITATION.cff cites the edition just recorded
    return base


@dataclass(frozen=True)
class Status:
    """Which edition the book as built is: the last one recorded, or a draft of the next."""

    last: Edition | None
    draft: bool

    def label(self) -> str:
        if self.last is None:
            return "Draft (no edition recorded yet)"
        return f"Draft of the edition after {self.last.name}" if self.draft else f"Edition {self.last.name}"


STATUS_FACET = "edition_status"


def status(project: Project) -> Status:
    """Which edition the book is. A chapter that asks depends on the answer, recorded as a facet, not on
    the bytes of every data file hashed to find it: an edit that leaves the book a draft leaves it as it is."""
    known = list_editions(project)
    last = known[-1] if known else None
    with loading_evidence():
        fingerprint = evidence_fingerprint(project)
    found = Status(last, last is None or last.fingerprint != fingerprint)
    record_facet(STATUS_FACET, found)
    return found


def baseline(project: Project) -> Edition | None:
    """The edition the book is compared with: the last one for a draft, the one before it otherwise."""
    known = list_editions(project)
    st = status(project)
    if st.draft:
        return st.last
    return known[-2] if len(known) >= 2 else None


@dataclass(frozen=True)
class Changes:
    """What changed between edition ``since`` and the book as built (``None``: nothing to compare with)."""

    since: str | None
    added: list[str]
    removed: list[str]
    recoded: list[str]
    findings_before: int
    findings_now: int
    claims: pd.DataFrame  # claim, what (rating / component), before, after
    cells: pd.DataFrame  # theme, family, before, after (sources in the gap map)
    gap_map_recorded: bool


def compare(project: Project, ev: Any) -> Changes:
    """The book as built against the edition it follows (see :func:`baseline`)."""
    now = current_tables(project, ev)
    base = baseline(project)
    empty_claims = pd.DataFrame(columns=["claim", "what", "before", "after"])
    empty_cells = pd.DataFrame(columns=["theme", "family", "before", "after"])
    if base is None:
        n = int(now["sources"]["findings"].astype(int).sum())
        return Changes(None, [], [], [], n, n, empty_claims, empty_cells, False)
    old = edition_tables(project, base.name)
    before, after = (old["sources"].set_index("key"), now["sources"].set_index("key"))
    added = sorted(set(after.index) - set(before.index))
    removed = sorted(set(before.index) - set(after.index))
    recoded = sorted(k for k in set(after.index) & set(before.index) if after.at[k, "digest"] != before.at[k, "digest"])
    rows = []
    r_old, r_now = old["ratings"].set_index("claim"), now["ratings"].set_index("claim")
    for claim in sorted(set(r_old.index) | set(r_now.index)):
        for what in ("rating", "methods", "coherence", "adequacy", "relevance"):
            b = r_old[what].get(claim, "(none)") if what in r_old else "(none)"
            a = r_now[what].get(claim, "(none)")
            if b != a and b != "not recorded":
                rows.append({"claim": claim, "what": what, "before": b, "after": a})
    cells = empty_cells
    recorded = not old["gap_map"].empty
    if recorded:
        g = old["gap_map"].merge(now["gap_map"], on=["theme", "family"], how="outer", suffixes=("_b", "_a"))
        g = g.fillna("0")
        g = g[g["sources_b"] != g["sources_a"]]
        cells = pd.DataFrame(
            {"theme": g["theme"], "family": g["family"], "before": g["sources_b"], "after": g["sources_a"]}
        ).reset_index(drop=True)
    return Changes(
        base.name,
        added,
        removed,
        recoded,
        int(old["sources"]["findings"].astype(int).sum()),
        int(now["sources"]["findings"].astype(int).sum()),
        pd.DataFrame(rows, columns=empty_claims.columns),
        cells,
        recorded,
    )


def history(project: Project) -> pd.DataFrame:
    """Every edition with its counts: sources, claims by rating."""
    rows = []
    for e in list_editions(project):
        t = edition_tables(project, e.name)
        ratings = t["ratings"]["rating"].value_counts()
        rows.append(
            {
                "edition": e.name,
                "date": e.date,
                "search": e.search_date,
                "note": e.note,
                "sources": len(t["sources"]),
                "claims": len(t["ratings"]),
                **{lvl: int(ratings.get(lvl, 0)) for lvl in ("high", "moderate", "low", "very low")},
            }
        )
    return pd.DataFrame(
        rows, columns=["edition", "date", "search", "note", "sources", "claims", "high", "moderate", "low", "very low"]
    )
