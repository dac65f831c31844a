"""One user at a time: step through events and the lapses between them, logging transitions.

:func:`step` is what a live service calls for each incoming event: it takes a :class:`TierState`
and returns a new one (states are immutable and serialise to JSON). The state keeps only what the
machine's conditions need: the events still inside a window, running totals for all-history
facts, the latest value of ``latest`` facts, and the sticky flags of ``ever`` conditions.

:func:`replay` sorts one user's history, folds :func:`step` over it and advances to ``as_of``.
It computes the same tier as the vectorised :func:`~privtraffic.lifecycle.classify.classify`
by a different road (explicit expiry times instead of window searches), which the test suite
checks on random event streams.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, Union, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike

from privtraffic._deprecation import renamed_keywords
from privtraffic._validation import SECONDS_PER_DAY, as_ids
from privtraffic.errors import InvalidInputError, TransitionNotAllowed
from privtraffic.lifecycle.conditions import (
    MICRO,
    AllOf,
    Condition,
    Ever,
    Fact,
    Ratio,
    Threshold,
)
from privtraffic.lifecycle.events import (
    MAX_ABS_VALUE,
    Id,
    Moment,
    as_time,
    check_lengths,
    event_times,
    kind_codes,
    value_micros,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from privtraffic.lifecycle.machine import Machine

__all__ = [
    "Event",
    "Replay",
    "StateRecord",
    "TierState",
    "Transition",
    "TransitionRecord",
    "advance",
    "new_state",
    "replay",
    "step",
]

_STATE_VERSION = 1

#: What a state remembers for one fact, as stored: nested tuples of integers (and ids).
Frozen = Union[int, str, None, tuple["Frozen", ...]]  # noqa: UP007 (a runtime alias)
#: The same as JSON reads it back: nested lists.
Thawed = Union[int, str, None, list["Thawed"]]  # noqa: UP007 (a runtime alias)

_TransitionBase = TypedDict(
    "_TransitionBase",
    {"user": "str | int | None", "from": "str | None", "to": "str | None", "at": str, "cause": str},
)


class TransitionRecord(_TransitionBase, total=False):
    """A :class:`Transition` as JSON-ready data (``from`` and ``to`` are the tiers).

    Examples
    --------
    >>> record: TransitionRecord = {"user": "u1", "from": None, "to": "basic",
    ...                             "at": "2024-01-01T00:00:00", "cause": "event"}
    >>> Transition.from_dict(record).to_tier
    'basic'
    """

    event: str | None
    event_id: str | int | None


class StateRecord(TypedDict):
    """A :class:`TierState` as JSON-ready data, as :meth:`TierState.to_json` writes it.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> record: StateRecord = json.loads(relationship_ladder().new_state("u1").to_json())
    >>> record["user"], record["tier"]
    ('u1', None)
    """

    version: int
    machine: str
    user: str | int | None
    at: str | None
    tier: str | None
    level: int
    peak: int
    ever_before: list[bool]
    ever_now: list[bool]
    fact_names: list[str]
    facts: list[Thawed]
    recent: list[Thawed]
    transitions: list[TransitionRecord]


def _plain(value: Id | None) -> str | int | None:
    if isinstance(value, np.generic):
        plain: str | int = value.item()
        return plain
    return value


def _iso(t: int | None) -> str | None:
    return None if t is None else str(np.datetime64(t, "s"))


def _event_time(value: Moment) -> np.datetime64:
    return np.datetime64(as_time(value, "at"), "s")


@attrs.frozen
class Event:
    """One event for :meth:`Machine.step`.

    Parameters
    ----------
    kind : str
        The event kind.
    at : datetime-like
        When it happened (``datetime64``, ``datetime`` or ISO string).
    value : float
        Its value (an amount, a group size); 0 by default.
    event_id : str or int, optional
        Its id; a second event with the same kind, time and id is ignored.

    Examples
    --------
    >>> str(Event("purchase", "2024-01-02T10:00", value=99.0).at)
    '2024-01-02T10:00:00'
    """

    kind: str
    at: np.datetime64 = attrs.field(converter=_event_time)
    value: float = 0.0
    event_id: Id | None = None


@attrs.frozen
class Transition:
    """One change of tier: who, from, to, why and when.

    Parameters
    ----------
    user : object
        The user's id (``None`` when the state was made without one).
    from_tier, to_tier : str or None
        The tiers before and after (``None``: no tier).
    at : numpy.datetime64
        When it happened.
    cause : {"event", "lapse", "refresh"}
        An event arrived; a window passed; a scheduled refresh demoted.
    event : str or None
        The kind of the event that caused it (``cause == "event"``).
    event_id : object
        That event's id, if it had one.

    Examples
    --------
    >>> t = Transition("u1", "buyer", "member", np.datetime64("2024-04-01", "s"), "lapse")
    >>> t.why
    'lapse'
    >>> Transition.from_dict(t.to_dict()) == t
    True
    """

    user: Id | None
    from_tier: str | None
    to_tier: str | None
    at: np.datetime64
    cause: str
    event: str | None = None
    event_id: Id | None = None

    @property
    def why(self) -> str:
        """A short reason: the event kind, ``"lapse"`` or ``"refresh"``.

        Returns
        -------
        str

        Examples
        --------
        >>> Transition("u", None, "basic", np.datetime64("2024-01-01", "s"), "event", "connect").why
        'connect'
        """
        return self.event if self.cause == "event" and self.event else self.cause

    def to_dict(self) -> TransitionRecord:
        """The transition as JSON-ready data.

        Returns
        -------
        TransitionRecord

        Examples
        --------
        >>> t = Transition("u", "buyer", "member", np.datetime64("2024-04-01", "s"), "lapse")
        >>> t.to_dict()["at"]
        '2024-04-01T00:00:00'
        """
        return {
            "user": _plain(self.user),
            "from": self.from_tier,
            "to": self.to_tier,
            "at": str(self.at),
            "cause": self.cause,
            "event": self.event,
            "event_id": _plain(self.event_id),
        }

    @classmethod
    def from_dict(cls, data: TransitionRecord) -> Self:
        """Rebuild a transition from :meth:`to_dict` output.

        Returns
        -------
        Transition

        Examples
        --------
        >>> t = Transition.from_dict({"user": 1, "from": None, "to": "basic",
        ...                           "at": "2024-01-01T00:00:00", "cause": "event"})
        >>> t.to_tier
        'basic'
        """
        return cls(
            user=data["user"],
            from_tier=data["from"],
            to_tier=data["to"],
            at=np.datetime64(data["at"], "s"),
            cause=data["cause"],
            event=data.get("event"),
            event_id=data.get("event_id"),
        )


def _freeze(value: Thawed) -> Frozen:
    if isinstance(value, list):
        return tuple([_freeze(v) if isinstance(v, list) else v for v in value])
    return value


def _freeze_all(values: list[Thawed]) -> tuple[Frozen, ...]:
    return tuple([_freeze(v) if isinstance(v, list) else v for v in values])


@attrs.frozen
class TierState:
    """A user's state in a machine at a time: immutable, JSON-serialisable.

    Build the first one with :meth:`Machine.new_state`; :meth:`Machine.step` and
    :meth:`Machine.advance` return new ones. ``transitions`` holds the tier changes made by the
    call that produced this state (append them to an audit log).

    Parameters
    ----------
    machine : str
        The machine's name.
    user : object
        The user's id.
    at : int or None
        The state's time in seconds since 1970 (``None`` before the first event).
    tier : str or None
        The current tier.
    level : int
        The deepest tier whose condition holds now (-1: none).
    peak : int
        Scheduled machines: the highest ``level`` since the last refresh, before now.
    ever_before, ever_now : tuple of bool
        Sticky conditions: held at some earlier instant; holds at the current instant.
    fact_names : tuple of str
        The machine's facts, so that a state is never restored under a machine with other
        windows or thresholds.
    facts : tuple
        What each fact of the machine remembers (events in the window or running totals).
    recent : tuple
        Recently applied events ``(at, kind, tie-break, value)`` to recognise repeats.
    transitions : tuple of Transition
        The tier changes made by the call that returned this state.

    Examples
    --------
    >>> from privtraffic.lifecycle import Event, relationship_ladder
    >>> m = relationship_ladder()
    >>> s = m.step(m.new_state("u1"), Event("purchase", "2024-01-01"))
    >>> s.tier, str(s.time)
    ('buyer', '2024-01-01T00:00:00')
    """

    machine: str
    user: Id | None
    at: int | None
    tier: str | None
    level: int
    peak: int
    ever_before: tuple[bool, ...]
    ever_now: tuple[bool, ...]
    fact_names: tuple[str, ...]
    facts: tuple[Frozen, ...]
    recent: tuple[Frozen, ...]
    transitions: tuple[Transition, ...] = ()

    @property
    def time(self) -> np.datetime64 | None:
        """The state's time as ``datetime64[s]`` (``None`` before the first event).

        Returns
        -------
        numpy.datetime64 or None

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> relationship_ladder().new_state().time is None
        True
        """
        return None if self.at is None else np.datetime64(self.at, "s")

    def to_json(self) -> str:
        """The state as JSON (restore it with :meth:`Machine.state_from_json`).

        Returns
        -------
        str

        Examples
        --------
        >>> from privtraffic.lifecycle import Event, relationship_ladder
        >>> m = relationship_ladder()
        >>> s = m.step(m.new_state("u1"), Event("join", "2024-01-01"))
        >>> '"tier": "member"' in s.to_json()
        True
        """
        data: StateRecord = {
            "version": _STATE_VERSION,
            "machine": self.machine,
            "user": _plain(self.user),
            "at": _iso(self.at),
            "tier": self.tier,
            "level": self.level,
            "peak": self.peak,
            "ever_before": list(self.ever_before),
            "ever_now": list(self.ever_now),
            "fact_names": list(self.fact_names),
            # nested tuples, which JSON writes as the nested lists a record holds
            "facts": cast("list[Thawed]", list(self.facts)),
            "recent": cast("list[Thawed]", list(self.recent)),
            "transitions": [t.to_dict() for t in self.transitions],
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, machine: Machine, text: str) -> Self:
        """Restore a state written by :meth:`to_json` for ``machine``.

        Returns
        -------
        TierState
            Equal to the state that wrote ``text``.

        Raises
        ------
        InvalidInputError
            Malformed JSON, another machine, or facts that do not match the machine.

        Examples
        --------
        >>> from privtraffic.lifecycle import Event, relationship_ladder
        >>> m = relationship_ladder()
        >>> s = m.step(m.new_state("u1"), Event("purchase", "2024-01-01"))
        >>> TierState.from_json(m, s.to_json()).tier
        'buyer'
        """
        try:
            data: StateRecord = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"'text' is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
            raise InvalidInputError(f"'text' is not a version-{_STATE_VERSION} tier state")
        if data.get("machine") != machine.name:
            raise InvalidInputError(
                f"'text' holds a state of machine {data.get('machine')!r}, not {machine.name!r}"
            )
        layout = _layout_of(machine)
        names = list(layout.fact_names)
        if (
            data.get("fact_names") != names
            or len(data["facts"]) != len(names)
            or len(data["ever_now"]) != len(machine.evers)
        ):
            raise InvalidInputError(f"'text' does not match the facts of machine {machine.name!r}")
        tier = data["tier"]
        if tier is not None and tier not in layout.tier_code:
            raise InvalidInputError(f"'text' names an unknown tier {tier!r}")
        at = data["at"]
        return cls(
            machine=data["machine"],
            user=data["user"],
            at=None if at is None else as_time(at, "at"),
            tier=tier,
            level=int(data["level"]),
            peak=int(data["peak"]),
            ever_before=tuple(bool(v) for v in data["ever_before"]),
            ever_now=tuple(bool(v) for v in data["ever_now"]),
            fact_names=layout.fact_names,
            facts=_freeze_all(data["facts"]),
            recent=_freeze_all(data["recent"]),
            transitions=tuple(Transition.from_dict(t) for t in data["transitions"]),
        )


@attrs.frozen
class Replay:
    """The result of :meth:`Machine.replay`: the final tier, every transition, the final state.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> r = relationship_ladder().replay(["join"], ["2024-01-01"])
    >>> r.tier, len(r.transitions)
    ('member', 1)
    """

    tier: str | None
    transitions: tuple[Transition, ...]
    state: TierState


# --- the working memory behind a state ----------------------------------------------------

#: How a fact is kept, as a small code: (the measure, whether it has a window).
_COUNT, _SUM, _COUNT_W, _SUM_W, _DAYS, _DAYS_W, _LAST, _LAST_W = range(8)

#: A compiled condition: fact values, ``last`` presence and sticky flags -> whether it holds.
_Test = Callable[[list[int], list[bool], list[bool]], bool]


def _compile(condition: Condition, facts: tuple[Fact, ...], evers: tuple[Ever, ...]) -> _Test:
    """``condition`` as a closure over positions, with the same truth as
    :func:`~privtraffic.lifecycle.conditions.holds` (which :class:`_Memory` used to call per
    node): bounds scaled once (:meth:`Threshold.scaled_bounds`), ratios compared exactly as
    integers (:attr:`Ratio.fraction`), ``ever`` read from the sticky flags."""
    if isinstance(condition, Threshold):
        i = facts.index(condition.fact)
        lo, hi = condition.scaled_bounds()
        last = condition.fact.measure == "last"
        if hi is None and not last:
            return lambda v, p, e: v[i] >= lo  # type: ignore[operator]
        return lambda v, p, e: (
            (lo is None or v[i] >= lo) and (hi is None or v[i] < hi) and (not last or p[i])
        )
    if isinstance(condition, Ratio):
        num, q = condition.fraction
        a, b = facts.index(condition.numerator), facts.index(condition.denominator)
        return lambda v, p, e: v[b] > 0 and v[a] * q >= v[b] * num
    if isinstance(condition, Ever):
        j = evers.index(condition)
        return lambda v, p, e: e[j]
    parts = [_compile(c, facts, evers) for c in condition.items]
    if isinstance(condition, AllOf):
        return functools.reduce(_both, parts)
    return functools.reduce(_either, parts)


def _both(a: _Test, b: _Test) -> _Test:
    return lambda v, p, e: a(v, p, e) and b(v, p, e)


def _either(a: _Test, b: _Test) -> _Test:
    return lambda v, p, e: a(v, p, e) or b(v, p, e)


class _Layout:
    """What :class:`_Memory` reads of a machine, worked out once per machine: the kind codes,
    how each fact is kept, which facts each kind feeds, and the conditions compiled.

    Immutable after it is built, so one layout serves every thread (:func:`_layout_of`).
    """

    __slots__ = (
        "ever_tests",
        "fact_names",
        "feeds",
        "horizon",
        "kind_code",
        "scheduled",
        "specs",
        "tests",
        "tier_code",
        "tiers",
        "windowed",
    )

    def __init__(self, machine: Machine) -> None:
        facts, evers = machine.facts, machine.evers
        self.kind_code = {k: i for i, k in enumerate(machine.kinds)}
        self.fact_names = tuple(f.describe() for f in facts)
        specs = []
        for f in facts:
            windowed = f.window_days is not None
            if f.measure == "last":
                code = _LAST_W if windowed else _LAST
            elif f.measure == "days":
                code = _DAYS_W if windowed else _DAYS
            elif f.measure == "count":
                code = _COUNT_W if windowed else _COUNT
            else:
                code = _SUM_W if windowed else _SUM
            specs.append((code, f.window_seconds or 0, int(f.window_days or 0)))
        #: Per fact: how it is kept, its window in seconds and in days (0: none).
        self.specs: tuple[tuple[int, int, int], ...] = tuple(specs)
        self.windowed = tuple(i for i, f in enumerate(facts) if f.window_days is not None)
        self.feeds = tuple(
            tuple(i for i, f in enumerate(facts) if kind in f.kinds) for kind in machine.kinds
        )
        windows = [f.window_seconds or 0 for f in facts]
        windows += [int(f.window_days or 0) * SECONDS_PER_DAY for f in facts]
        self.horizon = max(windows, default=0)
        self.tiers = machine.tiers
        self.tier_code = {name: i for i, name in enumerate(self.tiers)}
        self.tests: tuple[_Test | None, ...] = tuple(
            None if t.when is None else _compile(t.when, facts, evers) for t in machine.tier_rules
        )
        self.ever_tests = tuple(_compile(e.condition, facts, evers) for e in evers)
        self.scheduled = machine.refresh_days is not None


#: Layouts by ``id(machine)``, each with a weak reference to its machine: a layout is dropped
#: with its machine, and a new machine at a recycled address never finds a stale one.
_LAYOUTS: dict[int, tuple[weakref.ref[Machine], _Layout]] = {}


def _layout_of(machine: Machine) -> _Layout:
    """The machine's layout, built on first use (two threads racing build equal ones)."""
    key = id(machine)
    found = _LAYOUTS.get(key)
    if found is not None and found[0]() is machine:
        return found[1]
    layout = _Layout(machine)

    def forget(_: weakref.ref[Machine]) -> None:
        _LAYOUTS.pop(key, None)

    _LAYOUTS[key] = (weakref.ref(machine, forget), layout)
    return layout


