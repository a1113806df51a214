"""Small display helpers the chapters share: glued numbers and tables of computed values.

:func:`glue` stores a computed value under a name so that the prose can show it
(``{glue:text}`name``` in MyST). Under Jupyter Book the value is recorded exactly as
MyST-NB's own ``glue`` records it; in any other Jupyter (a downloaded notebook on Colab,
VS Code, a lab PC) MyST-NB need not be installed: ``display=True`` simply shows the value,
``display=False`` shows nothing (the downloaded notebook has the numbers in its text).

:func:`table` renders rows of computed values as an HTML table that fits the text column
(it scrolls sideways on a phone instead of overflowing).
"""

from __future__ import annotations

import html
import importlib.util
from numbers import Real

#: Where MyST-NB looks for glued values in a cell's outputs.
GLUE_PREFIX = "application/papermill.record/"


def _under_jupyter_book() -> bool:
    return importlib.util.find_spec("myst_nb") is not None


def glue(name: str, value, display: bool = True) -> None:
    """Record ``value`` under ``name`` for the text to show (MyST-NB's glue, without MyST-NB).

    Parameters
    ----------
    name : str
        The key the text refers to (``{glue:text}`name```).
    value : object
        Anything IPython can display (a number, a string, a figure, ...).
    display : bool, default True
        Also show the value where the cell is.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if not _under_jupyter_book():
        if display:
            ipy_display(value)
        return
    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, Real) and not isinstance(value, (bool, int)):
        return format(float(value), floatfmt)
    return html.escape(str(value))


def table(rows, headers, floatfmt=".4f"):
    """An HTML table of computed values; floats formatted with ``floatfmt``.

    Parameters
    ----------
    rows : sequence of sequences
        One inner sequence per row, as long as ``headers``.
    headers : sequence of str
        Column headings (every column has one: screen readers announce them).
    floatfmt : str or sequence of str, default ".4f"
        Format specification for floating-point cells: one for all columns, or one per column.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    headers = [str(h) for h in headers]
    if any(not h.strip() for h in headers):
        raise ValueError("every column needs a heading")
    formats = [floatfmt] * len(headers) if isinstance(floatfmt, str) else [str(f) for f in floatfmt]
    if len(formats) != len(headers):
        raise ValueError(f"floatfmt needs one format per column ({len(headers)}), got {len(formats)}")
    body = []
    for row in rows:
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"each row needs {len(headers)} cells, got {len(row)}")
        body.append("<tr>" + "".join(f"<td>{_cell(v, f)}</td>" for v, f in zip(row, formats)) + "</tr>")
    head = "<tr>" + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers) + "</tr>"
    return HTML('<div class="cavi-table" style="overflow-x: auto">'
                '<table class="table" style="font-size: 0.9em">'
                f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>")
