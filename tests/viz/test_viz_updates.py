"""Tests of ``vilib.viz.updates``: the figures draw what they say, with labelled axes.

The plotted data are compared with values computed here from the formulas
(normal densities, the softmax of the logits), not read back from vilib.
"""

import math

import numpy as np
import pytest
from matplotlib.colors import to_hex

from vilib.viz.updates import (
    plot_buggy_elbo,
    plot_elbo_trace,
    plot_mu_update,
    plot_responsibilities,
)
from vilib.viz.style import OKABE_ITO

X = np.array([-2.0, -1.5, 0.2, 1.8, 2.5])
M = np.array([-1.8, 2.0])
S2 = np.array([0.3, 0.2])



def assert_labelled(ax):
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip()


def test_responsibilities_are_the_softmax_and_use_the_palette():
    fig = plot_responsibilities(X, M, S2)
    ax = fig.axes[0]
    assert_labelled(ax)
    assert to_hex(fig.get_facecolor()) == "#ffffff"
    curves = [line for line in ax.lines if len(line.get_xdata()) > 10]
    assert len(curves) == 2
    assert [to_hex(c.get_color()) for c in curves] == [OKABE_ITO[0].lower(), OKABE_ITO[1].lower()]
    grid, phi0 = curves[0].get_xdata(), curves[0].get_ydata()
    logit = np.outer(grid, M) - (S2 + M**2) / 2
    expected = 1 / (1 + np.exp(logit[:, 1] - logit[:, 0]))
    np.testing.assert_allclose(phi0, expected, rtol=1e-10)
    np.testing.assert_allclose(curves[0].get_ydata() + curves[1].get_ydata(), 1.0, rtol=1e-12)


def test_mu_update_draws_prior_data_and_q():
    phi = np.array([[1.0, 0.0], [0.8, 0.2], [0.5, 0.5], [0.1, 0.9], [0.0, 1.0]])
    sigma = 2.0
    fig = plot_mu_update(X, phi, 0, sigma)
    ax = fig.axes[0]
    assert_labelled(ax)
    curves = [line for line in ax.lines if len(line.get_xdata()) > 10]
    assert len(curves) == 3
    grid = curves[2].get_xdata()
    n0 = phi[:, 0].sum()
    s2 = 1 / (1 / sigma**2 + n0)
    m = s2 * (phi[:, 0] @ X)
    expected_q = np.exp(-(grid - m) ** 2 / (2 * s2)) / math.sqrt(2 * math.pi * s2)
    np.testing.assert_allclose(curves[2].get_ydata(), expected_q, rtol=1e-10)
    expected_prior = np.exp(-grid**2 / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2)
    np.testing.assert_allclose(curves[0].get_ydata(), expected_prior, rtol=1e-10)


def test_elbo_trace_panels_and_marks():
    trace = np.array([-10.0, -9.0, -8.5, -8.4, -8.39])
    fig = plot_elbo_trace(trace, log_evidence=-8.0)
    left, right = fig.axes
    assert_labelled(left) and assert_labelled(right)
    np.testing.assert_allclose(left.lines[0].get_ydata(), trace)
    np.testing.assert_allclose(right.lines[0].get_ydata(), [1.0, 0.5, 0.1, 0.01], rtol=1e-9)
    assert right.get_yscale() == "log"
    assert len(right.lines) == 1                   # no drop: no vermillion marks


def test_elbo_trace_marks_a_drop():
    fig = plot_elbo_trace([-10.0, -9.0, -9.5, -9.2])
    marks = fig.axes[1].lines[-1]
    np.testing.assert_array_equal(marks.get_xdata(), [3])
    assert to_hex(marks.get_color()) == OKABE_ITO[4].lower()


def test_buggy_elbo_marks_drops_only_in_the_buggy_panel():
    right = np.array([-5.0, -4.0, -3.5, -3.4])
    buggy = np.array([-5.0, -4.5, -4.6, -4.7])
    fig = plot_buggy_elbo(right, buggy)
    left_ax, right_ax = fig.axes
    assert_labelled(left_ax) and assert_labelled(right_ax)
    assert len(left_ax.lines) == 1
    np.testing.assert_array_equal(right_ax.lines[1].get_xdata(), [3, 4])


@pytest.mark.parametrize("call, name", [
    (lambda: plot_responsibilities(np.zeros((3, 2)), M, S2), "x"),
    (lambda: plot_mu_update(X, np.full((5, 2), 0.5), 2, 1.0), "k"),
    (lambda: plot_mu_update(X, np.full((5, 2), 0.5), 0, -1.0), "sigma"),
    (lambda: plot_elbo_trace([1.0]), "trace"),
    (lambda: plot_buggy_elbo([1.0, 2.0], [1.0, 2.0, 3.0]), "right and buggy"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