class _Memory:
    """Working copy of a :class:`TierState` (never escapes this module).

    The facts stay in the state's own form, nested tuples, and a fact is replaced (never
    changed in place) when an event or a lapse changes it, so a step copies only what it
    changes and the state it returns shares the rest with the state it was given.
    """

    __slots__ = (
        "at",
        "ever_before",
        "ever_now",
        "facts",
        "layout",
        "level",
        "log",
        "machine",
        "peak",
        "recent",
        "tier",
        "user",
    )

    def __init__(self, machine: Machine, state: TierState, layout: _Layout) -> None:
        self.machine = machine
        self.layout = layout
        self.user = state.user
        self.at = state.at
        tier = state.tier
        self.tier = -1 if tier is None else layout.tier_code.get(tier, -1)
        if tier is not None and self.tier < 0:
            machine.tier_index(tier)  # raises, naming the tiers there are
        self.level = state.level
        self.peak = state.peak
        self.ever_before = list(state.ever_before)
        self.ever_now = list(state.ever_now)
        self.facts: list[Any] = list(state.facts)
        self.recent: tuple[Any, ...] = state.recent
        self.log: list[Transition] = []

    def freeze(self) -> TierState:
        layout = self.layout
        return TierState(
            machine=self.machine.name,
            user=self.user,
            at=self.at,
            tier=None if self.tier < 0 else layout.tiers[self.tier],
            level=self.level,
            peak=self.peak,
            ever_before=tuple(self.ever_before),
            ever_now=tuple(self.ever_now),
            fact_names=layout.fact_names,
            facts=tuple(self.facts),
            recent=self.recent,
            transitions=tuple(self.log),
        )

    # facts -----------------------------------------------------------------------------

    def values(self) -> tuple[list[int], list[bool]]:
        """Every fact's value now (millionths for sums and latest values) and, for ``last``
        facts, whether there is an event in the window."""
        now = self.at
        assert now is not None
        values: list[int] = []
        present: list[bool] = []
        for (code, w, wd), mem in zip(self.layout.specs, self.facts, strict=True):
            there = True
            if code == _COUNT:
                v = mem[0]
            elif code == _SUM:
                v = mem[1]
            elif code == _COUNT_W:
                edge = now - w
                v = len(mem) if not mem or mem[0][0] > edge else sum(1 for e in mem if e[0] > edge)
            elif code == _SUM_W:
                edge = now - w
                v = sum(e[1] for e in mem if e[0] > edge)
            elif code == _DAYS:
                v = mem[0]
            elif code == _DAYS_W:
                first_day = now // SECONDS_PER_DAY - wd + 1
                v = sum(1 for d in mem if d >= first_day)
            else:  # _LAST, _LAST_W
                there = mem is not None and (code == _LAST or mem[0] > now - w)
                v = mem[3] if there else 0
            values.append(int(v))
            present.append(there)
        return values, present

    def expiries(self, after: int, upto: int) -> set[int]:
        """The instants in ``(after, upto]`` at which an event stops counting."""
        out: set[int] = set()
        for i in self.layout.windowed:
            code, w, wd = self.layout.specs[i]
            mem = self.facts[i]
            if code in (_COUNT_W, _SUM_W):
                out.update(t + w for t, _ in mem if after < t + w <= upto)
            elif code == _DAYS_W:
                out.update(
                    p for p in ((d + wd) * SECONDS_PER_DAY for d in mem) if after < p <= upto
                )
            elif mem is not None and after < mem[0] + w <= upto:  # _LAST_W
                out.add(mem[0] + w)
        return out

    def prune(self) -> None:
        """Forget what no longer counts at the memory's time (a fact kept as it was when
        nothing in it expired)."""
        now = self.at
        assert now is not None
        facts = self.facts
        for i in self.layout.windowed:
            code, w, wd = self.layout.specs[i]
            mem = facts[i]
            if not mem or code == _LAST_W:
                continue
            if code == _DAYS_W:
                first_day = now // SECONDS_PER_DAY - wd + 1
                if min(mem) < first_day:
                    facts[i] = tuple(d for d in mem if d >= first_day)
            else:
                edge = now - w
                if any(e[0] <= edge for e in mem):
                    facts[i] = tuple(e for e in mem if e[0] > edge)
        edge = now - self.layout.horizon
        recent = self.recent
        if recent and any(e[0] < edge for e in recent):
            self.recent = tuple(e for e in recent if e[0] >= edge)

    # evaluation ------------------------------------------------------------------------

    def evaluate(self) -> int:
        """Update the sticky flags and ``level``; return the tier now."""
        layout = self.layout
        values, present = self.values() if self.at is not None else ([], [])
        before, now = self.ever_before, self.ever_now
        flags = [b or n for b, n in zip(before, now, strict=True)]
        for i, test in enumerate(layout.ever_tests):  # innermost first
            now[i] = held = bool(test(values, present, flags))
            flags[i] = before[i] or held
        level = -1
        if self.at is not None:
            for i in range(len(layout.tests) - 1, -1, -1):  # the deepest tier that holds
                rule = layout.tests[i]
                if rule is None or rule(values, present, flags):
                    level = i
                    break
        self.level = level
        if not layout.scheduled:
            return level
        return max(self.peak, level)

    def move(
        self, new_tier: int, cause: str, event: str | None = None, eid: str | int | None = None
    ) -> None:
        if new_tier != self.tier:
            names = self.layout.tiers
            assert self.at is not None
            self.log.append(
                Transition(
                    user=self.user,
                    from_tier=None if self.tier < 0 else names[self.tier],
                    to_tier=None if new_tier < 0 else names[new_tier],
                    at=np.datetime64(self.at, "s"),
                    cause=cause,
                    event=event,
                    event_id=eid,
                )
            )
            self.tier = new_tier

    def advance(self, to: int) -> None:
        if self.at is None or to <= self.at:
            return
        points = self.expiries(self.at, to)
        refreshes = _refreshes(self.machine, self.at, to) if self.layout.scheduled else set()
        points |= refreshes
        # At ``to`` itself, unless something expires or a refresh falls there, every fact has
        # the value it had at the last point, so the evaluation there would find the same
        # flags, level and tier: it is skipped, the bookkeeping of passing time is not.
        quiet = to not in points
        points.add(to)
        for p in sorted(points):
            self.peak = max(self.peak, self.level)
            for i, now in enumerate(self.ever_now):
                self.ever_before[i] = self.ever_before[i] or now
            if p in refreshes:
                self.peak = -1
            self.at = p
            self.prune()
            if p != to or not quiet:
                self.move(self.evaluate(), "refresh" if p in refreshes else "lapse")

    def seen(self, kind: int, t: int, value: int, secondary: str | int, has_id: bool) -> bool:
        """Whether this event was applied already (an exact repeat counts once).

        Raises
        ------
        InvalidInputError
            The event repeats one with the same id but another value.
        """
        for entry in self.recent:
            if entry[0] == t and entry[1] == kind and entry[2] == secondary:
                if has_id and entry[3] != value:
                    raise InvalidInputError(
                        f"'event_id' {secondary!r} repeats an event with a different value"
                    )
                return True
        return False

    def apply(
        self, kind: int, t: int, value: int, secondary: str | int, eid: str | int | None
    ) -> None:
        """Apply a new event at or after the memory's time (see :meth:`seen`)."""
        if self.at is None:
            self.at = t
            self.level = self.peak = -1
        else:
            self.advance(t)
        facts = self.facts
        specs = self.layout.specs
        for i in self.layout.feeds[kind]:
            code = specs[i][0]
            mem = facts[i]
            if code in (_COUNT, _SUM):
                facts[i] = (mem[0] + 1, mem[1] + value)
            elif code in (_COUNT_W, _SUM_W):
                facts[i] = (*mem, (t, value))
            elif code == _DAYS_W:
                day = t // SECONDS_PER_DAY
                if day not in mem:
                    facts[i] = (*mem, day)
            elif code == _DAYS:
                day = t // SECONDS_PER_DAY
                if mem[1] != day:
                    facts[i] = (mem[0] + 1, day)
            elif mem is None or (mem[0], mem[1], mem[2]) < (t, kind, secondary):
                facts[i] = (t, kind, secondary, value)
        self.recent = (*self.recent, (t, kind, secondary, value))
        self.move(self.evaluate(), "event", self.machine.kinds[kind], eid)


