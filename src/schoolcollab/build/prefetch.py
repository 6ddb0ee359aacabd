"""Execute outdated chapters in parallel before Sphinx runs, straight into Jupyter Book's cache.

Sphinx executes notebooks one page at a time, so a cold build costs the sum of every chapter's run.
Here the chapters whose cache entry is missing run concurrently (one kernel per CPU), each under the
same cache token the Sphinx extension will inject and with its inputs recorded, and their outputs are
stored in jupyter-cache exactly as MyST-NB would store them. Sphinx then finds every chapter cached.

All kernels are started from this one process: jupyter_client's port cache then keeps their ports
apart (kernels started by parallel Sphinx workers picked the same free port and failed). A chapter
in which a cell raises is reported here, naming the chapter, the cell's line and the error, and the build
stops; a chapter that fails for any other reason (a kernel that did not start) is left to Sphinx.
"""
from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from myst_nb.core.read import read_myst_markdown_notebook
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from sphinx_external_toc.parsing import parse_toc_yaml

from ..errors import display_path
from ..inputs import MANIFEST_ENV
from ..paths import Project
from .fingerprint import add_refreshed, cache_token, pending_path, record_execution
from .sphinx_ext import FP_KEY


@dataclass(frozen=True)
class CellFailure:
    """A code cell of a chapter that raised: where it is in the .md file and what it raised."""

    path: Path
    line: int | None
    cell: int
    error: str

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}" if self.line else display_path(self.path)
        return f"{where}: code cell {self.cell} raised {self.error}"


def cell_failure(chapter: "Chapter", executed: nbformat.NotebookNode, exc: Exception) -> CellFailure:
    """Locate the cell that raised (the first with an error output) and its line in the chapter's source."""
    code_cells = [i for i, c in enumerate(executed.cells) if c.cell_type == "code"]
    failed = next((i for i in code_cells if any(o.get("output_type") == "error" for o in executed.cells[i].get("outputs", []))),
                  None)
    source_map = executed.metadata.get("source_map") or []
    line = source_map[failed] + 1 if failed is not None and failed < len(source_map) else None
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    number = code_cells.index(failed) + 1 if failed is not None else 0
    return CellFailure(chapter.path, line, number, f"{ename}: {evalue}".strip().rstrip(":"))


@dataclass(frozen=True)
class Chapter:
    docname: str
    path: Path
    notebook: nbformat.NotebookNode
    token: str


def notebook_chapters(project: Project, state_dir: Path) -> list[Chapter]:
    """The toc's MyST notebooks, read as MyST-NB reads them, with the token the extension will inject."""
    chapters = []
    for docname in parse_toc_yaml(project.root / "_toc.yml"):
        path = project.root / f"{docname}.md"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if "kernelspec:" not in text.split("\n---", 1)[0]:
            continue
        nb = read_myst_markdown_notebook(text, add_source_map=True, path=path)
        token, _ = cache_token(project, state_dir, docname)
        nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], FP_KEY: token}
        chapters.append(Chapter(docname, path, nb, token))
    return chapters


async def _execute(chapter: Chapter, state_dir: Path, timeout: int, slots: asyncio.Semaphore, log: IO[str],
                   ) -> tuple[Chapter, nbformat.NotebookNode | CellFailure | None, float]:
    async with slots:
        log.write(f"{chapter.path}: executing ahead of Sphinx\n")
        log.flush()
        pending = pending_path(state_dir, chapter.docname)
        pending.unlink(missing_ok=True)
        pending.touch()
        nb = nbformat.from_dict(chapter.notebook)
        client = NotebookClient(nb, timeout=timeout, allow_errors=False, record_timing=False,
                                resources={"metadata": {"path": str(chapter.path.parent)}})
        start = time.perf_counter()
        try:
            # The kernel's own chatter goes to the build log, not the author's terminal.
            await client.async_execute(env={**os.environ, MANIFEST_ENV: str(pending)}, stdout=log, stderr=log)
        except CellExecutionError as exc:  # the author's code raised: say where, and stop the build
            pending.unlink(missing_ok=True)
            failure = cell_failure(chapter, nb, exc)
            log.write(f"{failure}\n{exc}\n")
            return chapter, failure, time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001 - e.g. a kernel that did not start: Sphinx runs it again
            pending.unlink(missing_ok=True)
            log.write(f"{chapter.path}: failed ahead of Sphinx ({type(exc).__name__}); Sphinx will run it again\n")
            return chapter, None, time.perf_counter() - start
        log.write(f"{chapter.path}: executed in {time.perf_counter() - start:.2f} s\n")
        return chapter, nb, time.perf_counter() - start


async def _execute_all(chapters: list[Chapter], state_dir: Path, timeout: int, jobs: int, log: IO[str],
                       on_progress: Callable[[str, int, str], None] | None):
    slots = asyncio.Semaphore(jobs)
    tasks = [asyncio.ensure_future(_execute(c, state_dir, timeout, slots, log)) for c in chapters]
    results = []
    for k, finished in enumerate(asyncio.as_completed(tasks), start=1):
        chapter, nb, seconds = await finished
        results.append((chapter, nb, seconds))
        if on_progress:
            on_progress("executing chapters", round(100 * k / len(tasks)), chapter.docname)
    return results


def execution_timeout(project: Project) -> int:
    """The per-cell timeout the book's ``_config.yml`` sets for Sphinx, used here too."""
    return int((project.config().get("execute") or {}).get("timeout", 300))


@dataclass
class Prefetched:
    executed: list[str]
    failures: list[CellFailure]


def prefetch(project: Project, stage: Path, log: IO[str], jobs: int | None = None,
             on_progress: Callable[[str, int, str], None] | None = None) -> Prefetched:
    """Execute every chapter without a cache entry: the docnames executed, and the cells that raised."""
    timeout = execution_timeout(project)
    state_dir = stage / "_build" / ".schoolcollab-inputs"
    state_dir.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(stage / "_build" / ".jupyter_cache"))
    todo = []
    for chapter in notebook_chapters(project, state_dir):
        try:
            cache.match_cache_notebook(chapter.notebook)
        except KeyError:
            todo.append(chapter)
    if not todo:
        return Prefetched([], [])
    jobs = jobs or max(1, min(len(todo), os.cpu_count() or 1))
    done, failures = [], []
    for chapter, executed, seconds in asyncio.run(_execute_all(todo, state_dir, timeout, jobs, log, on_progress)):
        if isinstance(executed, CellFailure):
            failures.append(executed)
            continue
        if executed is None:
            continue
        record = cache.add_nb_to_project(str(chapter.path), read_data={"type": "plugin", "name": "myst_nb_md"})
        cache.cache_notebook_bundle(CacheBundleIn(executed, record.uri, data={"execution_seconds": seconds}),
                                    check_validity=False, overwrite=True)
        record_execution(project, state_dir, chapter.docname, chapter.token)
        done.append(chapter.docname)
    add_refreshed(state_dir, done)
    return Prefetched(sorted(done), sorted(failures, key=lambda f: str(f.path)))
