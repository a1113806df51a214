"""Tests of ``vilib.teaching.pitfalls``: the known-wrong formulas behave as documented.

The right ELBO and the CAVI states come from the loop implementation in
``reference.py``; the tutorial's buggy term is written out again here from its
formula ``sum_k log s2_k - m_k / sigma^2``; nothing is copied from vilib's output.
"""

import math

import numpy as np
import pytest

import reference
import vilib
from vilib.teaching.pitfalls import (
    elbo_decreases,
    elbo_traces,
    mu_prior_plus_entropy,
    naive_update_phi,
    tutorial_elbo_with_bug,
    tutorial_mu_term_with_bug,
)

# The run the book shows: n = 20 points from K = 3 clusters with sigma = 1, CAVI
# started from the data points 8, 5 and 7 (what k-means++ seeding with seed 6 picks).
SIGMA = 1.0
DATA = vilib.simulate(20, 3, SIGMA, seed=6)
INIT = (DATA.x[[8, 5, 7]], np.ones(3))
SWEEPS = 40


def buggy_by_hand(x, phi, m, s2, sigma):
    """The tutorial's "ELBO", term by term, from reference.elbo_terms and the buggy formula."""
    t = reference.elbo_terms(x, phi, m, s2, sigma)
    bug = sum(math.log(s2[k]) - float(np.ravel(m)[k]) / sigma**2 for k in range(len(s2)))
    return t["log_p_c"] + t["log_p_x"] + t["entropy_c"] + bug


# ---------------------------------------------------------------- naive phi update
def test_naive_update_phi_matches_update_phi_on_moderate_data():
    # the formula is right: where nothing overflows the two agree
    x = np.array([-1.0, 0.0, 2.0])
    m, s2 = np.array([-1.0, 1.5]), np.array([0.5, 0.25])
    np.testing.assert_allclose(naive_update_phi(x, m, s2), reference.update_phi(x, m, s2),
                               rtol=1e-12)


def test_naive_update_phi_overflows_where_update_phi_does_not():
    # logits x m - (s2 + m^2)/2 = 1000*1000 - 500000.5 = 499999.5 >> 709: exp overflows
    x = np.array([1000.0])
    m, s2 = np.array([1000.0, 999.0]), np.array([1.0, 1.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = naive_update_phi(x, m, s2)
    assert np.all(np.isnan(naive))
    phi = vilib.update_phi(x, m, s2)
    # logit difference = (1000*1000 - 500000.5) - (1000*999 - (1 + 999**2)/2) = 0.5
    np.testing.assert_allclose(phi[0], [1 / (1 + math.exp(-0.5)), 1 / (1 + math.exp(0.5))],
                               rtol=1e-12)


# ---------------------------------------------------------------- the q(mu_k) term
def test_mu_prior_plus_entropy_equals_reference_terms():
    x = np.array([-1.0, 0.0, 2.0])
    phi = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    m, s2, sigma = np.array([-1.0, 1.5]), np.array([0.5, 0.25]), 2.0
    t = reference.elbo_terms(x, phi, m, s2, sigma)
    assert mu_prior_plus_entropy(m, s2, sigma) == pytest.approx(
        t["log_p_mu"] + t["entropy_mu"], rel=1e-13)


def test_mu_prior_plus_entropy_hand_worked():
    # one cluster, m = 1, s2 = 1, sigma = 1: 0 - (1 + 1)/2 + 1/2 - 0 = -1/2
    assert mu_prior_plus_entropy([1.0], [1.0], 1.0) == pytest.approx(-0.5, abs=1e-15)


def test_tutorial_mu_term_hand_worked():
    # log 0.5 - (-1)/4 + log 0.25 - 1.5/4
    expected = math.log(0.5) + 0.25 + math.log(0.25) - 0.375
    assert tutorial_mu_term_with_bug([-1.0, 1.5], [0.5, 0.25], 2.0) == pytest.approx(expected)


def test_tutorial_term_is_not_the_right_term_plus_a_constant():
    # if the bug were a constant offset, the difference would not change with (m, s2)
    diff = [tutorial_mu_term_with_bug(m, s2, 1.0) - mu_prior_plus_entropy(m, s2, 1.0)
            for m, s2 in [([0.0], [1.0]), ([3.0], [1.0]), ([0.0], [0.1])]]
    assert abs(diff[1] - diff[0]) > 0.1 and abs(diff[2] - diff[0]) > 0.1


def test_tutorial_elbo_with_bug_matches_formula():
    x = np.array([-1.0, 0.0, 2.0])
    phi = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    m, s2, sigma = np.array([-1.0, 1.5]), np.array([0.5, 0.25]), 2.0
    assert tutorial_elbo_with_bug(x, phi, m, s2, sigma) == pytest.approx(
        buggy_by_hand(x, phi, m, s2, sigma), rel=1e-12)


# ---------------------------------------------------------------- the run
def test_buggy_elbo_decreases_on_a_run_where_the_right_elbo_rises():
    right, buggy = elbo_traces(DATA.x, 3, SIGMA, max_iter=SWEEPS, init=INIT)
    assert right.shape == buggy.shape == (SWEEPS,)
    # the right ELBO rises (by more than 1 nat) and never goes down
    assert right[-1] - right[0] > 1.0
    assert np.all(np.diff(right) >= -1e-10 * np.abs(right[:-1]))
    assert elbo_decreases(right).size == 0
    # the buggy one goes down on most sweeps, and ends clearly below its maximum
    drops = elbo_decreases(buggy)
    assert drops.size >= SWEEPS // 2
    assert buggy.max() - buggy[-1] > 0.1


def test_traces_agree_with_the_reference_implementation():
    right, buggy = elbo_traces(DATA.x, 3, SIGMA, max_iter=SWEEPS, init=INIT)
    states = reference.cavi_sweeps(DATA.x, SIGMA, INIT[0], INIT[1], SWEEPS)
    np.testing.assert_allclose(right, [s[3] for s in states], rtol=1e-10)
    np.testing.assert_allclose(buggy, [buggy_by_hand(DATA.x, phi, m, s2, SIGMA)
                                       for phi, m, s2, _ in states], rtol=1e-10)


# ---------------------------------------------------------------- the monotonicity check
@pytest.mark.parametrize("trace, expected", [
    ([1.0, 2.0, 3.0], []),
    ([1.0, 3.0, 2.0, 4.0], [2]),
    ([5.0, 4.0, 3.0], [1, 2]),
    ([-100.0, -100.0 - 1e-13], []),        # a round-off wobble is not a drop
    ([-100.0, -100.001], [1]),
])
def test_elbo_decreases(trace, expected):
    assert list(elbo_decreases(trace)) == expected


@pytest.mark.parametrize("call, name", [
    (lambda: elbo_decreases([[1.0, 2.0]]), "trace"),
    (lambda: elbo_decreases([1.0, float("nan")]), "trace"),
    (lambda: elbo_decreases([1.0, 2.0], rtol=-1), "rtol"),
    (lambda: tutorial_elbo_with_bug(np.zeros((3, 2)), np.full((3, 2), 0.5), np.zeros((2, 2)),
                                    np.ones(2), 1.0), "x"),
    (lambda: tutorial_mu_term_with_bug(np.zeros((2, 2)), np.ones(2), 1.0), "m"),
    (lambda: mu_prior_plus_entropy([0.0, 1.0], [1.0, -1.0], 1.0), "s2"),
    (lambda: mu_prior_plus_entropy([0.0], [1.0], 0.0), "sigma"),
    (lambda: elbo_traces(np.zeros((4, 2)), 2, 1.0), "x"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
