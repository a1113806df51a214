"""vilib: coordinate ascent variational inference for a Bayesian mixture of Gaussians.

The library behind *CAVI, step by step* (cavi-book). The model and notation are
those of Blei, Kucukelbir & McAuliffe (2017), "Variational Inference: A Review
for Statisticians", sec. 3::

    mu_k ~ N(0, sigma^2 I_d)            k = 1..K
    c_i  ~ Categorical(1/K, ..., 1/K)   i = 1..n
    x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d)

    q(mu_k) = N(m_k, s2_k I_d),  q(c_i) = Categorical(phi_i)

Core (NumPy and SciPy only, imported by ``import vilib``):

- :mod:`vilib.model`: ``simulate``, ``log_joint``;
- :mod:`vilib.updates`: the two CAVI updates, ``update_phi`` and ``update_mu``;
- :mod:`vilib.elbo`: the full ELBO and its five terms;
- :mod:`vilib.cavi`: the algorithm (Blei et al.'s Algorithm 2);
- :mod:`vilib.evidence`, :mod:`vilib.exact`: exact ``log p(x)`` and posterior on tiny data;
- :mod:`vilib.gibbs`: a Gibbs sampler for the same model;
- :mod:`vilib.restarts`: several starts, keep the best ELBO;
- :mod:`vilib.svi`: stochastic variational inference;
- :mod:`vilib.datasets`: the book's real data sets (galaxies, Old Faithful).

For the book, imported only when used: :mod:`vilib.symbolic` and
:mod:`vilib.checker` (SymPy), the ``plot*`` modules (matplotlib),
:mod:`vilib.widgets` and :mod:`vilib.explorer` (ipywidgets),
:mod:`vilib.animation` (the static stepper), :mod:`vilib.pitfalls`
(known-wrong formulas kept for teaching).
"""

from .cavi import CaviResult, CaviStep, cavi
from .elbo import elbo, elbo_terms
from .evidence import log_evidence
from .exact import ExactPosterior, exact_posterior, kl_to_posterior
from .gibbs import GibbsResult, gibbs
from . import datasets
from .model import SimulatedData, log_joint, simulate
from .restarts import cavi_restarts
from .svi import SviResult, svi
from .updates import update_mu, update_phi

__all__ = [
    "CaviResult", "CaviStep", "SimulatedData",
    "cavi", "elbo", "elbo_terms", "log_evidence", "log_joint", "simulate",
    "update_mu", "update_phi",
    "ExactPosterior", "exact_posterior", "kl_to_posterior",
    "GibbsResult", "gibbs", "datasets",
    "SviResult", "svi", "cavi_restarts",
]
__version__ = "0.1.0"
