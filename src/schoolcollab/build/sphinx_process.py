"""The Sphinx process of a build: Jupyter Book's command as the build runs it, started when the build
needs it or ahead of it (waiting, imported, for the word: :mod:`.jupyter_book_main`), and its output
followed into the build's log, its warnings and its progress."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..inputs import PRINT_ENV
from ..paths import Project
from .handoff import HANDOFF_ENV

STAGE = ".stage"
PROGRESS = re.compile(r"^(reading sources|writing output)\.\.\. \[\s*(\d+)%\] (\S+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Sphinx's own messages ("file:line: WARNING: text"); kernels' log lines ("ERROR:tornado...") are not ours
SPHINX_PROBLEM = re.compile(r"(^|: )(WARNING|ERROR|CRITICAL|SEVERE): |^Extension error|^Exception occurred")
# LaTeX's own fatal lines ("! Undefined control sequence.") and latexmk's verdict
LATEX_PROBLEM = re.compile(r"^! |^Latexmk: Errors|^Error: Failed to build pdf")
EXECUTED = re.compile(r"^(\S+?): Executing notebook using")
STOP_SECONDS = 10  # how long a stopped Sphinx gets to exit before it is killed


def stage_dir(project: Project) -> Path:
    return project.build_dir / STAGE


def jb_command(project: Project, builder: str = "html") -> list[str]:
    """Jupyter Book's build with warnings as errors, nitpicky references, and every warning reported.

    Sphinx reads pages one at a time; chapters that need executing have already run in parallel in
    :mod:`.prefetch` (Sphinx's own ``-j 2`` started kernels in two processes, which collided on ports).
    """
    return [
        sys.executable,
        "-m",
        "schoolcollab.build.jupyter_book_main",
        "build",
        str(project.root),
        "--path-output",
        str(stage_dir(project)),
        "--builder",
        builder,
        "-W",
        "-n",
        "--keep-going",
    ]


def _sphinx_env(for_print: bool, handoff_dir: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if for_print:
        env[PRINT_ENV] = "1"
    if handoff_dir is not None:
        env[HANDOFF_ENV] = str(handoff_dir)
    return env


def handoff_dir_of(project: Project) -> Path:
    return stage_dir(project) / "_build" / ".handoff"


def _spawn(project: Project, command: list[str], env: dict[str, str], waiting: bool = False) -> subprocess.Popen:
    """Jupyter Book's ``command`` for ``project``, its output on one pipe; ``waiting``: with an input pipe,
    for the word (:mod:`.jupyter_book_main`)."""
    return subprocess.Popen(
        command,
        cwd=project.root,
        stdin=subprocess.PIPE if waiting else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _launch(command: list[str], for_print: bool, handoff_dir: Path | None) -> tuple[object, ...]:
    """What a started-ahead Sphinx must have been started with to serve a build: command and environment."""
    return (*command, for_print, handoff_dir)


# Sphinx processes started ahead (start_sphinx_ahead), each waiting for a build launched as it was
_ahead: dict[tuple[object, ...], subprocess.Popen] = {}


def start_sphinx_ahead(project: Project) -> None:
    """Start the HTML build's Sphinx for ``project`` now: it imports while the author edits, and this
    process's next build of the book hands it the word instead of starting one (:mod:`.jupyter_book_main`).
    A package that changed meanwhile is the caller's to look for (:mod:`.warm_build` does)."""
    from .jupyter_book_main import WAIT_ENV

    command, handoff_dir = jb_command(project, "html"), handoff_dir_of(project)
    env = {**_sphinx_env(False, handoff_dir), WAIT_ENV: "1"}
    _ahead[_launch(command, False, handoff_dir)] = _spawn(project, command, env, waiting=True)


def _stop(proc: subprocess.Popen) -> None:
    """Stop a Sphinx waiting for the word (closing its input is enough; it exits at once)."""
    proc.stdin.close()  # type: ignore[union-attr]
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()  # type: ignore[union-attr]


def stop_sphinx_ahead() -> None:
    """Stop every Sphinx started ahead that no build took."""
    while _ahead:
        _stop(_ahead.popitem()[1])


def start_jupyter_book(
    project: Project, builder: str, for_print: bool, handoff_dir: Path | None = None
) -> subprocess.Popen:
    """Jupyter Book's build, running: the Sphinx started ahead for exactly this launch if it still waits,
    else a new one."""
    command = jb_command(project, builder)
    waiting = _ahead.pop(_launch(command, for_print, handoff_dir), None)
    if waiting is not None and waiting.poll() is None:
        from .jupyter_book_main import GO

        try:
            waiting.stdin.write(f"{GO}\n")  # type: ignore[union-attr]
            waiting.stdin.close()  # type: ignore[union-attr]
            return waiting
        except OSError:  # it died meanwhile: start one as usual
            pass
    if waiting is not None:
        _stop(waiting)
    return _spawn(project, command, _sphinx_env(for_print, handoff_dir))


def follow_jupyter_book(
    proc: subprocess.Popen,
    builder: str,
    log_path: Path,
    warnings: list[str],
    executed: list[str],
    on_progress: Callable[[str, int, str], None] | None,
    quiet: threading.Event | None = None,
) -> int:
    """Copy a running Jupyter Book's output to the log, collecting its warnings and the pages it
    executed itself into those lists; report its progress unless ``quiet`` is set. Returns its exit code."""
    with open(log_path, "a", encoding="utf-8") as log:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            log.flush()
            text = ANSI.sub("", line.rstrip())
            if (m := PROGRESS.match(text)) and on_progress and not (quiet and quiet.is_set()):
                on_progress(m.group(1) if builder == "html" else f"{m.group(1)} (PDF)", int(m.group(2)), m.group(3))
            if SPHINX_PROBLEM.search(text) or LATEX_PROBLEM.search(text):
                warnings.append(text)
            if (m := EXECUTED.match(text)) and m.group(1) not in executed:
                executed.append(m.group(1))
        return proc.wait()
