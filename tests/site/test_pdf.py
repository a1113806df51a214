"""`make pdf` (book/_tools/make_pdf.py) on the built book: the PDF's text, read back with
pdftotext (poppler-utils), holds no raw LaTeX or MyST; the student edition has no solution and
the instructor edition every one; a book of two chapters starts each on a new page.

Prints two chapters (a book of both, and each alone) for the student edition and one chapter
for the instructor edition, to stay quick; `make pdf` prints the whole book the same way."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_tools"))
import make_pdf  # noqa: E402

RAW = ["\\frac", "$$", "\\begin", "{eq}", "\\(", "\\[", "{numref}", "{glue:", "{cite",
       ":::", "```{", "\\mathcal", "\\sum_"]
CHAPTERS = ["generative_model", "phi_update"]


def require_build():
    if not (ROOT / "_build" / "html" / "index.html").is_file():
        pytest.fail("_build/html/index.html is missing: run `make book` first", pytrace=False)


def text_of(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [] if first is None else ["-f", str(first), "-l", str(last)]
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def exercises_in(name: str) -> int:
    return len(re.findall(r"^:::+\{exercise\}", (ROOT / "book" / f"{name}.md").read_text(),
                          re.M))


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    require_build()
    out = tmp_path_factory.mktemp("pdf")
    assert make_pdf.main(["--edition", "student", "--only", *CHAPTERS, "--out", str(out)]) == 0
    return out / "student"


@pytest.fixture(scope="module")
def instructor(tmp_path_factory):
    require_build()
    out = tmp_path_factory.mktemp("pdf")
    assert make_pdf.main(["--edition", "instructor", "--only", "phi_update", "--no-book",
                          "--out", str(out)]) == 0
    return out / "instructor"


def assert_typeset(text: str, where: str):
    raw = [s for s in RAW if s in text]
    assert not raw, f"{where}: raw LaTeX/MyST in the PDF's text: {raw}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_pdf_is_typeset_and_without_solutions(student, name):
    pdf = student / f"{name}.pdf"
    pages = make_pdf.page_count(pdf)
    assert 3 <= pages <= 40, pages
    text = text_of(pdf)
    assert_typeset(text, pdf.name)
    # the chapter's title, its exercises (numbered by sphinx-exercise), no solution
    title = re.search(r"^# (.+)$", (ROOT / "book" / f"{name}.md").read_text(), re.M)[1]
    assert title.split("$")[0].strip() in " ".join(text.split())
    assert len(re.findall(r"Exercise \d+\.\d+", text)) >= exercises_in(name)
    assert "Solution to" not in text
    # no page furniture: the sidebar's chapter list and the download link stay off paper
    assert "Download this chapter" not in text
    assert "Skip to main content" not in text


def test_book_pdf_numbers_pages_through_and_starts_chapters_on_new_pages(student):
    book = student / "cavi-book-student.pdf"
    pages = make_pdf.page_count(book)
    alone = [make_pdf.page_count(student / f"{name}.pdf") for name in CHAPTERS]
    # a title page, then each chapter as long as alone, give or take its last page's fill
    assert sum(alone) + 1 - len(CHAPTERS) <= pages <= sum(alone) + 1 + len(CHAPTERS)
    title_page = " ".join(text_of(book, 1, 1).split())
    assert make_pdf.yaml.safe_load((ROOT / "_config.yml").read_text())["title"] in title_page
    assert_typeset(text_of(book), book.name)
    # the second chapter begins at the top of a page: the first line of some page is its title
    title = re.search(r"^# (.+)$", (ROOT / "book" / f"{CHAPTERS[1]}.md").read_text(), re.M)[1]
    words = title.replace("$", " ").split()[:2]
    tops = []
    for page in range(2, pages + 1):
        lines = [line.strip() for line in text_of(book, page, page).splitlines() if line.strip()]
        tops.append(" ".join(lines[1:3]))      # below the running header
    assert any(all(w in top for w in words if w.isalpha()) for top in tops), tops[:5]
    assert f"1 / {pages}" in text_of(book, 1, 1)


def test_instructor_edition_shows_every_solution(instructor):
    pdf = instructor / "phi_update.pdf"
    text = text_of(pdf)
    assert_typeset(text, pdf.name)
    n = exercises_in("phi_update")
    assert len(re.findall(r"Solution to\s+Exercise", text)) == n
    # the first solution's text is on paper, not folded away
    assert "Lagrangian" in text


def test_no_raw_latex_outside_math_on_any_page():
    """The PDF is printed from the site's HTML: math that MyST did not parse as math (say, an
    inline formula broken by a line that starts with "- ") would print raw. Every page of the
    book, solutions included, keeps its LaTeX inside math elements."""
    from bs4 import BeautifulSoup

    require_build()
    raw_tex = re.compile(r"\\(frac|begin|sum|log|mu|sigma|varphi|mathcal|big)\b|\$\$|\$\\")
    bad = {}
    for page in make_pdf.toc_pages():
        html = (ROOT / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")
        article = BeautifulSoup(html, "html.parser").select_one("article.bd-article")
        for skip in article.select(".math, pre, code, script, style, .highlight, .cell_input, "
                                   ".cell_output, dt.sig, .sig"):
            skip.decompose()
        found = raw_tex.findall(article.get_text(" "))
        if found:
            bad[page] = found[:5]
    assert not bad, f"raw LaTeX outside math: {bad}"
