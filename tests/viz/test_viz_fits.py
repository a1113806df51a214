"""Tests of vilib.viz.fits: the figures of the Gibbs and real-data chapters.

The figures are checked for what a reader relies on (labelled axes, one panel per
cluster or fit, circles of the stated radius, densities that integrate to one) and
for validation of their inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import trapezoid

import vilib
from vilib.datasets import load_faithful, load_galaxies
from vilib.experiments.accuracy import AccuracyTrace
from vilib.baselines.gibbs import gibbs
from vilib.experiments.modelcheck import ElboGrid
from vilib.viz.fits import (
    mixture_pdf,
    plot_accuracy,
    plot_elbo_grid,
    plot_fit_1d,
    plot_fit_2d,
    plot_posterior_means,
    plot_trace,
)



def labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel() or ax.get_title())


def test_posterior_means_one_panel_per_cluster():
    data = vilib.simulate(100, 3, 4.0, seed=1)
    fit = vilib.cavi(data.x, 3, 4.0, seed=0)
    run = gibbs(data.x, 3, 4.0, n_samples=200, burn_in=20, seed=0).relabel(fit.m)
    fig = plot_posterior_means(run, fit.m, fit.s2)
    assert len(fig.axes) == 3
    assert all(ax.get_xlabel() for ax in fig.axes) and fig.axes[0].get_ylabel()
    with pytest.raises(ValueError, match="m and s2"):
        plot_posterior_means(run, fit.m[:2], fit.s2[:2])
    run2 = gibbs(vilib.simulate(30, 2, 3.0, d=2, seed=0).x, 2, 3.0, n_samples=10, burn_in=0, seed=0)
    with pytest.raises(ValueError, match="1-D"):
        plot_posterior_means(run2, np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="1-D"):
        plot_trace(run2)


def test_trace_draws_every_mean():
    run = gibbs(vilib.simulate(20, 2, 2.0, seed=0).x, 2, 2.0, n_samples=50, burn_in=5, seed=0)
    fig = plot_trace(run)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and labelled(fig.axes[0])
    assert np.array_equal(lines[0].get_xdata(), 5 + np.arange(50))
    assert np.array_equal(lines[1].get_ydata(), run.mu[:, 1])


def test_accuracy_plot_has_two_log_panels():
    t = np.array([0.001, 0.002, 0.003])
    traces = {"CAVI, a": AccuracyTrace(t, np.array([1.0, 0.5, 0.4]), np.array([1.0, 0.6, 0.5])),
              "Gibbs, a": AccuracyTrace(t, np.array([1.0, 0.2, 0.1]), np.array([0.9, 0.3, 0.1]))}
    fig = plot_accuracy(traces, tol=0.2)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log" and labelled(ax)
        assert len(ax.get_lines()) == 3            # two methods and the tolerance line
    # milliseconds on the horizontal axis
    assert np.allclose(fig.axes[0].get_lines()[0].get_xdata(), t * 1e3)


def test_mixture_pdf_integrates_to_one():
    grid = np.linspace(-30, 30, 20001)
    comps = mixture_pdf(grid, np.array([-3.0, 0.5, 4.0]), np.array([0.1, 0.2, 0.3]), 0.7)
    assert comps.shape == (3, grid.size)
    assert trapezoid(comps, grid) == pytest.approx(np.full(3, 1 / 3), rel=1e-8)
    # each component is N(m_k, lam^2 + s2_k) / K: its variance is lam^2 + s2_k
    var = trapezoid(comps[1] * (grid - 0.5) ** 2, grid) * 3
    assert var == pytest.approx(0.49 + 0.2, rel=1e-6)


def test_fit_1d_one_panel_per_fit_in_original_units():
    data = load_galaxies()
    fit = vilib.cavi(data.x, 3, 2.0, lam=0.3, seed=0)
    fig = plot_fit_1d(data, [("a", fit.m, fit.s2, 0.3), ("b", fit.m, fit.s2, 0.3)])
    assert len(fig.axes) == 2 and all(ax.get_ylabel() for ax in fig.axes)
    assert "km/s" in fig.axes[-1].get_xlabel()
    lo, hi = fig.axes[0].get_xlim()
    assert lo < 9172 and hi > 34279                # the raw velocity range is shown
    with pytest.raises(ValueError, match="1-D"):
        plot_fit_1d(load_faithful(), [("a", fit.m, fit.s2, 0.3)])


def test_fit_2d_circles_have_radius_lambda():
    x = load_faithful().x
    fit = vilib.cavi(x, 2, 2.0, lam=0.4, seed=0)
    fig = plot_fit_2d(x, [("K = 2", fit.phi, fit.m, fit.s2, 0.4)], labels=("a", "b"))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "b"
    radii = []
    for line in ax.get_lines():
        xy = np.column_stack([line.get_xdata(), line.get_ydata()])
        if len(xy) > 100:                           # the circles
            centre = fit.m[np.argmin(np.sum((fit.m - xy.mean(axis=0)) ** 2, axis=1))]
            radii.append(np.sqrt(np.sum((xy - centre) ** 2, axis=1)).mean())
    expected = sorted([0.4, 0.4] + list(2 * np.sqrt(fit.s2)))
    assert np.allclose(sorted(radii), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="2-D"):
        plot_fit_2d(np.arange(5.0), [("a", None, None, None, 1.0)])


def test_elbo_grid_plot():
    grid = ElboGrid(Ks=np.array([1, 2, 3]), lams=np.array([0.3, 1.0]),
                    elbo=np.array([[-20.0, -10.0], [-12.0, -11.0], [-9.0, -13.0]]))
    fig = plot_elbo_grid({"toy": grid})
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "toy"
    best = [line for line in ax.get_lines() if line.get_label() == r"best over $\lambda$"][0]
    assert np.allclose(best.get_ydata(), [-10.0, -11.0, -9.0])
