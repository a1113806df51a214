"""Print the built book to PDF: one file for the whole book and one per chapter (`make pdf`).

    python book/_tools/make_pdf.py [--edition student|instructor] [--only PAGE ...] [--no-book]

Reads the HTML that `make book` wrote to ``_build/html`` and prints it with Chromium's own
print-to-PDF (Playwright driving Debian's /usr/bin/chromium), offline: the pages are served
from a local server on 127.0.0.1 and every request elsewhere is refused (and counted: any
fails the run). Before printing, each page

* waits until MathJax (if the site still typesets in the browser) has typeset every formula,
  and until every image has loaded;
* gets a print style (``PRINT_CSS``): no header, sidebars, buttons, download links or
  prev/next links; the text at full width; figures, equations, tables and exercise boxes kept
  whole on a page; headings kept with what follows; each chapter on a new page;
* shows solutions as the edition says: ``student`` removes every sphinx-exercise solution
  (and leaves out the instructors' page), ``instructor`` opens every solution dropdown;
* keeps links within the printed document (in the whole book, a link to another chapter
  becomes a link inside the PDF) and drops the ones that would lead nowhere on paper.

The whole book is one HTML document made of every page's article in the order of _toc.yml
(with a title page and the table of contents as printed by Chromium's outline), so its pages
are numbered through. Output: ``_build/pdf/<edition>/cavi-book-<edition>.pdf`` and
``_build/pdf/<edition>/<chapter>.pdf``. Prints each file's page count and the time taken.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "pdf"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EDITIONS = ("student", "instructor")
BOOK_PAGE = "book/_print_book.html"      # written next to the chapters, removed afterwards

PRINT_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
html, body { background: #fff !important; color: #000 !important; }
.bd-header, .bd-header-announcement, .bd-sidebar-primary, .bd-sidebar-secondary,
.bd-header-article, .header-article, .prev-next-area, .prev-next-footer, .bd-footer,
.bd-footer-article, .bd-footer-content, footer, #pst-back-to-top, .pst-scrollable-table-container ~ button,
.headerlink, .copybtn, button, .toggle-button, .ipynb-download, .skip-link, .search-button,
.theme-switch-button, .sidebar-toggle, .bd-search, .announcement, .cavi-no-print,
.cell_input .highlight button { display: none !important; }
.bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-page-width,
.bd-article { max-width: none !important; width: auto !important; margin: 0 !important;
  padding: 0 !important; display: block !important; overflow: visible !important; }
body { font-size: 10.5pt; line-height: 1.45; }
a { color: inherit !important; text-decoration: none !important; }
img { max-width: 100% !important; }
figure, .cell_output, .math, mjx-container[display="true"], table, pre, .admonition,
.exercise, .solution, .sd-card, .highlight { break-inside: avoid; page-break-inside: avoid; }
h1, h2, h3, h4, .admonition-title, p.caption, figcaption { break-after: avoid;
  page-break-after: avoid; }
p { orphans: 3; widows: 3; }
.print-chapter { break-before: page; page-break-before: always; }
.print-chapter:first-of-type { break-before: auto; page-break-before: auto; }
.print-title { text-align: center; padding-top: 30vh; break-after: page; }
.print-title h1 { font-size: 2.4em; }
.toggle-hidden, .toggle-details__summary ~ * { display: revert !important; visibility: visible !important;
  opacity: 1 !important; height: auto !important; }
div.cell div.cell_input { border-left-width: 2px; }
/* plumbing the site folds away (hide-input / hide-cell) stays off paper */
.cell details.hide { display: none !important; }
/* shadows would be printed as raster images */
* { box-shadow: none !important; text-shadow: none !important; }
/* rounded, clipped boxes would be printed with raster masks */
.admonition, div.admonition, .sd-card, div.cell_input, div.highlight { border-radius: 0 !important; }
"""

PREPARE_JS = """
async (edition) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  }
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
    new Promise(done => { img.onload = img.onerror = done; })));
  if (edition === "student") {
    document.querySelectorAll(".solution").forEach(e => e.remove());
  } else {
    document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
    document.querySelectorAll("details").forEach(e => { e.open = true; });
    document.querySelectorAll(".solution, .dropdown").forEach(e =>
      e.classList.remove("dropdown", "toggle-hidden"));
  }
  // links to other pages of the local site would be dead on paper: keep the text only
  document.querySelectorAll("a[href]").forEach(a => {
    const url = new URL(a.getAttribute("href"), location.href);
    if (url.origin === location.origin && !(url.pathname === location.pathname && url.hash)) {
      a.removeAttribute("href");
    }
  });
  const raw = document.querySelectorAll(".math:not(:has(mjx-container)):not(:has(.katex))");
  return {solutions: document.querySelectorAll(".solution").length,
          exercises: document.querySelectorAll(".exercise").length,
          untypeset: Array.from(raw).filter(e => /\\\\[a-zA-Z]/.test(e.textContent)).length};
}
"""


