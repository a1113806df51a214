"""ipywidgets explorers for Jupyter: the generative model and CAVI."""
