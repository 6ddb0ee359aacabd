"""The preview's next build process imports ahead, builds only when told, and never runs old code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schoolcollab.build.warm_build import GO, package_digest, stale
from schoolcollab.paths import Project


def _warm(root: Path, said: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "schoolcollab.build.warm_build", "build", "--root", str(root)]
    return subprocess.run(command, input=said, capture_output=True, text=True, timeout=120)


def test_without_the_word_it_exits_and_builds_nothing(tmp_path: Path) -> None:
    done = _warm(tmp_path / "no-book", "")  # the preview stopped before the next edit
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


def test_with_the_word_it_runs_the_command_line_s_build_with_its_arguments(tmp_path: Path) -> None:
    done = _warm(tmp_path / "no-book", GO + "\n")
    assert done.returncode == 2, done  # the command line's usage error: no book there
    assert "no-book" in done.stderr


def test_an_edit_to_the_package_s_code_makes_it_stale_and_its_bytecode_does_not(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "__pycache__").mkdir(parents=True)
    module = package / "mod.py"
    module.write_text("X = 1\n", encoding="utf-8")
    started = package_digest(package)
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"compiled")
    assert not stale(package, started)
    module.write_text("X = 2\n", encoding="utf-8")
    assert stale(package, started)


@pytest.mark.slow
def test_a_sphinx_started_ahead_builds_the_edit_made_after_it_started(built_copy: Project) -> None:
    from schoolcollab.build import run
    from schoolcollab.build import sphinx_process as sp

    sp.start_sphinx_ahead(built_copy)
    (ahead,) = sp._ahead.values()
    csv = built_copy.data / "review" / "initiatives.csv"
    text = csv.read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")[1]  # the first initiative's name
    csv.write_text(text.replace(first, first + " (renamed)", 1), encoding="utf-8")  # saved after it started
    try:
        result = run.build_book(built_copy)
        taken = ahead.poll() == 0 and not sp._ahead  # that process built the book; none is left waiting
    finally:
        sp.stop_sphinx_ahead()
    assert result.ok, result.warnings
    assert taken
    page = (built_copy.build_dir / "html" / "chapters" / "appendix-initiatives.html").read_text(encoding="utf-8")
    assert first + " (renamed)" in page


@pytest.mark.slow
def test_a_sphinx_started_ahead_and_never_told_builds_nothing(book: Project) -> None:
    from schoolcollab.build import sphinx_process as sp

    sp.start_sphinx_ahead(book)
    (ahead,) = sp._ahead.values()
    sp.stop_sphinx_ahead()
    assert ahead.returncode == 0 and not sp._ahead
    assert not (sp.stage_dir(book) / "_build" / "html").exists()
