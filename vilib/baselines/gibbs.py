"""A Gibbs sampler for the Bayesian mixture of Gaussians: the MCMC answer CAVI is compared with.

The model is the book's (Blei et al. 2017, sec. 3)::

    mu_k ~ N(0, sigma^2 I_d),   c_i ~ Categorical(1/K, ..., 1/K),   x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d)

Gibbs sampling draws from the posterior ``p(mu, c | x)`` by alternating the two
*complete conditionals*, the same two distributions whose log-expectations CAVI
uses (Blei et al. 2017, sec. 2.4), but here they are *sampled*, not averaged:

* **assignments given the means** (the points are conditionally independent):

  .. math::

      p(c_i = k \\mid \\mu, x) = \\frac{\\exp(x_i^\\top \\mu_k/\\lambda^2 - |\\mu_k|^2/(2\\lambda^2))}
          {\\sum_j \\exp(x_i^\\top \\mu_j/\\lambda^2 - |\\mu_j|^2/(2\\lambda^2))}

  (the factor ``exp(-|x_i|^2 / (2 lam^2))`` and the uniform prior ``1/K`` cancel);

* **means given the assignments** (the clusters are conditionally independent,
  and the prior is conjugate):

  .. math::

      p(\\mu_k \\mid c, x) = \\mathcal N\\big(a_k,\\, v_k I_d\\big), \\qquad
      v_k = \\Big(\\frac1{\\sigma^2} + \\frac{n_k}{\\lambda^2}\\Big)^{-1}, \\qquad
      a_k = v_k \\frac{T_k}{\\lambda^2},

  with ``n_k = #{i : c_i = k}`` and ``T_k = sum_{i : c_i = k} x_i``. It is the
  CAVI mean update with ``phi`` one-hot at ``c``, so it reuses
  :func:`vilib.core.updates.mu_from_stats`.

Both draws are vectorised: all ``n`` assignments at once (inverse-CDF sampling
on the row-wise cumulative sums of an ``(n, K)`` array of probabilities) and
all ``K`` means at once. Only the loop over Gibbs iterations is a Python loop,
because each iteration depends on the previous one.

The module also has the tools to *read* the draws honestly: Monte Carlo
standard errors by batch means (:func:`~vilib._util.mcse`), relabelling against a reference
to undo label switching (:meth:`GibbsResult.relabel`), the label-invariant
co-clustering matrix, and error-versus-wall-clock traces for comparing
Gibbs and CAVI at equal accuracy (:func:`gibbs_accuracy`, :func:`cavi_accuracy`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .._validation import (check_data_extent, check_int, check_length, check_means, check_memory,
                           check_scales, check_seed, check_work, output_means, scaled)
from ..core.init import gibbs_start
from .._util import MAX_PERMUTATION_K, categorical_draws, match_means, mcse  # noqa: F401
from ..model import log_joint_constant, log_joint_of
from ..core.updates import mu_from_stats

#: Largest ``K`` for which :meth:`GibbsResult.relabel` tries all ``K!`` permutations.
MAX_RELABEL_K = MAX_PERMUTATION_K


# ------------------------------------------------------------ the two conditionals
def _draw_assignments(X: np.ndarray, M: np.ndarray, lam: float, rng: np.random.Generator) -> np.ndarray:
    """One draw of every ``c_i`` from ``p(c_i | mu, x)``; internal 2-D shapes.

    Inverse-CDF sampling on cumulative sums, all rows at once: with weights
    ``w_ik ∝ p(c_i = k | mu, x)`` and cumulative sums ``W_ik = w_i1 + ... + w_ik``,
    draw ``u_i ~ Uniform(0, W_iK)`` and take the first ``k`` with ``W_ik > u_i``
    (= the number of ``k`` with ``W_ik <= u_i``). The row maximum of the logits is
    subtracted before ``exp`` so that far-away points cannot overflow. This needs
    ``n`` uniforms per sweep; the Gumbel-max trick would need ``n K`` Gumbel draws,
    which is slower for the same exact distribution.
    """
    # (K, n) layout: the reductions over k then run along the short first axis,
    # as K-row elementwise operations, which NumPy does much faster than K-wide rows
    inv_lam2 = 1.0 / lam**2
    logits = (M * inv_lam2) @ X.T - (0.5 * inv_lam2) * np.sum(M * M, axis=1)[:, None]
    return categorical_draws(np.exp(logits - logits.max(axis=0)), rng, axis=0)


def _assignment_stats(X: np.ndarray, c: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts ``n_k`` (K,) and sums ``T_k`` (K, d) of the points assigned to each cluster."""
    n_k = np.bincount(c, minlength=K).astype(float)
    # one bincount per coordinate: a loop over the d dimensions, not over the points
    T = np.stack([np.bincount(c, weights=X[:, j], minlength=K) for j in range(X.shape[1])], axis=1)
    return n_k, T


