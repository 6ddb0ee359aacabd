"""The evidence explorer: every coded source and every claim in searchable, sortable tables.

On the web the tables are DataTables through itables in its offline mode (the library travels inside
the page, nothing is fetched); on paper they fall back to the book's static long table. Each table has a
button that downloads the rows the reader has filtered, as CSV text (DataTables' Buttons extension, which
the bundle carries).

A source's row has an address other pages can link to: ``explorer.html#source-<key>`` or
``explorer.html?source=<key>``, with ``<key>`` the source's key in ``references.bib``
(``explorer.html#source-muijs2015improving``). Opening it shows that source's row alone, scrolled to and
focused, with a button to show every source again (:data:`ADDRESS_JS`, set up by the first draw, as
itables keeps ``initComplete`` for itself). Each ``source-<key>`` is also an anchor of the page, so link
checkers find it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from itables import JavascriptFunction

from ..bib import short_citation
from ..build import placeholders as ph
from ..evidence.appraisal import appraisal_summary
from ..evidence.rating_rules import COMPONENTS
from ..load import Evidence
from .book_table import LATEX_MIME, BookTable
from .style import stable_id

# the sources table's hidden last column: what an address selects, and exported. Last, because itables ties a
# heading's sort control to the column at the heading's visible position: a hidden column before it shifts them
KEY_COLUMN = "Key"
# a cell as the reader sees it: links and line breaks become text ("<br>" between chapters -> "; ")
EXPORT_TEXT = JavascriptFunction(
    "function (data) { var doc = new DOMParser().parseFromString('<body>' + String(data)"
    ".replace(/<br\\s*\\/?>/gi, '; ') + '</body>', 'text/html'); return doc.body.textContent.trim(); }"
)
# show only the source a page's address names (#source-<key> or ?source=<key>); built with DOM methods
# and compared as text, so an address cannot inject markup
ADDRESS_JS = JavascriptFunction("""function (settings) {
  if (settings.scAddress) return;  // a draw callback: set up once, after the first draw
  settings.scAddress = true;
  var api = new window.$.fn.dataTable.Api(settings), last = api.columns().count() - 1;
  function wanted() {
    var m = /^#source-(.+)$/.exec(decodeURIComponent(window.location.hash));
    return m ? m[1] : new URLSearchParams(window.location.search).get('source');
  }
  function show() {
    var key = wanted(), old = document.querySelector('.sc-addressed-note');
    if (old) old.remove();
    if (!key) return;
    api.column(last).search(function (cell) { return cell === key; }).draw();
    var note = document.createElement('p'), all = document.createElement('button');
    note.className = 'sc-addressed-note';
    note.textContent = api.rows({search: 'applied'}).count() ? 'Showing only the source ' + key + '. '
      : 'No source has the key ' + key + '. ';
    all.type = 'button'; all.textContent = 'Show all sources';
    all.addEventListener('click', function () {
      api.column(last).search('').draw(); note.remove();
      history.replaceState(null, '', window.location.pathname);
    });
    note.appendChild(all);
    api.table().container().before(note);
    var tr = api.row(function (i, data) { return data[last] === key; }).node();
    if (tr) {
      tr.classList.add('sc-addressed'); tr.style.outline = '2px solid currentColor'; tr.tabIndex = -1;
      // the filter panes redraw the table once more after its init, which takes the focus away: focus after
      setTimeout(function () { tr.scrollIntoView({block: 'center'}); tr.focus(); }, 0);
    }
  }
  setTimeout(show, 0);  // once the table's initialisation, which is drawing it now, has finished
  window.addEventListener('hashchange', show);
}""")

REFERENCES_PAGE = "references.html"  # chapters live side by side in chapters/
DT_OPTIONS: dict[str, Any] = {
    "connected": False,
    "allow_html": True,
    "display_logo_when_loading": False,
    "maxBytes": 0,
    "classes": "display compact",
    "pageLength": 25,
    "lengthMenu": [10, 25, 50, 100],
    "scrollX": True,
    "layout": {"topStart": ["pageLength", "buttons"], "topEnd": "search", "top1": "searchPanes"},
    "searchPanes": {"layout": "columns-3", "cascadePanes": True, "initCollapsed": True},
}


def _export_button(name: str) -> dict[str, Any]:
    """A button that downloads the rows left by the search box and the panes, in their order, as CSV text."""
    return {
        "buttons": [
            {
                "extend": "csvHtml5",
                "text": "Download these rows (CSV)",
                "filename": f"explorer-{name}",
                "title": None,
                "exportOptions": {
                    "modifier": {"search": "applied", "order": "applied"},
                    "format": {"body": EXPORT_TEXT},
                },
            }
        ]
    }


def _column_defs(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, Any]:
    """Filter panes for the categorical columns (free text is searched with the search box instead); the key
    column is hidden from view but searched by an address and exported."""
    no_pane = [i for i, c in enumerate(frame.columns) if c not in columns]
    defs: list[dict[str, Any]] = [{"searchPanes": {"show": False}, "targets": no_pane}] if no_pane else []
    if KEY_COLUMN in frame.columns:
        defs.append({"visible": False, "targets": [list(frame.columns).index(KEY_COLUMN)]})
    return {"columnDefs": defs} if defs else {}


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


@dataclass
class InteractiveTable:
    """A DataTable on the web (``cells_html`` already escaped, links built here) and a static
    long table on paper (``cells_text``)."""

    cells_html: pd.DataFrame
    cells_text: pd.DataFrame
    name: str
    wrap: tuple[str, ...] = ()
    panes: tuple[str, ...] = ()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from itables import to_html_datatable

        addressed = KEY_COLUMN in self.cells_html.columns
        draw: dict[str, Any] = {"drawCallback": ADDRESS_JS} if addressed else {}  # options, as DT_OPTIONS
        page = to_html_datatable(
            self.cells_html,
            table_id=f"itables_{stable_id(self.cells_text)}",
            **DT_OPTIONS,
            **_column_defs(self.cells_html, self.panes),
            **_export_button(self.name),
            **draw,
        )
        if addressed:  # the addresses as anchors of the page itself, for links and link checkers
            page = (
                '<div class="sc-anchors" hidden>'
                + "".join(
                    f'<span id="source-{html.escape(k, quote=True)}"></span>' for k in self.cells_html[KEY_COLUMN]
                )
                + "</div>"
                + page
            )
        static = BookTable(self.cells_text, wrap=self.wrap, small=True)
        return {"text/html": page, LATEX_MIME: static.to_latex(), "text/plain": repr(static)}


class InteractiveLibrary:
    """The DataTables library, inlined once per page (itables' offline mode works from file:// too)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from itables import options
        from itables.javascript import generate_init_offline_itables_html

        return {
            "text/html": generate_init_offline_itables_html(options.dt_bundle),
            LATEX_MIME: "% the interactive tables' library: nothing to print\n",
            "text/plain": "",
        }


def sources_explorer(ev: Evidence) -> InteractiveTable:
    """One row per coded source: what it is, what it found, where the book uses it."""
    cb = ev.codebook
    findings = ev.findings.groupby("key")
    appraised = appraisal_summary(ev.appraisals, ev.rating_inputs.status, cb)
    rows_html, rows_text = [], []
    for src in ev.sources.sort_values(["year", "key"]).itertuples(index=False):
        entry = ev.bib.entries.get(src.key, {})
        mine = findings.get_group(src.key) if src.key in findings.groups else ev.findings.iloc[0:0]
        values = {
            "Source": short_citation(ev.bib, src.key),
            "Title": re.sub(r"[{}]", "", entry.get("title", entry.get("note", ""))),
            "Year": str(src.year),  # text: a year is not printed with a thousands separator
            "Design": cb.label("designs", src.design),
            "Collaboration types": "; ".join(cb.label("collaboration_types", t) for t in src.collaboration_types),
            "Themes": "; ".join(sorted({cb.label("themes", t) for t in mine["theme"]})),
            "Direction of findings": "; ".join(cb.label("directions", d) for d in sorted(set(mine["direction"]))),
            "Countries": "; ".join(cb.label("countries", c) for c in src.countries),
            "Appraisal": appraised.get(src.key, "—"),
        }
        # which chapters cite it is known once every page is read: the build fills this in (build.book_facts)
        rows_text.append({**values, "Cited in": ph.cited_in(src.key)})
        escaped = {k: html.escape(str(v)) for k, v in values.items()}
        escaped["Source"] = _link(f"{REFERENCES_PAGE}#cite-{src.key}", values["Source"])
        escaped["Year"] = src.year
        escaped["Cited in"] = ph.cited_in(src.key)
        escaped[KEY_COLUMN] = html.escape(src.key)
        rows_html.append(escaped)
    text = pd.DataFrame(rows_text)
    return InteractiveTable(
        pd.DataFrame(rows_html),
        text.drop(columns=["Countries"]),
        "sources",
        wrap=("Source", "Title", "Collaboration types", "Themes", "Appraisal", "Cited in"),
        panes=("Year", "Design", "Collaboration types", "Themes", "Direction of findings", "Countries"),
    )


def claims_explorer(ev: Evidence) -> InteractiveTable:
    """The claim ledger: each claim, its computed rating, why, and the sources behind it."""
    merged = ev.claims.merge(ev.ratings, left_on="id", right_on="claim", suffixes=("", "_r"))
    keys = ev.links.groupby("claim")["key"].apply(sorted).to_dict()
    rows_html, rows_text = [], []
    for _, c in merged.iterrows():
        gap = c["rating"] == "gap"
        values = {
            "Claim": c["statement"],
            "Area": ev.codebook.label("themes", c["theme"]),
            "Kind": ev.codebook.label("claim_kinds", c["kind"]),
            "Confidence": c["rating"],
            **{label: "—" if gap else f"{c[comp]}: {c[f'{comp}_why']}" for comp, label in COMPONENTS.items()},
            "How the components combine": "—" if gap else c["reasons"],
            "For / mixed / against": f"{c['supports']} / {c['mixed']} / {c['against']}",
        }
        sources = keys.get(c["id"], [])
        rows_text.append({**values, "Sources": "; ".join(short_citation(ev.bib, k) for k in sources)})
        escaped = {k: html.escape(str(v)) for k, v in values.items()}
        escaped["Sources"] = "; ".join(_link(f"{REFERENCES_PAGE}#cite-{k}", short_citation(ev.bib, k)) for k in sources)
        rows_html.append(escaped)
    text = pd.DataFrame(rows_text)
    return InteractiveTable(
        pd.DataFrame(rows_html),
        text.drop(columns=["Sources"]),
        "claims",
        wrap=("Claim", *COMPONENTS.values(), "How the components combine"),
        panes=("Area", "Kind", "Confidence"),
    )
