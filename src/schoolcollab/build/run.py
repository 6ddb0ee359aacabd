"""Run Jupyter Book in a staging folder and publish ``_build/html`` only when the build succeeds."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from ..paths import Project
from . import handoff
from .downloads import current_pdf, download_files, write_downloads
from .fingerprint import STATE_DIR, digest, evidence_as_now, forget_executions
from .kernel_forks import code_digest
from .publish import publish, publish_file
from .sphinx_process import (
    STOP_SECONDS,
    follow_jupyter_book,
    handoff_dir_of,
    stage_dir,
    start_jupyter_book,
)

if TYPE_CHECKING:
    from .kernel_forks import ForkServer
    from .prefetch import Prefetched

# .prefetch (jupyter-cache, nbclient, Sphinx: about 1 s) is imported where a build executes, not here:
# `schoolcollab build` on a book that is up to date only needs is_current.

RUNNING = ".build-running"  # present while a build runs; still there at the start of a build: one was killed


@dataclass
class BuildResult:
    ok: bool
    log: Path
    warnings: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    html: Path | None = None
    pdf: Path | None = None


def source_digest(project: Project) -> str:
    """Fingerprint of everything a build reads: when it is unchanged, the published book is current."""
    paths = [
        project.chapters,
        project.data,
        project.bib,
        project.package,
        project.root / "_config.yml",
        project.root / "_toc.yml",
        project.root / "requirements.lock",
    ]
    return digest(paths, project.root)


def is_current(project: Project, pdf: bool = False) -> bool:
    """True when _build/html (and with ``pdf`` the PDF) was built from exactly the files there are now."""
    stamps = [stage_dir(project) / "source.digest"] + ([stage_dir(project) / "pdf.digest"] if pdf else [])
    targets = [project.build_dir / "html" / "index.html"] + (
        [project.build_dir / "latex" / pdf_name(project)] if pdf else []
    )
    if not all(p.is_file() for p in stamps + targets):
        return False
    now = source_digest(project)
    return all(stamp.read_text() == now for stamp in stamps)


def _run_pdf_build(
    project: Project, log_path: Path, result: BuildResult, on_progress: Callable[[str, int, str], None] | None
) -> int:
    """Run Jupyter Book's PDF builder on the staging folder, appending to the log; returns its exit code."""
    with start_jupyter_book(project, "pdflatex", for_print=True) as proc:
        return follow_jupyter_book(proc, "pdflatex", log_path, result.warnings, result.executed, on_progress)


def _html_alongside_execution(
    project: Project,
    stage: Path,
    log_path: Path,
    result: BuildResult,
    for_print: bool,
    on_progress: Callable[[str, int, str], None] | None,
    meanwhile: Callable[[], object] | None = None,
    forks: ForkServer | None = None,
) -> tuple[int, Prefetched]:
    """Execute the outdated chapters in parallel while Sphinx builds the HTML, reading each page once
    it is cached (:mod:`.handoff`). If a chapter's code raises or runs past the timeout, Sphinx is
    stopped at once, before it is handed that chapter: it would only run the chapter again and fail the
    same way (after a timeout, with its crash report). The other chapters still finish and are cached.
    With ``for_print`` the chapters execute for the print edition too (figures also stored as PDF), so
    the PDF build that follows finds them cached. ``meanwhile`` is called once the chapters have executed:
    Sphinx then reads and writes the last pages on one core, and the other is free. ``forks`` is a fork
    server started ahead of the build for its kernels."""
    from .prefetch import Prefetched, default_jobs, finish_order, plan, prefetch, read_times

    handoff_dir = handoff_dir_of(project)
    handoff.hold(handoff_dir)  # Sphinx starts up (1 s or more) while the plan is made; it reads no page yet
    executing = threading.Event()
    executing.set()
    outcome: list[Prefetched | BaseException] = []
    with start_jupyter_book(project, "html", for_print, handoff_dir) as proc:

        def stop_sphinx(_failure: object = None) -> None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()

        try:
            todo = plan(project, stage, default_jobs(), for_print)
        except BaseException:
            stop_sphinx()
            handoff.release_all(handoff_dir)
            raise
        handoff.announce(handoff_dir, finish_order(todo, read_times(project), default_jobs()))

        def execute() -> None:
            try:
                with open(log_path, "a", encoding="utf-8") as log:
                    outcome.append(
                        prefetch(
                            project,
                            stage,
                            todo,
                            log,
                            on_progress=on_progress,
                            handoff_dir=handoff_dir,
                            on_failure=stop_sphinx,
                            forks=forks,
                        )
                    )
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
                outcome.append(exc)
            finally:
                executing.clear()
                if not isinstance(outcome[-1], Prefetched) or outcome[-1].failures:
                    stop_sphinx()
                elif meanwhile is not None:
                    meanwhile()

        worker = threading.Thread(target=execute, name="execute-chapters")
        worker.start()
        try:
            code = follow_jupyter_book(
                proc, "html", log_path, result.warnings, result.executed, on_progress, quiet=executing
            )
        finally:
            worker.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return code, outcome[0]


class BuildBusy(Exception):
    """Another build of the same book holds the lock."""


@contextmanager
def build_lock(project: Project) -> Iterator[None]:
    """One build (or clean) of a book at a time. The operating system releases the lock when the
    holder exits, however it exits, so a killed build never leaves the book locked."""
    project.build_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(project.build_dir / ".build.lock", timeout=0)
    try:
        with lock:
            yield
    except Timeout:
        raise BuildBusy(
            f"another build of {project.root} is running (lock: {lock.lock_file}); "
            "wait for it to finish, then build again"
        ) from None


