"""The ledger's journal: frozen postings with named deltas, and the fold that derives them.

A :class:`~privtraffic.commission.Ledger` keeps events; its journal is computed from them by
:func:`fold_journal`, which walks the events in business order and hands each one to the handler
of its kind (:meth:`_Fold.order_placed`, :meth:`_Fold.order_settled`, :meth:`_Fold.refund`,
:meth:`_Fold.payout`; commission reaching the end of its holding period is
:meth:`_Fold.mature_until`). Every handler speaks in :class:`Deltas`, the change of each bucket of
a distributor's account, and appends :class:`Posting` lines; nothing of the fold outlives it
except the tuple of postings.

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
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs
import numpy as np

from privtraffic.commission._types import Id
from privtraffic.commission.events import (
    LedgerEvent,
    OrderPlaced,
    OrderSettled,
    Payout,
    Refund,
)
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import CommissionEntry, _minor_units, split_commission
from privtraffic.errors import InvalidInputError
from privtraffic.money import from_minor_units

__all__ = [
    "POSTING_KINDS",
    "Deltas",
    "Posting",
    "PostingKind",
    "fold_journal",
    "order_entries",
]

#: The kinds of journal posting, with their effect on the balance owed to the distributor.
POSTING_KINDS = ("earned", "matured", "reversed", "clawed_back", "offset", "paid")

#: One of :data:`POSTING_KINDS`.
PostingKind: TypeAlias = Literal["earned", "matured", "reversed", "clawed_back", "offset", "paid"]

# Events of one moment are folded orders first, then settlements, refunds and payouts.
_KIND_ORDER = {OrderPlaced: 0, OrderSettled: 1, Refund: 2, Payout: 3}


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
        The order (earned, matured, reversed, clawed_back) or payout (offset, paid).
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


def _business_order(event: LedgerEvent) -> tuple[np.datetime64, int, tuple[str, Id]]:
    return (event.at, _KIND_ORDER[type(event)], id_key(event.key[1]))


def order_entries(
    plan: CommissionPlan, network: DistributorNetwork, order: OrderPlaced, amount: Decimal
) -> tuple[CommissionEntry, ...]:
    """The commission entries of ``order`` on ``amount`` (what remains of it after refunds).

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> order = OrderPlaced("o1", "2024-05-01", "10.00", "kol")
    >>> order_entries(CommissionPlan(level_rates=("0.1",)),
    ...               DistributorNetwork.from_edges([], [], users=["kol"]), order, Decimal("6"))
    (CommissionEntry('o1' -> 'kol', level 1, 0.60 = 0.1 x 6.00),)
    """
    return split_commission(
        plan,
        network,
        order.order_id,
        amount,
        order.sharer,
        buyer=order.buyer,
        category=order.category,
    )


class _Item:
    """One beneficiary's commission on one order while the journal is folded."""

    __slots__ = ("amount", "beneficiary", "mature_at", "matured", "paid", "seq")

    def __init__(self, beneficiary: Id, amount: int, seq: int) -> None:
        self.beneficiary = beneficiary
        self.amount = amount
        self.paid = 0
        self.matured = False
        self.mature_at: np.datetime64 | None = None
        self.seq = seq

    @property
    def unpaid(self) -> int:
        return self.amount - self.paid

    def bucket(self, units: int) -> Deltas:
        """``units`` in the bucket the item's unpaid part sits in (payable once matured)."""
        return Deltas(payable=units) if self.matured else Deltas(pending=units)


