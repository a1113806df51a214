"""Checking a fitted mixture against real data: the ELBO across ``K`` and ``lam``, and cluster moments.

**The ELBO as a guide.** Every final ELBO is a lower bound on the log evidence of its model,

.. math:: \\mathrm{ELBO}(q^*_{K,\\lambda}) \\le \\log p(x \\mid K, \\lambda, \\sigma),

so the bound reached by CAVI (with restarts, keeping the best) is a rough
stand-in for ``log p(x | K, lam)`` when choosing ``K`` or ``lam``. Rough, for
three reasons the book discusses: the gap ``log p(x) - ELBO`` is not the same
for every ``K`` (it includes about ``log K!`` from the ``K!`` relabelled copies
of each posterior mode that a single ``q`` cannot cover; Bishop 2006, sec.
10.2.4, adds ``log K!`` back before comparing), CAVI may stop at a local
optimum, and the model may be wrong for the data.

**What the model fixes.** The book's model gives every cluster the weight ``1/K``
and the covariance ``lam^2 I``. :func:`cluster_moments` measures what the data
say about each cluster instead (its share of the points, its spread along each
axis, its correlation), weighting every point by its responsibility, so the
fixed values can be compared with the data's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from .._validation import check_data, check_int, check_phi, check_positive
from ..core.restarts import cavi_restarts


@dataclass(frozen=True)
class ElboGrid:
    """Best final ELBOs of :func:`elbo_grid`.

    Attributes
    ----------
    Ks : ndarray of int, shape (A,)
    lams : ndarray, shape (B,)
    elbo : ndarray, shape (A, B)
        ``elbo[a, b]``: the highest final ELBO over the restarts for
        ``K = Ks[a]`` and ``lam = lams[b]``.
    """

    Ks: np.ndarray
    lams: np.ndarray
    elbo: np.ndarray

    @property
    def corrected(self) -> np.ndarray:
        """``elbo + log K!`` (Bishop 2006, sec. 10.2.4), shape (A, B)."""
        return self.elbo + gammaln(self.Ks + 1.0)[:, None]

    def best(self, *, corrected=False) -> tuple[int, float]:
        """``(K, lam)`` with the highest (optionally ``log K!``-corrected) ELBO."""
        table = self.corrected if corrected else self.elbo
        a, b = np.unravel_index(np.argmax(table), table.shape)
        return int(self.Ks[a]), float(self.lams[b])

    def best_lam(self, K) -> float:
        """The ``lam`` with the highest ELBO for a given ``K`` (which must be in ``Ks``)."""
        rows = np.nonzero(self.Ks == K)[0]
        if len(rows) == 0:
            raise ValueError(f"K = {K!r} is not in the grid {self.Ks.tolist()}")
        return float(self.lams[np.argmax(self.elbo[rows[0]])])


def elbo_grid(x, Ks, sigma, lams, *, n_restarts=5, seed=None) -> ElboGrid:
    """Best final CAVI ELBO for every ``K`` in ``Ks`` and ``lam`` in ``lams``.

    Each cell runs :func:`vilib.core.restarts.cavi_restarts` (k-means++ seeding,
    ``n_restarts`` runs, the best final ELBO kept), with the same ``seed`` for
    every cell so that the cells differ only in ``K`` and ``lam``.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    Ks : sequence of int
        Numbers of clusters, each >= 1.
    sigma : float
        Prior standard deviation of the means.
    lams : sequence of float
        Likelihood standard deviations, each > 0.
    n_restarts : int, default 5
    seed : int or None

    Returns
    -------
    ElboGrid
    """
    check_data(x)
    sigma = check_positive("sigma", sigma)
    Ks = np.array([check_int("Ks entry", K) for K in np.atleast_1d(Ks).tolist()])
    lams = np.array([check_positive("lams entry", lam) for lam in np.atleast_1d(lams).tolist()])
    if Ks.size == 0 or lams.size == 0:
        raise ValueError("Ks and lams must each hold at least one value")
    n_restarts = check_int("n_restarts", n_restarts)
    table = np.array([[cavi_restarts(x, int(K), sigma, lam=float(lam), n_restarts=n_restarts,
                                     seed=seed).best.elbo[-1] for lam in lams] for K in Ks])
    return ElboGrid(Ks=Ks, lams=lams, elbo=table)


@dataclass(frozen=True)
class ClusterMoments:
    """Responsibility-weighted moments of the points of each cluster (from :func:`cluster_moments`).

    Attributes
    ----------
    weight : ndarray, shape (K,)
        ``N_k / n``: each cluster's share of the points (the model fixes ``1/K``).
    mean : ndarray, shape (K, d)
        ``sum_i phi_ik x_i / N_k``.
    cov : ndarray, shape (K, d, d)
        ``sum_i phi_ik (x_i - mean_k)(x_i - mean_k)^T / N_k`` (the model fixes ``lam^2 I``).
    """

    weight: np.ndarray
    mean: np.ndarray
    cov: np.ndarray

    @property
    def sd(self) -> np.ndarray:
        """Spread of each cluster along each axis, ``sqrt(diag(cov_k))``; shape (K, d)."""
        return np.sqrt(np.einsum("kdd->kd", self.cov))

    @property
    def corr(self) -> np.ndarray:
        """Correlation matrices ``cov_k / (sd_k sd_k^T)``; shape (K, d, d)."""
        sd = self.sd
        return self.cov / (sd[:, :, None] * sd[:, None, :])


def cluster_moments(x, phi) -> ClusterMoments:
    """Share, mean and covariance of each cluster's points, weighted by the responsibilities.

    .. math::

        N_k = \\sum_i \\varphi_{ik}, \\qquad
        \\bar x_k = \\frac{1}{N_k}\\sum_i \\varphi_{ik} x_i, \\qquad
        C_k = \\frac{1}{N_k}\\sum_i \\varphi_{ik}(x_i - \\bar x_k)(x_i - \\bar x_k)^\\top .

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    phi : array, shape (n, K)
        Responsibilities (e.g. CAVI's ``phi``); rows sum to 1. Every cluster
        must own some weight (``N_k > 0``).

    Returns
    -------
    ClusterMoments
        Always with 2-D ``mean`` (K, d) and 3-D ``cov`` (K, d, d).
    """
    X, _ = check_data(x)
    phi = check_phi(phi, X.shape[0])
    N = phi.sum(axis=0)
    if np.any(N <= 0):
        raise ValueError("phi gives some cluster no weight (N_k = 0); its moments are undefined")
    mean = (phi.T @ X) / N[:, None]
    centred = X[None, :, :] - mean[:, None, :]                     # (K, n, d)
    cov = np.einsum("nk,kni,knj->kij", phi, centred, centred) / N[:, None, None]
    return ClusterMoments(weight=N / X.shape[0], mean=mean, cov=cov)
