"""A table that renders itself for each edition of the book: escaped HTML on the web, a LaTeX
long table on paper, plain text anywhere else.

Cells are formatted to text once, here, so both editions show the same values. Everything that
came from the author's data is escaped for the output it lands in: a source title holding
``<script>`` or ``{cite}`` is shown as those characters, never run or parsed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .style import stable_id

LATEX_MIME = "application/vnd.schoolcollab.latex-table"  # rendered raw by build.latex, print builders only
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "\n": " ",
    "\r": " ",
    "\t": " ",
}
_LATEX_RE = re.compile("|".join(map(re.escape, _LATEX_SPECIALS)))
WRAP_AT = 28  # a column whose longest cell is longer than this wraps on paper


def latex_escape(text: str) -> str:
    """``text`` as LaTeX that prints exactly those characters (xelatex handles the Unicode)."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group()], text)


def display(value: Any) -> str:
    """One cell as the reader sees it: missing values as a dash, whole numbers with separators."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return display(value.item())
    return str(value)


@dataclass
class BookTable:
    """A static table for the book: ``data`` is the frame as given, ``text`` the cells as shown."""

    data: pd.DataFrame
    wrap: tuple[str, ...] = ()
    widths: dict[str, str] = field(default_factory=dict)
    right: tuple[Hashable, ...] = ()  # column labels: names, or tuples under a two-level header
    small: bool = False
    # cell text -> CSS class, for tables whose cells are a few fixed words (the words stay: colour only repeats them)
    value_classes: dict[str, str] = field(default_factory=dict)
    text: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.text = self.data.map(display) if len(self.data.columns) else self.data.astype(str)
        self.text.columns = self.data.columns

    # --- the web edition -------------------------------------------------------------------------
    def to_html(self) -> str:
        """The table as an HTML fragment, every cell escaped."""
        ident = stable_id(self.data)
        cols = list(self.text.columns)
        head = self._html_head(cols)
        body = []
        for row in self.text.itertuples(index=False):
            cells = "".join(
                f"<td{self._html_class(v)}{self._html_style(c)}>{html.escape(v)}</td>"
                for c, v in zip(cols, row, strict=False)
            )
            body.append(f"<tr>{cells}</tr>")
        size = ' style="font-size:0.85em"' if self.small else ""
        return (
            f'<table id="T_{ident}" class="sc-table"{size}>\n<thead>\n{head}</thead>\n'
            f"<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"
        )

    def _html_head(self, cols: list[Any]) -> str:
        if isinstance(self.data.columns, pd.MultiIndex):
            rows = []
            for level in range(self.data.columns.nlevels):
                cells = "".join(
                    f'<th colspan="{n}" scope="colgroup">{html.escape(str(label))}</th>'
                    if n > 1
                    else f'<th scope="col">{html.escape(str(label))}</th>'
                    for label, n in _runs([c[level] for c in cols])
                )
                rows.append(f"<tr>{cells}</tr>\n")
            return "".join(rows)
        return "<tr>" + "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in cols) + "</tr>\n"

    def _html_class(self, value: str) -> str:
        css = self.value_classes.get(value)
        return f' class="{css}"' if css else ""

    def _html_style(self, col: Any) -> str:
        props = []
        if col in self.widths:
            props.append(f"min-width:{self.widths[col]}")
        if col in self.right:
            props.append("text-align:right; white-space:nowrap")
        return f' style="{"; ".join(props)}"' if props else ""

    def _repr_html_(self) -> str:
        return self.to_html()

    # --- the print edition -----------------------------------------------------------------------
    def to_latex(self) -> str:
        """A long table that breaks across pages, repeats its header and fits the text width."""
        cols = list(self.text.columns)
        wraps = (
            [c in self.wrap or self.text[c].str.len().max() > WRAP_AT for c in cols]
            if len(self.text)
            else [False] * len(cols)
        )
        spec = "".join(
            ">{\\raggedright\\arraybackslash}X" if w else ("r" if c in self.right else "l")
            for c, w in zip(cols, wraps, strict=False)
        )
        env = "xltabular" if any(wraps) else "longtable"
        size = "\\footnotesize" if self.small or len(cols) > 4 else "\\small"
        head = self._latex_head(cols)
        lines = [
            f"{{{size}\\setlength{{\\tabcolsep}}{{4pt}}",
            f"\\begin{{{env}}}" + ("{\\linewidth}" if env == "xltabular" else "") + f"{{{spec}}}",
            "\\toprule",
            head,
            "\\midrule",
            "\\endfirsthead",
            f"\\multicolumn{{{len(cols)}}}{{l}}{{\\emph{{(continued)}}}}\\\\",
            "\\toprule",
            head,
            "\\midrule",
            "\\endhead",
            "\\bottomrule",
            "\\endlastfoot",
        ]
        for row in self.text.itertuples(index=False):
            lines.append(" & ".join(latex_escape(v) for v in row) + " \\\\")
        lines += [f"\\end{{{env}}}", "}"]
        return "\n".join(lines) + "\n"

    def _latex_head(self, cols: list[Any]) -> str:
        if isinstance(self.data.columns, pd.MultiIndex):
            rows = []
            for level in range(self.data.columns.nlevels):
                cells = [
                    f"\\multicolumn{{{n}}}{{c}}{{\\textbf{{{latex_escape(str(label))}}}}}"
                    if n > 1
                    else f"\\textbf{{{latex_escape(str(label))}}}"
                    for label, n in _runs([c[level] for c in cols])
                ]
                rows.append(" & ".join(cells) + " \\\\")
            return "\n".join(rows)
        return " & ".join(f"\\textbf{{{latex_escape(str(c))}}}" for c in cols) + " \\\\"

    # --- everywhere else ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        return self.text.to_string(index=False)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.to_html(), LATEX_MIME: self.to_latex(), "text/plain": repr(self)}


def _runs(labels: list[Any]) -> list[tuple[Any, int]]:
    """Consecutive equal labels as (label, count): the spans of a grouped header row."""
    runs: list[tuple[Any, int]] = []
    for label in labels:
        if runs and runs[-1][0] == label:
            runs[-1] = (label, runs[-1][1] + 1)
        else:
            runs.append((label, 1))
    return runs


def table(
    frame: pd.DataFrame,
    *,
    wrap: tuple[str, ...] = (),
    widths: dict[str, str] | None = None,
    right: tuple[Hashable, ...] = (),
    small: bool = False,
) -> BookTable:
    """The book's static table: no index, text left-aligned, ``wrap`` columns wrapped on paper,
    ``right`` columns (numbers) right-aligned, ``small`` for dense tables."""
    return BookTable(
        frame.reset_index(drop=True), wrap=tuple(wrap), widths=dict(widths or {}), right=tuple(right), small=small
    )
