"""Accessibility: WCAG 2.2 AA, which readers in England's public sector are owed.

In the browser (slow): axe-core's WCAG 2.x A and AA rules on every page the build makes (found in
the build, so new pages are audited too), in the theme's light and dark colour modes, and on the
explorer with its filter panes open, with no violation; and a keyboard-only walk through the evidence
explorer (search boxes, filter panes, a filter picked and dropped, every sortable heading, Enter and
Space sort) with a visible focus ring of 3:1 at every stop. Without a browser (fast): the text of
every figure the package draws reaches WCAG's 4.5:1 against the pixels it is drawn on.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from axe_playwright_python.base import AXE_FILE_PATH

from schoolcollab.present import style
from schoolcollab.present.style import contrast_ratio, relative_luminance, text_colour_on

from browser_support import MAIN_TABLES, Visit, pages, rows, visits
from conftest import ROOT

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MODES = ("light", "dark")
# what the theme's own colour switch stores; "auto" (the book's default) would follow the system instead
SET_MODE = "localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
DRAWN = f"() => {MAIN_TABLES}.every(t => t.closest('.dt-container') && t.querySelector('tbody tr'))"
SHOWN_NODES = 3
AXE = AXE_FILE_PATH  # axe-core's own script, as axe-playwright-python ships it


def axe_violations(page) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.x A/AA rules on the page as it is now (axe is already in the
    page: :data:`AXE` runs before the page's own scripts, so it is compiled while the page loads)."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", options)


def audit(visit: Visit, html: Path) -> list[dict[str, Any]]:
    """axe's violations on the visit's page; the page's own errors stay in ``visit.errors``.

    axe reads each stylesheet again to check its media queries, and resolves an ``@import`` against
    the page instead of the stylesheet (the theme's styles/theme.css imports "../basic.css"), so it
    asks for a file that does not exist. Those requests are axe's, not the book's: they are set aside
    here, and only if the file they meant is one the book does publish under _static/.
    """
    before = len(visit.errors)
    violations = axe_violations(visit.page)
    from_axe = visit.errors[before:]
    del visit.errors[before:]
    for error in from_axe:
        missing = re.match(r"404 (\S+)$", error)
        if missing:
            assert (html / "_static" / missing.group(1).rsplit("/", 1)[-1]).is_file(), error
        else:
            assert error.startswith("Failed to load resource: the server responded with a status of 404"), error
    return violations


def report(where: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per violated rule: where, the rule, its impact, how many nodes and the first few."""
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:SHOWN_NODES]]
        more = f" (+{len(v['nodes']) - SHOWN_NODES} more)" if len(v["nodes"]) > SHOWN_NODES else ""
        lines.append(f"{where}: {v['id']} [{v['impact']}] {len(v['nodes'])} nodes: {'; '.join(targets)}{more}")
    return lines


def in_mode(mode: str) -> dict[str, Any]:
    """:class:`Visit` options for pages that start in colour ``mode`` (set the way the theme's switch
    sets it) with axe-core in them, and that count HTTP errors among their complaints."""
    return {"scripts": (SET_MODE.format(mode=mode), AXE), "statuses": True}


def drawn(visit: Visit, mode: str) -> None:
    """Wait until the visit's explorer tables (if any) are drawn; check the page is in ``mode``."""
    if visit.page.locator("table[id^='itables_']").count():
        visit.page.wait_for_function(DRAWN)
    theme = visit.page.evaluate("document.documentElement.dataset.theme")
    assert theme == mode, f"{visit.page.url}: asked for {mode} mode, the page shows {theme}"


