"""What an author does to the evidence base: start a source record from its BibTeX entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .bib import load_bibliography, plain_text
from .errors import Problem, Problems, display_path, one_of
from .evidence.codebook import load_codebook
from .evidence.records import RecordValidator
from .review import load_initiatives
from .validation import dotted
from .yamlio import line_of, load_yaml, write_atomic

TEMPLATE = """\
# Source record for {key}: {title}
# {author} ({year}). Fill in every field from the document you read (see data/sources/README.md);
# write not_reported where it does not say. Valid terms are listed in data/codebook.yaml.
key: {key}
coded_from:
  # seed: the bib key of the document this record was coded from. You are coding the work from itself, so
  # the seed is the work's own key; had you read it in a later review that reports it, the review's key.
  # sections: where in that document you read it, e.g. [Abstract, Methods, Results / Table 2].
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
initiative: not_reported         # an id of data/review/initiatives.csv, or none
# appraisal: a study (an empirical design, or publication_type empirical) needs a block judging each
# criterion of appraisal_criteria (data/sources/README.md); a work that is not a study says not_applicable.
appraisal: not_reported
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
SECTIONS_PLACEHOLDER = ["whole work"]


class AddRefused(Exception):
    """``add`` will not write: the record exists or the key is unknown."""


@dataclass(frozen=True)
class Added:
    """What ``add`` wrote and what is left: problems ``check`` rejects, and placeholders it lets through."""

    path: Path
    must_fix: list[str]
    placeholders: list[str]


def add_source(project, key: str) -> Added:
    """Write a prefilled record for ``key``; returns its path and what remains to fill in."""
    bib = load_bibliography(project.bib)
    if key not in bib:
        close = sorted(k for k in bib if k[:4] == key[:4])[:5]
        hint = f" (similar keys: {', '.join(close)})" if close else ""
        raise AddRefused(f"'{key}' is not in {project.bib.name}: add its BibTeX entry first{hint}")
    path = project.sources / f"{key}.yaml"
    if path.exists():
        raise AddRefused(f"{path} already exists; edit it instead (add never overwrites an author's work)")
    entry = bib.entries[key]
    text = TEMPLATE.format(
        key=key,
        title=plain_text(entry.get("title", entry.get("note", ""))),
        author=plain_text(entry.get("author", entry.get("editor", ""))),
        year=entry.get("year", ""),
        claim=example_claim(project),
    )
    problems = Problems()
    codebook = load_codebook(project.codebook, problems)
    inits = load_initiatives(project.input("initiatives"), bib.keys(), problems)
    problems.raise_if_any()
    assert codebook is not None
    write_atomic(path, text)
    remaining = Problems()
    record = load_yaml(path, remaining)
    RecordValidator(codebook.source_schema(list(inits["id"])), codebook).problems(path, record, remaining)
    advice = placeholder_advice(codebook)
    left = []
    for where in placeholder_paths(record):
        field = dotted(where)
        value = "[whole work]" if where[-1:] == ["sections"] else PLACEHOLDER
        left.append(
            str(
                Problem(
                    display_path(path),
                    line_of(path, where),
                    field,
                    f"still {value}: {advice.get(field, 'replace it with what the work says')}",
                    code="record.placeholder",
                )
            )
        )
    return Added(path, [str(p) for p in remaining], left)


def placeholder_paths(record: object, where: tuple = ()) -> list[list]:
    """Where a record still holds the template's placeholders: not_reported (or [not_reported]) anywhere,
    and coded_from's sections still [whole work]."""
    if (
        record == PLACEHOLDER
        or record == [PLACEHOLDER]
        or (where[-1:] == ("sections",) and record == SECTIONS_PLACEHOLDER)
    ):
        return [list(where)]
    if isinstance(record, dict):
        return [p for k, v in record.items() for p in placeholder_paths(v, (*where, k))]
    if isinstance(record, list) and where == ("coded_from",):
        return [p for i, v in enumerate(record) for p in placeholder_paths(v, (*where, i))]
    return []


def placeholders(record: object, where: str = "") -> list[str]:
    """The fields of a record that still hold not_reported, dotted (``sample.size``)."""
    return [dotted([*([where] if where else []), *p]) for p in placeholder_paths(record) if p[-1:] != ["sections"]]


def placeholder_advice(codebook) -> dict[str, str]:
    """Field -> what to write in place of its placeholder, and whether not_reported may stay."""

    def terms(name: str) -> str:
        return one_of(t for t in codebook.ids(name) if t != PLACEHOLDER)

    keep = " (or keep not_reported if the work does not say)"
    return {
        "coded_from[0].sections": "name the parts of the work you read, e.g. [Abstract, Methods, Results]",
        "publication_type": f"{terms('publication_types')}{keep}",
        "design": f"the work's design, {terms('designs')}{keep}",
        "aims": f"the study's aim in one sentence of your own words{keep}",
        "sample.description": f"who or what was studied, in a few words{keep}",
        "sample.unit": f"{terms('sample_units')}{keep}",
        "sample.size": f"how many of that unit, a whole number{keep}",
        "country": f"a list, each {terms('countries')}; then add country_reason: where the work says it was done{keep}",
        "phase": f"a list, each {terms('phases')}{keep}",
        "formality": f"{terms('formality')}{keep}",
        "collaboration_types": f"a list, each {terms('collaboration_types')}{keep}",
        "initiative": f"an id of data/review/initiatives.csv, or none if the work studies no initiative{keep}",
        "appraisal": "if the work is a study (an empirical design, or publication_type empirical), a block judging "
        "each criterion of appraisal_criteria (data/sources/README.md), which check then requires; "
        "not_applicable if it is not a study; not_reported only if the work does not say whether or "
        "how it studied anything",
    }


def example_claim(project) -> str:
    """A claim id that exists, for the template's example finding (an impact_students one): read from the
    ledger, so the example never names a claim that is not there."""
    problems = Problems()
    ledger = load_yaml(project.claims, problems) if project.claims.is_file() else None
    claims = ledger.get("claims") if isinstance(ledger, dict) else None
    claims = [c for c in claims or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
    fitting = [c["id"] for c in claims if c.get("theme") == "impact_students"]
    return (fitting or [c["id"] for c in claims] or ["claim-id-from-data-findings-yaml"])[0]
