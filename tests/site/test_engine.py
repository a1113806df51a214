"""The live explorers of the built site, in Chromium: the JavaScript CAVI engine against vilib,
and the explorers driven as a reader drives them (mouse and keyboard, phone width, file://).

* Parity: ``window.caviEngine.runCavi`` **as shipped on the CAVI page** runs on the same
  inputs as ``vilib.cavi(x, K, sigma, lam=lam, init=(m0, s2_0), tol=None, max_iter=sweeps)``
  (1-D, 2-D, 3-D; K = 1..8; several sigma and lambda; the real data; |x| ~ 1e4) and must agree
  to 1e-9 relative: phi and the ELBO trace element by element; s2 element by element; m
  relative to the data's scale max|x_i| (a mean near 0 has no relative precision of its own:
  with K = 1 on centred data, m = s2 * sum_i x_i is a sum that cancels to ~1e-16). The
  engine's ELBO trace must not decrease (beyond 1e-12 of its size: round-off).
* The explorers: Step (both half-steps), Play/Pause, the sweep slider, K, sigma and the data
  set each change the picture; a click adds a point; the keyboard does all of it; every
  control has an accessible name; the explorer fits a 390 px phone; opened as a file it
  works; no request leaves the site and the console shows no error.
* Budget: the explorer files and markup add at most 60 KB to a page.

The largest differences found are written to ``_build/engine_parity.json`` for the record.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import numpy as np
import pytest

import vilib
from vilib import datasets

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("CAVI_SITE", ROOT / "_build" / "html")).resolve()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
CAVI_1D, CAVI_2D = "book/cavi_algorithm", "book/d_dimensions"
GENERATIVE, PHI = "book/generative_model", "book/phi_update"
EXPLORER_PAGES = {CAVI_1D: "cavi", CAVI_2D: "cavi", GENERATIVE: "generative", PHI: "phi"}
BUDGET = 60_000          # bytes the explorers may add to a page
RTOL = 1e-9
PARITY_RECORD = SITE.parent / "engine_parity.json"


def require_site():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run make book first", pytrace=False)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    require_site()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE)))   # a free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    require_site()
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page with every request and console error recorded."""

    def __init__(self, browser, url, width=1200, theme=None):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.requests, self.errors = [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 else None)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("() => document.querySelector('div.cavi-live[data-kind]') &&"
                                    " document.querySelector('div.cavi-live').caviExplorer")

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def cavi_page(browser, site_url):
    view = Page(browser, urljoin(site_url, f"{CAVI_1D}.html"))
    yield view
    view.close()


# ---------------------------------------------------------------- parity with vilib
def _case(name, x, K, sigma, lam, seed, sweeps=30):
    x = np.asarray(x, dtype=float)
    X = x[:, None] if x.ndim == 1 else x
    rng = np.random.default_rng(seed)
    m0 = X[rng.choice(len(X), K)] + 0.1 * X.std(axis=0) * rng.normal(size=(K, X.shape[1]))
    s2_0 = rng.uniform(0.2, 2.0, size=K) * (1.0 if np.abs(X).max() < 100 else 1e4)
    return pytest.param(X, K, float(sigma), float(lam), m0, s2_0, sweeps, id=name)


def _cases():
    out = []
    sim = {d: vilib.simulate(300, 4, 4.0, d=d, lam=1.0, seed=10 + d).x for d in (1, 2, 3)}
    for d in (1, 2, 3):
        for K in range(1, 9):
            sigma, lam = [(3.0, 1.0), (0.5, 0.3), (20.0, 2.5)][K % 3]
            out.append(_case(f"{d}d-K{K}-sigma{sigma}-lam{lam}", sim[d], K, sigma, lam, seed=K + 10 * d))
    out.append(_case("galaxies-K4", datasets.load_galaxies().x, 4, 2.0, 0.3, seed=1, sweeps=60))
    out.append(_case("galaxies-K6", datasets.load_galaxies().x, 6, 1.0, 0.5, seed=2))
    out.append(_case("faithful-K2", datasets.load_faithful().x, 2, 2.0, 0.4, seed=3, sweeps=60))
    out.append(_case("faithful-K5", datasets.load_faithful().x, 5, 5.0, 0.3, seed=4))
    big = 1e4 + 3.0 * vilib.simulate(200, 3, 10.0, d=2, seed=5).x       # |x| ~ 1e4
    out.append(_case("2d-x1e4-K3", big, 3, 1e4, 3.0, seed=6))
    out.append(_case("1d-x1e4-K2", 1e4 * vilib.simulate(150, 2, 3.0, seed=7).x, 2, 1e5, 1e4, seed=8))
    return out


