"""schoolcollab: the evidence base of the school-collaboration review, and the book built from it.

Chapters use the loaders below (each validates what it reads and raises ``InputError`` naming every
problem) and the table and figure functions in :mod:`schoolcollab.present`.
"""

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

# the validated evidence base; not named `evidence`, which is the subpackage schoolcollab.evidence
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


def __getattr__(name: str):
    # Tables and figures pull in matplotlib and seaborn (~1 s); load them only when a chapter asks.
    if name == "present":
        import importlib

        return importlib.import_module(".present", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _track_calls() -> None:
    # in a build, calls taking the evidence base are recorded by their results (schoolcollab.call_facets)
    from .call_facets import track_calls

    track_calls(globals(), __name__)


_track_calls()
