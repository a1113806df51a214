"""Figures for the chapters on Gibbs sampling and real data (requires matplotlib).

matplotlib comes with the ``plot`` extra: ``pip install "cavi-vilib[plot]"``.

Colours are the Okabe–Ito palette of :mod:`vilib.viz.style` (colour-blind safe);
every axis is labelled; figures have a white face colour. Each function returns
the :class:`matplotlib.figure.Figure` it drew; matplotlib is imported inside
the functions, so ``import vilib`` never needs it.
"""

from __future__ import annotations

import numpy as np

from .._util import mixture_components, normal_pdf
from .style import OKABE_ITO, cluster_colors, subplots

#: Colours of the two methods in every comparison figure.
METHOD_COLORS = {"CAVI": OKABE_ITO[3], "Gibbs": OKABE_ITO[4]}   # blue, vermillion




# ------------------------------------------------------------------ Gibbs chapter
def plot_posterior_means(run, m, s2, *, order=None, bins=40, figsize=None, title=None):
    """One panel per cluster: Gibbs draws of ``mu_k`` (histogram) against CAVI's ``N(m_k, s2_k)``.

    Parameters
    ----------
    run : vilib.baselines.gibbs.GibbsResult
        Draws for 1-D data, relabelled to match ``m`` (see ``GibbsResult.relabel``).
    m, s2 : array, shape (K,)
        CAVI's variational means and variances.
    order : sequence of int, optional
        Order of the panels (default: by increasing ``m``).
    bins : int, default 40
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    mu = np.asarray(run.mu, dtype=float)
    m, s2 = np.asarray(m, dtype=float), np.asarray(s2, dtype=float)
    if mu.ndim != 2:
        raise ValueError("plot_posterior_means draws 1-D means: run.mu must have shape (S, K)")
    K = mu.shape[1]
    if m.shape != (K,) or s2.shape != (K,):
        raise ValueError(f"m and s2 must have shape ({K},) to match the draws")
    order = np.argsort(m) if order is None else np.asarray(order)
    fig, axes = subplots(1, K, figsize or (3.0 * K, 2.8))
    colors = cluster_colors(K)
    for panel, k in enumerate(order):
        ax = axes[0, panel]
        draws = mu[:, k]
        sd = max(np.sqrt(s2[k]), draws.std())
        lo, hi = min(draws.min(), m[k] - 4 * sd), max(draws.max(), m[k] + 4 * sd)
        ax.hist(draws, bins=bins, range=(lo, hi), density=True, color=colors[k], alpha=0.6,
                edgecolor="white", linewidth=0.4, label="Gibbs draws")
        grid = np.linspace(lo, hi, 300)
        ax.plot(grid, normal_pdf(grid, m[k], s2[k]), color=METHOD_COLORS["CAVI"], linewidth=2,
                label=r"CAVI $\mathcal{N}(m_k, s_k^2)$")
        ax.axvline(draws.mean(), color=METHOD_COLORS["Gibbs"], linestyle="--", linewidth=1.2,
                   label="Gibbs mean")
        ax.set_xlabel(rf"$\mu_{{{panel + 1}}}$")
        ax.set_title(f"cluster {panel + 1}", fontsize="medium")
        ax.set_ylim(bottom=0)
    axes[0, 0].set_ylabel("posterior density")
    axes[0, -1].legend(fontsize="small", frameon=False, loc="upper right")
    if title:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    return fig


def plot_trace(run, *, ax=None, figsize=(7.0, 2.8), title=None):
    """The draws of every ``mu_k`` (1-D data) against the iteration: mixing and label switching.

    Parameters
    ----------
    run : vilib.baselines.gibbs.GibbsResult
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    mu = np.asarray(run.mu, dtype=float)
    if mu.ndim != 2:
        raise ValueError("plot_trace draws 1-D means: run.mu must have shape (S, K)")
    if ax is None:
        fig, axes = subplots(1, 1, figsize)
        ax = axes[0, 0]
    else:
        fig = ax.figure
    it = run.burn_in + run.thin * np.arange(mu.shape[0])
    for k, color in enumerate(cluster_colors(mu.shape[1])):
        ax.plot(it, mu[:, k], color=color, linewidth=0.6, label=rf"$\mu_{{{k + 1}}}$")
    ax.set_xlabel("Gibbs iteration")
    ax.set_ylabel("draw of the cluster mean")
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title, fontsize="medium")
    fig.tight_layout()
    return fig


