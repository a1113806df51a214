"""Tests of the CAVI loop ``vilib.cavi``: stopping rule, callback, initialisation,
reproducibility, shapes, monotone ELBO, agreement with the loop reference, and
recovery of the true means on simulated data."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import reference
import vilib

X_SMALL = np.array([-3.1, -2.4, -2.9, 0.2, 0.5, 3.8, 4.4, 4.0])


def gains(trace):
    return np.diff(np.asarray(trace))


# ---------------------------------------------------------------- stopping rule
def test_converged_run_stops_at_the_first_small_gain():
    tol = 1e-8
    fit = vilib.cavi(X_SMALL, 3, 5.0, tol=tol, max_iter=500, seed=0)
    assert fit.converged is True
    assert isinstance(fit.n_iter, int)
    assert 1 < fit.n_iter < 500
    assert fit.elbo.shape == (fit.n_iter,)
    g = gains(fit.elbo)
    # the last sweep gained less than tol |ELBO|, and no earlier sweep did
    assert g[-1] < tol * abs(fit.elbo[-1])
    assert np.all(g[:-1] >= tol * np.abs(fit.elbo[1:-1]))


def test_not_converged_when_max_iter_is_reached_first():
    # From a poor start (both means far to the right), a couple of sweeps are not enough.
    init = (np.array([10.0, 11.0]), np.ones(2))
    fit = vilib.cavi(X_SMALL, 2, 5.0, tol=1e-12, max_iter=2, init=init)
    assert fit.converged is False
    assert fit.n_iter == 2 and fit.elbo.shape == (2,)
    assert fit.elbo[1] - fit.elbo[0] >= 1e-12 * abs(fit.elbo[1])


@pytest.mark.parametrize("max_iter", [1, 7, 60])
def test_tol_none_runs_exactly_max_iter_sweeps(max_iter):
    # Even long after the fixed point is reached (60 sweeps on easy data), no early stop.
    steps = []
    fit = vilib.cavi(X_SMALL, 3, 5.0, tol=None, max_iter=max_iter, seed=1, callback=steps.append)
    assert fit.n_iter == max_iter
    assert fit.elbo.shape == (max_iter,)
    assert len(steps) == max_iter
    assert fit.converged is False


# ---------------------------------------------------------------- callback
def test_callback_called_once_per_sweep_with_matching_state():
    steps = []
    fit = vilib.cavi(X_SMALL, 3, 5.0, seed=2, callback=steps.append)
    assert [s.iteration for s in steps] == list(range(1, fit.n_iter + 1))
    np.testing.assert_array_equal([s.elbo for s in steps], fit.elbo)
    last = steps[-1]
    np.testing.assert_array_equal(last.phi, fit.phi)
    np.testing.assert_array_equal(last.m, fit.m)
    np.testing.assert_array_equal(last.s2, fit.s2)
    for step in steps:
        # each reported ELBO is the ELBO of the reported (phi, m, s2), computed by the public function
        assert step.elbo == pytest.approx(vilib.elbo(X_SMALL, step.phi, step.m, step.s2, 5.0), rel=1e-12)
        # and (m, s2) is the mu update of the reported phi
        m, s2 = vilib.update_mu(X_SMALL, step.phi, 5.0)
        np.testing.assert_allclose(step.m, m, rtol=1e-12)
        np.testing.assert_allclose(step.s2, s2, rtol=1e-12)


def test_callback_sees_each_sweep_not_a_shared_buffer():
    steps = []
    vilib.cavi(X_SMALL, 2, 5.0, tol=None, max_iter=4, init=(np.array([10.0, 11.0]), np.ones(2)),
               callback=steps.append)
    assert not np.array_equal(steps[0].m, steps[-1].m)
    assert not np.array_equal(steps[0].phi, steps[-1].phi)


# ---------------------------------------------------------------- initialisation
@pytest.mark.parametrize("d, lam", [(1, 1.0), (2, 0.6)])
def test_init_is_honoured_and_sweeps_match_reference(d, lam):
    rng = np.random.default_rng(40 + d)
    x = rng.normal(size=(7,) if d == 1 else (7, d)) * 2
    m0 = rng.normal(size=(3,) if d == 1 else (3, d))
    s2_0 = np.array([0.5, 2.0, 1.0])
    sigma = 2.5
    steps = []
    fit = vilib.cavi(x, 3, sigma, lam=lam, init=(m0, s2_0), tol=None, max_iter=5, callback=steps.append)
    # sweep 1 from the public updates
    phi1 = vilib.update_phi(x, m0, s2_0, lam=lam)
    m1, s21 = vilib.update_mu(x, phi1, sigma, lam=lam)
    np.testing.assert_allclose(steps[0].phi, phi1, rtol=1e-12)
    np.testing.assert_allclose(steps[0].m, m1, rtol=1e-12)
    np.testing.assert_allclose(steps[0].s2, s21, rtol=1e-12)
    # all five sweeps from the loop reference
    ref = reference.cavi_sweeps(x, sigma, m0, s2_0, 5, lam)
    for step, (phi_r, m_r, s2_r, elbo_r) in zip(steps, ref):
        np.testing.assert_allclose(step.phi, phi_r, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(np.reshape(step.m, m_r.shape), m_r, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(step.s2, s2_r, rtol=1e-10)
        assert step.elbo == pytest.approx(elbo_r, rel=1e-10)
    np.testing.assert_allclose(fit.elbo, [r[3] for r in ref], rtol=1e-10)


def test_init_is_not_modified_and_seed_is_ignored_with_init():
    m0, s2_0 = np.array([-1.0, 1.0]), np.array([1.0, 1.0])
    a = vilib.cavi(X_SMALL, 2, 5.0, init=(m0, s2_0), seed=1)
    b = vilib.cavi(X_SMALL, 2, 5.0, init=(m0, s2_0), seed=2)
    np.testing.assert_array_equal(m0, [-1.0, 1.0])
    np.testing.assert_array_equal(s2_0, [1.0, 1.0])
    np.testing.assert_array_equal(a.m, b.m)
    np.testing.assert_array_equal(a.elbo, b.elbo)


def test_default_init_starts_from_data_points():
    # init=None: m0 are k-means++ picks among the data, s2_0 = 1. So the first phi is
    # update_phi(x, m0, 1) for some choice of K data points as m0. (A common s2_0 cancels
    # in phi's normalisation and the mu update ignores it, so its value is not observable.)
    x = np.array([-2.0, 0.0, 5.0])
    steps = []
    vilib.cavi(x, 2, 3.0, seed=4, tol=None, max_iter=1, callback=steps.append)
    candidates = [vilib.update_phi(x, [x[a], x[b]], [1.0, 1.0]) for a in range(3) for b in range(3)]
    assert any(np.allclose(steps[0].phi, c, rtol=1e-12) for c in candidates)


# ---------------------------------------------------------------- reproducibility and shapes
def test_seed_reproducibility():
    data = vilib.simulate(200, 4, 5.0, d=2, seed=3)
    a = vilib.cavi(data.x, 4, 5.0, seed=123)
    b = vilib.cavi(data.x, 4, 5.0, seed=123)
    np.testing.assert_array_equal(a.phi, b.phi)
    np.testing.assert_array_equal(a.m, b.m)
    np.testing.assert_array_equal(a.elbo, b.elbo)
    c = vilib.cavi(data.x, 4, 5.0, seed=np.random.default_rng(123))
    np.testing.assert_array_equal(a.elbo, c.elbo)
    # different seeds give different starting means (hence a different first sweep)
    firsts = {vilib.cavi(data.x, 4, 5.0, seed=s, max_iter=1, tol=None).elbo[0] for s in range(6)}
    assert len(firsts) > 1


@pytest.mark.parametrize("shape, m_shape", [((9,), (3,)), ((9, 1), (3, 1)), ((9, 4), (3, 4))])
def test_result_shapes(shape, m_shape):
    x = np.random.default_rng(0).normal(size=shape)
    fit = vilib.cavi(x, 3, 2.0, seed=0)
    assert fit.phi.shape == (9, 3)
    assert fit.m.shape == m_shape
    assert fit.s2.shape == (3,)
    assert fit.elbo.ndim == 1 and len(fit.elbo) == fit.n_iter
    assert np.all(np.isfinite(fit.phi)) and np.all(np.isfinite(fit.m)) and np.all(fit.s2 > 0)


def test_n_by_1_and_flat_data_give_the_same_fit():
    a = vilib.cavi(X_SMALL, 3, 5.0, seed=9)
    b = vilib.cavi(X_SMALL[:, None], 3, 5.0, seed=9)
    np.testing.assert_allclose(a.m, b.m[:, 0], rtol=1e-13)
    np.testing.assert_allclose(a.elbo, b.elbo, rtol=1e-13)


def test_one_cluster_reaches_the_exact_posterior():
    # K = 1: q(mu) = N(sum x / (n + lam^2/sigma^2), lam^2 / (n + lam^2/sigma^2)) and ELBO = log p(x).
    x = np.array([[0.5, 1.0], [1.5, -0.5], [2.0, 0.0], [0.1, 0.2]])
    sigma, lam = 2.0, 0.5
    fit = vilib.cavi(x, 1, sigma, lam=lam, seed=0)
    shrink = 4 + lam**2 / sigma**2
    np.testing.assert_allclose(fit.m, [x.sum(axis=0) / shrink], rtol=1e-13)
    np.testing.assert_allclose(fit.s2, [lam**2 / shrink], rtol=1e-13)
    assert fit.converged
    assert fit.elbo[-1] == pytest.approx(reference.log_evidence(x, 1, sigma, lam), rel=1e-12)


# ---------------------------------------------------------------- the ELBO never decreases
@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 5), st.integers(1, 3),
       st.floats(0.1, 30.0), st.floats(0.1, 5.0), st.sampled_from([0.1, 1.0, 10.0, 1e4]))
def test_elbo_never_decreases(seed, n, K, d, sigma, lam, scale):
    x = scale * np.random.default_rng(seed).normal(size=(n,) if d == 1 else (n, d))
    steps = []
    fit = vilib.cavi(x, K, sigma, lam=lam, seed=seed, tol=None, max_iter=25, callback=steps.append)
    assert np.all(np.isfinite(fit.elbo))
    assert np.all(gains(fit.elbo) >= -1e-9 * np.abs(fit.elbo[1:]))
    # the same with the ELBO recomputed by the public function from each reported state
    recomputed = [vilib.elbo(x, s.phi, s.m, s.s2, sigma, lam=lam) for s in steps]
    assert np.all(np.diff(recomputed) >= -1e-9 * np.abs(recomputed[1:]))


# ---------------------------------------------------------------- recovery
def best_of(x, K, sigma, seeds, **kw):
    fits = [vilib.cavi(x, K, sigma, seed=s, **kw) for s in seeds]
    return max(fits, key=lambda f: f.elbo[-1])


def test_recovers_well_separated_means_1d():
    data = vilib.simulate(900, 3, 20.0, seed=5)
    gaps = np.diff(np.sort(data.mu))
    assert gaps.min() > 8.0                     # the premise: clusters 8 sd apart
    fit = best_of(data.x, 3, 20.0, seeds=range(5))
    assert fit.converged
    order_fit, order_true = np.argsort(fit.m), np.argsort(data.mu)
    counts = np.bincount(data.c, minlength=3)[order_true]
    # standard error of a cluster's sample mean is lam / sqrt(n_k); allow 4 of them
    np.testing.assert_array_less(np.abs(fit.m[order_fit] - data.mu[order_true]), 4 / np.sqrt(counts))
    labels = np.argsort(order_fit)[fit.phi.argmax(axis=1)]     # fitted cluster -> rank
    assert np.mean(labels == np.argsort(order_true)[data.c]) > 0.99


def test_recovers_well_separated_means_2d_with_lam():
    lam = 0.5
    data = vilib.simulate(1200, 4, 10.0, d=2, lam=lam, seed=8)
    dist = np.linalg.norm(data.mu[:, None] - data.mu[None], axis=2) + np.eye(4) * 1e9
    assert dist.min() > 10 * lam
    fit = best_of(data.x, 4, 10.0, seeds=range(5), lam=lam)
    cost = np.linalg.norm(fit.m[:, None] - data.mu[None], axis=2)
    rows, cols = linear_sum_assignment(cost)
    counts = np.bincount(data.c, minlength=4)[cols]
    # each coordinate has standard error lam / sqrt(n_k): the distance is below ~4 sqrt(2) of them
    assert np.all(cost[rows, cols] < 4 * math.sqrt(2) * lam / np.sqrt(counts))
    assert np.mean(cols[np.argsort(rows)][fit.phi.argmax(axis=1)] == data.c) > 0.99


# ---------------------------------------------------------------- numerical extremes
def test_huge_x():
    x = np.concatenate([1e6 + np.array([-0.3, 0.1, 0.4]), -1e6 + np.array([0.2, -0.5])])
    fit = vilib.cavi(x, 2, 1e6, seed=0)
    assert np.all(np.isfinite(fit.phi)) and np.all(np.isfinite(fit.m)) and np.all(np.isfinite(fit.elbo))
    np.testing.assert_allclose(np.sort(fit.m), [(-2e6 - 0.3) / 2, (3e6 + 0.2) / 3], rtol=1e-9)
    np.testing.assert_array_equal(fit.phi.argmax(axis=1)[:3], fit.phi.argmax(axis=1)[0])
    assert fit.phi.argmax(axis=1)[3] == fit.phi.argmax(axis=1)[4] != fit.phi.argmax(axis=1)[0]


def test_huge_x_elbo_trace_is_monotone():
    x = np.concatenate([1e6 + np.array([-0.3, 0.1, 0.4]), -1e6 + np.array([0.2, -0.5])])
    fit = vilib.cavi(x, 2, 1e6, seed=0, tol=None, max_iter=5)
    assert np.all(gains(fit.elbo) >= -1e-9 * np.abs(fit.elbo[1:]))


def test_million_points_a_few_sweeps():
    data = vilib.simulate(10**6, 3, 10.0, seed=1)
    fit = vilib.cavi(data.x, 3, 10.0, seed=0, tol=None, max_iter=3)
    assert fit.phi.shape == (10**6, 3) and fit.m.shape == (3,) and fit.s2.shape == (3,)
    assert fit.n_iter == 3
    assert np.all(np.isfinite(fit.elbo)) and np.all(np.isfinite(fit.m))
    assert np.all(gains(fit.elbo) >= -1e-9 * np.abs(fit.elbo[1:]))
    np.testing.assert_allclose(fit.phi.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("sigma", [1e-3, 1e3])
def test_extreme_sigma(sigma):
    x = np.array([-5.2, -4.8, -5.1, 6.0, 6.3, 5.7])
    fit = vilib.cavi(x, 2, sigma, seed=0)
    assert np.all(np.isfinite(fit.m)) and np.all(np.isfinite(fit.elbo)) and np.all(fit.s2 > 0)
    assert fit.elbo[-1] <= reference.log_evidence(x, 2, sigma) + 1e-9
    N = fit.phi.sum(axis=0)
    if sigma < 1:
        # the prior pins the means at 0: |m_k| <= sigma^2 sum_i phi_ik |x_i| and s2_k ~ sigma^2
        assert np.all(np.abs(fit.m) <= sigma**2 * fit.phi.T @ np.abs(x))
        np.testing.assert_allclose(fit.s2, sigma**2, rtol=10 * sigma**2)
    else:
        # a flat prior: m_k is the phi-weighted mean of the points, here the two cluster means
        np.testing.assert_allclose(fit.m, fit.phi.T @ x / N, rtol=1e-5)
        np.testing.assert_allclose(np.sort(fit.m), [-15.1 / 3, 18.0 / 3],
                                   rtol=1e-4, atol=1e-4)
