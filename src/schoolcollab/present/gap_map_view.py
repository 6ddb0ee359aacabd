"""The interactive evidence gap map of the web edition: themes × forms of collaboration.

No charting library: the map is an HTML table of buttons, which a keyboard and a screen reader already
know how to use (a cell is reached with Tab, opened with Enter, and read as its row and column headers
plus its count in words). The page carries the coded rows as JSON and a small script of our own
(``assets/gap_map.js``, about 10 kB with its stylesheet, against 3.5 MB for Plotly) applies the filters
of :class:`~schoolcollab.evidence.gap_cells.GapFilter` and lists a cell's studies. The print edition
keeps the static heat map (:func:`~schoolcollab.present.evidence_views.gap_map_figure`).

A study links to its entry in the references (``references.html#cite-<key>``) and to its row in the
evidence explorer (``explorer.html#source-<key>``).
"""

from __future__ import annotations

import html
import json
import os
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from ..bib import short_citation
from ..call_facets import drawn_from
from ..evidence.gap_cells import gap_map_rows, map_families, map_themes
from ..evidence.synthesis import UNSPECIFIED, WEAK_BELOW
from ..inputs import PRINT_ENV
from ..load import Evidence

UNSPECIFIED_LABEL = "Type not stated"


def _family_label(ev: Evidence, family: str) -> str:
    return UNSPECIFIED_LABEL if family == UNSPECIFIED else ev.codebook.vocab["families"][family]["label"]


def _options(ev: Evidence, vocab: str, used: set[str]) -> list[list[str]]:
    """[id, label] pairs of a codebook list, in codebook order, for the values the map's sources use."""
    return [[i, ev.codebook.label(vocab, i)] for i in ev.codebook.ids(vocab) if i in used]


def gap_map_data(ev: Evidence) -> dict[str, Any]:
    """Everything the page's script needs, from the same synthesis as the static map."""
    cb = ev.codebook
    rows = gap_map_rows(ev.tables, cb)
    keys = set(rows["key"])
    src = ev.tables.sources[ev.tables.sources["key"].isin(keys)].sort_values(["year", "key"])
    sources = {}
    for s in src.itertuples(index=False):
        sources[s.key] = {
            "cite": short_citation(ev.bib, s.key),
            "year": None if pd.isna(s.year) else int(s.year),
            "design": s.design,
            "empirical": s.appraisal == "appraised",
            "comparative": s.tier == "comparative",
            "countries": list(s.countries),
            "phases": list(s.phases),
        }
    years = [v["year"] for v in sources.values() if v["year"] is not None]
    used = {
        col: {v for s in sources.values() for v in (s[col] if isinstance(s[col], list) else [s[col]])}
        for col in ("design", "countries", "phases")
    }
    options = {
        "design": _options(ev, "designs", used["design"]),
        "country": _options(ev, "countries", used["countries"]),
        "phase": _options(ev, "phases", used["phases"]),
        "direction": _options(ev, "directions", set(rows["direction"])),
    }
    return {
        "themes": [[t, cb.label("themes", t)] for t in map_themes(cb)],
        "families": [[f, _family_label(ev, f)] for f in map_families(ev.tables, cb)],
        "rows": rows[["theme", "family", "key", "direction"]].values.tolist(),
        "sources": sources,
        "weak_below": WEAK_BELOW,
        "years": [min(years), max(years)] if years else [None, None],
        "options": options,
        # the same pairs, in codebook order (not a set's: the page is the same in every build)
        "labels": {"design": dict(options["design"]), "direction": dict(options["direction"])},
    }


@cache
def _asset(name: str) -> str:
    return resources.files("schoolcollab.present").joinpath("assets", name).read_text(encoding="utf-8")


