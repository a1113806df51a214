"""Small numerical helpers shared by several modules (NumPy only).

- :func:`categorical_draws`: inverse-CDF sampling of many categorical variables at once
  (the Gibbs sampler's assignment draw, Monte Carlo draws from ``q(c)``);
- :func:`all_permutations`, :func:`match_means`: label matching, the answer to label
  switching (exact posterior alignment, Gibbs relabelling, accuracy traces);
- :func:`normal_pdf`, :func:`mixture_components`: densities the figures draw;
- :func:`mcse`: Monte Carlo standard errors by batch means (Gibbs chains).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ._validation import check_int

#: Largest ``K`` for which label matching tries all ``K!`` permutations (8! = 40,320).
MAX_PERMUTATION_K = 8


def categorical_draws(weights: np.ndarray, rng: np.random.Generator, *, axis: int = -1,
                      size: tuple = ()) -> np.ndarray:
    """Draw one category per row of non-negative ``weights`` (need not be normalised).

    Inverse-CDF sampling on cumulative sums, all rows at once: with cumulative sums
    ``W_k = w_1 + ... + w_k`` draw ``u ~ Uniform(0, W_K)`` and take the number of ``k``
    with ``W_k <= u`` (the first ``k`` with ``W_k > u``). The minimum guards the
    round-off case ``u == W_K``. ``size`` prepends independent repetitions.

    Parameters
    ----------
    weights : ndarray
        Category weights along ``axis``.
    rng : numpy.random.Generator
    axis : int
        The axis of the categories.
    size : tuple of int
        Shape of independent repetitions, prepended to the result.

    Returns
    -------
    ndarray of int
        ``size + weights.shape`` without ``axis``.
    """
    W = np.moveaxis(np.cumsum(weights, axis=axis), axis, -1)      # (..., K)
    u = rng.random(size + W.shape[:-1])[..., None] * W[..., -1:]
    return np.minimum(np.count_nonzero(W <= u, axis=-1), W.shape[-1] - 1)


def all_permutations(K: int, *, what: str) -> np.ndarray:
    """All ``K!`` permutations of ``range(K)`` as a ``(K!, K)`` array; refuses ``K > 8``.

    ``what`` names the caller in the error message.
    """
    if K > MAX_PERMUTATION_K:
        raise ValueError(f"{what} tries all K! permutations; K = {K} gives {math.factorial(K):,} "
                         f"(at most K = {MAX_PERMUTATION_K})")
    return np.array(list(itertools.permutations(range(K))))


def match_means(M: np.ndarray, ref: np.ndarray, *, what: str) -> np.ndarray:
    """The relabelling of each set of means that best fits a reference.

    For means ``M`` of shape ``(S, K, d)`` (``S`` sets, e.g. Gibbs draws) and a reference
    ``ref`` of shape ``(K, d)``, returns ``best`` of shape ``(S, K)``: the permutation
    minimising ``sum_k |M[s, best[s, k]] - ref[k]|^2``, so ``M[s, best[s]]`` is set ``s``
    in the reference's labels.
    """
    perms = all_permutations(M.shape[1], what=what)               # (P, K)
    cost = np.stack([np.sum((M[:, p, :] - ref[None]) ** 2, axis=(1, 2)) for p in perms], axis=1)
    return perms[np.argmin(cost, axis=1)]


def normal_pdf(grid, mean, var) -> np.ndarray:
    """The normal density ``N(grid; mean, var)``, broadcasting."""
    grid = np.asarray(grid, dtype=float)
    return np.exp(-0.5 * (grid - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)


def mixture_components(grid, means, var) -> np.ndarray:
    """Equal-weight mixture terms ``(1/K) N(grid; means_k, var_k)``, shape ``(K, len(grid))``.

    ``var`` is a scalar or one variance per component; the mixture density is the sum
    over the first axis.
    """
    grid = np.asarray(grid, dtype=float).reshape(-1)
    means = np.asarray(means, dtype=float).reshape(-1)
    var = np.broadcast_to(np.asarray(var, dtype=float), means.shape)
    return normal_pdf(grid[None, :], means[:, None], var[:, None]) / means.size


def mcse(samples, *, n_batches=20) -> np.ndarray:
    """Monte Carlo standard error of the mean of a Markov chain, by batch means.

    The chain (axis 0) is cut into ``B = n_batches`` consecutive batches of
    length ``b``; if ``b`` is long compared with the chain's autocorrelation
    time the batch means are nearly independent, and

    .. math:: \\widehat{\\mathrm{se}} = \\sqrt{\\frac{1}{B(B-1)} \\sum_{j=1}^B (\\bar y_j - \\bar y)^2}.

    Unlike ``std / sqrt(S)`` it does not pretend the draws are independent.
    Leftover draws (``S mod B``) at the start of the chain are dropped.

    Parameters
    ----------
    samples : array, shape (S, ...)
        Draws, first axis = iteration.
    n_batches : int, default 20
        Number of batches, ``2 <= n_batches <= S``.

    Returns
    -------
    ndarray, shape ``samples.shape[1:]``
    """
    y = np.asarray(samples, dtype=float)
    if y.ndim == 0 or not np.all(np.isfinite(y)):
        raise ValueError("samples must be a finite array with the draws along axis 0")
    B = check_int("n_batches", n_batches, minimum=2)
    S = y.shape[0]
    if B > S:
        raise ValueError(f"n_batches = {B} exceeds the number of draws {S}")
    b = S // B
    batch_means = y[S - B * b:].reshape(B, b, *y.shape[1:]).mean(axis=1)
    return np.sqrt(batch_means.var(axis=0, ddof=1) / B)
