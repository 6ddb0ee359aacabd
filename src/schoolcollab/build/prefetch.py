"""Execute outdated chapters in parallel, straight into Jupyter Book's cache, while Sphinx reads.

Sphinx executes notebooks one page at a time, so a cold build would cost the sum of every chapter's
run. Here the chapters whose cache entry is missing run concurrently (one kernel per CPU), each under
the same cache token the Sphinx extension will inject and with its inputs recorded, and each is stored
in jupyter-cache, exactly as MyST-NB would store it, as soon as it finishes; Sphinx, started at the same
time, waits for each page it reads until that page is cached (:mod:`.handoff`), so finds it there.

All kernels are started from this one process: jupyter_client's port cache then keeps their ports
apart (kernels started by parallel Sphinx workers picked the same free port and failed). The order is
set by :func:`schedule` from each chapter's time at its last execution, kept in
``_build/execution-times.json`` (``--force`` keeps it, ``clean`` removes it). A chapter in which a cell
raises, or runs past the execution timeout, is reported here, naming the chapter, the cell's line and
the error or the timeout, and the build stops: Sphinx is never handed that chapter (it would only run it
again, and end in its crash report). A chapter that fails for any other reason (a kernel that did not
start) is left to Sphinx.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.cache.db import NbCacheRecord
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from sphinx_external_toc.parsing import parse_toc_yaml

from ..errors import display_path
from ..inputs import MANIFEST_ENV, PRINT_ENV
from ..paths import Project
from . import handoff
from .fingerprint import (
    STATE_DIR,
    add_refreshed,
    cache_token,
    one_look,
    pending_path,
    printable,
    record_execution,
)
from .fork_client import FORKS_ENV
from .kernel_forks import ForkServer, kernel_forks
from .kernel_managers import manager_options
from .parsed_chapters import read_chapter
from .shared_evidence import SHARED_ENV, share_in_background, shared_path
from .sphinx_ext import FP_KEY


@dataclass(frozen=True)
class CellFailure:
    """A code cell of a chapter that failed: where it is in the .md file and what went wrong."""

    path: Path
    line: int | None
    cell: int
    what: str  # "raised ValueError: ..." or why the cell was stopped

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}" if self.line else display_path(self.path)
        return f"{where}: code cell {self.cell} {self.what}"


def _locate(executed: nbformat.NotebookNode, index: int | None) -> tuple[int | None, int]:
    """The line in the chapter's source of the notebook cell ``index``, and its number among code cells."""
    code_cells = [i for i, c in enumerate(executed.cells) if c.cell_type == "code"]
    source_map = executed.metadata.get("source_map") or []
    line = source_map[index] + 1 if index is not None and index < len(source_map) else None
    return line, code_cells.index(index) + 1 if index in code_cells else 0


def cell_failure(chapter: Chapter, executed: nbformat.NotebookNode, exc: Exception) -> CellFailure:
    """Locate the cell that raised (the first with an error output) and its line in the chapter's source."""
    failed = next(
        (
            i
            for i, c in enumerate(executed.cells)
            if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
        ),
        None,
    )
    line, number = _locate(executed, failed)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return CellFailure(chapter.path, line, number, "raised " + f"{ename}: {evalue}".strip().rstrip(":"))


def cell_timeout(chapter: Chapter, executed: nbformat.NotebookNode, index: int | None, timeout: int) -> CellFailure:
    """The cell ``index`` ran past the per-cell timeout: say so, and where the timeout is set."""
    line, number = _locate(executed, index)
    return CellFailure(
        chapter.path,
        line,
        number,
        f"ran past the execution timeout of {timeout} s and was stopped; "
        "make it faster, or raise the timeout in _config.yml: execute.timeout",
    )


@dataclass(frozen=True)
class Chapter:
    docname: str
    path: Path
    notebook: nbformat.NotebookNode
    token: str


