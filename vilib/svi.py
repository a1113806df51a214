"""Stochastic variational inference (SVI; Hoffman, Blei, Wang & Paisley 2013).

CAVI updates every ``phi_i`` before it updates ``q(mu)``: one sweep touches all
``n`` points. SVI instead repeats a cheap *noisy* step on a minibatch ``B``:

1. **local step**: the phi update for the points of ``B`` only, under the
   current ``q(mu)`` (the same update as CAVI's);
2. **intermediate global parameters**: the CAVI update of ``q(mu_k)`` computed
   as if the data were ``n / |B|`` copies of the minibatch, in natural parameters

   .. math:: \\hat\\eta_{1k} = \\frac{n}{|B|}\\sum_{i\\in B}\\frac{\\varphi_{ik}x_i}{\\lambda^2},
             \\qquad
             \\hat\\eta_{2k} = -\\frac12\\Big(\\frac1{\\sigma^2}
                 + \\frac{n}{|B|}\\sum_{i\\in B}\\frac{\\varphi_{ik}}{\\lambda^2}\\Big);

3. **natural-gradient step** on the global natural parameters
   ``eta_1k = m_k / s2_k``, ``eta_2k = -1 / (2 s2_k)`` of ``q(mu_k) = N(m_k, s2_k I_d)``:

   .. math:: \\eta \\leftarrow (1 - \\rho_t)\\,\\eta + \\rho_t\\,\\hat\\eta
             = \\eta + \\rho_t\\,\\underbrace{(\\hat\\eta - \\eta)}_{\\text{natural gradient}},
             \\qquad \\rho_t = (t + \\tau)^{-\\kappa}.

``hat eta`` is an unbiased estimate of the full-data CAVI update, and the natural
gradient of the ELBO with respect to ``eta`` is exactly ``hat eta - eta`` (for the
full data), so ``rho = 1`` on the full data *is* the CAVI mu update. The
Robbins–Monro conditions ``sum rho_t = inf``, ``sum rho_t^2 < inf`` hold for
``tau >= 0`` and ``kappa`` in ``(0.5, 1]``; :func:`svi` refuses other values.

The local step, the statistics and the mean update are those of
:mod:`vilib.updates` (``phi_step``, ``mu_from_stats``); nothing is re-derived
here. Because a step only ever holds one minibatch, :func:`svi` also accepts an
*iterator* of minibatches and so fits data that never sits in memory at once
(:func:`simulate_stream` generates such a stream from the model).
"""

from __future__ import annotations

import itertools
import numbers
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from ._validation import (
    InputTypeError,
    check_data,
    check_data_extent,
    check_init,
    check_int,
    check_length,
    check_means,
    check_memory,
    check_positive,
    check_s2,
    check_scales,
    check_seed,
    length_unit,
    output_means,
    scaled,
)
from .cavi import cavi, kmeans_plus_plus
from .elbo import elbo_terms_from_stats
from .updates import mu_from_stats, phi_step

__all__ = [
    "SimulatedStream", "SviResult", "SviStep", "TimedTrace",
    "elbo_at_optimal_phi", "gap_curves", "intermediate_params", "mean_params", "natural_params",
    "plot_elbo_vs_time", "plot_gap_curves", "race", "simulate_stream", "step_sizes", "svi",
    "svi_step",
]


# ---------------------------------------------------------------- parameterisations
def natural_params(m, s2):
    """Natural parameters of ``q(mu_k) = N(m_k, s2_k I_d)``: ``eta1 = m / s2``, ``eta2 = -1 / (2 s2)``.

    With the sufficient statistics ``(mu, |mu|^2)`` the density is
    ``q(mu) ∝ exp(eta1 . mu + eta2 |mu|^2)``.

    Parameters
    ----------
    m : array, shape (K,) or (K, d)
    s2 : array, shape (K,), all > 0

    Returns
    -------
    eta1 : ndarray, the shape of ``m``
    eta2 : ndarray, shape (K,), all < 0
    """
    m = np.asarray(m, dtype=float)
    s2 = np.asarray(s2, dtype=float)
    per_row = s2 if m.ndim == 1 else s2[:, None]
    return m / per_row, -0.5 / s2


