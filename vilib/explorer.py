"""Watch CAVI converge: a recorded run, its picture, and a live explorer for Jupyter.

Requires matplotlib (and ipywidgets for :class:`CaviExplorer`):
``pip install vilib[widgets]``. Nothing here is imported by ``import vilib``.

The module has three layers, each usable on its own:

* :func:`record_cavi` runs :func:`vilib.cavi` **once** and keeps every sweep
  (through its ``callback``), plus the starting point as sweep 0. Stepping
  forward and back is then a lookup, never a recomputation.
* :class:`CaviFigure` draws one recorded sweep: the data coloured by the soft
  assignments ``phi`` (a point's colour is ``phi_i @ palette``, so a point torn
  between two clusters gets a mixed colour), each ``q(mu_k)`` (a density in 1-D,
  a mean with a circle of radius ``s_k`` in 2-D), the true means when the data
  are simulated, and the ELBO trace with the current sweep marked. Moving to
  another sweep only updates the artists' data. The static stepper of
  :mod:`vilib.animation` draws its frames with the same class.
* :class:`CaviExplorer` puts ipywidgets controls around them (Step, Play/Pause,
  Reset, a sweep slider, K, sigma, lambda, n, seed, and the data set). It
  renders with the Agg canvas into an :class:`ipywidgets.Image`, so it behaves
  the same in Jupyter and when a test drives it without a display.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ._validation import InputTypeError, check_data, check_int, check_positive, check_seed
from .cavi import CaviStep, cavi, kmeans_plus_plus
from .model import simulate
from .plotting import OKABE_ITO

# ------------------------------------------------------------------ colours
#: Cluster colours: the book's Okabe–Ito colours (black left out: a mixture with
#: black would read as "uncertain"), then three colour-blind-safe colours from
#: Paul Tol's "muted" scheme so that K = 10 clusters stay distinct.
CLUSTER_COLOURS = tuple(c for c in OKABE_ITO if c != "#000000") + ("#882255", "#44AA99", "#332288")
#: Colour of points before the first sweep, when no assignment exists yet.
UNASSIGNED = "#BBBBBB"
#: Largest K the explorer offers (one distinct colour per cluster).
MAX_K = len(CLUSTER_COLOURS)


def palette(K: int) -> np.ndarray:
    """RGB rows ``(K, 3)`` in ``[0, 1]``, one distinct colour per cluster (``K <= 10``)."""
    K = check_int("K", K)
    if K > MAX_K:
        raise ValueError(f"K must be <= {MAX_K} to give each cluster its own colour, got {K}")
    return np.array([to_rgb(c) for c in CLUSTER_COLOURS[:K]])


def soft_colours(phi: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Colour of each point as the ``phi``-weighted mix of the cluster colours.

    ``colour_i = sum_k phi_ik rgb_k`` (``phi @ rgb``): a point the fit is sure
    about takes its cluster's colour, a point split between clusters a blend.
    Returns an ``(n, 3)`` array clipped to ``[0, 1]`` (the rows of ``phi`` sum
    to one up to round-off).
    """
    return np.clip(np.asarray(phi) @ np.asarray(rgb), 0.0, 1.0)


# ------------------------------------------------------------ the recording
@dataclass(frozen=True)
class CaviRun:
    """One CAVI run with every sweep kept.

    Attributes
    ----------
    x : ndarray, shape (n,) or (n, 2)
        The data the run was fitted to.
    K : int
    sigma, lam : float
        Prior standard deviation of the means, likelihood standard deviation.
    steps : tuple of CaviStep
        ``steps[0]`` is the starting point (sweep 0: k-means++ means, ``s2 = 1``,
        no assignments yet, so ``phi`` is None and the ELBO NaN); ``steps[t]`` is
        the state after sweep ``t`` as passed to the ``callback`` of :func:`vilib.cavi`.
    converged : bool
        Whether the run stopped on its tolerance (not on ``max_iter``).
    true_mu : ndarray or None
        The means the data were simulated from, if they were.
    label : str
        A short description of the data, for titles.
    """

    x: np.ndarray
    K: int
    sigma: float
    lam: float
    steps: tuple
    converged: bool
    true_mu: np.ndarray | None = None
    label: str = ""

    @property
    def n_sweeps(self) -> int:
        """Number of sweeps recorded (frames are ``0 .. n_sweeps``)."""
        return len(self.steps) - 1

    @property
    def elbo(self) -> np.ndarray:
        """The ELBO after sweeps ``1 .. n_sweeps``."""
        return np.array([s.elbo for s in self.steps[1:]])

    @property
    def d(self) -> int:
        return 1 if self.x.ndim == 1 else self.x.shape[1]


