"""Two-level models: the profile path against MixedLM, the variance SEs, the API's errors.

Agreement with published results on public data is in test_validation.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from schoolcollab.study.multilevel import fit_two_level, variance_explained
from schoolcollab.study.multilevel_profile import sufficient_stats, variance_information


def school_data(rng: np.random.Generator, n_schools: int = 60, tau: float = 0.3) -> pd.DataFrame:
    sizes = rng.integers(5, 40, n_schools)
    school = np.repeat(np.arange(n_schools), sizes)
    x1 = rng.standard_normal(len(school)) + 0.5 * rng.standard_normal(n_schools)[school]
    x2 = (rng.random(len(school)) < 0.3).astype(float)
    slope = 0.2 * rng.standard_normal(n_schools)
    y = (
        1.0
        + (0.5 + slope[school]) * x1
        - 0.7 * x2
        + np.sqrt(tau) * rng.standard_normal(n_schools)[school]
        + rng.standard_normal(len(school))
    )
    return pd.DataFrame({"school": school, "y": y, "x1": x1, "x2": x2})


@pytest.mark.parametrize("reml", [True, False])
def test_profile_path_agrees_with_mixedlm(reml):
    data = school_data(np.random.default_rng(7))
    fast = fit_two_level(data, "y", ["x1", "x2"], "school", reml=reml, engine="profile")
    slow = fit_two_level(data, "y", ["x1", "x2"], "school", reml=reml, engine="statsmodels")
    assert fast.loglik >= slow.loglik - 1e-6  # never a worse optimum than MixedLM's best
    assert fast.loglik == pytest.approx(slow.loglik, abs=1e-4)
    pd.testing.assert_series_equal(fast.params, slow.params, atol=1e-4)
    pd.testing.assert_series_equal(fast.bse, slow.bse, atol=1e-4)
    assert fast.var_group == pytest.approx(slow.var_group, rel=1e-3)
    assert fast.var_resid == pytest.approx(slow.var_resid, rel=1e-4)
    # Closed-form (profile) and school-by-school (MixedLM path) information give the same SEs.
    assert fast.se_var_group == pytest.approx(slow.se_var_group, rel=1e-3)
    assert fast.se_var_resid == pytest.approx(slow.se_var_resid, rel=1e-3)


def test_variance_information_equals_the_variance_of_the_score():
    """The ML information for (tau, sigma2) is the covariance of the score at the truth: simulate it."""
    rng = np.random.default_rng(3)
    n_schools, reps, tau, sigma2 = 40, 20000, 0.5, 1.0
    n = rng.integers(4, 20, n_schools)
    school = np.repeat(np.arange(n_schools), n)
    X = np.column_stack([np.ones(len(school)), rng.standard_normal(len(school))])
    info = variance_information(sufficient_stats(np.zeros(len(school)), X, school), tau, sigma2, reml=False)
    # Residuals at the true coefficients, reps at a time; scores summed school by school.
    r = np.sqrt(tau) * rng.standard_normal((reps, n_schools))[:, school] + rng.standard_normal((reps, len(school)))
    onehot = np.eye(n_schools)[school]
    sums, squares = r @ onehot, (r * r) @ onehot
    lam = sigma2 + n * tau
    within = squares - sums**2 / n
    d_tau = 0.5 * np.sum(-n / lam + sums**2 / lam**2, axis=1)
    d_sig = 0.5 * np.sum(-(n - 1) / sigma2 - 1 / lam + within / sigma2**2 + sums**2 / (n * lam**2), axis=1)
    empirical = np.cov(np.vstack([d_tau, d_sig]))
    monte_carlo_se = np.sqrt(np.outer(np.diag(info), np.diag(info)) * 2 / reps)
    assert np.all(np.abs(info - empirical) < 4 * monte_carlo_se)


def test_random_slope_model_reports_every_attempt_and_keeps_the_best():
    data = school_data(np.random.default_rng(11))
    fit = fit_two_level(data, "y", ["x1", "x2"], "school", reml=False, random_slopes=["x1"])
    assert list(fit.attempts["optimiser"]) == ["lbfgs", "bfgs", "powell", "nm"]
    finite = fit.attempts["loglik"][np.isfinite(fit.attempts["loglik"])]
    assert fit.loglik == pytest.approx(finite.max())
    assert fit.attempts["kept"].sum() >= 1
    assert fit.cov_re.shape == (2, 2) and fit.se_cov_re.shape == (2, 2)
    assert fit.cov_re.loc["x1", "x1"] > 0 and fit.se_cov_re.loc["x1", "x1"] > 0


def test_variance_explained_and_vpc():
    data = school_data(np.random.default_rng(5))
    empty = fit_two_level(data, "y", [], "school")
    full = fit_two_level(data, "y", ["x1", "x2"], "school")
    explained = variance_explained(empty, full)
    assert empty.vpc == pytest.approx(empty.var_group / (empty.var_group + empty.var_resid))
    assert 0 < explained["level1"] < 1 and 0 < explained["total"] < 1
    total = (empty.var_group + empty.var_resid - full.var_group - full.var_resid) / (empty.var_group + empty.var_resid)
    assert explained["total"] == pytest.approx(total)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"predictors": ["nope"]}, "columns not in the data: nope"),
        ({"predictors": ["label"]}, "must be numeric"),
        ({"predictors": ["x1"], "random_slopes": ["x2"]}, "add x2 to predictors"),
        ({"predictors": ["x1"], "random_slopes": ["x1"], "engine": "profile"}, "random intercepts only"),
    ],
)
def test_bad_requests_say_what_is_wrong(kwargs, message):
    data = school_data(np.random.default_rng(1)).assign(label="a")
    with pytest.raises(ValueError, match=message):
        fit_two_level(data, "y", group="school", **kwargs)


def test_missing_values_are_refused_not_dropped():
    data = school_data(np.random.default_rng(1))
    data.loc[3, "x1"] = np.nan
    with pytest.raises(ValueError, match="missing values in: x1"):
        fit_two_level(data, "y", ["x1"], "school")


@pytest.mark.parametrize("engine", ["profile", "statsmodels"])
@pytest.mark.parametrize("n_groups", [0, 1])
def test_fewer_than_two_groups_are_refused(n_groups, engine):
    data = school_data(np.random.default_rng(2))
    data = data[data["school"] < n_groups]  # one school's pupils, or none at all
    with pytest.raises(ValueError, match=f"needs at least 2 groups in 'school', and the data have {n_groups}:"):
        fit_two_level(data, "y", ["x1"], "school", engine=engine)


@pytest.mark.parametrize(
    "predictors, slopes, needed",
    [
        (["x1", "x2"], [], 5),  # 3 fixed effects + group and residual variances
        (["x1"], ["x1"], 6),  # 2 fixed effects + 2 variances and a covariance + residual variance
    ],
)
def test_as_many_observations_as_parameters_are_refused(predictors, slopes, needed):
    data = school_data(np.random.default_rng(3))
    few = pd.concat([data[data["school"] == 0].head(3), data[data["school"] == 1].head(needed - 3)])
    assert len(few) == needed and few["school"].nunique() == 2
    fixed, variances = len(predictors) + 1, needed - len(predictors) - 1
    with pytest.raises(
        ValueError,
        match=rf"with {fixed} fixed effect\(s\) and {variances} variance parameter\(s\) needs more than "
        rf"{needed} observations, and the data have {needed}$",
    ):
        fit_two_level(few, "y", predictors, "school", random_slopes=slopes)


def test_one_observation_more_than_the_parameters_is_fitted():
    data = school_data(np.random.default_rng(3))
    few = pd.concat([data[data["school"] == 0].head(3), data[data["school"] == 1].head(3)])
    fit = fit_two_level(few, "y", ["x1", "x2"], "school")  # 6 observations, 5 parameters
    assert (fit.n_obs, fit.n_groups) == (6, 2)
    assert np.isfinite(fit.loglik) and np.isfinite(fit.params).all()
