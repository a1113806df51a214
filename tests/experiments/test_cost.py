"""Tests of :mod:`vilib.experiments.cost`: counting and timing the exact evidence, and the grid quadrature.

Expected values come from independent computations: exact integer arithmetic for the
counts, the naive enumeration of ``reference.py`` (a ``scipy.stats`` multivariate normal per
assignment) for ``log p(x)``, and ``scipy.stats.multivariate_normal`` for the ``K = 1`` case of
the quadrature. No test asserts anything about how long a call takes.
"""

import math

import numpy as np
import pytest
from scipy import stats

import reference
import vilib
from vilib.experiments.cost import (
    EvidenceCost,
    assignment_count,
    log_evidence_grid,
    seconds_per_assignment,
    time_log_evidence,
)
from vilib.baselines.evidence import MAX_ASSIGNMENTS


# ---------------------------------------------------------------- assignment_count
@pytest.mark.parametrize("n, K", [(1, 1), (1, 5), (10, 2), (13, 3), (100, 3), (64, 7)])
def test_assignment_count_is_exact_power(n, K):
    expected = math.prod([K] * n)        # repeated integer multiplication, no float
    assert assignment_count(n, K) == expected
    assert isinstance(assignment_count(n, K), int)


def test_assignment_count_huge_is_exact():
    # 3^100 written out (from the digits of 3^50 squared) -- a float would lose the last digits
    three_50 = 717897987691852588770249
    assert assignment_count(100, 3) == three_50 * three_50
    assert str(assignment_count(100, 3)).startswith("515377520732011331036461129765621272702107522001")


@pytest.mark.parametrize("n, K", [(0, 2), (2, 0), (-1, 2), (1.5, 2), (2, 2.0), (True, 2)])
def test_assignment_count_rejects_bad_input(n, K):
    with pytest.raises(ValueError, match=r"^(n|K) must be an integer"):
        assignment_count(n, K)


# ---------------------------------------------------------------- time_log_evidence
def test_time_log_evidence_records_counts_and_values():
    data = vilib.simulate(7, 2, 2.0, seed=3)
    ns = [1, 3, 5, 7]
    cost = time_log_evidence(data.x, 2, 2.0, ns, repeats=2)
    assert isinstance(cost, EvidenceCost)
    assert cost.K == 2
    np.testing.assert_array_equal(cost.n, ns)
    np.testing.assert_array_equal(cost.assignments, [2.0, 8.0, 32.0, 128.0])
    assert cost.seconds.shape == (4,)
    assert np.all(np.isfinite(cost.seconds)) and np.all(cost.seconds > 0)
    # the timed calls computed the right thing (naive enumeration, independent of vilib)
    expected = [reference.log_evidence(data.x[:n], 2, 2.0) for n in ns]
    np.testing.assert_allclose(cost.log_evidence, expected, rtol=1e-10)


def test_time_log_evidence_passes_lam_and_2d_data():
    data = vilib.simulate(4, 3, 1.5, d=2, lam=0.6, seed=8)
    cost = time_log_evidence(data.x, 3, 1.5, [2, 4], lam=0.6, repeats=1)
    expected = [reference.log_evidence(data.x[:n], 3, 1.5, lam=0.6) for n in (2, 4)]
    np.testing.assert_allclose(cost.log_evidence, expected, rtol=1e-10)
    np.testing.assert_array_equal(cost.assignments, [9.0, 81.0])


@pytest.mark.parametrize("ns, message", [
    ([], "non-empty"),
    ([[1, 2]], "non-empty 1-D"),
    ([1.0, 2.0], "integers"),
    ([0, 2], "increasing and >= 1"),
    ([3, 2], "increasing"),
    ([2, 2], "increasing"),
    ([5, 11], "only 10"),
])
def test_time_log_evidence_rejects_bad_ns(ns, message):
    x = np.linspace(-1, 1, 10)
    with pytest.raises(ValueError, match=message):
        time_log_evidence(x, 2, 1.0, ns)


def test_time_log_evidence_refuses_beyond_enumeration_limit():
    n_over = int(math.floor(math.log(MAX_ASSIGNMENTS, 3))) + 1     # 3^n_over > limit
    x = np.zeros(n_over)
    with pytest.raises(ValueError, match="enumeration limit"):
        time_log_evidence(x, 3, 1.0, [n_over])


