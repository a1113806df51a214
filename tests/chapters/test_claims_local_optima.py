"""Pin the claims of book/local_optima.md on the chapter's example."""

from __future__ import annotations

import math

import numpy as np
import pytest

import vilib
from vilib.core.restarts import cavi_restarts
from vilib.core.init import initial_means

N, K, D, SIGMA = 400, 5, 2, 8.0


@pytest.fixture(scope="module")
def chapter():
    data = vilib.simulate(N, K, SIGMA, d=D, seed=0)
    runs = {init: cavi_restarts(data.x, K, SIGMA, n_restarts=200, seed=2017, init=init, keep_all=True)
            for init in ("kmeans++", "random", "prior")}
    best = max(r.final_elbos.max() for r in runs.values())
    return data, runs, best


def test_kmeanspp_beats_random_beats_prior(chapter):
    _, runs, best = chapter
    tol = 1e-6 * abs(best)
    s = {k: np.mean(r.final_elbos > best - tol) for k, r in runs.items()}
    assert s["kmeans++"] > s["random"] + 0.15 and s["random"] > s["prior"]
    assert all(0 < v < 1 for v in s.values())          # every strategy sometimes fails


def test_local_optima_are_converged_and_much_worse(chapter):
    _, runs, best = chapter
    tol = 1e-6 * abs(best)
    trapped = [f for f in runs["random"].fits if f.elbo[-1] < best - tol]
    assert trapped and all(f.converged for f in trapped)
    assert min(best - f.elbo[-1] for f in trapped) > 100
    # a trapped solution has two variational means inside one true cluster (closer than 2 lam)
    for f in trapped:
        dist = np.linalg.norm(f.m[:, None] - f.m[None], axis=2)[np.triu_indices(K, 1)]
        assert dist.min() < 2.0


def test_symmetric_start_is_a_fixed_point(chapter):
    data, _, best = chapter
    centre = np.tile(data.x.mean(axis=0), (K, 1))
    fit = vilib.cavi(data.x, K, SIGMA, init=(centre, np.ones(K)))
    np.testing.assert_allclose(fit.phi, 1 / K, atol=1e-12)
    np.testing.assert_allclose(fit.m, np.broadcast_to(fit.m[0], fit.m.shape), atol=1e-12)
    # the common mean is the formula of (lo-symmetric), written out
    expected = (data.x.sum(axis=0) / K) / (1 / SIGMA**2 + N / K)
    np.testing.assert_allclose(fit.m[0], expected, rtol=1e-12)
    assert fit.n_iter == 2 and fit.elbo[-1] < best - 1000


def test_forgy_probability_formula(chapter):
    data, _, _ = chapter
    sizes = np.bincount(data.c, minlength=K)
    p = math.factorial(K) * np.prod(sizes) / np.prod([N - j for j in range(K)])
    # brute force: count K-subsets with one point per cluster / all K-subsets
    assert p == pytest.approx(np.prod(sizes) / math.comb(N, K), rel=1e-12)
    hits = 0
    draws = 3000
    for s in range(draws):
        m0 = initial_means(data.x, K, SIGMA, init="random", seed=s)
        idx = [int(np.flatnonzero(np.all(data.x == row, axis=1))[0]) for row in m0]
        hits += len(set(data.c[idx])) == K
    assert abs(hits / draws - p) < 4 * math.sqrt(p * (1 - p) / draws)


def test_ten_kmeanspp_restarts_find_the_best(chapter):
    data, _, best = chapter
    res = cavi_restarts(data.x, K, SIGMA, n_restarts=10, seed=1)
    assert res.best.elbo[-1] > best - 1e-6 * abs(best)
    assert res.final_elbos.min() < best - 100          # ... although some of the ten were trapped


def test_elbo_is_permutation_invariant(chapter):
    data, runs, _ = chapter
    good = runs["kmeans++"].best
    perm = np.array([3, 0, 4, 1, 2])
    e0 = vilib.elbo(data.x, good.phi, good.m, good.s2, SIGMA)
    e1 = vilib.elbo(data.x, good.phi[:, perm], good.m[perm], good.s2[perm], SIGMA)
    assert e1 == pytest.approx(e0, rel=1e-12)
