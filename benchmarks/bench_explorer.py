"""Latency of the live CAVI explorer (vilib.widgets.cavi_explorer) for n = 1000 points.  Not a test.

Measures the time from a control change to the redrawn figure (the new PNG in the
explorer's Image widget), in the kernel, for

* a step: the Step button (one recorded sweep forward: update the artists, render);
* a slider jump: the sweep slider moved to another recorded sweep;
* a rerun: a new seed (simulate, run CAVI to convergence recording every sweep,
  build the figure, render).

Goal (issue 4): under 100 ms for a step, under 1 s for a rerun. The browser's own
transfer and paint of the PNG (~30–60 kB) come on top of these kernel-side times.

Run: ``make bench`` or ``python benchmarks/bench_explorer.py``.
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

from vilib.widgets.cavi_explorer import CaviExplorer  # noqa: E402

N = 1000
REPEATS = 15


def timed(action, done) -> float:
    """Milliseconds from ``action()`` until ``done()`` holds (it holds on return here:
    the explorer redraws synchronously in the control's callback)."""
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    assert done(), "the figure was not redrawn"
    return 1e3 * elapsed


def bench(data: str) -> dict[str, list[float]]:
    ex = CaviExplorer(data=data, n=N, K=3, sigma=3.0, seed=9)
    out: dict[str, list[float]] = {"step": [], "slider jump": [], "rerun (new seed)": []}
    for _ in range(REPEATS):
        if ex.iteration == ex.run.n_sweeps:
            ex.controls["reset"].click()
        before = ex.renders
        out["step"].append(timed(ex.controls["step"].click, lambda: ex.renders == before + 1))
    for j in range(REPEATS):
        target = (j * 7) % (ex.run.n_sweeps + 1)
        if target == ex.iteration:
            target = (target + 1) % (ex.run.n_sweeps + 1)
        before = ex.renders

        def move(t=target):
            ex.controls["sweep"].value = t

        out["slider jump"].append(timed(move, lambda: ex.renders == before + 1))
    for j in range(REPEATS):
        runs = ex.runs

        def reseed(s=100 + j):
            ex.controls["seed"].value = s

        out["rerun (new seed)"].append(timed(reseed, lambda: ex.runs == runs + 1))
    sweeps = ex.run.n_sweeps
    ex.pause()
    print(f"  ({data}: n = {N}, K = 3, last run {sweeps} sweeps, "
          f"{len(ex.image.value) / 1e3:.0f} kB PNG)")
    return out


def main() -> None:
    print(f"CAVI explorer latency, control change -> redrawn figure (median / max of {REPEATS})")
    for data in ("simulated (1-D)", "simulated (2-D)"):
        for what, ms in bench(data).items():
            print(f"  {data:16s} {what:18s} median {statistics.median(ms):7.1f} ms"
                  f"   max {max(ms):7.1f} ms")


if __name__ == "__main__":
    main()
