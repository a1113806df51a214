"""What the exact posterior costs: timing :func:`vilib.log_evidence` as ``n`` grows.

The evidence of the mixture model is a sum over every assignment of the ``n``
points to the ``K`` clusters,

.. math:: p(x) = \\sum_{c} p(c) \\int p(\\mu) \\prod_i p(x_i \\mid c_i, \\mu)\\, d\\mu,

a sum of ``K^n`` Gaussian integrals (Blei et al. 2017, sec. 2.1). Each integral
has a closed form, so the cost of the exact answer is the number of terms times
a constant. This module measures that cost, for the book's "exponential wall"
figure only: wall-clock times vary from machine to machine and run to run, so
they must never be printed into a page that is compared by nbval.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from scipy.special import logsumexp

from .._validation import check_data, check_int, check_positive
from ..baselines.evidence import MAX_ASSIGNMENTS, log_evidence
from ..model import LOG_2PI

_NO_REPEAT_SECONDS = 0.1
#: Largest number of grid points ``points**K`` that :func:`log_evidence_grid` evaluates.
MAX_GRID_POINTS = 2**24


@dataclass(frozen=True)
class EvidenceCost:
    """Measured cost of :func:`vilib.log_evidence` on the first ``n`` points, for several ``n``.

    Attributes
    ----------
    K : int
        Number of clusters.
    n : ndarray of int, shape (r,)
        Numbers of points timed, increasing.
    assignments : ndarray of float, shape (r,)
        ``K^n``, the number of terms summed (float, for plotting on a log axis).
    seconds : ndarray of float, shape (r,)
        Best (smallest) wall time over the repeats, in seconds.
    log_evidence : ndarray of float, shape (r,)
        The value computed, ``log p(x_1, ..., x_n)``: the timed call did real work.
    """

    K: int
    n: np.ndarray
    assignments: np.ndarray
    seconds: np.ndarray
    log_evidence: np.ndarray


def assignment_count(n, K) -> int:
    """The number of ways to assign ``n`` points to ``K`` clusters, ``K**n``, as an exact int.

    Parameters
    ----------
    n : int, >= 1
    K : int, >= 1

    Examples
    --------
    >>> assignment_count(100, 3) > 10**47
    True
    """
    n = check_int("n", n)
    K = check_int("K", K)
    return K**n  # Python ints do not overflow: 3**100 is exact


def time_log_evidence(x, K, sigma, ns, *, lam=1.0, repeats=3) -> EvidenceCost:
    """Time the exact ``log p(x_1..x_n)`` for each ``n`` in ``ns``.

    Parameters
    ----------
    x : array, shape (N,) or (N, d)
        Data; the first ``n`` points are used for each ``n``.
    K : int
    sigma : float
        Prior standard deviation of the means.
    ns : sequence of int
        Strictly increasing numbers of points, each ``<= len(x)`` and with
        ``K**n <= vilib.baselines.evidence.MAX_ASSIGNMENTS``.
    lam : float, default 1.0
        Likelihood standard deviation.
    repeats : int, default 3
        Each ``n`` is timed up to this many times and the fastest run kept: the
        minimum is the least disturbed by other work on the machine. A run that
        takes longer than ``0.1`` s is not repeated (its noise is relatively
        small, and repeating it would dominate the total time).

    Returns
    -------
    EvidenceCost
    """
    X, _ = check_data(x)
    K = check_int("K", K)
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    repeats = check_int("repeats", repeats)
    ns = np.asarray(ns)
    if ns.ndim != 1 or ns.size == 0 or not np.issubdtype(ns.dtype, np.integer):
        raise ValueError("ns must be a non-empty 1-D sequence of integers")
    if ns[0] < 1 or np.any(np.diff(ns) <= 0):
        raise ValueError("ns must be strictly increasing and >= 1")
    if ns[-1] > X.shape[0]:
        raise ValueError(f"ns asks for {ns[-1]} points but x has only {X.shape[0]}")
    if assignment_count(int(ns[-1]), K) > MAX_ASSIGNMENTS:
        raise ValueError(
            f"ns: K^n = {K}^{ns[-1]} exceeds the enumeration limit {MAX_ASSIGNMENTS}")

    seconds = np.empty(ns.size)
    values = np.empty(ns.size)
    for j, n in enumerate(ns):       # a loop over problem sizes, not over data points
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            values[j] = log_evidence(X[:n], K, sigma, lam=lam)
            best = min(best, time.perf_counter() - start)
            if best > _NO_REPEAT_SECONDS:
                break
        seconds[j] = best
    return EvidenceCost(K=K, n=ns.astype(int), assignments=float(K) ** ns,
                        seconds=seconds, log_evidence=values)


def seconds_per_assignment(cost: EvidenceCost, *, min_assignments=10_000) -> float:
    """Measured seconds per assignment, from the runs with at least ``min_assignments`` terms.

    Small runs are dominated by fixed overheads (validation, array set-up), so
    only the large ones say what one more term costs. Returns the median of
    ``seconds / K^n`` over those runs.

    Raises
    ------
    ValueError
        If no run has ``K^n >= min_assignments``.
    """
    keep = cost.assignments >= min_assignments
    if not np.any(keep):
        raise ValueError(f"min_assignments: no run has K^n >= {min_assignments}")
    return float(np.median(cost.seconds[keep] / cost.assignments[keep]))


def log_evidence_grid(x, K, sigma, *, lam=1.0, points=201, half_width=None) -> float:
    """``log p(x)`` by brute-force quadrature over the means, the other order of summation.

    Summing over each label *inside* the integral gives

    .. math:: p(x) = \\int p(\\mu) \\prod_{i=1}^n \\sum_{k=1}^K \\frac1K
              \\mathcal N(x_i;\\, \\mu_k,\\, \\lambda^2)\\, d\\mu ,

    a ``K``-dimensional integral with no closed form (Blei et al. 2017, sec. 2.1,
    write ``p(x)`` both ways). This function evaluates
    the integrand on a regular grid of ``points`` values per mean over
    ``[-half_width, half_width]^K`` and sums (the trapezoid rule, since the
    integrand vanishes at the edges). The cost is ``points^K n``: exponential in
    ``K`` instead of ``n``. It is an independent check of
    :func:`vilib.log_evidence` for ``K <= 3`` and 1-D data.

    Parameters
    ----------
    x : array, shape (n,)
        1-D data.
    K : int
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    points : int, default 201
        Grid points per mean; the spacing must be well below ``lam``.
    half_width : float, optional
        Half-width of the grid. Default: ``max(8 sigma, max|x| + 8 lam)``, far
        enough out that the prior or the likelihood has decayed.

    Returns
    -------
    float
    """
    X, one_d = check_data(x)
    if not one_d:
        raise ValueError("x must be 1-D data of shape (n,) for log_evidence_grid")
    K = check_int("K", K)
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    points = check_int("points", points, minimum=3)
    if points**K > MAX_GRID_POINTS:
        raise ValueError(f"points: points^K = {points}^{K} exceeds {MAX_GRID_POINTS}")
    if half_width is None:
        half_width = max(8 * sigma, float(np.abs(X).max()) + 8 * lam)
    half_width = check_positive("half_width", half_width)
    grid = np.linspace(-half_width, half_width, points)
    step = grid[1] - grid[0]
    mesh = np.stack(np.meshgrid(*([grid] * K), indexing="ij"), axis=-1).reshape(-1, K)  # (G^K, K)
    log_prior = np.sum(-0.5 * (LOG_2PI + np.log(sigma**2)) - mesh**2 / (2 * sigma**2), axis=1)
    # log sum_k (1/K) N(x_i; mu_k, lam^2) for every grid point and data point, (G^K, n)
    comp = (-0.5 * (LOG_2PI + np.log(lam**2)) - np.log(K)
            - (X[None, :, 0, None] - mesh[:, None, :]) ** 2 / (2 * lam**2))       # (G^K, n, K)
    log_integrand = log_prior + logsumexp(comp, axis=2).sum(axis=1)
    return float(logsumexp(log_integrand) + K * np.log(step))
