"""The random-intercept model fitted exactly through per-school sufficient statistics.

For ``y_ij = x_ij'b + u_j + e_ij`` with ``u_j ~ N(0, tau)`` and ``e_ij ~ N(0, sigma2)`` every quantity the
likelihood needs is a sum over schools of a few small arrays, because each school's covariance matrix
``sigma2 * I + tau * J`` has only two eigenvalues. With ``gamma = tau / sigma2`` the fixed effects and
``sigma2`` have closed forms, so the ML or REML likelihood is a function of ``gamma`` alone: one cheap
one-dimensional optimisation instead of MixedLM's general search. Agreement with MixedLM is tested.

Standard errors of the two variances come from the expected (Fisher) information on the variance
scale, the quantity MLwiN and HLM report; the REML version includes the fixed-effects correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd
from scipy import optimize, sparse

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class SufficientStats:
    """Everything the random-intercept likelihood needs, summed so that pupils never enter again."""

    n: np.ndarray  # pupils per school (J,)
    s: np.ndarray  # column sums of X per school (J, p)
    t: np.ndarray  # sum of y per school (J,)
    cxx: np.ndarray  # within-school cross-products of X, summed over schools (p, p)
    cxy: np.ndarray  # the same for X and y (p,)
    cyy: float  # the same for y

    @property
    def n_obs(self) -> int:
        return int(self.n.sum())

    @property
    def n_params(self) -> int:
        return self.s.shape[1]


def sufficient_stats(y: np.ndarray, X: np.ndarray, codes: np.ndarray) -> SufficientStats:
    """Reduce pupils to schools: ``codes`` numbers the schools 0..J-1."""
    n_groups = int(codes.max()) + 1
    indicator = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes)))
    n = np.asarray(indicator.sum(axis=1)).ravel()
    s = np.asarray(indicator @ X)
    t = np.asarray(indicator @ y).ravel()
    cxx = X.T @ X - (s.T / n) @ s
    cxy = X.T @ y - (s.T / n) @ t
    cyy = float(y @ y - (t * t / n).sum())
    return SufficientStats(n=n, s=s, t=t, cxx=cxx, cxy=cxy, cyy=cyy)


@dataclass(frozen=True)
class ProfileFit:
    """Estimates at the optimum of the profiled likelihood."""

    beta: np.ndarray
    cov_beta: np.ndarray
    tau: float
    sigma2: float
    loglik: float
    gamma: float


def _gls(st: SufficientStats, gamma: float) -> tuple[np.ndarray, np.ndarray, float]:
    """sigma2 * X'V^-1 X, the GLS estimate and the residual quadratic form (times sigma2)."""
    d = 1.0 / (st.n * (1.0 + st.n * gamma))
    W = st.cxx + (st.s.T * d) @ st.s
    w = st.cxy + st.s.T @ (d * st.t)
    beta = np.linalg.solve(W, w)
    rss = st.cyy + float((d * st.t * st.t).sum()) - float(w @ beta)
    return W, beta, rss


def _profiled(
    st: SufficientStats, W: np.ndarray, rss: float | np.ndarray, logdet_v: np.ndarray, reml: bool
) -> np.ndarray:
    """The profiled ML or REML log-likelihood from the GLS pieces (one gamma, or a batch of them)."""
    if reml:
        dof = st.n_obs - st.n_params
        return -0.5 * (dof * (_LOG_2PI + np.log(rss / dof) + 1.0) + logdet_v + np.linalg.slogdet(W)[1])
    N = st.n_obs
    return -0.5 * (N * (_LOG_2PI + np.log(rss / N) + 1.0) + logdet_v)


def profile_loglik(st: SufficientStats, gamma: float, reml: bool) -> float:
    """The ML or REML log-likelihood with b and sigma2 profiled out, at ``gamma = tau / sigma2``."""
    W, _, rss = _gls(st, gamma)
    return float(_profiled(st, W, rss, np.log1p(st.n * gamma).sum(), reml))