PARITY: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _record_parity():
    yield
    if PARITY:
        PARITY_RECORD.write_text(json.dumps(PARITY, indent=1))


@pytest.mark.parametrize("X, K, sigma, lam, m0, s2_0, sweeps", _cases())
def test_engine_matches_vilib(cavi_page, X, K, sigma, lam, m0, s2_0, sweeps):
    ref = vilib.cavi(X, K, sigma, lam=lam, init=(m0, s2_0), tol=None, max_iter=sweeps)
    js = cavi_page.page.evaluate(
        "o => window.caviEngine.runCavi(o)",
        {"x": X.tolist(), "K": K, "sigma": sigma, "lam": lam, "m0": m0.tolist(),
         "s2_0": s2_0.tolist(), "sweeps": sweeps})
    phi, m, s2, elbo = (np.array(js[k]) for k in ("phi", "m", "s2", "elbo"))
    assert phi.shape == (len(X), K) and m.shape == (K, X.shape[1]) and elbo.shape == (sweeps,)
    diffs = {
        "phi": float(np.max(np.abs(phi - ref.phi))),                     # phi in [0, 1]
        "m": float(np.max(np.abs(m - ref.m)) / np.abs(X).max()),
        # element by element, for every mean not within 1e-6 of the data's scale of 0
        "m_elementwise": float(np.max(np.divide(
            np.abs(m - ref.m), np.abs(ref.m), out=np.zeros_like(m),
            where=np.abs(ref.m) > 1e-6 * np.abs(X).max()))),
        "s2": float(np.max(np.abs(s2 - ref.s2) / ref.s2)),
        "elbo": float(np.max(np.abs(elbo - ref.elbo) / np.abs(ref.elbo))),
    }
    for key, value in diffs.items():
        PARITY[key] = max(PARITY.get(key, 0.0), value)
    assert max(diffs.values()) <= RTOL, diffs
    gains = np.diff(elbo)
    assert np.all(gains >= -1e-12 * np.abs(elbo[1:])), f"the engine's ELBO decreased: {gains.min()}"


def test_engine_refuses_bad_input(cavi_page):
    bad = {"K": 0, "sigma": -1.0, "x": "x"}
    good = {"x": [[0.0], [1.0]], "K": 1, "sigma": 1.0, "lam": 1.0, "m0": [[0.0]], "s2_0": [1.0],
            "sweeps": 2}
    for key, value in bad.items():
        message = cavi_page.page.evaluate(
            "o => { try { window.caviEngine.runCavi(o); return null; } catch (e) { return e.message; } }",
            {**good, key: value})
        assert message is not None and key in message, (key, message)


