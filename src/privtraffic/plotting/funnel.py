"""Funnel charts: how many users reach each stage and the step-to-step conversion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from privtraffic._validation import as_float_array, check_nonempty, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["plot_funnel"]


def plot_funnel(stages: Sequence[str], counts: ArrayLike, *, ax: Axes | None = None) -> Axes:
    """Draw a funnel: one centred bar per stage, labelled with its count and conversion.

    Parameters
    ----------
    stages : sequence of str
        Stage names, from the top of the funnel (e.g. ``"connected"``) to the bottom.
    counts : array-like of float
        Users reaching each stage; must not increase from one stage to the next.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        When the lengths differ, ``counts`` is empty, negative, or increases down the funnel.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_funnel(["connected", "member", "buyer"], [1000, 400, 120],
    ...                  ax=Figure().add_subplot())
    >>> len(ax.patches), [t.get_text() for t in ax.texts][-1]
    (3, '120 (30.0% of previous, 12.0% of top)')
    """
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
    ax.barh(positions, y, left=-y / 2.0, height=0.8, color="#4c72b0", alpha=0.85)
    for k, (pos, value) in enumerate(zip(positions, y, strict=True)):
        text = f"{value:,.0f}"
        if k > 0:
            previous = y[k - 1]
            step = value / previous if previous > 0 else 0.0
            overall = value / y[0] if y[0] > 0 else 0.0
            text += f" ({step:.1%} of previous, {overall:.1%} of top)"
        ax.text(0.0, pos, text, ha="center", va="center", color="black", fontsize=9)
    ax.set_yticks(positions, names)
    ax.set_xticks([])
    half = float(y.max()) / 2.0 if y.max() > 0 else 1.0
    ax.set_xlim(-half * 1.05, half * 1.05)
    ax.set_title("Funnel")
    return ax
