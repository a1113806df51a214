"""Live controls for Jupyter (requires ipywidgets and matplotlib: ``pip install "cavi-vilib[widgets]"``).

Nothing here is imported by ``import vilib``. The explorer renders with the Agg
canvas into an :class:`ipywidgets.Image`, so it works the same in Jupyter and
when driven programmatically (tests), without pyplot state.

How it stays quick (benchmarks/bench_widgets.py measures it): the picture is a
:class:`vilib.viz.model.GenerativeFigure`, made once; a change moves the new sample
into its artists and renders one PNG. Continuous sliders need no extra debounce:
ipywidgets' front end keeps at most one update message in flight and merges the values
moved meanwhile into the next one, so a drag never queues stale redraws in the kernel.
"""

from __future__ import annotations

import ipywidgets as widgets

from .._validation import check_int, check_positive
from ..model import simulate
from ..viz.model import GenerativeFigure

#: The parameters of the generative-model chapter's static figure.
GENERATIVE_DEFAULTS = {"K": 3, "sigma": 3.0, "n": 500, "seed": 2017}

#: Bounds of the controls (``K`` beyond 8 would repeat colours of the palette).
K_MAX, N_MAX = 8, 5000
FIGSIZE = (7.0, 3.6)
#: CSS pixels per inch at which the picture is shown (its width is FIGSIZE[0] * DPI px).
DPI = 90


class GenerativeModelExplorer:
    """Resample from the model and redraw whenever a control changes.

    Attributes
    ----------
    controls : dict of ipywidgets
        ``"K"``, ``"sigma"``, ``"n"``, ``"seed"``.
    data : vilib.SimulatedData
        The current draw.
    view : vilib.viz.model.GenerativeFigure
        The picture, made once and updated in place.
    figure, ax, bars, mixture, means, components
        The view's figure and artists (see :class:`~vilib.viz.model.GenerativeFigure`).
    image : ipywidgets.Image
        The rendered PNG.
    widget : ipywidgets.VBox
        Controls plus picture; what Jupyter displays.
    renders : int
        How many pictures have been rendered (one per change).
    """

    #: The slider ranges: a value outside is refused (a slider would silently clip it).
    RANGES = {"K": (1, K_MAX), "sigma": (0.1, 10.0), "n": (1, N_MAX)}

    #: The PNG has this many pixels per CSS pixel (2: sharp on high-density screens).
    pixel_ratio = 2

    def __init__(self, K=3, sigma=3.0, n=500, seed=2017):
        K = check_int("K", K)
        n = check_int("n", n)
        sigma = check_positive("sigma", sigma)
        seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
        for name, value in (("K", K), ("sigma", sigma), ("n", n)):
            lo, hi = self.RANGES[name]
            if not lo <= value <= hi:
                raise ValueError(f"{name} must be in [{lo:g}, {hi:g}] (the slider's range), "
                                 f"got {value!r}")
        style = {"description_width": "initial"}
        self.controls = {
            "K": widgets.IntSlider(value=K, min=1, max=K_MAX, description="clusters K",
                                   style=style),
            "sigma": widgets.FloatSlider(value=sigma, min=0.1, max=10.0, step=0.1,
                                         description="prior spread σ", style=style),
            "n": widgets.IntSlider(value=n, min=1, max=N_MAX, step=1, description="points n",
                                   style=style),
            "seed": widgets.IntText(value=seed, description="seed", style=style),
        }
        self.view = GenerativeFigure(K_MAX, figsize=FIGSIZE, dpi=DPI * self.pixel_ratio)
        v = self.view
        self.figure, self.ax, self.bars = v.figure, v.ax, v.bars
        self.mixture, self.means, self.components = v.mixture, v.means, v.components
        self.image = widgets.Image(format="png",
                                   layout=widgets.Layout(width=f"{round(FIGSIZE[0] * DPI)}px",
                                                         max_width="100%", height="auto"))
        self.data = None
        self.renders = 0
        self.redraw()
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.controls["K"], self.controls["sigma"]]),
            widgets.HBox([self.controls["n"], self.controls["seed"]]),
            self.image,
        ])

    @property
    def params(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self, change=None):
        """Draw a fresh sample with the current control values and re-render the picture."""
        p = self.params
        self.data = simulate(int(p["n"]), int(p["K"]), float(p["sigma"]), seed=int(p["seed"]))
        self.view.update(self.data)
        self.image.value = self.view.png()
        self.renders += 1

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def generative_model_explorer(**overrides) -> GenerativeModelExplorer:
    """Sliders for ``K``, ``sigma``, ``n`` and ``seed`` that resample ``vilib.simulate`` live.

    Display the returned object in Jupyter (make it the last line of a cell).
    Defaults are those of the chapter's static figure, :data:`GENERATIVE_DEFAULTS`.
    """
    params = {**GENERATIVE_DEFAULTS, **overrides}
    return GenerativeModelExplorer(**params)
