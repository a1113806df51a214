"""Pin the claims of book/d_dimensions.md on the chapter's example."""

from __future__ import annotations

import numpy as np
import pytest

import vilib

import reference

N, K, D, SIGMA, LAM = 200, 3, 2, 5.0, 1.5


@pytest.fixture(scope="module")
def chapter():
    data = vilib.simulate(N, K, SIGMA, d=D, lam=LAM, seed=5)
    return data, vilib.cavi(data.x, K, SIGMA, lam=LAM, seed=0)


def test_fit_matches_naive_reference_sweeps(chapter):
    # vilib on (n, d) data = the loop-over-coordinates reference, sweep by sweep
    data, _ = chapter
    m0 = data.x[:K]
    fit = vilib.cavi(data.x, K, SIGMA, lam=LAM, init=(m0, np.ones(K)), max_iter=3, tol=None)
    sweeps = reference.cavi_sweeps(data.x, SIGMA, m0, np.ones(K), 3, LAM)
    np.testing.assert_allclose(fit.m, sweeps[-1][1], rtol=1e-10)
    np.testing.assert_allclose(fit.elbo, [s[3] for s in sweeps], rtol=1e-10)


def test_updates_are_per_coordinate(chapter):
    data, fit = chapter
    m2, s2 = vilib.update_mu(data.x, fit.phi, SIGMA, lam=LAM)
    for j in range(D):
        m1, s1 = vilib.update_mu(data.x[:, j], fit.phi, SIGMA, lam=LAM)
        np.testing.assert_allclose(m2[:, j], m1, rtol=1e-12)
        np.testing.assert_allclose(s2, s1, rtol=1e-12)
    phi2 = vilib.update_phi(data.x, fit.m, fit.s2, lam=LAM)
    prod = np.prod([vilib.update_phi(data.x[:, j], fit.m[:, j], fit.s2, lam=LAM) for j in range(D)], axis=0)
    np.testing.assert_allclose(phi2, prod / prod.sum(axis=1, keepdims=True), atol=1e-12)


def test_means_within_four_s_of_truth_and_circles_small(chapter):
    data, fit = chapter
    order = [int(np.argmin(np.linalg.norm(data.mu - mk, axis=1))) for mk in fit.m]
    assert sorted(order) == list(range(K))
    z = (fit.m - data.mu[order]) / np.sqrt(fit.s2)[:, None]
    assert np.abs(z).max() < 4
    # s_k is about lam / sqrt(n_k): small next to the spread lam of the points
    n_k = fit.phi.sum(axis=0)
    np.testing.assert_allclose(np.sqrt(fit.s2), LAM / np.sqrt(n_k), rtol=0.01)


def test_scaling_exercise(chapter):
    data, _ = chapter
    m0 = data.x[:K].copy()
    a = vilib.cavi(data.x, K, SIGMA, lam=LAM, init=(m0, np.ones(K)))
    b = vilib.cavi(data.x / LAM, K, SIGMA / LAM, lam=1.0, init=(m0 / LAM, np.ones(K) / LAM**2))
    np.testing.assert_allclose(a.phi, b.phi, atol=1e-10)
    np.testing.assert_allclose(a.m, LAM * b.m, rtol=1e-8)
    np.testing.assert_allclose(a.s2, LAM**2 * b.s2, rtol=1e-8)
    # the ELBO changes by the Jacobian of x -> x / lam: n d log lam
    np.testing.assert_allclose(a.elbo[-1], b.elbo[-1] - N * D * np.log(LAM), rtol=1e-10)


def test_dropping_d_shifts_phi_towards_the_small_cluster():
    m = np.array([[0.0, 0.0], [2.0, 0.0]])
    s2 = 1 / (1 + np.array([2.0, 30.0]))
    right = vilib.update_phi(np.array([[1.0, 0.0]]), m, s2)[0]
    # the chapter's mistaken logit, written out: s2_k instead of d s2_k (d = 2)
    logits = np.array([1.0, 0.0]) @ m.T - (s2 + (m**2).sum(axis=1)) / 2
    wrong = np.exp(logits) / np.exp(logits).sum()
    # by hand: right phi_1 = 1 / (1 + exp(logit_2 - logit_1)), logit_2 - logit_1 = 2 - (2 s2_2 + 4)/2 + s2_1
    assert right[0] == pytest.approx(1 / (1 + np.exp(2 - (2 * s2[1] + 4) / 2 + s2[0])))
    assert wrong[0] > right[0] + 0.02
