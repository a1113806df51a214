"""Data that never sits in memory at once: minibatch streams and the ELBO over them.

:func:`simulate_stream` generates a stream of minibatches from the model;
:func:`elbo_at_optimal_phi` evaluates the ELBO of ``q(mu)`` over an array or a stream,
chunk by chunk, with every ``phi_i`` at its optimum. Used by :func:`vilib.svi`
(``book/scaling.md``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .._validation import (
    InputTypeError,
    check_data_extent,
    check_int,
    check_length,
    check_means,
    check_memory,
    check_s2,
    check_scales,
    scaled,
)
from ..core.elbo import elbo_terms_from_stats, neg_entropy_from_stats
from ..core.updates import phi_step


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
        neg_entropy += neg_entropy_from_stats(local.phi_logit_shifted, local.sum_log_norm_shifted)
        N += local.N
        sq_dist += float(local.phi_sqdist.sum())                          # at M itself
        n += Xc.shape[0]
    if n == 0:
        raise ValueError("x holds no points")
    terms = elbo_terms_from_stats(sq_dist, N, M, s2_arr, sigma / u, lam / u,
                                  neg_entropy_c=neg_entropy, n=n, d=d)
    return float(sum(terms.values()) - n * d * np.log(u))


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
    check_memory("batch_size", 8.0 * min(batch_size, n) * d * 3,
                 f"a minibatch of shape ({batch_size}, {d})")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    seed = check_int("seed", seed, minimum=0)
    mu = np.random.default_rng([seed, 0]).normal(0.0, sigma, size=(K, d))
    return SimulatedStream(n=n, K=K, sigma=sigma, d=d, lam=lam, batch_size=batch_size,
                           seed=seed, mu=mu[:, 0] if d == 1 else mu)
