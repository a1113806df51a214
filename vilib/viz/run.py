"""A CAVI run with every sweep kept, and its picture (matplotlib, Agg).

* :func:`record_cavi` runs :func:`vilib.cavi` **once** and keeps every sweep
  (through its ``callback``), plus the starting point as sweep 0. Stepping
  forward and back is then a lookup, never a recomputation.
* :class:`CaviFigure` draws one recorded sweep: the data coloured by the soft
  assignments ``phi`` (a point's colour is ``phi_i @ palette``, so a point torn
  between two clusters gets a mixed colour), each ``q(mu_k)`` (a density in 1-D,
  a mean with a circle of radius ``s_k`` in 2-D), the true means when the data
  are simulated, and the ELBO trace with the current sweep marked. Moving to
  another sweep only updates the artists' data.

Used by the Jupyter explorer (:mod:`vilib.widgets.cavi_explorer`) and the static
stepper (:mod:`vilib.viz.stepper`). Book: *CAVI and its ELBO* (``book/cavi_algorithm.md``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .._validation import check_data, check_int, check_positive, check_seed
from ..core.cavi import CaviStep, cavi
from ..core.init import kmeans_plus_plus
from .style import MAX_K, UNASSIGNED, palette, soft_colours

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
        ``steps[0]`` is the starting point (sweep 0: k-means++ means, ``s2 = lam^2``,
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
