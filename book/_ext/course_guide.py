"""Sphinx extension: the tables of the instructors' page, computed when the book is built.

Two directives, used in book/instructors.md:

``chapter-guide``
    Its content is YAML: for every chapter of _toc.yml's numbered parts, ``goals`` (what a
    reader can do afterwards) and ``needs`` (what to know before; ``ch:<name>`` links the
    chapter ``book/<name>``). The directive adds each
    chapter's **reading time**, computed from the chapter's source (:func:`reading_minutes`),
    and renders one table in the book's order. A chapter of the table of contents without an
    entry, or an entry naming no chapter, is a build error.

``exercise-index``
    Its content is YAML: for every exercise label, ``level`` (1, 2 or 3) and ``practises``.
    The directive finds every sphinx-exercise ``exercise`` in the chapters (their ``:label:``
    lines), and renders them in book order: a numbered reference (Exercise 5.1), the chapter,
    the difficulty, what it practises and whether ``vilib.teaching.checker`` grades it. An exercise
    without an entry, or an entry naming no exercise, is a build error.

Both read the chapters' sources at build time and mark them as dependencies of the page, so a
changed chapter changes the page. Registered in _config.yml (``local_extensions``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

#: Words per minute for mathematical prose (slower than the ~240 of ordinary text).
WORDS_PER_MINUTE = 180
#: Extra seconds a reader spends on one displayed equation and on one figure.
SECONDS_PER_DISPLAY = 20
SECONDS_PER_FIGURE = 15
LEVELS = {1: "★☆☆ routine", 2: "★★☆ derivation", 3: "★★★ extended"}
CHECKER = re.compile(r"\bcheck_(answer|phi_logit|s2_update|m_update|log_q_mu|elbo_mu_term)\b")

_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[^}]+)\}(?P<arg>.*)$")
_EXERCISE = re.compile(r"^(?P<fence>:{3,}|`{3,})\s*\{exercise\}.*?\n:label:\s*(?P<label>\S+)"
                       r"(?P<body>.*?)\n(?P=fence)\s*$", re.S | re.M)


def numbered_chapters(srcdir: Path) -> list[str]:
    """Docnames of the chapters in the numbered parts of _toc.yml, in reading order."""
    toc = yaml.safe_load((srcdir / "_toc.yml").read_text(encoding="utf-8"))
    return [str(Path(entry["file"]).with_suffix("")) for part in toc.get("parts", [])
            if part.get("numbered") for entry in part.get("chapters", [])]


def prose_and_counts(text: str) -> tuple[str, int, int]:
    """The prose a reader reads in a MyST chapter, and its numbers of displays and figures.

    Dropped: the front matter, code cells (their source is collapsed or hidden on the site),
    directive option lines, target labels ``(name)=``, solutions (read after trying), and the
    LaTeX of displayed math (counted as displays instead). Inline math counts as a word.
    """
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    lines, kept = text.splitlines(), []
    skip_until, displays, figures = None, 0, 0
    in_display = in_solution = False
    for line in lines:
        stripped = line.strip()
        if in_solution:                                  # a gated solution, up to its end
            in_solution = not re.match(r"^:{3,}\s*\{solution-end\}", stripped)
            if not in_solution:
                skip_until = ":::"                       # the end directive's own fence
            continue
        if skip_until is not None:
            if stripped == skip_until:
                skip_until = None
            continue
        fence = _FENCE.match(stripped)
        if fence:
            name = fence.group("name").strip()
            if name == "solution-start":
                in_solution = True
                continue
            if name in ("code-cell", "solution", "literalinclude", "glue:figure", "math"):
                skip_until = fence.group("fence")        # the whole block is not read as prose
                displays += name == "math"
                figures += name == "glue:figure"
                continue
            figures += name == "figure"
            continue                                     # other directives: keep their content
        if re.match(r"^:[\w-]+:", stripped) or re.match(r"^\(.+\)=$", stripped):
            continue
        if stripped.startswith("$$"):
            if not in_display:
                displays += 1
            in_display = not in_display if stripped.count("$$") == 1 else False
            continue
        if in_display or re.match(r"^`{3,}|^:{3,}$", stripped):
            continue
        kept.append(line)
    # figures drawn by code cells carry a caption in the cell's metadata
    figures += len(re.findall(r"^\s+caption:", text, flags=re.M))
    return "\n".join(kept), displays, figures


def reading_minutes(text: str) -> tuple[int, int, int, int]:
    """Reading time of a chapter's source (rounded up to whole minutes) and what it counted:
    ``(minutes, words, displays, figures)``."""
    prose, displays, figures = prose_and_counts(text)
    prose = re.sub(r"\{[\w:-]+\}`[^`]*`", "x", prose)          # a role reads as one word
    words = len(re.findall(r"[\w$\\]+(?:[-'][\w]+)*", prose))
    seconds = 60 * words / WORDS_PER_MINUTE + SECONDS_PER_DISPLAY * displays \
        + SECONDS_PER_FIGURE * figures
    return max(1, math.ceil(seconds / 60)), words, displays, figures


def find_exercises(text: str) -> list[tuple[str, str]]:
    """``(label, body)`` of every sphinx-exercise exercise in a MyST source, in order."""
    return [(m.group("label"), m.group("body")) for m in _EXERCISE.finditer(text)]


def _title(text: str) -> str:
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    return re.search(r"^# (.+)$", body, flags=re.M).group(1).strip()


class _YamlTable(SphinxDirective):
    has_content = True

    def data(self) -> dict:
        try:
            data = yaml.safe_load("\n".join(self.content)) or {}
        except yaml.YAMLError as err:
            raise self.error(f"{self.name}: its content is not YAML: {err}")
        if not isinstance(data, dict):
            raise self.error(f"{self.name}: its content must be a YAML mapping")
        return data

    def chapters(self) -> list[tuple[str, Path]]:
        srcdir = Path(self.env.srcdir)
        out = []
        for doc in numbered_chapters(srcdir):
            path = srcdir / f"{doc}.md"
            self.env.note_dependency(str(path))
            out.append((doc, path))
        return out

    def render(self, markdown: list[str]) -> list[nodes.Node]:
        container = nodes.container(classes=[f"cavi-{self.name}"])
        self.state.nested_parse(StringList(markdown, source=self.env.docname), 0, container)
        return [container]


def _cell(text: str) -> str:
    return text.replace("\n", " ").strip()


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


_CHAPTER_REF = re.compile(r"\bch:(\w+)")


class ChapterGuide(_YamlTable):
    def run(self):
        data = self.data()
        rows = ["```{list-table}", ":header-rows: 1", ":widths: 22 10 40 28",
                ":class: cavi-chapter-guide", "",
                "* - Chapter", "  - Reading time", "  - After it, a reader can", "  - Needs"]
        seen = set()
        chapters = self.chapters()
        names = {Path(doc).name: doc for doc, _ in chapters}
        for doc, path in chapters:
            name = Path(doc).name
            if name not in data:
                raise self.error(f"chapter-guide: no goals and needs for chapter {name!r}")
            seen.add(name)
            entry = data[name]
            minutes, words, displays, figures = reading_minutes(path.read_text(encoding="utf-8"))
            goals = entry.get("goals") or []
            if not goals or not entry.get("needs"):
                raise self.error(f"chapter-guide: {name!r} needs both goals and needs")
            needs = _cell(entry["needs"])
            for ref in _CHAPTER_REF.findall(needs):
                if ref not in names:
                    raise self.error(f"chapter-guide: {name!r} needs unknown chapter {ref!r}")
            needs = _CHAPTER_REF.sub(lambda m: f"{{doc}}`/{names[m.group(1)]}`", needs)
            rows += [f"* - {{doc}}`/{doc}`",
                     f"  - {minutes} min ({words} words, {_n(displays, 'display')}, "
                     f"{_n(figures, 'figure')})",
                     "  - " + "; ".join(_cell(g) for g in goals),
                     "  - " + needs]
        unknown = sorted(set(data) - seen)
        if unknown:
            raise self.error(f"chapter-guide: entries for no chapter of _toc.yml: {unknown}")
        rows.append("```")
        return self.render(rows)


class ExerciseIndex(_YamlTable):
    def run(self):
        data = self.data()
        rows = ["```{list-table}", ":header-rows: 1", ":widths: 14 20 14 40 12",
                ":class: cavi-exercise-index", "",
                "* - Exercise", "  - Chapter", "  - Difficulty", "  - Practises",
                "  - Graded by `vilib.teaching.checker`"]
        seen = set()
        for doc, path in self.chapters():
            text = path.read_text(encoding="utf-8")
            for label, body in find_exercises(text):
                if label not in data:
                    raise self.error(f"exercise-index: no level and practises for exercise "
                                     f"{label!r} ({Path(doc).name})")
                seen.add(label)
                entry = data[label]
                level = entry.get("level")
                if level not in LEVELS or not entry.get("practises"):
                    raise self.error(f"exercise-index: {label!r} needs level 1-3 and practises")
                graded = "yes" if CHECKER.search(body) else ""
                rows += [f"* - {{numref}}`{label}`", f"  - {{doc}}`/{doc}`",
                         f"  - {LEVELS[level]}", "  - " + _cell(entry["practises"]),
                         f"  - {graded}"]
        unknown = sorted(set(data) - seen)
        if unknown:
            raise self.error(f"exercise-index: entries for no exercise in the book: {unknown}")
        rows.append("```")
        return self.render(rows)


def setup(app):
    app.add_directive("chapter-guide", ChapterGuide)
    app.add_directive("exercise-index", ExerciseIndex)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["find_exercises", "numbered_chapters", "reading_minutes", "ExtensionError"]
