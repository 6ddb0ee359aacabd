"""A build's process started ahead of the edit it will build: the preview's rebuilds without start-up.

    python -m schoolcollab.build.warm_build build --root BOOK

Started by the preview once a build is over, this process imports what ``schoolcollab build`` imports (the
command line, the check and its loaders, the executor, jupyter-cache: about a second on two cores), then
starts the build's fork server (:mod:`.kernel_forks`) and its Sphinx, importing too
(:func:`.sphinx_process.start_sphinx_ahead`), and waits. When a line ``go`` comes on its standard
input it runs ``schoolcollab build`` with its arguments and exits with that build's status; at the end of
its input without ``go`` it exits at once. Nothing of the book is read before the word, so the check, the
plan and the build see the files as they are when it comes.

If the package's code changed after this process started (an edit under ``src/``), the imported modules
may be the old ones: the process then replaces itself with a fresh interpreter running the same command,
so a rebuild never runs old code.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from pathlib import Path

from .fingerprint import digest

GO = "go"
# What a rebuild imports before it executes a chapter, heaviest first: pandas and the loaders (the check),
# jupyter-cache and SQLAlchemy (the plan), jupyter_client (the fork server's client).
WARM = (
    "schoolcollab.check",
    "schoolcollab.load",
    "schoolcollab.build.run",
    "schoolcollab.build.prefetch",
    "schoolcollab.build.kernel_forks",
    "schoolcollab.cli",
)


def package_digest(folder: Path) -> str:
    """A digest of the package's source files in ``folder`` (not its bytecode caches)."""
    return digest([folder], folder.parent)


def stale(folder: Path, started: str) -> bool:
    """Whether the package's code in ``folder`` is no longer what it was when ``started`` was taken."""
    return package_digest(folder) != started


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _start_ahead(argv: list[str]) -> None:
    """Start the build's fork server and its Sphinx now, for the book named by ``--root`` (the build finds
    them and uses them if the package's code is unchanged; they end with this process)."""
    from ..paths import find_project
    from .kernel_forks import start_ahead
    from .sphinx_process import start_sphinx_ahead

    root = Path(argv[argv.index("--root") + 1]) if "--root" in argv[:-1] else None
    try:
        project = find_project(root)
    except FileNotFoundError:
        return  # the command line will say so, once told to build
    start_ahead(project)
    start_sphinx_ahead(project)


def _stop_ahead() -> None:
    from .kernel_forks import stop_waiting
    from .sphinx_process import stop_sphinx_ahead

    stop_waiting()
    stop_sphinx_ahead()


def run_when_told(argv: list[str]) -> int:
    """Import, wait for the word, then build with ``argv`` (the command line's own arguments)."""
    folder = Path(__file__).resolve().parent.parent
    started = package_digest(folder)  # before the imports: an edit during them counts as a change
    for name in WARM:
        importlib.import_module(name)
    previous = signal.signal(signal.SIGTERM, _stop)  # the preview stopping: the fork server goes too
    try:
        _start_ahead(argv)
        told = sys.stdin.readline().strip() == GO
    except SystemExit:
        _stop_ahead()
        raise
    signal.signal(signal.SIGTERM, previous)
    if not told:
        _stop_ahead()
        return 0
    if stale(folder, started):
        _stop_ahead()
        os.execv(sys.executable, [sys.executable, "-m", "schoolcollab.cli", *argv])
    from ..cli import main as cli_main

    sys.argv = ["schoolcollab", *argv]
    try:
        cli_main()  # exits with the build's status
    finally:
        _stop_ahead()  # what the build did not take: a check that failed starts no Sphinx
    return 0


if __name__ == "__main__":
    sys.exit(run_when_told(sys.argv[1:]))