def _json_for_script(data: dict[str, Any]) -> str:
    """JSON that cannot end its <script> element early, whatever a title or label holds."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


FILTERS = (
    ("design", "Study design"),
    ("country", "Country studied"),
    ("phase", "Phase of schooling"),
    ("direction", "Direction of the finding"),
)


def _filter_form(data: dict[str, Any]) -> str:
    parts = []
    for name, label in FILTERS:
        options = "".join(
            f'<option value="{html.escape(i)}">{html.escape(text)}</option>' for i, text in data["options"][name]
        )
        parts.append(f'<label>{label}<select name="{name}"><option value="">All</option>{options}</select></label>')
    lo, hi = data["years"]
    for name, label, value in (("year_from", "Published from", lo), ("year_to", "Published up to", hi)):
        parts.append(
            f'<label>{label}<input type="number" name="{name}" min="{lo}" max="{hi}" '
            f'value="{value}" inputmode="numeric"></label>'
        )
    parts.append('<button type="reset">Show all</button>')
    return f'<form class="sc-gm-filters" aria-label="Filter the gap map">{"".join(parts)}</form>'


LEGEND = (
    '<ul class="sc-gm-legend" aria-label="How to read the map">'
    '<li><span class="sc-gm-dot sc-gm-evidence" aria-hidden="true"></span>'
    "filled disc: two or more empirical studies</li>"
    '<li><span class="sc-gm-dot sc-gm-weak" aria-hidden="true"></span>'
    "ring: sources, but fewer than two empirical studies</li>"
    '<li><span class="sc-gm-none" aria-hidden="true">·</span>no source</li>'
    '<li><span aria-hidden="true">◆</span> at least one study with a comparison group</li>'
    "<li>the number is the count of sources; the mark grows with it</li></ul>"
)


class InteractiveGapMap:
    """The map as one self-contained block of HTML (data, script and style inline, nothing fetched)."""

    def __init__(self, data: dict[str, Any], static: pd.DataFrame | None = None) -> None:
        self.data = data  # gap_map_data
        self.static = static  # the static map's counts (gap_map_data_frame), drawn for print only

    def to_html(self) -> str:
        """The block the web page shows; the script renders the table from the data inside it."""
        n = len(self.data["sources"])
        return (
            f'<div class="sc-gapmap sc-themed"><style>{_asset("gap_map.css")}</style>'
            f'<script type="application/json" class="sc-gm-data">{_json_for_script(self.data)}</script>'
            f"{_filter_form(self.data)}"
            f'<p class="sc-gm-status" role="status">Showing all {n} sources with a finding on these themes.</p>{LEGEND}'
            '<div class="sc-gm-grid" tabindex="-1"><noscript>The interactive map needs JavaScript; '
            "the table of gaps below and the PDF edition give the same counts.</noscript></div>"
            '<section class="sc-gm-details" aria-live="polite" tabindex="-1">'
            "<p>Choose a cell to list its studies.</p></section>"
            f"<script>{_asset('gap_map.js')}</script></div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The web page takes the HTML; the print edition takes the static figure's PDF or PNG, which
        the kernel's own formatters draw (see ``style.theme``), so both editions come from one output.
        The figure is drawn only in a kernel executing for print: the web page never shows it, and
        drawing it cost the chapter 0.7 s."""
        bundle: dict[str, Any] = {}
        if self.static is not None and os.environ.get(PRINT_ENV) == "1":
            from IPython import get_ipython

            shell = get_ipython()
            if shell is not None:
                from .evidence_views import gap_map_figure

                figure = gap_map_figure.draw(self.static)
                drawn, _ = shell.display_formatter.format(figure)
                bundle.update({k: v for k, v in drawn.items() if k in PRINT_MIMES})
                import matplotlib.pyplot as plt

                plt.close(figure)  # shown once, here; not again with the cell's other figures
        return {
            **bundle,
            "text/html": self.to_html(),
            "text/plain": f"Evidence gap map of {len(self.data['sources'])} sources",
        }


PRINT_MIMES = ("application/pdf", "image/png")


def gap_map_page_data(ev: Evidence, static: bool = False) -> dict[str, Any]:
    """What the interactive map shows and, with ``static``, the counts of the static map for print."""
    from .evidence_views import gap_map_data_frame

    return {"map": gap_map_data(ev), "static": gap_map_data_frame(ev) if static else None}


@drawn_from(gap_map_page_data)
def interactive_gap_map(data: dict[str, Any]) -> InteractiveGapMap:
    """The gap map of the evidence base, ``interactive_gap_map(ev, static=False)``: interactive on the web;
    with ``static``, the static heat map (:func:`~schoolcollab.present.evidence_views.gap_map_figure`)
    stands for it in print."""
    return InteractiveGapMap(data["map"], data["static"])
