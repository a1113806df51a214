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

import ast
import math
import random
import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy.core.function import AppliedUndef

from .._validation import InputTypeError
from .symbolic import N_k, S_k, lam, m, mu, s, sigma, x

__all__ = [
    "CheckResult", "QUESTIONS", "FUNCTIONS", "HINT_RULES", "check_answer", "describe",
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
    if (hit := _PHI_J.match(clean)) is not None and len(hit.group(1)) <= 6:
        return _phi_j(int(hit.group(1)))
    if (hit := _X_J.match(clean)) is not None and len(hit.group(1)) <= 6:
        return _x_j(int(hit.group(1)))
    return None


# ------------------------------------------------------------------ limits
#: Longest string answer read (characters).
MAX_CHARS = 2000
#: Most nodes in an answer's expression tree (Python ``ast`` nodes or SymPy nodes).
MAX_NODES = 1500
#: Largest exponent of a power whose base contains a symbol (``(a + b)**40`` would
#: expand to thousands of terms); the book's answers need at most 2.
MAX_POWER = 16
#: Most decimal digits of any number in an answer, estimated before it is computed.
MAX_DIGITS = 300
#: Largest numeric argument of ``factorial``.
MAX_FACTORIAL = 100
#: Seconds one check may take (enforced on the main thread by a timer signal).
TIME_LIMIT = 5.0

#: The functions a string answer may call, by name.
FUNCTIONS: dict[str, Callable] = {
    "log": sp.log, "ln": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "Abs": sp.Abs, "abs": sp.Abs,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "floor": sp.floor, "ceiling": sp.ceiling,
    "Heaviside": sp.Heaviside, "Max": sp.Max, "Min": sp.Min, "factorial": sp.factorial,
}
_ARITY = {"Max": (2, 8), "Min": (2, 8)}
#: Named constants a string answer may use.
CONSTANTS = {"pi": sp.pi, "E": sp.E}

_SYNTAX_HELP = ("write the answer with numbers, the symbols of the question, + - * / and ** "
                "(or ^), parentheses and the functions " + ", ".join(sorted(FUNCTIONS)))


class _Refused(Exception):
    """An answer the checker will not compare: carries the hint for the student."""


class _OutOfTime(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Raise ``_OutOfTime`` in the block after ``seconds`` (main thread, POSIX only)."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, on_alarm)
    remaining = signal.setitimer(signal.ITIMER_REAL, seconds)[0]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:                     # someone else's timer was running: restore it
            signal.setitimer(signal.ITIMER_REAL, remaining)


# ------------------------------------------------------------------ parsing (no evaluation)
def _digits(value: sp.Rational) -> float:
    """Decimal digits of a rational's numerator and denominator."""
    p, q = abs(int(value.p)), int(value.q)
    return (len(str(p)) if p < 10**600 else 600) + (len(str(q)) if q < 10**600 else 600)


def _log10_size(value: sp.Rational) -> float:
    """``log10`` of the larger of ``|value|`` and ``1/|value|`` (0 for 0)."""
    if value == 0:
        return 0.0
    p, q = abs(int(value.p)), int(value.q)
    return abs(math.log10(p) - math.log10(q)) + math.log10(q)


def _guard_pow(base: sp.Expr, exponent: sp.Expr) -> None:
    """Refuse powers that would be huge to build or to expand, before building them."""
    if exponent.free_symbols:
        if base.free_symbols and exponent.free_symbols:
            raise _Refused("a symbol in an exponent (a tower like x**x) is not part of any "
                           "answer here")
        return
    if not exponent.is_Rational:
        return                            # e.g. an exponent like pi: nothing to expand
    if base.free_symbols:
        if abs(exponent) > MAX_POWER:
            raise _Refused(f"the power {exponent} is too large to check (at most {MAX_POWER} "
                           f"on an expression with symbols); no answer here needs it")
        return
    if base.is_Rational and _log10_size(base) * float(abs(exponent)) > MAX_DIGITS:
        raise _Refused(f"a number in your answer is too large to check (about "
                       f"10^{_log10_size(base) * float(abs(exponent)):.3g})")


def _guard_number(value: sp.Expr) -> None:
    if value.is_Rational and _digits(value) > MAX_DIGITS:
        raise _Refused(f"a number in your answer has more than {MAX_DIGITS} digits")


class _Builder:
    """Builds a SymPy expression from a whitelisted Python ``ast``; never evaluates code."""

    def __init__(self, source: str):
        self.source = source

    def build(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise _Refused(f"'{self._text(node)}' is not allowed in an answer; {_SYNTAX_HELP}")
        return method(node)

    def _text(self, node) -> str:
        text = ast.get_source_segment(self.source, node) or type(node).__name__
        return text if len(text) <= 40 else text[:37] + "..."

    def visit_Expression(self, node):
        return self.build(node.body)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = "a complex number" if isinstance(value, complex) else f"'{self._text(node)}'"
            raise _Refused(f"{what} is not allowed in an answer; {_SYNTAX_HELP}")
        if isinstance(value, int):
            if value.bit_length() > MAX_DIGITS * 3.33:
                raise _Refused(f"a number in your answer has more than {MAX_DIGITS} digits")
            return sp.Integer(value)
        if not math.isfinite(value):
            raise _Refused("a number in your answer is not finite")
        # the exact decimal the student typed, not its binary approximation
        text = ast.get_source_segment(self.source, node) or repr(value)
        try:
            out = sp.Rational(text.replace("_", ""))
        except (TypeError, ValueError):
            out = sp.Rational(repr(value))
        _guard_number(out)
        return out

    def visit_Name(self, node):
        name = node.id
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise _Refused(f"{name} is a function: call it, e.g. {name}(x)")
        target = _canonical(name)
        return target if target is not None else sp.Symbol(name)

    def visit_UnaryOp(self, node):
        operand = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise _Refused(f"'{self._text(node)}' is not allowed in an answer; {_SYNTAX_HELP}")

    def visit_BinOp(self, node):
        op = type(node.op)
        if op not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitXor):
            raise _Refused(f"the operator in '{self._text(node)}' is not allowed; {_SYNTAX_HELP}")
        left, right = self.build(node.left), self.build(node.right)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            return left / right
        _guard_pow(left, right)                 # ** and ^ both mean a power
        return left**right

    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise _Refused(f"'{self._text(node.func)}' is not a function the checker knows; "
                           f"{_SYNTAX_HELP}")
        if node.keywords:
            raise _Refused(f"{node.func.id}(...) takes no keyword arguments")
        name = node.func.id
        lo, hi = _ARITY.get(name, (1, 1))
        if not lo <= len(node.args) <= hi:
            raise _Refused(f"{name} takes {lo if lo == hi else f'{lo} to {hi}'} argument(s)")
        args = [self.build(a) for a in node.args]
        if name == "factorial" and not args[0].free_symbols and args[0].is_number and \
                (not args[0].is_Rational or abs(args[0]) > MAX_FACTORIAL):
            raise _Refused(f"factorial of {self._text(node.args[0])} is too large to check "
                           f"(at most {MAX_FACTORIAL})")
        if name == "exp" and args[0].is_Rational and abs(args[0]) > 10**4:
            raise _Refused("exp of a number this large is not part of any answer here")
        return FUNCTIONS[name](*args)


def _parse_string(text: str) -> sp.Expr:
    """Parse a student's string into SymPy without evaluating it (see the module docstring)."""
    if len(text) > MAX_CHARS:
        raise _Refused(f"your answer is longer than {MAX_CHARS} characters")
    if not text.strip():
        raise _Refused(f"your answer is empty; {_SYNTAX_HELP}")
    # `lambda` is a Python keyword: read it as the symbol, as the docs promise
    source = re.sub(r"\blambda\b", "lam", text.strip())
    # ^ means a power (with the precedence of **, not Python's bitwise xor)
    source = source.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        where = f" (near column {err.offset})" if getattr(err, "offset", None) else ""
        raise _Refused(f"could not read your answer{where}; {_SYNTAX_HELP}. Products need "
                       f"a *, e.g. 2*sigma") from None
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > MAX_NODES:
        raise _Refused(f"your answer is too long to check ({n_nodes} parts; at most {MAX_NODES})")
    try:
        return _Builder(source).build(tree)
    except RecursionError:
        raise _Refused("your answer is nested too deeply to check") from None


def _guard_sympy(expr: sp.Expr) -> None:
    """The same size limits for an expression the student built in SymPy."""
    for count, node in enumerate(sp.preorder_traversal(expr)):
        if count > MAX_NODES:
            raise _Refused(f"your answer is too large to check (more than {MAX_NODES} parts)")
        if isinstance(node, sp.Pow):
            _guard_pow(*node.args)
        elif isinstance(node, sp.Rational):
            _guard_number(node)
        elif isinstance(node, sp.factorial) and node.args[0].is_Rational and \
                abs(node.args[0]) > MAX_FACTORIAL:
            raise _Refused(f"factorial of {node.args[0]} is too large to check")


def _exact_floats(expr: sp.Expr) -> sp.Expr:
    """Floats replaced by the rationals of their decimal form (0.1 -> 1/10)."""
    floats = expr.atoms(sp.Float)
    return expr.xreplace({f: sp.Rational(str(f)) for f in floats}) if floats else expr


_NOT_FINITE = (sp.S.Infinity, sp.S.NegativeInfinity, sp.S.ComplexInfinity, sp.S.NaN)


def _to_expr(expr) -> tuple[sp.Expr, list[str]]:
    """Parse/normalise ``expr``; return it in the book's symbols and the unknown names.

    Raises ``_Refused`` (a hint) for an answer that cannot be checked, and
    ``InputTypeError`` / ``ValueError`` for a value that is not an answer at all.
    """
    if isinstance(expr, str):
        expr = _parse_string(expr)
    elif isinstance(expr, (int, float)) and not isinstance(expr, bool):
        if isinstance(expr, float) and not math.isfinite(expr):
            raise _Refused("your answer is not finite")
        expr = sp.Rational(repr(expr)) if isinstance(expr, float) else sp.Integer(expr)
    elif isinstance(expr, sp.Basic) and isinstance(expr, sp.Expr):
        _guard_sympy(expr)
        expr = _exact_floats(expr)
    else:                                             # e.g. Eq(...), a tuple, True, None
        raise InputTypeError(f"expr must be a SymPy expression or a string, got "
                             f"{type(expr).__name__}")
    if expr.has(sp.Sum, sp.Indexed, sp.IndexedBase) or expr.atoms(AppliedUndef):
        raise ValueError(
            "expr contains a symbolic Sum, an indexed or an undefined function: write sums "
            "with N_k and S_k, or spell them out with phi_1, ..., phi_n and x_1, ..., x_n")
    if any(expr.has(z) for z in _NOT_FINITE):
        raise _Refused("your answer is not finite (it contains oo, zoo or nan, e.g. from a "
                       "division by 0 or log(0)): the updates are finite expressions")
    if expr.has(sp.I):
        raise _Refused("your answer is not real (it contains I = sqrt(-1))")
    subs, unknown = {}, []
    for sym in expr.free_symbols:
        target = _canonical(sym.name)
        if target is None:
            unknown.append(sym.name)
        elif target != sym:
            subs[sym] = target
    return expr.xreplace(subs), sorted(unknown)


# ------------------------------------------------------------------ equality
#: Relative size below which a difference counts as 0 at a sample point (50-digit evaluation).
REL_TOL = 1e-25
_N_POINTS = 14
_UNDECIDABLE = (sp.Piecewise, sp.floor, sp.ceiling, sp.Heaviside, sp.Max, sp.Min, sp.Abs,
                sp.DiracDelta, sp.sign, sp.Derivative, sp.Subs)


def _sample(sym: sp.Symbol, rng: random.Random, wide: bool) -> sp.Rational:
    """An exact rational value: in (0.24, 3.06), or (``wide``) of size 1e-2 .. 1e6."""
    value = sp.Rational(rng.randint(23, 297), 97)           # rarely "nice"
    if wide:
        value *= sp.Integer(10) ** rng.randint(-2, 6)
    if not (sym.is_positive or sym.is_nonnegative) and rng.random() < 0.5:
        value = -value
    return value


def _symbolic_zero(expr) -> bool | None:
    """True/False when SymPy decides ``expr == 0`` exactly, None when it cannot."""
    if expr.has(*_UNDECIDABLE):
        return None
    expr = sp.expand_log(expr)                 # log(s**2) -> 2 log(s): s is positive
    # logs, exps and roots become fresh symbols: what is left is a rational function,
    # and a rational function is identically 0 exactly when its cancelled form is 0
    atoms = [a for a in expr.atoms(sp.log, sp.exp, sp.Pow, sp.sin, sp.cos, sp.tan, sp.factorial)
             if not (isinstance(a, sp.Pow) and a.exp.is_Integer)]
    dummies = {a: sp.Dummy() for a in atoms}
    plain = expr.xreplace(dummies) if dummies else expr
    symbols = sorted(plain.free_symbols, key=str)
    if not plain.is_rational_function(*symbols):
        return None
    if sp.cancel(sp.together(plain)) == 0:
        return True
    return False if not dummies else None      # with stand-ins a nonzero form proves nothing


def _value_at(expr, point) -> tuple[complex, float] | None:
    """``expr`` at ``point`` and the size of its terms, with 50 digits; None at a pole."""
    try:
        terms = sp.Add.make_args(expr.xreplace(point))
        values = [complex(t.evalf(50)) for t in terms]
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    if any(v != v or abs(v) == float("inf") for v in values):
        return None
    return sum(values), sum(abs(v) for v in values)


def _sampled_zero(expr) -> bool:
    """``expr`` vanishes (relative to its terms) at every point where it can be evaluated."""
    symbols = sorted(expr.free_symbols, key=lambda z: z.name)
    rng = random.Random(20170101)             # fixed: the verdict must be reproducible
    good = 0
    for j in range(_N_POINTS * 2):
        point = {z: _sample(z, rng, wide=j % 3 != 0) for z in symbols}
        got = _value_at(expr, point)
        if got is None:
            continue
        value, size = got
        if abs(value) > REL_TOL * size:
            return False
        good += 1
        if good == _N_POINTS:
            return True
    try:
        return sp.simplify(expr) == 0         # too few points could be evaluated
    except (TypeError, ValueError, RecursionError):
        return False


def _is_zero(expr) -> bool:
    """True when ``expr`` is identically 0: decided symbolically when possible, else by sampling."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    if not expr.free_symbols:
        got = _value_at(expr, {})
        return got is not None and abs(got[0]) <= REL_TOL * got[1]
    exact = _symbolic_zero(expr)
    return exact if exact is not None else _sampled_zero(expr)


def _same(a, b, free_of=()) -> bool:
    """``a == b``, or (with ``free_of``) ``a - b`` does not depend on the ``free_of`` symbols."""
    diff = a - b
    if not free_of:
        return _is_zero(diff)
    if any(diff.has(f) for f in (sp.floor, sp.ceiling, sp.Heaviside, sp.Piecewise, sp.Max,
                                 sp.Min, sp.Abs, sp.sign)):
        # derivatives of steps and kinks hide jumps: compare differences between points instead
        return _free_of_by_shifts(diff, free_of)
    return all(_is_zero(sp.diff(diff, v)) for v in free_of)


def _free_of_by_shifts(diff, free_of) -> bool:
    """``diff`` takes the same value when only the ``free_of`` symbols change (sampled)."""
    rng = random.Random(20170102)
    symbols = sorted(diff.free_symbols, key=lambda z: z.name)
    for j in range(_N_POINTS):
        base = {z: _sample(z, rng, wide=j % 2 == 0) for z in symbols}
        moved = {**base, **{v: _sample(v, rng, wide=True) for v in free_of if v in base}}
        a, b = _value_at(diff, base), _value_at(diff, moved)
        if a is None or b is None:
            continue
        if abs(a[0] - b[0]) > REL_TOL * (a[1] + b[1]):
            return False
    return True


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
