"""Figures of the generative model (chapter *The generative model*, ``book/generative_model.md``)."""

from __future__ import annotations

import numpy as np

from .._util import mixture_components
from .style import axes_for, cluster_colors


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

    lo = min(x.min(), mu.min()) - 3 * lam
    hi = max(x.max(), mu.max()) + 3 * lam
    edges = np.linspace(lo, hi, bins + 1)
    groups = [x[c == k] for k in range(K)]
    # stacked density histogram: total area 1, each colour's area = that cluster's share
    counts = np.array([np.histogram(g, bins=edges)[0] for g in groups], dtype=float)
    heights = counts / (len(x) * np.diff(edges))
    bottom = np.zeros(bins)
    for k in range(K):
        ax.bar(edges[:-1], heights[k], width=np.diff(edges), bottom=bottom, align="edge",
               color=colors[k], alpha=0.75, edgecolor="white", linewidth=0.4,
               label=f"cluster {k + 1} ($n_{{{k + 1}}}$ = {len(groups[k])})")
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
