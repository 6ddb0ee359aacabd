"""Hand chapters from the parallel executor to Sphinx one by one, so the two overlap.

Sphinx starts while the build is still planning and the chapters still execute (:mod:`.prefetch`): its
start-up and the reading of every page already cached then use the core a kernel leaves idle, instead
of all waiting for the last chapter. Before it plans, the build leaves a marker that holds back every
page, in a folder named by ``SCHOOLCOLLAB_HANDOFF``; once it knows which chapters to run it leaves a
marker per chapter, then removes the first; it removes a chapter's marker once that chapter is in the
execution cache. Sphinx, about to read a page, waits while either marker is there, and so finds it
cached. If the build process is gone (killed), Sphinx stops waiting and reads the page as usual.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

HANDOFF_ENV = "SCHOOLCOLLAB_HANDOFF"
POLL_SECONDS = 0.05


PLANNING = "plan.pending"  # no page is read while it exists: which chapters will execute is not known yet


def _marker(folder: Path, docname: str) -> Path:
    return folder / (docname.replace("/", "__") + ".running")


def hold(folder: Path) -> None:
    """Hold back every page until :func:`announce` (clearing markers an earlier, interrupted build left):
    Sphinx can then start while the build still works out which chapters to execute."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.running"):
        stale.unlink()
    (folder / PLANNING).touch()


def announce(folder: Path, docnames: list[str]) -> None:
    """Mark ``docnames`` as about to execute, then let Sphinx read every other page."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docnames:
        _marker(folder, doc).touch()
    (folder / PLANNING).unlink(missing_ok=True)


def release(folder: Path, docname: str) -> None:
    """``docname`` is cached (or will not be): Sphinx may read it."""
    _marker(folder, docname).unlink(missing_ok=True)


def release_all(folder: Path) -> None:
    for marker in folder.glob("*.running"):
        marker.unlink(missing_ok=True)
    (folder / PLANNING).unlink(missing_ok=True)


def wait_for(docname: str, parent: int, timeout: float) -> float:
    """In Sphinx: wait until the build has released ``docname``; returns the seconds waited.

    Gives up when the process that started Sphinx is no longer its parent (the build was killed) or
    after ``timeout`` seconds; the page is then read, and executed, as if there were no hand-off.
    """
    folder = os.environ.get(HANDOFF_ENV)
    if not folder:
        return 0.0
    marker, planning = _marker(Path(folder), docname), Path(folder) / PLANNING
    start = time.monotonic()
    while (planning.exists() or marker.exists()) and os.getppid() == parent and time.monotonic() - start < timeout:
        time.sleep(POLL_SECONDS)
    return time.monotonic() - start
