"""Load and validate the book's input, once per process, for the chapters and the CLI.

Each loader reads only what it needs, so a chapter that shows the glossary depends on the glossary
(and the bibliography its keys are checked against), not on every source record.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import review
from .bib import Bibliography, parse_bibliography, short_citation
from .errors import Problems
from .evidence.appraisal import appraisal_rows, appraisal_status
from .evidence.claims import check_claim_links, check_raw_claim_links, claim_tables, load_claims
from .evidence.codebook import Codebook, load_codebook
from .evidence.ratings import RatingInputs, rate_claims, source_facts
from .evidence.records import SourceTables, load_records, tabulate
from .facets import FACETS
from .inputs import list_dir, loading_evidence, record, record_facet
from .paths import Project, find_project

if TYPE_CHECKING:
    from .editions import Changes


# Attributes of the Evidence bundle computed from its fields and kept, with the fields they are computed from
DERIVED = {"sensitivity": ("rating_inputs",)}


@dataclass(frozen=True)
class Evidence:
    """The coded evidence base with everything computed from it."""

    codebook: Codebook
    bib: Bibliography
    tables: SourceTables
    claims: pd.DataFrame
    links: pd.DataFrame
    ratings: pd.DataFrame
    initiatives: pd.DataFrame
    appraisals: pd.DataFrame
    rating_inputs: RatingInputs

    def __getattribute__(self, name: str) -> Any:
        # In a build, each field a chapter uses is recorded with its value's digest (schoolcollab.facets)
        value = object.__getattribute__(self, name)
        if name in FACETS:
            record_facet(name, value)
        elif name in DERIVED:  # computed once and then kept: every use counts as a use of its sources
            for source in DERIVED[name]:
                record_facet(source, object.__getattribute__(self, source))
        return value

    @property
    def sources(self) -> pd.DataFrame:
        return object.__getattribute__(self, "tables").sources

    @property
    def findings(self) -> pd.DataFrame:
        return object.__getattribute__(self, "tables").findings

    @property
    def types(self) -> pd.DataFrame:
        return object.__getattribute__(self, "tables").types

    @cached_property
    def sensitivity(self) -> pd.DataFrame:
        """Every rated claim under each alternative rating method, computed once per evidence base."""
        from .evidence.sensitivity import sensitivity

        return sensitivity(self.rating_inputs)


def project(root: Path | None = None) -> Project:
    return find_project(root)


@lru_cache(maxsize=4)
def bibliography(root: Path | None = None) -> Bibliography:
    """references.bib, validated."""
    return load_input("bibliography", root)


def load_input(name: str, root: Path | None = None) -> Any:
    """Input ``name`` of :mod:`schoolcollab.book_inputs`, validated, with the inputs it needs loaded
    (once each) through this façade; raises InputError naming every problem."""
    from .book_inputs import BY_NAME

    spec = BY_NAME[name]
    got = {need: globals()[need](root) for need in spec.needs}
    problems = Problems()
    value = spec.load(project(root), problems, got)
    problems.raise_if_any()
    return value


@lru_cache(maxsize=4)
def initiatives(root: Path | None = None) -> pd.DataFrame:
    """Government initiatives promoting collaboration, by start year."""
    return load_input("initiatives", root)


@lru_cache(maxsize=4)
def glossary(root: Path | None = None) -> pd.DataFrame:
    """Glossary of terms."""
    return load_input("glossary", root)


@lru_cache(maxsize=4)
def search_strategy(root: Path | None = None) -> dict[str, Any]:
    """The review's search strategy (databases, search strings, screening stages)."""
    return load_input("search_strategy", root)


@lru_cache(maxsize=4)
def summary_template(root: Path | None = None) -> dict[str, Any]:
    """The review's literature summary template (Appendix 4)."""
    return load_input("summary_template", root)


