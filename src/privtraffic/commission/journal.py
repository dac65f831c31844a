"""The ledger's journal: frozen postings with named deltas, and the fold that derives them.

A :class:`~privtraffic.commission.Ledger` keeps events; its journal is computed from them by
folding them in business order ``(at, kind, id)`` (:func:`business_key`): :class:`Fold` hands
each event to the handler of its kind — the network events (:meth:`Fold.joined`,
:meth:`Fold.rights`, :meth:`Fold.rank_changed`, :meth:`Fold.bound`) change the network as it
stands from the event's time on, and the money events (:meth:`Fold.order_placed`,
:meth:`Fold.order_settled`, :meth:`Fold.refund`, :meth:`Fold.payout`) read it; commission
reaching the end of its holding period is :meth:`Fold.mature_until`. Every handler speaks in
:class:`Deltas`, the change of each bucket of a distributor's account, and appends
:class:`Posting` lines.

The fold is incremental: an event later in business order than everything folded so far is
applied to the running state; the ledger refolds from the start only for an event dated
before what it has already folded. The fold never fails on recorded events: the one check it
makes itself (an explicit payout larger than what is payable) is made only for a payout being
recorded; a payout recorded earlier that events recorded later (a back-dated refund) have made
larger than what was payable keeps the cash it paid and the excess is owed back (an
``overpaid`` posting into the clawback).

Examples
--------
>>> import numpy as np
>>> p = Posting(np.datetime64("2024-05-01T00:00:00"), "bob", "earned", 100, "o1",
...             Deltas(pending=100))
>>> p.deltas.owed
100
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs
import numpy as np

from privtraffic.commission._types import Id
from privtraffic.commission.events import (
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
)
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import (
    CommissionEntry,
    _minor_units,
    level_amounts_minor,
    level_entries,
    order_total_minor,
    served_levels,
)
from privtraffic.errors import InvalidInputError
from privtraffic.money import allocate_minor_rows, from_minor_units

__all__ = [
    "POSTING_KINDS",
    "Deltas",
    "Fold",
    "Posting",
    "PostingKind",
    "business_key",
    "fold_journal",
    "order_entries",
]

#: The kinds of journal posting. ``overpaid`` moves the part of a payout that events recorded
#: later showed was not payable into the clawback (it does not change what is owed).
POSTING_KINDS = ("earned", "matured", "reversed", "clawed_back", "offset", "paid", "overpaid")

#: One of :data:`POSTING_KINDS`.
PostingKind: TypeAlias = Literal[
    "earned", "matured", "reversed", "clawed_back", "offset", "paid", "overpaid"
]

# Events of one moment are folded network first, then orders, settlements, refunds, payouts.
_KIND_RANK = {
    DistributorJoined: 0,
    RightsGranted: 1,
    RightsRevoked: 1,
    RankChanged: 2,
    CustomerBound: 3,
    OrderPlaced: 4,
    OrderSettled: 5,
    Refund: 6,
    Payout: 7,
}

#: A position in business order: (seconds since 1970, rank of the kind, id parts).
BusinessKey: TypeAlias = "tuple[int, int, tuple[tuple[str, Id | str], ...]]"


@attrs.frozen
class Deltas:
    """The change one posting makes to each bucket of a distributor's account, in minor units.

    Attributes
    ----------
    pending : int
        Earned, still inside the holding period.
    payable : int
        Past the holding period, not yet paid.
    clawback : int
        Already-paid commission owed back.
    paid : int
        Cash paid out.

    Examples
    --------
    >>> Deltas(pending=-250, payable=250) + Deltas(payable=-250, paid=250)
    Deltas(pending=-250, payable=0, clawback=0, paid=250)
    """

    pending: int = 0
    payable: int = 0
    clawback: int = 0
    paid: int = 0

    def __add__(self, other: Deltas) -> Deltas:
        return Deltas(
            self.pending + other.pending,
            self.payable + other.payable,
            self.clawback + other.clawback,
            self.paid + other.paid,
        )

    @property
    def owed(self) -> int:
        """``pending + payable - clawback``: the change of what the merchant owes.

        Examples
        --------
        >>> Deltas(payable=-300, clawback=-300).owed
        0
        """
        return self.pending + self.payable - self.clawback


@attrs.frozen(repr=False)
class Posting:
    """One line of the ledger's journal, in minor units. Frozen, like the journal itself.

    Attributes
    ----------
    at : numpy.datetime64
        When it takes effect.
    distributor : int or str
        Whose account.
    kind : str
        One of :data:`POSTING_KINDS`.
    amount_minor : int
        Size of the movement, ``>= 0``.
    ref : int or str
        The order (earned, matured, reversed, clawed_back) or payout (offset, paid, overpaid).
    deltas : Deltas
        Change of each bucket.

    Examples
    --------
    >>> p = Posting(np.datetime64("2024-05-01T00:00:00"), "bob", "earned", 100, "o1",
    ...             Deltas(pending=100))
    >>> p
    Posting(2024-05-01T00:00:00 'bob' earned 100 ref 'o1')
    >>> p.deltas.pending
    100
    """

    at: np.datetime64
    distributor: Id
    kind: PostingKind = attrs.field(validator=attrs.validators.in_(POSTING_KINDS))
    amount_minor: int
    ref: Id
    deltas: Deltas

    def __repr__(self) -> str:
        return (
            f"Posting({self.at} {self.distributor!r} {self.kind} {self.amount_minor} "
            f"ref {self.ref!r})"
        )


def id_key(value: Id) -> tuple[str, Id]:
    """A sort key for ids of either kind (integers before strings, each in their own order).

    Examples
    --------
    >>> sorted(["b", 2, "a", 1], key=id_key)
    [1, 2, 'a', 'b']
    """
    return (type(value).__name__, value)


def seconds(moment: np.datetime64) -> int:
    """A ``datetime64[s]`` as an integer count of seconds since 1970-01-01.

    Examples
    --------
    >>> seconds(np.datetime64("1970-01-02T00:00:00"))
    86400
    """
    return int(moment.astype(np.int64))


def business_key(event: LedgerEvent) -> BusinessKey:
    """Where an event goes in business order: its time, then its kind, then its id.

    Examples
    --------
    >>> from privtraffic.commission import OrderPlaced, OrderSettled
    >>> a = OrderSettled("o1", "2024-05-01")
    >>> b = OrderPlaced("o2", "2024-05-01", "1.00", "kol")
    >>> sorted([a, b], key=business_key) == [b, a]  # orders before settlements at one time
    True
    """
    return (seconds(event.at), _KIND_RANK[type(event)], tuple(id_key(p) for p in event.key[1:]))


def order_entries(
    plan: CommissionPlan, network: DistributorNetwork, order: OrderPlaced, amount: Decimal
) -> tuple[CommissionEntry, ...]:
    """The commission entries of ``order`` on ``amount``, over a fixed ``network``.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> order = OrderPlaced("o1", "2024-05-01", "10.00", "kol")
    >>> order_entries(CommissionPlan(level_rates=("0.1",)),
    ...               DistributorNetwork.from_edges([], [], users=["kol"]), order, Decimal("6"))
    (CommissionEntry('o1' -> 'kol', level 1, 0.60 = 0.1 x 6.00),)
    """
    fold = Fold(plan, network)
    served = fold.served_for(order) if order.sharer is not None else []
    return level_entries(plan, order.order_id, amount, served, lambda who: who)


class _Item:
    """One beneficiary's commission on one order while the journal is folded."""

    __slots__ = ("amount", "beneficiary", "due", "mature_at", "matured", "paid", "seq")

    def __init__(self, beneficiary: Id, amount: int, seq: int) -> None:
        self.beneficiary = beneficiary
        self.amount = amount
        self.paid = 0
        self.matured = False
        self.due = False  # settled, waiting for the end of its holding period
        self.mature_at = 0
        self.seq = seq

    @property
    def unpaid(self) -> int:
        return self.amount - self.paid

    def bucket(self, units: int) -> Deltas:
        """``units`` in the bucket the item's unpaid part sits in (payable once matured)."""
        return Deltas(payable=units) if self.matured else Deltas(pending=units)


