"""Accuracy against wall-clock time: Gibbs draws and CAVI sweeps on the same footing.

Both :func:`gibbs_accuracy` and :func:`cavi_accuracy` return an :class:`AccuracyTrace`:
the worst error of the estimated posterior means (in posterior standard deviations) and
standard deviations (relative) after each draw or sweep, against seconds. Labels are
matched to the target first (:func:`vilib._util.match_means`), so a run in another
labelling of the same mode is not penalised. Chapter *VI against MCMC* (``book/gibbs.md``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._util import MAX_PERMUTATION_K, match_means
from .._validation import check_data, check_int, check_means, check_positive, output_means
from ..baselines.gibbs import GibbsResult
from ..core.cavi import cavi


@dataclass(frozen=True)
class AccuracyTrace:
    """How far an algorithm's estimates are from target posterior moments, against wall-clock time.

    Attributes
    ----------
    seconds : ndarray, shape (T,)
        Wall-clock time since the algorithm started, at each checkpoint.
    mean_error : ndarray, shape (T,)
        ``max_{k,j} |estimate of E[mu_kj | x] - target mean| / target sd``: the
        error of the means in units of the posterior standard deviation.
    sd_error : ndarray, shape (T,)
        ``max_{k,j} |estimated sd(mu_kj | x) / target sd - 1|`` (relative error).
    """

    seconds: np.ndarray
    mean_error: np.ndarray
    sd_error: np.ndarray

    def time_to(self, tol, *, which="mean") -> float:
        """First time after which the error stays ``<= tol`` (``inf`` if it never does).

        "Stays" matters for a sampler, whose running error fluctuates: a lucky
        early dip below ``tol`` does not count.
        """
        tol = check_positive("tol", tol)
        if which not in ("mean", "sd"):
            raise ValueError(f"which must be 'mean' or 'sd', got {which!r}")
        err = self.mean_error if which == "mean" else self.sd_error
        above = np.nonzero(err > tol)[0]
        if len(above) == 0:
            return float(self.seconds[0])
        if above[-1] == len(err) - 1:
            return float("inf")
        return float(self.seconds[above[-1] + 1])


def _targets(target_mean, target_var, K: int, d: int, one_d: bool):
    T = check_means(target_mean, d=d, one_d=one_d, name="target_mean", K=K)
    V = np.asarray(target_var, dtype=float)
    V = V[:, None] if one_d and V.ndim == 1 else V
    if V.shape != T.shape or not np.all(np.isfinite(V)) or np.any(V <= 0):
        raise ValueError(f"target_var must be positive with the shape of target_mean, got {np.shape(target_var)}")
    return T, V


def gibbs_accuracy(result: GibbsResult, target_mean, target_var) -> AccuracyTrace:
    """Error of the running Gibbs estimates of ``E[mu | x]`` and ``sd(mu | x)`` against time.

    After ``t`` kept draws the estimates are the running mean and the running
    standard deviation of the draws ``1..t``. The draws are first relabelled
    to ``target_mean`` (:meth:`GibbsResult.relabel`), so a chain that sits in
    another labelling of the same mode is not penalised.

    Parameters
    ----------
    result : GibbsResult
    target_mean, target_var : array, shape (K,) or (K, d)
        Reference posterior means and per-coordinate variances (e.g. from a
        long independent run).

    Returns
    -------
    AccuracyTrace
        One checkpoint per kept draw, from the second on.
    """
    if not isinstance(result, GibbsResult):
        raise ValueError("result must be a GibbsResult from vilib.gibbs")
    one_d = result.mu.ndim == 2
    d = 1 if one_d else result.mu.shape[2]
    T, V = _targets(target_mean, target_var, result.K, d, one_d)
    mu = result.relabel(output_means(T, one_d)).mu
    mu = mu[:, :, None] if one_d else mu
    t = np.arange(1, result.n_samples + 1)[:, None, None]
    # running moments by cumulative sums; centring on the target keeps the
    # variance formula E[y^2] - E[y]^2 free of cancellation
    y = mu - T[None]
    run_mean = np.cumsum(y, axis=0) / t
    run_var = (np.cumsum(y**2, axis=0) - t * run_mean**2)[1:] / (t[1:] - 1)
    mean_err = np.abs(run_mean[1:] / np.sqrt(V[None])).max(axis=(1, 2))
    sd_err = np.abs(np.sqrt(np.maximum(run_var, 0.0) / V[None]) - 1).max(axis=(1, 2))
    return AccuracyTrace(seconds=result.seconds[1:].copy(), mean_error=mean_err, sd_error=sd_err)


def cavi_accuracy(x, K, sigma, target_mean, target_var, *, lam=1.0, seed=None, init=None,
                  max_iter=500, tol=1e-8) -> AccuracyTrace:
    """Run :func:`vilib.cavi` and record the error of ``m`` and ``s`` after every sweep, against time.

    CAVI's estimate of ``E[mu_k | x]`` is ``m_k`` and of ``sd(mu_kj | x)`` is
    ``s_k``. Its labels are matched to ``target_mean`` once, by the
    permutation that best fits the final ``m``.

    Parameters
    ----------
    x, K, sigma, lam, seed, init, max_iter, tol
        As for :func:`vilib.cavi`.
    target_mean, target_var : array, shape (K,) or (K, d)
        Reference posterior means and per-coordinate variances.

    Returns
    -------
    AccuracyTrace
        One checkpoint per sweep. The clock includes the ELBO that
        :func:`vilib.cavi` computes every sweep (its convergence test).
    """
    X, one_d = check_data(x)
    K = check_int("K", K)
    if K > MAX_PERMUTATION_K:
        raise ValueError(f"cavi_accuracy matches labels over all K! permutations; K = {K} > {MAX_PERMUTATION_K}")
    T, V = _targets(target_mean, target_var, K, X.shape[1], one_d)
    times, means, variances = [], [], []

    def record(step):
        times.append(time.perf_counter())
        means.append(np.asarray(step.m, dtype=float).reshape(K, -1))
        variances.append(step.s2)

    start = time.perf_counter()
    cavi(x, K, sigma, lam=lam, seed=seed, init=init, max_iter=max_iter, tol=tol, callback=record)
    means, variances = np.stack(means), np.stack(variances)       # (T, K, d), (T, K)
    best = match_means(means[-1:], T, what="cavi_accuracy")[0]
    means, variances = means[:, best], variances[:, best]
    mean_err = np.abs((means - T[None]) / np.sqrt(V[None])).max(axis=(1, 2))
    sd_err = np.abs(np.sqrt(variances[:, :, None] / V[None]) - 1).max(axis=(1, 2))
    return AccuracyTrace(seconds=np.asarray(times) - start, mean_error=mean_err, sd_error=sd_err)
