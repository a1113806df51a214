"""Unit tests of book/_ext/notebook_editions.py on small hand-made notebooks.

The site test (test_notebooks_anywhere.py) checks the real editions of every chapter; these
pin each translation on an input small enough to state the expected text by hand.
"""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "notebook_editions", ROOT / "book" / "_ext" / "notebook_editions.py")
ne = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("notebook_editions", ne)        # dataclasses look their module up
_spec.loader.exec_module(ne)


def refs(**kw) -> "ne.References":
    base = dict(
        glue={"n": "300", "gap": "0.123456", "name": "'galaxies'"},
        equations={"eq-a": "4.3"},
        numbers={"fig-a": ("figure", "2.1"), "ex-a": ("exercise", "7.1"),
                 "ex-b": ("exercise", "7.2")},
        numfig_format={"figure": "Fig. %s", "exercise": "Exercise %s"},
        titles={"sec-a": "The $\\varphi$ update"},
        docs={"book/notation": "Notation"},
        docname="book/chapter",
        cite=lambda keys, textual: ("Blei et al. (2017)" if textual
                                    else "(Blei et al., 2017)"),
        bibliography=lambda keys: "- " + ", ".join(keys),
        literal=lambda path, options: f"code from {path} at {options['start-at']}\n",
        format_glue=lambda value, fmt: (value.strip("'") if fmt == "s"
                                        else format(float(value), fmt)),
        questions=("s2_update", "m_update"),
        install='pip install "cavi-vilib[book]"',
        chapter="Chapter 7: Test",
    )
    base.update(kw)
    return ne.References(**base)


def md(text):
    return {"cell_type": "markdown", "id": "m", "metadata": {}, "source": text}


def code(text, outputs=(), **metadata):
    return {"cell_type": "code", "id": "c", "metadata": metadata, "source": text,
            "execution_count": 1, "outputs": list(outputs)}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"},
                                               "widgets": {"state": {}}},
            "nbformat": 4, "nbformat_minor": 5}