def mean_params(eta1, eta2):
    """Inverse of :func:`natural_params`: ``s2 = -1 / (2 eta2)``, ``m = s2 eta1``."""
    eta1 = np.asarray(eta1, dtype=float)
    eta2 = np.asarray(eta2, dtype=float)
    if np.any(eta2 >= 0):
        raise ValueError("eta2 must be < 0 in every entry (it is -1/(2 s2))")
    s2 = -0.5 / eta2
    return eta1 * (s2 if eta1.ndim == 1 else s2[:, None]), s2


# ---------------------------------------------------------------- step sizes
def check_step_size_params(tau, kappa) -> tuple[float, float]:
    """Validate the Robbins–Monro schedule ``rho_t = (t + tau)^(-kappa)``; return floats.

    ``tau >= 0`` delays (down-weights) the early, noisy steps; ``kappa`` in
    ``(0.5, 1]`` is the forgetting rate. Outside that range the step sizes either
    do not sum to infinity (``kappa > 1``: the iterates can stall before the
    optimum) or their squares do not sum to a finite value (``kappa <= 0.5``:
    the noise is never averaged away).
    """
    if isinstance(tau, (bool, np.bool_)) or not isinstance(tau, numbers.Real) \
            or not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be a finite number >= 0, got {tau!r}")
    if isinstance(kappa, (bool, np.bool_)) or not isinstance(kappa, numbers.Real) \
            or not np.isfinite(kappa) or not 0.5 < kappa <= 1:
        raise ValueError(
            f"kappa must be in (0.5, 1] (the Robbins–Monro conditions), got {kappa!r}")
    return float(tau), float(kappa)


def step_sizes(n_steps, *, tau=1.0, kappa=0.7) -> np.ndarray:
    """The step sizes ``rho_t = (t + tau)^(-kappa)`` for ``t = 1, ..., n_steps``.

    Counting from ``t = 1`` keeps every ``rho_t <= 1`` (so each step is a convex
    combination of the old and the intermediate parameters), and ``tau = 0``
    gives ``rho_1 = 1``: the first step jumps to the intermediate parameters.
    """
    n_steps = check_int("n_steps", n_steps)
    tau, kappa = check_step_size_params(tau, kappa)
    return (np.arange(1, n_steps + 1) + tau) ** -kappa


# ---------------------------------------------------------------- one step
def _intermediate(Xb, M, s2, n_total, sigma, lam):
    """``hat eta`` for the 2-D minibatch ``Xb`` (internal; no validation)."""
    scale = n_total / Xb.shape[0]
    local = phi_step(Xb, M, s2, lam)                       # the CAVI phi update, on B only
    M_hat, s2_hat = mu_from_stats(scale * local.N, scale * local.S, sigma, lam)
    return natural_params(M_hat, s2_hat)


def intermediate_params(x_batch, m, s2, sigma, *, n_total, lam=1.0):
    """The intermediate global parameters ``hat eta`` of one minibatch.

    The phi update for the minibatch under ``q(mu) = N(m, s2 I)``, then the CAVI
    mu update as if the data were ``n_total / |B|`` copies of the minibatch:

    .. math:: \\hat\\eta_{1k} = \\frac{n}{|B|}\\sum_{i\\in B}\\frac{\\varphi_{ik}x_i}{\\lambda^2},
              \\qquad
              \\hat\\eta_{2k} = -\\frac12\\Big(\\frac1{\\sigma^2}
                 + \\frac{n}{|B|}\\sum_{i\\in B}\\frac{\\varphi_{ik}}{\\lambda^2}\\Big).

    Averaged over uniformly drawn minibatches it equals the full-data CAVI update
    (in natural parameters): it is an unbiased estimate.

    Parameters
    ----------
    x_batch : array, shape (B,) or (B, d)
    m : array, shape (K,) for 1-D data or (K, d)
    s2 : array, shape (K,)
    sigma : float
        Prior standard deviation of the means.
    n_total : int
        Number of points ``n`` in the data set the minibatch was drawn from.
    lam : float, default 1.0

    Returns
    -------
    eta1_hat : ndarray, the shape of ``m``
    eta2_hat : ndarray, shape (K,)
    """
    Xb, M, s2, sigma, lam, n_total, one_d, u = _check_step_args(x_batch, m, s2, sigma, lam,
                                                                n_total)
    eta1, eta2 = _intermediate(Xb, M, s2, n_total, sigma, lam)
    # natural parameters have units 1/length (eta1 = m/s2) and 1/length^2 (eta2)
    return output_means(eta1 / u, one_d), eta2 / u**2


