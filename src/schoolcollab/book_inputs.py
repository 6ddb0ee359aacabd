"""Every input of the book, declared once: what it is, how it is loaded and validated, what it needs.

Three consumers read this table and nothing else: ``schoolcollab check`` validates every input in it,
the façade the chapters call (:mod:`schoolcollab.load`) makes one cached loader per input from it, and the
build's fingerprint falls back on its paths when a chapter's reads are unknown. An input added here is
therefore checked, loadable and fingerprinted at once; one left out exists for none of them, and
``tests/test_book_inputs.py`` fails when a file under ``data/`` belongs to no input.

Where each input lives is :data:`schoolcollab.paths.INPUT_PATHS`. A loader takes the project, a
:class:`~schoolcollab.errors.Problems` to report into, and the loaded values of the inputs it ``needs``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import Problems
from .paths import INPUT_PATHS, Project

Loader = Callable[[Project, Problems, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class BookInput:
    """One input: its name (also the façade function's), what it holds, its loader and what it needs."""

    name: str
    what: str
    load: Loader
    needs: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # names in INPUT_PATHS the input is made of, when more than its own

    def paths(self, project: Project) -> list:
        """The files and folders the input is read from."""
        return [project.input(n) for n in (self.parts or (self.name,))]


def _bibliography(project: Project, problems: Problems, got: Mapping[str, Any]) -> Any:
    from .bib import parse_bibliography

    return parse_bibliography(project.bib, problems)


def _evidence(project: Project, problems: Problems, got: Mapping[str, Any]) -> Any:
    from .load import collect_evidence

    return collect_evidence(project, problems, bib=got["bibliography"])


def _searches(project: Project, problems: Problems, got: Mapping[str, Any]) -> Any:
    from .prisma import load_searches

    return load_searches(project, problems)


def _bib_keys(got: Mapping[str, Any]) -> Any:
    return got["bibliography"].keys()


def _partnerships(got: Mapping[str, Any]) -> Any:
    return got["case_partnerships"]


def _file(module: str, loader_name: str, name: str, also: Callable[[Mapping[str, Any]], Any] | None = None) -> Loader:
    """The loader ``module.loader_name`` (imported when first used) of the input ``name``'s file; ``also``
    picks from what was loaded before the extra argument it checks against (the bib keys, the partnerships)."""

    def load(project: Project, problems: Problems, got: Mapping[str, Any]) -> Any:
        loader = getattr(importlib.import_module(f".{module}", __package__), loader_name)
        path = project.input(name)
        return loader(path, also(got), problems) if also else loader(path, problems)

    return load


INPUTS: tuple[BookInput, ...] = (
    BookInput("bibliography", "every work the book cites (BibTeX)", _bibliography),
    BookInput(
        "initiatives",
        "government initiatives promoting collaboration",
        _file("review", "load_initiatives", "initiatives", _bib_keys),
        needs=("bibliography",),
    ),
    BookInput(
        "evidence",
        "the coded evidence base: codebook, one record per source, the claim ledger",
        _evidence,
        needs=("bibliography",),
        parts=("codebook", "sources", "claims", "initiatives"),
    ),
    BookInput("searches", "each edition's searches and screening counts (PRISMA 2020)", _searches),
    BookInput(
        "glossary",
        "the review's glossary",
        _file("review", "load_glossary", "glossary", _bib_keys),
        needs=("bibliography",),
    ),
    BookInput(
        "system_leadership",
        "the system-leadership roles the review discusses",
        _file("review", "load_roles", "system_leadership", _bib_keys),
        needs=("bibliography",),
    ),
    BookInput(
        "search_strategy",
        "the review's search strategy: databases, strings, screening",
        _file("review", "load_search_strategy", "search_strategy"),
    ),
    BookInput(
        "summary_template",
        "the review's literature summary template (its Appendix 4)",
        _file("review", "load_yaml_document", "summary_template"),
    ),
    BookInput(
        "case_partnerships",
        "the nine case-study partnerships of the primary-school study",
        _file("study.cases", "load_partnerships", "case_partnerships"),
    ),
    BookInput(
        "study_design", "the primary-school study's design facts", _file("study.cases", "load_study", "study_design")
    ),
    BookInput(
        "case_processes",
        "what the case-study partnerships did, needed and struggled with",
        _file("study.cases", "load_processes", "case_processes", _partnerships),
        needs=("case_partnerships",),
    ),
    BookInput(
        "published_coefficients",
        "the study's published model coefficients, as printed",
        _file("study.published", "load_coefficients", "published_coefficients"),
    ),
    BookInput(
        "published_variance",
        "the study's published variance components, as printed",
        _file("study.published", "load_variance", "published_variance"),
    ),
)
BY_NAME: dict[str, BookInput] = {i.name: i for i in INPUTS}


def check_inputs(project: Project, problems: Problems) -> dict[str, Any]:
    """Load every input in declaration order (each after what it needs); every problem goes into ``problems``."""
    got: dict[str, Any] = {}
    for spec in INPUTS:
        got[spec.name] = spec.load(project, problems, {n: got[n] for n in spec.needs})
    return got


def input_paths(project: Project) -> list:
    """Every file and folder an input is read from (what a chapter may depend on when its reads are unknown)."""
    return sorted({p for spec in INPUTS for p in spec.paths(project)})


def undeclared(project: Project) -> list[str]:
    """Names of INPUT_PATHS no input is made of: a path declared but loaded by nobody."""
    used = {n for spec in INPUTS for n in (spec.parts or (spec.name,))}
    return sorted(set(INPUT_PATHS) - used)
