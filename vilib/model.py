"""The Bayesian mixture of Gaussians of Blei, Kucukelbir & McAuliffe (2017, sec. 3).

.. math::

    \\mu_k &\\sim \\mathcal N(0, \\sigma^2 I_d), & k &= 1, \\dots, K, \\\\
    c_i &\\sim \\mathrm{Categorical}(1/K, \\dots, 1/K), & i &= 1, \\dots, n, \\\\
    x_i \\mid c_i, \\mu &\\sim \\mathcal N(c_i^\\top \\mu, \\lambda^2 I_d).

The 1-D model of the notes is ``d = 1, lam = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_data_extent,
    check_int,
    check_length,
    check_means,
    check_memory,
    check_scales,
    check_seed,
    scaled,
)

LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class SimulatedData:
    """A draw from the generative model.

    Attributes
    ----------
    x : ndarray, shape (n,) for d = 1, else (n, d)
        The observations.
    c : ndarray of int, shape (n,)
        The cluster label of each point, in ``[0, K)``.
    mu : ndarray, shape (K,) for d = 1, else (K, d)
        The true cluster means.
    sigma, lam : float
        Prior standard deviation of the means and likelihood standard deviation.
    """

    x: np.ndarray
    c: np.ndarray
    mu: np.ndarray
    sigma: float
    lam: float

    @property
    def K(self) -> int:
        return len(self.mu)


def simulate(n, K, sigma, *, d=1, lam=1.0, seed=None) -> SimulatedData:
    """Draw ``n`` points from the model: first the means, then a cluster and a point each.

    Parameters
    ----------
    n, K : int
        Number of points and of clusters (>= 1).
    sigma : float
        Prior standard deviation of each mean, ``mu_k ~ N(0, sigma^2 I_d)``.
    d : int, default 1
        Dimension. ``d = 1`` returns ``x`` of shape ``(n,)`` and ``mu`` of shape ``(K,)``.
    lam : float, default 1.0
        Likelihood standard deviation, ``x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d)``.
    seed : int, numpy Generator or None
        Random state.

    Returns
    -------
    SimulatedData
        With ``.x``, ``.c`` (labels in ``[0, K)``) and ``.mu``.
    """
    n = check_int("n", n)
    K = check_int("K", K)
    d = check_int("d", d)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    check_memory("n", 8.0 * n * d * 3, f"x of shape ({n}, {d})")
    check_memory("K", 8.0 * K * d, f"mu of shape ({K}, {d})")
    rng = check_seed(seed)
    mu = rng.normal(0.0, sigma, size=(K, d))           # step 1: the means
    c = rng.integers(0, K, size=n)                     # step 2: a uniform cluster per point ...
    x = mu[c] + lam * rng.normal(size=(n, d))          # ... and the point around its mean
    if d == 1:
        return SimulatedData(x=x[:, 0], c=c, mu=mu[:, 0], sigma=sigma, lam=lam)
    return SimulatedData(x=x, c=c, mu=mu, sigma=sigma, lam=lam)


def log_joint(x, c, mu, sigma, *, lam=1.0) -> float:
    """Log of the joint density ``log p(mu, c, x)`` at one configuration.

    .. math::

        \\log p(\\mu, c, x) = \\sum_k \\log \\mathcal N(\\mu_k; 0, \\sigma^2 I_d)
            + \\sum_i \\log \\tfrac1K
            + \\sum_i \\log \\mathcal N(x_i; \\mu_{c_i}, \\lambda^2 I_d).

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    c : array of int, shape (n,)
        Cluster labels in ``[0, K)``.
    mu : array, shape (K,) or (K, d)
    sigma, lam : float
    """
    X, one_d, extent = check_data_extent(x)
    n, d = X.shape
    M = check_means(mu, d=d, one_d=one_d, name="mu")
    K = M.shape[0]
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    c = np.asarray(c)
    if c.shape != (n,) or not np.issubdtype(c.dtype, np.integer) or c.dtype == np.bool_ \
            or c.min() < 0 or c.max() >= K:
        raise ValueError(f"c must be {n} integer labels in [0, {K})")
    u = check_scales(lam, sigma=sigma, x_extent=extent, M=M, m_name="mu")
    # in units of u (a power of two near lam); the density of (mu, x) changes by the
    # change of variables, -(K + n) d log u
    X, M, sigma, lam = scaled(X, 1 / u), M / u, sigma / u, lam / u
    return float(log_joint_of(X, c, M, sigma, lam, log_joint_constant(n, d, K, sigma, lam))
                 - (K + n) * d * np.log(u))


def log_joint_constant(n: int, d: int, K: int, sigma: float, lam: float) -> float:
    """The configuration-free part of ``log p(mu, c, x)``: the normalisers and ``-n log K``."""
    return float(-0.5 * K * d * (LOG_2PI + 2 * np.log(sigma)) - n * np.log(K)
                 - 0.5 * n * d * (LOG_2PI + 2 * np.log(lam)))


def log_joint_of(X: np.ndarray, c: np.ndarray, M: np.ndarray, sigma: float, lam: float,
                 constant: float) -> float:
    """``log p(mu, c, x)`` for validated internal arrays (``X`` (n, d), ``M`` (K, d)).

    ``constant`` is :func:`log_joint_constant` of the same sizes, so a sampler that
    evaluates the joint at every draw computes it once. Internal: in units where ``lam``
    is near 1 (the squares would overflow for lengths near 1e155).
    """
    return constant - float(np.sum(M * M)) / (2 * sigma**2) - float(np.sum((X - M[c]) ** 2)) / (2 * lam**2)