def notebook_chapters(project: Project, state_dir: Path, for_print: bool = False) -> list[Chapter]:
    """The toc's MyST notebooks, read as MyST-NB reads them (:mod:`.parsed_chapters`), with the token the
    extension will inject."""
    chapters = []
    for docname in parse_toc_yaml(project.root / "_toc.yml"):
        path = project.root / f"{docname}.md"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if "kernelspec:" not in text.split("\n---", 1)[0]:
            continue
        nb = read_chapter(docname, path, text, state_dir)
        token, _ = cache_token(project, state_dir, docname, for_print)
        nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], FP_KEY: token}
        chapters.append(Chapter(docname, path, nb, token))
    return chapters


async def _execute(
    chapter: Chapter,
    state_dir: Path,
    timeout: int,
    slots: asyncio.Semaphore,
    log: IO[str],
    shared: dict[str, str] | None = None,
) -> tuple[Chapter, nbformat.NotebookNode | CellFailure | None, float]:
    async with slots:
        log.write(f"{chapter.path}: executing ahead of Sphinx\n")
        log.flush()
        pending = pending_path(state_dir, chapter.docname)
        pending.unlink(missing_ok=True)
        pending.touch()
        nb = nbformat.from_dict(chapter.notebook)
        # "immediate": once every cell has run and its outputs are in, the kernel holds nothing more;
        # a graceful shutdown kept the chapter's slot idle for 0.3 s (0.1 s this way)
        running: list[int] = []  # the notebook index of the cell executing, for a timeout to name it
        client = NotebookClient(
            nb,
            **manager_options(forked=FORKS_ENV in (shared or {})),
            timeout=timeout,
            allow_errors=False,
            record_timing=False,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(chapter.path.parent)}},
            on_cell_execute=lambda cell, cell_index: running.append(cell_index),
        )
        start = time.perf_counter()
        try:
            # The kernel's own chatter goes to the build log, not the author's terminal.
            env = {
                **os.environ,
                MANIFEST_ENV: str(pending),
                **(shared or {}),  # where the build's evidence base is (shared_evidence), the fork server
                **({PRINT_ENV: "1"} if printable(chapter.token) else {}),
            }
            await client.async_execute(env=env, stdout=log, stderr=log)
        except CellExecutionError as exc:  # the author's code raised: say where, and stop the build
            pending.unlink(missing_ok=True)
            failure = cell_failure(chapter, nb, exc)
            log.write(f"{failure}\n{exc}\n")
            return chapter, failure, time.perf_counter() - start
        except CellTimeoutError as exc:  # Sphinx would run it again to the same timeout, then crash
            pending.unlink(missing_ok=True)
            failure = cell_timeout(chapter, nb, running[-1] if running else None, timeout)
            log.write(f"{failure}\n{exc}\n")
            return chapter, failure, time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001 - e.g. a kernel that did not start: Sphinx runs it again
            pending.unlink(missing_ok=True)
            log.write(f"{chapter.path}: failed ahead of Sphinx ({type(exc).__name__}); Sphinx will run it again\n")
            return chapter, None, time.perf_counter() - start
        log.write(f"{chapter.path}: executed in {time.perf_counter() - start:.2f} s\n")
        return chapter, nb, time.perf_counter() - start


async def _execute_all(
    chapters: list[Chapter],
    state_dir: Path,
    timeout: int,
    jobs: int,
    log: IO[str],
    on_done: Callable[[Chapter, nbformat.NotebookNode | CellFailure | None, float], None],
    on_progress: Callable[[str, int, str], None] | None,
    shared: dict[str, str],
) -> None:
    slots = asyncio.Semaphore(jobs)
    tasks = [asyncio.ensure_future(_execute(c, state_dir, timeout, slots, log, shared)) for c in chapters]
    for k, finished in enumerate(asyncio.as_completed(tasks), start=1):
        chapter, executed, seconds = await finished
        on_done(chapter, executed, seconds)
        if on_progress:
            on_progress("executing chapters", round(100 * k / len(tasks)), chapter.docname)


