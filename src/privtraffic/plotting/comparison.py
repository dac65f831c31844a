"""Several BTYD models against the same data, on one set of axes.

The two classic diagnostics of Fader, Hardie & Lee (2005), with one curve per model: the
distribution of repeat purchases in the calibration period (their Figure 1) and the tracking of
cumulative repeat purchases through calibration and holdout (their Figure 3). The numbers come
from :func:`~privtraffic.plotting.period_transaction_counts` and
:func:`~privtraffic.plotting.tracking_curves`; models come as a list or as the fitted models of a
:class:`~privtraffic.clv.ModelComparison`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike

from privtraffic.clv import ModelComparison
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new, label_axes, require_matplotlib, resolve_texts
from privtraffic.plotting.btyd import (
    Moment,
    _calibration_line,
    _dates,
    _set_frequency_ticks,
    period_transaction_counts,
    tracking_curves,
)
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = [
    "FREQUENCY_COMPARISON_TEXTS",
    "MODEL_COMPARISON_TEXTS",
    "TRACKING_COMPARISON_TEXTS",
    "plot_frequency_comparison",
    "plot_model_comparison",
    "plot_tracking_comparison",
]

#: The texts of :func:`plot_frequency_comparison`, by ``texts=`` key (the models' own legend
#: entries are their ``names``).
FREQUENCY_COMPARISON_TEXTS: dict[str, str] = {
    "title": "Repeat purchases per customer: actual vs models",
    "xlabel": "repeat purchases in the calibration period",
    "ylabel": "customers",
    "actual": "actual",
}

#: The texts of :func:`plot_tracking_comparison`, by ``texts=`` key.
TRACKING_COMPARISON_TEXTS: dict[str, str] = {
    "title": "Tracking cumulative repeat purchases: actual vs models",
    "ylabel": "cumulative repeat purchases",
    "actual": "actual",
    "calibration_end": "end of calibration",
}

#: The texts of :func:`plot_model_comparison`, by ``texts=`` key: those of the left plot
#: (:data:`FREQUENCY_COMPARISON_TEXTS`) prefixed ``frequency_``, those of the right plot
#: (:data:`TRACKING_COMPARISON_TEXTS`) prefixed ``tracking_``.
MODEL_COMPARISON_TEXTS: dict[str, str] = {
    f"{side}_{key}": text
    for side, defaults in (
        ("frequency", FREQUENCY_COMPARISON_TEXTS),
        ("tracking", TRACKING_COMPARISON_TEXTS),
    )
    for key, text in defaults.items()
}

_MARKERS = ("s", "^", "D", "v", "P", "X", "*")


def _models_and_names(
    models: Sequence[Any] | ModelComparison, names: Sequence[str] | None
) -> tuple[list[Any], list[str]]:
    if isinstance(models, ModelComparison):
        found, default = list(models.models), models.model.tolist()
    else:
        found = list(models)
        base = [type(m).__name__ for m in found]
        default = [
            n if base.count(n) == 1 else f"{n} #{base[: i + 1].count(n)}"
            for i, n in enumerate(base)
        ]
    if not found:
        raise InvalidInputError("'models' must hold at least one fitted model")
    if names is None:
        return found, default
    labels = [str(n) for n in names]
    if len(labels) != len(found):
        raise InvalidInputError(
            f"'names' must name every model (got {len(labels)} names for {len(found)} models)"
        )
    return found, labels


def plot_frequency_comparison(
    models: Sequence[Any] | ModelComparison,
    frequency: ArrayLike,
    T: ArrayLike,
    *,
    max_frequency: int = 7,
    names: Sequence[str] | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Customers by repeat purchases in the calibration period: actual bars, one line per model.

    Parameters
    ----------
    models : sequence of fitted BTYD models, or ModelComparison
        Each needs ``probability_of_purchases(n, t)``.
    frequency, T : array-like of float
        Repeat purchases and age of each customer, in the models' time unit.
    max_frequency : int, default 7
        First frequency pooled into the last bin.
    names : sequence of str, optional
        Legend labels; the class names (or the comparison's names) by default.
    texts, ax : optional
        The replacements of :data:`FREQUENCY_COMPARISON_TEXTS` and the Axes to draw on, as for
        every plot.

    Raises
    ------
    InvalidInputError
        No models, names of another length, a ``texts`` key the plot does not draw, or data
        as in :func:`~privtraffic.plotting.period_transaction_counts`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284 (Figure 1).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo, ParetoNBD
    >>> bg = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> pnbd = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> ax = plot_frequency_comparison([bg, pnbd], [0, 1, 3], [30.0, 30.0, 30.0],
    ...     ax=Figure().add_subplot())
    >>> len(ax.patches), [line.get_label() for line in ax.lines]
    (8, ['BetaGeo', 'ParetoNBD'])
    """
    found, labels = _models_and_names(models, names)
    text_of = resolve_texts(FREQUENCY_COMPARISON_TEXTS, texts)
    counts = [
        period_transaction_counts(model, frequency, T, max_frequency=max_frequency)
        for model in found
    ]
    ax = axes_or_new(ax)
    bins, actual, _ = counts[0]
    ax.bar(bins, actual, width=0.6, color="0.8", label=text_of["actual"], zorder=0)
    for i, ((_, _, expected), label) in enumerate(zip(counts, labels, strict=True)):
        ax.plot(bins, expected, marker=_MARKERS[i % len(_MARKERS)], label=label)
    _set_frequency_ticks(ax, bins)
    label_axes(ax, text_of, counts=True)
    use_cjk_font(ax)
    return ax