def recover(project: Project) -> None:
    """Undo what an interrupted build left behind: bring back the previous site if it was moved
    aside, drop a half-copied new one, and drop half-written entries of the execution cache."""
    if (project.build_dir / RUNNING).exists():
        from .prefetch import repair_cache

        repair_cache(stage_dir(project))
    target = project.build_dir / "html"
    fresh, old = target.with_name("html.new"), target.with_name("html.old")
    if not target.exists() and (old / "index.html").exists():
        old.rename(target)
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)


def build_book(
    project: Project,
    force: bool = False,
    pdf: bool = False,
    on_progress: Callable[[str, int, str], None] | None = None,
    forks: ForkServer | None = None,
) -> BuildResult:
    """Build the HTML book (and, with ``pdf``, the PDF). ``force`` starts from nothing: every chapter
    executes again. Nothing is published unless its whole build succeeded. Raises BuildBusy when
    another build of the same book is running. ``forks``: a fork server started before the check
    (:func:`.kernel_forks.forks_ahead`), used if the sources are still those it started with."""
    with build_lock(project):
        recover(project)
        running = project.build_dir / RUNNING
        running.touch()
        try:
            return _build(project, force, pdf, on_progress, forks)
        finally:
            running.unlink(missing_ok=True)


def _build(
    project: Project,
    force: bool,
    pdf: bool,
    on_progress: Callable[[str, int, str], None] | None,
    forks: ForkServer | None = None,
) -> BuildResult:
    stage = stage_dir(project)
    if force and stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True, exist_ok=True)
    digest_before = source_digest(project)
    log_path = project.build_dir / "build.log"
    log_path.write_text("", encoding="utf-8")
    if forks is not None and forks.digest != code_digest(project):
        # the package edited since the server started: it may have imported the code as it was before
        forks.stop()
        forks = None
        with open(log_path, "a", encoding="utf-8") as log:
            log.write("the package changed after the fork server started: kernels start from a new one\n")
    result = BuildResult(False, log_path)
    downloads: list[Future[dict[str, bytes] | None]] = []
    # the downloads are computed while Sphinx finishes (the main thread only waits for it), written at publishing
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="downloads") as pool:
        code, ahead = _html_alongside_execution(
            project,
            stage,
            log_path,
            result,
            pdf,
            on_progress,
            meanwhile=lambda: downloads.append(pool.submit(_downloads_as_now, project)),
            forks=forks,
        )
    if ahead.executed and source_digest(project) != digest_before:
        # saved while chapters ran: a chapter may have read the old bytes and recorded the new ones
        forget_executions(stage / "_build" / STATE_DIR, ahead.executed)
    ran_ahead = [str(project.root / f"{done}.md") for done in ahead.executed]
    result.executed = ran_ahead + [doc for doc in result.executed if doc not in ran_ahead]
    if ahead.failures:  # a chapter's cell raised or timed out: the cell is named, not Sphinx's echo of it
        result.warnings = [str(failure) for failure in ahead.failures]
        return result
    built = stage / "_build" / "html"
    # with -W, Sphinx (and so jb) exits non-zero on any warning; the lines above only explain why
    if code != 0 or not (built / "index.html").exists():
        return result
    html_built = source_digest(project) == digest_before  # an edit during the build must not be marked as built
    pdf_ok = not pdf
    if pdf:  # before the HTML is published, so that its pages can link to the PDF of this very build
        code = _run_pdf_build(project, log_path, result, on_progress)
        made = stage / "_build" / "latex" / pdf_name(project)
        if code == 0 and made.is_file():
            result.pdf = publish_file(made, project.build_dir / "latex" / made.name)
            pdf_ok = True
            if source_digest(project) == digest_before:
                (stage / "pdf.digest").write_text(digest_before)
    pdf_now = current_pdf(digest_before, stage / "pdf.digest", project.build_dir / "latex" / pdf_name(project))
    files = downloads[0].result() if downloads else None
    result.html = publish(
        built, project.build_dir / "html", finish=lambda site: write_downloads(project, site, pdf_now, files)
    )
    if html_built:
        (stage / "source.digest").write_text(digest_before)
    result.ok = pdf_ok
    return result


def _downloads_as_now(project: Project) -> dict[str, bytes] | None:
    """The downloads from the evidence base the plan compared facets with; None when it does not load
    (then publishing loads it and reports why)."""
    ev = evidence_as_now(project)
    return None if ev is None else download_files(project, ev)


def pdf_name(project: Project) -> str:
    """The PDF's file name, from ``latex_documents.targetname`` in ``_config.yml``."""
    target = ((project.config().get("latex") or {}).get("latex_documents") or {}).get("targetname", "book.tex")
    return Path(target).with_suffix(".pdf").name


def missing_tex() -> list[str]:
    """The TeX programs the PDF needs that are not installed (see ``python3 dev.py pdf``)."""
    return [tool for tool in ("xelatex", "latexmk") if shutil.which(tool) is None]


# locks stay, so that a build or `schoolcollab preview` running meanwhile still keeps out a second one
KEPT_BY_CLEAN = {".build.lock", ".preview.lock", ".preview.url"}


def clean(project: Project) -> list[Path]:
    """Remove every build product (not while a build runs); returns what was removed."""
    if not project.build_dir.exists():
        return []
    with build_lock(project):
        for child in project.build_dir.iterdir():
            if child.name not in KEPT_BY_CLEAN:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    return [project.build_dir]
