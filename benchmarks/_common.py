"""Shared helpers of the benchmarks: machine description, timing, results files.  Not a test."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

# shipped with vilib (vilib.datasets.load_benchmark), so the chapters find them anywhere
RESULTS = Path(__file__).resolve().parents[1] / "vilib" / "data" / "benchmarks"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _total_ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict:
    """Date, machine and library versions: printed with, and stored in, every result."""
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    blas = [f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads, "
            f"{p.get('architecture')})" for p in threadpool_info() if p.get("user_api") == "blas"]
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _total_ram_gb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "blas": "; ".join(sorted(set(blas))) or "unknown",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def machine_line(info: dict) -> str:
    """One-line summary of :func:`machine_info` for the book and the printout."""
    return (f"{info['date']}, {info['cpu']} ({info['cores']} cores, {info['ram_gb']} GB), "
            f"Python {info['python']}, NumPy {info['numpy']}, {info['blas']}")


def print_header(title: str, info: dict) -> None:
    print(f"# {title}")
    for key, value in info.items():
        print(f"#   {key:>22}: {value}")


def seconds(fn) -> float:
    """Wall-clock seconds of one call of ``fn()``."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def write_results(name: str, payload: dict) -> Path:
    """Write ``payload`` (with its machine info) to ``vilib/data/benchmarks/<name>.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, default=float) + "\n")
    return path
