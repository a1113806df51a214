"""A static, self-contained stepper through a CAVI run, for pages without a kernel.

Requires matplotlib: ``pip install "cavi-vilib[plot]"``. Nothing here is imported by
``import vilib``.

:func:`cavi_stepper` records a run with :func:`vilib.widgets.cavi_explorer.record_cavi`,
draws chosen sweeps with the same :class:`vilib.widgets.cavi_explorer.CaviFigure` the live
explorer uses, and puts them in matplotlib's JavaScript animation player
(:class:`matplotlib.animation.HTMLWriter`, what ``FuncAnimation.to_jshtml``
produces): a frame slider and first / previous / play / pause / next / last
buttons, frames embedded as base64 PNG. What changes for a static book page:

* the Font Awesome stylesheet that matplotlib links from a CDN is removed and
  the button icons become plain Unicode glyphs, so the page makes no outside
  request and the buttons read the same everywhere;
* the frames are the explorer's pictures, drawn by blitting and stored as
  256-colour palette PNGs: the pictures have few distinct colours, so this is
  visually lossless and about three times smaller (~16 kB a frame, ~21 kB in
  base64, at the default 684 x 285 pixels);
* the random element id becomes a hash of the content, so ``stepper.html`` is the
  same on every run; each *display* (``_repr_html_``) gets a fresh random id, so two
  displays never share one (notebook validation masks the ids: tests/nbval_sanitize.cfg);
* the whole is wrapped in ``<div class="cavi-stepper">`` carrying the sweep
  number of every frame (``data-sweeps``) and the image gets alt text.

The frames dominate the page weight: with the default 30 frames at most, a
stepper stays under about 0.7 MB, and :func:`cavi_stepper` refuses to produce
more than ``max_bytes``.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import io
import re
import tempfile
import uuid
from pathlib import Path

import numpy as np

from .._validation import check_int, check_positive
from .run import CaviFigure, CaviRun, record_cavi

#: matplotlib's button icons (Font Awesome 4 classes) -> Unicode glyphs from
#: the Geometric Shapes block, which every common font has.
ICONS = {
    "fa fa-minus": "&minus;",
    "fa fa-fast-backward": "|&#9664;&#9664;",
    "fa fa-step-backward": "|&#9664;",
    "fa fa-play fa-flip-horizontal": "&#9664;",
    "fa fa-pause": "&#10074;&#10074;",
    "fa fa-play": "&#9654;",
    "fa fa-step-forward": "&#9654;|",
    "fa fa-fast-forward": "&#9654;&#9654;|",
    "fa fa-plus": "+",
}

_STYLE = """<style>
.cavi-stepper { margin: 0.5rem 0 1rem 0; }
.cavi-stepper .animation { max-width: 100%; }
.cavi-stepper .animation img { max-width: 100%; height: auto; }
.cavi-stepper .anim-buttons button { width: auto; min-width: 2.4em; padding: 0.1em 0.4em;
  font-size: 0.9rem; line-height: 1.4; }