def _refreshes(machine: Machine, after: int, upto: int) -> set[int]:
    """Scheduled refresh instants in ``(after, upto]``."""
    if machine.refresh_days is None:
        return set()
    out: set[int] = set()
    month = np.datetime64(after, "s").astype("datetime64[M]")
    last = np.datetime64(upto, "s").astype("datetime64[M]")
    while month <= last:
        start = int(month.astype("datetime64[s]").view(np.int64))
        for d in machine.refresh_days:
            r = start + (d - 1) * SECONDS_PER_DAY
            if after < r <= upto:
                out.add(r)
        month = month + 1
    return out


def _empty_facts(machine: Machine) -> list[Thawed]:
    out: list[Thawed] = []
    for fact in machine.facts:
        if fact.measure == "last":
            out.append(None)
        elif fact.window_days is not None:
            out.append([])
        else:
            out.append([0, 0] if fact.measure != "days" else [0, None])
    return out


def new_state(machine: Machine, user: Id | None = None) -> TierState:
    """The state of a user with no events (see :meth:`Machine.new_state`).

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> new_state(relationship_ladder(), "u1").at is None
    True
    """
    n = len(machine.evers)
    return TierState(
        machine=machine.name,
        user=_plain(user),
        at=None,
        tier=None,
        level=-1,
        peak=-1,
        ever_before=(False,) * n,
        ever_now=(False,) * n,
        fact_names=tuple(f.describe() for f in machine.facts),
        facts=_freeze_all(_empty_facts(machine)),
        recent=(),
    )


