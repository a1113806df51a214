"""Sphinx extension: keep `_build/jupyter_execute/*.ipynb` complete under `execute_notebooks: cache`.

MyST-NB 1.4 writes the executed copy of each notebook to `_build/jupyter_execute`, but on a
cache *hit* it writes the notebook without its outputs (it merges the cached outputs into a
new object and saves the old one). `make test` validates those copies with nbval, so after
the build this extension merges the cached outputs back into every copy that lacks them,
using jupyter-cache's own matching. Fresh executions are left untouched.
"""

from __future__ import annotations

from pathlib import Path

import nbformat


def _has_outputs(nb) -> bool:
    return any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def complete_executed_notebooks(app, exception) -> None:
    if exception is not None or app.config.nb_execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    cache_path = app.config.nb_execution_cache_path or str(
        Path(app.outdir).parent / ".jupyter_cache")
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    if not Path(cache_path).is_dir() or not executed_dir.is_dir():
        return
    cache = get_cache(cache_path)
    for path in sorted(executed_dir.rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if not any(c.cell_type == "code" for c in nb.cells) or _has_outputs(nb):
            continue
        try:
            _, merged = cache.merge_match_into_notebook(nb)
        except KeyError:
            continue  # not in the cache: nothing to merge (the site test will notice)
        nbformat.write(merged, path)


def setup(app):
    app.connect("build-finished", complete_executed_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
