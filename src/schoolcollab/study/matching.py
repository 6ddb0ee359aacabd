"""Propensity-score matching: a logistic score, greedy nearest-neighbour matching and a balance table.

The rules follow R's MatchIt (``method = "nearest"``, ``distance = "glm"``) so results can be checked
against its published output: treated units are matched in order of decreasing propensity score
(``m.order = "largest"``), each taking the closest unused control (ties go to the control that comes
first in the data); with ``ratio = k`` every treated unit gets its first match before any gets its
second; a caliper is in standard deviations of the score. Weights are MatchIt's: 1 for treated units,
and for controls the sum over their treated partners of 1 / (that partner's number of controls),
rescaled to sum to the number of matched controls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.discrete.discrete_model import Logit


@dataclass(frozen=True)
class MatchResult:
    """The matched sample (``weights`` > 0 are in it) and what produced it."""

    data: pd.DataFrame  # the input rows with ``distance``, ``weights`` and ``subclass`` added
    treatment: str
    covariates: list[str]
    pairs: pd.DataFrame  # one row per (treated, control) match, in the order made

    @property
    def matched(self) -> pd.DataFrame:
        return self.data[self.data["weights"] > 0]

    def balance(self) -> pd.DataFrame:
        return balance_table(self.data, self.treatment, self.covariates, weights="weights")


def design_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are; categorical ones as 0/1 columns per level (``race_black``...)."""
    parts = []
    for col in covariates:
        if col not in data.columns:
            raise ValueError(f"covariate {col!r} is not a column (available: {', '.join(map(str, data.columns))})")
        values = data[col]
        if values.isna().any():
            raise ValueError(f"covariate {col!r} has missing values; drop or impute them before matching")
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            parts.append(values.astype(float).rename(col))
        else:
            parts.append(pd.get_dummies(values, prefix=col, prefix_sep="_", dtype=float))
    return pd.concat(parts, axis=1)


def _treated(data: pd.DataFrame, treatment: str) -> np.ndarray:
    if treatment not in data.columns:
        raise ValueError(f"treatment column {treatment!r} is not in the data")
    values = data[treatment]
    if not set(pd.unique(values)) <= {0, 1}:
        raise ValueError(
            f"treatment column {treatment!r} must hold 0/1, found {sorted(map(str, pd.unique(values)))[:5]}"
        )
    return values.astype(bool).to_numpy()


