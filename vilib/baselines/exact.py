"""The exact posterior of the mixture model on tiny data, by enumerating every assignment.

Given the assignments ``c``, the model is conjugate: the clusters are
independent and each mean has the Gaussian posterior

.. math::

    p(\\mu_k \\mid c, x) = \\mathcal N\\big(a_{ck},\\, v_{ck} I_d\\big), \\qquad
    v_{ck} = \\Big(\\frac1{\\sigma^2} + \\frac{n_k}{\\lambda^2}\\Big)^{-1}, \\qquad
    a_{ck} = v_{ck}\\, \\frac{T_k}{\\lambda^2},

with ``n_k`` the number of points and ``T_k`` their sum in cluster ``k`` under
``c`` (the CAVI mean update with ``phi`` one-hot at ``c``). The posterior over
assignments is ``p(c | x) = p(x, c) / p(x)`` with ``p(x, c)`` from
:func:`vilib.baselines.evidence.log_joint_by_assignment`, so the exact posterior of every
mean is a mixture of ``K^n`` Gaussians:

.. math:: p(\\mu_k \\mid x) = \\sum_c p(c \\mid x)\\, \\mathcal N(\\mu_k; a_{ck}, v_{ck} I_d).

Its mean and (per-coordinate) variance follow from the laws of total
expectation and total variance:

.. math::

    E[\\mu_k \\mid x] = \\sum_c p(c \\mid x)\\, a_{ck}, \\qquad
    \\mathrm{Var}[\\mu_{kj} \\mid x] = \\sum_c p(c \\mid x)\\, v_{ck}
        + \\sum_c p(c \\mid x)\\, a_{ckj}^2 - E[\\mu_{kj} \\mid x]^2 .

Everything costs ``K^n`` work and memory: this module is for checking
variational answers on data sets of a dozen points, not for fitting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .._util import all_permutations
from .._validation import check_data, check_means, check_memory, check_phi, check_s2, check_scales
from .evidence import _check_enumeration, log_joint_by_assignment
from ..model import LOG_2PI
from ..core.updates import mu_from_stats

#: Default limit on ``K^n`` for :func:`exact_posterior` and :func:`kl_to_posterior`.
#: Lower than :data:`vilib.baselines.evidence.MAX_ASSIGNMENTS` because the posterior keeps
#: every assignment's labels and conditional means in memory.
MAX_POSTERIOR_ASSIGNMENTS = 2**18  # 262,144: e.g. K = 2, n = 18 or K = 3, n = 11
_DENSITY_CHUNK = 2**12


def _conditional_posteriors(X: np.ndarray, labels: np.ndarray, K: int, sigma: float, lam: float):
    """``a (c, K, d)`` and ``v (c, K)``: the Gaussian ``p(mu_k | c, x)`` for each row of ``labels``."""
    onehot = (labels[:, :, None] == np.arange(K)).astype(float)     # (c, n, K)
    n_k = onehot.sum(axis=1)                                        # (c, K)
    T = np.einsum("cnk,nd->ckd", onehot, X)                         # (c, K, d)
    # mu_from_stats works on one (K,) / (K, d) set of statistics; the formula is
    # elementwise in k, so flattening assignments and clusters together reuses it.
    M, v = mu_from_stats(n_k.reshape(-1), T.reshape(-1, X.shape[1]), sigma, lam)
    return M.reshape(T.shape), v.reshape(n_k.shape)


@dataclass(frozen=True)
class ExactPosterior:
    """The exact posterior ``p(mu, c | x)`` of a tiny data set (from :func:`exact_posterior`).

    Attributes
    ----------
    log_evidence : float
        ``log p(x)``.
    labels : ndarray of int, shape (K^n, n)
        Every assignment ``c``, one per row (row ``j`` holds the base-``K``
        digits of ``j``).
    log_prob : ndarray, shape (K^n,)
        ``log p(c | x)`` for each row of ``labels``.
    phi : ndarray, shape (n, K)
        Exact marginals ``p(c_i = k | x)``, comparable with CAVI's ``phi``.
    mean_mu : ndarray, shape (K,) for 1-D data, else (K, d)
        ``E[mu_k | x]``.
    var_mu : ndarray, same shape as ``mean_mu``
        ``Var[mu_kj | x]``, the posterior variance of each coordinate of each
        mean (law of total variance over assignments). For 1-D data it is
        directly comparable with CAVI's ``s2``.
    cond_mean : ndarray, shape (K^n, K, d)
        ``a_ck``: mean of the Gaussian ``p(mu_k | c, x)`` for each assignment.
    cond_var : ndarray, shape (K^n, K)
        ``v_ck``: variance of each coordinate of ``p(mu_k | c, x)``.

    Notes
    -----
    The model is symmetric under relabelling the clusters, so for every
    assignment its ``K!`` relabelled copies have the same probability: the
    exact ``phi`` is often close to ``1/K`` everywhere and the exact ``mean_mu``
    close to the same value for every ``k``, even on well-separated data. That is
    the posterior, not a bug. To compare with a single-mode answer (CAVI, Gibbs),
    use :meth:`aligned`, which relabels every assignment to match a reference ``phi``.
    """

    log_evidence: float
    labels: np.ndarray
    log_prob: np.ndarray
    phi: np.ndarray
    mean_mu: np.ndarray
    var_mu: np.ndarray
    cond_mean: np.ndarray
    cond_var: np.ndarray

    @property
    def prob(self) -> np.ndarray:
        """``p(c | x)`` for each row of ``labels``."""
        return np.exp(self.log_prob)

    def aligned(self, phi_ref) -> "ExactPosterior":
        """The posterior with every assignment relabelled to agree best with ``phi_ref``.

        The model cannot tell cluster 1 from cluster 2: ``p(c | x)`` is unchanged
        when the labels of ``c`` are permuted, so the posterior of the means has
        ``K!`` mirror-image modes and ``mean_mu`` is the same for every ``k``.
        A mean-field ``q`` (CAVI, or a Gibbs run that never switches labels)
        describes one of them. To compare like with like, each assignment ``c``
        is relabelled by the permutation ``pi`` of ``{0..K-1}`` that maximises
        the agreement ``sum_i phi_ref[i, pi(c_i)]`` (first maximiser on ties), and
        keeps its probability ``p(c | x)``. The result is again a probability
        distribution over assignments (now with repeated rows) and over means;
        on well-separated data it is the posterior restricted to the mode that
        ``phi_ref`` sits in, renormalised.

        Parameters
        ----------
        phi_ref : array, shape (n, K)
            Reference responsibilities, e.g. CAVI's ``phi``.

        Returns
        -------
        ExactPosterior
            Same ``log_evidence`` and ``log_prob``; relabelled ``labels``,
            ``phi``, ``mean_mu``, ``var_mu``, ``cond_mean``, ``cond_var``.
        """
        n = self.labels.shape[1]
        K = self.cond_var.shape[1]
        phi_ref = check_phi(phi_ref, n, K)
        n_perms = math.factorial(K)
        # the score table below holds K! x K^n x n label indices: refuse up front
        check_memory("phi_ref", 8.0 * n_perms * self.labels.shape[0] * n,
                     f"aligning over all K! = {K}! = {n_perms} relabellings of "
                     f"{self.labels.shape[0]} assignments")
        perms = all_permutations(K, what="aligned")                     # (K!, K)
        # score[p, c] = sum_i phi_ref[i, perms[p][labels[c, i]]], vectorised over
        # permutations and assignments (K! <= 24 for the K this module can enumerate)
        relabelled = perms[:, self.labels]                              # (K!, c, n)
        score = phi_ref[np.arange(n), relabelled].sum(axis=2)          # (K!, c)
        best = np.argmax(score, axis=0)                                 # (c,)
        perm = perms[best]                                              # (c, K): old label -> new
        labels = np.take_along_axis(perm, self.labels, axis=1)
        # cluster k of the old labelling becomes cluster perm[c, k]: scatter the
        # conditional posteriors to their new positions
        inverse = np.argsort(perm, axis=1)                              # new label -> old
        cond_mean = np.take_along_axis(self.cond_mean, inverse[:, :, None], axis=1)
        cond_var = np.take_along_axis(self.cond_var, inverse, axis=1)
        one_d = self.mean_mu.ndim == 1
        return _summarise(self.log_evidence, labels, self.log_prob, cond_mean, cond_var, K, one_d)

    def density_mu(self, k: int, grid, *, coord: int = 0) -> np.ndarray:
        """Exact posterior density of coordinate ``coord`` of ``mu_k`` on ``grid``.

        .. math:: p(\\mu_{kj} = t \\mid x) = \\sum_c p(c \\mid x)\\,
                  \\mathcal N(t;\\, a_{ckj},\\, v_{ck}),

        a mixture of ``K^n`` one-dimensional Gaussians (coordinates of an
        isotropic Gaussian are independent, so each coordinate's marginal is
        the same mixture of its coordinate's Gaussians).

        Parameters
        ----------
        k : int
            Cluster, in ``[0, K)``.
        grid : array, shape (G,)
            Points at which to evaluate the density.
        coord : int, default 0
            Coordinate ``j`` of ``mu_k`` (in ``[0, d)``).

        Returns
        -------
        ndarray, shape (G,)
        """
        K = self.cond_var.shape[1]
        d = self.cond_mean.shape[2]
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 0 <= k < K:
            raise ValueError(f"k must be an integer in [0, {K}), got {k!r}")
        if isinstance(coord, (bool, np.bool_)) or not isinstance(coord, (int, np.integer)) \
                or not 0 <= coord < d:
            raise ValueError(f"coord must be an integer in [0, {d}), got {coord!r}")
        grid = np.asarray(grid, dtype=float)
        if grid.ndim != 1 or not np.all(np.isfinite(grid)):
            raise ValueError("grid must be a finite 1-D array")
        a = self.cond_mean[:, k, coord]
        v = self.cond_var[:, k]
        w = self.prob
        out = np.zeros(grid.shape)
        # chunk over assignments: a (K^n, G) array could be hundreds of MB
        for start in range(0, len(w), _DENSITY_CHUNK):
            sl = slice(start, start + _DENSITY_CHUNK)
            z2 = (grid[None, :] - a[sl, None]) ** 2 / v[sl, None]
            out += w[sl] @ np.exp(-0.5 * (z2 + LOG_2PI + np.log(v[sl, None])))
        return out


def exact_posterior(x, K, sigma, *, lam=1.0,
                    max_assignments=MAX_POSTERIOR_ASSIGNMENTS) -> ExactPosterior:
    """The exact posterior ``p(mu, c | x)``, enumerating all ``K^n`` assignments.

    ``p(c | x) = p(x, c) / p(x)`` with ``p(x, c)`` from
    :func:`vilib.baselines.evidence.log_joint_by_assignment` (means integrated out), and
    ``p(mu_k | c, x) = N(a_ck, v_ck I)`` with ``v_ck = 1/(1/sigma^2 + n_k/lam^2)``,
    ``a_ck = v_ck T_k / lam^2``. Then ``E[mu_k | x] = sum_c p(c|x) a_ck`` and
    ``Var[mu_kj | x] = sum_c p(c|x) (v_ck + a_ckj^2) - E[mu_kj | x]^2``.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    K : int
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    max_assignments : int, default 2**18
        Refuse (``ValueError``) when ``K^n`` exceeds this.

    Returns
    -------
    ExactPosterior
    """
    X, K, sigma, lam, u = _check_enumeration(x, K, sigma, lam, max_assignments)
    _, one_d = check_data(x)
    n, d = X.shape
    # every assignment keeps its labels, one-hot table and conditional posteriors
    check_memory("max_assignments", 8.0 * K**n * (2 * n * K + 2 * K * d + n + K + 2),
                 f"the exact posterior's tables for K^n = {K}^{n} assignments")
    chunks = list(log_joint_by_assignment(X, K, sigma, lam))
    labels = np.concatenate([lab for lab, _ in chunks])
    log_joint = np.concatenate([lj for _, lj in chunks])
    log_px = float(logsumexp(log_joint))
    log_prob = log_joint - log_px

    # computed in units of u; back in the caller's units (means by u, variances by u^2)
    a, v = _conditional_posteriors(X, labels, K, sigma, lam)
    return _summarise(float(log_px - X.size * np.log(u)), labels, log_prob, a * u, v * u**2, K, one_d)


def _summarise(log_px, labels, log_prob, a, v, K, one_d) -> ExactPosterior:
    """Marginals ``phi`` and the moments of the means from the per-assignment posteriors."""
    w = np.exp(log_prob)
    n = labels.shape[1]
    # phi_ik = sum over assignments with c_i = k of p(c | x)
    phi = np.zeros((n, K))
    np.add.at(phi, (np.broadcast_to(np.arange(n), labels.shape), labels),
              np.broadcast_to(w[:, None], labels.shape))
    mean = np.einsum("c,ckd->kd", w, a)
    second = np.einsum("c,ck->k", w, v)[:, None] + np.einsum("c,ckd->kd", w, a**2)
    # total variance: E[Var | c] + Var[E | c]; clip tiny negative round-off
    var = np.maximum(second - mean**2, 0.0)
    if one_d:
        mean, var = mean[:, 0], var[:, 0]
    return ExactPosterior(log_evidence=log_px, labels=labels, log_prob=log_prob, phi=phi,
                          mean_mu=mean, var_mu=var, cond_mean=a, cond_var=v)


def kl_to_posterior(x, phi, m, s2, sigma, *, lam=1.0,
                    max_assignments=MAX_POSTERIOR_ASSIGNMENTS) -> float:
    """``KL(q(mu, c) || p(mu, c | x))`` by enumeration, without using the ELBO.

    With ``q(c) = prod_i phi_{i c_i}`` and ``q(mu) = prod_k N(m_k, s2_k I_d)``,
    split ``p(mu, c | x) = p(c | x) p(mu | c, x)``:

    .. math::

        \\mathrm{KL}(q \\,\\|\\, p) = \\sum_c q(c) \\Big[\\log q(c) - \\log p(c \\mid x)
            + \\sum_k \\mathrm{KL}\\big(\\mathcal N(m_k, s_k^2 I_d) \\,\\|\\,
              \\mathcal N(a_{ck}, v_{ck} I_d)\\big)\\Big],

    where ``p(mu_k | c, x) = N(a_ck, v_ck I_d)`` (see :mod:`vilib.baselines.exact`) and the
    Gaussian KL is in closed form,

    .. math::

        \\mathrm{KL}\\big(\\mathcal N(m, s^2 I_d) \\,\\|\\, \\mathcal N(a, v I_d)\\big)
        = \\frac d2 \\Big(\\frac{s^2}{v} - 1 - \\log\\frac{s^2}{v}\\Big)
          + \\frac{|m - a|^2}{2 v}.

    Terms with ``q(c) = 0`` contribute 0. Because the ELBO satisfies
    ``log p(x) = ELBO(q) + KL(q || p)``, this is an independent check of
    :func:`vilib.elbo` (and the other way round).

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    phi : array, shape (n, K), rows summing to 1
    m : array, shape (K,) for 1-D ``x`` or (K, d)
    s2 : array, shape (K,), all > 0
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    max_assignments : int, default 2**18
        Refuse (``ValueError``) when ``K^n`` exceeds this.

    Returns
    -------
    float
        The KL divergence (``>= 0``).
    """
    X, one_d = check_data(x)
    n, d = X.shape
    M = check_means(m, d=d, one_d=one_d)
    K = M.shape[0]
    s2 = check_s2(s2, K)
    phi = check_phi(phi, n, K)
    X, K, sigma, lam, u = _check_enumeration(x, K, sigma, lam, max_assignments)
    check_scales(lam * u, M=M, s2=s2)
    M, s2 = M / u, s2 / u**2          # KL is unit-free: compare in the units of X
    with np.errstate(divide="ignore"):
        log_phi = np.log(phi)                                # -inf where phi = 0

    chunks = list(log_joint_by_assignment(X, K, sigma, lam))
    log_px = logsumexp(np.concatenate([lj for _, lj in chunks]))
    total = 0.0
    rows = np.arange(n)
    for labels, log_joint in chunks:
        log_q = log_phi[rows, labels].sum(axis=1)           # log q(c), (c,)
        keep = np.isfinite(log_q)                           # q(c) = 0 terms contribute 0
        if not np.any(keep):
            continue
        labels, log_q, log_p = labels[keep], log_q[keep], log_joint[keep] - log_px
        a, v = _conditional_posteriors(X, labels, K, sigma, lam)
        ratio = s2[None, :] / v                              # (c, K)
        kl_mu = (0.5 * d * (ratio - 1.0 - np.log(ratio))
                 + np.sum((M[None] - a) ** 2, axis=2) / (2 * v)).sum(axis=1)
        total += float(np.exp(log_q) @ (log_q - log_p + kl_mu))
    return total
