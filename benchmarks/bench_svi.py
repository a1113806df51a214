"""CAVI against SVI: ELBO against wall-clock time for 10^5..10^7 points, and SVI's memory on a stream.  Not a test.

Part 1, the race. For n = 10^5, 10^6, 10^7 points (d = 2, K = 5, sigma = 5,
lam = 1, drawn with ``vilib.simulate``), ``vilib.cavi`` and ``vilib.baselines.svi.svi``
start from the same means (k-means++ on 1000 random points) and
``vilib.baselines.svi.race`` records, for each, the ELBO (per point, each q(c_i) at its
optimum: ``elbo_at_optimal_phi``) against wall-clock seconds. The ELBO of a
record is computed after the run, so evaluating it costs the runs nothing.
Printed: the seconds each method needs to come within 1e-3 and 1e-4 nats per
point of the best ELBO either reached, and its final gap.

Part 2, streaming. ``vilib.baselines.svi.svi`` fits a ``vilib.baselines.svi.simulate_stream`` of
n = 10^5, 10^6, 10^7 points (one pass, minibatches of 1000) under
``tracemalloc``: the peak memory must not grow with n (the stream is generated
minibatch by minibatch, so at no time does the data exist in memory as a whole).
Printed next to it: what the data and CAVI's phi would occupy.

Run: ``make bench`` or ``python benchmarks/bench_svi.py``. Prints the date and
the machine and writes ``vilib/data/benchmarks/bench_svi.json``, which the chapter
"Scaling up" reads for its large-n figure.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, print_header, write_results  # noqa: E402

import vilib  # noqa: E402
from vilib.core.init import kmeans_plus_plus  # noqa: E402
from vilib.baselines.stream import elbo_at_optimal_phi, simulate_stream
from vilib.experiments.race import race
from vilib.baselines.svi import svi  # noqa: E402

K, D, SIGMA = 5, 2, 5.0
RACE_SIZES = (10**5, 10**6, 10**7)
STREAM_SIZES = (10**5, 10**6, 10**7)
SVI = {"batch_size": 1000, "n_steps": 5000, "tau": 1.0, "kappa": 0.7}
STREAM_BATCH = 1000
THRESHOLDS = (1e-3, 1e-4)


def time_to_reach(trace, best, threshold):
    """First recorded time at which ``best - elbo_per_point <= threshold`` (None if never)."""
    hits = np.flatnonzero(best - trace.elbo_per_point <= threshold)
    return float(trace.seconds[hits[0]]) if hits.size else None


def race_case(n) -> dict:
    data = vilib.simulate(n, K, SIGMA, d=D, seed=0)
    rng = np.random.default_rng(0)
    init = (kmeans_plus_plus(data.x[rng.choice(n, 1000, replace=False)], K, rng), np.ones(K))
    cavi_trace, svi_trace = race(data.x, K, SIGMA, init=init, cavi_max_iter=100, cavi_tol=1e-10,
                                 seed=0, n_records=30, **SVI)
    best = max(cavi_trace.elbo_per_point.max(), svi_trace.elbo_per_point.max())
    out = {"n": n, "best_elbo_per_point": best, "traces": {}}
    for tr in (cavi_trace, svi_trace):
        out["traces"][tr.method] = {
            "method": tr.method, "seconds": tr.seconds.tolist(),
            "elbo_per_point": tr.elbo_per_point.tolist(), "iterations": tr.iterations.tolist(),
            "final_gap": best - tr.elbo_per_point[-1],
            "time_to": {f"{t:g}": time_to_reach(tr, best, t) for t in THRESHOLDS},
        }
    return out


def stream_case(n) -> dict:
    stream = simulate_stream(n, K, SIGMA, batch_size=STREAM_BATCH, d=D, seed=1)
    init = (stream.mu + 0.5, np.ones(K))
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    fit = svi(stream, K, SIGMA, n_total=n, init=init, tau=SVI["tau"], kappa=SVI["kappa"])
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    order = np.argmin(np.linalg.norm(fit.m[:, None] - stream.mu[None], axis=-1), axis=1)
    return {
        "n": n, "batch_size": STREAM_BATCH, "steps": fit.n_steps, "seconds_under_tracemalloc": seconds,
        "peak_bytes": peak, "data_bytes": n * D * 8, "phi_bytes": n * K * 8,
        "max_error_vs_true_means": float(np.abs(fit.m - stream.mu[order]).max()),
        "elbo_per_point": elbo_at_optimal_phi(stream, fit.m, fit.s2, SIGMA) / n,
    }


def main() -> int:
    info = machine_info()
    print_header("bench_svi: CAVI vs SVI against wall-clock, and SVI streaming memory", info)
    print(f"# model: d = {D}, K = {K}, sigma = {SIGMA}, lam = 1; SVI: {SVI}")

    races = []
    print(f"\n{'n':>10} {'method':>6} {'records':>8} {'seconds':>9} {'final gap':>11}"
          + "".join(f"{'t to ' + format(t, 'g'):>12}" for t in THRESHOLDS) + "   (gap in nats/point)")
    for n in RACE_SIZES:
        r = race_case(n)
        races.append(r)
        for method, tr in r["traces"].items():
            times = "".join(f"{('%.3f s' % v) if v is not None else 'never':>12}"
                            for v in tr["time_to"].values())
            print(f"{n:>10.0e} {method:>6} {len(tr['seconds']):>8} {tr['seconds'][-1]:>9.3f} "
                  f"{tr['final_gap']:>11.2e}{times}")

    streams = []
    kib = 1024
    print(f"\n{'stream n':>10} {'steps':>7} {'seconds':>9} {'peak memory':>13} "
          f"{'(data would be':>16} {'CAVI phi)':>11} {'max |m - mu|':>13}")
    for n in STREAM_SIZES:
        s = stream_case(n)
        streams.append(s)
        print(f"{n:>10.0e} {s['steps']:>7} {s['seconds_under_tracemalloc']:>9.2f} "
              f"{s['peak_bytes'] / kib:>9.0f} KiB {s['data_bytes'] / 2**20:>12.0f} MiB "
              f"{s['phi_bytes'] / 2**20:>7.0f} MiB {s['max_error_vs_true_means']:>13.4f}")
    peaks = [s["peak_bytes"] for s in streams]
    print(f"peak memory from n = {STREAM_SIZES[0]:.0e} to {STREAM_SIZES[-1]:.0e}: "
          f"x{peaks[-1] / peaks[0]:.2f} for x{STREAM_SIZES[-1] // STREAM_SIZES[0]} the points "
          f"({'bounded' if peaks[-1] < 2 * peaks[0] else 'GROWS'})")

    info["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    path = write_results("bench_svi", {"machine": info, "model": {"d": D, "K": K, "sigma": SIGMA,
                                                                   "lam": 1.0},
                                       "svi": SVI, "races": races, "streams": streams})
    print(f"\nload average at end: {info['load_average_at_end']}; results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
