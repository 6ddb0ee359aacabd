"""The cache tokens that make the execution cache aware of a chapter's inputs and of the edition."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schoolcollab.build.fingerprint import PRINT_MARK, cache_token, pending_path, record_execution
from schoolcollab.paths import Project

ROOT = Path(__file__).resolve().parents[1]
DOC = "chapters/appendix-glossary"


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    for part in ("data", "src/schoolcollab"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    return Project(tmp_path)


def executed(project: Project, state: Path, token: str, reads: list[Path]) -> None:
    """What a build does after a chapter ran: its kernel listed what it read; keep the record."""
    pending_path(state, DOC).write_text("".join(f"{p}\n" for p in reads), encoding="utf-8")
    record_execution(project, state, DOC, token)


def test_a_chapter_keeps_its_token_until_what_it_read_changes(project: Project, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    token, changed = cache_token(project, state, DOC)
    assert changed
    glossary = project.data / "review" / "glossary.yaml"
    executed(project, state, token, [glossary])
    assert cache_token(project, state, DOC) == (token, False)
    (project.data / "review" / "initiatives.csv").write_text("not read by this chapter\n", encoding="utf-8")
    assert cache_token(project, state, DOC) == (token, False)
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    new, changed = cache_token(project, state, DOC)
    assert changed and new != token


def test_the_print_edition_needs_a_print_execution_which_serves_the_web_too(project: Project, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    web, _ = cache_token(project, state, DOC)
    assert not web.endswith(PRINT_MARK)
    executed(project, state, web, [project.data / "review" / "glossary.yaml"])
    printed, changed = cache_token(project, state, DOC, for_print=True)
    assert changed and printed.endswith(PRINT_MARK)  # figures lack their PDF: execute again
    executed(project, state, printed, [project.data / "review" / "glossary.yaml"])
    assert cache_token(project, state, DOC, for_print=True) == (printed, False)
    assert cache_token(project, state, DOC) == (printed, False)  # the web edition reuses it
