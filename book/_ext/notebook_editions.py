"""Plain-Jupyter editions of an executed chapter notebook: one for students, one for instructors.

The executed notebooks MyST-NB writes (``_build/jupyter_execute``) hold the chapters' MyST
Markdown as it is in the sources: ``{glue:text}`` placeholders, ``{eq}`` references,
``:::{exercise}`` fences, a ``literalinclude``. Jupyter, Colab and VS Code show all of that
raw. This module turns such a notebook into two notebooks that read as ordinary Jupyter
notebooks (:func:`make_edition`):

* glued numbers filled in (formatted as on the page), ``{eq}`` references as "(7.3)" and
  labelled equations tagged with the same number, ``{numref}``/``{ref}``/``{doc}``/``{term}``
  as text, ``{cite:t}``/``{cite:p}`` as author-year text (with a reference list at the end);
* exercises as headings; in the **instructor** edition each solution follows as a collapsible
  ``<details>`` block (or, for a solution that spans code cells, under its own heading); in the
  **student** edition every solution is gone (text, code cells and outputs) and each exercise
  is followed by empty answer cells, a code cell ready for :mod:`vilib.teaching.checker` when the
  exercise names one of its questions;
* admonitions as block quotes, ``literalinclude`` replaced by the included code, figure
  captions under their figures;
* outputs that only work in a trusted, running notebook replaced: saved widget views (and the
  notebook's widget state) by a "run this cell" hint, script-driven HTML (the static stepper)
  by its last frame and the same hint; glue records dropped;
* a first cell that says how to install vilib.

Nothing here imports Sphinx: the Sphinx side (``ipynb_download``) collects the numbers, titles
and citations into :class:`References` and writes the files. Anything MyST that this module
does not know raises :class:`UnknownSyntax`, so a new construct fails the build instead of
reaching a reader raw.
"""

from __future__ import annotations

import base64
import copy
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable

EDITIONS = ("student", "instructor")

#: The tag of a code cell that belongs to the solution just before it (dropped for students).
SOLUTION_TAG = "solution"

#: The hint that replaces outputs that need a running kernel.
RUN_HINT = ("*Interactive output: run this cell (with the notebook's kernel running) to get "
            "the live version.*")


class UnknownSyntax(ValueError):
    """A MyST construct that the editions do not translate."""


@dataclass
class References:
    """What the build knows and a plain notebook cannot compute: numbers, titles, citations.

    Attributes
    ----------
    glue : dict
        Glue key -> its ``text/plain`` value (this chapter's ``.glue.json``).
    equations : dict
        Equation label -> its number as shown ("7.3").
    numbers : dict
        Figure/table/exercise label -> (kind, number), e.g. ("figure", "10.1").
    numfig_format : dict
        Kind -> format with ``%s`` (Sphinx's ``numfig_format``: "Fig. %s").
    titles : dict
        Reference label -> the title ``{ref}`` shows.
    docs : dict
        Document name ("book/notation") -> its title.
    docname : str
        This chapter's document name.
    cite : callable
        ``cite(keys, textual)`` -> author-year text; ``textual`` for ``{cite:t}``.
    bibliography : callable
        ``bibliography(keys)`` -> Markdown list of full references.
    literal : callable
        ``literal(path, options)`` -> the code a ``literalinclude`` shows.
    questions : tuple
        The question names of ``vilib.teaching.checker``.
    install : str
        Markdown of the install instructions (first cell).
    chapter : str
        "Chapter 7: CAVI and its ELBO" (first cell).
    """

    glue: dict = field(default_factory=dict)
    equations: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    numfig_format: dict = field(default_factory=dict)
    titles: dict = field(default_factory=dict)
    docs: dict = field(default_factory=dict)
    docname: str = ""
    cite: Callable | None = None
    bibliography: Callable | None = None
    literal: Callable | None = None
    format_glue: Callable | None = None
    questions: tuple = ()
    install: str = ""
    chapter: str = ""
    cited: list = field(default_factory=list)


@dataclass
class Answer:
    """Where a student's answer cells go: after the exercise ``label``."""

    label: str
    number: str
    questions: list
    general: bool = False        # the exercise asks for the lambda^2 model (require_lam=True)


# --------------------------------------------------------------------------- inline syntax

