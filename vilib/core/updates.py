"""The two coordinate updates of CAVI (Blei et al. 2017, Algorithm 2).

With ``q(mu_k) = N(m_k, s2_k I_d)`` and ``q(c_i) = Categorical(phi_i)``:

* the assignment update (sec. 3 of the paper, here with ``lam``)

  .. math:: \\varphi_{ik} \\propto \\exp\\Big(\\frac{x_i^\\top m_k}{\\lambda^2}
            - \\frac{d\\, s_k^2 + m_k^\\top m_k}{2\\lambda^2}\\Big),

* the mean update, found by completing the square in ``mu_k``

  .. math:: s_k^2 = \\Big(\\frac1{\\sigma^2} + \\frac{\\sum_i \\varphi_{ik}}{\\lambda^2}\\Big)^{-1},
            \\qquad m_k = s_k^2\\, \\frac{\\sum_i \\varphi_{ik} x_i}{\\lambda^2}.

Both are written once, here; the CAVI loop, the ELBO and the book call them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import (
    check_data_extent,
    check_length,
    check_means,
    check_memory,
    check_phi,
    check_s2,
    check_scales,
    output_means,
    scaled,
)


# ---------------------------------------------------------------- phi update
# How the phi update is laid out in memory (it is the whole cost of a sweep):
#
# * phi is an (n, K) array, but vilib fills it cluster-major: a C-ordered (K, n)
#   buffer returned as its transpose ``.T`` (an (n, K) view, no copy). A
#   reduction over k (the maximum, the normaliser) then runs elementwise over K
#   contiguous rows, which NumPy does ~10x faster than reducing n rows of K.
# * The points are processed in blocks of BLOCK (vectorised inside a block), so
#   the logits, their exp and the normalisation of a block all happen while the
#   (K, BLOCK) slice is still in the CPU cache, instead of streaming an (n, K)
#   array through memory once per operation.
# * The sufficient statistics N_k, S_k of the mu update are accumulated in the
#   same pass, while the block of phi is still in cache.
# * The logits are written in their distance form -(|x_i - m_k|^2 + d s2_k)/(2 lam^2),
#   which differs from x_i.m_k/lam^2 - (d s2_k + |m_k|^2)/(2 lam^2) by |x_i|^2/(2 lam^2),
#   the same for every k, so phi is the same. The differences x_i - m_k are taken
#   before squaring: with |x| ~ 1e6 the expanded form subtracts numbers of size
#   1e12 and loses ~1e-4 in every logit, and with it the ELBO's monotonicity.

#: Points per block of the phi update: a (K, BLOCK) slice of float64 fits in cache.
BLOCK = 16384


def sq_distances(X: np.ndarray, M: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Squared distances ``|x_i - m_k|^2``, cluster-major: shape ``(K, n)``.

    Summed coordinate by coordinate (the dimension ``d`` is small; the points and
    clusters are vectorised), taking each difference before squaring so that no
    large terms cancel.
    """
    out = np.subtract(M[:, 0, None], X[:, 0], out=out)
    np.square(out, out=out)
    for j in range(1, X.shape[1]):
        diff = M[:, j, None] - X[:, j]
        diff *= diff
        out += diff
    return out


def logits(X: np.ndarray, M: np.ndarray, s2: np.ndarray, lam: float) -> np.ndarray:
    """Unnormalised ``log phi``, cluster-major: ``l_ik`` stored at ``[k, i]``, shape ``(K, n)``.

    .. math:: l_{ik} = -\\frac{|x_i - m_k|^2 + d\\, s_k^2}{2\\lambda^2}
              = \\frac{x_i^\\top m_k}{\\lambda^2} - \\frac{d\\, s_k^2 + m_k^\\top m_k}{2\\lambda^2}
                - \\frac{|x_i|^2}{2\\lambda^2}

    (the last term is the same for every ``k`` and cancels in ``phi``).
    """
    out = sq_distances(X, M)
    out += X.shape[1] * s2[:, None]
    out *= -1.0 / (2 * lam**2)
    return out


