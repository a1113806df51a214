"""Figures of the chapters on d dimensions, the exact posterior and local optima.

Requires matplotlib (``pip install "cavi-vilib[plot]"``); it is imported inside the
functions, so ``import vilib`` never needs it. Colours come from the Okabe–Ito
palette (:data:`vilib.viz.style.OKABE_ITO`), which stays distinguishable under
the common forms of colour blindness; every axis is labelled; figures have a
white face colour so they stay legible in dark mode.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_data, check_means, check_phi, check_s2
from .style import OKABE_ITO, axes_for, cluster_colors

_GREY = "#7F7F7F"




def plot_q_2d(x, m, s2, *, phi=None, true_mu=None, ax=None, n_sd=(1.0, 2.0), title=None,
              legend=True, figsize=(5.2, 4.6)):
    """2-D data and each ``q(mu_k) = N(m_k, s2_k I)`` as its mean and circles of radius ``s_k``.

    Points are coloured by their most likely cluster ``argmax_k phi_ik`` (grey
    when ``phi`` is not given), lighter the less certain the assignment. Each
    variational factor is a cross at ``m_k`` with a solid circle of radius
    ``n_sd[0] * s_k`` and dashed circles for the other entries of ``n_sd``:
    because ``q(mu_k)`` is isotropic these circles are exact contours of its
    density. With many points per cluster ``s_k`` is small next to the spread
    of the data; zoom in (``ax.set_xlim``) to see the circles.

    Parameters
    ----------
    x : array, shape (n, 2)
    m : array, shape (K, 2)
    s2 : array, shape (K,)
    phi : array, shape (n, K), optional
    true_mu : array, shape (K, 2), optional
        Drawn as black triangles.
    ax : matplotlib Axes, optional
    n_sd : sequence of float, default (1, 2)
        Radii of the circles, in units of ``s_k``.
    title : str, optional
    legend : bool, default True

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Circle

    X, one_d = check_data(x)
    if one_d or X.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {np.shape(x)}")
    M = check_means(m, d=2, one_d=False)
    K = M.shape[0]
    s = np.sqrt(check_s2(s2, K))
    colors = cluster_colors(K)
    fig, ax = axes_for(ax, figsize)

    if phi is None:
        ax.scatter(X[:, 0], X[:, 1], s=10, color=_GREY, alpha=0.6, linewidths=0, label="data")
    else:
        phi = check_phi(phi, X.shape[0], K)
        label = phi.argmax(axis=1)
        for k in range(K):
            sel = label == k
            if np.any(sel):
                # alpha from 0.25 (phi = 1/K) to 0.9 (phi = 1): certainty shows as opacity
                conf = (phi[sel, k] - 1 / K) / (1 - 1 / K) if K > 1 else np.ones(sel.sum())
                rgba = np.tile(np.array(_to_rgb(colors[k]) + (1.0,)), (sel.sum(), 1))
                rgba[:, 3] = 0.25 + 0.65 * np.clip(conf, 0, 1)
                ax.scatter(X[sel, 0], X[sel, 1], s=10, c=rgba, linewidths=0)
    for k in range(K):
        for j, r in enumerate(n_sd):
            ax.add_patch(Circle(M[k], r * s[k], fill=False, color=colors[k],
                                linestyle="-" if j == 0 else "--", linewidth=1.4, zorder=4))
        ax.plot(*M[k], marker="X", markersize=9, color=colors[k], markeredgecolor="black",
                markeredgewidth=0.8, linestyle="none", zorder=5,
                label=rf"$q(\mu_{{{k + 1}}})$: $m_{{{k + 1}}}$, $s_{{{k + 1}}}$ = {s[k]:.3g}")
    if true_mu is not None:
        T = check_means(true_mu, d=2, one_d=False, name="true_mu")
        ax.plot(T[:, 0], T[:, 1], linestyle="none", marker="^", markersize=8, color="black",
                markerfacecolor="none", label=r"true $\mu_k$", zorder=6)
    ax.set_xlabel(r"first coordinate $x_{i1}$")
    ax.set_ylabel(r"second coordinate $x_{i2}$")
    ax.set_aspect("equal", adjustable="box")  # "box": callers may still set limits (zoom)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize="x-small", frameon=True, framealpha=0.85, loc="best")
    return fig


def _to_rgb(color):
    from matplotlib.colors import to_rgb

    return tuple(to_rgb(color))


