"""An event-sourced, idempotent commission ledger: pending -> payable -> paid, with clawbacks.

The ledger keeps the events it was given (orders, settlements, refunds, payouts, and the
network changes) and derives everything else — commission items, balances, statements — by
folding them in their business order ``(at, kind, id)``
(:class:`~privtraffic.commission.journal.Fold`). So the balances depend only on the set of
events, never on the order in which they were recorded or on the wall clock; recording an
event twice is a no-op, and re-using an id for different content is an
:class:`~privtraffic.errors.EventConflictError`.

Life of a commission:

1. :class:`~privtraffic.commission.OrderPlaced` — entries are computed over the network as it
   stands at the order's time and held as **pending**.
2. :class:`~privtraffic.commission.OrderSettled` — delivery/confirmation; ``holding_days`` later
   the unpaid part becomes **payable**.
3. :class:`~privtraffic.commission.Payout` — outstanding clawbacks are deducted from the payable
   balance first, then cash is **paid**, oldest payable commission first.
4. :class:`~privtraffic.commission.Refund` — the order's commission is recomputed on what remains
   of the order; the difference is **reversed** from the unpaid part of each item and, where
   the item was already paid, becomes a **clawback** deducted from later earnings. A refund
   recorded after a payout but dated before it (back-dated) does the same: the payout keeps
   the cash it paid and what it paid beyond the new payable balance is owed back.

Every event is checked when it is recorded, against everything recorded so far, so a recorded
ledger always folds: its balances are always computable and its JSON lines always load.
With a ``store`` (:class:`~privtraffic.commission.SQLiteLedgerStore`,
:class:`~privtraffic.commission.PostgresLedgerStore`) the store is the source of truth: each
:meth:`Ledger.record` is one database transaction that takes the ledger's write lock, reads
what other writers appended, checks the new events against the whole folded state and appends
them with their idempotency keys.

Examples
--------
>>> from privtraffic.commission import (CommissionPlan, DistributorNetwork, Ledger, OrderPlaced,
...     OrderSettled, Payout, Refund)
>>> plan = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=7)
>>> ledger = Ledger(plan, DistributorNetwork.from_edges(["alice"], ["bob"]))
>>> ledger = ledger.record(
...     OrderPlaced("o1", "2024-05-01", "200.00", "bob"),
...     OrderSettled("o1", "2024-05-03"),
...     Payout("p1", "bob", "2024-05-10"),
...     Refund("r1", "o1", "2024-05-12", "100.00"),
... )
>>> ledger.balance("bob")
Balance('bob': pending 0.00, payable 0.00, paid 20.00, clawback due 10.00 CNY)
"""

from __future__ import annotations

import bisect
import hashlib
import json
import operator
import threading
import warnings
import weakref
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from privtraffic._html import html_table
from privtraffic.commission._types import Id, TimeLike
from privtraffic.commission.events import (
    EVENT_TYPES,
    ROW_KINDS,
    CustomerBound,
    DistributorJoined,
    LedgerEvent,
    OrderPlaced,
    OrderSettled,
    Payout,
    RankChanged,
    Refund,
    RightsGranted,
    RightsRevoked,
    _instant,
    event_from_row,
    event_key,
    event_to_json,
)
from privtraffic.commission.journal import (
    POSTING_KINDS,
    BusinessKey,
    Fold,
    Posting,
    business_key,
    business_keys,
    id_key,
    seconds,
)
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import CommissionEntry, _amount_of, level_entries
from privtraffic.commission.statement import Balance, Balances, Statement
from privtraffic.errors import EventConflictError, InvalidInputError, LedgerFileError
from privtraffic.money import format_amount, from_minor_units, minor_exponent

if TYPE_CHECKING:
    from typing_extensions import Self

    from privtraffic.commission.store import LedgerStore, LedgerWriter

__all__ = ["POSTING_KINDS", "Ledger", "Posting"]

_FORMAT_VERSION = 2
_ZERO = (0, 0, 0, 0)  # pending, payable, clawback, paid
_EVENT_NAMES = ", ".join(t.__name__ for t in EVENT_TYPES)
_EXACT_TYPES = frozenset(EVENT_TYPES)

_row_text = event_to_json

# The store header of a starting network (and the plan it was last written with).
_HEADERS: weakref.WeakKeyDictionary[DistributorNetwork, tuple[CommissionPlan, str]] = (
    weakref.WeakKeyDictionary()
)
_HEADERS_LOCK = threading.Lock()


def _first(pair: tuple[BusinessKey, LedgerEvent]) -> BusinessKey:
    return pair[0]


def _segments(
    events: Sequence[LedgerEvent], keys: Sequence[BusinessKey]
) -> list[list[tuple[BusinessKey, LedgerEvent]]]:
    """The events of one ``record`` call, in the order given, cut into parts that can each be
    folded at once exactly as if their events were recorded one by one.

    Folding a part at once folds its events in business order, so a payout sees every event
    of the part dated before it. Recorded one by one, a payout sees only the events given
    before it. The two agree unless an event given after a payout is dated before it: the part
    ends just before such an event.
    """
    kinds = list(map(type, events))
    pairs = list(zip(keys, events, strict=True))
    if Payout not in kinds:
        return [pairs]
    cuts: list[int] = []
    top: BusinessKey | None = None  # the latest payout of the current part
    for i in range(kinds.index(Payout), len(keys)):
        key = keys[i]
        if top is not None and key < top:
            cuts.append(i)
            top = None
        if kinds[i] is Payout and (top is None or key > top):
            top = key
    return [pairs[a:b] for a, b in zip([0, *cuts], [*cuts, len(pairs)], strict=True)]


def _same(recorded: LedgerEvent, offered: LedgerEvent) -> bool:
    """Whether ``offered`` re-delivers ``recorded``: equal, or the "all payable" request that
    was recorded with the amount it paid."""
    if recorded == offered:
        return True
    return (
        isinstance(recorded, Payout)
        and isinstance(offered, Payout)
        and offered.amount is None
        and (recorded.payout_id, recorded.distributor, recorded.at)
        == (offered.payout_id, offered.distributor, offered.at)
    )


