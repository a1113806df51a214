"""Symbols shared by the SymPy checks of every chapter (import, don't re-declare).

Requires SymPy (an optional dependency: ``pip install "cavi-vilib[symbolic]"``). The
names follow the book and Blei et al. (2017): scalar versions of the 1-D model,
for one data point ``x`` (``x_i``) and one cluster mean ``mu`` (``mu_k``).

Examples
--------
>>> from vilib.teaching.symbolic import x, mu, m, s, sigma, gaussian_expectation
>>> gaussian_expectation((x - mu)**2, mu, m, s**2).expand()
m**2 - 2*m*x + s**2 + x**2
"""

from __future__ import annotations

import sympy as sp
from sympy.stats import E, Normal

# data, latent mean, variational parameters (real; scales positive)
x, mu, m = sp.symbols("x mu m", real=True)
s, sigma, lam = sp.symbols("s sigma lambda", positive=True)
s2 = s**2                                    # variational variance s_k^2
phi = sp.Symbol("phi", nonnegative=True)     # one responsibility phi_ik
K, n, d = sp.symbols("K n d", positive=True, integer=True)
i, k = sp.symbols("i k", integer=True)


def gaussian_expectation(expr, var, mean, variance):
    """``E[expr]`` for ``var ~ N(mean, variance)``, computed by ``sympy.stats``.

    ``expr`` must be a polynomial or exponential-quadratic in ``var`` for SymPy
    to integrate it in closed form.
    """
    rv = Normal(f"{var}_q", mean, sp.sqrt(variance))
    return sp.simplify(E(expr.subs(var, rv)))


def normal_logpdf(value, mean, variance):
    """``log N(value; mean, variance)`` written out, every constant kept."""
    return -sp.log(2 * sp.pi * variance) / 2 - (value - mean) ** 2 / (2 * variance)


def is_equal(lhs, rhs) -> bool:
    """True when ``lhs - rhs`` simplifies to zero (the test every step must pass)."""
    return sp.simplify(sp.expand(lhs - rhs)) == 0


# ---- appended for chapters 4-6 and vilib.teaching.checker --------------------------------
#: Expected count ``N_k = sum_i phi_ik`` and expected sum ``S_k = sum_i phi_ik x_i`` of cluster k.
N_k = sp.Symbol("N_k", nonnegative=True)
S_k = sp.Symbol("S_k", real=True)


def indexed_symbols(name, count, **assumptions):
    """``(name_1, ..., name_count)``: e.g. ``indexed_symbols("phi", 3, nonnegative=True)``.

    The checker (:mod:`vilib.teaching.checker`) reads ``phi_j`` as nonnegative and ``x_j``
    as real; create them with these assumptions to get the same symbols.
    """
    return sp.symbols(f"{name}_1:{int(count) + 1}", **assumptions)


def normal_pdf(value, mean, variance):
    """``N(value; mean, variance)`` as a SymPy expression: the exponential of :func:`normal_logpdf`."""
    return sp.exp(normal_logpdf(value, mean, variance))
