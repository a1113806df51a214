"""The exact marginal likelihood ``log p(x)`` by enumerating every assignment.

Given the assignments ``c``, the clusters are independent a priori, and the
points of cluster ``k`` (index set ``S_k``, size ``n_k``) are jointly Gaussian
in each coordinate: ``x_{S_k} ~ N(0, lam^2 I + sigma^2 1 1^T)``. Its log density
has a closed form (matrix determinant lemma and Sherman–Morrison):

.. math::

    \\log p(x_{S_k}) = -\\frac{n_k d}{2}\\log(2\\pi\\lambda^2)
        - \\frac d2 \\log\\Big(1 + \\frac{n_k\\sigma^2}{\\lambda^2}\\Big)
        - \\frac{1}{2\\lambda^2}\\Big(Q_k - \\frac{\\sigma^2 |T_k|^2}{\\lambda^2 + n_k\\sigma^2}\\Big),

with ``T_k = sum_{i in S_k} x_i`` and ``Q_k = sum_{i in S_k} |x_i|^2``. Then

.. math:: \\log p(x) = \\log \\sum_{c} K^{-n} \\prod_k p(x_{S_k}),

a sum of ``K^n`` terms: exact, and exponentially expensive in ``n``.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from scipy.special import logsumexp

from .._validation import check_data, check_int, check_positive
from ..model import LOG_2PI

#: Largest number of assignments ``K^n`` that :func:`log_evidence` will enumerate.
MAX_ASSIGNMENTS = 2**22  # about 4.2 million
_CHUNK = 2**15


def _check_enumeration(x, K, sigma, lam, max_assignments):
    X, _ = check_data(x)
    K = check_int("K", K)
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    max_assignments = check_int("max_assignments", max_assignments)
    n = X.shape[0]
    # Compare K^n with the limit exactly in integers: in floating point
    # n log K can exceed log(limit) when K^n == limit (10^6 = 10**6 did). The log
    # test first (with a wide margin) avoids building a huge integer for large n.
    if n * np.log(K) > np.log(max_assignments) + 1.0 or K**n > max_assignments:
        raise ValueError(
            f"x has n = {n} points: K^n = {K}^{n} assignments exceed the enumeration "
            f"limit max_assignments = {max_assignments}; use fewer points or clusters")
    return X, K, sigma, lam


def log_joint_by_assignment(X, K, sigma, lam, chunk=_CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(labels, log p(x, c))`` for every assignment ``c``, in chunks.

    ``labels`` has shape ``(chunk, n)`` with entries in ``[0, K)``: row ``j`` is
    the base-``K`` digits of the assignment's index. ``log p(x, c)`` has the
    means integrated out. Internal: ``X`` is 2-D and the arguments are valid.
    """
    n, d = X.shape
    sq = np.einsum("nd,nd->n", X, X)
    powers = K ** np.arange(n)
    total = K**n
    for start in range(0, total, chunk):
        index = np.arange(start, min(start + chunk, total))
        labels = (index[:, None] // powers) % K                     # (c, n)
        onehot = labels[:, :, None] == np.arange(K)                  # (c, n, K)
        n_k = onehot.sum(axis=1)                                     # (c, K)
        T = np.einsum("cnk,nd->ckd", onehot, X)                      # (c, K, d)
        Q = np.einsum("cnk,n->ck", onehot, sq)                       # (c, K)
        log_marginal = (
            -0.5 * n_k * d * (LOG_2PI + np.log(lam**2))
            - 0.5 * d * np.log1p(n_k * sigma**2 / lam**2)
            - (Q - sigma**2 * np.einsum("ckd,ckd->ck", T, T) / (lam**2 + n_k * sigma**2))
            / (2 * lam**2)
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
        Refuse (``ValueError``) when ``K^n`` exceeds this.

    Returns
    -------
    float
        ``log p(x)``, the quantity every ELBO lower-bounds.
    """
    X, K, sigma, lam = _check_enumeration(x, K, sigma, lam, max_assignments)
    parts = [logsumexp(lj) for _, lj in log_joint_by_assignment(X, K, sigma, lam)]
    return float(logsumexp(parts))
