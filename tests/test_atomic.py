"""Atomic and recoverable: files are replaced whole, a killed build leaves the published book as it
was, and two builds of one book never run at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schoolcollab.build.run import RUNNING, BuildBusy, build_lock, recover, stage_dir
from schoolcollab.paths import Project
from schoolcollab.yamlio import write_atomic

CLI = str(Path(sys.executable).with_name("schoolcollab"))


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    target = tmp_path / "record.yaml"
    target.write_text("key: old\n")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_atomic(target, "key: new\n")
    assert target.read_text() == "key: old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["record.yaml"]


def test_an_interrupted_publish_is_undone_before_the_next_build(tmp_path) -> None:
    project = Project(tmp_path)
    old = project.build_dir / "html.old"
    old.mkdir(parents=True)
    (old / "index.html").write_text("previous site")
    (project.build_dir / "html.new").mkdir()  # half copied when the build was killed
    recover(project)
    assert (project.build_dir / "html" / "index.html").read_text() == "previous site"
    assert sorted(p.name for p in project.build_dir.iterdir()) == ["html"]


def test_cache_entries_a_killed_build_left_half_written_are_dropped(tmp_path) -> None:
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    project = Project(tmp_path)
    cache = get_cache(str(stage_dir(project) / "_build" / ".jupyter_cache"))
    entries = []
    for k in range(3):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = {k}")])
        record = cache.cache_notebook_bundle(CacheBundleIn(nb, f"chapter{k}.md"), check_validity=False)
        entries.append(tmp_path / "_build" / ".stage" / "_build" / ".jupyter_cache" / "executed" / record.hashkey)
    (entries[0] / "base.ipynb").unlink()  # killed after the record, before the file
    (entries[1] / "base.ipynb").write_text('{"cells": [', encoding="utf-8")  # killed while writing it
    (project.build_dir / RUNNING).touch()  # the killed build never got to remove it
    recover(project)
    assert [r.hashkey for r in cache.list_cache_records()] == [entries[2].name]
    assert not entries[0].exists() and not entries[1].exists()


def test_one_build_at_a_time(tmp_path) -> None:
    project = Project(tmp_path)
    with build_lock(project), pytest.raises(BuildBusy, match="another build of .* is running"), build_lock(project):
        pass
    with build_lock(project):  # released when the holder is done
        pass


@pytest.mark.slow
@pytest.mark.parametrize(
    "moment", ["executing ahead of Sphinx", "executed in"], ids=["as-chapters-start", "after-a-chapter-is-cached"]
)
def test_killing_a_build_midway_keeps_the_published_book_and_a_second_build_is_refused(
    built_copy: Project, moment: str
) -> None:
    book = built_copy
    first = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    site = book.build_dir / "html"
    published = {p: p.read_bytes() for p in site.rglob("*.html")}
    csv = book.data / "review" / "initiatives.csv"
    csv.write_text(csv.read_text().replace("Specialist Schools Programme", "Specialist Schools Scheme", 1))

    log = book.build_dir / "build.log"
    log.unlink()  # the running build writes a new one
    running = subprocess.Popen(
        [CLI, "build"], cwd=book.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and moment not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    if moment == "executed in":
        time.sleep(1.0)  # the chapter is cached and recorded, and Sphinx reading, when the build dies
    second = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert second.returncode == 1 and "another build of" in second.stderr and "Traceback" not in second.stderr, (
        second.returncode,
        second.stdout,
        second.stderr,
    )
    os.killpg(running.pid, signal.SIGKILL)  # the build and every kernel it started
    running.wait()
    now = {p: p.read_bytes() for p in site.rglob("*.html")}
    assert now == published, sorted(
        str(p) for p in set(now) ^ set(published) | {p for p in now if now[p] != published.get(p)}
    )

    again = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr + log.read_text()[-3000:]
    assert "Specialist Schools Scheme" in (site / "chapters" / "appendix-initiatives.html").read_text(), (
        again.stdout + log.read_text()[-3000:]
    )
