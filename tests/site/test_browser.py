"""The built site in a real browser: Debian's Chromium driven by Playwright for Python.

The site (``_build/html``, or the folder in ``$CAVI_SITE``) is served on 127.0.0.1 from a
thread; every page of the site's table of contents is loaded, and

* no request goes to any host but 127.0.0.1 (every request is recorded);
* nothing fails to load and the console shows no error (only the exact messages in
  ``HARMLESS_CONSOLE_ERRORS`` are let through; it is empty today);
* math is typeset (at build time, by KaTeX): every Sphinx math node holds a ``.katex``
  rendering, KaTeX's fonts have loaded, and no raw ``$$`` / ``\\(`` / ``\\[`` is left in the text;
* each chapter that is a notebook offers its student and instructor editions (.ipynb),
  and the file is a valid notebook with outputs;
* every static CAVI stepper on a page steps: its "Next frame" button changes the frame
  shown, and its slider reaches the last frame, which shows the run's last sweep; the
  CAVI chapter (``book/cavi_algorithm``) has the live explorer instead (driven in
  ``tests/site/test_engine.py``).

A full-page screenshot of each page is saved to ``_build/screenshots/`` (next to the
site; JPEG, which is quicker to write for long pages) for a person to look at.
Without a built site the tests fail: run ``make book``.
The browser is ``/usr/bin/chromium`` (``.ci/run`` installs Debian's ``chromium``);
``playwright install`` is never used. Without that browser the page tests fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("CAVI_SITE", ROOT / "_build" / "html")).resolve()
# the sources the site was built from: <root>/_build/html -> <root>; else this repository
SOURCE = next((p for p in SITE.parents[1:2] if (p / "_toc.yml").is_file()), ROOT)
SCREENSHOTS = SITE.parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
CAVI_PAGE = "book/cavi_algorithm"

#: Console errors known to be harmless, matched exactly. Empty: the site logs none. (The
#: theme's sphinx-thebe error "Identifier 'THEBE_JS_URL' has already been declared" is
#: avoided in _config.yml by leaving sphinx_thebe out, not filtered here.)
HARMLESS_CONSOLE_ERRORS: frozenset[str] = frozenset()

#: Schemes that never leave the machine.
LOCAL_SCHEMES = ("data", "blob", "about")


def toc_docs() -> list[str]:
    """Every document in the site's _toc.yml (root first), without suffix."""
    toc = yaml.safe_load((SOURCE / "_toc.yml").read_text(encoding="utf8"))
    docs = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                docs.append(node["file"])
            for key, value in node.items():
                if key != "root":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [re.sub(r"\.(md|ipynb)$", "", d) for d in docs]


def is_notebook(doc: str) -> bool:
    """A toc document is a notebook if it is .ipynb or a .md with a kernelspec in its header."""
    if (SOURCE / f"{doc}.ipynb").is_file():
        return True
    path = SOURCE / f"{doc}.md"
    text = path.read_text(encoding="utf8") if path.is_file() else ""
    if not text.startswith("---"):
        return False
    return "kernelspec" in (yaml.safe_load(text.split("---", 2)[1]) or {})


DOCS = toc_docs()


def require_site() -> None:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run make book first", pytrace=False)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    require_site()
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)   # a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_context():
    require_site()
    if not Path(CHROMIUM).is_file():
        # A missing browser fails: `make test` is the whole check (README).
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # one context for all pages: the site's shared assets (KaTeX, theme) come from
        # the browser cache after the first page, as for a reader
        context = chromium.new_context(viewport={"width": 1200, "height": 900})
        yield context
        context.close()
        chromium.close()


class LoadedPage:
    """A page opened with every request, failed response and console error recorded."""

    def __init__(self, context, url: str):
        self.page = context.new_page()
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: self.failed.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 else None)
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" and m.text not in HARMLESS_CONSOLE_ERRORS else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.goto(url, wait_until="load")

    def outside_requests(self, site_url: str) -> list[str]:
        host = urlsplit(site_url).netloc
        return [u for u in self.requests
                if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).netloc != host]


# JavaScript run in the page ---------------------------------------------------------------
WAIT_FOR_MATH = """async () => {
  if (!document.querySelector('.math')) return 'no math';
  await document.fonts.ready;
  const katexFonts = [...document.fonts].filter(f => f.family.startsWith('KaTeX'));
  return katexFonts.some(f => f.status === 'loaded') ? 'typeset' : 'KaTeX fonts not loaded';
}"""

MATH_STATE = """() => {
  const clone = document.body.cloneNode(true);       // content, sidebar and table of contents
  clone.querySelectorAll('pre, code, script, style, textarea, annotation').forEach(e => e.remove());
  return {nodes: document.querySelectorAll('div.math, span.math').length,
          typeset: document.querySelectorAll('div.math .katex, span.math .katex').length,
          errors: document.querySelectorAll('.katex-error').length,
          text: clone.textContent};
}"""

