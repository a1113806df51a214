"""An answer checker for the book's exercises: is a SymPy expression the right one?

A student derives an update by hand, types the result as a SymPy expression (or a
string), and asks the checker. It answers *correct* or *not yet*, and when the
answer is wrong it names the likely slip: a missing prior term, a sign error, the
prior variance ``sigma^2`` used where the variational variance ``s_k^2`` belongs,
a wrong coefficient of ``mu_k^2``, ... . For answers that are only defined up to
an additive term (a log density, a logit) it accepts any term that does not
matter and says so.

>>> from vilib.teaching.checker import check_answer
>>> from vilib.teaching.symbolic import sigma, N_k
>>> check_answer("s2_update", 1 / (1 / sigma**2 + N_k))
s2_update: correct. (This is the unit-variance model, lambda = 1.)
>>> check_answer("s2_update", 1 / N_k)
s2_update: not right yet. Hint: missing the prior term 1/sigma^2: the precision 1/s_k^2 is the prior precision 1/sigma^2 plus the data precision N_k/lambda^2.

Questions (see :func:`describe` for the symbols each one uses):

==================  =====================================================================
``phi_logit``       ``log phi_ik`` up to a term that is the same for every ``k`` (1-D)
``s2_update``       ``s_k^2`` after the ``mu``-update
``m_update``        ``m_k`` after the ``mu``-update (``s_k^2`` may appear, meaning its new value)
``log_q_mu``        ``log q*(mu_k)`` as a function of ``mu_k``, up to a term free of ``mu_k``
``elbo_mu_term``    ``E[log p(mu_k)] - E[log q(mu_k)]``, up to a constant (1-D)
==================  =====================================================================

Symbols are matched **by name**, so a student's own ``sp.symbols("sigma")`` works
like ``vilib.teaching.symbolic.sigma``. Names: ``x`` (``x_i``), ``mu`` (``mu_k``), ``m``
(``m_k``), ``s`` (``s_k``; ``s2`` means ``s_k^2``), ``sigma``, ``lam`` or
``lambda``, ``N_k`` (or ``N``) ``= sum_i phi_ik``, ``S_k`` (or ``S``)
``= sum_i phi_ik x_i``; or explicit data ``phi_1, ..., phi_n`` and ``x_1, ..., x_n``
instead of ``N_k`` and ``S_k``. Without ``lambda`` in the answer the checker
compares with the unit-variance model (``lambda = 1``) of the notes.

How equality is decided: the difference of the two expressions is evaluated at
random rational values of its symbols with 30 significant digits (exact enough
to tell 0 from not 0 for these rational-plus-log expressions), falling back to
``sympy.simplify`` when too few points can be evaluated.
"""

from __future__ import annotations

import random
import re
from tokenize import TokenError
from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from .symbolic import N_k, S_k, lam, m, mu, s, sigma, x

__all__ = [
    "CheckResult", "QUESTIONS", "check_answer", "describe",
    "check_phi_logit", "check_s2_update", "check_m_update", "check_log_q_mu",
    "check_elbo_mu_term",
]

# ------------------------------------------------------------------ symbols
#: Names a student may use, mapped to the book's symbols (or expressions).
ALIASES: dict[str, sp.Expr] = {
    "x": x, "x_i": x, "mu": mu, "mu_k": mu, "m": m, "m_k": m, "s": s, "s_k": s,
    "s2": s**2, "s_k2": s**2, "s_k^2": s**2, "sigma": sigma, "sigma2": sigma**2,
    "lam": lam, "lambda": lam, "N_k": N_k, "N": N_k, "S_k": S_k, "S": S_k,
}
_GREEK = {"σ": "sigma", "μ": "mu", "λ": "lambda", "φ": "phi"}
_PHI_J = re.compile(r"^phi_?\{?(\d+)\}?$")
_X_J = re.compile(r"^x_?\{?(\d+)\}?$")
_LOG_S = sp.Symbol("log_s_k")           # stands for log(s_k) in coefficient hints
_WORDS = {
    x: "x_i", mu: "mu_k", m: "m_k", s: "s_k", sigma: "sigma", lam: "lambda",
    N_k: "N_k", S_k: "S_k", _LOG_S: "log(s_k)",
}


def _phi_j(j: int) -> sp.Symbol:
    return sp.Symbol(f"phi_{j}", nonnegative=True)


def _x_j(j: int) -> sp.Symbol:
    return sp.Symbol(f"x_{j}", real=True)


def _canonical(name: str):
    """The book's symbol (or expression) for a student's symbol name, else None."""
    clean = name.replace("\\", "").replace("{", "").replace("}", "").strip()
    for g, latin in _GREEK.items():
        clean = clean.replace(g, latin)
    if clean in ALIASES:
        return ALIASES[clean]
    if (hit := _PHI_J.match(clean)) is not None:
        return _phi_j(int(hit.group(1)))
    if (hit := _X_J.match(clean)) is not None:
        return _x_j(int(hit.group(1)))
    return None


