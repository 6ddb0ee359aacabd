"""What a reader needs to know about the edition in front of them: which inputs, which tools, when.

Used by the PDF's title page and the book's provenance page, so both say the same thing.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from importlib import metadata

from ..paths import Project
from .fingerprint import digest

LIBRARIES = ("schoolcollab", "jupyter-book", "sphinx", "myst-nb", "sphinxcontrib-bibtex", "pandas", "numpy",
             "scipy", "statsmodels", "matplotlib", "seaborn", "bibtexparser", "nbconvert", "itables", "jsonschema")


def evidence_fingerprint(project: Project) -> str:
    """A short hash of ``data/`` and ``references.bib``: the same inputs always give the same value."""
    return digest([project.data, project.bib], project.root)[:12]


def edition(project: Project) -> str:
    """The latest edition recorded with ``schoolcollab snapshot`` ("unreleased" before the first)."""
    path = project.snapshot
    if not path.is_file():
        return "unreleased"
    with open(path, encoding="utf-8", newline="") as fh:
        names = [row.get("edition", "") for row in csv.DictReader(fh)]
    names = [n for n in names if n]
    return names[-1] if names else "unreleased"


def build_date() -> dt.date:
    """Today, or the date in ``SOURCE_DATE_EPOCH`` when a reproducible build sets it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
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
