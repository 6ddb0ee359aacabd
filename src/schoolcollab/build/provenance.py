"""What a reader needs to know about the edition in front of them: which inputs, which tools, when.

Used by the PDF's title page and the book's provenance page, so both say the same thing.
"""

from __future__ import annotations

import datetime as dt
import os
from importlib import metadata

from ..paths import Project

LIBRARIES = (
    "schoolcollab",
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "sphinxcontrib-bibtex",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "bibtexparser",
    "nbconvert",
    "itables",
    "jsonschema",
)


def edition(project: Project) -> str:
    """Which edition this is: 'Edition 2026.2', or 'Draft of the edition after 2026.2' between snapshots."""
    from ..editions import status

    return status(project).label()


def build_date() -> dt.date:
    """Today, or the date in ``SOURCE_DATE_EPOCH`` when a reproducible build sets it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed version of each library the book is built with ("not installed" when absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
