"""Confidence as the reader sees it: the rules, each claim's four components, the appraisals, the sensitivity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..bib import short_citation
from ..evidence.rating_rules import (
    ALTERNATIVES,
    COMPONENTS,
    MAIN,
    component_rules_table,
    overall_rules_table,
    study_rules_table,
)
from ..evidence.sensitivity import sensitivity_counts
from ..load import Evidence
from .book_table import BookTable, table
from .style import RATING_ORDER, markdown_text

if TYPE_CHECKING:  # IPython only when a box is drawn (inside a kernel)
    from IPython.display import Markdown

# judgement -> (symbol, CSS class): the symbol and the word carry the meaning, the colour only repeats it
JUDGEMENT_MARKS = {
    "yes": ("✓", "sc-j-yes"),
    "partly": ("◐", "sc-j-partly"),
    "no": ("✗", "sc-j-no"),
    "not_reported": ("?", "sc-j-nr"),
}


def rules_tables() -> dict[str, BookTable]:
    """The rules as printed: how an appraisal makes a study's limitations ('study'), the component rules
    ('components'), the overall rules and caps ('overall'); the very objects the ratings are computed with."""
    return {
        "study": table(study_rules_table(), wrap=tuple(study_rules_table().columns)),
        "components": table(component_rules_table(), wrap=("When",)),
        "overall": table(overall_rules_table(), wrap=("When", "Applies to")),
    }


def components_markdown(row: pd.Series) -> str:
    """The four components of one rated claim as a Markdown list, each with its level and reason."""
    return "\n".join(
        f"- *{label}:* {row[comp]} concerns. {markdown_text(row[f'{comp}_why'])}." for comp, label in COMPONENTS.items()
    )


def ratings_table(ev: Evidence, kinds: tuple[str, ...] = ("key_finding", "concluding_point")) -> BookTable:
    """Every rated claim: its confidence, the four components with their reasons, and how they combined."""
    merged = ev.claims.merge(ev.ratings, left_on="id", right_on="claim", suffixes=("", "_r"))
    merged = merged[merged["kind"].isin(kinds)]
    merged = merged.assign(order=merged["rating"].map({r: i for i, r in enumerate(RATING_ORDER)}))
    merged = merged.sort_values(["order", "theme"], kind="stable")
    frame = pd.DataFrame(
        {
            "Claim": merged["statement"],
            "Confidence": merged["rating"],
            **{
                label: [f"{lvl}: {why}" for lvl, why in zip(merged[comp], merged[f"{comp}_why"], strict=False)]
                for comp, label in COMPONENTS.items()
            },
            "How the components combine": merged["reasons"],
        }
    )
    return table(frame, wrap=tuple(frame.columns), small=True, widths={"Claim": "14em"})


def claim_box(ev: Evidence, claim_id: str) -> Markdown:
    """A boxed statement of one claim with its computed confidence and the four components behind it."""
    from IPython.display import Markdown

    claims = ev.claims.set_index("id")
    if claim_id not in claims.index:
        raise KeyError(f"claim '{claim_id}' is not in data/findings.yaml (known: {', '.join(sorted(claims.index))})")
    claim = claims.loc[claim_id]
    rating = ev.ratings.set_index("claim").loc[claim_id]
    cites = ",".join(sorted(ev.links.loc[ev.links["claim"] == claim_id, "key"]))
    stance = f"{rating['supports']} for, {rating['mixed']} mixed, {rating['against']} against"
    level = rating["rating"]
    head = "Gap in the evidence" if level == "gap" else f"Confidence: {level}"
    kind = {"high": "tip", "moderate": "note", "low": "warning", "very low": "warning"}.get(level, "seealso")
    evidence = f"*Evidence:* {stance}" + (f" {{cite:p}}`{cites}`" if cites else "") + "."
    if level != "gap":
        evidence += (
            f"\n\n{components_markdown(rating)}\n\n*Overall:* {markdown_text(rating['reasons'])}. "
            f"See {{ref}}`sec-ratings`."
        )
    body = f":::{{admonition}} {head}\n:class: {kind}\n{markdown_text(claim['statement'])}\n\n{evidence}\n:::\n"
    return Markdown(body)


def appraisal_table(ev: Evidence) -> BookTable:
    """One row per appraised study, one column per criterion: a symbol and the judgement in words."""
    cb = ev.codebook
    wide = ev.appraisals.pivot(index="key", columns="criterion", values="judgement")
    wide = wide[[c for c in cb.ids("appraisal_criteria") if c in wide.columns]]
    order = sorted(wide.index, key=lambda k: short_citation(ev.bib, k))
    frame = pd.DataFrame(
        {
            "Study": [short_citation(ev.bib, k) for k in order],
            "Design": [cb.label("designs", d) for d in ev.sources.set_index("key").loc[order, "design"]],
        }
    )
    for c in wide.columns:
        frame[cb.label("appraisal_criteria", c)] = [
            f"{JUDGEMENT_MARKS[j][0]} {cb.label('judgements', j).lower()}" for j in wide.loc[order, c]
        ]
    classes = {f"{mark} {cb.label('judgements', j).lower()}": css for j, (mark, css) in JUDGEMENT_MARKS.items()}
    return BookTable(frame, wrap=("Study",), small=True, value_classes=classes)


def appraisal_counts(ev: Evidence) -> pd.DataFrame:
    """Per criterion, how many appraised studies were judged yes / partly / no / not reported."""
    counts = ev.appraisals.groupby(["criterion", "judgement"]).size().unstack(fill_value=0)
    counts = counts.reindex(
        index=ev.codebook.ids("appraisal_criteria"), columns=ev.codebook.ids("judgements"), fill_value=0
    )
    return counts.rename_axis(index="criterion", columns=None).reset_index()


def sensitivity_table(ev: Evidence) -> BookTable:
    """Each rated claim under the main method and every alternative; claims that move are listed first."""
    sens = ev.sensitivity
    statements = ev.claims.set_index("id")["statement"]
    sens = sens.assign(_moves=sens["down"] + sens["up"]).sort_values(
        ["robust", "_moves"], ascending=[True, False], kind="stable"
    )
    frame = pd.DataFrame({"Claim": [statements[c] for c in sens["claim"]], MAIN.label: sens[MAIN.id]})
    for m in ALTERNATIVES:
        frame[m.label] = [("= " if v == base else "") + v for v, base in zip(sens[m.id], sens[MAIN.id], strict=False)]
    frame["Robust"] = sens["robust"].map({True: "yes", False: "no"})
    return table(frame, wrap=("Claim",), small=True, widths={"Claim": "20em"})


def sensitivity_summary(ev: Evidence) -> BookTable:
    """Per alternative method: claims rated higher, the same, lower."""
    counts = sensitivity_counts(ev.sensitivity)
    return table(
        counts.drop(columns=["method"]).rename(
            columns={"label": "Alternative", "higher": "Rated higher", "same": "Same", "lower": "Rated lower"}
        ),
        right=("Rated higher", "Same", "Rated lower"),
    )


def rating_facts(ev: Evidence) -> dict[str, int]:
    """Named counts for the text about ratings: claims rated, at each level, robust to the method, appraised."""
    rated = ev.ratings[ev.ratings["rating"] != "gap"]
    sens = ev.sensitivity
    counts = ev.sources["appraisal"].value_counts()
    facts = {
        "rated": len(rated),
        "robust": int(sens["robust"].sum()),
        "appraised": int(counts.get("appraised", 0)),
        "not_applicable": int(counts.get("not_applicable", 0)),
        "undescribed": int(counts.get("not_reported", 0)),
    }
    facts.update({level.replace(" ", "_"): int((rated["rating"] == level).sum()) for level in RATING_ORDER})
    return facts