_PARSE_LOCALS = {name: value for name, value in ALIASES.items() if "^" not in name}


def _to_expr(expr) -> tuple[sp.Expr, list[str]]:
    """Parse/normalise ``expr``; return it in the book's symbols and the unknown names."""
    if isinstance(expr, str):
        try:
            expr = parse_expr(expr, local_dict=dict(_PARSE_LOCALS),
                              transformations=standard_transformations + (convert_xor,))
        except (SyntaxError, TypeError, ValueError, sp.SympifyError, TokenError) as err:
            raise ValueError(f"expr could not be parsed as a SymPy expression: {err}") from err
    elif isinstance(expr, (int, float)) and not isinstance(expr, bool):
        expr = sp.sympify(expr)
    if not isinstance(expr, sp.Expr):                 # e.g. Eq(...), a tuple, True
        raise ValueError(f"expr must be a SymPy expression or a string, got {type(expr).__name__}")
    if expr.has(sp.Sum, sp.Indexed, sp.IndexedBase) or expr.atoms(AppliedUndef):
        raise ValueError(
            "expr contains a symbolic Sum, an indexed or an undefined function: write sums "
            "with N_k and S_k, or spell them out with phi_1, ..., phi_n and x_1, ..., x_n")
    subs, unknown = {}, []
    for sym in expr.free_symbols:
        target = _canonical(sym.name)
        if target is None:
            unknown.append(sym.name)
        elif target != sym:
            subs[sym] = target
    return expr.xreplace(subs), sorted(unknown)


# ------------------------------------------------------------------ equality
def _sample(sym: sp.Symbol, rng: random.Random) -> sp.Rational:
    value = sp.Rational(rng.randint(23, 297), 97)          # in (0.24, 3.06), rarely "nice"
    if not (sym.is_positive or sym.is_nonnegative) and rng.random() < 0.5:
        value = -value
    return value


def _is_zero(expr) -> bool:
    """True when ``expr`` is identically 0 (random-point evaluation, then ``simplify``)."""
    expr = sp.sympify(expr)
    symbols = sorted(expr.free_symbols, key=lambda z: z.name)
    rng = random.Random(20170101)         # fixed: the verdict must be reproducible
    good = 0
    for _ in range(16):
        point = {z: _sample(z, rng) for z in symbols}
        try:
            value = complex(expr.xreplace(point).evalf(30))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value != value or abs(value) == float("inf"):        # nan or inf: a pole, skip
            continue
        if abs(value) > 1e-12:
            return False
        good += 1
        if good == 6:
            return True
    return sp.simplify(expr) == 0


def _same(a, b, free_of=()) -> bool:
    """``a == b``, or (with ``free_of``) ``a - b`` does not depend on the ``free_of`` symbols."""
    diff = a - b
    if not free_of:
        return _is_zero(diff)
    return all(_is_zero(sp.diff(diff, v)) for v in free_of)


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


# ------------------------------------------------------------------ result
@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer. Prints as one line; ``bool(result)`` is ``correct``.

    Attributes
    ----------
    question : str
    correct : bool
    hint : str or None
        Why the answer is wrong (``None`` when it is right).
    note : str or None
        A remark on a right answer (e.g. it differs from the book's by a term
        that does not matter, or it is the ``lambda = 1`` form).
    """

    question: str
    correct: bool
    hint: str | None = None
    note: str | None = None

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        if self.correct:
            return f"{self.question}: correct." + (f" ({self.note})" if self.note else "")
        return f"{self.question}: not right yet. Hint: {self.hint}"

    __repr__ = __str__


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


def check_answer(question: str, expr, *, require_lam: bool = False) -> CheckResult:
    """Check a SymPy expression (or a string) against the right answer to ``question``.

    Parameters
    ----------
    question : str
        One of ``QUESTIONS``: ``"phi_logit"``, ``"s2_update"``, ``"m_update"``,
        ``"log_q_mu"``, ``"elbo_mu_term"``.
    expr : sympy expression or str
        The answer, in the symbols listed by :func:`describe`.
    require_lam : bool, default False
        Ask for the general form with likelihood variance ``lambda^2``; an answer
        right only for ``lambda = 1`` is then rejected with a hint.

    Returns
    -------
    CheckResult
        Prints as ``question: correct.`` or ``question: not right yet. Hint: ...``.
    """
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {sorted(QUESTIONS)}, got {question!r}")
    q = QUESTIONS[question]
    ans, unknown = _to_expr(expr)
    if unknown:
        return CheckResult(question, False, hint=(
            f"unknown symbol(s) {', '.join(unknown)}. {describe(question)}"))
    for sym, why in q.forbidden:
        if sym in ans.free_symbols:
            return CheckResult(question, False, hint=f"your answer contains {_WORDS[sym]}: {why}.")

    N, S = _stats_for(ans)
    has_lam = lam in ans.free_symbols
    L = lam if (q.uses_lam and (has_lam or require_lam)) else sp.Integer(1)
    solved = {s: sp.sqrt(_s2_of(L, N, S)), m: _m_of(L, N, S)}
    plug = {v: solved[v] for v in q.solved_for}

    def same(a, b) -> bool:
        return _same(a.subs(plug), b.subs(plug), q.free_of)

    right = q.answer(L, N, S)
    if same(ans, right):
        notes = []
        if q.free_of and not _is_zero((ans - right).subs(plug)):
            notes.append(f"Off by a term that {q.free_of_words}.")
        if q.uses_lam and L == 1:
            notes.append("This is the unit-variance model, lambda = 1.")
        return CheckResult(question, True, note=" ".join(notes) or None)

    def wrong(hint: str) -> CheckResult:
        return CheckResult(question, False, hint=hint)

    if q.uses_lam and L != 1 and not has_lam and same(ans, q.answer(1, N, S)):
        return wrong("right for lambda = 1, but this asks for the general model: put the "
                     "likelihood variance lambda^2 back in (each x_i carries precision 1/lambda^2).")
    # known slips; when several match (they can differ by a term that does not matter),
    # prefer the one written in the same symbols as the answer
    # (a slip written with the updated m_k or s_k only counts if the answer uses them too)
    candidates = [(build(L, N, S), hint) for build, hint in q.mistakes]
    matches = [(e, hint) for e, hint in candidates
               if not (set(q.solved_for) & (e.free_symbols - ans.free_symbols)) and same(ans, e)]
    if matches:
        best = [hint for e, hint in matches if e.free_symbols == ans.free_symbols]
        return wrong((best or [matches[0][1]])[0])
    if ans.has(sp.exp) and same(sp.expand_log(sp.log(ans), force=True), right):
        return wrong("this is exp of the answer: the question asks for the logarithm.")
    if same(-ans, right):
        return wrong("sign error: your answer is minus the right one.")
    swapped = ans.xreplace({sigma: s, s: sigma})
    if swapped != ans and same(swapped, right):
        return wrong("you swapped sigma (the prior's standard deviation) and s_k (the standard "
                     "deviation of q(mu_k)): sigma^2 belongs to p(mu_k), s_k^2 to q(mu_k).")
    ratio = _ratio(ans.subs(plug), right.subs(plug), q.free_of)
    if ratio is not None:
        return wrong(f"off by a factor {ratio}: check the constants in front of each term "
                     "(the 1/2 of the square, lambda^2, sigma^2).")
    if q.name in ("s2_update", "m_update"):
        # both updates are "something over the precision 1/s_k^2": check the precision
        precision = 1 / ans if q.name == "s2_update" else S / (L**2 * ans.subs(plug))
        hint = _precision_hint(precision, L, N, S)
        if hint is not None:
            return wrong(hint)
    coef = _coefficient_hint(ans.subs(plug), right.subs(plug), q)
    if coef is not None:
        return wrong(coef)
    need = right.free_symbols - ans.subs(plug).free_symbols
    extra = ans.subs(plug).free_symbols - right.free_symbols
    if need:
        names = ", ".join(sorted(_WORDS.get(z, z.name) for z in need))
        return wrong(f"your answer does not depend on {names}, but the right one does.")
    if extra and not q.free_of:
        names = ", ".join(sorted(_WORDS.get(z, z.name) for z in extra))
        return wrong(f"your answer depends on {names}, but the right one does not.")
    return wrong("not equal to the right answer (compared at random values of the symbols); "
                 "re-check each step, e.g. by expanding both sides.")


def describe(question: str) -> str:
    """What ``question`` asks for and which symbols to use."""
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {sorted(QUESTIONS)}, got {question!r}")
    return f"Expected: {QUESTIONS[question].prompt}."


def check_phi_logit(expr, **kwargs) -> CheckResult:
    """``check_answer("phi_logit", expr)``: ``log phi_ik`` up to a term free of ``k``."""
    return check_answer("phi_logit", expr, **kwargs)


def check_s2_update(expr, **kwargs) -> CheckResult:
    """``check_answer("s2_update", expr)``: ``s_k^2 = 1/(1/sigma^2 + N_k/lambda^2)``."""
    return check_answer("s2_update", expr, **kwargs)


def check_m_update(expr, **kwargs) -> CheckResult:
    """``check_answer("m_update", expr)``: ``m_k = s_k^2 S_k / lambda^2``."""
    return check_answer("m_update", expr, **kwargs)


def check_log_q_mu(expr, **kwargs) -> CheckResult:
    """``check_answer("log_q_mu", expr)``: ``log q*(mu_k)`` up to a term free of ``mu_k``."""
    return check_answer("log_q_mu", expr, **kwargs)


def check_elbo_mu_term(expr, **kwargs) -> CheckResult:
    """``check_answer("elbo_mu_term", expr)``: ``(1/2) log s_k^2 - (m_k^2 + s_k^2)/(2 sigma^2)``."""
    return check_answer("elbo_mu_term", expr, **kwargs)