_ABSENT: Any = object()


class _Registry:
    """What recording checks against that does not depend on business order: ids taken, who
    joined when, each order and what of it was refunded.

    Every check here is stable: an event that passes stays valid whatever valid events are
    recorded later, so a recorded ledger always folds.
    """

    def __init__(self, plan: CommissionPlan, network: DistributorNetwork) -> None:
        self.plan = plan
        self.unit = Decimal(1).scaleb(-minor_exponent(plan.currency))  # one minor unit
        self.by_key: dict[tuple[Any, ...], LedgerEvent] = {}
        self.placed_at: dict[Id, int] = {}  # order -> seconds
        self.joined: dict[Id, int | None] = dict.fromkeys(network.users.tolist())
        self.kind: type | None = (
            None if len(network) == 0 else (int if network.users.dtype.kind in "iu" else str)
        )
        self.refunded: dict[Id, Decimal] = {}

    def order(self, event: OrderSettled | Refund, what: str) -> OrderPlaced:
        order = self.by_key.get(("order", event.order_id))
        if not isinstance(order, OrderPlaced):
            raise InvalidInputError(
                f"{what} refers to order {event.order_id!r}, which is not recorded "
                "(record the order first)"
            )
        if event.at < order.at:
            raise InvalidInputError(
                f"{what} at {event.at} is dated before its order {order.order_id!r} "
                f"placed at {order.at}"
            )
        return order

    def _kind_of(self, who: Id, name: str, what: str) -> None:
        if self.kind is not None and type(who) is not self.kind:
            raise InvalidInputError(
                f"'{name}' {who!r} of {what} must be an id of the network's kind "
                f"({self.kind.__name__}), not {type(who).__name__}"
            )

    def member(self, who: Id, at: np.datetime64, name: str, what: str) -> None:
        """``who`` is in the network at ``at``: from the start, or joined at or before."""
        self._kind_of(who, name, what)
        if who not in self.joined:
            raise InvalidInputError(f"'{name}' {who!r} of {what} is not in the distributor network")
        since = self.joined[who]
        if since is not None and since > seconds(at):
            raise InvalidInputError(
                f"'{name}' {who!r} of {what} joins the distributor network only at "
                f"{np.datetime64(since, 's')}, after {at}"
            )

    def amount(self, value: Decimal, what: str) -> Decimal:
        """``value`` (an event's amount, >= 0) at the currency's precision: the quick test
        (it has no more places than the currency), else the full check, which raises naming
        ``what`` (or passes a value too long for the quick test)."""
        try:
            exact = value.quantize(self.unit)
            if exact == value:
                return exact
        except ArithmeticError:  # beyond the context's precision
            pass
        return _amount_of(what, value, self.plan.currency)

    def check(self, event: LedgerEvent, t: int) -> None:
        """Refuse the event (at ``t`` seconds) if it breaks a rule; otherwise change nothing."""
        kind = type(event)
        if kind is OrderPlaced:
            placed = cast(OrderPlaced, event)
            self.amount(placed.amount, f"order {placed.order_id!r}")
            who = placed.sharer
            if who is not None:
                since = self.joined.get(who, _ABSENT) if type(who) is self.kind else _ABSENT
                if since is _ABSENT or (since is not None and since > t):
                    self.member(who, placed.at, "sharer", f"order {placed.order_id!r}")
            if placed.buyer is not None and not self.plan.self_purchase_earns:
                self._kind_of(placed.buyer, "buyer", f"order {placed.order_id!r}")
        elif kind is OrderSettled:
            settled = cast(OrderSettled, event)
            placed_at = self.placed_at.get(settled.order_id)
            if placed_at is None or t < placed_at:
                self.order(settled, f"settlement of order {settled.order_id!r}")  # raises
        elif isinstance(event, Refund):
            what = f"refund {event.refund_id!r}"
            order = self.order(event, what)
            amount = self.amount(event.amount, what)
            whole = self.amount(order.amount, f"order {order.order_id!r}")
            left = whole - self.refunded.get(order.order_id, Decimal(0))
            if amount > left:
                raise InvalidInputError(
                    f"{what} of order {order.order_id!r} is larger than what remains of the "
                    f"order ({amount} > {left} remaining of {whole})"
                )
        elif isinstance(event, Payout):
            what = f"payout {event.payout_id!r}"
            self.member(event.distributor, event.at, "distributor", what)
            if event.amount is not None:
                self.amount(event.amount, what)
        elif isinstance(event, DistributorJoined):
            what = f"joining of distributor {event.distributor!r}"
            self._kind_of(event.distributor, "distributor", what)
            if self.kind is None and event.upline is not None:
                if type(event.upline) is not type(event.distributor):
                    raise InvalidInputError(
                        f"'upline' {event.upline!r} of {what} must be an id of the same kind "
                        f"as the distributor"
                    )
            if event.distributor in self.joined:
                raise InvalidInputError(
                    f"{what}: {event.distributor!r} is already in the distributor network "
                    "(the ledger's starting network)"
                )
            if event.upline is not None:
                self.member(event.upline, event.at, "upline", what)
        elif isinstance(event, (RightsGranted, RightsRevoked, RankChanged)):
            what = f"{type(event).__name__} of {event.distributor!r} at {event.at}"
            self.member(event.distributor, event.at, "distributor", what)
        elif isinstance(event, CustomerBound):
            what = f"binding of buyer {event.buyer!r} at {event.at}"
            self.member(event.distributor, event.at, "distributor", what)
        else:  # pragma: no cover - the caller checks the type
            raise InvalidInputError(f"not a ledger event: {event!r}")

    def add(self, event: LedgerEvent) -> None:
        self.by_key[event.key] = event
        self.note(event, seconds(event.at))

    def note(self, event: LedgerEvent, t: int) -> None:
        """What :meth:`add` keeps beside the event itself (it is at ``t`` seconds)."""
        kind = type(event)
        if kind is OrderPlaced:
            self.placed_at[cast(OrderPlaced, event).order_id] = t
        elif isinstance(event, Refund):
            self.refunded[event.order_id] = (
                self.refunded.get(event.order_id, Decimal(0)) + event.amount
            )
        elif isinstance(event, DistributorJoined):
            self.joined[event.distributor] = t
            if self.kind is None:
                self.kind = type(event.distributor)

    def remove(self, event: LedgerEvent) -> None:
        del self.by_key[event.key]
        if isinstance(event, OrderPlaced):
            del self.placed_at[event.order_id]
        elif isinstance(event, Refund):
            self.refunded[event.order_id] -= event.amount
        elif isinstance(event, DistributorJoined):
            del self.joined[event.distributor]

    def replace(self, event: LedgerEvent) -> None:
        self.by_key[event.key] = event


