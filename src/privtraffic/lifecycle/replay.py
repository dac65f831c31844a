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

import json
from typing import TYPE_CHECKING, Any, TypedDict, Union

import attrs
import numpy as np
from numpy.typing import ArrayLike

from privtraffic._deprecation import renamed_keywords
from privtraffic._validation import SECONDS_PER_DAY, as_ids
from privtraffic.errors import InvalidInputError, TransitionNotAllowed
from privtraffic.lifecycle.conditions import Ever, Fact, _first_day, holds
from privtraffic.lifecycle.events import (
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
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Frozen) -> Thawed:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def _freeze_all(values: list[Thawed]) -> tuple[Frozen, ...]:
    return tuple(_freeze(v) for v in values)


def _thaw_all(values: tuple[Frozen, ...]) -> list[Thawed]:
    return [_thaw(v) for v in values]


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
            "facts": _thaw_all(self.facts),
            "recent": _thaw_all(self.recent),
            "transitions": [t.to_dict() for t in self.transitions],
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, machine: Machine, text: str) -> Self:
        """Restore a state written by :meth:`to_json` for ``machine``.

        Returns
        -------
        TierState

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
        names = [f.describe() for f in machine.facts]
        if (
            data.get("fact_names") != names
            or len(data["facts"]) != len(names)
            or len(data["ever_now"]) != len(machine.evers)
        ):
            raise InvalidInputError(f"'text' does not match the facts of machine {machine.name!r}")
        tier = data["tier"]
        if tier is not None and tier not in machine.tiers:
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
            fact_names=tuple(names),
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


def _windowed(fact: Fact) -> bool:
    return fact.window_days is not None


class _Memory:
    """Mutable working copy of a :class:`TierState` (never escapes this module)."""

    def __init__(self, machine: Machine, state: TierState) -> None:
        self.machine = machine
        self.user = state.user
        self.at = state.at
        self.tier = -1 if state.tier is None else machine.tier_index(state.tier)
        self.level = state.level
        self.peak = state.peak
        self.ever_before = list(state.ever_before)
        self.ever_now = list(state.ever_now)
        self.fact_names = state.fact_names
        # Working copies, changed in place: one list per fact, one [at, kind, key, value] per
        # recent event (their shapes are set by _empty_facts and apply).
        self.facts: list[Any] = _thaw_all(state.facts)
        self.recent: list[Any] = _thaw_all(state.recent)
        self.log: list[Transition] = []
        windows = [f.window_seconds or 0 for f in machine.facts]
        windows += [int(f.window_days or 0) * SECONDS_PER_DAY for f in machine.facts]
        self.horizon = max(windows, default=0)

    def freeze(self) -> TierState:
        return TierState(
            machine=self.machine.name,
            user=self.user,
            at=self.at,
            tier=None if self.tier < 0 else self.machine.tiers[self.tier],
            level=self.level,
            peak=self.peak,
            ever_before=tuple(self.ever_before),
            ever_now=tuple(self.ever_now),
            fact_names=self.fact_names,
            facts=_freeze_all(self.facts),
            recent=_freeze_all(self.recent),
            transitions=tuple(self.log),
        )

    # facts -----------------------------------------------------------------------------

    def value(self, fact: Fact) -> int:
        i = self.machine.facts.index(fact)
        mem = self.facts[i]
        now = self.at
        assert now is not None
        if fact.measure in ("count", "sum"):
            if not _windowed(fact):
                return int(mem[0] if fact.measure == "count" else mem[1])
            w = fact.window_seconds
            assert w is not None
            inside = [v for t, v in mem if t > now - w]
            return len(inside) if fact.measure == "count" else sum(inside)
        if fact.measure == "days":
            if not _windowed(fact):
                return int(mem[0])
            first_day = _first_day(fact, now)
            return sum(1 for d in mem if d >= first_day)
        return 0 if not self.present(fact) else int(mem[3])

    def present(self, fact: Fact) -> bool:
        mem = self.facts[self.machine.facts.index(fact)]
        if mem is None:
            return False
        w = fact.window_seconds
        assert self.at is not None
        return w is None or mem[0] > self.at - w

    def ever(self, node: Ever) -> bool:
        i = self.machine.evers.index(node)
        return self.ever_before[i] or self.ever_now[i]

    def expiries(self) -> set[int]:
        out: set[int] = set()
        for fact, mem in zip(self.machine.facts, self.facts, strict=True):
            if not _windowed(fact):
                continue
            if fact.measure in ("count", "sum"):
                w = fact.window_seconds
                assert w is not None
                out.update(t + w for t, _ in mem)
            elif fact.measure == "days":
                out.update((d + int(fact.window_days or 0)) * SECONDS_PER_DAY for d in mem)
            elif mem is not None:
                w = fact.window_seconds
                assert w is not None
                out.add(mem[0] + w)
        return out

    def prune(self) -> None:
        now = self.at
        assert now is not None
        for i, fact in enumerate(self.machine.facts):
            if not _windowed(fact):
                continue
            if fact.measure in ("count", "sum"):
                w = fact.window_seconds
                assert w is not None
                self.facts[i] = [e for e in self.facts[i] if e[0] > now - w]
            elif fact.measure == "days":
                first_day = _first_day(fact, now)
                self.facts[i] = [d for d in self.facts[i] if d >= first_day]
        self.recent = [e for e in self.recent if e[0] >= now - self.horizon]

    # evaluation ------------------------------------------------------------------------

    def evaluate(self) -> int:
        """Update the sticky flags and ``level``; return the tier now."""
        for i, node in enumerate(self.machine.evers):
            self.ever_now[i] = bool(holds(node.condition, self))
        level = -1
        if self.at is not None:
            for i, tier in enumerate(self.machine.tier_rules):
                if tier.when is None or holds(tier.when, self):
                    level = i
        self.level = level
        if self.machine.refresh_days is None:
            return level
        return max(self.peak, level)

    def move(
        self, new_tier: int, cause: str, event: str | None = None, eid: str | int | None = None
    ) -> None:
        if new_tier != self.tier:
            names = self.machine.tiers
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
        points = {p for p in self.expiries() if self.at < p <= to}
        refreshes = _refreshes(self.machine, self.at, to)
        points |= refreshes
        points.add(to)
        for p in sorted(points):
            self.peak = max(self.peak, self.level)
            for i, now in enumerate(self.ever_now):
                self.ever_before[i] = self.ever_before[i] or now
            if p in refreshes:
                self.peak = -1
            self.at = p
            self.prune()
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
        name = self.machine.kinds[kind]
        for i, fact in enumerate(self.machine.facts):
            if name not in fact.kinds:
                continue
            mem = self.facts[i]
            if fact.measure in ("count", "sum"):
                if _windowed(fact):
                    mem.append([t, value])
                else:
                    mem[0] += 1
                    mem[1] += value
            elif fact.measure == "days":
                day = t // SECONDS_PER_DAY
                if _windowed(fact):
                    if day not in mem:
                        mem.append(day)
                elif mem[1] != day:
                    mem[0] += 1
                    mem[1] = day
            elif mem is None or (mem[0], mem[1], mem[2]) < (t, kind, secondary):
                self.facts[i] = [t, kind, secondary, value]
        self.recent.append([t, kind, secondary, value])
        self.move(self.evaluate(), "event", name, eid)


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
        elif _windowed(fact):
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


def _check_state(machine: Machine, state: TierState) -> None:
    if not isinstance(state, TierState):
        raise InvalidInputError(f"'state' must be a TierState (got {type(state).__name__})")
    if state.machine != machine.name or state.fact_names != tuple(
        f.describe() for f in machine.facts
    ):
        raise InvalidInputError(
            f"'state' belongs to machine {state.machine!r}, not {machine.name!r} "
            f"(or to a version of it with other facts)"
        )


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
    _check_state(machine, state)
    if not isinstance(event, Event):
        raise InvalidInputError(f"'event' must be an Event (got {type(event).__name__})")
    kind = int(kind_codes(machine, [event.kind])[0])
    value = int(value_micros([event.value], 1)[0])
    t = int(np.asarray(event.at, dtype="datetime64[s]").view(np.int64))
    has_id = event.event_id is not None
    eid = _plain(as_ids([event.event_id], "event_id")[0]) if has_id else None
    secondary = eid if eid is not None else value
    mem = _Memory(machine, state)
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
    _check_state(machine, state)
    t = as_time(to, "to")
    if state.at is not None and t < state.at:
        raise InvalidInputError(
            f"'to' ({np.datetime64(t, 's')}) is before the state's time "
            f"({np.datetime64(state.at, 's')})"
        )
    mem = _Memory(machine, state)
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
    mem = _Memory(machine, new_state(machine, user))
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
