"""Drive the live CAVI explorer (vilib.widgets.cavi_explorer) the way a reader would, without a display.

Every control is set or clicked programmatically; the expected pictures are derived from the
update formulas (vilib.update_phi / update_mu on the previous sweep, the Gaussian density
written out here), not read back from the explorer.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import vilib
from vilib.core.init import kmeans_plus_plus
from vilib.viz.style import CLUSTER_COLOURS, MAX_K, UNASSIGNED, palette, soft_colours
from vilib.widgets.cavi_explorer import EXPLORER_DEFAULTS, CaviExplorer, cavi_explorer
from vilib.viz.run import CaviFigure, record_cavi
from vilib.datasets import data_choices, suggested_settings

PNG = b"\x89PNG\r\n\x1a\n"


def wait_for(condition, timeout=20.0):
    """Poll until ``condition()`` holds (the Play thread runs in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def facecolours(explorer) -> np.ndarray:
    return explorer.view.artists["points"].get_facecolors()[:, :3]


def density_peaks(explorer) -> tuple[np.ndarray, np.ndarray]:
    """(location, height) of the highest point of each drawn q(mu_k) curve."""
    locs, heights = [], []
    for line in explorer.view.artists["densities"]:
        xs, ys = line.get_data()
        j = int(np.argmax(ys))
        locs.append(xs[j])
        heights.append(ys[j])
    return np.array(locs), np.array(heights)


def first_sweep_by_hand(x, K, sigma, seed, lam=1.0):
    """Sweep 1 from the formulas: k-means++ start, s2 = 1, then phi, then (m, s2)."""
    X = np.asarray(x, dtype=float).reshape(len(x), -1)
    M0 = kmeans_plus_plus(X, K, np.random.default_rng(seed))
    m0 = M0[:, 0] if np.ndim(x) == 1 else M0
    phi = vilib.update_phi(x, m0, np.ones(K), lam=lam)
    m, s2 = vilib.update_mu(x, phi, sigma, lam=lam)
    return m0, phi, m, s2


@pytest.fixture
def explorer():
    ex = cavi_explorer(interval=0.02)
    yield ex
    ex.pause()


# ----------------------------------------------------------- the recording
@pytest.mark.parametrize("d", [1, 2])
def test_recording_is_exactly_the_cavi_run(d):
    sim = vilib.simulate(120, 3, 3.0, d=d, seed=4)
    run = record_cavi(sim.x, 3, 3.0, seed=11, true_mu=sim.mu)
    ref = vilib.cavi(sim.x, 3, 3.0, seed=11)            # seeded the usual way
    assert run.n_sweeps == ref.n_iter and run.converged == ref.converged
    np.testing.assert_array_equal(run.elbo, ref.elbo)
    np.testing.assert_array_equal(run.steps[-1].phi, ref.phi)
    np.testing.assert_array_equal(run.steps[-1].m, ref.m)
    assert [s.iteration for s in run.steps] == list(range(run.n_sweeps + 1))
    # sweep 0 is the start: no assignment yet, s2 = 1, means are data points
    assert run.steps[0].phi is None and np.isnan(run.steps[0].elbo)
    np.testing.assert_array_equal(run.steps[0].s2, np.ones(3))
    X = sim.x.reshape(len(sim.x), -1)
    for mk in np.reshape(run.steps[0].m, (3, -1)):
        assert np.any(np.all(X == mk, axis=1))


def test_recording_rejects_bad_input():
    x = np.linspace(-1, 1, 10)
    with pytest.raises(ValueError, match="K"):
        record_cavi(x, MAX_K + 1, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        record_cavi(x, 2, -1.0)
    with pytest.raises(ValueError, match="dimension"):
        record_cavi(np.zeros((5, 3)), 2, 1.0)


# ------------------------------------------------------------------ colours
def test_palette_gives_distinct_colours_up_to_max_k():
    rgb = palette(MAX_K)
    assert rgb.shape == (MAX_K, 3)
    assert len({tuple(np.round(c, 6)) for c in rgb}) == MAX_K
    assert tuple(rgb[0]) == to_rgb("#E69F00")          # Okabe–Ito orange leads, as in the book
    assert "#000000" not in CLUSTER_COLOURS
    with pytest.raises(ValueError, match="K"):
        palette(MAX_K + 1)


def test_soft_colours_mix_the_cluster_colours():
    rgb = palette(3)
    phi = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    got = soft_colours(phi, rgb)
    a, b, c = (np.array(to_rgb(h)) for h in CLUSTER_COLOURS[:3])
    np.testing.assert_allclose(got[0], a)
    np.testing.assert_allclose(got[1], c)
    np.testing.assert_allclose(got[2], (a + b) / 2)
    np.testing.assert_allclose(got[3], 0.2 * a + 0.3 * b + 0.5 * c)


# ------------------------------------------------------------ the explorer
def test_import_vilib_does_not_load_widgets_or_matplotlib():
    code = ("import sys, vilib; bad = [m for m in ('ipywidgets', 'matplotlib', 'vilib.widgets.cavi_explorer',"
            " 'vilib.viz.stepper') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_starts_at_sweep_zero_with_the_whole_run_recorded(explorer):
    p = EXPLORER_DEFAULTS
    sim = vilib.simulate(p["n"], p["K"], p["sigma"], lam=p["lam"], seed=p["seed"])
    ref = vilib.cavi(sim.x, p["K"], p["sigma"], lam=p["lam"], seed=p["seed"], max_iter=200)
    assert explorer.iteration == 0
    assert len(explorer.steps) == ref.n_iter + 1
    assert explorer.controls["sweep"].max == ref.n_iter
    np.testing.assert_array_equal(explorer.run.x, sim.x)
    assert explorer.image.value.tobytes().startswith(PNG)
    # before the first sweep every point is grey and no ELBO is marked
    np.testing.assert_allclose(facecolours(explorer), np.tile(to_rgb(UNASSIGNED), (p["n"], 1)))
    assert len(explorer.view.artists["elbo_marker"].get_xdata()) == 0
    # the true means are drawn where simulate put them
    drawn = sorted(line.get_xdata()[0] for line in explorer.view.artists["true_means"])
    np.testing.assert_allclose(drawn, np.sort(sim.mu))
    assert "Sweep 0" in explorer.status.value


def test_step_button_shows_the_first_sweep_as_the_formulas_give_it(explorer):
    p = EXPLORER_DEFAULTS
    x = explorer.run.x
    png0, renders0 = explorer.image.value, explorer.renders
    explorer.controls["step"].click()
    assert explorer.iteration == 1 and explorer.controls["sweep"].value == 1
    assert explorer.renders == renders0 + 1 and explorer.image.value != png0
    m0, phi, m, s2 = first_sweep_by_hand(x, p["K"], p["sigma"], p["seed"])
    # colours: phi @ palette, computed here from the hex colours
    rgb = np.array([to_rgb(h) for h in CLUSTER_COLOURS[:p["K"]]])
    np.testing.assert_allclose(facecolours(explorer), phi @ rgb, atol=1e-6)
    # each q(mu_k) = N(m_k, s2_k) peaks at m_k with height 1/sqrt(2 pi s2_k)
    locs, heights = density_peaks(explorer)
    np.testing.assert_allclose(locs, m, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(heights, 1 / np.sqrt(2 * np.pi * s2), rtol=1e-9)
    # the ELBO marker sits on the first sweep at ELBO(phi, m, s2)
    marker = explorer.view.artists["elbo_marker"]
    assert list(marker.get_xdata()) == [1]
    np.testing.assert_allclose(marker.get_ydata()[0], vilib.elbo(x, phi, m, s2, p["sigma"]),
                               rtol=1e-12)
    assert "Sweep 1 of" in explorer.status.value


def test_steps_follow_the_recording_and_stop_at_the_last_sweep(explorer):
    last = explorer.run.n_sweeps
    for t in range(1, last + 3):
        explorer.controls["step"].click()
        assert explorer.iteration == min(t, last)
    assert explorer.controls["sweep"].value == last
    ref = vilib.cavi(explorer.run.x, 3, EXPLORER_DEFAULTS["sigma"], seed=EXPLORER_DEFAULTS["seed"])
    done = explorer.view.artists["elbo_done"]
    np.testing.assert_array_equal(done.get_xdata(), np.arange(1, last + 1))
    np.testing.assert_allclose(done.get_ydata(), ref.elbo, rtol=1e-12)
    rgb = palette(3)
    np.testing.assert_allclose(facecolours(explorer), ref.phi @ rgb, atol=1e-6)
    assert "converged" in explorer.status.value


def test_sweep_slider_moves_every_view(explorer):
    t = 3
    run = explorer.run
    explorer.controls["sweep"].value = t
    assert explorer.iteration == t
    # sweep t is the update of sweep t-1: check it against the formulas
    prev = run.steps[t - 1]
    phi = vilib.update_phi(run.x, prev.m, prev.s2)
    m, s2 = vilib.update_mu(run.x, phi, EXPLORER_DEFAULTS["sigma"])
    locs, heights = density_peaks(explorer)
    np.testing.assert_allclose(locs, m, atol=1e-9)
    np.testing.assert_allclose(heights, 1 / np.sqrt(2 * np.pi * s2), rtol=1e-9)
    np.testing.assert_allclose(facecolours(explorer), phi @ palette(3), atol=1e-6)
    assert list(explorer.view.artists["elbo_marker"].get_xdata()) == [t]
    assert f"sweep {t} of {run.n_sweeps}" in explorer.view.artists["title"].get_text()


def decode(png) -> np.ndarray:
    from PIL import Image
    import io

    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB")).astype(int)


@pytest.mark.parametrize("data", ["simulated (1-D)", "simulated (2-D)"])
def test_fast_redraw_shows_the_same_picture_as_a_full_draw(data):
    """The explorer redraws only the moving artists over a cached background; after
    several moves its picture must match a fresh full draw of the same sweep."""
    ex = CaviExplorer(data=data)
    for t in (4, 1, 6, 2):
        ex.controls["sweep"].value = t
    fresh = CaviFigure(ex.run, figsize=ex.figsize, dpi=ex.dpi, blit=False)
    fresh.show(2)
    shown, full = decode(ex.image.value), decode(fresh.to_png())
    assert shown.shape == full.shape
    # only antialiased pixels where a moving artist crosses an axis line may differ
    assert np.mean(np.any(shown != full, axis=2)) < 0.005
    # and the picture of another sweep is clearly different
    fresh.show(6)
    assert np.mean(np.any(shown != decode(fresh.to_png()), axis=2)) > 0.005


def test_reset_button_returns_to_the_start(explorer):
    explorer.controls["sweep"].value = 5
    png5 = explorer.image.value
    explorer.controls["reset"].click()
    assert explorer.iteration == 0 and explorer.controls["sweep"].value == 0
    assert explorer.image.value != png5
    assert len(explorer.view.artists["elbo_marker"].get_xdata()) == 0
    np.testing.assert_allclose(facecolours(explorer)[0], to_rgb(UNASSIGNED))


def test_play_runs_to_the_last_sweep_then_stops(explorer):
    explorer.controls["play"].click()
    assert explorer.controls["play"].description == "Pause"
    assert wait_for(lambda: explorer.iteration == explorer.run.n_sweeps)
    assert wait_for(lambda: not explorer.playing)
    assert explorer.controls["play"].description == "Play"
    # playing again from the end starts over from sweep 0
    explorer.controls["play"].click()
    assert wait_for(lambda: explorer.iteration == explorer.run.n_sweeps)


def test_pause_button_stops_playing(explorer):
    explorer.interval = 0.05
    explorer.controls["play"].click()
    assert wait_for(lambda: explorer.iteration >= 2)
    explorer.controls["play"].click()                  # the same button pauses
    assert not explorer.playing
    stopped_at = explorer.iteration
    assert 2 <= stopped_at < explorer.run.n_sweeps
    time.sleep(5 * explorer.interval)
    assert explorer.iteration == stopped_at            # nothing moves after a pause
    assert explorer.controls["play"].description == "Play"
    explorer.controls["step"].click()
    assert explorer.iteration == stopped_at + 1


@pytest.mark.parametrize("name, value", [("K", 5), ("sigma", 0.7), ("lam", 0.5), ("n", 80),
                                         ("seed", 3)])
def test_setup_controls_rerun(explorer, name, value):
    explorer.controls["sweep"].value = 4
    runs, x0 = explorer.runs, explorer.run.x.copy()
    explorer.controls[name].value = value
    assert explorer.runs == runs + 1
    assert explorer.iteration == 0 and explorer.controls["sweep"].value == 0
    p = explorer.params
    sim = vilib.simulate(p["n"], p["K"], p["sigma"], lam=p["lam"], seed=p["seed"])
    np.testing.assert_array_equal(explorer.run.x, sim.x)
    assert not np.array_equal(explorer.run.x, x0) or len(x0) != len(sim.x)
    ref = vilib.cavi(sim.x, p["K"], p["sigma"], lam=p["lam"], seed=p["seed"], max_iter=200)
    assert explorer.controls["sweep"].max == ref.n_iter
    np.testing.assert_array_equal(explorer.run.elbo, ref.elbo)
    assert len(explorer.view.artists["densities"]) == p["K"]
    assert len(explorer.view.artists["true_means"]) == p["K"]


def test_two_dimensional_view(explorer):
    explorer.controls["data"].value = "simulated (2-D)"
    assert explorer.run.d == 2 and explorer.iteration == 0
    p = explorer.params
    explorer.controls["step"].click()
    m0, phi, m, s2 = first_sweep_by_hand(explorer.run.x, p["K"], p["sigma"], p["seed"])
    np.testing.assert_allclose(explorer.view.artists["means"].get_offsets(), m, atol=1e-12)
    for k, circle in enumerate(explorer.view.artists["circles"]):
        np.testing.assert_allclose(circle.get_center(), m[k], atol=1e-12)
        np.testing.assert_allclose(circle.get_radius(), np.sqrt(s2[k]), rtol=1e-12)
    np.testing.assert_allclose(facecolours(explorer), phi @ palette(p["K"]), atol=1e-6)
    true_mu = vilib.simulate(p["n"], p["K"], p["sigma"], d=2, seed=p["seed"]).mu
    xy = explorer.view.artists["true_means"][0].get_xydata()
    np.testing.assert_allclose(xy, true_mu)


def test_real_data_choices_are_the_standardized_sets():
    names = data_choices()
    assert names[:2] == ["simulated (1-D)", "simulated (2-D)"] and len(names) == 4
    ex = CaviExplorer(interval=0.02)
    galaxies = next(n for n in names if n.startswith("galaxies"))
    ex.controls["data"].value = galaxies
    raw = vilib.datasets.load_galaxies(standardize=False).x
    np.testing.assert_allclose(ex.run.x, (raw - raw.mean()) / raw.std())
    assert ex.controls["n"].disabled
    assert ex.view.artists["true_means"] == []          # no truth for real data
    ex.controls["step"].click()
    assert ex.iteration == 1 and ex.image.value.tobytes().startswith(PNG)


def test_the_books_real_data_sets_when_present():
    try:
        from vilib import datasets
    except ImportError:
        pytest.fail("vilib.datasets is missing: the explorer offers the book's real data sets")
    names = data_choices()
    for loader, prefix in (("load_galaxies", "galaxies"), ("load_faithful", "Old Faithful")):
        assert hasattr(datasets, loader), f"vilib.datasets.{loader} is missing"
        name = next(n for n in names if n.startswith(prefix))
        ex = cavi_explorer(data=name)
        preset = suggested_settings(name)
        assert {k: ex.params[k] for k in preset} == preset and ex.run.K == preset["K"]
        assert preset["lam"] < 1          # standardized data: clusters narrower than the set
        assert np.all(np.isfinite(ex.run.x)) and ex.run.n_sweeps >= 1
        np.testing.assert_allclose(np.mean(ex.run.x, axis=0), 0, atol=1e-9)
        ex.controls["sweep"].value = ex.run.n_sweeps
        assert ex.image.value.tobytes().startswith(PNG)


EXTREMES = [("K", 1), ("K", MAX_K), ("n", 1), ("sigma", 1e-3), ("sigma", 1e3)]


@pytest.mark.parametrize("data", ["simulated (1-D)", "simulated (2-D)"])
@pytest.mark.parametrize("name, value", EXTREMES)
def test_extremes_run_without_error(data, name, value):
    ex = CaviExplorer(data=data, n=60, interval=0.02)
    ex.controls[name].value = value
    assert ex.params[name] == value
    last = ex.run.n_sweeps
    assert last >= 1 and np.all(np.isfinite(ex.run.elbo))
    for control in ("step", "reset", "step"):
        ex.controls[control].click()
    ex.controls["sweep"].value = last
    assert ex.iteration == last and ex.image.value.tobytes().startswith(PNG)
    cols = facecolours(ex)
    assert np.all((cols >= 0) & (cols <= 1))
    if ex.run.d == 1:
        for line in ex.view.artists["densities"]:
            assert np.all(np.isfinite(line.get_xydata()))
    else:
        assert np.all(np.isfinite(ex.view.artists["means"].get_offsets()))
    # one cluster: every point is that cluster's colour
    if name == "K" and value == 1:
        np.testing.assert_allclose(cols, np.tile(to_rgb(CLUSTER_COLOURS[0]), (len(cols), 1)))


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="data"):
        CaviExplorer(data="no such data")
    with pytest.raises(ValueError, match="interval"):
        CaviExplorer(interval=0)
    for name, value in (("K", 0), ("K", MAX_K + 1), ("sigma", 0.0), ("sigma", 1e4),
                        ("lam", -1.0), ("n", 0), ("n", 10**6), ("seed", -1)):
        with pytest.raises(ValueError, match=name):
            CaviExplorer(**{name: value})
