"""Known-WRONG formulas, kept on purpose for teaching, and the check that catches them.

Nothing in this module is used by :func:`vilib.cavi`. Each function reproduces a
mistake that is easy to make (or that circulates in a widely copied tutorial),
so the book can *show* what goes wrong and how to detect it:

* :func:`naive_update_phi` normalises ``exp(logits)`` directly. The formula is
  right, the arithmetic is not: the exponential overflows for large data and the
  result is ``nan``. :func:`vilib.update_phi` uses the log-sum-exp trick.
* :func:`tutorial_mu_term_with_bug` and :func:`tutorial_elbo_with_bug` compute the
  prior-plus-entropy term of ``q(mu_k)`` as ``log s2_k - m_k / sigma^2``. The right
  term is :func:`mu_prior_plus_entropy`,
  ``(1/2) log s2_k - (m_k^2 + s2_k) / (2 sigma^2) + const``.
* :func:`elbo_decreases` is the monotonicity check: coordinate ascent can never
  lower the true ELBO, so any sweep that lowers the computed "ELBO" by more than
  round-off points to a bug in the ELBO code or in an update.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_data, check_means, check_positive, check_s2
from ..core.cavi import cavi
from ..core.elbo import elbo_terms

__all__ = [
    "naive_update_phi",
    "mu_prior_plus_entropy",
    "tutorial_mu_term_with_bug",
    "tutorial_elbo_with_bug",
    "elbo_traces",
    "elbo_decreases",
]


def naive_update_phi(x, m, s2, *, lam=1.0) -> np.ndarray:
    """NUMERICALLY WRONG phi update: normalises ``exp(logits)`` without shifting them.

    The formula is the right one,

    .. math:: \\varphi_{ik} = \\frac{\\exp(a_{ik})}{\\sum_j \\exp(a_{ij})}, \\qquad
              a_{ik} = \\frac{x_i^\\top m_k}{\\lambda^2} - \\frac{d s_k^2 + m_k^\\top m_k}{2\\lambda^2},

    but ``exp(a_ik)`` overflows to ``inf`` once ``a_ik > 709`` (and underflows to
    0 for every ``k`` once all ``a_ik < -745``), giving ``inf / inf = nan`` or
    ``0 / 0 = nan``. Kept to show why :func:`vilib.update_phi` works with
    ``a_ik - max_j a_ij`` instead. Arguments as in :func:`vilib.update_phi`.
    NumPy emits overflow / invalid-value warnings here; wrap calls in
    ``np.errstate`` to silence them.
    """
    X, one_d = check_data(x)
    M = check_means(m, d=X.shape[1], one_d=one_d)
    s2 = check_s2(s2, M.shape[0])
    lam = check_positive("lam", lam)
    d = X.shape[1]
    logits = X @ (M.T / lam**2) - (d * s2 + np.sum(M**2, axis=1)) / (2 * lam**2)
    w = np.exp(logits)                       # the bug: no shift by the row maximum
    return w / w.sum(axis=1, keepdims=True)


def _check_1d_means(m, s2, sigma):
    m = np.asarray(m, dtype=float)
    if m.ndim != 1 or m.size == 0 or not np.all(np.isfinite(m)):
        raise ValueError(f"m must be a finite 1-D array of shape (K,), got shape {m.shape}")
    return m, check_s2(s2, m.size), check_positive("sigma", sigma)


def mu_prior_plus_entropy(m, s2, sigma) -> float:
    """The RIGHT prior-plus-entropy term of the ``q(mu_k)`` (1-D), every constant kept.

    .. math:: \\sum_k \\Big(E_q[\\log p(\\mu_k)] - E_q[\\log q(\\mu_k)]\\Big)
              = \\sum_k \\Big(\\tfrac12 \\log s_k^2 - \\frac{m_k^2 + s_k^2}{2\\sigma^2}
              + \\tfrac12 - \\log \\sigma\\Big),

    from ``E[log p(mu_k)] = -log(2 pi sigma^2)/2 - (m_k^2 + s2_k)/(2 sigma^2)`` and
    ``-E[log q(mu_k)] = log(2 pi e s2_k)/2``: the ``log 2 pi`` cancel. It equals
    ``elbo_terms(...)["log_p_mu"] + elbo_terms(...)["entropy_mu"]`` for 1-D data.

    Parameters
    ----------
    m : array, shape (K,)
    s2 : array, shape (K,), all > 0
    sigma : float
        Prior standard deviation.
    """
    m, s2, sigma = _check_1d_means(m, s2, sigma)
    return float(np.sum(0.5 * np.log(s2) - (m**2 + s2) / (2 * sigma**2) + 0.5 - np.log(sigma)))


def tutorial_mu_term_with_bug(m, s2, sigma) -> float:
    """WRONG: the widely copied tutorial's prior-plus-entropy term ``sum_k log s2_k - m_k/sigma^2``.

    Two slips against the right term (:func:`mu_prior_plus_entropy`):
    the entropy of ``N(m_k, s2_k)`` contributes ``(1/2) log s2_k``, not ``log s2_k``;
    and ``E_q[log p(mu_k)]`` involves ``E_q[mu_k^2] = m_k^2 + s2_k`` divided by
    ``2 sigma^2``, not ``m_k / sigma^2``. The difference depends on ``m_k`` and
    ``s2_k``, so it is not a harmless constant: CAVI does not maximise this
    expression, and it can go down from one sweep to the next.
    """
    m, s2, sigma = _check_1d_means(m, s2, sigma)
    return float(np.sum(np.log(s2) - m / sigma**2))


def tutorial_elbo_with_bug(x, phi, m, s2, sigma, *, lam=1.0) -> float:
    """WRONG "ELBO": :func:`vilib.elbo` with the ``q(mu_k)`` term replaced by the tutorial's bug.

    .. math:: \\text{buggy ELBO} = \\sum_i E[\\log p(c_i)] + \\sum_i E[\\log p(x_i \\mid c_i, \\mu)]
              - \\sum_i E[\\log q(c_i)] + \\sum_k \\big(\\log s_k^2 - m_k/\\sigma^2\\big).

    The first three terms are the right ones (from :func:`vilib.elbo_terms`);
    only the last is wrong. 1-D data only (the tutorial's setting).

    Parameters
    ----------
    x : array, shape (n,)
    phi : array, shape (n, K)
    m, s2 : arrays, shape (K,)
    sigma, lam : float

    Returns
    -------
    float
        Not a lower bound on anything; kept to show that a monotonicity check
        (:func:`elbo_decreases`) exposes it.
    """
    X, one_d = check_data(x)
    if X.shape[1] != 1:
        raise ValueError(f"x must be 1-D data (the tutorial's setting), got shape {np.shape(x)}")
    terms = elbo_terms(x, phi, m, s2, sigma, lam=lam)
    right_part = terms["log_p_c"] + terms["log_p_x"] + terms["entropy_c"]
    return float(right_part + tutorial_mu_term_with_bug(np.ravel(m), s2, sigma))


def elbo_traces(x, K, sigma, *, lam=1.0, max_iter=50, seed=None, init=None):
    """Run :func:`vilib.cavi` and record the right ELBO and the tutorial's buggy one per sweep.

    Parameters
    ----------
    x : array, shape (n,)
        1-D data.
    K : int
    sigma, lam : float
    max_iter : int, default 50
        Number of sweeps (all are run: no convergence test, so both traces
        have length ``max_iter``).
    seed, init
        Passed to :func:`vilib.cavi`.

    Returns
    -------
    right, buggy : ndarray, shape (max_iter,)
        ``right[t]`` is :func:`vilib.elbo` after sweep ``t + 1`` (the trace
        :func:`vilib.cavi` returns) and ``buggy[t]`` is
        :func:`tutorial_elbo_with_bug` at the same variational parameters.
    """
    X, _ = check_data(x)
    if X.shape[1] != 1:
        raise ValueError(f"x must be 1-D data (the tutorial's setting), got shape {np.shape(x)}")
    buggy = []

    def record(step):
        buggy.append(tutorial_elbo_with_bug(x, step.phi, step.m, step.s2, sigma, lam=lam))

    result = cavi(x, K, sigma, lam=lam, max_iter=max_iter, tol=None, seed=seed, init=init,
                  callback=record)
    return result.elbo, np.asarray(buggy)


def elbo_decreases(trace, *, rtol=1e-10) -> np.ndarray:
    """The monotonicity check: sweeps where an ELBO trace goes DOWN by more than round-off.

    CAVI maximises the ELBO exactly in one block of parameters at a time, so the
    true ELBO is non-decreasing from sweep to sweep. A drop
    ``trace[t] < trace[t-1] - rtol * |trace[t-1]|`` therefore means that the code
    computing the trace, or an update, does not match the ELBO.

    Parameters
    ----------
    trace : array, shape (T,)
        ELBO values after sweeps ``1..T``.
    rtol : float, default 1e-10
        Relative size of a drop still blamed on floating-point round-off.

    Returns
    -------
    ndarray of int
        The (0-based) indices ``t`` with ``trace[t]`` below ``trace[t-1]``; empty
        when the trace passes the check.
    """
    trace = np.asarray(trace, dtype=float)
    if trace.ndim != 1 or not np.all(np.isfinite(trace)):
        raise ValueError("trace must be a finite 1-D array")
    rtol = check_positive("rtol", rtol)
    drop = trace[:-1] - trace[1:]
    return np.flatnonzero(drop > rtol * np.abs(trace[:-1])) + 1
