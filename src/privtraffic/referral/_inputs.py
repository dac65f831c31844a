"""How the referral functions read their inputs: a DataFrame in place of columns, renamed keywords.

* :func:`required_columns` / :func:`optional_column` — a pandas DataFrame passed in place of
  the arrays (``ReferralGraph.from_edges(log_df)``, ``koc_scores(graph, orders_df)``);
* :func:`renamed_keywords` — a keyword renamed in this release (``buyers`` -> ``users``) keeps
  working for one release with a :class:`DeprecationWarning`;
* :func:`warn_deprecated` — that warning, pointed at the caller's line (the first frame outside
  privtraffic, however deep inside the library the old name was noticed).

Examples
--------
>>> import warnings
>>> @renamed_keywords(buyers="users")
... def count(users):
...     return len(users)
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     count(buyers=[1, 2])
2
>>> str(caught[0].message)
"count(): the keyword 'buyers' is deprecated and will be removed in the next release; use 'users'"
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import warnings
from collections.abc import Callable, Mapping, Sized
from typing import TYPE_CHECKING, ParamSpec, TypeAlias, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike

from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "Moment",
    "optional_column",
    "renamed_keywords",
    "required_columns",
    "sized",
    "warn_deprecated",
]

#: An instant: a timestamp string, a ``datetime`` / ``date`` or a ``numpy.datetime64``.
Moment: TypeAlias = "str | dt.datetime | dt.date | np.datetime64"

P = ParamSpec("P")
R = TypeVar("R")


def warn_deprecated(message: str) -> None:
    """Issue a :class:`DeprecationWarning` at the first caller outside privtraffic.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_deprecated("old")
    >>> caught[0].category.__name__
    'DeprecationWarning'
    """
    level = 2  # the function that called warn_deprecated
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "privtraffic."
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)


def renamed_keywords(**old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep each old keyword (``old="new"``) working for one release, with a warning.

    The decorated function's signature shows only the new names; passing both the old and the
    new one is a :class:`TypeError`, as for any argument given twice.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(value="values")
    ... def total(values):
    ...     return sum(values)
    >>> with warnings.catch_warnings(record=True):
    ...     total(value=[1, 2])
    3
    >>> total(values=[1], value=[2])
    Traceback (most recent call last):
    ...
    TypeError: total() got both 'value' (deprecated) and 'values'
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f"{func.__name__}() got both {old!r} (deprecated) and {new!r}")
                warn_deprecated(
                    f"{func.__name__}(): the keyword {old!r} is deprecated and will be removed "
                    f"in the next release; use {new!r}"
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def sized(values: ArrayLike, name: str) -> Sized:
    """``values`` as something with a length, for length checks before the ids are read.

    Raises
    ------
    InvalidInputError
        ``values`` is a scalar (or None), not a sequence.

    Examples
    --------
    >>> len(sized([1, 2], "referrers"))
    2
    >>> sized(7, "referrers")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'referrers' must be a 1-d sequence, got int
    """
    if isinstance(values, Sized):
        return values
    raise InvalidInputError(f"'{name}' must be a 1-d sequence, got {type(values).__name__}")


def optional_column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """The column ``name`` of ``frame``, or ``None`` when it has none.

    Examples
    --------
    >>> import pandas as pd
    >>> optional_column(pd.DataFrame({"at": [1]}), "joined_at") is None
    True
    """
    return frame[name] if name in frame.columns else None


def required_columns(
    frame: ArrayLike | pd.DataFrame,
    columns: tuple[str, str],
    *,
    argument: str,
    missing: str,
    table: str,
    renamed: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The frame and its two columns, when ``argument`` is a DataFrame in place of two arrays.

    Parameters
    ----------
    frame : pandas.DataFrame
        What the caller passed as ``argument``.
    columns : tuple of str
        The two required columns.
    argument, missing : str
        The argument holding the frame and the argument left out, for messages.
    table : str
        What the table is (``"orders"``), for messages.
    renamed : mapping of str to str, optional
        ``{new: old}`` column names still accepted, with a :class:`DeprecationWarning`, when
        the new one is absent.

    Raises
    ------
    InvalidInputError
        ``frame`` is no DataFrame, or a column is absent.

    Examples
    --------
    >>> import pandas as pd
    >>> _, a, b = required_columns(pd.DataFrame({"x": [1], "y": [2]}), ("x", "y"),
    ...                            argument="xs", missing="ys", table="points")
    >>> a.tolist(), b.tolist()
    ([1], [2])
    >>> required_columns([1], ("x", "y"), argument="xs", missing="ys", table="points")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'ys' is required unless 'xs' is a DataFrame with 'x' and 'y' columns
    """  # noqa: E501
    if not hasattr(frame, "columns"):
        raise InvalidInputError(
            f"{missing!r} is required unless {argument!r} is a DataFrame with "
            f"{columns[0]!r} and {columns[1]!r} columns"
        )
    df = cast("pd.DataFrame", frame)  # it has columns: a DataFrame
    found = []
    for col in columns:
        old = (renamed or {}).get(col)
        if col not in df.columns and old is not None and old in df.columns:
            warn_deprecated(
                f"the {table} DataFrame's column {old!r} is deprecated and will not be read "
                f"after the next release; name it {col!r}"
            )
            col = old
        if col not in df.columns:
            raise InvalidInputError(f"the {table} DataFrame must have a {col!r} column")
        found.append(df[col])
    return df, found[0], found[1]