def test_explorer_run_is_vilib_run(cavi_page):
    """The explorer's own run (its data, start and every sweep) is vilib.cavi's, sweep by sweep."""
    state = cavi_page.page.evaluate("""() => {
      const e = document.querySelector('div.cavi-live').caviExplorer, D = e.data;
      return {x: Array.from(D.x), d: D.d, K: e.p.K, sigma: e.p.sigma, lam: e.p.lam,
              M: e.history.map(h => Array.from(h.M)), s2: e.history.map(h => Array.from(h.s2)),
              elbo: e.history.map(h => h.elbo), half: e.history.map(h => h.elboHalf)};
    }""")
    T = len(state["elbo"]) - 1
    assert T >= 5, "the default run should need several sweeps to converge"
    x = np.array(state["x"]).reshape(-1, state["d"])
    M0, s2_0 = np.array(state["M"][0]).reshape(state["K"], -1), np.array(state["s2"][0])
    steps = []
    vilib.cavi(x, state["K"], state["sigma"], lam=state["lam"], init=(M0, s2_0), tol=None,
               max_iter=T, callback=steps.append)
    np.testing.assert_allclose([s.elbo for s in steps], state["elbo"][1:], rtol=RTOL)
    np.testing.assert_allclose(np.array([s.m for s in steps]).reshape(T, -1),
                               np.array(state["M"][1:]), rtol=0, atol=RTOL * np.abs(x).max())
    # each half-step raises the ELBO: after the phi update, then after the (m, s2) update
    elbo, half = np.array(state["elbo"]), np.array(state["half"])
    tol = 1e-12 * np.abs(elbo[1:])
    assert np.all(half[2:] >= elbo[1:-1] - tol[1:]) and np.all(elbo[1:] >= half[1:] - tol)


def test_real_data_in_the_page_are_vilibs(cavi_page):
    """The data menu is vilib.datasets' (names, starting settings); the real data are its data."""
    page = cavi_page.page
    menu = page.evaluate("() => Array.from(document.querySelectorAll('div.cavi-live select')[0].options)"
                         ".map(o => [o.value, o.textContent])")
    assert [label for _, label in menu] == datasets.data_choices()
    for value, label in menu:
        page.select_option("div.cavi-live select >> nth=0", value)
        p = page.evaluate("() => document.querySelector('div.cavi-live').caviExplorer.p")
        assert {k: p[k] for k in ("K", "sigma", "lam")} == datasets.suggested_settings(label)
    for key, loader in (("galaxies", datasets.load_galaxies), ("faithful", datasets.load_faithful)):
        page.select_option("div.cavi-live select >> nth=0", key)
        x = np.array(page.evaluate("() => Array.from(document.querySelector('div.cavi-live')"
                                   ".caviExplorer.data.x)"))
        np.testing.assert_array_equal(x, loader().x.ravel())
    page.select_option("div.cavi-live select >> nth=0", "sim1")


def test_palette_is_vilibs(cavi_page):
    from vilib.viz.style import CLUSTER_COLOURS, UNASSIGNED

    kit = cavi_page.page.evaluate("() => ({colours: window.caviKit.COLOURS, grey: window.caviKit.UNASSIGNED})")
    assert kit["colours"] == list(CLUSTER_COLOURS)
    assert "#%02X%02X%02X" % tuple(kit["grey"]) == UNASSIGNED


# ---------------------------------------------------------------- the explorers, driven
PICTURE = """() => { const r = document.querySelector('div.cavi-live');
  return Array.from(r.querySelectorAll('canvas')).map(c => c.toDataURL()).join('|')
         + '|' + r.querySelector('.cavi-status').textContent; }"""


def picture(page) -> str:
    return hashlib.sha1(page.evaluate(PICTURE).encode()).hexdigest()


def explorer_state(page) -> dict:
    return page.evaluate("""() => { const e = document.querySelector('div.cavi-live').caviExplorer;
      return {h: e.h, n: e.data.n, T: e.history.length - 1, playing: e.timer !== null,
              sweep: +e.sweep.input.value, K: e.p.K}; }""")


@pytest.fixture(params=[CAVI_1D, CAVI_2D])
def explorer(request, browser, site_url):
    view = Page(browser, urljoin(site_url, f"{request.param}.html"))
    yield view
    assert [u for u in view.requests if urlsplit(u).netloc != urlsplit(site_url).netloc
            and urlsplit(u).scheme not in ("data", "blob", "about")] == [], "request to another host"
    assert view.errors == [], "console errors"
    view.close()


