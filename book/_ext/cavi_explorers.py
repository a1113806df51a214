"""Sphinx extension: the book's live explorers, run in the reader's browser with no kernel.

A chapter asks for one with a directive (MyST colon fence)::

    :::{live-explorer} cavi
    :data: sim1
    :::

Kinds: ``cavi`` (the CAVI explorer; ``:data:`` picks the first data set: ``sim1``, ``sim2``,
``galaxies`` or ``faithful``), ``generative`` ("The generative model") and ``phi`` ("The phi
update"). The directive writes the explorer's container and, once per page, the ``<link>``
and ``<script defer>`` tags of the files it needs, with URLs relative to the page (so the
page also works opened from the file system). The scripts live in ``book/_explorers`` and
are copied to ``_build/html/_explorers`` when the build ends: NOT under ``_static``, whose
every ``.js``/``.css`` Jupyter Book 1 adds to every page.

The real data sets come from :mod:`vilib.datasets` at build time: the raw values with the
loader's centre and scale (shortest round-trip decimals), standardized in the page as the
loader does, ``(v - center) / scale``, so the page's data equal ``load_*().x`` bit for bit.

Registered in ``_config.yml`` (``sphinx: local_extensions`` and the ``extensions`` list).
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import numpy as np
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

SOURCE = Path(__file__).resolve().parents[1] / "_explorers"
#: Folder of the site the files are copied to.
TARGET = "_explorers"
ENGINE = ["cavi-engine.js"]
KIT = ["explorer-kit.js"]
#: The files each kind of explorer loads, in order (the stylesheet first).
FILES = {
    "cavi": ["explorers.css", *ENGINE, *KIT, "cavi-explorer.js"],
    "generative": ["explorers.css", *KIT, "generative-explorer.js"],
    "phi": ["explorers.css", *ENGINE, *KIT, "phi-explorer.js"],
}
DATA_CHOICES = ("sim1", "sim2", "galaxies", "faithful")

#: What the page says under each explorer's controls.
NOTES = {
    "cavi": ("Live: this explorer runs CAVI in your browser (the page's own JavaScript engine, "
             "checked against <code>vilib.cavi</code> by the book's tests). Simulated data come "
             "from the page's own seeded random generator, not NumPy's: a seed gives the same "
             "data here every time, but not the data of <code>vilib.simulate</code>. The real "
             "data sets are standardized as in the book."),
    "generative": ("Live: each change draws a new sample in your browser with the page's own "
                   "seeded random generator (not NumPy's, so a seed does not give the data of "
                   "<code>vilib.simulate</code>); the likelihood sd is \u03bb = 1."),
    "phi": ("Live: one point x\u1d62 and K means m\u2096 with variances s\u2096\u00b2, "
            "\u03bb = 1. The responsibilities are computed in your browser by the same "
            "JavaScript engine as the CAVI explorer, with the log-sum-exp shift."),
}


def _num(v: float) -> str:
    """Shortest decimal that reads back as the same double (``9172.0`` -> ``9172``)."""
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


def explorer_datasets() -> dict:
    """The CAVI explorer's data menu, from :mod:`vilib.datasets` (the Jupyter explorer's menu).

    ``sim1``, ``sim2``: the simulated choices (label, dimension, starting K, sigma, lam; the
    page simulates them). ``galaxies``, ``faithful``: the real sets, with their raw values,
    the loader's centre and scale, and the settings suited to them.
    """
    from vilib import datasets

    out = {}
    for (label, d), key in zip(datasets.SIMULATED.items(), ("sim1", "sim2")):
        out[key] = {"label": label, "d": d, **datasets.SIMULATED_SETTINGS}
    for label, (loader, settings) in datasets.REAL.items():
        data, raw = loader(), loader(standardize=False).x
        raw = raw.reshape(len(raw), -1)
        out[data.name] = {"label": label, "d": raw.shape[1], **settings,
                          "center": np.atleast_1d(data.center).tolist(),
                          "scale": np.atleast_1d(data.scale).tolist(),
                          "raw": raw.ravel().tolist()}
    return out


def _datasets_json() -> str:
    parts = []
    for key, s in explorer_datasets().items():
        fields = [f'"label":{json.dumps(s["label"])}', f'"d":{s["d"]}', f'"K":{s["K"]}',
                  f'"sigma":{_num(s["sigma"])}', f'"lam":{_num(s["lam"])}']
        for name in ("center", "scale", "raw"):
            if name in s:
                fields.append(f'"{name}":[' + ",".join(map(_num, s[name])) + "]")
        parts.append(f'"{key}":{{' + ",".join(fields) + "}")
    return "{" + ",".join(parts) + "}"


class LiveExplorer(SphinxDirective):
    """``live-explorer KIND``: one explorer container plus (once per page) its files."""

    required_arguments = 1
    option_spec = {"data": directives.unchanged, "k": directives.positive_int,
                   "sigma": directives.unchanged, "lam": directives.unchanged,
                   "n": directives.positive_int, "seed": directives.nonnegative_int}

    def run(self):
        kind = self.arguments[0].strip()
        if kind not in FILES:
            raise self.error(f"live-explorer: kind must be one of {sorted(FILES)}, got {kind!r}")
        attrs = f'data-kind="{kind}"'
        inner = f'<p class="cavi-note">{NOTES[kind]}</p>'
        if kind == "cavi":
            data = self.options.get("data", "sim1")
            if data not in DATA_CHOICES:
                raise self.error(f"live-explorer: data must be one of {DATA_CHOICES}, got {data!r}")
            attrs += f' data-data="{data}"'
            for key in ("k", "sigma", "lam", "n", "seed"):
                if key in self.options:
                    value = float(self.options[key])
                    if not value > 0 and key != "seed":
                        raise self.error(f"live-explorer: {key} must be > 0, got {value!r}")
                    attrs += f' data-{key}="{_num(value)}"'
            inner += ('<script type="application/json" class="cavi-datasets">'
                      + _datasets_json() + "</script>")
        inner += ("<noscript><p>This explorer runs in JavaScript, which is off in this browser; "
                  "the chapter's notebook has the same explorer for Jupyter.</p></noscript>")
        out = f'<div class="cavi-live" {attrs}>{inner}</div>\n'

        loaded = self.env.temp_data.setdefault("cavi_explorer_files", set())
        page = self.env.app.builder.get_target_uri(self.env.docname)
        for name in FILES[kind]:
            if name in loaded:
                continue
            loaded.add(name)
            url = html.escape(relative_uri(page, f"{TARGET}/{name}"))
            out += (f'<link rel="stylesheet" href="{url}">\n' if name.endswith(".css")
                    else f'<script defer src="{url}"></script>\n')
        return [nodes.raw("", out, format="html")]


def copy_files(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / TARGET
    target.mkdir(parents=True, exist_ok=True)
    for name in sorted({n for files in FILES.values() for n in files}):
        shutil.copyfile(SOURCE / name, target / name)


def setup(app: Sphinx) -> dict:
    app.add_directive("live-explorer", LiveExplorer)
    app.connect("build-finished", copy_files)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
