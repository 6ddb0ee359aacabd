"""schoolcollab: the evidence base of the school-collaboration review, and the book built from it.

Chapters use the loaders below (each validates what it reads and raises ``InputError`` naming every
problem) and the table and figure functions in :mod:`schoolcollab.present`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names below are, for type checkers and readers
    from . import present
    from .errors import InputError, Problem
    from .load import (
        bibliography,
        case_partnerships,
        case_processes,
        count_sources,
        edition_changes,
        edition_history,
        edition_status,
        glossary,
        initiatives,
        prisma_flow,
        search_strategy,
        study_design,
        summary_template,
        system_leadership,
    )
    from .load import evidence as evidence_base
    from .review import included_count

__all__ = [
    "InputError",
    "Problem",
    "bibliography",
    "count_sources",
    "evidence_base",
    "glossary",
    "included_count",
    "initiatives",
    "present",
    "search_strategy",
    "summary_template",
    "system_leadership",
    "case_partnerships",
    "case_processes",
    "study_design",
    "edition_changes",
    "edition_history",
    "edition_status",
    "prisma_flow",
]

# where each name lives: (module, attribute); the evidence base is not named `evidence`, which is the
# subpackage schoolcollab.evidence
_HOMES = {
    "InputError": ("errors", "InputError"),
    "Problem": ("errors", "Problem"),
    "evidence_base": ("load", "evidence"),
    "included_count": ("review", "included_count"),
    **{
        name: ("load", name)
        for name in (
            "bibliography",
            "case_partnerships",
            "case_processes",
            "count_sources",
            "edition_changes",
            "edition_history",
            "edition_status",
            "glossary",
            "initiatives",
            "prisma_flow",
            "search_strategy",
            "study_design",
            "summary_template",
            "system_leadership",
        )
    },
}


def __getattr__(name: str) -> Any:
    # Imported when first asked for: the loaders pull in pandas (0.3 s), and tables and figures
    # matplotlib and seaborn (~1 s), which a command such as `schoolcollab build` on a book that is up
    # to date never needs. In a build, calls taking the evidence base are recorded by their results
    # (schoolcollab.call_facets).
    if name == "present":
        return importlib.import_module(".present", __name__)
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .call_facets import track_call

    module, attribute = _HOMES[name]
    value = track_call(getattr(importlib.import_module(f".{module}", __name__), attribute), __name__, name)
    globals()[name] = value  # asked for once
    return value
