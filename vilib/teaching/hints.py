"""The hints of the answer checker, as a table of rules (``HINT_RULES``).

For a wrong answer the rules are tried in order and the first that recognises it
gives the hint: a known slip of the question, a sign, a swap of ``sigma`` and
``s_k``, a constant factor, the parts of a precision, the coefficients of a
polynomial, a missing or an extra symbol. Used by :mod:`vilib.teaching.checker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .equality import _is_zero, _same
from .parse import _LOG_S, _PHI_J, _WORDS, _X_J, _phi_j, _x_j
from .questions import Question
from .symbolic import N_k, S_k, lam, s, sigma

# ------------------------------------------------------------------ the check
def _stats_for(expr) -> tuple[sp.Expr, sp.Expr]:
    """``N`` and ``S``: the symbols ``N_k, S_k``, or sums over the ``phi_j, x_j`` used."""
    idx = set()
    for z in expr.free_symbols:
        hit = _PHI_J.match(z.name) or _X_J.match(z.name)
        if hit is not None:
            idx.add(int(hit.group(1)))
    if not idx:
        return N_k, S_k
    idx = sorted(idx)
    return sp.Add(*[_phi_j(j) for j in idx]), sp.Add(*[_phi_j(j) * _x_j(j) for j in idx])


def _name(monomial, variables) -> str:
    parts = []
    for v, p in zip(variables, monomial):
        if p:
            parts.append(_WORDS.get(v, str(v)) + (f"^{p}" if p > 1 else ""))
    return " ".join(parts) if parts else "the constant"


def _coefficient_hint(ans, right, q: Question) -> str | None:
    """Name the monomials (in ``q.poly_in``) whose coefficients differ, or None."""
    if not q.poly_in:
        return None

    def as_poly(e):
        e = sp.expand(sp.expand_log(sp.expand(e), force=True)).subs(sp.log(s), _LOG_S)
        try:
            return sp.Poly(e, *q.poly_in).as_dict()
        except sp.PolynomialError:
            return None

    pa, pr = as_poly(ans), as_poly(right)
    if pa is None or pr is None:
        return None
    wrong, fine = [], []
    for mono in sorted(set(pa) | set(pr), reverse=True):
        if q.free_of and not any(mono):
            continue                              # the additive term the answer may differ by
        ca, cr = pa.get(mono, 0), pr.get(mono, 0)
        label = _name(mono, q.poly_in)
        if _is_zero(ca - cr):
            fine.append(label)
        elif cr == 0:
            wrong.append(f"a term in {label} that should not be there")
        elif ca == 0:
            wrong.append(f"the term in {label} is missing")
        elif _is_zero(ca + cr):
            wrong.append(f"the term in {label} has the wrong sign")
        else:
            wrong.append(f"the coefficient of {label} is wrong")
    if not wrong:
        return None
    text = "; ".join(wrong)
    if fine:
        text += " (the terms in " + ", ".join(fine) + " are right)"
    return text[0].upper() + text[1:] + "."


def _ratio(ans, right, free_of):
    """A factor ``r`` (a number, or built from sigma and lambda) with ``ans = r * right``, else None.

    With ``free_of``, the answers are compared through their derivatives in those
    variables (the additive term they may differ by drops out).
    """
    pairs = [(sp.diff(ans, v), sp.diff(right, v)) for v in free_of] or [(ans, right)]
    ratios = set()
    for a, r in pairs:
        if _is_zero(r):
            if not _is_zero(a):
                return None
            continue
        ratios.add(sp.simplify(a / r))
    if len(ratios) != 1:
        return None
    ratio = ratios.pop()
    if ratio == 1 or _is_zero(ratio) or not ratio.free_symbols <= {sigma, lam}:
        return None
    return ratio


def _precision_hint(precision, L, N, S) -> str | None:
    """Compare a candidate precision ``1/s_k^2`` with ``1/sigma^2 + N_k/lambda^2``, part by part."""
    data_vars = sorted(N.free_symbols, key=lambda z: z.name)
    if S.free_symbols & precision.free_symbols - N.free_symbols:
        return None                       # not proportional to S: no precision to compare
    try:
        pa = sp.Poly(sp.expand(sp.together(precision)), *data_vars)
    except sp.PolynomialError:
        return None
    if pa.total_degree() > 1:
        return None
    prior_a = pa.as_expr().subs({v: 0 for v in data_vars})
    prior_r = 1 / sigma**2
    data_a, data_r = sp.expand(precision - prior_a), N / L**2
    parts = []
    if not _is_zero(prior_a - prior_r):
        if _is_zero(prior_a):
            parts.append("missing the prior term 1/sigma^2 in the precision 1/s_k^2")
        elif _is_zero(prior_a + prior_r):
            parts.append("sign error in the prior's contribution to the precision 1/s_k^2 "
                         "(precisions add)")
        else:
            parts.append("the prior's contribution to the precision 1/s_k^2 (the part "
                         "free of the data) is wrong")
    if not _is_zero(data_a - data_r):
        if _is_zero(data_a + data_r):
            parts.append("sign error in the data's contribution to the precision 1/s_k^2 "
                         "(precisions add)")
        else:
            parts.append("the data's contribution to the precision 1/s_k^2 (the part that "
                         "grows with the points' responsibilities) is wrong")
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


# ------------------------------------------------------------------ the rules of the hints
@dataclass(frozen=True)
class _Attempt:
    """One answer under comparison, with everything the rules need."""

    q: Question
    ans: sp.Expr
    right: sp.Expr
    L: sp.Expr
    N: sp.Expr
    S: sp.Expr
    plug: dict
    has_lam: bool

    def same(self, a, b) -> bool:
        return _same(a.subs(self.plug), b.subs(self.plug), self.q.free_of)


def _rule_unit_lambda(t: _Attempt) -> str | None:
    if t.q.uses_lam and t.L != 1 and not t.has_lam and t.same(t.ans, t.q.answer(1, t.N, t.S)):
        return ("right for lambda = 1, but this asks for the general model: put the likelihood "
                "variance lambda^2 back in (each x_i carries precision 1/lambda^2).")
    return None


def _rule_known_slip(t: _Attempt) -> str | None:
    # when several slips match (they can differ by a term that does not matter), prefer the
    # one written in the same symbols as the answer; a slip written with the updated m_k or
    # s_k only counts if the answer uses them too
    candidates = [(build(t.L, t.N, t.S), hint) for build, hint in t.q.mistakes]
    matches = [(e, hint) for e, hint in candidates
               if not (set(t.q.solved_for) & (e.free_symbols - t.ans.free_symbols))
               and t.same(t.ans, e)]
    if not matches:
        return None
    best = [hint for e, hint in matches if e.free_symbols == t.ans.free_symbols]
    return (best or [matches[0][1]])[0]


def _rule_exp(t: _Attempt) -> str | None:
    if t.ans.has(sp.exp) and t.same(sp.expand_log(sp.log(t.ans), force=True), t.right):
        return "this is exp of the answer: the question asks for the logarithm."
    return None


def _rule_sign(t: _Attempt) -> str | None:
    return "sign error: your answer is minus the right one." if t.same(-t.ans, t.right) else None


def _rule_swapped(t: _Attempt) -> str | None:
    swapped = t.ans.xreplace({sigma: s, s: sigma})
    if swapped != t.ans and t.same(swapped, t.right):
        return ("you swapped sigma (the prior's standard deviation) and s_k (the standard "
                "deviation of q(mu_k)): sigma^2 belongs to p(mu_k), s_k^2 to q(mu_k).")
    return None


def _rule_factor(t: _Attempt) -> str | None:
    ratio = _ratio(t.ans.subs(t.plug), t.right.subs(t.plug), t.q.free_of)
    if ratio is None:
        return None
    return (f"off by a factor {ratio}: check the constants in front of each term "
            "(the 1/2 of the square, lambda^2, sigma^2).")


def _rule_precision(t: _Attempt) -> str | None:
    # both updates are "something over the precision 1/s_k^2": check the precision part by part
    if t.q.name == "s2_update":
        return _precision_hint(1 / t.ans, t.L, t.N, t.S)
    if t.q.name == "m_update":
        return _precision_hint(t.S / (t.L**2 * t.ans.subs(t.plug)), t.L, t.N, t.S)
    return None


def _rule_coefficients(t: _Attempt) -> str | None:
    return _coefficient_hint(t.ans.subs(t.plug), t.right.subs(t.plug), t.q)


def _rule_missing_symbols(t: _Attempt) -> str | None:
    need = t.right.free_symbols - t.ans.subs(t.plug).free_symbols
    if not need:
        return None
    names = ", ".join(sorted(_WORDS.get(z, z.name) for z in need))
    return f"your answer does not depend on {names}, but the right one does."


def _rule_extra_symbols(t: _Attempt) -> str | None:
    extra = t.ans.subs(t.plug).free_symbols - t.right.free_symbols
    if not extra or t.q.free_of:
        return None
    names = ", ".join(sorted(_WORDS.get(z, z.name) for z in extra))
    return f"your answer depends on {names}, but the right one does not."


#: The hints for a wrong answer, as a table of rules tried in order: the first rule that
#: recognises the answer gives the hint. Each entry: (name, what it recognises, rule).
HINT_RULES: tuple[tuple[str, str, Callable[[_Attempt], str | None]], ...] = (
    ("unit lambda", "right only for lambda = 1 when the general model is asked for",
     _rule_unit_lambda),
    ("known slip", "one of the question's catalogued mistakes", _rule_known_slip),
    ("exp", "exp of the right answer where the log is asked for", _rule_exp),
    ("sign", "minus the right answer", _rule_sign),
    ("swap", "sigma and s_k exchanged", _rule_swapped),
    ("factor", "a constant multiple (or a multiple in sigma, lambda) of the right answer",
     _rule_factor),
    ("precision", "s_k^2 or m_k over a precision whose prior or data part is wrong",
     _rule_precision),
    ("coefficients", "a polynomial in the question's variables with wrong coefficients",
     _rule_coefficients),
    ("missing symbol", "does not depend on a symbol the right answer depends on",
     _rule_missing_symbols),
    ("extra symbol", "depends on a symbol the right answer does not", _rule_extra_symbols),
)

_FALLBACK_HINT = ("not equal to the right answer (compared symbolically where possible, else at "
                  "many values of the symbols, small and large); re-check each step, e.g. by "
                  "expanding both sides.")
