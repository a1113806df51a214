"""Is an expression identically zero? Symbolic where SymPy can decide, else wide sampling.

A rational function of the symbols (logarithms, exponentials and roots stand in as
fresh symbols) is identically zero exactly when its cancelled form is 0: that is
decided symbolically. Anything else (``floor``, ``Heaviside``, ``Max``, ``Piecewise``,
...) is evaluated at exact rational points spread over a wide range (sizes 1e-2 to
1e6, both signs for real symbols) with 50 significant digits, and must vanish relative
to the size of its terms (``REL_TOL``) at every point. Used by
:mod:`vilib.teaching.checker`.
"""

from __future__ import annotations

import random

import sympy as sp

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
