"""Event columns as the engine reads them: kind codes, times in seconds, values in millionths.

Shared by :mod:`~privtraffic.lifecycle.classify` (a population) and
:mod:`~privtraffic.lifecycle.replay` (one user), so both read the same input the same way.

The event columns have one name each, the same across lifecycle, funnel and referral:
``users, kinds, at, values, event_ids``. A table (a DataFrame or a mapping) passed in place of
the columns has columns of those names.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords, warn_deprecated
from privtraffic._validation import (
    Moment,
    as_datetime64,
    as_float_array,
    as_ids,
    check_same_length,
    first_index,
)
from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle.conditions import MICRO
from privtraffic.lifecycle.machine import Machine

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "MAX_ABS_VALUE",
    "EventTable",
    "Id",
    "Moment",
    "as_time",
    "check_lengths",
    "check_repeat_values",
    "event_times",
    "kind_codes",
    "kind_table",
    "read_columns",
    "secondary_keys",
    "user_ids",
    "value_micros",
]

#: Largest accepted absolute event value (so sums in millionths stay exact in int64).
MAX_ABS_VALUE = 1e12


_NAT = int(np.iinfo(np.int64).min)  # how NaT reads as int64

#: A user's or an event's id: a string or an integer.
Id = Union[str, int, np.int64]  # noqa: UP007 (a runtime alias)

#: A table of events in place of the columns: a DataFrame or a mapping of column name to column.
EventTable = Union["pd.DataFrame", Mapping[str, ArrayLike]]

#: The columns of an event table, in the order of the column arguments.
COLUMNS = ("users", "kinds", "at", "values", "event_ids")

# The column names tables used before one vocabulary was agreed (accepted, with a warning).
_OLD_COLUMNS = {"user": "users", "kind": "kinds", "value": "values", "event_id": "event_ids"}


def as_time(value: Moment, name: str) -> int:
    """One timestamp as integer seconds since 1970 (``datetime64[s]``).

    Examples
    --------
    >>> as_time("1970-01-02", "as_of")
    86400
    """
    if value is None or isinstance(value, (bool, int, float)):
        raise InvalidInputError(f"'{name}' must be a timestamp (got {value!r})")
    kind = type(value)
    if (
        kind is np.datetime64
        or kind is str
        or kind is _dt.date
        or (
            kind is _dt.datetime and value.tzinfo is None  # type: ignore[union-attr]
        )
    ):
        # One value of the usual types: numpy reads it as the column path does (ISO strings,
        # naive dates and datetimes, datetime64 of any unit, truncated to seconds); anything
        # else, and anything numpy cannot read, takes the column path below and its messages.
        try:
            seconds = int(np.datetime64(value).astype("datetime64[s]").astype(np.int64))
        except (ValueError, TypeError):
            pass
        else:
            if seconds != _NAT:
                return seconds
    try:
        arr = as_datetime64(np.array([value], dtype=object), name)
    except InvalidInputError:
        raise InvalidInputError(f"'{name}' must be a timestamp (got {value!r})") from None
    return int(arr.view(np.int64)[0])


@renamed_keywords(ats="at")
def event_times(at: ArrayLike) -> NDArray[np.int64]:
    """Event times as int64 seconds.

    Parameters
    ----------
    at : array-like of datetime-like
        The ``at`` column (``ats`` is its deprecated name).

    Examples
    --------
    >>> event_times(["1970-01-01T00:00:01"]).tolist()
    [1]
    """
    if isinstance(at, np.ndarray) and at.ndim == 1 and at.dtype == np.dtype("datetime64[s]"):
        seconds = at.view(np.int64)
        if not seconds.size or int(seconds.min()) != _NAT:  # no NaT: read the caller's array
            view: NDArray[np.int64] = seconds.view()
            view.flags.writeable = False
            return view
    out: NDArray[np.int64] = as_datetime64(at, "at").view(np.int64)
    return out


def user_ids(users: ArrayLike) -> NDArray[np.int64] | NDArray[np.str_]:
    """User ids of one kind, all integers or all strings (:func:`~privtraffic._validation.as_ids`).

    A 1-d int64 array is read as it is (a read-only view, not a copy); anything else goes
    through :func:`~privtraffic._validation.as_ids`.

    Examples
    --------
    >>> user_ids([3, 1]).tolist(), user_ids(np.array(["u1"])).tolist()
    ([3, 1], ['u1'])
    """
    if isinstance(users, np.ndarray) and users.ndim == 1 and users.dtype == np.int64:
        view: NDArray[np.int64] = users.view()
        view.flags.writeable = False
        return view
    out: NDArray[np.int64] | NDArray[np.str_] = as_ids(users, "users")
    return out


def kind_codes(machine: Machine, kinds: ArrayLike | pd.Series) -> NDArray[np.int16]:
    """Map event kinds (strings or a pandas Categorical) to positions in ``machine.kinds``.

    Parameters
    ----------
    machine : Machine
        The machine whose kinds are known.
    kinds : array-like of str or pandas.Categorical
        The ``kinds`` column. The old order ``kind_codes(kinds, machine)`` still works for one
        release, with a ``DeprecationWarning``.

    Raises
    ------
    InvalidInputError
        A kind the machine does not know, or a missing kind; the message names the first row.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> kind_codes(relationship_ladder(), ["join", "purchase"]).tolist()
    [2, 3]
    """
    if isinstance(kinds, Machine) and not isinstance(machine, Machine):
        warn_deprecated(
            "kind_codes(kinds, machine) is deprecated and will be removed in the next release; "
            "pass the machine first: kind_codes(machine, kinds)"
        )
        machine, kinds = kinds, machine
    known = ", ".join(machine.kinds)
    cat = getattr(kinds, "cat", None)
    if cat is not None and hasattr(cat, "codes"):  # pandas Series of category dtype
        kinds = kinds.array  # type: ignore[union-attr]
    if hasattr(kinds, "categories") and hasattr(kinds, "codes"):  # pandas Categorical
        categories = list(kinds.categories)
        lookup = np.array(
            [machine.kinds.index(c) if c in machine.kinds else -2 for c in categories] + [-1],
            dtype=np.int16,
        )
        raw = np.asarray(kinds.codes)
        codes: NDArray[np.int16] = lookup[raw]
        i = first_index(codes < 0)
        if i >= 0:
            if raw[i] < 0:
                raise InvalidInputError(f"'kinds' must not be missing (got NaN at index {i})")
            raise InvalidInputError(
                f"'kinds' has an unknown event kind {categories[raw[i]]!r} at index {i} "
                f"(known: {known})"
            )
        return codes
    if hasattr(kinds, "to_numpy"):
        kinds = kinds.to_numpy()
    arr = np.asarray(kinds) if not isinstance(kinds, (list, tuple)) else np.array(kinds, object)
    if arr.ndim != 1:
        raise InvalidInputError(f"'kinds' must be 1-dimensional (got shape {arr.shape})")
    if arr.dtype.kind == "O":
        for i, v in enumerate(arr.tolist()):
            if not isinstance(v, str):
                raise InvalidInputError(f"'kinds' must be strings (got {v!r} at index {i})")
        arr = arr.astype(str)
    elif arr.dtype.kind not in "U" and arr.size:
        raise InvalidInputError(
            f"'kinds' must be strings (got dtype {arr.dtype}, e.g. {arr[0]!r} at index 0)"
        )
    codes = np.full(arr.shape[0], -1, dtype=np.int16)
    for code, name in enumerate(machine.kinds):
        codes[arr == name] = code
    i = first_index(codes < 0)
    if i >= 0:
        raise InvalidInputError(
            f"'kinds' has an unknown event kind {str(arr[i])!r} at index {i} (known: {known})"
        )
    return codes


def kind_table(
    machine: Machine, kinds: ArrayLike | pd.Series
) -> tuple[NDArray[np.integer], NDArray[np.int16]]:
    """Event kinds as ``(raw, lookup)``: ``lookup[raw]`` is :func:`kind_codes`' answer.

    For a pandas ``Categorical`` (or a Series of category dtype) ``raw`` is its own codes and
    ``lookup`` maps each category to its position in ``machine.kinds``, so no per-event array
    of kind codes is built; otherwise ``raw`` is :func:`kind_codes` and ``lookup`` the identity.
    Every ``raw`` value indexes ``lookup`` to a valid kind: missing and unknown kinds raise as in
    :func:`kind_codes`.

    Examples
    --------
    >>> import pandas as pd
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> raw, lookup = kind_table(relationship_ladder(), pd.Categorical(["purchase", "join"]))
    >>> raw.tolist(), lookup.tolist(), lookup[raw].tolist()
    ([1, 0], [2, 3], [3, 2])
    """
    cat = getattr(kinds, "cat", None)
    inner = kinds.array if cat is not None and hasattr(cat, "codes") else kinds  # type: ignore[union-attr]
    if hasattr(inner, "categories") and hasattr(inner, "codes"):
        categories = list(inner.categories)
        lookup = np.array(
            [machine.kinds.index(c) if c in machine.kinds else -1 for c in categories],
            dtype=np.int16,
        )
        raw = np.asarray(inner.codes)
        if raw.ndim == 1 and (not raw.size or int(raw.min()) >= 0):
            if lookup.size and int(lookup.min()) >= 0:
                return raw, lookup
            used = np.bincount(raw.astype(np.intp), minlength=lookup.size) > 0
            if not (used & (lookup < 0)).any():
                return raw, np.maximum(lookup, 0)
    codes = kind_codes(machine, kinds)  # raises for missing or unknown kinds
    return codes, np.arange(len(machine.kinds), dtype=np.int16)


def value_micros(values: ArrayLike | None, n: int) -> NDArray[np.int64]:
    """Event values as int64 millionths (zeros when ``values`` is None).

    Raises
    ------
    InvalidInputError
        NaN, infinity, non-numbers, or an absolute value above :data:`MAX_ABS_VALUE`.

    Examples
    --------
    >>> value_micros([1.5, 199.99], 2).tolist()
    [1500000, 199990000]
    """
    if values is None:
        return np.zeros(n, dtype=np.int64)
    arr = as_float_array(values, "values")
    i = first_index(np.abs(arr) > MAX_ABS_VALUE)
    if i >= 0:
        raise InvalidInputError(
            f"'values' must be at most {MAX_ABS_VALUE:g} in absolute value "
            f"(got {arr[i]!r} at index {i})"
        )
    micros: NDArray[np.int64] = np.rint(arr * MICRO).astype(np.int64)
    return micros


def secondary_keys(
    event_ids: ArrayLike | None, value_micro: NDArray[np.int64]
) -> tuple[NDArray[np.int64], bool]:
    """The tie-break key among events of one user, kind and instant: the event id's rank, or
    the value when there are no ids. Returns ``(keys, has_ids)``.

    Examples
    --------
    >>> keys, has_ids = secondary_keys(["e2", "e1"], np.zeros(2, dtype=np.int64))
    >>> keys.tolist(), has_ids
    ([1, 0], True)
    """
    if event_ids is None:
        return value_micro, False
    ids = as_ids(event_ids, "event_ids")
    _, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int64), True


def check_repeat_values(
    repeats: NDArray[np.bool_],
    values: NDArray[np.int64],
    order: NDArray[np.integer],
    row: NDArray[np.int64] | None,
) -> None:
    """Refuse an event id given twice to one event (same user, kind and instant) with two values.

    Parameters
    ----------
    repeats : numpy.ndarray of bool
        ``repeats[i]``: event ``order[i + 1]`` repeats event ``order[i]`` (same user, kind,
        instant and id).
    values : numpy.ndarray of int64
        Every event's value, in input order.
    order : numpy.ndarray of int
        The events in the order ``repeats`` reads them.
    row : numpy.ndarray of int64 or None
        The caller's row of each event, for the message (``None``: the same positions).

    Raises
    ------
    InvalidInputError
        Naming the two rows of the first such pair.

    Examples
    --------
    >>> check_repeat_values(np.array([True]), np.array([5, 7]), np.array([1, 0]), None)
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'event_ids' repeat one event with different values (rows 0 and 1)
    """  # noqa: E501
    vals = values[order]
    conflict = repeats & (vals[1:] != vals[:-1])
    if conflict.any():
        j = int(np.flatnonzero(conflict)[0]) + 1
        a, b = sorted(int(order[i]) if row is None else int(row[order[i]]) for i in (j - 1, j))
        raise InvalidInputError(
            f"'event_ids' repeat one event with different values (rows {a} and {b})"
        )


def _is_table(value: object) -> bool:
    return isinstance(value, Mapping) or (
        hasattr(value, "columns") and hasattr(value, "__getitem__")
    )


@renamed_keywords(ats="at")
def read_columns(
    users: ArrayLike | EventTable,
    kinds: ArrayLike | None,
    at: ArrayLike | None,
    values: ArrayLike | None,
    event_ids: ArrayLike | None,
) -> tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike | None, ArrayLike | None]:
    """Accept either the columns or one table in ``users`` with columns ``users, kinds, at``
    (and optionally ``values``, ``event_ids``).

    A table's old column names ``user``, ``kind``, ``value`` and ``event_id`` still work for one
    release, with a ``DeprecationWarning``; where a table has both spellings the new one is read.

    Raises
    ------
    InvalidInputError
        A table without one of the required columns, or columns without ``kinds`` and ``at``.

    Examples
    --------
    >>> cols = read_columns({"users": [1], "kinds": ["join"], "at": ["2024-01-01"]},
    ...                     None, None, None, None)
    >>> cols[1]
    ['join']
    """
    if kinds is None and at is None and _is_table(users):
        table: EventTable = users  # type: ignore[assignment]
        columns = getattr(table, "columns", None)
        if callable(columns):  # a ColumnarTable: columns() is a method
            columns = columns()
        names = list(table) if columns is None else list(columns)
        found: dict[str, str] = {}
        for old, new in _OLD_COLUMNS.items():
            if old in names and new not in names:
                found[new] = old
                warn_deprecated(
                    f"the event table's column {old!r} is deprecated and will not be read after "
                    f"the next release; name it {new!r}"
                )
        for required in COLUMNS[:3]:
            if required not in names and required not in found:
                raise InvalidInputError(
                    f"the event table must have a {required!r} column (got {names})"
                )

        def column(name: str) -> ArrayLike:
            col: ArrayLike = table[found.get(name, name)]
            return col

        users, kinds, at = column("users"), column("kinds"), column("at")
        if values is None and ("values" in names or "values" in found):
            values = column("values")
        if event_ids is None and ("event_ids" in names or "event_ids" in found):
            event_ids = column("event_ids")
    if kinds is None or at is None:
        raise InvalidInputError("'kinds' and 'at' are required with 'users'")
    return users, kinds, at, values, event_ids  # type: ignore[return-value]


def check_lengths(**columns: ArrayLike | None) -> int:
    """Check that every given column has the same length.

    Examples
    --------
    >>> check_lengths(kinds=["a"], at=["2024-01-01"], values=None)
    1
    """
    present = {k: v for k, v in columns.items() if v is not None}
    return check_same_length(**present)  # type: ignore[arg-type]