def _check_state(machine: Machine, state: TierState, layout: _Layout) -> None:
    if not isinstance(state, TierState):
        raise InvalidInputError(f"'state' must be a TierState (got {type(state).__name__})")
    if state.machine != machine.name or state.fact_names != layout.fact_names:
        raise InvalidInputError(
            f"'state' belongs to machine {state.machine!r}, not {machine.name!r} "
            f"(or to a version of it with other facts)"
        )


def _event_parts(
    machine: Machine, layout: _Layout, event: Event
) -> tuple[int, int, int, str | int | None]:
    """``(kind code, time in seconds, value in millionths, event id)`` of one event, read by
    the rules of the event columns (:func:`~privtraffic.lifecycle.events.kind_codes`,
    :func:`~privtraffic.lifecycle.events.value_micros`, :func:`~privtraffic._validation.as_ids`)
    with cheap checks for the usual types; anything else goes through those functions."""
    kind = event.kind
    code = layout.kind_code.get(kind, -1) if type(kind) is str else -1
    if code < 0:
        code = int(kind_codes(machine, [kind])[0])  # raises for unknown kinds, as a column does
    value = event.value
    if type(value) in (float, int) and -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE:
        micros = round(float(value) * MICRO)  # np.rint: the nearest, ties to even
    else:
        micros = int(value_micros([value], 1)[0])
    t = int(event.at.astype(np.int64))
    eid = event.event_id
    if eid is not None and not (
        (type(eid) is str and eid[-1:] != "\x00") or (type(eid) is int and -(2**63) <= eid < 2**63)
    ):
        eid = _plain(as_ids([eid], "event_id")[0])
    return code, t, micros, eid