_ROLE_OR_CODE = re.compile(
    r"\{(?P<role>[A-Za-z][\w:.-]*)\}(?P<ticks>`+)(?P<content>.+?)(?P=ticks)"
    r"|(?P<code>(?P<cticks>`+).+?(?P=cticks))", re.S)
_TARGET = re.compile(r"^\s*\([^()\s]+\)=\s*$")
_LABELLED_MATH = re.compile(
    r"\$\$(?P<body>(?:(?!\$\$).)+?)\$\$[ \t]*\((?P<label>[^()\s]+)\)[ \t]*$", re.S | re.M)
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


def _explicit(content: str) -> tuple[str | None, str]:
    """``"text <target>"`` -> (text, target); ``"target"`` -> (None, target)."""
    m = _EXPLICIT.match(content.strip())
    if m and m.group("text"):
        return m.group("text"), m.group("target").strip()
    return None, content.strip()


def _doc_target(target: str, docname: str) -> str:
    target = target.strip()
    if target.endswith((".md", ".ipynb")):
        target = target.rsplit(".", 1)[0]
    if target.startswith("/"):
        return target.lstrip("/")
    base = docname.rsplit("/", 1)[0] if "/" in docname else ""
    parts = (base.split("/") if base else []) + target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p not in ("", "."):
            out.append(p)
    return "/".join(out)


def _lookup(table: dict, key: str, what: str, refs: References):
    if key not in table:
        raise UnknownSyntax(f"{refs.docname}: unknown {what} {key!r}")
    return table[key]


def _role(name: str, content: str, refs: References) -> str:
    if name == "eq":
        return f"({_lookup(refs.equations, content.strip(), 'equation label', refs)})"
    if name == "numref":
        text, label = _explicit(content)
        kind, number = _lookup(refs.numbers, label, "numbered label", refs)
        fmt = text if text is not None else refs.numfig_format.get(kind, "%s")
        return fmt.replace("%s", number).replace("{number}", number)
    if name == "ref":
        text, label = _explicit(content)
        return text if text is not None else _lookup(refs.titles, label, "reference label", refs)
    if name == "doc":
        text, target = _explicit(content)
        if text is not None:
            return text
        return _lookup(refs.docs, _doc_target(target, refs.docname), "document", refs)
    if name == "term":
        text, target = _explicit(content)
        return text if text is not None else target
    if name == "math":
        return f"${content}$"
    if name in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
        keys = [k.strip() for k in content.split(",") if k.strip()]
        refs.cited.extend(k for k in keys if k not in refs.cited)
        return refs.cite(keys, textual=name.startswith("cite:t"))
    if name in ("glue", "glue:", "glue:text", "glue:any"):
        key, fmt = content, "s"                          # MyST-NB's default: str(value)
        if name == "glue:text" and ":" in content:
            key, fmt = content.rsplit(":", 1)
        return refs.format_glue(_lookup(refs.glue, key.strip(), "glue key", refs), fmt)
    if name == "glue:math":
        return f"${_lookup(refs.glue, content.strip(), 'glue key', refs)}$"
    raise UnknownSyntax(f"{refs.docname}: no plain-notebook form for the role {{{name}}}")


def _inline(text: str, refs: References) -> str:
    """Targets, labelled display math and roles of a run of Markdown lines (no fences)."""
    text = "\n".join(line for line in text.split("\n") if not _TARGET.match(line))

    def tag(m: re.Match) -> str:
        number = _lookup(refs.equations, m.group("label"), "equation label", refs)
        # the label stays as an (invisible) HTML comment: vilib.teaching.displays finds the
        # displayed equation by it when the downloaded notebook checks what it displays
        return (f"$${m.group('body').rstrip()}\n\\tag{{{number}}}\n$$\n"
                f"<!-- ({m.group('label')}) -->")

    text = _LABELLED_MATH.sub(tag, text)

    def role(m: re.Match) -> str:
        if m.group("code") is not None:
            return m.group("code")
        return _role(m.group("role"), m.group("content"), refs)

    return _ROLE_OR_CODE.sub(role, text)


