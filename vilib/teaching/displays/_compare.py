"""Comparing two expressions under the book's semantics (sizes, indices, densities, E_q, one-hot c)."""

from __future__ import annotations

import itertools
import random

import sympy as sp

from vilib.teaching import notation as _nt
from vilib.teaching.displays._base import (_DUMMY, CONST, Categorical, DisplayError, Expect,
                                           ExpectC, ExpectMu, Normal, gaussian)

# ------------------------------------------------------------------------------------------
# Semantics: sizes, indices, densities, expectations
DEFAULT_SIZES = {"n": 2, "K": 3, "d": 2}


def _concrete(expr, sizes: dict) -> sp.Expr:
    expr = sp.sympify(expr)
    expr = expr.xreplace({_nt.symbol(name): value for name, value in sizes.items()})
    return expr.doit(deep=True) if expr.has(sp.Sum, sp.Product) else expr


def _indexed_atoms(expr, name: str) -> set:
    return {atom for atom in expr.atoms(sp.Indexed) if atom.base == _nt.base(name)}


def _free_indices(exprs) -> list[sp.Symbol]:
    found = set()
    for expr in exprs:
        for atom in sp.sympify(expr).atoms(sp.Indexed):
            for index in atom.indices:
                found |= {s for s in index.free_symbols if s.is_integer}
    return sorted(found, key=str)


def _densities(expr) -> sp.Expr:
    """Normal(x, m, v) -> the Gaussian density; Categorical(c_i, varphi_i) -> prod_k varphi_ik^c_ik."""
    def normal(*args):
        if len(args) != 3:
            raise DisplayError(f"N(...) with {len(args)} arguments outside a '~' statement")
        return gaussian(*args)
    expr = expr.replace(lambda e: isinstance(e, sp.Function) and e.func == Normal,
                        lambda e: normal(*e.args))

    def categorical(value, probabilities):
        # Categorical(c_i; varphi_i): prod_k varphi_ik^c_ik
        if not (isinstance(value, sp.Indexed) and isinstance(probabilities, sp.Indexed)):
            raise DisplayError(f"cannot read Categorical({value}, {probabilities})")
        row, prow = value.indices[0], probabilities.indices[0]
        return sp.Product(probabilities.base[prow, _DUMMY] ** value.base[row, _DUMMY], (_DUMMY, 1, _nt.K))
    expr = expr.replace(lambda e: isinstance(e, sp.Function) and e.func == Categorical and len(e.args) == 2,
                        lambda e: categorical(*e.args))
    return expr.doit() if expr.has(sp.Product) else expr