def record_cavi(x, K, sigma, *, lam=1.0, seed=None, max_iter=200, tol=1e-8,
                true_mu=None, label="") -> CaviRun:
    """Run :func:`vilib.cavi` once and keep every sweep.

    The starting means are drawn here with the same k-means++ seeding
    :func:`vilib.cavi` uses (from ``numpy.random.default_rng(seed)``) and passed
    as ``init=(m0, lam^2)``, so the run is exactly ``cavi(x, K, sigma, seed=seed)``
    and the starting point can be shown as sweep 0.

    Parameters
    ----------
    x : array, shape (n,) or (n, 2)
    K : int
    sigma, lam : float
    seed : int or None
        Random state of the seeding.
    max_iter : int, default 200
    tol : float or None, default 1e-8
        As in :func:`vilib.cavi`.
    true_mu : array or None
        True means to draw (simulated data).
    label : str

    Returns
    -------
    CaviRun
    """
    X, one_d = check_data(x)
    if X.shape[1] > 2:
        raise ValueError(f"x must be 1-D or 2-D data to be drawn, got dimension {X.shape[1]}")
    K = check_int("K", K)
    if K > MAX_K:
        raise ValueError(f"K must be <= {MAX_K} to give each cluster its own colour, got {K}")
    sigma = check_positive("sigma", sigma)
    lam = check_positive("lam", lam)
    M0 = kmeans_plus_plus(X, K, check_seed(seed))
    m0 = M0[:, 0] if one_d else M0
    s2_0 = np.full(K, lam**2)                   # cavi's default start: s2_0 = lam^2
    steps: list[CaviStep] = [CaviStep(0, None, m0.copy(), s2_0.copy(), float("nan"))]
    result = cavi(x, K, sigma, lam=lam, max_iter=max_iter, tol=tol, init=(m0, s2_0),
                  callback=steps.append)
    if true_mu is not None:
        true_mu = np.asarray(true_mu, dtype=float)
    return CaviRun(x=np.asarray(x, dtype=float), K=K, sigma=sigma, lam=lam, steps=tuple(steps),
                   converged=result.converged, true_mu=true_mu, label=label)


# ------------------------------------------------------------------ datasets
def _standardize(x: np.ndarray) -> np.ndarray:
    """Centre each column and divide by its standard deviation (the prior is centred at 0)."""
    x = np.asarray(x, dtype=float)
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _real_loaders() -> dict[str, tuple[Callable[[], object], float, float, int]]:
    """The book's real data sets that exist in :mod:`vilib.datasets`.

    Values are ``(loader, lam, sigma, K)``: a loader and default settings
    suited to the standardized data (the clusters of both sets are narrower
    than the whole set, so ``lam < 1``).
    """
    try:
        from . import datasets
    except ImportError:
        return {}
    found = {}
    if hasattr(datasets, "load_galaxies"):
        found["galaxies (real, 1-D)"] = (datasets.load_galaxies, 0.3, 2.0, 4)
    if hasattr(datasets, "load_faithful"):
        found["Old Faithful (real, 2-D)"] = (datasets.load_faithful, 0.4, 2.0, 2)
    return found


#: Simulated data choices: name -> dimension.
SIMULATED = {"simulated (1-D)": 1, "simulated (2-D)": 2}


def data_choices() -> list[str]:
    """Names of the data sets the explorer offers: simulated ones first, then the real ones."""
    return list(SIMULATED) + list(_real_loaders())


def suggested_settings(name: str) -> dict:
    """Default ``K``, ``sigma`` and ``lam`` for a data choice (simulated: EXPLORER_DEFAULTS)."""
    loaders = _real_loaders()
    if name in loaders:
        _, lam, sigma, K = loaders[name]
        return {"K": K, "sigma": sigma, "lam": lam}
    return {key: EXPLORER_DEFAULTS[key] for key in ("K", "sigma", "lam")}


