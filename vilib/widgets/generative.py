"""Live controls for Jupyter (requires ipywidgets and matplotlib: ``pip install vilib[widgets]``).

Nothing here is imported by ``import vilib``. The explorer renders with the Agg
canvas into an :class:`ipywidgets.Image`, so it works the same in Jupyter and
when driven programmatically (tests), without pyplot state.

How it stays quick (benchmarks/bench_widgets.py measures it): the figure, its
axes, legend and every line are made once; a change moves data into those
artists (the stacked histogram is one :class:`~matplotlib.collections.PolyCollection`
of rectangles, not one patch per bar) and the margins are fixed instead of
re-computed by ``tight_layout``. One Agg draw, then a PNG written with light
compression, is all a change costs. Continuous sliders need no extra debounce:
ipywidgets' front end sends at most one update at a time and merges the values
moved meanwhile into the next message, so a drag never queues stale redraws.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from PIL import Image as _PILImage

from ..model import simulate
from ..plotting import cluster_colors, mixture_density

#: The parameters of the generative-model chapter's static figure.
GENERATIVE_DEFAULTS = {"K": 3, "sigma": 3.0, "n": 500, "seed": 2017}

#: Bounds of the controls (``K`` beyond 8 would repeat colours of the palette).
K_MAX, N_MAX = 8, 5000
BINS = 40
FIGSIZE = (7.0, 3.6)
#: Pixels per inch at which the picture is shown (its CSS width is FIGSIZE[0] * DPI px).
DPI = 90


def _subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def stacked_histogram(x, c, K, edges):
    """Heights of a stacked density histogram of ``x`` split by the labels ``c``.

    Returns an array ``(K, len(edges) - 1)``: cluster ``k``'s bar heights, scaled so that
    all bars together have area 1 and each colour's area is that cluster's share of the
    points (what :func:`vilib.plotting.plot_generative_data` draws).
    """
    bins = len(edges) - 1
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    counts = np.zeros((K, bins))
    np.add.at(counts, (np.asarray(c), idx), 1.0)
    return counts / (len(x) * np.diff(edges))


class GenerativeModelExplorer:
    """Resample from the model and redraw whenever a control changes.

    Attributes
    ----------
    controls : dict of ipywidgets
        ``"K"``, ``"sigma"``, ``"n"``, ``"seed"``.
    data : vilib.SimulatedData
        The current draw.
    figure : matplotlib.figure.Figure
        The picture, made once and updated in place (rendered as PNG into ``image``).
    bars : matplotlib.collections.PolyCollection
        The stacked histogram, one rectangle per cluster and bin (clusters in order).
    image : ipywidgets.Image
    widget : ipywidgets.VBox
        Controls plus picture; what Jupyter displays.
    renders : int
        How many pictures have been rendered (one per change).
    """

    #: The PNG has this many pixels per CSS pixel (2: sharp on high-density screens).
    pixel_ratio = 2

    def __init__(self, K=3, sigma=3.0, n=500, seed=2017):
        style = {"description_width": "initial"}
        self.controls = {
            "K": widgets.IntSlider(value=K, min=1, max=K_MAX, description="clusters K",
                                   style=style),
            "sigma": widgets.FloatSlider(value=sigma, min=0.1, max=10.0, step=0.1,
                                         description="prior spread σ", style=style),
            "n": widgets.IntSlider(value=n, min=1, max=N_MAX, step=1, description="points n",
                                   style=style),
            "seed": widgets.IntText(value=seed, description="seed", style=style),
        }
        self._build_figure()
        width_px = round(FIGSIZE[0] * DPI)
        self.image = widgets.Image(format="png",
                                   layout=widgets.Layout(width=f"{width_px}px",
                                                         max_width="100%", height="auto"))
        self.data = None
        self.renders = 0
        self.redraw()
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.controls["K"], self.controls["sigma"]]),
            widgets.HBox([self.controls["n"], self.controls["seed"]]),
            self.image,
        ])

    def _build_figure(self):
        """Make the figure and every artist once; :meth:`redraw` only updates them."""
        fig = Figure(figsize=FIGSIZE, facecolor="white", dpi=DPI * self.pixel_ratio)
        FigureCanvasAgg(fig)
        # fixed margins (tight_layout on every change cost more than the rest of a redraw):
        # the legend of up to K_MAX entries sits right of the axes
        fig.subplots_adjust(left=0.105, right=0.70, bottom=0.14, top=0.91)
        ax = fig.add_subplot()
        colors = cluster_colors(K_MAX)
        self.bars = PolyCollection([], alpha=0.75, edgecolor="white", linewidth=0.4)
        ax.add_collection(self.bars)
        self.components = [ax.plot([], [], color=colors[k], linestyle="--", linewidth=1.2)[0]
                           for k in range(K_MAX)]
        self.mixture, = ax.plot([], [], color="black", linewidth=1.5, label="mixture density")
        self.means, = ax.plot([], [], linestyle="none", marker="^", markersize=9,
                              color="black", clip_on=False, zorder=5,
                              label=r"true means $\mu_k$")
        # legend handles: one patch per cluster (hidden when k >= K), then the two lines
        from matplotlib.patches import Patch

        self._swatches = [Patch(facecolor=colors[k], alpha=0.75, label=f"cluster {k + 1}")
                          for k in range(K_MAX)]
        ax.set_xlabel(r"observation $x_i$")
        ax.set_ylabel("density")
        self.figure, self.ax, self._colors = fig, ax, colors
        self._legend_K = None

    def _set_legend(self, K, sizes):
        ax = self.ax
        if self._legend_K != K:
            handles = self._swatches[:K] + [self.mixture, self.means]
            ax.legend(handles=handles, fontsize="small", frameon=False, loc="upper left",
                      bbox_to_anchor=(1.0, 1.0))
            self._legend_K = K
        texts = ax.get_legend().get_texts()
        for k in range(K):
            # Unicode subscripts, not mathtext: parsing "$n_k$" anew on every change cost
            # more than drawing the histogram
            texts[k].set_text(f"cluster {k + 1} (n{_subscript(k + 1)} = {sizes[k]})")

    @property
    def params(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self, change=None):
        """Draw a fresh sample with the current control values and re-render the picture."""
        p = self.params
        n, K, sigma = int(p["n"]), int(p["K"]), float(p["sigma"])
        self.data = data = simulate(n, K, sigma, seed=int(p["seed"]))
        x, c, mu = data.x, data.c, np.asarray(data.mu, dtype=float).reshape(-1)
        lam = float(getattr(data, "lam", 1.0))

        lo = min(x.min(), mu.min()) - 3 * lam
        hi = max(x.max(), mu.max()) + 3 * lam
        edges = np.linspace(lo, hi, BINS + 1)
        heights = stacked_histogram(x, c, K, edges)
        tops = np.cumsum(heights, axis=0)
        bottoms = tops - heights
        # rectangles (x0, b), (x0, t), (x1, t), (x1, b) for every cluster and bin, cluster-major
        x0 = np.broadcast_to(edges[:-1], heights.shape)
        x1 = np.broadcast_to(edges[1:], heights.shape)
        verts = np.stack([np.stack([x0, bottoms], -1), np.stack([x0, tops], -1),
                          np.stack([x1, tops], -1), np.stack([x1, bottoms], -1)], axis=2)
        self.bars.set_verts(verts.reshape(K * BINS, 4, 2))
        self.bars.set_facecolor(np.repeat(self._colors[:K], BINS))

        grid = np.linspace(lo, hi, 400)
        comps = mixture_density(grid, mu, lam)
        for k, line in enumerate(self.components):
            line.set_visible(k < K)
            if k < K:
                line.set_data(grid, comps[k])
        total = comps.sum(axis=0)
        self.mixture.set_data(grid, total)
        self.means.set_data(mu, np.zeros(K))
        self._set_legend(K, np.bincount(c, minlength=K))

        ax = self.ax
        ax.set_xlim(lo, hi)
        ax.set_ylim(0.0, 1.05 * max(tops[-1].max(), total.max()))
        ax.set_title(f"n = {n} points from K = {K} clusters, σ = {sigma:g}")
        self._render()

    def _render(self):
        """One Agg draw, then a PNG with light compression (plots compress well anyway)."""
        canvas = self.figure.canvas
        canvas.draw()
        buf = io.BytesIO()
        _PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                             "raw", "RGBA", 0, 1).convert("RGB").save(
            buf, format="png", compress_level=1)
        self.image.value = buf.getvalue()
        self.renders += 1

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def generative_model_explorer(**overrides) -> GenerativeModelExplorer:
    """Sliders for ``K``, ``sigma``, ``n`` and ``seed`` that resample ``vilib.simulate`` live.

    Display the returned object in Jupyter (make it the last line of a cell).
    Defaults are those of the chapter's static figure, :data:`GENERATIVE_DEFAULTS`.
    """
    params = {**GENERATIVE_DEFAULTS, **overrides}
    return GenerativeModelExplorer(**params)
