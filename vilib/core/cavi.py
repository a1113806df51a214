"""Coordinate ascent variational inference (Blei et al. 2017, Algorithm 2).

::

    Input:  data x, number of clusters K, prior variance sigma^2
    Output: q(mu_k) = N(m_k, s2_k I), q(c_i) = Cat(phi_i)
    Initialise m, s2
    while the ELBO has not converged:
        for i in 1..n:  phi_ik ∝ exp(x_i.m_k/lam^2 - (d s2_k + |m_k|^2)/(2 lam^2))
        for k in 1..K:  s2_k = 1/(1/sigma^2 + sum_i phi_ik/lam^2);  m_k = s2_k sum_i phi_ik x_i/lam^2
        compute ELBO(m, s2, phi)

The loops over ``i`` and ``k`` are array operations here: all points are
updated at once (they are conditionally independent given ``m, s2``), and so are
all clusters (given ``phi``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validation import (
    check_data,
    check_int,
    check_positive,
    output_means,
)
from .init import variational_start
from .elbo import elbo_terms_from_stats, neg_entropy_from_stats
from .updates import expected_sq_dist_after_move, mu_from_stats, phi_step


@dataclass(frozen=True)
class CaviStep:
    """The state after one sweep, as passed to ``callback``."""

    iteration: int
    phi: np.ndarray
    m: np.ndarray
    s2: np.ndarray
    elbo: float


@dataclass(frozen=True)
class CaviResult:
    """The outcome of :func:`cavi`.

    Attributes
    ----------
    phi : ndarray (n, K)
    m : ndarray (K,) or (K, d)
    s2 : ndarray (K,)
        The variational parameters after the last sweep.
    elbo : ndarray (n_iter,)
        The ELBO after each sweep; non-decreasing up to round-off.
    n_iter : int
        Number of sweeps run.
    converged : bool
        True when the last sweep gained less than ``tol * |ELBO|``.
    """

    phi: np.ndarray
    m: np.ndarray
    s2: np.ndarray
    elbo: np.ndarray
    n_iter: int
    converged: bool


def cavi(x, K, sigma, *, lam=1.0, max_iter=500, tol=1e-8, seed=None, init=None,
         callback: Callable[[CaviStep], None] | None = None) -> CaviResult:
    """Fit the mean-field family by coordinate ascent on the ELBO.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
        Data.
    K : int
        Number of clusters.
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    max_iter : int, default 500
        Maximum number of sweeps.
    tol : float or None, default 1e-8
        Stop when a sweep raises the ELBO by less than ``tol * |ELBO|``.
        ``None`` runs exactly ``max_iter`` sweeps.
    seed : int, Generator or None
        Random state of the k-means++ seeding (unused when ``init`` is given).
    init : tuple (m0, s2_0) or None
        Starting variational means and variances; by default ``m0`` by
        k-means++ seeding on ``x`` and ``s2_0 = 1``.
    callback : callable, optional
        Called as ``callback(step)`` after every sweep with a :class:`CaviStep`.

    Returns
    -------
    CaviResult
    """
    X, one_d = check_data(x)
    n, d = X.shape
    K = check_int("K", K)
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    max_iter = check_int("max_iter", max_iter)
    if tol is not None:
        tol = check_positive("tol", tol) if tol != 0 else 0.0
    if callback is not None and not callable(callback):
        raise ValueError("callback must be callable or None")

    M, s2 = variational_start(init, X, K, sigma, np.random.default_rng(seed), one_d=one_d)

    trace = []
    converged = False
    # Without a callback nobody keeps an old phi, so one (K, n) buffer serves every
    # sweep (a fresh array each sweep would cost a page fault per 4 KiB of it).
    buffer = np.empty((K, n)) if callback is None else None
    for iteration in range(1, max_iter + 1):
        step = phi = None  # release the last sweep's phi before the next one is allocated
        # phi update (all points) with the statistics N_k, S_k and sum_i log Z_i, in one pass
        # (written into `buffer`: one array reused by every sweep when there is no callback)
        step = phi_step(X, M, s2, lam, out=buffer)
        phi = step.phi
        # entropy of q(c) from the same logits (uses the m, s2 that made phi)
        neg_entropy_c = neg_entropy_from_stats(step.phi_logit, step.sum_log_norm)
        # mu update (all clusters at once) from the expected counts and sums
        M_old, s2_old = M, s2
        M, s2 = mu_from_stats(step.N, step.S, sigma, lam)
        # the ELBO of (phi, m, s2), every term from the statistics
        sq_dist = expected_sq_dist_after_move(step, M_old, s2_old, M, lam)
        terms = elbo_terms_from_stats(sq_dist, step.N, M, s2, sigma, lam,
                                      neg_entropy_c=neg_entropy_c, n=n, d=d)
        value = sum(terms.values())
        trace.append(value)
        if callback is not None:
            callback(CaviStep(iteration, phi, output_means(M, one_d), s2, value))
        if tol is not None and iteration > 1 and trace[-1] - trace[-2] < tol * abs(value):
            converged = True
            break

    return CaviResult(phi=phi, m=output_means(M, one_d), s2=s2,
                      elbo=np.asarray(trace), n_iter=len(trace), converged=converged)
