"""Jupyter Book's command line (``jb``) as the build runs it: the same command, a quicker exit.

    python -m schoolcollab.build.jupyter_book_main build ...

Sphinx has written and closed every file when ``jb`` returns; the teardown of its process then cost
each build 0.45 s more (see :mod:`schoolcollab.exiting`).
"""

from __future__ import annotations

from jupyter_book.cli.main import main

from ..exiting import exit_now

if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:  # how click ends every command
        exit_now(exc.code)
    exit_now(0)
