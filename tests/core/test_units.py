"""Units never matter (issue 11): the model is scale-equivariant, and so is vilib.

Fitting ``c x`` with ``c sigma`` and ``c lam`` must give ``c m``, ``c^2 s2``, the same
``phi``, and every log density of the data shifted by the change of variables,
``-n d log|c|``, for ``|c|`` anywhere in 1e-150 .. 1e150. The base problems are ordinary
(data of size ~10, sigma ~1..20, lam ~0.5..2); the property-based tests scale them by
``c`` and compare with the fit of the unscaled problem, computed by vilib itself in
ordinary units, and ``log_evidence`` also with an independent 60-digit mpmath
computation (Gaussian marginals by explicit determinants and inverses).
"""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vilib

SETTINGS = settings(deadline=None, max_examples=25)

# |c| = 10^e with e in [-150, 150], either sign
scales = st.tuples(st.floats(-150.0, 150.0), st.sampled_from([1.0, -1.0])).map(
    lambda t: t[1] * 10.0 ** t[0])


@st.composite
def problems(draw, max_n=8, max_K=3):
    n = draw(st.integers(2, max_n))
    d = draw(st.integers(1, 2))
    K = draw(st.integers(1, max_K))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, size=(K, d))
    x = centres[rng.integers(K, size=n)] + rng.normal(size=(n, d))
    sigma = draw(st.floats(0.5, 20.0))
    lam = draw(st.floats(0.5, 2.0))
    M = rng.normal(0, 3, size=(K, d))
    s2 = rng.uniform(0.1, 2.0, size=K)
    logits = rng.normal(size=(n, K))
    phi = np.exp(logits - logits.max(axis=1, keepdims=True))
    phi /= phi.sum(axis=1, keepdims=True)
    if d == 1:
        x, M = x[:, 0], M[:, 0]
    return dict(x=x, K=K, sigma=sigma, lam=lam, m=M, s2=s2, phi=phi, n=n, d=d, seed=seed)


def close_scaled(got, want, c, power=1, rtol=1e-9):
    """``got == c^power * want`` up to a relative tolerance of the array's size."""
    got, want = np.asarray(got), np.asarray(want)
    scale = abs(c) ** power
    expected = want * c**power
    np.testing.assert_allclose(got / scale, expected / scale, rtol=rtol,
                               atol=rtol * (1 + float(np.max(np.abs(want)))))


def elbo_shift(p, c):
    return -p["n"] * p["d"] * math.log(abs(c))