def test_step_play_slider_and_settings_change_the_picture(explorer):
    page = explorer.page
    root = page.locator("div.cavi-live")
    step = root.get_by_role("button", name=re.compile("^Step"))
    before = picture(page)
    assert explorer_state(page)["h"] == 0
    step.click()                                       # first half: phi, the points recolour
    assert explorer_state(page)["h"] == 1 and "update m" in step.inner_text()
    half = picture(page)
    assert half != before
    step.click()                                       # second half: m, s2, the clusters move
    assert explorer_state(page)["h"] == 2 and picture(page) != half

    play = root.get_by_role("button", name="Play")
    play.click()
    page.wait_for_function("() => document.querySelector('div.cavi-live').caviExplorer.h >= 5")
    assert explorer_state(page)["playing"]
    root.get_by_role("button", name="Pause").click()
    paused = explorer_state(page)
    assert not paused["playing"]
    page.wait_for_timeout(1000)
    assert explorer_state(page)["h"] == paused["h"], "Pause did not stop"

    slider = root.get_by_role("slider", name="sweep")
    shown = picture(page)
    slider.fill(str(explorer_state(page)["T"]))
    assert explorer_state(page)["h"] == 2 * explorer_state(page)["T"] and picture(page) != shown
    root.get_by_role("button", name="Reset").click()
    assert explorer_state(page)["h"] == 0

    for name, value in (("clusters K", "5"), ("prior sd σ", "0.5")):
        shown = picture(page)
        root.get_by_role("slider", name=name).fill(value)
        assert picture(page) != shown, f"changing {name} did not change the picture"
    assert explorer_state(page)["K"] == 5
    for data in ("galaxies", "faithful", "sim2", "sim1"):
        shown = picture(page)
        root.get_by_label("data", exact=True).select_option(data)
        assert picture(page) != shown, f"data set {data} did not change the picture"


def test_click_adds_a_point(explorer):
    page = explorer.page
    canvas = page.locator("div.cavi-live canvas.cavi-plot")
    page.locator("div.cavi-live").get_by_role("button", name=re.compile("^Step")).click()
    page.locator("div.cavi-live").get_by_role("button", name=re.compile("^Step")).click()
    before, shown = explorer_state(page), picture(page)
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.6})
    after = explorer_state(page)
    assert after["n"] == before["n"] + 1 and after["h"] == before["h"] and picture(page) != shown
    # the next sweeps use the new point: the run from here is vilib's on the new data
    x_new = page.evaluate("() => { const D = document.querySelector('div.cavi-live').caviExplorer.data;"
                          " return Array.from(D.x.slice((D.n - 1) * D.d)); }")
    assert np.all(np.isfinite(x_new))


def test_keyboard_operates_the_explorer(explorer):
    page = explorer.page
    root = page.locator("div.cavi-live")
    root.get_by_role("button", name=re.compile("^Step")).focus()
    page.keyboard.press("Enter")
    assert explorer_state(page)["h"] == 1
    page.keyboard.press("Space")
    assert explorer_state(page)["h"] == 2
    page.keyboard.press("Tab")                          # to Play
    page.keyboard.press("Enter")
    assert explorer_state(page)["playing"]
    page.keyboard.press("Enter")
    assert not explorer_state(page)["playing"]
    slider = root.get_by_role("slider", name="sweep")
    slider.focus()
    page.keyboard.press("Home")
    assert explorer_state(page)["h"] == 0
    page.keyboard.press("ArrowRight")
    assert explorer_state(page)["sweep"] == 1 and explorer_state(page)["h"] == 2
    n = explorer_state(page)["n"]
    root.locator("canvas.cavi-plot").focus()
    for key in ("ArrowLeft", "ArrowLeft", "ArrowUp", "Enter"):
        page.keyboard.press(key)
    assert explorer_state(page)["n"] == n + 1
    assert explorer_state(page)["K"] == 3
    root.get_by_role("slider", name="clusters K").focus()
    page.keyboard.press("ArrowRight")
    assert explorer_state(page)["K"] == 4 and explorer_state(page)["h"] == 0
    root.get_by_label("data", exact=True).focus()
    page.keyboard.press("ArrowDown")                  # the next data set
    assert page.evaluate("() => document.querySelector('div.cavi-live').caviExplorer.p.data") != (
        "sim1" if "cavi_algorithm" in page.url else "sim2")