STEPPER_STATE = """(root) => {
  const img = root.querySelector('img[id^="_anim_img"]');
  const slider = root.querySelector('input[type=range][id^="_anim_slider"]');
  const anim = window['anim' + img.id.slice('_anim_img'.length)];
  return {src: img.getAttribute('src'), value: parseInt(slider.value), max: parseInt(slider.max),
          current: anim ? anim.current_frame : null,
          frames: anim ? anim.frames.length : null,
          lastSrc: anim ? anim.frames[anim.frames.length - 1].src : null,
          sweeps: root.dataset.sweeps.split(',').map(Number),
          nSweeps: parseInt(root.dataset.nSweeps), alt: img.getAttribute('alt')};
}"""


def check_steppers(page) -> int:
    """Press "Next frame" and drag the slider to the end of every stepper on the page."""
    steppers = page.locator("div.cavi-stepper")
    for j in range(steppers.count()):
        root = steppers.nth(j)
        root.scroll_into_view_if_needed()
        page.wait_for_function(
            "(root) => { const img = root.querySelector('img[id^=\"_anim_img\"]');"
            " return img && window['anim' + img.id.slice(9)] !== undefined; }",
            arg=root.element_handle())
        before = root.evaluate(STEPPER_STATE)
        assert before["current"] == 0 and before["value"] == 0
        assert before["frames"] == len(before["sweeps"]) >= 2
        assert before["sweeps"][0] == 0 and before["alt"], "stepper image needs alt text"

        root.locator('button[title="Next frame"]').click()
        after = root.evaluate(STEPPER_STATE)
        assert after["current"] == 1 and after["value"] == 1
        assert after["src"] != before["src"], "Next frame did not change the picture"

        slider = root.locator('input[type=range][id^="_anim_slider"]')
        slider.fill(str(after["max"]))                 # drag the frame slider to its end
        end = root.evaluate(STEPPER_STATE)
        assert end["max"] == end["frames"] - 1
        assert end["value"] == end["max"] and end["current"] == end["max"]
        assert end["src"] == end["lastSrc"], "the slider's end does not show the last frame"
        assert end["sweeps"][end["current"]] == end["nSweeps"], "last frame is not the last sweep"

        root.locator('button[title="Previous frame"]').click()
        assert root.evaluate(STEPPER_STATE)["current"] == end["max"] - 1
    return steppers.count()


@pytest.mark.parametrize("doc", DOCS)
def test_page_in_chromium(browser_context, site_url, doc):
    view = LoadedPage(browser_context, urljoin(site_url, f"{doc}.html"))
    page = view.page
    try:
        assert page.evaluate(WAIT_FOR_MATH) in ("typeset", "no math")
        math = page.evaluate(MATH_STATE)
        assert math["typeset"] >= math["nodes"], (
            f"{math['nodes']} math nodes but {math['typeset']} typeset")
        assert math["errors"] == 0, "KaTeX reported errors"
        for raw in ("$$", "\\(", "\\["):
            assert raw not in math["text"], f"raw {raw} left in the text"

        if is_notebook(doc):
            links = page.locator("p.ipynb-download a[download]")
            assert links.count() == 2, "no student and instructor .ipynb download links"
            hrefs = [links.nth(i).get_attribute("href") for i in range(2)]
            assert [h.rsplit("/", 1)[-1] for h in hrefs] == [
                f"{Path(doc).name}-{edition}.ipynb" for edition in ("student", "instructor")]
            # the theme's download menu offers the instructor edition
            assert page.locator(f'.dropdown-download-buttons a[href="{hrefs[1]}"]').count() == 1
            for href in hrefs:
                nb = json.loads(page.evaluate(
                    "async (u) => await (await fetch(u)).text()", urljoin(page.url, href)))
                assert nb["nbformat"] == 4
                code = [c for c in nb["cells"] if c["cell_type"] == "code"]
                assert code and any(c.get("outputs") for c in code), "the notebook has no outputs"

        check_steppers(page)
        if doc == CAVI_PAGE:   # the static stepper gave way to the live explorer (tests/site/test_engine.py)
            assert page.locator("div.cavi-live[data-kind=cavi] canvas").count() >= 1, (
                "the CAVI chapter has no live explorer")

        page.wait_for_load_state("networkidle")
        # from the top, with no focused control (a focused button shows the theme's skip link)
        page.evaluate("() => { if (document.activeElement) document.activeElement.blur();"
                      " window.scrollTo(0, 0); }")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{doc.replace('/', '__')}.jpg"), full_page=True,
                        type="jpeg", quality=80)

        assert view.outside_requests(site_url) == [], "request to another host"
        assert view.failed == [], "failed requests"
        assert view.errors == [], "console errors"
    finally:
        page.close()


def test_cavi_chapter_is_in_the_toc():
    assert CAVI_PAGE in DOCS, f"{CAVI_PAGE} is not in {SOURCE / '_toc.yml'}"


def test_outside_request_filter_catches_other_hosts():
    """The request check must flag anything not served by the local server."""

    class Fake(LoadedPage):
        def __init__(self, urls):
            self.requests = urls

    local = "http://127.0.0.1:8123/"
    urls = [local + "book/x.html", "data:image/png;base64,AAAA", "about:blank",
            "http://127.0.0.1:9999/other-port.js", "https://cdn.jsdelivr.net/x.js",
            "http://localhost:8123/x.css"]
    assert Fake(urls).outside_requests(local) == urls[3:]
