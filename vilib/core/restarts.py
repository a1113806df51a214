"""Restarts: run CAVI from several initialisations and keep the best ELBO.

CAVI climbs the ELBO one coordinate at a time, so it stops at a local optimum
that depends on where it started. Every run's final ELBO is a lower bound on
the same ``log p(x)``, so the runs can be compared directly: the highest final
ELBO is the tightest bound and (as ``log p(x) - ELBO = KL(q || p)``) the
closest ``q`` to the posterior in KL. That is the whole rule of restarts.

The seeding methods (``"kmeans++"``, ``"random"``, ``"prior"``; ``s2`` starts at ``lam^2``, as
in :func:`vilib.cavi`) are described in :mod:`vilib.core.init`.

Book: *Local optima and initialisation* (``book/local_optima.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import InputTypeError, check_int, check_length, check_seed
from .cavi import CaviResult, cavi
from .init import INIT_METHODS, initial_means



@dataclass(frozen=True)
class RestartsResult:
    """The outcome of :func:`cavi_restarts`.

    Attributes
    ----------
    best : CaviResult
        The run with the highest final ELBO (the first one on ties).
    best_index : int
        Its position among the restarts.
    final_elbos : ndarray, shape (n_restarts,)
        The last ELBO of every run, in the order they were run.
    initial_means : ndarray, shape (n_restarts, K) or (n_restarts, K, d)
        The starting means of every run: ``vilib.cavi(x, K, sigma,
        init=(initial_means[j], np.full(K, lam**2)), ...)`` reproduces run ``j``.
    n_iter : ndarray of int, shape (n_restarts,)
        Sweeps used by every run.
    fits : tuple of CaviResult or None
        Every run, when ``keep_all=True``.
    """

    best: CaviResult
    best_index: int
    final_elbos: np.ndarray
    initial_means: np.ndarray
    n_iter: np.ndarray
    fits: tuple | None = None


def cavi_restarts(x, K, sigma, *, n_restarts=10, seed=None, init="kmeans++",
                  keep_all=False, **cavi_kwargs) -> RestartsResult:
    """Run :func:`vilib.cavi` from ``n_restarts`` seedings; keep the highest final ELBO.

    Run ``j`` starts from ``m0 = initial_means(x, K, sigma, init=init, seed=seed_j)``
    and ``s2_0 = lam^2``, passed to ``cavi`` as ``init=(m0, s2_0)``; the seeds
    ``seed_j`` are independent streams spawned from ``seed``, so the whole call
    is reproducible.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    K : int
    sigma : float
        Prior standard deviation of the means.
    n_restarts : int, default 10
    seed : int, Generator, SeedSequence or None
        Random state of the seedings.
    init : {"kmeans++", "random", "prior"}, default "kmeans++"
        How each run's starting means are chosen (see :mod:`vilib.core.restarts`).
    keep_all : bool, default False
        Also return every run's :class:`vilib.CaviResult` (``.fits``).
    **cavi_kwargs
        Passed to :func:`vilib.cavi` (``lam``, ``max_iter``, ``tol``, ``callback``);
        not ``init`` or ``seed``, which restarts choose.

    Returns
    -------
    RestartsResult
    """
    n_restarts = check_int("n_restarts", n_restarts, maximum=10**5)
    K = check_int("K", K)
    # init and seed are this function's own keywords, so they never reach cavi_kwargs
    unknown = set(cavi_kwargs) - {"lam", "max_iter", "tol", "callback"}
    if unknown:
        raise ValueError(f"unknown cavi argument(s): {sorted(unknown)}")
    if not isinstance(init, str):
        raise InputTypeError(f"init must be one of {INIT_METHODS}, got {type(init).__name__}")
    if init not in INIT_METHODS:
        raise ValueError(f"init must be one of {INIT_METHODS}, got {init!r}")
    lam = check_length("lam", cavi_kwargs.get("lam", 1.0))
    if isinstance(seed, np.random.Generator):
        # draw the root entropy from the caller's generator (Generator.spawn needs numpy >= 1.25)
        seed = int(seed.integers(2**63))
    elif not isinstance(seed, np.random.SeedSequence):
        check_seed(seed)                    # the same rules (and messages) as everywhere
    children = np.random.SeedSequence(seed).spawn(n_restarts)

    starts, fits = [], []
    for child in children:  # each run is a full CAVI; the runs are independent
        m0 = initial_means(x, K, sigma, init=init, seed=child)
        starts.append(m0)
        fits.append(cavi(x, K, sigma, init=(m0, np.full(K, lam**2)), **cavi_kwargs))
    final = np.array([f.elbo[-1] for f in fits])
    best = int(np.argmax(final))
    return RestartsResult(best=fits[best], best_index=best, final_elbos=final,
                          initial_means=np.stack(starts),
                          n_iter=np.array([f.n_iter for f in fits]),
                          fits=tuple(fits) if keep_all else None)
