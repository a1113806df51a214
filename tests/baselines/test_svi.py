"""Tests of stochastic variational inference, ``vilib.svi``.

Expected values come from the naive loop implementation in ``reference.py`` (the CAVI
updates written point by point), from the natural-parameter formulas written out here,
from exact enumeration of all minibatches, or from an independent CAVI fit; none is
copied from the output of the code under test.
"""

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import linear_sum_assignment

import reference
import vilib
from vilib.baselines.stream import elbo_at_optimal_phi, simulate_stream
from vilib.baselines.svi import (
    intermediate_params,
    mean_params,
    natural_params,
    step_sizes,
    svi,
    svi_step,
)

X_SMALL = np.array([[-2.1, 0.3], [-1.7, -0.4], [0.2, 2.2], [0.5, 1.6], [2.9, -1.0], [3.4, -0.2]])
M0 = np.array([[-1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])
S2_0 = np.array([0.5, 1.5, 0.8])


def natural_by_hand(m, s2):
    """eta1 = m / s2, eta2 = -1 / (2 s2), for (K, d) means."""
    return np.asarray(m) / np.asarray(s2)[:, None], -1.0 / (2.0 * np.asarray(s2))


def match(m_ref, m):
    """Rows of ``m`` reordered to the clusters of ``m_ref`` (labels are arbitrary)."""
    m_ref, m = reference.as_2d(m_ref), reference.as_2d(m)
    rows, cols = linear_sum_assignment(np.linalg.norm(m_ref[:, None] - m[None], axis=-1))
    return cols[np.argsort(rows)]


# ---------------------------------------------------------------- step sizes
def test_step_sizes_follow_robbins_monro_formula():
    expected = [math.pow(t + 2.0, -0.6) for t in range(1, 6)]
    np.testing.assert_allclose(step_sizes(5, tau=2.0, kappa=0.6), expected, rtol=1e-15)
    # tau = 0, kappa = 1: rho_t = 1/t, the running average; the first step is rho = 1
    np.testing.assert_allclose(step_sizes(4, tau=0, kappa=1), [1, 1 / 2, 1 / 3, 1 / 4], rtol=1e-15)


@pytest.mark.parametrize("kappa", [0.5, 0.3, 0.0, -1.0, 1.01, 2.0, float("nan"), float("inf"),
                                   True, "0.7", None])
def test_refuses_kappa_outside_the_robbins_monro_range(kappa):
    with pytest.raises(ValueError, match=r"kappa must be in \(0\.5, 1\]"):
        svi(X_SMALL, 3, 2.0, kappa=kappa, batch_size=2, n_steps=2)
    with pytest.raises(ValueError, match="kappa"):
        step_sizes(3, kappa=kappa)


@pytest.mark.parametrize("tau", [-0.1, -5, float("nan"), float("inf"), None, "1"])
def test_refuses_negative_or_non_finite_tau(tau):
    with pytest.raises(ValueError, match="tau must be a finite number >= 0"):
        svi(X_SMALL, 3, 2.0, tau=tau, batch_size=2, n_steps=2)
    with pytest.raises(ValueError, match="tau"):
        step_sizes(3, tau=tau)


def test_boundary_step_size_settings_are_accepted():
    fit = svi(X_SMALL, 3, 2.0, tau=0, kappa=1, batch_size=3, n_steps=4, seed=0)
    np.testing.assert_allclose(fit.rho, [1, 1 / 2, 1 / 3, 1 / 4], rtol=1e-15)


def test_recorded_step_sizes_are_the_schedule():
    fit = svi(X_SMALL, 3, 2.0, tau=3.0, kappa=0.8, batch_size=2, n_steps=7, seed=1)
    np.testing.assert_allclose(fit.rho, [(t + 3.0) ** -0.8 for t in range(1, 8)], rtol=1e-15)
    assert fit.n_steps == 7 and fit.n_seen == 14


# ---------------------------------------------------------------- natural parameters
def test_natural_parameters_of_the_isotropic_gaussian():
    # log N(mu; m, s2 I) - (eta1.mu + eta2 |mu|^2) must not depend on mu
    m, s2 = np.array([[0.7, -1.2]]), np.array([0.4])
    eta1, eta2 = natural_params(m, s2)
    mus = np.random.default_rng(0).normal(size=(5, 2)) * 3
    rest = [stats.multivariate_normal(m[0], s2[0] * np.eye(2)).logpdf(mu)
            - (eta1[0] @ mu + eta2[0] * mu @ mu) for mu in mus]
    np.testing.assert_allclose(rest, rest[0], rtol=1e-12)
    np.testing.assert_allclose(eta1, m / 0.4, rtol=1e-15)
    np.testing.assert_allclose(eta2, [-1.25], rtol=1e-15)


def test_mean_params_inverts_natural_params():
    m, s2 = natural_params(M0, S2_0)
    back_m, back_s2 = mean_params(m, s2)
    np.testing.assert_allclose(back_m, M0, rtol=1e-14)
    np.testing.assert_allclose(back_s2, S2_0, rtol=1e-14)
    m1, s21 = mean_params(*natural_params([1.0, -2.0], [0.5, 2.0]))   # 1-D means
    np.testing.assert_allclose(m1, [1.0, -2.0], rtol=1e-14)
    with pytest.raises(ValueError, match="eta2 must be < 0"):
        mean_params([1.0], [0.0])


# ---------------------------------------------------------------- one step
@pytest.mark.parametrize("lam", [1.0, 0.7])
def test_rho_one_on_the_full_data_is_the_cavi_mu_update(lam):
    # The natural gradient of the ELBO is hat_eta - eta, so a step with rho = 1 on the
    # full data (the minibatch is everything, n / |B| = 1) lands on the CAVI update.
    sigma = 2.5
    phi = reference.update_phi(X_SMALL, M0, S2_0, lam)
    m_cavi, s2_cavi = reference.update_mu(X_SMALL, phi, sigma, lam)
    fit = svi(iter([X_SMALL]), 3, sigma, lam=lam, n_total=6, tau=0, init=(M0, S2_0))
    assert fit.n_steps == 1 and fit.rho[0] == 1.0
    np.testing.assert_allclose(fit.m, m_cavi, rtol=1e-12)
    np.testing.assert_allclose(fit.s2, s2_cavi, rtol=1e-12)
    m1, s21 = svi_step(X_SMALL, M0, S2_0, sigma, n_total=6, rho=1.0, lam=lam)
    np.testing.assert_allclose(m1, m_cavi, rtol=1e-12)
    np.testing.assert_allclose(s21, s2_cavi, rtol=1e-12)


def test_intermediate_params_are_cavi_on_the_replicated_minibatch():
    batch, copies, sigma = X_SMALL[[0, 2, 5]], 4, 1.8
    tiled = np.tile(batch, (copies, 1))
    m_rep, s2_rep = reference.update_mu(tiled, reference.update_phi(tiled, M0, S2_0), sigma)
    eta1, eta2 = intermediate_params(batch, M0, S2_0, sigma, n_total=copies * len(batch))
    want1, want2 = natural_by_hand(m_rep, s2_rep)
    np.testing.assert_allclose(eta1, want1, rtol=1e-12)
    np.testing.assert_allclose(eta2, want2, rtol=1e-12)


def test_intermediate_params_written_out():
    # hat_eta1_k = (n/|B|) sum_B phi_ik x_i / lam^2, hat_eta2_k = -(1/sigma^2 + (n/|B|) sum_B phi_ik / lam^2) / 2
    batch, n, sigma, lam = X_SMALL[:4], 10, 3.0, 1.3
    phi = reference.update_phi(batch, M0, S2_0, lam)
    eta1, eta2 = intermediate_params(batch, M0, S2_0, sigma, n_total=n, lam=lam)
    for k in range(3):
        np.testing.assert_allclose(eta1[k], (n / 4) * sum(phi[i, k] * batch[i] for i in range(4)) / lam**2,
                                   rtol=1e-12)
        assert eta2[k] == pytest.approx(-(1 / sigma**2 + (n / 4) * phi[:, k].sum() / lam**2) / 2, rel=1e-12)


@pytest.mark.parametrize("size", [1, 2, 4])
def test_intermediate_params_are_unbiased_over_all_minibatches(size):
    # Exact enumeration: the average of hat_eta over every minibatch of `size` distinct
    # points equals the full-data CAVI update (in natural parameters).
    sigma, n = 2.0, len(X_SMALL)
    full1, full2 = natural_by_hand(*reference.update_mu(
        X_SMALL, reference.update_phi(X_SMALL, M0, S2_0), sigma))
    batches = list(itertools.combinations(range(n), size))
    etas = [intermediate_params(X_SMALL[list(b)], M0, S2_0, sigma, n_total=n) for b in batches]
    np.testing.assert_allclose(np.mean([e[0] for e in etas], axis=0), full1, rtol=1e-12)
    np.testing.assert_allclose(np.mean([e[1] for e in etas], axis=0), full2, rtol=1e-12)
    if size < n:   # ... while a single minibatch is not the full update: the estimate is noisy
        assert not np.allclose(etas[0][0], full1, rtol=1e-3)


def test_step_is_a_convex_combination_in_natural_not_mean_parameters():
    rho, sigma, n = 0.3, 2.0, 12
    batch = X_SMALL[1:4]
    tiled = np.tile(batch, (4, 1))
    m_hat, s2_hat = reference.update_mu(tiled, reference.update_phi(tiled, M0, S2_0), sigma)
    m, s2 = svi_step(batch, M0, S2_0, sigma, n_total=n, rho=rho)
    precision = (1 - rho) / S2_0 + rho / s2_hat          # -2 eta2
    np.testing.assert_allclose(s2, 1 / precision, rtol=1e-12)
    np.testing.assert_allclose(
        m, ((1 - rho) * M0 / S2_0[:, None] + rho * m_hat / s2_hat[:, None]) / precision[:, None],
        rtol=1e-12)
    assert not np.allclose(m, (1 - rho) * M0 + rho * m_hat, rtol=1e-3)


def test_svi_step_refuses_bad_rho():
    for rho in (0.0, -0.5, 1.5, float("nan")):
        with pytest.raises(ValueError, match="rho"):
            svi_step(X_SMALL, M0, S2_0, 2.0, n_total=6, rho=rho)


# ---------------------------------------------------------------- convergence to CAVI
@pytest.fixture(scope="module")
def separated():
    data = vilib.simulate(4000, 3, 5.0, d=2, seed=2)     # clusters >= 10 apart
    init = (data.mu + 0.3, np.ones(3))
    fit = vilib.cavi(data.x, 3, 5.0, init=init, tol=1e-12, max_iter=1000)
    assert fit.converged
    return data, init, fit


def assert_close_to_cavi(fit, m, s2, *, x, atol_m, rtol_s2, gap_per_point):
    order = match(fit.m, m)
    m, s2 = reference.as_2d(m)[order], np.asarray(s2)[order]
    np.testing.assert_allclose(m, reference.as_2d(fit.m), atol=atol_m)
    np.testing.assert_allclose(s2, fit.s2, rtol=rtol_s2)
    # the ELBO (a label-invariant summary) of both fits, each with its optimal phi
    n = len(x)
    best = elbo_at_optimal_phi(x, fit.m, fit.s2, 5.0)
    assert abs(elbo_at_optimal_phi(x, m, s2, 5.0) - best) / n < gap_per_point


def test_svi_converges_to_the_cavi_answer(separated):
    data, init, fit = separated
    result = svi(data.x, 3, 5.0, batch_size=400, n_steps=1500, kappa=0.9, seed=0, init=init)
    # noise of the iterate ~ sqrt(rho_T / 2 * lam^2 K / |B|) ~ 0.003; a wrong mode is off by > 1
    assert_close_to_cavi(fit, result.m, result.s2, x=data.x, atol_m=0.03, rtol_s2=0.05,
                         gap_per_point=1e-3)


def test_svi_with_default_seeding_finds_the_cavi_answer(separated):
    data, _, fit = separated
    result = svi(data.x, 3, 5.0, batch_size=400, n_steps=1500, kappa=0.9, seed=3)
    assert_close_to_cavi(fit, result.m, result.s2, x=data.x, atol_m=0.03, rtol_s2=0.05,
                         gap_per_point=1e-3)


def test_svi_one_dimensional_data_returns_one_dimensional_means():
    data = vilib.simulate(3000, 2, 6.0, seed=5)
    init = (data.mu + 0.2, np.ones(2))
    fit = vilib.cavi(data.x, 2, 6.0, init=init)
    result = svi(data.x, 2, 6.0, batch_size=300, n_steps=1500, kappa=0.9, init=init, seed=0)
    assert result.m.shape == (2,) and result.s2.shape == (2,)
    np.testing.assert_allclose(np.sort(result.m), np.sort(fit.m), atol=0.03)


# ---------------------------------------------------------------- streaming
def shuffled_epochs(x, batch_size, epochs, seed):
    """A generator of minibatches: each epoch visits the data in a new random order."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for lo in range(0, len(x), batch_size):
            yield x[order[lo:lo + batch_size]]


def test_streaming_from_an_iterator_converges_to_cavi(separated):
    data, init, fit = separated
    stream = shuffled_epochs(data.x, 400, epochs=150, seed=0)        # 1500 minibatches
    result = svi(stream, 3, 5.0, n_total=len(data.x), kappa=0.9, init=init)
    assert result.n_steps == 1500 and result.n_seen == 150 * len(data.x)
    assert_close_to_cavi(fit, result.m, result.s2, x=data.x, atol_m=0.03, rtol_s2=0.05,
                         gap_per_point=1e-3)


def test_streaming_pulls_only_the_minibatches_it_uses():
    pulled = []

    def endless():
        rng = np.random.default_rng(0)
        for j in itertools.count():
            pulled.append(j)
            yield rng.normal(size=(50, 2)) + np.array([4.0, 0.0]) * (j % 2)

    result = svi(endless(), 2, 3.0, n_total=10**9, n_steps=30, seed=0)
    assert result.n_steps == 30 and pulled == list(range(30))


def test_streaming_accepts_minibatches_of_varying_size():
    x = vilib.simulate(1000, 2, 4.0, seed=7).x
    sizes = [100, 37, 263, 1, 599]
    cuts = np.cumsum([0] + sizes)
    batches = [x[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    result = svi(batches, 2, 4.0, n_total=1000, seed=0)
    assert result.n_steps == 5 and result.n_seen == 1000


def test_simulated_stream_is_reproducible_and_follows_the_model():
    stream = simulate_stream(10_050, 3, 4.0, batch_size=1000, d=2, seed=11)
    first, again = list(stream), list(stream)
    assert len(first) == len(stream) == 11 and first[-1].shape == (50, 2)
    assert sum(len(b) for b in first) == 10_050
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    x = np.concatenate(first)
    # every point is within a few lam of one of the true means
    dist = np.linalg.norm(x[:, None] - stream.mu[None], axis=-1).min(axis=1)
    assert dist.max() < 6.0
    one_d = simulate_stream(10, 2, 1.0, batch_size=4, seed=1)
    assert [b.shape for b in one_d] == [(4,), (4,), (2,)] and one_d.mu.shape == (2,)


def test_svi_on_a_stream_recovers_what_cavi_finds_on_the_same_points():
    stream = simulate_stream(60_000, 3, 5.0, batch_size=500, d=2, seed=2)
    x = np.concatenate(list(stream))
    init = (stream.mu + 0.3, np.ones(3))
    fit = vilib.cavi(x, 3, 5.0, init=init)
    result = svi(stream, 3, 5.0, n_total=stream.n, init=init, kappa=0.9)    # one pass
    np.testing.assert_allclose(result.m[match(fit.m, result.m)], fit.m, atol=0.05)
    # and the streamed ELBO equals the in-memory one
    assert elbo_at_optimal_phi(stream, result.m, result.s2, 5.0) == pytest.approx(
        elbo_at_optimal_phi(x, result.m, result.s2, 5.0), rel=1e-12)


def peak_memory_of(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_streaming_memory_does_not_grow_with_n():
    # 200k points of d = 2 would take 3.2 MB in memory; a minibatch of 500 takes 8 kB.
    def run(n):
        stream = simulate_stream(n, 3, 5.0, batch_size=500, d=2, seed=0)
        return peak_memory_of(lambda: svi(stream, 3, 5.0, n_total=n, seed=0))

    small, large = run(20_000), run(200_000)
    assert large < 1_000_000                 # far below the 3.2 MB of the data
    assert large < 1.5 * small + 50_000      # and no growth with ten times the points


# ---------------------------------------------------------------- the yardstick ELBO
@pytest.mark.parametrize("lam", [1.0, 0.6])
def test_elbo_at_optimal_phi_is_the_elbo_after_a_phi_update(lam):
    m, s2, sigma = M0 + 0.1, S2_0, 2.2
    phi = reference.update_phi(X_SMALL, m, s2, lam)
    want = reference.elbo(X_SMALL, phi, m, s2, sigma, lam)
    assert elbo_at_optimal_phi(X_SMALL, m, s2, sigma, lam=lam) == pytest.approx(want, rel=1e-12)
    assert elbo_at_optimal_phi(X_SMALL, m, s2, sigma, lam=lam, chunk_size=4) == pytest.approx(want, rel=1e-12)
    chunks = [X_SMALL[:1], X_SMALL[1:5], X_SMALL[5:]]
    assert elbo_at_optimal_phi(chunks, m, s2, sigma, lam=lam) == pytest.approx(want, rel=1e-12)


def test_elbo_at_optimal_phi_bounds_the_elbo_of_any_phi():
    m, s2, sigma = M0, S2_0, 2.0
    best = elbo_at_optimal_phi(X_SMALL, m, s2, sigma)
    rng = np.random.default_rng(4)
    for _ in range(20):
        phi = rng.dirichlet(np.ones(3), size=len(X_SMALL))
        assert reference.elbo(X_SMALL, phi, m, s2, sigma) <= best + 1e-10


# ---------------------------------------------------------------- bad input
def test_bad_arguments_name_the_argument():
    x = vilib.simulate(100, 2, 3.0, d=2, seed=0).x
    with pytest.raises(ValueError, match="n_total"):
        svi(iter([x[:10], x[10:20]]), 2, 3.0)
    with pytest.raises(ValueError, match="n_total must equal len"):
        svi(x, 2, 3.0, n_total=50)
    with pytest.raises(ValueError, match="batch_size must be at most"):
        svi(x, 2, 3.0, batch_size=101)
    with pytest.raises(ValueError, match="batch_size"):
        svi(x, 2, 3.0, batch_size=0)
    with pytest.raises(ValueError, match="n_steps"):
        svi(x, 2, 3.0, n_steps=0)
    with pytest.raises(ValueError, match="minibatch 2 of x"):
        svi([x[:10], x[10:20], x[20:30, :1]], 2, 3.0, n_total=100)
    with pytest.raises(ValueError, match="minibatch 1 of x"):
        svi([x[:10], np.full((5, 2), np.nan)], 2, 3.0, n_total=100)
    with pytest.raises(ValueError, match="empty iterable"):
        svi(iter([]), 2, 3.0, n_total=100)
    with pytest.raises(ValueError, match="init m0"):
        svi(x, 2, 3.0, init=(np.zeros((3, 2)), np.ones(2)))
    with pytest.raises(ValueError, match="init s2_0"):
        svi(x, 2, 3.0, init=(np.zeros((2, 2)), -np.ones(2)))
    with pytest.raises(ValueError, match="sigma"):
        svi(x, 2, -1.0)
    with pytest.raises(ValueError, match="callback"):
        svi(x, 2, 3.0, callback=42)
    with pytest.raises(ValueError, match="n_total"):
        intermediate_params(x[:5], np.zeros((2, 2)), np.ones(2), 3.0, n_total=0)


def test_callback_sees_every_step_and_seed_reproduces():
    x = vilib.simulate(500, 2, 3.0, seed=1).x
    steps = []
    a = svi(x, 2, 3.0, batch_size=50, n_steps=12, seed=4, callback=steps.append)
    b = svi(x, 2, 3.0, batch_size=50, n_steps=12, seed=4)
    assert [s.step for s in steps] == list(range(1, 13))
    assert [s.n_seen for s in steps] == [50 * t for t in range(1, 13)]
    np.testing.assert_array_equal(steps[-1].m, a.m)
    np.testing.assert_array_equal(a.m, b.m)
    c = svi(x, 2, 3.0, batch_size=50, n_steps=12, seed=5)
    assert not np.array_equal(a.m, c.m)
