"""The instructors' page (book/instructors.md): every exercise of the book in its index, reading
times that follow the text, the tutorial's two assignments, and a grading example that prints
what the page says it prints.  The HTML checks read the built book (`make book`)."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html" / "book"
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_guide  # noqa: E402

CHAPTERS = [Path(doc).name for doc in course_guide.numbered_chapters(ROOT)]


def soup(name: str) -> BeautifulSoup:
    path = HTML / f"{name}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make book` first", pytrace=False)
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def exercises_on_site() -> list[tuple[str, str]]:
    """(chapter, id) of every exercise box the built chapters show, in book order."""
    found = []
    for name in CHAPTERS:
        for box in soup(name).select("article div.exercise[id]"):
            found.append((name, box["id"]))
    return found


def index_rows():
    table = soup("instructors").select_one("table.cavi-exercise-index")
    assert table is not None, "no exercise index on the instructors' page"
    return table.select("tbody tr")


def test_every_exercise_of_the_book_is_in_the_index_once_in_order():
    on_site = exercises_on_site()
    assert len(on_site) >= 30
    linked = []
    for row in index_rows():
        cells = row.find_all("td")
        href = cells[0].find("a")["href"]
        page, _, anchor = href.partition("#")
        linked.append((Path(page).stem, anchor))
        assert re.fullmatch(r"Exercise \d+\.\d+", cells[0].get_text(strip=True))
        assert cells[1].get_text(strip=True), "chapter missing"
        assert re.match(r"★+☆*", cells[2].get_text(strip=True)), "difficulty missing"
        assert len(cells[3].get_text(strip=True)) > 10, "what it practises is missing"
    assert linked == on_site


def test_exercises_found_in_the_sources_are_those_on_the_site():
    """The build-time scanner of the sources agrees with what sphinx-exercise rendered."""
    from_sources = [(name, label) for name in CHAPTERS for label, _ in
                    course_guide.find_exercises((ROOT / "book" / f"{name}.md").read_text())]
    assert from_sources == exercises_on_site()


def test_checker_column_marks_the_exercises_that_name_a_checker():
    marked = {row.find("a")["href"].partition("#")[2]
              for row in index_rows() if row.find_all("td")[4].get_text(strip=True) == "yes"}
    assert {"ex-phi-update", "ex-sq-complete", "ex-sq-lambda", "ex-cavi-mu-term"} <= marked
    assert "ex-kl-budget" not in marked


def test_reading_times_follow_the_text():
    """Each chapter's stated minutes, against its words counted independently in the built
    page (prose only: no code, outputs, solutions or math markup)."""
    table = soup("instructors").select_one("table.cavi-chapter-guide")
    rows = table.select("tbody tr")
    assert [Path(r.find("a")["href"]).stem for r in rows] == CHAPTERS
    stated, counted = [], []
    for row, name in zip(rows, CHAPTERS):
        minutes = int(re.match(r"(\d+) min", row.find_all("td")[1].get_text(strip=True))[1])
        article = soup(name).select_one("article.bd-article")
        for junk in article.select(".cell_input, .cell_output, .solution, .math, "
                                   "script, style, .ipynb-download"):
            junk.decompose()
        words = len(article.get_text(" ").split())
        # 180 words a minute plus time for displays and figures: between 0.7x and 3x the
        # words-only time, and never zero
        assert words / 180 * 0.7 <= minutes <= words / 180 * 3 + 2, (name, minutes, words)
        stated.append(minutes)
        counted.append(words)
    longest, shortest = counted.index(max(counted)), counted.index(min(counted))
    assert stated[longest] > stated[shortest]


def test_reading_minutes_counts_words_displays_and_figures():
    prose = "word " * 180
    assert course_guide.reading_minutes(prose)[:2] == (1, 180)
    assert course_guide.reading_minutes(prose * 3)[0] == 3
    with_displays = prose + "\n$$\na + b\n$$ (eq-x)\n" * 6          # 6 x 20 s = 2 min
    assert course_guide.reading_minutes(with_displays)[:3] == (3, 180, 6)
    code = prose + "\n```{code-cell} ipython3\n" + "ignored " * 500 + "\n```\n"
    assert course_guide.reading_minutes(code)[:2] == (1, 180)
    gated = (prose + "\n:::{solution-start} ex-a\n:class: dropdown\n:::\n" + "hidden " * 400
             + "\n:::{solution-end}\n:::\n" + "after " * 180)
    assert course_guide.reading_minutes(gated)[:2] == (2, 360)


def test_tutorial_sheet_sets_the_two_assignments():
    page = soup("instructors")
    section = next((sec for sec in page.select("article section")
                    if sec.find("h2") and sec.find("h2").get_text().startswith("A tutorial")),
                   None)
    assert section is not None, "no section 'A tutorial from the book'"
    targets = {a["href"].partition("#")[2] for a in section.select("a[href*='#ex-']")}
    assert {"ex-phi-update", "ex-sq-complete"} <= targets
    for name, label in [("phi_update", "ex-phi-update"), ("completing_square", "ex-sq-complete")]:
        box = soup(name).find(id=label)
        assert box is not None, f"{name} has no exercise {label}"
        # the chapters are self-contained (no "tutorial assignment" wording, issue 10): the
        # sheet itself says which exercise is which assignment
    text = section.get_text(" ")
    assert "(a)" in text and "(b)" in text


def test_grading_example_prints_what_the_page_says():
    text = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    grading = text.split("## Grading with", 1)[1]
    code = re.search(r"```python\n(.*?)```", grading, re.S).group(1)
    claimed = re.search(r"This prints `([^`]+)` and `([^`]+)`", grading).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "instructors.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert [line for line in lines if not line.startswith(" ")] == list(claimed)
    hints = [line for line in lines if line.startswith(" ")]
    assert len(hints) == 2 and all("not right yet. Hint:" in h for h in hints)
    assert "s_k^2" in hints[0] and "prior" in hints[1]
