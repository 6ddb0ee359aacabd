"""One palette, one table style, one way to format numbers, for every page."""
from __future__ import annotations

import hashlib
from types import ModuleType

import pandas as pd
from pandas.io.formats.style import Styler

# Okabe–Ito: distinguishable under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
DIRECTION_COLOURS = {"positive": "#009E73", "mixed": "#E69F00", "no_effect": "#999999", "negative": "#D55E00",
                     "descriptive": "#56B4E9"}
SEQUENTIAL = "cividis"  # perceptually uniform and colour-blind safe, for heat maps
RATING_ORDER = ["high", "moderate", "low", "very low"]


def theme() -> ModuleType:
    """Apply the book's figure style (idempotent) and return ``matplotlib.pyplot``.

    matplotlib is imported here, not at module level: a chapter with tables only then never pays
    its ~0.5 s import.
    """
    import matplotlib.pyplot as plt

    # seaborn's "whitegrid" look, set directly: importing seaborn costs each chapter ~0.8 s
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 150, "axes.titleweight": "bold", "figure.constrained_layout.use": True,
        "font.family": "DejaVu Sans", "axes.facecolor": "white", "axes.edgecolor": "#cccccc", "axes.grid": True,
        "grid.color": "#e5e5e5", "axes.axisbelow": True, "axes.spines.top": False, "axes.spines.right": False,
        "axes.prop_cycle": plt.cycler(color=PALETTE), "xtick.bottom": False, "ytick.left": False,
    })
    return plt


def stable_id(frame: pd.DataFrame) -> str:
    """An id for a table's CSS derived from its content. pandas picks a random one, so every rebuild
    changed the HTML; this keeps unchanged pages byte-identical and different tables distinct."""
    return hashlib.sha1(frame.to_csv().encode("utf-8")).hexdigest()[:8]


def table(frame: pd.DataFrame, *, wrap: tuple[str, ...] = (), widths: dict[str, str] | None = None) -> Styler:
    """A static, readable HTML table: no index, left-aligned text, long text columns wrapped."""
    styler = frame.style.set_uuid(stable_id(frame)).hide(axis="index").set_table_attributes('class="sc-table"')
    styler = styler.set_table_styles([
        {"selector": "th", "props": "text-align:left; vertical-align:bottom;"},
        {"selector": "td", "props": "text-align:left; vertical-align:top;"},
    ])
    for col, width in (widths or {}).items():
        styler = styler.set_properties(subset=[col], **{"min-width": width})
    for col in wrap:
        styler = styler.set_properties(subset=[col], **{"white-space": "normal"})
    return styler.format(na_rep="—", precision=0, thousands=",")

