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
:mod:`vilib.core.updates` (``phi_step``, ``mu_from_stats``); nothing is re-derived
here. Because a step only ever holds one minibatch, :func:`svi` also accepts an
*iterator* of minibatches and so fits data that never sits in memory at once
(:func:`simulate_stream` generates such a stream from the model).
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .._validation import (
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
from ..core.init import variational_start
from ..core.updates import mu_from_stats, phi_step
from .stream import _is_array, _prepend

__all__ = [
    "SviResult", "SviStep", "intermediate_params", "mean_params", "natural_params",
    "step_sizes", "svi", "svi_step",
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
    in units of ``length_unit(lam)``."""
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
        minibatch and ``s2_0 = lam^2`` (the start follows the data's units).
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
    M = M0 = None
    if init is not None and not isinstance(init, str):
        M0, s20 = check_init(init, K=K, d=d, one_d=one_d)
        check_scales(lam, M=M0, s2=s20, m_name="init m0", s2_name="init s2_0")
        M, s2 = M0 / u, s20 / u**2
    else:                                      # seeded; s2_0 = lam^2, the likelihood's own scale
        M, s2 = variational_start(init, first_batch, K, sigma / u, rng, one_d=one_d, lam=lam / u)

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