def plot_posterior_vs_q(post, m, s2, *, phi=None, grid=None, ax=None, show_raw=True,
                        figsize=(7.6, 3.6)):
    """1-D: the exact posterior density of each mean beside its variational factor.

    For each cluster ``k`` (cluster colour): the exact posterior of ``mu_k``
    after relabelling every assignment to agree with ``phi``
    (:meth:`vilib.baselines.exact.ExactPosterior.aligned`; solid) and
    ``q(mu_k) = N(m_k, s2_k)`` (dashed). With ``show_raw`` the unrelabelled
    exact posterior of ``mu_1`` is drawn in grey: by the symmetry of the model
    it has a bump at every cluster (the ``K!`` relabelled modes), and it is the
    same curve for every ``k``.

    Parameters
    ----------
    post : vilib.ExactPosterior
        From 1-D data.
    m, s2 : arrays, shape (K,)
        The variational factors, e.g. ``fit.m``, ``fit.s2``.
    phi : array, shape (n, K), optional
        Reference for the relabelling; without it the raw posterior is used
        for every ``k``.
    grid : array, optional
        Values of ``mu`` to evaluate; by default 600 points covering every curve.
    ax : matplotlib Axes, optional
    show_raw : bool, default True

    Returns
    -------
    matplotlib.figure.Figure
    """
    if post.mean_mu.ndim != 1:
        raise ValueError("plot_posterior_vs_q draws the posterior of 1-D data")
    K = post.mean_mu.shape[0]
    M = check_means(m, d=1, one_d=True, K=K)[:, 0]
    s2 = check_s2(s2, K)
    shown = post.aligned(phi) if phi is not None else post
    if grid is None:
        # bounds from the curves drawn in colour; the raw posterior's bumps sit at the same places
        sd = np.sqrt(np.maximum(shown.var_mu, s2))
        lo = min((M - 4 * np.sqrt(s2)).min(), (shown.mean_mu - 4 * sd).min())
        hi = max((M + 4 * np.sqrt(s2)).max(), (shown.mean_mu + 4 * sd).max())
        grid = np.linspace(lo, hi, 600)
    grid = np.asarray(grid, dtype=float)
    colors = cluster_colors(K)
    fig, ax = axes_for(ax, figsize)
    if show_raw:
        ax.fill_between(grid, post.density_mu(0, grid), color=_GREY, alpha=0.25, linewidth=0,
                        label=r"exact $p(\mu_1 \mid x)$, all labellings")
    for k in range(K):
        ax.plot(grid, shown.density_mu(k, grid), color=colors[k], linewidth=2,
                label=rf"exact $p(\mu_{{{k + 1}}} \mid x)$" + (", relabelled" if phi is not None else ""))
        q = np.exp(-0.5 * (grid - M[k]) ** 2 / s2[k]) / np.sqrt(2 * np.pi * s2[k])
        ax.plot(grid, q, color=colors[k], linewidth=1.6, linestyle="--",
                label=rf"CAVI $q(\mu_{{{k + 1}}})$")
    ax.set_xlabel(r"cluster mean $\mu_k$")
    ax.set_ylabel("density")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def plot_gap_vs_log_kfact(K_values, gaps, *, ax=None, figsize=(5.6, 3.6)):
    """The gap ``log p(x) - ELBO`` at the CAVI optimum against ``log K!``.

    Parameters
    ----------
    K_values : sequence of int
    gaps : sequence of float
        ``log p(x) - ELBO`` for each ``K``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    K_values = np.asarray(K_values, dtype=int)
    gaps = np.asarray(gaps, dtype=float)
    if K_values.shape != gaps.shape or K_values.ndim != 1:
        raise ValueError("K_values and gaps must be 1-D arrays of the same length")
    fig, ax = axes_for(ax, figsize)
    Ks = np.arange(K_values.min(), K_values.max() + 1)
    ax.plot(Ks, [math.lgamma(k + 1) for k in Ks], color="black", linewidth=1.4, marker="_",
            markersize=14, label=r"$\log K!$")
    ax.plot(K_values, gaps, linestyle="none", marker="o", markersize=8, color=OKABE_ITO[4],
            label=r"gap $\log p(x) - \mathrm{ELBO}$ at convergence")
    ax.set_xlabel("number of clusters $K$")
    ax.set_ylabel("nats")
    ax.set_xticks(Ks)
    ax.legend(fontsize="small", frameon=False)
    fig.tight_layout()
    return fig


def plot_elbo_histogram(final_elbos, *, lower=None, log_evidence=None, bins=30, ax=None,
                        figsize=(7.0, 3.6)):
    """Histogram of the final ELBOs reached from many initialisations.

    Parameters
    ----------
    final_elbos : array, or dict mapping a label to an array
        One final ELBO per run; a dict draws one histogram per seeding strategy
        (same bins, side by side in the palette's colours).
    lower : float, optional
        Left end of the axis. Runs with a lower ELBO are counted in the first
        bin (they would otherwise squash the interesting part into one bar);
        their number is given in the legend.
    log_evidence : float, optional
        ``log p(x)``, drawn as a vertical line when known.
    bins : int, default 30

    Returns
    -------
    matplotlib.figure.Figure
    """
    groups = final_elbos if isinstance(final_elbos, dict) else {"runs": final_elbos}
    groups = {str(k): np.asarray(v, dtype=float).ravel() for k, v in groups.items()}
    if not groups or any(v.size == 0 or not np.all(np.isfinite(v)) for v in groups.values()):
        raise ValueError("final_elbos must hold at least one finite value per group")
    allv = np.concatenate(list(groups.values()))
    top = allv.max()
    low = allv.min() if lower is None else float(lower)
    if not low < top:
        raise ValueError(f"lower must be below the best ELBO {top:g}, got {lower!r}")
    span = top - low
    edges = np.linspace(low - 0.01 * span, top + 0.02 * span, bins + 1)
    fig, ax = axes_for(ax, figsize)
    labels = []
    for name, v in groups.items():
        below = int(np.sum(v < low))
        labels.append(f"{name} ({v.size} runs" + (f"; {below} below the axis, in the first bin)"
                                                  if below else ")"))
    ax.hist([np.maximum(v, edges[0] + 1e-9 * span) for v in groups.values()], bins=edges,
            color=cluster_colors(len(groups)), label=labels, edgecolor="white", linewidth=0.4)
    ax.axvline(top, color="black", linestyle="--", linewidth=1.2, label="best ELBO found")
    if log_evidence is not None:
        ax.axvline(log_evidence, color=OKABE_ITO[4], linewidth=1.5, label=r"$\log p(x)$")
    ax.set_xlabel("final ELBO (nats)")
    ax.set_ylabel("number of runs")
    ax.legend(fontsize="small", frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def plot_elbo_traces(traces, *, best=None, ax=None, figsize=(7.0, 3.6), max_traces=40, floor=1e-3):
    """How far below the best ELBO each CAVI run is, sweep by sweep (log scale).

    Each line is ``best - ELBO_t`` for one run (floored at ``floor`` so that
    runs reaching the best stay on a log axis). A run that converges to the
    best optimum dives to the floor; a run trapped in a local optimum levels
    off at its deficit: converged, and wrong.

    Parameters
    ----------
    traces : sequence of 1-D arrays
        E.g. ``[fit.elbo for fit in restarts.fits]``.
    best : float, optional
        The reference ELBO; by default the highest final value among ``traces``.
    max_traces : int, default 40
        Draw at most this many runs (the first ones).
    floor : float, default 1e-3
        Smallest deficit drawn, in nats.

    Returns
    -------
    matplotlib.figure.Figure
    """
    traces = [np.asarray(t, dtype=float) for t in traces][:max_traces]
    if not traces or any(t.ndim != 1 or t.size == 0 for t in traces):
        raise ValueError("traces must be a non-empty sequence of non-empty 1-D arrays")
    if best is None:
        best = max(t[-1] for t in traces)
    fig, ax = axes_for(ax, figsize)
    for t in traces:
        good = t[-1] > best - floor
        ax.plot(np.arange(1, t.size + 1), np.maximum(best - t, floor),
                color=OKABE_ITO[2] if good else OKABE_ITO[4], linewidth=1.0, alpha=0.8)
    from matplotlib.lines import Line2D

    ax.legend(handles=[Line2D([], [], color=OKABE_ITO[2], label="run reaches the best ELBO"),
                       Line2D([], [], color=OKABE_ITO[4], label="run stops lower (local optimum)")],
              fontsize="small", frameon=False, loc="upper right")
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("sweep")
    ax.set_ylabel("best ELBO minus ELBO (nats)")
    fig.tight_layout()
    return fig
