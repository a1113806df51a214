r"""The displayed equation is the checked statement: read a display by its label, parse it, compare.

Every labelled display of the book (``$$ ... $$ (label)`` in ``book/*.md``) is read by the
check cell that follows it. The check reads the LaTeX the reader sees, translates the book's
notation (documented in ``RULES``), parses it with SymPy's ANTLR LaTeX parser, splits it
into statements and links (``=``, ``\propto``, ``\sim``, ``\ge``, ...), and compares every link
*mathematically* with expressions the check derives on its own.

Usage in a chapter (the check cell, tagged ``hide-input``)::

    from vilib.teaching.displays import check_display, check_chain, unchecked_display, gaussian
    from vilib.teaching.notation import x, mu, c, m, s, varphi, sigma, i, j, k, n, K

    # (ell-expected-square): E_{q(mu_k)}[(x_i - mu_k)^2] = x_i^2 - 2 x_i E[mu_k] + E[mu_k^2] = ...
    # one expression per side of the chain, in order; E[.] in the display is computed by the
    # machinery (Gaussian moments), the check gives what it derived on its own
    derived = x[i]**2 - 2*x[i]*m[k] + s[k]**2 + m[k]**2
    check_chain("ell-expected-square", derived, derived, derived)

    # several statements (separated by \qquad, by top-level commas or by lines): one list each
    s2 = 1 / (1/sigma**2 + Sum(varphi[i, k], (i, 1, n)))
    S = Sum(varphi[i, k] * x[i], (i, 1, n))
    check_display("sq-update", [s2, s2], [m[k], S * s2, S * s2],
                  given={s[k]**2: s2})          # s_k^2 in statement 2 means statement 1's value

    # notation the display uses as a name (p(.), q(.), KL(.), D_{ik}, ...) gets its meaning
    # from the model, never from the display: vilib.teaching.notation.MODEL holds the story's
    # densities (p(mu_k), p(c_i), p(x_i | c_i, mu), p(mu, c, x), ...)
    from vilib.teaching.notation import MODEL, likelihood
    check_chain("jd-lik-product", likelihood, likelihood, where=MODEL)

    # \propto, "+ \text{const}": say in what the constant is constant
    check_display("phi-update", [softmax_k, rhs, rhs], wrt=k)       # equal ratios over k
    check_display("sq-collect", [log_q, derived], wrt=mu[k])         # same up to a term free of mu_k

    # what cannot be machine-checked is listed, with the reason (counted by a test)
    unchecked_display("ep-align", reason="an arg max over permutations, not an identity")

Each side of each statement is compared with the check's expression for it; then each link
(``=``, ``\propto``, ``\ge``, ...) is verified between the check's own expressions (a bare name
on the left of ``=`` is a definition and needs no proof). ``X \sim \mathcal N(m, v)`` is
compared as the density of ``X`` (give the density); ``Categorical(\tfrac1K, \dots, \tfrac1K)``
as ``prod_k (1/K)^{c_ik}``; ``k = 1, \dots, K`` as the range ``(k, ("range", "K"))``.
Use :func:`parse_display` (or :func:`translate`) to see how a display is read.

How a link is compared (:func:`compare`):

* sizes are made concrete (``n = 2, K = 3, d = 2`` unless ``sizes=`` says otherwise) and every
  sum and product is expanded, so a display with ``\sum_{k=1}^K`` is checked term by term;
* free indices (``i``, ``k``, ...) take every value in their range;
* ``\mathcal N(x; m, v)`` is the Gaussian density; ``E[\cdot]``, ``E_q[\cdot]`` (and
  ``\mathbb E``) are expectations under the mean-field family ``q(mu_k) = N(m_k, s_k^2)``,
  ``q(c_i) = Categorical(varphi_i)`` (``E_{q(c_i)}`` over the assignments only,
  ``E_{q(\mu_k)}`` over the means only); ``c_{ik}`` left outside an expectation takes every
  one-hot value, so ``N(x_i; c_i^T mu, 1)`` and ``prod_k N(x_i; mu_k, 1)^{c_ik}`` are equal
  and ``(1/K) sum_k N(x_i; mu_k, 1)`` is not;
* the difference of the two sides must vanish at three random points of all remaining
  symbols, evaluated to 30 significant digits (the responsibilities ``varphi_i`` on the
  simplex): a randomised identity test, exact in the sense that an analytic function that
  vanishes at random points is zero with probability one; a non-zero value is reported;
* in ``d`` dimensions ``\mathcal N(m, v I_d)`` is the product of ``d`` coordinate densities,
  ``\|v\|^2`` and ``a^\top b`` are sums over coordinates ``jdim``, ``q(mu_k) = N(m_k, s_k^2 I_d)``;
* an abstract latent ``z`` needs ``discrete={z: (values, weights)}`` or
  ``gaussians={z: (mean, variance)}``; ``E_{q_j}[.]`` is over ``z_j`` only;
  :func:`evaluate` applies the same semantics to an expression (e.g. ``ExpectMu(f, mu[2])``);
* ``\propto`` (and ``+ \text{const}``) compare up to a factor (a term) that does not depend on
  the variables named by ``wrt=`` (e.g. ``wrt=k``: equal ratios for every cluster; ``wrt=mu[k]``:
  the log-difference has zero derivative in ``mu_k``);
* ``\ge``/``\le``/``>``/``<`` are checked at the random points (``strict`` or not).

A parse error, notation the translator does not know, or a name without a meaning fails the
check with a :class:`DisplayError` that quotes the display. A failed link raises
:class:`DisplayMismatch` naming the link, the parsed side and the expected expression.

Every successful check writes a record (``_build/displays/<label>.json``: the LaTeX, the
expected expressions and options as ``srepr``) so that ``tests/teaching/test_display_mutations.py``
can mutate every linked display's LaTeX (sign flips, changed coefficients, changed powers,
dropped terms and factors, changed indices) and assert that the comparison fails, without
executing the chapters. The check functions return ``None``: a check cell shows nothing.

Extending the notation: append ``(regex, replacement, doc)`` to ``RULES`` (applied in
order, before parsing) or bind a name per check with ``where=``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import sympy as sp

from vilib.teaching import notation as _nt
from vilib.teaching.displays._base import (_COORD, CONST, Categorical, DisplayError, DisplayMismatch,
                                           Expect, ExpectC, ExpectMu, Normal, _DOTS, _DUMMY,
                                           gaussian)
from vilib.teaching.displays._compare import DEFAULT_SIZES, compare, evaluate  # noqa: F401
from vilib.teaching.displays._parse import Statement, parse_display, parse_latex, translate
from vilib.teaching.displays._source import Display, all_displays, find_display, records_dir
from vilib.teaching.displays._translate import RULES, _match_close, _statements  # noqa: F401

__all__ = [
    "DisplayError", "DisplayMismatch", "Display", "Statement", "find_display", "translate",
    "parse_display", "parse_latex", "check_display", "assert_display", "check_chain",
    "unchecked_display", "compare", "Expect", "ExpectC", "ExpectMu", "Normal", "gaussian",
    "CONST", "RULES", "all_displays", "records_dir", "evaluate",
]


# ------------------------------------------------------------------------------------------
# The API for check cells
def _record(label: str, disp_latex: str, expected, options: dict):
    directory = records_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "label": label,
            "latex": disp_latex,
            "expected": [[sp.srepr(sp.sympify(e)) if not isinstance(e, tuple) else repr(e) for e in group]
                         for group in expected],
            "options": {key: (val if key == "skip" else
                              {str(k2): sp.srepr(sp.sympify(v2)) for k2, v2 in val.items()}
                              if key in ("where", "ranges") else sp.srepr(sp.sympify(val)))
                        for key, val in options.items() if val is not None},
        }
        (directory / f"{label}.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    except (OSError, TypeError, ValueError):  # a record is an optimisation for tests, never fatal
        pass


def check_display(label: str, *expected: Sequence, where: dict | None = None,
                  ranges: dict | None = None, sizes: dict | None = None, wrt=None,
                  gaussians: dict | None = None, skip: dict | None = None, latex: str | None = None,
                  given: dict | None = None, discrete: dict | None = None,
                  record: bool = True) -> None:
    """Check every link of display ``label`` against the expressions the check derived.

    ``expected``: one sequence per statement of the display (in order), with one expression per
    side (``len(sides)`` = number of relations + 1). ``skip={index: reason}`` leaves a statement
    (e.g. an ``arg min`` definition) out, with the reason; ``latex=`` checks given LaTeX instead
    of the chapter's (used by the mutation test); ``given={c[i, k]: 1}`` restricts the one-hot
    values of the assignments to those the display speaks about, and ``given={s[k]**2: value}``
    replaces a name by its value on both sides (a name defined by another statement);
    ``gaussians={z: (mean, variance)}`` and ``discrete={z: (values, weights)}`` say what
    ``E_q`` integrates over when the display speaks of an abstract latent ``z``. Raises :class:`DisplayMismatch` on the first
    link that fails.
    """
    skip = skip or {}
    text = latex if latex is not None else find_display(label).latex
    statements = parse_display(text, where=where, ranges=ranges, skip=skip)
    if len(statements) != len(expected) + len([s for s in skip if s < len(statements)]) and \
            len(statements) != len(expected):
        raise DisplayMismatch(f"({label}) has {len(statements)} statements "
                              f"({[s.latex for s in statements]}), the check gives {len(expected)}")
    groups = iter(expected)
    for number, stmt in enumerate(statements):
        if number in skip:
            continue
        group = list(next(groups))
        if len(group) != len(stmt.exprs):
            raise DisplayMismatch(f"({label}) statement {number + 1} {stmt.latex!r} has {len(stmt.exprs)} "
                                  f"sides, the check gives {len(group)}")
        opts = dict(sizes=sizes, wrt=wrt, gaussians=gaussians, given=given, discrete=discrete)
        for side, (parsed, wanted) in enumerate(zip(stmt.exprs, group)):
            relation = "=" if side == 0 else stmt.relations[side - 1]
            if relation == "range":
                ok, why = (parsed == wanted), "the range differs"
                _raise_if(not ok, label, number, side, relation, why, stmt, parsed, wanted)
                continue
            if relation == r"\sim":
                parsed = _law_density(parsed, group[0])
            # 1. the side as displayed is the expression the check derived
            ok, why = compare(parsed, wanted, "=", **opts)
            _raise_if(not ok, label, number, side, "side", why, stmt, parsed, wanted)
            # 2. the link holds between the check's own expressions (a bare name on the left,
            #    "s_k^2 = ...", is a definition: nothing to prove)
            if side and relation not in (r"\sim",) and not (side == 1 and _is_name(stmt.exprs[0])
                                                             and _same(group[0], stmt.exprs[0])):
                # "+ const" on a side of the display: the link holds up to a constant
                left = group[side - 1] + (CONST if stmt.exprs[side - 1].has(CONST) else 0)
                right = wanted + (CONST if stmt.exprs[side].has(CONST) else 0)
                ok, why = compare(left, right, relation, **opts)
                _raise_if(not ok, label, number, side, relation, why, stmt, group[side - 1], wanted,
                          link=True)
    if record and latex is None:
        _record(label, text, expected, dict(where=where, ranges=ranges, sizes=sizes, wrt=wrt,
                                            gaussians=gaussians, skip=skip or None, given=given,
                                            discrete=discrete))
    return None     # nothing to show in the page: a check cell passes silently or raises


def _is_name(expr) -> bool:
    """A bare name (``m_k``, ``s_k^2``, ``\\varphi_{ik}``): the left side of a definition."""
    expr = sp.sympify(expr)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        expr = expr.base
    return isinstance(expr, (sp.Symbol, sp.Indexed))


def _same(a, b) -> bool:
    return sp.sympify(a) == sp.sympify(b)


def _raise_if(failed, label, number, side, relation, why, stmt, parsed, wanted, link=False):
    if not failed:
        return
    if link:
        raise DisplayMismatch(
            f"({label}) statement {number + 1}: the link '{relation}' between sides {side} and "
            f"{side + 1} does not hold for the check's own expressions: {why}\n"
            f"  left : {parsed}\n  right: {wanted}")
    raise DisplayMismatch(
        f"({label}) statement {number + 1}, side {side + 1} differs from the check: {why}\n"
        f"  display : {stmt.raw[side] if side < len(stmt.raw) else stmt.latex}\n"
        f"  parsed  : {parsed}\n  expected: {wanted}")


def _coordinate(expr):
    """Coordinate ``jdim`` of a vector expression: mu_k -> mu[k, jdim], x_i -> x[i, jdim]."""
    vectors = (_nt.x, _nt.mu, _nt.m)
    return sp.sympify(expr).replace(
        lambda e: isinstance(e, sp.Indexed) and e.base in vectors and _COORD not in e.indices,
        lambda e: e.base[tuple(e.indices) + (_COORD,)])


def _law_density(law, variable):
    """``X \\sim N(m, v)`` -> the density of X; ``Categorical(p_1, ..., p_K)`` -> prod p^c."""
    if isinstance(law, sp.Function) and law.func == Normal and len(law.args) == 2:
        mean, variance = law.args
        identity = [f for f in sp.Mul.make_args(variance)
                    if isinstance(f, sp.Indexed) and str(f.base) == "I"]
        if identity:        # N(mean, v I_d): d independent coordinates with variance v
            variance = variance / identity[0]
            return sp.Product(gaussian(_coordinate(variable), _coordinate(mean), variance),
                              (_COORD, 1, _nt.d))
        return gaussian(variable, mean, variance)
    if isinstance(law, sp.Function) and law.func == Categorical:
        # Categorical(p_1, \dots, p_K) of a one-hot c_i: prod_k p_k^{c_ik}
        args = list(law.args)
        if len(args) == 3 and args[1] == _DOTS and sp.simplify(args[0] - args[2]) == 0 \
                and isinstance(variable, sp.Indexed) and len(variable.indices) == 1:
            row = variable.indices[0]
            return sp.Product(args[0] ** _nt.c[row, _DUMMY], (_DUMMY, 1, _nt.K))
        if _DOTS in args:
            raise DisplayError(f"cannot read the law {law}: only equal first and last entries around \\dots")
        if isinstance(variable, sp.Indexed) and len(variable.indices) == 1:
            row = variable.indices[0]
            return sp.Mul(*[p ** _nt.c[row, kk + 1] for kk, p in enumerate(args)])
    raise DisplayError(f"cannot read the law {law}")


def assert_display(label: str, *, lhs=None, rhs=None, **options) -> None:
    """Shorthand for a display with one statement ``lhs = rhs`` (``lhs`` defaults to the
    parsed left side, so only the right side is checked)."""
    statements = parse_display(options.get("latex") or label, where=options.get("where"),
                               ranges=options.get("ranges"))
    if len(statements) != 1 or len(statements[0].exprs) != 2:
        raise DisplayError(f"assert_display needs a display 'lhs = rhs'; ({label}) has "
                           f"{[s.latex for s in statements]}: use check_display")
    check_display(label, [statements[0].exprs[0] if lhs is None else lhs, rhs], **options)


def check_chain(label: str, *sides, **options) -> None:
    """Shorthand for a display with one statement ``side_0 = side_1 = ...``."""
    check_display(label, list(sides), **options)


_UNCHECKED: dict[str, str] = {}


def unchecked_display(label: str, reason: str) -> None:
    """Declare that display ``label`` is not machine-checked, and why (counted by a test)."""
    find_display(label)              # the label must exist
    if len(reason.split()) < 4:
        raise DisplayError("give a reason a reader can follow (a sentence)")
    _UNCHECKED[label] = reason
    directory = records_dir()
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{label}.unchecked.json").write_text(
                json.dumps({"label": label, "reason": reason}), encoding="utf-8")
        except OSError:
            pass


def load_record(path: str | Path) -> dict:
    """A record written by :func:`check_display`, with its expressions rebuilt."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    from sympy.functions.elementary.piecewise import ExprCondPair
    namespace = {**sp.__dict__, "ExprCondPair": ExprCondPair, "Expect": Expect, "ExpectC": ExpectC, "ExpectMu": ExpectMu,
                 "Normal": Normal, "Categorical": Categorical}

    def rebuild(text):
        if text.startswith("("):
            return eval(text)  # noqa: S307 - ("range", "K") tuples written by _record
        return eval(text, namespace)  # noqa: S307 - srepr written by _record
    data["expected"] = [[rebuild(e) for e in group] for group in data["expected"]]
    opts = {}
    for key, val in data.get("options", {}).items():
        if key in ("where", "ranges"):
            opts[key] = {k2: rebuild(v2) for k2, v2 in val.items()}
        elif key == "skip":
            opts[key] = {int(k2): v2 for k2, v2 in val.items()}
        else:
            opts[key] = rebuild(val)
    data["options"] = opts
    return data
