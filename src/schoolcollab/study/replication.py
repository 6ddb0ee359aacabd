"""What the matched-schools chapter calls: the published tables, and the simulated replication run on them.

The transcribed tables are read through :mod:`schoolcollab.published` and recorded as the chapter's
inputs, so a corrected value re-executes the chapter and changes every number drawn from it. The
simulation's targets are taken from those same tables, never typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..load import published_coefficients, published_variance, study_design
from ..paths import find_project
from .simulate import Calibration, calibrate, draw_population, fit_design, matched_schools, recovery_study

SEED = 20151047  # the paper's DOI suffix: any fixed number would do


def study() -> dict:
    """The study's design as coded in data/muijs2015/study.yaml."""
    return study_design(find_project().root)


@lru_cache(maxsize=1)
def published() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(coefficients, variance shares) of Tables 2-4, validated."""
    root = find_project().root
    return published_coefficients(root), published_variance(root)


def targets(sample: str) -> dict[str, float]:
    """Year-averaged targets for the unreported design features: school variance explained by intake
    (Table 3) and the standard error of the partnership term (Table 4)."""
    coefs, variance = published()
    explained = variance[
        (variance["sample"] == sample) & (variance["table"] == 3) & (variance["quantity"] == "pct_explained_level2")
    ]["value"]
    se = coefs[(coefs["sample"] == sample) & (coefs["table"] == 4) & (coefs["term"] == "partnership")]["se"]
    return {"explained_level2": float(explained.mean()) / 100, "se": float(se.mean())}


@lru_cache(maxsize=2)
def calibration(sample: str) -> Calibration:
    """The simulation's set-up for one sample, fitted to the published tables."""
    coefs, variance = published()
    base = calibrate(coefs, variance, sample, study()["programme"][f"{sample}_schools"])
    goal = targets(sample)
    return fit_design(base, goal["explained_level2"], goal["se"], np.random.default_rng([SEED, len(sample)]))


@dataclass(frozen=True)
class Replication:
    """Every simulated estimate, the per-year summary, and one example's balance table."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    balance: pd.DataFrame
    calibrations: dict[str, Calibration]


@lru_cache(maxsize=2)
def replication(n_reps: int = 100) -> Replication:
    """Run the recovery study for both samples from one fixed seed (same numbers on every build)."""
    rng = np.random.default_rng(SEED)
    runs, summaries, cals = [], [], {}
    for sample in ("supported", "supporting"):
        cal = calibration(sample)
        cals[sample] = cal
        r, s = recovery_study(cal, n_reps, rng)
        runs.append(r)
        summaries.append(s)
    example = rng.spawn(1)[0]
    cal = cals["supported"]
    balance = matched_schools(draw_population(cal, example), cal, example).balance()
    return Replication(pd.concat(runs, ignore_index=True), pd.concat(summaries, ignore_index=True), balance, cals)


def _filled(filled: tuple[str, ...]) -> str:
    from_t3 = sum(f.endswith("(Table 3)") for f in filled)
    rest = len(filled) - from_t3
    if not filled:
        return "none"
    return f"{len(filled)}: {from_t3} taken from Table 3" + (f", {rest} from the mean of other years" if rest else "")


def design_facts(rep: Replication) -> pd.DataFrame:
    """The simulated design in one table: what was calibrated to which published figure, what was assumed."""
    rows = []
    for sample, cal in rep.calibrations.items():
        sub = rep.runs[rep.runs["sample"] == sample]
        rows.append(
            {
                "sample": sample,
                "partnership schools": cal.n_partner,
                "candidate schools": cal.n_pool,
                "mean pupils per school and year": cal.mean_cohort,
                "pupils analysed per year (mean)": float(sub["n_pupils"].mean()),
                "segregation of intake (fitted)": cal.segregation,
                "spread of KS1 (fitted)": cal.ks1_sd,
                "selection on intake (log-odds per SD)": cal.selection,
                "pupil coefficients missing from Table 4": _filled(cal.filled),
            }
        )
    return pd.DataFrame(rows)


__all__ = ["Replication", "calibration", "design_facts", "published", "replication", "study", "targets"]