def _conflict(recorded: LedgerEvent, offered: LedgerEvent) -> EventConflictError:
    kind, *ids = offered.key
    shown = ids[0] if len(ids) == 1 else tuple(ids)
    return EventConflictError(
        recorded,
        offered,
        f"{kind} id {shown!r} was already recorded with different content: "
        f"recorded {_row_text(recorded)}, now {_row_text(offered)}",
    )


class _Book:
    """The events of one ledger, their registry and the running fold (one per ledger object).

    :meth:`admit` is the one way in: it checks the events, folds them (incrementally when they
    come after everything folded; otherwise from the fold's last checkpoint before the
    earliest of them, or from the start when there is none) and either keeps all of them or,
    refusing one, leaves the book as it was.
    """

    def __init__(self, plan: CommissionPlan, network: DistributorNetwork) -> None:
        self.plan = plan
        self.network = network
        self.events: list[LedgerEvent] = []  # in the order they were recorded
        self.ordered: list[LedgerEvent] = []  # the same, in business order (folded so)
        self.registry = _Registry(plan, network)
        self.fold = Fold(plan, network)
        self.refolded = False  # whether the last admit folded from the start

    def admit(self, events: Iterable[LedgerEvent], *, strict: bool = True) -> list[LedgerEvent]:
        """Check and fold ``events`` (in causal order); return those that were new.

        ``strict``: the events are being recorded now (an explicit payout must not exceed what
        is payable); ``False`` for events recorded before (a file, a store).
        """
        registry = self.registry
        by_key = registry.by_key
        events = list(events)
        for event in events:
            if type(event) not in _EXACT_TYPES and not isinstance(event, EVENT_TYPES):
                raise InvalidInputError(
                    f"'events' must be ledger events ({_EVENT_NAMES}) (got {type(event).__name__})"
                )
        all_keys = business_keys(events)
        new: list[LedgerEvent] = []
        keys: list[BusinessKey] = []
        check, note, placed_at = registry.check, registry.note, registry.placed_at
        try:
            for event, bkey in zip(events, all_keys, strict=True):
                key = event.key
                existing = by_key.get(key)
                if existing is not None:
                    if _same(existing, event):
                        continue
                    raise _conflict(existing, event)
                check(event, bkey[0])
                by_key[key] = event
                kind = type(event)
                if kind is OrderPlaced:
                    placed_at[cast(OrderPlaced, event).order_id] = bkey[0]  # note(), inlined
                elif kind is not OrderSettled:
                    note(event, bkey[0])
                new.append(event)
                keys.append(bkey)
        except BaseException:
            for event in reversed(new):
                registry.remove(event)
            raise
        if not new:
            self.refolded = False
            return new
        if all(map(operator.le, keys, keys[1:])):  # given in business order: one part
            segments = [list(zip(keys, new, strict=True))]
        else:
            segments = _segments(new, keys)
        done: list[LedgerEvent] = []  # folded by earlier parts of this call
        start = 0  # where the segment starts in `new` (the segments cut it in order)
        refolded = False
        try:
            for segment in segments:
                self._fold(sorted(segment, key=_first), strict)
                refolded |= self.refolded
                if self.fold.resolved:  # payouts of "all payable": keep the cash each paid
                    for i, (key, event) in enumerate(segment, start=start):
                        if isinstance(event, Payout):
                            new[i] = self._resolve(key, event)
                if len(segments) > 1:
                    done.extend(new[start : start + len(segment)])
                start += len(segment)
        except BaseException:
            if done:
                self._unfold(done)
            for event in reversed(new):
                registry.remove(event)
            raise
        finally:
            self.fold.resolved = {}
        self.refolded = refolded
        self.events.extend(new)
        return new

    def _resolve(self, key: BusinessKey, event: LedgerEvent) -> LedgerEvent:
        """A payout of "all payable" just folded, as the payout of the cash it paid (kept in
        the registry and the business order in its place)."""
        resolved = self.fold.resolved
        if not resolved or not isinstance(event, Payout) or event.payout_id not in resolved:
            return event
        paid = Payout(event.payout_id, event.distributor, event.at, resolved[event.payout_id])
        self.registry.replace(paid)
        ordered = self.ordered
        ordered[bisect.bisect_left(ordered, key, key=business_key)] = paid
        return paid

    def _unfold(self, events: Sequence[LedgerEvent]) -> None:
        """Take events folded by this call out again (a later part of the call was refused):
        the fold goes back to its last checkpoint before the earliest of them (or starts
        again) and folds the events recorded before the call."""
        ordered = self.ordered
        keys = business_keys(events)
        for key in sorted(keys, reverse=True):
            del ordered[bisect.bisect_left(ordered, key, key=business_key)]
        fold = self.fold
        at = fold.mark_before(min(keys))
        if at is None:
            fresh = Fold(self.plan, self.network)
            fresh.mark()
            fresh.apply_all(list(zip(business_keys(ordered), ordered, strict=True)))
            self.fold = fresh
            return
        start = bisect.bisect_right(ordered, fold.marks[at].frontier, key=business_key)
        tail = ordered[start:]
        fold.restore(at)
        fold.apply_all(list(zip(business_keys(tail), tail, strict=True)))

    def _fold(self, keyed: list[tuple[BusinessKey, LedgerEvent]], strict: bool) -> None:
        """Fold new events (with their keys, in business order) into the running fold."""
        fold = self.fold
        first = keyed[0][0]
        if first > fold.frontier:  # the usual case: they all come after what is folded
            self.refolded = False
            mark = fold.mark(pin=True)
            try:
                fold.apply_all(keyed, strict=strict)
            except BaseException:
                fold.restore(fold.marks.index(mark))  # exactly as before the call
                raise
            finally:
                mark.pinned = False
            self.ordered.extend(e for _, e in keyed)
            return
        mine = frozenset(e.key for _, e in keyed) if strict else frozenset()
        at = fold.mark_before(first)
        if at is None:  # dated before every checkpoint: fold everything again
            folded = self.ordered
            everything = sorted(
                [*zip(business_keys(folded), folded, strict=True), *keyed], key=_first
            )
            fresh = Fold(self.plan, self.network)
            fresh.mark()
            fresh.apply_all(everything, strict=mine)  # on failure the book is unchanged
            self.fold, self.ordered = fresh, [e for _, e in everything]
            self.refolded = True
            return
        # back to the last checkpoint before the earliest new event, then forward again
        self.refolded = False
        mark = fold.marks[at]
        start = bisect.bisect_right(self.ordered, mark.frontier, key=business_key)
        tail = self.ordered[start:]
        old = list(zip(business_keys(tail), tail, strict=True))
        merged = sorted([*old, *keyed], key=_first)
        fold.restore(at)
        mark.pinned = True
        try:
            fold.apply_all(merged, strict=mine)
        except BaseException:
            fold.restore(fold.marks.index(mark))
            fold.apply_all(old)  # recorded events never fail
            raise
        finally:
            mark.pinned = False
        self.ordered[start:] = [e for _, e in merged]

    # -- reading -----------------------------------------------------------------------------

    def sums(self, as_of: np.datetime64 | None) -> dict[Id, tuple[int, int, int, int]]:
        return self.fold.sums(None if as_of is None else seconds(as_of))

    def journal(self) -> tuple[Posting, ...]:
        return (*self.fold.postings(), *self.fold.future_postings())

    def network_at(self, as_of: np.datetime64) -> DistributorNetwork:
        fold = Fold(self.plan, self.network)
        changes = [
            e
            for e in self.ordered
            if isinstance(e, (DistributorJoined, RightsGranted, RightsRevoked, RankChanged))
            and e.at <= as_of
        ]
        fold.apply_all(list(zip(business_keys(changes), changes, strict=True)))
        users = sorted(fold.upline, key=id_key)
        has_up = [u for u in users if fold.upline[u] is not None]
        return DistributorNetwork.from_edges(
            [fold.upline[u] for u in has_up],  # type: ignore[arg-type]
            has_up,
            users=users,
            has_rights=[fold.rights[u] for u in users],
            ranks=[fold.ranks[u] for u in users],
        )


