"""Jupyter Book's command line (``jb``) as the build runs it: the same command, a quicker exit.

    python -m schoolcollab.build.jupyter_book_main build ...

Sphinx has written and closed every file when ``jb`` returns; the teardown of its process then cost
each build 0.45 s more (see :mod:`schoolcollab.exiting`).

With ``SCHOOLCOLLAB_SPHINX_WAIT`` set, the process first imports Sphinx, its HTML builder and every
extension the book's ``_config.yml`` names (about a second of a core), then waits for a line ``go`` on its
standard input before it runs the command; at the end of its input without one it exits, having built
nothing. The preview starts its next build's Sphinx this way (:func:`.sphinx_process.start_sphinx_ahead`) while
the author edits. Only modules are imported ahead: the configuration, the table of contents and every
page are read once the word has come, as they are then.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path

from ..exiting import exit_now

WAIT_ENV = "SCHOOLCOLLAB_SPHINX_WAIT"
GO = "go"
ALWAYS = ("jupyter_book.cli.main", "sphinx.application", "sphinx.builders.html", "jupyter_book.sphinx")


def import_ahead(argv: list[str]) -> None:
    """Import what the build ``argv`` (``build SOURCE ...``) will load. A module that fails to import is
    left for the build itself to load, and report."""
    from jupyter_book.config import get_final_config

    source = Path(argv[argv.index("build") + 1])
    config, _ = get_final_config(user_yaml=source / "_config.yml", sourcedir=source)
    for name in [*ALWAYS, *config.get("extensions", [])]:
        with contextlib.suppress(Exception):  # the build imports it again, and says what is wrong
            importlib.import_module(name)


def wait_for_go(argv: list[str]) -> bool:
    """Import ahead, then wait: True once ``go`` comes, False at the end of the input."""
    with contextlib.suppress(Exception):  # a book whose configuration does not read: the build will say so
        import_ahead(argv)
    return sys.stdin.readline().strip() == GO


if __name__ == "__main__":
    if os.environ.pop(WAIT_ENV, None) and not wait_for_go(sys.argv[1:]):
        exit_now(0)
    from jupyter_book.cli.main import main  # here, not at the top: the build imports this module for its names

    try:
        main()
    except SystemExit as exc:  # how click ends every command
        exit_now(exc.code)
    exit_now(0)
