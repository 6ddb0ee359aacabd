"""Rendering details a reader or a reproducible build depends on."""

from __future__ import annotations

import pandas as pd

from schoolcollab.present.book_table import LATEX_MIME, latex_escape, table

HOSTILE = '<script>alert(1)</script> <b onclick="x()">b</b> {cite}`nobody` & 50% $x_1$ #2 ~^ \\end{document}'


def test_tables_render_the_same_html_every_time_and_distinct_tables_get_distinct_ids() -> None:
    a = pd.DataFrame({"x": [1, 2], "y": ["p", "q"]})
    b = pd.DataFrame({"x": [1, 3], "y": ["p", "q"]})
    first, again, other = table(a).to_html(), table(a.copy()).to_html(), table(b).to_html()
    assert first == again  # rebuilt pages do not change when their data did not
    ids = {html.split('id="T_', 1)[1][:8] for html in (first, other)}
    assert len(ids) == 2  # two tables on one page never share CSS


def test_cells_from_the_data_are_escaped_for_the_web_and_for_print() -> None:
    shown = table(pd.DataFrame({"Title & <i>": [HOSTILE], "n": [1234]}), right=("n",))
    page = shown.to_html()
    assert "<script>" not in page and "<b onclick" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Title &amp; &lt;i&gt;" in page
    tex = shown.to_latex()
    assert r"\end{document}" not in tex and r"\textbackslash{}end\{document\}" in tex
    assert r"\& 50\% \$x\_1\$ \#2 \textasciitilde{}\textasciicircum{}" in tex
    assert "1,234" in tex and "\\begin{xltabular}" in tex  # the long text column wraps to the page


def test_latex_escape_round_trips_every_special_exactly_once() -> None:
    assert latex_escape("a\\b{c}") == r"a\textbackslash{}b\{c\}"
    assert latex_escape("100% of £5 & café_é") == r"100\% of £5 \& café\_é"


def test_a_table_offers_html_print_and_text_never_an_object_repr() -> None:
    bundle = table(pd.DataFrame({"a": [1.0, None], "b": ["x", "y"]}))._repr_mimebundle_()
    assert set(bundle) == {"text/html", LATEX_MIME, "text/plain"}
    assert "object at 0x" not in bundle["text/plain"] and "—" in bundle["text/plain"]
    assert "\\begin{longtable}" in bundle[LATEX_MIME] and "\\endhead" in bundle[LATEX_MIME]


def test_grouped_headers_span_their_columns() -> None:
    frame = pd.DataFrame({("Share", ""): ["x"], ("Supported", "Year 1"): ["1"], ("Supported", "Year 2"): ["2"]})
    shown = table(frame)
    assert 'colspan="2"' in shown.to_html() and "\\multicolumn{2}{c}{\\textbf{Supported}}" in shown.to_latex()
