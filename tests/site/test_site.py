"""Checks on the built book in _build/html (run by `make test` after `make book`).

The site must be self-contained: no page or asset it loads may point at another host
(hyperlinks in <a href> to papers are fine), math is typeset at build time, pages stay small,
and every chapter of _toc.yml was executed.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
EXECUTED = ROOT / "_build" / "jupyter_execute"
MAX_PAGE_BYTES = 3 * 1024 * 1024

# (tag, attribute) pairs that make the browser fetch something
LOADING_ATTRS = {
    ("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
    ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
    ("object", "data"), ("track", "src"), ("input", "src"),
}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


def require_build() -> None:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML / 'index.html'} is missing: run `make book` first", pytrace=False)


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root first), as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".md", ".ipynb") else f
            for f in found]


def source_of(doc: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{doc}{suffix}"
        if path.is_file():
            return path
    raise AssertionError(f"_toc.yml names {doc!r} but no {doc}.md or {doc}.ipynb exists")


def is_notebook(path: Path) -> bool:
    """A toc document is a notebook if it is .ipynb or a MyST/jupytext .md with a kernelspec."""
    if path.suffix == ".ipynb":
        return True
    text = path.read_text(encoding="utf8")
    if not text.startswith("---"):
        return False
    front = yaml.safe_load(text.split("---", 2)[1]) or {}
    return "kernelspec" in front


def is_outside(url: str) -> bool:
    """True when a URL would make the browser contact a host other than this site."""
    url = url.strip()
    if url.startswith("//"):
        return True
    scheme = urlsplit(url).scheme.lower()
    return scheme not in ("", "data", "blob", "about", "javascript", "mailto")


class LoadedRefs(HTMLParser):
    """Collect (tag, attribute, url) for everything a page makes the browser load."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.inline_css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for (t, a) in LOADING_ATTRS:
            if tag == t and attrs.get(a):
                self.refs.append((tag, a, attrs[a]))
        for srcset in (attrs.get("srcset"), attrs.get("imagesrcset")):
            for part in (srcset or "").split(","):
                if part.strip():
                    self.refs.append((tag, "srcset", part.split()[0]))
        if attrs.get("style"):
            self.inline_css.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css.append(data)


def parse(page: Path) -> LoadedRefs:
    parser = LoadedRefs()
    parser.feed(page.read_text(encoding="utf8"))
    return parser


def local_target(page: Path, url: str) -> Path:
    path = urlsplit(url).path
    base = HTML if path.startswith("/") else page.parent
    return (base / path.lstrip("/")).resolve()


def html_pages() -> list[Path]:
    require_build()
    # theme template fragments (e.g. _static/webpack-macros.html) are not pages
    pages = sorted(p for p in HTML.rglob("*.html")
                   if not p.relative_to(HTML).parts[0].startswith("_"))
    assert pages, f"no HTML pages under {HTML}"
    return pages


# --------------------------------------------------------------------------- structure


def test_index_and_every_toc_page_exist():
    require_build()
    missing = [doc for doc in toc_files() if not (HTML / f"{doc}.html").is_file()]
    assert not missing, f"toc documents without a built page: {missing}"