class _Order:
    """An order while the journal is folded: the levels it pays (fixed at the order's time)."""

    __slots__ = ("base_minor", "event", "items", "refunded_minor", "served")

    def __init__(self, event: OrderPlaced, base_minor: int, served: list, items: list) -> None:
        self.event = event
        self.base_minor = base_minor
        self.served = served
        self.items: list[_Item] = items
        self.refunded_minor = 0


_NEVER = np.iinfo(np.int64).max


class Fold:
    """The running state of a fold over a ledger's events: one handler per kind of event.

    The handlers are called in business order by :meth:`apply`; each one updates the network
    as it stands, the commission items, and appends the postings the event causes. The running
    totals per distributor (:attr:`totals`) are the sums of the postings so far.

    Parameters
    ----------
    plan : CommissionPlan
        Rates, holding period, binding mode, minimum payout.
    network : DistributorNetwork
        The network at the start (every distributor in it counts as joined from the start).

    Examples
    --------
    >>> from privtraffic.commission import (CommissionPlan, DistributorNetwork,
    ...     DistributorJoined, OrderPlaced)
    >>> fold = Fold(CommissionPlan(level_rates=("0.1", "0.05")),
    ...             DistributorNetwork.from_edges([], [], users=["amy"]))
    >>> fold.apply(DistributorJoined("bob", "amy", "2025-03-01"))
    >>> fold.apply(OrderPlaced("o1", "2025-03-02", "100.00", "bob"))
    >>> {who: t[0] for who, t in fold.totals.items()}  # pending, in fen
    {'bob': 1000, 'amy': 500}
    """

    def __init__(self, plan: CommissionPlan, network: DistributorNetwork) -> None:
        self.plan = plan
        self.currency = plan.currency
        self.hold = int(plan.holding_days) * 86_400
        self.life = None if plan.binding_days is None else int(plan.binding_days) * 86_400
        self.min_payout = _minor_units(plan.min_payout, plan.currency)
        users = network.users.tolist()
        ups = network.upline.tolist()
        self.upline: dict[Id, Id | None] = {
            u: (users[p] if p >= 0 else None) for u, p in zip(users, ups, strict=True)
        }
        self.rights: dict[Id, bool] = dict(zip(users, network.has_rights.tolist(), strict=True))
        self.ranks: dict[Id, int] = dict(zip(users, network.rank.tolist(), strict=True))
        self.bindings: dict[Id, tuple[Id, int]] = {}  # buyer -> (distributor, binding ends)
        self.journal: list[Posting] = []
        self.totals: dict[Id, list[int]] = {}  # pending, payable, clawback, paid
        self.due_unpaid: dict[Id, int] = {}  # unpaid of settled items not yet matured
        self.orders: dict[Id, _Order] = {}
        self.by_person: dict[Id, list[_Item]] = {}
        self.clawback: dict[Id, int] = {}
        self.due: list[tuple[int, int, Id]] = []  # (matures at, seq, order)
        self.seq = 0
        self.frontier: BusinessKey = (np.iinfo(np.int64).min, 0, ())
        self.dirty: set[Id] = set()  # distributors whose balance changed since last asked
        self.resolved: dict[Id, Decimal] = {}  # payout id -> cash paid, for "all payable"
        self.parts: dict[tuple[int, tuple[int, ...]], list[int]] = {}  # see prepare()

    # -- postings ----------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq - 1

    def post(
        self, at: np.datetime64, who: Id, kind: PostingKind, amount: int, ref: Id, deltas: Deltas
    ) -> None:
        """Append a posting (none for a zero amount) and add it to ``who``'s totals."""
        if not amount:
            return
        self.journal.append(Posting(at, who, kind, amount, ref, deltas))
        t = self.totals.get(who)
        if t is None:
            t = self.totals[who] = [0, 0, 0, 0]
        t[0] += deltas.pending
        t[1] += deltas.payable
        t[2] += deltas.clawback
        t[3] += deltas.paid
        self.dirty.add(who)

    # -- dispatch ----------------------------------------------------------------------------

    def prepare(self, events: Iterable[LedgerEvent]) -> None:
        """Split the commission of many orders at once before they are applied one by one.

        The largest-remainder split of each order that pays several levels is computed for
        all of them in one :func:`privtraffic.money.allocate_minor_rows` call, over the
        network as it stands now, and kept by ``(total, rates)``; :meth:`order_placed` takes a
        split from there when its order's total and rates are the same (a network event
        applied in between only makes it compute its own). Nothing else changes.
        """
        rows: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        for event in events:
            if isinstance(event, OrderPlaced):
                if event.sharer is not None and event.sharer not in self.upline:
                    continue  # joins in the same batch: split when it is applied
                served = self.served_for(event)
                if len(served) > 1:
                    rates = tuple(s[2] for s in served)
                    base = _minor_units(event.amount, self.currency)
                    total = order_total_minor(base, sum(rates), self.plan)
                    rows.setdefault(len(rates), []).append((total, rates))
        for group in rows.values():
            totals = np.array([t for t, _ in group], dtype=object)
            weights = np.array([w for _, w in group], dtype=object)
            for key, parts in zip(
                group, allocate_minor_rows(totals, weights).tolist(), strict=True
            ):
                self.parts[key] = [int(p) for p in parts]

    def amounts(self, base_minor: int, served: list) -> list[int]:
        """Steps 3-4 of the split for one order (from :meth:`prepare`'s splits when there)."""
        if len(served) > 1 and self.parts:
            rates = tuple(s[2] for s in served)
            found = self.parts.get((order_total_minor(base_minor, sum(rates), self.plan), rates))
            if found is not None:
                return found
        return level_amounts_minor(self.plan, base_minor, served)

    def apply(
        self, event: LedgerEvent, *, strict: bool = False, key: BusinessKey | None = None
    ) -> None:
        """Mature what is due by the event's time, then hand the event to its kind's handler.

        ``strict``: the event is being recorded now, so an explicit payout larger than what is
        payable is refused (:meth:`payout`). The event must come after everything folded so
        far in business order.
        """
        if key is None:
            key = business_key(event)
        if key <= self.frontier:
            raise InvalidInputError(
                f"{event!r} comes before what the fold has reached; fold from the start"
            )
        self.mature_until(key[0])
        if isinstance(event, OrderPlaced):
            self.order_placed(event)
        elif isinstance(event, OrderSettled):
            self.order_settled(event)
        elif isinstance(event, Refund):
            self.refund(event)
        elif isinstance(event, Payout):
            self.payout(event, strict=strict)
        elif isinstance(event, DistributorJoined):
            self.joined(event)
        elif isinstance(event, (RightsGranted, RightsRevoked)):
            self.rights_changed(event)
        elif isinstance(event, RankChanged):
            self.rank_changed(event)
        else:
            self.bound(event)
        self.frontier = key

    def mature_until(self, t: int | None) -> None:
        """Holding periods ending at or before ``t`` seconds (``None``: all): unpaid becomes
        payable."""
        due = self.due
        while due and (t is None or due[0][0] <= t):
            at_s, _, order_id = heapq.heappop(due)
            at = np.datetime64(at_s, "s")
            for item in self.orders[order_id].items:
                if item.matured:
                    continue
                item.matured, item.due, item.mature_at = True, False, at_s
                unpaid = item.unpaid
                self._due_change(item.beneficiary, -unpaid)
                deltas = Deltas(pending=-unpaid, payable=unpaid)
                self.post(at, item.beneficiary, "matured", unpaid, order_id, deltas)
        if t is not None and (t, -1, ()) > self.frontier:
            self.frontier = (t, -1, ())

    def _due_change(self, who: Id, units: int) -> None:
        if units:
            self.due_unpaid[who] = self.due_unpaid.get(who, 0) + units
            self.dirty.add(who)

    # -- the network as it stands ------------------------------------------------------------

    def joined(self, event: DistributorJoined) -> None:
        """The distributor is in the network from now on, under their upline."""
        who = event.distributor
        self.upline[who] = event.upline
        self.rights[who] = event.has_rights
        self.ranks[who] = event.rank

    def rights_changed(self, event: RightsGranted | RightsRevoked) -> None:
        """Rights start or stop from now on."""
        self.rights[event.distributor] = isinstance(event, RightsGranted)

    def rank_changed(self, event: RankChanged) -> None:
        """A new rank from now on."""
        self.ranks[event.distributor] = event.rank

    def bound(self, event: CustomerBound) -> None:
        """A link: the buyer is (re-)bound under the plan's binding mode."""
        mode, buyer, t = self.plan.binding, event.buyer, seconds(event.at)
        if mode == "rebind":
            self.bindings[buyer] = (event.distributor, _NEVER)
        elif mode == "first_wins":
            self.bindings.setdefault(buyer, (event.distributor, _NEVER))
        else:
            current = self.bindings.get(buyer)
            if current is None or t >= current[1]:
                assert self.life is not None
                self.bindings[buyer] = (event.distributor, t + self.life)

    def sharer_of(self, event: OrderPlaced) -> Id | None:
        """The distributor credited with the order: its sharer, or the buyer's binding now."""
        if event.sharer is not None:
            return event.sharer
        current = self.bindings.get(event.buyer) if event.buyer is not None else None
        if current is None or seconds(event.at) >= current[1]:
            return None
        return current[0]

    def _path(self, who: Id | None) -> Iterator[tuple[Id, bool, int]]:
        upline, rights, ranks = self.upline, self.rights, self.ranks
        while who is not None:
            yield who, rights[who], ranks[who]
            who = upline[who]

    def served_for(self, event: OrderPlaced) -> list:
        """The levels the order pays over the network as it stands (steps 1-2 of the split)."""
        sharer = self.sharer_of(event)
        if sharer is None:
            return []
        buyer = None if self.plan.self_purchase_earns else event.buyer
        return served_levels(self.plan, event.category, self._path(sharer), buyer)

    # -- money -------------------------------------------------------------------------------

    def order_placed(self, event: OrderPlaced) -> None:
        """Each level the order pays becomes an item, earned and pending."""
        order_id = event.order_id
        base = _minor_units(event.amount, self.currency)
        served = self.served_for(event)
        amounts = self.amounts(base, served)
        items = []
        for level, amount in zip(served, amounts, strict=True):
            item = _Item(level[1], amount, self._next_seq())
            items.append(item)
            self.by_person.setdefault(item.beneficiary, []).append(item)
            self.post(
                event.at, item.beneficiary, "earned", amount, order_id, Deltas(pending=amount)
            )
        self.orders[order_id] = _Order(event, base, served, items)

    def order_settled(self, event: OrderSettled) -> None:
        """The holding period starts; the order's items mature ``holding_days`` later."""
        order = self.orders[event.order_id]
        for item in order.items:
            item.due = True
            self._due_change(item.beneficiary, item.unpaid)
        heapq.heappush(self.due, (seconds(event.at) + self.hold, self._next_seq(), event.order_id))
        self.mature_until(seconds(event.at))

    def refund(self, event: Refund) -> None:
        """The order's levels are recomputed on what remains; each item moves to its new
        amount (:meth:`_change`)."""
        order = self.orders[event.order_id]
        order.refunded_minor += _minor_units(event.amount, self.currency)
        remaining = order.base_minor - order.refunded_minor
        amounts = level_amounts_minor(self.plan, remaining, order.served)
        for item, amount in zip(order.items, amounts, strict=True):
            self._change(item, amount, event.at, order.event.order_id)

    def _change(self, item: _Item, new_amount: int, at: np.datetime64, ref: Id) -> None:
        """An item's amount changes: a cut comes out of its unpaid part first (reversed), the
        rest was paid already and is owed back (clawed back); a rise is earned."""
        delta = item.amount - new_amount
        who = item.beneficiary
        unpaid_before = item.unpaid
        if delta > 0:
            from_unpaid = min(delta, unpaid_before)
            claw = delta - from_unpaid
            self.post(at, who, "reversed", from_unpaid, ref, item.bucket(-from_unpaid))
            if claw:
                self.clawback[who] = self.clawback.get(who, 0) + claw
                self.post(at, who, "clawed_back", claw, ref, Deltas(clawback=claw))
        elif delta < 0:  # a largest-remainder split may move a unit the other way
            self.post(at, who, "earned", -delta, ref, item.bucket(-delta))
        item.amount = new_amount
        item.paid = min(item.paid, new_amount)
        if item.due:
            self._due_change(who, item.unpaid - unpaid_before)

    def payable_now(self, who: Id) -> tuple[list[_Item], int, int]:
        """``who``'s matured unpaid items (oldest first), what they hold and the clawback
        offset against them."""
        ready = sorted(
            (i for i in self.by_person.get(who, ()) if i.matured and i.unpaid > 0),
            key=lambda i: (i.mature_at, i.seq),
        )
        payable = sum(i.unpaid for i in ready)
        return ready, payable, min(payable, self.clawback.get(who, 0))

    def payout(self, event: Payout, *, strict: bool = False) -> None:
        """Clawbacks due are offset against the payable balance first, then cash is paid,
        oldest payable commission first.

        ``amount=None`` pays what is available if it reaches ``min_payout`` (the cash is kept
        in :attr:`resolved`). An explicit amount larger than what is available is refused when
        ``strict`` (the payout is being recorded); otherwise the payout was recorded when it
        was payable and the excess is moved into the clawback (``overpaid``).
        """
        plan, who = self.plan, event.distributor
        ready, payable, offset = self.payable_now(who)
        available = payable - offset
        if event.amount is None:
            cash = available
            if cash < self.min_payout or (cash == 0 and offset == 0):
                self.resolved[event.payout_id] = from_minor_units(0, self.currency)
                return
            self.resolved[event.payout_id] = from_minor_units(cash, self.currency)
        else:
            cash = _minor_units(event.amount, self.currency)
            if strict and cash > available:
                raise InvalidInputError(
                    f"payout {event.payout_id!r} of {event.amount} to {who!r} is larger "
                    f"than what is payable at {event.at} "
                    f"({from_minor_units(available, self.currency)})"
                )
            if strict and 0 < cash < self.min_payout:
                raise InvalidInputError(
                    f"payout {event.payout_id!r} of {event.amount} to {who!r} is below "
                    f"the plan's min_payout {plan.min_payout}"
                )
        take = offset + min(cash, available)
        for item in ready:
            if take == 0:
                break
            step = min(take, item.unpaid)
            item.paid += step
            take -= step
        if offset:
            self.clawback[who] -= offset
            deltas = Deltas(payable=-offset, clawback=-offset)
            self.post(event.at, who, "offset", offset, event.payout_id, deltas)
        self.post(event.at, who, "paid", cash, event.payout_id, Deltas(payable=-cash, paid=cash))
        excess = cash - available
        if excess > 0:
            self.clawback[who] = self.clawback.get(who, 0) + excess
            deltas = Deltas(payable=excess, clawback=excess)
            self.post(event.at, who, "overpaid", excess, event.payout_id, deltas)

    # -- reading -----------------------------------------------------------------------------

    def future_postings(self) -> list[Posting]:
        """The maturities still to come after the last event, in the order they would post."""
        out = []
        for at_s, _, order_id in sorted(self.due):
            at = np.datetime64(at_s, "s")
            for item in self.orders[order_id].items:
                unpaid = item.unpaid
                if not item.matured and unpaid:
                    deltas = Deltas(pending=-unpaid, payable=unpaid)
                    out.append(Posting(at, item.beneficiary, "matured", unpaid, order_id, deltas))
        return out

    def sums(self, as_of: int | None = None) -> dict[Id, Deltas]:
        """Each distributor's buckets at ``as_of`` seconds (inclusive; ``None``: after every
        event, maturities still to come included)."""
        if as_of is not None and as_of < self.frontier[0]:
            out: dict[Id, Deltas] = {}
            for p in self.journal:
                if seconds(p.at) <= as_of:
                    d = out.get(p.distributor)
                    out[p.distributor] = p.deltas if d is None else d + p.deltas
            return out
        moved: dict[Id, int] = {}
        if as_of is None:
            moved = self.due_unpaid
        else:
            for at_s, _, order_id in self.due:
                if at_s <= as_of:
                    for item in self.orders[order_id].items:
                        if not item.matured:
                            moved[item.beneficiary] = moved.get(item.beneficiary, 0) + item.unpaid
        return {
            who: Deltas(t[0] - moved.get(who, 0), t[1] + moved.get(who, 0), t[2], t[3])
            for who, t in self.totals.items()
        }

    def final(self, who: Id) -> Deltas:
        """``who``'s buckets after every event, maturities still to come included."""
        t = self.totals.get(who, [0, 0, 0, 0])
        m = self.due_unpaid.get(who, 0)
        return Deltas(t[0] - m, t[1] + m, t[2], t[3])


def fold_journal(
    plan: CommissionPlan, network: DistributorNetwork, events: Iterable[LedgerEvent]
) -> tuple[Posting, ...]:
    """Every posting the events produce, folded in business order ``(at, kind, id)``.

    Future maturities are included: a settled order's commission matures ``holding_days``
    after its settlement whatever the last event is.

    Parameters
    ----------
    plan : CommissionPlan
        Rates, holding period, minimum payout.
    network : DistributorNetwork
        Uplines, ranks and rights at the start.
    events : iterable of ledger events
        Causally complete (every settlement and refund has its order, every distributor an
        order names has joined), in any order.

    Returns
    -------
    tuple of Posting

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> from privtraffic.commission import OrderSettled
    >>> [p.kind for p in fold_journal(
    ...     CommissionPlan(level_rates=("0.1",)),
    ...     DistributorNetwork.from_edges([], [], users=["kol"]),
    ...     [OrderSettled("o1", "2024-05-02"), OrderPlaced("o1", "2024-05-01", "10.00", "kol")])]
    ['earned', 'matured']
    """
    fold = Fold(plan, network)
    for event in sorted(events, key=business_key):
        fold.apply(event)
    fold.mature_until(None)
    return tuple(fold.journal)
