"""Concentration plots: the Lorenz curve of value across customers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from numpy.typing import ArrayLike

from privtraffic.plotting._axes import axes_or_new, label_axes, resolve_texts
from privtraffic.plotting.fonts import use_cjk_font
from privtraffic.value import gini as gini_coefficient
from privtraffic.value import lorenz

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["LORENZ_TEXTS", "plot_lorenz_curve"]

#: The texts of :func:`plot_lorenz_curve`, by ``texts=`` key (``curve`` has the fields
#: ``label`` and ``gini``; ``customers`` is the label when none is given).
LORENZ_TEXTS: dict[str, str] = {
    "title": "Lorenz curve",
    "xlabel": "share of customers (smallest first)",
    "ylabel": "share of value",
    "equality": "equality",
    "customers": "customers",
    "curve": "{label} (Gini {gini})",
}


def plot_lorenz_curve(
    values: ArrayLike,
    *,
    label: str | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Plot the Lorenz curve of ``values`` (e.g. spend per customer) with its Gini coefficient.

    Customers are sorted from the smallest to the largest value; the curve shows which share of
    the total value the bottom share of customers holds. The diagonal is perfect equality.

    Parameters
    ----------
    values : array-like of float
        One non-negative value per customer (at least one must be positive).
    label : str, optional
        Legend label of the curve; the Gini coefficient is appended to it.
    texts, ax : optional
        The replacements of :data:`LORENZ_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When ``values`` is empty, has a negative or non-finite entry, or sums to zero.

    Notes
    -----
    The curve and the coefficient come from :func:`privtraffic.value.lorenz` and
    :func:`privtraffic.value.gini`.

    References
    ----------
    Lorenz, M. O. (1905). Methods of measuring the concentration of wealth. *Publications of
    the American Statistical Association* 9(70), 209-219.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_lorenz_curve([1.0, 1.0, 2.0, 6.0], ax=Figure().add_subplot())
    >>> ax.get_legend().get_texts()[0].get_text()
    'customers (Gini 0.40)'
    """
    text_of = resolve_texts(LORENZ_TEXTS, texts)
    population, share = lorenz(values)
    gini = gini_coefficient(values)
    ax = axes_or_new(ax)
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label=text_of["equality"])
    curve = text_of["curve"].format(label=label or text_of["customers"], gini=f"{gini:.2f}")
    ax.plot(population, share, linewidth=2, label=curve)
    ax.fill_between(population, share, population, alpha=0.15)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left")
    label_axes(ax, text_of, legend=False)
    use_cjk_font(ax)
    return ax
