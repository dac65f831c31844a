"""Relationship-tier plots: the tier mix over time and the tier-to-tier transition heatmap."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import check_nonempty
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new, label_axes, resolve_texts, thousands
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["TIER_MIX_TEXTS", "TRANSITION_TEXTS", "plot_tier_mix", "plot_transition_matrix"]

#: The texts of :func:`plot_tier_mix`, by ``texts=`` key (``ylabel`` with ``share=True``,
#: ``ylabel_count`` without).
TIER_MIX_TEXTS: dict[str, str] = {
    "title": "Tier mix over time",
    "ylabel": "share of users",
    "ylabel_count": "users",
    "legend": "tier",
}

#: The texts of :func:`plot_transition_matrix`, by ``texts=`` key.
TRANSITION_TEXTS: dict[str, str] = {
    "title": "Tier transitions",
    "xlabel": "tier at the end",
    "ylabel": "tier at the start",
}


def _finite_nonnegative_2d(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.array(values, dtype=np.float64, copy=True)
    if arr.ndim != 2:
        raise InvalidInputError(f"'{name}' must be 2-dimensional (got shape {arr.shape})")
    bad = np.argwhere(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i, j = (int(k) for k in bad[0])
        raise InvalidInputError(
            f"'{name}' must be finite and >= 0 (got {arr[i, j]!r} at index ({i}, {j}))"
        )
    return arr


def _is_dates(x: NDArray[np.generic]) -> bool:
    if np.issubdtype(x.dtype, np.datetime64):
        return True
    return x.dtype == object and all(isinstance(v, (datetime.date, np.datetime64)) for v in x)


def _date_axis(ax: Axes) -> None:
    """Spaced, numeric, turned date labels (the same in every language)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=8)
    numeric = ["%Y", "%Y-%m", "%Y-%m-%d", "%m-%d %H:%M", "%H:%M", "%H:%M:%S"]
    formatter = ConciseDateFormatter(
        locator,
        formats=numeric,
        zero_formats=numeric,
        offset_formats=["", "", "", "%Y", "%Y-%m-%d", "%Y-%m-%d"],
    )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")


def plot_tier_mix(
    periods: ArrayLike,
    counts: ArrayLike,
    tiers: Sequence[str],
    *,
    share: bool = True,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Stacked area of how many users sit in each tier at each point in time.

    Dates on the horizontal axis get a date locator that keeps the labels apart and numeric
    labels (``2025-03``) turned so they never overlap, whatever the language.

    Parameters
    ----------
    periods : array-like
        The time points (dates, ``datetime64`` or numbers), one per row of ``counts``.
    counts : array-like of float, shape (n_periods, n_tiers)
        Users in each tier at each time point.
    tiers : sequence of str
        Tier names, one per column of ``counts``, from the lowest tier to the highest.
    share : bool, default True
        Plot each tier's share of the users at that time instead of the counts.
    texts, ax : optional
        The replacements of :data:`TIER_MIX_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When the shapes do not match or a count is negative or not finite.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> counts = [[90, 10, 0], [70, 25, 5], [60, 28, 12]]
    >>> ax = plot_tier_mix([1, 2, 3], counts, ["connected", "buyer", "koc"],
    ...                    ax=Figure().add_subplot())
    >>> len(ax.collections), float(ax.get_ylim()[1])
    (3, 1.0)
    """
    text_of = resolve_texts(TIER_MIX_TEXTS, texts)
    y = _finite_nonnegative_2d(counts, "counts")
    x = np.asarray(periods)
    check_nonempty(x, "periods")
    names = [str(t) for t in tiers]
    if y.shape != (x.shape[0], len(names)):
        raise InvalidInputError(
            f"'counts' must have shape (len(periods), len(tiers)) = ({x.shape[0]}, {len(names)}) "
            f"(got {y.shape})"
        )
    if share:
        totals = y.sum(axis=1, keepdims=True)
        y = np.divide(y, totals, out=np.zeros_like(y), where=totals > 0)
    ax = axes_or_new(ax)
    ax.stackplot(x, y.T, labels=names, alpha=0.85)
    if x.shape[0] > 1:
        ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, 1.0 if share else float(y.sum(axis=1).max()) * 1.05 or 1.0)
    ax.set_ylabel(text_of["ylabel"] if share else text_of["ylabel_count"])
    if not share:
        thousands(ax.yaxis)
    ax.set_title(text_of["title"])
    if _is_dates(x):
        _date_axis(ax)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        title=text_of["legend"],
    )
    use_cjk_font(ax)
    return ax


def plot_transition_matrix(
    matrix: ArrayLike,
    tiers: Sequence[str],
    *,
    to_tiers: Sequence[str] | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a tier transition matrix: row = tier at the start, column = tier at the end.

    Parameters
    ----------
    matrix : array-like of float, shape (n_from, n_to)
        Transition counts or row probabilities; each cell is annotated (as a percentage when
        every row sums to 1, otherwise as a count).
    tiers : sequence of str
        Names of the rows (tier at the start).
    to_tiers : sequence of str, optional
        Names of the columns (tier at the end); the same as ``tiers`` when omitted.
    texts, ax : optional
        The replacements of :data:`TRANSITION_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When the shape does not match the names or a cell is negative or not finite.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> m = [[0.7, 0.3, 0.0], [0.1, 0.6, 0.3], [0.0, 0.2, 0.8]]
    >>> ax = plot_transition_matrix(m, ["connected", "buyer", "koc"], ax=Figure().add_subplot())
    >>> len(ax.images), ax.texts[1].get_text()
    (1, '30%')
    """
    text_of = resolve_texts(TRANSITION_TEXTS, texts)
    m = _finite_nonnegative_2d(matrix, "matrix")
    rows = [str(t) for t in tiers]
    cols = rows if to_tiers is None else [str(t) for t in to_tiers]
    if m.shape != (len(rows), len(cols)):
        raise InvalidInputError(
            f"'matrix' must have shape ({len(rows)}, {len(cols)}) to match the tier names "
            f"(got {m.shape})"
        )
    sums = m.sum(axis=1)
    stochastic = bool(np.all(np.isclose(sums[sums > 0], 1.0))) and m.max() <= 1.0
    ax = axes_or_new(ax)
    image = ax.imshow(m, cmap="Blues", vmin=0.0, vmax=1.0 if stochastic else None, aspect="auto")
    high = (1.0 if stochastic else max(float(m.max()), 1e-12)) * 0.6
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            text = f"{m[i, j]:.0%}" if stochastic else f"{m[i, j]:,.0f}"
            color = "white" if m[i, j] > high else "black"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=8)
    ax.set_xticks(np.arange(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(np.arange(len(rows)), rows)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    label_axes(ax, text_of, legend=False)
    use_cjk_font(ax)
    return ax
