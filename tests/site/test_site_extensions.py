"""Unit checks of the site's Sphinx extensions (book/_ext): build-time math and page details.

These run without a built site; the KaTeX ones need Node and ``make venv`` (npm ci).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from docutils import nodes

EXT = Path(__file__).resolve().parents[2] / "book" / "_ext"
sys.path.insert(0, str(EXT))

import katex_math  # noqa: E402
import site_chrome  # noqa: E402


def math_block(text: str, nowrap: bool = False) -> nodes.math_block:
    node = nodes.math_block(text, text)
    node["nowrap"] = nowrap
    return node


def test_display_rows_become_aligned():
    # one formula: unchanged; a formula with line breaks: aligned (KaTeX's split takes one
    # column pair, the book's displays use more); blank-line separated formulas: stacked
    assert katex_math._display_tex(math_block("a = b")) == "a = b"
    assert katex_math._display_tex(math_block(r"a &= b & c &= d \\ e &= f")) == (
        r"\begin{aligned}a &= b & c &= d \\ e &= f\end{aligned}")
    assert katex_math._display_tex(math_block("a = b\n\nc = d")) == (
        r"\begin{aligned}a = b\\c = d\end{aligned}")
    assert katex_math._display_tex(math_block(r"\begin{align}x\end{align}", nowrap=True)) == (
        r"\begin{align}x\end{align}")


@pytest.mark.parametrize("tex, text", [
    (r"\varphi", "φ"),
    (r"m_k", "mₖ"),
    (r"s_k^2", "sₖ²"),
    (r"\varphi_{ik}", "φᵢₖ"),
    (r"q(\mu_k)", "q(μₖ)"),
    (r"x_i \in \mathbb{R}^d", "xᵢ∈R^d"),
])
def test_titles_get_plain_text_math(tex, text):
    assert katex_math.tex_plain_text(tex) == text


def test_katex_output_keeps_the_tex():
    html = katex_math.RENDERER.render(r"\frac{a}{b}", True)
    assert 'class="katex-display"' in html and "<math" in html
    assert r'<annotation encoding="application/x-tex">\frac{a}{b}</annotation>' in html


def test_body_fixes():
    body = ('<section id="exercise-content">a</section><section id="exercise-content">b'
            '</section><section id="solution-content">c</section>'
            '<summary aria-label="Toggle hidden content">Show code cell source</summary>'
            '<div role="list"><div role="doc-biblioentry">x</div></div>'
            "<table><tr><th>  </th><th>K</th></tr></table>"
            '<img alt="a" src="f.png" style="width: 687px; height: 326px;" />')
    fixed = site_chrome.fix_body(body)
    assert 'id="exercise-content-1"' in fixed and 'id="exercise-content-2"' in fixed
    assert 'id="solution-content-1"' in fixed and 'id="exercise-content"' not in fixed
    assert "<summary>Show code cell source</summary>" in fixed
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed
    assert "<td></td><th>K</th>" in fixed
    assert '<img alt="a" src="f.png" width="687" height="326"' in fixed


def test_bibliography_labels_are_author_year():
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    site_chrome._register_bibliography_style()
    bib = parse_string("""
        @article{a, author = {Blei, David and Kucukelbir, Alp and McAuliffe, Jon}, year = 2017,
                 title = {VI}, journal = {J}}
        @book{b, author = {Bishop, Christopher}, year = 2006, title = {PRML}, publisher = {S}}
        @inproceedings{c, author = {Arthur, David and Vassilvitskii, Sergei}, year = 2007,
                       title = {k-means++}, booktitle = {SODA}}
    """, "bibtex")
    style = find_plugin("pybtex.style.formatting", "cavi_author_year")()
    labels = {e.key: e.label for e in style.format_entries(bib.entries.values())}
    assert labels == {"a": "Blei et al. 2017", "b": "Bishop 2006",
                      "c": "Arthur and Vassilvitskii 2007"}
