"""Tests of the exact marginal likelihood ``vilib.log_evidence``.

Independent computations: a ``scipy.stats.multivariate_normal`` density per
assignment (``reference.py``), numerical integration over the means with
``scipy.integrate`` (n <= 2), and, at K^n = 10^6 assignments, a counting
argument (generating functions) on data with two distinct values.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import gammaln, logsumexp

import reference
import vilib
from vilib.baselines.evidence import MAX_ASSIGNMENTS, log_joint_by_assignment


@pytest.mark.parametrize("n, K, d, sigma, lam", [
    (1, 1, 1, 1.0, 1.0),
    (1, 3, 2, 2.0, 0.5),
    (3, 2, 1, 2.0, 1.0),
    (4, 3, 1, 0.7, 1.3),
    (5, 2, 2, 3.0, 0.8),
    (4, 3, 3, 1.5, 2.0),
    (6, 1, 2, 1.0, 1.0),
])
def test_log_evidence_matches_multivariate_normal_enumeration(n, K, d, sigma, lam):
    rng = np.random.default_rng(100 * n + 10 * K + d)
    x = 2 * rng.normal(size=(n,) if d == 1 else (n, d))
    expected = reference.log_evidence(x, K, sigma, lam)
    assert vilib.log_evidence(x, K, sigma, lam=lam) == pytest.approx(expected, rel=1e-11, abs=1e-11)


@settings(deadline=None, max_examples=25)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2),
       st.floats(0.1, 10.0), st.floats(0.1, 5.0), st.sampled_from([0.1, 1.0, 10.0]))
def test_log_evidence_matches_reference_on_random_tiny_data(seed, n, K, d, sigma, lam, scale):
    x = scale * np.random.default_rng(seed).normal(size=(n,) if d == 1 else (n, d))
    expected = reference.log_evidence(x, K, sigma, lam)
    assert vilib.log_evidence(x, K, sigma, lam=lam) == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_n_by_1_input_is_one_dimensional():
    x = np.array([0.4, -1.3, 2.2, 0.0])
    assert vilib.log_evidence(x[:, None], 2, 1.3) == pytest.approx(vilib.log_evidence(x, 2, 1.3), rel=1e-14)


def test_one_point_closed_form():
    # n = 1: whatever the cluster, x ~ N(0, sigma^2 + lam^2) in each coordinate.
    x = np.array([[0.3, -2.0]])
    expected = stats.norm.logpdf(x, scale=math.sqrt(1.5**2 + 0.6**2)).sum()
    assert vilib.log_evidence(x, 4, 1.5, lam=0.6) == pytest.approx(expected, rel=1e-13)


# ---------------------------------------------------------------- numerical integration
@pytest.mark.parametrize("x, sigma, lam", [
    ([0.7], 1.5, 1.0),
    ([-1.0, 2.0], 1.5, 1.0),
    ([0.3, 0.5], 2.0, 0.6),
])
def test_log_evidence_matches_numerical_integration(x, sigma, lam):
    # p(x) = int int N(mu_1; 0, s^2) N(mu_2; 0, s^2) prod_i [N(x_i; mu_1, l^2) + N(x_i; mu_2, l^2)] / 2
    # (densities with math.exp: scipy.stats.norm.pdf per call would make the quadrature slow)
    def normal_pdf(y, mean, sd):
        return math.exp(-0.5 * ((y - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

    def integrand(mu2, mu1):
        lik = 1.0
        for xi in x:
            lik *= 0.5 * (normal_pdf(xi, mu1, lam) + normal_pdf(xi, mu2, lam))
        return normal_pdf(mu1, 0, sigma) * normal_pdf(mu2, 0, sigma) * lik

    bound = 10 * sigma
    value, err = integrate.dblquad(integrand, -bound, bound, -bound, bound, epsabs=1e-13, epsrel=1e-10)
    assert err < 1e-9 * value
    assert vilib.log_evidence(np.array(x), 2, sigma, lam=lam) == pytest.approx(math.log(value), abs=1e-8)


# ---------------------------------------------------------------- per-assignment values
def test_log_joint_by_assignment_enumerates_every_assignment_once():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 2))
    K, sigma, lam = 3, 1.2, 0.9
    labels, values = [], []
    for lab, val in log_joint_by_assignment(X, K, sigma, lam, chunk=10):   # several chunks
        labels.append(lab)
        values.append(val)
    labels, values = np.concatenate(labels), np.concatenate(values)
    assert labels.shape == (K**4, 4)
    assert {tuple(row) for row in labels} == set(itertools.product(range(K), repeat=4))
    for row, value in zip(labels, values):
        assert value == pytest.approx(reference.log_joint_marginal(X, row, K, sigma, lam), rel=1e-12)


# ---------------------------------------------------------------- the enumeration limit
def test_refuses_past_the_default_limit():
    x = np.linspace(-1, 1, 23)                         # 2^23 > 2^22
    assert 2**23 > MAX_ASSIGNMENTS
    with pytest.raises(ValueError, match="max_assignments"):
        vilib.log_evidence(x, 2, 1.0)
    with pytest.raises(ValueError, match="max_assignments"):
        vilib.log_evidence(np.zeros(10**6), 2, 1.0)     # astronomically many: still a clean error


@pytest.mark.parametrize("K, n", [(2, 3), (3, 5), (10, 3), (10, 6), (9, 5)])
def test_limit_is_inclusive(K, n):
    # Exactly K^n assignments are allowed when max_assignments = K^n; one point more is not.
    # (3^5 and 10^6 are cases where n log K > log(K^n) in floating point.)
    x = np.linspace(-1, 1, n)
    assert np.isfinite(vilib.log_evidence(x, K, 1.0, max_assignments=K**n))
    with pytest.raises(ValueError, match="max_assignments"):
        vilib.log_evidence(np.linspace(-1, 1, n + 1), K, 1.0, max_assignments=K**n)
    with pytest.raises(ValueError, match="max_assignments"):
        vilib.log_evidence(x, K, 1.0, max_assignments=K**n - 1)


def log_evidence_two_values(a, n_a, b, n_b, K, sigma, lam):
    """log p(x) for data made of n_a copies of point a and n_b copies of point b, by counting.

    A cluster holding i copies of a and j copies of b has the block density
    f(i, j) (a multivariate normal with covariance lam^2 I + sigma^2 1 1^T per
    coordinate), and n_a! n_b! / prod_k (i_k! j_k!) assignments share the counts
    (i_k, j_k). So p(x) = K^-n n_a! n_b! [u^n_a v^n_b] G(u, v)^K with
    G = sum_ij exp(f(i, j)) u^i v^j / (i! j!); the power is a dynamic programme
    over the clusters, in the log domain.
    """
    a, b = np.atleast_1d(a), np.atleast_1d(b)

    def log_block(i, j):
        if i + j == 0:
            return 0.0
        X = np.array([a] * i + [b] * j)
        cov = lam**2 * np.eye(i + j) + sigma**2 * np.ones((i + j, i + j))
        mvn = stats.multivariate_normal(mean=np.zeros(i + j), cov=cov)
        return sum(mvn.logpdf(X[:, t]) for t in range(X.shape[1]))

    g = np.array([[log_block(i, j) - gammaln(i + 1) - gammaln(j + 1) for j in range(n_b + 1)]
                  for i in range(n_a + 1)])
    coef = np.full((n_a + 1, n_b + 1), -np.inf)
    coef[0, 0] = 0.0
    for _ in range(K):
        new = np.full_like(coef, -np.inf)
        for i in range(n_a + 1):
            for j in range(n_b + 1):
                new[i, j] = logsumexp(coef[i::-1, j::-1] + g[: i + 1, : j + 1])
        coef = new
    n = n_a + n_b
    return float(coef[n_a, n_b] + gammaln(n_a + 1) + gammaln(n_b + 1) - n * math.log(K))


def test_counting_reference_agrees_with_enumeration_on_small_data():
    # The counting formula itself, checked against plain enumeration where both are cheap.
    x = np.array([-1.3] * 3 + [2.1] * 2)
    assert log_evidence_two_values(-1.3, 3, 2.1, 2, 3, 1.4, 0.8) == pytest.approx(
        reference.log_evidence(x, 3, 1.4, 0.8), rel=1e-11)


@pytest.mark.parametrize("K, n_a, n_b, d", [(2, 11, 9, 1), (10, 4, 2, 2)])
def test_million_assignments(K, n_a, n_b, d):
    # K^n >= 10^6: 2^20 = 1048576 and 10^6 (with max_assignments = 10^6 exactly).
    n = n_a + n_b
    assert K**n >= 10**6
    a = np.linspace(-1.3, 0.4, d)
    b = np.linspace(2.1, -0.5, d)
    x = np.array([a] * n_a + [b] * n_b)
    x = x[np.random.default_rng(0).permutation(n)]    # the order of the points is irrelevant
    if d == 1:
        x = x[:, 0]
    value = vilib.log_evidence(x, K, 1.7, lam=0.9, max_assignments=K**n)
    assert value == pytest.approx(log_evidence_two_values(a, n_a, b, n_b, K, 1.7, 0.9), rel=1e-10)


# ---------------------------------------------------------------- numerical extremes
@pytest.mark.parametrize("sigma", [1e-3, 1e3])
def test_log_evidence_extreme_sigma(sigma):
    x = np.array([-5.0, -4.0, 3.0, 6.0])
    value = vilib.log_evidence(x, 2, sigma)
    assert np.isfinite(value)
    assert value == pytest.approx(reference.log_evidence(x, 2, sigma), rel=1e-9)
    if sigma < 1:
        # sigma -> 0: every mean is 0, so p(x) -> prod_i N(x_i; 0, lam^2)
        assert value == pytest.approx(stats.norm.logpdf(x).sum(), rel=1e-5)


def test_log_evidence_huge_x():
    # (sigma = 1e4 keeps the reference's covariance lam^2 I + sigma^2 1 1^T well enough
    # conditioned for scipy's multivariate_normal, which treats cond > ~1e9 as singular)
    x = np.array([1e6, 1e6 + 1.0, -1e6])
    value = vilib.log_evidence(x, 2, 1e4)
    assert np.isfinite(value)
    # vilib's closed form Q - sigma^2 |T|^2 / (lam^2 + n sigma^2) cancels numbers of size
    # 1e12 down to 1e4 here, so it is accurate to ~2e-9 relative (checked with 50-digit mpmath:
    # -10023.16528930369..., vilib -10023.1653081, scipy's multivariate_normal -10023.1652893)
    assert value == pytest.approx(reference.log_evidence(x, 2, 1e4), rel=1e-8)
    assert np.isfinite(vilib.log_evidence(x, 2, 1e6))
