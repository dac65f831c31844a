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
from typing import Any

import attrs
import numpy as np

from privtraffic._validation import as_datetime64, as_ids
from privtraffic.errors import InvalidInputError
from privtraffic.money import as_decimal

__all__ = ["LedgerEvent", "OrderPlaced", "OrderSettled", "Payout", "Refund"]


def _time(value: Any) -> np.datetime64:
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[s]")
    return as_datetime64([value], "at")[0]


def _id(value: Any) -> Any:
    if value is None:
        return None
    return as_ids([value], "id")[0].item()


def _decimal(what: str, value: Any) -> Decimal:
    try:
        out = as_decimal(value, "amount")
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc).replace("'amount'", f"'amount' of {what}", 1)) from None
    if out < 0:
        raise InvalidInputError(f"'amount' of {what} must be >= 0 (got {out})")
    return out


@attrs.frozen(repr=False)
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

    order_id: Any = attrs.field(converter=_id)
    at: np.datetime64 = attrs.field(converter=_time)
    amount: Decimal = attrs.field()
    sharer: Any = attrs.field(converter=_id)
    buyer: Any = attrs.field(default=None, converter=_id)
    category: Any = attrs.field(default=None, converter=_id)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "amount", _decimal(f"order {self.order_id!r}", self.amount))

    @property
    def key(self) -> tuple[str, Any]:
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

    order_id: Any = attrs.field(converter=_id)
    at: np.datetime64 = attrs.field(converter=_time)

    @property
    def key(self) -> tuple[str, Any]:
        """Idempotency key: ``("settlement", order_id)``.

        Examples
        --------
        >>> OrderSettled("o1", "2024-05-03").key
        ('settlement', 'o1')
        """
        return ("settlement", self.order_id)

    def __repr__(self) -> str:
        return f"OrderSettled({self.order_id!r}, {self.at})"


@attrs.frozen(repr=False)
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

    refund_id: Any = attrs.field(converter=_id)
    order_id: Any = attrs.field(converter=_id)
    at: np.datetime64 = attrs.field(converter=_time)
    amount: Decimal = attrs.field()

    def __attrs_post_init__(self) -> None:
        value = _decimal(f"refund {self.refund_id!r}", self.amount)
        if value == 0:
            raise InvalidInputError(f"'amount' of refund {self.refund_id!r} must be > 0 (got 0)")
        object.__setattr__(self, "amount", value)

    @property
    def key(self) -> tuple[str, Any]:
        """Idempotency key: ``("refund", refund_id)``.

        Examples
        --------
        >>> Refund("r1", "o1", "2024-05-04", "4.00").key
        ('refund', 'r1')
        """
        return ("refund", self.refund_id)

    def __repr__(self) -> str:
        return f"Refund({self.refund_id!r} of {self.order_id!r}, {self.at}, {self.amount})"


@attrs.frozen(repr=False)
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

    payout_id: Any = attrs.field(converter=_id)
    distributor: Any = attrs.field(converter=_id)
    at: np.datetime64 = attrs.field(converter=_time)
    amount: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if self.amount is not None:
            object.__setattr__(self, "amount", _decimal(f"payout {self.payout_id!r}", self.amount))

    @property
    def key(self) -> tuple[str, Any]:
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
