"""Named facts for the running text of the matched-schools chapter: the study as published, its case
studies, and the simulated replication of its design.

:func:`matched_study_facts` holds what the article reports; :func:`replication_facts` what the simulation
found, so that no sentence about the real schools can take its number from invented ones. Both return
``{glue name: value}``, glued by the chapter in a loop. The study's modules load statsmodels (seconds),
so they are imported by the functions, not with the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..load import case_partnerships, case_processes

if TYPE_CHECKING:
    from ..study.replication import Replication

PROGRAMME = ("schools_involved", "networks", "supported_schools", "supporting_schools")
CASE_TYPES = ("I", "II", "III")


def _corrections(frame: pd.DataFrame) -> int:
    """Cells of a published table that the transcription corrected (a note in ``correction``)."""
    return int((frame["correction"].fillna("") != "").sum())


def published_effects() -> pd.DataFrame:
    """The published partnership coefficient, its standard error and z, indexed by (sample, year)."""
    from ..study.replication import published
    from .matched_study import partnership_effects

    return partnership_effects(published()[0]).set_index(["sample", "year"])


def matched_study_facts() -> dict[str, Any]:
    """The programme, the case studies and the published models, as the article reports them."""
    from ..study.replication import published, study

    design = study()
    programme, qual = design["programme"], design["qualitative"]
    cases = case_partnerships()
    coefs, variance = published()
    shares = variance[(variance["table"] == 2) & (variance["quantity"] == "pct_level2")]["value"]
    facts: dict[str, Any] = {f"ms-{key}": programme[key] for key in PROGRAMME}
    facts |= {
        "ms-case-partnerships": qual["partnerships"],
        "ms-interviews": qual["interviews"]["total"],
        **{f"ms-cases-type-{t}": int((cases["type"] == t).sum()) for t in CASE_TYPES},
        "ms-n-processes": len(case_processes()),
        "ms-n-cells": int(coefs["coefficient"].notna().sum()),
        "ms-n-corrected": _corrections(coefs) + _corrections(variance),
        "ms-n-missing": int(coefs["coefficient"].isna().sum()),
        "ms-share-min": float(shares.min()),
        "ms-share-max": float(shares.max()),
    }
    for (sample, year), row in published_effects().iterrows():
        facts[f"ms-eff-{sample}-{year}"] = float(row["coefficient"])
        facts[f"ms-se-{sample}-{year}"] = float(row["se"])
        facts[f"ms-z-{sample}-{year}"] = float(row["z"])
    return facts


def replication_facts(rep: Replication) -> dict[str, Any]:
    """How well the simulated studies recovered the planted effects: coverage, bias, spread and power."""
    from ..study.replication import design_facts

    summary = rep.summary
    n_reps = int(rep.runs["rep"].nunique())
    design = design_facts(rep).set_index("sample")
    cover = summary["coverage"]
    sd = float(summary["sd_estimate"].mean())
    year3 = summary[(summary["sample"] == "supported") & (summary["year"] == 3)].iloc[0]
    return {
        "ms-reps": n_reps,
        "ms-pool": int(design.loc["supported", "candidate schools"]),
        "ms-cohort": int(design.loc["supported", "mean pupils per school and year"]),
        "ms-pupils-supported": float(design.loc["supported", "pupils analysed per year (mean)"]),
        "ms-cover-min": 100 * float(cover.min()),
        "ms-cover-max": 100 * float(cover.max()),
        "ms-cover-mean": 100 * float(cover.mean()),
        "ms-se-ratio": float((summary["mean_se"] / summary["sd_estimate"]).mean()),
        "ms-max-bias": float(summary["bias"].abs().max()),
        "ms-pub-se": float(published_effects()["se"].mean()),
        "ms-sim-sd": sd,
        "ms-power-s3": 100 * float(year3["power"]),
        "ms-sim-se": float(summary["mean_se"].mean()),
        "ms-mc-se": sd / n_reps**0.5,  # the Monte Carlo error of the mean estimate
    }
