"""The two coordinate updates of CAVI (Blei et al. 2017, Algorithm 2).

With ``q(mu_k) = N(m_k, s2_k I_d)`` and ``q(c_i) = Categorical(phi_i)``:

* the assignment update (eq. 26 of the paper, with ``lam``)

  .. math:: \\varphi_{ik} \\propto \\exp\\Big(\\frac{x_i^\\top m_k}{\\lambda^2}
            - \\frac{d\\, s_k^2 + m_k^\\top m_k}{2\\lambda^2}\\Big),

* the mean update (eq. 34), found by completing the square in ``mu_k``

  .. math:: s_k^2 = \\Big(\\frac1{\\sigma^2} + \\frac{\\sum_i \\varphi_{ik}}{\\lambda^2}\\Big)^{-1},
            \\qquad m_k = s_k^2\\, \\frac{\\sum_i \\varphi_{ik} x_i}{\\lambda^2}.

Both are written once, here; the CAVI loop, the ELBO and the book call them.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_data,
    check_means,
    check_phi,
    check_positive,
    check_s2,
    output_means,
)


# ---------------------------------------------------------------- phi update
def log_phi(X: np.ndarray, M: np.ndarray, s2: np.ndarray, lam: float) -> np.ndarray:
    """Normalised ``log phi`` of shape ``(n, K)`` for 2-D ``X (n, d)``, ``M (K, d)``.

    The logits ``x_i.m_k/lam^2 - (d s2_k + |m_k|^2)/(2 lam^2)`` can be huge
    (``|x| ~ 1e6``), so we subtract each row's maximum before exponentiating:
    ``log phi_ik = logit_ik - logsumexp_k(logit_i.)``. The ELBO's entropy term
    reuses this array instead of taking ``log`` of ``phi`` (which would give
    ``-inf`` where ``phi`` underflows to 0).
    """
    d = X.shape[1]
    logits = X @ (M.T / lam**2) - (d * s2 + np.einsum("kd,kd->k", M, M)) / (2 * lam**2)
    logits -= logits.max(axis=1, keepdims=True)
    logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return logits


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
    X, one_d = check_data(x)
    M = check_means(m, d=X.shape[1], one_d=one_d)
    s2 = check_s2(s2, M.shape[0])
    lam = check_positive("lam", lam)
    return np.exp(log_phi(X, M, s2, lam))


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
    X, one_d = check_data(x)
    phi = check_phi(phi, X.shape[0])
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    M, s2 = mu_from_stats(*sufficient_stats(X, phi), sigma, lam)
    return output_means(M, one_d), s2
