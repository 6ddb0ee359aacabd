"""A chapter's notebook is parsed again exactly when its text changes, and a kept copy that is damaged
is parsed afresh, never trusted."""

from __future__ import annotations

from pathlib import Path

from myst_nb.core.read import read_myst_markdown_notebook

from schoolcollab.build.parsed_chapters import FOLDER, read_chapter

CHAPTER = """---
kernelspec:
  name: python3
  display_name: Python 3
---
# A chapter

```{code-cell} ipython3
print({value})
```
"""


def without_ids(nb: dict) -> dict:
    """The notebook less its cells' ids, which the reader draws at random on every parse."""
    return {**nb, "cells": [{k: v for k, v in cell.items() if k != "id"} for cell in nb["cells"]]}


def test_the_kept_notebook_is_the_parsed_one_until_the_text_changes(tmp_path: Path) -> None:
    path, state = tmp_path / "chapters" / "a.md", tmp_path / "state"
    text = CHAPTER.replace("{value}", "1")
    first = read_chapter("chapters/a", path, text, state)
    assert without_ids(first) == without_ids(read_myst_markdown_notebook(text, add_source_map=True, path=path))
    kept = state / FOLDER / "chapters__a.json"
    assert kept.is_file()
    assert read_chapter("chapters/a", path, text, state) == first  # from the kept copy
    changed = read_chapter("chapters/a", path, CHAPTER.replace("{value}", "2"), state)
    assert changed.cells[1].source == "print(2)"


def test_a_damaged_copy_is_parsed_afresh(tmp_path: Path) -> None:
    path, state = tmp_path / "a.md", tmp_path / "state"
    text = CHAPTER.replace("{value}", "3")
    read_chapter("a", path, text, state)
    kept = state / FOLDER / "a.json"
    kept.write_text(kept.read_text()[:40], encoding="utf-8")  # cut short, as by a killed build
    assert read_chapter("a", path, text, state).cells[1].source == "print(3)"
    assert not list((state / FOLDER).glob(".*.partial"))
