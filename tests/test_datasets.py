"""Tests of vilib.datasets (the bundled galaxies and Old Faithful data) and vilib.experiments.modelcheck.

Expected values are published facts about the data sets (R's ``MASS::galaxies``
and ``datasets::faithful``), the definition of standardization, and, for the
ELBO grid, direct calls of the restarts it summarises.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from scipy.special import gammaln

from vilib.datasets import Dataset, load_faithful, load_galaxies
from vilib.core.restarts import cavi_restarts
from vilib.experiments.modelcheck import ElboGrid, cluster_moments, elbo_grid

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- galaxies
def test_galaxies_raw_values():
    data = load_galaxies(standardize=False)
    v = data.x
    assert isinstance(data, Dataset) and data.name == "galaxies"
    assert data.columns == ("velocity_km_s",)
    assert v.shape == (82,)
    # MASS::galaxies: sorted velocities from 9172 to 34279 km/s
    assert v[0] == 9172 and v.min() == 9172 and v.max() == 34279 and v[-1] == 34279
    # observation 78 keeps the known typo (26690 for 26960), as distributed
    assert v[77] == 26690
    # the classic isolated groups: 7 galaxies below 11,000 km/s and 3 above 30,000 km/s,
    # with nothing between 11,000 and 16,000 km/s (a void)
    assert np.sum(v < 11000) == 7 and np.sum(v > 30000) == 3
    assert np.sum((v > 11000) & (v < 16000)) == 0
    assert data.center == 0 and data.scale == 1


def test_galaxies_standardized():
    raw = load_galaxies(standardize=False).x
    data = load_galaxies()
    assert data.x.mean() == pytest.approx(0.0, abs=1e-12)
    assert np.sqrt(np.mean(data.x**2)) == pytest.approx(1.0, rel=1e-12)   # population sd
    assert data.center == pytest.approx(np.sum(raw) / 82, rel=1e-12)
    assert data.scale == pytest.approx(np.sqrt(np.sum((raw - raw.mean()) ** 2) / 82), rel=1e-12)
    assert np.allclose(data.raw, raw, rtol=0, atol=1e-9)
    assert data.to_original([0.0, 1.0]) == pytest.approx([data.center, data.center + data.scale])


# ---------------------------------------------------------------- Old Faithful
def test_faithful_raw_values():
    data = load_faithful(standardize=False)
    X = data.x
    assert data.columns == ("eruption_min", "waiting_min") and data.name == "faithful"
    assert X.shape == (272, 2)
    assert X[0].tolist() == [3.6, 79.0] and X[-1].tolist() == [4.467, 74.0]
    # R: mean(faithful$eruptions) = 3.487783, mean(faithful$waiting) = 70.89706
    assert X.mean(axis=0) == pytest.approx([3.487783, 70.89706], abs=5e-6)
    # eruptions last between 1.6 and 5.1 minutes; waiting times between 43 and 96 minutes
    assert X.min(axis=0).tolist() == [1.6, 43.0] and X.max(axis=0).tolist() == [5.1, 96.0]


def test_faithful_standardized_per_column():
    raw = load_faithful(standardize=False).x
    data = load_faithful()
    assert data.x.shape == (272, 2)
    assert np.allclose(data.x.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(np.sqrt(np.mean(data.x**2, axis=0)), 1.0, rtol=1e-12)
    assert data.center.shape == data.scale.shape == (2,)
    assert np.allclose(data.raw, raw, atol=1e-9)
    means = np.array([[0.0, 0.0], [1.0, -1.0]])
    assert np.allclose(data.to_original(means), data.center + data.scale * means)


@pytest.mark.parametrize("loader", [load_galaxies, load_faithful])
def test_standardize_must_be_bool(loader):
    with pytest.raises(ValueError, match="standardize"):
        loader(standardize="yes")


# ---------------------------------------------------------------- packaging and citations
def test_files_are_package_data_with_citations():
    folder = resources.files("vilib").joinpath("data")
    names = {p.name for p in folder.iterdir()}
    assert {"galaxies.csv", "faithful.csv", "README.md"} <= names
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    for author in ("Roeder", "Postman", "Azzalini", "Härdle", "Richardson", "Bishop"):
        assert author in readme
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["vilib"]
    assert "data/*.csv" in patterns and "data/*.md" in patterns


# ---------------------------------------------------------------- the ELBO grid
def test_elbo_grid_cells_are_best_restarts():
    x = load_galaxies().x
    grid = elbo_grid(x, [1, 3], 2.0, [0.5, 1.0], n_restarts=3, seed=4)
    assert isinstance(grid, ElboGrid) and grid.elbo.shape == (2, 2)
    for a, K in enumerate([1, 3]):
        for b, lam in enumerate([0.5, 1.0]):
            best = cavi_restarts(x, K, 2.0, lam=lam, n_restarts=3, seed=4).best.elbo[-1]
            assert grid.elbo[a, b] == best
    # log K! correction (Bishop 2006, sec. 10.2.4): log 1! = 0, log 3! = log 6
    assert np.allclose(grid.corrected - grid.elbo, [[0.0, 0.0], [np.log(6), np.log(6)]])
    a, b = np.unravel_index(np.argmax(grid.elbo), (2, 2))
    assert grid.best() == ([1, 3][a], [0.5, 1.0][b])
    assert grid.best_lam(3) == [0.5, 1.0][int(np.argmax(grid.elbo[1]))]


def test_elbo_grid_best_with_correction_can_change_the_answer():
    grid = ElboGrid(Ks=np.array([1, 4]), lams=np.array([1.0]), elbo=np.array([[-10.0], [-12.0]]))
    assert grid.best() == (1, 1.0)
    assert grid.best(corrected=True) == (4, 1.0)        # -12 + log 24 = -8.82 > -10
    assert grid.corrected[1, 0] == pytest.approx(-12.0 + gammaln(5.0))


def test_elbo_grid_validation():
    x = np.arange(6.0)
    with pytest.raises(ValueError, match="Ks"):
        elbo_grid(x, [0, 2], 1.0, [1.0])
    with pytest.raises(ValueError, match="lams"):
        elbo_grid(x, [2], 1.0, [1.0, -0.5])
    with pytest.raises(ValueError, match="sigma"):
        elbo_grid(x, [2], 0.0, [1.0])
    with pytest.raises(ValueError, match="Ks and lams"):
        elbo_grid(x, [], 1.0, [1.0])
    grid = ElboGrid(Ks=np.array([1, 2]), lams=np.array([1.0]), elbo=np.zeros((2, 1)))
    with pytest.raises(ValueError, match="K = 5"):
        grid.best_lam(5)


# ---------------------------------------------------------------- cluster moments
def test_cluster_moments_with_hard_assignments_are_sample_moments():
    X = load_faithful().x
    labels = (X[:, 0] > 0).astype(int)                   # long vs short eruptions
    phi = np.eye(2)[labels]
    mom = cluster_moments(X, phi)
    for k in range(2):
        pts = X[labels == k]
        assert mom.weight[k] == pytest.approx(len(pts) / len(X))
        assert np.allclose(mom.mean[k], pts.mean(axis=0))
        assert np.allclose(mom.cov[k], np.cov(pts.T, bias=True))
        assert np.allclose(mom.sd[k], pts.std(axis=0))
        assert mom.corr[k, 0, 1] == pytest.approx(np.corrcoef(pts.T)[0, 1])
    assert np.allclose(mom.corr[:, 0, 0], 1.0)


def test_cluster_moments_soft_weights_equal_replicated_points():
    # weights 1/4 and 3/4 act like one copy in cluster 0 and three copies in cluster 1
    rng = np.random.default_rng(0)
    x = rng.normal(size=6)
    w = np.array([0.25, 0.5, 1.0, 0.0, 0.75, 0.5])
    phi = np.stack([w, 1 - w], axis=1)
    mom = cluster_moments(x, phi)
    reps = np.rint(phi * 4).astype(int)                  # integer copies per point and cluster
    for k in range(2):
        pts = np.repeat(x, reps[:, k])
        assert mom.mean[k, 0] == pytest.approx(pts.mean())
        assert mom.cov[k, 0, 0] == pytest.approx(pts.var())
    assert mom.weight.sum() == pytest.approx(1.0)


def test_cluster_moments_validation():
    with pytest.raises(ValueError, match="phi"):
        cluster_moments(np.arange(3.0), np.ones((3, 2)))
    with pytest.raises(ValueError, match="no weight"):
        cluster_moments(np.arange(3.0), np.tile([1.0, 0.0], (3, 1)))


def test_load_benchmark_reads_the_results_make_bench_writes():
    """The chapter Scaling up reads these; they ship inside vilib (no path into the repo)."""
    import json
    import sys

    import vilib
    from vilib.datasets import load_benchmark

    root = Path(__file__).resolve().parents[1]
    while not (root / "benchmarks").is_dir():
        root = root.parent
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        from _common import RESULTS          # where `make bench` writes
    finally:
        sys.path.pop(0)
    assert RESULTS.resolve() == (Path(vilib.__file__).parent / "data" / "benchmarks").resolve()
    for name in ("bench_sweep", "bench_svi"):
        stored = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
        assert load_benchmark(name) == stored
        assert {"date", "cpu", "cores"} <= set(stored["machine"])
    with pytest.raises(ValueError, match="name must be one of"):
        load_benchmark("bench_nothing")
    with pytest.raises(ValueError, match="name must be one of"):
        load_benchmark(None)
