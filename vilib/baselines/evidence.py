"""The exact marginal likelihood ``log p(x)`` by enumerating every assignment.

Given the assignments ``c``, the clusters are independent a priori, and the
points of cluster ``k`` (index set ``S_k``, size ``n_k``) are jointly Gaussian
in each coordinate: ``x_{S_k} ~ N(0, lam^2 I + sigma^2 1 1^T)``. Its log density
has a closed form (matrix determinant lemma and Sherman–Morrison):

.. math::

    \\log p(x_{S_k}) = -\\frac{n_k d}{2}\\log(2\\pi\\lambda^2)
        - \\frac d2 \\log\\Big(1 + \\frac{n_k\\sigma^2}{\\lambda^2}\\Big)
        - \\frac{1}{2\\lambda^2}\\Big(Q_k - \\frac{\\sigma^2 |T_k|^2}{\\lambda^2 + n_k\\sigma^2}\\Big),

with ``T_k = sum_{i in S_k} x_i`` and ``Q_k = sum_{i in S_k} |x_i|^2``. The
bracket is computed in its deviation form,

.. math:: Q_k - \\frac{\\sigma^2 |T_k|^2}{\\lambda^2 + n_k\\sigma^2}
          = \\sum_{i \\in S_k} |x_i - \\bar x_k|^2
            + \\frac{n_k \\lambda^2 |\\bar x_k|^2}{\\lambda^2 + n_k \\sigma^2},
          \\qquad \\bar x_k = T_k / n_k,

a sum of two non-negative terms: the left side subtracts two numbers that
nearly cancel when the points are far from 0 relative to their spread (data
near 1e8 with unit spread lost every digit). Then

.. math:: \\log p(x) = \\log \\sum_{c} K^{-n} \\prod_k p(x_{S_k}),

a sum of ``K^n`` terms: exact, and exponentially expensive in ``n``.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np
from scipy.special import logsumexp

from .._validation import check_data_extent, check_int, check_length, check_scales, scaled
from ..model import LOG_2PI

#: Largest number of assignments ``K^n`` that :func:`log_evidence` will enumerate.
MAX_ASSIGNMENTS = 2**22  # about 4.2 million
_CHUNK = 2**15


#: Hard limit on ``max_assignments``: about a minute of enumeration on one core.
ASSIGNMENTS_LIMIT = 2**26


def _check_enumeration(x, K, sigma, lam, max_assignments):
    """Validate; return ``X, K, sigma, lam, u`` with ``X``, ``sigma``, ``lam`` in units of ``u``."""
    X, _, extent = check_data_extent(x)
    K = check_int("K", K)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    max_assignments = check_int("max_assignments", max_assignments)
    if max_assignments > ASSIGNMENTS_LIMIT:
        raise ValueError(
            f"max_assignments = {max_assignments:.3g} exceeds the largest enumeration vilib runs, "
            f"{ASSIGNMENTS_LIMIT} (2^26, about a minute); exact answers need tiny data")
    n = X.shape[0]
    # Compare K^n with the limit exactly in integers: in floating point
    # n log K can exceed log(limit) when K^n == limit (10^6 = 10**6 did). The log
    # test first (with a wide margin) avoids building a huge integer for large n.
    if n * math.log(K) > math.log(max_assignments) + 1.0 or K**n > max_assignments:
        raise ValueError(
            f"x has n = {n} points: K^n = {K}^{n} (about 10^{n * math.log10(K):.3g}) assignments "
            f"exceed the enumeration limit max_assignments = {max_assignments}; use fewer "
            f"points or clusters")
    u = check_scales(lam, sigma=sigma, x_extent=extent)
    return scaled(X, 1 / u), K, sigma / u, lam / u, u


def log_joint_by_assignment(X, K, sigma, lam, chunk=_CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(labels, log p(x, c))`` for every assignment ``c``, in chunks.

    ``labels`` has shape ``(chunk, n)`` with entries in ``[0, K)``: row ``j`` is
    the base-``K`` digits of the assignment's index. ``log p(x, c)`` has the
    means integrated out. Internal: ``X`` is 2-D and the arguments are valid,
    in units where ``lam`` is near 1 (see ``_check_enumeration``).
    """
    n, d = X.shape
    powers = K ** np.arange(n)
    total = K**n
    lam2, sigma2 = lam**2, sigma**2
    for start in range(0, total, chunk):
        index = np.arange(start, min(start + chunk, total))
        labels = (index[:, None] // powers) % K                     # (c, n)
        onehot = labels[:, :, None] == np.arange(K)                  # (c, n, K)
        n_k = onehot.sum(axis=1)                                     # (c, K)
        T = np.einsum("cnk,nd->ckd", onehot, X)                      # (c, K, d)
        xbar = T / np.maximum(n_k, 1)[:, :, None]                    # cluster means (0 if empty)
        # sum_{i in S_k} |x_i - xbar_k|^2, the deviations taken before squaring
        ssd = np.empty(n_k.shape)
        for k in range(K):
            dev = X[None, :, :] - xbar[:, k, None, :]                # (c, n, d)
            ssd[:, k] = np.einsum("cn,cn->c", onehot[:, :, k],
                                  np.einsum("cnd,cnd->cn", dev, dev))
        shrunk = n_k * lam2 * np.einsum("ckd,ckd->ck", xbar, xbar) / (lam2 + n_k * sigma2)
        log_marginal = (
            -0.5 * n_k * d * (LOG_2PI + np.log(lam2))
            - 0.5 * d * np.log1p(n_k * sigma2 / lam2)
            - (ssd + shrunk) / (2 * lam2)
        )
        yield labels, log_marginal.sum(axis=1) - n * np.log(K)


def log_evidence(x, K, sigma, *, lam=1.0, max_assignments=MAX_ASSIGNMENTS) -> float:
    """Exact ``log p(x)``, summing over all ``K^n`` assignments.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    K : int
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    max_assignments : int, default 2**22
        Refuse (``ValueError``) when ``K^n`` exceeds this; at most
        ``ASSIGNMENTS_LIMIT`` (2^26).

    Returns
    -------
    float
        ``log p(x)``, the quantity every ELBO lower-bounds. Computed in units of
        ``lam`` and in the deviation form (see the module docstring), so it is
        exact to round-off for data in any units within the supported ranges.
    """
    X, K, sigma, lam, u = _check_enumeration(x, K, sigma, lam, max_assignments)
    parts = [logsumexp(lj) for _, lj in log_joint_by_assignment(X, K, sigma, lam)]
    # computed in units of u; the density of x changes by the change of variables
    return float(logsumexp(parts) - X.size * np.log(u))
