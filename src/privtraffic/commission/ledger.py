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

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from privtraffic._html import html_table
from privtraffic._validation import as_datetime64
from privtraffic.commission._types import Id, TimeLike
from privtraffic.commission.events import (
    LedgerEvent,
    OrderPlaced,
    OrderSettled,
    Payout,
    Refund,
    event_from_row,
    event_to_row,
)
from privtraffic.commission.journal import (
    POSTING_KINDS,
    Deltas,
    Posting,
    fold_journal,
    id_key,
    order_entries,
)
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import CommissionEntry, _amount_of
from privtraffic.commission.statement import Balance, Statement
from privtraffic.errors import InvalidInputError
from privtraffic.money import as_amount, format_amount, from_minor_units

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["POSTING_KINDS", "Ledger", "Posting"]

_FORMAT_VERSION = 1
_NO_CHANGE = Deltas()
_EVENT_KINDS = ("order", "settlement", "refund", "payout")


class Ledger:
    """An event-sourced commission ledger for one plan and one distributor network.

    The ledger is the one mutable object of the package, and only through :meth:`record`,
    which appends events (and returns the ledger, so calls chain). Everything it reports is
    derived from the recorded events, folded in business order
    (:func:`~privtraffic.commission.journal.fold_journal`), and handed out as frozen values:
    the plan, the network (read-only arrays), tuples of events and of postings, balances and
    statements. No public handle changes a balance except recording an event.

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
        self._plan = plan
        self._network = network
        self._events: list[LedgerEvent] = []
        self._by_key: dict[tuple[str, Id], LedgerEvent] = {}
        self._refunded: dict[Id, Decimal] = {}
        self._journal: tuple[Posting, ...] | None = ()

    @property
    def plan(self) -> CommissionPlan:
        """The plan every order is computed with (read-only).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=[1])).plan.holding_days
        7
        """
        return self._plan

    @property
    def network(self) -> DistributorNetwork:
        """The distributor network every order is computed with (read-only).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=[1])).network.users.tolist()
        [1]
        """
        return self._network

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

    def record(self, *events: LedgerEvent) -> Self:
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
            order_entries(self.plan, self.network, event, event.amount)
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
            self.network.index_of(
                [event.distributor], "distributor", labels=[event.payout_id], label_name="payout"
            )
            if event.amount is not None:
                _amount_of(f"payout {event.payout_id!r}", event.amount, currency)

    # -- folding -----------------------------------------------------------------------------

    def _fold(self) -> tuple[Posting, ...]:
        if self._journal is None:
            self._journal = fold_journal(self.plan, self.network, self._events)
        return self._journal

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
        return self._fold()

    def _moment(self, value: TimeLike, name: str) -> np.datetime64:
        moment: np.datetime64 = as_datetime64([value], name)[0]
        return moment

    def balances(self, as_of: TimeLike | None = None) -> dict[Id, Balance]:
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
        t = None if as_of is None else self._moment(as_of, "as_of")
        sums: dict[Id, Deltas] = {}
        for p in self._fold():
            if t is not None and p.at > t:
                continue
            sums[p.distributor] = sums.get(p.distributor, _NO_CHANGE) + p.deltas
        return {
            who: self._balance(who, s)
            for who, s in sorted(sums.items(), key=lambda kv: id_key(kv[0]))
        }

    def _balance(self, who: Id, total: Deltas) -> Balance:
        m = self._money
        return Balance(
            who,
            self.plan.currency,
            pending=m(total.pending),
            payable=m(total.payable),
            paid=m(total.paid),
            clawback_due=m(total.clawback),
        )

    def balance(self, distributor: Id, as_of: TimeLike | None = None) -> Balance:
        """One distributor's balance at ``as_of`` (zero if they have no postings).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> Ledger(CommissionPlan(level_rates=("0.1",)),
        ...        DistributorNetwork.from_edges([], [], users=["kol"])).balance("kol").owed
        Decimal('0.00')
        """
        self.network.index_of([distributor], "distributor")
        found = self.balances(as_of).get(distributor)
        return self._balance(distributor, _NO_CHANGE) if found is None else found

    def _money(self, units: int) -> Decimal:
        return from_minor_units(units, self.plan.currency)

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
        self.network.index_of([distributor], "distributor")
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
        opening: dict[Id, int] = {}  # owed at start
        moved: dict[Id, dict[str, int]] = {}  # amount by kind of posting inside the period
        closing: dict[Id, Deltas] = {}  # the buckets at end
        if only is not None:
            opening[only] = 0
        for p in self._fold():
            if (only is not None and p.distributor != only) or p.at >= t1:
                continue
            who = p.distributor
            if p.at < t0:
                opening[who] = opening.get(who, 0) + p.deltas.owed
            else:
                opening.setdefault(who, 0)
                if p.kind != "matured" and p.kind != "offset":
                    kinds = moved.setdefault(who, {})
                    kinds[p.kind] = kinds.get(p.kind, 0) + p.amount_minor
            closing[who] = closing.get(who, _NO_CHANGE) + p.deltas
        m = self._money
        out = []
        for who in sorted(opening, key=id_key):
            kinds = moved.get(who, {})
            end_of = closing.get(who, _NO_CHANGE)
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
                    pending=m(end_of.pending),
                    payable=m(end_of.payable),
                    clawback_due=m(end_of.clawback),
                )
            )
        return tuple(out)

    def entries(self, order_id: Id) -> tuple[CommissionEntry, ...]:
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
        remaining = order.amount - self._refunded.get(order_id, Decimal(0))
        return order_entries(self.plan, self.network, order, remaining)

    # -- persistence -------------------------------------------------------------------------

    def to_jsonl(self) -> str:
        """The whole ledger as JSON lines: a header (plan, network), then one event per line.

        Decimals are written as strings and timestamps as ISO 8601, so :meth:`from_jsonl`
        restores the ledger exactly. The lines are
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
        header = {
            "privtraffic": "commission-ledger",
            "version": _FORMAT_VERSION,
            "plan": self.plan.to_dict(),
            "network": self.network.to_dict(),
        }
        lines = [json.dumps(header, ensure_ascii=False)]
        lines.extend(json.dumps(event_to_row(e), ensure_ascii=False) for e in self._events)
        return "\n".join(lines) + "\n"

    @classmethod
    def from_jsonl(cls, text: str | Iterable[str]) -> Self:
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
        events: list[LedgerEvent] = []
        for number, line in enumerate(lines[1:], start=2):
            row = json.loads(line)
            kind = row.get("event") if isinstance(row, dict) else None
            if kind not in _EVENT_KINDS:
                raise InvalidInputError(f"line {number}: unknown event kind {kind!r}")
            try:
                events.append(event_from_row(row))
            except (KeyError, InvalidInputError) as exc:
                raise InvalidInputError(f"line {number}: {exc}") from None
        return ledger.record(*events)

    def __repr__(self) -> str:
        n = {k: 0 for k in _EVENT_KINDS}
        for e in self._events:
            n[e.key[0]] += 1
        return (
            f"Ledger({self.plan!r}, {len(self._events)} events: {n['order']} orders, "
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
            title=f"Commission ledger ({len(self._events):,} events, {currency})",
        )