def toc_pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """The pages of the book in reading order (``book/<name>``), as _toc.yml lists them
    (parts, chapters and their sections, depth first)."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(p).with_suffix("")) for p in pages]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def combined_page(pages: list[str], title: str) -> str:
    """One HTML document: the first page's head and frame, every page's article in turn."""
    first = BeautifulSoup((HTML / f"{pages[0]}.html").read_text(encoding="utf-8"), "html.parser")
    article = first.select_one("article.bd-article")
    article.clear()
    cover = first.new_tag("section", attrs={"class": "print-title"})
    heading = first.new_tag("h1")
    heading.string = title
    cover.append(heading)
    article.append(cover)
    names = {Path(page).name for page in pages}
    for page in pages:
        soup = BeautifulSoup((HTML / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
        body = soup.select_one("article.bd-article")
        if body is None:
            raise SystemExit(f"{page}.html has no <article class='bd-article'>")
        # a link to a page of this book becomes a link inside the one document (a PDF link)
        for a in body.select("a[href]"):
            target, _, anchor = a["href"].partition("#")
            if target.endswith(".html") and "://" not in target and \
                    Path(target).stem in names:
                a["href"] = f"#{anchor}" if anchor else f"#print-{Path(target).stem}"
        chapter = first.new_tag("section", attrs={"class": "print-chapter", "data-page": page,
                                                  "id": f"print-{Path(page).name}"})
        chapter.extend(list(body.contents))
        article.append(chapter)
    return str(first)


def print_page(page, url: str, edition: str, target: Path, header: str) -> dict:
    page.goto(url, wait_until="load", timeout=300_000)
    page.emulate_media(media="print")
    page.add_style_tag(content=PRINT_CSS)
    found = page.evaluate(PREPARE_JS, edition)
    if found["untypeset"]:
        raise SystemExit(f"{url}: {found['untypeset']} formulas left untypeset")
    if edition == "student" and found["solutions"]:
        raise SystemExit(f"{url}: solutions left in the student edition")
    target.parent.mkdir(parents=True, exist_ok=True)
    small = "font-size:7.5pt; font-family: sans-serif; color:#555; width:100%; margin:0 15mm;"
    page.pdf(path=str(target), format="A4", print_background=True, prefer_css_page_size=True,
             display_header_footer=True,
             header_template=f'<div style="{small}">{header}</div>',
             footer_template=f'<div style="{small} text-align:center;">'
                             '<span class="pageNumber"></span> / <span class="totalPages"></span>'
                             "</div>")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", choices=EDITIONS, default="student")
    parser.add_argument("--only", nargs="*", metavar="PAGE",
                        help="print only these pages (e.g. generative_model), and make the "
                             "book of them alone")
    parser.add_argument("--no-book", action="store_true", help="skip the whole-book PDF")
    parser.add_argument("--html", type=Path, default=HTML)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    html_dir = args.html.resolve()
    if not (html_dir / "index.html").exists():
        raise SystemExit(f"No {html_dir}/index.html: run `make book` first")
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    pages = toc_pages()
    if args.edition == "student":       # the instructors' page is for the instructor edition
        pages = [p for p in pages if Path(p).name != "instructors"]
    chapters = [p for p in pages if not args.only or Path(p).name in args.only]
    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    out = args.out / args.edition
    server, base = serve(html_dir)
    outside: list[str] = []
    combined = html_dir / BOOK_PAGE
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1000, "height": 1400})

            def offline(route):
                if urlparse(route.request.url).netloc == urlparse(base).netloc:
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", offline)
            page = context.new_page()
            for name in chapters:
                target = out / f"{Path(name).name}.pdf"
                t0 = time.perf_counter()
                found = print_page(page, f"{base}/{name}.html", args.edition, target,
                                   f"{title} · {args.edition} edition")
                results[target] = (time.perf_counter() - t0, found)
            if not args.no_book:
                # with --only, the "book" is made of those pages alone (quick to test)
                combined.write_text(combined_page(chapters, title), encoding="utf-8")
                target = out / f"cavi-book-{args.edition}.pdf"
                t0 = time.perf_counter()
                found = print_page(page, f"{base}/{BOOK_PAGE}", args.edition, target,
                                   f"{title} · {args.edition} edition")
                results[target] = (time.perf_counter() - t0, found)
            browser.close()
    finally:
        combined.unlink(missing_ok=True)
        server.shutdown()
    if outside:
        raise SystemExit(f"requests outside the local book were refused: {outside[:5]}")
    for target, (seconds, found) in results.items():
        shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{shown}: {page_count(target)} pages, "
              f"{target.stat().st_size / 1e6:.1f} MB, {found['exercises']} exercises, "
              f"{found['solutions']} solutions ({seconds:.1f} s)")
    print(f"make pdf ({args.edition}): {len(results)} PDFs in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
