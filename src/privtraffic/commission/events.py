"""The events a commission :class:`~privtraffic.commission.Ledger` is built from.

Four kinds, each a frozen value with its own id space:

* :class:`OrderPlaced` — an order brought by a sharer; creates pending commission.
* :class:`OrderSettled` — the order was delivered / confirmed; the holding period starts.
* :class:`Refund` — part or all of an order's amount returned to the buyer.
* :class:`Payout` — cash paid to a distributor from their payable balance.

Timestamps (``at``) are the business time of the event; the ledger never reads the wall clock.

Examples
--------
>>> from privtraffic.commission import OrderPlaced, Refund
>>> OrderPlaced("o1", "2024-05-01T10:00", "99.99", "bob")
OrderPlaced('o1', 2024-05-01T10:00:00, 99.99 by 'bob')
>>> Refund("r1", "o1", "2024-05-03", 30.5)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
privtraffic.errors.InvalidInputError: 'amount' of refund 'r1' must not be a float (got 30.5)...
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, TypeAlias, TypedDict

import attrs
import numpy as np

from privtraffic._validation import as_datetime64, as_ids
from privtraffic.commission._types import AmountLike, Id, TimeLike
from privtraffic.errors import InvalidInputError
from privtraffic.money import as_decimal

__all__ = [
    "EventRow",
    "LedgerEvent",
    "OrderPlaced",
    "OrderSettled",
    "Payout",
    "Refund",
    "event_from_row",
    "event_to_row",
]

#: The id spaces of the four kinds of event (the first part of an event's ``key``).
EventKind: TypeAlias = Literal["order", "settlement", "refund", "payout"]


def _time(value: TimeLike) -> np.datetime64:
    moment: np.datetime64 = (
        value.astype("datetime64[s]")
        if isinstance(value, np.datetime64)
        else as_datetime64([value], "at")[0]
    )
    return moment


def _id(value: Id) -> Id:
    plain: Id = as_ids([value], "id")[0].item()
    return plain


def _optional_id(value: Id | None) -> Id | None:
    return None if value is None else _id(value)


def _decimal(what: str, value: object) -> Decimal:
    try:
        out = as_decimal(value, "amount")
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc).replace("'amount'", f"'amount' of {what}", 1)) from None
    if out < 0:
        raise InvalidInputError(f"'amount' of {what} must be >= 0 (got {out})")
    return out


@attrs.frozen(repr=False, init=False)
class OrderPlaced:
    """An order brought by ``sharer``: its commission is computed and held as pending.

    Parameters
    ----------
    order_id : int or str
        Unique among orders.
    at : datetime-like
        When the order was placed.
    amount : Decimal or str
        The commission base (order amount); floats are refused.
    sharer : int or str
        The distributor credited (see :func:`~privtraffic.commission.resolve_sharers`).
    buyer : int or str, optional
        Who bought (for self-purchase rules).
    category : int or str, optional
        Selects category rates.

    Examples
    --------
    >>> OrderPlaced(7, "2024-05-01", "10", 3).amount
    Decimal('10')
    """

    order_id: Id
    at: np.datetime64
    amount: Decimal
    sharer: Id
    buyer: Id | None = None
    category: Id | None = None

    def __init__(
        self,
        order_id: Id,
        at: TimeLike,
        amount: AmountLike,
        sharer: Id,
        buyer: Id | None = None,
        category: Id | None = None,
    ) -> None:
        order_id = _id(order_id)
        self.__attrs_init__(
            order_id,
            _time(at),
            _decimal(f"order {order_id!r}", amount),
            _id(sharer),
            _optional_id(buyer),
            _optional_id(category),
        )

    @property
    def key(self) -> tuple[EventKind, Id]:
        """Idempotency key: ``("order", order_id)``.

        Examples
        --------
        >>> OrderPlaced("o1", "2024-05-01", "10.00", "kol").key
        ('order', 'o1')
        """
        return ("order", self.order_id)

    def __repr__(self) -> str:
        return f"OrderPlaced({self.order_id!r}, {self.at}, {self.amount} by {self.sharer!r})"


@attrs.frozen(repr=False)
class OrderSettled:
    """The order was delivered or confirmed; its commission matures ``holding_days`` later.

    At most one settlement per order; recording the same one again is a no-op.

    Parameters
    ----------
    order_id : int or str
        The order.
    at : datetime-like
        When it settled (for example when the buyer confirmed receipt).

    Examples
    --------
    >>> OrderSettled("o1", "2024-05-04")
    OrderSettled('o1', 2024-05-04T00:00:00)
    """

    order_id: Id = attrs.field(converter=_id)
    at: np.datetime64 = attrs.field(converter=_time)

    @property
    def key(self) -> tuple[EventKind, Id]:
        """Idempotency key: ``("settlement", order_id)``.

        Examples
        --------
        >>> OrderSettled("o1", "2024-05-03").key
        ('settlement', 'o1')
        """
        return ("settlement", self.order_id)

    def __repr__(self) -> str:
        return f"OrderSettled({self.order_id!r}, {self.at})"


@attrs.frozen(repr=False, init=False)
class Refund:
    """Part (or all) of an order's amount refunded; its commission is recomputed on the rest.

    Parameters
    ----------
    refund_id : int or str
        Unique among refunds.
    order_id : int or str
        The refunded order.
    at : datetime-like
        When the refund happened.
    amount : Decimal or str
        The refunded amount, ``> 0`` and at most what remains of the order.

    Examples
    --------
    >>> Refund("r1", "o1", "2024-05-03", "30.00").amount
    Decimal('30.00')
    """

    refund_id: Id
    order_id: Id
    at: np.datetime64
    amount: Decimal

    def __init__(self, refund_id: Id, order_id: Id, at: TimeLike, amount: AmountLike) -> None:
        refund_id = _id(refund_id)
        value = _decimal(f"refund {refund_id!r}", amount)
        if value == 0:
            raise InvalidInputError(f"'amount' of refund {refund_id!r} must be > 0 (got 0)")
        self.__attrs_init__(refund_id, _id(order_id), _time(at), value)

    @property
    def key(self) -> tuple[EventKind, Id]:
        """Idempotency key: ``("refund", refund_id)``.

        Examples
        --------
        >>> Refund("r1", "o1", "2024-05-04", "4.00").key
        ('refund', 'r1')
        """
        return ("refund", self.refund_id)

    def __repr__(self) -> str:
        return f"Refund({self.refund_id!r} of {self.order_id!r}, {self.at}, {self.amount})"


@attrs.frozen(repr=False, init=False)
class Payout:
    """Cash paid to ``distributor`` out of their payable balance.

    Outstanding clawbacks are deducted first. With ``amount=None`` everything payable (net of
    clawbacks) is paid, provided it reaches the plan's ``min_payout``; otherwise nothing is
    paid and the balance waits. An explicit ``amount`` must not exceed what is payable.

    Parameters
    ----------
    payout_id : int or str
        Unique among payouts.
    distributor : int or str
        Who is paid.
    at : datetime-like
        When.
    amount : Decimal or str, optional
        Cash to pay; ``None`` pays all that is payable.

    Examples
    --------
    >>> Payout("p1", "bob", "2024-05-31")
    Payout('p1' to 'bob', 2024-05-31T00:00:00, all payable)
    """

    payout_id: Id
    distributor: Id
    at: np.datetime64
    amount: Decimal | None = None

    def __init__(
        self, payout_id: Id, distributor: Id, at: TimeLike, amount: AmountLike | None = None
    ) -> None:
        payout_id = _id(payout_id)
        self.__attrs_init__(
            payout_id,
            _id(distributor),
            _time(at),
            None if amount is None else _decimal(f"payout {payout_id!r}", amount),
        )

    @property
    def key(self) -> tuple[EventKind, Id]:
        """Idempotency key: ``("payout", payout_id)``.

        Examples
        --------
        >>> Payout("p1", "kol", "2024-05-31", "1.00").key
        ('payout', 'p1')
        """
        return ("payout", self.payout_id)

    def __repr__(self) -> str:
        what = "all payable" if self.amount is None else str(self.amount)
        return f"Payout({self.payout_id!r} to {self.distributor!r}, {self.at}, {what})"


LedgerEvent = OrderPlaced | OrderSettled | Refund | Payout
"""Any of the four kinds of ledger event."""


class OrderRow(TypedDict):
    """The JSON form of an :class:`OrderPlaced` (timestamps ISO 8601, amounts decimal strings)."""

    event: Literal["order"]
    order_id: Id
    at: str
    amount: str
    sharer: Id
    buyer: Id | None
    category: Id | None


class SettlementRow(TypedDict):
    """The JSON form of an :class:`OrderSettled`."""

    event: Literal["settlement"]
    order_id: Id
    at: str


class RefundRow(TypedDict):
    """The JSON form of a :class:`Refund`."""

    event: Literal["refund"]
    refund_id: Id
    order_id: Id
    at: str
    amount: str


class PayoutRow(TypedDict):
    """The JSON form of a :class:`Payout` (``amount`` null: all payable)."""

    event: Literal["payout"]
    payout_id: Id
    distributor: Id
    at: str
    amount: str | None


#: One event as a JSON-ready row: its kind under ``"event"``, then its fields.
EventRow: TypeAlias = OrderRow | SettlementRow | RefundRow | PayoutRow


def event_to_row(event: LedgerEvent) -> EventRow:
    """An event as a JSON-ready row; :func:`event_from_row` inverts it exactly.

    Examples
    --------
    >>> event_to_row(Refund("r1", "o1", "2024-05-03", "30.00"))
    {'event': 'refund', 'refund_id': 'r1', 'order_id': 'o1', 'at': '2024-05-03T00:00:00', 'amount': '30.00'}
    """  # noqa: E501
    if isinstance(event, OrderPlaced):
        return OrderRow(
            event="order",
            order_id=event.order_id,
            at=str(event.at),
            amount=str(event.amount),
            sharer=event.sharer,
            buyer=event.buyer,
            category=event.category,
        )
    if isinstance(event, OrderSettled):
        return SettlementRow(event="settlement", order_id=event.order_id, at=str(event.at))
    if isinstance(event, Refund):
        return RefundRow(
            event="refund",
            refund_id=event.refund_id,
            order_id=event.order_id,
            at=str(event.at),
            amount=str(event.amount),
        )
    return PayoutRow(
        event="payout",
        payout_id=event.payout_id,
        distributor=event.distributor,
        at=str(event.at),
        amount=None if event.amount is None else str(event.amount),
    )


def event_from_row(row: EventRow) -> LedgerEvent:
    """The event a row of :func:`event_to_row` describes.

    Raises
    ------
    InvalidInputError
        An unknown kind under ``"event"``, or a field the event refuses.
    KeyError
        A field missing from the row.

    Examples
    --------
    >>> event_from_row({"event": "settlement", "order_id": "o1", "at": "2024-05-04"})
    OrderSettled('o1', 2024-05-04T00:00:00)
    """
    if row["event"] == "order":
        return OrderPlaced(
            row["order_id"], row["at"], row["amount"], row["sharer"], row["buyer"], row["category"]
        )
    if row["event"] == "settlement":
        return OrderSettled(row["order_id"], row["at"])
    if row["event"] == "refund":
        return Refund(row["refund_id"], row["order_id"], row["at"], row["amount"])
    if row["event"] == "payout":
        return Payout(row["payout_id"], row["distributor"], row["at"], row["amount"])
    raise InvalidInputError(f"unknown event kind {row['event']!r}")
