"""The claim ledger (``data/findings.yaml``): each key finding and concluding point with its evidence."""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import Problems, did_you_mean
from ..validation import Schema, describe, error_line
from ..yamlio import line_of, load_yaml
from .codebook import Codebook

EVIDENCE_COLUMNS = ["claim", "key", "stance", "why", "via"]


def load_claims(path: Path, codebook: Codebook, bib_keys: Set[str], problems: Problems) -> list[dict[str, Any]]:
    """Claims from the ledger; schema problems, duplicate ids and unknown keys go into ``problems``."""
    raw = load_yaml(path, problems)
    if raw is None:
        return []
    errors = Schema(codebook.claims_schema()).errors(raw)
    for err in errors:
        field, message, expected, code = describe(err)
        problems.add(path, message, field=field, line=error_line(path, err), expected=expected, code=code)
    if errors:
        return []
    seen: set[str] = set()
    for i, claim in enumerate(raw["claims"]):
        if claim["id"] in seen:
            problems.add(
                path,
                f"claim id '{claim['id']}' is used twice",
                field=f"claims[{i}].id",
                line=line_of(path, ["claims", i, "id"]),
                expected="a unique id",
                code="claim.duplicate_id",
            )
        seen.add(claim["id"])
        for j, ev in enumerate(claim["evidence"]):
            if ev["key"] not in bib_keys:
                problems.add(
                    path,
                    f"source '{ev['key']}' is not in references.bib{did_you_mean(ev['key'], bib_keys)}",
                    field=f"claims[{i}].evidence[{j}].key",
                    line=line_of(path, ["claims", i, "evidence", j, "key"]),
                    expected="a bib key",
                    code="claim.unknown_source",
                )
    return raw["claims"]


def claim_tables(claims: list[dict[str, Any]], findings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(claims, evidence): the ledger's own links plus links that source records make to claims.

    A source record may say, in a finding's ``claims:`` list, which claims it bears on; an author who
    adds a source therefore changes the ratings without editing the ledger. Where both the ledger
    and a record link the same source to a claim, the ledger's stance stands.
    """
    claim_df = pd.DataFrame(
        [{k: c[k] for k in ("id", "kind", "theme", "statement", "scope")} for c in claims],
        columns=["id", "kind", "theme", "statement", "scope"],
    )
    rows = [
        {"claim": c["id"], "key": ev["key"], "stance": ev["stance"], "why": ev.get("why", ""), "via": "ledger"}
        for c in claims
        for ev in c["evidence"]
    ]
    linked = {(r["claim"], r["key"]) for r in rows}
    for f in findings.itertuples(index=False):
        for claim_id, stance in f.claims:
            if (claim_id, f.key) not in linked:
                rows.append({"claim": claim_id, "key": f.key, "stance": stance, "why": f.summary, "via": "record"})
                linked.add((claim_id, f.key))
    return claim_df, pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def check_claim_links(
    path_of: dict[str, Path], findings: pd.DataFrame, claim_ids: set[str], problems: Problems
) -> None:
    """Every claim a source record links to must exist in the ledger."""
    for f in findings.itertuples(index=False):
        for claim_id, _ in f.claims:
            if claim_id not in claim_ids:
                path = path_of[f.key]
                problems.add(
                    path,
                    f"claim '{claim_id}' is not in data/findings.yaml{did_you_mean(claim_id, claim_ids)}",
                    field=f"findings[{f.finding}].claims",
                    line=line_of(path, ["findings", f.finding, "claims"]),
                    expected="the id of a claim in the ledger",
                    code="record.unknown_claim",
                )


def check_raw_claim_links(invalid: list[tuple[Path, Any]], claim_ids: set[str], problems: Problems) -> None:
    """The claim links of records that failed validation, read as far as they can be, so an unknown
    claim id is reported in the same run as the record's other problems."""
    for path, record in invalid:
        findings = record.get("findings") if isinstance(record, dict) else None
        for i, finding in enumerate(findings if isinstance(findings, list) else []):
            links = finding.get("claims") if isinstance(finding, dict) else None
            for j, link in enumerate(links if isinstance(links, list) else []):
                claim_id = link.get("id") if isinstance(link, dict) else None
                if isinstance(claim_id, str) and claim_id not in claim_ids:
                    problems.add(
                        path,
                        f"claim '{claim_id}' is not in data/findings.yaml{did_you_mean(claim_id, claim_ids)}",
                        field=f"findings[{i}].claims",
                        line=line_of(path, ["findings", i, "claims", j, "id"]),
                        expected="the id of a claim in the ledger",
                        code="record.unknown_claim",
                    )
