"""The estimator shell every BTYD model shares, and the contract a model module satisfies.

A model is a thin subclass of :class:`BTYDModel`; its mathematics lives in pure functions of
its own module (``bgnbd.py``, ``paretonbd.py``, ...). The shell does everything else: input
coercion and validation, collapsing identical rows into weights, optimisation with analytic
gradients, standard errors, the summary table, HTML/text display and JSON persistence.

Contract for a model class
--------------------------
A subclass sets these class attributes:

``_param_names : tuple[str, ...]``
    The parameters in the literature's order, e.g. ``("r", "alpha", "a", "b")``. Every
    parameter must be positive: the optimiser works on their logarithms.
``_data_names : tuple[str, ...]``
    The data columns ``fit`` takes, in order, e.g. ``("frequency", "recency", "T")`` or
    ``("frequency", "recency", "n_periods")``. These are also the column names looked up when
    ``fit`` is given an RFM summary table, a pandas DataFrame or a mapping.
``_negative_log_likelihood : staticmethod``
    ``f(log_params, *data, weights) -> (value, gradient)``: the **total** weighted negative
    log-likelihood ``-sum(weights * loglik_i)`` (no penalty, no division by the weight) and its
    gradient with respect to ``log_params`` (``log`` of the parameters, in ``_param_names``
    order), as a float and a float64 array. ``data`` is what ``_prepare_data`` returned.
    Must be finite wherever the parameters are finite and positive; may return ``inf``
    elsewhere. Pure: no state, no closures over data.

and these static methods (pure functions from the model module):

``_check_data(*columns) -> None``
    Model rules on the already coerced float64 columns (equal length, non-empty, finite):
    raise :class:`~privtraffic.errors.InvalidInputError` naming the argument, the rule, the
    value and the row, e.g. with :func:`check_rfm` for continuous-time data.
``_initial_log_params(*columns, weights) -> list[numpy.ndarray]``
    Starting points on the log scale, best first (data-driven guesses; two or three starts).
    :class:`RepeatPurchaseModel` gives it from a table of starts (``_starts``).
``_prepare_data(*columns) -> tuple`` (optional)
    Turns the collapsed columns into whatever ``_negative_log_likelihood`` wants (for example
    precomputed per-frequency tables). The default passes the columns through.
``_negative_log_likelihood_hessian`` (optional, a staticmethod)
    ``f(log_params, *data, weights) -> (value, gradient, hessian)``: the same total with its
    exact Hessian in ``log_params``. When given, the fit takes Newton steps with it and the
    standard errors come from it (no finite differences).

and the public methods, each with its numpydoc docstring and example. Where models share a
method it is written once on a base with hooks the model defines: :class:`PurchaseModel`
(``expected_purchases_new``, ``probability_of_purchases``: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB)
and :class:`RepeatPurchaseModel` (the rest of BG/NBD's, MBG/NBD's and Pareto/NBD's methods):

``fit(self, <data columns...>, weights=None) -> self``
    Forwards to ``self._fit({name: value, ...}, weights)``.
``simulate(self, n, ..., rng=None)``
    Draws synthetic customers from the fitted parameters; :func:`simulation_column` (or
    :func:`simulation_ages`) checks ``n`` and broadcasts the per-customer column.
prediction methods
    Start with ``params = self._fitted_params()`` (raises
    :class:`~privtraffic.errors.NotFittedError`), coerce inputs with ``self._history(...)``
    (the customers' data, checked with ``_check_data``, plus e.g. ``t=``) or
    :func:`prediction_columns`, check horizons and counts with :func:`check_horizon` and
    :func:`check_whole`, and call the model module's pure functions.

What the shell provides
-----------------------
- ``fit`` accepts arrays, lists, pandas Series, an RFM summary table (``RFMSummary``,
  ``DiscreteRFMSummary``), a pandas DataFrame or a mapping with the named columns (a
  ``weights`` column is used when ``weights`` is not given); :func:`table_columns` reads a
  table's columns, for ``fit`` and for :func:`~privtraffic.clv.customer_lifetime_value`. It
  never keeps the data.
- Identical rows are collapsed into weights before optimising
  (:func:`~privtraffic.clv._rows.collapse_rows`).
- The objective is ``NLL / sum(weights) + penalizer * sum(params ** 2)``: the mean negative
  log-likelihood per unit of customer weight plus an L2 penalty on the natural parameters
  (in the data's own time unit). This is lifetimes' convention except that lifetimes first
  rescales time so that ``max(T) == 10`` and penalises the time-scale parameters (``alpha``,
  Pareto/NBD ``beta``) in those rescaled units; the two coincide when ``max(T) == 10``.
- Optimisation on the log-parameters (:func:`minimize_negative_log_likelihood` in
  ``privtraffic.clv._optimize``): scipy's BFGS with the analytic gradient and a quadratic wall
  at ``|log(param)| = 25``, from each start in turn until one converges, then guarded Newton
  steps on a finite-difference Hessian of the gradient; a model with the exact Hessian takes
  Newton steps with it instead (eigenvalues floored, a trust radius), BFGS only if they fail.
  Above 20,000 distinct rows a fit on a systematic subsample (every k-th row, 5,000 to 10,000
  rows) gives the starting point and curvature of damped Newton steps on all rows; BFGS on all
  rows runs only if those fail. :meth:`BTYDModel.set_fitted_state` gives a model the state a
  fit leaves from an optimum found elsewhere.
  :class:`~privtraffic.errors.ConvergenceError` when nothing finite is found,
  :class:`~privtraffic.errors.ConvergenceWarning` when a parameter runs to the boundary, the
  gradient is not small or the Hessian is not positive definite.
- Fitted attributes: ``params_`` (dict), ``log_likelihood_`` (total, unpenalised, in the data's
  own time unit), ``covariance_`` (natural parameters, from the inverse Hessian of the total
  penalised negative log-likelihood by the delta method), ``standard_errors_`` (dict),
  ``n_customers_`` (total weight), ``n_rows_`` (distinct rows after collapsing), ``n_iter_``.
- :meth:`BTYDModel.summary`, ``__repr__``, ``_repr_html_``, :meth:`BTYDModel.to_json`,
  :meth:`BTYDModel.from_json`, :meth:`BTYDModel.from_params`.

Types
-----
``DataInput``
    What ``fit`` takes as its first argument: an array-like column, or a table
    (:class:`~privtraffic._tables.ColumnarTable` such as ``RFMSummary``, a pandas DataFrame or
    a mapping of column names to array-likes) holding every data column.
``PreparedData``
    What ``_prepare_data`` returns and ``_negative_log_likelihood`` takes: a tuple of arrays.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import (
    as_float_array,
    check_nonempty,
    check_range,
    check_same_length,
    first_index,
)
from privtraffic.clv._diagnostics import (
    FitDiagnostics,
    ParameterPair,
    diagnose,
    hessian_is_positive_definite,
)
from privtraffic.clv._optimize import (
    FitResult,
    NegativeLogLikelihoodHessian,
    PreparedData,
    minimize_negative_log_likelihood,
    weighted_sum,
)
from privtraffic.clv._rows import collapse_rows
from privtraffic.data import RFMSummary
from privtraffic.errors import (
    ConvergenceError,
    ConvergenceWarning,
    InvalidInputError,
    NotFittedError,
    UnrepresentableError,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd
    from typing_extensions import Self

__all__ = [
    "BTYDModel",
    "DataInput",
    "ParameterSummary",
    "Params",
    "PreparedData",
    "PurchaseModel",
    "PurchasePredictions",
    "RepeatPurchaseModel",
    "as_probability",
    "bool_column",
    "check_finite_nonnegative",
    "check_horizon",
    "check_representable",
    "check_rfm",
    "check_whole",
    "float_column",
    "history_and_unit",
    "int_column",
    "prediction_columns",
    "simulation_ages",
    "simulation_column",
    "str_column",
    "table_columns",
]

#: The first argument of ``fit``: one column, or a table holding every data column.
DataInput = ArrayLike | ColumnarTable | Mapping[str, ArrayLike]
#: A model's parameters in its ``_param_names`` order, as its pure functions take them.
Params = tuple[float, ...]

_Z95 = 1.959963984540054
_SUBSAMPLE_ROWS = 20_000  # above this many distinct rows, warm-start from a subsample fit
_CHECK_CHUNK = 32768  # rows per chunk of the fused input checks (their temporaries stay in cache)


@attrs.frozen(eq=False, repr=False)
class ParameterSummary(ColumnarTable):
    """A fitted model's parameters: estimates, standard errors and 95% intervals.

    The intervals are Wald intervals on the log scale, ``exp(log(estimate) +/- 1.96 * se /
    estimate)``: every BTYD parameter is positive, and so are these bounds.

    Attributes
    ----------
    parameter : numpy.ndarray
        Parameter names.
    estimate, standard_error, lower_95, upper_95 : numpy.ndarray
        One value per parameter.
    model : str
        The model's name.
    log_likelihood : float
        Total log-likelihood of the fit.
    n_customers : float
        Total customer weight the model was fitted on.
    caution : tuple of str
        The fit diagnostics' messages (empty when the fit can be trusted); shown as
        "caution:" lines by ``repr`` and above the HTML table.

    Examples
    --------
    >>> s = ParameterSummary(parameter=["p"], estimate=[2.0], standard_error=[0.1],
    ...     lower_95=[1.8], upper_95=[2.2], model="Toy", log_likelihood=-1.0, n_customers=5.0)
    >>> s.to_pandas().loc[0, "estimate"]
    np.float64(2.0)
    """

    parameter: NDArray[np.str_] = attrs.field(converter=np.asarray)
    estimate: NDArray[np.float64] = attrs.field(converter=np.asarray)
    standard_error: NDArray[np.float64] = attrs.field(converter=np.asarray)
    lower_95: NDArray[np.float64] = attrs.field(converter=np.asarray)
    upper_95: NDArray[np.float64] = attrs.field(converter=np.asarray)
    model: str = ""
    log_likelihood: float = math.nan
    n_customers: float = math.nan
    caution: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def __repr__(self) -> str:
        # Names left-aligned in a column as wide as the longest (covariate names such as
        # "purchase:channel_douyin" are long), numbers right-aligned in columns as wide as
        # their longest cell, so every row lines up with the header. Widths are as a terminal
        # shows them: a Chinese character (a level such as "channel=抖音") takes two columns.
        import unicodedata

        def shown(text: str) -> int:
            return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

        names = [str(n) for n in self.parameter.tolist()]
        columns = [
            (header, [f"{float(v):.6g}" for v in values])
            for header, values in (
                ("estimate", self.estimate),
                ("std.err", self.standard_error),
                ("lower_95", self.lower_95),
                ("upper_95", self.upper_95),
            )
        ]
        name_width = max([10, *(shown(n) for n in names)])
        widths = [max([12, len(header), *(len(c) for c in cells)]) for header, cells in columns]
        header = " ".join(
            [" " * name_width, *(h.rjust(w) for (h, _), w in zip(columns, widths, strict=True))]
        )
        lines = [
            f"{self.model}: log-likelihood {self.log_likelihood:.4f}, "
            f"{self.n_customers:,.0f} customers",
            *(f"caution: {c}" for c in self.caution),
            header,
        ]
        for i, name in enumerate(names):
            cells = [c[i].rjust(w) for (_, c), w in zip(columns, widths, strict=True)]
            lines.append(" ".join([name + " " * (name_width - shown(name)), *cells]))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self._html_table()

    def _html_table(self, **more_notes: float) -> str:
        """The table as HTML, with the fit statistics (and ``more_notes``) as notes."""
        from privtraffic._html import html_table

        rows = zip(
            self.parameter.tolist(),
            self.estimate.tolist(),
            self.standard_error.tolist(),
            self.lower_95.tolist(),
            self.upper_95.tolist(),
            strict=True,
        )
        table = html_table(
            rows,
            ["parameter", "estimate", "standard_error", "lower_95", "upper_95"],
            title=self.model,
            notes={
                "log-likelihood": self.log_likelihood,
                "customers": self.n_customers,
                **more_notes,
            },
        )
        if not self.caution:
            return table
        import html

        items = "".join(f"<li>{html.escape(c)}</li>" for c in self.caution)
        box = (
            '<div class="privtraffic-caution" style="border:1px solid #c9a227;'
            'background:#fff8e1;padding:.4em .8em;margin:.4em 0">'
            f"<strong>Caution</strong><ul>{items}</ul></div>"
        )
        return box + table


# The converters of the clv tables' columns (attrs fields): arrays of one dtype, without a copy
# when the values already are one.
def float_column(values: ArrayLike) -> NDArray[np.float64]:
    """A table column as float64 (no copy of a float64 array)."""
    out: NDArray[np.float64] = np.asarray(values, dtype=np.float64)
    return out


def int_column(values: ArrayLike) -> NDArray[np.int64]:
    """A table column as int64."""
    out: NDArray[np.int64] = np.asarray(values, dtype=np.int64)
    return out


def str_column(values: ArrayLike) -> NDArray[np.str_]:
    """A table column as strings (labels such as group names)."""
    out: NDArray[np.str_] = np.asarray(values).astype(str)
    return out


def bool_column(values: ArrayLike) -> NDArray[np.bool_]:
    """A table column as booleans."""
    out: NDArray[np.bool_] = np.asarray(values, dtype=bool)
    return out


@attrs.frozen(eq=False, repr=False)
class PurchasePredictions(ColumnarTable):
    """Each customer's expected purchases in ``(T, T + t]`` and probability of being alive at T.

    What ``predict`` of a transaction model returns: the two predictions of one call, which
    checks the inputs once and (for BG/NBD and MBG/NBD) computes P(alive) once.

    Attributes
    ----------
    expected_purchases : numpy.ndarray
        E[X(T, T + t] | history], as ``expected_purchases(t, ...)`` gives it.
    probability_alive : numpy.ndarray
        P(alive at T | history), as ``probability_alive(...)`` gives it (broadcast to the
        length of ``expected_purchases`` when ``t`` is the longer input).

    Examples
    --------
    >>> p = PurchasePredictions(expected_purchases=[1.25, 0.5], probability_alive=[0.75, 1.0])
    >>> len(p), p["probability_alive"].tolist()
    (2, [0.75, 1.0])
    """

    expected_purchases: NDArray[np.float64] = attrs.field(converter=float_column)
    probability_alive: NDArray[np.float64] = attrs.field(converter=float_column)

    def __repr__(self) -> str:
        n = len(self.expected_purchases)
        total = float(np.sum(self.expected_purchases))
        alive = float(np.sum(self.probability_alive))
        return (
            f"PurchasePredictions({n:,} customers; expected purchases {total:.6g} in all, "
            f"{alive:.6g} expected alive)"
        )


def check_rfm(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], T: NDArray[np.float64]
) -> None:
    """Check continuous-time RFM data against the BTYD rules.

    ``frequency`` must be a non-negative whole number, ``0 <= recency <= T``, ``T > 0``, and a
    customer with no repeat purchase has ``recency == 0``.

    Parameters
    ----------
    frequency, recency, T : numpy.ndarray
        Finite float64 columns of equal length.

    Raises
    ------
    InvalidInputError
        At the first row that breaks one of these rules, naming the argument, the rule, the
        value and the row.

    Examples
    --------
    >>> check_rfm(np.array([1.0]), np.array([5.0]), np.array([3.0]))
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'recency' must be <= T (got 5.0 > 3.0 at index 0)
    """
    # One pass over cache-sized chunks with every rule fused; the rule-by-rule passes below,
    # which find the first offending row of the first rule broken, run only when one is.
    n = len(frequency)
    for lo in range(0, n, _CHECK_CHUNK):
        f, rec, t = (c[lo : lo + _CHECK_CHUNK] for c in (frequency, recency, T))
        ok = (f >= 0) & (f == np.floor(f)) & (rec >= 0) & (t > 0) & (rec <= t)
        ok &= (f != 0) | (rec == 0)
        if not ok.all():
            break
    else:
        return
    check_nonnegative(frequency, "frequency", whole=True)
    check_nonnegative(recency, "recency")
    i = first_index(T <= 0)
    if i >= 0:
        raise InvalidInputError(f"'T' must be > 0 (got {float(T[i])!r} at index {i})")
    check_at_most(recency, T, "recency", "T")
    check_no_recency_without_purchases(frequency, recency)


def check_nonnegative(values: NDArray[np.float64], name: str, *, whole: bool = False) -> None:
    """Refuse negative values (and, when ``whole``, fractions) of the column ``name``."""
    check_range(values, name, minimum=0.0, integer=whole)


def check_at_most(
    lower: NDArray[np.float64], upper: NDArray[np.float64], lower_name: str, upper_name: str
) -> None:
    """Refuse rows where ``lower > upper``, e.g. ``'recency' must be <= T``."""
    i = first_index(lower > upper)
    if i >= 0:
        raise InvalidInputError(
            f"'{lower_name}' must be <= {upper_name} (got {float(lower[i])!r} > "
            f"{float(upper[i])!r} at index {i})"
        )


def check_no_recency_without_purchases(
    frequency: NDArray[np.float64], recency: NDArray[np.float64]
) -> None:
    """Refuse a customer with no repeat purchase whose recency is not 0."""
    i = first_index((frequency == 0) & (recency != 0))
    if i >= 0:
        raise InvalidInputError(
            "'recency' must be 0 when frequency == 0 "
            f"(got recency {float(recency[i])!r} at index {i})"
        )


def _as_column(value: ArrayLike, name: str) -> NDArray[np.float64]:
    if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.ndim == 1:
        if np.isfinite(value).all():  # fast path: a read-only view, no copy of big inputs
            view: NDArray[np.float64] = value.view()
            view.flags.writeable = False
            return view
    if np.isscalar(value) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return as_float_array([value], name)
    return as_float_array(value, name)


def prediction_columns(**values: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    """Coerce prediction inputs to finite float64 arrays broadcast to one length.

    Scalars and length-1 inputs broadcast against the others; every other input must have the
    same length. Finite float64 arrays come back as read-only views (no copy); everything
    else is copied.

    Returns
    -------
    tuple of numpy.ndarray
        In the order the keywords were given, all of the same length.

    Raises
    ------
    InvalidInputError
        NaN/inf, non-numbers, or lengths that do not match.

    Examples
    --------
    >>> t, x = prediction_columns(t=39.0, frequency=[0, 2])
    >>> t.tolist(), x.tolist()
    ([39.0, 39.0], [0.0, 2.0])
    """
    arrays = {name: _as_column(v, name) for name, v in values.items()}
    n = max(len(a) for a in arrays.values())
    long = {name: a for name, a in arrays.items() if len(a) != 1}
    if long:
        check_same_length(**long)
    for name, a in arrays.items():
        if len(a) == 0:
            check_nonempty(a, name)
    return tuple(np.broadcast_to(a, (n,)).copy() if len(a) == 1 else a for a in arrays.values())


def check_horizon(t: NDArray[np.float64]) -> None:
    """Check that prediction horizons ``t`` (time units ahead or since acquisition) are >= 0.

    Raises
    ------
    InvalidInputError
        Naming ``t``, the value and the row.

    Examples
    --------
    >>> check_horizon(np.array([1.0, -1.0]))
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 't' must be >= 0 (got -1.0 at index 1)
    """
    i = first_index(t < 0)
    if i >= 0:
        raise InvalidInputError(f"'t' must be >= 0 (got {float(t[i])!r} at index {i})")


def check_representable(
    values: NDArray[np.float64], what: str, **inputs: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Return ``values`` if all are finite; else raise naming the inputs of the first bad row.

    Every prediction of privtraffic is finite where its true value fits in float64; a value
    that does not (an expectation past 1.8e308, a mean that is infinite) raises instead of
    coming back as ``inf`` or ``NaN``.

    Parameters
    ----------
    values : numpy.ndarray
        The prediction.
    what : str
        Its name and what the overflow means, for the message.
    **inputs : numpy.ndarray or float
        The inputs it was computed from (arrays of the same length, or scalars).

    Returns
    -------
    numpy.ndarray
        ``values``.

    Raises
    ------
    UnrepresentableError
        Naming ``what``, the inputs at the first non-finite row and its index.

    Examples
    --------
    >>> check_representable(np.array([1.0, np.inf]), "expected_purchases", t=np.array([1.0, 1e308]))
    Traceback (most recent call last):
    ...
    privtraffic.errors.UnrepresentableError: expected_purchases does not fit in float64 for t=1e+308 at index 1
    """  # noqa: E501
    i = first_index(~np.isfinite(values))
    if i < 0:
        return values
    described = ", ".join(f"{name}={_value_at(v, i)!r}" for name, v in inputs.items())
    raise UnrepresentableError(f"{what} does not fit in float64 for {described} at index {i}")