TIMES = "execution-times.json"


def read_times(project: Project) -> dict[str, float]:
    """Seconds each chapter took when it last executed (empty when unknown or unreadable: it is a hint)."""
    try:
        times = json.loads((project.build_dir / TIMES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in times.items() if isinstance(v, (int, float))} if isinstance(times, dict) else {}


def write_times(project: Project, seconds: dict[str, float]) -> None:
    times = {**read_times(project), **{k: round(v, 3) for k, v in seconds.items()}}
    path = project.build_dir / TIMES
    partial = path.with_name(f".{TIMES}.partial")
    partial.write_text(json.dumps(times, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def schedule(chapters: list[Chapter], times: dict[str, float], jobs: int) -> list[Chapter]:
    """The order to start chapters in: any chapter known to take more than a quarter of one core's share
    of the work first, longest first (started last, one such chapter kept a core busy while the other
    sat idle); then the rest in the order Sphinx reads pages (sorted by name), so Sphinx, reading
    alongside, finds the next page ready. Chapters never timed count as short."""
    share = sum(times.get(c.docname, 0.0) for c in chapters) / max(jobs, 1)
    long = sorted((c for c in chapters if times.get(c.docname, 0.0) > share / 4), key=lambda c: -times[c.docname])
    return long + sorted((c for c in chapters if c not in long), key=lambda c: c.docname)


UNTIMED_SECONDS = 0.5  # a chapter never timed, in the estimate of when each will be done


def finish_order(chapters: list[Chapter], times: dict[str, float], jobs: int) -> list[str]:
    """The docnames of ``chapters``, started in this order on ``jobs`` slots, in the order they should
    finish by their last times: the order Sphinx reads them in (:mod:`.handoff`)."""
    free = [0.0] * max(jobs, 1)
    ends = []
    for index, chapter in enumerate(chapters):
        start = heapq.heappop(free)
        end = start + times.get(chapter.docname, UNTIMED_SECONDS)
        heapq.heappush(free, end)
        ends.append((end, index, chapter.docname))
    return [docname for _, _, docname in sorted(ends)]


def execution_timeout(project: Project) -> int:
    """The per-cell timeout the book's ``_config.yml`` sets for Sphinx, used here too."""
    return int((project.config().get("execute") or {}).get("timeout", 300))


@dataclass
class Prefetched:
    executed: list[str]
    failures: list[CellFailure]


def _dirs(stage: Path) -> tuple[Path, Path]:
    state_dir = stage / "_build" / STATE_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    return state_dir, stage / "_build" / ".jupyter_cache"


def plan(project: Project, stage: Path, jobs: int, for_print: bool = False) -> list[Chapter]:
    """The chapters without a cache entry (for the print edition too, with ``for_print``), in the
    order they should start."""
    state_dir, cache_dir = _dirs(stage)
    cache = get_cache(str(cache_dir))
    todo = []
    with one_look():  # every chapter names the package and most name the same records: hash each once
        chapters = notebook_chapters(project, state_dir, for_print)
    for chapter in chapters:
        try:
            cache.match_cache_notebook(chapter.notebook)
        except KeyError:
            todo.append(chapter)
    return schedule(todo, read_times(project), jobs)


def repair_cache(stage: Path) -> int:
    """Drop cache entries a killed build left half-written; returns how many.

    jupyter-cache records an executed notebook in its database, then writes the notebook's file; a
    build killed in between (or while writing) leaves a record MyST-NB cannot read, which would fail
    every later build. Such a chapter simply executes again.
    """
    cache_dir = stage / "_build" / ".jupyter_cache"
    if not cache_dir.is_dir():
        return 0
    cache = get_cache(str(cache_dir))
    broken = []
    for record in cache.list_cache_records():
        try:
            cache.get_cache_bundle(record.pk)
        except Exception:  # noqa: BLE001 - missing or truncated file: the entry is unusable either way
            broken.append(record)
    for record in broken:
        shutil.rmtree(cache_dir / "executed" / record.hashkey, ignore_errors=True)
    NbCacheRecord.remove_records([r.pk for r in broken], cache.db)
    return len(broken)


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def prefetch(
    project: Project,
    stage: Path,
    todo: list[Chapter],
    log: IO[str],
    jobs: int | None = None,
    on_progress: Callable[[str, int, str], None] | None = None,
    handoff_dir: Path | None = None,
    on_failure: Callable[[CellFailure], None] | None = None,
    forks: ForkServer | None = None,
) -> Prefetched:
    """Execute ``todo`` (see :func:`plan`), caching each chapter as soon as it finishes and, with
    ``handoff_dir``, releasing it to Sphinx (:mod:`.handoff`). A chapter whose cell raised or timed out
    is not released: ``on_failure`` is told first (the build stops Sphinx there), and its marker stays
    until every chapter is done. ``forks``: a fork server already started for this build, used for any
    number of chapters and stopped once they have run. Returns the docnames executed and the cells that failed."""
    if not todo:
        if forks is not None:
            forks.stop()  # its imports would only take a core from Sphinx
        return Prefetched([], [])
    timeout = execution_timeout(project)
    state_dir, cache_dir = _dirs(stage)
    cache = get_cache(str(cache_dir))
    done, failures, timed = [], [], {}

    def store(chapter: Chapter, executed: nbformat.NotebookNode | CellFailure | None, seconds: float) -> None:
        handed = True
        try:
            if executed is not None:
                timed[chapter.docname] = seconds
            if isinstance(executed, CellFailure):
                # Released now, Sphinx would start executing the chapter before the build could stop it
                failures.append(executed)
                handed = False
                if on_failure is not None:
                    on_failure(executed)
            elif executed is not None:
                # Marked for Sphinx to read again first: if the build is killed after the record below,
                # the next build must still re-render this page, not find it up to date.
                add_refreshed(state_dir, [chapter.docname])
                record = cache.add_nb_to_project(str(chapter.path), read_data={"type": "plugin", "name": "myst_nb_md"})
                cache.cache_notebook_bundle(
                    CacheBundleIn(executed, record.uri, data={"execution_seconds": seconds}),
                    check_validity=False,
                    overwrite=True,
                )
                record_execution(project, state_dir, chapter.docname, chapter.token)
                done.append(chapter.docname)
        finally:
            if handoff_dir is not None and handed:
                handoff.release(handoff_dir, chapter.docname)

    # the evidence base, loaded once for every chapter while the fork server imports (shared_evidence),
    # and kernels forked warm from that server (kernel_forks): costs worth paying for two chapters or more
    shared_file = shared_path(state_dir)
    sharing = share_in_background(project, shared_file) if len(todo) > 1 else None
    shared = {SHARED_ENV: str(shared_file)} if sharing else {}
    try:
        warm: AbstractContextManager[dict[str, str]] = (
            nullcontext(forks.environment(log))
            if forks is not None
            else kernel_forks(log)
            if len(todo) > 1
            else nullcontext({})
        )
        with warm as forking:
            asyncio.run(
                _execute_all(
                    todo,
                    state_dir,
                    timeout,
                    min(len(todo), jobs or default_jobs()),
                    log,
                    store,
                    on_progress,
                    {**shared, **forking},
                )
            )
    finally:
        if forks is not None:
            forks.stop()  # every kernel is forked: stopped here, while Sphinx still reads, not after it
        if sharing is not None:
            sharing.join()
            shared_file.unlink(missing_ok=True)
        if handoff_dir is not None:
            handoff.release_all(handoff_dir)
        write_times(project, timed)
    return Prefetched(sorted(done), sorted(failures, key=lambda f: str(f.path)))
