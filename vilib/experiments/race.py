"""CAVI and SVI against the clock (chapter *Scaling up*, ``book/scaling.md``).

:func:`race` runs both from the same start and records the ELBO against wall-clock time;
:func:`gap_curves` runs SVI under several step-size settings. The ELBO of each record is
computed after the run, so it costs the run no time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..baselines.stream import elbo_at_optimal_phi
from ..baselines.svi import svi
from ..core.cavi import cavi


@dataclass(frozen=True)
class TimedTrace:
    """ELBO against wall-clock time of one run (see :func:`race`).

    seconds : (r,) time since the start of the run at each record
    elbo_per_point : (r,) ``elbo_at_optimal_phi(x, m, s2) / n`` at each record
    iterations : (r,) sweep (CAVI) or step (SVI) number of each record
    """

    method: str
    seconds: np.ndarray
    elbo_per_point: np.ndarray
    iterations: np.ndarray


def race(x, K, sigma, *, init, lam=1.0, cavi_max_iter=100, cavi_tol=1e-10, batch_size=500,
         n_steps=5000, tau=1.0, kappa=0.7, seed=0, n_records=30):
    """Run CAVI and SVI from the same start and record the ELBO against wall-clock time.

    The runs record ``(time, m, s2)`` in their callbacks (a copy of two small
    arrays); the ELBO of each record, ``elbo_at_optimal_phi``, is computed after
    the run, so it costs the run no time. CAVI records every sweep; SVI records
    ``n_records`` steps spaced geometrically (dense early, when it moves fast).

    Returns
    -------
    (TimedTrace, TimedTrace)
        CAVI's and SVI's.
    """
    n = len(x)
    records = {"CAVI": [], "SVI": []}
    svi_at = set(np.unique(np.geomspace(1, n_steps, n_records).astype(int)).tolist())

    def run(method, fit):
        start = time.perf_counter()

        def record(step):
            i = getattr(step, "iteration", None) or step.step
            if method == "CAVI" or i in svi_at:
                records[method].append((time.perf_counter() - start, i, step.m.copy(), step.s2.copy()))
        fit(record)

    run("CAVI", lambda cb: cavi(x, K, sigma, lam=lam, init=init, max_iter=cavi_max_iter,
                                tol=cavi_tol, callback=cb))
    run("SVI", lambda cb: svi(x, K, sigma, lam=lam, init=init, batch_size=batch_size,
                              n_steps=n_steps, tau=tau, kappa=kappa, seed=seed, callback=cb))
    return tuple(
        TimedTrace(method=method,
                   seconds=np.array([r[0] for r in recs]),
                   elbo_per_point=np.array([elbo_at_optimal_phi(x, r[2], r[3], sigma, lam=lam) / n
                                            for r in recs]),
                   iterations=np.array([r[1] for r in recs]))
        for method, recs in records.items())


def gap_curves(x, K, sigma, settings, *, init, best, lam=1.0, n_steps=400, seed=0, n_records=25):
    """ELBO gap per point ``best - ELBO/n`` along SVI runs with different settings.

    ``settings`` maps a label to keyword arguments of :func:`vilib.svi` (``tau``,
    ``kappa``, ``batch_size``). Every run starts at ``init`` with the same seed.
    Returns ``{label: (steps, points_seen, gap)}`` with the gap recorded at
    ``n_records`` geometrically spaced steps.
    """
    n = len(x)
    at = set(np.unique(np.geomspace(1, n_steps, n_records).astype(int)).tolist())
    out = {}
    for label, kwargs in settings.items():
        recs = []
        svi(x, K, sigma, lam=lam, init=init, n_steps=n_steps, seed=seed,
            callback=lambda s: recs.append((s.step, s.n_seen, s.m.copy(), s.s2.copy()))
            if s.step in at else None, **kwargs)
        out[label] = (np.array([r[0] for r in recs]), np.array([r[1] for r in recs]),
                      np.array([best - elbo_at_optimal_phi(x, r[2], r[3], sigma, lam=lam) / n
                                for r in recs]))
    return out
