"""Tests of vilib.viz.posterior: the figures draw what they claim, with labelled axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import vilib  # noqa: E402
from vilib.viz.posterior import (  # noqa: E402
    plot_elbo_histogram,
    plot_elbo_traces,
    plot_gap_vs_log_kfact,
    plot_posterior_vs_q,
    plot_q_2d,
)



def labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_q_2d_draws_circles_of_radius_s_k():
    data = vilib.simulate(60, 3, 4.0, d=2, seed=0)
    fit = vilib.cavi(data.x, 3, 4.0, seed=0)
    fig = plot_q_2d(data.x, fit.m, fit.s2, phi=fit.phi, true_mu=data.mu, n_sd=(1, 2))
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 6
    radii = sorted(c.get_radius() for c in circles)
    np.testing.assert_allclose(radii, sorted(np.concatenate([np.sqrt(fit.s2), 2 * np.sqrt(fit.s2)])))
    assert labelled(ax)
    with pytest.raises(ValueError, match="x"):
        plot_q_2d(data.x[:, 0], fit.m, fit.s2)


def test_posterior_vs_q_draws_each_cluster():
    x = np.array([-3.0, -2.5, 2.0, 2.6])
    fit = vilib.cavi(x, 2, 3.0, seed=0)
    post = vilib.exact_posterior(x, 2, 3.0)
    fig = plot_posterior_vs_q(post, fit.m, fit.s2, phi=fit.phi)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and labelled(ax)          # exact + q for each of the 2 clusters
    # the dashed q(mu_1) line peaks at m_1 with height 1/sqrt(2 pi s2_1)
    q1 = ax.lines[1]
    xs, ys = q1.get_data()
    assert xs[np.argmax(ys)] == pytest.approx(fit.m[0], abs=(xs[1] - xs[0]))
    assert ys.max() == pytest.approx(1 / np.sqrt(2 * np.pi * fit.s2[0]), rel=1e-3)


def test_gap_histogram_and_traces():
    fig = plot_gap_vs_log_kfact([1, 2, 3], [0.0, 0.7, 1.8])
    assert labelled(fig.axes[0])
    with pytest.raises(ValueError):
        plot_gap_vs_log_kfact([1, 2], [0.0])
    fig = plot_elbo_histogram({"a": [-10.0, -10.0, -50.0], "b": [-10.0, -12.0]}, lower=-20.0)
    ax = fig.axes[0]
    assert labelled(ax)
    # every run is counted once, the one below `lower` in the first bin
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == 5
    with pytest.raises(ValueError, match="lower"):
        plot_elbo_histogram([-1.0, -2.0], lower=0.0)
    fig = plot_elbo_traces([np.array([-20.0, -10.0]), np.array([-30.0, -15.0])])
    ax = fig.axes[0]
    assert labelled(ax) and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [20.0, 5.0])   # best (-10) minus ELBO
