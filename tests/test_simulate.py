"""The simulated replication of the matched-schools design (``schoolcollab.study.simulate``).

The recovery study runs its matching on arrays for speed; these tests hold that path to the public,
MatchIt-validated ``nearest_neighbor_match``, and check that the design recovers what it plants.
"""

from __future__ import annotations

import numpy as np
import pytest

from schoolcollab.study import simulate
from schoolcollab.study.replication import calibration


@pytest.fixture(scope="module")
def cal() -> simulate.Calibration:
    return calibration("supported")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_array_matching_keeps_the_schools_the_public_matcher_keeps(cal, seed: int) -> None:
    pop = simulate.draw_population(cal, np.random.default_rng(seed))
    public = simulate.matched_schools(pop, cal, np.random.default_rng([seed, 1]))
    fast = simulate._matched_ids(pop, cal, np.random.default_rng([seed, 1]))
    assert fast.tolist() == sorted(public.matched.index.tolist())
    assert pop.partner[fast].sum() == cal.n_partner == (~pop.partner[fast]).sum()


def test_same_generator_same_study_and_nothing_seeded_globally(cal) -> None:
    global_state = np.random.get_state()[1].copy()
    first = simulate.replicate(cal, np.random.default_rng(7))
    assert first.equals(simulate.replicate(cal, np.random.default_rng(7)))
    assert not first.equals(simulate.replicate(cal, np.random.default_rng(8)))
    assert (np.random.get_state()[1] == global_state).all()  # numpy's global generator untouched


def test_recovery_study_finds_the_planted_effect(cal) -> None:
    runs, summary = simulate.recovery_study(cal, 40, np.random.default_rng(11))
    assert len(runs) == 40 * len(simulate.YEARS)
    # mean estimate within 3 Monte Carlo standard errors of the truth, in every year
    mcse = summary["sd_estimate"] / np.sqrt(summary["reps"])
    assert ((summary["mean_estimate"] - summary["truth"]).abs() <= 3 * mcse).all(), summary
    # nominal 95 % intervals cover in roughly 95 % of studies (40 reps: allow 80-100 %)
    assert summary["coverage"].between(0.8, 1.0).all(), summary
    # model standard errors agree with the spread of the estimates
    assert (summary["mean_se"] / summary["sd_estimate"]).between(0.7, 1.4).all(), summary
