"""The static CAVI stepper (vilib.viz.stepper): self-contained, reproducible, small, and
showing the same pictures as the live explorer. Its buttons and slider are exercised in
Chromium on the built site by tests/test_browser.py."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import vilib
from vilib.viz.stepper import cavi_stepper, select_frames, stepper_from_run
from vilib.viz.run import CaviFigure, record_cavi

FRAME = re.compile(r'frames\[(\d+)\] = "data:image/png;base64,([^"]*)"')


def frames_of(html: str) -> list[np.ndarray]:
    """The embedded frames, decoded, in order."""
    found = sorted((int(i), data) for i, data in FRAME.findall(html))
    assert [i for i, _ in found] == list(range(len(found)))
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(d.replace("\\\n", ""))))
                       .convert("RGB")).astype(int) for _, d in found]


@pytest.fixture(scope="module")
def sim():
    return vilib.simulate(200, 3, 3.0, seed=9)


@pytest.fixture(scope="module")
def stepper(sim):
    return cavi_stepper(sim.x, 3, 3.0, seed=9, true_mu=sim.mu, label="simulated")


# ------------------------------------------------------------ frame choice
@settings(max_examples=200, deadline=None)
@given(n_sweeps=st.integers(0, 600), max_frames=st.integers(2, 80))
def test_select_frames_keeps_start_and_end(n_sweeps, max_frames):
    frames = np.asarray(select_frames(n_sweeps, max_frames))
    assert frames[0] == 0 and frames[-1] == n_sweeps
    assert np.all(np.diff(frames) > 0)
    assert len(frames) == min(n_sweeps + 1, max_frames)
    if n_sweeps + 1 <= max_frames:
        np.testing.assert_array_equal(frames, np.arange(n_sweeps + 1))
    else:  # the first half of the budget shows the first sweeps one by one
        head = max_frames // 2
        np.testing.assert_array_equal(frames[:head], np.arange(head))


def test_select_frames_rejects_bad_budgets():
    with pytest.raises(ValueError, match="max_frames"):
        select_frames(10, 1)
    with pytest.raises(ValueError, match="n_sweeps"):
        select_frames(-1, 5)


# ------------------------------------------------------- self-contained HTML
def test_stepper_makes_no_outside_reference(stepper):
    html = stepper.html
    assert "://" not in html, "a URL with a scheme is left in the stepper"
    assert "<link" not in html and "font-awesome" not in html
    assert 'class="fa' not in html               # icons are Unicode glyphs, no icon font
    assert re.search(r'\b(?:src|href)\s*=\s*"//', html) is None


def test_stepper_has_every_control(stepper):
    html = stepper.html
    for title in ("First frame", "Previous frame", "Play", "Pause", "Next frame", "Last frame"):
        assert f'title="{title}"' in html
    assert re.search(r'<input id="_anim_slider[0-9a-f]{32}" type="range"', html)
    # one element id shared by the image, the slider and the JavaScript object
    ids = set(re.findall(r"_anim_(?:img|slider)([0-9a-f]{32})", html))
    assert len(ids) == 1 and f"anim{ids.pop()} = new Animation" in html
    assert re.search(r'value="once" id="_anim_radio1_[0-9a-f]+"\s+checked', html)
    assert re.search(r'<img id="_anim_img[0-9a-f]{32}" alt="CAVI on [^"]{20,}"', html)


def test_stepper_covers_the_whole_run(sim, stepper):
    ref = vilib.cavi(sim.x, 3, 3.0, seed=9)
    assert stepper.run.n_sweeps == ref.n_iter and ref.n_iter + 1 <= 30
    np.testing.assert_array_equal(stepper.sweeps, np.arange(ref.n_iter + 1))
    assert len(frames_of(stepper.html)) == ref.n_iter + 1
    attrs = re.search(r'<div class="cavi-stepper" data-sweeps="([\d,]+)" data-n-sweeps="(\d+)" '
                      r'data-converged="(true|false)"', stepper.html)
    assert attrs is not None
    assert [int(s) for s in attrs.group(1).split(",")] == list(range(ref.n_iter + 1))
    assert int(attrs.group(2)) == ref.n_iter
    assert attrs.group(3) == str(ref.converged).lower()
    last = ref.n_iter
    assert repr(stepper) == f"<CAVI stepper: {last + 1} frames, sweeps 0-{last} of {last}>"



def test_every_display_gets_its_own_element_ids(stepper):
    """Two displays (or two open copies of a notebook) must not share element ids."""
    first, second = stepper._repr_html_(), stepper._repr_html_()
    ids = [set(re.findall(r"_anim_img([0-9a-f]{32})", h)) for h in (stepper.html, first, second)]
    assert all(len(i) == 1 for i in ids) and len(set.union(*ids)) == 3
    (old,), (new,) = ids[0], ids[1]
    assert old not in first and first.replace(new, old) == stepper.html     # only the id differs
    assert first.count(new) == stepper.html.count(old) > 5                 # every use of it


def test_stepper_is_reproducible(sim, stepper):
    again = cavi_stepper(sim.x, 3, 3.0, seed=9, true_mu=sim.mu, label="simulated")
    assert again.html == stepper.html          # notebook validation compares this output
    other = cavi_stepper(sim.x, 3, 3.0, seed=10, true_mu=sim.mu, label="simulated")
    assert other.html != stepper.html


def test_stepper_is_small(stepper):
    assert stepper.nbytes == len(stepper.html.encode("utf-8"))
    per_frame = stepper.nbytes / len(stepper.sweeps)
    assert per_frame < 40_000, f"{per_frame:.0f} bytes a frame"
    assert stepper.nbytes < 1_000_000


def test_frames_show_the_explorers_picture_of_each_sweep(stepper):
    """Frame j is CaviFigure's picture of sweep sweeps[j] (up to the palette re-encoding)."""
    frames = frames_of(stepper.html)
    view = CaviFigure(stepper.run, figsize=(7.2, 3.0), dpi=95)
    for j in (0, 1, len(frames) - 1):
        view.show(int(stepper.sweeps[j]))
        full = np.asarray(Image.open(io.BytesIO(view.to_png())).convert("RGB")).astype(int)
        assert frames[j].shape == full.shape == (285, 684, 3)
        err = np.abs(frames[j] - full)
        assert err.mean() < 2.0 and np.mean(err.max(axis=2) > 48) < 0.01
        assert tuple(frames[j][0, 0]) == (255, 255, 255)     # the white background stays white
    # consecutive frames differ: the picture moves
    for a, b in zip(frames[:5], frames[1:6]):
        assert np.mean(np.any(a != b, axis=2)) > 0.001


