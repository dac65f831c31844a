"""The tier machine: ordered tiers, the conditions that put a user in each, checked when built.

Semantics
---------
A machine lists its tiers from shallow to deep. Each tier after the first has a condition over
the user's event facts (see :mod:`~privtraffic.lifecycle.conditions`). As of a time ``t`` a user
is in the **deepest tier whose condition holds at t**; the first (entry) tier holds for every user
with at least one event up to ``t`` unless it has a condition of its own. A user with no event up
to ``t``, or for whom no condition holds, has no tier (``None``).

So the tier is a pure function of the user's events up to ``t``: promotion happens the moment an
event makes a deeper condition true, and a tier *lapses* the moment its window passes without the
qualifying event (an event at ``at`` stops counting at ``at + window``). Sticky rules ("once
qualified, always qualified") are written with :func:`~privtraffic.lifecycle.conditions.ever`.

A machine with ``refresh_days`` demotes only at scheduled refreshes: at 00:00 on those days of
each month the tier is set to the tier the conditions give; between refreshes a user is promoted
as soon as the conditions allow and never demoted. Formally the tier at ``t`` is the highest
condition tier reached at any time in ``[r, t]``, where ``r`` is the last refresh at or before
``t``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, SupportsInt

import attrs

from privtraffic._deprecation import renamed_keywords
from privtraffic.errors import InvalidDefinitionError, InvalidInputError
from privtraffic.lifecycle.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Ever,
    Fact,
    Ratio,
    Threshold,
    evers_of,
    facts_of,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from privtraffic.lifecycle.classify import TierTable
    from privtraffic.lifecycle.events import EventTable, Id, Moment
    from privtraffic.lifecycle.replay import Event, Replay, TierState

__all__ = ["Machine", "Tier"]


def _is_condition(value: object) -> bool:
    return isinstance(value, (Threshold, Ratio, AllOf, AnyOf, Ever))


@attrs.frozen
class Tier:
    """One tier of a machine: its name and the condition that puts a user in it.

    Parameters
    ----------
    name : str
        The tier's name.
    when : Condition, optional
        The condition; only the first (entry) tier may leave it out, meaning "has any event".
    terminal : bool
        Declare that the tier, once reached, is never left (for example permanently granted
        rights). Without it a deepest tier that can never be left is rejected as a dead end.
    description : str
        What the tier means, for documentation and diagrams.

    Examples
    --------
    >>> from privtraffic.lifecycle.conditions import count
    >>> Tier("buyer", when=count("purchase", window_days=90) >= 1).name
    'buyer'
    """

    name: str = attrs.field()
    when: Condition | None = attrs.field(default=None)
    terminal: bool = False
    description: str = ""

    @name.validator
    def _check_name(self, attribute: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not value:
            raise InvalidDefinitionError(f"a tier name must be a non-empty string (got {value!r})")

    @when.validator
    def _check_when(self, attribute: attrs.Attribute[Condition | None], value: object) -> None:
        if value is not None and not _is_condition(value):
            raise InvalidDefinitionError(
                f"tier {self.name!r}: 'when' must be a condition (got {value!r})"
            )


def _tuple_of_tiers(values: Iterable[Tier]) -> tuple[Tier, ...]:
    return tuple(values)


def _tuple_of_kinds(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _refresh(value: Iterable[SupportsInt] | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    days = tuple(sorted(set(int(v) for v in value)))
    if not days or any(d < 1 or d > 28 for d in days):
        raise InvalidDefinitionError(
            f"'refresh_days' must be days of the month in 1..28 (got {tuple(value)!r})"
        )
    return days


# --- static analysis of conditions ------------------------------------------------------------


def _monotone(c: Condition) -> bool:
    """True when ``c`` can never turn false again once true (so a deepest tier is a dead end)."""
    if isinstance(c, Ever):
        return True
    if isinstance(c, Threshold):
        f = c.fact
        return f.window_days is None and c.below is None and f.measure in ("count", "days")
    if isinstance(c, Ratio):
        return False
    return all(_monotone(x) for x in c.items)


def _window_within(a: Fact, b: Fact) -> bool:
    if b.window_days is None:
        return True
    return a.window_days is not None and a.window_days <= b.window_days


def _implies(a: Condition, b: Condition) -> bool:
    """A conservative check that ``a`` holding forces ``b`` to hold (False when unsure)."""
    if a == b:
        return True
    if isinstance(b, AllOf):
        return all(_implies(a, x) for x in b.items)
    if isinstance(a, AnyOf):
        return all(_implies(x, b) for x in a.items)
    if isinstance(b, AnyOf):
        return any(_implies(a, x) for x in b.items)
    if isinstance(a, AllOf):
        return any(_implies(x, b) for x in a.items)
    if isinstance(b, Ever):
        return _implies(a, b.condition) or (
            isinstance(a, Ever) and _implies(a.condition, b.condition)
        )
    if isinstance(a, Threshold) and isinstance(b, Threshold):
        fa, fb = a.fact, b.fact
        if fa == fb:
            lo_ok = b.at_least is None or (a.at_least is not None and a.at_least >= b.at_least)
            hi_ok = b.below is None or (a.below is not None and a.below <= b.below)
            return lo_ok and hi_ok
        if (
            fa.kinds == fb.kinds
            and fa.measure == fb.measure
            and fa.measure in ("count", "days")
            and b.below is None
            and a.at_least is not None
            and b.at_least is not None
            and _window_within(fa, fb)
        ):
            return a.at_least >= b.at_least
    return False


def _unsatisfiable(c: Condition) -> bool:
    if isinstance(c, Threshold):
        if c.at_least is not None and c.below is not None and c.at_least >= c.below:
            return True
        return c.fact.measure in ("count", "days") and c.below is not None and c.below <= 0
    if isinstance(c, Ever):
        return _unsatisfiable(c.condition)
    if isinstance(c, AnyOf):
        return all(_unsatisfiable(x) for x in c.items)
    if isinstance(c, AllOf):
        if any(_unsatisfiable(x) for x in c.items):
            return True
        bounds: dict[Fact, list[float]] = {}
        for x in c.items:
            if isinstance(x, Threshold):
                lo, hi = bounds.setdefault(x.fact, [-float("inf"), float("inf")])
                bounds[x.fact] = [
                    max(lo, x.at_least if x.at_least is not None else lo),
                    min(hi, x.below if x.below is not None else hi),
                ]
        return any(lo >= hi for lo, hi in bounds.values())
    return False


@attrs.frozen(repr=False)
class Machine:
    """A tier machine: ordered tiers (shallow to deep) and their conditions, checked when built.

    Parameters
    ----------
    name : str
        The machine's name (kept in serialised states).
    kinds : sequence of str
        The event kinds the machine accepts; events of other kinds are rejected.
    tier_rules : sequence of Tier
        The tiers from shallow to deep. The first is the entry tier.
    refresh_days : sequence of int, optional
        Days of the month (1..28) on which scheduled demotion happens; ``None`` (default)
        demotes as soon as a condition stops holding.
    description : str
        What the machine models and where the definition comes from.

    Raises
    ------
    InvalidDefinitionError
        Duplicate tier names; a condition on an unknown event kind; a tier other than the first
        without a condition; a tier that can never be reached (its condition is unsatisfiable or
        always implies a deeper tier's); a deepest tier that can never be left and is not marked
        ``terminal``.

    Notes
    -----
    See the module documentation for the exact semantics. ``classify`` and ``replay`` compute
    the same function, one vectorised over a population and one stepping through one user's
    events and the lapses between them.

    Examples
    --------
    >>> from privtraffic.lifecycle.conditions import count
    >>> m = Machine(
    ...     "mini",
    ...     kinds=("visit", "purchase"),
    ...     tier_rules=[
    ...         Tier("visitor"),
    ...         Tier("buyer", when=count("purchase", window_days=30) >= 1),
    ...     ],
    ... )
    >>> m.tiers
    ('visitor', 'buyer')
    >>> m.replay(["visit", "purchase"], ["2024-01-01", "2024-01-05"], as_of="2024-03-01").tier
    'visitor'
    >>> Machine("bad", kinds=("visit",), tier_rules=[Tier("a"), Tier("b", when=count("buy") >= 1)])
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidDefinitionError: tier 'b': unknown event kind 'buy' (known: visit)
    """

    name: str
    kinds: tuple[str, ...] = attrs.field(converter=_tuple_of_kinds)
    tier_rules: tuple[Tier, ...] = attrs.field(converter=_tuple_of_tiers)
    refresh_days: tuple[int, ...] | None = attrs.field(default=None, converter=_refresh)
    description: str = ""
    facts: tuple[Fact, ...] = attrs.field(init=False, eq=False)
    evers: tuple[Ever, ...] = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._check()
        facts: list[Fact] = []
        evers: list[Ever] = []
        for tier in self.tier_rules:
            if tier.when is not None:
                facts.extend(f for f in facts_of(tier.when) if f not in facts)
                evers.extend(e for e in evers_of(tier.when) if e not in evers)
        object.__setattr__(self, "facts", tuple(facts))
        object.__setattr__(self, "evers", tuple(evers))

    def _check(self) -> None:
        if not self.kinds:
            raise InvalidDefinitionError(f"machine {self.name!r} needs at least one event kind")
        for k in self.kinds:
            if not isinstance(k, str) or not k:
                raise InvalidDefinitionError(f"event kinds must be non-empty strings (got {k!r})")
        if len(set(self.kinds)) != len(self.kinds):
            raise InvalidDefinitionError(f"'kinds' repeats a kind: {self.kinds!r}")
        if not self.tier_rules:
            raise InvalidDefinitionError(f"machine {self.name!r} needs at least one tier")
        names = [t.name for t in self.tier_rules]
        for i, tier in enumerate(self.tier_rules):
            if not isinstance(tier, Tier):
                raise InvalidDefinitionError(f"tier_rules[{i}] is not a Tier: {tier!r}")
            if tier.name in names[:i]:
                raise InvalidDefinitionError(f"tier {tier.name!r} is defined twice")
            if tier.when is None and i > 0:
                raise InvalidDefinitionError(
                    f"tier {tier.name!r} has no condition; only the entry tier "
                    f"({names[0]!r}) may have none"
                )
            if tier.when is not None:
                for fact in facts_of(tier.when):
                    for kind in fact.kinds:
                        if kind not in self.kinds:
                            raise InvalidDefinitionError(
                                f"tier {tier.name!r}: unknown event kind {kind!r} "
                                f"(known: {', '.join(self.kinds)})"
                            )
        for i, tier in enumerate(self.tier_rules):
            if tier.when is None:
                continue
            if _unsatisfiable(tier.when):
                raise InvalidDefinitionError(
                    f"tier {tier.name!r} is unreachable: its condition can never hold "
                    f"({tier.when.describe()})"
                )
            for deeper in self.tier_rules[i + 1 :]:
                if deeper.when is not None and _implies(tier.when, deeper.when):
                    raise InvalidDefinitionError(
                        f"tier {tier.name!r} is unreachable: whenever its condition holds, "
                        f"the deeper tier {deeper.name!r} holds too"
                    )
        last = self.tier_rules[-1]
        if len(self.tier_rules) > 1 and not last.terminal:
            if last.when is None or _monotone(last.when):
                raise InvalidDefinitionError(
                    f"tier {last.name!r} is a dead end: once entered it can never be left "
                    f"(mark it terminal=True if that is intended)"
                )

    # --- plain properties ---------------------------------------------------------------

    @property
    def tiers(self) -> tuple[str, ...]:
        """The tier names, shallow to deep.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> relationship_ladder().tiers
        ('basic', 'member', 'buyer', 'repeat_buyer', 'koc')
        """
        return tuple(t.name for t in self.tier_rules)

    @property
    def windows_seconds(self) -> tuple[int, ...]:
        """The distinct windows (in seconds) after which an event can stop counting.

        Returns
        -------
        tuple of int

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> relationship_ladder(window_days=90).windows_seconds  # 90 days
        (7776000,)
        """
        out = {f.window_seconds for f in self.facts if f.window_seconds is not None}
        return tuple(sorted(out))

    def tier_index(self, name: str) -> int:
        """The position of tier ``name`` (0 = entry tier).

        Raises
        ------
        InvalidInputError
            ``name`` is not a tier of this machine.

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> relationship_ladder().tier_index("buyer")
        2
        """
        try:
            return self.tiers.index(name)
        except ValueError:
            raise InvalidInputError(f"'tier' must be one of {self.tiers} (got {name!r})") from None

    def __repr__(self) -> str:
        sched = "" if self.refresh_days is None else f", refresh_days={self.refresh_days}"
        return f"Machine({self.name!r}, tiers={self.tiers}{sched})"

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = [
            (t.name, "any event" if t.when is None else t.when.describe(), t.description)
            for t in self.tier_rules
        ]
        notes = {"event kinds": ", ".join(self.kinds)}
        if self.refresh_days is not None:
            notes["demotion"] = f"at refreshes on days {self.refresh_days} of each month"
        return html_table(rows, ["tier", "condition", "meaning"], title=self.name, notes=notes)

    # --- running the machine ------------------------------------------------------------

    @renamed_keywords(ats="at")
    def replay(
        self,
        kinds: ArrayLike,
        at: ArrayLike,
        values: ArrayLike | None = None,
        event_ids: ArrayLike | None = None,
        *,
        as_of: Moment | None = None,
        user: Id | None = None,
    ) -> Replay:
        """Replay one user's events: every transition (lapses included) and the final state.

        Parameters
        ----------
        kinds : sequence of str
            Event kinds, one per event.
        at : sequence of datetime-like
            Event times (``datetime64``, ``datetime`` or ISO strings); any order. ``ats`` is
            its deprecated name.
        values : sequence of float, optional
            Event values (amounts); 0 when left out.
        event_ids : sequence, optional
            Event ids; rows with the same kind, time and id count once.
        as_of : datetime-like, optional
            Replay up to this time (events after it are ignored); default the last event.
        user : object, optional
            The user's id, written into the transitions.

        Returns
        -------
        Replay
            ``.tier``, ``.transitions`` and ``.state``.

        Raises
        ------
        InvalidInputError
            Unknown event kind, bad timestamp, NaN value, or ``as_of`` before every event.

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> m = relationship_ladder(window_days=90)
        >>> r = m.replay(["connect", "purchase", "purchase"],
        ...              ["2024-01-01", "2024-02-01", "2024-03-01"], as_of="2024-06-01")
        >>> r.tier
        'member'
        >>> [(t.to_tier, t.why) for t in r.transitions]  # doctest: +NORMALIZE_WHITESPACE
        [('basic', 'connect'), ('buyer', 'purchase'), ('repeat_buyer', 'purchase'),
         ('buyer', 'lapse'), ('member', 'lapse')]
        """
        from privtraffic.lifecycle.replay import replay

        return replay(self, kinds, at, values, event_ids, as_of=as_of, user=user)

    def new_state(self, user: Id | None = None) -> TierState:
        """The state of a user with no events yet (no tier), to feed :meth:`step`.

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> relationship_ladder().new_state("u1").tier is None
        True
        """
        from privtraffic.lifecycle.replay import new_state

        return new_state(self, user)

    def step(self, state: TierState, event: Event) -> TierState:
        """Apply one event to a state; pure: returns a new state (``.transitions`` lists changes).

        Events must arrive in time order per user (events at the same instant may come in any
        order); a repeat of an event already applied is ignored. Lapses between the state's time
        and the event's are applied first.

        Parameters
        ----------
        state : TierState
            The user's state before the event (from :meth:`new_state` or a previous step).
        event : Event
            The next event of that user.

        Returns
        -------
        TierState
            The state after the event; ``.transitions`` lists the tier changes it made.

        Raises
        ------
        InvalidInputError
            Unknown kind, NaN value, or an event that repeats one already applied (same kind,
            time and id) with another value.
        TransitionNotAllowed
            The event is earlier than the state's time; ``.state`` and ``.event`` carry both.
            (A subclass of :class:`~privtraffic.errors.InvalidInputError`.)

        Examples
        --------
        >>> from privtraffic.lifecycle import Event, relationship_ladder
        >>> m = relationship_ladder()
        >>> s = m.step(m.new_state("u1"), Event("connect", "2024-01-01"))
        >>> s = m.step(s, Event("purchase", "2024-01-02", value=99.0))
        >>> s.tier, [t.to_tier for t in s.transitions]
        ('buyer', ['buyer'])
        """
        from privtraffic.lifecycle.replay import step

        return step(self, state, event)

    def advance(self, state: TierState, to: Moment) -> TierState:
        """Move a state forward in time to ``to``, applying the lapses (and refreshes) on the way.

        Examples
        --------
        >>> from privtraffic.lifecycle import Event, relationship_ladder
        >>> m = relationship_ladder(window_days=30)
        >>> s = m.step(m.new_state(), Event("purchase", "2024-01-01"))
        >>> m.advance(s, "2024-03-01").tier
        'member'
        """
        from privtraffic.lifecycle.replay import advance

        return advance(self, state, to)

    def state_from_json(self, text: str) -> TierState:
        """Restore a state written by :meth:`TierState.to_json` for this machine.

        Raises
        ------
        InvalidInputError
            The JSON was written by another machine or is malformed.

        Examples
        --------
        >>> from privtraffic.lifecycle import Event, relationship_ladder
        >>> m = relationship_ladder()
        >>> s = m.step(m.new_state("u1"), Event("join", "2024-01-01"))
        >>> m.state_from_json(s.to_json()) == s
        True
        """
        from privtraffic.lifecycle.replay import TierState

        return TierState.from_json(self, text)

    @renamed_keywords(ats="at")
    def classify(
        self,
        users: ArrayLike | EventTable,
        kinds: ArrayLike | None = None,
        at: ArrayLike | None = None,
        values: ArrayLike | None = None,
        event_ids: ArrayLike | None = None,
        *,
        as_of: Moment,
        method: Literal["auto", "counts", "sorted"] = "auto",
    ) -> TierTable:
        """The tier of every user in an event table as of a date, vectorised.

        Parameters
        ----------
        users : array-like or DataFrame
            User ids, one per event; or a table (DataFrame or mapping) with columns ``users``,
            ``kinds``, ``at`` and optionally ``values`` and ``event_ids`` (the old names
            ``user``, ``kind``, ``value``, ``event_id`` still work for one release, with a
            ``DeprecationWarning``).
        kinds, at, values, event_ids : array-like
            The other columns (see :meth:`replay`). ``kinds`` may be a pandas Categorical.
            ``ats`` is the deprecated name of ``at``.
        as_of : datetime-like
            The evaluation time; events after it are ignored.
        method : {"auto", "counts", "sorted"}
            The vectorised strategy (see :func:`~privtraffic.lifecycle.classify.classify`);
            every choice gives the same tiers.

        Returns
        -------
        TierTable
            One row per user seen in the table (tier ``None`` before the user's first event).

        Raises
        ------
        InvalidInputError
            Unknown kind, bad timestamp, NaN value, columns of different lengths, or ``as_of``
            before every event in the table.

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> m = relationship_ladder(window_days=90)
        >>> r = m.classify(["a", "a", "b", "a"], ["connect", "purchase", "join", "purchase"],
        ...                ["2024-01-01", "2024-01-05", "2024-01-07", "2024-02-01"],
        ...                as_of="2024-03-01")
        >>> dict(zip(r.users.tolist(), r.tiers))
        {'a': 'repeat_buyer', 'b': 'member'}
        """
        from privtraffic.lifecycle.classify import classify

        return classify(self, users, kinds, at, values, event_ids, as_of=as_of, method=method)

    def to_mermaid(self) -> str:
        """The machine as a Mermaid ``stateDiagram-v2``.

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> print(relationship_ladder().to_mermaid().splitlines()[0])
        stateDiagram-v2
        """
        from privtraffic.lifecycle.mermaid import to_mermaid

        return to_mermaid(self)