def _gaussian_moment(mean, var, power: int):
    return sum(sp.binomial(power, 2 * r) * mean ** (power - 2 * r) * var ** r * sp.factorial2(2 * r - 1)
               for r in range(power // 2 + 1))


def _onehot_rows(expr, sizes) -> list:
    return sorted({atom.indices[0] for atom in _indexed_atoms(expr, "c")}, key=str)


def _c_values(rows, K_value):
    """Every one-hot value of the rows: (substitution, weight under q)."""
    for choice in itertools.product(range(1, K_value + 1), repeat=len(rows)):
        sub, weight = {}, sp.Integer(1)
        for row, chosen in zip(rows, choice):
            for kk in range(1, K_value + 1):
                sub[_nt.c[row, kk]] = sp.Integer(1 if kk == chosen else 0)
            weight *= _nt.varphi[row, chosen]
        yield sub, weight


def _expect_mu(expr, gaussians: dict | None = None, only=None) -> sp.Expr:
    """E over the Gaussian factors: mu_k ~ N(m_k, s_k^2) (or the given {symbol: (mean, var)});
    ``only``: over that one mean (``E_{q(mu_k)}``)."""
    expr = sp.expand(sp.expand_log(sp.sympify(expr), force=True))
    # mu_k (or its coordinate mu_kj in d dimensions) ~ N(m_k(j), s_k^2): one variance per cluster
    variables = {atom: (_nt.m[atom.indices], _nt.s[atom.indices[0]] ** 2)
                 for atom in _indexed_atoms(expr, "mu") if only is None or atom == only}
    variables.update({v: mv for v, mv in (gaussians or {}).items() if expr.has(v)})
    if not variables:
        return expr
    poly = sp.Poly(expr, *variables)
    if not all(g.is_polynomial(*variables) for g in [expr]):
        raise DisplayError(f"the expectation of {expr} is not polynomial in the means")
    total = 0
    for powers, coeff in poly.terms():
        term = coeff
        for (var, (mean, var_), power) in zip(variables, variables.values(), powers):
            term *= _gaussian_moment(mean, var_, power)
        total += term
    return total


def _expectations(expr, sizes, gaussians=None, discrete=None) -> sp.Expr:
    """Evaluate Expect/ExpectC/ExpectMu, innermost first."""
    def evaluate(node):
        inner = node.args[0]
        inner = _densities(inner)
        variable = node.args[1] if len(node.args) > 1 else None
        if discrete and node.func == Expect:       # a finite latent variable z: sum over its values
            total = 0
            chosen = discrete
            if variable is not None:                 # E_{q_j}: over z_j only
                if variable not in discrete:
                    raise DisplayError(f"E over {variable}: the check declares no such latent "
                                       f"(discrete={list(discrete)})")
                chosen = {variable: discrete[variable]}
            for var, (values, weights) in chosen.items():
                for value, weight in zip(values, weights):
                    total += weight * _concrete(inner.xreplace({var: value}), sizes)
            return _expect_mu(total, gaussians)
        if node.func in (Expect, ExpectC):
            rows = _onehot_rows(inner, sizes)
            if variable is not None:            # E_{q(c_i)}: over row i only
                rows = [row for row in rows if row == variable.indices[0]]
            total = 0
            for sub, weight in _c_values(rows, sizes["K"]):
                value = inner.xreplace(sub)
                total += weight * (_expect_mu(value, gaussians) if node.func == Expect else value)
            return total
        return _expect_mu(inner, gaussians, only=variable)

    while True:
        nodes = [e for e in sp.preorder_traversal(expr) if isinstance(e, sp.Function)
                 and e.func in (Expect, ExpectC, ExpectMu) and not e.args[0].has(Expect, ExpectC, ExpectMu)]
        if not nodes:
            return expr
        expr = expr.xreplace({node: evaluate(node) for node in nodes})


# ------------------------------------------------------------------------------------------
# Comparison
_RNG_DIGITS = 30


def _random_values(exprs, seed: int, sizes) -> dict:
    symbols = set()
    for e in map(sp.sympify, exprs):
        symbols |= {s for s in e.free_symbols if not isinstance(s, sp.Indexed)}
        symbols |= e.atoms(sp.Indexed)
    rng = random.Random(seed)
    values = {}
    phis = {}
    for sym in sorted(symbols, key=str):
        # varphi_ik (two indices) is a row of q(c_i): on the simplex; varphi_k with the point
        # index dropped (a Lagrangian's variable) is an unconstrained positive number
        if isinstance(sym, sp.Indexed) and sym.base == _nt.varphi and len(sym.indices) == 2:
            phis.setdefault(sym.indices[0], set()).add(sym)
            continue
        if isinstance(sym, sp.Symbol) and sym in (CONST,):
            continue
        positive = bool(sym.is_positive) or bool(getattr(sym, "is_nonnegative", False))
        value = sp.Rational(rng.randint(5, 40), 10) if positive else sp.Rational(rng.randint(-30, 30), 10) + sp.Rational(1, 7)
        if sym.is_integer:
            value = sp.Integer(rng.randint(1, 4))
        values[sym] = value
    for row in phis:
        raw = [sp.Rational(rng.randint(1, 20), 1) for _ in range(sizes["K"])]
        total = sum(raw)
        for kk in range(1, sizes["K"] + 1):
            values[_nt.varphi[row, kk]] = raw[kk - 1] / total
    return values


def _numeric(expr, values) -> sp.Expr:
    return sp.N(sp.sympify(expr).xreplace(values), _RNG_DIGITS)


def _is_zero(diff, points: list[dict]) -> tuple[bool, str]:
    for values in points:
        num = _numeric(diff, values)
        if num.free_symbols:
            return False, f"does not reduce to a number (free: {sorted(map(str, num.free_symbols))})"
        try:
            magnitude = abs(complex(num))
        except TypeError:
            return False, f"not a number: {num}"
        if magnitude > 1e-20:
            return False, f"differs by {sp.N(num, 6)} at a random point"
    return True, ""


def _points(exprs, sizes, count=3):
    return [_random_values(exprs, seed, sizes) for seed in range(count)]


def compare(parsed, expected, relation: str = "=", *, sizes=None, wrt=None,
            gaussians=None, strict=False, given: dict | None = None,
            discrete: dict | None = None) -> tuple[bool, str]:
    """Is ``parsed <relation> expected`` true? Returns (ok, reason).

    Both sides get the same semantics (see the module docstring): concrete sizes, every
    value of the free indices, densities, expectations, one-hot assignments.
    """
    sizes = {**DEFAULT_SIZES, **{str(key): int(val) for key, val in (sizes or {}).items()}}
    a0, b0 = _concrete(parsed, sizes), _concrete(expected, sizes)
    indices = [idx for idx in _free_indices([a0, b0] + [sp.sympify(key) for key in (given or {})])
               if idx not in (discrete or {})]        # a discrete latent z is summed over by E_q
    ranges = {idx: range(1, (sizes["n"] if str(idx) == "i" else sizes["K"]) + 1) for idx in indices}
    wrt_list = [] if wrt is None else list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    index_wrt = [w for w in wrt_list if w in indices]
    loop_indices = [idx for idx in indices if idx not in index_wrt]
    for combo in itertools.product(*(ranges[idx] for idx in loop_indices)):
        sub = dict(zip(loop_indices, combo))
        a1, b1 = a0.xreplace(sub), b0.xreplace(sub)
        conditions, names = {}, {}
        for key, value in (given or {}).items():
            key = _concrete(key, sizes).xreplace(sub)
            target = conditions if isinstance(key, sp.Indexed) and key.base == _nt.c else names
            target[key] = _concrete(value, sizes).xreplace(sub)
        if names:      # given={s[k]**2: ...}: a name another statement defines, by its value
            a1, b1 = a1.xreplace(names), b1.xreplace(names)
        # wrt=mu[k, j] with k a free index: the variables of this value of k
        wrt_here = [w if w in index_wrt else sp.sympify(w).xreplace(sub) for w in wrt_list]
        ok, why = _compare_concrete(a1, b1, relation, sizes, wrt_here, index_wrt, gaussians, strict,
                                    conditions, discrete, names)
        if not ok:
            where = ", ".join(f"{idx} = {val}" for idx, val in sub.items())
            return False, why + (f" (at {where})" if where else "")
    return True, ""


def evaluate(expr, *, sizes=None, gaussians=None, discrete=None) -> sp.Expr:
    """``expr`` with the book's semantics applied: concrete sizes, sums expanded, expectations
    (``Expect``, ``ExpectC(f, c_i)``, ``ExpectMu(f, mu_k)``) computed, densities written out."""
    sizes = {**DEFAULT_SIZES, **{str(key): int(val) for key, val in (sizes or {}).items()}}
    return _evaluate(_concrete(expr, sizes), sizes, gaussians, discrete)


def _evaluate(expr, sizes, gaussians, discrete=None):
    expr = _expectations(expr, sizes, gaussians, discrete)
    return _densities(expr)


def _compare_concrete(a, b, relation, sizes, wrt, index_wrt, gaussians, strict, conditions=None,
                      discrete=None, names=None):
    a, b = _evaluate(a, sizes, gaussians, discrete), _evaluate(b, sizes, gaussians, discrete)
    if names:     # again after the expectations: E_q[.] brings in the weights varphi_ik
        a, b = a.xreplace(names), b.xreplace(names)
    rows = sorted(set(_onehot_rows(a, sizes)) | set(_onehot_rows(b, sizes))
                  | {key.indices[0] for key in (conditions or {})}, key=str)
    compared = 0
    for sub, _w in _c_values(rows, sizes["K"]):
        if any(sp.sympify(key).xreplace(sub) != value for key, value in (conditions or {}).items()):
            continue      # a one-hot value the display does not speak about (given=)
        compared += 1
        a1, b1 = a.xreplace(sub), b.xreplace(sub)
        ok, why = _relation_holds(a1, b1, relation, sizes, wrt, index_wrt, strict)
        if not ok:
            onehot = {str(key): int(val) for key, val in sub.items() if val == 1}
            return False, why + (f" (one-hot c: {sorted(onehot)})" if onehot else "")
    if not compared:
        raise DisplayError(f"no one-hot assignment satisfies given={conditions}")
    return True, ""


def _log_difference(a, b):
    return sp.expand_log(sp.log(a), force=True) - sp.expand_log(sp.log(b), force=True)


def _relation_holds(a, b, relation, sizes, wrt, index_wrt, strict):
    has_const = a.has(CONST) or b.has(CONST)
    if relation in ("=", r"\propto") and (relation == r"\propto" or has_const):
        if not wrt:
            raise DisplayError(f"'{relation}' or '+ const' needs wrt=: constant in which variables?")
        if relation == r"\propto":
            diff = _log_difference(a, b)
        else:
            diff = (a - b).xreplace({CONST: sp.Integer(0)})   # a python 0 has no .free_symbols
        if index_wrt:
            # constant across the values of an index (e.g. proportional over k)
            idx = index_wrt[0]
            values = [diff.xreplace({idx: v}) for v in range(1, sizes["K"] + 1)]
            points = _points(values, sizes)
            for other in values[1:]:
                ok, why = _is_zero(other - values[0], points)
                if not ok:
                    return False, f"not constant in {idx}: {why}"
            return True, ""
        grads = [sp.diff(diff, w) for w in wrt if not (isinstance(w, sp.Symbol) and w.is_integer)]
        points = _points([diff], sizes)
        for g in grads:
            ok, why = _is_zero(g, points)
            if not ok:
                return False, f"the difference depends on the variables wrt: {why}"
        return True, ""
    diff = a - b
    points = _points([a, b], sizes)
    if relation == "=":
        return _is_zero(diff, points)      # zero at every random point (see the module docstring)
    if relation in (r"\ge", ">", r"\le", "<"):
        for values in points:
            va, vb = _numeric(a, values), _numeric(b, values)
            holds = {r"\ge": va >= vb, ">": va > vb, r"\le": va <= vb, "<": va < vb}[relation]
            if not holds or (strict and va == vb):
                return False, f"{sp.N(va, 6)} {relation} {sp.N(vb, 6)} is false at a random point"
        return True, ""
    raise DisplayError(f"relation {relation!r} is not supported")


