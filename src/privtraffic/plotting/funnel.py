"""Funnel charts: how many users reach each stage and the step-to-step conversion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from privtraffic._validation import as_float_array, check_nonempty, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new, resolve_texts
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["FUNNEL_TEXTS", "plot_funnel"]


#: The texts of :func:`plot_funnel`, by ``texts=`` key. ``first`` labels the first stage,
#: ``step`` every later one (fields ``count``, ``step`` and ``overall``, already formatted).
FUNNEL_TEXTS: dict[str, str] = {
    "title": "Funnel",
    "first": "{count}",
    "step": "{count}\n{step} of previous, {overall} of first",
}

#: A bar at least this share of the widest bar holds its label; shorter bars have it beside them.
_INSIDE = 0.5


def plot_funnel(
    stages: Sequence[str],
    counts: ArrayLike,
    *,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a funnel: one bar per stage, labelled with its count and conversion.

    Bars start at the left edge, widest at the top. Each label sits inside its bar when the bar
    is at least half as wide as the first, and just right of the bar otherwise, so no label
    spills across a bar's edge.

    Parameters
    ----------
    stages : sequence of str
        Stage names, from the top of the funnel (e.g. ``"connected"``) to the bottom.
    counts : array-like of float
        Users reaching each stage; must not increase from one stage to the next.
    texts, ax : optional
        The replacements of :data:`FUNNEL_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When the lengths differ, ``counts`` is empty, negative, or increases down the funnel,
        or ``texts`` has an unknown key.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_funnel(["connected", "member", "buyer"], [1000, 400, 120],
    ...                  ax=Figure().add_subplot())
    >>> len(ax.patches), [t.get_text() for t in ax.texts][-1]
    (3, '120\\n30.0% of previous, 12.0% of first')
    >>> [t.get_ha() for t in ax.texts]
    ['right', 'left', 'left']
    """
    text_of = resolve_texts(FUNNEL_TEXTS, texts)
    names = [str(s) for s in stages]
    y = as_float_array(counts, "counts", minimum=0.0)
    check_nonempty(y, "counts")
    check_same_length(stages=names, counts=y)
    rises = np.flatnonzero(np.diff(y) > 0)
    if rises.size:
        i = int(rises[0]) + 1
        raise InvalidInputError(
            f"'counts' must not increase down the funnel (got {y[i]:g} > {y[i - 1]:g} at index {i})"
        )
    ax = axes_or_new(ax)
    positions = np.arange(y.size)[::-1]
    widest = float(y.max()) if y.max() > 0 else 1.0
    ax.barh(positions, y, height=0.75, color="#4c72b0", alpha=0.9)
    pad = 0.015 * widest
    for k, (pos, value) in enumerate(zip(positions, y, strict=True)):
        fields = {"count": f"{value:,.0f}"}
        if k == 0:
            text = text_of["first"].format(**fields)
        else:
            previous = y[k - 1]
            fields["step"] = f"{value / previous if previous > 0 else 0.0:.1%}"
            fields["overall"] = f"{value / y[0] if y[0] > 0 else 0.0:.1%}"
            text = text_of["step"].format(**fields)
        if value >= _INSIDE * widest:
            ax.text(value - pad, pos, text, ha="right", va="center", color="white", fontsize=9)
        else:
            ax.text(value + pad, pos, text, ha="left", va="center", color="black", fontsize=9)
    ax.set_yticks(positions, names)
    ax.set_xticks([])
    ax.set_xlim(0.0, widest * 1.02)
    ax.set_ylim(-0.6, y.size - 0.4)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(text_of["title"])
    use_cjk_font(ax)
    return ax
