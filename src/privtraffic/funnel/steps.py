"""Ordered funnels with a completion window, counted from an event log."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._tables import ColumnarTable
from privtraffic._validation import (
    SECONDS_PER_DAY,
    as_datetime64,
    as_float_array,
    as_ids,
    check_nonempty,
    check_same_length,
    first_index,
)
from privtraffic.errors import InvalidDefinitionError, InvalidInputError

__all__ = ["Funnel", "FunnelResult", "end_to_end_rate", "split_step"]


#: The columns of :meth:`FunnelResult.columns`, one row per step.
STEP_COLUMNS = ("step", "reached", "conversion", "overall", "drop_off")


def _window_seconds(value: float | _dt.timedelta | np.timedelta64) -> int:
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, np.timedelta64):
        seconds = float(value / np.timedelta64(1, "s"))
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        seconds = float(value) * SECONDS_PER_DAY
    else:
        raise InvalidDefinitionError(
            f"'window' must be a number of days or a timedelta (got {value!r})"
        )
    if not np.isfinite(seconds) or seconds <= 0:
        raise InvalidDefinitionError(f"'window' must be > 0 (got {value!r})")
    return round(seconds)


def _steps(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidDefinitionError(f"'steps' must be a sequence of step names (got {value!r})")
    return tuple(value)


def _check_steps(
    instance: Funnel, attribute: attrs.Attribute[tuple[str, ...]], steps: tuple[str, ...]
) -> None:
    if len(steps) < 2:
        raise InvalidDefinitionError(f"'steps' must name at least 2 steps (got {list(steps)})")
    seen: set[str] = set()
    for i, s in enumerate(steps):
        if not isinstance(s, str) or not s:
            raise InvalidDefinitionError(
                f"'steps' must be non-empty strings (got {s!r} at index {i})"
            )
        if s in seen:
            raise InvalidDefinitionError(f"'steps' must be distinct (got {s!r} twice)")
        seen.add(s)


@attrs.frozen
class Funnel:
    """Ordered steps a user must take, each no earlier than the last, within ``window``.

    A user reaches step ``k`` when the log has events ``steps[0], ..., steps[k]`` at times
    ``t_0 <= t_1 <= ... <= t_k`` with ``t_k - t_0 <= window``. Every ``steps[0]`` event may start
    the chain; the user's depth is the furthest step over all starts (the semantics of
    ClickHouse's ``windowFunnel``). Events of other kinds are ignored.

    Parameters
    ----------
    steps : sequence of str
        At least two distinct event kinds, in order.
    window : float or datetime.timedelta or numpy.timedelta64
        Completion window, ``> 0``; a number is in days. Stored in whole seconds.

    Raises
    ------
    InvalidDefinitionError
        Fewer than two steps, duplicates, or a window ``<= 0``.

    Examples
    --------
    >>> f = Funnel(["connect", "join", "purchase"], window=7)
    >>> f.window_seconds
    604800
    >>> Funnel(["connect", "join"], window=0)
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidDefinitionError: 'window' must be > 0 (got 0)
    """

    steps: tuple[str, ...] = attrs.field(converter=_steps, validator=_check_steps)
    window_seconds: int = attrs.field(alias="window", converter=_window_seconds)

    @renamed_keywords(events="kinds", timestamps="at")
    def analyze(
        self,
        users: ArrayLike,
        kinds: ArrayLike,
        at: ArrayLike,
        *,
        allow_missing_steps: bool = False,
    ) -> FunnelResult:
        """Count how far each user gets through the funnel.

        Parameters
        ----------
        users : array-like
            User id of each event (integers or strings).
        kinds : array-like of str
            Event kind of each event (``events`` is its deprecated name).
        at : array-like
            Time of each event: datetimes (second resolution) or numbers of days
            (``timestamps`` is its deprecated name).
        allow_missing_steps : bool
            By default a step that never occurs in ``kinds`` is an error (it is usually a
            misspelt name); pass True to count it as reached by nobody.

        Returns
        -------
        FunnelResult

        Raises
        ------
        InvalidInputError
            Empty or different-length inputs, missing ids or times, no event of the first step,
            or (unless allowed) a step that never occurs.

        Notes
        -----
        One sort of the funnel's events by (user, time, step) and, per step, one running maximum
        of the latest possible chain start: :math:`O(n \\log n)` in the number of events.

        Examples
        --------
        >>> f = Funnel(["view", "add", "pay"], window=1)
        >>> r = f.analyze(
        ...     users=[1, 1, 1, 2, 2, 3],
        ...     kinds=["view", "add", "pay", "view", "pay", "add"],
        ...     at=[0.0, 0.2, 0.5, 0.0, 0.1, 0.3],
        ... )
        >>> r.n_reached.tolist(), r.conversion().round(2).tolist()
        ([2, 1, 1], [1.0, 0.5, 1.0])
        """
        ids = as_ids(users, "users")
        kind = np.asarray(kinds.to_numpy() if hasattr(kinds, "to_numpy") else kinds)
        check_nonempty(ids, "users")
        times = _seconds(at)
        check_same_length(users=ids, kinds=kind, at=times)
        step_of = np.full(ids.shape[0], -1, dtype=np.int64)
        for j, name in enumerate(self.steps):
            hit = kind == name
            if not np.any(hit) and (j == 0 or not allow_missing_steps):
                raise InvalidInputError(
                    f"'kinds' has no event of step {name!r} (step {j}); "
                    f"check the step names against the log"
                )
            step_of[hit] = j
        keep = step_of >= 0
        if not np.all(keep):
            ids, times, step_of = ids[keep], times[keep], step_of[keep]
        user_ids, depth = _depths(ids, times, step_of, self.window_seconds, len(self.steps))
        return FunnelResult(steps=self.steps, users=user_ids, depth=depth)


def _seconds(at: ArrayLike) -> NDArray[np.int64]:
    raw = at.to_numpy() if hasattr(at, "to_numpy") else at
    arr = np.asarray(raw)
    if arr.dtype.kind in "iuf":
        days = np.asarray(arr, dtype=np.float64)
        i = first_index(~np.isfinite(days))
        if i >= 0:
            raise InvalidInputError(f"'at' must be finite (got {float(days[i])!r} at index {i})")
        seconds: NDArray[np.int64] = np.round(days * SECONDS_PER_DAY).astype(np.int64)
        return seconds
    return as_datetime64(at, "at", unit="s").astype(np.int64)


def _depths(
    ids: np.ndarray, t: NDArray[np.int64], step: NDArray[np.int64], window: int, n_steps: int
) -> tuple[np.ndarray, NDArray[np.int8]]:
    """Per-user furthest step (1..n_steps; 0 when the first step never happens).

    The arrays are fresh copies made by the caller and are reused in place.
    """
    t -= t.min()
    span = int(t.max()) + 1
    if ids.dtype.kind in "iu":
        id_min = int(ids.min())
        user_num = ids - id_min
    else:  # strings: dense codes first
        id_min = 0
        labels, user_num = np.unique(ids, return_inverse=True)
        user_num = user_num.ravel().astype(np.int64)
    n_ids = int(user_num.max()) + 1
    # Users are spaced ``stride`` apart on one axis: position = user * stride + t. A chain start
    # kept on that axis can never satisfy another user's window, so one running maximum over
    # all events serves every user at once.
    stride = span + window + 1
    if n_ids * stride * n_steps < 2**62:
        # One in-place sort of a packed (user, time, step) key, unpacked afterwards.
        key = user_num
        key *= stride
        key += t
        key *= n_steps
        key += step
        key.sort()
        step = (key % n_steps).astype(np.int8)
        pos = np.floor_divide(key, n_steps, out=key)
    else:  # pragma: no cover - needs astronomically long logs
        order = np.lexsort((step, t, user_num))
        step = step[order].astype(np.int8)
        pos = user_num[order] * stride + t[order]
    user_of = pos // stride
    new_user = np.empty(pos.shape[0], dtype=bool)
    new_user[0] = True
    np.not_equal(user_of[1:], user_of[:-1], out=new_user[1:])
    first_rows = np.flatnonzero(new_user)
    user_ids = user_of[first_rows]
    user_ids = user_ids + id_min if ids.dtype.kind in "iu" else labels[user_ids]
    code = np.cumsum(new_user, dtype=np.int64)
    code -= 1
    del user_of, new_user
    depth = np.zeros(first_rows.shape[0], dtype=np.int8)
    is_step = step == 0
    depth[code[is_step]] = 1
    none = -window - 2  # below pos - window for every event: no chain
    start = np.where(is_step, pos, none)  # latest chain start ending here, on the user axis
    lower = pos - window
    for j in range(1, n_steps):
        np.maximum.accumulate(start, out=start)  # now: best start among earlier step j-1 ends
        ok = step == j
        ok &= start >= lower
        if not np.any(ok):
            break
        depth[code[ok]] = j + 1
        start[~ok] = none
    return user_ids, depth


@attrs.frozen(eq=False, repr=False)
class FunnelResult(ColumnarTable):
    """How far each user got, and the per-step counts and rates.

    As a table (:meth:`columns`, ``r["reached"]``, :meth:`~ColumnarTable.to_dict`,
    :meth:`~ColumnarTable.to_pandas`, the notebook display) it has one row per step:
    ``step, reached, conversion, overall, drop_off``. The per-user depths are the attributes
    ``users`` and ``depth``.

    Attributes
    ----------
    steps : tuple of str
    users : numpy.ndarray
        The users with at least one funnel event, sorted.
    depth : numpy.ndarray
        Number of steps each user completed in order within the window (0: never took the first).

    Examples
    --------
    >>> r = FunnelResult(steps=("a", "b"), users=np.array([1, 2, 3]), depth=np.array([2, 1, 1]))
    >>> r.n_reached.tolist(), r.drop_off().tolist(), round(r.end_to_end(), 4)
    ([3, 1], [0, 2], 0.3333)
    >>> r["reached"].tolist(), len(r)
    ([3, 1], 2)
    """

    steps: tuple[str, ...]
    users: NDArray[np.int64] | NDArray[np.str_]
    depth: NDArray[np.int8]

    def columns(self) -> dict[str, NDArray[np.generic]]:
        """The per-step table: ``step, reached, conversion, overall, drop_off``, one row per step.

        Examples
        --------
        >>> r = FunnelResult(("a", "b"), np.arange(2), np.array([2, 1]))
        >>> {k: v.tolist() for k, v in r.columns().items()}  # doctest: +NORMALIZE_WHITESPACE
        {'step': ['a', 'b'], 'reached': [2, 1], 'conversion': [1.0, 0.5], 'overall': [1.0, 0.5],
         'drop_off': [0, 1]}
        """
        values = (
            np.array(self.steps, dtype=object),
            self.n_reached,
            self.conversion(),
            self.overall(),
            self.drop_off(),
        )
        return dict(zip(STEP_COLUMNS, values, strict=True))

    @property
    def n_reached(self) -> NDArray[np.int64]:
        """Users who reached each step.

        Returns
        -------
        numpy.ndarray of int

        Examples
        --------
        >>> FunnelResult(("a", "b"), np.array([1, 2]), np.array([2, 0])).n_reached.tolist()
        [1, 1]
        """
        counts = np.bincount(self.depth.astype(np.int64), minlength=len(self.steps) + 1)
        return np.cumsum(counts[::-1])[::-1][1:]

    def step_index(self, step: str | int) -> int:
        """Position of a step given by name or index.

        Parameters
        ----------
        step : str or int
            A step's name, or its index (negative indices count from the last step).

        Returns
        -------
        int
            The step's position in :attr:`steps`, from 0.

        Raises
        ------
        InvalidInputError
            A name that is not a step of the funnel, or an index out of range.

        Examples
        --------
        >>> r = FunnelResult(("view", "pay"), np.array([1]), np.array([2]))
        >>> r.step_index("pay"), r.step_index(-1)
        (1, 1)
        """
        if isinstance(step, str):
            if step not in self.steps:
                raise InvalidInputError(
                    f"'step' must be one of the funnel's steps {list(self.steps)} (got {step!r})"
                )
            return self.steps.index(step)
        n = len(self.steps)
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not -n <= step < n:
            raise InvalidInputError(f"'step' must be a step name or an index < {n} (got {step!r})")
        return int(step) % n

    def conversion(self) -> NDArray[np.float64]:
        """Step conversion: reached step k over reached step k-1 (1.0 for the first step).

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> FunnelResult(("a", "b"), np.arange(4), np.array([2, 1, 1, 2])).conversion().tolist()
        [1.0, 0.5]
        """
        n = self.n_reached.astype(np.float64)
        prev = np.concatenate([[n[0]], n[:-1]])
        rate: NDArray[np.float64] = np.divide(n, prev, out=np.zeros_like(n), where=prev > 0)
        return rate

    def overall(self) -> NDArray[np.float64]:
        """Share of the users who took the first step that reached each step.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> FunnelResult(("a", "b", "c"), np.arange(4), np.array([3, 1, 2, 2])).overall().tolist()
        [1.0, 0.75, 0.25]
        """
        n = self.n_reached.astype(np.float64)
        share: NDArray[np.float64] = n / n[0] if n[0] > 0 else np.zeros_like(n)
        return share

    def drop_off(self) -> NDArray[np.int64]:
        """Users lost at each step (reached the previous step but not this one; 0 for the first).

        Returns
        -------
        numpy.ndarray of int

        Examples
        --------
        >>> FunnelResult(("a", "b"), np.arange(3), np.array([2, 1, 1])).drop_off().tolist()
        [0, 2]
        """
        n = self.n_reached
        return np.concatenate([[0], n[:-1] - n[1:]])

    def end_to_end(self) -> float:
        """Share of the users who took the first step that completed the last.

        Returns
        -------
        float

        Examples
        --------
        >>> FunnelResult(("a", "b"), np.arange(4), np.array([2, 1, 1, 2])).end_to_end()
        0.5
        """
        return float(self.overall()[-1])

    def rows(self) -> list[tuple[str, int, float, float, int]]:
        """One row per step: name, reached, conversion, overall, drop-off.

        Returns
        -------
        list of tuple

        Examples
        --------
        >>> FunnelResult(("a", "b"), np.arange(2), np.array([2, 1])).rows()
        [('a', 2, 1.0, 1.0, 0), ('b', 1, 0.5, 0.5, 1)]
        """
        conv, over, drop = self.conversion(), self.overall(), self.drop_off()
        return [
            (s, int(self.n_reached[j]), float(conv[j]), float(over[j]), int(drop[j]))
            for j, s in enumerate(self.steps)
        ]

    def __repr__(self) -> str:
        return f"FunnelResult({' > '.join(self.steps)}; reached {self.n_reached.tolist()})"


def end_to_end_rate(rates: ArrayLike) -> float:
    """End-to-end conversion of a flow: the product of its step conversion rates.

    Parameters
    ----------
    rates : array-like
        Conversion of each step, in [0, 1].

    Returns
    -------
    float
        The share of those entering the first step who complete the last, in [0, 1].

    Raises
    ------
    InvalidInputError
        Empty, or a rate outside [0, 1].

    Examples
    --------
    >>> round(end_to_end_rate([0.8, 0.5, 0.9]), 4)
    0.36
    """
    r = _rates(rates, "rates")
    return float(np.prod(r))


def _rates(values: ArrayLike, name: str) -> NDArray[np.float64]:
    r: NDArray[np.float64] = as_float_array(np.atleast_1d(values), name, minimum=0)
    check_nonempty(r, name)
    i = first_index(r > 1)
    if i >= 0:
        raise InvalidInputError(f"'{name}' must be <= 1 (got {float(r[i])!r} at index {i})")
    return r


def split_step(rates: ArrayLike, step: int, into: ArrayLike) -> float:
    """Expected end-to-end rate when step ``step`` is replaced by two (or more) guided steps.

    Parameters
    ----------
    rates : array-like
        Conversion of each step of the current flow, in [0, 1].
    step : int
        Index of the step to split.
    into : array-like
        Conversion of each of the new sub-steps, in [0, 1].

    Returns
    -------
    float
        ``prod(rates) / rates[step] * prod(into)``, computed without dividing.

    Raises
    ------
    InvalidInputError
        Bad rates or a step index out of range.

    Notes
    -----
    Splitting a step pays only when the sub-steps' product beats the step it replaces: with two
    equal sub-steps each must convert better than :math:`\\sqrt{r}`. A one-shot "add us on WeCom
    and join the group" at 60% split into "add on WeCom" (90%) then a guided "join the group"
    (85%) lifts that stage to 76.5%.

    Examples
    --------
    >>> round(split_step([0.6, 0.5], step=0, into=[0.9, 0.85]), 4)
    0.3825
    """
    r = _rates(rates, "rates")
    sub = _rates(into, "into")
    n = r.shape[0]
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step < n:
        raise InvalidInputError(f"'step' must be an index in 0..{n - 1} (got {step!r})")
    return float(np.prod(np.delete(r, step)) * np.prod(sub))
