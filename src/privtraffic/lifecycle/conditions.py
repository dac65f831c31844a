"""Guards over a user's event facts: counts, sums, active days and latest values in windows.

A *fact* is one number about a user's events as of a time ``t``: how many events of some kinds
fall in the rolling window ``(t - window, t]`` (or ever, when the window is ``None``), their summed
values, the number of distinct calendar days with such an event, or the value of the latest one.
A *condition* compares facts with thresholds and combines comparisons with ``&`` and ``|``;
:func:`ever` makes a condition sticky (it holds from the first time its argument held).

Conditions are plain frozen values. They never see the wall clock: the engine evaluates them at
the times it is asked about, either one user at a time (:mod:`~privtraffic.lifecycle.replay`) or
for a whole population at once (:mod:`~privtraffic.lifecycle.classify`), with the same result.

Examples
--------
>>> from privtraffic.lifecycle.conditions import count
>>> purchases = count("purchase", window_days=90)
>>> rule = (purchases >= 2) & (count("review", "referral_purchase", window_days=90) >= 1)
>>> print(rule.describe())
count(purchase, 90d) ≥ 2 and count(referral_purchase|review, 90d) ≥ 1
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Literal, Protocol, SupportsFloat, TypeVar, Union

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._validation import SECONDS_PER_DAY
from privtraffic.errors import InvalidDefinitionError

__all__ = [
    "MICRO",
    "AllOf",
    "AnyOf",
    "Condition",
    "Ever",
    "Fact",
    "FactSource",
    "Ratio",
    "Threshold",
    "count",
    "distinct_days",
    "ever",
    "latest",
    "total",
]

#: Event values are summed exactly in integer millionths (so that ``sum >= 500`` is exact).
MICRO = 1_000_000

Measure = Literal["count", "sum", "days", "last"]
_Time = TypeVar("_Time", int, NDArray[np.int64])
_MEASURES = ("count", "sum", "days", "last")


def _kinds(kinds: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    out = tuple(sorted(set(kinds)))
    if not out:
        raise InvalidDefinitionError("a fact needs at least one event kind")
    for k in out:
        if not isinstance(k, str) or not k:
            raise InvalidDefinitionError(f"event kinds must be non-empty strings (got {k!r})")
    return out


def _window(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise InvalidDefinitionError(f"'window_days' must be > 0 (got {value!r})")
    if value * SECONDS_PER_DAY != round(value * SECONDS_PER_DAY):
        raise InvalidDefinitionError(
            f"'window_days' must be a whole number of seconds (got {value!r})"
        )
    return value


@attrs.frozen(order=False)
class Fact:
    """One number about a user's events as of the evaluation time ``t``.

    Build facts with :func:`count`, :func:`total`, :func:`distinct_days` and :func:`latest`, then
    compare them (``>=``, ``<``) or divide one count by another to get a :class:`Condition`.

    Parameters
    ----------
    kinds : tuple of str
        The event kinds the fact looks at (sorted, unique).
    measure : {"count", "sum", "days", "last"}
        ``count`` of events; ``sum`` of their values; ``days``: distinct calendar days with an
        event; ``last``: the value of the latest event.
    window_days : float or None
        Rolling window: events with ``t - window < at <= t`` count. ``None`` looks at every event
        up to ``t``. For ``days`` the window is the last ``window_days`` calendar days, today
        included, and must be whole days.

    Examples
    --------
    >>> f = Fact(("purchase",), "count", 90)
    >>> f.window_seconds
    7776000
    >>> print(f >= 1)
    count(purchase, 90d) ≥ 1
    """

    kinds: tuple[str, ...] = attrs.field(converter=_kinds)
    measure: Measure = attrs.field()
    window_days: float | None = attrs.field(default=None, converter=_window)

    @measure.validator
    def _check_measure(self, attribute: attrs.Attribute[Measure], value: str) -> None:
        if value not in _MEASURES:
            raise InvalidDefinitionError(f"'measure' must be one of {_MEASURES} (got {value!r})")
        if value == "days" and self.window_days is not None and self.window_days % 1:
            raise InvalidDefinitionError(
                f"'window_days' of a days fact must be whole days (got {self.window_days!r})"
            )

    @property
    def window_seconds(self) -> int | None:
        """The window in seconds (``None`` for all history).

        Returns
        -------
        int or None

        Examples
        --------
        >>> count("visit", window_days=1).window_seconds
        86400
        """
        if self.window_days is None:
            return None
        return round(self.window_days * SECONDS_PER_DAY)

    def describe(self) -> str:
        """A short human-readable name such as ``count(purchase, 90d)``.

        Returns
        -------
        str

        Examples
        --------
        >>> total("spend", window_days=30).describe()
        'sum(spend, 30d)'
        """
        window = "ever" if self.window_days is None else f"{self.window_days:g}d"
        return f"{self.measure}({'|'.join(self.kinds)}, {window})"

    def __str__(self) -> str:
        return self.describe()

    def __ge__(self, other: float) -> Threshold:
        return Threshold(self, at_least=other)

    def __lt__(self, other: float) -> Threshold:
        return Threshold(self, below=other)

    def __truediv__(self, other: Fact) -> _Quotient:
        return _Quotient(self, other)


def _first_day(fact: Fact, t: _Time) -> _Time:
    """The first calendar day (days since 1970-01-01) a windowed ``days`` fact counts at time
    ``t`` (seconds): the day of ``t`` and the ``window_days - 1`` days before it."""
    return t // SECONDS_PER_DAY - (int(fact.window_days or 0) - 1)


@attrs.frozen(order=False)
class _Quotient:
    numerator: Fact
    denominator: Fact

    def __ge__(self, other: float) -> Ratio:
        return Ratio(self.numerator, self.denominator, other)


def count(*kinds: str, window_days: float | None = None) -> Fact:
    """The number of events of ``kinds`` in the window (or ever).

    Parameters
    ----------
    *kinds : str
        Event kinds.
    window_days : float, optional
        Rolling window ``(t - window, t]``; ``None`` for all history up to ``t``.

    Returns
    -------
    Fact

    Examples
    --------
    >>> print(count("purchase", window_days=90) >= 2)
    count(purchase, 90d) ≥ 2
    """
    return Fact(kinds, "count", window_days)


def total(*kinds: str, window_days: float | None = None) -> Fact:
    """The summed values (amounts) of events of ``kinds`` in the window (or ever).

    The parameters and the result are those of :func:`count`. Values are summed exactly in
    integer millionths (:data:`MICRO`), so a threshold such as ``total("spend") >= 500`` holds
    for 200.1 + 299.9 whichever way the engine adds them.

    Examples
    --------
    >>> print(total("spend", window_days=30) >= 500)
    sum(spend, 30d) ≥ 500
    """
    return Fact(kinds, "sum", window_days)


def distinct_days(*kinds: str, window_days: int | None = None) -> Fact:
    """The number of distinct calendar days with an event of ``kinds``.

    As :func:`count`, except that ``window_days`` (whole days) looks at the last
    ``window_days`` calendar days, the day of ``t`` included (events up to ``t``).

    Examples
    --------
    >>> print(distinct_days("checkin", window_days=30) >= 7)
    days(checkin, 30d) ≥ 7
    """
    return Fact(kinds, "days", window_days)


def latest(*kinds: str, window_days: float | None = None) -> Fact:
    """The value of the latest event of ``kinds`` (a reported metric such as a group size).

    The parameters and the result are those of :func:`count`: only an event in the window
    counts, and a comparison with a latest value holds only when there is such an event. Among
    events at the same instant the latest is the one with the greatest kind name, then event id
    (or value).

    Examples
    --------
    >>> print(latest("fan_group_size") >= 100)
    last(fan_group_size, ever) ≥ 100
    """
    return Fact(kinds, "last", window_days)


def _finite(value: SupportsFloat | str, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InvalidDefinitionError(f"{name!r} must be a number (got {value!r})") from None
    if not math.isfinite(out):
        raise InvalidDefinitionError(f"{name!r} must be finite (got {value!r})")
    return out


def _at_least(value: SupportsFloat | str | None) -> float | None:
    return None if value is None else _finite(value, "at_least")


def _below(value: SupportsFloat | str | None) -> float | None:
    return None if value is None else _finite(value, "below")


def _ratio_at_least(value: SupportsFloat | str) -> float:
    return _finite(value, "at_least")


class _ConditionOps:
    """``&`` and ``|`` for every condition."""

    def __and__(self, other: Condition) -> AllOf:
        return AllOf((self, other))

    def __or__(self, other: Condition) -> AnyOf:
        return AnyOf((self, other))

    def describe(self) -> str:
        """The condition as text (what ``str(condition)`` prints).

        Returns
        -------
        str
            Comparisons joined by ``and`` / ``or``; an any-of inside an all-of is put in
            parentheses.

        Examples
        --------
        >>> (count("purchase", window_days=90) >= 2).describe()
        'count(purchase, 90d) ≥ 2'
        >>> (count("redeem", window_days=30) / count("claim", window_days=30) >= 0.3).describe()
        'count(redeem, 30d) / count(claim, 30d) ≥ 0.3'
        >>> ((count("purchase") >= 1) & (count("review") >= 1)).describe()
        'count(purchase, ever) ≥ 1 and count(review, ever) ≥ 1'
        >>> ((count("purchase") >= 1) | (count("review") >= 1)).describe()
        'count(purchase, ever) ≥ 1 or count(review, ever) ≥ 1'
        >>> ever(count("purchase") >= 1).describe()
        'ever(count(purchase, ever) ≥ 1)'
        """
        return self._text()

    def _text(self) -> str:
        """The text of :meth:`describe`, written by each kind of condition."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.describe()


