"""Rendering details a reader or a reproducible build depends on."""
from __future__ import annotations

import pandas as pd

from schoolcollab.present.style import table


def test_tables_render_the_same_html_every_time_and_distinct_tables_get_distinct_ids() -> None:
    a = pd.DataFrame({"x": [1, 2], "y": ["p", "q"]})
    b = pd.DataFrame({"x": [1, 3], "y": ["p", "q"]})
    first, again, other = table(a).to_html(), table(a.copy()).to_html(), table(b).to_html()
    assert first == again            # rebuilt pages do not change when their data did not
    ids = {html.split('id="T_', 1)[1][:8] for html in (first, other)}
    assert len(ids) == 2             # two tables on one page never share CSS