def sources(nb, kind=None):
    return [c["source"] for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def test_inline_roles_become_text():
    nb = notebook(md("(sec-x)=\n# Title\n\nWith $n =$ {glue:text}`n` points and gap "
                     "{glue:text}`gap:.2f`, data {glue:text}`name`, see {eq}`eq-a`, "
                     "{numref}`fig-a`, {ref}`sec-a`, {ref}`this part <sec-a>`, "
                     "{doc}`notation`, {term}`ELBO <Evidence lower bound>`, "
                     "{cite:t}`blei2017variational` and {cite:p}`blei2017variational`. "
                     "Code `{eq}` stays."))
    out = ne.make_edition(nb, refs(), "student")
    text = sources(out, "markdown")[1]
    assert text.startswith("# Title\n")                       # the target line is gone
    assert ("With $n =$ 300 points and gap 0.12, data galaxies, see (4.3), Fig. 2.1, "
            "The $\\varphi$ update, this part, Notation, ELBO, Blei et al. (2017) and "
            "(Blei et al., 2017). Code `{eq}` stays.") in text
    assert sources(out)[-1] == "## References\n\n- blei2017variational\n"
    assert "widgets" not in out["metadata"]


def test_labelled_equation_gets_its_number_as_a_tag():
    nb = notebook(md("Text\n\n$$\nx = 1\n$$ (eq-a)\n\nafter"))
    text = sources(ne.make_edition(nb, refs(), "instructor"), "markdown")[1]
    assert "$$\nx = 1\n\\tag{4.3}\n$$\n<!-- (eq-a) -->" in text


def test_exercises_and_solutions_per_edition():
    nb = notebook(
        md("## Exercises\n\n:::{exercise}\n:label: ex-a\n\nFind $s_k^2$; check it with "
           "`check_s2_update` and `check_m_update`.\n:::\n\n::::{solution} ex-a\n:class: dropdown\n\n"
           "The answer is 1/(1/sigma^2 + N_k).\n::::\n\nCheck it:"),
        code("print(check_s2_update(right))", tags=["solution"]),
        md(":::{exercise}\n:label: ex-b\n\nProve it.\n:::\n\n:::{solution-start} ex-b\n"
           ":class: dropdown\n:::\n\nBy induction."),
        code("assert proof", [{"output_type": "stream", "name": "stdout", "text": "qed\n"}]),
        md(":::{solution-end}\n:::\n\nAfter the exercises."))
    student = ne.make_edition(nb, refs(), "student")
    teacher = ne.make_edition(nb, refs(), "instructor")
    s_text = "\n".join(sources(student))
    t_text = "\n".join(sources(teacher))
    for text in (s_text, t_text):
        assert "### Exercise 7.1\n\nFind $s_k^2$" in text and "### Exercise 7.2\n\nProve it." in text
        assert "After the exercises." in text and ":::" not in text
    for secret in ("1/(1/sigma^2 + N_k)", "check_s2_update(right)", "By induction",
                   "assert proof", "Check it:", "Solution to"):
        assert secret not in s_text
    assert ("<details>\n<summary>Solution to Exercise 7.1</summary>\n\n"
            "The answer is 1/(1/sigma^2 + N_k).\n\n</details>") in t_text
    assert "#### Solution to Exercise 7.2" in t_text and "By induction." in t_text
    assert "assert proof" in t_text and "Check it:" in t_text
    answers = [c for c in student["cells"] if "answer" in c["metadata"].get("tags", [])]
    assert [c["cell_type"] for c in answers] == ["markdown", "code"] * 2
    checker = answers[1]["source"]
    assert '("s2_update", s2_update_answer), ("m_update", m_update_answer)' in checker
    assert "check_answer(question, answer) if answer" in checker
    assert answers[3]["source"] == "# Exercise 7.2: your working (code) here."
    assert not any("answer" in c["metadata"].get("tags", []) for c in teacher["cells"])
    general = notebook(md(":::{exercise}\n:label: ex-a\n\nWith lambda: "
                          "`check_s2_update(expr, require_lam=True)`.\n:::"))
    cell = [c for c in ne.make_edition(general, refs(), "student")["cells"]
            if c["cell_type"] == "code"][0]["source"]
    assert "check_answer(question, answer, require_lam=True) if answer" in cell
    # order: exercise, its answer cells, then what follows
    kinds = [c["metadata"].get("tags", [""])[0] if c["metadata"].get("tags") else c["source"][:14]
             for c in student["cells"][1:]]
    assert kinds[:4] == ["## Exercises\n\n", "answer", "answer", "### Exercise 7"]


def test_admonition_and_literalinclude():
    nb = notebook(md(":::{admonition} Common mistakes\n:class: warning\n\n- one\n- two\n:::\n\n"
                     "```{literalinclude} ../vilib/x.py\n:language: python\n"
                     ":start-at: \"for t\"\n```\n\n```text\n{eq}`kept` in a code block\n```"))
    text = sources(ne.make_edition(nb, refs(), "student"), "markdown")[1]
    assert "> **Common mistakes**\n>\n> - one\n> - two" in text
    assert "```python\ncode from ../vilib/x.py at \"for t\"\n```" in text
    assert "```text\n{eq}`kept` in a code block\n```" in text


def test_site_only_explorer_becomes_a_note():
    nb = notebook(md("Before.\n\n:::{live-explorer} phi\n:data: sim1\n:::\n\nAfter."))
    text = sources(ne.make_edition(nb, refs(), "student"), "markdown")[1]
    assert text.startswith("Before.\n\n*(On the book's web page an in-browser explorer of the "
                           "phi update appears here")
    assert text.endswith("After.\n") and ":::" not in text and "sim1" not in text


def test_outputs_that_need_a_kernel_are_replaced():
    png = b"\x89PNG last frame"
    stepper = ('<div><img id="_anim_img1"><script>frames[0] = "data:image/png;base64,'
               + base64.b64encode(b"first").decode() + '"; frames[1] = "data:image/png;base64,'
               + base64.b64encode(png).decode() + '";</script></div>')
    nb = notebook(code("w", [{"output_type": "display_data", "metadata": {},
                              "data": {"application/vnd.jupyter.widget-view+json": {},
                                       "text/plain": "VBox(children=(HBox(...)))"}}]),
                  code("s", [{"output_type": "execute_result", "metadata": {},
                              "execution_count": 1,
                              "data": {"text/html": stepper, "text/plain": "<stepper>"}}]),
                  code("g", [{"output_type": "display_data", "data": {
                      "application/papermill.record/text/plain": "3"},
                      "metadata": {"scrapbook": {"name": "n", "mime_prefix": "x"}}}],
                      tags=["hide-input"]))
    out = ne.make_edition(nb, refs(), "instructor")
    widget, step, glued = [c for c in out["cells"] if c["cell_type"] == "code"]
    assert [o["data"]["text/markdown"] for o in widget["outputs"]] == [ne.RUN_HINT]
    assert "VBox" not in str(widget)
    assert base64.b64decode(step["outputs"][0]["data"]["image/png"]) == png
    assert step["outputs"][1]["data"]["text/markdown"] == ne.RUN_HINT
    assert glued["outputs"] == [] and glued["metadata"]["jupyter"]["source_hidden"] is True


def test_first_cell_says_how_to_install_and_figures_get_captions():
    nb = notebook(code("plot()", [{"output_type": "display_data", "metadata": {},
                                   "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}],
                       mystnb={"figure": {"caption": "Data, $n =$ {glue:text}`n`.",
                                          "name": "fig-a"}}))
    out = ne.make_edition(nb, refs(), "student")
    first = out["cells"][0]["source"]
    assert first.startswith("*CAVI, step by step* · Chapter 7: Test · Student edition")
    assert 'pip install "cavi-vilib[book]"' in first
    assert out["cells"][2]["source"] == "**Fig. 2.1** Data, $n =$ 300.\n"
    assert len({c["id"] for c in out["cells"]}) == len(out["cells"])


@pytest.mark.parametrize("text", [":::{figure} x.png\n:::", "{sub-ref}`x`", "{eq}`nope`",
                                  ":::\nplain colon fence\n:::"])
def test_unknown_syntax_fails_loudly(text):
    with pytest.raises(ne.UnknownSyntax):
        ne.make_edition(notebook(md(text)), refs(), "student")


def test_bad_edition_name():
    with pytest.raises(ValueError, match="edition must be one of"):
        ne.make_edition(notebook(), refs(), "teacher")
