"""One self-contained HTML page: headings, text, tables and plots embedded as base64 PNG.

Every text the page frame writes comes from :mod:`privtraffic._report.messages` in the page's
language; numbers in tables are written without scientific notation (see :func:`format_number`).
"""

from __future__ import annotations

import base64
import html
import io
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from privtraffic import plotting
from privtraffic._html import bullet_list, table_markup
from privtraffic._report import messages
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["NO_PLOTS_REASONS", "Cell", "Document", "format_number", "matplotlib_available"]

#: What a table cell holds: text, or a number (see :func:`format_number`).
Cell: TypeAlias = str | int | float | np.generic

#: Why a page can have no plots: asked for (``--no-plots``), or matplotlib is missing.
NO_PLOTS_REASONS: tuple[str, ...] = ("asked", "matplotlib")

# Latin text in the system UI font; Chinese in the first CJK font the reader's system has.
_FONTS = (
    '-apple-system, "Segoe UI", Helvetica, Arial, "Noto Sans CJK SC", "Source Han Sans SC", '
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

_STYLE = """
body { font-family: FONTS; margin: 2em auto;
       max-width: 64em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #4c72b0; padding-bottom: .2em; }
h1.part { margin-top: 2.5em; font-size: 160%; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .6em 0 1.2em 0; font-size: 90%; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
td { font-variant-numeric: tabular-nums; }
th { background: #f0f3f8; }
td:first-child, th:first-child { text-align: left; }
td:first-child { white-space: nowrap; }
div.text td, div.text th { text-align: left; vertical-align: top; }
div.text td:nth-child(-n+2) { white-space: nowrap; }
figure { margin: 1em 0; }
figure img { max-width: 100%; }
figcaption { font-size: 90%; color: #555; }
.note { color: #555; font-size: 90%; }
.caution { border-left: 4px solid #c58b00; background: #fff8e1; padding: .5em 1em;
           margin: 1em 0; }
.caution strong { color: #8a5d00; }
.caution ul { margin: .3em 0; }
nav > ul { columns: 2; }
""".replace("FONTS", _FONTS)


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (the ``plot`` extra is installed)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def format_number(value: object, digits: int = 4) -> str:
    """A number as a table shows it: never in scientific notation, thousands separated.

    Integers are written in full (``19,671``); floats to ``digits`` significant digits, but
    never fewer than their whole part (``19,672``, ``0.2426``, ``0.00001235``); NaN as ``-``.
    Anything else is its ``str``.

    Examples
    --------
    >>> format_number(19671.5), format_number(0.242593), format_number(1.23456e-5)
    ('19,672', '0.2426', '0.00001235')
    >>> format_number(np.int64(1234567)), format_number(-2921.4), format_number(float("nan"))
    ('1,234,567', '-2,921', '-')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not np.isfinite(value):
        return "-" if np.isnan(value) else str(value)
    if value == 0:
        return "0"
    magnitude = int(np.floor(np.log10(abs(value))))
    places = max(digits - 1 - magnitude, 0)
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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
        says once why (``no_plots_reason``).
    lang : {"en", "zh"}
        The language of every text the page writes (see :mod:`privtraffic._report.messages`).
    no_plots_reason : {"asked", "matplotlib"}
        Why there are no plots when ``plots`` is False: the user left them out
        (``--no-plots``) or matplotlib is not installed.

    Examples
    --------
    >>> doc = Document("报告", plots=False, lang="zh", no_plots_reason="asked")
    >>> doc.section(doc.text("data.title"))
    >>> page = doc.render()
    >>> '<html lang="zh-CN">' in page, "按要求未绘制图表" in page, "目录" in page
    (True, True, True)
    """

    def __init__(
        self,
        title: str,
        *,
        plots: bool,
        lang: str = "en",
        no_plots_reason: str = "matplotlib",
    ) -> None:
        self.title = title
        self.plots = plots
        self.lang = messages.check_lang(lang)
        if no_plots_reason not in NO_PLOTS_REASONS:
            raise InvalidInputError(
                f"'no_plots_reason' must be one of {NO_PLOTS_REASONS} (got {no_plots_reason!r})"
            )
        self.no_plots_reason = no_plots_reason
        self._body: list[str] = []
        self._toc: list[tuple[str, str]] = []
        self._parts: set[str] = set()
        self._font_note = False
        self.n_figures = 0
        #: Characters a plot could not draw (no font had them); empty when every glyph drew.
        self.missing_glyphs: set[str] = set()

    # --- texts -------------------------------------------------------------------------------

    def text(self, key: str, /, **fields: object) -> str:
        """The catalogue text ``key`` in the page's language, with its fields filled in."""
        return messages.text(key, self.lang, **fields)

    def tier(self, tier: str | None) -> str:
        """A tier's name in the page's language."""
        return messages.tier_name(tier, self.lang)

    def event(self, kind: str) -> str:
        """An event kind's name in the page's language."""
        return messages.event_name(kind, self.lang)

    def join(self, items: Iterable[str]) -> str:
        """Items listed in a sentence (``a, b`` or ``a、b``)."""
        return self.text("doc.list_sep").join(items)

    @property
    def plot_lang(self) -> str:
        """The language the plots are drawn in: the page's, or English when the page is Chinese
        and no CJK-capable font is installed (Chinese would be drawn as boxes); then the page
        says once how to install a font."""
        if self.lang == "en" or not self.plots or _cjk_font_installed():
            return self.lang
        self._add_font_note()
        return "en"

    def plot_texts(self, plot: str) -> dict[str, str]:
        """The ``texts=`` of a :mod:`privtraffic.plotting` function in :attr:`plot_lang`."""
        return messages.plot_texts(plot, self.plot_lang)

    def plot_text(self, key: str, /, **fields: object) -> str:
        """A catalogue text drawn inside a plot (a legend or bar label), in :attr:`plot_lang`."""
        return messages.text(key, self.plot_lang, **fields)

    def plot_tier(self, tier: str | None) -> str:
        """A tier's name as a plot draws it, in :attr:`plot_lang`."""
        return messages.tier_name(tier, self.plot_lang)

    def plot_event(self, kind: str) -> str:
        """An event kind's name as a plot draws it, in :attr:`plot_lang`."""
        return messages.event_name(kind, self.plot_lang)

    def _add_font_note(self) -> None:
        if not self._font_note:
            self._font_note = True
            note = html.escape(self.text("doc.no_cjk_font"))
            self._body.insert(0, f'<p class="note">{note}</p>')

    # --- structure ---------------------------------------------------------------------------

    def section(self, heading: str) -> None:
        """Start a new top-level section (listed in the table of contents)."""
        anchor = base = _anchor(heading)
        if anchor == "section":  # a heading with no Latin letters: number the anchors
            anchor = base = f"section-{len(self._toc) + 1}"
        k = 1
        while any(a == anchor for a, _ in self._toc):
            k += 1
            anchor = f"{base}-{k}"
        self._toc.append((anchor, heading))
        self._body.append(f'<h2 id="{anchor}">{html.escape(heading)}</h2>')

    def part(self, heading: str, text: str = "") -> None:
        """Start a part of the page (a group of sections), with an optional introduction."""
        anchor = _anchor(heading)
        if anchor == "section":
            anchor = f"part-{len(self._parts) + 1}"
        self._toc.append((anchor, heading))
        self._parts.add(anchor)
        self._body.append(f'<h1 id="{anchor}" class="part">{html.escape(heading)}</h1>')
        if text:
            self.paragraph(text)

    def paragraph(self, text: str, *, note: bool = False, detail: str = "") -> None:
        """A paragraph of escaped text; ``note`` renders it small and grey.

        ``detail`` is a technical message that has no translation (an optimiser's own words),
        set after the text as code.
        """
        cls = ' class="note"' if note else ""
        code = f" <code>{html.escape(detail)}</code>" if detail else ""
        self._body.append(f"<p{cls}>{html.escape(text)}{code}</p>")

    def caution(self, items: Sequence[str | tuple[str, str]], *, title: str | None = None) -> None:
        """A caution box: a title (``caution.title`` when omitted) and one line per item.

        The fit diagnostics put what makes a number less trustworthy here (a parameter at a
        bound, a flat likelihood, few repeat buyers); the items are catalogue texts. An item
        ``(text, detail)`` sets ``detail`` (an optimiser's own words) after the text as code.
        """
        if not items:
            return
        heading = html.escape(title if title is not None else self.text("caution.title"))
        lines = "".join(
            f"<li>{html.escape(item)}</li>"
            if isinstance(item, str)
            else f"<li>{html.escape(item[0])} <code>{html.escape(item[1])}</code></li>"
            for item in items
        )
        self._body.append(
            f'<div class="caution" role="note"><strong>{heading}</strong><ul>{lines}</ul></div>'
        )

    def facts(self, items: Mapping[str, Cell], *, title: str | None = None) -> None:
        """A two-column table of named values."""
        self.table(list(items.items()), ["", self.text("doc.value")], title=title)

    def table(
        self,
        rows: Iterable[Sequence[Cell]],
        header: Sequence[str],
        *,
        title: str | None = None,
        max_rows: int = 50,
        notes: Mapping[str, Cell] | None = None,
        text: bool = False,
    ) -> None:
        """An escaped table; numbers are written by :func:`format_number`.

        Only the first ``max_rows`` rows are shown; a last line says how many were left out.
        ``notes`` are listed under the table as ``name: value`` lines. A ``text`` table (of
        sentences rather than numbers) is aligned to the left.
        """
        parts = ['<div class="privtraffic text">' if text else '<div class="privtraffic">']
        table, n = table_markup(rows, header, title=title, max_rows=max_rows, cell=format_number)
        parts.append(table)
        if n > max_rows:
            more = self.text("doc.more_rows", n=f"{n - max_rows:,}")
            parts.append(f'<p class="note">{html.escape(more)}</p>')
        if notes:
            parts.append(
                bullet_list(
                    self.text("doc.note", name=k, value=format_number(v)) for k, v in notes.items()
                )
            )
        parts.append("</div>")
        self._body.append("".join(parts))

    def raw_html(self, fragment: str) -> None:
        """Trusted HTML produced by privtraffic itself."""
        self._body.append(fragment)

    def figure(
        self,
        draw: Callable[[Axes], object],
        *,
        caption: str,
        size: tuple[float, float] = (7.0, 4.2),
    ) -> None:
        """Draw a plot on a fresh Axes and embed it as a base64 PNG; skipped without plots.

        Characters no installed font can draw are collected in :attr:`missing_glyphs` (and
        the page says how to install a CJK font) instead of passing as warnings.
        """
        self._embed(lambda fig: draw(fig.add_subplot()), caption=caption, size=size)

    def figure_pair(
        self,
        draw: Callable[[Axes, Axes], object],
        *,
        caption: str,
        size: tuple[float, float] = (11.0, 4.2),
    ) -> None:
        """Draw two plots side by side (one figure, one caption), as :meth:`figure` draws one."""

        def both(fig: Figure) -> object:
            left, right = fig.subplots(1, 2)
            return draw(left, right)

        self._embed(both, caption=caption, size=size)

    def _embed(
        self, draw: Callable[[Figure], object], *, caption: str, size: tuple[float, float]
    ) -> None:
        """Draw on a fresh figure and embed it as a base64 PNG with its caption."""
        if not self.plots:
            return
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, dpi=96, layout="constrained")
        buffer = io.BytesIO()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", plotting.MissingFontWarning)
            warnings.filterwarnings("always", message="Glyph .* missing from", category=UserWarning)
            draw(fig)
            fig.savefig(buffer, format="png")
        for w in caught:
            glyph = re.search(r"\\N\{([^}]*)\}", str(w.message))
            if issubclass(w.category, plotting.MissingFontWarning) or glyph:
                if glyph:
                    self.missing_glyphs.add(glyph.group(1))
                self._add_font_note()
            else:  # pragma: no cover - other warnings pass through unchanged
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        self.n_figures += 1
        label = self.text("doc.figure", n=self.n_figures)
        self._body.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(label)} {html.escape(caption)}</figcaption></figure>"
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
            else f'<p class="note">{html.escape(self.text(f"doc.no_plots.{self.no_plots_reason}"))}'
            "</p>"
        )
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="{messages.HTML_LANG[self.lang]}"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{notice}"
            f"<nav><strong>{html.escape(self.text('doc.contents'))}</strong><ul>{toc}</ul></nav>"
            + "\n".join(self._body)
            + (f'<hr><p class="note">{html.escape(footer)}</p>' if footer else "")
            + "</body></html>\n"
        )


def _cjk_font_installed() -> bool:
    return plotting.find_cjk_font() is not None