@attrs.frozen(str=False)
class Threshold(_ConditionOps):
    """``at_least <= fact < below`` (either bound may be left out).

    Parameters
    ----------
    fact : Fact
        The number compared.
    at_least : float, optional
        Lower bound, inclusive.
    below : float, optional
        Upper bound, exclusive.

    Examples
    --------
    >>> t = Threshold(count("purchase", window_days=90), at_least=1, below=2)
    >>> print(t)
    1 ≤ count(purchase, 90d) < 2
    """

    fact: Fact
    at_least: float | None = attrs.field(default=None, converter=_at_least)
    below: float | None = attrs.field(default=None, converter=_below)

    def __attrs_post_init__(self) -> None:
        if self.at_least is None and self.below is None:
            raise InvalidDefinitionError(f"a threshold on {self.fact} needs 'at_least' or 'below'")

    def _text(self) -> str:
        if self.below is None:
            return f"{self.fact} ≥ {self.at_least:g}"
        if self.at_least is None:
            return f"{self.fact} < {self.below:g}"
        return f"{self.at_least:g} ≤ {self.fact} < {self.below:g}"

    def scaled_bounds(self) -> tuple[float | int | None, float | int | None]:
        """The bounds in the units the engine compares (millionths for sums and latest values).

        Returns
        -------
        tuple
            ``(at_least, below)``.

        Examples
        --------
        >>> (total("spend") >= 1.5).scaled_bounds()
        (1500000, None)
        """
        if self.fact.measure in ("sum", "last"):
            lo = None if self.at_least is None else round(self.at_least * MICRO)
            hi = None if self.below is None else round(self.below * MICRO)
            return lo, hi
        return self.at_least, self.below


