"""Starting points for CAVI, SVI and Gibbs: one vocabulary for ``init``.

Every algorithm in vilib takes ``init`` in the same words:

``None``
    k-means++ seeding of the means (the default), ``s2 = lam^2`` (1 for the unit-variance
    model: the start follows the data's units).
a method name, one of :data:`INIT_METHODS`
    ``"kmeans++"``: k-means++ seeding (Arthur & Vassilvitskii 2007): the first mean is a
    data point chosen uniformly, each next one a data point chosen with probability
    proportional to its squared distance to the nearest mean so far.
    ``"random"``: ``K`` distinct data points chosen uniformly at random, without
    replacement (Forgy's method). Nothing stops two of them from sitting in the same
    cluster, which is how bad local optima start.
    ``"prior"``: ``K`` draws from the prior ``N(0, sigma^2 I)``, ignoring the data.
explicit values
    ``(m0, s2_0)`` for the variational algorithms (:func:`vilib.cavi`, :func:`vilib.svi`);
    the means ``m0`` alone for :func:`vilib.gibbs`, which has no ``s2``.

Book: the start is discussed in *Local optima and initialisation* (``book/local_optima.md``).
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    InputTypeError,
    check_data_extent,
    check_init,
    check_int,
    check_length,
    check_means,
    check_memory,
    check_seed,
    length_unit,
    output_means,
    scaled,
)

#: The seeding methods understood by every ``init`` argument.
INIT_METHODS = ("kmeans++", "random", "prior")


def kmeans_plus_plus(X: np.ndarray, K: int, rng: np.random.Generator) -> np.ndarray:
    """K-means++ seeding (Arthur & Vassilvitskii 2007): ``K`` rows of ``X`` as initial means.

    The first mean is a uniformly chosen point; each next one is a point chosen
    with probability proportional to its squared distance to the nearest mean
    chosen so far, which spreads the starting means over the data. When every
    point already coincides with a chosen mean (``n < K`` distinct points) the
    next one is chosen uniformly.
    """
    n = X.shape[0]
    centres = np.empty((K, X.shape[1]))
    centres[0] = X[rng.integers(n)]
    dist2 = np.sum((X - centres[0]) ** 2, axis=1)
    for k in range(1, K):  # K is small; each step is vectorised over the points
        total = dist2.sum()
        if not total > 0:
            # every point coincides with a chosen mean: the rest are uniform draws, at once
            centres[k:] = X[rng.integers(n, size=K - k)] if k < K - 1 else X[rng.choice(n)]
            break
        centres[k] = X[rng.choice(n, p=dist2 / total)]
        dist2 = np.minimum(dist2, np.sum((X - centres[k]) ** 2, axis=1))
    return centres


def seed_means(X: np.ndarray, K: int, sigma: float, method: str,
               rng: np.random.Generator) -> np.ndarray:
    """Internal ``(K, d)`` starting means of ``X`` (shape ``(n, d)``) by ``method``."""
    if method not in INIT_METHODS:
        raise ValueError(f"init must be one of {INIT_METHODS}, got {method!r}")
    n, d = X.shape
    check_memory("K", 8.0 * K * (d + 1), f"seeding K = {K} means")
    if method == "kmeans++":
        return kmeans_plus_plus(X, K, rng)
    if method == "random":
        if K > n:
            raise ValueError(f"init='random' picks K = {K} distinct points but x has only n = {n}")
        return X[rng.choice(n, size=K, replace=False)]
    return rng.normal(0.0, sigma, size=(K, d))


def initial_means(x, K, sigma, *, init="kmeans++", seed=None) -> np.ndarray:
    """Starting variational means by one of :data:`INIT_METHODS`.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    K : int
    sigma : float
        Prior standard deviation of the means (used by ``"prior"``).
    init : {"kmeans++", "random", "prior"}
        See the module docstring.
    seed : int, Generator or None
        Random state.

    Returns
    -------
    ndarray, shape (K,) for 1-D ``x``, else (K, d)
    """
    X, one_d, extent = check_data_extent(x)
    K = check_int("K", K)
    sigma = check_length("sigma", sigma)
    if not isinstance(init, str):
        raise InputTypeError(f"init must be one of {INIT_METHODS}, got {type(init).__name__}")
    rng = check_seed(seed)
    # squared distances in units of a power of two near the data's extent (exact), so that
    # data of any size can be seeded; the chosen rows are mapped back exactly
    u = length_unit(extent) if extent > 0 else 1.0
    M = seed_means(scaled(X, 1 / u), K, sigma / u, init, rng) * u
    return output_means(M, one_d)


def variational_start(init, X: np.ndarray, K: int, sigma: float, rng: np.random.Generator,
                      *, one_d: bool, lam: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(M (K, d), s2 (K,))`` for CAVI or SVI from ``init`` (see the module docstring).

    A seeded start has ``s2 = lam^2``: the likelihood's own scale, so that the start
    follows the data's units (1 for the unit-variance model).
    """
    if init is None or isinstance(init, str):
        return seed_means(X, K, sigma, init or "kmeans++", rng), np.full(K, float(lam) ** 2)
    return check_init(init, K=K, d=X.shape[1], one_d=one_d)


def gibbs_start(init, X: np.ndarray, K: int, sigma: float, rng: np.random.Generator,
                *, one_d: bool) -> np.ndarray:
    """Starting means ``(K, d)`` for the Gibbs sampler from ``init``."""
    if init is None or isinstance(init, str):
        return seed_means(X, K, sigma, init or "kmeans++", rng)
    return check_means(init, d=X.shape[1], one_d=one_d, name="init", K=K).copy()