class PhiStep(NamedTuple):
    """The phi update of one sweep and what the rest of the sweep needs from it.

    phi : (n, K) responsibilities (an F-ordered view of a (K, n) array).
    sum_log_norm : ``sum_i log Z_i`` with ``log Z_i = logsumexp_k l_ik`` (for the ELBO).
    N : (K,) expected counts ``sum_i phi_ik``.
    S : (K, d) expected sums ``sum_i phi_ik x_i``.
    phi_logit : (K,) ``sum_i phi_ik l_ik`` (for the ELBO's entropy and data terms).
    phi_sqdist : (K,) ``sum_i phi_ik |x_i - m_k|^2``, accumulated directly (not
    recovered from ``phi_logit``, which would subtract ``d s2_k N_k``).
    phi_logit_shifted, sum_log_norm_shifted : the same two sums for the logits with
    ``min_k d s2_k / (2 lam^2)`` taken out of every ``l_ik`` (the same for all ``k``):
    what the ELBO's entropy uses, since no large terms cancel between them.
    """

    phi: np.ndarray
    sum_log_norm: float
    N: np.ndarray
    S: np.ndarray
    phi_logit: np.ndarray
    phi_sqdist: np.ndarray
    phi_logit_shifted: np.ndarray
    sum_log_norm_shifted: float


def phi_step(X: np.ndarray, M: np.ndarray, s2: np.ndarray, lam: float, *,
             out: np.ndarray | None = None) -> PhiStep:
    """The phi update with its log normalisers and sufficient statistics, in one pass.

    .. math:: \\varphi_{ik} = \\exp(l_{ik} - \\log Z_i), \\qquad
              \\log Z_i = \\log \\sum_k e^{l_{ik}}, \\qquad
              N_k = \\sum_i \\varphi_{ik}, \\qquad S_k = \\sum_i \\varphi_{ik} x_i

    with the logits ``l_ik`` of :func:`logits`. Far from every mean they are
    hugely negative, so each point's largest logit is subtracted before
    exponentiating (the log-sum-exp trick): ``exp(l - max) <= 1`` cannot
    underflow for every k at once and ``Z >= 1``. The variance term
    ``d s2_k / (2 lam^2)`` is the same for every point, so its smallest value
    over ``k`` is taken out first: when ``s2`` is huge next to the distances,
    the distances still decide ``phi`` (``s2 = 1e20`` no longer swamps them).
    The ELBO needs only ``sum_i phi_ik |x_i - m_k|^2`` and the entropy of
    ``phi`` besides ``N`` and ``S`` (see :mod:`vilib.core.elbo`), never ``log phi``.

    ``out``, if given, is a C-ordered ``(K, n)`` float64 array that receives phi
    (it is reused across sweeps); by default a new one is allocated.
    Internal: no validation; the caller works in units where ``lam`` is near 1.
    """
    n, d = X.shape
    K = M.shape[0]
    phi_t = np.empty((K, n)) if out is None else out
    N, S, phi_sqdist, shifted_sum = np.zeros(K), np.zeros((K, d)), np.zeros(K), 0.0
    var_term = d * (s2 - s2.min())              # d (s2_k - min s2) >= 0, per cluster
    scale = -1.0 / (2 * lam**2)
    for lo in range(0, n, BLOCK):        # blocks of points (not single points): see BLOCK
        Xb = X[lo:lo + BLOCK]
        D = sq_distances(Xb, M)          # (K, b) |x_i - m_k|^2, stays in cache
        e = np.add(D, var_term[:, None], out=phi_t[:, lo:lo + BLOCK])
        low = e.min(axis=0)              # each point's smallest (distance + variance term)
        e -= low
        e *= scale                       # l_ik - max_k l_ik  (<= 0)
        np.exp(e, out=e)                 # exp(l_ik - max_k l_ik), in place
        Z = e.sum(axis=0)
        e *= 1.0 / Z                     # phi_ik
        shifted_sum += np.log(Z).sum() + scale * low.sum()
        N += e.sum(axis=1)
        S += e @ Xb
        phi_sqdist += np.einsum("kb,kb->k", e, D)
    # sum_ik phi_ik l'_ik with the shifted logits l' = scale (D + var_term), and their log Z
    phi_shifted = scale * (phi_sqdist + var_term * N)
    # the true logits differ by scale * d * min(s2) for every (i, k)
    offset = scale * d * s2.min()
    phi_logit = phi_shifted + offset * N
    sum_log_norm = float(shifted_sum + n * offset)
    return PhiStep(phi_t.T, sum_log_norm, N, S, phi_logit, phi_sqdist, phi_shifted,
                   float(shifted_sum))


