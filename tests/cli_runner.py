"""``schoolcollab`` commands run in the test's own process, as the fast tests run them.

Starting the command as a new interpreter costs about a second of imports each time; typer's
``CliRunner`` calls the same ``app`` with the same arguments and captures the same two streams, in a few
milliseconds. What a fresh process would not carry over is reset first: the façade's per-process caches
(``schoolcollab.load``), which a one-shot command fills and which would otherwise hand a second command
of one test the evidence as the first command read it. The tests that must see the installed entry
point itself (exit codes from the shell, arguments typer rejects) run it as a subprocess (``real_cli``).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from schoolcollab import load
from schoolcollab.cli import app

CLI = str(Path(sys.executable).with_name("schoolcollab"))


def _fresh_process_caches() -> None:
    for value in vars(load).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``schoolcollab *args`` run from ``cwd`` in this process: exit code, stdout and stderr apart."""
    _fresh_process_caches()
    with contextlib.chdir(cwd):
        # catch_exceptions=False: a crash fails the test with its traceback instead of exit code 1
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(["schoolcollab", *args], result.exit_code, result.stdout, result.stderr)


def real_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``schoolcollab *args`` as the shell runs it: the installed script, in a new process."""
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
