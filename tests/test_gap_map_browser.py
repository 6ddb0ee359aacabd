"""The interactive gap map in Chromium (network cut off): its counts, filters, cell lists and keyboard use
agree with schoolcollab.evidence.gap_cells, computed from the same copy of the book."""

from __future__ import annotations

import pytest

import schoolcollab as sc
from schoolcollab.evidence.gap_cells import GapFilter, gap_map_cells

from browser_support import Visit

pytestmark = pytest.mark.slow
PAGE = "chapters/conclusions.html"


@pytest.fixture(scope="module")
def ev(site):
    project, _ = site
    return sc.evidence_base(project.root)


@pytest.fixture
def gap_map(site, browser):
    _, base = site
    visit = Visit(browser, base + PAGE)
    visit.page.wait_for_selector(".sc-gm-cell")
    yield visit
    assert not visit.errors, visit.errors
    assert not visit.outside, visit.outside
    visit.close()


def shown_counts(page) -> dict[tuple[str, str], int]:
    cells = page.eval_on_selector_all(
        ".sc-gm-cell", "bs => bs.map(b => [b.dataset.theme, b.dataset.family, Number(b.dataset.count)])"
    )
    return {(t, f): n for t, f, n in cells}


def expected_counts(ev, keep: GapFilter | None = None) -> dict[tuple[str, str], int]:
    cells = gap_map_cells(ev.tables, ev.codebook, GapFilter() if keep is None else keep)
    return {(c.theme, c.family): c.sources for c in cells.itertuples()}


def test_the_map_shows_every_cell_of_the_synthesis(gap_map, ev) -> None:
    assert shown_counts(gap_map.page) == expected_counts(ev)


@pytest.mark.parametrize(
    "choices, keep",
    [
        ({"design": "case_study"}, GapFilter(design="case_study")),
        ({"direction": "negative"}, GapFilter(direction="negative")),
        ({"country": "england", "phase": "primary"}, GapFilter(country="england", phase="primary")),
        (
            {"year_from": "2008", "year_to": "2012", "direction": "positive"},
            GapFilter(year_from=2008, year_to=2012, direction="positive"),
        ),
    ],
)
def test_filters_change_the_counts_as_the_synthesis_does(gap_map, ev, choices, keep) -> None:
    page = gap_map.page
    for name, value in choices.items():
        if name.startswith("year"):
            page.fill(f".sc-gm-filters input[name={name}]", value)
        else:
            page.select_option(f".sc-gm-filters select[name={name}]", value)
    want = expected_counts(ev, keep)
    assert want != expected_counts(ev)  # the filter does remove something
    assert shown_counts(page) == want
    kept = {k for c in gap_map_cells(ev.tables, ev.codebook, keep).itertuples() for k in c.keys}
    assert f"Showing {len(kept)} of" in page.inner_text(".sc-gm-status")
    page.click(".sc-gm-filters button[type=reset]")
    page.wait_for_function("document.querySelector('.sc-gm-status').textContent.startsWith('Showing all')")
    assert shown_counts(page) == expected_counts(ev)


def test_clicking_a_cell_lists_its_studies_with_links_to_references_and_explorer(gap_map, ev, site) -> None:
    page = gap_map.page
    cells = gap_map_cells(ev.tables, ev.codebook)
    busiest = cells.sort_values("sources", ascending=False).iloc[0]
    page.click(f".sc-gm-cell[data-theme={busiest['theme']}][data-family={busiest['family']}]")
    listed = page.eval_on_selector_all(".sc-gm-studies li", "lis => lis.map(li => li.dataset.key)")
    assert sorted(listed) == sorted(busiest["keys"])
    hrefs = page.eval_on_selector_all(".sc-gm-studies a", "as => as.map(a => a.getAttribute('href'))")
    assert {f"references.html#cite-{k}" for k in busiest["keys"]} | {
        f"explorer.html#source-{k}" for k in busiest["keys"]
    } == set(hrefs)
    project, _ = site
    references = (project.build_dir / "html" / "chapters" / "references.html").read_text(encoding="utf-8")
    assert all(f'id="cite-{k}"' in references for k in busiest["keys"])
    assert (
        page.get_attribute(
            f".sc-gm-cell[data-theme={busiest['theme']}][data-family={busiest['family']}]", "aria-pressed"
        )
        == "true"
    )


def test_a_keyboard_reaches_a_cell_with_tab_and_opens_it_with_enter(gap_map, ev) -> None:
    page = gap_map.page
    page.focus(".sc-gm-filters button[type=reset]")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, document.activeElement.dataset.theme,"
        " document.activeElement.dataset.family]"
    )
    assert "sc-gm-cell" in focused[0]
    page.keyboard.press("Enter")
    listed = page.eval_on_selector_all(".sc-gm-studies li", "lis => lis.map(li => li.dataset.key)")
    cells = gap_map_cells(ev.tables, ev.codebook).set_index(["theme", "family"])
    assert sorted(listed) == sorted(cells.at[(focused[1], focused[2]), "keys"])
    # a screen reader hears the cell's headers and its count in words, not a bare number
    name = page.evaluate("document.activeElement.textContent")
    assert "source" in name and ev.codebook.label("themes", focused[1]) in name