def expected_sq_dist_after_move(step: PhiStep, M_old, s2_old, M_new, lam) -> float:
    """``sum_ik phi_ik |x_i - m_k|^2`` at the new means, from one :func:`phi_step`.

    The step saw the old means ``M_old``; with ``Delta_k = m_k^new - m_k^old``,

    .. math:: \\sum_i \\varphi_{ik}|x_i - m_k^{new}|^2
              = \\sum_i \\varphi_{ik}|x_i - m_k^{old}|^2
              - 2\\Delta_k^\\top (S_k - N_k m_k^{old}) + N_k |\\Delta_k|^2 ,

    every piece of moderate size (no ``|x|^2`` terms to cancel); the first sum
    is accumulated by the phi update itself. Internal.
    """
    delta = M_new - M_old
    centred_sums = step.S - step.N[:, None] * M_old
    return float(np.sum(step.phi_sqdist - 2 * np.einsum("kd,kd->k", delta, centred_sums)
                        + step.N * np.einsum("kd,kd->k", delta, delta)))


def log_phi(X: np.ndarray, M: np.ndarray, s2: np.ndarray, lam: float) -> np.ndarray:
    """Normalised ``log phi`` of shape ``(n, K)`` for 2-D ``X (n, d)``, ``M (K, d)``.

    ``log phi_ik = l_ik - logsumexp_k(l_i.)``, computed without ever forming
    ``exp(l)`` unshifted (far from every mean the logits are hugely negative),
    and finite where ``phi`` itself underflows to 0.
    """
    buf = logits(X, M, s2, lam)
    buf -= buf.max(axis=0)
    buf -= np.log(np.exp(buf).sum(axis=0))
    return buf.T


def update_phi(x, m, s2, *, lam=1.0) -> np.ndarray:
    """Assignment update: ``phi_ik ∝ exp(x_i.m_k/lam^2 - (d s2_k + |m_k|^2)/(2 lam^2))``.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
        Data.
    m : array, shape (K,) (for 1-D ``x``) or (K, d)
        Variational means ``E_q[mu_k]``.
    s2 : array, shape (K,)
        Variational variances (``q(mu_k) = N(m_k, s2_k I_d)``), all > 0.
    lam : float, default 1.0
        Likelihood standard deviation.

    Returns
    -------
    phi : ndarray, shape (n, K)
        Rows sum to 1. Computed with the log-sum-exp trick, so it stays finite
        where a naive ``exp`` of the logits would overflow.
    """
    X, one_d, extent = check_data_extent(x)
    M = check_means(m, d=X.shape[1], one_d=one_d)
    s2 = check_s2(s2, M.shape[0])
    lam = check_length("lam", lam)
    check_memory("x", 8.0 * X.shape[0] * M.shape[0], f"phi of shape ({X.shape[0]}, {M.shape[0]})")
    u = check_scales(lam, x_extent=extent, M=M, s2=s2)
    # in units of u (a power of two near lam): phi is unit-free
    return phi_step(scaled(X, 1 / u), scaled(M, 1 / u), s2 / u**2, lam / u).phi


# ---------------------------------------------------------------- mu update
def sufficient_stats(X: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected counts ``N_k = sum_i phi_ik`` (K,) and sums ``S_k = sum_i phi_ik x_i`` (K, d)."""
    return phi.sum(axis=0), phi.T @ X


def mu_from_stats(N: np.ndarray, S: np.ndarray, sigma: float, lam: float):
    """``s2_k = 1/(1/sigma^2 + N_k/lam^2)`` and ``m_k = s2_k S_k / lam^2`` from the statistics."""
    s2 = 1.0 / (1.0 / sigma**2 + N / lam**2)
    M = (s2 / lam**2)[:, None] * S
    return M, s2


def update_mu(x, phi, sigma, *, lam=1.0):
    """Mean update: the Gaussian ``q(mu_k)`` obtained by completing the square.

    .. math:: s_k^2 = \\frac{1}{1/\\sigma^2 + \\sum_i \\varphi_{ik}/\\lambda^2},
              \\qquad m_k = s_k^2 \\sum_i \\varphi_{ik} x_i / \\lambda^2 .

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    phi : array, shape (n, K)
        Responsibilities; rows must sum to 1.
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0

    Returns
    -------
    m : ndarray, shape (K,) for 1-D ``x``, else (K, d)
    s2 : ndarray, shape (K,)
    """
    X, one_d, extent = check_data_extent(x)
    phi = check_phi(phi, X.shape[0])
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    u = check_scales(lam, sigma=sigma, x_extent=extent)
    # in units of u (a power of two near lam), mapped back: m scales by u, s2 by u^2
    M, s2 = mu_from_stats(*sufficient_stats(scaled(X, 1 / u), phi), sigma / u, lam / u)
    return output_means(M * u, one_d), s2 * u**2