</style>
"""


def select_frames(n_sweeps: int, max_frames: int) -> np.ndarray:
    """Which sweeps to show: all of ``0..n_sweeps`` if they fit, else a thinned set.

    The early sweeps move the most, so the first half of the budget shows
    consecutive sweeps from 0 and the second half is spread evenly up to the
    last sweep, which is always included.

    Returns
    -------
    ndarray of int
        Increasing sweep numbers, starting at 0 and ending at ``n_sweeps``.
    """
    n_sweeps = check_int("n_sweeps", n_sweeps, minimum=0)
    max_frames = check_int("max_frames", max_frames, minimum=2)
    if n_sweeps + 1 <= max_frames:
        return np.arange(n_sweeps + 1)
    head = max_frames // 2              # sweeps 0 .. head-1, one frame each
    rest = max_frames - head            # then `rest` frames from sweep `head` to the last
    # the spacing (n_sweeps - head) / (rest - 1) exceeds 1, so the rounded sweeps are distinct
    tail = np.round(np.linspace(head, n_sweeps, rest)).astype(int) if rest > 1 else [n_sweeps]
    return np.concatenate([np.arange(head), tail]).astype(int)


class CaviStepper:
    """A static stepper through a recorded run; displays itself as HTML in Jupyter.

    Attributes
    ----------
    html : str
        The self-contained HTML (no outside request).
    run : CaviRun
        The recorded run.
    sweeps : ndarray of int
        The sweep shown by each frame (frame ``j`` shows sweep ``sweeps[j]``).
    """

    def __init__(self, html: str, run: CaviRun, sweeps: np.ndarray):
        self.html = html
        self.run = run
        self.sweeps = np.asarray(sweeps)

    @property
    def nbytes(self) -> int:
        """Size of the HTML in bytes (what it adds to a page)."""
        return len(self.html.encode("utf-8"))

    def _repr_html_(self) -> str:
        # A fresh element id for every display: two displays of one stepper, or two open
        # copies of a notebook in one JupyterLab page, would otherwise share the ids and
        # only one of them would play. ``html`` itself keeps its reproducible id.
        old = re.search(r"_anim_img([0-9a-f]{32})", self.html).group(1)
        return self.html.replace(old, uuid.uuid4().hex)

    def __repr__(self) -> str:
        return (f"<CAVI stepper: {len(self.sweeps)} frames, sweeps 0-{int(self.sweeps[-1])} "
                f"of {self.run.n_sweeps}>")


_FRAME = re.compile(r'frames\[(\d+)\] = "data:image/png;base64,[^"]*"')


def palette_png(png: bytes, colors: int = 256) -> bytes:
    """Re-encode a PNG with a palette of ``colors`` colours (white stays exactly white)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=colors, method=Image.Quantize.MAXCOVERAGE).save(out, format="png")
    return out.getvalue()


def _player_html(frames: list[bytes], interval_ms: float) -> str:
    """matplotlib's JavaScript player (:class:`~matplotlib.animation.HTMLWriter`) for ``frames``.

    The writer draws its frames itself with ``savefig``; it is run on a 4 x 4 pixel
    placeholder figure, and its placeholder frames are then replaced by ours (drawn by
    blitting, which is several times faster than a full draw per frame).
    """
    from matplotlib.animation import HTMLWriter
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    placeholder = Figure(figsize=(1, 1), dpi=4)
    FigureCanvasAgg(placeholder)
    writer = HTMLWriter(fps=1000.0 / interval_ms, embed_frames=True, default_mode="once")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "stepper.html")
        with writer.saving(placeholder, str(path), 4):
            for _ in frames:
                writer.grab_frame()
        raw = path.read_text(encoding="utf-8")

    def ours(match: re.Match) -> str:
        data = base64.b64encode(frames[int(match.group(1))]).decode("ascii")
        return f'frames[{match.group(1)}] = "data:image/png;base64,{data}"'

    html, count = _FRAME.subn(ours, raw)
    if count != len(frames):
        raise RuntimeError(f"unexpected matplotlib animation HTML: {count} frames, "
                           f"expected {len(frames)}")
    return html


def _clean(raw: str, *, alt: str, sweeps, run: CaviRun) -> str:
    """Make matplotlib's animation HTML self-contained and reproducible (see module docstring)."""
    out = re.sub(r"<link[^>]*font-awesome[^>]*>\s*", "", raw)
    for cls, glyph in ICONS.items():
        out = out.replace(f'<i class="{cls}"></i>', f'<span aria-hidden="true">{glyph}</span>')
    ids = set(re.findall(r"_anim_img([0-9a-f]{32})", out))
    if len(ids) != 1:
        raise RuntimeError("unexpected matplotlib animation HTML: no unique element id")
    (old_id,) = ids
    new_id = hashlib.sha1(out.replace(old_id, "").encode("utf-8")).hexdigest()[:32]
    out = out.replace(old_id, new_id)
    out = out.replace(f'<img id="_anim_img{new_id}">',
                      f'<img id="_anim_img{new_id}" alt="{html_lib.escape(alt)}">')
    leftover = re.findall(r"(?:href|src)=\"(?:https?:)?//[^\"]*\"|<i class=\"fa", out)
    if leftover:
        raise RuntimeError(f"outside reference left in the stepper HTML: {leftover[:3]}")
    attrs = (f'data-sweeps="{",".join(str(int(s)) for s in sweeps)}" '
             f'data-n-sweeps="{run.n_sweeps}" data-converged="{str(run.converged).lower()}"')
    return f'<div class="cavi-stepper" {attrs}>\n{_STYLE}{out}</div>\n'


