"""A simulated replication of the matched-schools design, calibrated to the published tables.

The pupil data behind Muijs (2015) are not public, so this module builds data with the same structure
and known truth, then runs the study's pipeline on it: schools join partnerships with selection on their
intake; each partnership school is matched to one comparison school on intake over the two years before;
two-level models of Key Stage 2 points with pupil predictors and a partnership dummy are fitted for the
baseline year and three programme years. Repeating this over many seeds shows how often the confidence
interval covers the planted effect and how biased the estimate is.

What is calibrated: pupil coefficients and the partnership effect by year (Table 4, Table 3 where a
Table 4 cell is missing), the school share of variance in the empty model (Table 2) and the share of
pupil-level variance the intake explains (Table 3). What is assumed, because the paper does not report
it: covariate distributions (a deprived urban authority), the pool of candidate schools, cohort sizes,
and the scale of prior attainment. Every number is drawn from a ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import ndtr

from .matching import MatchResult, greedy_match, logit_score, nearest_neighbor_match
from .multilevel_profile import fit_random_intercept
from .published import PUPIL_TERMS

MATCH_ON = ["fsm", "idaci", "male", "sen", "home_language_english", "minority", "ks1_prior_attainment"]
YEARS = (0, 1, 2, 3)
# Black is the study's reference group (seed 2, Methods); White is a dummy like the other groups.
MINORITY_GROUPS = ["black", "pakistani_bangladeshi", "other_asian", "mixed", "other_ethnicity"]
MINORITY_SHARES = np.array([0.24, 0.32, 0.16, 0.20, 0.08])  # among pupils who are not White (assumed)


@dataclass(frozen=True)
class Calibration:
    """Published targets for one sample (supported or supporting schools) plus the assumed design."""

    sample: str
    coefficients: dict[int, dict[str, float]]  # year -> term -> pupil-level coefficient (incl. constant)
    effects: dict[int, float]  # year -> planted partnership effect
    level2_share: dict[int, float]  # year -> school share of variance, empty model
    explained_level1: dict[int, float]  # year -> share of pupil variance explained by intake
    n_partner: int
    n_pool: int = 400
    mean_cohort: int = 40
    selection: float = 1.0  # how strongly intake drives joining (log-odds per SD)
    ks1_sd: float = 0.5  # assumed spread of prior attainment in its own units
    segregation: float = 0.2  # share of pupil disadvantage that lies between schools
    filled: tuple[str, ...] = field(default=())  # cells Table 4 lacks, and where they were taken from


def calibrate(coefficients: pd.DataFrame, variance: pd.DataFrame, sample: str, n_partner: int) -> Calibration:
    """Targets for ``sample`` from the transcribed tables (see :mod:`schoolcollab.published`)."""
    coefs = coefficients[coefficients["sample"] == sample].dropna(subset=["coefficient"])
    var = variance[variance["sample"] == sample].dropna(subset=["value"])

    def cell(frame: pd.DataFrame, **where: object) -> float | None:
        hit = frame.loc[np.logical_and.reduce([frame[k] == v for k, v in where.items()])]
        return float(hit.iloc[0]["coefficient" if "coefficient" in hit else "value"]) if len(hit) else None

    def needed(frame: pd.DataFrame, **where: object) -> float:
        value = cell(frame, **where)
        if value is None:
            raise ValueError(f"no published value for {where} ({sample} schools)")
        return value

    by_year, effects, filled = {}, {}, []
    for year in YEARS:
        terms = {}
        for term in ["constant", *PUPIL_TERMS]:
            value = cell(coefs, table=4, year=year, term=term)
            if value is None:
                value = cell(coefs, table=3, year=year, term=term)
                filled.append(f"{term} year {year} (Table 3)")
            if value is None:
                # Lost in both tables: the mean of the years that survive, Table 4 first.
                others = coefs[(coefs["term"] == term) & (coefs["table"] == 4)]["coefficient"]
                others = others if len(others) else coefs[coefs["term"] == term]["coefficient"]
                if len(others) == 0:
                    raise ValueError(f"no published coefficient for {term!r} in any year ({sample} schools)")
                value = float(others.mean())
                filled[-1] = f"{term} year {year} (mean of other years)"
            terms[term] = value
        by_year[year] = terms
        effect = cell(coefs, table=4, year=year, term="partnership")
        if effect is None:
            raise ValueError(f"no published partnership effect for {sample} schools, year {year}")
        effects[year] = effect
    share = {y: needed(var, table=2, year=y, quantity="pct_level2") / 100 for y in YEARS}
    explained = {y: needed(var, table=3, year=y, quantity="pct_explained_level1") / 100 for y in YEARS}
    return Calibration(
        sample=sample,
        coefficients=by_year,
        effects=effects,
        level2_share=share,
        explained_level1=explained,
        n_partner=n_partner,
        filled=tuple(filled),
    )


Columns = dict[str, np.ndarray]


def _pupils(
    school: np.ndarray, deprivation: np.ndarray, minority_rate: np.ndarray, cal: Calibration, rng: np.random.Generator
) -> Columns:
    """Intake covariates for pupils of the given schools (one entry of ``school`` per pupil), as arrays:
    a simulated study draws thousands of cohorts, and a DataFrame per cohort cost more than the draws."""
    n = len(school)
    rho = cal.segregation
    a = np.sqrt(rho) * deprivation[school] + np.sqrt(1 - rho) * rng.standard_normal(n)
    minority = rng.random(n) < minority_rate[school]
    ethnic = rng.choice(len(MINORITY_GROUPS), size=n, p=MINORITY_SHARES)
    sen = 0.6 * a + 0.8 * rng.standard_normal(n)
    cut = np.quantile(sen, [0.80, 0.94, 0.98]) if n > 50 else np.array([0.84, 1.55, 2.05])
    out = {
        "school": school,
        "fsm": (rng.random(n) < ndtr(0.9 * a - 0.35)).astype(float),
        "idaci": np.clip(0.35 + 0.12 * deprivation[school] + 0.06 * rng.standard_normal(n), 0.0, 1.0),
        "male": (rng.random(n) < 0.5).astype(float),
        "school_action": ((sen > cut[0]) & (sen <= cut[1])).astype(float),
        "school_action_plus": ((sen > cut[1]) & (sen <= cut[2])).astype(float),
        "statemented": (sen > cut[2]).astype(float),
        "home_language_english": 1.0 - (minority & (rng.random(n) < 0.6)),
        "ks1_prior_attainment": cal.ks1_sd * (-0.45 * a + np.sqrt(1 - 0.45**2) * rng.standard_normal(n)),
    }
    out["white"] = (~minority).astype(float)
    for k, name in enumerate(MINORITY_GROUPS[1:], start=1):
        out[name] = (minority & (ethnic == k)).astype(float)
    return out


def _matrix(pupils: Columns, terms: list[str]) -> np.ndarray:
    return np.column_stack([pupils[t] for t in terms])


@dataclass(frozen=True)
class Population:
    """Schools of the authority and its neighbours with their fixed characteristics."""

    deprivation: np.ndarray
    minority_rate: np.ndarray
    cohort: np.ndarray
    school_effect: np.ndarray  # standard-normal; scaled by each year's school variance
    partner: np.ndarray  # True for the partnership schools of this sample
    excluded: np.ndarray  # partnership schools of the other sample: never comparators


def draw_population(cal: Calibration, rng: np.random.Generator, n_other: int = 17) -> Population:
    """Schools, with ``n_partner`` chosen by intake (deprived schools are supported; the others support)."""
    deprivation = rng.standard_normal(cal.n_pool)
    sign = 1.0 if cal.sample == "supported" else -1.0
    weights = np.exp(sign * cal.selection * deprivation)
    chosen = rng.choice(cal.n_pool, size=cal.n_partner + n_other, replace=False, p=weights / weights.sum())
    partner = np.zeros(cal.n_pool, dtype=bool)
    partner[chosen[: cal.n_partner]] = True
    excluded = np.zeros(cal.n_pool, dtype=bool)
    excluded[chosen[cal.n_partner :]] = True
    return Population(
        deprivation=deprivation,
        minority_rate=ndtr(-1.1 + 0.5 * rng.standard_normal(cal.n_pool)),
        cohort=10 + rng.poisson(cal.mean_cohort - 10, cal.n_pool),
        school_effect=rng.standard_normal(cal.n_pool),
        partner=partner,
        excluded=excluded,
    )


def _cohort(pop: Population, schools: np.ndarray, cal: Calibration, rng: np.random.Generator) -> Columns:
    return _pupils(np.repeat(schools, pop.cohort[schools]), pop.deprivation, pop.minority_rate, cal, rng)


def _intake_variances(cal: Calibration, seed: int, n_schools: int = 400) -> dict[int, tuple[float, float]]:
    """Between- and within-school variance of the intake part of each year's model, for the simulated
    covariates. One draw serves every year (the years differ in their coefficients only)."""
    rng = np.random.default_rng(seed)
    pop = draw_population(replace(cal, n_pool=n_schools), rng)
    pupils = _cohort(pop, np.arange(n_schools), cal, rng)
    intake = _matrix(pupils, PUPIL_TERMS)
    codes = pupils["school"]  # schools 0..n_schools-1, so the codes are the schools themselves
    sizes = np.bincount(codes, minlength=n_schools)
    out = {}
    for year in YEARS:
        eta = intake @ np.array([cal.coefficients[year][t] for t in PUPIL_TERMS])
        school_mean = (np.bincount(codes, eta, n_schools) / sizes)[codes]
        out[year] = (float(np.var(school_mean)), float(np.var(eta - school_mean)))
    return out


def variance_components(cal: Calibration, seed: int) -> dict[int, tuple[float, float, float]]:
    """For each year: residual school and pupil variances giving the published empty-model school share
    and pupil-level variance explained, and the share of school variance the intake then explains."""
    out = {}
    for year, (var_between, var_within) in _intake_variances(cal, seed).items():
        pupil_total = var_within / cal.explained_level1[year]
        share = cal.level2_share[year]
        school_total = share / (1 - share) * pupil_total
        # The intake can explain at most all of the school variance; keep a floor of residual school variance.
        tau = max(school_total - var_between, 0.05 * school_total)
        out[year] = (tau, pupil_total - var_within, 1.0 - tau / school_total)
    return out


def approximate_se(cal: Calibration, seed: int) -> float:
    """Large-sample standard error of the partnership term, averaged over years, for this design."""
    ses = [
        np.sqrt((tau + sigma2 / cal.mean_cohort) * 2.0 / cal.n_partner)
        for tau, sigma2, _ in variance_components(cal, seed).values()
    ]
    return float(np.mean(ses))


def _solve(gap, lo: float, hi: float) -> float:
    """Root of an increasing ``gap`` on [lo, hi], or the nearer end when there is none."""
    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo >= 0:
        return lo
    if g_hi <= 0:
        return hi
    return float(optimize.brentq(gap, lo, hi, xtol=1e-3))


def fit_design(
    cal: Calibration, target_explained_level2: float, target_se: float, rng: np.random.Generator
) -> Calibration:
    """Set the two things the paper does not report: how segregated the intake is between schools
    (so the intake explains the published share of school variance) and the spread of prior attainment,
    whose units are not given and which sets the scale of every variance (so the partnership term is
    as precise as published). Both are solved on year-averaged targets with a fixed seed."""
    seed = int(rng.integers(2**32))

    def explained_at(c: Calibration) -> float:
        return float(np.mean([explained for _, _, explained in variance_components(c, seed).values()]))

    def with_segregation(c: Calibration) -> Calibration:
        rho = _solve(lambda r: explained_at(replace(c, segregation=r)) - target_explained_level2, 0.01, 0.95)
        return replace(c, segregation=rho)

    def se_gap(sd: float) -> float:
        return approximate_se(with_segregation(replace(cal, ks1_sd=sd)), seed) - target_se

    return with_segregation(replace(cal, ks1_sd=_solve(se_gap, 0.05, 3.0)))


def _prior_intake(pop: Population, cal: Calibration, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The candidate schools and their mean intake (columns ``MATCH_ON``) over two prior year groups."""
    candidates = np.flatnonzero(~pop.excluded)
    # Two prior year groups per school, drawn at once; school means by bincount (pandas groupby is slower).
    prior = _pupils(np.repeat(candidates, 2 * pop.cohort[candidates]), pop.deprivation, pop.minority_rate, cal, rng)
    prior["sen"] = prior["school_action"] + prior["school_action_plus"] + prior["statemented"]
    prior["minority"] = 1.0 - prior["white"]
    codes = np.searchsorted(candidates, prior["school"])
    counts = np.bincount(codes, minlength=len(candidates))
    return candidates, np.column_stack([np.bincount(codes, prior[col], len(candidates)) / counts for col in MATCH_ON])


