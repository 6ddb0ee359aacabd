"""A national cohort: random-intercept model, 15 pupil covariates, 600,000 pupils in 3,000 schools.

    .venv/bin/python benchmarks/multilevel.py [PUPILS] [SCHOOLS]

Prints the seconds and peak memory of ``fit_two_level`` (the profile-likelihood path) and of a plain
statsmodels MixedLM fit of the same model, each in its own process, and the difference in their
maximised log-likelihoods. Targets: ours under 10 s and 2 GB, at least 2x faster than MixedLM, same
log-likelihood to 1e-3.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N_COVARIATES = 15


def make_data(n_pupils: int, n_schools: int, rng: np.random.Generator) -> pd.DataFrame:
    """Pupils unevenly spread over schools, a mix of binary and continuous covariates, ICC about 0.15."""
    sizes = rng.dirichlet(np.full(n_schools, 5.0)) * n_pupils
    school = np.repeat(np.arange(n_schools), np.maximum(1, np.round(sizes)).astype(int))[:n_pupils]
    school = np.concatenate([school, rng.integers(0, n_schools, n_pupils - len(school))])
    shift = rng.standard_normal(n_schools)
    cols = {}
    for k in range(N_COVARIATES):
        latent = 0.4 * shift[school] + rng.standard_normal(n_pupils)
        cols[f"x{k}"] = (latent > 0.8).astype(float) if k % 3 == 0 else latent
    X = np.column_stack(list(cols.values()))
    beta = rng.normal(0, 0.3, N_COVARIATES)
    y = 1.0 + X @ beta + 0.42 * rng.standard_normal(n_schools)[school] + rng.standard_normal(n_pupils)
    return pd.DataFrame({"school": school, "y": y, **cols})


def run(engine: str, n_pupils: int, n_schools: int) -> dict[str, object]:
    """Fit in this process; for MixedLM, one fit per optimiser (statsmodels' default first)."""
    data = make_data(n_pupils, n_schools, np.random.default_rng(20151047))
    covs = [f"x{k}" for k in range(N_COVARIATES)]
    if engine == "profile":
        from schoolcollab.study.multilevel import fit_two_level

        start = time.perf_counter()
        llf = fit_two_level(data, "y", covs, "school", reml=False).loglik
        fits = [{"method": "profile", "seconds": time.perf_counter() - start, "loglik": llf}]
    else:
        from statsmodels.regression.mixed_linear_model import MixedLM

        X = np.column_stack([np.ones(len(data)), data[covs].to_numpy()])
        model = MixedLM(data["y"].to_numpy(), X, groups=data["school"].to_numpy())
        fits = []
        for method in (None, "lbfgs", "powell"):
            start = time.perf_counter()
            res = model.fit(reml=False) if method is None else model.fit(reml=False, method=[method])
            fits.append(
                {"method": method or "default", "seconds": time.perf_counter() - start, "loglik": float(res.llf)}
            )
    return {"fits": fits, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(n_pupils: int, n_schools: int) -> None:
    results = {}
    for engine in ("profile", "statsmodels"):
        out = subprocess.run(
            [sys.executable, __file__, "--engine", engine, str(n_pupils), str(n_schools)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[engine] = json.loads(out)
    ours = results["profile"]["fits"][0]
    print(f"{n_pupils:,} pupils, {n_schools:,} schools, {N_COVARIATES} covariates, ML")
    print(
        f"  fit_two_level (profile)    {ours['seconds']:7.2f} s   loglik {ours['loglik']:.4f}   "
        f"peak {results['profile']['peak_mb']:.0f} MB (whole process, data included)"
    )
    reaching = []
    for fit in results["statsmodels"]["fits"]:
        gap = ours["loglik"] - fit["loglik"]
        reached = abs(gap) <= 1e-3
        reaching += [fit["seconds"]] if reached else []
        print(
            f"  MixedLM method={fit['method']:8s} {fit['seconds']:7.2f} s   loglik {fit['loglik']:.4f}   "
            f"ours - MixedLM {gap:+.2e}{'   (same optimum)' if reached else '   (stopped short)' if gap > 0 else ''}"
        )
    print(f"  MixedLM peak {results['statsmodels']['peak_mb']:.0f} MB")
    if reaching:
        speed_up = min(reaching) / ours["seconds"]
        print(f"  speed-up over the fastest MixedLM fit reaching the same optimum: {speed_up:.1f} x")
    else:
        print("  no MixedLM fit reached the profile optimum to 1e-3")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--engine":
        print(json.dumps(run(args[1], int(args[2]), int(args[3]))))
    else:
        main(int(args[0]) if args else 600_000, int(args[1]) if len(args) > 1 else 3_000)
