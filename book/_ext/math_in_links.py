"""Sphinx extension: a link whose text is a page title with math shows that math typeset.

A chapter title such as "The $\\varphi$ update" is a title with a math node. Sphinx's
cross-references ({ref}`ch-phi-update`, {doc}`phi_update`) take the title's plain text for
the link, "The \\varphi update", with the LaTeX source but without math delimiters, so
neither MathJax nor the printed book (`make pdf`) ever typesets it: the reader sees
"\\varphi". After references are resolved, this puts a copy of the title's own nodes (the
math node included) into every such link. tests/site/test_pdf.py checks that no page shows
LaTeX outside math.
"""

from __future__ import annotations

from docutils import nodes


def _titles_with_math(env) -> dict[str, nodes.Node]:
    return {title.astext(): title for title in env.titles.values()
            if any(isinstance(n, nodes.math) for n in title.findall(nodes.math))}


def typeset_titles_in_links(app, doctree, docname) -> None:
    titles = _titles_with_math(app.env)
    if not titles:
        return
    for ref in list(doctree.findall(nodes.reference)):
        text = ref.astext()
        if "\\" not in text or text not in titles or any(True for _ in ref.findall(nodes.math)):
            continue
        # the link's innermost element holding the text (an inline span, or the link itself)
        holder = ref
        while len(holder.children) == 1 and isinstance(holder.children[0], nodes.Element):
            holder = holder.children[0]
        holder.children = []
        for child in titles[text].children:
            holder += child.deepcopy()


def setup(app):
    app.connect("doctree-resolved", typeset_titles_in_links)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
