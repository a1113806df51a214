"""Figures for the chapters on the updates and on CAVI (requires matplotlib).

matplotlib comes with the ``plot`` extra: ``pip install "cavi-vilib[plot]"``.

* :func:`plot_responsibilities` — the phi update as a function of ``x`` (chapter "The phi update").
* :func:`plot_mu_update` — prior, data and ``q(mu_k)`` on one axis (chapter "Completing the square").
* :func:`plot_elbo_trace` — an ELBO trace and its per-sweep gains (chapter "CAVI and its ELBO").
* :func:`plot_buggy_elbo` — the right ELBO beside the tutorial's buggy one, drops marked.

Colours come from the Okabe–Ito palette of :mod:`vilib.viz.style` (colour-blind
safe); figures have a white face colour so that they stay legible in dark mode;
every axis is labelled. matplotlib is imported inside each function, so
importing this module does not need it.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_data, check_phi, check_positive
from ..teaching.pitfalls import elbo_decreases
from .._util import normal_pdf
from .style import OKABE_ITO, cluster_colors, figure_row
from ..core.updates import sufficient_stats, update_mu, update_phi

#: Colours with a fixed meaning in these figures.
PRIOR_COLOR = "#7F7F7F"          # grey: the prior
DATA_COLOR = OKABE_ITO[1]        # sky blue: what the data alone say
Q_COLOR = OKABE_ITO[0]           # orange: the variational factor / the right ELBO
BUG_COLOR = OKABE_ITO[4]         # vermillion: the buggy quantity and its drops




def plot_responsibilities(x, m, s2, *, lam=1.0, grid=None, ax=None, figsize=(7.0, 3.4)):
    """Responsibilities ``phi_k(x)`` of :func:`vilib.update_phi` along a grid of ``x`` (1-D).

    Draws one curve per cluster (they sum to 1 at every ``x``), a dotted vertical
    line at each ``m_k`` and, below the curves, a rug of the data ``x``.

    Parameters
    ----------
    x : array, shape (n,)
        1-D data (drawn as a rug; also sets the default grid).
    m, s2 : arrays, shape (K,)
        Variational means and variances.
    lam : float, default 1.0
    grid : array, optional
        Where to evaluate the curves; default 400 points spanning the data and means.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    X, one_d = check_data(x)
    if not one_d:
        raise ValueError("plot_responsibilities draws 1-D data: x must have shape (n,)")
    m = np.asarray(m, dtype=float)
    K = m.size
    if grid is None:
        lo = min(X.min(), m.min()) - 2 * lam
        hi = max(X.max(), m.max()) + 2 * lam
        grid = np.linspace(lo, hi, 400)
    phi = update_phi(grid, m, s2, lam=lam)                       # (len(grid), K)
    if ax is None:
        fig, (ax,) = figure_row(figsize=figsize)
    else:
        fig = ax.figure
    colors = cluster_colors(K)
    for k in range(K):
        ax.plot(grid, phi[:, k], color=colors[k], linewidth=2,
                label=fr"$\varphi_{{i{k + 1}}}$ ($m_{{{k + 1}}}$ = {m[k]:.2f})")
        ax.axvline(m[k], color=colors[k], linestyle=":", linewidth=1.2)
    ax.plot(X[:, 0], np.full(X.shape[0], -0.06), linestyle="none", marker="|", markersize=10,
            color="black", alpha=0.6, label="data $x_i$", clip_on=False)
    ax.set_ylim(-0.1, 1.05)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel(r"data point $x_i$")
    ax.set_ylabel(r"responsibility $\varphi_{ik}$")
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def plot_mu_update(x, phi, k, sigma, *, lam=1.0, ax=None, figsize=(7.0, 3.4)):
    """Prior, data and the updated ``q(mu_k)`` of cluster ``k`` as densities of ``mu_k`` (1-D).

    Three curves: the prior ``N(0, sigma^2)``; what the data alone say, the
    normalised likelihood ``N(S_k/N_k, lam^2/N_k)``; and ``q(mu_k) = N(m_k, s2_k)``
    from :func:`vilib.update_mu`, whose precision is the sum of the other two
    and whose mean is their precision-weighted average.

    Parameters
    ----------
    x : array, shape (n,)
    phi : array, shape (n, K)
    k : int
        Cluster index, ``0 <= k < K``.
    sigma, lam : float

    Returns
    -------
    matplotlib.figure.Figure
    """
    X, one_d = check_data(x)
    if not one_d:
        raise ValueError("plot_mu_update draws 1-D data: x must have shape (n,)")
    phi = check_phi(phi, X.shape[0])
    K = phi.shape[1]
    if not isinstance(k, (int, np.integer)) or not 0 <= k < K:
        raise ValueError(f"k must be an integer in [0, {K}), got {k!r}")
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    m, s2 = update_mu(x, phi, sigma, lam=lam)
    N, S = sufficient_stats(X, phi)
    n_k, xbar = float(N[k]), float(S[k, 0] / N[k])
    data_var = lam**2 / n_k
    half = 4 * max(np.sqrt(data_var), np.sqrt(s2[k]))
    # show the prior's bulk too, but never let a wide prior squash the other two curves
    prior_half = min(3 * sigma, max(abs(xbar), abs(m[k])) + half)
    lo = min(xbar - half, m[k] - half, -prior_half)
    hi = max(xbar + half, m[k] + half, prior_half)
    grid = np.linspace(lo, hi, 500)
    if ax is None:
        fig, (ax,) = figure_row(figsize=figsize)
    else:
        fig = ax.figure
    ax.plot(grid, normal_pdf(grid, 0.0, sigma**2), color=PRIOR_COLOR, linestyle="--",
            linewidth=1.8, label=fr"prior $\mathcal{{N}}(0, \sigma^2)$, $\sigma$ = {sigma:g}")
    ax.plot(grid, normal_pdf(grid, xbar, data_var), color=DATA_COLOR, linestyle="-.",
            linewidth=1.8, label=fr"data alone $\mathcal{{N}}(S_k/N_k, \lambda^2/N_k)$, $N_k$ = {n_k:.1f}")
    ax.plot(grid, normal_pdf(grid, m[k], s2[k]), color=Q_COLOR, linewidth=2.4,
            label=fr"$q(\mu_k) = \mathcal{{N}}(m_k, s_k^2)$, $m_k$ = {m[k]:.2f}")
    ax.axvline(xbar, color=DATA_COLOR, linestyle=":", linewidth=1)
    ax.axvline(m[k], color=Q_COLOR, linestyle=":", linewidth=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(fr"cluster mean $\mu_{{{k + 1}}}$")
    ax.set_ylabel("density")
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def plot_elbo_trace(trace, *, log_evidence=None, figsize=(8.0, 3.2)):
    """An ELBO trace (left) and the gain of every sweep on a log scale (right).

    Parameters
    ----------
    trace : array, shape (T,)
        ELBO after sweeps ``1..T`` (``CaviResult.elbo``).
    log_evidence : float, optional
        ``log p(x)``, drawn as a horizontal line the trace must stay under.

    Returns
    -------
    matplotlib.figure.Figure
        The right panel shows ``ELBO_t - ELBO_{t-1}`` for the sweeps that gained
        something; sweeps that lost (a bug) are marked in vermillion at the bottom.
    """
    trace = np.asarray(trace, dtype=float)
    if trace.ndim != 1 or trace.size < 2 or not np.all(np.isfinite(trace)):
        raise ValueError("trace must be a finite 1-D array with at least 2 sweeps")
    sweeps = np.arange(1, trace.size + 1)
    fig, (left, right) = figure_row(2, figsize)
    left.plot(sweeps, trace, color=Q_COLOR, marker="o", markersize=3, linewidth=1.8, label="ELBO")
    if log_evidence is not None:
        left.axhline(float(log_evidence), color="black", linestyle="--", linewidth=1.2,
                     label=r"$\log p(x)$ (exact)")
    left.set_xlabel("sweep $t$")
    left.set_ylabel(r"ELBO$(q_t)$")
    left.legend(fontsize="small", frameon=False, loc="center right")

    gain = np.diff(trace)
    up = gain > 0
    right.semilogy(sweeps[1:][up], gain[up], color=Q_COLOR, marker="o", markersize=3,
                   linewidth=1.2, label="gain > 0")
    down = elbo_decreases(trace)
    if down.size:
        floor = gain[up].min() if up.any() else 1e-16
        right.plot(sweeps[down], np.full(down.size, floor), linestyle="none", marker="v",
                   color=BUG_COLOR, label="ELBO went down")
    right.set_xlabel("sweep $t$")
    right.set_ylabel(r"gain ELBO$_t$ $-$ ELBO$_{t-1}$")
    right.legend(fontsize="small", frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


def plot_buggy_elbo(right, buggy, *, figsize=(8.0, 3.2)):
    """The right ELBO (left panel) beside the tutorial's buggy "ELBO" (right panel).

    Each panel has its own vertical scale; sweeps where a trace goes down
    (:func:`vilib.teaching.pitfalls.elbo_decreases`) are marked with vermillion triangles.

    Parameters
    ----------
    right, buggy : arrays, shape (T,)
        From :func:`vilib.teaching.pitfalls.elbo_traces`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    right = np.asarray(right, dtype=float)
    buggy = np.asarray(buggy, dtype=float)
    if right.shape != buggy.shape or right.ndim != 1 or right.size < 2:
        raise ValueError("right and buggy must be 1-D arrays of the same length >= 2")
    sweeps = np.arange(1, right.size + 1)
    fig, axes = figure_row(2, figsize)
    panels = ((right, "ELBO (right formula)", Q_COLOR),
              (buggy, "tutorial's \"ELBO\" (buggy)", BUG_COLOR))
    for ax, (trace, title, color) in zip(axes, panels):
        ax.plot(sweeps, trace, color=color, marker="o", markersize=3, linewidth=1.6)
        down = elbo_decreases(trace)
        if down.size:
            ax.plot(sweeps[down], trace[down], linestyle="none", marker="v", markersize=7,
                    color=BUG_COLOR, markeredgecolor="black", markeredgewidth=0.5,
                    label=f"went down ({down.size} sweeps)")
            ax.legend(fontsize="small", frameon=False, loc="lower right")
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("sweep $t$")
        ax.set_ylabel("value after sweep $t$")
    fig.tight_layout()
    return fig
