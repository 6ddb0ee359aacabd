"""The provenance page: which inputs, which tools, and which results rest on simulated data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..build import placeholders as ph
from ..build.provenance import edition, library_versions
from ..editions import evidence_fingerprint
from ..inputs import record
from ..load import Evidence, project
from .book_table import LATEX_MIME, BookTable, table

if TYPE_CHECKING:  # the simulation pulls in statsmodels (seconds): only the chapter that runs it loads it
    from ..study.replication import Replication


def inputs_table(ev: Evidence) -> BookTable:
    """The evidence this edition was computed from, with the fingerprint that identifies it."""
    proj = project()
    record(proj.data)  # the fingerprint covers every file: a change anywhere re-executes this page
    record(proj.bib)
    files = [p for p in proj.data.rglob("*") if p.is_file() and not p.name.startswith(".")]
    rows = [
        ("Edition", edition(proj)),
        (
            "Evidence fingerprint",
            f"{evidence_fingerprint(proj)} (SHA-256 of data/, without data/editions/, and "
            "references.bib; first 12 hex digits)",
        ),
        ("Files in data/", f"{len(files):,}"),
        ("Coded sources", f"{len(ev.sources):,} (data/sources/)"),
        ("Findings", f"{len(ev.findings):,}"),
        ("Claims in the ledger", f"{len(ev.claims):,} (data/findings.yaml)"),
        ("References", f"{len(ev.bib.entries):,} (references.bib)"),
    ]
    return table(pd.DataFrame(rows, columns=["What", "Value"]), wrap=("Value",))


def versions_table() -> BookTable:
    """Python and the libraries the book was computed with, as installed in the building kernel."""
    import platform

    rows = [("Python", platform.python_version())] + list(library_versions().items())
    return table(pd.DataFrame(rows, columns=["Package", "Version"]))


@dataclass(frozen=True)
class BuildFact:
    """An output the build fills in when its page is written, from what it recorded about every page
    (:mod:`schoolcollab.build.book_facts`): the same placeholder in each edition's rendering."""

    placeholder: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.placeholder, LATEX_MIME: self.placeholder, "text/plain": self.placeholder}


def simulated_section(rep: Replication) -> BuildFact:
    """Mark the section this output stands in as showing results of the simulated replication ``rep``;
    the build lists it on the provenance page and takes the mark out of the page. Show it in a cell whose
    output stays in the page (``remove-input``): a ``remove-cell`` cell never reaches the build."""
    from ..study.replication import Replication

    if not isinstance(rep, Replication):  # the mark is for results of a simulation, not a reminder to type
        raise TypeError(f"simulated_section takes the Replication the section shows, not {type(rep).__name__}")
    return BuildFact(ph.token(ph.SIMULATED_SECTION))


def simulated_results_table() -> BuildFact:
    """The sections of the book marked as showing simulated results (:func:`simulated_section`), by chapter."""
    return BuildFact(ph.token(ph.SIMULATED_RESULTS))
