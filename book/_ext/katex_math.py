"""Sphinx extension: typeset all math at build time with KaTeX (no MathJax in the browser).

Every ``math`` and ``math_block`` node (prose, titles, the sidebar, prev/next links, LaTeX
outputs of code cells) is rendered to HTML + MathML by one long-lived Node process
(``book/_ext/node/render_math.js``, KaTeX from the npm registry, installed by ``make venv``
with ``npm ci``). The page then only needs KaTeX's stylesheet (25 KB) and the fonts a page
uses (woff2, fetched on demand); no script typesets anything on a visit.

* Equation numbers and ``{eq}`` links are Sphinx's own (the ``eqno`` span and the anchor),
  exactly as with MathJax.
* Copying: the MathML carries the TeX as an ``annotation``, and KaTeX's ``copy-tex`` (1.7 KB)
  puts the TeX on the clipboard when a reader copies a formula.
* A formula KaTeX cannot parse fails the build (it is reported with its page and source).
* A ``{ref}`` to a title with math shows that title's typeset math, not its TeX as text.
* Where a title holds math, the places that can only show text (the tab title, the search
  index) get a plain-text form of the formula (its MathML text: ``\\varphi`` -> ``φ``).

Registered in ``_config.yml`` and selected with ``html_math_renderer = "katex_static"``.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "render_math.js"
KATEX_DIST = NODE_DIR / "node_modules" / "katex" / "dist"
STATIC_SUBDIR = "katex"        # _build/html/_static/katex/


class KatexRenderer:
    """One Node process for the whole build; answers are cached by (tex, display)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._cache: dict[tuple[str, bool], str] = {}
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        node = shutil.which("node")
        if node is None:
            raise ExtensionError("katex_math: `node` is not on PATH (Node 20 is needed to build)")
        if not (NODE_DIR / "node_modules" / "katex").is_dir():
            raise ExtensionError(f"katex_math: KaTeX is not installed in {NODE_DIR}: run "
                                 "`make venv` (it runs `npm ci` there)")
        return subprocess.Popen([node, str(SCRIPT)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, encoding="utf8", bufsize=1)

    def render(self, tex: str, display: bool, where: str = "") -> str:
        key = (tex, display)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            self._proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        if not line:
            raise ExtensionError("katex_math: the Node renderer stopped")
        answer = json.loads(line)
        if "error" in answer:
            logger.warning("KaTeX cannot render %r: %s", tex, answer["error"], location=where,
                           type="katex", subtype="error")
            return f'<span class="katex-error">{html_lib.escape(tex)}</span>'
        for warning in answer.get("warnings", ()):
            logger.warning("KaTeX: %s in %r", warning, tex, location=where, type="katex",
                           subtype="strict")
        with self._lock:
            self._cache[key] = answer["html"]
        return answer["html"]

    def close(self) -> None:
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None


RENDERER = KatexRenderer()


def _display_tex(node: nodes.math_block) -> str:
    """The TeX of a display, assembled the way sphinx.ext.mathjax does (blank lines = rows)."""
    if node["nowrap"]:
        return node.astext()
    parts = [p for p in node.astext().split("\n\n") if p.strip()]
    body = []
    for part in parts:
        # MathJax's `split` takes any number of column pairs; KaTeX's takes one: `aligned` is
        # the same layout for a display and takes many
        body.append(r"\begin{aligned}" + part + r"\end{aligned}" if r"\\" in part else part)
    tex = r"\\".join(body)
    if len(parts) > 1:
        tex = r"\begin{aligned}" + tex + r"\end{aligned}"
    return tex


def _where(self, node) -> str:
    source, line = node.source or self.builder.current_docname, node.line
    return f"{source}:{line}" if line else str(source)


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(RENDERER.render(node.astext(), False, _where(self, node)))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"] and not node["nowrap"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(RENDERER.render(_display_tex(node), True, _where(self, node)))
    self.body.append("</div>\n")
    raise nodes.SkipNode


# plain text for places that cannot hold markup ------------------------------------------
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx",
                     "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")
_SCRIPTS = {"msub": (1, None), "msup": (None, 1), "msubsup": (1, 2)}


def _script(text: str, table: dict, mark: str) -> str:
    if text and all(ord(c) in table for c in text):
        return text.translate(table)
    return f"{mark}{text}" if len(text) == 1 or text.startswith("(") else f"{mark}({text})"


def _mathml_text(element) -> str:
    """Plain text of a MathML element, with Unicode sub/superscripts where they exist."""
    from bs4 import NavigableString

    if isinstance(element, NavigableString):
        return str(element)
    name = element.name
    if name == "annotation":
        return ""
    children = [c for c in element.children
                if not (isinstance(c, NavigableString) and not c.strip())]
    if name in _SCRIPTS and len(children) >= 2:
        base = _mathml_text(children[0])
        sub, sup = _SCRIPTS[name]
        text = base
        if sub is not None:
            text += _script(_mathml_text(children[sub]), _SUB, "_")
        if sup is not None:
            text += _script(_mathml_text(children[sup]), _SUP, "^")
        return text
    if name == "mfrac" and len(children) == 2:
        return f"{_mathml_text(children[0])}/{_mathml_text(children[1])}"
    return "".join(_mathml_text(c) for c in children)


