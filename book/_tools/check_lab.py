"""Check `make lab` as a reader meets it: a chapter opens as a notebook, MyST rendered, and
opening, running and saving it changes no file.  Run by `make lab-check`.

Starts JupyterLab (requirements-lab.txt, set up by `make lab-setup`) headless on 127.0.0.1
with a free port, fresh user settings and a private runtime folder (nothing from, or into,
the user's home), drives it with Playwright and Debian's Chromium, and for each chapter given
(default: book/generative_model.md and book/cavi_algorithm.md, the two that JupyterLab's
autosave used to rewrite)

1. opens ``lab/tree/<chapter>`` (a plain double-click's URL) and checks that a notebook, not
   the text editor, shows it, with as many cells as Jupytext reads from the file;
2. checks that jupyterlab-myst rendered its Markdown: the heading is an <h1>, math is typeset,
   no target label ``(name)=``, directive fence or role (``{numref}``) shows as raw text;
3. waits for the kernel, runs the first code cell, saves (Ctrl+S), confirms through the
   server's contents API that the file was written, and checks that its bytes are unchanged
   and ``git status`` lists no change in book/.

Prints what it saw and the time taken; exits 1 on the first failed check.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def fail(message: str) -> None:
    print(f"FAIL: {message}", file=sys.stderr)
    raise SystemExit(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(tmp: Path, token: str):
    """JupyterLab on 127.0.0.1:<free port>, serving book/, with settings only from .venv and tmp."""
    lab = Path(sys.executable).with_name("jupyter-lab")
    if not lab.exists():
        fail(f"{lab} not found: run `make lab-setup` (requirements-lab.txt)")
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1",
           "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces")}
    # fresh user settings: every cell kept in the page (no virtual scrolling hides text from
    # the check) and no news prompt; the defaults under test come from .venv/etc/jupyter
    for plugin, settings in {"notebook-extension/tracker": {"windowingMode": "none"},
                             "apputils-extension/notification": {"fetchNews": "false"}}.items():
        path = tmp / "user-settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    port = free_port()
    cmd = [str(lab), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={BOOK}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=BOOK, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if proc.poll() is not None:
            fail(f"JupyterLab exited: {(tmp / 'lab.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    fail("JupyterLab did not answer within 120 s")


def contents(base: str, token: str, rel: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/contents/{rel}?content=0&token={token}") as r:
        return json.load(r)


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", "book"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def check_chapter(page, base: str, token: str, chapter: Path) -> None:
    rel = chapter.relative_to(BOOK).as_posix()
    before_bytes = chapter.read_bytes()
    before_status = git_status()
    n_cells = len(jupytext.read(chapter).cells)
    t0 = time.perf_counter()
    page.goto(f"{base}/lab/tree/{rel}?token={token}&reset")
    panel = page.locator(".jp-NotebookPanel:visible")
    try:
        panel.wait_for(timeout=90_000)
    except Exception:
        editors = page.locator(".jp-FileEditor:visible").count()
        fail(f"{rel}: no notebook opened (text editors visible: {editors})")
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length >= n",
        arg=n_cells, timeout=60_000)
    shown = page.locator(".jp-NotebookPanel .jp-Cell").count()
    if shown != n_cells:
        fail(f"{rel}: the notebook shows {shown} cells, Jupytext reads {n_cells}")
    print(f"  {rel}: opened as a notebook with {shown} cells "
          f"({time.perf_counter() - t0:.1f} s)")

    # MyST rendered: jupyterlab-myst renders a Markdown cell into a `.myst` element
    n_markdown = sum(cell.cell_type == "markdown" for cell in jupytext.read(chapter).cells)
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell .myst').length >= n",
        arg=n_markdown, timeout=60_000)
    text = page.locator(".jp-NotebookPanel .jp-MarkdownCell .myst").all_inner_texts()
    text = "\n".join(text)
    title = jupytext.read(chapter).cells[0].source.splitlines()
    heading = next(line[2:].strip() for line in title if line.startswith("# "))
    if page.locator(".jp-NotebookPanel .jp-MarkdownCell h1", has_text=heading).count() < 1:
        fail(f"{rel}: the title {heading!r} is not rendered as a heading")
    raw = [s for s in ("```{", ":::{", "{numref}`", "{eq}`", "{glue:text}`", "$$") if s in text]
    labels = [line for line in text.splitlines() if line.strip().startswith("(")
              and line.strip().endswith(")=")]
    if raw or labels:
        fail(f"{rel}: raw MyST in the rendered cells: {raw + labels[:3]}")
    math = page.locator(".jp-NotebookPanel .jp-MarkdownCell .katex, "
                        ".jp-NotebookPanel .jp-MarkdownCell mjx-container").count()
    if math == 0:
        fail(f"{rel}: no typeset math in the rendered Markdown")
    print(f"  {rel}: MyST rendered in all {n_markdown} Markdown cells (title as <h1>, {math} "
          "typeset formulas, no raw directive, role or label)")

    # the kernel starts (JupyterLab then writes language_info into the model), a cell runs
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator"
                           "[data-status='idle']", timeout=120_000)
    first_code = page.locator(".jp-NotebookPanel .jp-CodeCell").first
    first_code.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "() => { const p = document.querySelector('.jp-NotebookPanel .jp-CodeCell "
        ".jp-InputPrompt'); return p && /\\[\\d+\\]/.test(p.textContent); }", timeout=120_000)
    saved_before = contents(base, token, rel)["last_modified"]
    time.sleep(1.1)  # a new save gets a later mtime, even on a coarse clock
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click()
    page.keyboard.press("Control+s")
    for _ in range(60):
        if contents(base, token, rel)["last_modified"] != saved_before:
            break
        time.sleep(0.5)
    else:
        fail(f"{rel}: Ctrl+S did not save the file (last_modified unchanged)")
    # the server may still be writing when its mtime has changed: wait for the tab to be
    # clean, then give the file a few seconds to settle before comparing
    page.wait_for_function("() => !document.querySelector('.jp-mod-current.jp-mod-dirty')",
                           timeout=30_000)
    for _ in range(20):
        if chapter.read_bytes() == before_bytes:
            break
        time.sleep(0.5)
    else:
        diff = subprocess.run(["git", "diff", "--stat", "--", str(chapter)], cwd=ROOT,
                              capture_output=True, text=True).stdout
        fail(f"{rel}: saving changed the file: {diff or '(not yet on disk)'}")
    if git_status() != before_status:
        fail(f"{rel}: git status changed: {git_status()!r}")
    print(f"  {rel}: kernel ran a cell, saved (mtime {saved_before} -> new), "
          "bytes identical, git status clean")


WIDGET_LATENCY_JS = """
async ([index, key]) => {
  // time from a key press on the index-th slider to the explorer's new picture
  const img = document.querySelector('.jp-NotebookPanel .widget-image');
  const before = img.src;
  const done = new Promise(resolve => {
    const seen = new MutationObserver(() => {
      if (img.src !== before) { seen.disconnect(); resolve(performance.now()); }
    });
    seen.observe(img, {attributes: true, attributeFilter: ['src']});
  });
  const handle = document.querySelectorAll('.jp-NotebookPanel .widget-slider .noUi-handle')[index];
  handle.focus();
  const start = performance.now();
  handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
  const end = await Promise.race([done, new Promise(r => setTimeout(() => r(NaN), 20000))]);
  return end - start;
}
"""


def widget_latency(page, base: str, token: str, repeats: int = 8) -> dict[str, list[float]]:
    """Milliseconds from moving a slider of the generative-model explorer (in JupyterLab, a
    live kernel) to its new picture on screen. Runs the chapter's cells; saves nothing."""
    page.goto(f"{base}/lab/tree/generative_model.md?token={token}&reset")
    page.locator(".jp-NotebookPanel:visible").wait_for(timeout=90_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator"
                           "[data-status='idle']", timeout=120_000)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_selector(".jp-NotebookPanel .widget-image", timeout=300_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator"
                           "[data-status='idle']", timeout=300_000)
    out = {}
    for index, name in [(0, "K"), (1, "sigma"), (2, "n")]:
        times = []
        for j in range(repeats):
            key = "ArrowRight" if j % 2 == 0 else "ArrowLeft"
            times.append(page.evaluate(WIDGET_LATENCY_JS, [index, key]))
        out[name] = times
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widget-latency", action="store_true",
                        help="also time the generative-model explorer in the live kernel")
    parser.add_argument("chapters", nargs="*",
                        default=["book/generative_model.md", "book/cavi_algorithm.md"])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="cavi-lab-check-"))
    token = secrets.token_hex(16)
    proc, base = start_lab(tmp, token)
    print(f"JupyterLab at {base} ({time.perf_counter() - start:.1f} s)")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            for chapter in args.chapters:
                check_chapter(page, base, token, (ROOT / chapter).resolve())
            if args.widget_latency:
                import statistics

                before = git_status()
                for name, ms in widget_latency(page, base, token).items():
                    if any(m != m for m in ms):
                        fail(f"the explorer's picture did not change when {name} moved")
                    print(f"  explorer in JupyterLab, {name} slider: median "
                          f"{statistics.median(ms):.0f} ms, max {max(ms):.0f} ms "
                          f"(key press to new picture, {len(ms)} moves)")
                if git_status() != before:
                    fail("running the chapter changed a file")
            browser.close()
        if errors:
            print(f"  page errors (not failures): {errors[:3]}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"lab check passed in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
