"""PRISMA 2020 flow counts for each edition, with the template for updated reviews.

Each edition's search is one file, ``data/searches/<edition>.yaml``, holding the counts of the PRISMA 2020 flow
diagram under the names the PRISMA2020 R package uses for them (Haddaway et al. 2022, *Campbell Systematic
Reviews* 18:e1230, a source outside the two documents): records identified, removed, screened, excluded,
reports sought, not retrieved, assessed and excluded with reasons, new studies included. A stage the search
does not report is ``not_reported`` and stays so in the diagram. The studies of the previous edition and the
total come from the editions themselves (``data/editions/``), and the new studies must equal the records
added since the previous edition, so the diagram cannot disagree with the evidence base.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from .errors import Problems
from .inputs import list_dir
from .paths import Project
from .validation import Schema, describe, error_line
from .yamlio import line_of, load_yaml

NR = "not_reported"
COUNTS = (
    "database_results",
    "register_results",
    "website_results",
    "organisation_results",
    "citations_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "other_sought_reports",
    "other_notretrieved_reports",
    "dbr_assessed",
    "other_assessed",
    "new_studies",
    "new_reports",
)
REASONS = ("dbr_excluded", "other_excluded")
# (node, box, description) in the order of the PRISMA2020 package's template CSV
NODES = (
    ("previous_studies", "node5", "box1", "Studies included in previous version of review"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review"),
    ("database_results", "node7", "box2", "Records identified from: Databases"),
    ("register_results", "NA", "box2", "Records identified from: Registers"),
    ("website_results", "node17", "box11", "Records identified from: Websites"),
    ("organisation_results", "NA", "box11", "Records identified from: Organisations"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval (databases and registers)"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved (databases and registers)"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility (databases and registers)"),
    ("dbr_excluded", "node14", "box9", "Reports excluded (databases and registers)"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)"),
    ("other_excluded", "node21", "box15", "Reports excluded (other)"),
    ("new_studies", "node15", "box10", "New studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies"),
)
# each stage may not hold more than what the stages before it leave: (stage, [stages it comes from], [taken off])
ORDER: tuple[tuple[str, list[str], list[str]], ...] = (
    (
        "records_screened",
        ["database_results", "register_results"],
        ["duplicates", "excluded_automatic", "excluded_other"],
    ),
    ("records_excluded", ["records_screened"], []),
    ("dbr_sought_reports", ["records_screened"], ["records_excluded"]),
    ("dbr_notretrieved_reports", ["dbr_sought_reports"], []),
    ("dbr_assessed", ["dbr_sought_reports"], ["dbr_notretrieved_reports"]),
    ("dbr_excluded", ["dbr_assessed"], []),
    ("other_notretrieved_reports", ["other_sought_reports"], []),
    ("other_assessed", ["other_sought_reports"], ["other_notretrieved_reports"]),
    ("other_excluded", ["other_assessed"], []),
    ("new_studies", ["dbr_assessed", "other_assessed"], ["dbr_excluded", "other_excluded"]),
)


def search_schema() -> dict[str, Any]:
    count = {"anyOf": [{"type": "integer", "minimum": 0}, {"const": NR}]}
    reasons = {
        "anyOf": [
            {"const": NR},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["reason", "n"],
                    "additionalProperties": False,
                    "properties": {
                        "reason": {"type": "string", "minLength": 1},
                        "n": {"type": "integer", "minimum": 0},
                    },
                },
            },
        ]
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["edition", "search_date", "source", *COUNTS, *REASONS],
        "properties": {
            "edition": {"type": "string", "minLength": 1},
            "search_date": {"type": "string"},
            "source": {"type": "string", "minLength": 1},
            "note": {"type": "string"},
            **{c: count for c in COUNTS},
            **{r: reasons for r in REASONS},
        },
    }


def _value(search: dict[str, Any], name: str) -> int | None:
    v = search.get(name, NR)
    if name in REASONS:
        return None if v == NR else sum(r["n"] for r in v)
    return None if v == NR else int(v)


def load_searches(project: Project, problems: Problems) -> dict[str, dict[str, Any]]:
    """Edition name -> its validated search counts; every problem, with its line, into ``problems``."""
    folder = project.input("searches")
    out: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        return out
    validator = Schema(search_schema())
    for path in list_dir(folder, "*.yaml"):
        raw = load_yaml(path, problems)
        if raw is None:
            continue
        errors = validator.errors(raw)
        for err in errors:
            field, message, expected, code = describe(err)
            problems.add(path, message, field=field, line=error_line(path, err), expected=expected, code=code)
        if errors:
            continue
        if str(raw["edition"]) != path.stem:
            problems.add(
                path,
                f"edition '{raw['edition']}' does not match the file name",
                field="edition",
                line=line_of(path, ["edition"]),
                expected=f"edition: {path.stem} (or rename the file)",
                code="search.edition_mismatch",
            )
            continue
        _check_order(path, raw, problems)
        out[path.stem] = raw
    return out


def _check_order(path: Path, search: dict[str, Any], problems: Problems) -> None:
    for stage, sources, taken in ORDER:
        have = _value(search, stage)
        parts = [_value(search, s) for s in sources]
        if have is None or any(p is None for p in parts):
            continue  # a stage not reported cannot be compared
        room = sum(p for p in parts if p is not None) - sum(v for v in (_value(search, t) for t in taken) if v)
        if have > room:
            problems.add(
                path,
                f"{stage} is {have}, more than the {room} left by the stage before it "
                f"({' + '.join(sources)}{' − ' + ' − '.join(taken) if taken else ''})",
                field=stage,
                line=line_of(path, [stage]),
                expected=f"at most {room}, or not_reported",
                code="search.count_exceeds",
            )


def check_new_studies(
    project: Project, searches: dict[str, dict[str, Any]], added: dict[str, int], problems: Problems
) -> None:
    """A search's new studies must equal the records its edition added (``added``: edition -> count)."""
    for name, search in searches.items():
        path = project.input("searches") / f"{name}.yaml"
        want = added.get(name)
        new = _value(search, "new_studies")
        if want is not None and new is not None and new != want:
            problems.add(
                path,
                f"new_studies is {new}, but edition {name} adds {want} coded record(s) to the evidence base",
                field="new_studies",
                line=line_of(path, ["new_studies"]),
                expected=f"new_studies: {want} (one per record added to data/sources/)",
                code="search.new_studies_mismatch",
            )


