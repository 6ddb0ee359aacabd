"""Shared fixtures: a throwaway copy of the book, so tests can break it without touching the real one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schoolcollab.paths import Project

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "__pycache__", ".pytest_cache", "*.egg-info",
                                     ".ipynb_checkpoints")


def copy_book(dest: Path) -> Project:
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    return Project(dest)


@pytest.fixture
def book(tmp_path: Path) -> Project:
    """A fresh copy of the whole book (chapters, data, bibliography) in a temporary folder."""
    return copy_book(tmp_path / "book")


@pytest.fixture
def real() -> Project:
    return Project(ROOT)
