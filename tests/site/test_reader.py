"""The site as a reader meets it: phone (390 px), tablet (768 px) and laptop (1366 px) widths,
light and dark colour modes, in Debian's Chromium driven by Playwright.

* **Navigation**: the visible "Toggle primary sidebar" button opens the chapter list (a modal
  below 992 px, the sidebar column above) and it closes again; below 1200 px the "Toggle
  secondary sidebar" button opens the page's contents.
* **Nothing clipped**: at 768 and 1366 px no display, code block, output or table is wider
  than its box (``scrollWidth`` vs ``clientWidth``) or than the text column; at 390 px a long
  display or code block may scroll inside its own box, but the equation number never covers
  the display, and the page itself never scrolls sideways.
* **No raw LaTeX** in the tab title, the navigation, the prev/next links, the search index's
  titles, or anywhere in the visible text.
* **Page weight**: every request a page makes (scrolled to the end, fresh cache) adds up to at
  most 1.5 MB.
* **axe-core** (npm package in ``book/_ext/node``, installed by ``make venv``; injected here,
  never shipped in the site): no violation of serious or critical impact, light and dark.

Layout checks run on every page at the three widths; axe and the weight check on every page at
one width (axe in both modes). Without a built site (``make book``) the tests fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("CAVI_SITE", ROOT / "_build" / "html")).resolve()
AXE = ROOT / "book" / "_ext" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
WIDTHS = (390, 768, 1366)
MODES = ("light", "dark")
MAX_PAGE_BYTES = 1.5 * 1024 * 1024
NAV_PAGE = "book/phi_update"


def toc_docs() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
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


DOCS = toc_docs()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run make book first", pytrace=False)
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)   # a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser, width: int, mode: str):
    """A page in a fresh context (empty cache) at `width` px in colour mode `mode`."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('mode', '{mode}');"
                            f"localStorage.setItem('theme', '{mode}');")
    return context, context.new_page()


# JavaScript run in the page ---------------------------------------------------------------
OVERFLOW = """(allowScroll) => {
  const column = document.querySelector('article.bd-article');
  const col = column.getBoundingClientRect();
  const found = [];
  const label = (el) => {
    const eq = el.closest('div.math');
    const no = eq && eq.querySelector('.eqno');
    const sec = el.closest('section[id]');
    return (no ? 'equation ' + no.textContent.replace('#', '').trim() : el.tagName.toLowerCase()
            + '.' + [...el.classList].join('.')) + (sec ? ' in #' + sec.id : '');
  };
  const blocks = column.querySelectorAll(
    '.katex-display, div.highlight pre, div.cell_output pre, div.output pre, table, img, ' +
    'div.cell_output > div.output, div.pst-scrollable-table-container');
  for (const el of blocks) {
    if (el.closest('details:not([open]), .admonition.dropdown:not(.toggle-shown)')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    const style = getComputedStyle(el);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX);
    const wider = el.scrollWidth > el.clientWidth + 1;
    let clipper = el.parentElement;             // a scroll box between the block and the column
    while (clipper && clipper !== column &&
           !['auto', 'scroll', 'hidden'].includes(getComputedStyle(clipper).overflowX))
      clipper = clipper.parentElement;
    const outside = clipper === column &&
                    (box.right > col.right + 1 || box.left < col.left - 1);
    if (outside) { found.push(label(el) + ': outside the column by ' +
                   Math.round(Math.max(box.right - col.right, col.left - box.left)) + ' px'); continue; }
    if (!wider) continue;
    if (!(allowScroll && scrolls)) {
      found.push(label(el) + ': content ' + el.scrollWidth + ' px in a ' + el.clientWidth + ' px box');
      continue;
    }
    // an intentional scroll box: its equation number must not cover it
    const eq = el.closest('div.math');
    const no = eq && eq.querySelector('.eqno');
    if (no) {
      const n = no.getBoundingClientRect();
      const overlap = n.left < box.right - 1 && n.right > box.left + 1 &&
                      n.top < box.bottom - 1 && n.bottom > box.top + 1;
      if (overlap) found.push(label(el) + ': the equation number covers the scrolling display');
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1)
    found.push('the page scrolls sideways: ' + doc.scrollWidth + ' px in ' + doc.clientWidth);
  return found;
}"""

RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\(?:frac|varphi|mu|sigma|sum|mathcal|log|"
                     r"lambda|mathrm|text|begin|end|left|right)\b")

VISIBLE_TEXT = """() => {
  const pick = (sel) => [...document.querySelectorAll(sel)].map(e => e.innerText).join('\\n');
  return {title: document.title,
          nav: pick('nav.bd-docs-nav, .bd-sidebar-primary, .prev-next-area, #pst-secondary-sidebar'),
          body: (() => {        // visible prose: code may show TeX on purpose (a display's source)
            let text = document.body.innerText;
            for (const e of document.querySelectorAll('pre, code')) {
              const shown = e.innerText;
              if (shown) text = text.split(shown).join(' ');
            }
            return text; })()};
}"""


def scroll_to_end(page) -> None:
    page.evaluate("""async () => {
      for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
        window.scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); }
      window.scrollTo(0, 0); }""")


# Navigation --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
def test_navigation_opens_and_closes(browser, site_url, width, mode):
    context, page = new_page(browser, width, mode)
    try:
        page.goto(urljoin(site_url, f"{NAV_PAGE}.html"), wait_until="load")
        page.wait_for_function("document.readyState === 'complete'")
        toggle = page.locator("button.primary-toggle:visible")
        assert toggle.count() == 1, "one visible primary sidebar toggle"
        chapters = page.locator('nav.bd-docs-nav a[href="cavi_algorithm.html"]')
        wide = width >= 992
        assert chapters.is_visible() == wide, "the chapter list is shown only on wide screens"
        toggle.click()
        page.wait_for_timeout(400)                       # the sidebar's 0.25 s transition
        assert chapters.is_visible() != wide, "the primary toggle did nothing"
        if wide:
            toggle.click()
        else:
            assert page.locator("#pst-primary-sidebar-modal[open]").count() == 1
            page.keyboard.press("Escape")
        page.wait_for_timeout(400)
        assert chapters.is_visible() == wide, "the primary sidebar did not close again"

        secondary = page.locator("button.secondary-toggle:visible")
        contents = page.locator('#pst-page-toc-nav a[href="#the-update"]')
        if width >= 1200:
            assert secondary.count() == 0 and contents.is_visible(), "contents column on wide"
        else:
            assert secondary.count() == 1 and not contents.is_visible()
            secondary.click()
            page.wait_for_timeout(300)
            assert contents.is_visible(), "the secondary toggle did not open the contents"
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
            assert not contents.is_visible()
        # the removed top bar stays removed: one search box, no empty header
        assert page.locator("#pst-header").is_hidden()
        assert page.locator("button.search-button-field:visible").count() <= 1
    finally:
        context.close()


# Layout: nothing clipped, no raw LaTeX ------------------------------------------------------
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_clipped_and_no_raw_latex(browser, site_url, width):
    context, _ = new_page(browser, width, "light")
    problems = {}
    try:
        for doc in DOCS:
            page = context.new_page()
            page.goto(urljoin(site_url, f"{doc}.html"), wait_until="load")
            found = page.evaluate(OVERFLOW, width < 768)
            text = page.evaluate(VISIBLE_TEXT)
            for where in ("title", "nav", "body"):
                raw = RAW_TEX.findall(text[where])
                if raw:
                    found.append(f"raw LaTeX in the {where}: {sorted(set(raw))}")
            if found:
                problems[doc] = found
            page.close()
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, indent=1)


def test_search_index_titles_are_plain_text():
    text = (SITE / "searchindex.js").read_text(encoding="utf8")
    data = json.loads(text[text.index("(") + 1:text.rstrip().rindex(")")])
    titles = list(data["titles"]) + list(data.get("alltitles", {}))
    assert len(titles) > len(DOCS)
    raw = [t for t in titles if RAW_TEX.search(t) or "$" in t]
    assert raw == []


