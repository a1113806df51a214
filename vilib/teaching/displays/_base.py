"""The display checker's vocabulary: its errors and the functions a parsed display contains."""

from __future__ import annotations

import sympy as sp

from vilib.teaching.symbolic import normal_pdf

class DisplayError(ValueError):
    """A display could not be read, translated or parsed, or a check was called wrongly."""


class DisplayMismatch(AssertionError):
    """A link of a display is not equal to the expression the check derived."""


# ------------------------------------------------------------------------------------------
# The functions a parsed display may contain
Expect = sp.Function("Expect")        # E_q[.]: over the whole mean-field q
ExpectC = sp.Function("ExpectC")      # E_{q(c_i)}[.]: over the assignments only
ExpectMu = sp.Function("ExpectMu")    # E_{q(mu_k)}[.]: over the means only
Normal = sp.Function("Normal")        # Normal(x, mean, variance): the density; 2 args: a law
Categorical = sp.Function("Categorical")
CONST = sp.Symbol("const")            # "+ const" in a display


#: the density ``N(value; mean, variance)`` as an explicit SymPy expression
gaussian = normal_pdf



_DUMMY = sp.Symbol("tdummy", integer=True)
_COORD = sp.Symbol("jdim", integer=True)     # the coordinate index of a vector in d dimensions
_DOTS = sp.Symbol("dots")          # "a, \dots, b" in the arguments of a law


