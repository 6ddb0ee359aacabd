"""``schoolcollab check``: validate the whole book's input without building it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .bib import cited_keys
from .book_inputs import check_inputs
from .citation import check_cff
from .errors import Problem, Problems, did_you_mean, display_path
from .inputs import read_input
from .paths import Project
from .prisma import added_by_edition, check_new_studies

if TYPE_CHECKING:
    from .load import Evidence


@dataclass(frozen=True)
class CheckReport:
    problems: list[Problem]
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    evidence: Evidence | None = None  # the evidence base as loaded, when it loaded without a problem


MOSTLY = 0.5  # a new record with more than half these fields still not_reported is probably not filled in yet
# the fields of a record that may be not_reported (what the template of `schoolcollab add` leaves so)
MAY_BE_NOT_REPORTED = (
    "publication_type",
    "design",
    "aims",
    "sample.description",
    "sample.unit",
    "sample.size",
    "country",
    "phase",
    "formality",
    "collaboration_types",
    "initiative",
    "appraisal",
)


def unfinished_records(proj: Project) -> list[str]:
    """Warnings (not problems) for records coded from beyond the two source documents that still hold
    not_reported in more than half of the fields that may be not_reported.

    A record coded from the source documents is often mostly not_reported because the documents say
    little about the work; a record coded from the work itself rarely should be, so it is probably unfinished.
    """
    from .authoring import placeholders
    from .evidence.synthesis import SOURCE_DOCUMENTS
    from .inputs import list_dir
    from .yamlio import load_yaml

    out = []
    for path in list_dir(proj.sources, "*.yaml"):
        record = load_yaml(path, Problems())  # a record that cannot be read is a problem, reported already
        if not isinstance(record, dict) or not isinstance(record.get("coded_from"), list):
            continue
        if any(isinstance(o, dict) and o.get("seed") in SOURCE_DOCUMENTS for o in record["coded_from"]):
            continue
        left = [f for f in placeholders(record) if f in MAY_BE_NOT_REPORTED]
        if len(left) > MOSTLY * len(MAY_BE_NOT_REPORTED):
            out.append(
                f"{display_path(path)}: {len(left)} of the {len(MAY_BE_NOT_REPORTED)} fields that may be "
                f"not_reported still are ({', '.join(left)}); is the record filled in? Replace each with "
                "what the work says, or keep it where the work does not say"
            )
    return out


def check_project(proj: Project) -> CheckReport:
    """Every problem in references.bib, data/ and the chapters' citations, all at once."""
    problems = Problems()
    got = check_inputs(proj, problems)  # every input of schoolcollab.book_inputs, so none can be forgotten here
    bib, evidence, searches = got["bibliography"], got["evidence"], got["searches"]
    keys = bib.keys()
    if evidence is not None:  # here, not in every chapter's load: it reads data/editions/
        check_new_studies(
            proj, searches, added_by_edition(proj, set(evidence.sources["key"]), list(searches)), problems
        )
    check_cff(proj, problems)
    chapters = sorted(proj.chapters.rglob("*.md"))
    for chapter in chapters:
        text = read_input(chapter, problems)
        for line, key in cited_keys(text or ""):
            if key not in keys:
                problems.add(
                    chapter,
                    f"cites '{key}', which is not in references.bib{did_you_mean(key, keys)}",
                    line=line,
                    field="cite",
                    expected="a key of references.bib",
                    code="cite.unknown_key",
                )
    counts = {"references": len(keys), "chapters": len(chapters)}
    if evidence is not None:
        counts.update(sources=len(evidence.sources), findings=len(evidence.findings), claims=len(evidence.claims))
    return CheckReport(
        sorted(set(problems.items), key=lambda p: (p.file, p.line or 0, p.field)),
        counts,
        unfinished_records(proj),
        evidence if not problems else None,
    )