def test_raw_latex_pattern_catches_latex():
    assert RAW_TEX.search(r"The \(\varphi\) update") and RAW_TEX.search(r"$$x$$")
    assert RAW_TEX.search(r"5. The \varphi update") and not RAW_TEX.search("The φ update")


# Weight and accessibility -------------------------------------------------------------------
#: Left out of the axe run: KaTeX's visual layer (``aria-hidden``; the MathML beside it is what
#: assistive technology reads, and it is checked).
AXE_EXCLUDE = [[".katex-html"]]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run make venv (npm ci in book/_ext/node)")
    return AXE.read_text(encoding="utf8")


def page_bytes(page) -> tuple[int, list[str]]:
    """Bytes of every request the page made (document included), and the ten largest."""
    entries = page.evaluate("""() => [...performance.getEntriesByType('navigation'),
        ...performance.getEntriesByType('resource')].map(e =>
        [e.name, e.transferSize || e.encodedBodySize || 0])""")
    entries.sort(key=lambda e: -e[1])
    return sum(size for _, size in entries), [f"{size // 1024} KB {name}"
                                              for name, size in entries[:10]]


@pytest.mark.parametrize("doc", DOCS)
def test_weight_and_axe(browser, site_url, axe_source, doc):
    report = {}
    for mode in MODES:
        context, page = new_page(browser, 1366 if mode == "light" else 390, mode)
        try:
            page.goto(urljoin(site_url, f"{doc}.html"), wait_until="load")
            if mode == "light":
                scroll_to_end(page)
                page.wait_for_load_state("networkidle")
                total, largest = page_bytes(page)
                assert total <= MAX_PAGE_BYTES, (
                    f"{doc} loads {total / 1024:.0f} KB: " + "; ".join(largest))
            assert page.evaluate("document.documentElement.dataset.theme") == mode
            page.add_script_tag(content=axe_source)
            page.evaluate(f"window.EXCLUDE = {json.dumps(AXE_EXCLUDE)}")
            result = page.evaluate("""async () => {
              const r = await axe.run({exclude: EXCLUDE}, {resultTypes: ['violations']});
              return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
                            where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }""")
            if result:
                report[mode] = result
        finally:
            context.close()
    assert report == {}, json.dumps(report, indent=1)


def test_axe_finds_a_violation(browser, axe_source):
    """The axe check can fail: a page with an unlabeled button and low contrast is caught."""
    context, page = new_page(browser, 800, "light")
    try:
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<button></button><p style="color:#aaa;background:#fff">faint</p>'
                         '</main></body></html>')
        page.add_script_tag(content=axe_source)
        ids = page.evaluate("async () => (await axe.run()).violations.map(v => v.id)")
        assert "button-name" in ids and "color-contrast" in ids
    finally:
        context.close()


def test_search_ranks_chapters_before_the_glossary(browser, site_url):
    """Searching "ELBO" lists the chapters that teach it before the glossary's entry."""
    context, page = new_page(browser, 1366, "light")
    try:
        page.goto(urljoin(site_url, "search.html?q=ELBO"), wait_until="load")
        page.wait_for_function(             # Sphinx writes the summary when it has finished
            "(document.querySelector('#search-results p.search-summary') || {}).textContent",
            timeout=15000)
        found = page.evaluate("""() => [...document.querySelectorAll(
            '#search-results ul.search li a')].map(a => a.getAttribute('href'))""")
        docs = [re.sub(r"\.html.*$", "", href).lstrip("./") for href in found]
        first_reference = min(i for i, d in enumerate(docs) if d.endswith("glossary"))
        assert first_reference >= 3, f"the glossary is result {first_reference + 1}: {docs}"
        # the two chapters with the ELBO in their title come first
        assert set(docs[:2]) == {"book/cavi_algorithm", "book/kl_to_elbo"}, docs
    finally:
        context.close()
