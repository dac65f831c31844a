"""Diagnostic plots of the "buy till you die" models.

Model versus actual: the distribution of repeat purchases in the calibration period, the holdout
purchases by calibration frequency, and cumulative / incremental repeat purchases over time; and
the two classic heatmaps of a fitted model, expected purchases and P(alive) by frequency and
recency.

Every function takes a fitted continuous-time model (:class:`privtraffic.clv.BetaGeo`,
``ModifiedBetaGeo``, ``ParetoNBD``) and plain arrays in the model's own time unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import (
    Moment,
    as_datetime64,
    as_float_array,
    as_ids,
    check_nonempty,
    check_same_length,
    unit_days,
)
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new, label_axes, resolve_texts
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes


__all__ = [
    "ALIVE_MATRIX_TEXTS",
    "CUMULATIVE_TEXTS",
    "FREQUENCY_RECENCY_TEXTS",
    "HOLDOUT_TEXTS",
    "INCREMENTAL_TEXTS",
    "PERIOD_TEXTS",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_cumulative_transactions",
    "plot_frequency_recency_matrix",
    "plot_incremental_transactions",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
]


#: The texts of :func:`plot_period_transactions`, by ``texts=`` key.
PERIOD_TEXTS: dict[str, str] = {
    "title": "Repeat purchases per customer: actual vs model",
    "xlabel": "repeat purchases in the calibration period",
    "ylabel": "customers",
    "actual": "actual",
    "model": "model",
}

#: The texts of :func:`plot_calibration_purchases_vs_holdout_purchases`, by ``texts=`` key.
HOLDOUT_TEXTS: dict[str, str] = {
    "title": "Calibration vs holdout purchases",
    "xlabel": "purchases in the calibration period",
    "ylabel": "mean purchases in the holdout period",
    "actual": "actual",
    "model": "model",
}

#: The texts of :func:`plot_cumulative_transactions`, by ``texts=`` key.
CUMULATIVE_TEXTS: dict[str, str] = {
    "title": "Tracking cumulative repeat purchases",
    "ylabel": "cumulative repeat purchases",
    "actual": "actual",
    "model": "model",
    "calibration_end": "end of calibration",
}

#: The texts of :func:`plot_incremental_transactions`, by ``texts=`` key.
INCREMENTAL_TEXTS: dict[str, str] = {
    "title": "Tracking repeat purchases per period",
    "ylabel": "repeat purchases per period",
    "actual": "actual",
    "model": "model",
    "calibration_end": "end of calibration",
}

#: The texts of :func:`plot_frequency_recency_matrix`, by ``texts=`` key (``title`` has the
#: fields ``t`` and ``T``, formatted).
FREQUENCY_RECENCY_TEXTS: dict[str, str] = {
    "title": "Expected purchases in the next {t} time units, at age {T}",
    "xlabel": "recency (age at last purchase)",
    "ylabel": "frequency (repeat purchases)",
    "colorbar": "expected purchases",
}

#: The texts of :func:`plot_probability_alive_matrix`, by ``texts=`` key (``title`` has the
#: field ``T``, formatted).
ALIVE_MATRIX_TEXTS: dict[str, str] = {
    "title": "Probability alive at age {T}",
    "xlabel": "recency (age at last purchase)",
    "ylabel": "frequency (repeat purchases)",
    "colorbar": "P(alive)",
}


# What each plot needs of a fitted model (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom
# all have it). The arguments are positional: the models name the age ``T`` or ``n_periods``.
class _CountsModel(Protocol):
    def probability_of_purchases(self, n: int, t: ArrayLike, /) -> ArrayLike: ...


class _ForecastModel(Protocol):
    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, /
    ) -> ArrayLike: ...


class _NewCustomerModel(Protocol):
    def expected_purchases_new(self, t: ArrayLike, /) -> ArrayLike: ...


class _AliveModel(Protocol):
    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, /
    ) -> ArrayLike: ...


def _check_max_frequency(max_frequency: int) -> None:
    if max_frequency < 1:
        raise InvalidInputError(f"'max_frequency' must be >= 1 (got {max_frequency})")


def _set_frequency_ticks(ax: Axes, bins: NDArray[np.int64]) -> None:
    """Label the frequency bins ``0, 1, ..., n+`` (the last bin pools ``n`` or more)."""
    ax.set_xticks(bins, [str(b) for b in bins[:-1]] + [f"{bins[-1]}+"])


def _vectorised(function: Callable[..., ArrayLike], *args: ArrayLike) -> NDArray[np.float64]:
    """Call a model method on arrays; its result is broadcast to the arguments' shape."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    return np.broadcast_to(np.asarray(function(*args), dtype=np.float64), shape)


