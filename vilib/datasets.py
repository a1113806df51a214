"""Two classic real data sets for mixture models, bundled with vilib.

* :func:`load_galaxies`: velocities (km/s) of 82 galaxies in the Corona Borealis
  region (Postman, Huchra & Geller 1986; Roeder 1990), R's ``MASS::galaxies``;
  the classic 1-D multimodal benchmark (Richardson & Green 1997).
* :func:`load_faithful`: 272 eruptions of the Old Faithful geyser, eruption
  duration and waiting time in minutes (Härdle 1991; Azzalini & Bowman 1990),
  R's ``datasets::faithful``; the 2-D example of Bishop (2006), sec. 10.2.

The CSV files and their full citations are in ``vilib/data/`` (see its
``README.md``). :func:`load_benchmark` reads the stored results of the timing scripts in
``benchmarks/`` (``vilib/data/benchmarks/*.json``, written by ``make bench``), which the
chapter *Scaling up* shows: shipped with vilib, so a downloaded chapter finds them anywhere. The book's model has a *fixed* likelihood standard deviation
``lam``, so a data set's units matter; both loaders therefore standardize by
default,

.. math:: z_{ij} = \\frac{x_{ij} - \\bar x_j}{s_j}, \\qquad
          s_j = \\sqrt{\\tfrac1n \\textstyle\\sum_i (x_{ij} - \\bar x_j)^2},

column by column, and return the centre and scale used so that results can be
mapped back: a mean ``m`` in standardized units is ``center + scale * m`` in
the original units, and a standard deviation ``s`` is ``scale * s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from ._validation import as_real_array


@dataclass(frozen=True)
class Dataset:
    """A bundled data set.

    Attributes
    ----------
    x : ndarray, shape (n,) for galaxies, (n, 2) for faithful
        The data, standardized unless the loader was called with
        ``standardize=False``.
    center, scale : float or ndarray, shape (d,)
        Column means and (population, ``ddof=0``) standard deviations used to
        standardize; ``center = 0`` and ``scale = 1`` when not standardized.
        Original units: ``raw = center + scale * x``.
    columns : tuple of str
        Column names of the CSV file (with units).
    name : str
    """

    x: np.ndarray
    center: np.ndarray | float
    scale: np.ndarray | float
    columns: tuple
    name: str

    @property
    def raw(self) -> np.ndarray:
        """The data in the original units."""
        return self.center + self.scale * self.x

    def to_original(self, m) -> np.ndarray:
        """Map means ``m`` (shape (K,) or (K, d)) from standardized to original units."""
        M = as_real_array(m, "m")
        d = np.size(self.center)
        if M.ndim > 2 or (d > 1 and (M.ndim == 0 or M.shape[-1] != d)):
            want = "(K,)" if d == 1 else f"(K, {d})"
            raise ValueError(f"m must have shape {want} for the {self.name} data, got {M.shape}")
        if not np.all(np.isfinite(M)):
            raise ValueError("m must be finite (it contains NaN or inf)")
        return self.center + self.scale * M


def _read_csv(filename: str) -> tuple[tuple, np.ndarray]:
    """Header and float values of a bundled CSV file."""
    text = resources.files("vilib").joinpath("data", filename).read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    header = tuple(name.strip() for name in lines[0].split(","))
    values = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    return header, values


def _standardize(values: np.ndarray, standardize) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(standardize, (bool, np.bool_)):
        raise ValueError(f"standardize must be True or False, got {standardize!r}")
    if not standardize:
        return values, np.zeros(values.shape[1]), np.ones(values.shape[1])
    center = values.mean(axis=0)
    scale = values.std(axis=0)
    return (values - center) / scale, center, scale


def load_galaxies(standardize=True) -> Dataset:
    """The 82 galaxy velocities (km/s) of Roeder (1990), as a 1-D data set.

    Parameters
    ----------
    standardize : bool, default True
        Return ``z = (v - mean(v)) / sd(v)`` (population sd) instead of the raw
        velocities ``v``.

    Returns
    -------
    Dataset
        ``.x`` of shape (82,); ``.center`` and ``.scale`` are floats (km/s).

    Notes
    -----
    Observation 78 (26690 km/s) is a known typo for 26960; it is kept as
    distributed by R's MASS package.
    """
    header, values = _read_csv("galaxies.csv")
    z, center, scale = _standardize(values, standardize)
    return Dataset(x=z[:, 0], center=float(center[0]), scale=float(scale[0]),
                   columns=header, name="galaxies")


def load_faithful(standardize=True) -> Dataset:
    """The 272 Old Faithful eruptions: duration and waiting time (minutes), as 2-D data.

    Parameters
    ----------
    standardize : bool, default True
        Standardize each column to mean 0 and (population) standard deviation 1.

    Returns
    -------
    Dataset
        ``.x`` of shape (272, 2), columns ``eruption_min``, ``waiting_min``;
        ``.center`` and ``.scale`` of shape (2,).
    """
    header, values = _read_csv("faithful.csv")
    z, center, scale = _standardize(values, standardize)
    return Dataset(x=z, center=center, scale=scale, columns=header, name="faithful")


def load_benchmark(name: str) -> dict:
    """The stored results of the benchmark ``benchmarks/<name>.py`` (from ``make bench``).

    The book's chapter *Scaling up* defines how they are used: machine timings cannot be
    recomputed while a chapter runs, so ``make bench`` writes them, with the date and the
    machine, to ``vilib/data/benchmarks/<name>.json``, which ships with vilib.

    Parameters
    ----------
    name : str
        ``"bench_sweep"`` or ``"bench_svi"`` (any ``vilib/data/benchmarks/*.json``).

    Returns
    -------
    dict
        The JSON document: ``"machine"`` (date, CPU, cores, library versions, ...) and the
        script's measurements.
    """
    import json

    folder = resources.files("vilib").joinpath("data", "benchmarks")
    available = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
    if not isinstance(name, str) or name not in available:
        raise ValueError(f"name must be one of {available}, got {name!r}")
    return json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------- the explorers' data menu
#: Simulated data choices of the explorers: name -> dimension.
SIMULATED = {"simulated (1-D)": 1, "simulated (2-D)": 2}
#: ``K``, ``sigma`` and ``lam`` the explorers start with on simulated data.
SIMULATED_SETTINGS = {"K": 3, "sigma": 3.0, "lam": 1.0}
#: Real data choices: name -> (loader, settings suited to the standardized data). The
#: clusters of both sets are narrower than the whole set, so ``lam < 1``.
REAL = {
    "galaxies (real, 1-D)": (load_galaxies, {"K": 4, "sigma": 2.0, "lam": 0.3}),
    "Old Faithful (real, 2-D)": (load_faithful, {"K": 2, "sigma": 2.0, "lam": 0.4}),
}


def data_choices() -> list[str]:
    """Names of the data sets the explorers offer: simulated ones first, then the real ones."""
    return list(SIMULATED) + list(REAL)


def suggested_settings(name: str) -> dict:
    """Default ``K``, ``sigma`` and ``lam`` for a data choice."""
    if name in REAL:
        return dict(REAL[name][1])
    if name in SIMULATED:
        return dict(SIMULATED_SETTINGS)
    raise ValueError(f"data must be one of {data_choices()}, got {name!r}")


def load_choice(name: str, *, n: int, K: int, sigma: float, lam: float, seed) -> tuple:
    """Return ``(x, true_mu)`` for a data choice (``true_mu`` is None for real data).

    Simulated data come from :func:`vilib.simulate` with the same ``K``, ``sigma``
    and ``lam`` as the fit; real data are the standardized bundled sets.
    """
    if name in SIMULATED:
        from .model import simulate

        sim = simulate(n, K, sigma, d=SIMULATED[name], lam=lam, seed=seed)
        return sim.x, sim.mu
    if name not in REAL:
        raise ValueError(f"data must be one of {data_choices()}, got {name!r}")
    return REAL[name][0]().x, None
