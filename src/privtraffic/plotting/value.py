"""Value-decomposition waterfall: how components add up to a total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from privtraffic._validation import as_float_array, check_nonempty, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.money import DEFAULT_CURRENCY, check_currency, format_amount
from privtraffic.plotting._axes import axes_or_new, resolve_texts, thousands
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["WATERFALL_TEXTS", "plot_value_waterfall"]

#: The texts of :func:`plot_value_waterfall`, by ``texts=`` key (``ylabel`` has the field
#: ``currency``).
WATERFALL_TEXTS: dict[str, str] = {"title": "Value decomposition", "ylabel": "value ({currency})"}


def plot_value_waterfall(
    labels: Sequence[str],
    amounts: ArrayLike,
    *,
    start: float | None = None,
    start_label: str = "before",
    total_label: str = "total",
    currency: str = DEFAULT_CURRENCY,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a waterfall: each component as a floating bar, then the total.

    Positive components rise from the running total, negative ones fall from it; the last bar is
    the end total. With ``start`` (e.g. the value of the base period of
    :func:`privtraffic.value.decompose`) the first bar is that starting value and the last is
    ``start + sum(amounts)``.

    Parameters
    ----------
    labels : sequence of str
        Component names (e.g. ``"own purchases"``, ``"referral value"``, ``"commission cost"``).
    amounts : array-like of float
        Each component's contribution (may be negative).
    start : float, optional
        A starting value drawn as the first bar; the components build on it.
    start_label : str, default "before"
        Name of the starting bar.
    total_label : str, default "total"
        Name of the final bar.
    currency : str, default "CNY"
        The amounts' currency: the bar labels show its decimals (none for JPY, two for CNY),
        through :func:`privtraffic.money.format_amount`, and the axis names it.
    texts, ax : optional
        The replacements of :data:`WATERFALL_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When the lengths differ, ``amounts`` is empty or has NaN/inf.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_value_waterfall(["own", "referrals", "commission"], [120.0, 45.5, -20.0],
    ...                           ax=Figure().add_subplot())
    >>> len(ax.patches), ax.texts[-1].get_text()
    (4, '145.50')
    >>> from privtraffic.value import decompose
    >>> parts = decompose(pool=(1000, 1100), conversion=(0.2, 0.25), monetization=(80, 75))
    >>> ax = plot_value_waterfall(list(parts), list(parts.values()), start=parts.value_0,
    ...                           ax=Figure().add_subplot())
    >>> ax.texts[-1].get_text()
    '20,625.00'
    >>> ax = plot_value_waterfall(["orders", "refunds"], [1200.0, -150.0], currency="JPY",
    ...                           ax=Figure().add_subplot())
    >>> [t.get_text() for t in ax.texts], ax.get_ylabel()
    (['+1,200', '-150', '1,050'], 'value (JPY)')
    """
    text_of = resolve_texts(WATERFALL_TEXTS, texts)
    names = [str(s) for s in labels]
    y = as_float_array(amounts, "amounts")
    check_nonempty(y, "amounts")
    check_same_length(labels=names, amounts=y)
    base = 0.0 if start is None else float(start)
    if not np.isfinite(base):
        raise InvalidInputError(f"'start' must be finite (got {start!r})")
    ends = base + np.cumsum(y)
    starts = ends - y
    total = float(ends[-1])
    first = 0 if start is None else 1
    check_currency(currency)

    def money(amount: float) -> str:
        return format_amount(amount, currency, symbol=False)

    ax = axes_or_new(ax)
    if start is not None:
        ax.bar([0], [base], color="0.6", width=0.7)
        ax.text(0, max(base, 0.0), money(base), ha="center", va="bottom", fontsize=9)
    colors = ["#55a868" if v >= 0 else "#c44e52" for v in y]
    x = first + np.arange(y.size)
    ax.bar(x, y, bottom=starts, color=colors, width=0.7)
    ax.bar([first + y.size], [total], color="#4c72b0", width=0.7)
    for xi, lo, hi, v in zip(x.tolist(), starts, ends, y, strict=True):
        change = money(float(v))
        label = change if change.startswith("-") else "+" + change
        ax.text(xi, max(lo, hi), label, ha="center", va="bottom", fontsize=9)
    for xi, level in zip(
        np.arange(first + y.size), np.concatenate([starts[:1], ends])[1 - first :], strict=False
    ):
        ax.plot([xi + 0.35, xi + 0.65], [level, level], color="0.5", linewidth=1)
    ax.text(first + y.size, max(total, 0.0), money(total), ha="center", va="bottom", fontsize=9)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    levels = np.concatenate([starts, ends, [base, total, 0.0]])
    low, high = float(levels.min()), float(levels.max())
    pad = 0.08 * ((high - low) or 1.0)
    ax.set_ylim(low - (pad if low < 0 else 0.0), high + pad)
    names = [start_label, *names] if start is not None else names
    ax.set_xticks(np.arange(len(names) + 1), [*names, total_label])
    thousands(ax.yaxis)
    ax.set_ylabel(text_of["ylabel"].format(currency=currency))
    ax.set_title(text_of["title"])
    use_cjk_font(ax)
    return ax