def _check_step_args(x_batch, m, s2, sigma, lam, n_total):
    """Validate the arguments of one step; return them in units of ``u`` (and ``u``)."""
    Xb, one_d, extent = check_data_extent(x_batch, "x_batch")
    M = check_means(m, d=Xb.shape[1], one_d=one_d)
    s2 = check_s2(s2, M.shape[0])
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    n_total = check_int("n_total", n_total)
    check_memory("x_batch", 8.0 * Xb.shape[0] * M.shape[0],
                 f"phi of shape ({Xb.shape[0]}, {M.shape[0]})")
    u = check_scales(lam, sigma=sigma, x_extent=extent, M=M, s2=s2, x_name="x_batch")
    return scaled(Xb, 1 / u), M / u, s2 / u**2, sigma / u, lam / u, n_total, one_d, u


def svi_step(x_batch, m, s2, sigma, *, n_total, rho, lam=1.0):
    """One SVI step: ``eta <- (1 - rho) eta + rho hat_eta``; returns the new ``(m, s2)``.

    ``eta`` are the natural parameters of ``N(m, s2 I)`` and ``hat_eta`` those of
    :func:`intermediate_params`. With ``rho = 1`` and the full data as the
    minibatch (``n_total = len(x_batch)``) this is the CAVI mu update after a
    phi update. Arguments as in :func:`intermediate_params`; ``rho`` in ``(0, 1]``.
    """
    rho = check_positive("rho", rho)
    if rho > 1:
        raise ValueError(f"rho must be in (0, 1], got {rho!r}")
    Xb, M, s2, sigma, lam, n_total, one_d, u = _check_step_args(x_batch, m, s2, sigma, lam,
                                                                n_total)
    eta1_hat, eta2_hat = _intermediate(Xb, M, s2, n_total, sigma, lam)
    eta1, eta2 = natural_params(M, s2)
    M, s2 = mean_params((1 - rho) * eta1 + rho * eta1_hat, (1 - rho) * eta2 + rho * eta2_hat)
    return output_means(M * u, one_d), s2 * u**2


# ---------------------------------------------------------------- the algorithm
@dataclass(frozen=True)
class SviStep:
    """The state after one SVI step, as passed to ``callback``.

    ``step`` counts from 1; ``rho`` is the step size just used; ``n_seen`` the
    number of data points processed so far (with repeats).
    """

    step: int
    m: np.ndarray
    s2: np.ndarray
    rho: float
    n_seen: int


@dataclass(frozen=True)
class SviResult:
    """The outcome of :func:`svi`.

    Attributes
    ----------
    m : ndarray (K,) or (K, d)
    s2 : ndarray (K,)
        The global variational parameters after the last step.
    n_steps : int
        Number of steps taken.
    n_seen : int
        Number of data points processed (the sum of the minibatch sizes).
    tau, kappa : float
        The step-size schedule ``rho_t = (t + tau)^(-kappa)``.
    """

    m: np.ndarray
    s2: np.ndarray
    n_steps: int
    n_seen: int
    tau: float
    kappa: float

    @property
    def rho(self) -> np.ndarray:
        """The step size of each step, ``(n_steps,)`` (computed on demand: a long stream
        keeps no per-step history, so its memory does not grow with the number of steps)."""
        return step_sizes(self.n_steps, tau=self.tau, kappa=self.kappa) if self.n_steps \
            else np.empty(0)


