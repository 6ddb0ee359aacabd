"""Where the project's files are: found from the repository root, overridable for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT_MARKERS = ("_config.yml", "_toc.yml", "references.bib")


@dataclass(frozen=True)
class Project:
    """The files of one book project."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def bib(self) -> Path:
        return self.root / "references.bib"

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def sources(self) -> Path:
        return self.data / "sources"

    @property
    def codebook(self) -> Path:
        return self.data / "codebook.yaml"

    @property
    def claims(self) -> Path:
        return self.data / "findings.yaml"

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def package(self) -> Path:
        return Path(__file__).resolve().parent

    def config(self) -> dict:
        """The book's ``_config.yml`` (empty when it holds nothing)."""
        import yaml

        return yaml.safe_load((self.root / "_config.yml").read_text(encoding="utf-8")) or {}


def find_project(start: Path | None = None) -> Project:
    """The project containing ``start`` (default: the working directory, or $SCHOOLCOLLAB_ROOT)."""
    env = os.environ.get("SCHOOLCOLLAB_ROOT")
    here = Path(env) if env else (start or Path.cwd())
    here = here.resolve()
    for candidate in (here, *here.parents):
        if all((candidate / m).exists() for m in ROOT_MARKERS):
            return Project(candidate)
    raise FileNotFoundError(
        f"no schoolcollab book found at or above {here}: expected a folder holding "
        + ", ".join(ROOT_MARKERS)
        + " (run from inside the book, or set SCHOOLCOLLAB_ROOT)"
    )
