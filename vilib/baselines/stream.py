"""Data that never sits in memory at once: minibatch streams and the ELBO over them.

:func:`simulate_stream` generates a stream of minibatches from the model;
:func:`elbo_at_optimal_phi` evaluates the ELBO of ``q(mu)`` over an array or a stream,
chunk by chunk, with every ``phi_i`` at its optimum. Used by :func:`vilib.svi`
(``book/scaling.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .._validation import check_data, check_int, check_means, check_positive, check_s2
from ..core.elbo import elbo_terms_from_stats, neg_entropy_from_stats
from ..core.updates import expected_sq_dist_after_move, phi_step


def _is_array(x) -> bool:
    """True for one data array (ndarray, or a list of numbers / of rows); False for minibatches.

    A list or tuple whose first element is an ndarray is read as a sequence of
    minibatches, like any other iterable (generator, :class:`SimulatedStream`).
    """
    if isinstance(x, np.ndarray):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and not isinstance(x[0], np.ndarray)


def _prepend(first, rest: Iterator) -> Iterator:
    """Yield ``first`` and then everything in ``rest``."""
    yield first
    yield from rest


def _chunks(x, chunk_size) -> Iterator[tuple[np.ndarray, bool]]:
    """2-D chunks of an array (views, no copy) or of an iterable of arrays."""
    if _is_array(x):
        X, one_d = check_data(x)
        for lo in range(0, X.shape[0], chunk_size):
            yield X[lo:lo + chunk_size], one_d
    else:
        for j, chunk in enumerate(x):
            try:
                yield check_data(chunk)
            except ValueError as err:
                raise ValueError(f"chunk {j} of x: {err}") from err


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
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    chunk_size = check_int("chunk_size", chunk_size)
    m = np.asarray(m, dtype=float)
    s2_arr = np.asarray(s2, dtype=float)
    n, sq_dist, neg_entropy, N, M, d = 0, 0.0, 0.0, None, None, None
    for Xc, one_d in _chunks(x, chunk_size):
        if M is None:
            d = Xc.shape[1]
            M = check_means(m, d=d, one_d=one_d)
            s2_arr = check_s2(s2_arr, M.shape[0])
            N = np.zeros(M.shape[0])
        elif Xc.shape[1] != d:
            raise ValueError(f"every chunk of x must have dimension {d}, got shape {Xc.shape}")
        local = phi_step(Xc, M, s2_arr, lam)
        # every statistic below is a sum over points, so chunks simply add up
        neg_entropy += neg_entropy_from_stats(local.phi_logit, local.sum_log_norm)
        N += local.N
        sq_dist += expected_sq_dist_after_move(local, M, s2_arr, M, lam)   # no move: at M
        n += Xc.shape[0]
    if n == 0:
        raise ValueError("x holds no points")
    terms = elbo_terms_from_stats(sq_dist, N, M, s2_arr, sigma, lam,
                                  neg_entropy_c=neg_entropy, n=n, d=d)
    return float(sum(terms.values()))


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
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    seed = check_int("seed", seed, minimum=0)
    mu = np.random.default_rng([seed, 0]).normal(0.0, sigma, size=(K, d))
    return SimulatedStream(n=n, K=K, sigma=sigma, d=d, lam=lam, batch_size=batch_size,
                           seed=seed, mu=mu[:, 0] if d == 1 else mu)