@attrs.frozen(str=False)
class Ratio(_ConditionOps):
    """``numerator / denominator >= at_least`` over two counts; false when the denominator is 0.

    Compared exactly: ``numerator * q >= p * denominator`` with ``at_least = p / q`` read from
    its decimal form, so a 30 % threshold holds at exactly 3 of 10.

    Parameters
    ----------
    numerator, denominator : Fact
        Two ``count`` or ``days`` facts.
    at_least : float
        The smallest ratio that passes.

    Examples
    --------
    >>> r = count("coupon_redeem", window_days=30) / count("coupon_claim", window_days=30) >= 0.3
    >>> r.fraction
    (3, 10)
    """

    numerator: Fact
    denominator: Fact
    at_least: float = attrs.field(converter=_ratio_at_least)

    def __attrs_post_init__(self) -> None:
        for side in (self.numerator, self.denominator):
            if side.measure not in ("count", "days"):
                raise InvalidDefinitionError(
                    f"a ratio compares counts or days (got {side.describe()})"
                )

    @property
    def fraction(self) -> tuple[int, int]:
        """``at_least`` as an exact fraction ``(p, q)``.

        Returns
        -------
        tuple of int

        Examples
        --------
        >>> (count("redeem") / count("claim") >= 0.25).fraction
        (1, 4)
        """
        frac = Fraction(repr(self.at_least)).limit_denominator(10**9)
        return frac.numerator, frac.denominator

    def _text(self) -> str:
        return f"{self.numerator} / {self.denominator} ≥ {self.at_least:g}"