def plot_tracking_comparison(
    models: Sequence[Any] | ModelComparison,
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    calibration_end: Moment | None = None,
    unit: str | float = "W",
    period: str | float | None = None,
    names: Sequence[str] | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative repeat purchases over time: the actual curve and one forecast per model.

    Parameters
    ----------
    models : sequence of fitted BTYD models, or ModelComparison
        Each needs ``expected_purchases_new(t)``, fitted in time unit ``unit``.
    customer_ids, timestamps : array-like
        The transaction log of the cohort (see :func:`~privtraffic.plotting.tracking_curves`).
    calibration_end : date-like, optional
        Drawn as a vertical line.
    unit : {"D", "W", "M"} or float, default "W"
        The models' time unit (or its length in days).
    period : {"D", "W", "M"} or float, optional
        Length of one tracking step; ``unit`` when omitted.
    names : sequence of str, optional
        Legend labels.
    texts, ax : optional
        The replacements of :data:`TRACKING_COMPARISON_TEXTS` and the Axes to draw on, as for
        every plot.

    Raises
    ------
    InvalidInputError
        No models, names of another length, a ``texts`` key the plot does not draw, or a log
        as in :func:`~privtraffic.plotting.tracking_curves`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284 (Figure 3).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo, ParetoNBD
    >>> bg = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> pnbd = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> ax = plot_tracking_comparison([bg, pnbd], [1, 1, 2],
    ...     ["2024-01-01", "2024-01-09", "2024-01-02"], calibration_end="2024-01-05",
    ...     ax=Figure().add_subplot())
    >>> [line.get_label() for line in ax.lines]
    ['actual', 'BetaGeo', 'ParetoNBD', 'end of calibration']
    """
    found, labels = _models_and_names(models, names)
    text_of = resolve_texts(TRACKING_COMPARISON_TEXTS, texts)
    ax = axes_or_new(ax)
    for i, (model, label) in enumerate(zip(found, labels, strict=True)):
        ends, actual, expected = tracking_curves(
            model, customer_ids, timestamps, unit=unit, period=period
        )
        x = _dates(ends)
        if i == 0:
            ax.plot(x, actual, color="black", linewidth=2.0, label=text_of["actual"])
        ax.plot(x, expected, linestyle="--", label=label)
    _calibration_line(ax, calibration_end, text_of["calibration_end"])
    label_axes(ax, text_of, counts=True)
    for tick in ax.get_xticklabels():  # this plot's dates only: not a neighbour's ticks
        tick.set_rotation(30)
        tick.set_horizontalalignment("right")
    use_cjk_font(ax)
    return ax


def plot_model_comparison(
    models: Sequence[Any] | ModelComparison,
    frequency: ArrayLike,
    T: ArrayLike,
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    calibration_end: Moment | None = None,
    unit: str | float = "W",
    max_frequency: int = 7,
    names: Sequence[str] | None = None,
    texts: Mapping[str, str] | None = None,
    axes: Sequence[Axes] | None = None,
) -> tuple[Axes, Axes]:
    """Both comparisons side by side: calibration frequencies (left) and tracking (right).

    Parameters
    ----------
    models : sequence of fitted BTYD models, or ModelComparison
        Fitted in time unit ``unit``.
    frequency, T : array-like of float
        The calibration summary (see :func:`plot_frequency_comparison`).
    customer_ids, timestamps : array-like
        The cohort's transaction log (see :func:`plot_tracking_comparison`).
    calibration_end : date-like, optional
        Drawn as a vertical line on the tracking plot.
    unit : {"D", "W", "M"} or float, default "W"
        The models' time unit.
    max_frequency : int, default 7
        First frequency pooled into the last bin.
    names : sequence of str, optional
        Legend labels.
    texts : mapping of str to str, optional
        Replacements for the texts of :data:`MODEL_COMPARISON_TEXTS` (e.g. a translation):
        ``frequency_title`` is the left plot's ``title``, ``tracking_title`` the right one's.
    axes : pair of matplotlib.axes.Axes, optional
        Where to draw; a new 1 x 2 figure when omitted.

    Returns
    -------
    (matplotlib.axes.Axes, matplotlib.axes.Axes)

    Raises
    ------
    InvalidInputError
        ``axes`` not a pair, a ``texts`` key the plot does not draw, or as the two plots.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo, ParetoNBD, compare_models
    >>> from privtraffic.data import load_cdnow, summarize_transactions
    >>> log = load_cdnow("transactions")
    >>> s = summarize_transactions(log, calibration_end="1997-09-30")
    >>> table = compare_models([BetaGeo(), ParetoNBD()], s)
    >>> fig = Figure(figsize=(10, 4))
    >>> left, right = plot_model_comparison(table, s.frequency, s.T, log.customer_id,
    ...     log.timestamp, calibration_end="1997-09-30", axes=fig.subplots(1, 2))
    >>> len(left.lines), len(right.lines)
    (2, 4)
    >>> left, right = plot_model_comparison(table, s.frequency, s.T, log.customer_id,
    ...     log.timestamp, texts={"frequency_title": "Repeat purchases by model"},
    ...     axes=Figure(figsize=(10, 4)).subplots(1, 2))
    >>> left.get_title(), right.get_title()
    ('Repeat purchases by model', 'Tracking cumulative repeat purchases: actual vs models')
    """
    text_of = resolve_texts(MODEL_COMPARISON_TEXTS, texts)
    side_texts = {
        side: {key: text_of[f"{side}_{key}"] for key in defaults}
        for side, defaults in (
            ("frequency", FREQUENCY_COMPARISON_TEXTS),
            ("tracking", TRACKING_COMPARISON_TEXTS),
        )
    }
    if axes is None:
        require_matplotlib()
        import matplotlib.pyplot as plt

        _, pair = plt.subplots(1, 2, figsize=(11, 4))
        left, right = pair[0], pair[1]
    else:
        if len(axes) != 2:
            raise InvalidInputError(f"'axes' must be a pair of Axes (got {len(axes)})")
        left, right = axes[0], axes[1]
    plot_frequency_comparison(
        models,
        frequency,
        T,
        max_frequency=max_frequency,
        names=names,
        texts=side_texts["frequency"],
        ax=left,
    )
    plot_tracking_comparison(
        models,
        customer_ids,
        timestamps,
        calibration_end=calibration_end,
        unit=unit,
        names=names,
        texts=side_texts["tracking"],
        ax=right,
    )
    return left, right