@pytest.mark.parametrize("width", [390, 768])
@pytest.mark.parametrize("doc", list(EXPLORER_PAGES))
def test_every_control_is_named_and_the_explorer_fits_a_phone(browser, site_url, doc, width):
    view = Page(browser, urljoin(site_url, f"{doc}.html"), width=width)
    try:
        unnamed = view.page.evaluate("""() => Array.from(document.querySelectorAll(
            'div.cavi-live button, div.cavi-live input, div.cavi-live select, div.cavi-live [tabindex]'))
          .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') ||
                         e.textContent.trim())).map(e => e.outerHTML.slice(0, 80))""")
        assert unnamed == []
        sizes = view.page.evaluate("""() => { const r = document.querySelector('div.cavi-live');
          return {scroll: r.scrollWidth, client: r.clientWidth, right: r.getBoundingClientRect().right,
                  widest: Math.max(...Array.from(r.querySelectorAll('canvas, svg, .cavi-settings > *'))
                                   .map(c => c.getBoundingClientRect().right))}; }""")
        assert sizes["scroll"] <= sizes["client"] and sizes["right"] <= width
        assert sizes["widest"] <= sizes["right"]
        assert view.errors == []
    finally:
        view.close()


def test_generative_and_phi_explorers_respond(browser, site_url):
    view = Page(browser, urljoin(site_url, f"{GENERATIVE}.html"))
    try:
        page, root = view.page, view.page.locator("div.cavi-live")
        for action in (lambda: root.get_by_role("slider", name="clusters K").fill("5"),
                       lambda: root.get_by_role("slider", name="prior spread σ").fill("0.5"),
                       lambda: root.get_by_role("button", name="New sample").click(),
                       lambda: root.get_by_label("dimension d", exact=True).select_option("2")):
            shown = picture(page)
            action()
            assert picture(page) != shown
        assert view.errors == []
    finally:
        view.close()
    view = Page(browser, urljoin(site_url, f"{PHI}.html"))
    try:
        page, root = view.page, view.page.locator("div.cavi-live")
        table = root.locator("table")
        shown = table.inner_text()
        point = root.get_by_role("slider", name="data point xᵢ")
        point.focus()
        page.keyboard.press("Shift+ArrowRight")
        assert table.inner_text() != shown
        # drag the first mean onto the point: cluster 1 takes most of it
        x = float(point.get_attribute("aria-valuenow"))
        mean = root.get_by_role("slider", name="mean m1")
        box = mean.bounding_box()
        target = page.evaluate("x => document.querySelector('div.cavi-live').caviExplorer.sx(x)", x)
        svg_box = root.locator("svg").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(svg_box["x"] + target, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        phi = page.evaluate("() => Array.from(document.querySelector('div.cavi-live').caviExplorer.phi)")
        assert np.argmax(phi) == 0 and abs(sum(phi) - 1) < 1e-12
        # the page's phi is vilib's for the same point, means and variances
        e = page.evaluate("() => { const e = document.querySelector('div.cavi-live').caviExplorer;"
                          " return {x: e.x, m: e.m, s2: e.s2}; }")
        ref = vilib.update_phi(np.array([e["x"]]), np.array(e["m"]), np.array(e["s2"]))[0]
        np.testing.assert_allclose(phi, ref, rtol=1e-12, atol=1e-15)
        assert view.errors == []
    finally:
        view.close()


def test_dark_mode_redraws(cavi_page):
    page = cavi_page.page
    light = picture(page)
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    page.wait_for_timeout(50)
    dark = picture(page)
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'light')")
    assert dark != light