def load_choice(name: str, *, n: int, K: int, sigma: float, lam: float, seed) -> tuple:
    """Return ``(x, true_mu)`` for a data choice (``true_mu`` is None for real data).

    Simulated data come from :func:`vilib.simulate` with the same ``K``,
    ``sigma`` and ``lam`` as the fit; real data are standardized.
    """
    if name in SIMULATED:
        sim = simulate(n, K, sigma, d=SIMULATED[name], lam=lam, seed=seed)
        return sim.x, sim.mu
    loaders = _real_loaders()
    if name not in loaders:
        raise ValueError(f"data must be one of {data_choices()}, got {name!r}")
    # the loaders return a Dataset whose .x is standardized already; standardizing
    # again is a no-op for them and keeps the explorer's data on the prior's scale
    return _standardize(loaders[name][0]().x), None


# ---------------------------------------------------------------- the figure
def _frame_title(run: CaviRun, t: int) -> str:
    if t == 0:
        return (f"sweep 0 of {run.n_sweeps}: starting means (k-means++), "
                "points not assigned yet")
    step = run.steps[t]
    status = " (converged)" if (t == run.n_sweeps and run.converged) else ""
    return f"sweep {t} of {run.n_sweeps}{status}:  ELBO = {step.elbo:.6g}"


