"""Sphinx extension: each chapter page offers its notebook in two editions (.ipynb).

Chapters are MyST Markdown notebooks, so sphinx-book-theme's download menu offers the
``.md`` source and a print-to-PDF only: it adds a ``.ipynb`` entry just when a launch
service (Binder, JupyterHub, Colab, thebe) is configured, and this book has none, since
the site makes no outside request. This extension does the job without one:

* for each notebook page, a line under the page title links two downloads (with the
  ``download`` attribute): the **student edition** ``<chapter>-student.ipynb`` (exercises
  with empty answer cells, no solutions) and the **instructor edition**
  ``<chapter>-instructor.ipynb`` (with the solutions). ``ipynb_source`` is set in the page
  context, so the theme's download menu (whose handler runs after this one: priority 501)
  lists the instructor edition next to ``.md`` and ``.pdf``;
* when the build has finished, each executed notebook MyST-NB wrote to
  ``_build/jupyter_execute/<page>.ipynb`` is turned into the two editions by
  :mod:`notebook_editions` (plain Jupyter Markdown: numbers, references and citations filled
  in from this build, solutions as collapsible blocks or removed, outputs that need a running
  kernel replaced by a hint) and written to ``_build/html/_sources/<page>-<edition>.ipynb``.
  The executed notebooks themselves are left as they are (nbval validates them). The work
  waits for the end of the build because, on a cache hit, ``cavi_executed_notebooks`` puts
  the outputs back into the executed notebooks only then.

Registered in ``_config.yml`` (``sphinx: local_extensions`` and the ``extensions`` list).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from docutils.nodes import make_id

from notebook_editions import EDITIONS, References, UnknownSyntax, make_edition

#: The class of the line with the links (the site tests find it by this).
LINK_CLASS = "ipynb-download"

#: The distribution name of vilib (PyPI's ``vilib`` is another package).
DISTRIBUTION = "cavi-vilib"


def edition_name(pagename: str, edition: str) -> str:
    """``book/gibbs`` -> ``book/gibbs-student.ipynb``."""
    return f"{pagename}-{edition}.ipynb"


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
    context["ipynb_source"] = edition_name(pagename, "instructor")   # the theme's menu
    base = context["pathto"]("_sources", 1)
    links = {}
    for edition in EDITIONS:
        name = edition_name(pagename, edition)
        links[edition] = (f'<a href="{html.escape(f"{base}/{name}")}" '
                          f'download="{html.escape(Path(name).name)}">{edition} edition</a>')
    link = (f'<p class="{LINK_CLASS}">Run this chapter in Jupyter: download the '
            f'{links["student"]} (exercises with answer cells, no solutions) or the '
            f'{links["instructor"]} (with solutions) as a notebook (.ipynb). It needs the '
            f'book\'s library: <code>pip install "{DISTRIBUTION}[book]"</code>.</p>\n')
    body = context.get("body", "")
    # right under the page title (the first </h1>), else at the top of the body
    context["body"], found = re.subn(r"</h1>", lambda m: m.group(0) + "\n" + link, body, count=1)
    if not found:
        context["body"] = link + body


# --------------------------------------------------------------------------- references


def _number(numbers) -> str:
    return ".".join(str(n) for n in numbers)


def _raw_titles(app: Sphinx) -> tuple[dict, dict]:
    """Headings as written in the sources (with their $math$): by label, and each doc's title."""
    by_label, by_doc = {}, {}
    for docname in app.env.found_docs:
        path = Path(app.env.doc2path(docname))
        if path.suffix != ".md" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^\(([^()\s]+)\)=[ \t]*\n#{1,6}[ \t]+(.+?)[ \t]*$", text, re.M):
            by_label[m.group(1)] = m.group(2)
        m = re.search(r"^#[ \t]+(.+?)[ \t]*$", text, re.M)
        if m:
            by_doc[docname] = m.group(1)
    return by_label, by_doc


def _bibliography(app: Sphinx):
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin
    from pybtex.richtext import Text

    entries = {}
    for name in app.config.bibtex_bibfiles:
        entries.update(parse_file(str(Path(app.srcdir, name))).entries)
    style = find_plugin("pybtex.style.formatting", "unsrt")()

    def names(key: str) -> str:
        entry = entries[key]
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text")
                for p in people]
        if not last:
            raise ExtensionError(f"ipynb_download: {key} has no author or editor")
        if len(last) == 1:
            return last[0]
        if len(last) == 2:
            return f"{last[0]} and {last[1]}"
        return f"{last[0]} et al."

    def cite(keys, textual: bool) -> str:
        missing = [k for k in keys if k not in entries]
        if missing:
            raise UnknownSyntax(f"citation keys not in the bibliography: {missing}")
        years = [entries[k].fields.get("year", "n.d.") for k in keys]
        if textual:
            return "; ".join(f"{names(k)} ({y})" for k, y in zip(keys, years))
        return "(" + "; ".join(f"{names(k)}, {y}" for k, y in zip(keys, years)) + ")"

    def bibliography(keys) -> str:
        formatted = style.format_entries([entries[k] for k in keys])
        return "\n".join(f"- {e.text.render_as('markdown').replace(chr(10), ' ')}"
                         for e in formatted)

    return cite, bibliography


