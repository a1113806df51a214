"""Sphinx extension: each chapter page offers its executed notebook for download (.ipynb).

Chapters are MyST Markdown notebooks, so sphinx-book-theme's download menu offers the
``.md`` source and a print-to-PDF only: it adds a ``.ipynb`` entry just when a launch
service (Binder, JupyterHub, Colab, thebe) is configured, and this book has none, since
the site makes no outside request. This extension does the same job without one:

* for each notebook page, ``ipynb_source`` is set in the page context, so the theme's
  download menu (whose handler runs after this one: priority 501) lists ``.ipynb`` next
  to ``.md`` and ``.pdf``, and a one-line link with the ``download`` attribute is
  inserted under the page title, so a reader sees it without opening the menu;
* when the build has finished, the executed notebook MyST-NB wrote to
  ``_build/jupyter_execute/<page>.ipynb`` is copied to ``_build/html/_sources/<page>.ipynb``
  (the link's target). The copy waits for the end of the build because, on a cache hit,
  ``cavi_executed_notebooks`` puts the outputs back into those files only then.

Registered in ``_config.yml`` (``sphinx: local_extensions`` and the ``extensions`` list).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

#: The class of the inline link (the site tests find it by this).
LINK_CLASS = "ipynb-download"


def _is_notebook(app: Sphinx, pagename: str) -> bool:
    metadata = app.env.metadata.get(pagename)
    return metadata is not None and "kernelspec" in metadata


def _executed_dir(app: Sphinx) -> Path:
    config = getattr(app.env, "mystnb_config", None)
    folder = getattr(config, "output_folder", None)
    return Path(folder) if folder else Path(app.outdir).parent / "jupyter_execute"


def add_download_link(app: Sphinx, pagename: str, templatename: str, context: dict,
                      doctree) -> None:
    if app.builder.format != "html" or doctree is None or not _is_notebook(app, pagename):
        return
    name = pagename + ".ipynb"
    context["ipynb_source"] = name          # the theme's download menu picks this up
    url = f"{context['pathto']('_sources', 1)}/{name}"
    link = (f'<p class="{LINK_CLASS}"><a href="{html.escape(url)}" '
            f'download="{html.escape(Path(name).name)}">Download this chapter as an executed '
            "Jupyter notebook (.ipynb)</a> to run and change it yourself.</p>\n")
    body = context.get("body", "")
    # right under the page title (the first </h1>), else at the top of the body
    context["body"], found = re.subn(r"</h1>", lambda m: m.group(0) + "\n" + link, body, count=1)
    if not found:
        context["body"] = link + body


def copy_notebooks(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source_dir = _executed_dir(app)
    missing = []
    # every notebook page, also those not rewritten in this (incremental) build
    for pagename in sorted(p for p in app.env.found_docs if _is_notebook(app, p)):
        source = source_dir.joinpath(*pagename.split("/")).with_suffix(".ipynb")
        if not source.is_file():
            missing.append(str(source))
            continue
        target = Path(app.outdir, "_sources", *pagename.split("/")).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    if missing:
        raise ExtensionError(f"ipynb_download: no executed notebook at {', '.join(missing)}")


def setup(app: Sphinx) -> dict:
    # 500 < 501, the priority of sphinx-book-theme's add_header_buttons (reads ipynb_source)
    app.connect("html-page-context", add_download_link, priority=500)
    # after cavi_executed_notebooks (default priority 500) has completed the executed copies
    app.connect("build-finished", copy_notebooks, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
