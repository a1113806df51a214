"""Figures of the generative model (chapter *The generative model*, ``book/generative_model.md``).

:func:`plot_generative_data` draws the chapter's static figure; :class:`GenerativeFigure`
draws the same picture into one figure that it updates in place, for the live explorer
(:mod:`vilib.widgets.generative`), where a change must be answered quickly.
"""

from __future__ import annotations

import io

import numpy as np

from .._util import mixture_components
from .style import axes_for, cluster_colors


def _subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def stacked_histogram(x, c, K, edges):
    """Heights of a stacked density histogram of ``x`` split by the labels ``c``.

    Returns an array ``(K, len(edges) - 1)``: cluster ``k``'s bar heights, scaled so that all
    bars together have area 1 and each colour's area is that cluster's share of the points.
    Bins are those of ``numpy.histogram`` (half-open, the last one closed).
    """
    x = np.asarray(x, dtype=float)
    edges = np.asarray(edges, dtype=float)
    bins = len(edges) - 1
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    counts = np.zeros((K, bins))
    np.add.at(counts, (np.asarray(c), idx), 1.0)
    return counts / (len(x) * np.diff(edges))


def _histogram_range(x, mu, lam, bins):
    lo = min(x.min(), mu.min()) - 3 * lam
    hi = max(x.max(), mu.max()) + 3 * lam
    return np.linspace(lo, hi, bins + 1)


