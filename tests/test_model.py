"""Tests of the generative model: ``vilib.simulate`` and ``vilib.log_joint``.

Distribution checks use large samples and tolerances of a few standard errors
(with fixed seeds, so each test is deterministic).
"""

import math

import numpy as np
import pytest
from scipy import stats

import reference
import vilib


# ---------------------------------------------------------------- shapes, labels, seeds
@pytest.mark.parametrize("d", [1, 3])
def test_shapes_and_labels(d):
    data = vilib.simulate(50, 4, 2.0, d=d, lam=0.5, seed=0)
    if d == 1:
        assert data.x.shape == (50,) and data.mu.shape == (4,)
    else:
        assert data.x.shape == (50, 3) and data.mu.shape == (4, 3)
    assert data.c.shape == (50,)
    assert np.issubdtype(data.c.dtype, np.integer)
    assert data.c.min() >= 0 and data.c.max() < 4
    assert data.K == 4 and data.sigma == 2.0 and data.lam == 0.5
    assert np.all(np.isfinite(data.x)) and np.all(np.isfinite(data.mu))


def test_every_label_appears_with_enough_points():
    data = vilib.simulate(1000, 7, 1.0, seed=1)
    assert set(np.unique(data.c)) == set(range(7))


def test_one_point_one_cluster():
    data = vilib.simulate(1, 1, 1.0, seed=0)
    assert data.x.shape == (1,) and data.c.tolist() == [0] and data.mu.shape == (1,)


