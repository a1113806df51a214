"""Tests of :mod:`vilib.viz.derivation`: the figures show the right numbers, labelled.

The plotted data are compared with values computed here independently (``scipy.stats``
densities, NumPy means, the conditional posterior mode of a mean in closed form).
"""

import numpy as np
import pytest
from scipy import stats

import vilib
from vilib.experiments.cost import EvidenceCost
from vilib.viz.derivation import (
    plot_elbo_gap,
    plot_evidence_cost,
    plot_joint_factors,
    plot_mc_convergence,
)
from vilib.viz.style import OKABE_ITO



def _assert_labelled(ax):
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip()


def test_plot_joint_factors_points_lie_on_their_cluster_curve():
    data = vilib.simulate(60, 3, 3.0, seed=24)
    fig = plot_joint_factors(data, k=1)
    left, right = fig.axes
    for ax in (left, right):
        _assert_labelled(ax)
    point_lines = [ln for ln in left.get_lines() if ln.get_linestyle() == "None"]
    assert len(point_lines) == 3
    xs = np.concatenate([ln.get_xdata() for ln in point_lines])
    ys = np.concatenate([ln.get_ydata() for ln in point_lines])
    # each plotted point: (x_i, log N(x_i; mu_{c_i}, 1)), scipy independently
    order = np.argsort(data.x)
    expected = stats.norm.logpdf(data.x, data.mu[data.c], 1.0)
    got = dict(zip(np.round(xs, 12), ys))
    np.testing.assert_allclose([got[v] for v in np.round(data.x[order], 12)], expected[order],
                               rtol=1e-12)
    # colours are the Okabe-Ito cluster colours
    assert {ln.get_color() for ln in point_lines} == set(OKABE_ITO[:3])


def test_plot_joint_factors_profile_peaks_at_conditional_mode():
    data = vilib.simulate(80, 2, 2.0, seed=5)
    k = 0
    fig = plot_joint_factors(data, k=k)
    total = fig.axes[1].get_lines()[0]                 # the log joint, shifted to max 0
    values, curve = total.get_xdata(), total.get_ydata()
    assert curve.max() == pytest.approx(0.0, abs=1e-12)
    members = data.x[data.c == k]
    mode = members.sum() / (len(members) + 1 / data.sigma**2)   # Gaussian conditional of mu_k
    assert abs(values[np.argmax(curve)] - mode) <= (values[1] - values[0])


def test_plot_joint_factors_rejects_bad_input():
    data = vilib.simulate(10, 2, 2.0, seed=0)
    with pytest.raises(ValueError, match="k must be"):
        plot_joint_factors(data, k=2)
    with pytest.raises(ValueError, match="1-D"):
        plot_joint_factors(vilib.simulate(10, 2, 2.0, d=2, seed=0))


def _cost(K, ns, rate):
    ns = np.asarray(ns)
    counts = float(K) ** ns
    return EvidenceCost(K=K, n=ns, assignments=counts, seconds=1e-4 + rate * counts,
                        log_evidence=np.zeros(len(ns)))


def test_plot_evidence_cost_axes_and_data():
    costs = [_cost(2, range(2, 19), 2e-7), _cost(3, range(2, 13), 3e-7)]
    fig = plot_evidence_cost(costs, extrapolate_to=25)
    left, right = fig.axes
    for ax in (left, right):
        _assert_labelled(ax)
    assert left.get_yscale() == "log"
    assert right.get_xscale() == "log" and right.get_yscale() == "log"
    measured = [ln for ln in right.get_lines() if ln.get_marker() == "o"]
    assert len(measured) == 2
    np.testing.assert_allclose(measured[1].get_xdata(), 3.0 ** np.arange(2, 13))
    np.testing.assert_allclose(measured[1].get_ydata(), 1e-4 + 3e-7 * 3.0 ** np.arange(2, 13))
    # the extrapolation reaches n = 25
    dashed = [ln for ln in left.get_lines() if ln.get_linestyle() == "--"]
    assert max(ln.get_xdata().max() for ln in dashed) == 25


def test_plot_evidence_cost_rejects_bad_input():
    with pytest.raises(ValueError, match="EvidenceCost"):
        plot_evidence_cost([])
    with pytest.raises(ValueError, match="EvidenceCost"):
        plot_evidence_cost([{"K": 2}])


def test_plot_elbo_gap_bars_are_the_gaps():
    elbos, kls = np.array([-12.0, -15.5, -30.0]), np.array([0.5, 4.0, 18.5])
    fig = plot_elbo_gap(["a", "b", "c"], -11.5, elbos, kls)
    (ax,) = fig.axes
    _assert_labelled(ax)
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, sorted(-11.5 - elbos))
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    np.testing.assert_allclose(sorted(crosses[0].get_xdata()), sorted(kls))
    # the first q is drawn on top: label "a" sits at the highest tick, and its bar there
    labels = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert labels["a"] > labels["b"] > labels["c"]
    bar_at = {p.get_y() + p.get_height() / 2: p.get_width() for p in ax.patches}
    assert bar_at[labels["a"]] == pytest.approx(-11.5 - elbos[0])


def test_plot_elbo_gap_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        plot_elbo_gap(["a"], 0.0, [-1.0, -2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="> 0"):
        plot_elbo_gap(["a"], 0.0, [1.0], [1.0])           # ELBO above log p(x)


def test_plot_mc_convergence_running_mean():
    rng = np.random.default_rng(0)
    values = rng.normal(3.0, 2.0, size=500)
    fig = plot_mc_convergence(values, 3.0, wrong=5.0)
    (ax,) = fig.axes
    _assert_labelled(ax)
    running = ax.get_lines()[0]
    assert running.get_ydata()[-1] == pytest.approx(values.mean(), rel=1e-12)
    assert running.get_xdata()[-1] == 500
    assert running.get_ydata()[0] == pytest.approx(values[:10].mean(), rel=1e-12)
    horizontal = sorted(ln.get_ydata()[0] for ln in ax.get_lines()[1:])
    assert horizontal == [3.0, 5.0]


def test_plot_mc_convergence_rejects_short_input():
    with pytest.raises(ValueError, match="at least 10"):
        plot_mc_convergence(np.zeros(5), 0.0)
