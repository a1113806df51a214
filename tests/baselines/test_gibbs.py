"""Tests of vilib.gibbs: the two complete conditionals, the sampler, and the tools to read it.

Expected values are computed independently of vilib:

* the conditional of ``c_i`` from ``scipy.stats.norm`` densities, checked with a
  chi-square goodness-of-fit test;
* the conditional of ``mu_k`` by Gaussian conditioning on the joint covariance
  of ``(mu_k, x)`` (not by the precision formula the sampler uses), checked with
  a Kolmogorov–Smirnov test;
* the exact posterior of tiny data sets by enumerating every assignment with the
  naive reference ``log p(x, c)`` of ``tests/reference.py``;
* Monte Carlo standard errors from independent chains, not from the code under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from scipy.signal import lfilter
from scipy.special import logsumexp

import vilib
from vilib.experiments.accuracy import AccuracyTrace, cavi_accuracy, gibbs_accuracy
from vilib.baselines.gibbs import GibbsResult, gibbs, mcse, sample_assignments, sample_means
from vilib.datasets import load_faithful
from vilib.core.init import initial_means

import reference


# ---------------------------------------------------------------- independent exact answers
def gaussian_conditioning(X_k, sigma, lam):
    """``E[mu_k | x_k]`` (d,) and ``Var[mu_kj | x_k]`` from the joint Gaussian of ``(mu_k, x_k)``.

    Per coordinate, ``(mu, x_1..x_m)`` is jointly Gaussian with ``Var mu = sigma^2``,
    ``Cov(mu, x_i) = sigma^2`` and ``Cov(x) = lam^2 I + sigma^2 1 1^T``, so
    ``E[mu | x] = sigma^2 1^T Cov(x)^{-1} x`` and ``Var = sigma^2 - sigma^4 1^T Cov(x)^{-1} 1``.
    """
    m = X_k.shape[0]
    if m == 0:
        return np.zeros(X_k.shape[1]), sigma**2
    cov = lam**2 * np.eye(m) + sigma**2 * np.ones((m, m))
    one = np.ones(m)
    w = np.linalg.solve(cov, one)                 # Cov^{-1} 1 (symmetric)
    return sigma**2 * (w @ X_k), sigma**2 - sigma**4 * (w @ one)


def exact_by_enumeration(x, K, sigma, lam=1.0):
    """Posterior summaries of a tiny data set, by enumerating all K^n assignments."""
    X = reference.as_2d(x)
    n, d = X.shape
    labels = np.array(list(itertools.product(range(K), repeat=n)))
    log_w = np.array([reference.log_joint_marginal(x, c, K, sigma, lam) for c in labels])
    w = np.exp(log_w - logsumexp(log_w))
    a = np.zeros((len(labels), K, d))
    v = np.zeros((len(labels), K))
    for j, c in enumerate(labels):
        for k in range(K):
            a[j, k], v[j, k] = gaussian_conditioning(X[c == k], sigma, lam)
    mean = np.einsum("c,ckd->kd", w, a)
    var = np.einsum("c,ck->k", w, v)[:, None] + np.einsum("c,ckd->kd", w, a**2) - mean**2
    phi = np.stack([(w[:, None] * (labels == k)).sum(axis=0) for k in range(K)], axis=1)
    cocluster = np.einsum("c,cij->ij", w, (labels[:, :, None] == labels[:, None, :]).astype(float))
    out = dict(mean=mean, var=var, phi=phi, cocluster=cocluster, labels=labels, w=w, a=a, v=v)
    if K == 2 and d == 1:
        # E[max(mu_1, mu_2) | x]: given c the two means are independent normals, and
        # E max(U, V) = a1 Phi(D/t) + a2 Phi(-D/t) + t phi(D/t), D = a1 - a2, t^2 = v1 + v2
        D, t = a[:, 0, 0] - a[:, 1, 0], np.sqrt(v[:, 0] + v[:, 1])
        e_max = a[:, 0, 0] * stats.norm.cdf(D / t) + a[:, 1, 0] * stats.norm.cdf(-D / t) \
            + t * stats.norm.pdf(D / t)
        out["e_max"] = float(w @ e_max)
        out["e_min"] = float(w @ (a[:, 0, 0] + a[:, 1, 0] - e_max))   # max + min = sum
    return out


def chain_estimates(runs, fn):
    """Mean over independent chains of ``fn(run)`` and its standard error."""
    vals = np.array([fn(r) for r in runs])
    return vals.mean(axis=0), vals.std(axis=0, ddof=1) / np.sqrt(len(vals))


# ---------------------------------------------------------------- the conditional of c
@pytest.mark.parametrize("d, lam", [(1, 1.0), (2, 0.6)])
def test_assignment_draws_match_categorical_conditional(d, lam):
    rng = np.random.default_rng(11)
    K, reps = 3, 6000
    mu = rng.normal(0, 1.0, size=(K,) if d == 1 else (K, d))
    points = rng.normal(0, 1.0, size=(4,) if d == 1 else (4, d))
    x = np.repeat(points, reps, axis=0)                  # 4 distinct points, 6000 draws each
    c = sample_assignments(x, mu, lam=lam, seed=5)
    P, M = reference.as_2d(points), reference.as_2d(mu)
    for i in range(len(P)):
        # p(c_i = k | mu, x) ∝ prod_j N(x_ij; mu_kj, lam^2): written from scipy densities
        logp = np.array([stats.norm.logpdf(P[i], M[k], lam).sum() for k in range(K)])
        p = np.exp(logp - logsumexp(logp))
        observed = np.bincount(c[i * reps:(i + 1) * reps], minlength=K)
        assert observed.sum() == reps
        _, pvalue = stats.chisquare(observed, reps * p)
        assert pvalue > 1e-3, (i, observed, reps * p)


def test_assignment_draws_for_far_away_points_do_not_overflow():
    # logits of order 1e12: a naive exp would overflow; the nearest mean must win every time
    x = np.array([1e6, -1e6, 1e6 - 3.0])
    mu = np.array([-1e6, 0.0, 1e6])
    c = sample_assignments(x, mu, seed=0)
    assert c.tolist() == [2, 0, 2]


def test_assignment_draws_never_pick_impossible_cluster():
    # cluster 0 is so far away its probability underflows to exactly 0
    x = np.zeros(20000)
    c = sample_assignments(x, np.array([1e4, 0.0, 0.1]), seed=1)
    assert c.min() >= 1 and c.max() <= 2
    # the two near clusters: p(k=1) / p(k=2) = exp(0.1^2 / 2)
    p1 = 1 / (1 + np.exp(-0.005))
    assert abs(np.mean(c == 1) - p1) < 4 * np.sqrt(p1 * (1 - p1) / len(x))


# ---------------------------------------------------------------- the conditional of mu
@pytest.mark.parametrize("d, lam", [(1, 1.0), (2, 0.5)])
def test_mean_draws_match_gaussian_conditioning(d, lam):
    rng = np.random.default_rng(3)
    n, K, sigma = 7, 3, 1.5
    x = rng.normal(0, 2.0, size=(n,) if d == 1 else (n, d))
    c = np.array([0, 0, 0, 2, 2, 0, 2])                  # cluster 1 is empty: its draw is the prior
    gen = np.random.default_rng(9)
    draws = np.array([sample_means(x, c, K, sigma, lam=lam, seed=gen) for _ in range(3000)])
    draws = draws.reshape(3000, K, d)
    X = reference.as_2d(x)
    for k in range(K):
        mean, var = gaussian_conditioning(X[c == k], sigma, lam)
        for j in range(d):
            _, pvalue = stats.kstest(draws[:, k, j], stats.norm(mean[j], np.sqrt(var)).cdf)
            assert pvalue > 1e-3, (k, j)
    # the coordinates of one mean are independent given c (isotropic conditional)
    if d == 2:
        r = np.corrcoef(draws[:, 0, 0], draws[:, 0, 1])[0, 1]
        assert abs(r) < 4 / np.sqrt(3000)


# ---------------------------------------------------------------- the sampler against the exact posterior
@pytest.fixture(scope="module")
def tiny():
    """n = 8 points, K = 2: small enough to enumerate, overlapping enough for the chain to switch labels."""
    data = vilib.simulate(8, 2, 2.0, seed=1)
    exact = exact_by_enumeration(data.x, 2, 2.0)
    runs = [gibbs(data.x, 2, 2.0, n_samples=3000, burn_in=200, seed=s) for s in range(10)]
    return data, exact, runs


def test_gibbs_means_and_variances_match_exact_posterior(tiny):
    _, exact, runs = tiny
    est, se = chain_estimates(runs, lambda r: r.mean_mu)
    assert np.all(np.abs(est - exact["mean"][:, 0]) < 5 * se + 1e-3)
    est, se = chain_estimates(runs, lambda r: r.var_mu)
    assert np.all(np.abs(est - exact["var"][:, 0]) < 5 * se + 1e-3)
    # the exact posterior is symmetric in the labels, and the chain must find that out
    assert np.allclose(exact["mean"][0], exact["mean"][1])


def test_gibbs_assignment_probabilities_match_exact_posterior(tiny):
    _, exact, runs = tiny
    est, se = chain_estimates(runs, lambda r: r.phi)
    assert np.all(np.abs(est - exact["phi"]) < 5 * se + 1e-3)


def test_label_invariant_summaries_match_exact_posterior(tiny):
    _, exact, runs = tiny
    # co-clustering p(c_i = c_j | x): invariant under relabelling
    est, se = chain_estimates(runs, lambda r: r.coclustering())
    off = ~np.eye(8, dtype=bool)
    assert np.all(np.abs(est - exact["cocluster"])[off] < 5 * se[off] + 1e-3)
    assert np.allclose(np.diag(est), 1.0)
    # the sorted means: E[max_k mu_k | x], E[min_k mu_k | x] (closed form per assignment)
    est, se = chain_estimates(runs, lambda r: r.mu.max(axis=1).mean())
    assert abs(est - exact["e_max"]) < 5 * se + 1e-3
    est, se = chain_estimates(runs, lambda r: r.mu.min(axis=1).mean())
    assert abs(est - exact["e_min"]) < 5 * se + 1e-3
    # the spread between the sorted means is far from zero: a real test of the sampler
    assert exact["e_max"] - exact["e_min"] > 0.5


def test_rao_blackwell_estimates_match_exact_posterior(tiny):
    _, exact, runs = tiny
    est, se = chain_estimates(runs, lambda r: r.rb_mean_mu)
    assert np.all(np.abs(est - exact["mean"][:, 0]) < 5 * se + 1e-3)
    est, se = chain_estimates(runs, lambda r: sum(r.variance_decomposition()))
    assert np.all(np.abs(est - exact["var"][:, 0]) < 5 * se + 1e-3)
    # the within term is E[v_k(c) | x], computable exactly
    within_exact = exact["w"] @ exact["v"]
    est, se = chain_estimates(runs, lambda r: r.variance_decomposition()[0])
    assert np.all(np.abs(est - within_exact) < 5 * se + 1e-4)


def test_gibbs_matches_exact_posterior_in_two_dimensions():
    data = vilib.simulate(5, 2, 1.5, d=2, lam=0.8, seed=4)
    exact = exact_by_enumeration(data.x, 2, 1.5, lam=0.8)
    runs = [gibbs(data.x, 2, 1.5, lam=0.8, n_samples=2000, burn_in=100, seed=s) for s in range(10)]
    est, se = chain_estimates(runs, lambda r: r.coclustering())
    off = ~np.eye(5, dtype=bool)
    assert np.all(np.abs(est - exact["cocluster"])[off] < 5 * se[off] + 1e-3)
    # label-invariant moments of the means: E[sum_k mu_k] and E[sum_k |mu_k|^2]
    est, se = chain_estimates(runs, lambda r: r.mu.sum(axis=1).mean(axis=0))
    assert np.all(np.abs(est - exact["mean"].sum(axis=0)) < 5 * se + 1e-3)
    second = (exact["var"] + exact["mean"] ** 2).sum()
    est, se = chain_estimates(runs, lambda r: np.sum(r.mu**2, axis=(1, 2)).mean())
    assert abs(est - second) < 5 * se + 1e-3


# ---------------------------------------------------------------- the draws themselves
def test_log_joint_trace_matches_reference_log_joint():
    data = vilib.simulate(12, 3, 2.0, d=2, lam=0.7, seed=2)
    run = gibbs(data.x, 3, 2.0, lam=0.7, n_samples=5, burn_in=3, seed=1)
    for s in range(5):
        expected = reference.log_joint(data.x, run.c[s], run.mu[s], 2.0, 0.7)
        assert run.log_joint[s] == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_conditional_moments_are_those_of_the_kept_assignments():
    data = vilib.simulate(15, 3, 2.0, seed=8)
    run = gibbs(data.x, 3, 2.0, n_samples=4, burn_in=0, seed=2)
    for s in range(4):
        for k in range(3):
            mean, var = gaussian_conditioning(data.x[run.c[s] == k][:, None], 2.0, 1.0)
            assert run.cond_mean[s, k] == pytest.approx(mean[0], abs=1e-12)
            assert run.cond_var[s, k] == pytest.approx(var, rel=1e-12)


def test_same_seed_same_chain_and_burn_in_thin_subsample_the_chain():
    data = vilib.simulate(30, 3, 3.0, seed=5)
    init = np.array([-2.0, 0.0, 2.0])
    full = gibbs(data.x, 3, 3.0, n_samples=40, burn_in=0, seed=7, init=init)
    again = gibbs(data.x, 3, 3.0, n_samples=40, burn_in=0, seed=7, init=init)
    assert np.array_equal(full.mu, again.mu) and np.array_equal(full.c, again.c)
    part = gibbs(data.x, 3, 3.0, n_samples=9, burn_in=4, thin=4, seed=7, init=init)
    assert np.array_equal(part.mu, full.mu[4::4][:9])
    assert np.array_equal(part.c, full.c[4::4][:9])
    assert part.n_samples == 9 and part.burn_in == 4 and part.thin == 4
    assert np.all(np.diff(part.seconds) >= 0) and part.seconds[0] >= 0


@pytest.mark.parametrize("d", [1, 2])
def test_shapes(d):
    data = vilib.simulate(20, 3, 2.0, d=d, seed=0)
    run = gibbs(data.x, 3, 2.0, n_samples=10, burn_in=2, seed=0)
    shape = (10, 3) if d == 1 else (10, 3, 2)
    assert run.mu.shape == shape and run.cond_mean.shape == shape
    assert run.c.shape == (10, 20) and run.cond_var.shape == (10, 3)
    assert run.mean_mu.shape == shape[1:] and run.var_mu.shape == shape[1:]
    assert run.phi.shape == (20, 3) and np.allclose(run.phi.sum(axis=1), 1)
    assert run.coclustering().shape == (20, 20)
    within, between = run.variance_decomposition()
    assert within.shape == between.shape == shape[1:]
    assert sample_means(data.x, run.c[0], 3, 2.0, seed=0).shape == shape[1:]


# ---------------------------------------------------------------- relabelling
def test_relabel_undoes_known_permutations():
    data = vilib.simulate(60, 3, 6.0, seed=3)
    run = gibbs(data.x, 3, 6.0, n_samples=50, burn_in=20, seed=1)
    ref = run.mean_mu
    rng = np.random.default_rng(0)
    perms = np.array([rng.permutation(3) for _ in range(50)])       # new label k <- old perms[s, k]
    inv = np.argsort(perms, axis=1)
    scrambled = GibbsResult(
        mu=np.take_along_axis(run.mu, perms, axis=1), c=np.take_along_axis(inv, run.c, axis=1),
        log_joint=run.log_joint, seconds=run.seconds,
        cond_mean=np.take_along_axis(run.cond_mean, perms, axis=1),
        cond_var=np.take_along_axis(run.cond_var, perms, axis=1), burn_in=20, thin=1)
    assert not np.array_equal(scrambled.mu, run.mu)
    back = scrambled.relabel(ref)
    assert np.array_equal(back.mu, run.mu)
    assert np.array_equal(back.c, run.c)
    assert np.array_equal(back.cond_mean, run.cond_mean)
    assert np.array_equal(back.cond_var, run.cond_var)
    # and the labels stay consistent: mu_{c_i} is the same mean before and after
    assert np.array_equal(np.take_along_axis(scrambled.mu, scrambled.c, axis=1),
                          np.take_along_axis(back.mu, back.c, axis=1))


def test_relabel_is_label_invariant_for_coclustering():
    data = vilib.simulate(25, 3, 2.0, d=2, seed=6)
    run = gibbs(data.x, 3, 2.0, n_samples=200, burn_in=20, seed=3)
    back = run.relabel(run.mu[0][::-1])
    assert np.allclose(back.coclustering(), run.coclustering())
    assert np.allclose(back.log_joint, run.log_joint)


# ---------------------------------------------------------------- Monte Carlo standard errors
def test_mcse_of_independent_draws_is_sd_over_root_S():
    rng = np.random.default_rng(0)
    S, reps = 2000, 300
    est = np.array([mcse(rng.normal(0, 2.0, size=S)) for _ in range(reps)])
    # E[mcse^2] = 4 / S for i.i.d. draws; each estimate has relative sd sqrt(2/19)
    assert np.mean(est**2) == pytest.approx(4.0 / S, rel=0.08)


def test_mcse_of_ar1_chain_includes_autocorrelation():
    rng = np.random.default_rng(1)
    rho, S, reps = 0.8, 20000, 100
    est = []
    for _ in range(reps):
        chain = lfilter([1.0], [1.0, -rho], rng.normal(size=S))     # y_t = rho y_{t-1} + e_t
        est.append(mcse(chain))
    # asymptotic variance of the mean of an AR(1): Var(y) (1 + rho) / (1 - rho) / S
    theory = (1 / (1 - rho**2)) * (1 + rho) / (1 - rho) / S
    assert np.mean(np.square(est)) == pytest.approx(theory, rel=0.12)
    # and the naive sd / sqrt(S) is far too small
    assert 1 / (1 - rho**2) / S < theory / 5


def test_mcse_shape_for_vector_draws():
    draws = np.random.default_rng(2).normal(size=(400, 3, 2))
    assert mcse(draws, n_batches=10).shape == (3, 2)


# ---------------------------------------------------------------- accuracy against time
def test_time_to_uses_last_crossing():
    trace = AccuracyTrace(seconds=np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
                          mean_error=np.array([0.5, 0.05, 0.2, 0.08, 0.01]),
                          sd_error=np.array([0.9, 0.8, 0.7, 0.6, 0.5]))
    assert trace.time_to(0.1) == 4.0           # the dip at t = 2 does not count
    assert trace.time_to(1.0) == 1.0
    assert trace.time_to(0.1, which="sd") == float("inf")
    assert trace.time_to(0.65, which="sd") == 4.0


def test_accuracy_traces_measure_errors_in_posterior_sd_units():
    data = vilib.simulate(200, 2, 4.0, seed=9)
    run = gibbs(data.x, 2, 4.0, n_samples=500, burn_in=50, seed=0)
    target_mean, target_var = run.mean_mu, run.var_mu
    trace = gibbs_accuracy(run, target_mean, target_var)
    assert trace.seconds.shape == trace.mean_error.shape == (499,)
    # the last checkpoint uses every draw: its running moments are the targets themselves
    assert trace.mean_error[-1] == pytest.approx(0.0, abs=1e-9)
    assert trace.sd_error[-1] == pytest.approx(0.0, abs=1e-9)
    fit = vilib.cavi(data.x, 2, 4.0, seed=0)
    ctrace = cavi_accuracy(data.x, 2, 4.0, target_mean, target_var, seed=0)
    assert len(ctrace.seconds) == fit.n_iter
    order = np.argsort(fit.m)[np.argsort(np.argsort(target_mean))]   # CAVI label matching each target
    expected_mean = np.max(np.abs(fit.m[order] - target_mean) / np.sqrt(target_var))
    expected_sd = np.max(np.abs(np.sqrt(fit.s2[order] / target_var) - 1))
    assert ctrace.mean_error[-1] == pytest.approx(expected_mean, rel=1e-9)
    assert ctrace.sd_error[-1] == pytest.approx(expected_sd, rel=1e-9)
    assert np.all(np.diff(ctrace.seconds) > 0)


# ---------------------------------------------------------------- claims made in the book
@pytest.fixture(scope="module")
def book_example():
    """The chapter's simulated data (the book's running example) with CAVI and a Gibbs chain from one start."""
    data = vilib.simulate(500, 3, 3.0, seed=2017)
    m0 = initial_means(data.x, 3, 3.0, seed=0)
    fit = vilib.cavi(data.x, 3, 3.0, init=(m0, np.ones(3)))
    run = gibbs(data.x, 3, 3.0, n_samples=6000, burn_in=200, seed=1, init=m0).relabel(fit.m)
    return data, fit, run


def test_gibbs_posterior_variance_exceeds_cavi_on_book_example(book_example):
    _, fit, run = book_example
    within, between = run.variance_decomposition()
    var = within + between
    # every posterior variance is larger than CAVI's s_k^2, by more than twice for the overlapping pair
    assert np.all(var > fit.s2)
    assert np.sort(var / fit.s2)[-2] > 2.0
    # CAVI's s_k^2 is (close to) the within term; the between term is what mean-field drops
    assert np.allclose(within, fit.s2, rtol=0.05)
    assert np.all(between > 0)


def test_cavi_means_are_off_for_the_overlapping_clusters(book_example):
    _, fit, run = book_example
    z = np.abs(fit.m - run.rb_mean_mu) / np.sqrt(run.var_mu)
    # the well-separated cluster agrees; the overlapping pair is pushed apart by > 0.15 sd
    assert np.sum(z < 0.1) == 1 and np.sum(z > 0.15) == 2
    assert np.all(np.abs(fit.m - run.rb_mean_mu)[z > 0.15] > 5 * mcse(run.cond_mean)[z > 0.15])


def test_cavi_nearly_exact_on_old_faithful():
    x = load_faithful().x
    m0 = initial_means(x, 2, 2.0, seed=0)
    fit = vilib.cavi(x, 2, 2.0, lam=0.4, init=(m0, np.ones(2)))
    run = gibbs(x, 2, 2.0, lam=0.4, n_samples=4000, burn_in=200, seed=1, init=m0).relabel(fit.m)
    within, between = run.variance_decomposition()
    ratio = (within + between) / fit.s2[:, None]
    assert np.all(ratio > 1.0) and np.all(ratio < 1.2)
    assert np.all(np.abs(fit.m - run.rb_mean_mu) / np.sqrt(run.var_mu) < 0.1)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, match", [
    (dict(K=0), "K"), (dict(sigma=0.0), "sigma"), (dict(lam=-1.0), "lam"),
    (dict(n_samples=1), "n_samples"), (dict(burn_in=-1), "burn_in"), (dict(thin=0), "thin"),
    (dict(init=np.zeros(2)), "init"), (dict(init=np.zeros((3, 2))), "init"),
    (dict(K=2.5), "K"), (dict(n_samples=True), "n_samples"),
])
def test_gibbs_validation(kwargs, match):
    args = dict(K=3, sigma=1.0)
    args.update(kwargs)
    K, sigma = args.pop("K"), args.pop("sigma")
    with pytest.raises(ValueError, match=match):
        gibbs(np.arange(10.0), K, sigma, **args)


def test_data_validation():
    with pytest.raises(ValueError, match="x"):
        gibbs(np.array([1.0, np.nan]), 2, 1.0)
    with pytest.raises(ValueError, match="x"):
        gibbs(np.zeros((2, 2, 2)), 2, 1.0)


def test_conditional_draw_validation():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match="mu"):
        sample_assignments(x, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="lam"):
        sample_assignments(x, np.zeros(2), lam=0.0)
    with pytest.raises(ValueError, match="c must hold labels"):
        sample_means(x, np.array([0, 1, 2, 3, 4]), 3, 1.0)
    with pytest.raises(ValueError, match="c must be an integer array"):
        sample_means(x, np.zeros(5), 3, 1.0)
    with pytest.raises(ValueError, match="c must be an integer array"):
        sample_means(x, np.zeros(4, dtype=int), 3, 1.0)


def test_helper_validation():
    run = gibbs(np.arange(10.0), 2, 3.0, n_samples=5, burn_in=0, seed=0)
    with pytest.raises(ValueError, match="reference"):
        run.relabel(np.zeros(3))
    with pytest.raises(ValueError, match="n_batches"):
        mcse(np.zeros(5), n_batches=6)
    with pytest.raises(ValueError, match="n_batches"):
        mcse(np.zeros(5), n_batches=1)
    with pytest.raises(ValueError, match="samples"):
        mcse(np.array([1.0, np.inf, 2.0]))
    with pytest.raises(ValueError, match="result"):
        gibbs_accuracy("not a result", np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="target_var"):
        gibbs_accuracy(run, np.zeros(2), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="target_mean"):
        cavi_accuracy(np.arange(10.0), 2, 3.0, np.zeros(3), np.ones(3))
    trace = gibbs_accuracy(run, np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="which"):
        trace.time_to(0.1, which="median")
    with pytest.raises(ValueError, match="tol"):
        trace.time_to(0.0)
