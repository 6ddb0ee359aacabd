"""The living review as the reader sees it: what changed in this edition, and every edition so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..bib import short_citation
from ..editions import Changes
from ..load import Evidence
from .book_table import BookTable, table

if TYPE_CHECKING:
    from IPython.display import Markdown

WHAT = {
    "rating": "Confidence",
    "methods": "Methodological limitations",
    "coherence": "Coherence",
    "adequacy": "Adequacy",
    "relevance": "Relevance",
}


def changed_sources_table(changes: Changes, ev: Evidence) -> BookTable:
    """Sources added, removed or recoded since the edition compared with."""
    rows = [
        (status, key)
        for status, keys in (("added", changes.added), ("removed", changes.removed), ("recoded", changes.recoded))
        for key in keys
    ]
    designs = ev.sources.set_index("key")["design"]
    frame = pd.DataFrame(
        {
            "Change": [s for s, _ in rows],
            "Source": [short_citation(ev.bib, k) for _, k in rows],
            "Design": [ev.codebook.label("designs", designs[k]) if k in designs else "—" for _, k in rows],
        },
        columns=["Change", "Source", "Design"],
    )
    return table(frame, wrap=("Source",))


def changed_claims_table(changes: Changes, ev: Evidence) -> BookTable:
    """Claims whose rating or any of its four components changed."""
    statements = ev.claims.set_index("id")["statement"]
    c = changes.claims
    frame = pd.DataFrame(
        {
            "Claim": [statements.get(k, k) for k in c["claim"]],
            "What changed": [WHAT.get(w, w) for w in c["what"]],
            "Before": c["before"],
            "Now": c["after"],
        },
        columns=["Claim", "What changed", "Before", "Now"],
    )
    return table(frame, wrap=("Claim",))


def changed_cells_table(changes: Changes, ev: Evidence) -> BookTable:
    """Gap-map cells (theme × form of collaboration) whose number of sources changed."""
    fam = ev.codebook.vocab["families"]
    c = changes.cells
    frame = pd.DataFrame(
        {
            "Theme": [ev.codebook.label("themes", t) for t in c["theme"]],
            "Form of collaboration": [fam.get(f, {}).get("label", "Type not stated") for f in c["family"]],
            "Sources before": c["before"],
            "Sources now": c["after"],
        },
        columns=["Theme", "Form of collaboration", "Sources before", "Sources now"],
    )
    return table(frame, right=("Sources before", "Sources now"))


def history_table(history: pd.DataFrame) -> BookTable:
    """Every edition with its date, the date of its search, its counts and its note."""
    frame = pd.DataFrame(
        {
            "Edition": history["edition"],
            "Date": history["date"],
            "Search": history["search"].replace("not_reported", "not reported"),
            "Sources": history["sources"],
            "Claims": history["claims"],
            "High / moderate / low / very low": [
                f"{a} / {b} / {c} / {d}"
                for a, b, c, d in zip(
                    history["high"], history["moderate"], history["low"], history["very low"], strict=False
                )
            ],
            "Note": history["note"],
        }
    )
    return table(frame, wrap=("Note",), right=("Sources", "Claims"))


def added_evidence(ev: Evidence, group: str) -> Markdown | None:
    """A box listing the studies coded from beyond the two source documents whose findings bear on the themes
    of ``group`` (a chapter: structure, impact, formation, challenges, sustainability), with their design,
    appraisal and findings; ``None`` (no output at all, on the web or in print) while there are none."""
    from IPython.display import Markdown

    from ..evidence.appraisal import appraisal_summary
    from ..evidence.synthesis import SOURCE_DOCUMENTS
    from .style import markdown_text

    themes = {t for t, a in ev.codebook.vocab["themes"].items() if a["group"] == group}
    added = ev.sources[
        ~ev.sources["seeds"].map(lambda seeds: any(k in SOURCE_DOCUMENTS for k in seeds))
        & ~ev.sources["discussed_in"].map(lambda chapters: group in chapters)
    ]
    found = ev.findings[ev.findings["key"].isin(added["key"]) & ev.findings["theme"].isin(themes)]
    if found.empty:
        return None
    appraised = appraisal_summary(ev.appraisals, ev.rating_inputs.status, ev.codebook)
    lines = [
        ":::{admonition} Evidence added since the review",
        ":class: seealso",
        "These studies were coded after the review, from the works themselves or from later reviews; the "
        "text of this chapter does not yet discuss them. Their findings count in every table, figure and "
        "rating above, and the [evidence explorer](explorer.md) lists them with the rest.",
        "",
    ]
    designs = ev.sources.set_index("key")["design"]
    for key, rows in found.groupby("key", sort=True):
        # the narrative citation ends in the year's parentheses: the design follows a dash, not more of them
        head = (
            f"- {{cite:t}}`{key}` — {markdown_text(ev.codebook.label('designs', designs[key]).lower())}; "
            f"appraisal: {markdown_text(appraised.get(key, 'not recorded'))}:"
        )
        lines.append(head)
        for f in rows.itertuples(index=False):
            lines.append(
                f"  - {markdown_text(f.summary)} ({markdown_text(ev.codebook.label('themes', f.theme))}, "
                f"{markdown_text(ev.codebook.label('directions', f.direction).lower())})"
            )
    lines.append(":::")
    return Markdown("\n".join(lines) + "\n")
