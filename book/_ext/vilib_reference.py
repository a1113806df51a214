"""Sphinx extension: the library reference knows where the book derives each function.

d2l's "Defined in" idea, both ways round:

* every documented vilib function listed in :data:`BOOK_LINKS` gets a last paragraph
  "Derived in: <chapter>, equation (n)" (``autodoc-process-docstring``), so the reference
  page points to the derivation;
* the ``vilib-by-chapter`` directive lists, per chapter, the functions that implement it,
  so a reader of a chapter finds its code.

Registered in ``_config.yml`` (``sphinx: local_extensions`` and the ``extensions`` list).
"""

from __future__ import annotations

from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.application import Sphinx

#: Chapter label (MyST target) -> the functions that implement it: (qualified name, equation label or None).
BY_CHAPTER: dict[str, list[tuple[str, str | None]]] = {
    "ch-generative-model": [("vilib.model.simulate", "eq-model-d")],
    "ch-joint-density": [("vilib.model.log_joint", "jd-log-joint-explicit")],
    "ch-kl-to-elbo": [("vilib.baselines.evidence.log_evidence", "kl-evidence"),
                      ("vilib.experiments.cost.log_evidence_grid", "kl-evidence")],
    "ch-expected-loglik": [("vilib.experiments.montecarlo.mc_expected_log_lik", "ell-closed-form")],
    "ch-phi-update": [("vilib.core.updates.update_phi", "phi-update"),
                      ("vilib.core.updates.logits", "phi-shift"),
                      ("vilib.core.updates.phi_step", "phi-shift"),
                      ("vilib.teaching.checker.check_phi_logit", "phi-elbo-a")],
    "ch-completing-square": [("vilib.core.updates.update_mu", "sq-update"),
                             ("vilib.core.updates.mu_from_stats", "sq-update-d"),
                             ("vilib.teaching.checker.check_s2_update", "sq-update"),
                             ("vilib.teaching.checker.check_m_update", "sq-update")],
    "ch-cavi-algorithm": [("vilib.core.cavi.cavi", None),
                          ("vilib.core.elbo.elbo", "cavi-elbo-closed"),
                          ("vilib.core.elbo.elbo_terms", "cavi-elbo"),
                          ("vilib.teaching.pitfalls.tutorial_elbo_with_bug", "cavi-bug")],
    "ch-d-dimensions": [("vilib.core.updates.update_phi", "dd-phi-update"),
                        ("vilib.core.updates.update_mu", "dd-mu-update")],
    "ch-exact-posterior": [("vilib.baselines.exact.exact_posterior", "ep-mixture"),
                           ("vilib.baselines.exact.kl_to_posterior", "ep-gap")],
    "ch-gibbs": [("vilib.baselines.gibbs.gibbs", None),
                 ("vilib.baselines.gibbs.sample_assignments", "gb-c-cond"),
                 ("vilib.baselines.gibbs.sample_means", "gb-mu-cond"),
                 ("vilib.experiments.accuracy.gibbs_accuracy", None),
                 ("vilib.experiments.accuracy.cavi_accuracy", None)],
    "ch-local-optima": [("vilib.core.restarts.cavi_restarts", "lo-restarts"),
                        ("vilib.core.init.initial_means", "lo-forgy"),
                        ("vilib.core.init.kmeans_plus_plus", None)],
    "ch-real-data": [("vilib.datasets.load_galaxies", "rd-standardize"),
                     ("vilib.datasets.load_faithful", "rd-standardize"),
                     ("vilib.experiments.modelcheck.elbo_grid", None)],
    "ch-scaling": [("vilib.baselines.svi.svi", "scale-step"),
                   ("vilib.baselines.svi.natural_params", "scale-natural"),
                   ("vilib.baselines.svi.intermediate_params", "scale-unbiased"),
                   ("vilib.baselines.svi.step_sizes", "scale-rm"),
                   ("vilib.experiments.race.race", None)],
}


def _links_by_function() -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for chapter, functions in BY_CHAPTER.items():
        for name, eq in functions:
            out.setdefault(name, []).append((chapter, eq))
    return out


def _add_derived_in(app, what, name, obj, options, lines):
    links = _links_by_function().get(name)
    if not links or what not in ("function", "class"):
        return
    parts = [f":ref:`{chapter}`" + (f", equation :eq:`{eq}`" if eq else "") for chapter, eq in links]
    lines.extend(["", "**Derived in** " + "; ".join(parts) + "."])


class ByChapter(Directive):
    """``vilib-by-chapter``: per chapter, the library functions that implement it."""

    has_content = False

    def run(self):
        lines = []
        for chapter, functions in BY_CHAPTER.items():
            items = ", ".join(f":py:func:`~{name}`" + (f" (:eq:`{eq}`)" if eq else "")
                              for name, eq in functions)
            lines.append(f"* :ref:`{chapter}`: {items}")
        node_list = StringList(lines, source="vilib-by-chapter")
        from docutils import nodes

        container = nodes.container(classes=["vilib-by-chapter"])
        self.state.nested_parse(node_list, self.content_offset, container)
        return [container]


def _resolve_vilib_name(app, env, node, contnode):
    """Resolve docstring cross-references written the way a reader writes them.

    Docstrings say :func:`vilib.cavi` (the public top-level name), or a bare
    :func:`gibbs_accuracy` for a function of a sibling module; autodoc documents each object
    where it is defined (``vilib.core.cavi.cavi``). Map the name to that place: through the
    object's ``__module__``/``__qualname__`` when it imports, else by a unique suffix match
    among the documented objects. Anything else stays unresolved (and fails the build).
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    domain = env.get_domain("py")
    candidates = []
    if target.startswith("vilib"):
        import importlib

        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            module = getattr(obj, "__module__", None)
            qualname = getattr(obj, "__qualname__", None)
            if module and qualname and module.startswith("vilib"):
                candidates.append(f"{module}.{qualname}")
            if cut < len(parts) and module is None:
                candidates.append(".".join(parts))
            break
    objects = domain.data.get("objects", {})
    if not candidates:
        suffix = "." + target
        found = [name for name in objects if name.endswith(suffix) and name.startswith("vilib.")]
        if len(found) == 1:
            candidates = found
    for name in candidates:
        if name in objects:
            ref = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                      name, node, contnode)
            if ref is None:                  # e.g. :func: naming a class or an attribute
                found = domain.resolve_any_xref(env, node["refdoc"], app.builder, name, node, contnode)
                ref = found[0][1] if found else None
            return ref
    return None


def setup(app: Sphinx):
    app.connect("autodoc-process-docstring", _add_derived_in)
    app.connect("missing-reference", _resolve_vilib_name)
    app.add_directive("vilib-by-chapter", ByChapter)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