def toc_files() -> int:
    """How many pages the table of contents lists (the root page and every chapter)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return 1 + sum(len(part["chapters"]) for part in toc["parts"])


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_every_page_passes_axe_wcag_aa(site, browser, mode: str) -> None:
    project, base = site
    found, html = pages(project), project.build_dir / "html"
    assert len(found) >= toc_files()  # every chapter, plus search and the index
    problems: list[str] = []
    complaints: dict[str, tuple[list[str], list[str]]] = {}
    # several pages load at once while one is audited (each in its own context, as a reader's tab)
    for rel, visit in zip(found, visits(browser, [base + rel for rel in found], **in_mode(mode)), strict=True):
        drawn(visit, mode)
        problems += report(f"{rel} ({mode})", audit(visit, html))
        if visit.page.locator(".dtsp-showAll").count():  # and with the explorer's filter panes open
            for button in visit.page.locator(".dtsp-showAll").all():
                button.click()
            visit.page.wait_for_timeout(300)
            problems += report(f"{rel} ({mode}, filter panes open)", audit(visit, html))
        if visit.errors or visit.outside:
            complaints[rel] = (visit.errors, visit.outside)
        visit.close()
    assert not problems, "\n".join(problems)
    assert not complaints, complaints


# -- the keyboard -----------------------------------------------------------------------------------
FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  const bg = [];                       // the backgrounds behind it, nearest first, down to an opaque one
  for (let a = e; a; a = a.parentElement) {
    const c = getComputedStyle(a).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(c)) bg.push(c);
    if (/^rgb\\(/.test(c)) break; }
  bg.push('rgb(255, 255, 255)');       // the canvas, should nothing be opaque
  return { tag: e.tagName, id: e.id, cls: String(e.className), text: (e.getAttribute('aria-label') ||
    e.innerText || '').trim().slice(0, 40), body: e === document.body, visible: e.matches(':focus-visible'),
    search: !!e.closest('.dt-search') && !!e.closest('.dt-container')?.querySelector('table[id^="itables_"]'),
    pane: !!e.closest('.dtsp-searchPane'), option: e.matches('.dtsp-searchPane tbody tr'),
    collapse: e.matches('.dtsp-collapseButton'), header: e.matches('th .dt-column-order, th[tabindex]') &&
    !!e.closest('.dt-scroll-head, thead'), tables: [...document.querySelectorAll('.dt-container')].filter(
    c => c.querySelector('table[id^="itables_"]')).indexOf(e.closest('.dt-container')),
    outline: [s.outlineStyle, s.outlineWidth, s.outlineColor], shadow: s.boxShadow, bg }; }"""
COLOUR = re.compile(r"rgba?\(([^)]*)\)")


def rgb(css: str) -> tuple[tuple[float, float, float], float]:
    """A computed CSS colour as (r, g, b) in 0-1 and its alpha."""
    parts = [float(p) for p in re.split(r"[,\s/]+", COLOUR.search(css).group(1).strip()) if p]
    return tuple(p / 255 for p in parts[:3]), (parts[3] if len(parts) > 3 else 1.0)


def backdrop(layers: list[str]) -> tuple[float, float, float]:
    """The colour seen behind an element: its backgrounds laid over each other, farthest first."""
    seen = rgb(layers[-1])[0]
    for layer in reversed(layers[:-1]):
        colour, alpha = rgb(layer)
        seen = tuple(alpha * c + (1 - alpha) * s for c, s in zip(colour, seen, strict=False))
    return seen


def indicator(stop: dict[str, Any]) -> tuple[tuple[float, float, float], float] | None:
    """The focus ring the element draws (an outline, or a solid box shadow) and its width in px."""
    style_, width, colour = stop["outline"]
    if style_ != "none" and float(width.removesuffix("px")) > 0 and rgb(colour)[1] > 0:
        return rgb(colour)[0], float(width.removesuffix("px"))
    for shadow in re.split(r",(?![^(]*\))", stop["shadow"]) if stop["shadow"] != "none" else []:
        colour = COLOUR.search(shadow)
        lengths = [float(n) for n in re.findall(r"(-?[\d.]+)px", COLOUR.sub("", shadow))]
        spread = max(abs(n) for n in lengths) if lengths else 0
        if colour and rgb(colour.group())[1] > 0 and spread > 0:
            return rgb(colour.group())[0], spread
    return None


