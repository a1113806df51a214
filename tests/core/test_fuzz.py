"""A fuzz table (issue 11): bad and extreme inputs across the public API and the checker.

Every row names a call and its expected outcome: either the exception type together
with the argument its message must name, or a check of the result against an
independent computation (the naive loops of ``tests/reference.py``, mpmath, or a
closed form). No row may end in a silent NaN, a crash with another exception, a
hang, or a different answer. The whole table runs in well under a minute.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import mpmath as mp
import numpy as np
import pytest

import reference
import vilib
from vilib import datasets
from vilib.baselines import stream as stream_mod
from vilib.core import init as init_mod
from vilib.teaching import checker
from vilib.widgets import cavi_explorer as explorer
from vilib.widgets import generative as gen


RNG = np.random.default_rng(0)
X = np.r_[RNG.normal(-4, 1, 10), RNG.normal(4, 1, 10)]           # the data, 1-D
X2 = np.c_[X, X[::-1] / 2]                                        # 2-D
M = np.array([-4.0, 4.0])
S2 = np.array([0.5, 0.5])
PHI = np.tile([0.3, 0.7], (len(X), 1))
SMALL = X[:4]


@dataclass(frozen=True)
class Raises:
    error: type
    arg: str


@dataclass(frozen=True)
class Row:
    id: str
    call: Callable
    expect: object          # Raises(...) or a function checking the result


ROWS: list[Row] = []


def row(id_, call, expect):
    ROWS.append(Row(id_, call, expect))


def finite(result):
    for value in (result if isinstance(result, tuple) else (result,)):
        assert np.all(np.isfinite(np.asarray(value, dtype=float)))


# ------------------------------------------------------------ x: types and values, every entry point
DATA_CALLS = {
    "cavi": lambda x: vilib.cavi(x, 2, 10.0, seed=0, max_iter=3),
    "update_phi": lambda x: vilib.update_phi(x, M, S2),
    "update_mu": lambda x: vilib.update_mu(x, PHI[:len(x)], 10.0),
    "elbo": lambda x: vilib.elbo(x, PHI[:len(x)], M, S2, 10.0),
    "log_evidence": lambda x: vilib.log_evidence(x, 2, 10.0),
    "gibbs": lambda x: vilib.gibbs(x, 2, 10.0, n_samples=2, burn_in=0, seed=0),
    "svi": lambda x: vilib.svi(x, 2, 10.0, n_steps=2, seed=0),
    "log_joint": lambda x: vilib.log_joint(x, np.zeros(len(x), dtype=int), M, 10.0),
    "initial_means": lambda x: init_mod.initial_means(x, 2, 10.0, seed=0),
}
BAD_X = [
    ("complex", SMALL + 1j, TypeError),
    ("complex-zero-imag", SMALL.astype(complex), TypeError),
    ("bool", np.array([True, False, True, True]), TypeError),
    ("numeric-strings", ["1", "2", "3", "4"], TypeError),
    ("bigint", [1.0, 2.0, 10**400, 3.0], ValueError),
    ("huge", [1e200, -1e200, 0.0, 1.0], ValueError),
    ("nan", [1.0, np.nan, 0.0, 1.0], ValueError),
    ("ragged", [[1.0, 2.0], [3.0]], ValueError),
    ("3-d", np.zeros((2, 2, 2)), ValueError),
    ("object-none", np.array([1.0, None, 2.0, 3.0], dtype=object), TypeError),
]
for fname, f in DATA_CALLS.items():
    for tag, bad, err in BAD_X:
        if (fname == "log_joint" and tag in ("ragged", "3-d")) or \
                (fname == "initial_means" and tag == "huge"):       # valid there: see below
            continue
        row(f"{fname}-x-{tag}", (lambda f=f, bad=bad: f(bad)), Raises(err, "x"))
row("initial_means-x-huge-valid", lambda: init_mod.initial_means([1e200, -1e200, 0.0, 1.0], 2, 1.0,
                                                                seed=0),
    lambda m: (set(m.tolist()) <= {1e200, -1e200, 0.0, 1.0} and len(set(m.tolist())) == 2)
    or pytest.fail(f"k-means++ must pick 2 distinct data points, got {m}"))
row("svi-x-str", lambda: vilib.svi("abc", 2, 1.0), Raises(TypeError, "x"))
row("svi-x-float", lambda: vilib.svi(5.0, 2, 1.0), Raises(TypeError, "x"))
row("svi-x-empty-list", lambda: vilib.svi([], 2, 1.0), Raises(ValueError, "x"))
row("cavi-x-str", lambda: vilib.cavi("abc", 2, 1.0), Raises(TypeError, "x"))
row("elbo_at_optimal_phi-x-int", lambda: stream_mod.elbo_at_optimal_phi(3, M, S2, 1.0),
    Raises(TypeError, "x"))

# ------------------------------------------------------------ sigma and lam
SCALE_CALLS = {
    "cavi": lambda **kw: vilib.cavi(X, 2, **{"sigma": 10.0, **kw}, seed=0, max_iter=3),
    "update_mu": lambda **kw: vilib.update_mu(X, PHI, **{"sigma": 10.0, **kw}),
    "elbo": lambda **kw: vilib.elbo(X, PHI, M, S2, **{"sigma": 10.0, **kw}),
    "log_evidence": lambda **kw: vilib.log_evidence(SMALL, 2, **{"sigma": 10.0, **kw}),
    "gibbs": lambda **kw: vilib.gibbs(X, 2, **{"sigma": 10.0, **kw}, n_samples=2, burn_in=0,
                                      seed=0),
    "svi": lambda **kw: vilib.svi(X, 2, **{"sigma": 10.0, **kw}, n_steps=2, seed=0),
    "simulate": lambda **kw: vilib.simulate(5, 2, **{"sigma": 10.0, **kw}, seed=0),
}
BAD_SCALE = [
    ("bigint", 10**400, ValueError), ("tiny", 1e-160, ValueError), ("huge", 1e160, ValueError),
    ("bool", True, TypeError), ("str", "1", TypeError), ("complex", 1 + 0j, TypeError),
    ("array", np.array([1.0]), TypeError), ("negative", -1.0, ValueError),
    ("zero", 0.0, ValueError), ("nan", float("nan"), ValueError),
]
for fname, f in SCALE_CALLS.items():
    for arg in ("sigma", "lam"):
        for tag, bad, err in BAD_SCALE:
            if fname in ("gibbs", "simulate", "svi") and tag in ("array", "zero"):
                continue
            row(f"{fname}-{arg}-{tag}", (lambda f=f, arg=arg, bad=bad: f(**{arg: bad})),
                Raises(err, arg))
# the cases: a tiny lam next to ordinary data is a ratio outside the supported range
row("cavi-lam-1e-155", lambda: vilib.cavi(X, 2, 1.0, lam=1e-155), Raises(ValueError, "lam"))
row("cavi-lam-1e-130", lambda: vilib.cavi(X, 2, 1.0, lam=1e-130), Raises(ValueError, "sigma"))
row("update_phi-lam-1e-155", lambda: vilib.update_phi(X, M, S2, lam=1e-155),
    Raises(ValueError, "lam"))
row("gibbs-lam-1e-155", lambda: vilib.gibbs(X, 2, 1e-150, lam=1e-155, n_samples=2),
    Raises(ValueError, "lam"))
row("gibbs-lam-1e-125", lambda: vilib.gibbs(X, 2, 1e-120, lam=1e-125, n_samples=2),
    Raises(ValueError, "x"))
row("cavi-sigma-1e-160", lambda: vilib.cavi(X, 2, 1e-160), Raises(ValueError, "sigma"))
row("gibbs-x-1e160", lambda: vilib.gibbs(X * 1e160, 2, 1e153, init=[-4e160, 4e160],
                                        n_samples=2), Raises(ValueError, "sigma"))
row("gibbs-x-1e160-lam-1", lambda: vilib.gibbs(X * 1e160, 2, 1e5, init=[-4e160, 4e160],
                                              n_samples=2), Raises(ValueError, "x"))

# ------------------------------------------------------------ K: sizes, types
for tag, K, err in [("1e9", 10**9, ValueError), ("1e13", 10**13, ValueError),
                    ("1e30", 10**30, ValueError), ("float", 2.5, TypeError),
                    ("bool", True, TypeError), ("str", "2", TypeError), ("zero", 0, ValueError),
                    ("negative", -1, ValueError), ("float-int", 2.0, TypeError)]:
    row(f"cavi-K-{tag}", (lambda K=K: vilib.cavi(X, K, 1.0)), Raises(err, "K"))
    row(f"gibbs-K-{tag}", (lambda K=K: vilib.gibbs(X, K, 1.0, n_samples=2)), Raises(err, "K"))
    row(f"svi-K-{tag}", (lambda K=K: vilib.svi(X, K, 1.0, n_steps=2)), Raises(err, "K"))
    row(f"simulate-K-{tag}", (lambda K=K: vilib.simulate(5, K, 1.0)), Raises(err, "K"))
row("log_evidence-K-1e30", lambda: vilib.log_evidence(X, 10**30, 1.0), Raises(ValueError, "x"))
row("gibbs-burn_in-1e12-work", lambda: vilib.gibbs(X, 1000, 1.0, n_samples=2, burn_in=10**12),
    Raises(ValueError, "burn_in"))
row("gibbs-n_samples-memory", lambda: vilib.gibbs(X, 2, 1.0, n_samples=10**9),
    Raises(ValueError, "n_samples"))
row("simulate-n-1e12", lambda: vilib.simulate(10**12, 2, 1.0), Raises(ValueError, "n"))


def many_clusters_fit(result):
    # K = 10^6 > n = 20 is a valid model: phi rows sum to 1, and the returned means and
    # variances are the mean update of the returned phi (reference loops, on 5 clusters)
    assert result.phi.shape == (20, 10**6)
    np.testing.assert_allclose(result.phi.sum(axis=1), 1.0, rtol=1e-9)     # a sum of 10^6 terms
    m_ref, s2_ref = reference.update_mu(X, result.phi[:, :5], 1.0)
    np.testing.assert_allclose(result.s2[:5], s2_ref, rtol=1e-10)
    np.testing.assert_allclose(result.m[:5], m_ref[:, 0], rtol=1e-8, atol=1e-12)


row("cavi-K-1e6-not-a-hang", lambda: vilib.cavi(X, 10**6, 1.0), many_clusters_fit)


def k_above_n(result):
    np.testing.assert_allclose(result.phi.sum(axis=1), 1.0, rtol=1e-12)
    m_ref, s2_ref = reference.update_mu(SMALL[:3], result.phi, 2.0)
    assert np.all(np.isfinite(result.m))
    assert result.s2 == pytest.approx(s2_ref, rel=1e-6)


row("cavi-K>n-valid", lambda: vilib.cavi(SMALL[:3], 5, 2.0, seed=0, max_iter=200, tol=1e-14),
    k_above_n)

# ------------------------------------------------------------ seeds
BAD_SEEDS = [("str", "a", TypeError), ("negative", -1, ValueError), ("float", 2.5, TypeError),
             ("bool", True, TypeError), ("list-negative", [1, -1], TypeError)]
SEED_CALLS = {
    "cavi": lambda seed: vilib.cavi(X, 2, 1.0, seed=seed, max_iter=2),
    "gibbs": lambda seed: vilib.gibbs(X, 2, 1.0, seed=seed, n_samples=2, burn_in=0),
    "simulate": lambda seed: vilib.simulate(5, 2, 1.0, seed=seed),
    "svi": lambda seed: vilib.svi(X, 2, 1.0, seed=seed, n_steps=2),
    "initial_means": lambda seed: init_mod.initial_means(X, 2, 1.0, seed=seed),
    "cavi_restarts": lambda seed: vilib.cavi_restarts(X, 2, 1.0, seed=seed, n_restarts=2,
                                                      max_iter=2),
}
for fname, f in SEED_CALLS.items():
    for tag, bad, err in BAD_SEEDS:
        row(f"{fname}-seed-{tag}", (lambda f=f, bad=bad: f(bad)), Raises(err, "seed"))

# ------------------------------------------------------------ tol, max_iter, max_assignments
for tag, bad, err in [("array", np.array([1e-8, 1.0]), TypeError), ("str", "1e-8", TypeError),
                      ("negative", -1.0, ValueError), ("nan", float("nan"), ValueError),
                      ("bool", True, TypeError), ("bigint", 10**400, ValueError)]:
    row(f"cavi-tol-{tag}", (lambda bad=bad: vilib.cavi(X, 2, 1.0, tol=bad)), Raises(err, "tol"))
for tag, bad, err in [("2**62", 2**62, ValueError), ("2**80", 2**80, ValueError),
                      ("float", 2.5, TypeError), ("zero", 0, ValueError)]:
    row(f"log_evidence-max_assignments-{tag}",
        (lambda bad=bad: vilib.log_evidence(SMALL, 2, 1.0, max_assignments=bad)),
        Raises(err, "max_assignments"))
row("exact_posterior-aligned-K!", lambda: vilib.exact_posterior([0.0, 1.0], 11, 1.0).aligned(
    np.full((2, 11), 1 / 11)), Raises(ValueError, "phi_ref"))
row("exact_posterior-too-many", lambda: vilib.exact_posterior(np.arange(30.0), 2, 1.0),
    Raises(ValueError, "x"))
row("cavi-max_iter-float", lambda: vilib.cavi(X, 2, 1.0, max_iter=2.0), Raises(TypeError, "max_iter"))
row("cavi-callback-int", lambda: vilib.cavi(X, 2, 1.0, callback=3), Raises(TypeError, "callback"))

# ------------------------------------------------------------ m, s2, phi, init
row("update_phi-m-1e200", lambda: vilib.update_phi([0.0, 3.0], [-1e200, 1e200], [1.0, 1.0]),
    Raises(ValueError, "m"))
row("update_phi-m-complex", lambda: vilib.update_phi(X, M + 0j, S2), Raises(TypeError, "m"))
row("update_phi-s2-complex", lambda: vilib.update_phi(X, M, S2 + 0j), Raises(TypeError, "s2"))
row("update_phi-s2-bool", lambda: vilib.update_phi(X, M, np.array([True, True])),
    Raises(TypeError, "s2"))
row("update_mu-phi-complex", lambda: vilib.update_mu(X, PHI + 0j, 1.0), Raises(TypeError, "phi"))
row("elbo-phi-str", lambda: vilib.elbo(X, "phi", M, S2, 1.0), Raises(TypeError, "phi"))
row("cavi-init-s2-1e308-2d", lambda: vilib.cavi(X2, 2, 1.0, init=(M[:, None] * [1, 1],
                                                                    [1e308, 1e308])),
    Raises(ValueError, "init s2_0"))
row("cavi-init-complex", lambda: vilib.cavi(X, 2, 1.0, init=(M + 0j, S2)),
    Raises(TypeError, "init m0"))
row("cavi-init-unknown-method", lambda: vilib.cavi(X, 2, 1.0, init="kmeans"), Raises(ValueError, "init"))
row("cavi-init-int", lambda: vilib.cavi(X, 2, 1.0, init=3), Raises(TypeError, "init"))
row("gibbs-init-complex", lambda: vilib.gibbs(X, 2, 1.0, init=M + 0j, n_samples=2),
    Raises(TypeError, "init"))
row("svi-init-subnormal", lambda: vilib.svi(X, 2, 1.0, init=(M, [1e-320, 1e-320]), n_steps=2),
    Raises(ValueError, "init s2_0"))
row("svi-tau-str", lambda: vilib.svi(X, 2, 1.0, tau="1"), Raises(ValueError, "tau"))


def phi_negative_within_tol():
    phi = PHI.copy()
    phi[0] = [1 + 5e-7, -5e-7]                              # within the 1e-6 tolerance
    return phi


def clipped_update_mu(result):
    m, s2 = result
    phi = np.clip(phi_negative_within_tol(), 0, 1)
    phi /= phi.sum(axis=1, keepdims=True)
    m_ref, s2_ref = reference.update_mu(X, phi, 1.0)
    assert np.all(s2 > 0)
    np.testing.assert_allclose(s2, s2_ref, rtol=1e-12)
    np.testing.assert_allclose(m, m_ref[:, 0], rtol=1e-12)


row("update_mu-phi-negative-within-tol", lambda: vilib.update_mu(X, phi_negative_within_tol(), 1.0),
    clipped_update_mu)


def elbo_negative_phi(value):
    phi = np.clip(phi_negative_within_tol(), 0, 1)
    phi /= phi.sum(axis=1, keepdims=True)
    assert value == pytest.approx(reference.elbo(X, phi, M, S2, 1.0), rel=1e-12)


row("elbo-phi-negative-within-tol", lambda: vilib.elbo(X, phi_negative_within_tol(), M, S2, 1.0),
    elbo_negative_phi)

# ------------------------------------------------------------ extreme but valid: against references
for c in (1e-150, 1e-75, 1e-10, 1e10, 1e75, 1e150):
    def phi_at_scale(result, c=c):
        np.testing.assert_allclose(result, reference.update_phi(X, M, S2, 0.7), rtol=1e-9,
                                   atol=1e-300)
    row(f"update_phi-scale-{c:g}", (lambda c=c: vilib.update_phi(X * c, M * c, S2 * c**2,
                                                                 lam=0.7 * c)), phi_at_scale)

    def mu_at_scale(result, c=c):
        m_ref, s2_ref = reference.update_mu(X, PHI, 3.0, 0.7)
        np.testing.assert_allclose(result[0] / c, m_ref[:, 0], rtol=1e-10)
        np.testing.assert_allclose(result[1] / c**2, s2_ref, rtol=1e-10)
    row(f"update_mu-scale-{c:g}", (lambda c=c: vilib.update_mu(X * c, PHI, 3.0 * c, lam=0.7 * c)),
        mu_at_scale)

    def elbo_at_scale(value, c=c):
        want = reference.elbo(X, PHI, M, S2, 3.0, 0.7) - X.size * math.log(c)
        assert value == pytest.approx(want, rel=1e-10)
    row(f"elbo-scale-{c:g}", (lambda c=c: vilib.elbo(X * c, PHI, M * c, S2 * c**2, 3.0 * c,
                                                     lam=0.7 * c)), elbo_at_scale)

    def evidence_at_scale(value, c=c):
        want = reference.log_evidence(SMALL, 2, 3.0, 0.7) - SMALL.size * math.log(c)
        assert value == pytest.approx(want, rel=1e-10)
    row(f"log_evidence-scale-{c:g}", (lambda c=c: vilib.log_evidence(SMALL * c, 2, 3.0 * c,
                                                                     lam=0.7 * c)),
        evidence_at_scale)


def mp_single_cluster(x, sigma, lam):
    with mp.workdps(50):
        n = len(x)
        C = mp.matrix(n, n)
        for a in range(n):
            for b in range(n):
                C[a, b] = mp.mpf(sigma) ** 2 + (mp.mpf(lam) ** 2 if a == b else 0)
        v = mp.matrix([mp.mpf(t) for t in x])
        return float(-n / 2 * mp.log(2 * mp.pi) - mp.log(mp.det(C)) / 2
                     - (v.T * mp.inverse(C) * v)[0] / 2)


for x_, sg, lm in [([3e4], 1e4, 1e-4), ([1e8 - 1, 1e8, 1e8 + 1], 1e8, 1.0),
                   ([1e3 + 0.123], 1e3, 0.01), ([5e140, 5e140 + 1e139], 1e141, 1e139)]:
    row(f"log_evidence-issue-{x_[0]:g}", (lambda x_=x_, sg=sg, lm=lm:
                                          vilib.log_evidence(x_, 1, sg, lam=lm)),
        (lambda v, x_=x_, sg=sg, lm=lm: v == pytest.approx(mp_single_cluster(x_, sg, lm),
                                                           rel=1e-12)))


def phi_huge_s2(result):
    want = 1 / (1 + math.exp(-4.5))
    np.testing.assert_allclose(result, [[want, 1 - want], [1 - want, want]], rtol=1e-12)


row("update_phi-s2-1e20", lambda: vilib.update_phi([0.0, 3.0], [0.0, 3.0], [1e20, 1e20]),
    phi_huge_s2)


def small_units_fit(result):
    base = vilib.cavi(X, 2, 10.0, seed=0)
    np.testing.assert_allclose(result.m / 1e-10, base.m, rtol=1e-9)
    assert np.all(np.diff(result.elbo) >= -1e-9 * np.abs(result.elbo[1:]))


row("cavi-units-1e-10", lambda: vilib.cavi(X * 1e-10, 2, 1e-9, lam=1e-10, seed=0), small_units_fit)
row("cavi-units-1e-8", lambda: vilib.cavi(X * 1e-8, 2, 1e-7, lam=1e-8, seed=0),
    lambda r: np.testing.assert_allclose(r.m / 1e-8, vilib.cavi(X, 2, 10.0, seed=0).m, rtol=1e-9))
row("gibbs-scale-1e120", lambda: vilib.gibbs(X * 1e120, 2, 10.0 * 1e120, lam=1e120,
                                            n_samples=20, burn_in=5, seed=1),
    lambda r: np.testing.assert_array_equal(
        r.c, vilib.gibbs(X, 2, 10.0, n_samples=20, burn_in=5, seed=1).c))
row("svi-scale-1e-120", lambda: vilib.svi(X * 1e-120, 2, 1e-119, lam=1e-120, init=(M * 1e-120, S2 * 1e-240),
                                          n_steps=10, batch_size=5, seed=3),
    lambda r: np.testing.assert_allclose(
        r.m / 1e-120, vilib.svi(X, 2, 10.0, init=(M, S2), n_steps=10, batch_size=5, seed=3).m,
        rtol=1e-9))

# ------------------------------------------------------------ explorers and data sets
for tag, kwargs, err, arg in [("K-100", dict(K=100), ValueError, "K"),
                              ("sigma-neg", dict(sigma=-1.0), ValueError, "sigma"),
                              ("sigma-20", dict(sigma=20.0), ValueError, "sigma"),
                              ("n-0", dict(n=0), ValueError, "n"),
                              ("K-2.5", dict(K=2.5), TypeError, "K"),
                              ("seed-str", dict(seed="a"), TypeError, "seed"),
                              ("seed-neg", dict(seed=-3), ValueError, "seed")]:
    row(f"GenerativeModelExplorer-{tag}",
        (lambda kwargs=kwargs: gen.GenerativeModelExplorer(**kwargs)), Raises(err, arg))
row("CaviExplorer-data-list", lambda: explorer.CaviExplorer(data=["galaxies"]),
    Raises(TypeError, "data"))
row("CaviExplorer-seed-str", lambda: explorer.CaviExplorer(seed="a"), Raises(TypeError, "seed"))
row("CaviExplorer-K-100", lambda: explorer.CaviExplorer(K=100), Raises(ValueError, "K"))
row("to_original-str", lambda: datasets.load_galaxies().to_original("ab"), Raises(TypeError, "m"))
row("to_original-complex", lambda: datasets.load_galaxies().to_original([1j]),
    Raises(TypeError, "m"))
row("to_original-shape", lambda: datasets.load_faithful().to_original([1.0, 2.0, 3.0]),
    Raises(ValueError, "m"))
row("load_galaxies-standardize-str", lambda: datasets.load_galaxies(standardize="yes"),
    Raises(ValueError, "standardize"))

# ------------------------------------------------------------ the answer checker
RIGHT_S2 = "1/(1/sigma**2 + N_k)"


def verdict(correct):
    def check(result):
        assert isinstance(result, checker.CheckResult)
        assert result.correct is correct, str(result)
        if not correct:
            assert result.hint
    return check


CHECKER_ROWS = [
    ("rce", "__import__('os').system('true')*0 + 1/(1/sigma**2+N_k)", False),
    ("attribute", "sigma.__class__.__mro__", False),
    ("lambda-code", "(lambda: 1)()", False),
    ("open", "open('/etc/passwd').read()", False),
    ("subscript", "().__class__.__bases__[0]", False),
    ("getattr", "getattr(sigma, 'x')", False),
    ("oo", "oo", False), ("zoo", "zoo", False), ("nan", "nan", False), ("div0", "1/0", False),
    ("log0", "log(0)", False), ("9**9**9", "9**9**9", False),
    ("factorial-1e7", "factorial(10**7)", False), ("mu**1e9", "mu**10**9", False),
    ("poly-40", "(m+s+x+sigma+1)**40", False), ("unparsable", "1/(1/sigma^2 +", False),
    ("empty", "", False), ("plus-1e-13", RIGHT_S2 + " + 1e-13", False),
    ("times-1+1e-13", f"({RIGHT_S2})*(1 + 1e-13)", False),
    ("floor", RIGHT_S2 + " + floor(N_k/4)", False),
    ("heaviside", RIGHT_S2 + " + Heaviside(N_k - 4)", False),
    ("max", RIGHT_S2 + " + Max(0, sigma - 4)", False),
    ("lambda-right", "1/(1/sigma**2 + N_k/lambda**2)", True),
    ("caret-right", "1/(1/sigma^2 + N_k)", True),
    ("equivalent", "sigma**2/(1 + N_k*sigma**2)", True),
    ("decimal-right", "1.0/(1/sigma**2 + 1.0*N_k)", True),
]
for tag, text, correct in CHECKER_ROWS:
    row(f"checker-{tag}", (lambda text=text: checker.check_answer("s2_update", text)),
        verdict(correct))
for tag, answer in [("sp-oo", "oo"), ("sp-nan", "nan"), ("sp-zoo", "zoo"), ("sp-neg-oo", "-oo")]:
    import sympy as sp
    row(f"checker-{tag}", (lambda answer=answer: checker.check_answer("s2_update",
                                                                      sp.sympify(answer))),
        verdict(False))
for tag, question, err in [("list", ["s2_update"], TypeError), ("none", None, TypeError),
                           ("int", 1, TypeError), ("unknown", "nope", ValueError)]:
    row(f"checker-question-{tag}", (lambda question=question: checker.check_answer(question, RIGHT_S2)),
        Raises(err, "question"))
row("checker-expr-list", lambda: checker.check_answer("s2_update", [1, 2]), Raises(TypeError, "expr"))
row("checker-expr-none", lambda: checker.check_answer("s2_update", None), Raises(TypeError, "expr"))


# ------------------------------------------------------------ the test
def test_the_table_is_large_enough():
    assert len(ROWS) >= 150
    assert len({r.id for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("case", ROWS, ids=[r.id for r in ROWS])
def test_fuzz_row(case):
    if isinstance(case.expect, Raises):
        with pytest.raises(case.expect.error) as info:
            case.call()
        message = str(info.value)
        assert re.search(r"(^|\W)" + re.escape(case.expect.arg) + r"(\W|$)", message), message
    else:
        case.expect(case.call())
