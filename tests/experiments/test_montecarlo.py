"""Tests of :mod:`vilib.experiments.montecarlo`: sampling from the mean-field q and Monte Carlo estimates.

Expected values are independent: hand-computed means and standard errors, the moments of
the factors of q (phi, m, s2), the naive loop-based closed form of ``reference.py``, and
``scipy.stats`` log densities when q is a point mass.
"""

import math

import numpy as np
import pytest
from scipy import stats

import reference
import vilib
from vilib.experiments.montecarlo import MCEstimate, mc_estimate, mc_expected_log_lik, sample_q


def test_mc_estimate_by_hand():
    est = mc_estimate([1.0, 2.0, 3.0, 4.0])
    assert isinstance(est, MCEstimate)
    assert est.mean == 2.5
    # sample variance (ddof=1): (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3; se = sqrt(5/3) / sqrt(4)
    assert est.se == pytest.approx(math.sqrt(5 / 3) / 2, rel=1e-14)
    np.testing.assert_array_equal(est.values, [1, 2, 3, 4])


@pytest.mark.parametrize("values", [[1.0], [[1.0, 2.0]], [1.0, np.nan], [1.0, np.inf]])
def test_mc_estimate_rejects_bad_values(values):
    with pytest.raises(ValueError, match="values"):
        mc_estimate(values)


PHI = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0], [0.0, 0.1, 0.9]])
M = np.array([-2.0, 0.5, 3.0])
S2 = np.array([0.25, 1.0, 4.0])


def test_sample_q_shapes_and_labels():
    draws = sample_q(PHI, M, S2, 50, seed=0)
    assert draws.mu.shape == (50, 3)
    assert draws.c.shape == (50, 3)
    assert draws.c.min() >= 0 and draws.c.max() <= 2
    assert np.all(draws.c[:, 1] == 0)          # phi_2 is one-hot at cluster 0


def test_sample_q_moments_match_q():
    S = 200_000
    draws = sample_q(PHI, M, S2, S, seed=1)
    # label frequencies: binomial proportions, within 4 standard errors
    for i in range(3):
        freq = np.bincount(draws.c[:, i], minlength=3) / S
        se = np.sqrt(PHI[i] * (1 - PHI[i]) / S)
        assert np.all(np.abs(freq - PHI[i]) <= 4 * se + 1e-12)
    # means: E = m (se sqrt(s2/S)); variances: Var = s2 (se s2 sqrt(2/S))
    assert np.all(np.abs(draws.mu.mean(axis=0) - M) < 4 * np.sqrt(S2 / S))
    assert np.all(np.abs(draws.mu.var(axis=0) - S2) < 4 * S2 * np.sqrt(2 / S))
    # independence of the means: correlation ~ 0 (se 1/sqrt(S))
    corr = np.corrcoef(draws.mu.T)
    assert np.all(np.abs(corr[np.triu_indices(3, 1)]) < 4 / np.sqrt(S))


def test_sample_q_d_dimensional():
    m2 = np.array([[0.0, 1.0], [5.0, -5.0]])
    draws = sample_q(np.array([[0.5, 0.5]]), m2, np.array([1.0, 0.01]), 40_000, seed=2)
    assert draws.mu.shape == (40_000, 2, 2)
    np.testing.assert_allclose(draws.mu.mean(axis=0), m2, atol=4 * np.sqrt(1.0 / 40_000))
    np.testing.assert_allclose(draws.mu[:, 1].var(axis=0), [0.01, 0.01], rtol=0.05)


def test_sample_q_seed_reproducible():
    a, b = sample_q(PHI, M, S2, 10, seed=7), sample_q(PHI, M, S2, 10, seed=7)
    np.testing.assert_array_equal(a.mu, b.mu)
    np.testing.assert_array_equal(a.c, b.c)


@pytest.mark.parametrize("kwargs, message", [
    (dict(phi=[[0.5, 0.6, 0.0]]), "sum to 1"),
    (dict(phi=[0.2, 0.5, 0.3]), "phi must have shape"),
    (dict(phi=[[0.5, 0.5]]), "phi must have shape"),
    (dict(s2=[1.0, -1.0, 1.0]), "s2"),
    (dict(s2=[1.0, 1.0]), "s2"),
    (dict(m=np.zeros((3, 1, 1))), "m must have shape"),
    (dict(size=0), "size"),
])
def test_sample_q_rejects_bad_input(kwargs, message):
    args = dict(phi=[[0.2, 0.5, 0.3]], m=M, s2=S2, size=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        sample_q(args["phi"], args["m"], args["s2"], args["size"])


@pytest.mark.parametrize("d, lam, seed", [(1, 1.0, 0), (1, 0.5, 1), (2, 1.3, 2)])
def test_mc_expected_log_lik_agrees_with_closed_form(d, lam, seed):
    data = vilib.simulate(30, 3, 2.0, d=d, lam=lam, seed=seed)
    rng = np.random.default_rng(seed)
    phi = rng.dirichlet(np.ones(3), size=30)
    m = data.mu + 0.3 * rng.standard_normal(data.mu.shape)
    s2 = np.array([0.2, 0.7, 1.5])
    est = mc_expected_log_lik(data.x, phi, m, s2, lam=lam, size=40_000, seed=seed)
    closed = reference.elbo_terms(data.x, phi, m, s2, 2.0, lam=lam)["log_p_x"]
    assert abs(est.mean - closed) < 4 * est.se
    # and it is not the formula that forgets s2 (E[mu^2] = m^2): that one is far outside
    forgot = closed + 0.5 * d * (phi.sum(axis=0) @ s2) / lam**2
    assert abs(est.mean - forgot) > 10 * est.se


def test_mc_expected_log_lik_point_mass_is_exact():
    # phi one-hot and s2 -> 0: every draw is the same configuration, so the average is the
    # log likelihood at (m, labels) and the standard error is ~0
    x = np.array([-1.0, 0.4, 2.5, 3.0])
    labels = np.array([0, 0, 1, 1])
    m = np.array([-0.5, 2.8])
    est = mc_expected_log_lik(x, np.eye(2)[labels], m, np.full(2, 1e-30), size=20, seed=0)
    expected = stats.norm.logpdf(x, m[labels], 1.0).sum()
    assert est.mean == pytest.approx(expected, abs=1e-12)
    assert est.se < 1e-12


def test_mc_expected_log_lik_rejects_mismatch():
    with pytest.raises(ValueError, match="phi"):
        mc_expected_log_lik(np.zeros(4), np.full((3, 2), 0.5), np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="lam"):
        mc_expected_log_lik(np.zeros(3), np.full((3, 2), 0.5), np.zeros(2), np.ones(2), lam=-1.0)