def sorted_years(page) -> list[int]:
    """The Year column of the sources table, as shown."""
    return [int(r[2]) for r in rows(page)]


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_explorer_by_keyboard_alone_with_focus_always_visible(site, browser, mode: str) -> None:
    _, base = site
    url = base + "chapters/explorer.html"
    visit = Visit(browser, url, **in_mode(mode))
    drawn(visit, mode)
    page = visit.page
    panes = page.locator(".dtsp-searchPane:visible").count()
    headers = page.evaluate(
        f"() => {MAIN_TABLES}.map(t => t.closest('.dt-container')"
        ".querySelectorAll('.dt-scroll-head th .dt-column-order').length)"
    )
    stops, unseen, sorted_by_keys, picked = [], [], None, None
    for _ in range(1500):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop["body"] or (stops and stop == stops[0]):
            break  # past the last control, or round to the first
        stops.append(stop)
        if stop["collapse"] and not any(s["collapse"] for s in stops[:-1]):
            page.keyboard.press("Enter")  # open the first filter pane, to pick from it
            page.wait_for_timeout(300)
        if stop["option"] and picked is None:
            shown = len(rows(page))
            page.keyboard.press("Enter")
            page.wait_for_timeout(400)
            chosen = len(rows(page))
            assert page.evaluate(FOCUSED)["option"]  # still on the option just chosen
            page.keyboard.press(" ")
            page.wait_for_timeout(400)
            picked = (shown, chosen, len(rows(page)))
        ring = indicator(stop)
        if not stop["visible"] or ring is None or ring[1] < 2 or contrast_ratio(ring[0], backdrop(stop["bg"])) < 3:
            unseen.append(f"{stop['tag']}.{stop['cls'][:40]} '{stop['text']}': ring {ring}, on {backdrop(stop['bg'])}")
        if stop["header"] and stop["tables"] == 0 and stop["text"].startswith("Year") and sorted_by_keys is None:
            page.keyboard.press("Enter")  # the sources come in year order: Enter keeps it
            page.wait_for_timeout(300)
            up = sorted_years(page)
            page.keyboard.press(" ")  # and Space turns it round
            page.wait_for_timeout(300)
            down = sorted_years(page)
            sorted_by_keys = (up, down)
            assert page.evaluate(FOCUSED)["text"].startswith("Year")  # sorting keeps the focus where it was
    assert stops and not stops[-1]["body"]
    assert not unseen, "focus not visible:\n" + "\n".join(unseen)
    reached = Counter((s["tables"], "search") for s in stops if s["search"])
    assert all(reached[(t, "search")] == 1 for t in range(len(headers))), reached  # each table's search box
    assert sum(s["pane"] for s in stops) >= panes > 0  # into every filter pane
    for t, n in enumerate(headers):
        assert n > 0 and sum(s["header"] and s["tables"] == t for s in stops) == n  # every sortable heading
    assert picked is not None, "no filter option could be reached"
    assert picked[1] < picked[0] == picked[2], picked  # Enter picks an option, Space drops it again
    assert sorted_by_keys is not None
    up, down = sorted_by_keys
    assert up == sorted(up) and down == sorted(down, reverse=True) and down[0] > up[0], sorted_by_keys
    assert not visit.errors and not visit.outside
    visit.close()


# -- figures ------------------------------------------------------------------------------------------
def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey on white
    assert contrast_ratio("#777777", "#ffffff") < 4.5
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)


def test_black_or_white_always_reads_on_any_cell() -> None:
    for grey in np.linspace(0, 1, 101):
        cell = (grey, grey, grey)
        assert contrast_ratio(text_colour_on(cell), cell) >= 4.5
    import matplotlib

    cmap = matplotlib.colormaps[style.SEQUENTIAL]
    assert all(contrast_ratio(text_colour_on(cmap(x)), cmap(x)) >= 4.5 for x in np.linspace(0, 1, 256))


def test_theme_text_colours_meet_4_5_to_1_on_the_figure_background() -> None:
    plt = style.theme()
    rc = plt.rcParams
    text = rc["text.color"]
    colours = {
        "text": text,
        "axes labels": rc["axes.labelcolor"],
        "titles": text if rc["axes.titlecolor"] == "auto" else rc["axes.titlecolor"],
        "x ticks": rc["xtick.color"] if rc["xtick.labelcolor"] == "inherit" else rc["xtick.labelcolor"],
        "y ticks": rc["ytick.color"] if rc["ytick.labelcolor"] == "inherit" else rc["ytick.labelcolor"],
        "legend": text if rc["legend.labelcolor"] in (None, "None") else rc["legend.labelcolor"],
    }
    saved = rc["figure.facecolor"] if rc["savefig.facecolor"] == "auto" else rc["savefig.facecolor"]
    for background in {rc["axes.facecolor"], rc["figure.facecolor"], saved}:
        for what, colour in colours.items():
            assert contrast_ratio(colour, background) >= 4.5, (what, colour, background)


