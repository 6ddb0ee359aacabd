"""The interactive gap map's data: the same counts as the static map, and filters that mean what they say."""

from __future__ import annotations

import json
import re

import pytest

import schoolcollab as sc
from schoolcollab.evidence import synthesis as syn
from schoolcollab.evidence.gap_cells import GapFilter, gap_map_cells, map_families
from schoolcollab.present.gap_map_view import _json_for_script, gap_map_data, interactive_gap_map


@pytest.fixture(scope="module")
def ev():
    return sc.evidence_base()


def test_unfiltered_cells_have_the_static_maps_counts_and_statuses(ev) -> None:
    matrix = syn.evidence_matrix(ev.tables, ev.codebook)
    cells = gap_map_cells(ev.tables, ev.codebook)
    families = map_families(ev.tables, ev.codebook)
    # the static map drops the columns with no source; so does the interactive one
    static = matrix[matrix["family"].isin(families)].set_index(["theme", "family"])
    assert set(matrix.loc[matrix["sources"] > 0, "family"]) == set(families)
    mine = cells.set_index(["theme", "family"])
    assert mine.index.equals(static.index)
    assert (mine["sources"] == static["sources"]).all()
    assert (mine["empirical_sources"] == static["empirical_sources"]).all()
    gaps = syn.gap_map(matrix).set_index(["theme", "family"])["status"]
    for cell, status in mine["status"].items():
        assert status == gaps.get(cell, "evidence"), cell


def test_every_listed_source_passes_the_filter_and_no_passing_source_is_missing(ev) -> None:
    src = ev.tables.sources.set_index("key")
    findings = syn.findings_by_family(ev.tables)
    keep = GapFilter(design="case_study", direction="positive", year_from=2005, year_to=2012)
    cells = gap_map_cells(ev.tables, ev.codebook, keep)
    assert 0 < cells["sources"].sum() < gap_map_cells(ev.tables, ev.codebook)["sources"].sum()
    for cell in cells.itertuples():
        for key in cell.keys:
            assert src.at[key, "design"] == "case_study" and 2005 <= src.at[key, "year"] <= 2012
        expected = findings[
            (findings["theme"] == cell.theme)
            & (findings["family"] == cell.family)
            & (findings["direction"] == "positive")
            & (findings["design"] == "case_study")
            & findings["year"].between(2005, 2012)
        ]["key"]
        assert cell.keys == tuple(sorted(set(expected))), (cell.theme, cell.family)


def test_country_and_phase_filters_keep_only_sources_that_studied_them(ev) -> None:
    src = ev.tables.sources.set_index("key")
    for keep, column, value in (
        (GapFilter(country="england"), "countries", "england"),
        (GapFilter(phase="primary"), "phases", "primary"),
    ):
        cells = gap_map_cells(ev.tables, ev.codebook, keep)
        keys = {k for ks in cells["keys"] for k in ks}
        assert keys and all(value in src.at[k, column] for k in keys)
        every = {k for ks in gap_map_cells(ev.tables, ev.codebook)["keys"] for k in ks}
        assert keys == {k for k in every if value in src.at[k, column]}


def test_a_filter_nobody_passes_leaves_every_cell_empty(ev) -> None:
    cells = gap_map_cells(ev.tables, ev.codebook, GapFilter(year_from=2100))
    assert (cells["sources"] == 0).all() and (cells["status"] == "none").all()


def test_the_page_data_holds_every_row_and_source_the_cells_count(ev) -> None:
    data = gap_map_data(ev)
    cells = gap_map_cells(ev.tables, ev.codebook)
    assert set(data["sources"]) == {k for ks in cells["keys"] for k in ks}
    assert [t for t, _ in data["themes"]] == list(dict.fromkeys(cells["theme"]))
    assert [f for f, _ in data["families"]] == list(dict.fromkeys(cells["family"]))
    for theme, family, key, _ in data["rows"]:
        assert key in cells.set_index(["theme", "family"]).at[(theme, family), "keys"]
    assert data["weak_below"] == syn.WEAK_BELOW
    assert data["options"]["design"] and all(d in ev.codebook.ids("designs") for d, _ in data["options"]["design"])


def test_data_from_authors_cannot_close_the_script_element() -> None:
    text = _json_for_script({"title": "a </script><script>alert(1)</script>"})
    assert "</script" not in text and json.loads(text)["title"].endswith("</script>")


def test_the_web_gets_html_with_data_script_and_style_inline_and_print_gets_the_static_figure(ev) -> None:
    bundle = interactive_gap_map(ev)._repr_mimebundle_()
    page = bundle["text/html"]
    assert 'class="sc-gm-data"' in page and "<style>" in page and "function" in page
    assert not re.search(r"""(src|href)=["']?https?://""", page)  # nothing fetched from elsewhere
    assert "image/png" not in bundle  # outside a kernel there is no formatter to draw the figure


@pytest.mark.slow  # starts two kernels
def test_only_a_kernel_executing_for_print_draws_the_static_figure(tmp_path) -> None:
    import os

    import nbformat
    from nbclient import NotebookClient

    from schoolcollab.inputs import PRINT_ENV

    from conftest import ROOT

    cell = "import schoolcollab as sc\nsc.present.interactive_gap_map(sc.evidence_base(), static=True)"
    shown = {}
    for edition, extra in (("web", {}), ("print", {PRINT_ENV: "1"})):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
        env = {k: v for k, v in os.environ.items() if k != PRINT_ENV}
        NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute(env={**env, **extra})
        shown[edition] = [sorted(o.get("data", {})) for o in nb.cells[0].outputs]
    assert shown["web"] == [["text/html", "text/plain"]]  # one output: the map, nothing drawn
    assert shown["print"] == [["application/pdf", "image/png", "text/html", "text/plain"]]  # and no stray figure