def _array_batches(X, batch_size, n_steps, rng) -> Iterator[np.ndarray]:
    """``n_steps`` minibatches of ``X``, each ``batch_size`` distinct rows drawn uniformly."""
    n = X.shape[0]
    for _ in range(n_steps):
        yield X[rng.choice(n, size=batch_size, replace=False)]


def _checked_batches(batches, d, one_d, lam=1.0) -> Iterator[np.ndarray]:
    """Validate each minibatch of an iterator as it arrives (never all at once); yield it
    in units of :func:`length_unit` ``(lam)``."""
    u = length_unit(lam)
    for j, batch in enumerate(batches):
        try:
            Xb, b_one_d, extent = check_data_extent(batch)
            check_scales(lam, x_extent=extent)
        except ValueError as err:
            raise type(err)(f"minibatch {j} of x: {err}") from err
        if Xb.shape[1] != d or (d == 1 and b_one_d != one_d):
            raise ValueError(f"minibatch {j} of x has shape {np.shape(batch)}; "
                             f"the first had {'(B,)' if one_d else f'(B, {d})'}")
        yield scaled(Xb, 1 / u)


def svi(x, K, sigma, *, lam=1.0, n_total=None, batch_size=None, n_steps=None,
        tau=1.0, kappa=0.7, seed=None, init=None,
        callback: Callable[[SviStep], None] | None = None) -> SviResult:
    """Stochastic variational inference for the mixture of Gaussians.

    Each step: the phi update on a minibatch, the intermediate global parameters
    ``hat eta`` (:func:`intermediate_params`), then the natural-gradient step
    ``eta <- (1 - rho_t) eta + rho_t hat_eta`` with ``rho_t = (t + tau)^(-kappa)``
    on the natural parameters ``eta1 = m / s2``, ``eta2 = -1 / (2 s2)``.

    Parameters
    ----------
    x : array of shape (n,) or (n, d), or an iterable of such minibatches
        An array: each step draws ``batch_size`` distinct points uniformly at
        random from it. An iterable (e.g. a generator, or a
        :class:`SimulatedStream`): each step takes its next minibatch, so only
        one minibatch is in memory at a time; the minibatches may differ in size.
    K : int
        Number of clusters.
    sigma : float
        Prior standard deviation of the means.
    lam : float, default 1.0
        Likelihood standard deviation.
    n_total : int, optional
        Number of points ``n`` of the whole data set (it scales each minibatch
        by ``n / |B|``). Required for an iterable; for an array it defaults to
        (and must equal) ``len(x)``.
    batch_size : int, optional
        Minibatch size when ``x`` is an array, at most ``len(x)``; default
        ``min(256, len(x))``.
    n_steps : int, optional
        Number of steps. Default: 1000 for an array; for an iterable, until it
        is exhausted.
    tau : float, default 1.0
        Delay ``tau >= 0`` of the step-size schedule.
    kappa : float, default 0.7
        Forgetting rate, in ``(0.5, 1]``.
    seed : int, Generator or None
        Random state of the minibatch sampling and of the k-means++ seeding.
    init : tuple (m0, s2_0) or None
        Starting global parameters; by default k-means++ seeding on the first
        minibatch and ``s2_0 = 1``.
    callback : callable, optional
        Called as ``callback(step)`` after every step with a :class:`SviStep`.

    Returns
    -------
    SviResult

    Raises
    ------
    ValueError
        On a bad argument (named in the message), e.g. ``kappa`` outside
        ``(0.5, 1]``, ``tau < 0``, an iterable without ``n_total``, or a
        minibatch whose dimension differs from the first one's.
    """
    K = check_int("K", K)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    tau, kappa = check_step_size_params(tau, kappa)
    if n_steps is not None:
        n_steps = check_int("n_steps", n_steps)
    if callback is not None and not callable(callback):
        raise InputTypeError("callback must be callable or None")
    rng = check_seed(seed)
    u = check_scales(lam, sigma=sigma)
    if isinstance(x, (str, bytes, numbers.Number)) or (
            not _is_array(x) and not hasattr(x, "__iter__")):
        raise InputTypeError(f"x must be an array or an iterable of minibatch arrays, "
                             f"got {type(x).__name__}")

    if _is_array(x):
        X, one_d, extent = check_data_extent(x)
        check_scales(lam, x_extent=extent)
        X = scaled(X, 1 / u)                       # in units of u: one pass, before the loop
        n, d = X.shape
        if n_total is not None and check_int("n_total", n_total) != n:
            raise ValueError(f"n_total must equal len(x) = {n} for an array x, got {n_total!r}")
        n_total = n
        batch_size = min(256, n) if batch_size is None else check_int("batch_size", batch_size)
        if batch_size > n:
            raise ValueError(f"batch_size must be at most len(x) = {n}, got {batch_size}")
        batches = _array_batches(X, batch_size, 1000 if n_steps is None else n_steps, rng)
        biggest = batch_size
    else:
        if n_total is None:
            raise ValueError("n_total (the number of points in the whole data set) is "
                             "required when x is an iterable of minibatches")
        n_total = check_int("n_total", n_total)
        raw = iter(x)
        try:
            first = next(raw)
        except StopIteration:
            raise ValueError("x is an empty iterable: no minibatch to learn from") from None
        X0, one_d = check_data(first, "minibatch 0 of x")
        d = X0.shape[1]
        batches = _checked_batches(_prepend(first, raw), d, one_d, lam)
        biggest = X0.shape[0]
    check_memory("K", 8.0 * K * biggest, f"phi of a minibatch, shape ({biggest}, {K})")

    batches = iter(batches)
    first_batch = next(batches)
    if init is None:
        M = kmeans_plus_plus(first_batch, K, rng)
        s2 = np.full(K, (lam / u) ** 2)            # s2_0 = lam^2, the likelihood's own scale
    else:
        M, s2 = check_init(init, K=K, d=d, one_d=one_d)
        check_scales(lam, M=M, s2=s2, m_name="init m0", s2_name="init s2_0")
        M, s2 = M / u, s2 / u**2

    eta1, eta2 = natural_params(M, s2)
    if not (np.all(np.isfinite(eta1)) and np.all(np.isfinite(eta2))):
        raise ValueError("init m0/s2_0 is too large to represent in natural parameters "
                         "(m0/s2_0 overflows)")
    t, n_seen = 0, 0
    stream = _prepend(first_batch, batches)
    if n_steps is not None:                 # never pull a minibatch that will not be used
        stream = itertools.islice(stream, n_steps)
    for t, Xb in enumerate(stream, start=1):
        rho = (t + tau) ** -kappa
        eta1_hat, eta2_hat = _intermediate(Xb, M, s2, n_total, sigma / u, lam / u)
        # the natural-gradient step: eta + rho (hat_eta - eta)
        eta1 = (1 - rho) * eta1 + rho * eta1_hat
        eta2 = (1 - rho) * eta2 + rho * eta2_hat
        M, s2 = mean_params(eta1, eta2)
        n_seen += Xb.shape[0]
        if callback is not None:
            callback(SviStep(t, output_means(M * u, one_d), s2 * u**2, rho, n_seen))

    return SviResult(m=output_means(M * u, one_d), s2=s2 * u**2, n_steps=t, n_seen=n_seen,
                     tau=tau, kappa=kappa)