def plain_text(rendered: str) -> str:
    """Text of rendered HTML in which each KaTeX formula is reduced to plain Unicode text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(rendered, "html.parser")
    for formula in soup.select("span.katex"):
        math = formula.find("math")
        formula.replace_with(_mathml_text(math) if math is not None else formula.get_text())
    return re.sub(r"\s+", " ", soup.get_text()).strip()


def tex_plain_text(tex: str) -> str:
    """Plain text of one inline TeX formula (``\\varphi`` -> ``φ``)."""
    return plain_text(RENDERER.render(tex, False))


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html":
        return
    for key in ("title", "pagetitle"):
        if "katex" in (context.get(key) or ""):
            context[key] = html_lib.escape(plain_text(context[key]))


# cross-references to titles with math ------------------------------------------------------
def collect_math_titles(app: Sphinx, doctree) -> None:
    """Remember every section title that holds math, by its text (TeX as text)."""
    titles = app.env.__dict__.setdefault("cavi_math_titles", {})
    for title in doctree.traverse(nodes.title):
        if title.next_node(nodes.math) is not None:
            titles[title.astext()] = [child.deepcopy() for child in title.children]


def merge_math_titles(app, env, docnames, other) -> None:
    env.__dict__.setdefault("cavi_math_titles", {}).update(
        getattr(other, "cavi_math_titles", {}))


def math_in_references(app: Sphinx, doctree, docname: str) -> None:
    """`{ref}` to a title with math shows the title's text, i.e. raw TeX ("The \\varphi
    update"): give the link the title's own nodes, so its math is typeset like the title's."""
    titles = getattr(app.env, "cavi_math_titles", {})
    for inline in doctree.traverse(nodes.inline):
        text = inline.astext()
        if "std-ref" in inline["classes"] and text in titles:
            inline.children = []
            for child in titles[text]:
                inline += child.deepcopy()


def copy_assets(app: Sphinx, exception) -> None:
    RENDERER.close()
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir, "_static", STATIC_SUBDIR)
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    for font in (KATEX_DIST / "fonts").glob("*.woff2"):
        shutil.copyfile(font, target / "fonts" / font.name)
    css = (KATEX_DIST / "katex.min.css").read_text(encoding="utf8")
    # woff2 only (every browser that runs the site reads it); the woff/ttf files are not shipped
    css = re.sub(r"src:url\((fonts/[^)]+\.woff2)\) format\(\"woff2\"\)[^;}]*",
                 r'src:url(\1) format("woff2")', css)
    (target / "katex.min.css").write_text(css, encoding="utf8")
    shutil.copyfile(KATEX_DIST / "contrib" / "copy-tex.min.js", target / "copy-tex.min.js")
    _plain_search_titles(app)


def _plain_search_titles(app: Sphinx) -> None:
    """Search results show titles as text: turn the TeX in the index's titles into plain text."""
    index = Path(app.outdir, "searchindex.js")
    if not index.is_file():
        return
    text = index.read_text(encoding="utf8")
    prefix, suffix = "Search.setIndex(", ")"
    if not (text.startswith(prefix) and text.rstrip().endswith(suffix)):
        raise ExtensionError("katex_math: unexpected searchindex.js format")
    data = json.loads(text[len(prefix):text.rstrip().rindex(suffix)])
    math_titles = getattr(app.env, "cavi_math_titles", {})

    def nodes_text(children) -> str:
        return "".join(tex_plain_text(c.astext()) if isinstance(c, nodes.math) else c.astext()
                       for c in children)

    def fix(title: str) -> str:
        if "katex" in title:                 # a rendered (HTML) page title
            return plain_text(title)
        if title in math_titles:             # a section title: its text holds the raw TeX
            return nodes_text(math_titles[title])
        return title

    data["titles"] = [fix(t) for t in data["titles"]]
    data["alltitles"] = {fix(k): v for k, v in data.get("alltitles", {}).items()}
    index.write_text(prefix + json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                     + suffix, encoding="utf8")
    RENDERER.close()


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("katex_static", (visit_math, None), (visit_displaymath, None))
    app.add_css_file(f"{STATIC_SUBDIR}/katex.min.css")
    app.add_js_file(f"{STATIC_SUBDIR}/copy-tex.min.js", loading_method="defer")
    app.connect("html-page-context", page_context)
    app.connect("doctree-read", collect_math_titles)
    app.connect("env-merge-info", merge_math_titles)
    app.connect("doctree-resolved", math_in_references)
    app.connect("build-finished", copy_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": False}
