"""Live controls for Jupyter (requires ipywidgets and matplotlib: ``pip install vilib[widgets]``).

Nothing here is imported by ``import vilib``. The explorers render with the Agg
canvas into an :class:`ipywidgets.Image`, so they work the same in Jupyter and
when driven programmatically (tests), without pyplot state.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .._validation import check_int, check_positive
from ..model import simulate
from ..viz.model import plot_generative_data

#: The parameters of the generative-model chapter's static figure.
GENERATIVE_DEFAULTS = {"K": 3, "sigma": 3.0, "n": 500, "seed": 2017}


class GenerativeModelExplorer:
    """Resample from the model and redraw whenever a control changes.

    Attributes
    ----------
    controls : dict of ipywidgets
        ``"K"``, ``"sigma"``, ``"n"``, ``"seed"``.
    data : vilib.SimulatedData
        The current draw.
    figure : matplotlib.figure.Figure
        The current picture (also rendered as PNG into ``image``).
    image : ipywidgets.Image
    widget : ipywidgets.VBox
        Controls plus picture; what Jupyter displays.
    """

    #: The slider ranges: a value outside is refused (a slider would silently clip it).
    RANGES = {"K": (1, 8), "sigma": (0.1, 10.0), "n": (1, 5000)}

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
            "K": widgets.IntSlider(value=K, min=1, max=8, description="clusters K", style=style),
            "sigma": widgets.FloatSlider(value=sigma, min=0.1, max=10.0, step=0.1,
                                         description="prior spread σ", style=style),
            "n": widgets.IntSlider(value=n, min=1, max=5000, step=1, description="points n",
                                   style=style),
            "seed": widgets.IntText(value=seed, description="seed", style=style),
        }
        self.figure = Figure(figsize=(7.0, 3.6), facecolor="white")
        FigureCanvasAgg(self.figure)
        self.image = widgets.Image(format="png")
        self.data = None
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
        self.figure.clear()
        plot_generative_data(self.data, ax=self.figure.add_subplot())
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=90, facecolor="white")
        self.image.value = buf.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def generative_model_explorer(**overrides) -> GenerativeModelExplorer:
    """Sliders for ``K``, ``sigma``, ``n`` and ``seed`` that resample ``vilib.simulate`` live.

    Display the returned object in Jupyter (make it the last line of a cell).
    Defaults are those of the chapter's static figure, :data:`GENERATIVE_DEFAULTS`.
    """
    params = {**GENERATIVE_DEFAULTS, **overrides}
    return GenerativeModelExplorer(**params)