class CaviFigure:
    """The picture of one recorded sweep; :meth:`show` moves it to another sweep.

    1-D data: top left, the density of each ``q(mu_k) = N(m_k, s2_k)`` with the
    true means dashed; below it, the data (jittered vertically) coloured by
    ``phi``; right, the ELBO trace. 2-D data: the data coloured by ``phi`` with
    each ``m_k`` (a cross) and a circle of radius ``s_k``, true means as black
    plus signs; right, the ELBO trace.

    Axis limits are fixed for the whole run, so moving between sweeps shows
    the fit changing, not the axes. That also allows blitting (``blit=True``,
    what the live explorer uses): the axes, ticks and labels are rendered once
    and kept as a background; a new sweep redraws only the artists that move
    (about 5x faster than a full draw, most of which is text).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        An Agg figure, independent of pyplot.
    artists : dict
        ``"points"`` (PathCollection of the data), ``"densities"`` (1-D: Line2D
        per cluster), ``"means"`` (2-D: Line2D of the m_k), ``"circles"`` (2-D:
        Circle per cluster), ``"true_means"`` (list of artists, empty for real
        data), ``"elbo_done"`` (Line2D: the trace up to the current sweep),
        ``"elbo_marker"`` (Line2D: the current sweep), ``"title"`` (Text).
    frame : int
        The sweep shown.
    """

    #: Points of each density curve: the grid is per cluster (m_k ± 4 s_k), so a
    #: very narrow q(mu_k) is still drawn with its peak.
    GRID = 161

    def __init__(self, run: CaviRun, *, figsize=(7.2, 3.0), dpi=95, blit=False):
        self.run = run
        self.rgb = palette(run.K)
        self.dpi = dpi
        self.blit = bool(blit)
        self._background = None
        self.figure = Figure(figsize=figsize, dpi=dpi, facecolor="white")
        FigureCanvasAgg(self.figure)
        self.artists: dict = {"true_means": []}
        if run.d == 1:
            self._build_1d()
        else:
            self._build_2d()
        self._build_elbo()
        self.artists["title"] = self.figure.suptitle("", fontsize=10, y=0.985)
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.15, top=0.82,
                                    wspace=0.28, hspace=0.08)
        if self.blit:
            # animated artists are left out of full draws: they are drawn over
            # the cached background instead, in this order (that of their zorder)
            for artist in self.moving_artists():
                artist.set_animated(True)
        self.frame = -1
        self.show(0)

    def moving_artists(self) -> list:
        """The artists a change of sweep redraws, bottom to top."""
        a = self.artists
        return ([a["points"], *a["true_means"], *a.get("densities", []), *a.get("circles", [])]
                + ([a["means"]] if "means" in a else [])
                + [a["elbo_done"], a["elbo_marker"], a["title"]])

    # -- layout
    def _build_1d(self):
        run = self.run
        x = run.x
        gs = self.figure.add_gridspec(2, 2, width_ratios=(1.9, 1.0), height_ratios=(2.3, 1.0))
        ax_q = self.figure.add_subplot(gs[0, 0])
        ax_x = self.figure.add_subplot(gs[1, 0], sharex=ax_q)
        self.axes = {"q": ax_q, "data": ax_x}
        self.elbo_spec = gs[:, 1]

        means = np.array([s.m for s in run.steps])            # (T+1, K)
        sds = np.sqrt(np.array([s.s2 for s in run.steps]))    # (T+1, K)
        parts = [x, means[1:].ravel() if len(means) > 1 else means.ravel()]
        if run.true_mu is not None:
            parts.append(run.true_mu.ravel())
        lo, hi = float(min(p.min() for p in parts)), float(max(p.max() for p in parts))
        pad = 0.06 * (hi - lo) + 0.5 * run.lam
        ax_q.set_xlim(lo - pad, hi + pad)
        # the tallest density of the run (after the start, whose s2 = 1 is arbitrary)
        peak = 1.0 / (np.sqrt(2 * np.pi) * sds[1:].min()) if len(sds) > 1 else 1.0
        ax_q.set_ylim(0, 1.12 * peak)
        ax_q.set_ylabel(r"density of $q(\mu_k)$")
        ax_q.tick_params(labelbottom=False)

        self.artists["densities"] = [
            ax_q.plot([], [], color=self.rgb[k], lw=1.8, label=f"$q(\\mu_{{{k + 1}}})$")[0]
            for k in range(run.K)
        ]
        if run.true_mu is not None:
            for j, mu in enumerate(run.true_mu.ravel()):
                self.artists["true_means"].append(
                    ax_q.axvline(mu, color="black", ls="--", lw=0.9,
                                 label=r"true $\mu_k$" if j == 0 else None))
            # above the axes, where it can never hide a density
            ax_q.legend(handles=[self.artists["true_means"][0]], loc="lower right",
                        bbox_to_anchor=(1.0, 1.0), borderaxespad=0.1, fontsize="small",
                        frameon=False)

        jitter = np.random.default_rng(0).uniform(0.1, 0.9, size=len(x))
        self.artists["points"] = ax_x.scatter(x, jitter, s=9, linewidths=0,
                                              c=[to_rgb(UNASSIGNED)] * len(x))
        ax_x.set_ylim(0, 1)
        ax_x.set_yticks([])
        ax_x.set_xlabel("$x$ (colour: soft assignment $\\varphi_i$)")

    def _build_2d(self):
        run = self.run
        x = run.x
        gs = self.figure.add_gridspec(1, 2, width_ratios=(1.3, 1.0))
        ax = self.figure.add_subplot(gs[0, 0])
        self.axes = {"data": ax}
        self.elbo_spec = gs[0, 1]
        parts = [x]
        if run.true_mu is not None:
            parts.append(run.true_mu)
        allp = np.vstack(parts)
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.06 * (hi - lo) + 0.3 * run.lam
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        ax.set_xlabel("$x_{i1}$")
        ax.set_ylabel("$x_{i2}$")
        self.artists["points"] = ax.scatter(x[:, 0], x[:, 1], s=9, linewidths=0,
                                            c=[to_rgb(UNASSIGNED)] * len(x))
        if run.true_mu is not None:
            self.artists["true_means"].append(
                ax.plot(run.true_mu[:, 0], run.true_mu[:, 1], ls="none", marker="+", ms=12,
                        mew=2, color="black", label=r"true $\mu_k$")[0])
        self.artists["circles"] = []
        for k in range(run.K):
            circle = Circle((0, 0), 1.0, fill=False, lw=1.8, ec=self.rgb[k], zorder=4)
            ax.add_patch(circle)
            self.artists["circles"].append(circle)
        self.artists["means"] = ax.scatter(np.zeros(run.K), np.zeros(run.K), marker="X", s=70,
                                           c=self.rgb, edgecolors="black", linewidths=0.8,
                                           zorder=5, label=r"$m_k$ (circle: radius $s_k$)")
        # above the axes, where it can never hide a point
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.1, ncol=2,
                  fontsize="small", frameon=False, handletextpad=0.3, columnspacing=1.0)

    def _build_elbo(self):
        run = self.run
        ax = self.figure.add_subplot(self.elbo_spec)
        self.axes["elbo"] = ax
        sweeps = np.arange(1, run.n_sweeps + 1)
        elbo = run.elbo
        ax.plot(sweeps, elbo, color="#BBBBBB", lw=1.2)            # the whole run, faint
        self.artists["elbo_done"] = ax.plot([], [], color="black", lw=1.6)[0]
        self.artists["elbo_marker"] = ax.plot([], [], ls="none", marker="o", ms=7,
                                              color="#D55E00")[0]
        ax.set_xlabel("sweep")
        ax.set_ylabel("ELBO")
        ax.set_xlim(0.5, max(run.n_sweeps, 2) + 0.5)
        if len(elbo):
            lo, hi = float(elbo.min()), float(elbo.max())
            pad = 0.08 * (hi - lo) if hi > lo else max(1.0, 1e-3 * abs(hi))
            ax.set_ylim(lo - pad, hi + pad)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4), useOffset=False)
        ax.locator_params(axis="x", integer=True)

    # -- moving between sweeps
    def show(self, t: int) -> None:
        """Update every artist to sweep ``t`` (0 = start) of the run; does not render."""
        run = self.run
        t = int(t)
        if not 0 <= t <= run.n_sweeps:
            raise ValueError(f"t must be in [0, {run.n_sweeps}], got {t}")
        step = run.steps[t]
        if step.phi is None:
            colours = np.tile(to_rgb(UNASSIGNED), (len(run.x), 1))
        else:
            colours = soft_colours(step.phi, self.rgb)
        self.artists["points"].set_facecolors(colours)
        self.colours = colours

        s = np.sqrt(step.s2)
        if run.d == 1:
            z = np.linspace(-4.0, 4.0, self.GRID)
            dens = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
            for k, line in enumerate(self.artists["densities"]):
                line.set_data(step.m[k] + s[k] * z, dens / s[k])
        else:
            self.artists["means"].set_offsets(step.m)
            for k, circle in enumerate(self.artists["circles"]):
                circle.set_center(tuple(step.m[k]))
                circle.set_radius(s[k])

        elbo = run.elbo
        if t == 0:
            self.artists["elbo_done"].set_data([], [])
            self.artists["elbo_marker"].set_data([], [])
        else:
            self.artists["elbo_done"].set_data(np.arange(1, t + 1), elbo[:t])
            self.artists["elbo_marker"].set_data([t], [elbo[t - 1]])
        label = f"{run.label}: " if run.label else ""
        self.artists["title"].set_text(label + _frame_title(run, t))
        self.frame = t

    def to_png(self, compress_level: int = 6) -> bytes:
        """Render the current state as PNG bytes.

        With ``blit=True`` only the moving artists are drawn, over the cached
        static background (drawn in full the first time).
        """
        canvas = self.figure.canvas
        buf = io.BytesIO()
        if not self.blit:
            canvas.print_png(buf, pil_kwargs={"compress_level": compress_level})
            return buf.getvalue()
        from PIL import Image

        if self._background is None:
            canvas.draw()                          # everything but the moving artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.moving_artists():
            self.figure.draw_artist(artist)
        size = canvas.get_width_height()
        Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buf, format="png", compress_level=compress_level)
        return buf.getvalue()


