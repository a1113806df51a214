"""Figures of the derivation chapters: the joint density, the cost of the exact posterior,
the ELBO gap and a Monte Carlo check (requires matplotlib: ``pip install "cavi-vilib[plot]"``).

Colours come from the Okabe–Ito palette (:data:`vilib.viz.style.OKABE_ITO`), which
stays distinguishable under the common forms of colour blindness; every axis is
labelled; figures have a white face colour so they stay legible in dark mode.
matplotlib is imported inside the functions, so ``import vilib`` never needs it.
"""

from __future__ import annotations

import numpy as np

from ..experiments.cost import EvidenceCost, seconds_per_assignment
from ..model import LOG_2PI, log_joint
from .style import OKABE_ITO, cluster_colors, figure_row

#: Reference durations drawn as horizontal lines on the cost figure.
_DURATIONS = (("1 second", 1.0), ("1 minute", 60.0), ("1 hour", 3600.0),
              ("1 day", 86400.0), ("1 year", 365.25 * 86400.0))




def plot_joint_factors(data, *, k=0, grid_size=201, figsize=(9.0, 3.6)):
    """The likelihood factor each point selects, and the log joint as a function of one mean.

    Left: the curves ``log N(x; mu_j, 1)`` for every cluster ``j`` (cluster
    colours) and each point at ``(x_i, log N(x_i; mu_{c_i}, 1))``: a point lies on
    the curve of the one cluster its one-hot ``c_i`` selects. Right: the log joint
    ``log p(mu, c, x)`` (from :func:`vilib.log_joint`) as ``mu_k`` moves, the other
    means and all labels held at their true values, split into the prior term
    ``log p(mu_k)`` and the rest (the likelihood of the points of cluster ``k``);
    each curve is shifted so that its maximum is 0.

    Parameters
    ----------
    data : vilib.SimulatedData
        1-D data (``d = 1``) from :func:`vilib.simulate`.
    k : int, default 0
        The mean moved in the right panel (0-based).
    grid_size : int, default 201
        Number of values of ``mu_k`` evaluated.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(data.x, dtype=float)
    if x.ndim != 1:
        raise ValueError("plot_joint_factors draws 1-D data (simulate with d=1)")
    mu = np.asarray(data.mu, dtype=float)
    c = np.asarray(data.c)
    K, lam, sigma = len(mu), float(data.lam), float(data.sigma)
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 0 <= k < K:
        raise ValueError(f"k must be an integer in [0, {K}), got {k!r}")
    colors = cluster_colors(K)
    fig, (ax0, ax1) = figure_row(2, figsize)

    grid = np.linspace(min(x.min(), mu.min()) - 1, max(x.max(), mu.max()) + 1, 400)
    for j in range(K):
        curve = -0.5 * (LOG_2PI + np.log(lam**2)) - (grid - mu[j]) ** 2 / (2 * lam**2)
        ax0.plot(grid, curve, color=colors[j], linewidth=1.2,
                 label=rf"$\log\mathcal{{N}}(x;\mu_{{{j + 1}}},{lam:g}^2)$")
        own = c == j
        ax0.plot(x[own], -0.5 * (LOG_2PI + np.log(lam**2)) - (x[own] - mu[j]) ** 2 / (2 * lam**2),
                 linestyle="none", marker="o", markersize=4, color=colors[j],
                 markeredgecolor="black", markeredgewidth=0.4)
    ax0.set_ylim(bottom=max(ax0.get_ylim()[0], -12))
    ax0.set_xlabel(r"observation $x_i$")
    ax0.set_ylabel(r"log density of $x_i$")
    ax0.set_title("each point sits on its own cluster's curve", fontsize="medium")
    ax0.legend(fontsize="x-small", frameon=False, loc="lower center")

    members = x[c == k]
    # Centre on the maximiser (the mode of the Gaussian conditional of mu_k given c and x)
    # and span +-5 of its standard deviations, ~ lam/sqrt(n_k), widened to show the true mu_k.
    precision = len(members) / lam**2 + 1 / sigma**2
    mode = members.sum() / lam**2 / precision
    half = max(5.0 / np.sqrt(precision), 1.3 * abs(mu[k] - mode))
    values = np.linspace(mode - half, mode + half, grid_size)
    total = np.empty(grid_size)
    for g, v in enumerate(values):              # a loop over grid values, not data points
        moved = mu.copy()
        moved[k] = v
        total[g] = log_joint(x, c, moved, sigma, lam=lam)
    prior = -values**2 / (2 * sigma**2)         # log p(mu_k) up to its constant
    rest = total - prior
    for curve, label, color, style in ((total, r"$\log p(\mu, c, x)$", "black", "-"),
                                       (rest, rf"likelihood of cluster-{k + 1} points", OKABE_ITO[3], "--"),
                                       (prior, r"prior $\log p(\mu_k)$", OKABE_ITO[4], ":")):
        ax1.plot(values, curve - curve.max(), color=color, linestyle=style, linewidth=1.6,
                 label=label)
    ax1.axvline(mu[k], color="grey", linewidth=0.8)
    ax1.annotate(rf"true $\mu_{{{k + 1}}}$", (mu[k], 0), xytext=(4, -60),
                 textcoords="offset points", fontsize="small", color="dimgrey")
    ax1.set_xlabel(rf"value of $\mu_{{{k + 1}}}$ (others fixed)")
    ax1.set_ylabel("log density minus its maximum")
    ax1.set_title(rf"moving $\mu_{{{k + 1}}}$ ({len(members)} points in its cluster)",
                  fontsize="medium")
    ax1.legend(fontsize="x-small", frameon=False, loc="lower center")
    fig.tight_layout()
    return fig


def plot_evidence_cost(costs, *, extrapolate_to=30, figsize=(9.5, 3.8)):
    """The exponential wall: measured wall time of the exact ``log p(x)`` as ``n`` grows.

    Left: seconds against ``n`` (log scale) for each ``K``, the measured points as
    markers and the extrapolation ``(seconds per assignment) * K^n`` dashed up to
    ``extrapolate_to`` points, with reference durations (a second ... a year).
    Right: the same times against the number of assignments ``K^n`` (log-log);
    all runs fall on one line of slope 1, because the cost is the count times a
    constant.

    Parameters
    ----------
    costs : sequence of vilib.experiments.cost.EvidenceCost
        One per ``K``, from :func:`vilib.experiments.cost.time_log_evidence`.
    extrapolate_to : int, default 30
        Largest ``n`` of the dashed extrapolation.

    Returns
    -------
    matplotlib.figure.Figure
    """
    costs = list(costs)
    if not costs or not all(isinstance(cst, EvidenceCost) for cst in costs):
        raise ValueError("costs must be a non-empty sequence of EvidenceCost")
    fig, (ax0, ax1) = figure_row(2, figsize)
    year = _DURATIONS[-1][1]
    all_counts = np.concatenate([cst.assignments for cst in costs])
    for j, cst in enumerate(costs):
        color = OKABE_ITO[(2 * j + 3) % len(OKABE_ITO)]   # blue, then orange-red: distinct
        rate = seconds_per_assignment(cst, min_assignments=min(1e4, cst.assignments.max()))
        ax0.plot(cst.n, cst.seconds, marker="o", linestyle="none", color=color,
                 label=f"K = {cst.K}, measured")
        n_ext = np.arange(cst.n[0], extrapolate_to + 1)
        ax0.plot(n_ext, rate * float(cst.K) ** n_ext, linestyle="--", color=color,
                 linewidth=1.2, label=f"K = {cst.K}, rate × $K^n$")
        # label the largest run: the first K to the lower right, the next to the upper left
        right = j % 2 == 0
        ax0.annotate(f"${cst.K}^{{{cst.n[-1]}}}$ = {int(cst.assignments[-1]):,}\nassignments",
                     (cst.n[-1], cst.seconds[-1]), xytext=(8, -14) if right else (-8, 8),
                     textcoords="offset points", ha="left" if right else "right",
                     va="top" if right else "bottom", fontsize="x-small", color=color)
        ax1.loglog(cst.assignments, cst.seconds, marker="o", linestyle="none", color=color,
                   label=f"K = {cst.K}")
    rate_all = float(np.median([seconds_per_assignment(
        cst, min_assignments=min(1e4, cst.assignments.max())) for cst in costs]))
    line = np.logspace(np.log10(all_counts.min()), np.log10(all_counts.max()), 50)
    ax1.loglog(line, rate_all * line, color="black", linewidth=1, linestyle=":",
               label="time ∝ $K^n$")
    ymin = min(cst.seconds.min() for cst in costs) / 3
    ax0.set_yscale("log")
    ax0.set_ylim(ymin, 30 * year)
    for name, secs in _DURATIONS:
        ax0.axhline(secs, color="grey", linewidth=0.6, linestyle=":")
        ax0.text(extrapolate_to, secs * 1.3, name, ha="right", va="bottom", fontsize="x-small",
                 color="dimgrey")
    ax0.set_xlabel("number of points $n$")
    ax0.set_ylabel("wall time of exact log p(x) (s)")
    ax0.set_title("the exponential wall", fontsize="medium")
    ax0.legend(fontsize="x-small", frameon=False, loc="upper left")
    ax1.set_xlabel("number of assignments $K^n$ summed")
    ax1.set_ylabel("wall time (s)")
    ax1.set_title("cost is proportional to the count", fontsize="medium")
    ax1.legend(fontsize="x-small", frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def plot_elbo_gap(labels, log_evidence, elbos, kls, *, figsize=(7.5, 3.4)):
    """The gap ``log p(x) - ELBO(q)`` next to ``KL(q || p(z | x))``, for several ``q``.

    One row per variational distribution: a bar of length ``log p(x) - ELBO(q)``
    and a cross at the independently computed KL divergence. The identity
    ``log p(x) = ELBO(q) + KL(q || p(z|x))`` puts every cross at the end of its bar.
    The horizontal axis is logarithmic so that small and large gaps both show.

    Parameters
    ----------
    labels : sequence of str
        Names of the distributions ``q``.
    log_evidence : float
        ``log p(x)``.
    elbos, kls : sequence of float
        ``ELBO(q)`` and ``KL(q || p(z | x))`` for each ``q``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = [str(s) for s in labels]
    elbos = np.asarray(elbos, dtype=float)
    kls = np.asarray(kls, dtype=float)
    if elbos.shape != (len(labels),) or kls.shape != (len(labels),):
        raise ValueError("labels, elbos and kls must have the same length")
    gaps = float(log_evidence) - elbos
    if np.any(gaps <= 0) or np.any(kls <= 0):
        raise ValueError("gaps and kls must be > 0 to be drawn on a log axis")
    fig, (ax,) = figure_row(1, figsize)
    rows = np.arange(len(labels))[::-1]
    ax.barh(rows, gaps, color=OKABE_ITO[1], height=0.55, label=r"$\log p(x) - \mathrm{ELBO}(q)$")
    ax.plot(kls, rows, linestyle="none", marker="x", markersize=10, markeredgewidth=2,
            color=OKABE_ITO[4], label=r"$\mathrm{KL}(q \,\|\, p(z \mid x))$ from the exact posterior")
    ax.set_xscale("log")
    ax.set_xlim(min(gaps.min(), kls.min()) / 3, max(gaps.max(), kls.max()) * 3)
    ax.set_yticks(rows, labels)
    ax.set_xlabel("nats (log scale)")
    ax.set_ylabel("variational distribution $q$")
    ax.legend(fontsize="small", frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncol=2)
    fig.tight_layout()
    return fig