def _literal(app: Sphinx, docname: str):
    from sphinx.directives.code import LiteralIncludeReader

    def literal(path: str, options: dict) -> str:
        opts = {k: yaml.safe_load(v) if v else True for k, v in options.items()}
        if "dedent" in opts:
            opts["dedent"] = int(opts["dedent"])
        source_dir = Path(app.env.doc2path(docname)).parent
        filename = (Path(app.srcdir) / path.lstrip("/")) if path.startswith("/") \
            else (source_dir / path)
        text, _ = LiteralIncludeReader(str(filename.resolve()), opts, app.config).read()
        return text

    return literal


def _install_text(version: str) -> str:
    wheel = f"cavi_vilib-{version}-py3-none-any.whl"
    return f"""**Before you run it:** this notebook needs *vilib*, the book's library (distribution
`{DISTRIBUTION}`, imported as `vilib`, Python 3.10 or newer), with the extras the chapters use
(SymPy, matplotlib, ipywidgets). In Jupyter, Colab or VS Code, run once in a cell

```
%pip install "{DISTRIBUTION}[book]"
```

or, with the wheel that `make dist` builds in the book's repository (`dist/{wheel}`),
`%pip install "{wheel}[book]"`. Then restart the kernel and run the notebook from the top
(*Run All*): every number, figure and check below is computed by its cells."""


def _shared_references(app: Sphinx) -> dict:
    env = app.env
    fignumbers = env.toc_fignumbers
    equations = {}
    for label, (docname, _) in env.get_domain("math").equations.items():
        numbers = fignumbers.get(docname, {}).get("displaymath", {}).get(
            make_id(f"equation-{label}"))
        if numbers:
            eqno = _number(numbers)
            equations[label] = app.config.math_numsep.join(eqno.rsplit(".", 1))
    std = env.get_domain("std")
    numbered = {}
    for label, (docname, labelid) in std.anonlabels.items():
        for kind, ids in fignumbers.get(docname, {}).items():
            if kind != "displaymath" and labelid in ids:
                numbered[label] = (kind, _number(ids[labelid]))
                break
    raw_by_label, raw_by_doc = _raw_titles(app)
    titles = {label: raw_by_label.get(label, sectname)
              for label, (_, _, sectname) in std.labels.items() if sectname}
    docs = {d: raw_by_doc.get(d, env.titles[d].astext()) for d in env.found_docs
            if d in env.titles}
    from vilib import __version__
    from vilib.teaching.checker import QUESTIONS
    cite, bibliography = _bibliography(app)
    return dict(equations=equations, numbers=numbered, titles=titles, docs=docs,
                numfig_format=dict(app.config.numfig_format), cite=cite,
                bibliography=bibliography, questions=tuple(QUESTIONS),
                install=_install_text(__version__))


def write_editions(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from myst_nb.core.variables import format_plain_text

    source_dir = _executed_dir(app)
    shared = _shared_references(app)
    missing, problems = [], []
    # every notebook page, also those not rewritten in this (incremental) build
    for pagename in sorted(p for p in app.env.found_docs if _is_notebook(app, p)):
        source = source_dir.joinpath(*pagename.split("/")).with_suffix(".ipynb")
        if not source.is_file():
            missing.append(str(source))
            continue
        nb = json.loads(source.read_text(encoding="utf-8"))
        glue_file = source.with_name(source.stem + ".glue.json")
        glue = {}
        if glue_file.is_file():
            glue = {k: "".join(v["data"]["text/plain"]) if isinstance(v["data"]["text/plain"],
                                                                     list)
                    else v["data"]["text/plain"]
                    for k, v in json.loads(glue_file.read_text(encoding="utf-8")).items()
                    if "text/plain" in v.get("data", {})}
        secnumber = app.env.toc_secnumbers.get(pagename, {}).get("")
        title = shared["docs"].get(pagename, pagename)
        chapter = f"Chapter {_number(secnumber)}: {title}" if secnumber else title
        refs = References(glue=glue, docname=pagename, chapter=chapter,
                          literal=_literal(app, pagename), format_glue=format_plain_text,
                          **shared)
        for edition in EDITIONS:
            try:
                out = make_edition(nb, refs, edition)
            except UnknownSyntax as exc:
                problems.append(f"{pagename} ({edition}): {exc}")
                continue
            target = Path(app.outdir, "_sources", edition_name(pagename, edition))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")
    if missing:
        raise ExtensionError(f"ipynb_download: no executed notebook at {', '.join(missing)}")
    if problems:
        raise ExtensionError("ipynb_download: " + "; ".join(problems))


def setup(app: Sphinx) -> dict:
    # 500 < 501, the priority of sphinx-book-theme's add_header_buttons (reads ipynb_source)
    app.connect("html-page-context", add_download_link, priority=500)
    # after cavi_executed_notebooks (default priority 500) has completed the executed copies
    app.connect("build-finished", write_editions, priority=900)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