class Ledger:
    """An event-sourced commission ledger for one plan and a distributor network that changes.

    The ledger changes only through :meth:`record`, which appends events (and returns the
    ledger, so calls chain). Everything it reports is derived from the recorded events, folded
    in business order, and handed out as frozen values: the plan, the starting network
    (read-only arrays), tuples of events and of postings, balances and statements.

    Parameters
    ----------
    plan : CommissionPlan
        Rates, holding period, binding mode, minimum payout.
    network : DistributorNetwork, optional
        The network at the start: its distributors count as members from the beginning of
        time. Default: empty — distributors then join with
        :class:`~privtraffic.commission.DistributorJoined` events.
    store : LedgerStore, optional
        Where the events live (:class:`~privtraffic.commission.SQLiteLedgerStore`,
        :class:`~privtraffic.commission.PostgresLedgerStore`). ``None`` keeps them in this
        object only. A store remembers the plan and network it was created with; opening it
        with others is refused.

    Notes
    -----
    Thread- and process-safety. One ``Ledger`` object may be shared by threads (a lock
    serialises its calls). With a store, any number of ``Ledger`` objects in any number of
    processes may record into the same store: each :meth:`record` is one transaction holding
    the store's write lock, in which the ledger first folds what others appended, then checks
    and appends the new events; each query first folds what others appended. See the guide's
    "Running the ledger in a service".

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
    ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
    >>> ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))
    Ledger(CommissionPlan(levels=(0.1), ...), 1 events: 1 orders, 0 refunds, 0 payouts)
    """

    def __init__(
        self,
        plan: CommissionPlan,
        network: DistributorNetwork | None = None,
        *,
        store: LedgerStore | None = None,
    ) -> None:
        if not isinstance(plan, CommissionPlan):
            raise InvalidInputError(f"'plan' must be a CommissionPlan (got {type(plan).__name__})")
        if network is None:
            network = DistributorNetwork.from_edges([], [])
        if not isinstance(network, DistributorNetwork):
            raise InvalidInputError(
                f"'network' must be a DistributorNetwork (got {type(network).__name__})"
            )
        self._plan = plan
        self._network = network
        self._store = store
        self._lock = threading.RLock()
        self._book: _Book | None = None if store is not None else _Book(plan, network)
        self._seen = 0  # the last store sequence number folded into the book
        if store is not None:
            mine = self._header_text()
            stored = store.open(mine)
            if stored != mine:
                raise InvalidInputError(
                    "the store holds a ledger of another plan or starting network: "
                    f"stored {stored}, given {mine}"
                )

    def _header_text(self) -> str:
        """The plan and starting network as the store keeps them (made once per network and
        plan: both are frozen, and a large network takes milliseconds to write)."""
        network, plan = self._network, self._plan
        with _HEADERS_LOCK:
            cached = _HEADERS.get(network)
        if cached is not None and cached[0] is plan:
            return cached[1]
        text = json.dumps(
            {"plan": plan.to_dict(), "network": network.to_dict()},
            sort_keys=True,
            ensure_ascii=False,
        )
        with _HEADERS_LOCK:
            _HEADERS[network] = (plan, text)
        return text

    @classmethod
    def open(cls, store: LedgerStore) -> Self:
        """The ledger a store holds, with the plan and starting network it was created with.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import CommissionPlan, SQLiteLedgerStore
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite"
        >>> _ = Ledger(CommissionPlan(level_rates=("0.1",)), store=SQLiteLedgerStore(path))
        >>> Ledger.open(SQLiteLedgerStore(path)).plan.level_rates
        (Decimal('0.1'),)
        """
        head = json.loads(store.open(None))
        plan = CommissionPlan.from_dict(head["plan"])
        network = DistributorNetwork.from_dict(head["network"])
        return cls(plan, network, store=store)

    @property
    def plan(self) -> CommissionPlan:
        """The plan every order is computed with (read-only).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan
        >>> plan = CommissionPlan(level_rates=("0.1",))
        >>> Ledger(plan).plan is plan, Ledger(plan).plan.holding_days
        (True, 7)
        """
        return self._plan

    @property
    def network(self) -> DistributorNetwork:
        """The distributor network at the start (read-only); see :meth:`network_at`.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> start = DistributorNetwork.from_edges(["kol"], ["fan"])
        >>> Ledger(CommissionPlan(level_rates=("0.1",)), start).network.users.tolist()
        ['fan', 'kol']
        """
        return self._network

    @property
    def store(self) -> LedgerStore | None:
        """Where the events live (``None``: in this object).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan
        >>> Ledger(CommissionPlan(level_rates=("0.1",))).store is None
        True
        """
        return self._store

    # -- the book, folded up to the store's last event ---------------------------------------

    def _fold_rows(self, rows: Sequence[tuple[int, str]]) -> _Book:
        book = self._book if self._book is not None else _Book(self._plan, self._network)
        if rows:
            events = [event_from_row(json.loads(text)) for _, text in rows]
            book.admit(events, strict=False)
            self._seen = rows[-1][0]
        self._book = book
        return book

    def _current(self) -> _Book:
        """The book with every event the store holds (with no store: the book)."""
        if self._store is None:
            assert self._book is not None
            return self._book
        try:
            return self._fold_rows(self._store.read(self._seen))
        except BaseException:
            self._book, self._seen = None, 0
            raise

    # -- recording ---------------------------------------------------------------------------

    @property
    def events(self) -> tuple[LedgerEvent, ...]:
        """The recorded events, in the order they were recorded.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=[1])).events
        ()
        """
        with self._lock:
            return tuple(self._current().events)

    def record(self, *events: LedgerEvent) -> Self:
        """Record events; an event already recorded with the same content is skipped.

        Each event is checked against everything recorded so far (including the earlier events
        of the same call), so events must come in causal order: an order before its settlement
        and refunds, a distributor's joining before anything naming them. A call records
        exactly what recording its events one by one, in the order given, would record; it is
        just faster, checking, splitting and folding its events together (a payout sees the
        events given before it, not those given after it and dated before it). If any event
        is refused, none of the call's events is kept. With a store, the call is one database
        transaction: when it returns, every event is committed; when it raises, none is
        (see :class:`~privtraffic.errors.LedgerStoreError` for a connection lost during the
        commit itself).

        A payout with ``amount=None`` is recorded with the amount it paid.

        Parameters
        ----------
        *events : ledger events
            :class:`~privtraffic.commission.OrderPlaced`, ``OrderSettled``, ``Refund``,
            ``Payout``, ``DistributorJoined``, ``RightsGranted``, ``RightsRevoked``,
            ``RankChanged``, ``CustomerBound``.

        Returns
        -------
        Ledger
            ``self``.

        Raises
        ------
        EventConflictError
            An id re-used with different content (the message shows both events).
        InvalidInputError
            An unknown sharer, order or distributor, or one who joins only later; a
            settlement or refund dated before its order; refunds adding up to more than the
            order; an amount with too many decimal places; an explicit payout larger than what
            is payable — each naming the event.
        LedgerStoreError
            The store's database failed (the transaction is rolled back).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced, Refund
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))  # applied once
        >>> len(ledger.events)
        1
        >>> ledger.record(Refund("r1", "o1", "2024-05-02", "12.00"))
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: refund 'r1' of order 'o1' is larger than what remains of the order (12.00 > 10.00 remaining of 10.00)
        """  # noqa: E501
        with self._lock:
            if self._store is None:
                assert self._book is not None
                self._book.admit(events)
            else:
                self._record_stored(events, strict=True)
        return self

    def _record_stored(
        self, events: Iterable[LedgerEvent], *, strict: bool, lines: Sequence[int] | None = None
    ) -> None:
        store = self._store
        assert store is not None
        admitted = False
        try:
            with store.writing() as tx:
                book = self._fold_rows(tx.read(self._seen))
                before = self._seen
                current = tx.snapshot_seq() == before
                if current:
                    book.fold.dirty.clear()  # the stored balances already show those changes
                new = _admit(book, events, strict=strict, lines=lines)
                if not new:
                    return
                admitted = True
                seq = tx.append(before, [(event_key(e), _row_text(e)) for e in new])
                if store.snapshots:
                    self._put_balances(tx, seq, book, replace=book.refolded or not current)
            self._seen = seq
        except BaseException:
            if admitted:  # folded but perhaps not committed: fold again from the store
                self._book, self._seen = None, 0
            raise

    @staticmethod
    def _put_balances(tx: LedgerWriter, seq: int, book: _Book, *, replace: bool) -> None:
        """Store the balances this call changed as a new part of the snapshot; or all of them
        as a new base, when the parts would grow longer than twice the base (and 4,096 rows),
        or 256 of them, or an account is gone, or the stored balances were not current."""
        fold = book.fold
        totals, dirty = fold.totals, fold.dirty
        if not replace:
            base, changes, parts = tx.snapshot_size()
            replace = (
                changes + len(dirty) > 2 * base + 4096
                or parts >= 256
                or not dirty <= totals.keys()  # an account that is gone
            )
        due = fold.due_unpaid.get
        if replace:  # a base in id order, so that reading it back needs no sort
            try:
                ids = sorted(totals)
            except TypeError:
                ids = sorted(totals, key=id_key)
        else:
            ids = list(dirty)
        amounts: list[int] = []
        add = amounts.extend
        for who, t in zip(ids, map(totals.__getitem__, ids), strict=True):
            m = due(who, 0)  # fold.final(who), four at a time
            add((t[0] - m, t[1] + m, t[2], t[3]))
        tx.put_balances(seq, ids, amounts, replace=replace)
        dirty.clear()

    def _read_snapshot(self, only: Id | None = None) -> Balances | None:
        store = self._store
        if store is None or self._book is not None or not store.snapshots:
            return None
        columns = getattr(store, "snapshot_columns", None)  # optional in LedgerStore
        if columns is not None:
            found = columns(only)
            if found is None:
                return None
            ids, pending, payable, clawback, paid = found[1]
        else:
            rows_found = store.snapshot(only)
            if rows_found is None:
                return None
            ids, pending, payable, clawback, paid = tuple(zip(*rows_found[1], strict=True)) or (
                (),
                (),
                (),
                (),
                (),
            )
        try:
            order = sorted(range(len(ids)), key=ids.__getitem__)  # one kind of id: the fast way
        except TypeError:
            order = sorted(range(len(ids)), key=lambda i: id_key(ids[i]))
        if len(order) > 1 and any(map(operator.gt, order, order[1:])):
            pick = operator.itemgetter(*order)
            ids, pending, payable, clawback, paid = (
                pick(c) for c in (ids, pending, payable, clawback, paid)
            )
        return Balances(self.plan.currency, ids, pending, payable, paid, clawback)

    def _balances(self, sums: dict[Id, tuple[int, int, int, int]]) -> Balances:
        """:class:`Balances` of ``(pending, payable, clawback, paid)`` minor units by id."""
        try:
            ids = sorted(sums)  # one kind of id: the fast way
        except TypeError:
            ids = sorted(sums, key=id_key)
        if not ids:
            return Balances(self.plan.currency, [], [], [], [], [])
        pending, payable, clawback, paid = zip(*[sums[w] for w in ids], strict=True)
        return Balances(self.plan.currency, ids, pending, payable, paid, clawback)

    # -- reporting ---------------------------------------------------------------------------

    def journal(self) -> tuple[Posting, ...]:
        """Every posting the events produce, in business order (future maturities included).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol")).journal()
        (Posting(2024-05-01T00:00:00 'kol' earned 100 ref 'o1'),)
        """
        with self._lock:
            return self._current().journal()

    def _moment(self, value: TimeLike, name: str) -> np.datetime64:
        return _instant(value, "the query", name)

    def balances(self, as_of: TimeLike | None = None) -> Balances:
        """Every distributor's balance at ``as_of`` (inclusive; ``None``: after all events).

        ``as_of`` is business time: a commission is payable in the result only if its holding
        period ended at or before ``as_of``. With a store that keeps snapshots and
        ``as_of=None``, a ledger that has not folded its events yet answers from the stored
        balances, without reading the events.

        Parameters
        ----------
        as_of : datetime-like, optional
            The moment.

        Returns
        -------
        Balances
            A read-only mapping of distributor id to
            :class:`~privtraffic.commission.Balance`, sorted by id (integer ids before string
            ids). It keeps the amounts in minor units and builds each ``Balance`` when it is
            read, so asking for the balances of many distributors costs little more than the
            query.

        Examples
        --------
        >>> from privtraffic.commission import (CommissionPlan, DistributorNetwork, OrderPlaced,
        ...     OrderSettled)
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",), holding_days=7),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"),
        ...                   OrderSettled("o1", "2024-05-02"))
        >>> ledger.balances("2024-05-08")["kol"].payable, ledger.balances("2024-05-09")["kol"].payable
        (Decimal('0.00'), Decimal('1.00'))
        """  # noqa: E501
        t = None if as_of is None else self._moment(as_of, "as_of")
        with self._lock:
            if t is None:
                found = self._read_snapshot()
                if found is not None:
                    return found
            sums = self._current().sums(t)
        return self._balances(sums)

    def _balance(self, who: Id, total: tuple[int, int, int, int]) -> Balance:
        m = self._money
        pending, payable, clawback, paid = total
        return Balance(
            who,
            self.plan.currency,
            pending=m(pending),
            payable=m(payable),
            paid=m(paid),
            clawback_due=m(clawback),
        )

    def _known(self, distributor: Id) -> None:
        with self._lock:
            joined = self._current().registry.joined
        if distributor not in joined:
            self._network.index_of([distributor], "distributor")  # raises, naming the id
            raise InvalidInputError(
                f"'distributor' {distributor!r} is not in the distributor network"
            )

    def balance(self, distributor: Id, as_of: TimeLike | None = None) -> Balance:
        """One distributor's balance at ``as_of`` (zero if they have no postings).

        With a store that keeps snapshots and ``as_of=None``, a ledger that has not folded its
        events yet reads the one stored row.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=["kol"])).balance("kol").owed
        Decimal('0.00')
        """
        if as_of is None:
            with self._lock:
                stored = self._read_snapshot(only=distributor)
            if stored is not None:
                if distributor in stored:
                    return stored[distributor]
                if self._network.position(distributor) >= 0:
                    return self._balance(distributor, _ZERO)
        self._known(distributor)
        found = self.balances(as_of).get(distributor)
        return self._balance(distributor, _ZERO) if found is None else found

    def _money(self, units: int) -> Decimal:
        return from_minor_units(units, self.plan.currency)

    def network_at(self, as_of: TimeLike) -> DistributorNetwork:
        """The distributor network as it stands at ``as_of``: the starting network with every
        joining, rights and rank change dated at or before it.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorJoined, RankChanged
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",))).record(
        ...     DistributorJoined("amy", None, "2025-03-01"),
        ...     DistributorJoined("bob", "amy", "2025-03-02"),
        ...     RankChanged("bob", 2, "2025-03-05"))
        >>> net = ledger.network_at("2025-03-03")
        >>> net.users.tolist(), net.rank.tolist()
        (['amy', 'bob'], [0, 0])
        >>> ledger.network_at("2025-03-05").rank.tolist()
        [0, 2]
        """
        t = self._moment(as_of, "as_of")
        with self._lock:
            return self._current().network_at(t)

    def statement(self, distributor: Id, start: TimeLike, end: TimeLike) -> Statement:
        """One distributor's statement over ``[start, end)``.

        Parameters
        ----------
        distributor : int or str
            Whose statement.
        start, end : datetime-like
            The period; ``start`` included, ``end`` excluded.

        Returns
        -------
        Statement

        Raises
        ------
        InvalidInputError
            An unknown distributor or ``end`` before ``start``.

        Examples
        --------
        >>> from privtraffic.commission import (CommissionPlan, DistributorNetwork, OrderPlaced,
        ...     Refund)
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"),
        ...                   Refund("r1", "o1", "2024-05-02", "4.00"))
        >>> ledger.statement("kol", "2024-05-01", "2024-06-01")  # doctest: +NORMALIZE_WHITESPACE
        Statement('kol', 2024-05-01T00:00:00..2024-06-01T00:00:00: opening 0.00, earned 1.00,
                  reversed 0.40, clawed back 0.00, paid 0.00, closing 0.60 CNY)
        """
        self._known(distributor)
        return self._statements(start, end, only=distributor)[0]

    def statements(self, start: TimeLike, end: TimeLike) -> tuple[Statement, ...]:
        """Statements over ``[start, end)`` of every distributor with any posting so far.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=["kol"])).statements(
        ...            "2024-05-01", "2024-06-01")
        ()
        """
        return self._statements(start, end)

    def _statements(
        self, start: TimeLike, end: TimeLike, only: Id | None = None
    ) -> tuple[Statement, ...]:
        t0 = self._moment(start, "start")
        t1 = self._moment(end, "end")
        if t1 < t0:
            raise InvalidInputError(f"'end' must be >= 'start' (got {t1} < {t0})")
        s0, s1 = seconds(t0), seconds(t1)
        opening: dict[Id, int] = {}  # owed at start
        moved: dict[Id, dict[str, int]] = {}  # amount by kind of posting inside the period
        closing: dict[Id, list[int]] = {}  # the buckets at end
        if only is not None:
            opening[only] = 0
        with self._lock:
            fold = self._current().fold
            lines = [*fold.lines, *fold.future_lines()]
        for t, who, kind, amount, _, p, q, c, d, _ in lines:
            if (only is not None and who != only) or t >= s1:
                continue
            if t < s0:
                opening[who] = opening.get(who, 0) + p + q - c
            else:
                opening.setdefault(who, 0)
                if kind not in ("matured", "offset", "overpaid"):
                    kinds = moved.setdefault(who, {})
                    kinds[kind] = kinds.get(kind, 0) + amount
            end_of = closing.get(who)
            if end_of is None:
                closing[who] = [p, q, c, d]
            else:
                end_of[0] += p
                end_of[1] += q
                end_of[2] += c
                end_of[3] += d
        m = self._money
        out = []
        for who in sorted(opening, key=id_key):
            kinds = moved.get(who, {})
            end_of = closing.get(who, [0, 0, 0, 0])
            out.append(
                Statement(
                    who,
                    str(t0),
                    str(t1),
                    self.plan.currency,
                    opening=m(opening[who]),
                    earned=m(kinds.get("earned", 0)),
                    reversed=m(kinds.get("reversed", 0)),
                    clawed_back=m(kinds.get("clawed_back", 0)),
                    paid=m(kinds.get("paid", 0)),
                    pending=m(end_of[0]),
                    payable=m(end_of[1]),
                    clawback_due=m(end_of[2]),
                )
            )
        return tuple(out)

    def entries(self, order_id: Id) -> tuple[CommissionEntry, ...]:
        """The order's current commission entries (on what remains after its refunds), over
        the network as it stood at the order's time.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> from privtraffic.commission import OrderPlaced, Refund
        >>> kol_only = DistributorNetwork.from_edges([], [], users=["kol"])
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)), kol_only)
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))
        >>> ledger.entries("o1")[0].amount
        Decimal('1.00')
        >>> _ = ledger.record(Refund("r1", "o1", "2024-05-02", "4.00"))
        >>> ledger.entries("o1")[0].amount
        Decimal('0.60')
        """
        with self._lock:
            fold = self._current().fold
            order = fold.orders.get(order_id)
            refunded = fold.refunded.get(order_id, 0)
        if order is None:
            raise InvalidInputError(f"'order_id' {order_id!r} is not recorded")
        remaining = from_minor_units(order.base_minor - refunded, self.plan.currency)
        return level_entries(self.plan, order_id, remaining, fold.served(order), lambda who: who)

    # -- JSON lines --------------------------------------------------------------------------

    def to_jsonl(self) -> str:
        """The whole ledger as JSON lines: a header, then one event per line.

        The header (line 1) holds the plan, the starting network, the number of events and a
        SHA-256 checksum of the event lines, so :meth:`from_jsonl` detects a file cut short or
        changed. Decimals are written as strings and timestamps as ISO 8601, so
        :meth:`from_jsonl` restores the ledger exactly. The lines are
        :func:`~privtraffic.commission.events.event_to_row` of each event, in the order they
        were recorded.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> text = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol")).to_jsonl()
        >>> text.splitlines()[1]
        '{"event": "order", "order_id": "o1", "at": "2024-05-01T00:00:00", "amount": "10.00", "sharer": "kol", "buyer": null, "category": null}'
        >>> Ledger.from_jsonl(text).to_jsonl() == text
        True
        """  # noqa: E501
        lines = [_row_text(e) for e in self.events]
        header = {
            "privtraffic": "commission-ledger",
            "version": _FORMAT_VERSION,
            "plan": self.plan.to_dict(),
            "network": self.network.to_dict(),
            "events": len(lines),
            "checksum": _checksum(lines),
        }
        return "\n".join([json.dumps(header, ensure_ascii=False), *lines]) + "\n"

    @classmethod
    def from_jsonl(cls, text: str | Iterable[str], *, store: LedgerStore | None = None) -> Self:
        """Restore a ledger written by :meth:`to_jsonl` (a string or an iterable of lines).

        Parameters
        ----------
        text : str or iterable of str
            The file's content, or its lines (for example an open file).
        store : LedgerStore, optional
            Import into this store (one transaction; events already there are skipped).

        Raises
        ------
        LedgerFileError
            Not a ledger file, an unknown format version, a line that is not JSON or is cut
            short, fewer or more events than the header states, a checksum that does not
            match, or an event refused when it is recorded again — each naming the file's own
            line number (:attr:`~privtraffic.errors.LedgerFileError.line`).

        Warns
        -----
        UserWarning
            A version 1 file, which states neither its event count nor a checksum, so that a
            truncated one cannot be told from a complete one.

        Examples
        --------
        >>> Ledger.from_jsonl('{"privtraffic": "other"}')
        Traceback (most recent call last):
        ...
        privtraffic.errors.LedgerFileError: line 1 is not a privtraffic commission-ledger header
        """
        head, numbered = _read_jsonl(text)
        events: list[LedgerEvent] = []
        for number, row in numbered:
            kind = row.get("event") if isinstance(row, dict) else None
            if kind not in ROW_KINDS:
                raise LedgerFileError(f"line {number}: unknown event kind {kind!r}", number)
            try:
                events.append(event_from_row(row))
            except (KeyError, InvalidInputError) as exc:
                raise LedgerFileError(f"line {number}: {exc}", number) from None
        try:
            plan = CommissionPlan.from_dict(head["plan"])
            network = DistributorNetwork.from_dict(head["network"])
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerFileError(
                f"line 1: the header's plan or network is invalid: {exc}", 1
            ) from None
        ledger = cls(plan, network, store=store)
        lines = [number for number, _ in numbered]
        with ledger._lock:
            if store is None:
                assert ledger._book is not None
                _admit(ledger._book, events, strict=False, lines=lines)
            else:
                ledger._record_stored(events, strict=False, lines=lines)
        return ledger

    def __repr__(self) -> str:
        events = self.events
        n = {k: 0 for k in ("order", "refund", "payout")}
        for e in events:
            kind = e.key[0]
            if kind in n:
                n[kind] += 1
        return (
            f"Ledger({self.plan!r}, {len(events)} events: {n['order']} orders, "
            f"{n['refund']} refunds, {n['payout']} payouts)"
        )

    def _repr_html_(self) -> str:
        currency = self.plan.currency
        rows = [
            (
                b.distributor,
                *(
                    format_amount(v, currency)
                    for v in (b.pending, b.payable, b.paid, b.clawback_due)
                ),
            )
            for b in self.balances().values()
        ]
        return html_table(
            rows,
            ["distributor", "pending", "payable", "paid", "clawback due"],
            title=f"Commission ledger ({len(self.events):,} events, {currency})",
        )


