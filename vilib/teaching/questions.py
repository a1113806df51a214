"""The questions of the answer checker: right answers, known slips and how to compare.

Each :class:`Question` builds its right answer from the likelihood scale ``L``
(``lambda`` or 1), the expected count ``N`` and the expected sum ``S``, and lists the
slips students make with the hint for each. Used by :mod:`vilib.teaching.checker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .parse import _LOG_S
from .symbolic import m, mu, s, sigma, x

# ------------------------------------------------------------------ questions
Builder = Callable[[sp.Expr, sp.Expr, sp.Expr], sp.Expr]     # (lam or 1, N, S) -> expression


def _s2_of(L, N, S):
    return 1 / (1 / sigma**2 + N / L**2)


def _m_of(L, N, S):
    return _s2_of(L, N, S) * S / L**2


@dataclass(frozen=True)
class Question:
    """One checkable answer: the right expression, the known slips and how to compare.

    ``answer(L, N, S)`` builds the right expression from the likelihood scale ``L``
    (``lambda`` or ``1``), the expected count ``N`` and the expected sum ``S``.
    ``free_of``: the answer is only defined up to an additive term free of these
    symbols. ``solved_for``: symbols that, if used, stand for their updated values
    (``s`` in the ``m`` update means the new ``s_k``). ``forbidden``: symbols the
    answer may not contain, with the reason. ``mistakes``: ``(builder, hint)``
    pairs for known slips. ``poly_in``: variables for the coefficient-by-coefficient hint.
    """

    name: str
    prompt: str
    answer: Builder
    free_of: tuple = ()
    free_of_words: str = ""
    solved_for: tuple = ()
    forbidden: tuple = ()
    mistakes: tuple = ()
    poly_in: tuple = ()
    uses_lam: bool = True


_MU_INTEGRATED = "mu_k is integrated out: the answer may depend on mu_k only through m_k and s_k"

QUESTIONS: dict[str, Question] = {}


def _register(q: Question) -> None:
    QUESTIONS[q.name] = q


_register(Question(
    name="phi_logit",
    prompt=("log phi_ik up to a term that is the same for every cluster k (1-D data): "
            "in terms of x (x_i), m (m_k), s (s_k) and, for the general model, lam"),
    answer=lambda L, N, S: x * m / L**2 - (s**2 + m**2) / (2 * L**2),
    free_of=(m, s),
    free_of_words="is the same for every cluster k, so normalising phi_i over k removes it",
    forbidden=((mu, _MU_INTEGRATED),),
    mistakes=(
        (lambda L, N, S: x * m / L**2 - m**2 / (2 * L**2),
         "E_q[mu_k^2] is s_k^2 + m_k^2, not m_k^2: the variance term -s_k^2/2 is missing "
         "(E[mu_k^2] is not E[mu_k]^2)."),
        (lambda L, N, S: x * m / L**2 - (sigma**2 + m**2) / (2 * L**2),
         "you used sigma^2 where s_k^2 belongs: E[mu_k^2] = s_k^2 + m_k^2 is an expectation "
         "under q(mu_k) = N(m_k, s_k^2), not under the prior N(0, sigma^2)."),
        (lambda L, N, S: x * m / L**2 - (s**2 + m**2) / L**2,
         "the factor 1/2 in front of E[mu_k^2] is missing: it comes from -(x_i - mu_k)^2/2."),
        (lambda L, N, S: x * m / L**2 - (s + m**2) / (2 * L**2),
         "s_k is a standard deviation: E[mu_k^2] = s_k^2 + m_k^2 uses the variance s_k^2."),
    ),
    poly_in=(m, s),
))

_register(Question(
    name="s2_update",
    prompt="s_k^2 after the mu-update, in terms of sigma, N_k (or phi_1..phi_n) and, for the general model, lam",
    answer=_s2_of,
    forbidden=(
        (mu, _MU_INTEGRATED),
        (s, "s_k^2 is the unknown here: write it in terms of sigma, N_k (and lambda)"),
        (m, "s_k^2 does not depend on m_k: only the coefficient of mu_k^2 determines it"),
        (x, "s_k^2 does not depend on the data values, only on the expected count N_k"),
    ),
    mistakes=(
        (lambda L, N, S: L**2 / N,
         "missing the prior term 1/sigma^2: the precision 1/s_k^2 is the prior precision "
         "1/sigma^2 plus the data precision N_k/lambda^2."),
        (lambda L, N, S: 1 / sigma**2 + N / L**2,
         "this is the precision 1/s_k^2; the variance s_k^2 is its reciprocal."),
        (lambda L, N, S: sp.sqrt(_s2_of(L, N, S)),
         "this is s_k, the standard deviation; the question asks for the variance s_k^2."),
        (lambda L, N, S: sigma**2 + L**2 / N,
         "precisions add, not variances: 1/s_k^2 = 1/sigma^2 + N_k/lambda^2."),
        (lambda L, N, S: 1 / (sigma**2 + N / L**2),
         "the prior contributes its precision 1/sigma^2, not its variance sigma^2."),
        (lambda L, N, S: 1 / (1 / sigma**2 + N * L**2),
         "each point contributes the precision 1/lambda^2: divide N_k by lambda^2."),
    ),
))

_register(Question(
    name="m_update",
    prompt=("m_k after the mu-update, in terms of sigma, N_k, S_k (or phi_j, x_j) and, for the "
            "general model, lam; s (s_k) may appear and then means the new s_k"),
    answer=_m_of,
    solved_for=(s,),
    forbidden=(
        (mu, _MU_INTEGRATED),
        (m, "m_k is the unknown here: write it in terms of sigma, N_k, S_k (and s_k, lambda)"),
        (x, "m_k depends on the data through S_k = sum_i phi_ik x_i: use S_k (or x_1..x_n)"),
    ),
    mistakes=(
        (lambda L, N, S: S / N,
         "this is the phi-weighted mean of the data: missing the prior term 1/sigma^2 "
         "(the prior N(0, sigma^2) shrinks m_k toward 0)."),
        (lambda L, N, S: sigma**2 * S / L**2,
         "you used sigma^2 where s_k^2 belongs: m_k = s_k^2 S_k / lambda^2 with the "
         "variance s_k^2 of q(mu_k), not the prior variance sigma^2."),
        (lambda L, N, S: S / L**2,
         "missing the factor s_k^2: the coefficient of mu_k is S_k/lambda^2 = m_k/s_k^2."),
        (lambda L, N, S: S / L**2 / _s2_of(L, N, S),
         "you divided by s_k^2 instead of multiplying: m_k = s_k^2 S_k / lambda^2."),
        (lambda L, N, S: S / L**2 / (sigma**2 + N / L**2),
         "the prior contributes its precision 1/sigma^2, not its variance sigma^2."),
        (lambda L, N, S: _s2_of(L, N, S) * S,
         "S_k needs the factor 1/lambda^2 as well: m_k = s_k^2 S_k / lambda^2."),
    ),
))

_register(Question(
    name="log_q_mu",
    prompt=("log q*(mu_k) as a function of mu (mu_k), up to a term free of mu_k, in terms of "
            "sigma, N_k, S_k (or phi_j, x_j) and, for the general model, lam; m and s may "
            "appear and then mean the updated m_k, s_k"),
    answer=lambda L, N, S: -mu**2 / (2 * sigma**2) - N * mu**2 / (2 * L**2) + S * mu / L**2,
    free_of=(mu,),
    free_of_words="does not depend on mu_k: fine for an unnormalised log density",
    solved_for=(m, s),
    forbidden=((x, "use S_k = sum_i phi_ik x_i (or x_1..x_n): a single x_i is not enough"),),
    mistakes=(
        (lambda L, N, S: -N * mu**2 / (2 * L**2) + S * mu / L**2,
         "missing the prior term -mu_k^2/(2 sigma^2), from log p(mu_k)."),
        (lambda L, N, S: -mu**2 / (2 * s**2) - N * mu**2 / (2 * L**2) + S * mu / L**2,
         "you used s_k^2 where sigma^2 belongs (the notes' slip): log p(mu_k) is the log "
         "prior density, whose variance is sigma^2."),
    ),
    poly_in=(mu,),
))

_register(Question(
    name="elbo_mu_term",
    prompt=("E_q[log p(mu_k)] - E_q[log q(mu_k)] up to a constant (1-D), in terms of m (m_k), "
            "s (s_k) and sigma"),
    answer=lambda L, N, S: sp.log(s**2) / 2 - (m**2 + s**2) / (2 * sigma**2),
    free_of=(m, s),
    free_of_words="is a constant (free of m_k and s_k), which the ELBO's maximiser ignores",
    forbidden=((mu, _MU_INTEGRATED),),
    mistakes=(
        (lambda L, N, S: sp.log(s**2) - m / sigma**2,
         "this is the widely copied tutorial's term (see vilib.teaching.pitfalls): the entropy of "
         "N(m_k, s_k^2) contributes (1/2) log s_k^2, and E_q[log p(mu_k)] contains "
         "-E_q[mu_k^2]/(2 sigma^2) = -(m_k^2 + s_k^2)/(2 sigma^2), not -m_k/sigma^2."),
        (lambda L, N, S: sp.log(s**2) / 2 - m**2 / (2 * sigma**2),
         "E_q[mu_k^2] is m_k^2 + s_k^2: the term -s_k^2/(2 sigma^2) is missing."),
        (lambda L, N, S: sp.log(s**2) - (m**2 + s**2) / (2 * sigma**2),
         "the entropy of N(m_k, s_k^2) is (1/2) log(2 pi e s_k^2): the coefficient of "
         "log s_k^2 is 1/2, not 1."),
        (lambda L, N, S: -sp.log(s**2) / 2 - (m**2 + s**2) / (2 * sigma**2),
         "you added E_q[log q(mu_k)] instead of subtracting it: the entropy enters as "
         "+(1/2) log s_k^2."),
        (lambda L, N, S: sp.log(s**2) / 2 - (m**2 + s**2) / (2 * s**2),
         "you used s_k^2 where sigma^2 belongs (the notes' slip): log p(mu_k) is the prior "
         "density, with variance sigma^2."),
    ),
    poly_in=(m, s, _LOG_S),
    uses_lam=False,
))
