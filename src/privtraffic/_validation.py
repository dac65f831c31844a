"""Array coercion and the input checks every package shares.

Each function takes the caller's data (list, tuple, numpy array, pandas Series), returns a fresh
numpy array (never a view the caller could see mutated) and raises
:class:`~privtraffic.errors.InvalidInputError` with a message that names the argument, the rule,
the offending value and its index.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence, Sized
from typing import Any, TypeAlias, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic.errors import InvalidInputError

#: What the coercing functions accept: anything numpy makes a 1-d array of, a sequence of
#: objects (ids, timestamps) they check one by one, or ``None`` (refused with a message naming
#: the argument).
ColumnLike: TypeAlias = "ArrayLike | Sequence[object] | None"

#: One point in time: an ISO 8601 string, a ``date`` or ``datetime`` (a pandas ``Timestamp`` is
#: one) or a ``numpy.datetime64`` (what :func:`as_datetime64` reads, one at a time).
Moment: TypeAlias = Union[str, _dt.date, np.datetime64]  # noqa: UP007 (a runtime alias)

__all__ = [
    "as_datetime64",
    "as_float_array",
    "as_fraction",
    "as_ids",
    "as_int_array",
    "check_nonempty",
    "check_range",
    "check_same_length",
    "day_number",
    "first_index",
    "unit_days",
]

#: Length of the month BTYD time steps through, in days (a Julian year / 12).
DAYS_PER_MONTH = 365.25 / 12.0

#: The named time units and their length in days.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH}

#: Seconds in a day: the one conversion between event times in seconds and days.
SECONDS_PER_DAY = 86_400


def first_index(mask: np.ndarray) -> int:
    """Index of the first ``True`` in a boolean mask (``-1`` when there is none).

    Examples
    --------
    >>> first_index(np.array([False, True, True]))
    1
    """
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else -1


def _fmt(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _raw_array(values: ColumnLike, name: str) -> NDArray[Any]:
    to_numpy = getattr(values, "to_numpy", None)
    if to_numpy is not None:  # pandas Series / Index
        values = to_numpy()
    if np.isscalar(values) or values is None:
        raise InvalidInputError(f"'{name}' must be a 1-d sequence, got {type(values).__name__}")
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InvalidInputError(f"'{name}' must be 1-dimensional (got shape {arr.shape})")
    return arr


def as_float_array(
    values: ColumnLike,
    name: str,
    *,
    minimum: float | None = None,
    strictly_positive: bool = False,
    integer: bool = False,
) -> np.ndarray:
    """Coerce ``values`` to a new 1-d float64 array of finite numbers and check its range.

    Parameters
    ----------
    values : array-like
        The data.
    name : str
        The argument's name, used in messages.
    minimum : float, optional
        Values below it are rejected.
    strictly_positive : bool
        Reject values ``<= 0``.
    integer : bool
        Reject values with a fractional part.

    Returns
    -------
    numpy.ndarray
        float64, a copy.

    Raises
    ------
    InvalidInputError
        Non-numeric data, NaN or infinity, or a value out of range.

    Examples
    --------
    >>> as_float_array([1, 2.5], "recency")
    array([1. , 2.5])
    >>> as_float_array([1, -2], "frequency", minimum=0)
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'frequency' must be >= 0 (got -2.0 at index 1)
    """
    arr = _raw_array(values, name)
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":
            for i, v in enumerate(arr):
                if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
                    if v is None:
                        raise InvalidInputError(f"'{name}' must be numbers (got None at index {i})")
                    raise InvalidInputError(
                        f"'{name}' must be numbers (got {_fmt(v)} at index {i})"
                    )
        else:
            bad = _fmt(arr[0]) if arr.size else "nothing"
            raise InvalidInputError(
                f"'{name}' must be numbers (got dtype {arr.dtype}, e.g. {bad} at index 0)"
            )
    out = np.array(arr, dtype=np.float64, copy=True)
    i = first_index(~np.isfinite(out))
    if i >= 0:
        raise InvalidInputError(f"'{name}' must be finite (got {_fmt(out[i])} at index {i})")
    check_range(out, name, minimum=minimum, strictly_positive=strictly_positive, integer=integer)
    return out


def check_range(
    values: NDArray[np.float64],
    name: str,
    *,
    minimum: float | None = None,
    strictly_positive: bool = False,
    integer: bool = False,
) -> None:
    """Refuse the first value of a float column that breaks a rule, naming it and its index.

    The range rules of :func:`as_float_array`, for a column that is already a float array (a
    model's ``frequency``, say): the rules are checked in the order of the keywords and the
    first row that breaks one is named.

    Parameters
    ----------
    values : numpy.ndarray of float
        The column.
    name : str
        The argument's name, used in messages.
    minimum : float, optional
        Reject values below it.
    strictly_positive : bool
        Reject values ``<= 0``.
    integer : bool
        Reject values with a fractional part.

    Raises
    ------
    InvalidInputError
        The first value out of range.

    Examples
    --------
    >>> check_range(np.array([0.0, 2.0]), "frequency", minimum=0, integer=True)
    >>> check_range(np.array([1.0, 2.5]), "frequency", minimum=0, integer=True)
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'frequency' must be whole numbers (got 2.5 at index 1)
    """
    if minimum is not None:
        i = first_index(values < minimum)
        if i >= 0:
            raise InvalidInputError(
                f"'{name}' must be >= {minimum:g} (got {float(values[i])!r} at index {i})"
            )
    if strictly_positive:
        i = first_index(values <= 0)
        if i >= 0:
            raise InvalidInputError(f"'{name}' must be > 0 (got {float(values[i])!r} at index {i})")
    if integer:
        i = first_index(values != np.round(values))
        if i >= 0:
            raise InvalidInputError(
                f"'{name}' must be whole numbers (got {float(values[i])!r} at index {i})"
            )


def as_int_array(values: ColumnLike, name: str, *, minimum: int | None = None) -> NDArray[np.int64]:
    """Coerce ``values`` to a new 1-d int64 array; floats must be whole numbers.

    Examples
    --------
    >>> as_int_array([0, 2.0, 3], "frequency", minimum=0)
    array([0, 2, 3])
    >>> as_int_array([1.5], "frequency")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'frequency' must be whole numbers (got 1.5 at index 0)
    """
    out = as_float_array(values, name, minimum=minimum, integer=True)
    return out.astype(np.int64)


def as_fraction(value: float, name: str) -> float:
    """Coerce a scalar that must lie in [0, 1] (a probability, share or decay factor) to float.

    Examples
    --------
    >>> as_fraction(0.25, "decay")
    0.25
    >>> as_fraction(1.5, "refund_rate")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'refund_rate' must be in [0, 1] (got 1.5)
    """
    v = float(value)
    if not (0.0 <= v <= 1.0):
        raise InvalidInputError(f"'{name}' must be in [0, 1] (got {value!r})")
    return v


def check_same_length(**arrays: Sized) -> int:
    """Check that every named array has the same length and return it.

    Examples
    --------
    >>> check_same_length(frequency=[1, 2], recency=[1, 2])
    2
    >>> check_same_length(frequency=[1, 2], T=[1])
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'T' must have the same length as 'frequency' (got 1 != 2)
    """
    items = list(arrays.items())
    if not items:
        return 0
    first_name, first = items[0]
    n = len(first)
    for name, arr in items[1:]:
        if len(arr) != n:
            raise InvalidInputError(
                f"'{name}' must have the same length as '{first_name}' (got {len(arr)} != {n})"
            )
    return n


def check_nonempty(arr: Sized, name: str) -> None:
    """Raise when ``arr`` has no rows.

    Examples
    --------
    >>> check_nonempty([], "frequency")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'frequency' must not be empty
    """
    if len(arr) == 0:
        raise InvalidInputError(f"'{name}' must not be empty")


def as_ids(values: ColumnLike, name: str) -> NDArray[Any]:
    """Coerce user/order ids to a new 1-d array of one kind: all integers or all strings.

    Missing ids (None, NaN) and mixed kinds are rejected with the first offending index.

    Examples
    --------
    >>> as_ids(["u1", "u2"], "users")
    array(['u1', 'u2'], dtype='<U2')
    >>> as_ids([1, 2.0], "users")
    array([1, 2])
    >>> as_ids(["u1", 7], "users")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'users' must all be strings or all be integers (got 7 ...)
    """
    if isinstance(values, (list, tuple)):  # keep each element's own type: no silent str()
        values = np.array(values, dtype=object)
    arr = _raw_array(values, name)
    kind = arr.dtype.kind
    if kind in "iu":
        return np.array(arr, dtype=np.int64, copy=True)
    if kind == "b":
        raise InvalidInputError(f"'{name}' must be strings or integers (got booleans)")
    if kind == "f":
        i = first_index(~np.isfinite(arr))
        if i >= 0:
            raise InvalidInputError(
                f"'{name}' must not be missing (got {_fmt(arr[i])} at index {i})"
            )
        i = first_index(arr != np.round(arr))
        if i >= 0:
            raise InvalidInputError(
                f"'{name}' must be strings or integers (got {_fmt(arr[i])} at index {i})"
            )
        return arr.astype(np.int64)
    if kind in "US":
        return np.array(arr, dtype=str, copy=True)
    if kind != "O":
        raise InvalidInputError(f"'{name}' must be strings or integers (got dtype {arr.dtype})")
    seen: str | None = None
    for i, v in enumerate(arr):
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            raise InvalidInputError(f"'{name}' must not be missing (got {v!r} at index {i})")
        if isinstance(v, str):
            this = "strings"
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            this = "integers"
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            this = "integers"
        else:
            raise InvalidInputError(
                f"'{name}' must be strings or integers (got {_fmt(v)} at index {i})"
            )
        if seen is None:
            seen = this
        elif this != seen:
            raise InvalidInputError(
                f"'{name}' must all be strings or all be integers "
                f"(got {_fmt(v)} at index {i} after {seen})"
            )
    if seen == "integers":
        return np.array([int(v) for v in arr], dtype=np.int64)
    return np.array(arr, dtype=str)


def as_datetime64(values: ColumnLike, name: str, *, unit: str = "s") -> NDArray[np.datetime64]:
    """Coerce timestamps to a new 1-d ``datetime64[unit]`` array.

    Accepts ``datetime64`` arrays, pandas Series/Timestamps, ``datetime.date`` /
    ``datetime.datetime`` objects and ISO 8601 strings. Time zones are not interpreted: aware
    datetimes are rejected, so that one user's clock is never silently shifted.

    Examples
    --------
    >>> as_datetime64(["2024-01-02", "2024-01-03T10:00"], "at")
    array(['2024-01-02T00:00:00', '2024-01-03T10:00:00'], dtype='datetime64[s]')
    >>> as_datetime64(["2024-01-02", "yesterday"], "at")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'at' must be timestamps (got 'yesterday' at index 1)
    """
    accessor, to_numpy = getattr(values, "dt", None), getattr(values, "to_numpy", None)
    if accessor is not None and to_numpy is not None:  # pandas datetime Series
        if getattr(accessor, "tz", None) is not None:
            raise InvalidInputError(f"'{name}' must be time-zone naive timestamps")
        values = to_numpy()
    if isinstance(values, (list, tuple)):  # keep each element's own type: 5 is not year 0005
        values = np.array(values, dtype=object)
    arr = _raw_array(values, name)
    if arr.dtype.kind == "M":
        out = arr.astype(f"datetime64[{unit}]")
        i = first_index(np.isnat(out))
        if i >= 0:
            raise InvalidInputError(f"'{name}' must not be missing (got NaT at index {i})")
        return out
    dtype = np.dtype(f"datetime64[{unit}]")
    if arr.dtype.kind in "US" or (
        arr.dtype.kind == "O"
        and all(type(v) in (str, _dt.date, _dt.datetime) for v in arr.tolist())
        and not any(getattr(v, "tzinfo", None) is not None for v in arr.tolist())
    ):
        try:  # fast path: numpy parses ISO strings and naive dates itself
            out = arr.astype(dtype)
        except (ValueError, TypeError):
            pass
        else:
            i = first_index(np.isnat(out))
            if i < 0:
                return out
    out = np.empty(arr.shape[0], dtype=dtype)
    for i, v in enumerate(arr.tolist()):
        try:
            if isinstance(v, _dt.datetime):
                if v.tzinfo is not None:
                    raise InvalidInputError(
                        f"'{name}' must be time-zone naive (got {v!r} at index {i})"
                    )
                out[i] = np.datetime64(v)
            elif isinstance(v, (_dt.date, str, np.datetime64)) and not isinstance(v, bool):
                out[i] = np.datetime64(v)
            else:
                raise ValueError
        except InvalidInputError:
            raise
        except (ValueError, TypeError):
            raise InvalidInputError(
                f"'{name}' must be timestamps (got {_fmt(v)} at index {i})"
            ) from None
        if np.isnat(out[i]):
            raise InvalidInputError(f"'{name}' must not be missing (got {_fmt(v)} at index {i})")
    return out


def unit_days(unit: str | float, name: str = "unit") -> float:
    """Length of a time unit in days: ``"D"`` (1), ``"W"`` (7), ``"M"`` (365.25/12) or a number.

    The one parser of time units in privtraffic: summaries, CLV, plots, the report and the Dask
    integration all read ``unit`` (and ``period``, ``horizon_unit``, ...) through it.

    Parameters
    ----------
    unit : {"D", "W", "M"} or float
        A unit's name or a finite, positive number of days.
    name : str
        The argument's name, used in messages.

    Returns
    -------
    float
        The unit's length in days.

    Raises
    ------
    InvalidInputError
        Another string, a boolean, or a number that is not finite and positive.

    Examples
    --------
    >>> unit_days("W"), unit_days(14), round(unit_days("M"), 4)
    (7.0, 14.0, 30.4375)
    >>> unit_days("week")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'unit' must be 'D', 'W', 'M' or a positive number of days (got 'week')
    """  # noqa: E501
    if isinstance(unit, str):
        if unit in TIME_UNITS:
            return TIME_UNITS[unit]
    elif not isinstance(unit, (bool, np.bool_)) and isinstance(unit, (int, float, np.number)):
        days = float(unit)
        if np.isfinite(days) and days > 0:
            return days
    raise InvalidInputError(
        f"'{name}' must be 'D', 'W', 'M' or a positive number of days (got {unit!r})"
    )


def day_number(moment: object, name: str) -> int:
    """One timestamp (str, date, datetime, datetime64, pandas Timestamp) as days since 1970-01-01.

    A time within a day counts as that day (the floor), so a calibration end of
    ``"2024-03-01"`` and ``"2024-03-01T18:00"`` are the same day.

    Parameters
    ----------
    moment : str, datetime.date, datetime.datetime, numpy.datetime64 or pandas.Timestamp
        A single, time-zone naive timestamp.
    name : str
        The argument's name, used in messages.

    Returns
    -------
    int
        Whole days since 1970-01-01 (negative before it).

    Raises
    ------
    InvalidInputError
        ``None``, a sequence, an aware timestamp or text that is not a timestamp.

    Examples
    --------
    >>> day_number("1970-01-03T12:00", "observation_end")
    2
    >>> day_number(None, "observation_end")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'observation_end' must be one timestamp (got None)
    """
    if moment is None or isinstance(moment, (list, tuple, np.ndarray)):
        raise InvalidInputError(f"'{name}' must be one timestamp (got {moment!r})")
    if hasattr(moment, "to_pydatetime"):  # pandas Timestamp
        if getattr(moment, "tzinfo", None) is not None:
            raise InvalidInputError(f"'{name}' must be time-zone naive (got {moment!r})")
        moment = moment.to_pydatetime()
    if not isinstance(moment, (str, _dt.date, np.datetime64)):
        raise InvalidInputError(f"'{name}' must be a timestamp (got {moment!r})")
    seconds = as_datetime64(np.array([moment], dtype=object), name)[0].astype(np.int64)
    return int(seconds // SECONDS_PER_DAY)