def collect_evidence(
    proj: Project, problems: Problems, bib: Bibliography | None = None, files: list[Path] | None = None
) -> Evidence | None:
    """Load everything the evidence base is made of; all problems go into ``problems``.

    ``bib`` may be a bibliography that itself had problems (``schoolcollab check`` passes one), so
    the data are still checked against the keys that did parse.
    """
    if bib is None:
        bib = parse_bibliography(proj.bib, problems)
    codebook = load_codebook(proj.codebook, problems)
    inits = review.load_initiatives(proj.input("initiatives"), bib.keys(), problems)
    if codebook is None:
        return None
    files = files if files is not None else list_dir(proj.sources, "*.yaml")
    # no initiatives at all: initiatives.csv is unusable and says so; not once more in every record
    invalid: list[tuple[Path, Any]] = []
    records = load_records(proj.sources, codebook, list(inits["id"]) or None, bib.keys(), problems, files, invalid)
    tables = tabulate(records, codebook, {k: bib.year(k) for k in bib})
    claims = load_claims(proj.claims, codebook, bib.keys(), problems)
    claim_df, links = claim_tables(claims, tables.findings)
    if claims:  # a ledger that failed to load is reported once, not again at every link to it
        check_claim_links(
            {r["key"]: proj.sources / f"{r['key']}.yaml" for r in records},
            tables.findings,
            set(claim_df["id"]),
            problems,
        )
        check_raw_claim_links(invalid, set(claim_df["id"]), problems)
    authors = {k: v.get("author", v.get("editor", k)) for k, v in bib.entries.items()}
    appraisals = appraisal_rows(records, codebook)
    commissioners = {k: v.get("institution", v.get("publisher", "")) for k, v in bib.entries.items()}
    inputs = RatingInputs(
        claim_df,
        links,
        source_facts(tables.sources, tables.types, commissioners),
        authors,
        appraisals,
        appraisal_status(records),
        {k: short_citation(bib, k) for k in sorted(bib)},  # sorted: the same order in every process
    )
    return Evidence(codebook, bib, tables, claim_df, links, rate_claims(inputs), inits, appraisals, inputs)


@lru_cache(maxsize=4)
def evidence(root: Path | None = None) -> Evidence:
    """The validated evidence base; raises InputError naming every problem."""
    from .build.shared_evidence import read_shared

    if (shared := read_shared(project(root))) is not None:  # loaded once by the build, files unchanged
        ev, files = shared
        record(project(root).bib)  # as below, the bibliography counts as read directly
        with loading_evidence():
            for name in files:
                record(Path(name))
        return ev
    bibliography(root)  # read as itself: a chapter may use it directly, not only through the evidence base
    with loading_evidence():
        result = load_input("evidence", root)
    assert result is not None  # None only with problems, which load_input raised
    return result


def count_sources(ev: Evidence, **filters: str) -> int:
    """Number of sources with a finding matching every filter (theme, family, domain, direction)."""
    from .evidence.synthesis import sources_on

    return len(sources_on(ev.tables, **filters))


@lru_cache(maxsize=4)
def system_leadership(root: Path | None = None) -> pd.DataFrame:
    """System-leadership roles discussed by the review."""
    return load_input("system_leadership", root)


@lru_cache(maxsize=4)
def case_partnerships(root: Path | None = None) -> pd.DataFrame:
    """The nine case-study partnerships of the primary-school study."""
    return load_input("case_partnerships", root)


@lru_cache(maxsize=4)
def study_design(root: Path | None = None) -> dict:
    """Design facts of the primary-school study."""
    return load_input("study_design", root)


@lru_cache(maxsize=4)
def case_processes(root: Path | None = None) -> pd.DataFrame:
    """What the case-study partnerships did, needed and struggled with."""
    return load_input("case_processes", root)


@lru_cache(maxsize=4)
def searches(root: Path | None = None) -> dict[str, Any]:
    """Each edition's searches and screening counts (data/searches/), validated."""
    return load_input("searches", root)


@lru_cache(maxsize=4)
def published_coefficients(root: Path | None = None) -> pd.DataFrame:
    """The study's published model coefficients, as printed (with each correction noted)."""
    return load_input("published_coefficients", root)


@lru_cache(maxsize=4)
def published_variance(root: Path | None = None) -> pd.DataFrame:
    """The study's published variance components, as printed."""
    return load_input("published_variance", root)


def edition_changes(ev: Evidence, root: Path | None = None) -> Changes:
    """What changed between the edition the book follows and the book as built (see schoolcollab.editions)."""
    from .editions import compare

    return compare(project(root), ev)


def edition_history(root: Path | None = None) -> pd.DataFrame:
    """Every recorded edition with its counts (see schoolcollab.editions.history)."""
    from .editions import history

    return history(project(root))


def edition_status(root: Path | None = None) -> str:
    """'Edition 2026.2', or 'Draft of the edition after 2026.2' when the evidence changed since."""
    from .editions import status

    return status(project(root)).label()


def prisma_flow(ev: Evidence, root: Path | None = None) -> tuple[str, dict[str, Any]]:
    """(edition, PRISMA 2020 counts) of the book as built (see schoolcollab.prisma.edition_flow)."""
    from .prisma import edition_flow

    return edition_flow(project(root), searches(root), set(ev.sources["key"]))
