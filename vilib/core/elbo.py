"""The evidence lower bound (ELBO), every constant kept.

.. math::

    \\mathrm{ELBO}(q) = \\sum_k E[\\log p(\\mu_k)] + \\sum_i E[\\log p(c_i)]
        + \\sum_i E[\\log p(x_i \\mid c_i, \\mu)]
        - \\sum_i E[\\log q(c_i)] - \\sum_k E[\\log q(\\mu_k)]

with the expectations under ``q(mu_k) = N(m_k, s2_k I_d)``, ``q(c_i) = Cat(phi_i)``:

=============================  ===================================================================
term                           closed form
=============================  ===================================================================
``E[log p(mu_k)]``             ``-d/2 log(2 pi sigma^2) - (d s2_k + |m_k|^2) / (2 sigma^2)``
``E[log p(c_i)]``              ``-log K``
``E[log p(x_i | c_i, mu)]``    ``sum_k phi_ik [-d/2 log(2 pi lam^2) - (|x_i|^2 - 2 x_i.m_k + d s2_k + |m_k|^2) / (2 lam^2)]``
``-E[log q(c_i)]``             ``-sum_k phi_ik log phi_ik``
``-E[log q(mu_k)]``            ``d/2 log(2 pi e s2_k)``
=============================  ===================================================================

Because every constant is kept, ``ELBO(q) <= log p(x)`` for every ``q``, with
the gap equal to ``KL(q || p(mu, c | x))``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from .._validation import (
    check_data_extent,
    check_length,
    check_means,
    check_phi,
    check_s2,
    check_scales,
    scaled,
)
from ..model import LOG_2PI
from .updates import sq_distances


def elbo_terms_from_stats(sq_dist, N, M, s2, sigma, lam, neg_entropy_c, n, d) -> dict:
    """The five ELBO terms from sums over the points (internal; no validation).

    ``sq_dist = sum_ik phi_ik |x_i - m_k|^2``, ``N_k = sum_i phi_ik`` and
    ``neg_entropy_c = sum_ik phi_ik log phi_ik``. With them each term costs
    O(K d). The data term uses

    .. math:: E_q|x_i - \\mu_k|^2 = |x_i - m_k|^2 + d\\, s_k^2,

    written with the distance itself rather than ``|x|^2 - 2 x.m + |m|^2``, whose
    terms cancel badly when ``|x|`` is large.
    """
    K = M.shape[0]
    second_moment = d * s2 + np.einsum("kd,kd->k", M, M)     # E|mu_k|^2 = d s2_k + |m_k|^2
    return {
        "log_p_mu": float(-0.5 * K * d * (LOG_2PI + np.log(sigma**2))
                          - second_moment.sum() / (2 * sigma**2)),
        "log_p_c": float(-n * np.log(K)),
        "log_p_x": float(-0.5 * n * d * (LOG_2PI + np.log(lam**2))
                         - (sq_dist + d * (N @ s2)) / (2 * lam**2)),
        "entropy_c": float(-neg_entropy_c),
        "entropy_mu": float(0.5 * d * np.sum(LOG_2PI + 1.0 + np.log(s2))),
    }


def neg_entropy_from_stats(phi_logit, sum_log_norm) -> float:
    """``sum_ik phi_ik log phi_ik`` for the ``phi`` made by one phi update.

    That ``phi`` is ``phi_ik = exp(l_ik - log Z_i)`` (:func:`vilib.core.updates.phi_step`), so

    .. math:: \\sum_{ik} \\varphi_{ik} \\log\\varphi_{ik}
              = \\sum_{ik} \\varphi_{ik} l_{ik} - \\sum_i \\log Z_i
              \\qquad (\\textstyle\\sum_k \\varphi_{ik} = 1),

    from two sums the phi update accumulates anyway: no second pass over the
    ``(n, K)`` array, and no ``log`` of a ``phi`` that may have underflowed to 0.
    """
    return float(np.sum(phi_logit) - sum_log_norm)


def elbo_terms(x, phi, m, s2, sigma, *, lam=1.0) -> dict:
    """The ELBO split into its five terms (each summed over points or clusters).

    Returns a dict with keys ``log_p_mu`` (``sum_k E[log p(mu_k)]``), ``log_p_c``,
    ``log_p_x`` (``sum_i E[log p(x_i | c_i, mu)]``), ``entropy_c``
    (``-sum_i E[log q(c_i)]``) and ``entropy_mu`` (``-sum_k E[log q(mu_k)]``);
    their sum is :func:`elbo`. Arguments as in :func:`elbo`.
    """
    X, one_d, extent = check_data_extent(x)
    n, d = X.shape
    M = check_means(m, d=d, one_d=one_d)
    K = M.shape[0]
    s2 = check_s2(s2, K)
    phi = check_phi(phi, n, K)
    sigma = check_length("sigma", sigma)
    lam = check_length("lam", lam)
    u = check_scales(lam, sigma=sigma, x_extent=extent, M=M, s2=s2)
    # in units of u (a power of two near lam): every term has the size it has for lam = 1;
    # the change of variables back to the caller's units moves only the data term
    X, M, s2, sigma, lam = scaled(X, 1 / u), scaled(M, 1 / u), s2 / u**2, sigma / u, lam / u
    sq_dist = np.einsum("ik,ki->", phi, sq_distances(X, M))   # sum_ik phi_ik |x_i - m_k|^2
    terms = elbo_terms_from_stats(
        sq_dist, phi.sum(axis=0), M, s2, sigma, lam,
        neg_entropy_c=xlogy(phi, phi).sum(),  # 0 log 0 = 0
        n=n, d=d,
    )
    # log p(mu_k) and the entropy of q(mu_k) shift by -K d log u and +K d log u
    terms["log_p_mu"] = float(terms["log_p_mu"] - K * d * np.log(u))
    terms["entropy_mu"] = float(terms["entropy_mu"] + K * d * np.log(u))
    terms["log_p_x"] = float(terms["log_p_x"] - n * d * np.log(u))
    return terms


def elbo(x, phi, m, s2, sigma, *, lam=1.0) -> float:
    """The full ELBO of ``q(mu_k) = N(m_k, s2_k I_d)``, ``q(c_i) = Cat(phi_i)``.

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

    Returns
    -------
    float
        ``E_q[log p(mu, c, x)] - E_q[log q(mu, c)]`` with every constant, so it
        is a lower bound on :func:`vilib.log_evidence`.
    """
    return float(sum(elbo_terms(x, phi, m, s2, sigma, lam=lam).values()))
