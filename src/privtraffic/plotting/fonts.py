"""Fonts for Chinese (and other CJK) text in plots: find one, or say how to install one.

matplotlib's default font, DejaVu Sans, has no Chinese glyphs: a title holding a user id such as
``'用户1'`` or a Chinese axis label is drawn as empty boxes. Every plot of
:mod:`privtraffic.plotting` therefore looks, when it is finished, for CJK characters in its
texts; when it finds some it adds an installed CJK-capable font as a fallback family of those
texts (glyph by glyph, so Latin letters keep their font), and when no such font is installed it
warns with :data:`CJK_FONT_HELP` instead of silently drawing boxes.

Examples
--------
>>> has_cjk("用户 42"), has_cjk("user 42")
(True, False)
>>> family = find_cjk_font()
>>> family is None or isinstance(family, str)
True
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = [
    "CJK_FONT_FAMILIES",
    "CJK_FONT_HELP",
    "MissingFontWarning",
    "find_cjk_font",
    "has_cjk",
    "use_cjk_font",
]

#: CJK-capable font families, most preferred first (Simplified Chinese forms before the others).
CJK_FONT_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Heiti SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Source Han Sans",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)

#: What to do when no CJK-capable font is installed.
CJK_FONT_HELP = (
    "no CJK-capable font is installed, so Chinese text in plots cannot be drawn; install one "
    "(Debian/Ubuntu: apt-get install fonts-noto-cjk; Fedora: dnf install "
    "google-noto-sans-cjk-fonts; macOS and Windows ship PingFang SC / Microsoft YaHei) and "
    "run again"
)

# CJK punctuation, kana, ideographs (with extension A), compatibility ideographs, Hangul and the
# full-width forms.
_CJK = re.compile(
    "[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


class MissingFontWarning(UserWarning):
    """A plot holds CJK text but no CJK-capable font is installed (see :data:`CJK_FONT_HELP`).

    Examples
    --------
    >>> issubclass(MissingFontWarning, UserWarning)
    True
    """


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese, Japanese or Korean character.

    Parameters
    ----------
    text : str

    Returns
    -------
    bool

    Examples
    --------
    >>> has_cjk("复购率"), has_cjk("repeat rate"), has_cjk("（")
    (True, False, True)
    """
    return _CJK.search(text) is not None


@functools.cache
def find_cjk_font() -> str | None:
    """The family name of an installed CJK-capable font, or None when there is none.

    The families of :data:`CJK_FONT_FAMILIES` are looked up in matplotlib's font list first;
    when none is there (matplotlib caches its list, so a font installed after the cache was
    built is missing from it), the system's font folders are searched and the CJK fonts found
    are added to matplotlib's list. The answer is cached for the process.

    Returns
    -------
    str or None

    Raises
    ------
    ImportError
        When matplotlib is not installed.

    Examples
    --------
    >>> family = find_cjk_font()
    >>> family is None or family in CJK_FONT_FAMILIES
    True
    """
    from privtraffic.plotting._axes import require_matplotlib

    require_matplotlib()
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FONT_FAMILIES if family in names), None)

    family = known()
    if family is not None:
        return family
    hints = ("cjk", "sourcehan", "wqy", "wenquanyi", "yahei", "msyh", "pingfang", "simhei")
    for path in font_manager.findSystemFonts():
        if any(h in path.lower().replace("-", "").replace("_", "") for h in hints):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # pragma: no cover - a broken font file
                continue
    return known()


def use_cjk_font(ax: Axes) -> None:
    """Give every text of ``ax``'s figure holding CJK characters a CJK-capable fallback font.

    Warns :class:`MissingFontWarning` (once per figure) when such text exists and no font is
    installed. Called by every plot of :mod:`privtraffic.plotting` when it has drawn.

    Parameters
    ----------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> title = ax.set_title("复购 repeat")
    >>> use_cjk_font(ax)
    >>> family = find_cjk_font()
    >>> family is None or title.get_fontfamily()[-1] == family
    True
    """
    from matplotlib.text import Text

    figure = ax.figure
    texts = [t for t in figure.findobj(Text) if isinstance(t, Text) and has_cjk(t.get_text())]
    tick_labels = [t.get_text() for a in figure.axes for t in a.get_xticklabels(minor=False)]
    tick_labels += [t.get_text() for a in figure.axes for t in a.get_yticklabels(minor=False)]
    ticks_cjk = any(has_cjk(t) for t in tick_labels)
    if not texts and not ticks_cjk:
        return
    family = find_cjk_font()
    if family is None:
        warnings.warn(CJK_FONT_HELP, MissingFontWarning, stacklevel=3)  # the plot's caller
        return
    for text in texts:
        families = [f for f in text.get_fontfamily() if f != family]
        text.set_fontfamily([*families, family])
    if ticks_cjk:
        for a in figure.axes:
            a.tick_params(labelfontfamily=["sans-serif", family])