def test_time_log_evidence_validates_scalars():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="sigma"):
        time_log_evidence(x, 2, -1.0, [1])
    with pytest.raises(ValueError, match="repeats"):
        time_log_evidence(x, 2, 1.0, [1], repeats=0)
    with pytest.raises(ValueError, match="lam"):
        time_log_evidence(x, 2, 1.0, [1], lam=0.0)


# ---------------------------------------------------------------- seconds_per_assignment
def _fake_cost(counts, seconds, K=2):
    counts = np.asarray(counts, dtype=float)
    return EvidenceCost(K=K, n=np.arange(1, len(counts) + 1), assignments=counts,
                        seconds=np.asarray(seconds, dtype=float),
                        log_evidence=np.zeros(len(counts)))


def test_seconds_per_assignment_is_median_over_large_runs():
    # ratios 5e-7 (ignored: below 10_000), 2e-7, 3e-7, 1e-7 -> median of the last three = 2e-7
    cost = _fake_cost([100, 10_000, 100_000, 1_000_000], [5e-5, 2e-3, 3e-2, 1e-1])
    assert seconds_per_assignment(cost) == pytest.approx(2e-7, rel=1e-12)
    # with a lower threshold the first run counts too: median of 5,2,3,1 (e-7) = 2.5e-7
    assert seconds_per_assignment(cost, min_assignments=1) == pytest.approx(2.5e-7, rel=1e-12)


def test_seconds_per_assignment_needs_a_large_run():
    cost = _fake_cost([2, 4, 8], [1e-5, 1e-5, 1e-5])
    with pytest.raises(ValueError, match="min_assignments"):
        seconds_per_assignment(cost)


# ---------------------------------------------------------------- log_evidence_grid
@pytest.mark.parametrize("n, K, sigma, lam, seed", [
    (3, 2, 2.0, 1.0, 0),
    (6, 2, 1.0, 0.7, 1),
    (4, 2, 3.0, 1.5, 2),
    (3, 3, 2.0, 1.0, 3),
])
def test_log_evidence_grid_matches_enumeration(n, K, sigma, lam, seed):
    data = vilib.simulate(n, K, sigma, lam=lam, seed=seed)
    points = 201 if K == 2 else 81
    expected = reference.log_evidence(data.x, K, sigma, lam=lam)
    assert log_evidence_grid(data.x, K, sigma, lam=lam, points=points) == pytest.approx(expected, abs=1e-7)


def test_log_evidence_grid_one_cluster_is_a_gaussian():
    # K = 1: x ~ N(0, lam^2 I + sigma^2 1 1^T), one multivariate normal density
    x = np.array([0.3, -1.2, 2.0, 0.7])
    sigma, lam = 1.3, 0.9
    cov = lam**2 * np.eye(4) + sigma**2 * np.ones((4, 4))
    expected = stats.multivariate_normal(np.zeros(4), cov).logpdf(x)
    assert log_evidence_grid(x, 1, sigma, lam=lam, points=801) == pytest.approx(expected, abs=1e-9)


def test_log_evidence_grid_too_coarse_is_wrong():
    # the check can fail: a grid spacing far above lam misses the likelihood's peaks
    data = vilib.simulate(6, 2, 3.0, lam=0.3, seed=4)
    exact = reference.log_evidence(data.x, 2, 3.0, lam=0.3)
    assert abs(log_evidence_grid(data.x, 2, 3.0, lam=0.3, points=9) - exact) > 1e-3


def test_log_evidence_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="1-D data"):
        log_evidence_grid(np.zeros((3, 2)), 2, 1.0)
    with pytest.raises(ValueError, match="points"):
        log_evidence_grid(np.zeros(3), 4, 1.0, points=801)
    with pytest.raises(ValueError, match="points"):
        log_evidence_grid(np.zeros(3), 2, 1.0, points=2)
    with pytest.raises(ValueError, match="half_width"):
        log_evidence_grid(np.zeros(3), 2, 1.0, half_width=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        log_evidence_grid(np.zeros(3), 2, 0.0)