def flow_counts(search: dict[str, Any] | None, previous: int, new: int) -> dict[str, Any]:
    """Every node of the diagram: the search's counts, the previous studies and the total (``None``: not reported)."""
    counts: dict[str, Any] = {c: (_value(search, c) if search else None) for c in COUNTS}
    for r in REASONS:
        counts[r] = None if not search or search[r] == NR else list(search[r])
    counts.update(
        previous_studies=previous,
        previous_reports=previous,
        new_studies=new,
        total_studies=previous + new,
        total_reports=previous + new,
    )
    if counts["new_reports"] is None:
        counts["new_reports"] = new
    return counts


def prisma_csv(counts: dict[str, Any]) -> str:
    """The counts in the PRISMA2020 package's CSV layout (data,node,box,description,boxtext,tooltips,url,n)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"])
    for data, node, box, description in NODES:
        value = counts.get(data)
        if data in REASONS:
            n = "; ".join(f"{r['reason']}, {r['n']}" for r in value) if value else NR
        else:
            n = NR if value is None else str(value)
        w.writerow([data, node, box, description, description.split(": ")[-1], description, "NA", n])
    return buf.getvalue()


def added_by_edition(project: Project, current_keys: set[str], names: list[str]) -> dict[str, int]:
    """Edition -> number of records it added: recorded editions from ``data/editions/``; any other name in
    ``names`` (the search of the edition being prepared) from the records as they are now."""
    from .editions import edition_tables, list_editions

    out: dict[str, int] = {}
    before: set[str] = set()
    recorded = list_editions(project)
    for e in recorded:
        keys = set(edition_tables(project, e.name)["sources"]["key"])
        out[e.name] = len(keys - before)
        before = keys
    for name in names:
        out.setdefault(name, len(current_keys - before))
    return out


def edition_flow(
    project: Project, searches: dict[str, dict[str, Any]], current_keys: set[str]
) -> tuple[str, dict[str, Any]]:
    """(edition the flow is for, its counts) for the book as built: the edition being prepared for a draft."""
    from .editions import edition_tables, list_editions, status

    recorded = list_editions(project)
    st = status(project)
    names = [e.name for e in recorded]
    if st.draft:
        pending = sorted(n for n in searches if n not in names)
        name = pending[-1] if pending else "next edition"
        previous = set(edition_tables(project, names[-1])["sources"]["key"]) if names else set()
        return name, flow_counts(searches.get(name), len(previous), len(current_keys - previous))
    name = names[-1]
    keys = set(edition_tables(project, name)["sources"]["key"])
    previous = set(edition_tables(project, names[-2])["sources"]["key"]) if len(names) > 1 else set()
    return name, flow_counts(searches.get(name), len(previous), len(keys - previous))