# ---------------------------------------------------------------- the widgets
#: Most simulated points the explorer offers.
MAX_N = 2000
#: Defaults of the explorer (and of the chapter's stepper).
EXPLORER_DEFAULTS = {"data": "simulated (1-D)", "K": 3, "sigma": 3.0, "lam": 1.0, "n": 300,
                     "seed": 9}


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

        style = {"description_width": "initial"}
        lay = W.Layout(width="auto")
        self.controls = {
            "step": W.Button(description="Step", icon="step-forward",
                             tooltip="one more sweep", layout=lay),
            "play": W.Button(description="Play", icon="play",
                             tooltip="play the sweeps / pause", layout=lay),
            "reset": W.Button(description="Reset", icon="undo",
                              tooltip="back to the starting means (sweep 0)", layout=lay),
            "sweep": W.IntSlider(value=0, min=0, max=1, description="sweep", style=style,
                                 continuous_update=True, layout=W.Layout(width="340px")),
            "data": W.Dropdown(options=choices, value=data, description="data", style=style),
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
        self.status = W.HTML()
        self.image = W.Image(format="png")
        self.widget = W.VBox([
            W.HBox([self.controls["step"], self.controls["play"], self.controls["reset"],
                    self.controls["sweep"]]),
            self.image,
            self.status,
            W.HBox([self.controls["data"], self.controls["K"], self.controls["seed"]]),
            W.HBox([self.controls["sigma"], self.controls["lam"], self.controls["n"]]),
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


def cavi_explorer(**options) -> CaviExplorer:
    """A :class:`CaviExplorer`; display it in Jupyter (make it the last line of a cell).

    Without options it starts on :data:`EXPLORER_DEFAULTS`, the run of the CAVI
    chapter's stepper; ``options`` are those of :class:`CaviExplorer`, e.g.
    ``cavi_explorer(data="simulated (2-D)", K=4)``.
    """
    return CaviExplorer(**options)
