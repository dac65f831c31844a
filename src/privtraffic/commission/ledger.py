"""An event-sourced, idempotent commission ledger: pending -> payable -> paid, with clawbacks.

The ledger keeps the events it was given (orders, settlements, refunds, payouts) and derives
everything else — commission items, balances, statements — by folding them in their business
order ``(at, kind, id)``. So the balances depend only on the set of events, never on the order in
which they were recorded or on the wall clock; recording an event twice is a no-op, and
re-using an id for different content is an error.

Life of a commission:

1. :class:`~privtraffic.commission.OrderPlaced` — entries are computed with
   :func:`~privtraffic.commission.split_commission` and held as **pending**.
2. :class:`~privtraffic.commission.OrderSettled` — delivery/confirmation; ``holding_days`` later
   the unpaid part becomes **payable**.
3. :class:`~privtraffic.commission.Payout` — outstanding clawbacks are deducted from the payable
   balance first, then cash is **paid**, oldest payable commission first.
4. :class:`~privtraffic.commission.Refund` — the order's commission is recomputed on what remains
   of the order; the difference is **reversed** from the unpaid part of each item and, where
   the item was already paid, becomes a **clawback** deducted from later earnings.

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

import heapq
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import numpy as np

from privtraffic._html import html_table
from privtraffic.commission.events import (
    LedgerEvent,
    OrderPlaced,
    OrderSettled,
    Payout,
    Refund,
)
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import CommissionEntry, _amount_of, split_commission
from privtraffic.commission.statement import Balance, Statement
from privtraffic.errors import InvalidInputError
from privtraffic.money import as_amount, minor_exponent

__all__ = ["POSTING_KINDS", "Ledger", "Posting"]

#: The kinds of journal posting, with their effect on the balance owed to the distributor.
POSTING_KINDS = ("earned", "matured", "reversed", "clawed_back", "offset", "paid")

_KIND_ORDER = {OrderPlaced: 0, OrderSettled: 1, Refund: 2, Payout: 3}
_JSON_KIND = {OrderPlaced: "order", OrderSettled: "settlement", Refund: "refund", Payout: "payout"}
_FORMAT_VERSION = 1


class Posting:
    """One line of the ledger's journal, in minor units.

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
    d_pending, d_payable, d_clawback, d_paid : int
        Change of each bucket.

    Examples
    --------
    >>> p = Posting(np.datetime64("2024-05-01T00:00:00"), "bob", "earned", 100, "o1", 100, 0, 0, 0)
    >>> p
    Posting(2024-05-01T00:00:00 'bob' earned 100 ref 'o1')
    """

    __slots__ = (
        "amount_minor",
        "at",
        "d_clawback",
        "d_paid",
        "d_payable",
        "d_pending",
        "distributor",
        "kind",
        "ref",
    )

    def __init__(
        self,
        at: np.datetime64,
        distributor: Any,
        kind: str,
        amount_minor: int,
        ref: Any,
        d_pending: int,
        d_payable: int,
        d_clawback: int,
        d_paid: int,
    ) -> None:
        self.at = at
        self.distributor = distributor
        self.kind = kind
        self.amount_minor = amount_minor
        self.ref = ref
        self.d_pending = d_pending
        self.d_payable = d_payable
        self.d_clawback = d_clawback
        self.d_paid = d_paid

    def __repr__(self) -> str:
        return (
            f"Posting({self.at} {self.distributor!r} {self.kind} {self.amount_minor} "
            f"ref {self.ref!r})"
        )


class _Item:
    """One beneficiary's commission on one order while the journal is folded."""

    __slots__ = ("amount", "beneficiary", "mature_at", "matured", "order_id", "paid", "seq")

    def __init__(self, order_id: Any, beneficiary: Any, amount: int, seq: int) -> None:
        self.order_id = order_id
        self.beneficiary = beneficiary
        self.amount = amount
        self.paid = 0
        self.matured = False
        self.mature_at: np.datetime64 | None = None
        self.seq = seq


