"""Tables and figures of the evidence base: gap map, profiles, factors, impact, claims."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..bib import short_citation
from ..call_facets import drawn_from
from ..evidence import synthesis as syn
from ..load import Evidence

if TYPE_CHECKING:  # IPython only when a box is drawn (inside a kernel); matplotlib only for figures
    from IPython.display import Markdown
    from matplotlib.figure import Figure

from .book_table import BookTable, table
from .confidence_views import components_markdown
from .style import DIRECTION_COLOURS, PALETTE, SEQUENTIAL, label_cells, markdown_text, theme

# Each figure is drawn from a frame computed by a function of the evidence base (``*_data``), so a build
# records the figure's dependency as that frame's digest (schoolcollab.call_facets): an edit that leaves
# the numbers it draws unchanged does not execute its chapter again.


def gap_map_data_frame(ev: Evidence) -> pd.DataFrame:
    """Source counts by theme (rows) and collaboration family (columns), labelled, empty families left out."""
    matrix = syn.evidence_matrix(ev.tables, ev.codebook)
    grid = syn.matrix_wide(matrix, "sources")
    grid = grid.loc[:, grid.sum(axis=0) > 0]
    grid.index = [ev.codebook.label("themes", t) for t in grid.index]
    grid.columns = [
        textwrap.fill(
            ev.codebook.vocab["families"].get(f, {}).get("label", "Type not stated"),
            16,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for f in grid.columns
    ]
    return grid


@drawn_from(gap_map_data_frame)
def gap_map_figure(grid: pd.DataFrame) -> Figure:
    """Theme × collaboration family heat map of source counts, with the count in every cell."""
    import seaborn as sns  # only this figure needs it; see style.theme

    plt = theme()
    fig, ax = plt.subplots(figsize=(9.5, 0.4 * len(grid) + 2.6))
    sns.heatmap(
        grid, cmap=SEQUENTIAL, cbar_kws={"label": "sources", "shrink": 0.6}, linewidths=0.5, linecolor="white", ax=ax
    )
    label_cells(ax, ax.collections[0], grid)  # not seaborn's annot: its text colours fail WCAG contrast
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=50, labelsize=9)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", labelsize=9)
    return fig


def factor_data(ev: Evidence, kind: str, top: int = 12) -> dict[str, Any]:
    """The ``top`` conditions for success or barriers most often reported, fewest first (as drawn)."""
    freq = syn.factor_frequency(ev.tables, ev.codebook, kind)
    return {"kind": kind, "freq": freq[freq["sources"] > 0].head(top).iloc[::-1]}


@drawn_from(factor_data)
def factor_figure(data: dict[str, Any]) -> Figure:
    """Horizontal bars: how many sources report each condition for success or barrier."""
    freq = data["freq"]
    plt = theme()
    fig, ax = plt.subplots(figsize=(7, 0.38 * len(freq) + 1))
    colour = PALETTE[2] if data["kind"] == "conditions" else PALETTE[3]
    ax.barh(freq["label"], freq["sources"], color=colour)
    for y, v in enumerate(freq["sources"]):
        ax.text(v + 0.1, y, str(v), va="center", fontsize=9)
    ax.set_xlabel("number of sources reporting it")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", visible=False)
    return fig


def impact_data(ev: Evidence) -> dict[str, Any]:
    """Sources per outcome domain (rows, fewest first) and direction (columns), with the directions' labels."""
    impact = syn.impact_by_domain(ev.tables, ev.codebook)
    wide = impact.pivot_table(index="domain_label", columns="direction", values="sources", aggfunc="sum", fill_value=0)
    order = [d for d in ("positive", "mixed", "no_effect", "negative", "descriptive") if d in wide.columns]
    wide = wide[order]
    wide = wide.loc[wide.sum(axis=1).sort_values().index]
    return {"wide": wide, "labels": {d: ev.codebook.label("directions", d) for d in order}}


@drawn_from(impact_data)
def impact_figure(data: dict[str, Any]) -> Figure:
    """Stacked bars: sources reporting each outcome domain, split by direction of the finding."""
    wide, labels = data["wide"], data["labels"]
    plt = theme()
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(wide) + 1.2))
    left = np.zeros(len(wide))
    for d, label in labels.items():
        ax.barh(wide.index, wide[d], left=left, color=DIRECTION_COLOURS[d], label=label)
        left += wide[d].to_numpy()
    ax.set_xlabel("number of sources")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig


def profile_data(ev: Evidence) -> dict[str, pd.DataFrame]:
    """The three profiles the figure shows: designs, periods of publication, the eight countries most studied."""
    return {
        "designs": syn.design_profile(ev.tables, ev.codebook).sort_values("sources"),
        "years": syn.year_profile(ev.tables),
        "countries": syn.country_profile(ev.tables, ev.codebook).head(8).iloc[::-1],
    }


@drawn_from(profile_data)
def profile_figure(data: dict[str, pd.DataFrame]) -> Figure:
    """Three panels: study designs, period of publication, countries studied."""
    designs, years, countries = data["designs"], data["years"], data["countries"]
    plt = theme()
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    axes[0].barh(designs["label"], designs["sources"], color=PALETTE[0])
    axes[0].set_title("Design")
    axes[1].bar(years["period"], years["sources"], color=PALETTE[1])
    axes[1].set_title("Published")
    axes[1].tick_params(axis="x", rotation=45)
    axes[2].barh(countries["label"], countries["sources"], color=PALETTE[2])
    axes[2].set_title("Country studied")
    for ax in axes:
        ax.grid(axis="y" if ax is not axes[1] else "x", visible=False)
        ax.set_xlabel("sources" if ax is not axes[1] else "")
    axes[1].set_ylabel("sources")
    return fig


