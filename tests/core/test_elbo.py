"""Tests of ``vilib.elbo`` and ``vilib.elbo_terms``.

Expected values come from the formulas worked by hand, from the loop
implementation in ``reference.py``, from a Monte Carlo estimate with
``scipy.stats`` densities, and from the bound ``ELBO <= log p(x)``.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import reference
import vilib

SETTINGS = settings(deadline=None, max_examples=40)
LOG2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------- hand-worked cases
def test_elbo_hand_worked_1d():
    # x = [-1, 0, 2], phi = [[.9, .1], [.5, .5], [.2, .8]], m = [-1, 1.5], s2 = [.5, .25],
    # sigma = 2, lam = 1, d = 1.
    x = [-1.0, 0.0, 2.0]
    phi = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    m, s2, sigma = [-1.0, 1.5], [0.5, 0.25], 2.0
    # sum_k E log N(mu_k; 0, 4) = 2 * (-log(2 pi 4)/2) - (E mu_0^2 + E mu_1^2)/8
    #                         = -log(8 pi) - ((0.5 + 1) + (0.25 + 2.25)) / 8
    log_p_mu = -math.log(8 * math.pi) - 4.0 / 8
    log_p_c = -3 * math.log(2)
    # E (x_i - mu_k)^2 = (x_i - m_k)^2 + s2_k:
    #   k = 0 (m = -1, s2 = .5):   0 + .5,    1 + .5,    9 + .5
    #   k = 1 (m = 1.5, s2 = .25): 6.25 + .25, 2.25 + .25, .25 + .25
    # weighted by phi: .9*.5 + .1*6.5 + .5*1.5 + .5*2.5 + .2*9.5 + .8*.5 = 5.4
    log_p_x = -1.5 * LOG2PI - 5.4 / 2
    entropy_c = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1) + 2 * 0.5 * math.log(0.5)
                  + 0.2 * math.log(0.2) + 0.8 * math.log(0.8))
    entropy_mu = 0.5 * math.log(2 * math.pi * math.e * 0.5) + 0.5 * math.log(2 * math.pi * math.e * 0.25)

    terms = vilib.elbo_terms(x, phi, m, s2, sigma)
    assert set(terms) == {"log_p_mu", "log_p_c", "log_p_x", "entropy_c", "entropy_mu"}
    assert terms["log_p_mu"] == pytest.approx(log_p_mu, rel=1e-14)
    assert terms["log_p_c"] == pytest.approx(log_p_c, rel=1e-14)
    assert terms["log_p_x"] == pytest.approx(log_p_x, rel=1e-14)
    assert terms["entropy_c"] == pytest.approx(entropy_c, rel=1e-14)
    assert terms["entropy_mu"] == pytest.approx(entropy_mu, rel=1e-14)
    total = log_p_mu + log_p_c + log_p_x + entropy_c + entropy_mu
    assert vilib.elbo(x, phi, m, s2, sigma) == pytest.approx(total, rel=1e-14)


def test_elbo_hand_worked_2d_lam():
    # x = [[1, 0], [0, 2], [-2, -1]], the same phi, m = [[1, 1], [-1, 0]], s2 = [.5, 1],
    # sigma = 1.5, lam = 2, d = 2.
    x = [[1.0, 0.0], [0.0, 2.0], [-2.0, -1.0]]
    phi = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    m, s2, sigma, lam = [[1.0, 1.0], [-1.0, 0.0]], [0.5, 1.0], 1.5, 2.0
    # E|mu_k|^2 = 2 s2_k + |m_k|^2 = 1 + 2 = 3 and 2 + 1 = 3
    log_p_mu = 2 * (-(2 / 2) * math.log(2 * math.pi * 2.25)) - (3 + 3) / (2 * 2.25)
    log_p_c = -3 * math.log(2)
    # E|x_i - mu_k|^2 = |x_i - m_k|^2 + 2 s2_k:
    #   k = 0: 1 + 1, 2 + 1, 13 + 1;   k = 1: 4 + 2, 5 + 2, 2 + 2
    # weighted: .9*2 + .1*6 + .5*3 + .5*7 + .2*14 + .8*4 = 13.4
    log_p_x = 3 * (-(2 / 2) * math.log(2 * math.pi * 4)) - 13.4 / (2 * 4)
    entropy_c = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1) + math.log(0.5)
                  + 0.2 * math.log(0.2) + 0.8 * math.log(0.8))
    entropy_mu = (2 / 2) * math.log(2 * math.pi * math.e * 0.5) + (2 / 2) * math.log(2 * math.pi * math.e)

    terms = vilib.elbo_terms(x, phi, m, s2, sigma, lam=lam)
    expected = {"log_p_mu": log_p_mu, "log_p_c": log_p_c, "log_p_x": log_p_x,
                "entropy_c": entropy_c, "entropy_mu": entropy_mu}
    for key, value in expected.items():
        assert terms[key] == pytest.approx(value, rel=1e-14), key
    assert vilib.elbo(x, phi, m, s2, sigma, lam=lam) == pytest.approx(sum(expected.values()), rel=1e-14)


def test_zero_responsibilities_contribute_zero_entropy():
    # 0 log 0 = 0: hard assignments have entropy_c = 0 and a finite ELBO.
    x = [-1.0, 0.0, 2.0]
    phi = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    terms = vilib.elbo_terms(x, phi, [-1.0, 1.5], [0.5, 0.25], 2.0)
    assert terms["entropy_c"] == 0.0
    assert np.isfinite(vilib.elbo(x, phi, [-1.0, 1.5], [0.5, 0.25], 2.0))
    assert vilib.elbo(x, phi, [-1.0, 1.5], [0.5, 0.25], 2.0) == pytest.approx(
        reference.elbo(x, phi, np.array([-1.0, 1.5]), [0.5, 0.25], 2.0), rel=1e-13)


# ---------------------------------------------------------------- against the reference
problem = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "n": st.integers(1, 7),
    "K": st.integers(1, 4),
    "d": st.integers(1, 3),
    "scale": st.sampled_from([0.1, 1.0, 5.0, 100.0]),
    "lam": st.floats(0.1, 10.0),
    "sigma": st.floats(0.1, 30.0),
    "alpha": st.sampled_from([0.05, 1.0, 10.0]),
})


def draw(p):
    x, m, s2, phi = reference.random_problem(p["seed"], p["n"], p["K"], p["d"], p["scale"],
                                             s2_log_sd=2.0, alpha=p["alpha"])
    return x, phi, m, s2


@SETTINGS
@given(problem)
def test_elbo_terms_match_reference(p):
    x, phi, m, s2 = draw(p)
    terms = vilib.elbo_terms(x, phi, m, s2, p["sigma"], lam=p["lam"])
    ref = reference.elbo_terms(x, phi, m, s2, p["sigma"], p["lam"])
    scale = sum(abs(v) for v in ref.values()) + 1.0
    for key in ref:
        assert terms[key] == pytest.approx(ref[key], rel=1e-10, abs=1e-12 * scale), key
    assert vilib.elbo(x, phi, m, s2, p["sigma"], lam=p["lam"]) == pytest.approx(
        sum(ref.values()), rel=1e-10, abs=1e-12 * scale)


# ---------------------------------------------------------------- each update is a coordinate maximum
def perturbed_simplex_rows(row, rng):
    """Points of the simplex near and far from ``row``."""
    K = len(row)
    out = [rng.dirichlet(np.ones(K)), np.eye(K)[rng.integers(K)]]
    for t in (1e-4, 1e-2, 0.3):
        out.append((1 - t) * row + t * rng.dirichlet(np.ones(K)))
    return out


@SETTINGS
@given(problem)
def test_update_phi_maximizes_elbo_in_each_phi_i(p):
    x, _, m, s2 = draw(p)
    sigma, lam = p["sigma"], p["lam"]
    phi = vilib.update_phi(x, m, s2, lam=lam)
    best = vilib.elbo(x, phi, m, s2, sigma, lam=lam)
    tol = 1e-10 * abs(best) + 1e-10
    rng = np.random.default_rng(p["seed"] + 1)
    for i in range(p["n"]):
        for row in perturbed_simplex_rows(phi[i], rng):
            other = phi.copy()
            other[i] = row / row.sum()
            assert vilib.elbo(x, other, m, s2, sigma, lam=lam) <= best + tol


@SETTINGS
@given(problem)
def test_update_mu_maximizes_elbo_in_each_m_k_and_s2_k(p):
    x, phi, _, _ = draw(p)
    sigma, lam = p["sigma"], p["lam"]
    m, s2 = vilib.update_mu(x, phi, sigma, lam=lam)
    best = vilib.elbo(x, phi, m, s2, sigma, lam=lam)
    tol = 1e-10 * abs(best) + 1e-10
    rng = np.random.default_rng(p["seed"] + 2)
    for k in range(p["K"]):
        for size in (1e-4, 1e-2, 1.0):
            other_m = m.copy()
            other_m[k] = other_m[k] + size * np.sqrt(s2[k]) * rng.normal(size=np.shape(m[k]))
            assert vilib.elbo(x, phi, other_m, s2, sigma, lam=lam) <= best + tol
            for factor in (math.exp(size), math.exp(-size)):
                other_s2 = s2.copy()
                other_s2[k] *= factor
                assert vilib.elbo(x, phi, m, other_s2, sigma, lam=lam) <= best + tol


def test_coordinate_maximum_is_strict_for_a_visible_perturbation():
    # The property tests above could pass for a constant ELBO; check that moving
    # away from the optimum by a visible amount lowers it by a visible amount.
    x = np.array([-1.0, 0.0, 2.0])
    phi = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    m, s2 = vilib.update_mu(x, phi, 2.0)
    best = vilib.elbo(x, phi, m, s2, 2.0)
    # ELBO is quadratic in m_0 with curvature -1/s2_0: a shift of 0.1 costs 0.01 / (2 s2_0)
    assert vilib.elbo(x, phi, m + [0.1, 0.0], s2, 2.0) == pytest.approx(best - 0.01 / (2 * s2[0]), rel=1e-12)


# ---------------------------------------------------------------- Monte Carlo
def monte_carlo_elbo(x, phi, m, s2, sigma, lam, n_samples, seed):
    """Mean and standard error of log p(x, mu, c) - log q(mu, c) with (mu, c) ~ q.

    All densities are scipy.stats log densities; the samples are drawn with NumPy.
    """
    rng = np.random.default_rng(seed)
    X, M = reference.as_2d(x), reference.as_2d(m)
    n, d = X.shape
    K = M.shape[0]
    mu = M[None] + np.sqrt(s2)[None, :, None] * rng.normal(size=(n_samples, K, d))   # (S, K, d)
    cdf = np.cumsum(phi, axis=1)
    u = rng.random(size=(n_samples, n))
    c = np.minimum((u[:, :, None] > cdf[None]).sum(axis=2), K - 1)                  # (S, n)
    mu_c = np.take_along_axis(mu, c[:, :, None], axis=1)                             # (S, n, d)
    log_p = (stats.norm.logpdf(mu, loc=0.0, scale=sigma).sum(axis=(1, 2))
             + n * np.log(1.0 / K)
             + stats.multivariate_normal(mean=np.zeros(d), cov=lam**2 * np.eye(d))
             .logpdf(X[None] - mu_c).reshape(n_samples, n).sum(axis=1))
    log_q = (stats.norm.logpdf(mu, loc=M[None], scale=np.sqrt(s2)[None, :, None]).sum(axis=(1, 2))
             + np.log(phi[np.arange(n)[None, :], c]).sum(axis=1))
    values = log_p - log_q
    return values.mean(), values.std(ddof=1) / math.sqrt(n_samples)


@pytest.mark.parametrize("d, lam, sigma", [(1, 1.0, 2.0), (2, 0.7, 3.0)])
@pytest.mark.parametrize("fitted", [False, True])
def test_elbo_equals_monte_carlo_expectation(d, lam, sigma, fitted):
    rng = np.random.default_rng(11 + d)
    n, K = 6, 3
    x = rng.normal(size=(n,) if d == 1 else (n, d)) * 2
    if fitted:
        fit = vilib.cavi(x, K, sigma, lam=lam, seed=3)
        phi, m, s2 = fit.phi, fit.m, fit.s2
        phi = np.clip(phi, 1e-300, None)                 # so that log phi of a sampled c is finite
        phi /= phi.sum(axis=1, keepdims=True)
    else:
        phi = rng.dirichlet(np.ones(K), size=n)
        m = rng.normal(size=(K,) if d == 1 else (K, d))
        s2 = rng.uniform(0.2, 1.5, size=K)
    value = vilib.elbo(x, phi, m, s2, sigma, lam=lam)
    mean, se = monte_carlo_elbo(x, phi, m, s2, sigma, lam, n_samples=40_000, seed=5)
    # precise enough to notice a dropped constant (log(2 pi)/2 = 0.92 per term, log K = 1.1 per point)
    assert se < 0.15
    assert abs(value - mean) < 4 * se, (value, mean, se)


# ---------------------------------------------------------------- ELBO <= log p(x)
tiny = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "n": st.integers(1, 6),
    "K": st.integers(1, 3),
    "d": st.integers(1, 2),
    "scale": st.sampled_from([0.3, 1.0, 4.0]),
    "lam": st.floats(0.3, 3.0),
    "sigma": st.floats(0.3, 10.0),
    "alpha": st.sampled_from([0.1, 1.0]),
})


@SETTINGS
@given(tiny)
def test_elbo_of_random_q_is_below_log_evidence(p):
    x, phi, m, s2 = draw(p)
    bound = vilib.log_evidence(x, p["K"], p["sigma"], lam=p["lam"])
    assert vilib.elbo(x, phi, m, s2, p["sigma"], lam=p["lam"]) <= bound + 1e-10 * abs(bound)


@SETTINGS
@given(tiny)
def test_elbo_of_cavi_q_is_below_log_evidence(p):
    x, _, _, _ = draw(p)
    fit = vilib.cavi(x, p["K"], p["sigma"], lam=p["lam"], seed=p["seed"])
    bound = vilib.log_evidence(x, p["K"], p["sigma"], lam=p["lam"])
    assert fit.elbo[-1] <= bound + 1e-10 * abs(bound)
    assert vilib.elbo(x, fit.phi, fit.m, fit.s2, p["sigma"], lam=p["lam"]) <= bound + 1e-10 * abs(bound)


def test_elbo_is_exact_for_one_cluster():
    # K = 1: the mean-field family contains the exact posterior, so after one mu update
    # the ELBO equals log p(x) (the KL gap is 0). The evidence comes from the reference.
    x = np.array([[0.3, -1.0], [1.2, 0.4], [2.0, 2.5]])
    sigma, lam = 1.7, 0.8
    phi = np.ones((3, 1))
    m, s2 = vilib.update_mu(x, phi, sigma, lam=lam)
    assert vilib.elbo(x, phi, m, s2, sigma, lam=lam) == pytest.approx(
        reference.log_evidence(x, 1, sigma, lam), rel=1e-12)


# ---------------------------------------------------------------- numerical extremes
def test_elbo_huge_x_matches_reference():
    x = np.array([-1.0, 0.0, 2.0]) + 1e6
    phi = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    m, s2 = np.array([-1.0, 1.5]) + 1e6, np.array([0.5, 0.25])
    value = vilib.elbo(x, phi, m, s2, 1e6)
    assert np.isfinite(value)
    # the expanded |x_i|^2 - 2 x_i m_k + |m_k|^2 would cancel ~1e12 down to ~1 and lose ~1e-4;
    # vilib takes the differences first, so the data term is exact to round-off of size 1
    fit_terms = vilib.elbo_terms(x, phi, m, s2, 1e6)
    assert fit_terms["log_p_x"] == pytest.approx(-1.5 * LOG2PI - 5.4 / 2, abs=1e-9)
    assert value == pytest.approx(reference.elbo(x, phi, m, s2, 1e6), abs=1e-6)


def test_elbo_million_points_scales_like_copies():
    # The data term, the label prior and the label entropy are sums over points: for
    # r copies of a small data set they are r times the small set's terms (from the
    # reference); the two mu terms do not depend on n.
    x_small = np.array([[-1.0, 0.5], [0.0, 2.0], [2.0, -1.0], [3.0, 3.0]])
    phi_small = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.0, 0.5, 0.5]])
    m = np.array([[-1.0, 0.0], [0.5, 2.0], [2.5, 1.0]])
    s2 = np.array([0.3, 0.02, 1.1])
    r = 250_000
    x, phi = np.tile(x_small, (r, 1)), np.tile(phi_small, (r, 1))
    assert x.shape == (10**6, 2)
    terms = vilib.elbo_terms(x, phi, m, s2, 4.0, lam=0.9)
    ref = reference.elbo_terms(x_small, phi_small, m, s2, 4.0, 0.9)
    for key in ("log_p_x", "log_p_c", "entropy_c"):
        assert terms[key] == pytest.approx(r * ref[key], rel=1e-10), key
    for key in ("log_p_mu", "entropy_mu"):
        assert terms[key] == pytest.approx(ref[key], rel=1e-12), key


@pytest.mark.parametrize("sigma", [1e-3, 1e3])
def test_elbo_extreme_sigma_matches_reference(sigma):
    x = np.array([-5.0, -4.0, 3.0, 6.0])
    phi = np.array([[0.95, 0.05], [0.9, 0.1], [0.2, 0.8], [0.01, 0.99]])
    m, s2 = vilib.update_mu(x, phi, sigma)
    value = vilib.elbo(x, phi, m, s2, sigma)
    assert np.isfinite(value)
    assert value == pytest.approx(reference.elbo(x, phi, m, s2, sigma), rel=1e-10)
    assert value <= reference.log_evidence(x, 2, sigma) + 1e-9