def _id_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _event_key(event: LedgerEvent) -> tuple[Any, ...]:
    return (event.at, _KIND_ORDER[type(event)], _id_key(event.key[1]))


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class Ledger:
    """An event-sourced commission ledger for one plan and one distributor network.

    The ledger is the one mutable object of the package: :meth:`record` appends events (and
    returns the ledger, so calls chain). Everything it reports is derived from the recorded
    events, folded in business order.

    Parameters
    ----------
    plan : CommissionPlan
        Rates, holding period, minimum payout.
    network : DistributorNetwork
        Uplines, ranks and rights used for every order.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
    ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
    >>> ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))
    Ledger(CommissionPlan(levels=(0.1), ...), 1 events: 1 orders, 0 refunds, 0 payouts)
    """

    def __init__(self, plan: CommissionPlan, network: DistributorNetwork) -> None:
        if not isinstance(plan, CommissionPlan):
            raise InvalidInputError(f"'plan' must be a CommissionPlan (got {type(plan).__name__})")
        if not isinstance(network, DistributorNetwork):
            raise InvalidInputError(
                f"'network' must be a DistributorNetwork (got {type(network).__name__})"
            )
        self.plan = plan
        self.network = network
        self._events: list[LedgerEvent] = []
        self._by_key: dict[tuple[str, Any], LedgerEvent] = {}
        self._refunded: dict[Any, Decimal] = {}
        self._journal: list[Posting] | None = []

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
        return tuple(self._events)

    def record(self, *events: LedgerEvent) -> Ledger:
        """Record events; an event already recorded with the same content is skipped.

        Each event is checked against what is recorded so far (including the earlier events of
        the same call), so events must come in causal order: an order before its settlement and
        refunds. If any event is refused, none of the call's events is kept.

        Parameters
        ----------
        *events : OrderPlaced, OrderSettled, Refund or Payout
            The events.

        Returns
        -------
        Ledger
            ``self``.

        Raises
        ------
        InvalidInputError
            An id re-used with different content; an unknown sharer, order or distributor; a
            settlement or refund dated before its order; a refund larger than what remains of
            the order; an amount with too many decimal places; an explicit payout larger than
            what is payable — each naming the event and the order.

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
        added: list[LedgerEvent] = []
        refunded_before = dict(self._refunded)
        needs_fold = False
        try:
            for event in events:
                if not isinstance(event, (OrderPlaced, OrderSettled, Refund, Payout)):
                    raise InvalidInputError(
                        f"'events' must be OrderPlaced, OrderSettled, Refund or Payout "
                        f"(got {type(event).__name__})"
                    )
                existing = self._by_key.get(event.key)
                if existing is not None:
                    if existing == event:
                        continue
                    raise InvalidInputError(
                        f"{event.key[0]} id {event.key[1]!r} was already recorded with different "
                        f"content: {existing!r}, now {event!r}"
                    )
                self._check(event)
                self._by_key[event.key] = event
                self._events.append(event)
                added.append(event)
                needs_fold |= isinstance(event, Payout) and event.amount is not None
            self._journal = None
            if needs_fold:
                self._fold()
        except Exception:
            for event in added:
                del self._by_key[event.key]
                self._events.pop()
            self._refunded = refunded_before
            self._journal = None
            raise
        return self

    def _order(self, event: OrderSettled | Refund, what: str) -> OrderPlaced:
        order = self._by_key.get(("order", event.order_id))
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

    def _check(self, event: LedgerEvent) -> None:
        currency = self.plan.currency
        if isinstance(event, OrderPlaced):
            _amount_of(f"order {event.order_id!r}", event.amount, currency)
            split_commission(
                self.plan,
                event.order_id,
                event.amount,
                event.sharer,
                self.network,
                buyer=event.buyer,
                category=event.category,
            )
        elif isinstance(event, OrderSettled):
            self._order(event, f"settlement of order {event.order_id!r}")
        elif isinstance(event, Refund):
            what = f"refund {event.refund_id!r}"
            order = self._order(event, what)
            amount = _amount_of(what, event.amount, currency)
            done = self._refunded.get(order.order_id, Decimal(0))
            left = as_amount(order.amount, currency=currency) - done
            if amount > left:
                raise InvalidInputError(
                    f"{what} of order {order.order_id!r} is larger than what remains of the "
                    f"order ({amount} > {left} remaining of "
                    f"{as_amount(order.amount, currency=currency)})"
                )
            self._refunded[order.order_id] = done + amount
        else:
            self.network.index_of([event.distributor], "distributor", labels=[event.payout_id])
            if event.amount is not None:
                _amount_of(f"payout {event.payout_id!r}", event.amount, currency)

    # -- folding -----------------------------------------------------------------------------

    def _units(self, value: Decimal) -> int:
        return int(value.scaleb(minor_exponent(self.plan.currency)))

    def _split(self, order: OrderPlaced, amount: Decimal) -> tuple[CommissionEntry, ...]:
        return split_commission(
            self.plan,
            order.order_id,
            amount,
            order.sharer,
            self.network,
            buyer=order.buyer,
            category=order.category,
        )

    def _fold(self) -> list[Posting]:
        if self._journal is not None:
            return self._journal
        plan = self.plan
        hold = np.timedelta64(plan.holding_days, "D")
        min_payout = self._units(plan.min_payout)
        journal: list[Posting] = []
        items: dict[tuple[Any, Any, int], _Item] = {}
        by_order: dict[Any, list[_Item]] = {}
        by_person: dict[Any, list[_Item]] = {}
        orders: dict[Any, OrderPlaced] = {}
        refunded: dict[Any, Decimal] = {}
        clawback: dict[Any, int] = {}
        due: list[tuple[np.datetime64, int, Any]] = []
        seq = 0

        def post(at: Any, who: Any, kind: str, amount: int, ref: Any, *deltas: int) -> None:
            if amount:
                journal.append(Posting(at, who, kind, amount, ref, *deltas))

        def mature_until(t: np.datetime64 | None) -> None:
            while due and (t is None or due[0][0] <= t):
                at, _, order_id = heapq.heappop(due)
                for item in by_order[order_id]:
                    if item.matured:
                        continue
                    item.matured = True
                    item.mature_at = at
                    unpaid = item.amount - item.paid
                    post(at, item.beneficiary, "matured", unpaid, order_id, -unpaid, unpaid, 0, 0)

        def change(item: _Item, new_amount: int, at: Any, ref: Any) -> None:
            delta = item.amount - new_amount
            who = item.beneficiary
            unpaid = item.amount - item.paid
            bucket = (0, 1) if item.matured else (1, 0)
            if delta > 0:
                from_unpaid = min(delta, unpaid)
                claw = delta - from_unpaid
                if from_unpaid:
                    post(
                        at,
                        who,
                        "reversed",
                        from_unpaid,
                        ref,
                        -from_unpaid * bucket[0],
                        -from_unpaid * bucket[1],
                        0,
                        0,
                    )
                if claw:
                    clawback[who] = clawback.get(who, 0) + claw
                    post(at, who, "clawed_back", claw, ref, 0, 0, claw, 0)
            elif delta < 0:  # a largest-remainder split may move a unit the other way
                post(at, who, "earned", -delta, ref, -delta * bucket[0], -delta * bucket[1], 0, 0)
            item.amount = new_amount
            item.paid = min(item.paid, new_amount)

        for event in sorted(self._events, key=_event_key):
            mature_until(event.at)
            if isinstance(event, OrderPlaced):
                orders[event.order_id] = event
                refunded[event.order_id] = Decimal(0)
                by_order[event.order_id] = []
                for entry in self._split(event, event.amount):
                    item = _Item(event.order_id, entry.beneficiary, self._units(entry.amount), seq)
                    seq += 1
                    items[(event.order_id, entry.beneficiary, entry.level)] = item
                    by_order[event.order_id].append(item)
                    by_person.setdefault(entry.beneficiary, []).append(item)
                    post(event.at, item.beneficiary, "earned", item.amount, event.order_id,
                         item.amount, 0, 0, 0)  # fmt: skip
            elif isinstance(event, OrderSettled):
                heapq.heappush(due, (event.at + hold, seq, event.order_id))
                seq += 1
                mature_until(event.at)
            elif isinstance(event, Refund):
                order = orders[event.order_id]
                refunded[order.order_id] += event.amount
                remaining = order.amount - refunded[order.order_id]
                for entry in self._split(order, remaining):
                    item = items[(order.order_id, entry.beneficiary, entry.level)]
                    change(item, self._units(entry.amount), event.at, order.order_id)
            else:
                who = event.distributor
                ready = sorted(
                    (i for i in by_person.get(who, ()) if i.matured and i.amount > i.paid),
                    key=lambda i: (i.mature_at, i.seq),
                )
                payable = sum(i.amount - i.paid for i in ready)
                offset = min(payable, clawback.get(who, 0))
                available = payable - offset
                if event.amount is None:
                    cash = available
                    if cash < min_payout or (cash == 0 and offset == 0):
                        continue
                else:
                    cash = self._units(event.amount)
                    if cash > available:
                        raise InvalidInputError(
                            f"payout {event.payout_id!r} of {event.amount} to {who!r} is larger "
                            f"than what is payable at {event.at} "
                            f"({Decimal(available).scaleb(-minor_exponent(plan.currency))})"
                        )
                    if 0 < cash < min_payout:
                        raise InvalidInputError(
                            f"payout {event.payout_id!r} of {event.amount} to {who!r} is below "
                            f"the plan's min_payout {plan.min_payout}"
                        )
                take = offset + cash
                for item in ready:
                    if take == 0:
                        break
                    step = min(take, item.amount - item.paid)
                    item.paid += step
                    take -= step
                if offset:
                    clawback[who] -= offset
                    post(event.at, who, "offset", offset, event.payout_id, 0, -offset, -offset, 0)
                if cash:
                    post(event.at, who, "paid", cash, event.payout_id, 0, -cash, 0, cash)
        mature_until(None)
        self._journal = journal
        return journal

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
        return tuple(self._fold())

    def _as_of(self, value: Any, name: str) -> np.datetime64 | None:
        if value is None:
            return None
        from privtraffic._validation import as_datetime64

        return as_datetime64([value], name)[0]

    def balances(self, as_of: Any = None) -> dict[Any, Balance]:
        """Every distributor's balance at ``as_of`` (inclusive; ``None``: after all events).

        ``as_of`` is business time: a commission is payable in the result only if its holding
        period ended at or before ``as_of``.

        Parameters
        ----------
        as_of : datetime-like, optional
            The moment.

        Returns
        -------
        dict
            Distributor id to :class:`~privtraffic.commission.Balance`, sorted by id.

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
        t = self._as_of(as_of, "as_of")
        sums: dict[Any, list[int]] = {}
        for p in self._fold():
            if t is not None and p.at > t:
                continue
            s = sums.setdefault(p.distributor, [0, 0, 0, 0])
            s[0] += p.d_pending
            s[1] += p.d_payable
            s[2] += p.d_paid
            s[3] += p.d_clawback
        return {
            who: Balance(who, self.plan.currency, *(self._money(v) for v in s))
            for who, s in sorted(sums.items(), key=lambda kv: _id_key(kv[0]))
        }

    def balance(self, distributor: Any, as_of: Any = None) -> Balance:
        """One distributor's balance at ``as_of`` (zero if they have no postings).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=["kol"])).balance("kol").owed
        Decimal('0.00')
        """
        self.network.index_of([distributor], "distributor")
        zero = self._money(0)
        return self.balances(as_of).get(
            distributor, Balance(distributor, self.plan.currency, zero, zero, zero, zero)
        )

    def _money(self, units: int) -> Decimal:
        exponent = minor_exponent(self.plan.currency)
        return Decimal(units).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))

    def statement(self, distributor: Any, start: Any, end: Any) -> Statement:
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
        self.network.index_of([distributor], "distributor")
        return self._statements(start, end, only=distributor)[0]

    def statements(self, start: Any, end: Any) -> tuple[Statement, ...]:
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

    def _statements(self, start: Any, end: Any, only: Any = None) -> tuple[Statement, ...]:
        t0 = self._as_of(start, "start")
        t1 = self._as_of(end, "end")
        assert t0 is not None and t1 is not None
        if t1 < t0:
            raise InvalidInputError(f"'end' must be >= 'start' (got {t1} < {t0})")
        acc: dict[Any, dict[str, int]] = {}
        if only is not None:
            acc[only] = {}
        for p in self._fold():
            if only is not None and p.distributor != only:
                continue
            if p.at >= t1:
                continue
            a = acc.setdefault(p.distributor, {})
            if p.at < t0:
                a["opening"] = a.get("opening", 0) + p.d_pending + p.d_payable - p.d_clawback
            elif p.kind != "matured" and p.kind != "offset":
                a[p.kind] = a.get(p.kind, 0) + p.amount_minor
            a["pending"] = a.get("pending", 0) + p.d_pending
            a["payable"] = a.get("payable", 0) + p.d_payable
            a["clawback"] = a.get("clawback", 0) + p.d_clawback
        m = self._money
        return tuple(
            Statement(
                who,
                str(t0),
                str(t1),
                self.plan.currency,
                opening=m(a.get("opening", 0)),
                earned=m(a.get("earned", 0)),
                reversed=m(a.get("reversed", 0)),
                clawed_back=m(a.get("clawed_back", 0)),
                paid=m(a.get("paid", 0)),
                pending=m(a.get("pending", 0)),
                payable=m(a.get("payable", 0)),
                clawback_due=m(a.get("clawback", 0)),
            )
            for who, a in sorted(acc.items(), key=lambda kv: _id_key(kv[0]))
        )

    def entries(self, order_id: Any) -> tuple[CommissionEntry, ...]:
        """The order's current commission entries (on what remains after its refunds).

        Examples
        --------
        >>> from privtraffic.commission import (CommissionPlan, DistributorNetwork, OrderPlaced,
        ...     Refund)
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"),
        ...                   Refund("r1", "o1", "2024-05-02", "4.00"))
        >>> ledger.entries("o1")[0].amount
        Decimal('0.60')
        """
        order = self._by_key.get(("order", order_id))
        if not isinstance(order, OrderPlaced):
            raise InvalidInputError(f"'order_id' {order_id!r} is not recorded")
        return self._split(order, order.amount - self._refunded.get(order_id, Decimal(0)))

    # -- persistence -------------------------------------------------------------------------

    def to_jsonl(self) -> str:
        """The whole ledger as JSON lines: a header (plan, network), then one event per line.

        Decimals are written as strings and timestamps as ISO 8601, so :meth:`from_jsonl`
        restores the ledger exactly.

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
        lines = [
            json.dumps(
                {
                    "privtraffic": "commission-ledger",
                    "version": _FORMAT_VERSION,
                    "plan": self.plan.to_dict(),
                    "network": self.network.to_dict(),
                },
                ensure_ascii=False,
            )
        ]
        for e in self._events:
            row: dict[str, Any] = {"event": _JSON_KIND[type(e)]}
            if isinstance(e, OrderPlaced):
                row.update(
                    order_id=e.order_id,
                    at=str(e.at),
                    amount=str(e.amount),
                    sharer=e.sharer,
                    buyer=e.buyer,
                    category=e.category,
                )
            elif isinstance(e, OrderSettled):
                row.update(order_id=e.order_id, at=str(e.at))
            elif isinstance(e, Refund):
                row.update(
                    refund_id=e.refund_id, order_id=e.order_id, at=str(e.at), amount=str(e.amount)
                )
            else:
                row.update(
                    payout_id=e.payout_id,
                    distributor=e.distributor,
                    at=str(e.at),
                    amount=None if e.amount is None else str(e.amount),
                )
            lines.append(json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False))
        return "\n".join(lines) + "\n"

    @classmethod
    def from_jsonl(cls, text: str | Iterable[str]) -> Ledger:
        """Restore a ledger written by :meth:`to_jsonl` (a string or an iterable of lines).

        Raises
        ------
        InvalidInputError
            Not a ledger file, an unknown format version or event kind, or any event refused
            when it is recorded again (naming its line).

        Examples
        --------
        >>> Ledger.from_jsonl('{"privtraffic": "other"}')
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: line 1 is not a privtraffic commission-ledger header
        """
        lines = text.splitlines() if isinstance(text, str) else list(text)
        lines = [line for line in lines if line.strip()]
        if not lines:
            raise InvalidInputError("'text' holds no ledger (empty)")
        head = json.loads(lines[0])
        if not isinstance(head, dict) or head.get("privtraffic") != "commission-ledger":
            raise InvalidInputError("line 1 is not a privtraffic commission-ledger header")
        if head.get("version") != _FORMAT_VERSION:
            raise InvalidInputError(
                f"ledger format version {head.get('version')!r} is not supported "
                f"(expected {_FORMAT_VERSION})"
            )
        ledger = cls(
            CommissionPlan.from_dict(head["plan"]), DistributorNetwork.from_dict(head["network"])
        )
        builders: dict[str, Callable[[dict[str, Any]], LedgerEvent]] = {
            "order": lambda r: OrderPlaced(
                r["order_id"], r["at"], r["amount"], r["sharer"], r["buyer"], r["category"]
            ),
            "settlement": lambda r: OrderSettled(r["order_id"], r["at"]),
            "refund": lambda r: Refund(r["refund_id"], r["order_id"], r["at"], r["amount"]),
            "payout": lambda r: Payout(r["payout_id"], r["distributor"], r["at"], r["amount"]),
        }
        events: list[LedgerEvent] = []
        for number, line in enumerate(lines[1:], start=2):
            row = json.loads(line)
            kind = row.get("event")
            if kind not in builders:
                raise InvalidInputError(f"line {number}: unknown event kind {kind!r}")
            try:
                events.append(builders[kind](row))
            except (KeyError, InvalidInputError) as exc:
                raise InvalidInputError(f"line {number}: {exc}") from None
        return ledger.record(*events)

    def __repr__(self) -> str:
        n = {k: 0 for k in _JSON_KIND.values()}
        for e in self._events:
            n[_JSON_KIND[type(e)]] += 1
        return (
            f"Ledger({self.plan!r}, {len(self._events)} events: {n['order']} orders, "
            f"{n['refund']} refunds, {n['payout']} payouts)"
        )

    def _repr_html_(self) -> str:
        rows = [
            (b.distributor, str(b.pending), str(b.payable), str(b.paid), str(b.clawback_due))
            for b in self.balances().values()
        ]
        return html_table(
            rows,
            ["distributor", "pending", "payable", "paid", "clawback due"],
            title=f"Commission ledger ({len(self._events):,} events, {self.plan.currency})",
        )
