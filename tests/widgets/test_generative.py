"""Drive the generative-model explorer (vilib.widgets) the way a reader would, without a kernel."""

import subprocess
import sys

import numpy as np
import pytest

import vilib
from vilib.viz.style import OKABE_ITO, cluster_colors
from vilib.viz.model import plot_generative_data
from vilib.widgets import GENERATIVE_DEFAULTS, generative_model_explorer


def bar_rectangles(explorer):
    """The histogram's rectangles as drawn: (left, bottom, width, height) per bar."""
    boxes = []
    for path in explorer.bars.get_paths():
        v = path.vertices
        lo, hi = v.min(axis=0), v.max(axis=0)
        boxes.append((lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]))
    return np.array(boxes)


def plotted(explorer):
    """What the picture shows: bar heights, bar count, the x-limits and the PNG bytes."""
    ax = explorer.figure.axes[0]
    heights = bar_rectangles(explorer)[:, 3]
    return heights, len(heights), ax.get_xlim(), explorer.image.value


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
    widths = bar_rectangles(explorer)[:, 2]
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


def static_bars(data):
    """The bars of the chapter's static figure (plot_generative_data) for the same draw."""
    fig = plot_generative_data(data)
    return np.array([(p.get_x(), p.get_y(), p.get_width(), p.get_height())
                     for p in fig.axes[0].patches])


@pytest.mark.parametrize("changes", [{}, {"K": 6, "n": 2000}, {"K": 1, "sigma": 0.2},
                                     {"seed": 5, "sigma": 9.5, "n": 3}])
def test_picture_matches_the_static_figure(explorer, changes):
    """The updated-in-place picture draws what plot_generative_data draws for the same data:
    the same stacked bars (cluster-major), the same mixture curve, the means and the x-range."""
    for name, value in changes.items():
        explorer.controls[name].value = value
    live = bar_rectangles(explorer)
    reference = static_bars(explorer.data)
    assert live.shape == reference.shape
    np.testing.assert_allclose(live, reference, rtol=1e-9, atol=1e-12)
    import matplotlib.pyplot as plt

    fig = plt.gcf()
    ref_ax = fig.axes[0]
    mixture = next(line for line in ref_ax.lines if line.get_label() == "mixture density")
    np.testing.assert_allclose(explorer.mixture.get_ydata(), mixture.get_ydata())
    np.testing.assert_allclose(explorer.means.get_xdata(), explorer.data.mu)
    np.testing.assert_allclose(explorer.ax.get_xlim(), ref_ax.get_xlim())
    K = explorer.params["K"]
    assert sum(line.get_visible() for line in explorer.components) == K
    plt.close(fig)


def test_legend_counts_each_cluster(explorer):
    for K, n in [(3, 500), (8, 4000), (2, 7)]:
        explorer.controls["K"].value = K
        explorer.controls["n"].value = n
        texts = [t.get_text() for t in explorer.view.legend.get_texts()]
        assert len(texts) == K + 2
        counts = [int(t.rsplit("=", 1)[1].strip(" )")) for t in texts[:K]]
        assert counts == np.bincount(explorer.data.c, minlength=K).tolist()
        assert sum(counts) == n


def test_one_figure_updated_in_place(explorer):
    """A change updates the figure's artists; nothing is rebuilt or accumulates."""
    figure, ax, bars = explorer.figure, explorer.ax, explorer.bars
    n_artists = len(ax.get_children())
    renders = explorer.renders
    for seed in range(20):
        explorer.controls["seed"].value = seed
    explorer.controls["K"].value = 8
    explorer.controls["K"].value = 3
    assert explorer.figure is figure and figure.axes == [ax] and explorer.bars is bars
    assert len(ax.get_children()) == n_artists
    assert explorer.renders == renders + 22          # exactly one render per change


def test_png_is_sharp_at_twice_its_display_width(explorer):
    import io

    from PIL import Image

    width_css = int(explorer.image.layout.width.removesuffix("px"))
    with Image.open(io.BytesIO(explorer.image.value)) as png:
        assert png.size[0] == explorer.pixel_ratio * width_css
        assert explorer.pixel_ratio >= 2
        # not blank: the histogram's colours are in the picture
        colours = png.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50


@pytest.mark.parametrize("seed", range(5))
def test_stacked_histogram_agrees_with_numpy(seed):
    from vilib.viz.model import stacked_histogram

    rng = np.random.default_rng(seed)
    K = int(rng.integers(1, 6))
    x = rng.normal(size=int(rng.integers(1, 400))) * 3
    c = rng.integers(0, K, size=len(x))
    edges = np.linspace(x.min() - 1, x.max(), 17)   # a point on the last edge: counted in
    expected = np.array([np.histogram(x[c == k], bins=edges)[0] for k in range(K)]) / (
        len(x) * np.diff(edges))
    np.testing.assert_allclose(stacked_histogram(x, c, K, edges), expected)


def test_generative_figure_rejects_what_it_cannot_draw():
    from vilib.viz.model import GenerativeFigure

    view = GenerativeFigure(K_max=3)
    with pytest.raises(ValueError, match="K_max"):
        view.update(vilib.simulate(10, 4, 1.0, seed=0))
    with pytest.raises(ValueError, match="1-D"):
        view.update(vilib.simulate(10, 2, 1.0, d=2, seed=0))