def as_probability(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probabilities computed as sums of positive terms in log space, checked to be <= 1.

    Each model computes its probabilities so that they are in [0, 1] mathematically; their
    log-space sums can still round to slightly above 1 where the true value is 1 - 1e-14
    (say; the log-gamma differences they are made of carry ~1e-13 absolute error for
    parameters ~1e4). Such a value, at most 1e-10 above 1, is returned as 1.0; anything
    further would be a defect of the formula and raises.

    Raises
    ------
    RuntimeError
        A value above ``1 + 1e-10`` (never expected).

    Examples
    --------
    >>> as_probability(np.array([0.25, 1.0 + 2e-16])).tolist()
    [0.25, 1.0]
    """
    i = first_index(~(values <= 1.0 + 1e-10))
    if i >= 0:  # pragma: no cover - a defect, not an input problem
        raise RuntimeError(f"probability {float(values[i])!r} > 1 at index {i}")
    out: NDArray[np.float64] = np.minimum(values, 1.0)
    return out


def _value_at(values: NDArray[np.float64] | float, i: int) -> float:
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return float(flat[i] if flat.size > 1 else flat[0])


def check_whole(values: NDArray[np.float64], name: str, minimum: int = 0) -> None:
    """Check that ``values`` are whole numbers >= ``minimum`` (counts, periods, opportunities).

    Raises
    ------
    InvalidInputError
        At the first value that is not a whole number >= ``minimum``, naming the argument, the
        value and its index.

    Examples
    --------
    >>> check_whole(np.array([0.0, 2.5]), "n")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'n' must be whole numbers >= 0 (got 2.5 at index 1)
    """
    i = first_index((values < minimum) | (values != np.floor(values)))
    if i >= 0:
        raise InvalidInputError(
            f"'{name}' must be whole numbers >= {minimum} (got {float(values[i])!r} at index {i})"
        )


def simulation_column(n: int, name: str, values: ArrayLike) -> NDArray[np.float64]:
    """The per-customer column of a simulation of ``n`` customers; a scalar applies to all.

    Parameters
    ----------
    n : int
        Number of customers (a whole number >= 1).
    name : str
        The column's argument name, for messages.
    values : float or array-like
        One value, or one per customer.

    Returns
    -------
    numpy.ndarray
        ``n`` finite float64 values (not checked further: the model does that).

    Raises
    ------
    InvalidInputError
        ``n`` not a whole number >= 1, ``values`` not finite numbers or of the wrong length.

    Examples
    --------
    >>> simulation_column(3, "T", 39.0).tolist()
    [39.0, 39.0, 39.0]
    >>> simulation_column(3, "T", [1.0, 2.0])
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'T' must be a scalar or have length n=3 (got 2)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        got = int(n) if isinstance(n, np.integer) else n
        raise InvalidInputError(f"'n' must be a whole number >= 1 (got {got!r})")
    (column,) = prediction_columns(**{name: values})
    if len(column) == 1:
        column = np.full(int(n), column[0])
    if len(column) != n:
        raise InvalidInputError(
            f"'{name}' must be a scalar or have length n={n} (got {len(column)})"
        )
    return column


def simulation_ages(n: int, T: ArrayLike) -> NDArray[np.float64]:
    """``T`` of a continuous-time simulation of ``n`` customers: :func:`simulation_column`, > 0.

    Raises
    ------
    InvalidInputError
        As :func:`simulation_column`, or a ``T`` that is not > 0.

    Examples
    --------
    >>> simulation_ages(2, [39.0, 0.0])
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'T' must be > 0 (got 0.0 at index 1)
    """
    ages = simulation_column(n, "T", T)
    i = first_index(ages <= 0)
    if i >= 0:
        raise InvalidInputError(f"'T' must be > 0 (got {float(ages[i])!r} at index {i})")
    return ages


def table_columns(
    table: DataInput, names: Sequence[str], *, optional: Sequence[str] = ()
) -> dict[str, ArrayLike] | None:
    """The named columns of a data table, or ``None`` when ``table`` is not a table.

    A table is a :class:`~privtraffic._tables.ColumnarTable` (``RFMSummary``,
    ``DiscreteRFMSummary``, ...), a pandas DataFrame or a mapping of names to columns; an
    array, list or pandas Series is not. Columns are read, not converted: no DataFrame is built.

    Parameters
    ----------
    table : array-like, ColumnarTable, pandas.DataFrame or mapping
        What the caller was given.
    names : sequence of str
        Columns the table must have.
    optional : sequence of str
        Columns taken when present (e.g. ``weights``).

    Returns
    -------
    dict of str to array-like, or None
        The columns found, ``names`` first.

    Raises
    ------
    InvalidInputError
        A table without one of ``names``.

    Examples
    --------
    >>> from privtraffic.data import RFMSummary
    >>> s = RFMSummary(customer_id=[1], frequency=[2], recency=[3.0], T=[4.0])
    >>> list(table_columns(s, ["frequency", "T"], optional=["weights"]))
    ['frequency', 'T']
    >>> table_columns([1.0, 2.0], ["frequency"]) is None
    True
    >>> table_columns({"frequency": [1]}, ["frequency", "T"])
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: the data table must have a column 'T' (got columns ['frequency'])
    """  # noqa: E501
    source: Mapping[str, ArrayLike]
    if isinstance(table, ColumnarTable):
        source = table.columns()
    elif isinstance(table, Mapping):
        source = table
    elif hasattr(table, "columns") and hasattr(table, "iloc"):
        frame = cast("pd.DataFrame", table)
        source = {str(c): frame[c] for c in frame.columns}
    else:
        return None
    out: dict[str, ArrayLike] = {}
    for name in names:
        if name not in source:
            raise InvalidInputError(
                f"the data table must have a column '{name}' (got columns {sorted(source)})"
            )
        out[name] = source[name]
    for name in optional:
        if name in source:
            out[name] = source[name]
    return out


def history_and_unit(
    frequency: DataInput,
    rest: Sequence[ArrayLike | None],
    names: Sequence[str],
    unit: str | float | None,
) -> tuple[ArrayLike, list[ArrayLike | None], str | float]:
    """The customers' columns ``names`` (the first, then the others) and their time unit.

    For the functions that take a model and the customers' history
    (``customer_lifetime_value``, DERT).

    The columns come from a table given alone as ``frequency`` (whose ``unit``, as an
    ``RFMSummary`` records it, is used when ``unit`` is None) or from ``frequency`` and
    ``rest``; a column left out stays None, for the caller to name.

    Raises
    ------
    InvalidInputError
        A table given with other columns, or no time unit.

    Examples
    --------
    >>> from privtraffic.data import load_cdnow
    >>> x, others, unit = history_and_unit(load_cdnow("summary"), [None, None], ("frequency",
    ...     "recency", "T"), None)
    >>> len(x), len(others), unit
    (2357, 2, 7.0)
    """
    table = table_columns(frequency, names) if all(c is None for c in rest) else None
    first: ArrayLike
    columns: list[ArrayLike | None]
    if table is not None:
        if unit is None and isinstance(frequency, ColumnarTable):
            unit = getattr(frequency, "unit", None)  # an RFMSummary knows its unit
        first, columns = table[names[0]], [table[c] for c in names[1:]]
    elif isinstance(frequency, (ColumnarTable, Mapping)):
        raise InvalidInputError(
            "'frequency' must be a column, not a table (a table goes alone, as the first argument)"
        )
    else:
        first, columns = cast(ArrayLike, frequency), list(rest)
    if unit is None:
        raise InvalidInputError(
            "'unit' is required: the time unit of recency and T ('D', 'W', 'M' or days)"
        )
    return first, columns, unit


def check_finite_nonnegative(value: object, name: str, what: str = "number") -> float:
    """``value`` as a float, checked to be a finite real number >= 0 (a rate, a penalty, ...).

    Raises
    ------
    InvalidInputError
        ``'<name>' must be a finite <what> >= 0 (got <value>)``.

    Examples
    --------
    >>> check_finite_nonnegative(0.1, "discount_rate")
    0.1
    >>> check_finite_nonnegative(-1, "margin")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'margin' must be a finite number >= 0 (got -1)
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.number))
        or not math.isfinite(value)
        or value < 0
    ):
        got = float(value) if isinstance(value, np.floating) else value
        raise InvalidInputError(f"'{name}' must be a finite {what} >= 0 (got {got!r})")
    return float(value)


def _accept_data(*columns: NDArray[np.float64]) -> None:
    """Default ``_check_data``: no model-specific rule."""


def _pass_through(*columns: NDArray[np.float64]) -> PreparedData:
    """Default ``_prepare_data``: the collapsed columns as they are."""
    return columns


def finite_or_none(x: float) -> float | None:
    """A float for JSON: ``None`` for NaN and infinities (JSON has no such numbers)."""
    return None if not math.isfinite(x) else float(x)


def json_payload(text: str, model_name: str, *required: str) -> dict[str, Any]:
    """``from_json``: the JSON object of ``text``, checked to be a ``model_name`` model.

    Raises InvalidInputError when ``text`` is not JSON, not an object with a ``"model"`` entry
    (and the ``required`` ones), or holds another model.
    """
    try:
        payload = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"'text' must be JSON written by to_json ({exc})") from None
    if not isinstance(payload, dict) or any(k not in payload for k in ("model", *required)):
        raise InvalidInputError("'text' must be a JSON object written by to_json")
    if payload["model"] != model_name:
        raise InvalidInputError(f"'text' holds a {payload['model']!r} model, not {model_name!r}")
    return payload


class FittedModelView:
    """What every estimator shell shows of itself: its name, a one-line ``repr``, the summary
    table of its estimates and the notebook view of that table.

    Mixed into :class:`BTYDModel` and the covariate models
    (:class:`~privtraffic.clv.covariates.CovariateModel`): the one hyper-parameter they share,
    ``penalizer``, is set by ``__init__`` here, and a class using it sets the fitted attributes
    below (and its own) when it is fitted.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> repr(BetaGeo())
    'BetaGeo(penalizer=0.0) (not fitted)'
    """

    penalizer: float
    params_: dict[str, float]
    standard_errors_: dict[str, float]
    covariance_: NDArray[np.float64]
    log_likelihood_: float
    n_customers_: float
    n_rows_: int
    n_iter_: int
    fit_diagnostics_: FitDiagnostics | None

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    @classmethod
    def _model_name(cls) -> str:
        return cls.__name__

    def _parameter_summary(
        self,
        names: Sequence[str],
        estimate: NDArray[np.float64],
        standard_error: NDArray[np.float64],
        lower: NDArray[np.float64],
        upper: NDArray[np.float64],
    ) -> ParameterSummary:
        """The summary table of the estimates, with the fit diagnostics' caution lines."""
        diagnostics = getattr(self, "fit_diagnostics_", None)
        return ParameterSummary(
            parameter=np.array(names),
            estimate=estimate,
            standard_error=standard_error,
            lower_95=lower,
            upper_95=upper,
            model=self._model_name(),
            log_likelihood=self.log_likelihood_,
            n_customers=self.n_customers_,
            caution=() if diagnostics is None else diagnostics.messages,
        )

    def summary(self) -> ParameterSummary:  # pragma: no cover - each shell defines it
        """The estimates with standard errors and 95% intervals."""
        raise NotImplementedError

    def _checked_penalizer(self) -> float:
        """The penalizer as a float; ``fit`` refuses one that is not a finite number >= 0."""
        return check_finite_nonnegative(self.penalizer, "penalizer")

    def _warn_if_untrusted(self) -> None:
        """Warn once, at the caller of ``fit``, when the fit diagnostics found problems."""
        assert self.fit_diagnostics_ is not None
        if self.fit_diagnostics_.messages:
            warnings.warn(
                f"{self._model_name()}: this fit cannot be trusted as it stands: "
                + "; ".join(self.fit_diagnostics_.messages)
                + " (see fit_diagnostics_)",
                ConvergenceWarning,
                stacklevel=4,  # fit -> _fit -> here
            )

    def _json_text(self, **specific: object) -> str:
        """``to_json``'s text: what every fitted model writes, its ``specific`` entries, the fit
        statistics, and the fit diagnostics when there are some."""
        from privtraffic import __version__

        clean = finite_or_none
        payload: dict[str, object] = {
            "model": self._model_name(),
            "privtraffic_version": __version__,
            "params": self.params_,
            "covariance": [[clean(v) for v in row] for row in self.covariance_.tolist()],
            **specific,
            "log_likelihood": clean(self.log_likelihood_),
            "n_customers": self.n_customers_,
            "penalizer": float(self.penalizer),
        }
        diagnostics = getattr(self, "fit_diagnostics_", None)
        if diagnostics is not None:
            payload["fit_diagnostics"] = diagnostics.to_dict()
        return json.dumps(payload, indent=2)

    def _read_diagnostics(self, payload: Mapping[str, object]) -> None:
        """``from_json``: take the fit diagnostics of the payload, when it has them."""
        found = payload.get("fit_diagnostics")
        if isinstance(found, dict):
            try:
                self.fit_diagnostics_ = FitDiagnostics.from_dict(found)
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInputError(
                    f"'text' has a malformed 'fit_diagnostics' entry ({exc!r})"
                ) from None

    def __repr__(self) -> str:
        name = self._model_name()
        if getattr(self, "params_", None) is None:
            return f"{name}(penalizer={self.penalizer!r}) (not fitted)"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return (
            f"{name}({params}; {self.n_customers_:,.0f} customers, "
            f"log-likelihood {self.log_likelihood_:.4f})"
        )

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        if getattr(self, "params_", None) is None:
            return html_table([], ["parameter"], title=f"{self._model_name()} (not fitted)")
        return self.summary()._html_table(penalizer=self.penalizer)


class BTYDModel(FittedModelView):
    """Base class of the BTYD estimators: fitting, standard errors, summary, JSON.

    Not used directly: instantiate :class:`~privtraffic.clv.BetaGeo`,
    :class:`~privtraffic.clv.ModifiedBetaGeo`, :class:`~privtraffic.clv.GammaGamma` and the
    other models. See the module docstring of ``privtraffic.clv._base`` for the contract a
    model satisfies.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty coefficient: ``penalizer * sum(params ** 2)`` is added to the negative
        log-likelihood per unit of customer weight. Checked when ``fit`` runs.

    Attributes
    ----------
    params_ : dict of str to float
        The estimates.
    standard_errors_ : dict of str to float
        Their standard errors (NaN when the model was built with :meth:`from_params`).
    covariance_ : numpy.ndarray
        Covariance matrix of the estimates, in ``_param_names`` order.
    log_likelihood_ : float
        Total log-likelihood at the estimates (without the penalty).
    n_customers_ : float
        Total customer weight of the data.
    n_rows_ : int
        Distinct data rows after collapsing identical ones.
    n_iter_ : int
        Optimiser iterations.
    fit_diagnostics_ : FitDiagnostics or None
        Whether the fit can be trusted: convergence, gradient, Hessian, parameters that ran to
        0 or infinity or sit on a flat ridge, and sentences saying what that means (``None``
        for a model built with :meth:`from_params`). A fit with messages also warns once
        (:class:`~privtraffic.errors.ConvergenceWarning`) and its :meth:`summary` shows them.

    Raises
    ------
    NotFittedError
        From every method that uses the estimates (predictions, simulation, :meth:`summary`,
        :meth:`to_json`), of every model, until :meth:`fit`, :meth:`from_params` or
        :meth:`from_json` gave them; the methods' own Raises sections list the rest.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> isinstance(BetaGeo(), BTYDModel)
    True
    >>> BetaGeo().summary()
    Traceback (most recent call last):
    ...
    privtraffic.errors.NotFittedError: this BetaGeo is not fitted yet: call fit(...) or BetaGeo.from_json(...) first
    """  # noqa: E501

    _param_names: ClassVar[tuple[str, ...]] = ()
    _data_names: ClassVar[tuple[str, ...]] = ()

    # Model hooks (see the module docstring); plain functions stored as staticmethods.
    _negative_log_likelihood: ClassVar[Callable[..., tuple[float, NDArray[np.float64]]]]
    #: Optional: the same with its exact Hessian (see ``_optimize.NegativeLogLikelihoodHessian``).
    _negative_log_likelihood_hessian: ClassVar[NegativeLogLikelihoodHessian | None] = None
    _check_data: ClassVar[Callable[..., None]] = staticmethod(_accept_data)
    _prepare_data: ClassVar[Callable[..., PreparedData]] = staticmethod(_pass_through)
    _initial_log_params: ClassVar[Callable[..., list[NDArray[np.float64]]]]
    #: The model's mixing laws, for the diagnostics' messages (see ``clv._diagnostics``).
    _parameter_pairs: ClassVar[tuple[ParameterPair, ...]] = ()

    # ------------------------------------------------------------------ fitting
    def _coerce_fit_data(
        self, values: Mapping[str, DataInput | None], weights: ArrayLike | None
    ) -> tuple[list[NDArray[np.float64]], NDArray[np.float64] | None]:
        names = self._data_names
        first = values[names[0]]
        others_missing = all(values[n] is None for n in names[1:])
        table = (
            table_columns(first, names, optional=("weights",))
            if others_missing and first is not None
            else None
        )
        given: dict[str, ArrayLike | None] = {}
        if table is not None:
            given = {n: table[n] for n in names}
            if weights is None:
                weights = table.get("weights")
        else:
            for n in names:
                value = values[n]
                if isinstance(value, (ColumnarTable, Mapping)):
                    raise InvalidInputError(
                        f"'{n}' must be a column, not a table (a table goes alone, as the "
                        "first argument)"
                    )
                given[n] = value
        columns = []
        for n in names:
            value = given[n]
            if value is None:
                raise InvalidInputError(f"'{n}' is required")
            columns.append(_as_column(value, n))
        check_same_length(**dict(zip(names, columns, strict=True)))
        check_nonempty(columns[0], names[0])
        type(self)._check_data(*columns)
        w = None
        if weights is not None:
            w = _as_column(weights, "weights")
            check_same_length(**{names[0]: columns[0], "weights": w})
            i = first_index(w < 0)
            if i >= 0:
                raise InvalidInputError(
                    f"'weights' must be >= 0 (got {float(w[i])!r} at index {i})"
                )
            if not w.sum() > 0:
                raise InvalidInputError("'weights' must not all be 0")
        return columns, w

    def _fit(
        self, values: Mapping[str, DataInput | None], weights: ArrayLike | None = None
    ) -> None:
        penalizer = self._checked_penalizer()
        columns, w = self._coerce_fit_data(values, weights)
        rows, row_weights = collapse_rows(columns, w)
        starts = type(self)._initial_log_params(*rows, weights=row_weights)
        warm_start: NDArray[np.float64] | None = None
        warm_hessian: NDArray[np.float64] | None = None
        if len(row_weights) > _SUBSAMPLE_ROWS:
            # Many distinct rows: optimise on a systematic subsample first, then finish on
            # all rows with a few Newton steps from there.
            every = len(row_weights) // (_SUBSAMPLE_ROWS // 4)
            try:
                sub = minimize_negative_log_likelihood(
                    type(self)._negative_log_likelihood,
                    type(self)._prepare_data(*(r[::every] for r in rows)),
                    row_weights[::every],
                    starts,
                    penalizer=penalizer,
                    param_names=self._param_names,
                    model_name=self._model_name(),
                    gtol=1e-6,
                    hessian=type(self)._negative_log_likelihood_hessian,
                )
            except ConvergenceError:
                pass  # no warm start: the full fit below starts from scratch
            else:
                warm_start = sub.log_params
                warm_hessian = sub.hessian / float(row_weights[::every].sum())
        data = type(self)._prepare_data(*rows)
        result = minimize_negative_log_likelihood(
            type(self)._negative_log_likelihood,
            data,
            row_weights,
            starts,
            penalizer=penalizer,
            param_names=self._param_names,
            model_name=self._model_name(),
            warm_start=warm_start,
            warm_hessian=warm_hessian,
            hessian=type(self)._negative_log_likelihood_hessian,
        )
        self._adopt(result, n_customers=float(row_weights.sum()), n_rows=len(row_weights))
        self._warn_if_untrusted()

    def _adopt(self, result: FitResult, *, n_customers: float, n_rows: int) -> None:
        """Set the fitted attributes and ``fit_diagnostics_`` from an optimiser's result."""
        params = np.exp(result.log_params)
        covariance = self._covariance(params, result.hessian)
        self._set_fitted(
            params,
            covariance,
            log_likelihood=-result.negative_log_likelihood,
            n_customers=n_customers,
            n_rows=n_rows,
            n_iter=result.n_iter,
        )
        self.fit_diagnostics_ = diagnose(
            result, covariance, param_names=self._param_names, pairs=self._parameter_pairs
        )

    def set_fitted_state(
        self,
        log_params: ArrayLike,
        hessian: ArrayLike,
        *,
        negative_log_likelihood: float,
        n_customers: float,
        n_rows: int,
        n_iter: int,
        gradient_norm: float,
        start: ArrayLike | None = None,
    ) -> Self:
        """Give the model the state ``fit`` leaves, from an optimum found elsewhere.

        For fits computed outside :meth:`fit`, such as the map-reduce fit of
        :mod:`privtraffic.integrations.dask`: it sets ``params_``, ``covariance_`` and
        ``standard_errors_`` (the delta method on the inverse Hessian; NaN when the Hessian is
        not positive definite), ``log_likelihood_``, ``n_customers_``, ``n_rows_``,
        ``n_iter_`` and ``fit_diagnostics_``, judged by the same rules as ``fit``'s. It does
        not warn: the caller reports ``fit_diagnostics_.messages`` as it sees fit.

        Parameters
        ----------
        log_params : array-like
            The optimum, ``log`` of the parameters in the model's order (see
            :meth:`from_params` for the names).
        hessian : array-like
            Hessian of the total penalised negative log-likelihood with respect to the
            log-parameters at the optimum.
        negative_log_likelihood : float
            The total negative log-likelihood there (without the penalty).
        n_customers : float
            Total customer weight of the data.
        n_rows : int
            Distinct data rows.
        n_iter : int
            Optimiser iterations.
        gradient_norm : float
            Largest absolute gradient component of the penalised negative log-likelihood
            per unit of customer weight at the optimum (``fit`` calls it converged below
            ``1e-5 * max(1, |objective|)``).
        start : array-like, optional
            The data-driven starting point on the log scale (the diagnostics judge how far
            the estimates moved from it).

        Returns
        -------
        BTYDModel
            ``self``, in the state ``fit`` leaves.

        Raises
        ------
        InvalidInputError
            Arrays of the wrong shape or non-finite log-parameters.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo
        >>> from privtraffic.data import load_cdnow
        >>> fitted = BetaGeo().fit(load_cdnow("summary"))
        >>> lp = np.log([fitted.params_[k] for k in ("r", "alpha", "a", "b")])
        >>> hess = np.linalg.inv(fitted.covariance_ / np.outer(np.exp(lp), np.exp(lp)))
        >>> m = BetaGeo().set_fitted_state(lp, hess, negative_log_likelihood=9582.43,
        ...     n_customers=2357, n_rows=1, n_iter=1, gradient_norm=0.0)
        >>> m.fit_diagnostics_.converged, round(m.standard_errors_["r"], 4)
        (True, 0.0125)
        """
        k = len(self._param_names)
        x = np.asarray(log_params, dtype=np.float64)
        h = np.asarray(hessian, dtype=np.float64)
        if x.shape != (k,) or not np.all(np.isfinite(x)):
            raise InvalidInputError(f"'log_params' must be {k} finite numbers (got {x.tolist()!r})")
        if h.shape != (k, k):
            raise InvalidInputError(f"'hessian' must be a {k} x {k} matrix (got shape {h.shape})")
        objective = float(negative_log_likelihood) / max(float(n_customers), 1e-300)
        result = FitResult(
            log_params=x,
            objective=objective,
            negative_log_likelihood=float(negative_log_likelihood),
            hessian=h,
            n_iter=int(n_iter),
            scipy_result=None,
            start=None if start is None else np.asarray(start, dtype=np.float64),
            gradient_norm=float(gradient_norm),
            converged=float(gradient_norm) <= 1e-5 * max(1.0, abs(objective)),
        )
        self._adopt(result, n_customers=float(n_customers), n_rows=int(n_rows))
        return self

    def _covariance(
        self, params: NDArray[np.float64], hessian: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        k = len(params)
        if not hessian_is_positive_definite(hessian):
            return np.full((k, k), np.nan)  # the diagnostics say so
        log_covariance = np.linalg.inv(hessian)
        covariance: NDArray[np.float64] = np.outer(params, params) * log_covariance
        return covariance

    def _set_fitted(
        self,
        params: NDArray[np.float64],
        covariance: NDArray[np.float64],
        *,
        log_likelihood: float,
        n_customers: float,
        n_rows: int,
        n_iter: int,
    ) -> None:
        names = self._param_names
        self.params_ = {n: float(v) for n, v in zip(names, params, strict=True)}
        self.covariance_ = np.asarray(covariance, dtype=np.float64)
        se = np.sqrt(np.diag(self.covariance_))
        self.standard_errors_ = {n: float(v) for n, v in zip(names, se, strict=True)}
        self.log_likelihood_ = float(log_likelihood)
        self.n_customers_ = float(n_customers)
        self.n_rows_ = int(n_rows)
        self.n_iter_ = int(n_iter)
        self.fit_diagnostics_ = None

    def _fitted_params(self) -> tuple[float, ...]:
        """The parameters in ``_param_names`` order; raises NotFittedError before ``fit``."""
        params = getattr(self, "params_", None)
        if params is None:
            raise NotFittedError(
                f"this {self._model_name()} is not fitted yet: call fit(...) or "
                f"{self._model_name()}.from_json(...) first"
            )
        return tuple(params[n] for n in self._param_names)

    def _history(self, *columns: ArrayLike, **more: ArrayLike) -> tuple[NDArray[np.float64], ...]:
        """Prediction inputs: ``more`` (e.g. ``t``) then the data columns, broadcast together.

        The data columns (``_data_names`` order) are checked with the model's ``_check_data``.
        """
        data = dict(zip(self._data_names, columns, strict=True))
        arrays = prediction_columns(**more, **data)
        type(self)._check_data(*arrays[len(more) :])
        return arrays

    def _horizon(
        self, t: ArrayLike, *, whole: bool = False
    ) -> tuple[tuple[float, ...], NDArray[np.float64]]:
        """The parameters and a checked horizon (``whole``: in whole periods) for a new customer."""
        params = self._fitted_params()
        (t_arr,) = prediction_columns(t=t)
        if whole:
            check_whole(t_arr, "t")
        else:
            check_horizon(t_arr)
        return params, t_arr

    def _counts_and_horizon(
        self, n: ArrayLike, t: ArrayLike, *, whole: bool = False
    ) -> tuple[tuple[float, ...], NDArray[np.float64], NDArray[np.float64]]:
        """The parameters, checked purchase counts ``n`` and horizons ``t``, broadcast."""
        params = self._fitted_params()
        n_arr, t_arr = prediction_columns(n=n, t=t)
        check_whole(n_arr, "n")
        if whole:
            check_whole(t_arr, "t")
        else:
            check_horizon(t_arr)
        return params, n_arr, t_arr

    def _simulation_inputs(
        self, n: int, T: ArrayLike, rng: np.random.Generator | None
    ) -> tuple[tuple[float, ...], NDArray[np.float64], np.random.Generator]:
        """The parameters, the checked ages of ``n`` simulated customers and the generator."""
        params = self._fitted_params()
        T_arr = simulation_ages(n, T)
        return params, T_arr, np.random.default_rng() if rng is None else rng

    # ------------------------------------------------------------------ reporting
    def summary(self) -> ParameterSummary:
        """Estimates, standard errors and 95% intervals as a frozen table.

        Returns
        -------
        ParameterSummary
            One row per parameter; ``.to_pandas()`` gives a DataFrame.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo
        >>> from privtraffic.data import load_cdnow
        >>> s = BetaGeo().fit(load_cdnow("summary")).summary()
        >>> s.parameter.tolist()
        ['r', 'alpha', 'a', 'b']
        >>> bool(np.all(s.lower_95 < s.estimate)) and bool(np.all(s.estimate < s.upper_95))
        True
        """
        params = np.array(self._fitted_params())
        se = np.array([self.standard_errors_[n] for n in self._param_names])
        log_params = np.log(params)
        with np.errstate(invalid="ignore", over="ignore"):
            half_width = _Z95 * se / params
            # on the log scale; a huge standard error gives an unbounded interval (0, inf)
            lower, upper = np.exp(log_params - half_width), np.exp(log_params + half_width)
        return self._parameter_summary(self._param_names, params, se, lower, upper)

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> str:
        """The fitted model as JSON: name, privtraffic version, parameters and fit statistics.

        Floats are written with full precision, so :meth:`from_json` rebuilds a model whose
        predictions are identical. No pickle, no code.

        Returns
        -------
        str

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo
        >>> m = BetaGeo.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
        >>> text = m.to_json()
        >>> BetaGeo.from_json(text).params_ == m.params_
        True
        """
        self._fitted_params()
        return self._json_text(
            standard_errors={k: finite_or_none(v) for k, v in self.standard_errors_.items()},
            n_rows=self.n_rows_,
        )

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Rebuild a model written by :meth:`to_json`.

        Parameters
        ----------
        text : str
            The JSON text.

        Returns
        -------
        BTYDModel
            A fitted instance of ``cls``.

        Raises
        ------
        InvalidInputError
            The text is not JSON, is for another model, or its parameters are not this
            model's or not positive numbers.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo
        >>> text = BetaGeo.from_params(r=1, alpha=1, a=1, b=1).to_json()
        >>> BetaGeo.from_json(text.replace('"BetaGeo"', '"ParetoNBD"'))
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'text' holds a 'ParetoNBD' model, not 'BetaGeo'
        """
        payload = json_payload(text, cls._model_name(), "params")
        model = cls.from_params(payload["params"], penalizer=float(payload.get("penalizer", 0.0)))
        k = len(cls._param_names)
        cov = payload.get("covariance")
        if cov is not None:
            model.covariance_ = np.array(
                [[math.nan if v is None else float(v) for v in row] for row in cov],
                dtype=np.float64,
            ).reshape(k, k)
            se = payload.get("standard_errors", {})
            model.standard_errors_ = {
                n: math.nan if se.get(n) is None else float(se[n]) for n in cls._param_names
            }
        ll = payload.get("log_likelihood")
        model.log_likelihood_ = math.nan if ll is None else float(ll)
        model.n_customers_ = float(payload.get("n_customers", 0.0))
        model.n_rows_ = int(payload.get("n_rows", 0))
        model._read_diagnostics(payload)
        return model

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, float] | None = None,
        /,
        *,
        penalizer: float = 0.0,
        **kwargs: float,
    ) -> Self:
        """A model with given parameters, as if fitted (for simulation, scenarios, tests).

        Parameters
        ----------
        params : mapping, optional
            Parameter values by name; or give them as keyword arguments.
        penalizer : float
            Recorded as the hyper-parameter.
        **kwargs : float
            Parameter values by name.

        Returns
        -------
        BTYDModel
            ``standard_errors_`` and ``covariance_`` are NaN (there were no data),
            ``log_likelihood_`` is NaN and ``n_customers_`` is 0.

        Raises
        ------
        InvalidInputError
            A parameter is missing, unknown, or not a finite positive number.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo
        >>> BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426).params_["b"]
        2.426
        >>> BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'params' must give ... (missing ['b'])
        """
        given = dict(params or {}, **kwargs)
        names = cls._param_names
        missing = [n for n in names if n not in given]
        unknown = sorted(set(given) - set(names))
        if missing or unknown:
            what = f"missing {missing}" if missing else f"unknown {unknown}"
            raise InvalidInputError(
                f"'params' must give {cls._model_name()}'s parameters {list(names)} ({what})"
            )
        values = []
        for n in names:
            v = given[n]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
                raise InvalidInputError(f"'{n}' must be a number (got {v!r})")
            v = float(v)
            if not (math.isfinite(v) and v > 0):
                raise InvalidInputError(f"'{n}' must be a finite number > 0 (got {v!r})")
            values.append(v)
        model = cls(penalizer=penalizer)
        k = len(names)
        model._set_fitted(
            np.array(values),
            np.full((k, k), np.nan),
            log_likelihood=math.nan,
            n_customers=0.0,
            n_rows=0,
            n_iter=0,
        )
        return model


class PurchaseModel(BTYDModel):
    """Base of the transaction models: what they predict for a customer just acquired.

    :meth:`expected_purchases_new` and :meth:`probability_of_purchases` are one pair of
    methods for BG/NBD, MBG/NBD, Pareto/NBD and BG/BB, each calling its model's functions
    through the hooks ``_expected_new`` and ``_purchase_probabilities``; BG/BB counts time in
    whole opportunities (``_whole_periods``).

    Examples
    --------
    >>> from privtraffic.clv import BetaGeoBetaBinom, ParetoNBD
    >>> issubclass(BetaGeoBetaBinom, PurchaseModel), issubclass(ParetoNBD, PurchaseModel)
    (True, True)
    """

    #: Whether horizons are whole periods (opportunities), not continuous time.
    _whole_periods: ClassVar[bool] = False

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in (0, t] of a customer just acquired, E[X(t)].

        Parameters
        ----------
        t : array-like or float
            Time since acquisition (>= 0); for BG/BB, opportunities (whole numbers).

        Returns
        -------
        numpy.ndarray
            One expectation per ``t``, non-negative and finite.

        Raises
        ------
        InvalidInputError
            Negative or non-finite ``t`` (for BG/BB also a fractional one).

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> np.round(m.expected_purchases_new([39, 78]), 4).tolist()
        [1.1967, 1.8605]
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> np.round(m.expected_purchases_new([39, 78]), 4).tolist()
        [1.183, 1.8048]
        >>> m = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> np.round(m.expected_purchases_new([39, 78]), 4).tolist()
        [1.213, 1.9094]
        >>> from privtraffic.clv import BetaGeoBetaBinom
        >>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> np.round(m.expected_purchases_new([1, 6]), 4).tolist()
        [0.4985, 2.2196]
        """
        params, t_arr = self._horizon(t, whole=self._whole_periods)
        with np.errstate(over="ignore"):  # an overflow to inf is refused just below
            expected = self._expected_new(params, t_arr)
        return check_representable(expected, "expected_purchases_new", t=t_arr)

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
        """P(X(t) = n): probability that a new customer makes ``n`` repeat purchases in (0, t].

        Parameters
        ----------
        n : array-like or int
            Purchase counts (whole numbers >= 0).
        t : array-like or float
            Time since acquisition (>= 0); for BG/BB, opportunities (whole numbers). ``n`` and
            ``t`` broadcast.

        Returns
        -------
        numpy.ndarray
            Probabilities in [0, 1] (0 when ``n > t`` under BG/BB).

        Raises
        ------
        InvalidInputError
            Negative or non-integer ``n``, negative ``t`` (for BG/BB also a fractional one).

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> np.round(m.probability_of_purchases([0, 1, 2], 39), 4).tolist()
        [0.5738, 0.1994, 0.0854]
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> np.round(m.probability_of_purchases([0, 1, 2], 39), 4).tolist()
        [0.5825, 0.1828, 0.0869]
        >>> m = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> np.round(m.probability_of_purchases([0, 1, 2], 39), 4).tolist()
        [0.5935, 0.1656, 0.0825]
        >>> from privtraffic.clv import BetaGeoBetaBinom
        >>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> p = m.probability_of_purchases(range(7), 6)
        >>> round(float(p.sum()), 6), round(float(p[0]), 4)
        (1.0, 0.3112)
        """
        params, n_arr, t_arr = self._counts_and_horizon(n, t, whole=self._whole_periods)
        return self._purchase_probabilities(params, n_arr, t_arr)

    # ------------------------------------------------------------------ the model's hooks
    #: The model module's ``expected_purchases_new(params, t)`` and
    #: ``probability_of_purchases(params, n, t)``, called by the hooks below (BG/NBD overrides
    #: the hooks: its functions also take the MBG/NBD shift).
    _expected_purchases_new: ClassVar[Callable[..., NDArray[np.float64]]]
    _probability_of_purchases: ClassVar[Callable[..., NDArray[np.float64]]]

    def _expected_new(self, params: Params, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return type(self)._expected_purchases_new(params, t)

    def _purchase_probabilities(
        self, params: Params, n: NDArray[np.float64], t: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return type(self)._probability_of_purchases(params, n, t)


class RepeatPurchaseModel(PurchaseModel):
    """Base of the continuous-time repeat-buying models: BG/NBD, MBG/NBD and Pareto/NBD.

    Their public methods are one set, defined here: each checks the fit (and the inputs)
    and calls its model's pure functions through a hook the model class defines
    (``_alive``, ``_expected``, ``_predictions``, ``_expected_new``,
    ``_purchase_probabilities``, ``_simulated``). The data are ``frequency, recency, T``
    in one time unit, checked by :func:`check_rfm`.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
    >>> all(issubclass(c, RepeatPurchaseModel) for c in (BetaGeo, ModifiedBetaGeo, ParetoNBD))
    True
    """

    _data_names = ("frequency", "recency", "T")
    _check_data = staticmethod(check_rfm)
    #: The starting points of the fit, best first, as ``(r, alpha, third, fourth)`` with
    #: ``alpha`` in units of the data's guess of ``1 / purchase rate`` (mean T over mean
    #: frequency) and ``fourth`` in units of the mean T where ``_fourth_per_age`` (Pareto/NBD's
    #: dropout scale ``beta``); each start costs a full quasi-Newton run at most.
    _starts: ClassVar[tuple[tuple[float, float, float, float], ...]] = ()
    _fourth_per_age: ClassVar[bool] = False
    #: How the guess's weighted sums are added up: BG/NBD's with ``weighted_sum``, Pareto/NBD's
    #: with a BLAS dot product. They differ in the last bits, and on a flat likelihood ridge
    #: the optimum a fit finds depends on those bits, so each model keeps its own.
    _weighted_sum: ClassVar[Callable[..., float]] = staticmethod(weighted_sum)

    @classmethod
    def _initial_log_params(
        cls,
        frequency: NDArray[np.float64],
        recency: NDArray[np.float64],
        T: NDArray[np.float64],
        *,
        weights: NDArray[np.float64],
    ) -> list[NDArray[np.float64]]:
        w = weights / weights.sum()
        mean_t = cls._weighted_sum(w, T)
        rate = cls._weighted_sum(w, frequency) / max(mean_t, 1e-300)
        alpha_guess = 1.0 / rate if rate > 0 else mean_t
        fourth_unit = mean_t if cls._fourth_per_age else 1.0
        return [np.log([r, k * alpha_guess, c, d * fourth_unit]) for r, k, c, d in cls._starts]

    def fit(
        self,
        frequency: DataInput,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit the model by maximum likelihood (exact gradient, then Newton polishing).

        Parameters
        ----------
        frequency : array-like, RFMSummary or pandas.DataFrame
            Repeat purchases per customer; or a table with ``frequency``, ``recency``, ``T``
            (and optionally ``weights``) columns, with ``recency`` and ``T`` left out.
        recency, T : array-like
            Age at the last purchase and at the end of observation, in one time unit.
        weights : array-like, optional
            Customers per row (default 1). Identical rows are merged automatically.

        Returns
        -------
        BTYDModel
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Negative or non-integer frequency, recency > T, recency > 0 with frequency 0,
            NaN/inf, mismatched lengths, empty data, negative weights or penalizer.
        ConvergenceError
            No finite optimum was found.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> truth = BetaGeo.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
        >>> data = truth.simulate(5000, 38.86, rng=np.random.default_rng(0))
        >>> m = BetaGeo().fit(data.frequency, data.recency, data.T)
        >>> sorted(m.params_)
        ['a', 'alpha', 'b', 'r']
        >>> bool(abs(m.params_["r"] - 0.25) < 3 * m.standard_errors_["r"])
        True

        A table goes alone, as the first argument:

        >>> truth = ModifiedBetaGeo.from_params(r=0.5, alpha=6.0, a=0.9, b=1.6)
        >>> data = truth.simulate(4000, 38.86, rng=np.random.default_rng(1))
        >>> m = ModifiedBetaGeo().fit(data)
        >>> bool(abs(m.params_["r"] - 0.5) < 3 * m.standard_errors_["r"])
        True
        >>> truth = ParetoNBD.from_params(r=0.55, alpha=10.6, s=0.6, beta=11.7)
        >>> data = truth.simulate(5000, 38.86, rng=np.random.default_rng(0))
        >>> m = ParetoNBD().fit(data.frequency, data.recency, data.T)
        >>> sorted(m.params_)
        ['alpha', 'beta', 'r', 's']
        >>> bool(abs(m.params_["r"] - 0.55) < 3 * m.standard_errors_["r"])
        True
        """
        self._fit({"frequency": frequency, "recency": recency, "T": T}, weights)
        return self

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer is still alive at T.

        Parameters
        ----------
        frequency, recency, T : array-like or float
            The customers' history (scalars broadcast).

        Returns
        -------
        numpy.ndarray
            Values in [0, 1]; under BG/NBD 1 for customers with no repeat purchase (below 1
            under MBG/NBD, where a customer may also drop out at time 0, and Pareto/NBD).

        Raises
        ------
        InvalidInputError
            Data that break the rules listed in :meth:`fit`.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> np.round(m.probability_alive([0, 2], [0, 30.43], 38.86), 4).tolist()
        [1.0, 0.7266]
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> np.round(m.probability_alive([0, 2], [0, 30.43], 38.86), 4).tolist()
        [0.3897, 0.7062]
        >>> m = ParetoNBD.from_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
        >>> np.round(m.probability_alive([26, 0], [30.86, 0], [31, 38.86]), 4).tolist()
        [0.9979, 0.2950]
        """
        return self._alive(self._fitted_params(), frequency, recency, T)

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected purchases in the next ``t`` time units, E[X(T, T + t] | history].

        Parameters
        ----------
        t : array-like or float
            Length of the future period (>= 0).
        frequency, recency, T : array-like or float
            The customers' history.

        Returns
        -------
        numpy.ndarray
            Non-negative expectations, finite for any valid history.

        Raises
        ------
        InvalidInputError
            Negative ``t`` or data that break the rules listed in :meth:`fit`.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)[0]), 4)
        1.226
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)[0]), 4)
        1.263
        >>> m = ParetoNBD.from_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
        >>> round(float(m.expected_purchases(52, 26, 30.86, 31)[0]), 2)
        25.45
        """
        return self._expected(self._fitted_params(), t, frequency, recency, T)

    def predict(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> PurchasePredictions:
        """Expected purchases in the next ``t`` time units and P(alive), in one call.

        The same numbers as :meth:`expected_purchases` and :meth:`probability_alive` (bit for
        bit). BG/NBD and MBG/NBD take about 70% of the time of both calls: the inputs are
        checked once and P(alive), which E[X] is made of, is computed once per chunk of
        customers and kept. Pareto/NBD calls the two one after the other (no work is shared
        yet).

        Parameters
        ----------
        t : array-like or float
            Length of the future period (>= 0).
        frequency, recency, T : array-like or float
            The customers' history (scalars broadcast).

        Returns
        -------
        PurchasePredictions
            Columns ``expected_purchases`` and ``probability_alive``, one row per customer
            (``probability_alive`` broadcast along ``t`` when ``t`` is the longer input).

        Raises
        ------
        InvalidInputError
            Negative ``t`` or data that break the rules listed in :meth:`fit`.
        UnrepresentableError
            An expectation that does not fit in float64, as :meth:`expected_purchases`.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> p = m.predict(39, [0, 2], [0, 30.43], 38.86)
        >>> np.round(p.expected_purchases, 4).tolist(), np.round(p.probability_alive, 4).tolist()
        ([0.1951, 1.226], [1.0, 0.7266])
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> p = m.predict(39, [0, 2], [0, 30.43], 38.86)
        >>> np.round(p.expected_purchases, 4).tolist(), np.round(p.probability_alive, 4).tolist()
        ([0.154, 1.263], [0.3897, 0.7062])
        >>> m = ParetoNBD.from_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
        >>> p = m.predict(39, [26, 0], [30.86, 0], [31, 38.86])
        >>> np.round(p.expected_purchases, 4).tolist()
        [20.1146, 0.107]
        """
        return self._predictions(self._fitted_params(), t, frequency, recency, T)

    def simulate(
        self,
        n: int,
        T: ArrayLike,
        *,
        rng: np.random.Generator | None = None,
        unit: str | float = 7.0,
    ) -> RFMSummary:
        """Draw ``n`` synthetic customers from the fitted model.

        Parameters
        ----------
        n : int
            Number of customers.
        T : float or array-like
            Observation length of each customer (a scalar applies to all).
        rng : numpy.random.Generator, optional
            Source of randomness (default: a fresh unseeded generator).
        unit : {"D", "W", "M"} or float, default 7.0
            The time unit of ``T`` (a name or days), recorded on the summary as days.

        Returns
        -------
        RFMSummary
            ``customer_id`` 0..n-1 with ``frequency``, ``recency`` and ``T``.

        Raises
        ------
        InvalidInputError
            ``n`` not a whole number >= 1, ``T`` not positive or of the wrong length.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
        >>> rng = np.random.default_rng(0)
        >>> for m in (BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
        ...           ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614),
        ...           ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)):
        ...     s = m.simulate(1000, 38.86, rng=rng)
        ...     print(len(s), bool((s.recency <= s.T).all()))
        1000 True
        1000 True
        1000 True
        """
        params, T_arr, rng = self._simulation_inputs(n, T, rng)
        x, rec = self._simulated(params, T_arr, rng)
        return RFMSummary(customer_id=np.arange(n), frequency=x, recency=rec, T=T_arr, unit=unit)

    # ------------------------------------------------------------------ the model's hooks
    # Each evaluates one prediction with the model's own functions, given the fitted
    # parameters: ``_alive(params, frequency, recency, T)`` and ``_expected(params, t,
    # frequency, recency, T)`` take the raw inputs (they check them, with the scalar fast path
    # for one customer given as numbers); ``_simulated(params, T, rng)`` returns the simulated
    # ``(frequency, recency)``; ``_predictions`` defaults to the two calls one after the other.
    _alive: Callable[..., NDArray[np.float64]]
    _expected: Callable[..., NDArray[np.float64]]
    _simulated: Callable[..., tuple[NDArray[np.float64], NDArray[np.float64]]]

    def _predictions(
        self, params: Params, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> PurchasePredictions:
        expected = self._expected(params, t, frequency, recency, T)
        alive = self._alive(params, frequency, recency, T)
        return PurchasePredictions(expected, np.broadcast_to(alive, expected.shape))