def profile_loglik_grid(st: SufficientStats, gammas: np.ndarray, reml: bool) -> np.ndarray:
    """:func:`profile_loglik` at every value of ``gammas`` at once (one batched solve, not a loop:
    the simulated replication fits hundreds of models, each starting from this grid)."""
    gammas = np.asarray(gammas, dtype=float)
    d = 1.0 / (st.n * (1.0 + np.outer(gammas, st.n)))  # (G, J)
    W = st.cxx + np.einsum("jp,gj,jq->gpq", st.s, d, st.s)  # (G, p, p)
    w = st.cxy + (d * st.t) @ st.s  # (G, p)
    beta = np.linalg.solve(W, w[..., None])[..., 0]
    rss = st.cyy + (d * st.t * st.t).sum(axis=1) - (w * beta).sum(axis=1)
    logdet_v = np.log1p(np.outer(gammas, st.n)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # a non-positive rss is -inf/nan: never the peak
        return _profiled(st, W, rss, logdet_v, reml)


def fit_profile(st: SufficientStats, reml: bool) -> ProfileFit:
    """Maximise the profiled likelihood over ``gamma >= 0``: a log grid to find the peak, then Brent."""
    grid = np.concatenate([[0.0], np.logspace(-8, 4, 25)])
    values = profile_loglik_grid(st, grid, reml)
    k = int(np.nanargmax(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best = optimize.minimize_scalar(
        lambda g: -profile_loglik(st, g, reml),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-12 * max(hi, 1.0), "maxiter": 500},
    )
    gamma = float(best.x) if -best.fun >= values[k] else float(grid[k])
    W, beta, rss = _gls(st, gamma)
    sigma2 = rss / (st.n_obs - st.n_params if reml else st.n_obs)
    return ProfileFit(
        beta=beta,
        cov_beta=sigma2 * np.linalg.inv(W),
        tau=gamma * sigma2,
        sigma2=sigma2,
        loglik=profile_loglik(st, gamma, reml),
        gamma=gamma,
    )


def variance_information(st: SufficientStats, tau: float, sigma2: float, reml: bool) -> np.ndarray:
    """Expected information for (tau, sigma2); its inverse is their sampling covariance.

    ML: I_ab = tr(V^-1 A V^-1 B) / 2 with A, B in {J, I} (the derivatives of V). REML uses the projection
    P = V^-1 - V^-1 X M X' V^-1, M = (X'V^-1 X)^-1, expanded into sums of per-school terms.
    """
    n, s = st.n, st.s
    lam = sigma2 + n * tau  # the eigenvalue of a school's V along the ones vector
    trace = np.array(
        [[np.sum(n * n / lam**2), np.sum(n / lam**2)], [np.sum(n / lam**2), np.sum((n - 1) / sigma2**2 + 1.0 / lam**2)]]
    )
    if not reml:
        return 0.5 * trace

    def outer(weights: np.ndarray) -> np.ndarray:
        return (s.T * weights) @ s

    M = np.linalg.inv(st.cxx / sigma2 + outer(1.0 / (n * lam)))
    q = [outer(1.0 / lam**2), st.cxx / sigma2**2 + outer(1.0 / (n * lam**2))]  # X'V^-1 A V^-1 X
    r = [
        [outer(n / lam**3), outer(1.0 / lam**3)],  # X'V^-1 A V^-1 B V^-1 X
        [outer(1.0 / lam**3), st.cxx / sigma2**3 + outer(1.0 / (n * lam**3))],
    ]
    info = np.empty((2, 2))
    for a in range(2):
        for b in range(2):
            info[a, b] = trace[a, b] - 2.0 * np.trace(M @ r[a][b]) + np.trace(M @ q[a] @ M @ q[b])
    return 0.5 * info


class InterceptFit(TypedDict):
    """What :func:`fit_random_intercept` returns."""

    params: pd.Series
    bse: pd.Series
    cov_re: np.ndarray
    var_resid: float
    cov_var: np.ndarray
    loglik: float


def fit_random_intercept(y: np.ndarray, X: np.ndarray, codes: np.ndarray, names: list[str], reml: bool) -> InterceptFit:
    """Fit by profiling; return the pieces the public result is built from."""
    st = sufficient_stats(y, X, codes)
    fit = fit_profile(st, reml)
    cov_var = np.linalg.inv(variance_information(st, fit.tau, fit.sigma2, reml))
    return {
        "params": pd.Series(fit.beta, index=names),
        "bse": pd.Series(np.sqrt(np.diag(fit.cov_beta)), index=names),
        "cov_re": np.array([[fit.tau]]),
        "var_resid": fit.sigma2,
        "cov_var": cov_var,
        "loglik": fit.loglik,
    }
