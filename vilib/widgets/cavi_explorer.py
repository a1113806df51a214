"""The CAVI explorer for Jupyter (ipywidgets): step through a recorded run, change the setup.

Requires matplotlib and ipywidgets: ``pip install "cavi-vilib[widgets]"``. Not imported by
``import vilib``. :class:`CaviExplorer` puts ipywidgets controls (Step, Play/Pause, Reset,
a sweep slider, K, sigma, lambda, n, seed, and the data set of
:func:`vilib.datasets.data_choices`) around a :class:`vilib.viz.run.CaviFigure`. It renders
with the Agg canvas into an :class:`ipywidgets.Image`, so it behaves the same in Jupyter and
when a test drives it without a display.

Book: *CAVI and its ELBO* (``book/cavi_algorithm.md``) and *From one dimension to d*.
"""

from __future__ import annotations

import threading

import numpy as np

from .._validation import InputTypeError, check_int, check_positive
from ..datasets import SIMULATED, SIMULATED_SETTINGS, data_choices, load_choice, suggested_settings
from ..viz.run import CaviFigure, record_cavi
from ..viz.style import MAX_K

# ---------------------------------------------------------------- the widgets
#: Most simulated points the explorer offers.
MAX_N = 2000
#: Defaults of the explorer (and of the chapter's stepper).
EXPLORER_DEFAULTS = {"data": "simulated (1-D)", **SIMULATED_SETTINGS, "n": 300, "seed": 9}


