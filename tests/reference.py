"""A deliberately naive reference implementation of the model and of CAVI, for the tests only.

Everything here is written straight from the formulas of the model

    mu_k ~ N(0, sigma^2 I_d),  c_i ~ Categorical(1/K, ..., 1/K),  x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d)

and of the mean-field family q(mu_k) = N(m_k, s2_k I_d), q(c_i) = Categorical(phi_i),
with plain Python loops over points, clusters, dimensions and assignments, and
``scipy.stats`` densities and entropies. It never imports vilib, so a test that compares
vilib with this module compares two independent implementations. It is slow on
purpose: use it on small data only.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import stats
from scipy.special import logsumexp


def as_2d(a) -> np.ndarray:
    """Data or means as a 2-D float array: ``(n,)`` becomes ``(n, 1)``."""
    a = np.asarray(a, dtype=float)
    return a[:, None] if a.ndim == 1 else a


# ------------------------------------------------------------------ the model
def log_joint(x, c, mu, sigma, lam=1.0) -> float:
    """``log p(mu, c, x)``: a sum of one-dimensional normal log densities and ``log(1/K)``."""
    X, M = as_2d(x), as_2d(mu)
    n, d = X.shape
    K = M.shape[0]
    total = 0.0
    for k in range(K):
        for j in range(d):
            total += stats.norm.logpdf(M[k, j], loc=0.0, scale=sigma)
    for i in range(n):
        total += math.log(1.0 / K)
        for j in range(d):
            total += stats.norm.logpdf(X[i, j], loc=M[c[i], j], scale=lam)
    return float(total)


# ------------------------------------------------------------------ the two updates
def update_phi(x, m, s2, lam=1.0) -> np.ndarray:
    """``phi_ik ∝ exp(x_i.m_k / lam^2 - (d s2_k + |m_k|^2) / (2 lam^2))``, point by point.

    The normalisation subtracts the largest logit of the row before exponentiating
    (the textbook log-sum-exp), written with ``math`` on Python floats.
    """
    X, M = as_2d(x), as_2d(m)
    n, d = X.shape
    K = M.shape[0]
    phi = np.empty((n, K))
    for i in range(n):
        logits = []
        for k in range(K):
            dot = sum(X[i, j] * M[k, j] for j in range(d))
            sq = sum(M[k, j] ** 2 for j in range(d))
            logits.append(dot / lam**2 - (d * s2[k] + sq) / (2 * lam**2))
        top = max(logits)
        weights = [math.exp(v - top) for v in logits]
        total = sum(weights)
        for k in range(K):
            phi[i, k] = weights[k] / total
    return phi


def update_mu(x, phi, sigma, lam=1.0):
    """``s2_k = 1 / (1/sigma^2 + sum_i phi_ik / lam^2)``, ``m_k = s2_k sum_i phi_ik x_i / lam^2``.

    Returns ``m`` of shape ``(K, d)`` (always 2-D) and ``s2`` of shape ``(K,)``.
    """
    X = as_2d(x)
    n, d = X.shape
    K = phi.shape[1]
    m = np.zeros((K, d))
    s2 = np.zeros(K)
    for k in range(K):
        count = sum(phi[i, k] for i in range(n))
        s2[k] = 1.0 / (1.0 / sigma**2 + count / lam**2)
        for j in range(d):
            m[k, j] = s2[k] * sum(phi[i, k] * X[i, j] for i in range(n)) / lam**2
    return m, s2


# ------------------------------------------------------------------ the ELBO
def elbo_terms(x, phi, m, s2, sigma, lam=1.0) -> dict:
    """The five ELBO terms, each expectation written coordinate by coordinate.

    ``E[log N(y; mu, v)]`` under ``mu ~ N(a, s)`` is ``-log(2 pi v)/2 - ((y - a)^2 + s)/(2 v)``;
    the entropies come from ``scipy.stats`` (``norm.entropy`` and ``stats.entropy``).
    """
    X, M = as_2d(x), as_2d(m)
    n, d = X.shape
    K = M.shape[0]
    log_p_mu = 0.0
    for k in range(K):
        for j in range(d):
            log_p_mu += -0.5 * math.log(2 * math.pi * sigma**2) - (M[k, j] ** 2 + s2[k]) / (2 * sigma**2)
    log_p_c = n * math.log(1.0 / K)
    log_p_x = 0.0
    for i in range(n):
        for k in range(K):
            expected = 0.0
            for j in range(d):
                expected += (-0.5 * math.log(2 * math.pi * lam**2)
                             - ((X[i, j] - M[k, j]) ** 2 + s2[k]) / (2 * lam**2))
            log_p_x += phi[i, k] * expected
    entropy_c = sum(float(stats.entropy(phi[i])) for i in range(n))
    entropy_mu = sum(float(stats.norm(loc=M[k, j], scale=math.sqrt(s2[k])).entropy())
                     for k in range(K) for j in range(d))
    return {"log_p_mu": log_p_mu, "log_p_c": log_p_c, "log_p_x": log_p_x,
            "entropy_c": entropy_c, "entropy_mu": entropy_mu}


def elbo(x, phi, m, s2, sigma, lam=1.0) -> float:
    """The full ELBO: the sum of :func:`elbo_terms`."""
    return float(sum(elbo_terms(x, phi, m, s2, sigma, lam).values()))


# ------------------------------------------------------------------ the evidence
def log_joint_marginal(x, c, K, sigma, lam=1.0) -> float:
    """``log p(x, c)`` with the means integrated out.

    Given ``c``, each coordinate ``j`` of the data is one Gaussian vector
    ``x[:, j] ~ N(0, lam^2 I + sigma^2 [c_i == c_l])`` (two points covary through
    their shared mean), and the ``d`` coordinates are independent.
    """
    X = as_2d(x)
    n, d = X.shape
    cov = lam**2 * np.eye(n)
    for i in range(n):
        for l in range(n):
            if c[i] == c[l]:
                cov[i, l] += sigma**2
    total = n * math.log(1.0 / K)
    for j in range(d):
        total += stats.multivariate_normal(mean=np.zeros(n), cov=cov).logpdf(X[:, j])
    return float(total)


def log_evidence(x, K, sigma, lam=1.0) -> float:
    """``log p(x) = logsumexp_c log p(x, c)`` over all ``K^n`` assignments (itertools.product)."""
    n = as_2d(x).shape[0]
    values = [log_joint_marginal(x, c, K, sigma, lam)
              for c in itertools.product(range(K), repeat=n)]
    return float(logsumexp(values))


# ------------------------------------------------------------------ CAVI
def cavi_sweeps(x, sigma, m0, s2_0, n_sweeps, lam=1.0):
    """Run ``n_sweeps`` sweeps (phi update, then mu update, then the ELBO) from ``(m0, s2_0)``.

    Returns a list with one ``(phi, m, s2, elbo)`` tuple per sweep; ``m`` is ``(K, d)``.
    """
    m, s2 = as_2d(m0), np.asarray(s2_0, dtype=float)
    out = []
    for _ in range(n_sweeps):
        phi = update_phi(x, m, s2, lam)
        m, s2 = update_mu(x, phi, sigma, lam)
        out.append((phi, m, s2, elbo(x, phi, m, s2, sigma, lam)))
    return out


def random_problem(seed, n, K, d, scale, *, s2_log_sd=1.0, alpha=0.5):
    """Random data, means, variances and responsibilities for a property-based test.

    Returns ``(x, m, s2, phi)``: ``x`` (n,) or (n, d) and ``m`` (K,) or (K, d) normal with
    standard deviation ``scale``; ``s2 = exp(s2_log_sd * z)``; ``phi`` rows Dirichlet(alpha).
    """
    rng = np.random.default_rng(seed)
    x = scale * rng.normal(size=(n,) if d == 1 else (n, d))
    m = scale * rng.normal(size=(K,) if d == 1 else (K, d))
    s2 = np.exp(s2_log_sd * rng.normal(size=K))
    phi = rng.dirichlet(np.full(K, alpha), size=n)
    return x, m, s2, phi
