"""A quick exit is still an exit: exit handlers run, buffered output arrives, the status is kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schoolcollab.exiting import exit_code

PROGRAM = """
import atexit, sys
from pathlib import Path
from schoolcollab.exiting import exit_now
atexit.register(lambda: Path(sys.argv[1]).write_text("handler ran"))
sys.stdout.write("buffered, not flushed")
exit_now({code})
"""


@pytest.mark.parametrize(("code", "status"), [("0", 0), ("3", 3), ("None", 0), ("'no such book'", 1)])
def test_exit_now_runs_exit_handlers_flushes_and_keeps_the_status(tmp_path: Path, code: str, status: int) -> None:
    marker = tmp_path / "marker"
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(code=code), str(marker)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == status
    assert done.stdout == "buffered, not flushed"
    assert marker.read_text() == "handler ran"
    assert done.stderr.strip() == ("no such book" if status == 1 else "")


def test_exit_code_reads_sys_exit_arguments_as_python_does() -> None:
    assert [exit_code(None), exit_code(0), exit_code(2)] == [0, 0, 2]
