"""Tests of vilib.core.restarts: seeding strategies and keeping the best of several CAVI runs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import vilib
from vilib.core.init import INIT_METHODS, initial_means
from vilib.core.restarts import cavi_restarts

import reference


@pytest.fixture(scope="module")
def data():
    return vilib.simulate(200, 5, 5.0, seed=4)


def test_best_is_the_run_with_the_highest_final_elbo(data):
    res = cavi_restarts(data.x, 5, 5.0, n_restarts=12, seed=1, init="random", keep_all=True)
    assert len(res.fits) == 12 and res.final_elbos.shape == (12,)
    np.testing.assert_array_equal(res.final_elbos, [f.elbo[-1] for f in res.fits])
    assert res.best is res.fits[res.best_index]
    assert res.best.elbo[-1] == res.final_elbos.max()
    np.testing.assert_array_equal(res.n_iter, [f.n_iter for f in res.fits])


def test_each_run_is_cavi_from_its_recorded_start(data):
    res = cavi_restarts(data.x, 5, 5.0, n_restarts=4, seed=7, init="prior", keep_all=True)
    for j in (0, 3):
        fit = vilib.cavi(data.x, 5, 5.0, init=(res.initial_means[j], np.ones(5)))
        np.testing.assert_allclose(fit.m, res.fits[j].m)
        np.testing.assert_allclose(fit.elbo, res.fits[j].elbo)


def test_run_matches_naive_reference_sweeps():
    # the kept run is plain CAVI: compare a few sweeps with the loop-based reference
    d = vilib.simulate(30, 3, 4.0, d=2, lam=0.8, seed=2)
    res = cavi_restarts(d.x, 3, 4.0, n_restarts=3, seed=0, lam=0.8, max_iter=4, tol=None)
    sweeps = reference.cavi_sweeps(d.x, 4.0, res.initial_means[res.best_index], np.ones(3), 4, 0.8)
    np.testing.assert_allclose(res.best.m, sweeps[-1][1], rtol=1e-10)
    np.testing.assert_allclose(res.best.elbo, [s[3] for s in sweeps], rtol=1e-10)


def test_reproducible_and_seed_dependent(data):
    a = cavi_restarts(data.x, 5, 5.0, n_restarts=5, seed=3, init="random")
    b = cavi_restarts(data.x, 5, 5.0, n_restarts=5, seed=3, init="random")
    c = cavi_restarts(data.x, 5, 5.0, n_restarts=5, seed=4, init="random")
    np.testing.assert_array_equal(a.initial_means, b.initial_means)
    np.testing.assert_array_equal(a.final_elbos, b.final_elbos)
    assert not np.array_equal(a.initial_means, c.initial_means)
    g = cavi_restarts(data.x, 5, 5.0, n_restarts=2, seed=np.random.default_rng(0))
    assert g.initial_means.shape == (2, 5)


def test_restarts_escape_a_bad_local_optimum():
    # three well-separated clusters; a start with two means in one cluster gets stuck
    x = np.concatenate([np.linspace(-10.5, -9.5, 20), np.linspace(-0.5, 0.5, 20),
                        np.linspace(9.5, 10.5, 20)])
    good = vilib.cavi(x, 3, 10.0, init=(np.array([-10.0, 0.0, 10.0]), np.ones(3)))
    bad = vilib.cavi(x, 3, 10.0, init=(np.array([-10.2, -9.8, 5.0]), np.ones(3)))
    assert bad.elbo[-1] < good.elbo[-1] - 10          # the bad start is a genuine trap
    res = cavi_restarts(x, 3, 10.0, n_restarts=15, seed=0, init="random")
    assert res.best.elbo[-1] == pytest.approx(good.elbo[-1], abs=1e-6)
    assert res.final_elbos.min() < good.elbo[-1] - 10  # some random starts were trapped


# ---------------------------------------------------------------- the seeding strategies
def test_random_init_picks_distinct_data_points():
    x = np.arange(10.0)
    for seed in range(20):
        m0 = initial_means(x, 4, 1.0, init="random", seed=seed)
        assert len(set(m0)) == 4 and set(m0) <= set(x)


def test_kmeans_plus_plus_spreads_while_random_does_not():
    # four points at 0, one at 10: k-means++ always picks {0, 10} (the second
    # pick has probability 1 of landing away from the first); uniform sampling
    # without replacement picks two zeros with probability 4/5 * 3/4 = 0.6
    x = np.array([0.0, 0.0, 0.0, 0.0, 10.0])
    trials = 400
    pp = [sorted(initial_means(x, 2, 1.0, init="kmeans++", seed=s)) for s in range(trials)]
    assert all(p == [0.0, 10.0] for p in pp)
    both_zero = sum(np.all(initial_means(x, 2, 1.0, init="random", seed=s) == 0) for s in range(trials))
    lo, hi = stats.binom.ppf([1e-4, 1 - 1e-4], trials, 0.6)
    assert lo <= both_zero <= hi


def test_prior_init_draws_from_the_prior():
    sigma = 2.5
    draws = np.concatenate([initial_means(np.zeros((3, 2)), 4, sigma, init="prior", seed=s).ravel()
                            for s in range(300)])
    assert draws.shape == (300 * 4 * 2,)
    assert stats.kstest(draws, stats.norm(0, sigma).cdf).pvalue > 1e-4


def test_shapes_follow_the_data():
    assert initial_means(np.zeros(5), 3, 1.0, init="prior", seed=0).shape == (3,)
    for init in INIT_METHODS:
        assert initial_means(np.arange(10.0).reshape(5, 2), 3, 1.0, init=init, seed=0).shape == (3, 2)


# ---------------------------------------------------------------- validation
def test_bad_arguments_name_the_argument(data):
    with pytest.raises(ValueError, match="init"):
        cavi_restarts(data.x, 3, 1.0, init="forgy")
    with pytest.raises(ValueError, match="init"):
        initial_means(data.x, 3, 1.0, init="forgy")
    with pytest.raises(ValueError, match="n_restarts"):
        cavi_restarts(data.x, 3, 1.0, n_restarts=0)
    with pytest.raises(ValueError, match="unknown cavi"):
        cavi_restarts(data.x, 3, 1.0, n_restarts=1, max_iters=3)
    with pytest.raises(ValueError, match="distinct"):
        initial_means(np.zeros(2), 3, 1.0, init="random")