def _draw_means(X: np.ndarray, c: np.ndarray, K: int, sigma: float, lam: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One draw of every ``mu_k`` from ``p(mu_k | c, x) = N(a_k, v_k I)``.

    Returns the draw ``M`` (K, d) together with the conditional means ``a``
    (K, d) and variances ``v`` (K,), which the sampler keeps for the
    Rao–Blackwellised estimates.
    """
    a, v = mu_from_stats(*_assignment_stats(X, c, K), sigma, lam)
    return a + np.sqrt(v)[:, None] * rng.standard_normal(a.shape), a, v


def _check_labels(c, n: int, K: int) -> np.ndarray:
    c = np.asarray(c)
    if c.shape != (n,) or not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"c must be an integer array of shape ({n},), got {c.dtype} of shape {c.shape}")
    if n and (c.min() < 0 or c.max() >= K):
        raise ValueError(f"c must hold labels in [0, {K})")
    return c


def sample_assignments(x, mu, *, lam=1.0, seed=None) -> np.ndarray:
    """Draw every assignment from its complete conditional ``p(c_i | mu, x)``.

    .. math::

        p(c_i = k \\mid \\mu, x) \\propto
            \\exp\\Big(\\frac{x_i^\\top \\mu_k}{\\lambda^2} - \\frac{|\\mu_k|^2}{2\\lambda^2}\\Big),

    independently over ``i``; drawn for all points at once by inverse-CDF
    sampling on cumulative sums.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
        Data.
    mu : array, shape (K,) for 1-D ``x``, else (K, d)
        Current cluster means.
    lam : float, default 1.0
        Likelihood standard deviation.
    seed : int, Generator or None
        Random state.

    Returns
    -------
    c : ndarray of int, shape (n,)
        Labels in ``[0, K)``.
    """
    X, one_d, extent = check_data_extent(x)
    M = check_means(mu, d=X.shape[1], one_d=one_d, name="mu")
    lam = check_length("lam", lam)
    rng = check_seed(seed)
    check_memory("x", 8.0 * X.shape[0] * M.shape[0], f"the weights of shape ({X.shape[0]}, {M.shape[0]})")
    u = check_scales(lam, x_extent=extent, M=M, m_name="mu")
    return _draw_assignments(scaled(X, 1 / u), M / u, lam / u, rng)


def sample_means(x, c, K, sigma, *, lam=1.0, seed=None) -> np.ndarray:
    """Draw every mean from its complete conditional ``p(mu_k | c, x)``.

    .. math::

        \\mu_k \\mid c, x \\sim \\mathcal N(a_k, v_k I_d), \\qquad
        v_k = \\Big(\\frac1{\\sigma^2} + \\frac{n_k}{\\lambda^2}\\Big)^{-1}, \\qquad
        a_k = v_k \\frac{T_k}{\\lambda^2},

    with ``n_k`` and ``T_k`` the count and sum of the points labelled ``k``,
    independently over ``k`` (an empty cluster is drawn from the prior).

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
    c : array of int, shape (n,)
        Labels in ``[0, K)``.
    K : int
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
    seed : int, Generator or None

    Returns
    -------
    mu : ndarray, shape (K,) for 1-D ``x``, else (K, d)
    """
    X, one_d, extent = check_data_extent(x)
    K = check_int("K", K)
    check_memory("K", 8.0 * K * X.shape[1], f"means of shape ({K}, {X.shape[1]})")
    c = _check_labels(c, X.shape[0], K)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    rng = check_seed(seed)
    u = check_scales(lam, sigma=sigma, x_extent=extent)
    M = _draw_means(scaled(X, 1 / u), c, K, sigma / u, lam / u, rng)[0]
    return output_means(M * u, one_d)


# ------------------------------------------------------------ the sampler
@dataclass(frozen=True)
class GibbsResult:
    """Draws from :func:`gibbs` and the posterior summaries computed from them.

    Attributes
    ----------
    mu : ndarray, shape (S, K) for 1-D data, else (S, K, d)
        The kept draws of the means.
    c : ndarray of int, shape (S, n)
        The kept draws of the assignments (labels in ``[0, K)``).
    log_joint : ndarray, shape (S,)
        ``log p(mu, c, x)`` at each kept draw (a trace to watch for mixing).
    seconds : ndarray, shape (S,)
        Wall-clock seconds from the start of the run (burn-in included) until
        each kept draw was made.
    cond_mean : ndarray, same shape as ``mu``
        ``a_k^(s)``: mean of the conditional ``p(mu_k | c^(s), x)`` from which
        ``mu_k^(s)`` was drawn.
    cond_var : ndarray, shape (S, K)
        ``v_k^(s)``: its variance (per coordinate).
    burn_in, thin : int
        Iterations discarded at the start, and the spacing of kept draws.

    Notes
    -----
    Summaries over draws are only meaningful for quantities that do not
    depend on the arbitrary cluster labels, or after the labels have been
    made consistent: the posterior is symmetric under relabelling, and a chain
    that *switches labels* averages different clusters together. See
    :meth:`relabel` and :meth:`coclustering`.
    """

    mu: np.ndarray
    c: np.ndarray
    log_joint: np.ndarray
    seconds: np.ndarray
    cond_mean: np.ndarray
    cond_var: np.ndarray
    burn_in: int
    thin: int

    @property
    def n_samples(self) -> int:
        return self.mu.shape[0]

    @property
    def K(self) -> int:
        return self.mu.shape[1]

    @property
    def mean_mu(self) -> np.ndarray:
        """Posterior mean estimate ``E[mu_k | x] ≈ (1/S) sum_s mu_k^(s)``; shape (K,) or (K, d)."""
        return self.mu.mean(axis=0)

    @property
    def var_mu(self) -> np.ndarray:
        """Posterior variance estimate of each coordinate of each mean (``ddof=1``); shape of ``mean_mu``.

        For 1-D data it is directly comparable with CAVI's ``s2`` and with
        ``vilib.ExactPosterior.var_mu``.
        """
        return self.mu.var(axis=0, ddof=1)

    @property
    def rb_mean_mu(self) -> np.ndarray:
        """Rao–Blackwellised ``E[mu_k | x] ≈ (1/S) sum_s a_k^(s)``; shape of ``mean_mu``.

        Averages the conditional means instead of the draws: the same target,
        with the within-draw noise ``mu^(s) - a^(s)`` integrated out.
        """
        return self.cond_mean.mean(axis=0)

    def variance_decomposition(self) -> tuple[np.ndarray, np.ndarray]:
        """The two terms of the law of total variance, estimated from the draws.

        .. math::

            \\mathrm{Var}[\\mu_{kj} \\mid x]
            = \\underbrace{E[v_k(c) \\mid x]}_{\\text{within}}
            + \\underbrace{\\mathrm{Var}[a_{kj}(c) \\mid x]}_{\\text{between}},

        where ``N(a_k(c), v_k(c) I)`` is ``p(mu_k | c, x)``. *Within* is the
        uncertainty about ``mu_k`` left when the assignments are known;
        *between* is the part that comes from not knowing them. The mean-field
        family, with ``q(mu)`` independent of ``q(c)``, has no room for the
        second term.

        Returns
        -------
        within, between : ndarray, shape of ``mean_mu``
            Their sum is a (Rao–Blackwellised) estimate of ``Var[mu_kj | x]``.
        """
        within = self.cond_var.mean(axis=0)
        if self.cond_mean.ndim == 3:
            within = np.repeat(within[:, None], self.cond_mean.shape[2], axis=1)
        return within, self.cond_mean.var(axis=0, ddof=1)

    @property
    def mcse_mu(self) -> np.ndarray:
        """Monte Carlo standard error of :attr:`mean_mu` by batch means (:func:`~vilib._util.mcse`)."""
        return mcse(self.mu)

    @property
    def phi(self) -> np.ndarray:
        """Estimate of ``p(c_i = k | x)``: the fraction of draws with ``c_i = k``; shape (n, K)."""
        n = self.c.shape[1]
        # one bincount over (point, label) pairs: flat index i * K + c_i
        flat = np.arange(n)[None, :] * self.K + self.c
        counts = np.bincount(flat.ravel(), minlength=n * self.K).reshape(n, self.K)
        return counts / self.n_samples

    def coclustering(self) -> np.ndarray:
        """Estimate of ``p(c_i = c_j | x)`` for every pair, shape (n, n).

        Invariant under relabelling the clusters, so it can be compared with the
        exact posterior even when the chain switches labels (or when the exact
        ``phi`` is the uninformative ``1/K`` that symmetry forces).
        """
        out = np.zeros((self.c.shape[1],) * 2)
        for k in range(self.K):  # K small; each term is an (n, S) @ (S, n) product
            onehot = (self.c == k).astype(float)
            out += onehot.T @ onehot
        return out / self.n_samples

    def relabel(self, reference) -> "GibbsResult":
        """Permute the labels of every draw to match ``reference`` means.

        For each draw ``s`` choose the permutation ``pi`` of ``0..K-1`` that
        minimises ``sum_k |mu_{pi(k)}^(s) - ref_k|^2`` (all ``K!`` permutations
        are tried, vectorised over draws), then rename cluster ``pi(k)`` to
        ``k`` in both ``mu`` and ``c``. This undoes label switching when the
        clusters are separated enough to be told apart; when they are not, no
        labelling is right and only label-invariant summaries make sense.

        Parameters
        ----------
        reference : array, shape (K,) or (K, d)
            Means in the labelling wanted (e.g. CAVI's ``m``).

        Returns
        -------
        GibbsResult
            A copy with relabelled ``mu``, ``c``, ``cond_mean`` and ``cond_var``
            (``log_joint`` is unchanged: the joint density is symmetric under
            relabelling).
        """
        one_d = self.mu.ndim == 2
        Mu = self.mu[:, :, None] if one_d else self.mu            # (S, K, d)
        ref = check_means(reference, d=Mu.shape[2], one_d=one_d, name="reference", K=self.K)
        best = match_means(Mu, ref, what="relabel")              # (S, K): new label k <- old best[s, k]
        inverse = np.argsort(best, axis=1)                        # old label j -> new label inverse[s, j]

        def permute(A):                                           # (S, K[, d]) arrays
            idx = best if A.ndim == 2 else best[:, :, None]
            return np.take_along_axis(A, idx, axis=1)

        return replace(self, mu=permute(self.mu), c=np.take_along_axis(inverse, self.c, axis=1),
                       cond_mean=permute(self.cond_mean), cond_var=permute(self.cond_var))


def gibbs(x, K, sigma, *, lam=1.0, n_samples=2000, burn_in=500, thin=1, seed=None,
          init=None) -> GibbsResult:
    """Sample ``p(mu, c | x)`` by alternating the two complete conditionals.

    One iteration is

    1. ``c_i ~ p(c_i | mu, x)`` for all ``i`` at once,
       ``p(c_i = k | mu, x) ∝ exp(x_i.mu_k/lam^2 - |mu_k|^2/(2 lam^2))``;
    2. ``mu_k ~ N(a_k, v_k I)`` for all ``k`` at once, with
       ``v_k = 1/(1/sigma^2 + n_k/lam^2)`` and ``a_k = v_k T_k / lam^2``
       (count ``n_k`` and sum ``T_k`` of the points now labelled ``k``).

    The first ``burn_in`` iterations are discarded; after that every
    ``thin``-th draw is kept until ``n_samples`` are kept.

    Parameters
    ----------
    x : array, shape (n,) or (n, d)
        Data.
    K : int
        Number of clusters.
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    n_samples : int, default 2000
        Number of draws kept (>= 2).
    burn_in : int, default 500
        Iterations discarded first (>= 0).
    thin : int, default 1
        Keep every ``thin``-th iteration after burn-in.
    seed : int, Generator or None
        Random state (the whole run is reproducible from it).
    init : array, shape (K,) or (K, d), optional
        Starting means; by default k-means++ seeding on ``x`` (as :func:`vilib.cavi`).

    Returns
    -------
    GibbsResult
    """
    X, one_d, extent = check_data_extent(x)
    n, d = X.shape
    K = check_int("K", K)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    n_samples = check_int("n_samples", n_samples, minimum=2)
    burn_in = check_int("burn_in", burn_in, minimum=0)
    thin = check_int("thin", thin)
    rng = check_seed(seed)
    # the kept draws: means, conditional means and variances, labels
    check_memory("n_samples", 8.0 * n_samples * (2 * K * d + K + n + 2),
                 f"{n_samples} kept draws of K = {K} means and n = {n} labels")
    check_memory("K", 8.0 * K * n, f"the assignment weights of shape ({n}, {K})")
    check_work(K, n, burn_in + n_samples * thin, name="burn_in + n_samples * thin")
    explicit = init is not None and not isinstance(init, str)
    M = check_means(init, d=d, one_d=one_d, name="init", K=K) if explicit else None
    u = check_scales(lam, sigma=sigma, x_extent=extent, M=M, m_name="init")
    # sample in units of u (a power of two near lam, exact); draws are mapped back below
    X, sigma, lam = scaled(X, 1 / u), sigma / u, lam / u
    M = gibbs_start(init, X, K, sigma, rng, one_d=one_d) if M is None else M / u

    mus = np.empty((n_samples, K, d))
    cond_mean = np.empty((n_samples, K, d))
    cond_var = np.empty((n_samples, K))
    cs = np.empty((n_samples, n), dtype=np.intp)
    log_joint = np.empty(n_samples)
    seconds = np.empty(n_samples)
    constant = log_joint_constant(n, d, K, sigma, lam)
    kept = 0
    start = time.perf_counter()
    for it in range(burn_in + n_samples * thin):
        c = _draw_assignments(X, M, lam, rng)
        M, a, v = _draw_means(X, c, K, sigma, lam, rng)
        if it >= burn_in and (it - burn_in) % thin == 0:
            mus[kept], cs[kept], cond_mean[kept], cond_var[kept] = M, c, a, v
            log_joint[kept] = log_joint_of(X, c, M, sigma, lam, constant)
            seconds[kept] = time.perf_counter() - start
            kept += 1
    # back to the caller's units; log p(mu, c, x) shifts by the change of variables of mu and x
    mus, cond_mean, cond_var = mus * u, cond_mean * u, cond_var * u**2
    log_joint -= (n + K) * d * np.log(u)
    if one_d:
        mus, cond_mean = mus[:, :, 0], cond_mean[:, :, 0]
    return GibbsResult(mu=mus, c=cs, log_joint=log_joint, seconds=seconds,
                       cond_mean=cond_mean, cond_var=cond_var, burn_in=burn_in, thin=thin)