def step(machine: Machine, state: TierState, event: Event) -> TierState:
    """Apply one event (see :meth:`Machine.step`).

    Raises
    ------
    TransitionNotAllowed
        The event is earlier than the state's time (and not a repeat of one already applied).

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> m = relationship_ladder()
    >>> s = step(m, m.new_state(), Event("join", "2024-01-02"))
    >>> s.tier
    'member'
    >>> step(m, s, Event("purchase", "2024-01-01"))
    Traceback (most recent call last):
    ...
    privtraffic.errors.TransitionNotAllowed: 'at' (2024-01-01T00:00:00) is before the state's time (2024-01-02T00:00:00); step takes events in time order, replay sorts them
    """  # noqa: E501
    layout = _layout_of(machine)
    _check_state(machine, state, layout)
    if not isinstance(event, Event):
        raise InvalidInputError(f"'event' must be an Event (got {type(event).__name__})")
    kind, t, value, eid = _event_parts(machine, layout, event)
    has_id = eid is not None
    secondary = eid if eid is not None else value
    mem = _Memory(machine, state, layout)
    if not mem.seen(kind, t, value, secondary, has_id):
        if state.at is not None and t < state.at:
            raise TransitionNotAllowed(
                state,
                event,
                f"'at' ({np.datetime64(t, 's')}) is before the state's time "
                f"({np.datetime64(state.at, 's')}); step takes events in time order, "
                f"replay sorts them",
            )
        mem.apply(kind, t, value, secondary, eid)
    return mem.freeze()


