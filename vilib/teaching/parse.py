"""Reading a student's answer safely: a whitelist parser that never evaluates anything.

A string answer is parsed by Python's ``ast`` module and only a whitelist of node
types is accepted (numbers, names, ``+ - * / ** ^``, unary minus and calls of the
functions in ``FUNCTIONS``); the SymPy expression is then built node by node here.
Anything else (attribute access, ``__import__``, strings, lambdas, comparisons, ...)
is refused with a hint for the student. Sizes are bounded before anything is built
(``MAX_CHARS``, ``MAX_NODES``, ``MAX_POWER``, ``MAX_DIGITS``, ``MAX_FACTORIAL``), and
the same limits are applied to an expression the student built in SymPy. Used by
:mod:`vilib.teaching.checker` (the book's exercises).
"""

from __future__ import annotations

import ast
import math
import re
import signal
import threading
from contextlib import contextmanager
from typing import Callable

import sympy as sp
from sympy.core.function import AppliedUndef

from .._validation import InputTypeError
from .symbolic import N_k, S_k, lam, m, mu, s, sigma, x

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