class CaviExplorer:
    """Step through a recorded CAVI run with ipywidgets; rerun when the setup changes.

    Parameters
    ----------
    data : str
        One of :func:`data_choices` (simulated 1-D or 2-D, or a real data set).
    K : int, optional
        Number of clusters (1..10); for simulated data also the true number.
    sigma, lam : float, optional
        Prior standard deviation of the means and likelihood standard deviation
        (both for simulating and for the fit). ``K``, ``sigma`` and ``lam`` left
        out take the values suited to the data (:func:`suggested_settings`).
    n : int
        Number of simulated points (ignored for real data).
    seed : int
        Random state of the simulation and of the k-means++ seeding.
    max_iter : int, default 200
        Most sweeps recorded per run.
    interval : float, default 0.35
        Seconds between sweeps while playing.
    figsize, dpi :
        Size of the rendered picture.

    Attributes
    ----------
    controls : dict of ipywidgets
        ``"step"``, ``"play"``, ``"reset"`` (Buttons), ``"sweep"`` (IntSlider over
        the recorded sweeps), ``"K"``, ``"sigma"``, ``"lam"``, ``"n"``, ``"seed"``,
        ``"data"``.
    run : CaviRun
        The recorded run (its ``steps`` are the recorded sweeps).
    view : CaviFigure
        The picture; ``view.artists`` holds the artists drawn.
    image : ipywidgets.Image
        The rendered picture (PNG).
    widget : ipywidgets.VBox
        What Jupyter displays.
    runs, renders : int
        How many times the run was computed and the picture rendered (for tests).
    """

    def __init__(self, *, data=EXPLORER_DEFAULTS["data"], K=None, sigma=None, lam=None,
                 n=EXPLORER_DEFAULTS["n"], seed=EXPLORER_DEFAULTS["seed"], max_iter=200,
                 interval=0.35, figsize=(7.2, 3.0), dpi=95):
        import ipywidgets as W

        data, K, sigma, lam, n, seed = _checked_setup(data, K, sigma, lam, n, seed)
        self.max_iter = check_int("max_iter", max_iter)
        self.interval = check_positive("interval", interval)
        self.figsize, self.dpi = figsize, dpi
        self.runs = 0
        self.renders = 0
        # one lock around every change of the shown sweep: the Play thread and
        # the kernel's message handler both move it
        self._lock = threading.RLock()
        self._player: threading.Thread | None = None
        self._stop = threading.Event()
        self._quiet = False     # set while several controls change together

        self.controls = _make_controls(W, data=data, K=K, sigma=sigma, lam=lam, n=n, seed=seed)
        self.status = W.HTML()
        self.image = W.Image(format="png")
        c = self.controls
        self.widget = W.VBox([
            W.HBox([c["step"], c["play"], c["reset"], c["sweep"]]),
            self.image,
            self.status,
            W.HBox([c["data"], c["K"], c["seed"]]),
            W.HBox([c["sigma"], c["lam"], c["n"]]),
        ])

        self.rerun()
        self.controls["step"].on_click(lambda _: self.step())
        self.controls["play"].on_click(lambda _: self.toggle_play())
        self.controls["reset"].on_click(lambda _: self.reset())
        self.controls["sweep"].observe(self._on_sweep, names="value")
        self.controls["data"].observe(self._on_data, names="value")
        for name in ("K", "sigma", "lam", "n", "seed"):
            self.controls[name].observe(self._on_setup, names="value")

    # -- state
    @property
    def iteration(self) -> int:
        """The sweep shown (0 = the starting point)."""
        return self.view.frame

    @property
    def steps(self) -> tuple:
        """The recorded sweeps of the current run (``steps[0]`` is the start)."""
        return self.run.steps

    @property
    def playing(self) -> bool:
        return self._player is not None and self._player.is_alive()

    @property
    def params(self) -> dict:
        return {name: self.controls[name].value
                for name in ("data", "K", "sigma", "lam", "n", "seed")}

    # -- actions
    def rerun(self) -> None:
        """Simulate (or load) the data and record a new run from the controls; show sweep 0."""
        self.pause()
        p = self.params
        with self._lock:
            x, true_mu = load_choice(p["data"], n=int(p["n"]), K=int(p["K"]),
                                     sigma=float(p["sigma"]), lam=float(p["lam"]),
                                     seed=int(p["seed"]))
            self.run = record_cavi(x, int(p["K"]), float(p["sigma"]), lam=float(p["lam"]),
                                   seed=int(p["seed"]), max_iter=self.max_iter,
                                   true_mu=true_mu, label=p["data"])
            self.runs += 1
            self.view = CaviFigure(self.run, figsize=self.figsize, dpi=self.dpi, blit=True)
            slider = self.controls["sweep"]
            self._quiet = True
            try:
                slider.value = 0
                slider.max = self.run.n_sweeps
            finally:
                self._quiet = False
            self._render()

    def show(self, t: int) -> None:
        """Show sweep ``t`` (clipped to the recorded range) and render it."""
        with self._lock:
            t = int(np.clip(t, 0, self.run.n_sweeps))
            slider = self.controls["sweep"]
            if slider.value != t:
                slider.value = t        # its observer draws
            elif self.view.frame != t:
                self._draw(t)

    def step(self) -> None:
        """One sweep forward (stays at the last sweep)."""
        self.show(self.iteration + 1)

    def reset(self) -> None:
        """Pause and go back to sweep 0."""
        self.pause()
        self.show(0)

    def toggle_play(self) -> None:
        """Play/Pause button: start or stop moving one sweep every ``interval`` seconds."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """One sweep forward every ``interval`` seconds up to the last (from 0 if at the end)."""
        if self.playing:
            return
        if self.iteration >= self.run.n_sweeps:
            self.show(0)
        self._stop.clear()
        self._player = threading.Thread(target=self._play_loop, name="cavi-explorer-play",
                                        daemon=True)
        self._set_play_button(True)
        self._player.start()

    def pause(self) -> None:
        """Stop playing (returns once the Play thread has stopped)."""
        player = self._player
        if player is None:
            return
        self._stop.set()
        if player is not threading.current_thread():
            player.join()
        self._player = None
        self._set_play_button(False)

    def _play_loop(self) -> None:
        # a background thread: ipywidgets sends its updates through the kernel's
        # thread-safe IOPub channel, and the lock keeps it off a concurrent redraw
        while not self._stop.wait(self.interval):
            with self._lock:
                if self._stop.is_set() or self.iteration >= self.run.n_sweeps:
                    break
                self.show(self.iteration + 1)
        self._set_play_button(False)

    def _set_play_button(self, playing: bool) -> None:
        button = self.controls["play"]
        button.description, button.icon = ("Pause", "pause") if playing else ("Play", "play")

    # -- observers
    def _on_sweep(self, change) -> None:
        if not self._quiet:
            with self._lock:
                self._draw(change["new"])

    def _on_setup(self, change) -> None:
        if not self._quiet:
            self.rerun()

    def _on_data(self, change) -> None:
        """A new data set: take its suggested K, sigma and lambda, then rerun once."""
        self._quiet = True
        try:
            if change["new"] not in SIMULATED or change["old"] not in SIMULATED:
                for name, value in suggested_settings(change["new"]).items():
                    self.controls[name].value = value
            self.controls["n"].disabled = change["new"] not in SIMULATED
        finally:
            self._quiet = False
        self.rerun()

    # -- drawing
    def _draw(self, t: int) -> None:
        self.view.show(t)
        self._render()

    def _render(self) -> None:
        # fast PNG compression: the picture travels only to the local browser
        self.image.value = self.view.to_png(compress_level=1)
        self.renders += 1
        run, t = self.run, self.view.frame
        if t == 0:
            text = (f"Sweep 0 of {run.n_sweeps}: the starting means. "
                    "Press <b>Step</b> to run the first sweep.")
        else:
            gain = run.elbo[t - 1] - run.elbo[t - 2] if t > 1 else float("nan")
            text = (f"Sweep {t} of {run.n_sweeps}: ELBO = {run.elbo[t - 1]:.6g}"
                    + (f", gain over the previous sweep {gain:.3g}" if t > 1 else ""))
            if t == run.n_sweeps:
                text += (" &mdash; converged." if run.converged
                         else f" &mdash; stopped at max_iter = {self.max_iter}.")
        self.status.value = text

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _checked_setup(data, K, sigma, lam, n, seed) -> tuple:
    """Validate the explorer's setup; ``K``, ``sigma``, ``lam`` left None take the data's presets."""
    choices = data_choices()
    if not isinstance(data, str):
        raise InputTypeError(f"data must be one of {choices}, got {type(data).__name__}")
    if data not in choices:
        raise ValueError(f"data must be one of {choices}, got {data!r}")
    preset = suggested_settings(data)
    K = check_int("K", preset["K"] if K is None else K)
    sigma = check_positive("sigma", preset["sigma"] if sigma is None else sigma)
    lam = check_positive("lam", preset["lam"] if lam is None else lam)
    n = check_int("n", n)
    seed = check_int("seed", seed, minimum=0)
    # the sliders would silently clip a value outside their range: refuse it instead
    for name, value, lo, hi in (("K", K, 1, MAX_K), ("sigma", sigma, 1e-3, 1e3),
                                ("lam", lam, 10**-1.5, 10.0), ("n", n, 1, MAX_N)):
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got {value!r}")
    return data, K, sigma, lam, n, seed


def _make_controls(W, *, data, K, sigma, lam, n, seed) -> dict:
    """The explorer's ipywidgets controls, keyed by name (``W`` is the ipywidgets module)."""
    style = {"description_width": "initial"}
    lay = W.Layout(width="auto")
    return {
        "step": W.Button(description="Step", icon="step-forward",
                         tooltip="one more sweep", layout=lay),
        "play": W.Button(description="Play", icon="play",
                         tooltip="play the sweeps / pause", layout=lay),
        "reset": W.Button(description="Reset", icon="undo",
                          tooltip="back to the starting means (sweep 0)", layout=lay),
        "sweep": W.IntSlider(value=0, min=0, max=1, description="sweep", style=style,
                             continuous_update=True, layout=W.Layout(width="340px")),
        "data": W.Dropdown(options=data_choices(), value=data, description="data", style=style),
        "K": W.IntSlider(value=K, min=1, max=MAX_K, description="clusters K",
                         style=style, continuous_update=False),
        "sigma": W.FloatLogSlider(value=sigma, base=10, min=-3, max=3, step=0.05,
                                  description="prior sd σ", style=style,
                                  continuous_update=False, readout_format=".3g"),
        "lam": W.FloatLogSlider(value=lam, base=10, min=-1.5, max=1, step=0.05,
                                description="noise sd λ", style=style,
                                continuous_update=False, readout_format=".3g"),
        "n": W.IntSlider(value=n, min=1, max=MAX_N, description="points n", style=style,
                         continuous_update=False, disabled=data not in SIMULATED),
        "seed": W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed",
                                 style=style, layout=W.Layout(width="150px")),
    }


def cavi_explorer(**options) -> CaviExplorer:
    """A :class:`CaviExplorer`; display it in Jupyter (make it the last line of a cell).

    Without options it starts on :data:`EXPLORER_DEFAULTS`, the run of the CAVI
    chapter's stepper; ``options`` are those of :class:`CaviExplorer`, e.g.
    ``cavi_explorer(data="simulated (2-D)", K=4)``.
    """
    return CaviExplorer(**options)