def stepper_from_run(run: CaviRun, *, max_frames=30, figsize=(7.2, 3.0), dpi=95,
                     interval_ms=700, colors=256, max_bytes=2_000_000,
                     alt=None) -> CaviStepper:
    """Pack chosen sweeps of a recorded run into a static HTML stepper.

    Parameters
    ----------
    run : CaviRun
        From :func:`vilib.widgets.cavi_explorer.record_cavi`.
    max_frames : int, default 30
        Most frames (see :func:`select_frames`).
    figsize, dpi :
        Frame size; together with ``max_frames`` they set the page weight.
    interval_ms : int, default 700
        Milliseconds between frames when playing.
    colors : int, default 256
        Size of the palette each frame is stored with (at most 256).
    max_bytes : int, default 2_000_000
        Refuse (ValueError) to make a larger stepper: a book page must stay under 3 MB.
    alt : str, optional
        Alt text of the frame image.

    Returns
    -------
    CaviStepper
    """
    interval_ms = check_positive("interval_ms", interval_ms)
    colors = check_int("colors", colors, minimum=2)
    if colors > 256:
        raise ValueError(f"colors must be <= 256 (a PNG palette), got {colors}")
    max_bytes = check_int("max_bytes", max_bytes)
    sweeps = np.asarray(select_frames(run.n_sweeps, max_frames))
    # the explorer's picture, redrawn by blitting for each chosen sweep
    view = CaviFigure(run, figsize=figsize, dpi=dpi, blit=True)
    frames = []
    for t in sweeps:
        view.show(int(t))
        frames.append(palette_png(view.to_png(compress_level=1), colors))
    raw = _player_html(frames, interval_ms)
    if alt is None:
        what = run.label or f"{run.d}-D data"
        views = ("the density of each q(mu_k)" if run.d == 1
                 else "each variational mean m_k with a circle of radius s_k")
        alt = (f"CAVI on {what} with K = {run.K}, one frame per sweep: the data coloured by "
               f"their soft assignments, {views}, and the ELBO trace with the current sweep "
               "marked.")
    html = _clean(raw, alt=alt, sweeps=sweeps, run=run)
    stepper = CaviStepper(html, run, sweeps)
    if stepper.nbytes > max_bytes:
        raise ValueError(f"the stepper would be {stepper.nbytes / 1e6:.2f} MB > max_bytes = "
                         f"{max_bytes / 1e6:.2f} MB: lower max_frames or dpi")
    return stepper


def cavi_stepper(x, K, sigma, *, lam=1.0, seed=None, true_mu=None, label="", max_iter=200,
                 tol=1e-8, **options) -> CaviStepper:
    """Run CAVI once and return a static stepper through its sweeps.

    Parameters
    ----------
    x : array, shape (n,) or (n, 2)
    K : int
    sigma, lam : float
        As in :func:`vilib.cavi`.
    seed : int or None
        Random state of the k-means++ seeding (the run is ``vilib.cavi(x, K, sigma, seed=seed)``).
    true_mu : array, optional
        True means to draw (simulated data).
    label : str
        Short description of the data, shown in the frame titles.
    max_iter, tol :
        As in :func:`vilib.cavi`.
    **options :
        ``max_frames``, ``figsize``, ``dpi``, ``interval_ms``, ``colors``, ``max_bytes``, ``alt``
        of :func:`stepper_from_run`.

    Returns
    -------
    CaviStepper
        Displays as the stepper in Jupyter and in the built book; ``.html`` is the HTML.
    """
    run = record_cavi(x, K, sigma, lam=lam, seed=seed, max_iter=max_iter, tol=tol,
                      true_mu=true_mu, label=label)
    return stepper_from_run(run, **options)
