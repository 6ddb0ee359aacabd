"""Tables and figures of the review's apparatus: initiatives, glossary, search strategy, template."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..bib import short_citation
from ..load import bibliography
from .book_table import BookTable, table
from .style import PALETTE, theme

if TYPE_CHECKING:  # matplotlib only when the timeline is drawn
    from matplotlib.figure import Figure

LAST_YEAR = 2015  # the review was published in October 2015; "ongoing" bars run to here


def initiatives_table(initiatives: pd.DataFrame) -> BookTable:
    """Initiatives with their years and a one-line summary."""

    def years(r: pd.Series) -> str:
        if pd.isna(r.start_year):
            return "not reported"
        if r.ongoing is True:
            return f"{r.start_year}– (ongoing)"
        return f"{r.start_year}–{r.end_year}" if pd.notna(r.end_year) else f"{r.start_year}–?"

    frame = pd.DataFrame(
        {
            "Initiative": initiatives["name"] + initiatives["abbreviation"].map(lambda a: f" ({a})" if a else ""),
            "Years": initiatives.apply(years, axis=1),
            "What it did": initiatives["summary"],
        }
    )
    return table(frame, wrap=("What it did",), widths={"Initiative": "12em"})


def initiatives_timeline(initiatives: pd.DataFrame) -> Figure:
    """A bar per initiative from its start to its end (or to 2015 if still running)."""
    plt = theme()
    data = (
        initiatives.dropna(subset=["start_year"])
        .sort_values(["start_year", "name"], ascending=[False, False])
        .reset_index(drop=True)
    )
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(data) + 1.2))
    for i, row in data.iterrows():
        running = row.ongoing is True
        end = LAST_YEAR + 0.5 if running or pd.isna(row.end_year) else int(row.end_year) + 1
        colour = PALETTE[2] if running else PALETTE[0]
        ax.barh(i, end - int(row.start_year), left=int(row.start_year), color=colour, height=0.6)
        label = row.abbreviation or row["name"]
        ax.text(int(row.start_year) - 0.2, i, label, ha="right", va="center", fontsize=9)
    ax.set_yticks([])
    start = int(data["start_year"].min())
    ax.set_xlim(start - 6, LAST_YEAR + 1)
    ax.set_xlabel("Year")
    ax.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=PALETTE[0]), plt.Rectangle((0, 0), 1, 1, color=PALETTE[2])]
    ax.legend(handles, ["ended", "still running in 2015"], loc="lower left", frameon=False)
    return fig


def glossary_table(glossary: pd.DataFrame) -> BookTable:
    frame = pd.DataFrame(
        {
            "Term": glossary["term"] + glossary["abbreviation"].map(lambda a: f" ({a})" if a else ""),
            "Meaning": glossary["definition"],
        }
    )
    return table(frame, wrap=("Meaning",), widths={"Term": "12em"})


def search_strings_table(strategy: dict[str, Any]) -> BookTable:
    strings = strategy["keywords"]
    frame = pd.DataFrame({"#": range(1, len(strings) + 1), "Search string": strings})
    return table(frame)


def databases_table(strategy: dict[str, Any]) -> BookTable:
    frame = pd.DataFrame(strategy["databases"])
    keep = [c for c in ("name", "description", "scale") if c in frame]
    frame = frame[keep].rename(columns={"name": "Database", "description": "What it covers", "scale": "Size"})
    return table(frame, wrap=("What it covers",))


def template_table(template: dict[str, Any]) -> BookTable:
    rows = [{"Part": group["name"], "Field": label} for group in template["groups"] for label in group["fields"]]
    return table(pd.DataFrame(rows))


def screening_table(strategy: dict[str, Any]) -> BookTable:
    """Selection stages, with a count only where the review gives one."""
    rows = [
        {
            "Stage": s["stage"],
            "What happened": s["description"],
            "Sources": s["count"] if isinstance(s.get("count"), int) else None,
        }
        for s in strategy["screening"]
    ]
    return table(pd.DataFrame(rows).astype({"Sources": "Int64"}), wrap=("What happened",))


def selection_flow(strategy: dict[str, Any], n_coded: int, n_from_documents: int | None = None) -> Figure:
    """A flow diagram of search and selection: one box per stage, with the count where the review gives
    one and "not reported" where it does not, ending in the records this book codes."""
    plt = theme()
    from matplotlib.patches import FancyBboxPatch

    sources = ", ".join(d["name"] for d in strategy["databases"])
    extra = len(strategy["supplementary"])
    boxes = [(f"Searched: {sources}", f"plus {extra} supplementary route{'s' if extra != 1 else ''}", False)]
    for stage in strategy["screening"]:
        count = stage["count"]
        boxes.append(
            (
                stage["stage"].capitalize(),
                f"n = {count}" if isinstance(count, int) else "count not reported",
                not isinstance(count, int),
            )
        )
    origin = (
        ""
        if n_from_documents is None
        else (
            " (all from the two source documents)"
            if n_from_documents == n_coded
            else f" ({n_from_documents} from the two source documents, {n_coded - n_from_documents} from elsewhere)"
        )
    )
    boxes.append(("Coded in this book's evidence base", f"n = {n_coded} records{origin}", False))
    height, gap = 0.62, 0.38
    fig, ax = plt.subplots(figsize=(6.2, (height + gap) * len(boxes) + 0.2))
    for i, (title, detail, missing) in enumerate(boxes):
        y = -(height + gap) * i
        last = i == len(boxes) - 1
        ax.add_patch(
            FancyBboxPatch(
                (0.05, y - height),
                0.9,
                height,
                boxstyle="round,pad=0.01,rounding_size=0.04",
                facecolor="#f2f2f2" if missing else ("#e8f1f8" if not last else "#e6f4ee"),
                edgecolor="#999999" if missing else (PALETTE[0] if not last else PALETTE[2]),
                linestyle="--" if missing else "-",
                linewidth=1.2,
            )
        )
        ax.text(0.5, y - 0.22, title, ha="center", va="center", fontsize=10, weight="bold")
        ax.text(
            0.5,
            y - 0.45,
            detail,
            ha="center",
            va="center",
            fontsize=9,
            color="#666666" if missing else "#222222",
            style="italic" if missing else "normal",
        )
        if not last:
            # the book's records are not a subset of the review's: a dotted link, labelled, not a flow arrow
            book_link = i == len(boxes) - 2
            ax.annotate(
                "",
                xy=(0.5, y - height - gap + 0.02),
                xytext=(0.5, y - height - 0.02),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "#555555",
                    "linewidth": 1.2,
                    "linestyle": ":" if book_link else "-",
                },
            )
            if book_link:
                ax.text(
                    0.53,
                    y - height - gap / 2,
                    "re-coded, with the second document's sources",
                    fontsize=8,
                    va="center",
                    color="#555555",
                )
    ax.set_xlim(0, 1)
    ax.set_ylim(-(height + gap) * len(boxes) + gap - 0.05, 0.05)
    ax.axis("off")
    return fig


def supplementary_table(strategy: dict[str, Any]) -> BookTable:
    rows = [{"Source": s["name"], "How it was used": s["description"]} for s in strategy["supplementary"]]
    return table(pd.DataFrame(rows), wrap=("How it was used",))


def roles_table(roles: pd.DataFrame) -> BookTable:
    frame = pd.DataFrame(
        {
            "Role": roles["role"] + roles["abbreviation"].map(lambda a: f" ({a})" if a else ""),
            "What it involves": roles["description"],
            "Source": [short_citation(bibliography(), k) for k in roles["source"]],
        }
    )
    return table(frame, wrap=("What it involves",), widths={"Role": "11em"})
