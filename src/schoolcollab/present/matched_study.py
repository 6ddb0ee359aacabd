"""Tables and figures for the matched-schools chapter: published results and the simulated replication.

Everything drawn from the simulation carries the word "Simulated" in its title or header, so a
reader can never take a simulated number for a published one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .book_table import BookTable, table
from .style import PALETTE, theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

YEAR_LABELS = {0: "Baseline", 1: "Year 1", 2: "Year 2", 3: "Year 3"}
SAMPLE_LABELS = {"supported": "Supported schools", "supporting": "Supporting schools"}
SAMPLE_COLOURS = {"supported": PALETTE[0], "supporting": PALETTE[1]}
TERM_LABELS = {
    "constant": "Constant",
    "fsm": "Eligible for free school meals",
    "idaci": "IDACI score",
    "male": "Male",
    "school_action": "SEN: School Action",
    "school_action_plus": "SEN: School Action Plus",
    "statemented": "SEN: statement",
    "home_language_english": "Home language English",
    "white": "White",
    "pakistani_bangladeshi": "Pakistani/Bangladeshi",
    "other_asian": "Other Asian",
    "mixed": "Mixed",
    "other_ethnicity": "Other ethnic group",
    "ks1_prior_attainment": "Prior attainment (KS1)",
    "partnership": "Partnership school",
}


MATCH_LABELS = {
    "fsm": "Free school meals",
    "idaci": "IDACI score",
    "male": "Male",
    "sen": "Any SEN",
    "home_language_english": "Home language English",
    "minority": "Not White",
    "ks1_prior_attainment": "Prior attainment (KS1)",
}


def _cell(coef: float, se: float) -> str:
    if pd.isna(coef):
        return "—"
    return f"{coef:.3f} ({se:.3f})" if pd.notna(se) else f"{coef:.3f}"


def partnership_effects(coefficients: pd.DataFrame) -> pd.DataFrame:
    """The published partnership coefficient by sample and year, with a 95 % interval and z."""
    rows = coefficients[(coefficients["table"] == 4) & (coefficients["term"] == "partnership")].copy()
    rows["lower"] = rows["coefficient"] - 1.96 * rows["se"]
    rows["upper"] = rows["coefficient"] + 1.96 * rows["se"]
    rows["z"] = rows["coefficient"] / rows["se"]
    return rows.sort_values(["sample", "year"])[["sample", "year", "coefficient", "se", "lower", "upper", "z"]]


def effects_table(coefficients: pd.DataFrame) -> BookTable:
    """Published partnership effects: one row per sample and year."""
    eff = partnership_effects(coefficients)
    frame = pd.DataFrame(
        {
            "Sample": eff["sample"].map(SAMPLE_LABELS),
            "Year": eff["year"].map(YEAR_LABELS),
            "Coefficient": eff["coefficient"].map("{:.3f}".format),
            "Std. error": eff["se"].map("{:.3f}".format),
            "95 % interval": [f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(eff["lower"], eff["upper"], strict=False)],
            "z": eff["z"].map("{:.2f}".format),
            "Significant at 5 %": np.where(eff["z"].abs() >= 1.96, "yes", "no"),
        }
    )
    return table(frame)


def model_table(coefficients: pd.DataFrame, table_no: int) -> BookTable:
    """One published model (Table 3 or 4): coefficient (standard error) by term and year, one block per
    sample, so the table keeps four data columns and fits the page."""
    rows = coefficients[coefficients["table"] == table_no]
    present = set(rows["term"])
    # Known terms in the paper's order, then any other term under its own name: never drop a row.
    order = [t for t in TERM_LABELS if t in present] + sorted(present - set(TERM_LABELS))
    blocks = []
    for sample in ("supported", "supporting"):
        sub = rows[rows["sample"] == sample]
        cells = {
            YEAR_LABELS[y]: [
                _cell(*sub[(sub["year"] == y) & (sub["term"] == t)][["coefficient", "se"]].iloc[0])
                if len(sub[(sub["year"] == y) & (sub["term"] == t)])
                else "—"
                for t in order
            ]
            for y in sorted(rows["year"].unique())
        }
        block = pd.DataFrame(cells)
        block.insert(0, "Term", [TERM_LABELS.get(t, t) for t in order])
        block.insert(0, "Sample", [SAMPLE_LABELS[sample]] + [""] * (len(order) - 1))
        blocks.append(block)
    frame = pd.concat(blocks, ignore_index=True)
    year_cols = [c for c in frame.columns if c not in ("Sample", "Term")]
    return table(frame, right=tuple(year_cols), small=True)


def variance_table(variance: pd.DataFrame) -> BookTable:
    """School share of variance (Tables 2-4) and variance explained by intake (Table 3), by year."""
    names = {
        (2, "pct_level2"): "School share, empty model (Table 2)",
        (3, "pct_level2"): "School share, with pupil intake (Table 3)",
        (4, "pct_level2"): "School share, with partnership (Table 4)",
        (3, "pct_explained_level2"): "Explained by intake: school level (Table 3)",
        (3, "pct_explained_level1"): "Explained by intake: pupil level (Table 3)",
        (3, "pct_explained_total"): "Explained by intake: total (Table 3)",
    }
    wide = {}
    for sample in ("supported", "supporting"):
        for year in range(4):
            sub = variance[(variance["sample"] == sample) & (variance["year"] == year)]
            col = []
            for tab, qty in names:
                hit = sub[(sub["table"] == tab) & (sub["quantity"] == qty)]["value"]
                col.append(f"{hit.iloc[0]:.1f} %" if len(hit) and pd.notna(hit.iloc[0]) else "—")
            wide[(SAMPLE_LABELS[sample], YEAR_LABELS[year])] = col
    frame = pd.DataFrame({("Share of variance", ""): list(names.values()), **wide})
    return table(frame, right=tuple(wide), small=True)


def forest_plot(coefficients: pd.DataFrame, summary: pd.DataFrame | None = None) -> Figure:
    """Partnership effect by year with 95 % intervals; simulated means shown hollow when given."""
    plt = theme()
    eff = partnership_effects(coefficients)
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for k, sample in enumerate(("supported", "supporting")):
        sub = eff[eff["sample"] == sample]
        y = sub["year"].to_numpy() + (k - 0.5) * 0.28
        ax.errorbar(
            sub["coefficient"],
            y,
            xerr=1.96 * sub["se"],
            fmt="o",
            color=SAMPLE_COLOURS[sample],
            capsize=3,
            label=f"{SAMPLE_LABELS[sample]}: published",
        )
        if summary is not None:
            sim = summary[summary["sample"] == sample].sort_values("year")
            ax.errorbar(
                sim["mean_estimate"],
                sim["year"].to_numpy() + (k - 0.5) * 0.28 + 0.1,
                xerr=1.96 * sim["sd_estimate"],
                fmt="o",
                mfc="white",
                color=SAMPLE_COLOURS[sample],
                capsize=2,
                alpha=0.8,
                label=f"{SAMPLE_LABELS[sample]}: simulated (mean ± 1.96 SD)",
            )
    ax.axvline(0, color="#555555", lw=1)
    ax.set_yticks(range(4), [YEAR_LABELS[y] for y in range(4)])
    ax.invert_yaxis()
    ax.set_xlabel("Difference from matched comparison schools (Key Stage 2 points)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return fig


def balance_figure(balance: pd.DataFrame) -> Figure:
    """Simulated: standardised differences before and after matching, one row per covariate."""
    plt = theme()
    rows = balance.drop(index="distance", errors="ignore")
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.8))
    y = np.arange(len(rows))
    ax.scatter(rows["smd_before"], y, color=PALETTE[3], marker="x", label="before matching")
    ax.scatter(rows["smd_after"], y, color=PALETTE[2], label="after matching")
    for bound in (-0.1, 0.1):
        ax.axvline(bound, color="#999999", ls="--", lw=0.8)
    ax.axvline(0, color="#555555", lw=1)
    ax.set_yticks(y, [MATCH_LABELS.get(c, c.replace("_", " ")) for c in rows.index])
    ax.set_xlabel("Standardised mean difference (simulated school intake)")
    ax.set_title("Simulated: balance of one matched sample", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    return fig


def design_table(facts: pd.DataFrame) -> BookTable:
    """The simulated design, one column per sample: what was drawn, fitted or assumed."""
    shown = facts.set_index("sample").T
    shown.columns = [f"Simulated: {SAMPLE_LABELS[c].lower()}" for c in shown.columns]

    def fmt(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
        return str(value)

    shown = shown.map(fmt)
    shown.index = [label[:1].upper() + label[1:] for label in shown.index]
    shown = shown.rename_axis("Design feature").reset_index()
    return table(shown, wrap=tuple(shown.columns[1:]))


def recovery_table(summary: pd.DataFrame, coefficients: pd.DataFrame) -> BookTable:
    """Simulated against published: the published estimate (planted as the truth), then the simulated
    estimates' mean and bias, spread, mean standard error, coverage and share significant."""
    eff = partnership_effects(coefficients).set_index(["sample", "year"])
    frame = pd.DataFrame(
        {
            "Sample": summary["sample"].str.capitalize(),
            "Year": summary["year"].map(YEAR_LABELS),
            "Published (SE)": [
                _cell(eff.loc[(s, y), "coefficient"], eff.loc[(s, y), "se"])
                for s, y in zip(summary["sample"], summary["year"], strict=False)
            ],
            "Simulated mean (bias)": [
                f"{m:.3f} ({b:+.3f})" for m, b in zip(summary["mean_estimate"], summary["bias"], strict=False)
            ],
            "SD of estimates": summary["sd_estimate"].map("{:.3f}".format),
            "Mean SE": summary["mean_se"].map("{:.3f}".format),
            "95 % coverage": [
                f"{c:.0%} ± {1.96 * m:.0%}" for c, m in zip(summary["coverage"], summary["mcse_coverage"], strict=False)
            ],
            "Significant": summary["power"].map("{:.0%}".format),
        }
    )
    return table(frame, small=True)
