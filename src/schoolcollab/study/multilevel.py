"""Two-level linear models (pupils in schools) with the variances and their standard errors done right.

``fit_two_level`` fits a random-intercept model (optionally with random slopes) by ML or REML and returns
fixed effects, the school- and pupil-level variances with standard errors from the expected information
on the variance scale (what MLwiN and HLM print), the log-likelihood and the variance partition
coefficient. Random-intercept models go through the exact profile-likelihood path of
:mod:`schoolcollab.multilevel_profile`; models with random slopes, or ``engine="statsmodels"``, use
statsmodels MixedLM, fitted with several optimisers because one can stop short of the optimum and still
report convergence: the best finite likelihood is kept and every attempt is listed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMResults

from .multilevel_profile import fit_random_intercept

OPTIMISERS = ("lbfgs", "bfgs", "powell", "nm")
INTERCEPT = "Intercept"


@dataclass(frozen=True)
class TwoLevelResult:
    """A fitted two-level model. Variances are on the variance scale; ``se_*`` are their standard errors."""

    params: pd.Series
    bse: pd.Series
    cov_re: pd.DataFrame  # school-level covariance of the random intercept (and slopes)
    var_resid: float
    se_cov_re: pd.DataFrame
    se_var_resid: float
    loglik: float
    reml: bool
    n_obs: int
    n_groups: int
    engine: str
    attempts: pd.DataFrame = field(repr=False)

    @property
    def var_group(self) -> float:
        """Variance of the school random intercept."""
        return float(self.cov_re.iloc[0, 0])

    @property
    def se_var_group(self) -> float:
        return float(self.se_cov_re.iloc[0, 0])

    @property
    def vpc(self) -> float:
        """Share of the (intercept) variance that lies between schools."""
        return self.var_group / (self.var_group + self.var_resid)

    def table(self) -> pd.DataFrame:
        """Fixed effects and variances in one frame: estimate, standard error, z."""
        rows = pd.DataFrame({"estimate": self.params, "se": self.bse})
        rows.loc["school variance"] = [self.var_group, self.se_var_group]
        rows.loc["pupil variance"] = [self.var_resid, self.se_var_resid]
        rows["z"] = rows["estimate"] / rows["se"]
        return rows


def variance_explained(reference: TwoLevelResult, model: TwoLevelResult) -> pd.Series:
    """Proportional reduction in school, pupil and total variance from ``reference`` to ``model``."""
    ref_total = reference.var_group + reference.var_resid
    total = model.var_group + model.var_resid
    return pd.Series(
        {
            "level2": 1.0 - model.var_group / reference.var_group,
            "level1": 1.0 - model.var_resid / reference.var_resid,
            "total": 1.0 - total / ref_total,
        }
    )


def _design(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str], group: str, random_slopes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Validate the columns and build y, X (with an intercept) and school codes."""
    used = [outcome, *predictors, group, *random_slopes]
    missing = [c for c in dict.fromkeys(used) if c not in data.columns]
    if missing:
        raise ValueError(
            f"columns not in the data: {', '.join(missing)} (available: {', '.join(map(str, data.columns))})"
        )
    numeric = list(dict.fromkeys([outcome, *predictors, *random_slopes]))
    kinds = data[numeric].dtypes
    bad = [c for c, kind in kinds.items() if not pd.api.types.is_numeric_dtype(kind)]
    if bad:
        raise ValueError(f"columns must be numeric (code categories as 0/1 columns): {', '.join(bad)}")
    columns = list(dict.fromkeys(used))
    holes = data[columns].isna().to_numpy().any(axis=0)
    gaps = [c for c, hole in zip(columns, holes, strict=False) if hole]
    if gaps:
        raise ValueError(f"missing values in: {', '.join(gaps)}; drop or impute them before fitting")
    unknown = [c for c in random_slopes if c not in predictors]
    if unknown:
        raise ValueError(f"a random slope needs its fixed effect too: add {', '.join(unknown)} to predictors")
    y = data[outcome].to_numpy(float)
    X = np.column_stack([np.ones(len(data)), data[list(predictors)].to_numpy(float)])
    codes, _ = pd.factorize(data[group], sort=True)
    return y, X, codes, [INTERCEPT, *predictors]


def _fit_statsmodels(
    y: np.ndarray, X: np.ndarray, Z: np.ndarray, codes: np.ndarray, reml: bool
) -> tuple[MixedLMResults, pd.DataFrame]:
    """Fit MixedLM with each optimiser; keep the best finite likelihood and re-issue only its warnings."""
    model = MixedLM(y, X, groups=codes, exog_re=Z)
    rows, best, best_caught = [], None, []
    for method in OPTIMISERS:
        # Each attempt's warnings are caught so they can be reported against that attempt: the
        # warnings of attempts that lose to a better optimum describe fits nobody uses.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = model.fit(reml=reml, method=[method])
                llf, converged, error = float(res.llf), bool(res.converged), ""
            except (np.linalg.LinAlgError, ValueError) as exc:
                res, llf, converged, error = None, np.nan, False, str(exc)
        rows.append(
            {
                "optimiser": method,
                "loglik": llf,
                "converged": converged,
                "messages": "; ".join([error, *(str(w.message) for w in caught)]).strip("; "),
            }
        )
        if res is not None and np.isfinite(llf) and (best is None or llf > best.llf):
            best, best_caught = res, caught
    if best is None:
        raise RuntimeError("no optimiser produced a finite likelihood: " + "; ".join(str(r["messages"]) for r in rows))
    for w in best_caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    attempts = pd.DataFrame(rows)
    attempts["kept"] = attempts["loglik"] == best.llf
    return best, attempts