def plot_mc_convergence(values, closed_form, *, wrong=None, wrong_label="wrong formula",
                        figsize=(7.0, 3.4)):
    """Running Monte Carlo mean, with a ±2 standard error band, converging to a closed form.

    Parameters
    ----------
    values : array, shape (S,)
        i.i.d. Monte Carlo draws (e.g. ``vilib.experiments.montecarlo.MCEstimate.values``).
    closed_form : float
        The exact expectation (solid line).
    wrong : float, optional
        The value of a wrong formula (dashed line) that the estimate should miss.
    wrong_label : str
        Legend text for ``wrong``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 10:
        raise ValueError("values must be a 1-D array of at least 10 draws")
    S = np.arange(1, values.size + 1)
    running = np.cumsum(values) / S
    # running standard error from the running second moment (no loop over draws)
    second = np.cumsum(values**2) / S
    var = np.maximum(second - running**2, 0.0) * S / np.maximum(S - 1, 1)
    se = np.sqrt(var / S)
    start = 9                                   # the first few draws say nothing about the s.e.
    fig, (ax,) = figure_row(1, figsize)
    ax.fill_between(S[start:], (running - 2 * se)[start:], (running + 2 * se)[start:],
                    color=OKABE_ITO[1], alpha=0.35, linewidth=0, label="±2 standard errors")
    ax.plot(S[start:], running[start:], color=OKABE_ITO[3], linewidth=1.4,
            label="Monte Carlo running mean")
    ax.axhline(closed_form, color="black", linewidth=1.4, label="closed form")
    if wrong is not None:
        ax.axhline(wrong, color=OKABE_ITO[4], linewidth=1.4, linestyle="--", label=wrong_label)
    ax.set_xscale("log")
    ax.set_xlabel("number of draws from $q$")
    ax.set_ylabel("estimate (nats)")
    ax.legend(fontsize="small", frameon=False, loc="best")
    fig.tight_layout()
    return fig
