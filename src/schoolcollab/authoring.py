"""What an author does to the evidence base: add a source record, tag an edition, see what changed."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .bib import load_bibliography
from .errors import Problems
from .evidence.codebook import load_codebook
from .evidence.records import RecordValidator
from .review import load_initiatives
from .yamlio import load_yaml, write_atomic

TEMPLATE = """\
# Source record for {key}: {title}
# {author} ({year}). Fill in every field from the work itself (see data/sources/README.md);
# write not_reported where the work does not say. Valid terms are listed in data/codebook.yaml.
key: {key}
coded_from:
  - seed: {key}
    sections: [whole work]
publication_type: not_reported   # empirical | theoretical | commentary | policy
design: not_reported             # e.g. quasi_experimental, mixed_methods, case_study, survey, evaluation_report
aims: not_reported
sample:
  description: not_reported
  unit: not_reported             # schools | federations | networks | partnerships | interviews | ...
  size: not_reported             # a whole number, or not_reported
country: [not_reported]          # with a country, add country_reason: where the work places itself there
phase: [not_reported]
formality: not_reported          # formal | informal | both
collaboration_types: [not_reported]
initiative: not_reported
appraisal: not_reported          # once the design is known: a block judging each criterion (data/sources/README.md)
findings: []
# findings:
#   - theme: impact_students      # see `themes` in data/codebook.yaml
#     domain: attainment          # impact_* themes only
#     direction: positive         # positive | negative | mixed | no_effect | descriptive
#     summary: One sentence in your own words.
#     where: page or section of the work
#     claims:                     # optional: claims in data/findings.yaml this finding bears on
#       - {{id: impact-students-federations, stance: supports}}
"""


class AddRefused(Exception):
    """``add`` will not write: the record exists or the key is unknown."""


def add_source(project, key: str) -> tuple[Path, list[str]]:
    """Write a prefilled record for ``key``; returns its path and what remains to fill in."""
    bib = load_bibliography(project.bib)
    if key not in bib:
        close = sorted(k for k in bib.keys() if k[:4] == key[:4])[:5]
        hint = f" (similar keys: {', '.join(close)})" if close else ""
        raise AddRefused(f"'{key}' is not in {project.bib.name}: add its BibTeX entry first{hint}")
    path = project.sources / f"{key}.yaml"
    if path.exists():
        raise AddRefused(f"{path} already exists; edit it instead (add never overwrites an author's work)")
    entry = bib.entries[key]
    text = TEMPLATE.format(key=key, title=" ".join(entry.get("title", "").split()),
                           author=" ".join(entry.get("author", entry.get("editor", "")).split()),
                           year=entry.get("year", ""))
    problems = Problems()
    codebook = load_codebook(project.codebook, problems)
    inits = load_initiatives(project.data / "review" / "initiatives.csv", bib.keys(), problems)
    problems.raise_if_any()
    assert codebook is not None
    write_atomic(path, text)
    remaining = Problems()
    RecordValidator(codebook.source_schema(list(inits["id"]))).problems(path, load_yaml(path, remaining), remaining)
    return path, [str(p) for p in remaining]