def test_seed_reproducibility():
    a = vilib.simulate(100, 3, 2.0, d=2, seed=42)
    b = vilib.simulate(100, 3, 2.0, d=2, seed=42)
    for field in ("x", "c", "mu"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    c = vilib.simulate(100, 3, 2.0, d=2, seed=np.random.default_rng(42))
    np.testing.assert_array_equal(a.x, c.x)
    other = vilib.simulate(100, 3, 2.0, d=2, seed=43)
    assert not np.array_equal(a.x, other.x)


def test_sigma_and_lam_scale_the_draws():
    # Same seed: the means scale with sigma, and x - mu_c with lam.
    a = vilib.simulate(20, 3, 1.0, lam=1.0, seed=5)
    b = vilib.simulate(20, 3, 4.0, lam=0.25, seed=5)
    np.testing.assert_array_equal(a.c, b.c)
    np.testing.assert_allclose(b.mu, 4 * a.mu, rtol=1e-15)
    np.testing.assert_allclose(b.x - b.mu[b.c], 0.25 * (a.x - a.mu[a.c]), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- distributions
def test_cluster_frequencies_are_uniform():
    n, K = 200_000, 5
    data = vilib.simulate(n, K, 1.0, seed=2)
    counts = np.bincount(data.c, minlength=K)
    se = math.sqrt(n * (1 / K) * (1 - 1 / K))            # binomial standard error of a count
    np.testing.assert_array_less(np.abs(counts - n / K), 4 * se)
    # and jointly: a chi-square goodness-of-fit test at a strict level
    assert stats.chisquare(counts).pvalue > 1e-4


@pytest.mark.parametrize("d, lam", [(1, 1.0), (2, 0.3), (3, 2.5)])
def test_within_cluster_residuals_are_normal_with_variance_lam2(d, lam):
    n = 100_000
    data = vilib.simulate(n, 4, 5.0, d=d, lam=lam, seed=3 + d)
    resid = (data.x - data.mu[data.c]).reshape(-1)        # n * d draws of N(0, lam^2)
    N = resid.size
    assert abs(resid.mean()) < 4 * lam / math.sqrt(N)
    # the sample variance has standard error lam^2 sqrt(2 / (N - 1))
    assert abs(resid.var(ddof=1) - lam**2) < 4 * lam**2 * math.sqrt(2 / (N - 1))
    assert stats.kstest(resid / lam, "norm").pvalue > 1e-4


def test_means_spread_like_the_prior():
    # Many clusters: the mu_k are N(0, sigma^2 I_d) draws.
    K, d, sigma = 20_000, 2, 3.0
    data = vilib.simulate(1, K, sigma, d=d, seed=4)
    mu = data.mu.reshape(-1)
    N = mu.size
    assert abs(mu.mean()) < 4 * sigma / math.sqrt(N)
    assert abs(np.mean(mu**2) - sigma**2) < 4 * sigma**2 * math.sqrt(2 / N)
    assert stats.kstest(mu / sigma, "norm").pvalue > 1e-4
    # the coordinates are uncorrelated
    assert abs(np.corrcoef(data.mu.T)[0, 1]) < 4 / math.sqrt(K)


def test_one_dimensional_means_spread_like_the_prior():
    K, sigma = 20_000, 0.2
    mu = vilib.simulate(1, K, sigma, seed=6).mu
    assert abs(np.mean(mu**2) - sigma**2) < 4 * sigma**2 * math.sqrt(2 / K)


def test_labels_are_independent_of_the_means():
    # cluster frequencies do not depend on where the means are: compare the share of
    # points in the cluster with the largest mean with 1/K over many data sets
    K, n, reps = 4, 200, 400
    hits = 0
    for r in range(reps):
        data = vilib.simulate(n, K, 3.0, seed=1000 + r)
        hits += np.sum(data.c == np.argmax(data.mu))
    total = n * reps
    assert abs(hits / total - 1 / K) < 4 * math.sqrt((1 / K) * (1 - 1 / K) / total)


# ---------------------------------------------------------------- log_joint
def test_log_joint_matches_scipy_norm_1d():
    data = vilib.simulate(12, 3, 2.0, seed=7)
    expected = (stats.norm.logpdf(data.mu, 0, 2.0).sum()
                + 12 * math.log(1 / 3)
                + stats.norm.logpdf(data.x, data.mu[data.c], 1.0).sum())
    assert vilib.log_joint(data.x, data.c, data.mu, 2.0) == pytest.approx(expected, rel=1e-13)


def test_log_joint_matches_scipy_multivariate_normal_2d_lam():
    lam, sigma = 0.6, 1.7
    data = vilib.simulate(15, 4, sigma, d=2, lam=lam, seed=8)
    expected = (stats.multivariate_normal(np.zeros(2), sigma**2 * np.eye(2)).logpdf(data.mu).sum()
                + 15 * math.log(1 / 4)
                + sum(stats.multivariate_normal(data.mu[c], lam**2 * np.eye(2)).logpdf(xi)
                      for xi, c in zip(data.x, data.c)))
    assert vilib.log_joint(data.x, data.c, data.mu, sigma, lam=lam) == pytest.approx(expected, rel=1e-13)
    assert vilib.log_joint(data.x, data.c, data.mu, sigma, lam=lam) == pytest.approx(
        reference.log_joint(data.x, data.c, data.mu, sigma, lam), rel=1e-13)


def test_log_joint_hand_worked():
    # x = [0, 1], c = [0, 1], mu = [0, 2], sigma = 1, lam = 1:
    # prior: -log(2 pi)/2 * 2 - (0 + 4)/2; labels: 2 log(1/2); data: -log(2 pi)/2 * 2 - (0 + 1)/2
    expected = -2 * math.log(2 * math.pi) - 2 - 0.5 - 2 * math.log(2)
    assert vilib.log_joint([0.0, 1.0], [0, 1], [0.0, 2.0], 1.0) == pytest.approx(expected, rel=1e-14)


def test_log_joint_n_by_1_equals_flat():
    x, c, mu = np.array([0.3, -1.0, 2.0]), np.array([1, 0, 1]), np.array([-0.5, 1.5])
    assert vilib.log_joint(x[:, None], c, mu[:, None], 1.5) == pytest.approx(
        vilib.log_joint(x, c, mu, 1.5), rel=1e-15)
