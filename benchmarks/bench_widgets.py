"""Latency of the generative-model explorer (vilib.widgets.generative).  Not a test.

Measures, in the kernel, the time from a control change (``K``, ``sigma``, ``n``, ``seed``)
to the new PNG in the explorer's Image widget: resample with ``vilib.simulate``, update the
figure, render. Three explorers run interleaved in the same process, so load on the machine
hits them alike:

* ``vilib``: the explorer as shipped (one figure, artists updated in place, PNG at 2x pixels);
* ``vilib at 1x``: the same with a PNG of 1 pixel per CSS pixel (what the 2x costs);
* ``rebuild (peer)``: the explorer's former redraw, kept here as the reference: clear the
  figure, call ``vilib.plotting.plot_generative_data`` (one bar patch per cluster and bin,
  ``tight_layout``) and ``savefig`` a PNG at 90 dpi (1x).

Wall-clock times depend on the machine's load; the CPU time of the process per change (also
printed) is what a change costs on an otherwise idle core. Goal (issue 14): a change answered
in <= 0.3 s. The browser's transfer and paint of the PNG
come on top of the kernel-side time (about 0.1 MB per picture, on the local connection a
notebook uses). Results: ``vilib/data/benchmarks/bench_widgets.json``.

Run: ``make bench`` or ``python benchmarks/bench_widgets.py``.
"""

from __future__ import annotations

import io
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from _common import machine_info, print_header, write_results  # noqa: E402

from vilib.viz.model import plot_generative_data  # noqa: E402
from vilib.widgets.generative import GenerativeModelExplorer  # noqa: E402

REPEATS = 3
CHANGES = {
    "sigma": [2.0, 5.5, 0.5, 9.0, 3.0],
    "n": [5000, 50, 2500, 1, 500],
    "K": [8, 1, 5, 2, 3],
    "seed": [1, 22, 333, 4444, 2017],
}


class OneX(GenerativeModelExplorer):
    pixel_ratio = 1


class Rebuild(GenerativeModelExplorer):
    """The former implementation's redraw: rebuild the whole figure on every change."""

    def redraw(self, change=None):
        from vilib import simulate

        p = self.params
        self.data = simulate(int(p["n"]), int(p["K"]), float(p["sigma"]), seed=int(p["seed"]))
        self.figure.clear()
        self.figure.set_dpi(90)
        plot_generative_data(self.data, ax=self.figure.add_subplot())
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=90, facecolor="white")
        self.image.value = buf.getvalue()
        self.renders += 1


def one_change(explorer, name, value) -> tuple[float, float]:
    """Milliseconds from setting the control until the picture is re-rendered (synchronous):
    wall-clock, and the CPU time of this process (what the change costs on an idle core)."""
    before = explorer.renders
    start, cpu = time.perf_counter(), time.process_time()
    explorer.controls[name].value = value
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert explorer.renders == before + 1, "the picture was not re-rendered"
    return 1e3 * elapsed, 1e3 * cpu


def main() -> None:
    info = machine_info()
    print_header("Generative-model explorer: control change -> new picture (ms)", info)
    explorers = {"vilib": GenerativeModelExplorer(), "vilib at 1x": OneX(),
                 "rebuild (peer)": Rebuild()}
    times = {who: {name: [] for name in CHANGES} for who in explorers}
    cpu = {who: [] for who in explorers}
    for _ in range(REPEATS):
        for name, values in CHANGES.items():
            for value in values:
                for who, ex in explorers.items():
                    wall, used = one_change(ex, name, value)
                    times[who][name].append(wall)
                    cpu[who].append(used)
    png_kb = {who: len(ex.image.value) / 1e3 for who, ex in explorers.items()}
    summary = {}
    for who in explorers:
        everything = [t for ts in times[who].values() for t in ts]
        summary[who] = {
            **{name: {"median_ms": statistics.median(ts), "max_ms": max(ts)}
               for name, ts in times[who].items()},
            "all": {"median_ms": statistics.median(everything), "max_ms": max(everything),
                    "p90_ms": statistics.quantiles(everything, n=10)[-1]},
            "cpu": {"median_ms": statistics.median(cpu[who]), "max_ms": max(cpu[who])},
            "png_kB": png_kb[who],
        }
    peer = summary["rebuild (peer)"]["all"]["median_ms"]
    n_changes = REPEATS * sum(len(v) for v in CHANGES.values())
    print(f"{n_changes} changes each, interleaved; median / 90th percentile / max in ms")
    for who, s in summary.items():
        row = "  ".join(f"{name} {s[name]['median_ms']:6.1f}" for name in CHANGES)
        a = s["all"]
        print(f"  {who:15s} {row}   all {a['median_ms']:6.1f} / {a['p90_ms']:6.1f} / "
              f"{a['max_ms']:6.1f}   {peer / a['median_ms']:4.1f}x the peer's speed   "
              f"CPU {s['cpu']['median_ms']:6.1f} / max {s['cpu']['max_ms']:6.1f}   "
              f"PNG {s['png_kB']:.0f} kB")
    info["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    path = write_results("bench_widgets", {"machine": info, "repeats": REPEATS,
                                           "changes": CHANGES, "results": summary})
    print(f"written {path}")


if __name__ == "__main__":
    main()