def _dense_information(
    y: np.ndarray, X: np.ndarray, Z: np.ndarray, codes: np.ndarray, G: np.ndarray, sigma2: float, reml: bool
) -> np.ndarray:
    """Expected information for the lower triangle of G and sigma2, school by school (any random part)."""
    q = Z.shape[1]
    units = []
    for a in range(q):
        for b in range(a + 1):
            E = np.zeros((q, q))
            E[a, b] = E[b, a] = 1.0
            units.append(E)
    k = len(units) + 1
    trace, Q, R, XVX = np.zeros((k, k)), [0.0] * k, [[0.0] * k for _ in range(k)], 0.0
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for idx in np.split(order, bounds):
        Zj, Xj = Z[idx], X[idx]
        Vi = np.linalg.inv(Zj @ G @ Zj.T + sigma2 * np.eye(len(idx)))
        D = [Zj @ E @ Zj.T for E in units] + [np.eye(len(idx))]
        ViD = [Vi @ d for d in D]
        ViX = Vi @ Xj
        XVX = XVX + Xj.T @ ViX
        for a in range(k):
            Q[a] = Q[a] + ViX.T @ D[a] @ ViX
            for b in range(k):
                trace[a, b] += np.sum(ViD[a] * ViD[b].T)
                if reml:
                    R[a][b] = R[a][b] + ViX.T @ D[a] @ ViD[b] @ ViX
    if not reml:
        return 0.5 * trace
    M = np.linalg.inv(XVX)
    info = np.array(
        [[trace[a, b] - 2 * np.trace(M @ R[a][b]) + np.trace(M @ Q[a] @ M @ Q[b]) for b in range(k)] for a in range(k)]
    )
    return 0.5 * info


def _check_size(n_obs: int, n_groups: int, group: str, n_fixed: int, n_random: int) -> None:
    """Refuse data too small to identify the model's parameters."""
    # With one group the optimiser still returns a group variance (~1e-8), which reads like an estimate
    if n_groups < 2:
        raise ValueError(
            f"a two-level model needs at least 2 groups in '{group}', and the data have {n_groups}: "
            "a variance between groups needs groups to vary"
        )
    n_variance = n_random * (n_random + 1) // 2 + 1  # the group-level covariance matrix, then the residual
    if n_obs <= n_fixed + n_variance:
        raise ValueError(
            f"a two-level model with {n_fixed} fixed effect(s) and {n_variance} variance parameter(s) needs more "
            f"than {n_fixed + n_variance} observations, and the data have {n_obs}"
        )


def fit_two_level(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    group: str,
    reml: bool = True,
    random_slopes: Sequence[str] = (),
    engine: Literal["auto", "profile", "statsmodels"] = "auto",
) -> TwoLevelResult:
    """Fit ``outcome ~ 1 + predictors`` with a random intercept (and ``random_slopes``) for ``group``.

    ``engine="auto"`` uses the exact profile-likelihood path for random-intercept models and MixedLM
    (several optimisers) otherwise; ``"statsmodels"`` forces MixedLM. Fewer than two groups, or no more
    observations than parameters, is a ``ValueError`` saying how many there are and how many are needed.
    """
    y, X, codes, names = _design(data, outcome, predictors, group, random_slopes)
    re_names = [INTERCEPT, *random_slopes]
    _check_size(len(y), len(np.unique(codes)), group, len(names), len(re_names))
    if engine == "profile" and random_slopes:
        raise ValueError("the profile engine fits random intercepts only; use engine='statsmodels' for slopes")
    if engine in ("auto", "profile") and not random_slopes:
        parts = fit_random_intercept(y, X, codes, names, reml)
        G, sigma2, cov_var = parts["cov_re"], parts["var_resid"], parts["cov_var"]
        params, bse, loglik, used = parts["params"], parts["bse"], parts["loglik"], "profile"
        attempts = pd.DataFrame(
            [{"optimiser": "profile", "loglik": loglik, "converged": True, "messages": "", "kept": True}]
        )
    else:
        Z = np.column_stack([np.ones(len(y)), data[list(random_slopes)].to_numpy(float)])
        res, attempts = _fit_statsmodels(y, X, Z, codes, reml)
        G, sigma2 = np.asarray(res.cov_re), float(res.scale)
        params = pd.Series(np.asarray(res.fe_params), index=names)
        bse = pd.Series(np.asarray(res.bse_fe), index=names)
        loglik, used = float(res.llf), "statsmodels"
        cov_var = np.linalg.inv(_dense_information(y, X, Z, codes, G, sigma2, reml))
    se = np.sqrt(np.diag(cov_var))
    se_G = np.zeros_like(G)
    pos = 0
    for a in range(G.shape[0]):
        for b in range(a + 1):
            se_G[a, b] = se_G[b, a] = se[pos]
            pos += 1
    return TwoLevelResult(
        params=params,
        bse=bse,
        cov_re=pd.DataFrame(G, index=re_names, columns=re_names),
        var_resid=float(sigma2),
        se_cov_re=pd.DataFrame(se_G, index=re_names, columns=re_names),
        se_var_resid=float(se[-1]),
        loglik=float(loglik),
        reml=reml,
        n_obs=len(y),
        n_groups=int(codes.max()) + 1,
        engine=used,
        attempts=attempts,
    )
