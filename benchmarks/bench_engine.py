"""Latency of the website's live CAVI explorer (book/_explorers): one sweep plus redraw.  Not a test.

The built pages (``_build/html``; run ``make book`` first) are opened from the file system in
headless Chromium (``/usr/bin/chromium``, 1366 x 900, device pixel ratio 1). For the 1-D
explorer ("CAVI and its ELBO") and the 2-D one ("From one dimension to d") at n = 1,000 and
n = 10,000 simulated points (K = 3; and K = 10 in 2-D at n = 10,000), the page times, with
``performance.now()``, repeated:

* **sweep**: ``caviEngine.sweep`` (phi update, (m, s2) update, ELBO), the engine as shipped;
* **sweep + redraw**: that sweep, then the explorer's full redraw of the new state (which
  recomputes the phi it colours the points by, draws both canvases and updates the text),
  forced to finish by reading back one pixel of each canvas.

The issue's targets (issue 13): sweep + redraw <= 16 ms (one 60 fps frame) at n = 1,000 and
<= 50 ms at n = 10,000. The peer in the same run is ``vilib.cavi`` (NumPy), one sweep on the
same data, timed as ``(T(12) - T(2)) / 10`` like ``bench_sweep.py``; the ratio JS / NumPy is
printed. Median of the repetitions (and the fastest) are reported.
Results: ``vilib/data/benchmarks/bench_engine.json``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, print_header, write_results  # noqa: E402

import vilib  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REPEATS = 40

MEASURE = """async ([n, K, reps]) => {
  const e = document.querySelector('div.cavi-live').caviExplorer;
  e.p.n = n; e.p.K = K; e.newData();
  const D = e.data, E = window.caviEngine;
  const flush = () => document.querySelectorAll('div.cavi-live canvas')
                        .forEach(c => c.getContext('2d').getImageData(0, 0, 1, 1));
  const sweep = [], frame = [];
  let state = e.history[0];
  for (let r = 0; r < reps; r++) {
    await new Promise(res => requestAnimationFrame(res));
    let t0 = performance.now();
    state = E.sweep(D.x, D.n, D.d, state, e.p.K, e.p.sigma, e.p.lam);
    sweep.push(performance.now() - t0);
    t0 = performance.now();
    state = E.sweep(D.x, D.n, D.d, state, e.p.K, e.p.sigma, e.p.lam);
    e.history.push({M: state.M, s2: state.s2, elbo: state.elbo, elboHalf: state.elboHalf, n: D.n});
    e.h = 2 * (e.history.length - 1); e.phiKey = null;
    e.draw(); flush();
    frame.push(performance.now() - t0);
  }
  return {sweep, frame, x: Array.from(D.x), d: D.d, sigma: e.p.sigma, lam: e.p.lam,
          M0: Array.from(e.history[0].M), s20: Array.from(e.history[0].s2)};
}"""


def numpy_sweep_ms(x, K, sigma, lam, m0, s2_0) -> float:
    """One vilib.cavi sweep on the same data: (T(12) - T(2)) / 10, fastest of 5."""
    def fit(iters):
        t0 = time.perf_counter()
        vilib.cavi(x, K, sigma, lam=lam, init=(m0, s2_0), tol=None, max_iter=iters)
        return time.perf_counter() - t0
    t2 = min(fit(2) for _ in range(5))
    t12 = min(fit(12) for _ in range(5))
    return 1e3 * max(t12 - t2, 0.0) / 10


def main() -> None:
    if not (SITE / "index.html").is_file():
        sys.exit("no built site: run make book first")
    from playwright.sync_api import sync_playwright

    info = machine_info()
    print_header("Live explorer (JavaScript): one sweep + redraw, headless Chromium", info)
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        info["chromium"] = browser.version
        for doc, d in (("book/cavi_algorithm", 1), ("book/d_dimensions", 2)):
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto((SITE / f"{doc}.html").as_uri())
            page.wait_for_function("() => document.querySelector('div.cavi-live') &&"
                                   " document.querySelector('div.cavi-live').caviExplorer")
            page.select_option("div.cavi-live select >> nth=0", f"sim{d}")
            for n, K in ((1000, 3), (10000, 3)) + (((10000, 10),) if d == 2 else ()):
                r = page.evaluate(MEASURE, [n, K, REPEATS])
                x = np.array(r["x"]).reshape(-1, r["d"])
                peer = numpy_sweep_ms(x, K, r["sigma"], r["lam"],
                                      np.array(r["M0"]).reshape(K, -1), np.array(r["s20"]))
                row = {"page": doc, "d": d, "n": n, "K": K,
                       "sweep_ms_median": statistics.median(r["sweep"]),
                       "sweep_redraw_ms_median": statistics.median(r["frame"]),
                       "sweep_redraw_ms_min": min(r["frame"]),
                       "numpy_sweep_ms": peer}
                row["js_over_numpy_sweep"] = row["sweep_ms_median"] / peer if peer > 0 else None
                rows.append(row)
                print(f"d={d} n={n:>6} K={K:>2}:  sweep {row['sweep_ms_median']:6.2f} ms   "
                      f"sweep+redraw {row['sweep_redraw_ms_median']:6.2f} ms (min "
                      f"{row['sweep_redraw_ms_min']:.2f})   vilib sweep {peer:6.2f} ms   "
                      f"JS/NumPy {row['js_over_numpy_sweep']:.2f}")
            page.close()
        browser.close()
    path = write_results("bench_engine", {"machine": info, "repeats": REPEATS, "rows": rows})
    print(f"written {path}")


if __name__ == "__main__":
    main()
