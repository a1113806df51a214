"""Drive the generative-model explorer (vilib.widgets) the way a reader would, without a kernel."""

import subprocess
import sys

import numpy as np
import pytest

import vilib
from vilib.viz.style import OKABE_ITO, cluster_colors
from vilib.viz.model import plot_generative_data
from vilib.widgets import GENERATIVE_DEFAULTS, generative_model_explorer


def plotted(explorer):
    """What the picture shows: bar heights, bar count, the x-limits and the PNG bytes."""
    ax = explorer.figure.axes[0]
    heights = np.array([p.get_height() for p in ax.patches])
    return heights, len(ax.patches), ax.get_xlim(), explorer.image.value


@pytest.fixture
def explorer():
    return generative_model_explorer()


def test_defaults_match_the_chapter_figure(explorer):
    assert explorer.params == GENERATIVE_DEFAULTS
    expected = vilib.simulate(GENERATIVE_DEFAULTS["n"], GENERATIVE_DEFAULTS["K"],
                              GENERATIVE_DEFAULTS["sigma"], seed=GENERATIVE_DEFAULTS["seed"])
    np.testing.assert_array_equal(explorer.data.x, expected.x)
    np.testing.assert_array_equal(explorer.data.c, expected.c)
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    heights, n_bars, _, _ = plotted(explorer)
    ax = explorer.figure.axes[0]
    widths = np.array([p.get_width() for p in ax.patches])
    # a stacked density histogram: the bars of all clusters have total area 1
    assert np.isclose(np.sum(heights * widths), 1.0)
    assert n_bars % GENERATIVE_DEFAULTS["K"] == 0
    assert ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("name, value", [("K", 5), ("sigma", 0.5), ("n", 50), ("seed", 7)])
def test_each_control_resamples_and_redraws(explorer, name, value):
    before_x = explorer.data.x.copy()
    before = plotted(explorer)
    explorer.controls[name].value = value
    after = plotted(explorer)
    assert explorer.params[name] == value
    assert not np.array_equal(before_x, explorer.data.x) or len(before_x) != len(explorer.data.x)
    assert before[3] != after[3], f"picture did not change when {name} changed"
    assert before[0].shape != after[0].shape or not np.allclose(before[0], after[0])


def test_controls_reach_the_model(explorer):
    explorer.controls["K"].value = 6
    assert explorer.data.mu.shape == (6,) and explorer.data.c.max() < 6
    assert len(plotted(explorer)[0]) % 6 == 0
    explorer.controls["n"].value = 1234
    assert explorer.data.x.shape == (1234,)
    # same seed, same K: the means scale exactly with sigma (mu_k = sigma * z_k)
    explorer.controls["sigma"].value = 1.0
    mu_1 = explorer.data.mu.copy()
    explorer.controls["sigma"].value = 4.0
    np.testing.assert_allclose(explorer.data.mu, 4.0 * mu_1)


@pytest.mark.parametrize("K, n, sigma", [(1, 1, 3.0), (1, 500, 0.1), (8, 1, 10.0), (8, 5000, 0.1)])
def test_extremes_do_not_raise(explorer, K, n, sigma):
    explorer.controls["K"].value = K
    explorer.controls["n"].value = n
    explorer.controls["sigma"].value = sigma
    assert explorer.data.x.shape == (n,) and explorer.data.mu.shape == (K,)
    heights, n_bars, (lo, hi), png = plotted(explorer)
    assert np.all(np.isfinite(heights)) and hi > lo and png[:4] == b"\x89PNG"


def test_palette_is_okabe_ito():
    assert cluster_colors(3) == list(OKABE_ITO[:3])
    assert len(set(cluster_colors(10))) == 10             # ten distinct cluster colours
    assert cluster_colors(12)[10] == cluster_colors(1)[0]  # then they cycle
    fig = plot_generative_data(vilib.simulate(100, 3, 2.0, seed=1))
    bar_colors = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in fig.axes[0].patches}
    assert len(bar_colors) == 3


def test_plot_rejects_multidimensional_data():
    with pytest.raises(ValueError, match="1-D"):
        plot_generative_data(vilib.simulate(10, 2, 1.0, d=2, seed=0))


def test_import_vilib_does_not_import_plotting_or_widgets():
    code = ("import sys, vilib; "
            "bad = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