def _admit(
    book: _Book, events: Iterable[LedgerEvent], *, strict: bool, lines: Sequence[int] | None
) -> list[LedgerEvent]:
    """:meth:`_Book.admit`, naming the file line of a refused event when there are lines."""
    if lines is None:
        return book.admit(events, strict=strict)
    events = list(events)
    try:
        return book.admit(events, strict=strict)
    except InvalidInputError as exc:
        number = _refused_line(book, events, lines)
        if number is None:
            raise
        raise LedgerFileError(f"line {number}: {exc}", number) from None


def _refused_line(book: _Book, events: Sequence[LedgerEvent], lines: Sequence[int]) -> int | None:
    """The line of the event the registry refuses, checking the events again in order."""
    registry = book.registry
    added: list[LedgerEvent] = []
    try:
        for event, number in zip(events, lines, strict=True):
            existing = registry.by_key.get(event.key)
            if existing is not None:
                if _same(existing, event):
                    continue
                return number
            try:
                registry.check(event, seconds(event.at))
            except InvalidInputError:
                return number
            registry.add(event)
            added.append(event)
        return None
    finally:
        for event in reversed(added):
            registry.remove(event)


def _checksum(lines: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


def _read_jsonl(text: str | Iterable[str]) -> tuple[dict[str, Any], list[tuple[int, Any]]]:
    """The header and the numbered event rows of a ledger file, checked for truncation."""
    if isinstance(text, str):
        complete: bool | None = text.endswith("\n")
        raw = text.split("\n")
        if complete:
            raw.pop()
    else:
        raw = list(text)
        ended = [line.endswith("\n") for line in raw]
        complete = ended[-1] if raw and any(ended) else None
        raw = [line.rstrip("\n") for line in raw]
    raw = [line.rstrip("\r") for line in raw]
    if not raw or not raw[0].strip():
        raise LedgerFileError("line 1: the file holds no ledger (empty)", 1)

    def parse(number: int, line: str) -> Any:
        try:
            return json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(raw) and complete is False:
                raise LedgerFileError(
                    f"line {number} is cut short: the file ends in the middle of it "
                    f"({exc.msg} at column {exc.colno})",
                    number,
                ) from None
            raise LedgerFileError(
                f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}", number
            ) from None

    head = parse(1, raw[0])
    if not isinstance(head, dict) or head.get("privtraffic") != "commission-ledger":
        raise LedgerFileError("line 1 is not a privtraffic commission-ledger header", 1)
    version = head.get("version")
    if version not in (1, _FORMAT_VERSION):
        raise LedgerFileError(
            f"line 1: ledger format version {version!r} is not supported "
            f"(expected {_FORMAT_VERSION})",
            1,
        )
    body = [(n, line) for n, line in enumerate(raw[1:], start=2) if line.strip()]
    rows = [(n, parse(n, line)) for n, line in body]
    if version == 1:
        warnings.warn(
            "ledger file format version 1 states neither its event count nor a checksum, so a "
            "file cut short cannot be detected; write it again with Ledger.to_jsonl",
            UserWarning,
            stacklevel=3,
        )
        return head, rows
    stated = head.get("events")
    last = len(raw)
    if len(rows) != stated:
        raise LedgerFileError(
            f"the header (line 1) states {stated} events but the file holds {len(rows)}: "
            f"it {'is cut short' if len(rows) < (stated or 0) else 'has extra lines'} "
            f"(the file ends at line {last})",
            last,
        )
    if _checksum([line for _, line in body]) != head.get("checksum"):
        if complete is False:
            raise LedgerFileError(
                f"line {last} is cut short: the file ends in the middle of it (the events do "
                "not match the header's checksum)",
                last,
            )
        raise LedgerFileError(
            "the events do not match the header's checksum (line 1): the file was changed", 1
        )
    return head, rows