def _is_array(x) -> bool:
    """True for one data array (ndarray, or a list of numbers / of rows); False for minibatches.

    A list or tuple whose first element is an ndarray is read as a sequence of
    minibatches, like any other iterable (generator, :class:`SimulatedStream`).
    """
    if isinstance(x, np.ndarray):
        return True
    return isinstance(x, (list, tuple)) and (len(x) == 0 or not isinstance(x[0], np.ndarray))


def _prepend(first, rest: Iterator) -> Iterator:
    """Yield ``first`` and then everything in ``rest``."""
    yield first
    yield from rest


# ---------------------------------------------------------------- evaluation
def _chunks(x, chunk_size) -> Iterator[tuple[np.ndarray, bool]]:
    """2-D chunks of an array (views, no copy) or of an iterable of arrays."""
    if isinstance(x, (str, bytes, numbers.Number)) or (
            not _is_array(x) and not hasattr(x, "__iter__")):
        raise InputTypeError(f"x must be an array or an iterable of arrays, got {type(x).__name__}")
    if _is_array(x):
        X, one_d, extent = check_data_extent(x)
        for lo in range(0, X.shape[0], chunk_size):
            yield X[lo:lo + chunk_size], one_d, extent
    else:
        for j, chunk in enumerate(x):
            try:
                yield check_data_extent(chunk)
            except ValueError as err:
                raise type(err)(f"chunk {j} of x: {err}") from err