@SETTINGS
@given(problems(), scales)
def test_update_phi_is_unit_free(p, c):
    base = vilib.update_phi(p["x"], p["m"], p["s2"], lam=p["lam"])
    scaled = vilib.update_phi(p["x"] * c, p["m"] * c, p["s2"] * c**2, lam=p["lam"] * abs(c))
    np.testing.assert_allclose(scaled, base, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(problems(), scales)
def test_update_mu_is_equivariant(p, c):
    m0, s0 = vilib.update_mu(p["x"], p["phi"], p["sigma"], lam=p["lam"])
    m1, s1 = vilib.update_mu(p["x"] * c, p["phi"], p["sigma"] * abs(c), lam=p["lam"] * abs(c))
    close_scaled(m1, m0, c)
    close_scaled(s1, s0, c, power=2)


@SETTINGS
@given(problems(), scales)
def test_elbo_shifts_by_the_change_of_variables(p, c):
    base = vilib.elbo(p["x"], p["phi"], p["m"], p["s2"], p["sigma"], lam=p["lam"])
    scaled = vilib.elbo(p["x"] * c, p["phi"], p["m"] * c, p["s2"] * c**2, p["sigma"] * abs(c),
                        lam=p["lam"] * abs(c))
    assert scaled == pytest.approx(base + elbo_shift(p, c), rel=1e-10, abs=1e-8)


@SETTINGS
@given(problems(), scales, st.booleans())
def test_cavi_is_equivariant(p, c, given_init):
    kwargs = dict(max_iter=8, tol=None)
    if given_init:
        base = vilib.cavi(p["x"], p["K"], p["sigma"], lam=p["lam"], init=(p["m"], p["s2"]),
                          **kwargs)
        scaled = vilib.cavi(p["x"] * c, p["K"], p["sigma"] * abs(c), lam=p["lam"] * abs(c),
                            init=(p["m"] * c, p["s2"] * c**2), **kwargs)
    else:   # the default start (k-means++ and s2_0 = lam^2) follows the data's units
        base = vilib.cavi(p["x"], p["K"], p["sigma"], lam=p["lam"], seed=p["seed"], **kwargs)
        scaled = vilib.cavi(p["x"] * c, p["K"], p["sigma"] * abs(c), lam=p["lam"] * abs(c),
                            seed=p["seed"], **kwargs)
    np.testing.assert_allclose(scaled.phi, base.phi, rtol=1e-7, atol=1e-9)
    close_scaled(scaled.m, base.m, c, rtol=1e-7)
    close_scaled(scaled.s2, base.s2, c, power=2, rtol=1e-7)
    np.testing.assert_allclose(scaled.elbo, base.elbo + elbo_shift(p, c), rtol=1e-9, atol=1e-7)
    assert np.all(np.isfinite(scaled.elbo))


@SETTINGS
@given(problems(max_n=6, max_K=2), scales)
def test_cavi_stops_at_the_same_sweep_in_any_units(p, c):
    base = vilib.cavi(p["x"], p["K"], p["sigma"], lam=p["lam"], init=(p["m"], p["s2"]))
    scaled = vilib.cavi(p["x"] * c, p["K"], p["sigma"] * abs(c), lam=p["lam"] * abs(c),
                        init=(p["m"] * c, p["s2"] * c**2))
    assert scaled.converged == base.converged
    assert abs(scaled.n_iter - base.n_iter) <= 1        # a tie at the threshold may move one
    close_scaled(scaled.m, base.m, c, rtol=1e-5)


@SETTINGS
@given(problems(max_n=12), scales)
def test_svi_is_equivariant(p, c):
    kwargs = dict(n_steps=15, batch_size=max(1, p["n"] // 2), seed=p["seed"] % 1000)
    base = vilib.svi(p["x"], p["K"], p["sigma"], lam=p["lam"], init=(p["m"], p["s2"]), **kwargs)
    scaled = vilib.svi(p["x"] * c, p["K"], p["sigma"] * abs(c), lam=p["lam"] * abs(c),
                       init=(p["m"] * c, p["s2"] * c**2), **kwargs)
    close_scaled(scaled.m, base.m, c, rtol=1e-7)
    close_scaled(scaled.s2, base.s2, c, power=2, rtol=1e-7)


# ---------------------------------------------------------------- log p(x), against mpmath
def mp_log_evidence(x, K, sigma, lam, dps=60):
    """log p(x) by brute force in mpmath: every assignment, every cluster's Gaussian
    N(0, lam^2 I + sigma^2 11^T) per coordinate, with an explicit determinant and inverse."""
    with mp.workdps(dps):
        X = np.asarray(x, dtype=float).reshape(len(x), -1)
        n, d = X.shape
        sigma2, lam2 = mp.mpf(sigma) ** 2, mp.mpf(lam) ** 2
        terms = []
        for labels in itertools.product(range(K), repeat=n):
            total = -n * mp.log(K)
            for k in range(K):
                idx = [i for i in range(n) if labels[i] == k]
                if not idx:
                    continue
                C = mp.matrix(len(idx), len(idx))
                for a in range(len(idx)):
                    for b in range(len(idx)):
                        C[a, b] = sigma2 + (lam2 if a == b else 0)
                Cinv, logdet = mp.inverse(C), mp.log(mp.det(C))
                for j in range(d):
                    v = mp.matrix([mp.mpf(float(X[i, j])) for i in idx])
                    quad = (v.T * Cinv * v)[0]
                    total += -len(idx) / 2 * mp.log(2 * mp.pi) - logdet / 2 - quad / 2
            terms.append(total)
        top = max(terms)
        return float(top + mp.log(sum(mp.exp(t - top) for t in terms)))


@settings(deadline=None, max_examples=12)
@given(problems(max_n=5, max_K=2), scales)
def test_log_evidence_is_exact_in_any_units(p, c):
    x = p["x"] * c
    got = vilib.log_evidence(x, p["K"], p["sigma"] * abs(c), lam=p["lam"] * abs(c))
    want = mp_log_evidence(x, p["K"], p["sigma"] * abs(c), p["lam"] * abs(c))
    assert got == pytest.approx(want, rel=1e-11, abs=1e-9)
    base = vilib.log_evidence(p["x"], p["K"], p["sigma"], lam=p["lam"])
    assert got == pytest.approx(base + elbo_shift(p, c), rel=1e-11, abs=1e-8)


@pytest.mark.parametrize("x, K, sigma, lam", [
    ([3e4], 1, 1e4, 1e-4),                                  # issue 11: was -16.09, exact -14.63
    ([1e8 - 1, 1e8, 1e8 + 1], 1, 1e8, 1.0),                 # was -19.73, exact -23.23
    ([1.0e3 + 0.123], 1, 1e3, 0.01),                        # was off by 1.3e-6
    ([3e150, 3.1e150], 2, 1e151, 1e150),                    # was +inf
    ([1e-140, -2e-140, 5e-141], 2, 1e-139, 1e-141),
    ([[1e8, -1e8], [1e8 + 2, -1e8 + 1]], 2, 1e8, 1.0),
])
def test_log_evidence_issue_cases_against_mpmath(x, K, sigma, lam):
    assert vilib.log_evidence(x, K, sigma, lam=lam) == pytest.approx(
        mp_log_evidence(x, K, sigma, lam), rel=1e-12, abs=1e-9)


# ---------------------------------------------------------------- the issue's reproducers
X20 = np.r_[np.random.default_rng(0).normal(-4, 1, 10), np.random.default_rng(0).normal(4, 1, 10)]


def test_tiny_units_give_the_scaled_fit():
    base = vilib.cavi(X20, 2, 10.0, seed=0)
    for c in (1e-10, 1e-8, 1e-150, 1e150, 3.3e-77):
        fit = vilib.cavi(X20 * c, 2, 10.0 * c, lam=c, seed=0)
        np.testing.assert_allclose(fit.m / c, base.m, rtol=1e-9)
        np.testing.assert_allclose(fit.phi, base.phi, atol=1e-12)
        assert fit.n_iter == base.n_iter and fit.converged
        # the ELBO never drops (it did at c = 1e-8: [330.76, 322.60])
        assert np.all(np.diff(fit.elbo) >= -1e-9 * np.abs(fit.elbo[1:]))


def test_huge_variances_do_not_swamp_the_distances():
    phi = vilib.update_phi([0.0, 3.0], [0.0, 3.0], [1e20, 1e20])
    want = 1 / (1 + math.exp(-4.5))                         # logits differ by 9/2
    np.testing.assert_allclose(phi, [[want, 1 - want], [1 - want, want]], rtol=1e-12)
