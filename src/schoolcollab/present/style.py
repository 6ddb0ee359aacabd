"""One palette, one table style, one way to format numbers, for every page."""

from __future__ import annotations

import functools
import hashlib
import os
import re
from types import ModuleType
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from ..inputs import PRINT_ENV

if TYPE_CHECKING:
    from IPython.display import Markdown
    from matplotlib.axes import Axes
    from matplotlib.collections import QuadMesh
    from matplotlib.typing import ColorType

# Okabe–Ito: distinguishable under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
DIRECTION_COLOURS = {
    "positive": "#009E73",
    "mixed": "#E69F00",
    "no_effect": "#999999",
    "negative": "#D55E00",
    "descriptive": "#56B4E9",
}
SEQUENTIAL = "cividis"  # perceptually uniform and colour-blind safe, for heat maps
RATING_ORDER = ["high", "moderate", "low", "very low"]


def theme() -> ModuleType:
    """Apply the book's figure style (idempotent) and return ``matplotlib.pyplot``.

    matplotlib is imported here, not at module level: a chapter with tables only then never pays
    its ~0.5 s import.
    """
    import matplotlib.pyplot as plt

    # seaborn's "whitegrid" look, set directly: importing seaborn costs each chapter ~0.8 s
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "axes.titleweight": "bold",
            "figure.constrained_layout.use": True,
            "font.family": "DejaVu Sans",
            "axes.facecolor": "white",
            "axes.edgecolor": "#cccccc",
            "axes.grid": True,
            "grid.color": "#e5e5e5",
            "axes.axisbelow": True,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": plt.cycler(color=PALETTE),
            "xtick.bottom": False,
            "ytick.left": False,
            "text.parse_math": False,  # labels come from the data: a "$" there is a dollar sign, not maths
        }
    )
    _vector_figures_for_print()
    return plt


@functools.cache
def _vector_figures_for_print() -> None:
    """In a kernel executing for the print edition, store each figure as PDF as well as PNG: the web
    edition shows the PNG, the print edition takes the PDF (vector) because MyST-NB ranks it first for
    LaTeX. Parts matplotlib draws as pixels even in a PDF (colour bars) get 300 dpi. A build of the web
    edition alone skips the PDF, which cost as much again as the PNG (see ``schoolcollab.build``)."""
    if os.environ.get(PRINT_ENV) != "1":
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kernel
        return
    shell = get_ipython()
    if shell is None:  # a plain Python session (tests, scripts): nothing displays figures
        return
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("png", "pdf")  # turns the PDF formatter on
    shell.display_formatter.formatters["application/pdf"].for_type(
        Figure, functools.partial(print_figure, fmt="pdf", dpi=300)
    )


def relative_luminance(colour: ColorType) -> float:
    """WCAG 2 relative luminance of a colour (any matplotlib colour; alpha is ignored)."""
    from matplotlib.colors import to_rgb

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: ColorType, b: ColorType) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(background: ColorType) -> str:
    """Black or white, whichever reads better on ``background``: one of them always reaches 4.58:1."""
    return "#000000" if contrast_ratio("#000000", background) >= contrast_ratio("#ffffff", background) else "#ffffff"


def label_cells(ax: Axes, mesh: QuadMesh, values: pd.DataFrame, fontsize: float = 9) -> None:
    """Write each heat-map cell's whole number on it, in the colour that reads best on that cell.

    seaborn's own annotations switch from white to dark grey only above a luminance of 0.408, so a
    count on a mid-tone cell was white at about 2.3:1, under WCAG's 4.5:1 for text.
    """
    for row, col in np.ndindex(values.shape):
        value = values.iat[row, col]
        ax.text(
            col + 0.5,
            row + 0.5,
            f"{int(value):d}",
            ha="center",
            va="center",
            fontsize=fontsize,
            # one value through the colormap is one RGBA tuple (an array gives an array)
            color=text_colour_on(cast("tuple[float, float, float, float]", mesh.cmap(mesh.norm(value)))),
        )


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_text(text: str) -> str:
    """``text`` from the data as Markdown that shows exactly those characters: every ASCII punctuation
    mark is backslash-escaped (CommonMark's rule), so ``<script>``, ``{cite}`` roles, ``:::`` fences and
    ``*emphasis*`` in an author's data are printed, never parsed or run."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def listing(labels: list[str]) -> Markdown:
    """Labels as a phrase in running text: "a, b and c" (semicolons when a label holds a comma)."""
    from IPython.display import Markdown

    labels = [label[0].lower() + label[1:] for label in labels if label]
    if len(labels) <= 1:
        return Markdown(markdown_text(labels[0] if labels else "none"))
    sep = "; " if any("," in label for label in labels) else ", "
    last = ("; and " if sep == "; " else " and ") if len(labels) > 2 or sep == "; " else " and "
    return Markdown(markdown_text(sep.join(labels[:-1]) + last + labels[-1]))


def stable_id(frame: pd.DataFrame) -> str:
    """An id for a table's CSS derived from its content. pandas picks a random one, so every rebuild
    changed the HTML; this keeps unchanged pages byte-identical and different tables distinct."""
    return hashlib.sha1(frame.to_csv().encode("utf-8")).hexdigest()[:8]