def _flatten(kind: type[AllOf | AnyOf], items: Iterable[object]) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for item in items:
        if isinstance(item, kind):
            out.extend(item.items)
        elif isinstance(item, (Threshold, Ratio, AllOf, AnyOf, Ever)):
            out.append(item)
        else:
            raise InvalidDefinitionError(f"not a condition: {item!r}")
    return tuple(out)


def _all_of(items: Iterable[object]) -> tuple[Condition, ...]:
    return _flatten(AllOf, items)


def _any_of(items: Iterable[object]) -> tuple[Condition, ...]:
    return _flatten(AnyOf, items)


@attrs.frozen(str=False)
class AllOf(_ConditionOps):
    """Every one of ``items`` holds (built with ``a & b``).

    Examples
    --------
    >>> c = (count("purchase") >= 1) & (count("review") >= 1)
    >>> len(c.items)
    2
    """

    items: tuple[Condition, ...] = attrs.field(converter=_all_of)

    def _text(self) -> str:
        return " and ".join(
            f"({c.describe()})" if isinstance(c, AnyOf) else c.describe() for c in self.items
        )


@attrs.frozen(str=False)
class AnyOf(_ConditionOps):
    """At least one of ``items`` holds (built with ``a | b``).

    Examples
    --------
    >>> print((count("join") >= 1) | (count("purchase") >= 1))
    count(join, ever) ≥ 1 or count(purchase, ever) ≥ 1
    """

    items: tuple[Condition, ...] = attrs.field(converter=_any_of)

    def _text(self) -> str:
        return " or ".join(c.describe() for c in self.items)


@attrs.frozen(str=False)
class Ever(_ConditionOps):
    """``condition`` has held at some time up to ``t`` (a sticky flag such as granted rights).

    Examples
    --------
    >>> print(ever(distinct_days("checkin", window_days=30) >= 7))
    ever(days(checkin, 30d) ≥ 7)
    """

    condition: Condition

    def _text(self) -> str:
        return f"ever({self.condition.describe()})"


def ever(condition: Condition) -> Ever:
    """Make ``condition`` sticky: it holds from the first time ``condition`` held.

    Parameters
    ----------
    condition : Condition

    Returns
    -------
    Ever

    Examples
    --------
    >>> rights = ever((distinct_days("checkin", window_days=30) >= 7) & (total("spend") >= 500))
    >>> isinstance(rights, Ever)
    True
    """
    return Ever(condition)


Condition = Union[Threshold, Ratio, AllOf, AnyOf, Ever]  # noqa: UP007 (a runtime alias)


