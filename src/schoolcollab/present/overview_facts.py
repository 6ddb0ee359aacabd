"""Named facts for the running text of the chapters about the evidence base as a whole: the summary, the
methods, the conclusions, the explorer, the appendices, and the editions and what changed between them.

Each function returns ``{glue name: value}`` for one chapter (or for the chapters that share its
names), which the chapter glues in a loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..evidence import synthesis as syn
from ..load import Evidence, edition_status
from ..review import included_count
from .confidence_views import rating_facts
from .style import RATING_ORDER

if TYPE_CHECKING:
    from IPython.display import Markdown

    from ..editions import Changes


def _bold(text: str) -> Markdown:
    from IPython.display import Markdown

    return Markdown(f"**{text}**")


def _prefixed(prefix: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{name}": value for name, value in facts.items()}


def summary_facts(ev: Evidence) -> dict[str, Any]:
    """Sources, findings, claims and gaps in the ledger, and the claims rated at each level of confidence."""
    kinds = ev.claims["kind"]
    counts = ev.ratings["rating"].value_counts()
    return {
        "summary-n-sources": len(ev.sources),
        "summary-n-findings": len(ev.findings),
        "summary-n-claims": int((kinds != "gap").sum()),
        "summary-n-gaps": int((kinds == "gap").sum()),
        **{f"summary-n-{level.replace(' ', '-')}": int(counts.get(level, 0)) for level in RATING_ORDER},
    }


def methods_facts(ev: Evidence, strategy: dict[str, Any]) -> dict[str, Any]:
    """The search, the evidence base it led to, what the records hold, and how confidence was rated."""
    base = syn.evidence_base_counts(ev.tables)
    sources = ev.sources
    return {
        "n_search_strings": len(strategy["keywords"]),
        "n_included": included_count(strategy),
        "methods-n-sources": len(sources),
        "methods-n-from-documents": base["from_documents"],
        "methods-n-from-elsewhere": base["from_elsewhere"],
        "methods-edition": _bold(edition_status()),
        "methods-n-findings": len(ev.findings),
        "methods-n-design-unknown": int((sources["design"] == "not_reported").sum()),
        "methods-n-england": int(sources["countries"].map(lambda c: "england" in c).sum()),
        **_prefixed("ratings-", rating_facts(ev)),
    }


def empty_impact_cells(ev: Evidence, gaps: pd.DataFrame) -> list[str]:
    """The cells of the gap map (``syn.gap_map``) on impact that no source addresses, as 'theme in family'."""
    empty = gaps[
        (gaps["status"] == "none") & gaps["theme"].str.startswith("impact_") & (gaps["family"] != "unspecified")
    ]
    families = ev.codebook.vocab["families"]
    return [
        f"{ev.codebook.label('themes', t).lower()} in {families[f]['label'].lower()}"
        for t, f in zip(empty["theme"], empty["family"], strict=True)
    ]


def conclusions_facts(ev: Evidence) -> dict[str, Any]:
    """The gap map in numbers (cells, empty, weak), the evidence base, the ratings, and the empty impact cells."""
    from IPython.display import Markdown

    matrix = syn.evidence_matrix(ev.tables, ev.codebook)
    gaps = syn.gap_map(matrix)
    return {
        "gaps-n-cells": len(matrix),
        "gaps-n-empty": int((gaps["status"] == "none").sum()),
        "gaps-n-weak": int((gaps["status"] == "weak").sum()),
        **_prefixed("gaps-n-", syn.evidence_base_counts(ev.tables)),
        **_prefixed("gaps-ratings-", rating_facts(ev)),
        "gaps-empty-impact": Markdown("; ".join(empty_impact_cells(ev, gaps)) or "none"),
    }


def explorer_facts(ev: Evidence) -> dict[str, int]:
    """How many sources and claims the explorer's two tables hold."""
    return {"explorer-n-sources": len(ev.sources), "explorer-n-claims": len(ev.claims)}


def initiatives_facts(inits: pd.DataFrame) -> dict[str, int]:
    """The government initiatives in the data: how many, the first one's start, how many go on, how many undated."""
    return {
        "n_initiatives": len(inits),
        "first_initiative_year": int(inits["start_year"].min()),
        "n_ongoing": int(inits["ongoing"].eq(True).sum()),
        "n_undated": int(inits["start_year"].isna().sum()),
    }


def glossary_facts(terms: pd.DataFrame) -> dict[str, int]:
    """The number of terms in the glossary."""
    return {"n_terms": len(terms)}


def editions_facts(history: pd.DataFrame) -> dict[str, Any]:
    """How many editions were recorded, and which edition (or draft) this build is."""
    return {"editions-n": len(history), "editions-status": _bold(edition_status())}


def changes_facts(changes: Changes) -> dict[str, Any]:
    """What changed since the edition this build follows: sources, findings, claims and gap-map cells."""
    from IPython.display import Markdown

    claims = changes.claims
    n_cells = len(changes.cells)
    if changes.gap_map_recorded:
        cells_note = (
            f"{n_cells} cell(s) of the gap map changed their number of sources ({{numref}}`tbl-changes-cells`)."
        )
    elif changes.since:
        cells_note = f"Edition {changes.since} did not record its gap map, so the cells cannot be compared with it."
    else:
        cells_note = ""
    return {
        "changes-status": _bold(edition_status()),
        "changes-since": Markdown(f"**{changes.since}**" if changes.since else "no earlier edition"),
        "changes-n-added": len(changes.added),
        "changes-n-removed": len(changes.removed),
        "changes-n-recoded": len(changes.recoded),
        "changes-findings-before": changes.findings_before,
        "changes-findings-now": changes.findings_now,
        "changes-n-claims": claims["claim"].nunique(),
        "changes-n-rating": int((claims["what"] == "rating").sum()),
        "changes-n-cells": n_cells,
        "changes-cells-note": Markdown(cells_note),
    }
