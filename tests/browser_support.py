"""What the browser tests share: one page load with its complaints, the book's pages, the explorer's rows.

The fixtures (``site``: one built copy of the book, served; ``browser``: Debian's Chromium) are in
conftest.py, once per test session, since every browser test only reads the built book.
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from schoolcollab.paths import Project

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL = {"127.0.0.1", "localhost"}


class Visit:
    """One page load with everything the page asked for, and everything it complained about.

    ``settled=False`` only starts the load: :meth:`settle` then waits for the network to go quiet, so
    that several pages can load, and sit out their quiet half-second, at once (:func:`visits`).
    ``scripts`` run in every page of the visit before the page's own (Playwright's init scripts: a
    string of JavaScript, or a Path to a file of it); ``statuses`` also counts each HTTP error answer
    among the complaints, as "404 <url>".
    """

    def __init__(self, browser, url: str, *, settled: bool = True, scripts: tuple = (), statuses: bool = False):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        for script in scripts:
            self.context.add_init_script(**({"path": script} if isinstance(script, Path) else {"script": script}))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        if statuses:
            self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.context.route("**/*", self._route)
        self.page.goto(url, wait_until="networkidle" if settled else "commit")

    def settle(self) -> Visit:
        """Wait until the page has loaded and made no request for half a second (Playwright's networkidle)."""
        self.page.wait_for_load_state("networkidle")
        return self

    def _route(self, route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def close(self) -> None:
        self.context.close()


AHEAD = 4  # pages loading while the one before them is looked at


def visits(browser, urls: list[str], ahead: int = AHEAD, **options) -> Iterator[Visit]:
    """A settled :class:`Visit` of each of ``urls`` in turn, each in its own browser context, while the next
    ``ahead`` load: the half-second of quiet each page is given then passes for several pages at once.
    ``options`` go to each :class:`Visit`. The caller closes each visit; those not yet handed out are
    closed if the caller stops early."""
    pending: deque[Visit] = deque()
    try:
        for url in urls:
            pending.append(Visit(browser, url, settled=False, **options))
            if len(pending) > ahead:
                yield pending.popleft().settle()
        while pending:
            yield pending.popleft().settle()
    finally:
        for visit in pending:
            visit.close()


def pages(project: Project) -> list[str]:
    html = project.build_dir / "html"
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html") if "_static" not in p.parts)


# the explorer's own tables (itables ids them), not the little tables inside its filter panes
MAIN_TABLES = """[...document.querySelectorAll('table[id^="itables_"]')]"""


def rows(page, table: int = 0) -> list[list[str]]:
    """The visible rows of the page's ``table``-th explorer table (not its filter panes' tables)."""
    return page.evaluate(f"""() => {MAIN_TABLES}[{table}].querySelector('tbody')
        .querySelectorAll('tr').values().toArray()
        .map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))""")
