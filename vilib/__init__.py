"""vilib: coordinate ascent variational inference for a Bayesian mixture of Gaussians.

The library behind *CAVI, step by step* (cavi-book). The model and notation are
those of Blei, Kucukelbir & McAuliffe (2017), "Variational Inference: A Review
for Statisticians", sec. 3::

    mu_k ~ N(0, sigma^2 I_d)            k = 1..K
    c_i  ~ Categorical(1/K, ..., 1/K)   i = 1..n
    x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d)

    q(mu_k) = N(m_k, s2_k I_d),  q(c_i) = Categorical(phi_i)

The package's folders are its architecture; imports only point down the list:

=====================  ==================================================================
``vilib.model``        ``simulate``, ``log_joint`` (the only log joint)
``vilib.datasets``     the real data sets (``vilib/data/``) and the explorers' data menu
``vilib.core``         what the book derives: the two updates, the ELBO, starting points
                       (one ``init`` vocabulary), the CAVI loop, restarts
``vilib.baselines``    what CAVI is measured against: exact evidence and posterior,
                       Gibbs sampling, SVI (and minibatch streams)
``vilib.experiments``  side-by-side runs the chapters show: accuracy against time, the
                       CAVI/SVI race, the cost of exact evidence, model checks, Monte Carlo
``vilib.teaching``     SymPy checks, the answer checker, known pitfalls, display helpers
``vilib.viz``          matplotlib: one style module, figures by what they draw, the
                       recorded run and its figure, the static stepper
``vilib.widgets``      ipywidgets explorers for Jupyter
=====================  ==================================================================

``import vilib`` loads NumPy and SciPy only (the model, core and baselines); the other
layers are imported when used and need the extras (matplotlib, SymPy, ipywidgets).
"""

from . import datasets
from .baselines.evidence import log_evidence
from .baselines.exact import ExactPosterior, exact_posterior, kl_to_posterior
from .baselines.gibbs import GibbsResult, gibbs
from .baselines.svi import SviResult, svi
from .core.cavi import CaviResult, CaviStep, cavi
from .core.elbo import elbo, elbo_terms
from .core.restarts import cavi_restarts
from .core.updates import update_mu, update_phi
from ._validation import InputTypeError
from .model import SimulatedData, log_joint, simulate

__all__ = [
    "CaviResult", "CaviStep", "SimulatedData",
    "cavi", "elbo", "elbo_terms", "log_evidence", "log_joint", "simulate",
    "update_mu", "update_phi",
    "ExactPosterior", "exact_posterior", "kl_to_posterior",
    "GibbsResult", "gibbs", "datasets",
    "SviResult", "svi", "cavi_restarts", "InputTypeError",
]
__version__ = "0.1.0"