def period_transaction_counts(
    model: _CountsModel, frequency: ArrayLike, T: ArrayLike, *, max_frequency: int = 7
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Customers by number of repeat purchases in the calibration period: actual and model.

    The last bin collects ``max_frequency`` or more repeat purchases. The model's count for ``n``
    is :math:`\\sum_i P(X(T_i) = n)`: each customer's chance of ``n`` repeat purchases over their
    own observed age.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``probability_of_purchases(n, t)``.
    frequency, T : array-like of float
        Repeat purchases and age of each customer, in the model's time unit.
    max_frequency : int, default 7
        First frequency pooled into the last bin.

    Returns
    -------
    bins : numpy.ndarray of int
        ``0, 1, ..., max_frequency`` (the last means "or more").
    actual : numpy.ndarray of float
        Customers observed in each bin.
    expected : numpy.ndarray of float
        Customers the model expects in each bin; sums to the number of customers.

    Raises
    ------
    InvalidInputError
        When the arrays are empty, differ in length, or ``max_frequency < 1``.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> bins, actual, expected = period_transaction_counts(m, [0, 1, 3], [30.0, 30.0, 30.0])
    >>> actual.tolist(), round(float(expected.sum()), 6)
    ([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], 3.0)
    """
    f = as_float_array(frequency, "frequency", minimum=0.0)
    age = as_float_array(T, "T", minimum=0.0)
    check_nonempty(f, "frequency")
    check_same_length(frequency=f, T=age)
    _check_max_frequency(max_frequency)
    bins = np.arange(max_frequency + 1)
    actual = np.bincount(np.minimum(f, max_frequency).astype(np.int64), minlength=bins.size)
    ages, counts = np.unique(age, return_counts=True)
    expected = np.empty(bins.size)
    for n in bins[:-1]:
        expected[n] = float(np.sum(counts * _vectorised(model.probability_of_purchases, n, ages)))
    expected[-1] = max(f.size - float(expected[:-1].sum()), 0.0)
    return bins, actual.astype(np.float64), expected


def plot_period_transactions(
    model: _CountsModel,
    frequency: ArrayLike,
    T: ArrayLike,
    *,
    max_frequency: int = 7,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bar chart of customers by repeat purchases in the calibration period: actual vs model.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``probability_of_purchases(n, t)``.
    frequency, T : array-like of float
        Repeat purchases and age of each customer, in the model's time unit.
    max_frequency : int, default 7
        First frequency pooled into the last bar.
    texts, ax : optional
        The replacements of :data:`PERIOD_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        As :func:`period_transaction_counts`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284 (Figure 1).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_period_transactions(m, [0, 1, 3], [30.0, 30.0, 30.0], ax=Figure().add_subplot())
    >>> len(ax.patches)
    16
    """
    bins, actual, expected = period_transaction_counts(
        model, frequency, T, max_frequency=max_frequency
    )
    text_of = resolve_texts(PERIOD_TEXTS, texts)
    ax = axes_or_new(ax)
    width = 0.4
    ax.bar(bins - width / 2, actual, width=width, label=text_of["actual"], color="#4c72b0")
    ax.bar(bins + width / 2, expected, width=width, label=text_of["model"], color="#dd8452")
    _set_frequency_ticks(ax, bins)
    label_axes(ax, text_of, counts=True)
    use_cjk_font(ax)
    return ax


def holdout_purchases_by_frequency(
    model: _ForecastModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    holdout_frequency: ArrayLike,
    holdout_duration: ArrayLike,
    *,
    max_frequency: int = 7,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Mean holdout purchases per customer, grouped by calibration frequency: actual and model.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``expected_purchases(t, frequency, recency, T)``.
    frequency, recency, T : array-like of float
        Calibration-period summary, in the model's time unit.
    holdout_frequency, holdout_duration : array-like of float
        Purchases in the holdout period and its length (same unit).
    max_frequency : int, default 7
        First calibration frequency pooled into the last group.

    Returns
    -------
    bins : numpy.ndarray of int
        Calibration frequencies ``0..max_frequency`` (the last means "or more").
    actual, expected : numpy.ndarray of float
        Mean holdout purchases per customer in each group (NaN for an empty group).
    n_customers : numpy.ndarray of int
        Customers in each group.

    Raises
    ------
    InvalidInputError
        When the arrays are empty or differ in length, or ``max_frequency < 1``.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> bins, actual, expected, n = holdout_purchases_by_frequency(
    ...     m, [0, 2, 2], [0, 20.0, 25.0], [30.0, 30.0, 30.0], [0, 1, 3], [39.0, 39.0, 39.0],
    ...     max_frequency=2)
    >>> actual.tolist(), n.tolist()
    ([0.0, nan, 2.0], [1, 0, 2])
    """
    f = as_float_array(frequency, "frequency", minimum=0.0)
    r = as_float_array(recency, "recency", minimum=0.0)
    age = as_float_array(T, "T", minimum=0.0)
    hf = as_float_array(holdout_frequency, "holdout_frequency", minimum=0.0)
    hd = as_float_array(holdout_duration, "holdout_duration", minimum=0.0)
    check_nonempty(f, "frequency")
    check_same_length(frequency=f, recency=r, T=age, holdout_frequency=hf, holdout_duration=hd)
    _check_max_frequency(max_frequency)
    predicted = _vectorised(model.expected_purchases, hd, f, r, age)
    group = np.minimum(f, max_frequency).astype(np.int64)
    bins = np.arange(max_frequency + 1)
    n = np.bincount(group, minlength=bins.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        actual = np.bincount(group, weights=hf, minlength=bins.size) / n
        expected = np.bincount(group, weights=predicted, minlength=bins.size) / n
    return bins, actual, expected, n


def plot_calibration_purchases_vs_holdout_purchases(
    model: _ForecastModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    holdout_frequency: ArrayLike,
    holdout_duration: ArrayLike,
    *,
    max_frequency: int = 7,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean holdout purchases against calibration purchases: actual and the model's forecast.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``expected_purchases(t, frequency, recency, T)``.
    frequency, recency, T : array-like of float
        Calibration-period summary, in the model's time unit.
    holdout_frequency, holdout_duration : array-like of float
        Purchases in the holdout period and its length (same unit).
    max_frequency : int, default 7
        First calibration frequency pooled into the last group.
    texts, ax : optional
        The replacements of :data:`HOLDOUT_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        As :func:`holdout_purchases_by_frequency`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284 (Figure 4).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_calibration_purchases_vs_holdout_purchases(
    ...     m, [0, 2, 2], [0, 20.0, 25.0], [30.0, 30.0, 30.0], [0, 1, 3], [39.0, 39.0, 39.0],
    ...     ax=Figure().add_subplot())
    >>> len(ax.lines)
    2
    """
    bins, actual, expected, _ = holdout_purchases_by_frequency(
        model,
        frequency,
        recency,
        T,
        holdout_frequency,
        holdout_duration,
        max_frequency=max_frequency,
    )
    text_of = resolve_texts(HOLDOUT_TEXTS, texts)
    ax = axes_or_new(ax)
    ax.plot(bins, actual, marker="o", label=text_of["actual"])
    ax.plot(bins, expected, marker="s", linestyle="--", label=text_of["model"])
    _set_frequency_ticks(ax, bins)
    label_axes(ax, text_of)
    use_cjk_font(ax)
    return ax


def tracking_curves(
    model: _NewCustomerModel,
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    unit: str | float = "W",
    period: str | float | None = None,
) -> tuple[NDArray[np.datetime64], NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative repeat purchases of a cohort over time: actual and the model's forecast.

    Purchases on the same day by the same customer count once and each customer's first
    purchase is their acquisition, not a repeat purchase (the BTYD convention). The model's
    curve is :math:`\\sum_i E[X(s - b_i)]` over customers acquired at :math:`b_i < s`.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``expected_purchases_new(t)``, fitted in time unit ``unit``.
    customer_ids : array-like of str or int
        The customer of each transaction.
    timestamps : array-like of datetime
        When each transaction happened.
    unit : {"D", "W", "M"} or float, default "W"
        The model's time unit (or its length in days).
    period : {"D", "W", "M"} or float, optional
        Length of one tracking step; ``unit`` when omitted.

    Returns
    -------
    period_ends : numpy.ndarray of datetime64[D]
        The end (exclusive) of each tracking step.
    actual, expected : numpy.ndarray of float
        Cumulative repeat purchases up to each step's end.

    Raises
    ------
    InvalidInputError
        When the arrays are empty, differ in length, or a timestamp does not parse.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ends, actual, expected = tracking_curves(
    ...     m, [1, 1, 1, 2], ["2024-01-01", "2024-01-01", "2024-01-09", "2024-01-02"])
    >>> [str(d) for d in ends], actual.tolist()
    (['2024-01-08', '2024-01-15'], [0.0, 1.0])
    """
    ids = as_ids(customer_ids, "customer_ids")
    days = as_datetime64(timestamps, "timestamps", unit="D")
    check_nonempty(ids, "customer_ids")
    check_same_length(customer_ids=ids, timestamps=days)
    length = unit_days(unit)
    step = length if period is None else unit_days(period, "period")
    start = days.min()
    offset = (days - start).astype(np.int64)
    # One purchase per customer-day; the first day of each customer is the acquisition.
    _, customer = np.unique(ids, return_inverse=True)
    pairs = np.unique(np.stack([customer, offset], axis=1), axis=0)
    first = np.ones(pairs.shape[0], dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    births = pairs[first, 1]
    repeat_days = pairs[~first, 1]
    span = int(offset.max()) + 1
    n_steps = max(int(np.ceil(span / step)), 1)
    ends = np.ceil(np.arange(1, n_steps + 1) * step).astype(np.int64)  # exclusive, in days
    actual = np.searchsorted(np.sort(repeat_days), ends, side="left").astype(np.float64)
    # expected_purchases_new at every whole-day age up to the last step's end
    ages = np.arange(int(ends[-1]) + 1, dtype=np.float64)
    curve = _vectorised(model.expected_purchases_new, ages / length)
    born = np.bincount(births, minlength=int(ends[-1]) + 1).astype(np.float64)
    expected = np.array([float(np.dot(born[:end], curve[end - np.arange(end)])) for end in ends])
    return start + ends.astype("timedelta64[D]"), actual, expected


def _dates(ends: NDArray[np.datetime64]) -> NDArray[np.object_]:
    """Tracking-step ends as ``datetime.date`` objects, which matplotlib draws as dates."""
    dates: NDArray[np.object_] = ends.astype("datetime64[D]").astype(object)
    return dates


def _calibration_line(ax: Axes, calibration_end: Moment | None, label: str) -> None:
    """Mark the end of the calibration period with a dotted vertical line (when given)."""
    if calibration_end is not None:
        cut = as_datetime64([calibration_end], "calibration_end", unit="D")[0]
        ax.axvline(cut.astype(object), color="0.4", linestyle=":", label=label)


def _plot_tracking(
    model: _NewCustomerModel,
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    per_step: bool,
    defaults: Mapping[str, str],
    texts: Mapping[str, str] | None,
    calibration_end: Moment | None,
    unit: str | float,
    period: str | float | None,
    ax: Axes | None,
) -> Axes:
    """The two tracking plots: cumulative curves, or (``per_step``) their steps."""
    text_of = resolve_texts(defaults, texts)
    ends, actual, expected = tracking_curves(
        model, customer_ids, timestamps, unit=unit, period=period
    )
    if per_step:
        actual, expected = np.diff(actual, prepend=0.0), np.diff(expected, prepend=0.0)
    return _draw_tracking(axes_or_new(ax), ends, actual, expected, calibration_end, text_of)


def _draw_tracking(
    ax: Axes,
    ends: NDArray[np.datetime64],
    actual: NDArray[np.float64],
    expected: NDArray[np.float64],
    calibration_end: Moment | None,
    text_of: Mapping[str, str],
) -> Axes:
    x = _dates(ends)
    ax.plot(x, actual, label=text_of["actual"])
    ax.plot(x, expected, linestyle="--", label=text_of["model"])
    _calibration_line(ax, calibration_end, text_of["calibration_end"])
    ax.figure.autofmt_xdate()
    label_axes(ax, text_of, counts=True)
    use_cjk_font(ax)
    return ax


def plot_cumulative_transactions(
    model: _NewCustomerModel,
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    calibration_end: Moment | None = None,
    unit: str | float = "W",
    period: str | float | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative repeat purchases over time, actual vs model, across calibration and holdout.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``expected_purchases_new(t)``, fitted in time unit ``unit``.
    customer_ids, timestamps : array-like
        The transaction log (see :func:`tracking_curves`).
    calibration_end : date-like, optional
        Drawn as a vertical line.
    unit : {"D", "W", "M"} or float, default "W"
        The model's time unit (or its length in days).
    period : {"D", "W", "M"} or float, optional
        Length of one tracking step; ``unit`` when omitted.
    texts, ax : optional
        The replacements of :data:`CUMULATIVE_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        As :func:`tracking_curves`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284 (Figure 3).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_cumulative_transactions(
    ...     m, [1, 1, 2], ["2024-01-01", "2024-01-09", "2024-01-02"],
    ...     calibration_end="2024-01-05", ax=Figure().add_subplot())
    >>> len(ax.lines)
    3
    """
    return _plot_tracking(
        model,
        customer_ids,
        timestamps,
        per_step=False,
        defaults=CUMULATIVE_TEXTS,
        texts=texts,
        calibration_end=calibration_end,
        unit=unit,
        period=period,
        ax=ax,
    )


def plot_incremental_transactions(
    model: _NewCustomerModel,
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    calibration_end: Moment | None = None,
    unit: str | float = "W",
    period: str | float | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Repeat purchases per tracking step over time, actual vs model.

    The steps of :func:`plot_cumulative_transactions`'s curves, drawn from the same arguments
    (see its parameters, return value and errors); ``texts`` replaces the texts of
    :data:`INCREMENTAL_TEXTS`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284 (Figure 2).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_incremental_transactions(
    ...     m, [1, 1, 2], ["2024-01-01", "2024-01-09", "2024-01-02"], ax=Figure().add_subplot())
    >>> len(ax.lines)
    2
    """
    return _plot_tracking(
        model,
        customer_ids,
        timestamps,
        per_step=True,
        defaults=INCREMENTAL_TEXTS,
        texts=texts,
        calibration_end=calibration_end,
        unit=unit,
        period=period,
        ax=ax,
    )


def _grid(
    T: float, max_frequency: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    if not (np.isfinite(T) and T > 0):
        raise InvalidInputError(f"'T' must be a positive number (got {T!r})")
    _check_max_frequency(max_frequency)
    recency = np.arange(0.0, np.floor(T) + 1.0)
    recency[-1] = min(recency[-1], T)
    f, r = np.meshgrid(np.arange(max_frequency + 1, dtype=np.float64), recency, indexing="ij")
    valid = (f > 0) | (r == 0)
    return f, r, valid


def _model_matrix(
    function: Callable[..., ArrayLike], T: float, max_frequency: int, *leading: float
) -> tuple[np.ma.MaskedArray[tuple[int, ...], np.dtype[np.float64]], NDArray[np.float64]]:
    """``function(*leading, frequency, recency, T)`` on the frequency-recency grid at age
    ``T``, the impossible cells masked; and the grid's recency."""
    f, r, valid = _grid(float(T), int(max_frequency))
    values = np.full(f.shape, np.nan)
    values[valid] = _vectorised(
        function, *leading, f[valid], r[valid], np.full(valid.sum(), float(T))
    )
    return np.ma.masked_invalid(values), r


def _draw_matrix(
    ax: Axes, values: NDArray[np.float64], r: NDArray[np.float64], text_of: Mapping[str, str]
) -> Axes:
    image = ax.imshow(
        values,
        origin="lower",
        aspect="auto",
        cmap="viridis",
        extent=(-0.5, r[0, -1] + 0.5, -0.5, values.shape[0] - 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label=text_of["colorbar"])
    label_axes(ax, text_of, legend=False)
    use_cjk_font(ax)
    return ax


def plot_frequency_recency_matrix(
    model: _ForecastModel,
    *,
    T: float,
    max_frequency: int,
    t: float = 1.0,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of expected purchases in the next ``t`` by frequency and recency, at age ``T``.

    Cells with ``frequency == 0`` and ``recency > 0`` cannot occur and are left blank.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``expected_purchases(t, frequency, recency, T)``.
    T : float
        The customers' age, in the model's time unit; recency runs from 0 to ``T``.
    max_frequency : int
        Highest frequency on the vertical axis.
    t : float, default 1.0
        Forecast horizon, in the model's time unit.
    texts, ax : optional
        The replacements of :data:`FREQUENCY_RECENCY_TEXTS` and the Axes to draw on, as for
        every plot.

    Raises
    ------
    InvalidInputError
        When ``T`` is not positive or ``max_frequency < 1``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_frequency_recency_matrix(m, T=39.0, max_frequency=10, ax=Figure().add_subplot())
    >>> ax.images[0].get_array().shape
    (11, 40)
    """
    text_of = resolve_texts(FREQUENCY_RECENCY_TEXTS, texts)
    values, r = _model_matrix(model.expected_purchases, T, max_frequency, float(t))
    ax = axes_or_new(ax)
    text_of["title"] = text_of["title"].format(t=f"{t:g}", T=f"{T:.4g}")
    return _draw_matrix(ax, values, r, text_of)


def plot_probability_alive_matrix(
    model: _AliveModel,
    *,
    T: float,
    max_frequency: int,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of P(alive) by frequency and recency, for customers of age ``T``.

    Cells with ``frequency == 0`` and ``recency > 0`` cannot occur and are left blank.

    Parameters
    ----------
    model : fitted BTYD model
        Needs ``probability_alive(frequency, recency, T)``.
    T : float
        The customers' age, in the model's time unit; recency runs from 0 to ``T``.
    max_frequency : int
        Highest frequency on the vertical axis.
    texts, ax : optional
        The replacements of :data:`ALIVE_MATRIX_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When ``T`` is not positive or ``max_frequency < 1``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_probability_alive_matrix(m, T=39.0, max_frequency=10, ax=Figure().add_subplot())
    >>> ax.images[0].get_clim()
    (0.0, 1.0)
    """
    text_of = resolve_texts(ALIVE_MATRIX_TEXTS, texts)
    values, r = _model_matrix(model.probability_alive, T, max_frequency)
    ax = axes_or_new(ax)
    text_of["title"] = text_of["title"].format(T=f"{T:.4g}")
    ax = _draw_matrix(ax, values, r, text_of)
    ax.images[0].set_clim(0.0, 1.0)
    return ax
