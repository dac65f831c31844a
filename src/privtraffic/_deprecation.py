"""How privtraffic keeps an old spelling working for one release: one warning, one decorator.

- :func:`warn_deprecated` issues the :class:`DeprecationWarning`, pointed at the caller's line:
  the first frame outside privtraffic, however deep inside the library the old spelling was
  noticed (a keyword, a table column, an argument order).
- :func:`renamed_keywords` keeps old keyword names of a function working (``ats="at"``).

This module is a base layer: it imports nothing of privtraffic.

Examples
--------
>>> import warnings
>>> @renamed_keywords(ats="at")
... def first(at):
...     return at[0]
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     first(ats=[3, 4])
3
>>> print(caught[0].message)
first(): the keyword 'ats' is deprecated and will be removed in the next release; use 'at'
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["renamed_keywords", "warn_deprecated"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def warn_deprecated(message: str) -> None:
    """Issue a :class:`DeprecationWarning` at the first caller outside privtraffic.

    Parameters
    ----------
    message : str
        What is deprecated and what to write instead.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_deprecated("'ats' is deprecated; use 'at'")
    >>> caught[0].category.__name__, str(caught[0].message)
    ('DeprecationWarning', "'ats' is deprecated; use 'at'")
    """
    level = 2  # the function that called warn_deprecated
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "privtraffic."
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)


def renamed_keywords(**old_to_new: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Keep each old keyword (``old="new"``) of a function working for one release.

    The value is passed on as ``new`` and :func:`warn_deprecated` says which name to use.
    Giving both names is a :class:`TypeError`, as Python does for an argument given twice.
    Positional calls are untouched.

    Parameters
    ----------
    **old_to_new : str
        ``old="new"`` pairs of keyword names.

    Returns
    -------
    callable
        The decorator.

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

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{func.__qualname__}() got both {old!r} (deprecated) and {new!r}"
                    )
                warn_deprecated(
                    f"{func.__qualname__}(): the keyword {old!r} is deprecated and will be "
                    f"removed in the next release; use {new!r}"
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate
