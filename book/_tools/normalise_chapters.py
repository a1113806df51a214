"""Rewrite every chapter in the exact form Jupytext writes (``make normalise``).

JupyterLab with Jupytext saves a chapter as ``jupytext.writes(nb, "md:myst")``. Storing the
chapters in that form means opening and saving one changes nothing
(``tests/chapters/test_roundtrip.py``). Multi-line strings in cell metadata (figure captions,
alt text) are folded to one line first: YAML would otherwise store their line breaks as
blank lines. The kernelspec is the one JupyterLab writes into a chapter once its kernel has
started (ipykernel's ``python3``): with any other, opening a chapter in `make lab` would mark it
modified and its autosave would rewrite the header.
"""

from pathlib import Path

import jupytext

BOOK = Path(__file__).resolve().parents[1]

#: ipykernel's own kernelspec, as JupyterLab stores it in a notebook's metadata.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _fold(value):
    if isinstance(value, str) and "\n" in value:
        return " ".join(line.strip() for line in value.strip().splitlines() if line.strip())
    if isinstance(value, dict):
        return {k: _fold(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fold(v) for v in value]
    return value


def is_chapter(path: Path) -> bool:
    """A MyST notebook: its front matter has a kernelspec."""
    return "kernelspec:" in path.read_text(encoding="utf-8").split("\n---", 1)[0]


def normalise(path: Path) -> bool:
    """Rewrite ``path`` in Jupytext's form; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    nb = jupytext.reads(text, "md:myst")
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata = _fold(dict(cell.metadata))
    out = jupytext.writes(nb, "md:myst")
    if out != text:
        path.write_text(out, encoding="utf-8")
    return out != text


if __name__ == "__main__":
    for chapter in sorted(BOOK.glob("*.md")):
        if is_chapter(chapter) and normalise(chapter):
            print("normalised", chapter.relative_to(BOOK.parent))