def test_every_toc_notebook_was_executed():
    require_build()
    notebooks = [doc for doc in toc_files() if is_notebook(source_of(doc))]
    assert notebooks, "_toc.yml names no notebook chapter"
    for doc in notebooks:
        executed = EXECUTED / f"{doc}.ipynb"
        assert executed.is_file(), f"{doc}: no executed notebook {executed}"
        nb = json.loads(executed.read_text(encoding="utf8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, f"{doc}: executed notebook has no code cells"
        assert all(c.get("execution_count") for c in code), f"{doc}: a code cell was not run"
        errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert not errors, f"{doc}: executed notebook contains errors: {errors[:1]}"


def test_no_page_over_3_mb():
    big = {str(p.relative_to(HTML)): p.stat().st_size
           for p in html_pages() if p.stat().st_size > MAX_PAGE_BYTES}
    assert not big, f"pages over 3 MB: {big}"


# --------------------------------------------------------------------------- offline site


def test_pages_load_nothing_from_other_hosts():
    problems = []
    for page in html_pages():
        parsed = parse(page)
        for tag, attr, url in parsed.refs:
            if is_outside(url):
                problems.append(f"{page.relative_to(HTML)}: <{tag} {attr}={url!r}>")
        for css in parsed.inline_css:
            problems += [f"{page.relative_to(HTML)}: inline CSS url {u!r}"
                         for u in CSS_URL.findall(css) if is_outside(u)]
    assert not problems, "outside requests:\n" + "\n".join(problems)


def test_loaded_local_assets_exist_and_stay_local():
    problems, stylesheets = [], set()
    for page in html_pages():
        for tag, attr, url in parse(page).refs:
            if is_outside(url) or urlsplit(url).scheme or not urlsplit(url).path:
                continue                       # outside (other test), data: URI, or "#anchor"
            target = local_target(page, url)
            if not target.is_file():
                problems.append(f"{page.relative_to(HTML)}: {url} -> missing {target}")
            elif target.suffix == ".css":
                stylesheets.add(target)
    for css in sorted(stylesheets):
        for url in CSS_URL.findall(css.read_text(encoding="utf8", errors="replace")):
            if is_outside(url):
                problems.append(f"{css.relative_to(HTML)}: loads {url}")
    assert stylesheets, "no local stylesheet found: the parser is not seeing <link> tags"
    assert not problems, "\n".join(problems)


def test_math_is_typeset_at_build_time():
    """Every math node holds KaTeX's output (HTML and MathML with the TeX as annotation); no
    page loads MathJax or any other math script; KaTeX's stylesheet and fonts are local."""
    pages_with_math = 0
    for page in html_pages():
        text = page.read_text(encoding="utf8")
        scripts = [url for tag, _, url in parse(page).refs if tag == "script"]
        assert not [u for u in scripts if "mathjax" in u.lower()], f"{page.relative_to(HTML)}"
        nodes = text.count('class="math notranslate nohighlight"')
        if not nodes:
            continue
        pages_with_math += 1
        typeset = text.count('<annotation encoding="application/x-tex">')
        assert typeset >= nodes, f"{page.relative_to(HTML)}: {nodes} math nodes, {typeset} typeset"
        assert "katex-error" not in text, f"{page.relative_to(HTML)}: a formula KaTeX rejected"
        sheets = [url for tag, _, url in parse(page).refs if tag == "link" and "katex" in url]
        assert sheets and all(local_target(page, u).is_file() for u in sheets)
    assert pages_with_math, "no page contains math: the check would prove nothing"
    fonts = list((HTML / "_static" / "katex" / "fonts").glob("*.woff2"))
    assert fonts, "KaTeX fonts are not in _static/katex/fonts"


def test_no_widget_javascript_is_loaded():
    for page in html_pages():
        scripts = [url for tag, _, url in parse(page).refs if tag == "script"]
        bad = [u for u in scripts if "require.js" in u or "embed-amd" in u or "thebe" in u]
        assert not bad, f"{page.relative_to(HTML)} loads {bad}"


def test_favicon_is_local():
    for page in html_pages():
        icons = [url for tag, _, url in parse(page).refs if tag == "link" and "favicon" in url]
        assert icons, f"{page.relative_to(HTML)} declares no favicon (browser would ask /favicon.ico)"
        assert all(local_target(page, u).is_file() for u in icons)


def test_outside_checker_catches_outside_urls():
    """The checks above are only as good as is_outside: make sure it can say no."""
    assert is_outside("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js")
    assert is_outside("//unpkg.com/thebe")
    assert is_outside("http://example.org/a.css")
    assert not is_outside("../_static/mathjax/tex-chtml.js")
    assert not is_outside("data:image/png;base64,AAAA")
    parsed = LoadedRefs()
    parsed.feed('<a href="https://doi.org/x">paper</a><script src="https://cdn.x/y.js"></script>'
                '<img srcset="//cdn.x/a.png 2x">')
    assert [u for _, _, u in parsed.refs] == ["https://cdn.x/y.js", "//cdn.x/a.png"]
