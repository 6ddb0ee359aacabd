"""The per-study appraisal: each empirical record's judgement on every criterion of the codebook.

A record's ``appraisal:`` block holds one judgement (yes / partly / no / not_reported) per criterion of
``appraisal_criteria`` in ``data/codebook.yaml``, each with its reason and where in the source documents it
comes from. Non-empirical works say ``not_applicable`` and works the source documents do not describe say
``not_reported``. This module turns the blocks into tables and into the limitation level of each study that
the methodological-limitations component of a rating reads.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .codebook import NOT_APPRAISED, Codebook
from .rating_rules import CONCERN_WEIGHT, NOT_A_STUDY, STUDY_LIMITATIONS

APPRAISAL_COLUMNS = ["key", "criterion", "applies_to", "judgement", "reason", "where"]


def appraisal_rows(records: list[dict[str, Any]], codebook: Codebook) -> pd.DataFrame:
    """One row per appraised record and criterion, in codebook order (records without a block: none)."""
    criteria = codebook.vocab["appraisal_criteria"]
    rows = []
    for rec in records:
        block = rec.get("appraisal")
        if not isinstance(block, dict):
            continue
        for criterion, attrs in criteria.items():
            judged = block[criterion]
            rows.append(
                {
                    "key": rec["key"],
                    "criterion": criterion,
                    "applies_to": attrs["applies_to"],
                    "judgement": judged["judgement"],
                    "reason": judged["reason"],
                    "where": judged["where"],
                }
            )
    return pd.DataFrame(rows, columns=APPRAISAL_COLUMNS)


def appraisal_status(records: list[dict[str, Any]]) -> dict[str, str]:
    """Bib key -> 'appraised', 'not_applicable' or 'not_reported'."""
    out = {}
    for rec in records:
        block = rec.get("appraisal")
        out[rec["key"]] = "appraised" if isinstance(block, dict) else str(block)
    return out


def study_limitations(appraisals: pd.DataFrame, status: dict[str, str], effects: bool) -> dict[str, str]:
    """Bib key -> limitation level of the study ('minor', 'moderate', 'serious', or 'not a study').

    ``effects``: judge for a claim about effects, where the comparison criterion applies; for other
    claims a study without a comparison group is not the weaker for it.
    """
    applicable = appraisals if effects else appraisals[appraisals["applies_to"] == "all"]
    weight = applicable.assign(w=applicable["judgement"].map(CONCERN_WEIGHT)).groupby("key")["w"].sum()
    out = {}
    for key, state in status.items():
        if state != "appraised":
            out[key] = NOT_A_STUDY
            continue
        total = float(weight.get(key, 0.0))
        out[key] = next(level for floor, level in STUDY_LIMITATIONS if total >= floor)
    return out


def appraisal_summary(appraisals: pd.DataFrame, status: dict[str, str], codebook: Codebook) -> dict[str, str]:
    """Bib key -> one line for the explorer, e.g. 'independence: partly; comparison: no; …'."""
    labels = {j: codebook.label("judgements", j).lower() for j in codebook.ids("judgements")}
    out = {
        key: (
            "not applicable (not a study)"
            if state == "not_applicable"
            else "not appraisable: the source documents do not describe the work"
        )
        for key, state in status.items()
        if state in NOT_APPRAISED
    }
    for key, rows in appraisals.groupby("key", sort=False):
        out[str(key)] = "; ".join(
            f"{codebook.label('appraisal_criteria', c)}: {labels[j]}"
            for c, j in zip(rows["criterion"], rows["judgement"], strict=False)
        )
    return out
