"""Tables and figures for the chapters: one short call each, one look for the whole book."""

from typing import TYPE_CHECKING

from ..call_facets import track_calls
from .cite_view import cite_box
from .confidence_views import (
    appraisal_table,
    claim_box,
    rating_facts,
    ratings_table,
    rules_tables,
    sensitivity_summary,
    sensitivity_table,
)
from .downloads import downloads_list
from .edition_views import (
    added_evidence,
    changed_cells_table,
    changed_claims_table,
    changed_sources_table,
    history_table,
)
from .evidence_views import (
    case_partnerships_table,
    factor_figure,
    factor_table,
    gap_map_figure,
    gaps_table,
    impact_figure,
    processes_by_type,
    processes_table,
    profile_figure,
    section_label,
    summary_markdown,
    typologies_table,
)
from .explorer import claims_explorer, sources_explorer
from .gap_map_view import interactive_gap_map
from .matched_facts import matched_study_facts, replication_facts
from .overview_facts import (
    changes_facts,
    conclusions_facts,
    editions_facts,
    explorer_facts,
    glossary_facts,
    initiatives_facts,
    methods_facts,
    summary_facts,
)
from .prisma_views import prisma_figure
from .provenance_view import inputs_table, simulated_results_table, simulated_section, versions_table
from .review_tables import (
    databases_table,
    glossary_table,
    initiatives_table,
    initiatives_timeline,
    roles_table,
    screening_table,
    search_strings_table,
    selection_flow,
    supplementary_table,
    template_table,
)
from .style import listing, markdown_text
from .theme_facts import challenges_facts, formation_facts, impact_facts, structure_facts, sustainability_facts

__all__ = [
    "case_partnerships_table",
    "claim_box",
    "databases_table",
    "factor_figure",
    "factor_table",
    "gap_map_figure",
    "gaps_table",
    "interactive_gap_map",
    "glossary_table",
    "impact_figure",
    "initiatives_table",
    "initiatives_timeline",
    "processes_by_type",
    "processes_table",
    "profile_figure",
    "ratings_table",
    "roles_table",
    "screening_table",
    "search_strings_table",
    "selection_flow",
    "supplementary_table",
    "template_table",
    "typologies_table",
    "rules_tables",
    "section_label",
    "appraisal_table",
    "rating_facts",
    "sensitivity_summary",
    "sensitivity_table",
    "summary_markdown",
    "added_evidence",
    "changed_cells_table",
    "changed_claims_table",
    "changed_sources_table",
    "history_table",
    "claims_explorer",
    "sources_explorer",
    "prisma_figure",
    "interactive_library",
    "cite_box",
    "downloads_list",
    "inputs_table",
    "simulated_results_table",
    "simulated_section",
    "versions_table",
    "listing",
    "markdown_text",
    # named facts for each chapter's running text: {glue name: value}
    "challenges_facts",
    "changes_facts",
    "conclusions_facts",
    "editions_facts",
    "explorer_facts",
    "formation_facts",
    "glossary_facts",
    "impact_facts",
    "initiatives_facts",
    "matched_study_facts",
    "methods_facts",
    "replication_facts",
    "structure_facts",
    "summary_facts",
    "sustainability_facts",
]

if TYPE_CHECKING:
    from .explorer import InteractiveLibrary


def interactive_library() -> "InteractiveLibrary":
    """The interactive tables' JavaScript, once at the top of a page that shows them."""
    from .explorer import InteractiveLibrary

    return InteractiveLibrary()


# In a build, a chapter's call of a function here that takes the evidence base is recorded with the digest
# of what it returned, so an edit that leaves that result unchanged leaves the chapter as it is
# (schoolcollab.call_facets); the build calls the function again by the same name to compare.
track_calls(globals(), __name__)
