"""Monte Carlo under the variational family: independent checks of closed-form expectations.

Every term of the ELBO is an expectation under the mean-field family

.. math:: q(\\mu, c) = \\prod_k \\mathcal N(\\mu_k;\\, m_k,\\, s_k^2 I_d)\\ \\prod_i \\mathrm{Cat}(c_i;\\, \\varphi_i).

The book derives each one in closed form; this module estimates the same
expectations by drawing ``(mu, c)`` from ``q`` and averaging, so the two can be
compared within a standard error. The estimators use the model's densities as
written (one Gaussian log density per point, at the mean its label selects),
never the closed forms they check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._util import categorical_draws
from .._validation import check_data, check_int, check_means, check_phi, check_positive, check_s2
from ..model import LOG_2PI


@dataclass(frozen=True)
class QSample:
    """Draws from ``q(mu, c)``.

    Attributes
    ----------
    mu : ndarray, shape (S, K) for 1-D means, else (S, K, d)
        ``S`` independent draws of all ``K`` means.
    c : ndarray of int, shape (S, n)
        ``S`` independent draws of all ``n`` labels, in ``[0, K)``.
    """

    mu: np.ndarray
    c: np.ndarray


@dataclass(frozen=True)
class MCEstimate:
    """A Monte Carlo mean with its standard error.

    Attributes
    ----------
    mean : float
        ``(1/S) sum_s f(draw_s)``.
    se : float
        ``std(f) / sqrt(S)``: the estimate is within ``3 se`` of the exact
        expectation with probability about 0.997.
    values : ndarray, shape (S,)
        The ``S`` values ``f(draw_s)`` (for running-mean plots).
    """

    mean: float
    se: float
    values: np.ndarray


def mc_estimate(values) -> MCEstimate:
    """Mean and standard error of i.i.d. draws ``values`` (1-D, at least two of them)."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError("values must be a 1-D array of at least 2 draws")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite")
    return MCEstimate(mean=float(values.mean()),
                      se=float(values.std(ddof=1) / np.sqrt(values.size)),
                      values=values)


def sample_q(phi, m, s2, size, *, seed=None) -> QSample:
    """Draw ``size`` independent samples of ``(mu, c)`` from the mean-field ``q``.

    Parameters
    ----------
    phi : array, shape (n, K)
        ``q(c_i) = Cat(phi_i)``; rows sum to 1.
    m : array, shape (K,) or (K, d)
        ``q(mu_k) = N(m_k, s2_k I_d)``.
    s2 : array, shape (K,), all > 0
    size : int
        Number of draws ``S``.
    seed : int, numpy Generator or None

    Returns
    -------
    QSample
        ``mu`` of shape ``(S,) + m.shape`` and ``c`` of shape ``(S, n)``.
    """
    one_d = np.ndim(m) == 1
    if np.ndim(m) not in (1, 2):
        raise ValueError(f"m must have shape (K,) or (K, d), got {np.ndim(m)} dimensions")
    M = check_means(m, d=1 if one_d else np.shape(m)[1], one_d=one_d)   # (K, d)
    K = M.shape[0]
    s2 = check_s2(s2, K)
    if np.ndim(phi) != 2:
        raise ValueError(f"phi must have shape (n, {K}), got {np.ndim(phi)} dimensions")
    phi = check_phi(phi, np.shape(phi)[0], K)
    size = check_int("size", size)
    rng = np.random.default_rng(seed)

    # mu_k = m_k + s_k z with z standard normal, independently for every draw, cluster, coordinate
    mu = M[None] + np.sqrt(s2)[None, :, None] * rng.standard_normal((size,) + M.shape)
    # c_i by inversion of the cumulative probabilities, for every draw at once
    c = categorical_draws(phi, rng, axis=1, size=(size,))         # (S, n)
    return QSample(mu=mu[:, :, 0] if one_d else mu, c=c)


def mc_expected_log_lik(x, phi, m, s2, *, lam=1.0, size=10_000, seed=None) -> MCEstimate:
    """Monte Carlo estimate of ``sum_i E_q[log p(x_i | c_i, mu)]``.

    For each draw ``(mu, c) ~ q`` it evaluates the log likelihood directly,

    .. math:: \\sum_i \\log \\mathcal N(x_i;\\, \\mu_{c_i},\\, \\lambda^2 I_d)
              = \\sum_i \\Big[-\\frac d2 \\log(2\\pi\\lambda^2)
                - \\frac{|x_i - \\mu_{c_i}|^2}{2\\lambda^2}\\Big],

    so the average of these values estimates the closed form
    ``vilib.elbo_terms(...)["log_p_x"]`` without using it.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    phi, m, s2 : as in :func:`sample_q`
    lam : float, default 1.0
        Likelihood standard deviation.
    size : int, default 10_000
        Number of draws.
    seed : int, numpy Generator or None

    Returns
    -------
    MCEstimate
    """
    X, one_d = check_data(x)
    n, d = X.shape
    M = check_means(m, d=d, one_d=one_d)
    phi = check_phi(phi, n, M.shape[0])
    lam = check_positive("lam", lam)
    draws = sample_q(phi, M, s2, size, seed=seed)       # 2-D means: mu is (S, K, d)
    S = draws.c.shape[0]
    chosen = draws.mu[np.arange(S)[:, None], draws.c]   # (S, n, d): mu_{c_i} in each draw
    sq = np.sum((X[None] - chosen) ** 2, axis=(1, 2))   # sum_i |x_i - mu_{c_i}|^2, (S,)
    values = -0.5 * n * d * (LOG_2PI + np.log(lam**2)) - sq / (2 * lam**2)
    return mc_estimate(values)
