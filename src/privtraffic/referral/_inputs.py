"""How the referral functions read their inputs: a DataFrame in place of columns.

* :func:`required_columns` / :func:`optional_column` — a pandas DataFrame passed in place of
  the arrays (``ReferralGraph.from_edges(log_df)``, ``koc_scores(graph, orders_df)``);
* old column names of such a DataFrame keep working for one release, through
  :func:`privtraffic._deprecation.warn_deprecated` (renamed keywords go through
  :func:`privtraffic._deprecation.renamed_keywords`);
* :func:`user_position` — one user id looked up by the rule of
  :meth:`privtraffic._ids.IdIndex.index_of`, in O(1).

"""

from __future__ import annotations

from collections.abc import Mapping, Sized
from typing import TYPE_CHECKING, ParamSpec, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike

from privtraffic._deprecation import warn_deprecated
from privtraffic._ids import IdIndex, Missing
from privtraffic._validation import Moment
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "Moment",
    "optional_column",
    "required_columns",
    "sized",
    "user_position",
]


P = ParamSpec("P")
R = TypeVar("R")


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


def user_position(index: IdIndex, user: object, name: str, missing: Missing = "raise") -> int:
    """The position of one id in ``index``, by the rule the many-id lookup follows.

    A string or integer id (numpy's included) is one dictionary lookup
    (:meth:`~privtraffic._ids.IdIndex.position`, the table built once per index). Anything
    else, and an id that is not found there, goes through
    :meth:`~privtraffic._ids.IdIndex.index_of` with ``missing="mark"``, which raises for a
    missing id (``None``, NaN), a boolean or an id of the other kind exactly as it does for a
    column, and reads ``2.0`` as ``2``; what is then still absent raises (or, with
    ``missing="mark"``, gives ``-1``).

    Examples
    --------
    >>> index = IdIndex(np.array(["a", "b"]), noun="in the graph")
    >>> user_position(index, "b", "user"), user_position(index, "z", "user", "mark")
    (1, -1)
    >>> user_position(index, "z", "user")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'user' 'z' is not in the graph
    """
    if missing != "raise" and missing != "mark":
        raise InvalidInputError(f"'missing' must be 'raise' or 'mark' (got {missing!r})")
    pos = -1
    if isinstance(user, (str, int, np.integer)) and not isinstance(user, bool):
        pos = index.position(user)
    if pos < 0:
        pos = int(index.index_of([user], name, missing="mark")[0])
    if pos < 0 and missing == "raise":
        shown = user.item() if isinstance(user, np.generic) else user
        raise InvalidInputError(f"'{name}' {shown!r} is not {index.noun}")
    return pos
