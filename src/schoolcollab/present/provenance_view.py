"""The provenance page: which inputs, which tools, and which results rest on simulated data."""

from __future__ import annotations

import re

import pandas as pd

from ..build.provenance import edition, evidence_fingerprint, library_versions
from ..inputs import record
from ..load import Evidence, book_chapters, project
from .book_table import BookTable, table

# A chapter that imports these computes results from invented data (the matched-schools replication).
SIMULATION_MODULES = re.compile(r"^\s*(?:import|from)\s+schoolcollab\.study\.(?:replication|simulate)\b", re.M)


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


def simulated_results_table() -> BookTable:
    """Chapters whose results come (partly) from simulated data, found from what their code imports."""
    rows = []
    for chapter in book_chapters():
        if SIMULATION_MODULES.search(chapter.text):
            marked = [h.strip("# ").strip() for h in re.findall(r"^#{2,3} .*[Ss]imulat.*$", chapter.text, re.M)]
            rows.append((chapter.title, "; ".join(marked) or "see the chapter"))
    frame = pd.DataFrame(rows, columns=["Chapter", "Sections computed from simulated data"])
    return table(
        frame if len(frame) else pd.DataFrame({"Chapter": ["none"], "Sections computed from simulated data": ["—"]})
    )
