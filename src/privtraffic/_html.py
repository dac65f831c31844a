"""Small, dependency-free HTML rendering shared by the ``_repr_html_`` of every public object.

Everything is escaped; nothing refers to an external URL, so the output is safe to embed in a
notebook or a self-contained report.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["format_cell", "html_table"]


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
    if title:
        parts.append(f"<strong>{html.escape(title)}</strong>")
    parts.append("<table><thead><tr>")
    parts.extend(f"<th>{html.escape(str(h))}</th>" for h in header)
    parts.append("</tr></thead><tbody>")
    n = 0
    for row in rows:
        n += 1
        if n > max_rows:
            continue
        cells = "".join(f"<td>{html.escape(format_cell(v))}</td>" for v in row)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    if n > max_rows:
        parts.append(f"<p>… {n - max_rows} more rows</p>")
    if notes:
        items = "".join(
            f"<li>{html.escape(str(k))}: {html.escape(format_cell(v))}</li>"
            for k, v in notes.items()
        )
        parts.append(f"<ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)
