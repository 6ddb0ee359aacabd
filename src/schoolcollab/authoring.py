"""What an author does to the evidence base: start a source record from its BibTeX entry."""
from __future__ import annotations

from pathlib import Path

from .bib import load_bibliography
from .errors import Problems
from .evidence.codebook import load_codebook
from .evidence.records import RecordValidator
from .review import load_initiatives
from .yamlio import load_yaml, write_atomic

TEMPLATE = """\
# Source record for {key}: {title}
# {author} ({year}). Fill in every field from the document you read (see data/sources/README.md);
# write not_reported where it does not say. Valid terms are listed in data/codebook.yaml.
key: {key}
coded_from:
  # seed: the bib key of the document this record was coded from; here the work itself (or a later
  # review that reports it: give that review's key). sections: the parts of it you read.
  - seed: {key}
    sections: [whole work]
publication_type: not_reported   # empirical | theoretical | commentary | policy
design: not_reported             # e.g. quasi_experimental, mixed_methods, case_study, survey, evaluation_report
aims: not_reported
sample:
  description: not_reported
  unit: not_reported             # schools | federations | networks | partnerships | interviews | ...
  size: not_reported             # a whole number, or not_reported
country: [not_reported]          # with a country, add country_reason: where the work says it was done
phase: [not_reported]
formality: not_reported          # formal | informal | both
collaboration_types: [not_reported]
initiative: not_reported
appraisal: not_reported          # an empirical study needs a block judging each criterion (data/sources/README.md)
findings: []
# findings:
#   - theme: impact_students      # see `themes` in data/codebook.yaml
#     domain: attainment          # impact_* themes only
#     direction: positive         # positive | negative | mixed | no_effect | descriptive
#     summary: One sentence in your own words.
#     where: page, section or table of the document
#     claims:                     # optional: claims in data/findings.yaml this finding bears on
#       - {{id: {claim}, stance: supports}}
"""
PLACEHOLDER = "not_reported"


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
    plain = lambda value: " ".join(value.replace("{", "").replace("}", "").split())  # noqa: E731
    text = TEMPLATE.format(key=key, title=plain(entry.get("title", "")),
                           author=plain(entry.get("author", entry.get("editor", ""))),
                           year=entry.get("year", ""), claim=example_claim(project))
    problems = Problems()
    codebook = load_codebook(project.codebook, problems)
    inits = load_initiatives(project.data / "review" / "initiatives.csv", bib.keys(), problems)
    problems.raise_if_any()
    assert codebook is not None
    write_atomic(path, text)
    remaining = Problems()
    record = load_yaml(path, remaining)
    RecordValidator(codebook.source_schema(list(inits["id"]))).problems(path, record, remaining)
    return path, [str(p) for p in remaining] + [f"{field}: still {PLACEHOLDER}, a placeholder to replace with what "
                                                  f"the work says (or keep, if it really does not say)"
                                                  for field in placeholders(record)]


def placeholders(record: object, where: str = "") -> list[str]:
    """The fields of a new record that still hold the template's not_reported."""
    if record == PLACEHOLDER or record == [PLACEHOLDER]:
        return [where]
    if isinstance(record, dict):
        return [f for k, v in record.items() for f in placeholders(v, f"{where}.{k}" if where else str(k))]
    return []


def example_claim(project) -> str:
    """A claim id that exists, for the template's example (read from the ledger; a placeholder if unreadable)."""
    problems = Problems()
    ledger = load_yaml(project.claims, problems) if project.claims.is_file() else None
    claims = ledger.get("claims") if isinstance(ledger, dict) else None
    ids = [c["id"] for c in claims or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
    return next((i for i in ids if i.startswith("pupil-impact")), ids[0] if ids else "claim-id-from-findings-yaml")
