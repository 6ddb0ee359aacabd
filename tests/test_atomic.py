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

from schoolcollab.build.run import BuildBusy, build_lock, recover
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
    (project.build_dir / "html.new").mkdir()           # half copied when the build was killed
    recover(project)
    assert (project.build_dir / "html" / "index.html").read_text() == "previous site"
    assert sorted(p.name for p in project.build_dir.iterdir()) == ["html"]


def test_one_build_at_a_time(tmp_path) -> None:
    project = Project(tmp_path)
    with build_lock(project):
        with pytest.raises(BuildBusy, match="another build of .* is running"):
            with build_lock(project):
                pass
    with build_lock(project):                          # released when the holder is done
        pass


@pytest.mark.slow
def test_killing_a_build_midway_keeps_the_published_book_and_a_second_build_is_refused(book) -> None:
    first = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    site = book.build_dir / "html"
    published = {p: p.read_bytes() for p in site.rglob("*.html")}
    csv = book.data / "review" / "initiatives.csv"
    csv.write_text(csv.read_text().replace("Specialist Schools Programme", "Specialist Schools Scheme", 1))

    log = book.build_dir / "build.log"
    log.unlink()                                          # the running build writes a new one
    running = subprocess.Popen([CLI, "build"], cwd=book.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "executing ahead of Sphinx" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    second = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert second.returncode == 1 and "another build of" in second.stderr and "Traceback" not in second.stderr
    os.killpg(running.pid, signal.SIGKILL)               # the build and every kernel it started
    running.wait()
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == published

    again = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "Specialist Schools Scheme" in (site / "chapters" / "appendix-initiatives.html").read_text()
