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


def test_kernelspec_is_what_jupyterlab_writes():
    """JupyterLab writes the running kernel's spec into the notebook's metadata when the kernel
    starts; a chapter storing anything else is marked modified on opening and its autosave
    rewrites the header (found by book/_tools/check_lab.py)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    expected = {"name": "python3", "display_name": spec.display_name, "language": spec.language}
    for path in CHAPTERS:
        stored = dict(jupytext.read(path).metadata["kernelspec"])
        assert stored == expected, f"{path.name}: kernelspec {stored}, JupyterLab writes {expected}"
