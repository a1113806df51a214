"""Tests of vilib.baselines.exact: the exact posterior by enumeration and the KL of q to it.

Expected values come from independent computations: the naive reference
implementation (tests/reference.py), closed forms for n = 1, numerical
integration on a grid of (mu_1, mu_2), self-normalised importance sampling, and
the identity log p(x) = ELBO(q) + KL(q || p) with the ELBO computed by other code.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

import vilib
from vilib.baselines.exact import ExactPosterior, exact_posterior, kl_to_posterior

import reference


def random_q(rng, n, K, d):
    """A random member of the mean-field family (phi from a Dirichlet)."""
    phi = rng.dirichlet(np.ones(K), size=n)
    m = rng.normal(0, 2, size=(K,) if d == 1 else (K, d))
    s2 = rng.uniform(0.05, 2.0, size=K)
    return phi, m, s2


# ---------------------------------------------------------------- the evidence and p(c | x)
@pytest.mark.parametrize("d, lam", [(1, 1.0), (2, 0.7)])
def test_log_evidence_and_phi_match_reference_enumeration(d, lam):
    data = vilib.simulate(5, 3, 2.0, d=d, lam=lam, seed=3)
    post = exact_posterior(data.x, 3, 2.0, lam=lam)
    assert post.log_evidence == pytest.approx(reference.log_evidence(data.x, 3, 2.0, lam), abs=1e-9)
    # p(c_i = k | x) from the reference's dense-covariance log p(x, c)
    phi = np.zeros((5, 3))
    for c in itertools.product(range(3), repeat=5):
        w = math.exp(reference.log_joint_marginal(data.x, c, 3, 2.0, lam) - post.log_evidence)
        for i, k in enumerate(c):
            phi[i, k] += w
    np.testing.assert_allclose(post.phi, phi, atol=1e-12)
    assert post.labels.shape == (3**5, 5)
    assert np.exp(post.log_prob).sum() == pytest.approx(1.0, abs=1e-12)


def test_posterior_is_symmetric_under_relabelling():
    # the K! relabelled copies of every assignment are equally probable, so the
    # exact marginals are identical across clusters
    data = vilib.simulate(6, 3, 4.0, seed=11)
    post = exact_posterior(data.x, 3, 4.0)
    np.testing.assert_allclose(post.phi, 1 / 3, atol=1e-12)
    np.testing.assert_allclose(post.mean_mu, post.mean_mu[0], atol=1e-12)
    np.testing.assert_allclose(post.var_mu, post.var_mu[0], atol=1e-12)


# ---------------------------------------------------------------- n = 1: closed form
@pytest.mark.parametrize("K", [1, 2, 4])
def test_single_point_closed_form(K):
    x, sigma, lam = 1.7, 1.5, 0.8
    post = exact_posterior(np.array([x]), K, sigma, lam=lam)
    # with prob 1/K mu_k saw the point: N(x sigma^2/(sigma^2+lam^2), sigma^2 lam^2/(sigma^2+lam^2));
    # otherwise mu_k keeps its prior N(0, sigma^2)
    a = x * sigma**2 / (sigma**2 + lam**2)
    v = sigma**2 * lam**2 / (sigma**2 + lam**2)
    mean = a / K
    second = (v + a**2) / K + (1 - 1 / K) * sigma**2
    np.testing.assert_allclose(post.mean_mu, mean, atol=1e-12)
    np.testing.assert_allclose(post.var_mu, second - mean**2, atol=1e-12)
    np.testing.assert_allclose(post.phi, 1 / K, atol=1e-12)
    # p(x) = N(x; 0, sigma^2 + lam^2) whatever K is
    assert post.log_evidence == pytest.approx(stats.norm.logpdf(x, 0, math.sqrt(sigma**2 + lam**2)))


# ---------------------------------------------------------------- n = 2: numerical integration
def grid_posterior_moments(x, sigma, lam, lo=-14.0, hi=14.0, G=1401):
    """Posterior moments of (mu_1, mu_2) for K = 2, 1-D, by a 2-D grid over the means.

    log p(mu, c, x) is written out with scipy.stats for every assignment c and
    summed over c; then the density is normalised on the grid.
    """
    t = np.linspace(lo, hi, G)
    m1, m2 = np.meshgrid(t, t, indexing="ij")
    mus = (m1, m2)
    logs = []
    for c in itertools.product(range(2), repeat=len(x)):
        lp = stats.norm.logpdf(m1, 0, sigma) + stats.norm.logpdf(m2, 0, sigma) + len(x) * math.log(0.5)
        for xi, ci in zip(x, c):
            lp = lp + stats.norm.logpdf(xi, mus[ci], lam)
        logs.append(lp)
    log_dens = logsumexp(np.stack(logs), axis=0)
    h = t[1] - t[0]
    log_px = logsumexp(log_dens) + 2 * math.log(h)
    w = np.exp(log_dens - logsumexp(log_dens))
    e1, e2 = (w * m1).sum(), (w * m2).sum()
    v1, v2 = (w * m1**2).sum() - e1**2, (w * m2**2).sum() - e2**2
    marg1 = np.exp(log_dens - log_px).sum(axis=1) * h     # density of mu_1 on t
    return t, log_px, np.array([e1, e2]), np.array([v1, v2]), marg1


@pytest.mark.parametrize("x", [np.array([-2.0, 2.5]), np.array([0.3, 0.9])])
def test_two_points_match_grid_integration(x):
    sigma, lam = 2.0, 1.0
    post = exact_posterior(x, 2, sigma, lam=lam)
    t, log_px, mean, var, marg1 = grid_posterior_moments(x, sigma, lam)
    assert post.log_evidence == pytest.approx(log_px, abs=1e-6)
    np.testing.assert_allclose(post.mean_mu, mean, atol=1e-6)
    np.testing.assert_allclose(post.var_mu, var, atol=1e-6)
    np.testing.assert_allclose(post.density_mu(0, t), marg1, atol=1e-6)


def test_density_is_normalised_with_the_posterior_moments():
    data = vilib.simulate(7, 2, 3.0, seed=5)
    post = exact_posterior(data.x, 2, 3.0)
    t = np.linspace(-30, 30, 12001)
    for k in range(2):
        p = post.density_mu(k, t)
        h = t[1] - t[0]
        assert p.sum() * h == pytest.approx(1.0, abs=1e-8)
        mean = (t * p).sum() * h
        assert mean == pytest.approx(post.mean_mu[k], abs=1e-8)
        assert ((t - mean) ** 2 * p).sum() * h == pytest.approx(post.var_mu[k], abs=1e-8)


def test_two_dimensional_moments_match_importance_sampling():
    # self-normalised importance sampling from the prior p(mu) p(c): weights p(x | mu, c)
    x = np.array([[-1.5, 0.5], [1.0, 2.0], [1.4, 1.6]])
    sigma, lam, K = 1.5, 1.0, 2
    post = exact_posterior(x, K, sigma, lam=lam)
    rng = np.random.default_rng(0)
    S = 400_000
    mu = rng.normal(0, sigma, size=(S, K, 2))
    c = rng.integers(0, K, size=(S, 3))
    centres = np.take_along_axis(mu, c[:, :, None], axis=1)            # (S, 3, 2)
    logw = -np.sum((x[None] - centres) ** 2, axis=(1, 2)) / (2 * lam**2)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    mean = np.einsum("s,skd->kd", w, mu)
    var = np.einsum("s,skd->kd", w, mu**2) - mean**2
    ess = 1 / np.sum(w**2)
    assert ess > 10_000   # enough effective samples for the tolerance below
    np.testing.assert_allclose(post.mean_mu, mean, atol=0.03)
    np.testing.assert_allclose(post.var_mu, var, atol=0.04)
    assert post.mean_mu.shape == post.var_mu.shape == (K, 2)


# ---------------------------------------------------------------- the KL divergence
@pytest.mark.parametrize("n, K, d, lam", [(4, 2, 1, 1.0), (5, 3, 1, 0.6), (4, 3, 2, 1.3)])
def test_kl_equals_evidence_minus_elbo_for_random_q(n, K, d, lam):
    rng = np.random.default_rng(n * 100 + K * 10 + d)
    data = vilib.simulate(n, K, 2.0, d=d, lam=lam, seed=rng)
    log_px = reference.log_evidence(data.x, K, 2.0, lam)
    for _ in range(5):
        phi, m, s2 = random_q(rng, n, K, d)
        gap = log_px - reference.elbo(data.x, phi, m, s2, 2.0, lam)
        assert kl_to_posterior(data.x, phi, m, s2, 2.0, lam=lam) == pytest.approx(gap, rel=1e-9, abs=1e-9)


def test_kl_after_cavi_equals_the_gap():
    data = vilib.simulate(8, 2, 3.0, seed=2)
    fit = vilib.cavi(data.x, 2, 3.0, seed=0)
    gap = vilib.log_evidence(data.x, 2, 3.0) - fit.elbo[-1]
    assert kl_to_posterior(data.x, fit.phi, fit.m, fit.s2, 3.0) == pytest.approx(gap, abs=1e-9)


def test_kl_with_hard_assignments_skips_zero_probability_terms():
    # phi one-hot: q(c) is a point mass, so the KL is -log p(c|x) + the Gaussian KLs
    x = np.array([-3.0, -2.5, 2.0, 3.1])
    c = np.array([0, 0, 1, 1])
    phi = np.eye(2)[c]
    m, s2 = np.array([-2.0, 2.0]), np.array([0.3, 0.4])
    kl = kl_to_posterior(x, phi, m, s2, 2.0)
    assert np.isfinite(kl)
    assert kl == pytest.approx(vilib.log_evidence(x, 2, 2.0) - reference.elbo(x, phi, m, s2, 2.0), abs=1e-9)


def test_kl_is_zero_when_q_is_the_posterior():
    # K = 1: the posterior is the single Gaussian N(a, v), which the family contains
    x = np.array([0.4, -1.2, 2.2])
    sigma, lam = 1.3, 0.9
    v = 1 / (1 / sigma**2 + 3 / lam**2)
    a = v * x.sum() / lam**2
    kl = kl_to_posterior(x, np.ones((3, 1)), np.array([a]), np.array([v]), sigma, lam=lam)
    assert kl == pytest.approx(0.0, abs=1e-12)
    assert kl_to_posterior(x, np.ones((3, 1)), np.array([a + 0.1]), np.array([v]), sigma, lam=lam) \
        == pytest.approx(0.01 / (2 * v), rel=1e-9)


# ---------------------------------------------------------------- validation
def test_refuses_too_many_assignments():
    with pytest.raises(ValueError, match="max_assignments"):
        exact_posterior(np.zeros(12), 3, 1.0, max_assignments=1000)
    with pytest.raises(ValueError, match="max_assignments"):
        kl_to_posterior(np.zeros(12), np.full((12, 3), 1 / 3), np.zeros(3), np.ones(3), 1.0,
                        max_assignments=1000)


def test_bad_arguments_name_the_argument():
    x = np.array([0.0, 1.0])
    with pytest.raises(ValueError, match="sigma"):
        exact_posterior(x, 2, -1.0)
    with pytest.raises(ValueError, match="phi"):
        kl_to_posterior(x, np.ones((2, 3)) / 3, np.zeros(2), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="s2"):
        kl_to_posterior(x, np.ones((2, 2)) / 2, np.zeros(2), np.array([1.0, 0.0]), 1.0)
    post = exact_posterior(x, 2, 1.0)
    assert isinstance(post, ExactPosterior)
    with pytest.raises(ValueError, match="k must"):
        post.density_mu(2, np.zeros(3))
    with pytest.raises(ValueError, match="coord"):
        post.density_mu(0, np.zeros(3), coord=1)
    with pytest.raises(ValueError, match="grid"):
        post.density_mu(0, np.zeros((2, 2)))


# ---------------------------------------------------------------- relabelling to one mode
def naive_aligned_moments(x, K, sigma, lam, phi_ref):
    """Aligned posterior moments with Python loops: relabel each assignment by the
    permutation agreeing most with phi_ref, then mix its conjugate posteriors."""
    log_px = reference.log_evidence(x, K, sigma, lam)
    n = len(x)
    mean, second, phi = np.zeros(K), np.zeros(K), np.zeros((n, K))
    for c in itertools.product(range(K), repeat=n):
        w = math.exp(reference.log_joint_marginal(x, c, K, sigma, lam) - log_px)
        best, best_score = None, -1.0
        for perm in itertools.permutations(range(K)):
            score = sum(phi_ref[i, perm[c[i]]] for i in range(n))
            if score > best_score + 1e-12:
                best, best_score = perm, score
        new = [best[ci] for ci in c]
        for k in range(K):
            members = [x[i] for i in range(n) if new[i] == k]
            v = 1 / (1 / sigma**2 + len(members) / lam**2)
            a = v * sum(members) / lam**2
            mean[k] += w * a
            second[k] += w * (v + a * a)
        for i, k in enumerate(new):
            phi[i, k] += w
    return mean, second - mean**2, phi


def test_aligned_matches_naive_relabelling():
    x = np.array([-2.1, -1.0, -0.3, 0.4, 1.1, 1.9, 2.6])
    fit = vilib.cavi(x, 2, 2.0, seed=0)
    al = exact_posterior(x, 2, 2.0).aligned(fit.phi)
    mean, var, phi = naive_aligned_moments(x, 2, 2.0, 1.0, fit.phi)
    np.testing.assert_allclose(al.mean_mu, mean, atol=1e-12)
    np.testing.assert_allclose(al.var_mu, var, atol=1e-12)
    np.testing.assert_allclose(al.phi, phi, atol=1e-12)


def test_aligned_on_separated_data_is_one_mode():
    # two tight groups far apart: the aligned posterior is the mode that puts
    # the first group in cluster 0, and the relabelling follows phi_ref's order
    x = np.array([-8.2, -7.9, -8.1, 7.8, 8.3])
    post = exact_posterior(x, 2, 10.0)
    ref = np.array([[1, 0]] * 3 + [[0, 1]] * 2, dtype=float)
    al = post.aligned(ref)
    assert al.log_evidence == post.log_evidence
    np.testing.assert_allclose(al.phi, ref, atol=1e-9)
    # one mode: mu_0 | x ~ N(sum(x[:3]) v0, v0) with v0 = 1/(1/100 + 3), and similarly mu_1
    v = 1 / (1 / 100 + np.array([3, 2]))
    np.testing.assert_allclose(al.mean_mu, v * np.array([x[:3].sum(), x[3:].sum()]), atol=1e-9)
    np.testing.assert_allclose(al.var_mu, v, atol=1e-9)
    swapped = post.aligned(ref[:, ::-1])
    np.testing.assert_allclose(swapped.mean_mu, al.mean_mu[::-1], atol=1e-12)
    # the unaligned posterior averages the two mirror-image modes
    np.testing.assert_allclose(post.mean_mu, al.mean_mu.mean(), atol=1e-9)
