"""The book's notation as SymPy objects, shared by every chapter's display checks.

Import these instead of declaring symbols in a chapter: the display parser
(:mod:`vilib.teaching.displays`) turns the LaTeX it reads into exactly these objects, so an
expression a check builds and an expression parsed from a display can be compared.

* ``x_i``: ``x[i]``, a data point (real);
* ``\\mu_k``: ``mu[k]``, a cluster mean (real, random);
* ``c_{ik}``: ``c[i, k]``, the one-hot assignment indicator (0 or 1);
* ``m_k`` and ``s_k^2``: ``m[k]`` and ``s[k]**2``, mean and variance of q(mu_k) (``s[k]`` > 0);
* ``\\varphi_{ik}``: ``varphi[i, k]``, q(c_ik = 1); its rows sum to one;
* ``D_{ik}``: ``D[i, k]``, log N(x_i; mu_k, 1) (a random quantity);
* ``a_{ik}``: ``a[i, k]``, the logit of varphi_ik;
* ``N_k``, ``S_k``: ``N[k]``, ``S[k]``, sum_i varphi_ik and sum_i varphi_ik x_i;
* ``\\sigma``, ``\\lambda``: ``sigma``, ``lam``, prior and likelihood standard deviations (> 0);
* ``n, K, d``: sizes (positive integers); ``i, j, k, l``: indices (integers);
* in d dimensions a second index is the coordinate: ``x[i, j]``, ``mu[k, j]``, ``m[k, j]``.

Any other subscripted name ``a_{...}`` in a display becomes ``IndexedBase(name)[...]``
(real); :func:`base` returns that base so that a check can build it too.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "i", "j", "k", "l", "n", "K", "d", "sigma", "lam",
    "x", "mu", "c", "m", "s", "varphi", "D", "a", "N", "S", "base", "symbol", "INDEX_LETTERS",
    "MODEL", "prior_mu", "prior_c", "likelihood", "selected_mean",
]

# indices and sizes
i, j, k, l = sp.symbols("i j k l", integer=True)
n, K, d = sp.symbols("n K d", positive=True, integer=True)

# scalars
sigma, lam = sp.symbols("sigma lambda", positive=True)

#: assumptions of the indexed families the book uses (anything else is real)
_ASSUMPTIONS = {
    "x": dict(real=True), "mu": dict(real=True), "m": dict(real=True),
    "s": dict(positive=True), "varphi": dict(positive=True), "c": dict(nonnegative=True),
    "D": dict(real=True), "a": dict(real=True), "l": dict(real=True),
    "N": dict(positive=True), "S": dict(real=True), "n": dict(nonnegative=True),
    # chapters 8-13: conditional variances, normalisers and weights are positive
    "sbar": dict(positive=True), "Z": dict(positive=True), "w": dict(positive=True),
}
#: assumptions of plain (unsubscripted) names other than the sizes and indices
_SYMBOL_ASSUMPTIONS = {"b": dict(positive=True), "w": dict(positive=True), "p": dict(positive=True)}
_BASES: dict[str, sp.IndexedBase] = {}
_SYMBOLS: dict[str, sp.Symbol] = {"sigma": sigma, "lambda": lam, "n": n, "K": K, "d": d}

#: letters that are read as indices when they appear in a subscript
INDEX_LETTERS = "ijklt"


def base(name: str) -> sp.IndexedBase:
    """The shared ``IndexedBase`` for ``name`` (``"x"``, ``"mu"``, ``"varphi"``, ...)."""
    if name not in _BASES:
        # label symbols carry an extra marker so that they never equal a size symbol (n, K)
        label = sp.Symbol(name, **_ASSUMPTIONS.get(name, dict(real=True)))
        _BASES[name] = sp.IndexedBase(label)
    return _BASES[name]


def symbol(name: str) -> sp.Symbol:
    """The shared plain symbol ``name`` (``"sigma"``, ``"lambda"``, ``"K"``, ...); new ones are real."""
    if name not in _SYMBOLS:
        if len(name.rstrip("'")) == 1 and name[0] in INDEX_LETTERS:
            _SYMBOLS[name] = sp.Symbol(name, integer=True)
        else:
            _SYMBOLS[name] = sp.Symbol(name, **_SYMBOL_ASSUMPTIONS.get(name, dict(real=True)))
    return _SYMBOLS[name]


_SYMBOLS.update({"i": i, "j": j, "k": k, "l": l})

x, mu, c, m, s, varphi, D, a, N, S = (base(name) for name in
                                      ("x", "mu", "c", "m", "s", "varphi", "D", "a", "N", "S"))


# ---- the model's story as densities (the meaning of p(.) in the book's 1-D model) ---------
from vilib.teaching.symbolic import normal_pdf as _gaussian  # noqa: E402


#: the selected mean c_i^T mu of the story (a sum over the one-hot entries of c_i)
selected_mean = sp.Sum(c[i, j] * mu[j], (j, 1, K))
#: mu_k ~ N(0, sigma^2); c_i ~ Categorical(1/K, ..., 1/K); x_i | c_i, mu ~ N(c_i^T mu, 1)
prior_mu = _gaussian(mu[k], 0, sigma ** 2)
prior_c = sp.Product(sp.Integer(1) / K ** c[i, k], (k, 1, K))
likelihood = _gaussian(x[i], selected_mean, 1)

#: ``where=`` bindings for the densities the chapters write with p(.): each is the story's
#: density (the generative model, eq-prior-mu, eq-prior-c, eq-likelihood), never a display's
#: rearrangement of it. p(c | mu) is p(c): the story draws the labels without looking at mu.
MODEL = {
    r"p(\mu_k)": prior_mu,
    r"p(c_i)": prior_c,
    r"p(x_i \mid c_i, \mu)": likelihood,
    r"p(\mu)": sp.Product(prior_mu, (k, 1, K)),
    r"p(c)": sp.Product(prior_c, (i, 1, n)),
    r"p(c \mid \mu)": sp.Product(prior_c, (i, 1, n)),
    r"p(x \mid c, \mu)": sp.Product(likelihood, (i, 1, n)),
    r"p(\mu, c, x)": sp.Product(prior_mu, (k, 1, K)) * sp.Product(prior_c * likelihood, (i, 1, n)),
}
