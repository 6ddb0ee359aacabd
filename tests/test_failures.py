"""A chapter cell that runs past the execution timeout stops the build with one line, executing it once."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from myst_nb.core.read import read_myst_markdown_notebook

from schoolcollab.build.prefetch import CellFailure, Chapter, _execute
from schoolcollab.paths import Project

from conftest import copy_built

CLI = str(Path(sys.executable).with_name("schoolcollab"))
CHAPTER = """\
---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell} ipython3
x = 1
```

Some prose.

```{code-cell} ipython3
import time
time.sleep(30)
```
"""


def _sleep_cell(counter: Path) -> str:
    """A cell that leaves a line in ``counter`` each time it runs, then sleeps far past the timeout."""
    code = f"import time\nwith open({str(counter)!r}, 'a') as f:\n    f.write('ran\\n')\ntime.sleep(30)"
    return f"\n```{{code-cell}} ipython3\n{code}\n```\n"


@pytest.mark.slow  # starts a kernel
def test_a_cell_past_the_timeout_is_named_with_its_line_and_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "chapters" / "slow.md"
    path.parent.mkdir()
    path.write_text(CHAPTER, encoding="utf-8")
    nb = read_myst_markdown_notebook(CHAPTER, add_source_map=True, path=path)
    log_path = tmp_path / "build.log"
    with open(log_path, "w", encoding="utf-8") as log:  # the kernel writes to it: a real file

        def execute() -> tuple[Chapter, object, float]:
            return asyncio.run(
                _execute(Chapter("chapters/slow", path, nb, "token"), tmp_path, 2, asyncio.Semaphore(1), log)
            )

        # Its own thread: the session's Playwright browser keeps an event loop running in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            chapter, outcome, seconds = pool.submit(execute).result()
    assert isinstance(outcome, CellFailure), log_path.read_text(encoding="utf-8")
    line = CHAPTER.splitlines().index("import time") + 1  # the cell's first line, as an editor numbers it
    assert (outcome.line, outcome.cell) == (line, 2)
    assert str(outcome).endswith(
        f"slow.md:{line}: code cell 2 ran past the execution timeout of 2 s and was stopped; "
        "make it faster, or raise the timeout in _config.yml: execute.timeout"
    )
    assert seconds < 20  # stopped at the timeout, not left to sleep


@pytest.mark.slow
def test_a_timeout_stops_the_build_in_one_line_and_keeps_the_published_book(
    built_book: Project, tmp_path: Path
) -> None:
    project = copy_built(built_book, tmp_path / "book")
    first = subprocess.run([CLI, "build"], cwd=project.root, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    html = project.build_dir / "html"
    page = html / "chapters" / "appendix-search.html"
    published, inode = page.read_text(encoding="utf-8"), html.stat().st_ino

    config = project.root / "_config.yml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["execute"]["timeout"] = 5
    config.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    counter = tmp_path / "runs.txt"
    chapter = project.chapters / "appendix-search.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + _sleep_cell(counter), encoding="utf-8")
    line = chapter.read_text(encoding="utf-8").splitlines().index("import time") + 1  # the cell's first line

    result = subprocess.run([CLI, "build"], cwd=project.root, capture_output=True, text=True, timeout=600)
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    named = [text for text in result.stderr.splitlines() if "execute.timeout" in text]
    assert len(named) == 1, said
    assert re.fullmatch(
        rf"\s*chapters/appendix-search\.md:{line}: code cell \d+ ran past the execution timeout of 5 s and was "
        r"stopped; make it faster, or raise the timeout in _config\.yml: execute\.timeout",
        named[0],
    ), named[0]
    assert "build failed" in result.stderr and "_build/html is unchanged" in result.stderr
    for crash in ("Traceback", "Sphinx has crashed", "Exception occurred", "sphinx-err-"):
        assert crash not in said, said
    assert counter.read_text(encoding="utf-8") == "ran\n"  # executed once: Sphinx never ran it again
    assert html.stat().st_ino == inode and page.read_text(encoding="utf-8") == published
    assert not (project.build_dir / "html.new").exists()
    log = (project.build_dir / "build.log").read_text(encoding="utf-8")
    assert "appendix-search.md: Executing notebook" not in log  # nor did Sphinx start it
