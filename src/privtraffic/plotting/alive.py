"""One customer's P(alive) along their own timeline.

The "history of P(alive)" plot: the probability that the customer is still alive, by age since
their first purchase, falling while they are silent and jumping up at each repeat purchase
(drawn as ticks on the time axis) — except that under BG/NBD the first repeat purchase is the
customer's first chance to drop out, so P(alive) falls there from 1. The numbers come from
:func:`~privtraffic.clv.probability_alive_history`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike

from privtraffic.clv import probability_alive_history
from privtraffic.plotting._axes import axes_or_new, label_axes, resolve_texts
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["ALIVE_HISTORY_TEXTS", "plot_probability_alive_history"]

#: The texts of :func:`plot_probability_alive_history` and their English defaults.
ALIVE_HISTORY_TEXTS: dict[str, str] = {
    "title": "P(alive) over the customer's history",
    "xlabel": "age since the first purchase",
    "ylabel": "P(alive)",
    "curve": "P(alive)",
    "purchases": "repeat purchases",
}


def plot_probability_alive_history(
    model: Any,
    purchases: ArrayLike,
    end: float,
    *,
    n_points: int = 200,
    texts: dict[str, str] | None = None,
    ax: Axes | None = None,
    **covariates: Any,
) -> Axes:
    """Plot one customer's P(alive) from their first purchase to ``end``.

    Parameters
    ----------
    model : ParetoNBD, BetaGeo, ModifiedBetaGeo or a covariate model of them
        Fitted.
    purchases : array-like
        Ages of the repeat purchases (the first purchase is age 0), in the model's time unit.
    end : float
        Last age shown, e.g. the customer's ``T``.
    n_points : int, default 200
        Evenly spaced ages (the purchases are added).
    texts, ax : optional
        The replacements of :data:`ALIVE_HISTORY_TEXTS` and the Axes to draw on, as for every
        plot.
    **covariates
        A covariate model's covariates for this customer (one row).

    Raises
    ------
    InvalidInputError
        As :func:`~privtraffic.clv.probability_alive_history`, or unknown ``texts`` keys.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_probability_alive_history(m, [3.0, 8.0, 9.5], 38.86, ax=Figure().add_subplot())
    >>> [line.get_label() for line in ax.lines]
    ['P(alive)', 'repeat purchases']
    """
    text_of = resolve_texts(ALIVE_HISTORY_TEXTS, texts)
    history = probability_alive_history(model, purchases, end, n_points=n_points, **covariates)
    ax = axes_or_new(ax)
    ax.plot(history.age, history.probability_alive, label=text_of["curve"])
    ax.plot(
        history.purchases,
        [0.0] * len(history.purchases),
        linestyle="none",
        marker="|",
        markersize=14,
        color="0.3",
        label=text_of["purchases"],
    )
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(0.0, float(history.age[-1]))
    ax.legend(loc="best")  # away from the curve and the purchase marks
    label_axes(ax, text_of, legend=False)
    use_cjk_font(ax)
    return ax
