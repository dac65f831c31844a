"""One self-contained HTML page: headings, text, tables and plots embedded as base64 PNG."""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from privtraffic._html import html_table

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["Cell", "Document", "matplotlib_available"]

#: What a table cell holds: text, or a number (floats are shown to 4 significant digits).
Cell: TypeAlias = str | int | float | np.generic

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 64em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #4c72b0; padding-bottom: .2em; }
h1.part { margin-top: 2.5em; font-size: 160%; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .6em 0 1.2em 0; font-size: 90%; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
th { background: #f0f3f8; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0; }
figure img { max-width: 100%; }
figcaption { font-size: 90%; color: #555; }
.note { color: #555; font-size: 90%; }
.caution { border: 1px solid #c9a227; background: #fff8e1; padding: .3em .9em; margin: .6em 0; }
nav > ul { columns: 2; }
"""


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (the ``plot`` extra is installed)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


class Document:
    """An HTML page being written, section by section (a private builder, mutable by design).

    Parameters
    ----------
    title : str
        Page title and first heading.
    plots : bool
        Whether to render plots; when False every :meth:`figure` call is skipped and the page
        says once that plots were left out.
    """

    def __init__(self, title: str, *, plots: bool) -> None:
        self.title = title
        self.plots = plots
        self._body: list[str] = []
        self._toc: list[tuple[str, str]] = []
        self._parts: set[str] = set()
        self.n_figures = 0

    def section(self, heading: str) -> None:
        """Start a new top-level section (listed in the table of contents)."""
        anchor = base = _anchor(heading)
        k = 1
        while any(a == anchor for a, _ in self._toc):
            k += 1
            anchor = f"{base}-{k}"
        self._toc.append((anchor, heading))
        self._body.append(f'<h2 id="{anchor}">{html.escape(heading)}</h2>')

    def part(self, heading: str, text: str = "") -> None:
        """Start a part of the page (a group of sections), with an optional introduction."""
        anchor = _anchor(heading)
        self._toc.append((anchor, heading))
        self._parts.add(anchor)
        self._body.append(f'<h1 id="{anchor}" class="part">{html.escape(heading)}</h1>')
        if text:
            self.paragraph(text)

    def paragraph(self, text: str, *, note: bool = False) -> None:
        """A paragraph of escaped text; ``note`` renders it small and grey."""
        cls = ' class="note"' if note else ""
        self._body.append(f"<p{cls}>{html.escape(text)}</p>")

    def caution(self, lines: Sequence[str]) -> None:
        """A highlighted box of warnings (e.g. a fit's diagnostics messages); none if empty."""
        if lines:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            self._body.append(
                f'<div class="caution"><strong>Caution</strong><ul>{items}</ul></div>'
            )

    def facts(self, items: Mapping[str, Cell], *, title: str | None = None) -> None:
        """A two-column table of named values."""
        self.table(list(items.items()), ["", "value"], title=title)

    def table(
        self,
        rows: Iterable[Sequence[Cell]],
        header: Sequence[str],
        *,
        title: str | None = None,
        max_rows: int = 50,
    ) -> None:
        """An escaped table (see :func:`privtraffic._html.html_table`)."""
        self._body.append(html_table(rows, header, title=title, max_rows=max_rows))

    def raw_html(self, fragment: str) -> None:
        """Trusted HTML produced by privtraffic itself (e.g. a ``_repr_html_``)."""
        self._body.append(fragment)

    def figure(
        self,
        draw: Callable[[Axes], object],
        *,
        caption: str,
        size: tuple[float, float] = (7.0, 4.2),
    ) -> None:
        """Draw a plot on a fresh Axes and embed it as a base64 PNG; skipped without plots."""
        if not self.plots:
            return
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, dpi=96, layout="constrained")
        draw(fig.add_subplot())
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        self.n_figures += 1
        self._body.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>Figure {self.n_figures}. {html.escape(caption)}</figcaption></figure>"
        )

    def render(self, *, footer: str = "") -> str:
        """The complete HTML page."""
        toc = "".join(
            f'<li><a href="#{a}">{"<strong>" if a in self._parts else ""}{html.escape(h)}'
            f"{'</strong>' if a in self._parts else ''}</a></li>"
            for a, h in self._toc
        )
        notice = (
            ""
            if self.plots
            else '<p class="note">Plots are not included: matplotlib is not installed '
            "(python -m pip install 'privtraffic[plot]').</p>"
        )
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{notice}"
            f"<nav><strong>Contents</strong><ul>{toc}</ul></nav>"
            + "\n".join(self._body)
            + (f'<hr><p class="note">{html.escape(footer)}</p>' if footer else "")
            + "</body></html>\n"
        )
