"""Figures of the scaling chapter: CAVI and SVI against the clock, SVI step sizes
(``book/scaling.md``)."""

from __future__ import annotations

import numpy as np

from .style import OKABE_ITO, axes_for


def plot_elbo_vs_time(runs, *, floor=1e-6, ax=None, figsize=(7.0, 3.6)):
    """Distance to the best ELBO (nats per point) against wall-clock seconds, log-log.

    ``runs`` maps a label (e.g. ``"n = 10^5"``) to a pair of CAVI and SVI
    traces: :class:`TimedTrace` objects or dicts with ``seconds`` and
    ``elbo_per_point``. The best ELBO of a label is the highest value either
    method reached; gaps below ``floor`` are drawn at ``floor``. CAVI is drawn
    solid with dots (one per sweep), SVI dashed, one colour per label.
    """
    fig, ax = axes_for(ax, figsize)
    for j, (label, pair) in enumerate(runs.items()):
        pair = [p if isinstance(p, dict) else p.__dict__ for p in pair]
        best = max(np.max(p["elbo_per_point"]) for p in pair)
        for p, style in zip(pair, ({"marker": "o", "markersize": 3, "linestyle": "-"},
                                   {"linestyle": "--"})):
            gap = np.maximum(best - np.asarray(p["elbo_per_point"]), floor)
            ax.plot(p["seconds"], gap, color=OKABE_ITO[j % len(OKABE_ITO)],
                    label=f"{p['method']}, {label}", **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("wall-clock time (s)")
    ax.set_ylabel("best ELBO − ELBO (nats per point)")
    ax.legend(fontsize="small", frameon=False, ncol=2 if len(runs) > 1 else 1)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_gap_curves(curves, *, x="steps", floor=1e-6, ax=None, title=None, figsize=(7.0, 3.4)):
    """Gap curves from :func:`gap_curves` against steps (``x="steps"``) or points seen."""
    fig, ax = axes_for(ax, figsize)
    for j, (label, (steps, seen, gap)) in enumerate(curves.items()):
        ax.plot(steps if x == "steps" else seen, np.maximum(gap, floor),
                color=OKABE_ITO[j % len(OKABE_ITO)], marker="o", markersize=3, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("SVI step t" if x == "steps" else "data points processed")
    ax.set_ylabel("best ELBO − ELBO (nats/point)")
    if title:
        ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small", frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig
