"""Tests of the two coordinate updates, ``vilib.update_phi`` and ``vilib.update_mu``.

Expected values are written from the formulas (by hand, with ``math``) or come from
the naive loop implementation in ``reference.py``; none is copied from vilib's output.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
import vilib

SETTINGS = settings(deadline=None, max_examples=40)


def logistic(t):
    return 1.0 / (1.0 + math.exp(-t))


# ---------------------------------------------------------------- hand-worked cases
# The 1-D case: x = [-1, 0, 2], m = [-1, 1.5], s2 = [0.5, 0.25], lam = 1.
# logit_ik = x_i m_k - (s2_k + m_k^2) / 2:
#   k = 0: (s2 + m^2)/2 = (0.5 + 1)/2 = 0.75    -> logits  1 - 0.75,  -0.75,  -2 - 0.75
#   k = 1: (s2 + m^2)/2 = (0.25 + 2.25)/2 = 1.25 -> logits -1.5 - 1.25, -1.25,  3 - 1.25
# With two clusters phi_i0 = 1 / (1 + exp(logit_i1 - logit_i0)) = logistic(logit_i0 - logit_i1).
X1 = [-1.0, 0.0, 2.0]
M1 = [-1.0, 1.5]
S21 = [0.5, 0.25]
PHI1 = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])


def test_update_phi_hand_worked_1d():
    logit0 = [0.25, -0.75, -2.75]
    logit1 = [-2.75, -1.25, 1.75]
    expected_phi0 = [logistic(a - b) for a, b in zip(logit0, logit1)]   # logistic(3), (0.5), (-4.5)
    phi = vilib.update_phi(X1, M1, S21)
    assert phi.shape == (3, 2)
    np.testing.assert_allclose(phi[:, 0], expected_phi0, rtol=1e-13)
    np.testing.assert_allclose(phi[:, 1], [1 - p for p in expected_phi0], rtol=1e-13)
    # the same numbers once more, spelled out
    np.testing.assert_allclose(phi[:, 0], [1 / (1 + math.exp(-3)), 1 / (1 + math.exp(-0.5)),
                                           1 / (1 + math.exp(4.5))], rtol=1e-13)


def test_update_phi_hand_worked_lam_scales_logits():
    # With lam = 2 every logit is divided by lam^2 = 4: the logit differences are
    # 3/4, 1/2/4 = 1/8 and -4.5/4.
    phi = vilib.update_phi(X1, M1, S21, lam=2.0)
    np.testing.assert_allclose(phi[:, 0], [logistic(0.75), logistic(0.125), logistic(-1.125)],
                               rtol=1e-13)


def test_update_mu_hand_worked_1d():
    # sigma = 2, lam = 1.  N_0 = 0.9 + 0.5 + 0.2 = 1.6, N_1 = 1.4;
    # sum_i phi_i0 x_i = -0.9 + 0 + 0.4 = -0.5, sum_i phi_i1 x_i = -0.1 + 0 + 1.6 = 1.5.
    # s2_k = 1 / (1/4 + N_k), m_k = s2_k * sum_i phi_ik x_i.
    m, s2 = vilib.update_mu(X1, PHI1, 2.0)
    assert m.shape == (2,) and s2.shape == (2,)
    np.testing.assert_allclose(s2, [1 / 1.85, 1 / 1.65], rtol=1e-13)
    np.testing.assert_allclose(m, [-0.5 / 1.85, 1.5 / 1.65], rtol=1e-13)


# The 2-D case: x = [[1, 0], [0, 2], [-2, -1]], m = [[1, 1], [-1, 0]], s2 = [0.5, 1], lam = 2.
X2 = [[1.0, 0.0], [0.0, 2.0], [-2.0, -1.0]]
M2 = [[1.0, 1.0], [-1.0, 0.0]]
S22 = [0.5, 1.0]


def test_update_phi_hand_worked_2d_lam():
    # logit_ik = x_i.m_k / 4 - (2 s2_k + |m_k|^2) / 8 (d = 2, lam^2 = 4)
    #   k = 0: x.m = 1, 2, -3;  (2*0.5 + 2)/8 = 3/8 -> logits  0.25 - 0.375, 0.5 - 0.375, -0.75 - 0.375
    #   k = 1: x.m = -1, 0, 2;  (2*1 + 1)/8 = 3/8   -> logits -0.25 - 0.375, -0.375,       0.5 - 0.375
    logit0 = [-0.125, 0.125, -1.125]
    logit1 = [-0.625, -0.375, 0.125]
    phi = vilib.update_phi(X2, M2, S22, lam=2.0)
    assert phi.shape == (3, 2)
    np.testing.assert_allclose(phi[:, 0], [logistic(a - b) for a, b in zip(logit0, logit1)],
                               rtol=1e-13)
    np.testing.assert_allclose(phi.sum(axis=1), 1.0, rtol=1e-15)


def test_update_mu_hand_worked_2d_lam():
    # sigma = 1.5, lam = 2: s2_k = 1 / (1/2.25 + N_k/4), m_k = s2_k S_k / 4 with
    # N = (1.6, 1.4), S_0 = 0.9 (1, 0) + 0.5 (0, 2) + 0.2 (-2, -1) = (0.5, 0.8),
    #                 S_1 = 0.1 (1, 0) + 0.5 (0, 2) + 0.8 (-2, -1) = (-1.5, 0.2).
    m, s2 = vilib.update_mu(X2, PHI1, 1.5, lam=2.0)
    s2_expected = [1 / (1 / 2.25 + 1.6 / 4), 1 / (1 / 2.25 + 1.4 / 4)]
    assert m.shape == (2, 2)
    np.testing.assert_allclose(s2, s2_expected, rtol=1e-13)
    np.testing.assert_allclose(m[0], [s2_expected[0] * 0.5 / 4, s2_expected[0] * 0.8 / 4], rtol=1e-13)
    np.testing.assert_allclose(m[1], [s2_expected[1] * -1.5 / 4, s2_expected[1] * 0.2 / 4], rtol=1e-13)


def test_update_mu_one_cluster_is_the_conjugate_posterior():
    # K = 1: phi = 1 and q(mu) is the exact posterior N(sum x / (n + lam^2/sigma^2), ...).
    x = np.array([0.3, -1.2, 2.5, 4.0])
    sigma, lam = 3.0, 0.7
    m, s2 = vilib.update_mu(x, np.ones((4, 1)), sigma, lam=lam)
    precision = 1 / sigma**2 + 4 / lam**2
    np.testing.assert_allclose(s2, [1 / precision], rtol=1e-14)
    np.testing.assert_allclose(m, [x.sum() / lam**2 / precision], rtol=1e-14)


def test_shapes_of_n_by_1_input():
    x = np.array(X1)
    phi_a = vilib.update_phi(x, M1, S21)
    phi_b = vilib.update_phi(x[:, None], np.array(M1)[:, None], S21)
    np.testing.assert_array_equal(phi_a, phi_b)
    m_a, s2_a = vilib.update_mu(x, PHI1, 2.0)
    m_b, s2_b = vilib.update_mu(x[:, None], PHI1, 2.0)
    assert m_a.shape == (2,) and m_b.shape == (2, 1)
    np.testing.assert_array_equal(m_a, m_b[:, 0])
    np.testing.assert_array_equal(s2_a, s2_b)


def test_update_phi_does_not_modify_its_inputs():
    x, m, s2 = np.array(X2), np.array(M2), np.array(S22)
    copies = x.copy(), m.copy(), s2.copy()
    vilib.update_phi(x, m, s2, lam=2.0)
    vilib.update_mu(x, PHI1.copy(), 1.5, lam=2.0)
    for a, b in zip((x, m, s2), copies):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- properties
problem = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "n": st.integers(1, 8),
    "K": st.integers(1, 4),
    "d": st.integers(1, 3),
    "scale": st.sampled_from([1e-3, 1.0, 10.0, 300.0]),
    "lam": st.floats(0.05, 20.0),
    "sigma": st.floats(0.05, 50.0),
})


def draw(p):
    """Random data, means, variances and responsibilities for one problem."""
    return reference.random_problem(p["seed"], p["n"], p["K"], p["d"], p["scale"])


@SETTINGS
@given(problem)
def test_phi_is_a_probability_table_and_matches_reference(p):
    x, m, s2, _ = draw(p)
    phi = vilib.update_phi(x, m, s2, lam=p["lam"])
    assert phi.shape == (p["n"], p["K"])
    assert np.all(np.isfinite(phi))
    assert np.all(phi >= 0) and np.all(phi <= 1)
    np.testing.assert_allclose(phi.sum(axis=1), 1.0, atol=1e-12)
    # logits can reach ~1e5 here, so allow for their round-off (~1e-11 absolute)
    np.testing.assert_allclose(phi, reference.update_phi(x, m, s2, p["lam"]), rtol=1e-8, atol=1e-9)


@SETTINGS
@given(st.lists(st.floats(-1e100, 1e100), min_size=1, max_size=6),
       st.lists(st.floats(-1e100, 1e100), min_size=1, max_size=4),
       st.floats(1e-3, 1e3))
def test_phi_rows_sum_to_one_for_any_representable_logits(x, m, lam):
    # Extreme but finite values whose logits (up to ~1e206) are still floats: the
    # differences between logits are astronomically large, yet the result must be a
    # probability table, with no warning (pyproject turns vilib's RuntimeWarnings into errors).
    s2 = np.ones(len(m))
    phi = vilib.update_phi(np.array(x), np.array(m), s2, lam=lam)
    assert np.all(np.isfinite(phi))
    assert np.all((phi >= 0) & (phi <= 1))
    np.testing.assert_allclose(phi.sum(axis=1), 1.0, atol=1e-12)


@SETTINGS
@given(problem)
def test_update_mu_matches_reference(p):
    x, _, _, phi = draw(p)
    m, s2 = vilib.update_mu(x, phi, p["sigma"], lam=p["lam"])
    m_ref, s2_ref = reference.update_mu(x, phi, p["sigma"], p["lam"])
    assert s2.shape == (p["K"],)
    assert m.shape == ((p["K"],) if p["d"] == 1 else (p["K"], p["d"]))
    assert np.all(s2 > 0) and np.all(s2 <= p["sigma"] ** 2 * (1 + 1e-12))   # posterior shrinks
    np.testing.assert_allclose(s2, s2_ref, rtol=1e-12)
    np.testing.assert_allclose(np.reshape(m, m_ref.shape), m_ref, rtol=1e-9,
                               atol=1e-12 * p["scale"] * p["n"])


# ---------------------------------------------------------------- numerical extremes
def hand_log_sum_exp_phi(x, m, s2, lam=1.0):
    """phi from Python-float logits with the max subtracted (the stable textbook recipe)."""
    rows = []
    for xi in x:
        logits = [xi * mk / lam**2 - (sk + mk**2) / (2 * lam**2) for mk, sk in zip(m, s2)]
        top = max(logits)
        w = [math.exp(v - top) for v in logits]
        rows.append([wk / sum(w) for wk in w])
    return np.array(rows)


def test_huge_x_naive_exp_overflows_but_update_phi_is_correct():
    # Shift the hand-worked case by 1e6: the logits are ~1e12, exp overflows.
    shift = 1e6
    x = np.array(X1) + shift
    m = np.array(M1) + shift
    s2 = np.array(S21)
    with np.errstate(all="ignore"):
        logits = np.outer(x, m) - (s2 + m**2) / 2
        naive = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert not np.all(np.isfinite(naive))           # the naive recipe fails: inf / inf = nan
    phi = vilib.update_phi(x, m, s2)
    assert np.all(np.isfinite(phi))
    np.testing.assert_allclose(phi.sum(axis=1), 1.0, atol=1e-12)
    # A translation of x and m leaves the logit differences unchanged
    # (x_i (m_1 - m_0) - (m_1^2 - m_0^2)/2 = (m_1 - m_0)(x_i - (m_0 + m_1)/2)), so phi must equal
    # the unshifted hand-worked answer. (The expanded logits are of size 1e12 and would lose
    # ~1e-4 to round-off; vilib's distance form |x_i - m_k|^2 keeps full precision.)
    expected = [1 / (1 + math.exp(-3)), 1 / (1 + math.exp(-0.5)), 1 / (1 + math.exp(4.5))]
    np.testing.assert_allclose(phi[:, 0], expected, atol=1e-12)
    np.testing.assert_allclose(phi, hand_log_sum_exp_phi(x, m, s2), atol=1e-3)


def test_huge_x_far_apart_gives_hard_assignments():
    x = np.array([-1e6, 2e6, 1.1e6, -3e6])
    m = np.array([-1e6, 1.5e6])
    s2 = np.array([0.5, 0.25])
    with np.errstate(all="ignore"):
        logits = np.outer(x, m) - (s2 + m**2) / 2
        naive = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.any(np.isnan(naive))
    phi = vilib.update_phi(x, m, s2)
    np.testing.assert_array_equal(phi, [[1, 0], [0, 1], [0, 1], [1, 0]])
    np.testing.assert_array_equal(phi, hand_log_sum_exp_phi(x, m, s2))
    m_new, s2_new = vilib.update_mu(x, phi, 10.0)
    # cluster 0 holds -1e6 and -3e6, cluster 1 holds 2e6 and 1.1e6
    np.testing.assert_allclose(s2_new, [1 / (0.01 + 2), 1 / (0.01 + 2)], rtol=1e-14)
    np.testing.assert_allclose(m_new, [-4e6 / 2.01, 3.1e6 / 2.01], rtol=1e-13)


def test_million_points():
    n = 10**6
    rng = np.random.default_rng(7)
    x = rng.normal(size=n) + rng.choice([-4.0, 0.0, 4.0], size=n)
    m = np.array([-4.0, 0.5, 4.0])
    s2 = np.array([0.1, 0.2, 0.3])
    phi = vilib.update_phi(x, m, s2)
    assert phi.shape == (n, 3)
    assert np.all(np.isfinite(phi))
    np.testing.assert_allclose(phi.sum(axis=1), 1.0, atol=1e-12)
    # spot-check a few rows against the loop reference
    rows = rng.choice(n, size=20, replace=False)
    np.testing.assert_allclose(phi[rows], reference.update_phi(x[rows], m, s2), rtol=1e-10, atol=1e-13)
    m_new, s2_new = vilib.update_mu(x, phi, 5.0)
    assert m_new.shape == (3,) and s2_new.shape == (3,)
    # the sums with exactly rounded summation (math.fsum), a different summation order
    for k in range(3):
        count = math.fsum(phi[:, k])
        s2_k = 1 / (1 / 25 + count)
        np.testing.assert_allclose(s2_new[k], s2_k, rtol=1e-10)
        np.testing.assert_allclose(m_new[k], s2_k * math.fsum(phi[:, k] * x), rtol=1e-9)


@pytest.mark.parametrize("sigma", [1e-3, 1e3])
def test_update_mu_extreme_sigma(sigma):
    x = np.array([-5.0, -4.0, 3.0, 6.0, 7.0])
    phi = np.array([[0.95, 0.05], [0.9, 0.1], [0.2, 0.8], [0.01, 0.99], [0.0, 1.0]])
    m, s2 = vilib.update_mu(x, phi, sigma)
    assert np.all(np.isfinite(m)) and np.all(np.isfinite(s2)) and np.all(s2 > 0)
    N = phi.sum(axis=0)
    weighted_mean = phi.T @ x / N
    if sigma < 1:
        # sigma -> 0: the prior N(0, sigma^2) dominates, m_k -> 0 and s2_k -> sigma^2
        assert np.all(np.abs(m) <= sigma**2 * np.abs(phi).T @ np.abs(x))
        np.testing.assert_allclose(s2, sigma**2, rtol=N.max() * sigma**2)
    else:
        # sigma -> inf: the prior is flat, m_k -> the phi-weighted mean, s2_k -> 1/N_k
        np.testing.assert_allclose(m, weighted_mean, rtol=1e-5)
        np.testing.assert_allclose(s2, 1 / N, rtol=1e-5)
