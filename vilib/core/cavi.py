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
    InputTypeError,
    check_data_extent,
    check_init,
    check_int,
    check_length,
    check_memory,
    check_real,
    check_scales,
    check_seed,
    output_means,
    scaled,
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
        Stop when a sweep raises the ELBO by less than ``tol * |ELBO|``, with the
        ELBO of the data in units of ``lam`` (``ELBO + n d log lam``), so that the
        stopping point does not depend on the data's units.
        ``None`` runs exactly ``max_iter`` sweeps.
    seed : int, Generator or None
        Random state of the k-means++ seeding (unused when ``init`` is given).
    init : tuple (m0, s2_0) or None
        Starting variational means and variances; by default ``m0`` by
        k-means++ seeding on ``x`` and ``s2_0 = lam^2`` (1 for the unit-variance
        model), so that the start follows the data's units.
    callback : callable, optional
        Called as ``callback(step)`` after every sweep with a :class:`CaviStep`.

    Returns
    -------
    CaviResult

    Notes
    -----
    Scale-equivariant: ``cavi(c * x, K, c * sigma, lam=c * lam)`` gives ``c * m``,
    ``c**2 * s2``, the same ``phi`` and the ELBO shifted by ``-n d log|c|``, for
    data in any units within the supported ranges of ``vilib._validation``
    (``sigma``, ``lam`` in [1e-153, 1e153]; ``|x|/lam``, ``sigma/lam`` and
    ``lam/sigma`` at most 1e120); outside them a ValueError names the argument.
    """
    X, one_d, extent = check_data_extent(x)
    n, d = X.shape
    K = check_int("K", K)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    max_iter = check_int("max_iter", max_iter)
    if tol is not None:
        tol = check_real("tol", tol)
        if tol < 0:
            raise ValueError(f"tol must be a finite number >= 0 or None, got {tol!r}")
    if callback is not None and not callable(callback):
        raise InputTypeError("callback must be callable or None")
    check_memory("K", 8.0 * K * n, f"phi of shape (n, K) = ({n}, {K})")

    rng = check_seed(seed)
    if init is None or isinstance(init, str):
        M, s2 = None, None
    else:
        M, s2 = check_init(init, K=K, d=d, one_d=one_d)
    u = check_scales(lam, sigma=sigma, x_extent=extent, M=M, s2=s2,
                     m_name="init m0", s2_name="init s2_0")
    # Work in units of u, a power of two near lam (exact rescaling): every number of the
    # sweep then has the size it has for lam = 1, whatever the data's units; the results
    # are mapped back (m * u, s2 * u^2, ELBO - n d log u). One pass over x, before the loop.
    X = scaled(X, 1 / u)
    sigma_u, lam_u = sigma / u, lam / u
    if M is None:                             # seeded; s2_0 = lam^2, the likelihood's own scale
        M, s2 = variational_start(init, X, K, sigma_u, rng, one_d=one_d, lam=lam_u)
    else:
        M, s2 = M / u, s2 / u**2
    log_u = n * d * np.log(u)                # the change of variables of the data
    log_lam_u = n * d * np.log(lam_u)        # ELBO in units of lam: the convergence frame

    def back(M, s2):
        return output_means(M * u, one_d), s2 * u**2

    trace = []
    converged = False
    # Without a callback nobody keeps an old phi, so one (K, n) buffer serves every
    # sweep (a fresh array each sweep would cost a page fault per 4 KiB of it).
    buffer = np.empty((K, n)) if callback is None else None
    for iteration in range(1, max_iter + 1):
        step = phi = None  # release the last sweep's phi before the next one is allocated
        # phi update (all points) with the statistics N_k, S_k and sum_i log Z_i, in one pass
        # (written into `buffer`: one array reused by every sweep when there is no callback)
        step = phi_step(X, M, s2, lam_u, out=buffer)
        phi = step.phi
        # entropy of q(c) from the same logits (uses the m, s2 that made phi)
        neg_entropy_c = neg_entropy_from_stats(step.phi_logit_shifted, step.sum_log_norm_shifted)
        # mu update (all clusters at once) from the expected counts and sums
        M_old, s2_old = M, s2
        M, s2 = mu_from_stats(step.N, step.S, sigma_u, lam_u)
        # the ELBO of (phi, m, s2), every term from the statistics
        sq_dist = expected_sq_dist_after_move(step, M_old, s2_old, M, lam_u)
        terms = elbo_terms_from_stats(sq_dist, step.N, M, s2, sigma_u, lam_u,
                                      neg_entropy_c=neg_entropy_c, n=n, d=d)
        value = sum(terms.values())          # in units of u
        trace.append(value)
        if callback is not None:
            callback(CaviStep(iteration, phi, *back(M, s2), value - log_u))
        # stop on a relative gain below tol, with the ELBO measured in units of lam, so
        # that the number of sweeps does not depend on the data's units
        if tol is not None and iteration > 1 and \
                trace[-1] - trace[-2] < tol * abs(value + log_lam_u):
            converged = True
            break

    m_out, s2_out = back(M, s2)
    return CaviResult(phi=phi, m=m_out, s2=s2_out,
                      elbo=np.asarray(trace) - log_u, n_iter=len(trace), converged=converged)