FIGURES = (
    "gap_map_figure",
    "factor_figure",
    "factor_figure barriers",
    "impact_figure",
    "profile_figure",
    "prisma_figure",
    "selection_flow",
    "initiatives_timeline",
    "forest_plot",
    "balance_figure",
)


@pytest.fixture(scope="module")
def drawings() -> dict[str, Callable[[], Any]]:
    """Every figure the package draws, from the book's own data, as the chapters draw them."""
    import schoolcollab as sc
    import schoolcollab.study.replication as rp
    from schoolcollab.evidence import synthesis as syn
    from schoolcollab.load import evidence
    from schoolcollab.present import evidence_views as evv
    from schoolcollab.present import matched_study as ms
    from schoolcollab.present import prisma_views, review_tables

    ev = evidence(ROOT)
    coefs, _ = rp.published()
    replication = rp.replication(3)  # a few runs: the same colours as a hundred
    strategy = sc.search_strategy()
    return {
        "gap_map_figure": lambda: evv.gap_map_figure(ev),
        "factor_figure": lambda: evv.factor_figure(ev, "conditions"),
        "factor_figure barriers": lambda: evv.factor_figure(ev, "barriers"),
        "impact_figure": lambda: evv.impact_figure(ev),
        "profile_figure": lambda: evv.profile_figure(ev),
        "prisma_figure": lambda: prisma_views.prisma_figure(*sc.prisma_flow(ev)),
        "selection_flow": lambda: review_tables.selection_flow(
            strategy, len(ev.sources), syn.evidence_base_counts(ev.tables)["from_documents"]
        ),
        "initiatives_timeline": lambda: review_tables.initiatives_timeline(sc.initiatives()),
        "forest_plot": lambda: ms.forest_plot(coefs, replication.summary),
        "balance_figure": lambda: ms.balance_figure(replication.balance),
    }


def figure_functions() -> set[str]:
    """The names of the package's functions that return a matplotlib figure."""
    import schoolcollab.present as present
    from schoolcollab.present import evidence_views, matched_study, prisma_views, review_tables

    found = set()
    for module in (present, evidence_views, matched_study, prisma_views, review_tables):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if str(inspect.signature(fn).return_annotation).strip("'\"") == "Figure":
                found.add(name)
    return found


def background_of(pixels: np.ndarray, box: Any) -> list[tuple[float, float, float]]:
    """The colours covering at least a tenth of a text's box in a rendering without any text."""
    h = pixels.shape[0]
    x0, x1 = max(int(box.x0), 0), min(int(np.ceil(box.x1)), pixels.shape[1])
    y0, y1 = max(int(h - box.y1), 0), min(int(np.ceil(h - box.y0)), h)
    patch = pixels[y0:y1, x0:x1, :3].reshape(-1, 3)
    if not len(patch):
        return []
    colours, counts = np.unique(patch, axis=0, return_counts=True)
    return [tuple(c / 255) for c, n in zip(colours, counts, strict=False) if n >= 0.1 * len(patch)]


def test_every_figure_function_is_checked_for_text_contrast(drawings) -> None:
    assert set(drawings) == set(FIGURES)
    assert figure_functions() == {name.split()[0] for name in FIGURES}


@pytest.mark.parametrize("name", FIGURES)
def test_figure_text_meets_4_5_to_1_on_what_it_is_drawn_on(drawings, name: str) -> None:
    from matplotlib.colors import to_rgba
    from matplotlib.text import Text

    plt = style.theme()
    fig = drawings[name]()
    fig.canvas.draw()
    fig.set_layout_engine("none")  # hiding the text must not move what it was drawn on
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent() for t in texts]
    for t in texts:
        t.set_visible(False)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    poor = []
    for t, box in zip(texts, boxes, strict=False):
        r, g, b, a = to_rgba(t.get_color(), t.get_alpha())
        for ground in background_of(pixels, box):
            seen = tuple(a * c + (1 - a) * s for c, s in zip((r, g, b), ground, strict=False))  # the text as blended
            if contrast_ratio(seen, ground) < 4.5:
                poor.append(f"{t.get_text()!r}: {contrast_ratio(seen, ground):.2f}:1 on {ground}")
    plt.close(fig)
    assert texts and not poor, "\n".join(poor)
