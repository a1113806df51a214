"""ipywidgets explorers for Jupyter: the generative model and CAVI."""

from .generative import GENERATIVE_DEFAULTS, GenerativeModelExplorer, generative_model_explorer

__all__ = ["GENERATIVE_DEFAULTS", "GenerativeModelExplorer", "generative_model_explorer"]
