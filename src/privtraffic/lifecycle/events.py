"""Event columns as the engine reads them: kind codes, times in seconds, values in millionths.

Shared by :mod:`~privtraffic.lifecycle.classify` (a population) and
:mod:`~privtraffic.lifecycle.replay` (one user), so both read the same input the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from privtraffic._validation import (
    as_datetime64,
    as_float_array,
    as_ids,
    check_same_length,
    first_index,
)
from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle.conditions import MICRO

if TYPE_CHECKING:
    from privtraffic.lifecycle.machine import Machine

__all__ = ["MAX_ABS_VALUE", "as_time", "kind_codes", "secondary_keys", "value_micros"]

#: Largest accepted absolute event value (so sums in millionths stay exact in int64).
MAX_ABS_VALUE = 1e12


def as_time(value: Any, name: str) -> int:
    """One timestamp as integer seconds since 1970 (``datetime64[s]``).

    Examples
    --------
    >>> as_time("1970-01-02", "as_of")
    86400
    """
    if value is None or isinstance(value, (bool, int, float)):
        raise InvalidInputError(f"'{name}' must be a timestamp (got {value!r})")
    try:
        arr = as_datetime64(np.array([value], dtype=object), name)
    except InvalidInputError:
        raise InvalidInputError(f"'{name}' must be a timestamp (got {value!r})") from None
    return int(arr.view(np.int64)[0])


def event_times(ats: Any) -> np.ndarray:
    """Event times as int64 seconds.

    Examples
    --------
    >>> event_times(["1970-01-01T00:00:01"]).tolist()
    [1]
    """
    return as_datetime64(ats, "ats").view(np.int64)


def kind_codes(kinds: Any, machine: Machine) -> np.ndarray:
    """Map event kinds (strings or a pandas Categorical) to positions in ``machine.kinds``.

    Raises
    ------
    InvalidInputError
        A kind the machine does not know, or a missing kind; the message names the first row.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> kind_codes(["join", "purchase"], relationship_ladder()).tolist()
    [2, 3]
    """
    known = ", ".join(machine.kinds)
    cat = getattr(kinds, "cat", None)
    if cat is not None and hasattr(cat, "codes"):  # pandas Series of category dtype
        kinds = kinds.array
    if hasattr(kinds, "categories") and hasattr(kinds, "codes"):  # pandas Categorical
        lookup = np.array(
            [machine.kinds.index(c) if c in machine.kinds else -2 for c in kinds.categories] + [-1],
            dtype=np.int16,
        )
        raw = np.asarray(kinds.codes)
        codes = lookup[raw]
        i = first_index(codes < 0)
        if i >= 0:
            if raw[i] < 0:
                raise InvalidInputError(f"'kinds' must not be missing (got NaN at index {i})")
            raise InvalidInputError(
                f"'kinds' has an unknown event kind {kinds.categories[raw[i]]!r} at index {i} "
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


def value_micros(values: Any, n: int) -> np.ndarray:
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
    return np.rint(arr * MICRO).astype(np.int64)


def secondary_keys(event_ids: Any, value_micro: np.ndarray) -> tuple[np.ndarray, bool]:
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


def read_columns(
    users: Any, kinds: Any, ats: Any, values: Any, event_ids: Any
) -> tuple[Any, Any, Any, Any, Any]:
    """Accept either columns or one table (DataFrame or mapping with ``user, kind, at``...).

    Examples
    --------
    >>> cols = read_columns({"user": [1], "kind": ["join"], "at": ["2024-01-01"]},
    ...                     None, None, None, None)
    >>> cols[1]
    ['join']
    """
    if (
        kinds is None
        and ats is None
        and hasattr(users, "__getitem__")
        and (hasattr(users, "columns") or isinstance(users, dict))
    ):
        table = users
        names = list(table.columns) if hasattr(table, "columns") else list(table)
        for required in ("user", "kind", "at"):
            if required not in names:
                raise InvalidInputError(
                    f"the event table must have a {required!r} column (got {names})"
                )
        users, kinds, ats = table["user"], table["kind"], table["at"]
        values = table["value"] if "value" in names and values is None else values
        event_ids = table["event_id"] if "event_id" in names and event_ids is None else event_ids
    if kinds is None or ats is None:
        raise InvalidInputError("'kinds' and 'ats' are required with 'users'")
    return users, kinds, ats, values, event_ids


def check_lengths(**columns: Any) -> int:
    """Check that every given column has the same length.

    Examples
    --------
    >>> check_lengths(kinds=["a"], ats=["2024-01-01"], values=None)
    1
    """
    present = {k: v for k, v in columns.items() if v is not None}
    return check_same_length(**present)
