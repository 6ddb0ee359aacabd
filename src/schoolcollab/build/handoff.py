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
ANNOUNCED = "announced.txt"  # the chapters this build executes, one docname a line (written before PLANNING goes)


def _marker(folder: Path, docname: str) -> Path:
    return folder / (docname.replace("/", "__") + ".running")


def hold(folder: Path) -> None:
    """Hold back every page until :func:`announce` (clearing markers an earlier, interrupted build left):
    Sphinx can then start while the build still works out which chapters to execute."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.running"):
        stale.unlink()
    (folder / ANNOUNCED).unlink(missing_ok=True)
    (folder / PLANNING).touch()


def announce(folder: Path, docnames: list[str]) -> None:
    """Mark ``docnames`` as about to execute (listed in the order they should be done), then let Sphinx
    read every other page."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docnames:
        _marker(folder, doc).touch()
    partial = folder / f".{ANNOUNCED}.partial"
    partial.write_text("".join(f"{doc}\n" for doc in docnames), encoding="utf-8")
    os.replace(partial, folder / ANNOUNCED)
    (folder / PLANNING).unlink(missing_ok=True)


def release(folder: Path, docname: str) -> None:
    """``docname`` is cached (or will not be): Sphinx may read it."""
    _marker(folder, docname).unlink(missing_ok=True)


def release_all(folder: Path) -> None:
    for marker in folder.glob("*.running"):
        marker.unlink(missing_ok=True)
    (folder / PLANNING).unlink(missing_ok=True)


def announced(parent: int, timeout: float) -> list[str] | None:
    """In Sphinx: the chapters the build is executing (waiting until it has planned them), in the order it
    expects them to be done; Sphinx must read them again whatever their records say. None without a
    hand-off, or if the build is gone or no list came within ``timeout`` seconds (Sphinx then works out
    which pages are outdated itself).

    Asked for before Sphinx compares each chapter's recorded inputs: the build's plan has just done that
    (it loaded the evidence base and called again what the chapters called), and has updated the record
    of every chapter that only looked changed, so the comparison left to Sphinx is quick.
    """
    folder = os.environ.get(HANDOFF_ENV)
    if not folder:
        return None
    planning, listed = Path(folder) / PLANNING, Path(folder) / ANNOUNCED
    start = time.monotonic()
    while planning.exists() and os.getppid() == parent and time.monotonic() - start < timeout:
        time.sleep(POLL_SECONDS)
    try:
        return listed.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None


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