def gaps_table(ev: Evidence) -> BookTable:
    merged = ev.claims.merge(ev.ratings, left_on="id", right_on="claim", suffixes=("", "_r"))
    merged = merged[merged["kind"] == "gap"]
    frame = pd.DataFrame(
        {
            "Gap": merged["statement"],
            "Area": [ev.codebook.label("themes", t) for t in merged["theme"]],
            "Sources that touch it": merged["sources"],
        }
    )
    return table(frame, wrap=("Gap",))


def factor_table(ev: Evidence, kind: str) -> BookTable:
    freq = syn.factor_frequency(ev.tables, ev.codebook, kind)
    freq = freq[freq["sources"] > 0]
    keys = ev.findings[ev.findings["factor"].isin(freq["factor"])].groupby("factor")["key"].unique()
    frame = pd.DataFrame(
        {
            "Factor": freq["label"],
            "Sources": freq["sources"],
            "Reported by": [
                "; ".join(sorted(short_citation(ev.bib, k) for k in keys.get(f, []))) for f in freq["factor"]
            ],
        }
    )
    return table(frame, wrap=("Reported by",))


def typologies_table(ev: Evidence) -> BookTable:
    """The four classifications side by side: one column per typology, one row per term."""
    types = ev.codebook.frame("collaboration_types")
    columns = {}
    for typ in ("chapman_muijs", "lindsay", "hill", "woods"):
        sub = types[types["typology"] == typ]
        columns[ev.codebook.vocab["typologies"][typ]["label"]] = [
            f"{r.label}: {r.definition}" for r in sub.itertuples()
        ]
    depth = max(map(len, columns.values()))
    frame = pd.DataFrame({k: v + [""] * (depth - len(v)) for k, v in columns.items()})
    return table(frame, wrap=tuple(frame.columns))


def case_partnerships_table(partnerships: pd.DataFrame) -> BookTable:
    frame = pd.DataFrame(
        {
            "Partnership": partnerships["partnership"],
            "Supporting school": partnerships["supporting_school"],
            "Supported school": partnerships["supported_school"],
            "Type": partnerships["type"].fillna("not assignable"),
        }
    )
    return table(frame)


PROCESS_KIND_TITLES = {
    "activity": "What partnerships did",
    "condition": "What made them work",
    "difficulty": "What got in the way",
}


def processes_table(processes: pd.DataFrame) -> BookTable:
    """The case-study processes grouped by kind, each with the partnerships (and their type) it was seen in."""

    def seen_in(row: pd.Series) -> str:
        if not isinstance(row["partnerships"], list):
            return "no partnership named"
        return ", ".join(f"{n}" for n in row["partnerships"]) + " (type " + ", ".join(row["partnership_types"]) + ")"

    order = {kind: i for i, kind in enumerate(PROCESS_KIND_TITLES)}
    ranked = processes.assign(_rank=processes["reported_as"].map(order)).sort_values("_rank", kind="stable")
    frame = pd.DataFrame(
        {
            # the group title on its first row only, as a sub-heading
            "Reported as": ranked["reported_as"]
            .map(PROCESS_KIND_TITLES)
            .where(ranked["reported_as"].ne(ranked["reported_as"].shift()), ""),
            "Process": ranked["label"],
            "What the study describes": ranked["description"],
            "Partnerships": ranked.apply(seen_in, axis=1),
        }
    )
    return table(frame, wrap=("What the study describes",), widths={"What the study describes": "22em"})


def processes_by_type(processes: pd.DataFrame) -> dict[str, int]:
    """How many processes were seen in at least one partnership of each type (I, II, III)."""
    listed = processes["partnership_types"][processes["partnership_types"].map(lambda v: isinstance(v, list))]
    return {t: int(listed.map(lambda types, t=t: t in types).sum()) for t in ("I", "II", "III")}


GROUP_TITLES = {
    "context": "Scope and evidence base",
    "structure": "Structure: type, leadership, management, governance",
    "impact": "Impact",
    "formation": "Formation: drivers and conditions",
    "challenges": "Challenges",
    "sustainability": "Sustainability",
}


def section_label(theme_id: str) -> str:
    """The label of the chapter section that discusses a theme (chapters use these exactly)."""
    return "sec-" + theme_id.replace("_", "-")


def summary_markdown(ev: Evidence) -> Markdown:
    """The executive summary: every key finding and concluding point, by area, with its confidence,
    the reason for any downgrade and a link to the section that discusses it (the build links it when the
    book has that section, and leaves it out otherwise: :mod:`schoolcollab.build.book_facts`)."""
    from IPython.display import Markdown

    from ..build.placeholders import see_section

    themes = ev.codebook.vocab["themes"]
    merged = ev.claims.merge(ev.ratings, left_on="id", right_on="claim", suffixes=("", "_r"))
    merged = merged[merged["kind"] != "gap"]
    lines = []
    for group, title in GROUP_TITLES.items():
        rows = merged[[themes[t]["group"] == group for t in merged["theme"]]]
        if rows.empty:
            continue
        lines.append(f"### {title}\n")
        for _, r in rows.iterrows():
            see = f" {see_section(section_label(r['theme']))}"
            lines.append(
                f"- **{markdown_text(r['statement'])}** *Confidence: {r['rating']}* ({r['supports']} supporting, "
                f"{r['mixed']} mixed, {r['against']} contrary source(s)).{see}"
            )
            lines.append(textwrap.indent(components_markdown(r), "  "))
        lines.append("")
    return Markdown("\n".join(lines))
