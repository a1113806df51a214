"""Sphinx extension: load MathJax on every page, not only on pages whose body has math.

Sphinx adds the MathJax script to a page only when that page's own content has math. But the
sidebar of every page lists all chapter titles, and some titles are math (the
$\\varphi$ update), so a page without math of its own (the bibliography) showed the raw
``\\(\\varphi\\)`` in its navigation. With the "always" assets policy every page loads the
(local, offline) MathJax and the titles are typeset everywhere; tests/test_browser.py checks it.
"""


def setup(app):
    app.set_html_assets_policy("always")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