def elbo_at_optimal_phi(x, m, s2, sigma, *, lam=1.0, chunk_size=1 << 16) -> float:
    """The ELBO of ``q(mu) = N(m, s2 I)`` with every ``q(c_i)`` at its optimum.

    That is ``ELBO(phi*, m, s2)`` with ``phi* = update_phi(x, m, s2)``: the value
    of the global parameters alone, the fair yardstick for comparing CAVI and
    SVI (SVI never holds a full ``phi``). Equal to
    ``vilib.elbo(x, vilib.update_phi(x, m, s2), m, s2, sigma, lam=lam)``, but
    computed chunk by chunk from additive statistics, so it needs memory for one
    chunk only and also accepts an iterable of chunks (a stream).

    Parameters
    ----------
    x : array of shape (n,) or (n, d), or an iterable of such chunks
    m : array, shape (K,) or (K, d)
    s2 : array, shape (K,)
    sigma : float
    lam : float, default 1.0
    chunk_size : int, default 65536
        Points per chunk when ``x`` is an array.

    Returns
    -------
    float
    """
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    chunk_size = check_int("chunk_size", chunk_size)
    u = check_scales(lam, sigma=sigma)
    n, sq_dist, neg_entropy, N, M, d = 0, 0.0, 0.0, None, None, None
    for Xc, one_d, extent in _chunks(x, chunk_size):
        if M is None:
            d = Xc.shape[1]
            M = check_means(m, d=d, one_d=one_d)
            s2_arr = check_s2(s2, M.shape[0])
            check_scales(lam, M=M, s2=s2_arr)
            M, s2_arr = M / u, s2_arr / u**2            # in units of u (a power of two near lam)
            N = np.zeros(M.shape[0])
        elif Xc.shape[1] != d:
            raise ValueError(f"x: every chunk must have dimension {d}, got shape {Xc.shape}")
        check_scales(lam, x_extent=extent)
        local = phi_step(scaled(Xc, 1 / u), M, s2_arr, lam / u)
        # every statistic below is a sum over points, so chunks simply add up
        neg_entropy += local.neg_entropy
        N += local.N
        sq_dist += float(local.phi_sqdist.sum())                          # at M itself
        n += Xc.shape[0]
    if n == 0:
        raise ValueError("x holds no points")
    terms = elbo_terms_from_stats(sq_dist, N, M, s2_arr, sigma / u, lam / u,
                                  neg_entropy_c=neg_entropy, n=n, d=d)
    return float(sum(terms.values())) - n * d * np.log(u)