def plot_generative_data(data, *, ax=None, bins=40, figsize=(7.0, 3.6)):
    """Histogram of 1-D simulated data, stacked and coloured by true cluster.

    Draws the density histogram of ``data.x`` split by ``data.c``, the mixture
    density ``(1/K) sum_k N(x; mu_k, lam^2)`` (black) with its components
    (dashed, cluster colours), and a tick at each true mean ``mu_k``.

    Parameters
    ----------
    data : vilib.SimulatedData
        From ``vilib.simulate(..., d=1)``.
    ax : matplotlib Axes, optional
        Draw into this axes; otherwise a new figure is made with pyplot.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(data.x, dtype=float)
    if x.ndim != 1:
        raise ValueError("plot_generative_data draws 1-D data (simulate with d=1)")
    mu = np.asarray(data.mu, dtype=float).reshape(-1)
    c = np.asarray(data.c)
    K, lam = len(mu), float(getattr(data, "lam", 1.0))
    if ax is None:
        fig, ax = axes_for(None, figsize)
    else:
        fig = ax.figure
    colors = cluster_colors(K)

    edges = _histogram_range(x, mu, lam, bins)
    lo, hi = edges[0], edges[-1]
    sizes = np.bincount(c, minlength=K)
    # stacked density histogram: total area 1, each colour's area = that cluster's share
    heights = stacked_histogram(x, c, K, edges)
    bottom = np.zeros(bins)
    for k in range(K):
        ax.bar(edges[:-1], heights[k], width=np.diff(edges), bottom=bottom, align="edge",
               color=colors[k], alpha=0.75, edgecolor="white", linewidth=0.4,
               label=f"cluster {k + 1} ($n_{{{k + 1}}}$ = {sizes[k]})")
        bottom += heights[k]

    grid = np.linspace(lo, hi, 400)
    comps = mixture_components(grid, mu, lam**2)
    for k in range(K):
        ax.plot(grid, comps[k], color=colors[k], linestyle="--", linewidth=1.2)
    ax.plot(grid, comps.sum(axis=0), color="black", linewidth=1.5, label="mixture density")
    ax.plot(mu, np.zeros(K), linestyle="none", marker="^", markersize=9, color="black",
            label=r"true means $\mu_k$", clip_on=False, zorder=5)

    ax.set_xlabel(r"observation $x_i$")
    ax.set_ylabel("density")
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom=0)
    ax.set_title(f"n = {len(x)} points from K = {K} clusters, σ = {data.sigma:g}")
    if K <= 8:
        ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


class GenerativeFigure:
    """The picture of :func:`plot_generative_data`, made once and updated in place.

    The figure, its axes, legend and lines are created here; :meth:`update` moves new data
    into them (the stacked histogram is one
    :class:`~matplotlib.collections.PolyCollection` of rectangles, not one patch per bar),
    the margins are fixed instead of recomputed by ``tight_layout``, and legend counts use
    Unicode subscripts rather than mathtext. :meth:`png` is then one Agg draw and a lightly
    compressed PNG. Measured in benchmarks/bench_widgets.py.

    Parameters
    ----------
    K_max : int
        The most clusters :meth:`update` will be given (artists for them are made up front).
    figsize : (float, float)
        Inches.
    dpi : float
        Pixels per inch of the rendered picture.
    bins : int
        Histogram bins.

    Attributes
    ----------
    figure, ax : matplotlib Figure and Axes (no pyplot state)
    bars : PolyCollection
        The histogram: ``K * bins`` rectangles, cluster-major.
    components : list of Line2D
        The dashed per-cluster densities (hidden beyond the current ``K``).
    mixture, means : Line2D
        The mixture density and the true means' markers.
    """

    def __init__(self, K_max=8, *, figsize=(7.0, 3.6), dpi=180, bins=40):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import PolyCollection
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch

        fig = Figure(figsize=figsize, facecolor="white", dpi=dpi)
        FigureCanvasAgg(fig)
        # fixed margins: the legend of up to K_max entries sits right of the axes
        fig.subplots_adjust(left=0.105, right=0.70, bottom=0.14, top=0.91)
        ax = fig.add_subplot()
        self.colors = cluster_colors(K_max)
        self.bars = PolyCollection([], alpha=0.75, edgecolor="white", linewidth=0.4)
        ax.add_collection(self.bars)
        self.components = [ax.plot([], [], color=self.colors[k], linestyle="--",
                                   linewidth=1.2)[0] for k in range(K_max)]
        self.mixture, = ax.plot([], [], color="black", linewidth=1.5, label="mixture density")
        self.means, = ax.plot([], [], linestyle="none", marker="^", markersize=9,
                              color="black", clip_on=False, zorder=5,
                              label=r"true means $\mu_k$")
        self._swatches = [Patch(facecolor=self.colors[k], alpha=0.75, label=f"cluster {k + 1}")
                          for k in range(K_max)]
        ax.set_xlabel(r"observation $x_i$")
        ax.set_ylabel("density")
        self.figure, self.ax = fig, ax
        self.K_max, self.bins = K_max, bins
        self._legends = None

    def update(self, data) -> None:
        """Show ``data`` (a 1-D :class:`vilib.SimulatedData` with at most ``K_max`` clusters)."""
        x = np.asarray(data.x, dtype=float)
        if x.ndim != 1:
            raise ValueError("GenerativeFigure draws 1-D data (simulate with d=1)")
        mu = np.asarray(data.mu, dtype=float).reshape(-1)
        c = np.asarray(data.c)
        K, lam = len(mu), float(getattr(data, "lam", 1.0))
        if K > self.K_max:
            raise ValueError(f"data has K = {K} clusters, more than K_max = {self.K_max}")
        edges = _histogram_range(x, mu, lam, self.bins)
        lo, hi = edges[0], edges[-1]
        heights = stacked_histogram(x, c, K, edges)
        tops = np.cumsum(heights, axis=0)
        bottoms = tops - heights
        # rectangles (x0, b), (x0, t), (x1, t), (x1, b) for every cluster and bin
        x0 = np.broadcast_to(edges[:-1], heights.shape)
        x1 = np.broadcast_to(edges[1:], heights.shape)
        verts = np.stack([np.stack([x0, bottoms], -1), np.stack([x0, tops], -1),
                          np.stack([x1, tops], -1), np.stack([x1, bottoms], -1)], axis=2)
        self.bars.set_verts(verts.reshape(K * self.bins, 4, 2))
        self.bars.set_facecolor(np.repeat(self.colors[:K], self.bins))

        grid = np.linspace(lo, hi, 400)
        comps = mixture_components(grid, mu, lam**2)
        for k, line in enumerate(self.components):
            line.set_visible(k < K)
            if k < K:
                line.set_data(grid, comps[k])
        total = comps.sum(axis=0)
        self.mixture.set_data(grid, total)
        self.means.set_data(mu, np.zeros(K))
        self._set_legend(K, np.bincount(c, minlength=K))
        self.ax.set_xlim(lo, hi)
        self.ax.set_ylim(0.0, 1.05 * max(tops[-1].max(), total.max()))
        self.ax.set_title(f"n = {len(x)} points from K = {K} clusters, σ = {data.sigma:g}")

    def _set_legend(self, K, sizes):
        if self._legends is None:        # one legend per K, made once, shown one at a time
            self._legends = {}
            for k in range(1, self.K_max + 1):
                legend = self.ax.legend(handles=self._swatches[:k] + [self.mixture, self.means],
                                        fontsize="small", frameon=False, loc="upper left",
                                        bbox_to_anchor=(1.0, 1.0))
                self.ax.add_artist(legend)
                self._legends[k] = legend
        for k, legend in self._legends.items():
            legend.set_visible(k == K)
        texts = self._legends[K].get_texts()
        for k in range(K):
            texts[k].set_text(f"cluster {k + 1} (n{_subscript(k + 1)} = {sizes[k]})")

    @property
    def legend(self):
        """The legend shown (one per number of clusters, the others hidden)."""
        return next(lg for lg in self._legends.values() if lg.get_visible())

    def png(self) -> bytes:
        """The picture as PNG: one Agg draw, light compression (plots compress well anyway)."""
        from PIL import Image

        canvas = self.figure.canvas
        canvas.draw()
        buf = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                         "raw", "RGBA", 0, 1).convert("RGB").save(buf, format="png",
                                                                  compress_level=1)
        return buf.getvalue()
