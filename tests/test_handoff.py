"""The build tells Sphinx which chapters it executes, in the order they should be done; Sphinx reads the
other pages first and those as they come, and never compares the records of chapters being replaced."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from schoolcollab.build import handoff, sphinx_ext
from schoolcollab.build.prefetch import UNTIMED_SECONDS, Chapter, finish_order


def _chapters(*names: str) -> list[Chapter]:
    return [Chapter(name, Path(f"{name}.md"), nbformat.v4.new_notebook(), "token") for name in names]


def test_chapters_are_listed_in_the_order_two_slots_finish_them() -> None:
    times = {"impact": 1.3, "conclusions": 0.9, "explorer": 0.9, "provenance": 0.4}
    # impact 0-1.3 and conclusions 0-0.9 start at once; explorer takes the slot freed at 0.9 (to 1.8),
    # provenance the one freed at 1.3 (to 1.7)
    order = finish_order(_chapters("impact", "conclusions", "explorer", "provenance"), times, jobs=2)
    assert order == ["conclusions", "impact", "provenance", "explorer"]
    assert finish_order(_chapters("b", "a"), {}, jobs=1) == ["b", "a"]  # one slot: as started
    assert finish_order(_chapters("new", "old"), {"old": UNTIMED_SECONDS / 2}, jobs=2) == ["old", "new"]


def test_sphinx_gets_the_list_once_the_plan_is_made_and_reads_those_pages_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "handoff"
    monkeypatch.delenv(handoff.HANDOFF_ENV, raising=False)
    assert handoff.announced(os.getppid(), timeout=1) is None  # no build: Sphinx works alone
    monkeypatch.setenv(handoff.HANDOFF_ENV, str(folder))
    handoff.hold(folder)
    got: list[list[str] | None] = []
    asking = threading.Thread(target=lambda: got.append(handoff.announced(os.getppid(), timeout=30)))
    asking.start()
    time.sleep(0.3)
    assert not got  # still planning: Sphinx waits
    handoff.announce(folder, ["impact", "explorer"])
    asking.join(10)
    assert got == [["impact", "explorer"]]

    app = SimpleNamespace(config=SimpleNamespace(nb_execution_timeout=30))
    docnames = ["explorer", "glossary", "impact", "index"]
    sphinx_ext.on_env_before_read_docs(app, None, docnames)  # type: ignore[arg-type]
    assert docnames == ["glossary", "index", "impact", "explorer"]

    handoff.hold(folder)  # the next build: the old list is gone with its markers
    assert not (folder / handoff.ANNOUNCED).exists()
    handoff.release_all(folder)
    assert handoff.announced(os.getppid(), timeout=1) is None