def matched_schools(pop: Population, cal: Calibration, rng: np.random.Generator) -> MatchResult:
    """Match each partnership school to one non-partnership school on intake in the two prior years."""
    candidates, intake = _prior_intake(pop, cal, rng)
    schools = pd.DataFrame(intake, columns=MATCH_ON, index=candidates)
    schools["partner"] = pop.partner[candidates].astype(int)
    return nearest_neighbor_match(schools, "partner", MATCH_ON)


def _matched_ids(pop: Population, cal: Calibration, rng: np.random.Generator) -> np.ndarray:
    """The schools :func:`matched_schools` keeps, by the same rule on arrays (a study runs this once;
    the recovery study runs it hundreds of times and needs no balance table)."""
    candidates, intake = _prior_intake(pop, cal, rng)
    treat = pop.partner[candidates]
    matches = greedy_match(logit_score(treat, intake), treat)
    kept = [i for i, found in matches.items() if found] + [c for found in matches.values() for c in found]
    return candidates[np.sort(kept)]


def replicate(
    cal: Calibration, rng: np.random.Generator, components: dict[int, tuple[float, float]] | None = None
) -> pd.DataFrame:
    """One simulated study: the partnership estimate, its interval and the truth for each year."""
    seed = int(rng.integers(2**32))
    components = components or {y: v[:2] for y, v in variance_components(cal, seed).items()}
    pop = draw_population(cal, rng)
    analysed = _matched_ids(pop, cal, rng)
    rows = []
    for year in YEARS:
        tau, sigma2 = components[year]
        pupils = _cohort(pop, analysed, cal, rng)
        school = pupils["school"]
        n = len(school)
        treated = pop.partner[school].astype(float)
        coef = cal.coefficients[year]
        intake = _matrix(pupils, PUPIL_TERMS)
        ks2 = (
            coef["constant"]
            + intake @ np.array([coef[t] for t in PUPIL_TERMS])
            + cal.effects[year] * treated
            + np.sqrt(tau) * pop.school_effect[school]
            + np.sqrt(sigma2) * rng.standard_normal(n)
        )
        # The public fit_two_level validates a DataFrame; here the arrays are built, so fit them directly.
        codes = np.unique(school, return_inverse=True)[1]
        X = np.column_stack([np.ones(n), intake, treated])
        fit = fit_random_intercept(ks2, X, codes, ["Intercept", *PUPIL_TERMS, "partnership"], reml=False)
        est, se = float(fit["params"]["partnership"]), float(fit["bse"]["partnership"])
        tau_hat = float(fit["cov_re"][0, 0])
        rows.append(
            {
                "sample": cal.sample,
                "year": year,
                "estimate": est,
                "se": se,
                "lower": est - 1.96 * se,
                "upper": est + 1.96 * se,
                "truth": cal.effects[year],
                "n_pupils": n,
                "n_schools": int(codes.max()) + 1,
                "vpc": tau_hat / (tau_hat + float(fit["var_resid"])),
            }
        )
    return pd.DataFrame(rows)


def recovery_study(cal: Calibration, n_reps: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``n_reps`` simulated studies; return every estimate and a per-year summary of bias and coverage."""
    seed = int(rng.integers(2**32))
    components = {y: v[:2] for y, v in variance_components(cal, seed).items()}
    runs = pd.concat([replicate(cal, rng, components).assign(rep=r) for r in range(n_reps)], ignore_index=True)
    runs["covered"] = (runs["lower"] <= runs["truth"]) & (runs["truth"] <= runs["upper"])
    runs["significant"] = (runs["estimate"] / runs["se"]).abs() >= 1.96
    grouped = runs.groupby(["sample", "year"])
    summary = grouped.agg(
        truth=("truth", "first"),
        mean_estimate=("estimate", "mean"),
        sd_estimate=("estimate", "std"),
        mean_se=("se", "mean"),
        coverage=("covered", "mean"),
        power=("significant", "mean"),
        reps=("rep", "count"),
    )
    summary["bias"] = summary["mean_estimate"] - summary["truth"]
    summary["mcse_coverage"] = np.sqrt(summary["coverage"] * (1 - summary["coverage"]) / summary["reps"])
    return runs, summary.reset_index()
