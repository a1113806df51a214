"""Sphinx extension: the reader-facing details of cavi-book's pages.

Works with ``book/_templates/layout.html`` (lighter theme chrome) and ``book/_assets/cavi.css``.

* **Meta description** for every page (search engines, link previews): the page's
  ``description`` front-matter field if it has one, else its first sentence-long paragraph, as
  plain text (math as its MathML text, via ``katex_math``).
* **Unique ids**: sphinx-exercise gives every exercise and solution body the same
  ``id="exercise-content"`` / ``"solution-content"``; each gets a numbered id.
* **Accessible names that match what is shown** (WCAG 2.5.3, axe ``label-content-name-mismatch``):
  MyST-NB's ``<summary aria-label="Toggle hidden content">`` around "Show code cell source"
  and the theme's Search / colour-mode buttons are given labels that contain their visible text.
* **Tables**: an empty header cell (a printed table's corner) becomes a data cell.
* **Bibliography**: the list's entries get ``role="listitem"`` (``doc-biblioentry`` is
  deprecated and not allowed in a ``role="list"``), and the labels are author-year
  ("Blei et al. 2017"), the same form the text's citations use.

* **Icons without fontawesome.js**: the theme drew its ~15 icons with Font Awesome's 1.49 MB
  script (plus a 156 KB font). ``layout.html`` drops the script; the theme's own CSS still
  draws each icon from the font, so at build time the font is cut down (fontTools) to the
  glyphs the theme's CSS and pages name, a few KB as WOFF, and ``cavi-icons.css`` points the
  font family at that subset.

* **Keyboard access to scroll boxes**: ``book/_assets/cavi.js`` (deferred, 1 KB) makes a
  display or code block that scrolls sideways a tab stop.

Registered in ``_config.yml``.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

DESCRIPTION_CHARS = 155


# meta description ------------------------------------------------------------------------
def _node_text(node) -> str:
    from katex_math import tex_plain_text

    parts = []
    for child in node.traverse(lambda n: isinstance(n, (nodes.Text, nodes.math))):
        if isinstance(child, nodes.math):
            parts.append(tex_plain_text(child.astext()))
        elif not isinstance(child.parent, nodes.math):
            parts.append(child.astext())
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def description(app: Sphinx, pagename: str, doctree) -> str:
    meta = app.env.metadata.get(pagename, {})
    if meta.get("description"):
        return str(meta["description"])
    if doctree is None:
        return ""
    for para in doctree.traverse(nodes.paragraph):
        if para.next_node(nodes.raw) is not None:
            continue
        text = _node_text(para)
        if len(text) >= 60:
            break
    else:
        return ""
    text = re.sub(r"^Where we are\.\s*", "", text)
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


# body fixes ------------------------------------------------------------------------------
def _number_ids(body: str, name: str) -> str:
    counter = iter(range(1, 10_000))
    return re.sub(rf'id="{name}"', lambda m: f'id="{name}-{next(counter)}"', body)


def fix_body(body: str) -> str:
    for name in ("exercise-content", "solution-content"):
        body = _number_ids(body, name)
    # MyST-NB's hide-input summary: the visible text is its accessible name
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    # a figure's size as attributes too: with `height: auto` (cavi.css, so a figure narrower
    # than its 2x pixels keeps its shape) the browser still reserves its box before it loads
    body = re.sub(r'<img ([^>]*?)style="width: (\d+)px; height: (\d+)px;"',
                  r'<img \1width="\2" height="\3" style="width: \2px; height: \3px;"', body)
    # an empty header cell (the corner of a printed table) is a data cell, not a header
    body = re.sub(r"<th>\s*</th>", "<td></td>", body)
    return body


# chrome fixes on the written pages (theme components outside the body) --------------------
CHROME_FIXES = [
    # the sidebar's search field shows "Search Ctrl+K": its name must contain "Search"... and
    # an aria-label that differs from the visible text is a mismatch: let the text name it
    ('class="btn search-button-field search-button__button pst-js-only" title="Search" '
     'aria-label="Search"',
     'class="btn search-button-field search-button__button pst-js-only" title="Search"'),
    # the colour-mode icons carry title tooltips ("Light", "Dark", ...) but the button is named
    # "Color mode"; the icons are decoration
    ('data-mode="light" title="Light"', 'data-mode="light" aria-hidden="true"'),
    ('data-mode="dark"  title="Dark"', 'data-mode="dark" aria-hidden="true"'),
    ('data-mode="auto"  title="System Settings"', 'data-mode="auto" aria-hidden="true"'),
    # the sidebar's expand/collapse toggle of a section with sub-pages shows only an icon
    ('<summary><span class="toctree-toggle" role="presentation">',
     '<summary aria-label="Pages in this section"><span class="toctree-toggle" role="presentation">'),
]


def fix_written_pages(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf8")
        fixed = text
        for old, new in CHROME_FIXES:
            fixed = fixed.replace(old, new)
        if fixed != text:
            path.write_text(fixed, encoding="utf8")


# icon font subset ------------------------------------------------------------------------
ICON_CSS = "cavi-icons.css"
ICON_FONT = "cavi-icons.woff"
_GLYPH_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)\{content:"\\([0-9a-f]{4})"\}')
_GLYPH_RULE_BLOCK = re.compile(r'(?<=\})(?:\.fa-[a-z0-9-]+:(?:before|after),?)+\{content:"[^"]*"\}')
_ICON_VAR = re.compile('--(?:pst|fa)-[a-z-]+:"(\\\\[0-9a-f]{4}|[\ue000-\uf8ff])"')
_ICON_CLASS = re.compile(r'\bfa-[a-z0-9-]+')


def subset_icons(app: Sphinx) -> None:
    from fontTools import subset

    static = Path(app.outdir, "_static")
    theme_css = (static / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf8")
    glyph_of = {}
    for rule in _GLYPH_RULE.finditer(theme_css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+):", rule.group(1)):
            glyph_of[name] = int(rule.group(2), 16)
    used = set()
    for page in Path(app.outdir).rglob("*.html"):
        used.update(_ICON_CLASS.findall(page.read_text(encoding="utf8")))
    codepoints = {glyph_of[name] for name in used if name in glyph_of}
    codepoints |= {int(c[1:], 16) if c.startswith("\\") else ord(c)      # icons set in CSS
                   for c in _ICON_VAR.findall(theme_css)}
    codepoints.add(0xF107)                        # sphinx-book-theme's "on this page" chevron
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    font = subset.load_font(str(static / "vendor" / "fontawesome" / "webfonts" /
                                "fa-solid-900.ttf"), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(static / ICON_FONT), options)
    # the theme's stylesheet carries a `content` rule for each of Font Awesome's ~1,900 icons
    # (84 KB); keep the rules of the icons the pages use
    def keep(rule: re.Match) -> str:
        names = set(re.findall(r"\.(fa-[a-z0-9-]+):", rule.group(0)))
        return rule.group(0) if names & used else ""

    css_path = static / "styles" / "pydata-sphinx-theme.css"
    css_path.write_text(_GLYPH_RULE_BLOCK.sub(keep, theme_css), encoding="utf8")
    (static / ICON_CSS).write_text(
        "/* The theme's icons from a subset of Font Awesome 6 Free Solid (SIL OFL 1.1),\n"
        "   built by book/_ext/site_chrome.py: only the glyphs the site uses. */\n"
        '@font-face{font-display:block;font-family:"Font Awesome 6 Free";font-style:normal;'
        f'font-weight:900;src:url({ICON_FONT}) format("woff")}}\n'
        '@font-face{font-display:block;font-family:"Font Awesome 6 Free";font-style:normal;'
        f'font-weight:400;src:url({ICON_FONT}) format("woff")}}\n', encoding="utf8")


def finish(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    fix_written_pages(app, exception)
    subset_icons(app)


#: KaTeX's fonts and the classes of its output that use them (the first always: the sidebar's
#: chapter titles have math on every page)
KATEX_FONTS = {
    "KaTeX_Main-Regular": ("",),
    "KaTeX_Math-Italic": ("",),
    "KaTeX_Caligraphic-Regular": ("mathcal",),
    "KaTeX_AMS-Regular": ("amsrm",),
    "KaTeX_Size1-Regular": ("small-op", "size1"),
    "KaTeX_Size2-Regular": ("large-op", "size2"),
    "KaTeX_Size3-Regular": ("size3",),
    "KaTeX_Size4-Regular": ("size4",),
}


def math_fonts(body: str) -> list[str]:
    """The KaTeX fonts a page's math uses, to preload: fetched late, they changed the width of
    lines with math after the first paint (layout shift)."""
    if "katex" not in body:
        return []
    return [font for font, classes in KATEX_FONTS.items()
            if any(not c or c in body for c in classes)]


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html":
        return
    context["cavi_description"] = description(app, pagename, doctree)
    context["cavi_math_fonts"] = math_fonts(context.get("body", ""))
    if "body" in context:
        context["body"] = fix_body(context["body"])


# bibliography labels ---------------------------------------------------------------------
def _register_bibliography_style() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.alpha import Style as AlphaStyle
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        """"Arthur and Vassilvitskii 2007", "Blei et al. 2017": as the text cites them."""

        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                last = [" ".join(p.last_names) for p in people]
                if not last:
                    names = entry.fields.get("title", entry.key)
                elif len(last) == 1:
                    names = last[0]
                elif len(last) == 2:
                    names = f"{last[0]} and {last[1]}"
                else:
                    names = f"{last[0]} et al."
                names = names.replace("{", "").replace("}", "")
                yield f"{names} {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(AlphaStyle):
        default_label_style = AuthorYearLabels

    register_plugin("pybtex.style.labels", "cavi_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "cavi_author_year", AuthorYearStyle)


def setup(app: Sphinx) -> dict:
    _register_bibliography_style()
    app.connect("html-page-context", page_context)
    app.add_css_file(ICON_CSS)
    app.add_js_file("cavi.js", loading_method="defer")     # book/_assets/cavi.js
    app.connect("build-finished", finish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