# ---------------------------------------------------------------- a stream of data
@dataclass(frozen=True)
class SimulatedStream:
    """``n`` points from the model, generated minibatch by minibatch (see :func:`simulate_stream`).

    Iterating yields arrays of shape ``(b,)`` (``d = 1``) or ``(b, d)`` with
    ``b = batch_size`` (the last one may be smaller). Every iteration yields the
    same points (the generator is re-seeded), so the stream can be fitted once
    and evaluated again, and only one minibatch exists at a time.
    """

    n: int
    K: int
    sigma: float
    d: int
    lam: float
    batch_size: int
    seed: int
    mu: np.ndarray = field(repr=False)

    def __iter__(self) -> Iterator[np.ndarray]:
        rng = np.random.default_rng([self.seed, 1])
        mu = self.mu.reshape(self.K, self.d)
        for lo in range(0, self.n, self.batch_size):
            b = min(self.batch_size, self.n - lo)
            c = rng.integers(0, self.K, size=b)             # a uniform cluster per point ...
            xb = mu[c] + self.lam * rng.normal(size=(b, self.d))   # ... and the point around it
            yield xb[:, 0] if self.d == 1 else xb

    def __len__(self) -> int:
        """Number of minibatches."""
        return -(-self.n // self.batch_size)


def simulate_stream(n, K, sigma, *, batch_size=1000, d=1, lam=1.0, seed=None) -> SimulatedStream:
    """A stream of ``n`` points from the model, in minibatches of ``batch_size``.

    The means ``mu_k ~ N(0, sigma^2 I_d)`` are drawn once (``.mu``); each
    minibatch then draws a uniform cluster and ``x_i ~ N(mu_{c_i}, lam^2 I_d)``
    per point, as :func:`vilib.simulate` does, without ever holding more than
    one minibatch. Arguments as in :func:`vilib.simulate`; ``seed`` an int or None.
    """
    n = check_int("n", n)
    K = check_int("K", K)
    d = check_int("d", d)
    batch_size = check_int("batch_size", batch_size)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    check_memory("K", 8.0 * K * d, f"the means, shape ({K}, {d})")
    check_memory("batch_size", 8.0 * min(batch_size, n) * d * 3, f"a minibatch of shape ({batch_size}, {d})")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    seed = check_int("seed", seed, minimum=0)
    mu = np.random.default_rng([seed, 0]).normal(0.0, sigma, size=(K, d))
    return SimulatedStream(n=n, K=K, sigma=sigma, d=d, lam=lam, batch_size=batch_size,
                           seed=seed, mu=mu[:, 0] if d == 1 else mu)


# ---------------------------------------------------------------- CAVI and SVI against the clock
@dataclass(frozen=True)
class TimedTrace:
    """ELBO against wall-clock time of one run (see :func:`race`).

    seconds : (r,) time since the start of the run at each record
    elbo_per_point : (r,) ``elbo_at_optimal_phi(x, m, s2) / n`` at each record
    iterations : (r,) sweep (CAVI) or step (SVI) number of each record
    """

    method: str
    seconds: np.ndarray
    elbo_per_point: np.ndarray
    iterations: np.ndarray


def race(x, K, sigma, *, init, lam=1.0, cavi_max_iter=100, cavi_tol=1e-10, batch_size=500,
         n_steps=5000, tau=1.0, kappa=0.7, seed=0, n_records=30):
    """Run CAVI and SVI from the same start and record the ELBO against wall-clock time.

    The runs record ``(time, m, s2)`` in their callbacks (a copy of two small
    arrays); the ELBO of each record, ``elbo_at_optimal_phi``, is computed after
    the run, so it costs the run no time. CAVI records every sweep; SVI records
    ``n_records`` steps spaced geometrically (dense early, when it moves fast).

    Returns
    -------
    (TimedTrace, TimedTrace)
        CAVI's and SVI's.
    """
    n = len(x)
    records = {"CAVI": [], "SVI": []}
    svi_at = set(np.unique(np.geomspace(1, n_steps, n_records).astype(int)).tolist())

    def run(method, fit):
        start = time.perf_counter()

        def record(step):
            i = getattr(step, "iteration", None) or step.step
            if method == "CAVI" or i in svi_at:
                records[method].append((time.perf_counter() - start, i, step.m.copy(), step.s2.copy()))
        fit(record)

    run("CAVI", lambda cb: cavi(x, K, sigma, lam=lam, init=init, max_iter=cavi_max_iter,
                                tol=cavi_tol, callback=cb))
    run("SVI", lambda cb: svi(x, K, sigma, lam=lam, init=init, batch_size=batch_size,
                              n_steps=n_steps, tau=tau, kappa=kappa, seed=seed, callback=cb))
    return tuple(
        TimedTrace(method=method,
                   seconds=np.array([r[0] for r in recs]),
                   elbo_per_point=np.array([elbo_at_optimal_phi(x, r[2], r[3], sigma, lam=lam) / n
                                            for r in recs]),
                   iterations=np.array([r[1] for r in recs]))
        for method, recs in records.items())


def gap_curves(x, K, sigma, settings, *, init, best, lam=1.0, n_steps=400, seed=0, n_records=25):
    """ELBO gap per point ``best - ELBO/n`` along SVI runs with different settings.

    ``settings`` maps a label to keyword arguments of :func:`svi` (``tau``,
    ``kappa``, ``batch_size``). Every run starts at ``init`` with the same seed.
    Returns ``{label: (steps, points_seen, gap)}`` with the gap recorded at
    ``n_records`` geometrically spaced steps.
    """
    n = len(x)
    at = set(np.unique(np.geomspace(1, n_steps, n_records).astype(int)).tolist())
    out = {}
    for label, kwargs in settings.items():
        recs = []
        svi(x, K, sigma, lam=lam, init=init, n_steps=n_steps, seed=seed,
            callback=lambda s: recs.append((s.step, s.n_seen, s.m.copy(), s.s2.copy()))
            if s.step in at else None, **kwargs)
        out[label] = (np.array([r[0] for r in recs]), np.array([r[1] for r in recs]),
                      np.array([best - elbo_at_optimal_phi(x, r[2], r[3], sigma, lam=lam) / n
                                for r in recs]))
    return out


# ---------------------------------------------------------------- figures
def _axes(ncols=1, figsize=(7.0, 3.4)):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=figsize, facecolor="white", squeeze=False)
    return fig, axes[0]