# --------------------------------------------------------------------------- block syntax

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>:{3,}|`{3,}|~{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.-]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_ADMONITIONS = ("note", "tip", "hint", "important", "warning", "caution", "attention",
                "danger", "error", "seealso")


def _split_options(body: list[str]) -> tuple[dict, list[str]]:
    options, i = {}, 0
    while i < len(body) and _OPTION.match(body[i]):
        m = _OPTION.match(body[i])
        options[m.group("key")] = m.group("value").strip()
        i += 1
    if i < len(body) and body[i].strip() == "---":     # YAML option block: not used in the book
        raise UnknownSyntax("YAML option blocks in directives are not translated")
    return options, body[i:]


def _strip_quotes(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _join(pieces: list) -> list:
    """Merge adjacent strings of a piece list (strings and :class:`Answer` markers)."""
    out: list = []
    for p in pieces:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + "\n" + p
        else:
            out.append(p)
    return out


def _text(pieces: list) -> str:
    return "\n".join(p for p in pieces if isinstance(p, str))


def _number(refs: References, label: str, kind: str) -> str:
    entry = refs.numbers.get(label)
    if entry is None:
        raise UnknownSyntax(f"{refs.docname}: no number for the {kind} {label!r}")
    return entry[1]


def _questions(body: str, refs: References) -> list[str]:
    """The checker questions an exercise names (``check_<q>`` or ``"<q>"``), in text order."""
    found = []
    for m in re.finditer(r"check_(\w+)|[\"'](\w+)[\"']", body):
        q = m.group(1) or m.group(2)
        if q in refs.questions and q not in found:
            found.append(q)
    return found


def _directive(name: str, arg: str, options: dict, body: list[str], refs: References,
               edition: str) -> list:
    while body and not body[0].strip():
        body = body[1:]
    while body and not body[-1].strip():
        body = body[:-1]
    inner = lambda: transform_markdown("\n".join(body), refs, edition)  # noqa: E731
    if name == "exercise":
        label = options.get("label")
        if not label:
            raise UnknownSyntax(f"{refs.docname}: an exercise without :label:")
        number = _number(refs, label, "exercise")
        title = f"### Exercise {number}" + (f": {_inline(arg, refs)}" if arg else "")
        pieces = [title, "", "\n".join(inner()).strip("\n")]
        if edition == "student":
            text = "\n".join(body)
            pieces.append(Answer(label, number, _questions(text, refs),
                                 general="require_lam=True" in text))
        return pieces
    if name == "solution":
        if edition == "student":
            return []
        label = arg.strip()
        number = _number(refs, label, "exercise")
        return ["<details>", f"<summary>Solution to Exercise {number}</summary>", "",
                _text(inner()), "", "</details>"]
    if name in ("solution-start", "solution-end"):
        raise UnknownSyntax(f"{refs.docname}: {name} is handled at the notebook level")
    if name == "admonition" or name in _ADMONITIONS:
        title = _inline(arg, refs) if name == "admonition" else name.capitalize()
        quoted = [f"> **{title}**", ">"]
        quoted += [("> " + line) if line.strip() else ">" for line in _text(inner()).split("\n")]
        return quoted
    if name == "live-explorer":                   # book/_ext/cavi_explorers.py: site-only JS
        what = {"cavi": "CAVI explorer", "generative": "explorer of the generative model",
                "phi": "explorer of the phi update"}.get(arg.strip(), "live explorer")
        return [f"*(On the book's web page an in-browser {what} appears here; it needs the "
                "page's JavaScript, so this notebook leaves it out. Run the code cells to "
                "explore in Jupyter.)*"]
    if name == "literalinclude":
        code = refs.literal(arg.strip(), options)
        language = options.get("language", "")
        fence = "````" if "```" in code else "```"
        return [f"{fence}{language}", code.rstrip("\n"), fence]
    raise UnknownSyntax(f"{refs.docname}: no plain-notebook form for the directive {{{name}}}")


def transform_markdown(text: str, refs: References, edition: str) -> list:
    """One Markdown cell (or directive body) -> pieces: Markdown strings and :class:`Answer`."""
    lines = text.split("\n")
    pieces: list = []
    plain: list[str] = []

    def flush():
        if plain:
            pieces.append(_inline("\n".join(plain), refs))
            plain.clear()

    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            plain.append(lines[i])
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = lines[i + 1:j]
        d = _DIRECTIVE.match(info)
        if d is None:
            if fence[0] == ":":
                raise UnknownSyntax(f"{refs.docname}: a colon fence without a directive")
            flush()
            pieces.append("\n".join(lines[i:j + 1]))      # an ordinary code block: verbatim
        else:
            flush()
            options, rest = _split_options(body)
            pieces.extend(_directive(d.group("name"), d.group("arg"), options, rest, refs,
                                     edition))
        i = j + 1
    flush()
    return _join(pieces)


# --------------------------------------------------------------------------- notebook level

_START = re.compile(r"^ {0,3}(:{3,})\{solution-start\}\s*(?P<label>\S+)[^\n]*\n"
                    r"(?:[ ]{0,3}:[\w-]+:[^\n]*\n)*[ ]{0,3}\1[ \t]*$", re.M)
_END = re.compile(r"^ {0,3}(:{3,})\{solution-end\}[^\n]*\n[ ]{0,3}\1[ \t]*$", re.M)


def _segments(text: str) -> list:
    """A Markdown cell -> strings and ("start", label) / ("end",) markers of gated solutions."""
    out, pos = [], 0
    markers = sorted([(m.start(), m.end(), ("start", m.group("label")))
                      for m in _START.finditer(text)]
                     + [(m.start(), m.end(), ("end",)) for m in _END.finditer(text)])
    for start, end, marker in markers:
        out.append(text[pos:start])
        out.append(marker)
        pos = end
    out.append(text[pos:])
    return out


def _new_id() -> str:
    return uuid.uuid4().hex[:8]


def _markdown_cell(source: str, **metadata) -> dict:
    return {"cell_type": "markdown", "id": _new_id(), "metadata": metadata, "source": source}


def _code_cell(source: str, **metadata) -> dict:
    return {"cell_type": "code", "id": _new_id(), "metadata": metadata, "source": source,
            "execution_count": None, "outputs": []}


def _answer_cells(answer: Answer) -> list[dict]:
    cells = [_markdown_cell(f"**Your answer to Exercise {answer.number}** "
                            "(double-click this cell to write it):\n\n",
                            tags=["answer"])]
    if answer.questions:
        names = [f"{q}_answer" for q in answer.questions]
        width = max(len(n) for n in names)
        lines = [f"# Exercise {answer.number}: type your answer as a SymPy expression or a "
                 "string, then run this cell.",
                 "# vilib's checker says whether it is right and names the likely slip.",
                 "from vilib.teaching.checker import check_answer, describe", ""]
        lines += [f'{n.ljust(width)} = ""' for n in names]
        lines += ["",
                  "for question, answer in [" + ", ".join(
                      f'("{q}", {n})' for q, n in zip(answer.questions, names)) + "]:",
                  "    print(check_answer(question, answer"
                  + (", require_lam=True" if answer.general else "")
                  + ") if answer else describe(question))"]
        source = "\n".join(lines)
    else:
        source = f"# Exercise {answer.number}: your working (code) here."
    cells.append(_code_cell(source, tags=["answer"]))
    return cells


def _last_frame(html: str) -> bytes | None:
    frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]*)"', html)
    return base64.b64decode(frames[-1]) if frames else None


def _plain_outputs(outputs: list) -> list:
    """Outputs a plain (untrusted, not yet run) notebook can show."""
    out = []
    for o in outputs:
        data = o.get("data", {})
        if "scrapbook" in o.get("metadata", {}):
            continue                                     # a glue record: its value is in the text
        if "application/vnd.jupyter.widget-view+json" in data:
            out.append({"output_type": "display_data", "metadata": {},
                        "data": {"text/markdown": RUN_HINT, "text/plain": RUN_HINT}})
            continue
        html = data.get("text/html")
        html = "".join(html) if isinstance(html, list) else html
        if html and "<script" in html.lower():
            frame = _last_frame(html)
            if frame is not None:
                out.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": base64.b64encode(frame).decode("ascii"),
                                     "text/plain": "<the last frame of the stepper>"}})
            out.append({"output_type": "display_data", "metadata": {},
                        "data": {"text/markdown": RUN_HINT, "text/plain": RUN_HINT}})
            continue
        out.append(o)
    return out


def _drop_introduction(cells: list[dict]) -> None:
    """Drop a last paragraph ending in ":" (it introduces the solution cell being dropped)."""
    last = cells[-1]
    if last["cell_type"] != "markdown" or "answer" in last["metadata"].get("tags", []):
        return
    paragraphs = re.split(r"\n\s*\n", last["source"].strip())
    if paragraphs and paragraphs[-1].rstrip().endswith(":"):
        rest = "\n\n".join(paragraphs[:-1]).strip()
        if rest:
            last["source"] = rest + "\n"
        else:
            cells.pop()


def _caption(cell: dict, refs: References) -> str | None:
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
    if not figure or not figure.get("caption"):
        return None
    caption = _text(transform_markdown(figure["caption"], refs, "instructor"))
    name = figure.get("name")
    if name and name in refs.numbers:
        kind, number = refs.numbers[name]
        return f"**{refs.numfig_format.get(kind, '%s').replace('%s', number)}** {caption}"
    return caption


def make_edition(nb: dict, refs: References, edition: str) -> dict:
    """The ``edition`` ("student" or "instructor") of an executed notebook (a dict, nbformat 4).

    ``nb`` is not changed.
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
    refs.cited.clear()
    cells: list[dict] = []
    in_solution: str | None = None
    pending: list = []                         # Markdown pieces of the current output cell

    def flush():
        for piece in _join(pending):
            if isinstance(piece, Answer):
                cells.extend(_answer_cells(piece))
            elif piece.strip():
                text = piece.strip("\n")
                if "```" not in text and "~~~" not in text:
                    text = re.sub(r"\n{3,}", "\n\n", text)
                cells.append(_markdown_cell(text + "\n"))
        pending.clear()

    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for seg in _segments(source):
                if isinstance(seg, tuple):
                    flush()
                    if seg[0] == "start":
                        if in_solution:
                            raise UnknownSyntax(f"{refs.docname}: nested solution-start")
                        in_solution = seg[1]
                        if edition == "instructor":
                            # its own cell: Jupyter folds the solution's cells under it
                            number = _number(refs, seg[1], "exercise")
                            cells.append(_markdown_cell(
                                f"#### Solution to Exercise {number}\n", heading_collapsed=True))
                    else:
                        if not in_solution:
                            raise UnknownSyntax(f"{refs.docname}: solution-end without start")
                        in_solution = None
                        if edition == "instructor":
                            pending.append("\n*(End of the solution.)*\n")
                    flush()
                    continue
                if in_solution and edition == "student":
                    continue
                pending.extend(transform_markdown(seg, refs, edition))
            flush()
            continue
        flush()
        if cell["cell_type"] != "code":
            cells.append(copy.deepcopy(cell))
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if edition == "student" and (in_solution or SOLUTION_TAG in tags):
            if SOLUTION_TAG in tags and cells:
                _drop_introduction(cells)
            continue
        new = copy.deepcopy(cell)
        new["outputs"] = _plain_outputs(new.get("outputs", []))
        if "hide-input" in tags:
            new["metadata"].setdefault("jupyter", {})["source_hidden"] = True
        cells.append(new)
        caption = _caption(cell, refs)
        if caption:
            cells.append(_markdown_cell(caption + "\n"))
    flush()
    if in_solution:
        raise UnknownSyntax(f"{refs.docname}: solution-start {in_solution!r} never ends")

    edition_line = {"student": "Student edition: exercises with answer cells, no solutions.",
                    "instructor": "Instructor edition: exercises with their solutions."}[edition]
    first = _markdown_cell(f"*CAVI, step by step* · {refs.chapter} · {edition_line}\n\n"
                           + refs.install.strip() + "\n", tags=["install"])
    cells.insert(0, first)
    if refs.cited:
        cells.append(_markdown_cell("## References\n\n" + refs.bibliography(refs.cited) + "\n"))

    out = {k: copy.deepcopy(v) for k, v in nb.items() if k != "cells"}
    out["cells"] = cells
    metadata = out.setdefault("metadata", {})
    for key in ("widgets", "source_map", "jupytext"):
        metadata.pop(key, None)
    metadata["cavi_book"] = {"edition": edition, "chapter": refs.docname}
    out["nbformat"], out["nbformat_minor"] = 4, max(5, out.get("nbformat_minor", 5))
    return out
