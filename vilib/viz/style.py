"""The book's figure style: one palette, one way to make a figure (requires matplotlib).

matplotlib comes with the ``plot`` extra: ``pip install "cavi-vilib[plot]"``.

Colours are the Okabe–Ito palette, which stays distinguishable under the common
forms of colour blindness, extended to ten cluster colours. Figures have a white
face colour so that they stay legible when the book is read in dark mode. Every
figure module of ``vilib.viz`` makes its figures with :func:`subplots` or
:func:`axes_for`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb

from .._validation import check_int

#: The book's matplotlib settings, applied when this module is imported (every figure module
#: of ``vilib.viz`` imports it). Legends and tick labels are as large as the axis labels, so
#: that a figure scaled down to the text column keeps legible small text.
BOOK_RC = {
    "font.size": 11.0,
    "axes.titlesize": 11.0,
    "axes.labelsize": 11.0,
    "legend.fontsize": 10.5,
    "xtick.labelsize": 10.0,
    "ytick.labelsize": 10.0,
    "figure.facecolor": "white",
}


def figure_png_2x(fig) -> tuple[bytes, dict]:
    """A figure as a PNG with twice its pixels (shown at its 1x size: sharp on high-density
    screens), reduced to a 256-colour palette (a third of the bytes; plots have few colours).
    Returns ``(png_bytes, {"width": w, "height": h})``, the form an IPython formatter returns."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    fig.canvas.print_figure(buffer, format="png", dpi=2 * fig.dpi, bbox_inches="tight",
                            facecolor=fig.get_facecolor())
    image = Image.open(buffer).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    palette_image = flat.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette_image.save(out, format="PNG", optimize=True)
    return out.getvalue(), {"width": image.width // 2, "height": image.height // 2}


def use_book_style() -> None:
    """Apply :data:`BOOK_RC`; in a Jupyter kernel, show figures with :func:`figure_png_2x`."""
    import matplotlib

    matplotlib.rcParams.update(BOOK_RC)
    try:
        from IPython import get_ipython
    except ImportError:      # matplotlib without IPython: nothing to configure
        return
    shell = get_ipython()
    if shell is None or "inline" not in matplotlib.get_backend():
        return
    # the inline backend sets its figure formatters once, when its module is first imported
    import matplotlib_inline.backend_inline  # noqa: F401
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    for mime in ("image/png", "image/jpeg", "image/svg+xml", "application/pdf"):
        formatters[mime].pop(Figure, None)
    formatters["image/png"].for_type(Figure, figure_png_2x)


use_book_style()

#: Okabe & Ito (2008) colour-blind-safe palette, black moved last (clusters first).
OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)


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


def cluster_colors(K: int) -> list[str]:
    """``K`` cluster colours as hex strings: :data:`CLUSTER_COLOURS`, cycled when ``K > 10``."""
    return [CLUSTER_COLOURS[k % len(CLUSTER_COLOURS)] for k in range(K)]


def subplots(nrows: int = 1, ncols: int = 1, figsize=(7.0, 3.4), **kwargs):
    """A new pyplot figure with a white face and a 2-D array of axes ``(nrows, ncols)``."""
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, facecolor="white", squeeze=False, **kwargs)


def figure_row(ncols: int = 1, figsize=(7.0, 3.4)):
    """A new figure with one row of ``ncols`` axes: ``(fig, axes)`` with ``axes`` 1-D."""
    fig, axes = subplots(1, ncols, figsize=figsize)
    return fig, axes[0]


def axes_for(ax, figsize):
    """``(fig, ax)``: the given axes and their figure, or a new single-axes figure."""
    if ax is not None:
        return ax.figure, ax
    fig, axes = subplots(1, 1, figsize=figsize)
    return fig, axes[0, 0]