def plot_elbo_vs_time(runs, *, floor=1e-6, ax=None, figsize=(7.0, 3.6)):
    """Distance to the best ELBO (nats per point) against wall-clock seconds, log-log.

    ``runs`` maps a label (e.g. ``"n = 10^5"``) to a pair of CAVI and SVI
    traces: :class:`TimedTrace` objects or dicts with ``seconds`` and
    ``elbo_per_point``. The best ELBO of a label is the highest value either
    method reached; gaps below ``floor`` are drawn at ``floor``. CAVI is drawn
    solid with dots (one per sweep), SVI dashed, one colour per label.
    """
    from .plotting import OKABE_ITO

    fig, ax = _axes(figsize=figsize) if ax is None else (ax.figure, [ax])
    ax = ax[0]
    for j, (label, pair) in enumerate(runs.items()):
        pair = [p if isinstance(p, dict) else p.__dict__ for p in pair]
        best = max(np.max(p["elbo_per_point"]) for p in pair)
        for p, style in zip(pair, ({"marker": "o", "markersize": 3, "linestyle": "-"},
                                   {"linestyle": "--"})):
            gap = np.maximum(best - np.asarray(p["elbo_per_point"]), floor)
            ax.plot(p["seconds"], gap, color=OKABE_ITO[j % len(OKABE_ITO)],
                    label=f"{p['method']}, {label}", **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("wall-clock time (s)")
    ax.set_ylabel("best ELBO − ELBO (nats per point)")
    ax.legend(fontsize="small", frameon=False, ncol=2 if len(runs) > 1 else 1)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_gap_curves(curves, *, x="steps", floor=1e-6, ax=None, title=None, figsize=(7.0, 3.4)):
    """Gap curves from :func:`gap_curves` against steps (``x="steps"``) or points seen."""
    from .plotting import OKABE_ITO

    fig, ax = _axes(figsize=figsize) if ax is None else (ax.figure, [ax])
    ax = ax[0]
    for j, (label, (steps, seen, gap)) in enumerate(curves.items()):
        ax.plot(steps if x == "steps" else seen, np.maximum(gap, floor),
                color=OKABE_ITO[j % len(OKABE_ITO)], marker="o", markersize=3, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("SVI step t" if x == "steps" else "data points processed")
    ax.set_ylabel("best ELBO − ELBO (nats/point)")
    if title:
        ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small", frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig
