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
>>> check_answer("s2_update", "1/(1/sigma**2 + N_k/lambda**2)")
s2_update: correct.

Questions (see ``describe`` for the symbols each one uses):

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

Safe on untrusted input (a course's autograder)
-----------------------------------------------
A string answer is **never evaluated**: it is parsed by Python's ``ast`` and
only a whitelist of node types is accepted (numbers, names, ``+ - * / ** ^``,
unary minus and calls of the functions in ``FUNCTIONS``); the SymPy
expression is then built node by node by this module. Anything else (attribute
access, ``__import__``, strings, lambdas, comparisons, ...) gets a hint, not an
exception. Sizes are bounded before anything is built (``MAX_CHARS``,
``MAX_NODES``, ``MAX_POWER``, ``MAX_DIGITS``, ``MAX_FACTORIAL``),
and the whole check runs under a time limit, ``TIME_LIMIT`` seconds (on the
main thread, where a timer signal is available). Answers that are not finite
(``oo``, ``zoo``, ``nan``, ``1/0``, ``log(0)``) or not real are refused.

How equality is decided: symbolically where SymPy can decide it (a rational
function of the symbols, with logarithms expanded, is identically zero exactly
when its cancelled form is 0); otherwise the difference is evaluated at exact
rational points spread over a wide range (from 1e-2 to 1e6 in size, both signs
for real symbols) with 50 significant digits, and must vanish *relative to the
size of its terms* (below 1e-25 of them) at every point: an answer off by 1e-13,
or wrong only for large ``N_k`` (a ``floor``, ``Heaviside`` or ``Max`` term), is
not accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .._validation import InputTypeError
from .equality import _is_zero
from .hints import _FALLBACK_HINT, HINT_RULES, _Attempt, _stats_for
from .parse import FUNCTIONS, TIME_LIMIT, _OutOfTime, _Refused, _time_limit, _to_expr, _WORDS
from .questions import QUESTIONS, Question, _m_of, _s2_of
from .symbolic import lam, m, s

__all__ = [
    "CheckResult", "QUESTIONS", "FUNCTIONS", "HINT_RULES", "check_answer", "describe",
    "check_phi_logit", "check_s2_update", "check_m_update", "check_log_q_mu",
    "check_elbo_mu_term",
]


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


def check_answer(question: str, expr, *, require_lam: bool = False) -> CheckResult:
    """Check a SymPy expression (or a string) against the right answer to ``question``.

    Parameters
    ----------
    question : str
        One of ``QUESTIONS``: ``"phi_logit"``, ``"s2_update"``, ``"m_update"``,
        ``"log_q_mu"``, ``"elbo_mu_term"``.
    expr : sympy expression or str
        The answer, in the symbols listed by :func:`describe`. A string is parsed
        without being evaluated (safe for untrusted input); one that cannot be
        read, is too large, or is not finite gets a hint, not an exception.
    require_lam : bool, default False
        Ask for the general form with likelihood variance ``lambda^2``; an answer
        right only for ``lambda = 1`` is then rejected with a hint.

    Returns
    -------
    CheckResult
        Prints as ``question: correct.`` or ``question: not right yet. Hint: ...``.

    Raises
    ------
    TypeError
        ``question`` is not a string, ``require_lam`` not a bool, or ``expr``
        neither a string nor a SymPy expression (an ``InputTypeError``, also a ValueError).
    ValueError
        An unknown ``question``, or a SymPy ``expr`` with a symbolic ``Sum``.
    """
    if not isinstance(question, str):
        raise InputTypeError(f"question must be a string, one of {sorted(QUESTIONS)}, got "
                             f"{type(question).__name__}")
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {sorted(QUESTIONS)}, got {question!r}")
    if not isinstance(require_lam, bool):
        raise InputTypeError(f"require_lam must be True or False, got {type(require_lam).__name__}")
    q = QUESTIONS[question]
    try:
        with _time_limit(TIME_LIMIT):
            return _check(q, expr, require_lam)
    except _Refused as why:
        return CheckResult(question, False, hint=str(why))
    except _OutOfTime:
        return CheckResult(question, False, hint=(
            f"your answer could not be checked within {TIME_LIMIT:g} s: simplify it (the "
            "right answers are short expressions) and try again."))


def _check(q: Question, expr, require_lam: bool) -> CheckResult:
    """The check itself: the pre-checks, the comparison, then the first hint rule that fits."""
    ans, unknown = _to_expr(expr)
    if unknown:
        return CheckResult(q.name, False, hint=(
            f"unknown symbol(s) {', '.join(unknown)}. {describe(q.name)}"))
    for sym, why in q.forbidden:
        if sym in ans.free_symbols:
            return CheckResult(q.name, False, hint=f"your answer contains {_WORDS[sym]}: {why}.")

    N, S = _stats_for(ans)
    has_lam = lam in ans.free_symbols
    L = lam if (q.uses_lam and (has_lam or require_lam)) else sp.Integer(1)
    solved = {s: sp.sqrt(_s2_of(L, N, S)), m: _m_of(L, N, S)}
    plug = {v: solved[v] for v in q.solved_for}
    attempt = _Attempt(q, ans, q.answer(L, N, S), L, N, S, plug, has_lam)

    if attempt.same(ans, attempt.right):
        notes = []
        if q.free_of and not _is_zero((ans - attempt.right).subs(plug)):
            notes.append(f"Off by a term that {q.free_of_words}.")
        if q.uses_lam and L == 1:
            notes.append("This is the unit-variance model, lambda = 1.")
        return CheckResult(q.name, True, note=" ".join(notes) or None)

    for _, _, rule in HINT_RULES:
        hint = rule(attempt)
        if hint is not None:
            return CheckResult(q.name, False, hint=hint)
    return CheckResult(q.name, False, hint=_FALLBACK_HINT)


def describe(question: str) -> str:
    """What ``question`` asks for and which symbols to use."""
    if not isinstance(question, str):
        raise InputTypeError(f"question must be a string, one of {sorted(QUESTIONS)}, got "
                             f"{type(question).__name__}")
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