def logit_score(treated: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Fitted probabilities from a logistic regression of ``treated`` (0/1) on ``X`` plus a constant.

    Arrays, not frames: statsmodels' pandas wrapping tripled the cost of a fit on a few hundred rows,
    and the simulated replication fits one per study.
    """
    exog = np.column_stack([np.ones(len(X)), X])
    return np.asarray(Logit(treated.astype(float), exog).fit(disp=0).predict())


def propensity_score(data: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> pd.Series:
    """Fitted probabilities of treatment from a main-effects logistic regression (statsmodels Logit)."""
    X = design_matrix(data, covariates)
    # One level of each categorical covariate is dropped, as R's treatment contrasts do.
    for col in covariates:
        if not pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(data[col]):
            X = X.drop(columns=[c for c in X.columns if c.startswith(f"{col}_")][:1])
    return pd.Series(logit_score(_treated(data, treatment), X.to_numpy(float)), index=data.index, name="distance")


def greedy_match(
    score: np.ndarray, treat: np.ndarray, ratio: int = 1, replace: bool = False, limit: float = np.inf
) -> dict[int, list[int]]:
    """MatchIt's nearest-neighbour rule on positions: each treated position's matched control positions,
    treated units taken in order of decreasing score (see the module's docstring)."""
    treated_idx = np.flatnonzero(treat)
    controls = np.flatnonzero(~treat)
    available = np.ones(len(controls), dtype=bool)
    # Largest score first; a stable sort keeps data order among equal scores.
    order = treated_idx[np.argsort(-score[treated_idx], kind="stable")]
    matches: dict[int, list[int]] = {int(i): [] for i in order}
    for round_no in range(ratio):
        for i in order:
            if round_no > 0 and len(matches[int(i)]) < round_no:
                continue  # found no control in an earlier round; it will not find one now
            gap = np.abs(score[controls] - score[i])
            gap[~available] = np.inf
            j = int(np.argmin(gap))  # first minimum: ties go to the earlier control
            if not np.isfinite(gap[j]) or gap[j] > limit:
                continue
            matches[int(i)].append(int(controls[j]))
            if not replace:
                available[j] = False
    return matches


def nearest_neighbor_match(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    ratio: int = 1,
    replace: bool = False,
    caliper: float | None = None,
    distance: pd.Series | None = None,
) -> MatchResult:
    """Match each treated unit to its ``ratio`` nearest controls on the propensity score.

    ``distance`` may be given (e.g. a score estimated elsewhere); otherwise it is estimated from
    ``covariates``. ``caliper`` is in standard deviations of the score over all units.
    """
    if ratio < 1:
        raise ValueError(f"ratio must be a positive whole number, got {ratio}")
    treat = _treated(data, treatment)
    score = (propensity_score(data, treatment, covariates) if distance is None else distance).to_numpy(float)
    limit = np.inf if caliper is None else caliper * float(np.std(score, ddof=1))
    matches = greedy_match(score, treat, ratio, replace, limit)
    # the pairs in the order they were made: every first match (round 1) before any second
    pairs = [(i, found[r], r + 1) for r in range(ratio) for i, found in matches.items() if len(found) > r]
    weights = np.zeros(len(data))
    subclass = np.full(len(data), -1)
    for k, (i, found) in enumerate(matches.items()):
        if found:
            weights[i] = 1.0
            subclass[i] = k
            for c in found:
                weights[c] += 1.0 / len(found)
                subclass[c] = k if subclass[c] < 0 else subclass[c]
    used_controls = (~treat) & (weights > 0)
    if used_controls.any():
        weights[used_controls] *= used_controls.sum() / weights[used_controls].sum()
    out = data.copy()
    out["distance"], out["weights"] = score, weights
    out["subclass"] = pd.array(np.where(subclass >= 0, subclass, pd.NA), dtype="Int64")
    pair_frame = pd.DataFrame(pairs, columns=["treated", "control", "round"])
    pair_frame[["treated", "control"]] = pair_frame[["treated", "control"]].map(lambda p: data.index[p])
    return MatchResult(data=out, treatment=treatment, covariates=list(covariates), pairs=pair_frame)


def _weighted_var(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted variance with the unbiased correction for frequency-like weights (as MatchIt uses)."""
    mean = np.average(x, weights=w)
    return float(np.sum(w * (x - mean) ** 2) / (w.sum() - (w**2).sum() / w.sum()))


def balance_table(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights: str | None = None,
    distance: str | None = "distance",
) -> pd.DataFrame:
    """Means, standardised mean differences and variance ratios, before and (with ``weights``) after matching.

    The standardised difference divides by the standard deviation of the treated group in the full
    sample, before and after, so the two columns are comparable (MatchIt's default for the ATT);
    binary covariates use sqrt(p(1 - p)). Variance ratios (treated / control) are for continuous
    covariates only.
    """
    treat = _treated(data, treatment)
    X = design_matrix(data, covariates)
    if distance and distance in data.columns:
        X.insert(0, distance, data[distance].astype(float))
    w_all = np.ones(len(data))
    samples = {"before": w_all}
    if weights is not None:
        samples["after"] = data[weights].to_numpy(float)
    rows = {}
    for col in X.columns:
        x = X[col].to_numpy(float)
        binary = set(np.unique(x)) <= {0.0, 1.0}
        xt = x[treat]
        sd = np.sqrt(xt.mean() * (1 - xt.mean())) if binary else np.std(xt, ddof=1)
        row = {}
        for label, w in samples.items():
            wt, wc = w[treat], w[~treat]
            mt, mc = np.average(xt, weights=wt), np.average(x[~treat][wc > 0], weights=wc[wc > 0])
            row[f"mean_treated_{label}"] = mt
            row[f"mean_control_{label}"] = mc
            row[f"smd_{label}"] = (mt - mc) / sd if sd > 0 else np.nan
            row[f"var_ratio_{label}"] = (
                np.nan
                if binary
                else _weighted_var(xt[wt > 0], wt[wt > 0]) / _weighted_var(x[~treat][wc > 0], wc[wc > 0])
            )
        rows[col] = row
    return pd.DataFrame.from_dict(rows, orient="index")
