"""Nearest-neighbour matching on the propensity score: the rules, on small cases with known answers.

Agreement with MatchIt's published output on the Lalonde data is in test_validation.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from schoolcollab.study.matching import balance_table, nearest_neighbor_match, propensity_score


def toy() -> tuple[pd.DataFrame, pd.Series]:
    """Three treated, five controls, scores chosen by hand."""
    data = pd.DataFrame(
        {"treat": [1, 1, 1, 0, 0, 0, 0, 0], "x": [5.0, 3.0, 1.0, 4.9, 3.2, 2.9, 0.0, 1.05]}, index=list("abcdefgh")
    )
    return data, data["x"] / 10


def test_largest_score_first_without_replacement():
    data, score = toy()
    m = nearest_neighbor_match(data, "treat", ["x"], distance=score)
    assert list(m.pairs["treated"]) == ["a", "b", "c"]  # 0.5, 0.3, 0.1: largest first
    assert list(m.pairs["control"]) == ["d", "f", "h"]  # b: f (0.01 away) beats e (0.02)
    assert set(m.matched.index) == set("abcdfh")
    assert (m.matched["weights"] == 1).all()


def test_an_earlier_match_takes_the_control_away():
    data = pd.DataFrame({"treat": [1, 1, 0, 0], "x": [0.50, 0.48, 0.49, 0.10]}, index=list("abcd"))
    m = nearest_neighbor_match(data, "treat", ["x"], distance=data["x"])
    assert dict(zip(m.pairs["treated"], m.pairs["control"], strict=False)) == {"a": "c", "b": "d"}
    again = nearest_neighbor_match(data, "treat", ["x"], distance=data["x"], replace=True)
    assert dict(zip(again.pairs["treated"], again.pairs["control"], strict=False)) == {"a": "c", "b": "c"}
    assert again.data.loc["c", "weights"] == pytest.approx(1.0)  # 2 uses rescaled to 1 matched control


def test_ratio_matches_in_rounds_and_weights_follow_matchit():
    data, score = toy()
    m = nearest_neighbor_match(data, "treat", ["x"], ratio=2, distance=score)
    assert list(m.pairs["round"]) == [1, 1, 1, 2, 2]  # every treated unit's first match before any second
    assert m.pairs.groupby("treated").size().to_dict() == {"a": 2, "b": 2, "c": 1}
    controls = m.matched[m.matched["treat"] == 0]
    assert controls["weights"].sum() == pytest.approx(len(controls))


def test_caliper_drops_treated_units_without_a_close_control():
    data, score = toy()
    loose = nearest_neighbor_match(data, "treat", ["x"], distance=score)
    tight = nearest_neighbor_match(data, "treat", ["x"], distance=score, caliper=0.01 / score.std())
    assert len(tight.pairs) < len(loose.pairs)
    gaps = score[tight.pairs["treated"]].to_numpy() - score[tight.pairs["control"]].to_numpy()
    assert np.all(np.abs(gaps) <= 0.01 + 1e-12)


def test_ties_go_to_the_control_that_comes_first():
    data = pd.DataFrame({"treat": [1, 0, 0], "x": [0.5, 0.4, 0.6]}, index=["t", "c1", "c2"])
    m = nearest_neighbor_match(data, "treat", ["x"], distance=data["x"])
    assert m.pairs["control"].tolist() == ["c1"]


def test_matching_improves_balance_on_confounded_data():
    rng = np.random.default_rng(4)
    n = 600
    x = rng.standard_normal(n)
    group = rng.choice(["a", "b", "c"], n)
    treat = (rng.random(n) < 1 / (1 + np.exp(-(1.2 * x - 2.0 + (group == "a"))))).astype(int)
    data = pd.DataFrame({"treat": treat, "x": x, "group": group})
    m = nearest_neighbor_match(data, "treat", ["x", "group"])
    table = m.balance()
    assert abs(table.loc["x", "smd_after"]) < abs(table.loc["x", "smd_before"]) / 3
    assert {"group_a", "group_b", "group_c", "distance"} <= set(table.index)
    assert np.isnan(table.loc["group_a", "var_ratio_before"])  # binary: no variance ratio
    score = propensity_score(data, "treat", ["x", "group"])
    assert score.between(0, 1).all() and score.corr(pd.Series(x)) > 0.8


def test_balance_before_uses_the_treated_sd():
    data = pd.DataFrame({"treat": [1, 1, 1, 0, 0], "x": [1.0, 2.0, 3.0, 0.0, 4.0]})
    table = balance_table(data, "treat", ["x"], distance=None)
    assert table.loc["x", "smd_before"] == pytest.approx((2.0 - 2.0) / 1.0)
    assert table.loc["x", "var_ratio_before"] == pytest.approx(1.0 / 8.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"covariates": ["nope"]}, "covariate 'nope' is not a column"),
        ({"covariates": ["x"], "ratio": 0}, "ratio must be a positive whole number"),
        ({"covariates": ["x"], "treatment": "x"}, "must hold 0/1"),
    ],
)
def test_bad_requests_say_what_is_wrong(kwargs, message):
    data, _ = toy()
    kwargs.setdefault("treatment", "treat")
    with pytest.raises(ValueError, match=message):
        nearest_neighbor_match(data, **kwargs)