# ---------------------------------------------------------------- file://, budget
@pytest.mark.parametrize("doc", [CAVI_1D, CAVI_2D])
def test_page_opened_as_a_file_works(browser, doc):
    view = Page(browser, (SITE / f"{doc}.html").as_uri())
    try:
        page = view.page
        shown = picture(page)
        page.locator("div.cavi-live").get_by_role("button", name=re.compile("^Step")).click()
        assert explorer_state(page)["h"] == 1 and picture(page) != shown
        assert all(urlsplit(u).scheme in ("file", "data", "blob", "about") for u in view.requests)
        # Chromium refuses every web font over file:// (fonts are CORS requests and a file has
        # no origin): math and icons fall back to local fonts there. Any other error fails.
        font_cors = [e for e in view.errors
                     if e.startswith("Access to font at 'file://") and "blocked by CORS" in e]
        failed = [e for e in view.errors if e == "Failed to load resource: net::ERR_FAILED"]
        assert len(failed) <= len(font_cors)      # each refused font also logs one of these
        assert [e for e in view.errors if e not in font_cors and e not in failed] == []
    finally:
        view.close()


def added_bytes(doc: str) -> int:
    """Bytes the explorers add to a page: their markup plus every file it loads from _explorers."""
    text = (SITE / f"{doc}.html").read_text(encoding="utf8")
    markup = sum(len(m.encode()) for m in re.findall(
        r'<div class="cavi-live".*?</div>\s*(?:<link[^>]*_explorers[^>]*>\s*|<script[^>]*_explorers[^>]*></script>\s*)*',
        text, flags=re.S))
    files = set(re.findall(r'(?:src|href)="([^"]*_explorers/[^"]+)"', text))
    assert files, f"{doc} loads no explorer file"
    page_dir = (SITE / doc).parent
    return markup + sum((page_dir / f).resolve().stat().st_size for f in files)


@pytest.mark.parametrize("doc", list(EXPLORER_PAGES))
def test_explorers_fit_the_page_budget(doc):
    require_site()
    assert added_bytes(doc) <= BUDGET


def test_explorer_files_only_on_explorer_pages():
    require_site()
    for path in SITE.rglob("*.html"):
        doc = path.relative_to(SITE).with_suffix("").as_posix()
        if doc not in EXPLORER_PAGES:
            assert "_explorers/" not in path.read_text(encoding="utf8"), doc
    assert not list((SITE / "_static").rglob("cavi-engine.js")), "the engine must not be in _static"


# ---------------------------------------------------------------- the engine names the book's equations
ENGINE = ROOT / "book" / "_explorers" / "cavi-engine.js"


def test_engine_functions_name_existing_equation_labels():
    """Each update and ELBO-term function of the engine names an equation label of the book,
    and every label the engine names exists (``$$ (label)``) in a chapter."""
    source = re.sub(r"[\w-]+\.(?:js|py)\b", "", ENGINE.read_text(encoding="utf8"))   # not file names
    labels_in_book = set()
    for chapter in (ROOT / "book").glob("*.md"):
        labels_in_book |= set(re.findall(r"^\$\$ \(([\w-]+)\)", chapter.read_text(encoding="utf8"), re.M))
    named = set(re.findall(r"\b((?:phi|sq|dd|cavi)-[a-z0-9-]*[a-z0-9])\b", source))
    assert named and named <= labels_in_book, named - labels_in_book
    # the comment right above each of these functions names at least one label
    for function in ("logitsOfPoint", "updatePhi", "updateMu", "elboLogPMu", "elboLogPC",
                     "elboLogPX", "elboEntropyC", "elboEntropyMu", "elboTerms"):
        head = source[:source.index(f"function {function}(")]
        comment = head[head.rindex("/*"):]
        assert set(re.findall(r"\b((?:phi|sq|dd|cavi)-[a-z0-9-]*[a-z0-9])\b", comment)) & labels_in_book, function


def test_engine_names_existing_vilib_functions():
    """The vilib functions the engine says it mirrors exist (they moved once already)."""
    import importlib

    names = set(re.findall(r"\b(vilib\.core\.\w+)\.(\w+)\b", ENGINE.read_text(encoding="utf8")))
    assert len(names) >= 4
    for module, function in names:
        assert callable(getattr(importlib.import_module(module), function)), (module, function)
