"""Small, dependency-free HTML rendering shared by the ``_repr_html_`` of every public object.

Everything is escaped; nothing refers to an external URL, so the output is safe to embed in a
notebook or a self-contained report.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

__all__ = ["bullet_list", "format_cell", "html_table", "table_markup"]


def format_cell(value: object, digits: int = 4) -> str:
    """Format one value for display: floats to ``digits`` significant places, others as text.

    Examples
    --------
    >>> format_cell(0.242593), format_cell(3), format_cell("koc")
    ('0.2426', '3', 'koc')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return f"{value:.{digits}g}" if np.isfinite(value) else str(value)
    return str(value)


def html_table(
    rows: Iterable[Sequence[object]],
    header: Sequence[str],
    *,
    title: str | None = None,
    notes: Mapping[str, object] | None = None,
    max_rows: int = 20,
) -> str:
    """Render rows as an escaped HTML table with an optional title and key/value notes.

    Only the first ``max_rows`` rows are shown; a last line says how many were left out.

    Examples
    --------
    >>> out = html_table([("r", 0.2426)], ["parameter", "estimate"], title="BetaGeo")
    >>> out.startswith("<div") and "<th>parameter</th>" in out and "BetaGeo" in out
    True
    """
    parts = ['<div class="privtraffic">']
    table, n = table_markup(rows, header, title=title, max_rows=max_rows)
    parts.append(table)
    if n > max_rows:
        parts.append(f"<p>… {n - max_rows} more rows</p>")
    if notes:
        parts.append(bullet_list(f"{k}: {format_cell(v)}" for k, v in notes.items()))
    parts.append("</div>")
    return "".join(parts)


def table_markup(
    rows: Iterable[Sequence[object]],
    header: Sequence[str],
    *,
    title: str | None = None,
    max_rows: int = 20,
    cell: Callable[[object], str] = format_cell,
) -> tuple[str, int]:
    """The escaped ``<table>`` of the first ``max_rows`` rows (after a bold ``title``), and how
    many rows there were.

    The one table writer of :func:`html_table` and of the report's pages, which differ only in
    how they write a cell (``cell``) and what they say of the rows left out.

    Parameters
    ----------
    rows : iterable of sequences
        The table's rows, read once.
    header : sequence of str
        The column headings.
    title : str, optional
        Written in bold before the table.
    max_rows : int, default 20
        How many rows are written; the rest are only counted.
    cell : callable, default :func:`format_cell`
        The text of one value (escaped afterwards).

    Returns
    -------
    markup : str
    n_rows : int
        How many rows ``rows`` had (more than ``max_rows`` when some were left out).

    Examples
    --------
    >>> markup, n = table_markup([(1, "a<b"), (2, "c")], ["n", "text"], max_rows=1)
    >>> markup
    '<table><thead><tr><th>n</th><th>text</th></tr></thead><tbody><tr><td>1</td><td>a&lt;b</td></tr></tbody></table>'
    >>> n
    2
    """
    parts = [f"<strong>{html.escape(title)}</strong>"] if title else []
    parts.append("<table><thead><tr>")
    parts.extend(f"<th>{html.escape(str(h))}</th>" for h in header)
    parts.append("</tr></thead><tbody>")
    n = 0
    for row in rows:
        n += 1
        if n <= max_rows:
            cells = "".join(f"<td>{html.escape(cell(v))}</td>" for v in row)
            parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts), n


def bullet_list(lines: Iterable[str]) -> str:
    """An escaped ``<ul>`` with one item per line of text.

    Examples
    --------
    >>> bullet_list(["a: 1", "b < 2"])
    '<ul><li>a: 1</li><li>b &lt; 2</li></ul>'
    """
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"<ul>{items}</ul>"
