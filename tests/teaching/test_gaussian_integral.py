"""vilib.symbolic.gaussian_integral against SymPy's integrate and against quadrature."""

import math

import pytest
import sympy as sp
from scipy.integrate import quad

from vilib.teaching.symbolic import gaussian_integral


def test_matches_sympy_integrate_on_a_prior_times_likelihood():
    u = sp.Symbol("u", real=True)
    x1, x2 = sp.Rational(3, 2), sp.Rational(-1, 3)
    expr = sp.exp(-u**2 / 8) * sp.exp(-(x1 - u) ** 2 / 2) * sp.exp(-(x2 - u) ** 2 / 2) / 7
    difference = gaussian_integral(expr, u) - sp.integrate(expr, (u, -sp.oo, sp.oo))
    assert abs(sp.N(difference, 40)) < 1e-30          # erf + erfc - 1, which simplify leaves alone


@pytest.mark.parametrize("a2, a1, a0", [(-0.5, 0.0, 0.0), (-2.0, 1.3, -0.7), (-0.1, -3.0, 2.0)])
def test_matches_quadrature(a2, a1, a0):
    u = sp.Symbol("u", real=True)
    value = float(gaussian_integral(sp.exp(a2 * u**2 + a1 * u + a0), u))
    numeric, _ = quad(lambda t: math.exp(a2 * t * t + a1 * t + a0), -math.inf, math.inf)
    assert value == pytest.approx(numeric, rel=1e-9)


def test_refuses_what_is_not_a_gaussian():
    u = sp.Symbol("u", real=True)
    with pytest.raises(ValueError, match="exp\\(quadratic"):
        gaussian_integral(sp.exp(u**3), u)
    with pytest.raises(ValueError):
        gaussian_integral(sp.exp(u), u)
