"""Chapters are stored exactly as Jupytext writes them.

JupyterLab (with Jupytext) saves an opened chapter with ``jupytext.writes(nb, "md:myst")``.
If that text differed from the file, merely opening and saving a chapter would rewrite it
(header fields, folded captions). This test pins the stored form: the round trip is the
identity for every chapter.
"""

from pathlib import Path

import jupytext
import pytest

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(p for p in BOOK.glob("*.md")
                  if "kernelspec:" in p.read_text(encoding="utf-8").split("\n---", 1)[0])


def test_every_notebook_chapter_is_found():
    assert len(CHAPTERS) >= 13


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_jupytext_round_trip_is_identity(path):
    text = path.read_text(encoding="utf-8")
    assert jupytext.writes(jupytext.reads(text, "md:myst"), "md:myst") == text, (
        f"{path.name} is not in the form Jupytext writes: run `make normalise`")