class _Fold:
    """The state of one fold over a ledger's events: one handler per kind of event.

    The handlers are called in business order by :func:`fold_journal`; each one updates the
    commission items and appends the postings the event causes.
    """

    def __init__(self, plan: CommissionPlan, network: DistributorNetwork) -> None:
        self.plan = plan
        self.network = network
        self.hold = np.timedelta64(plan.holding_days, "D")
        self.min_payout = _minor_units(plan.min_payout, plan.currency)
        self.journal: list[Posting] = []
        self.items: dict[tuple[Id, Id, int], _Item] = {}  # (order, beneficiary, level)
        self.by_order: dict[Id, list[_Item]] = {}
        self.by_person: dict[Id, list[_Item]] = {}
        self.orders: dict[Id, OrderPlaced] = {}
        self.refunded: dict[Id, Decimal] = {}
        self.clawback: dict[Id, int] = {}
        self.due: list[tuple[np.datetime64, int, Id]] = []  # (matures at, seq, order)
        self.seq = 0

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq - 1

    def post(
        self, at: np.datetime64, who: Id, kind: PostingKind, amount: int, ref: Id, deltas: Deltas
    ) -> None:
        if amount:
            self.journal.append(Posting(at, who, kind, amount, ref, deltas))

    def apply(self, event: LedgerEvent) -> None:
        """Mature what is due by the event's time, then hand the event to its kind's handler."""
        self.mature_until(event.at)
        if isinstance(event, OrderPlaced):
            self.order_placed(event)
        elif isinstance(event, OrderSettled):
            self.order_settled(event)
        elif isinstance(event, Refund):
            self.refund(event)
        else:
            self.payout(event)

    def mature_until(self, t: np.datetime64 | None) -> None:
        """Holding periods ending at or before ``t`` (``None``: all): unpaid becomes payable."""
        while self.due and (t is None or self.due[0][0] <= t):
            at, _, order_id = heapq.heappop(self.due)
            for item in self.by_order[order_id]:
                if item.matured:
                    continue
                item.matured = True
                item.mature_at = at
                unpaid = item.unpaid
                deltas = Deltas(pending=-unpaid, payable=unpaid)
                self.post(at, item.beneficiary, "matured", unpaid, order_id, deltas)

    def order_placed(self, event: OrderPlaced) -> None:
        """Each entry of the order becomes an item, earned and pending."""
        order_id = event.order_id
        self.orders[order_id] = event
        self.refunded[order_id] = Decimal(0)
        self.by_order[order_id] = []
        for entry in order_entries(self.plan, self.network, event, event.amount):
            item = _Item(
                entry.beneficiary, _minor_units(entry.amount, entry.currency), self._next_seq()
            )
            self.items[(order_id, entry.beneficiary, entry.level)] = item
            self.by_order[order_id].append(item)
            self.by_person.setdefault(entry.beneficiary, []).append(item)
            deltas = Deltas(pending=item.amount)
            self.post(event.at, item.beneficiary, "earned", item.amount, order_id, deltas)

    def order_settled(self, event: OrderSettled) -> None:
        """The holding period starts; the order's items mature ``holding_days`` later."""
        heapq.heappush(self.due, (event.at + self.hold, self._next_seq(), event.order_id))
        self.mature_until(event.at)

    def refund(self, event: Refund) -> None:
        """The order's entries are recomputed on what remains; each item moves to its new
        amount (:meth:`_change`)."""
        order = self.orders[event.order_id]
        self.refunded[order.order_id] += event.amount
        remaining = order.amount - self.refunded[order.order_id]
        for entry in order_entries(self.plan, self.network, order, remaining):
            item = self.items[(order.order_id, entry.beneficiary, entry.level)]
            self._change(item, _minor_units(entry.amount, entry.currency), event.at, order.order_id)

    def _change(self, item: _Item, new_amount: int, at: np.datetime64, ref: Id) -> None:
        """An item's amount changes: a cut comes out of its unpaid part first (reversed), the
        rest was paid already and is owed back (clawed back); a rise is earned."""
        delta = item.amount - new_amount
        who = item.beneficiary
        if delta > 0:
            from_unpaid = min(delta, item.unpaid)
            claw = delta - from_unpaid
            self.post(at, who, "reversed", from_unpaid, ref, item.bucket(-from_unpaid))
            if claw:
                self.clawback[who] = self.clawback.get(who, 0) + claw
                self.post(at, who, "clawed_back", claw, ref, Deltas(clawback=claw))
        elif delta < 0:  # a largest-remainder split may move a unit the other way
            self.post(at, who, "earned", -delta, ref, item.bucket(-delta))
        item.amount = new_amount
        item.paid = min(item.paid, new_amount)

    def payout(self, event: Payout) -> None:
        """Clawbacks due are offset against the payable balance first, then cash is paid,
        oldest payable commission first."""
        plan, who = self.plan, event.distributor
        ready = sorted(
            (i for i in self.by_person.get(who, ()) if i.matured and i.unpaid > 0),
            key=lambda i: (i.mature_at, i.seq),
        )
        payable = sum(i.unpaid for i in ready)
        offset = min(payable, self.clawback.get(who, 0))
        available = payable - offset
        if event.amount is None:
            cash = available
            if cash < self.min_payout or (cash == 0 and offset == 0):
                return
        else:
            cash = _minor_units(event.amount, plan.currency)
            if cash > available:
                raise InvalidInputError(
                    f"payout {event.payout_id!r} of {event.amount} to {who!r} is larger "
                    f"than what is payable at {event.at} "
                    f"({from_minor_units(available, plan.currency)})"
                )
            if 0 < cash < self.min_payout:
                raise InvalidInputError(
                    f"payout {event.payout_id!r} of {event.amount} to {who!r} is below "
                    f"the plan's min_payout {plan.min_payout}"
                )
        take = offset + cash
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
        Uplines, ranks and rights.
    events : iterable of OrderPlaced, OrderSettled, Refund or Payout
        Causally complete (every settlement and refund has its order), in any order.

    Returns
    -------
    tuple of Posting

    Raises
    ------
    InvalidInputError
        An explicit payout larger than what is payable at its time, or below ``min_payout``.

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
    fold = _Fold(plan, network)
    for event in sorted(events, key=_business_order):
        fold.apply(event)
    fold.mature_until(None)
    return tuple(fold.journal)
