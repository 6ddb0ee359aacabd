"""Where the project's files are: found from the repository root, overridable for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT_MARKERS = ("_config.yml", "_toc.yml", "references.bib")


# Where each input of the book lives, relative to the book's root. What each is, how it is loaded and what
# it is checked against is declared with it in schoolcollab.book_inputs; this table is only the places,
# so that code that needs a path (the CLI, authoring, the build) need not import every loader.
INPUT_PATHS: dict[str, str] = {
    "bibliography": "references.bib",
    "codebook": "data/codebook.yaml",
    "sources": "data/sources",
    "claims": "data/findings.yaml",
    "initiatives": "data/review/initiatives.csv",
    "glossary": "data/review/glossary.yaml",
    "system_leadership": "data/review/system_leadership.yaml",
    "search_strategy": "data/review/search_strategy.yaml",
    "summary_template": "data/review/summary_template.yaml",
    "searches": "data/searches",
    "case_partnerships": "data/muijs2015/partnerships.csv",
    "study_design": "data/muijs2015/study.yaml",
    "case_processes": "data/muijs2015/processes.yaml",
    "published_coefficients": "data/muijs2015/published_coefficients.csv",
    "published_variance": "data/muijs2015/published_variance.csv",
}


@dataclass(frozen=True)
class Project:
    """The files of one book project."""

    root: Path

    def input(self, name: str) -> Path:
        """The file or folder of the input called ``name`` (a key of :data:`INPUT_PATHS`)."""
        return self.root / INPUT_PATHS[name]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def bib(self) -> Path:
        return self.input("bibliography")

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def sources(self) -> Path:
        return self.input("sources")

    @property
    def codebook(self) -> Path:
        return self.input("codebook")

    @property
    def claims(self) -> Path:
        return self.input("claims")

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