def test_long_runs_are_thinned_to_the_frame_budget(sim):
    run = record_cavi(sim.x, 3, 3.0, seed=9, max_iter=80, tol=None)
    assert run.n_sweeps == 80
    stepper = stepper_from_run(run, max_frames=12, dpi=40)
    assert len(frames_of(stepper.html)) == 12
    assert stepper.sweeps[0] == 0 and stepper.sweeps[-1] == 80
    assert 'data-n-sweeps="80"' in stepper.html


def test_two_dimensional_stepper():
    sim = vilib.simulate(150, 3, 3.0, d=2, seed=36)
    stepper = cavi_stepper(sim.x, 3, 3.0, seed=36, true_mu=sim.mu, dpi=50)
    assert stepper.run.d == 2
    assert len(frames_of(stepper.html)) == stepper.run.n_sweeps + 1
    assert "circle of radius s_k" in stepper.html    # the alt text describes the 2-D view


def test_budget_and_palette_are_enforced(sim):
    run = record_cavi(sim.x, 3, 3.0, seed=9)
    with pytest.raises(ValueError, match="max_bytes"):
        stepper_from_run(run, max_bytes=50_000)
    with pytest.raises(ValueError, match="colors"):
        stepper_from_run(run, colors=1000)
    with pytest.raises(ValueError, match="interval_ms"):
        stepper_from_run(run, interval_ms=0)
