"""Finding a labelled display (``$$ ... $$ (label)``) in the chapter sources, and where records go."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from vilib.teaching.displays._base import DisplayError

# ------------------------------------------------------------------------------------------
# Finding a display
# the chapter form `$$ ... $$ (label)`, and the downloaded notebooks' form (book/_ext/
# notebook_editions.py): `$$ ... \tag{7.1} $$` followed by the comment `<!-- (label) -->`
_DISPLAY_RE = re.compile(r"^\$\$[ \t]*\n(?P<body>.*?)\n(?:\\tag\{[^}\n]*\}\n)?\$\$[ \t]*"
                         r"(?:\((?P<label>[A-Za-z0-9_:.-]+)\)|\n<!-- \((?P<tagged>[A-Za-z0-9_:.-]+)\) -->)"
                         r"[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Display:
    label: str
    chapter: str          # file name, e.g. "joint_density.md"
    latex: str


def _book_dirs() -> list[Path]:
    """Where chapter sources may be: $CAVI_BOOK_DIR, the cwd (a notebook runs in book/),
    ./book, and the book/ next to this package's repository."""
    dirs = []
    if os.environ.get("CAVI_BOOK_DIR"):
        dirs.append(Path(os.environ["CAVI_BOOK_DIR"]))
    cwd = Path.cwd()
    dirs += [cwd, cwd / "book", Path(__file__).resolve().parents[3] / "book"]
    return [p for p in dirs if p.is_dir()]


def _sources(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.md")) + sorted(directory.glob("*.ipynb"))


def _displays_in(path: Path) -> Iterable[Display]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":      # a downloaded notebook: the displays live in markdown cells
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            return
        text = "\n".join("".join(cell.get("source", "")) for cell in cells
                         if cell.get("cell_type") == "markdown")
    for match in _DISPLAY_RE.finditer(text):
        yield Display(match["label"] or match["tagged"], path.name, match["body"].strip())


def all_displays(book_dir: str | Path | None = None) -> dict[str, Display]:
    """Every labelled display of the book, by label (labels are unique across the book)."""
    directory = Path(book_dir) if book_dir else next(
        (p for p in _book_dirs() if any(p.glob("*.md")) and (p / "intro.md").exists()), None)
    if directory is None:
        raise DisplayError("cannot find the book's chapters: set CAVI_BOOK_DIR")
    found: dict[str, Display] = {}
    for path in sorted(directory.glob("*.md")):
        for disp in _displays_in(path):
            if disp.label in found:
                raise DisplayError(f"label {disp.label!r} appears in {found[disp.label].chapter} "
                                   f"and {disp.chapter}")
            found[disp.label] = disp
    return found


#: Displays a downloaded notebook carries itself (see :func:`register_displays`).
_REGISTERED: dict[str, Display] = {}


def register_displays(displays: dict[str, str], chapter: str = "notebook") -> None:
    """Make ``{label: latex}`` findable when no chapter file is on disk.

    A downloaded notebook opened where its own file is not on the local disk (Colab, a
    browser upload) registers the displays of its markdown cells in its first code cell;
    the edition builder writes that call from the same markdown the reader sees. A chapter
    file on disk, when there is one, still wins.
    """
    if not isinstance(displays, dict):
        raise TypeError(f"displays must be a dict of label -> LaTeX, got {type(displays).__name__}")
    for label, latex in displays.items():
        _REGISTERED[str(label)] = Display(str(label), chapter, str(latex).strip())


def find_display(label: str, book_dir: str | Path | None = None) -> Display:
    """The display labelled ``label``, read from the chapter source that contains it."""
    dirs = [Path(book_dir)] if book_dir else _book_dirs()
    for directory in dirs:
        for path in _sources(directory):
            for disp in _displays_in(path):
                if disp.label == label:
                    return disp
    if label in _REGISTERED and book_dir is None:
        return _REGISTERED[label]
    raise DisplayError(f"no display labelled ({label}) in {[str(p) for p in dirs]}")


def records_dir() -> Path | None:
    """``_build/displays`` of the repository that holds the chapters (None outside one)."""
    if os.environ.get("CAVI_DISPLAY_RECORDS"):
        return Path(os.environ["CAVI_DISPLAY_RECORDS"])
    for directory in _book_dirs():
        if (directory / "intro.md").exists() and (directory.parent / "_config.yml").exists():
            return directory.parent / "_build" / "displays"
    return None


