"""vilib: coordinate ascent variational inference for a Bayesian mixture of Gaussians.

The library behind *CAVI, step by step* (cavi-book). The model and notation are
those of Blei, Kucukelbir & McAuliffe (2017), "Variational Inference: A Review
for Statisticians", sec. 3::

    mu_k ~ N(0, sigma^2 I_d)            k = 1..K
    c_i  ~ Categorical(1/K, ..., 1/K)   i = 1..n
    x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d)

    q(mu_k) = N(m_k, s2_k I_d),  q(c_i) = Categorical(phi_i)

Modules: :mod:`vilib.model` (simulate, log joint), :mod:`vilib.updates` (the two
CAVI updates), :mod:`vilib.elbo`, :mod:`vilib.cavi` (the algorithm),
:mod:`vilib.evidence` (exact log p(x) on tiny data). Plotting, widgets and the
symbolic checks live in their own modules and are imported only when used.
"""

from .cavi import CaviResult, CaviStep, cavi
from .elbo import elbo, elbo_terms
from .evidence import log_evidence
from .exact import ExactPosterior, exact_posterior, kl_to_posterior
from .gibbs import GibbsResult, gibbs
from . import datasets
from .model import SimulatedData, log_joint, simulate
from .svi import SviResult, svi
from .updates import update_mu, update_phi

__all__ = [
    "CaviResult", "CaviStep", "SimulatedData",
    "cavi", "elbo", "elbo_terms", "log_evidence", "log_joint", "simulate",
    "update_mu", "update_phi",
    "ExactPosterior", "exact_posterior", "kl_to_posterior",
    "GibbsResult", "gibbs", "datasets",
    "SviResult", "svi",
]
__version__ = "0.1.0"