def advance(machine: Machine, state: TierState, to: Moment) -> TierState:
    """Move a state forward to ``to`` (see :meth:`Machine.advance`).

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> m = relationship_ladder(window_days=30)
    >>> s = step(m, m.new_state(), Event("purchase", "2024-01-01"))
    >>> [t.to_tier for t in advance(m, s, "2024-03-01").transitions]
    ['member']
    """
    layout = _layout_of(machine)
    _check_state(machine, state, layout)
    t = as_time(to, "to")
    if state.at is not None and t < state.at:
        raise InvalidInputError(
            f"'to' ({np.datetime64(t, 's')}) is before the state's time "
            f"({np.datetime64(state.at, 's')})"
        )
    mem = _Memory(machine, state, layout)
    mem.advance(t)
    return mem.freeze()


@renamed_keywords(ats="at")
def replay(
    machine: Machine,
    kinds: ArrayLike,
    at: ArrayLike,
    values: ArrayLike | None = None,
    event_ids: ArrayLike | None = None,
    *,
    as_of: Moment | None = None,
    user: Id | None = None,
) -> Replay:
    """Replay one user's events up to ``as_of`` (see :meth:`Machine.replay`).

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> r = replay(relationship_ladder(), ["join", "purchase"], ["2024-01-01", "2024-01-03"])
    >>> [t.why for t in r.transitions]
    ['join', 'purchase']
    """
    check_lengths(kinds=kinds, at=at, values=values, event_ids=event_ids)
    kind = kind_codes(machine, kinds)
    t = event_times(at)
    if t.size == 0:
        raise InvalidInputError("'kinds' must not be empty")
    value = value_micros(values, t.size)
    has_ids = event_ids is not None
    ids = as_ids(event_ids, "event_ids") if has_ids else None
    q = int(t.max()) if as_of is None else as_time(as_of, "as_of")
    if q < int(t.min()):
        raise InvalidInputError(
            f"'as_of' ({np.datetime64(q, 's')}) is before every event "
            f"(the first is at {np.datetime64(int(t.min()), 's')})"
        )
    secondary = ids if ids is not None else value
    order = np.lexsort((secondary, kind, t))
    order = order[t[order] <= q]
    mem = _Memory(machine, new_state(machine, user), _layout_of(machine))
    for i in order.tolist():
        eid = _plain(ids[i]) if ids is not None else None
        v, k, at_i = int(value[i]), int(kind[i]), int(t[i])
        key = eid if eid is not None else v
        if not mem.seen(k, at_i, v, key, has_ids):
            mem.apply(k, at_i, v, key, eid)
    mem.advance(q)
    state = mem.freeze()
    return Replay(
        tier=state.tier, transitions=state.transitions, state=attrs.evolve(state, transitions=())
    )