def facts_of(condition: Condition) -> list[Fact]:
    """The facts a condition reads, in first-use order, without repeats.

    Examples
    --------
    >>> c = (count("purchase") >= 1) | (count("purchase") >= 2)
    >>> [f.describe() for f in facts_of(c)]
    ['count(purchase, ever)']
    """
    out: list[Fact] = []

    def walk(c: Condition) -> None:
        if isinstance(c, Threshold):
            facts = [c.fact]
        elif isinstance(c, Ratio):
            facts = [c.numerator, c.denominator]
        elif isinstance(c, Ever):
            walk(c.condition)
            return
        else:
            for item in c.items:
                walk(item)
            return
        for f in facts:
            if f not in out:
                out.append(f)

    walk(condition)
    return out


def evers_of(condition: Condition) -> list[Ever]:
    """The :class:`Ever` nodes inside a condition, innermost first, without repeats.

    Examples
    --------
    >>> len(evers_of(ever(count("kol_grant") >= 1) | (count("gift_pack") >= 1)))
    1
    """
    out: list[Ever] = []

    def walk(c: Condition) -> None:
        if isinstance(c, Ever):
            walk(c.condition)
            if c not in out:
                out.append(c)
        elif isinstance(c, (AllOf, AnyOf)):
            for item in c.items:
                walk(item)

    walk(condition)
    return out


#: A fact's value: a number for one user, an array for many (millionths for sums and values).
FactValue = Union[int, NDArray[np.int64]]  # noqa: UP007 (a runtime alias)
#: Whether a condition holds: for one user or, elementwise, for many.
Truth = Union[bool, np.bool_, NDArray[np.bool_]]  # noqa: UP007 (a runtime alias)


class FactSource(Protocol):
    """What :func:`holds` reads: fact values at the evaluation time(s).

    The engine has one for a single user (:mod:`~privtraffic.lifecycle.replay`) and two for a
    population (:mod:`~privtraffic.lifecycle.classify`).

    Examples
    --------
    >>> class OneUser:
    ...     def value(self, fact): return 2
    ...     def present(self, fact): return True
    ...     def ever(self, node): return False
    >>> bool(holds(count("purchase") >= 2, OneUser()))
    True
    """

    def value(self, fact: Fact) -> FactValue:
        """The fact's value (a ``count`` or ``days`` number, or millionths for sums and values)."""

    def present(self, fact: Fact) -> Truth:
        """Whether a ``last`` fact has an event in its window."""

    def ever(self, node: Ever) -> Truth:
        """The sticky flag of an :class:`Ever`: its condition held at some time up to now."""


def holds(condition: Condition, facts: FactSource) -> Truth:
    """Evaluate ``condition`` over fact values (scalars for one user, arrays for many).

    Parameters
    ----------
    condition : Condition
    facts : FactSource
        Provides ``value(fact)`` (a number or an array), ``present(fact)`` (whether a latest
        value exists) and ``ever(node)`` (the sticky flag of an :class:`Ever`).

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> class Facts:
    ...     def value(self, fact):
    ...         return np.array([0, 1, 2])
    >>> holds(count("purchase") >= 1, Facts()).tolist()
    [False, True, True]
    """
    if isinstance(condition, Threshold):
        value = facts.value(condition.fact)
        lo, hi = condition.scaled_bounds()
        out: Truth = True
        if lo is not None:
            out = value >= lo
        if hi is not None:
            out = out & (value < hi)
        if condition.fact.measure == "last":
            out = out & facts.present(condition.fact)
        return out
    if isinstance(condition, Ratio):
        p, q = condition.fraction
        num = facts.value(condition.numerator)
        den = facts.value(condition.denominator)
        ratio: Truth = (den > 0) & (num * q >= den * p)
        return ratio
    if isinstance(condition, Ever):
        return facts.ever(condition)
    if isinstance(condition, AllOf):
        every = holds(condition.items[0], facts)
        for item in condition.items[1:]:
            every = every & holds(item, facts)
        return every
    some = holds(condition.items[0], facts)
    for item in condition.items[1:]:
        some = some | holds(item, facts)
    return some