def plot_accuracy(traces, *, tol=None, figsize=(8.0, 3.4)):
    """Error against wall-clock time for CAVI and Gibbs: means (left) and standard deviations (right).

    Parameters
    ----------
    traces : dict
        ``{label: AccuracyTrace}``; a label containing ``"CAVI"`` or ``"Gibbs"``
        takes that method's colour, and labels sharing a suffix after ``", "``
        (the data set) share a line style.
    tol : float, optional
        Draw the target accuracy as a horizontal line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = subplots(1, 2, figsize, sharex=True)
    styles = ["-", "--", ":", "-."]
    datasets = []
    for label in traces:
        name = label.split(", ", 1)[1] if ", " in label else ""
        if name not in datasets:
            datasets.append(name)
    for label, trace in traces.items():
        method = "CAVI" if "CAVI" in label else "Gibbs"
        name = label.split(", ", 1)[1] if ", " in label else ""
        style = styles[datasets.index(name) % len(styles)]
        for ax, err in zip(axes[0], (trace.mean_error, trace.sd_error)):
            ax.plot(trace.seconds * 1e3, np.maximum(err, 1e-4), color=METHOD_COLORS[method],
                    linestyle=style, linewidth=1.6, label=label,
                    marker="o" if method == "CAVI" else None, markersize=2.5)
    for ax, what in zip(axes[0], ("error of the means\n(in posterior sd)",
                                  "relative error of the sds")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("wall-clock time (ms)")
        ax.set_ylabel(what)
        if tol is not None:
            ax.axhline(tol, color="black", linewidth=0.8, linestyle=":")
    axes[0, 1].legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ real data
def mixture_pdf(grid, m, s2, lam):
    """Per-cluster terms ``(1/K) N(grid; m_k, lam^2 + s2_k)``, shape (K, G).

    The equal-weight mixture with each cluster's mean integrated over
    ``q(mu_k) = N(m_k, s2_k)``: the variational predictive density of a new
    point under the 1-D model.
    """
    s2 = np.asarray(s2, dtype=float)
    return mixture_components(grid, m, lam**2 + s2)


def plot_fit_1d(data, fits, *, bins=30, figsize=None, unit="km/s", xlabel="velocity", per=1000):
    """Histogram of 1-D data in its original units with one or more fitted equal-weight mixtures.

    Parameters
    ----------
    data : vilib.datasets.Dataset
        1-D data set (standardized or not).
    fits : list of (title, m, s2, lam)
        Fits in the data's standardized units; one panel each.
    unit, xlabel : str
        For the horizontal axis label.
    per : float, default 1000
        Densities are drawn per ``per`` units (probability per 1,000 km/s),
        which keeps the tick labels readable.

    Returns
    -------
    matplotlib.figure.Figure
    """
    raw = np.asarray(data.raw, dtype=float)
    if raw.ndim != 1:
        raise ValueError("plot_fit_1d draws 1-D data")
    fig, axes = subplots(len(fits), 1, figsize or (7.5, 2.7 * len(fits)), sharex=True)
    lo, hi = raw.min() - 0.08 * np.ptp(raw), raw.max() + 0.08 * np.ptp(raw)
    grid = np.linspace(lo, hi, 600)
    z = (grid - data.center) / data.scale
    for ax, (title, m, s2, lam) in zip(axes[:, 0], fits):
        m, s2 = np.asarray(m, dtype=float), np.asarray(s2, dtype=float)
        counts, edges = np.histogram(raw, bins=bins, range=(lo, hi))
        ax.bar(edges[:-1], counts / (len(raw) * np.diff(edges)) * per, width=np.diff(edges),
               align="edge", color="0.75", edgecolor="white", label="data")
        ax.plot(raw, np.zeros_like(raw), "|", color="black", markersize=8, clip_on=False)
        comps = mixture_pdf(z, m, s2, lam) / data.scale * per   # density per `per` original units
        order = np.argsort(m)
        colors = cluster_colors(len(m))
        for rank, k in enumerate(order):
            ax.plot(grid, comps[k], color=colors[rank], linestyle="--", linewidth=1.1)
            ax.plot(data.to_original(m[k]), 0, marker="^", color=colors[rank], markersize=8,
                    clip_on=False, zorder=5)
        ax.plot(grid, comps.sum(axis=0), color="black", linewidth=1.6, label="fitted mixture")
        ax.set_title(title, fontsize="medium")
        ax.set_ylabel(f"density (per {per:,.0f} {unit})" if per != 1 else f"density (per {unit})")
        ax.set_ylim(bottom=0)
    axes[-1, 0].set_xlabel(f"{xlabel} ({unit})")
    axes[0, 0].legend(fontsize="small", frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


def plot_fit_2d(x, fits, *, labels=("$z_1$", "$z_2$"), figsize=None):
    """Scatter plots of 2-D data coloured by the most probable cluster, one panel per fit.

    Each cluster's variational mean ``m_k`` is a cross; the solid circle of
    radius ``lam`` is one model standard deviation of the points around it
    (the fixed, isotropic cluster width) and the small dotted circle of radius
    ``2 s_k`` shows the uncertainty about the mean itself.

    Parameters
    ----------
    x : array, shape (n, 2)
    fits : list of (title, phi, m, s2, lam)
    labels : pair of str
        Axis labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(x, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError("plot_fit_2d draws 2-D data of shape (n, 2)")
    fig, axes = subplots(1, len(fits), figsize or (4.2 * len(fits), 4.2))
    pad = 0.1 * np.ptp(X, axis=0)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    t = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    for ax, (title, phi, m, s2, lam) in zip(axes[0], fits):
        m = np.asarray(m, dtype=float)
        K = m.shape[0]
        order = np.argsort(m[:, 0])                   # colours by the first coordinate
        rank = np.empty(K, dtype=int)
        rank[order] = np.arange(K)
        colors = cluster_colors(K)
        z = np.argmax(phi, axis=1)
        ax.scatter(X[:, 0], X[:, 1], s=12, c=[colors[rank[k]] for k in z], alpha=0.7,
                   edgecolors="none")
        for k in range(K):
            c = colors[rank[k]]
            ax.plot(*(m[k] + lam * circle).T, color=c, linewidth=1.5)
            ax.plot(*(m[k] + 2 * np.sqrt(s2[k]) * circle).T, color="black", linewidth=0.8,
                    linestyle=":")
            ax.plot(*m[k], marker="x", color="black", markersize=8, mew=2)
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        # same limits in every panel, and equal scales so that circles look round
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal", adjustable="box")
    fig.tight_layout()
    return fig


def plot_elbo_grid(grids, *, figsize=None):
    """The best ELBO against ``K``, one line per ``lam``, one panel per data set.

    The best ``lam`` for each ``K`` is marked (filled circles), and the
    ``log K!``-corrected maximum over ``lam`` is drawn dashed in black.

    Parameters
    ----------
    grids : dict
        ``{title: vilib.experiments.modelcheck.ElboGrid}``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    fig, axes = subplots(1, len(grids), figsize or (4.6 * len(grids), 3.8))
    for ax, (title, grid) in zip(axes[0], grids.items()):
        lams = grid.lams
        norm = mpl.colors.LogNorm(vmin=lams.min(), vmax=lams.max() if lams.max() > lams.min() else lams.min() * 1.01)
        cmap = mpl.colormaps["cividis"]
        best = grid.elbo.max(axis=1)
        # lines far below the best would flatten the plot: show a window of interest
        floor = best.min() - 0.25 * (best.max() - best.min()) - 5
        for b, lam in enumerate(lams):
            ax.plot(grid.Ks, grid.elbo[:, b], color=cmap(norm(lam)), linewidth=1.0, marker=".")
        ax.plot(grid.Ks, best, "o", color="black", markersize=5, label=r"best over $\lambda$")
        ax.plot(grid.Ks, grid.corrected.max(axis=1), "--", color="black", linewidth=1.2,
                label=r"best $+ \log K!$")
        ax.set_ylim(floor, grid.corrected.max() + 0.1 * (best.max() - floor))
        ax.set_xlabel("number of clusters $K$")
        ax.set_title(title, fontsize="medium")
        ax.set_xticks(grid.Ks)
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
        bar = fig.colorbar(sm, ax=ax, label=r"$\lambda$ (standardized units)")
        ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 1.0) if norm.vmin <= t <= norm.vmax]
        bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
        bar.minorticks_off()
    axes[0, 0].set_ylabel("final ELBO (nats)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
