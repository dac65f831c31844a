"""The events a commission :class:`~privtraffic.commission.Ledger` is built from.

Money events, each a frozen value with its own id space:

* :class:`OrderPlaced` — an order brought by a sharer; creates pending commission.
* :class:`OrderSettled` — the order was delivered / confirmed; the holding period starts.
* :class:`Refund` — part or all of an order's amount returned to the buyer.
* :class:`Payout` — cash paid to a distributor from their payable balance.

Network events, effective from their ``at`` (an order is paid by the network as it stood at the
order's time):

* :class:`DistributorJoined` — a distributor joins under an upline (or at the top).
* :class:`RightsGranted` / :class:`RightsRevoked` — distribution rights start or stop.
* :class:`RankChanged` — a new distributor rank, for the plan's rank uplifts.
* :class:`CustomerBound` — a buyer arrived through a distributor's link; under the plan's
  ``binding`` mode it decides who an order without a ``sharer`` is credited to.

Timestamps (``at``) are the business time of the event, explicit local instants: an ISO 8601
date or date-time string, a ``datetime``/``date`` or a ``numpy.datetime64``, whole seconds.
``NaT``, ``"now"``, ``"today"`` and strings or datetimes carrying a UTC offset are refused (the
ledger declares no time zone, so ``10:00+08:00`` has no meaning in it), naming the event and the
field. The ledger never reads the wall clock.

Examples
--------
>>> from privtraffic.commission import OrderPlaced, Refund
>>> OrderPlaced("o1", "2024-05-01T10:00", "99.99", "bob")
OrderPlaced('o1', 2024-05-01T10:00:00, 99.99 by 'bob')
>>> Refund("r1", "o1", "2024-05-03", 30.5)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
privtraffic.errors.InvalidInputError: 'amount' of refund 'r1' must not be a float (got 30.5)...
>>> OrderPlaced("o2", "now", "1.00", "bob")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
privtraffic.errors.InvalidInputError: 'at' of order 'o2' must be an explicit instant, ...
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, ClassVar, Literal, TypeAlias, TypedDict, cast, get_args

import attrs
import numpy as np

from privtraffic._validation import as_ids
from privtraffic.commission._types import AmountLike, Id, TimeLike
from privtraffic.errors import InvalidInputError
from privtraffic.money import as_decimal

__all__ = [
    "EVENT_TYPES",
    "CustomerBound",
    "DistributorJoined",
    "EventRow",
    "LedgerEvent",
    "NetworkEvent",
    "OrderPlaced",
    "OrderSettled",
    "Payout",
    "RankChanged",
    "Refund",
    "RightsGranted",
    "RightsRevoked",
    "event_from_row",
    "event_key",
    "event_to_json",
    "event_to_row",
]

#: The id spaces of the kinds of event (the first part of an event's ``key``).
EventKind: TypeAlias = Literal[
    "order", "settlement", "refund", "payout", "joined", "rights", "rank", "binding"
]

# An ISO 8601 local date or date-time; anything else ("now", "today", "NaT", offsets) is refused.
_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?")
_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)"
)


def _instant(value: TimeLike, what: str, field: str = "at") -> np.datetime64:
    """``value`` as an explicit local instant in whole seconds; an error names the field."""
    name = f"'{field}' of {what}"
    if isinstance(value, str):
        text = value.strip()
        if _LOCAL.fullmatch(text):
            moment = np.datetime64(text.replace(" ", "T"))
        elif _OFFSET.fullmatch(text):
            raise InvalidInputError(
                f"{name} must be a local business time without a UTC offset (got {value!r}): "
                "the ledger declares no time zone, so convert to the shop's local time first"
            )
        else:
            raise InvalidInputError(
                f"{name} must be an explicit instant, an ISO 8601 local date or date-time such "
                f"as '2025-03-01T10:00' (got {value!r})"
            )
    elif isinstance(value, np.datetime64):
        moment = value
    elif isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            raise InvalidInputError(
                f"{name} must be a local business time without a time zone (got {value!r}): "
                "the ledger declares no time zone, so convert to the shop's local time first"
            )
        moment = np.datetime64(value.replace(tzinfo=None), "us") if value == value else value
    elif isinstance(value, datetime.date):
        moment = np.datetime64(value, "D")
    else:
        raise InvalidInputError(
            f"{name} must be an explicit instant (a datetime, a date, a numpy.datetime64 or an "
            f"ISO 8601 string) (got {value!r})"
        )
    if not isinstance(moment, np.datetime64) or np.isnat(moment):
        raise InvalidInputError(f"{name} must be an explicit instant (got {value!r}, not a time)")
    seconds: np.datetime64 = moment.astype("datetime64[s]")
    if seconds != moment:
        raise InvalidInputError(
            f"{name} must be whole seconds (got {value!r}): round it explicitly first"
        )
    return seconds


def _id(value: Id, what: str = "id") -> Id:
    if type(value) is str or type(value) is int:
        return value
    plain: Id = as_ids([value], what)[0].item()
    return plain


def _optional_id(value: Id | None, what: str) -> Id | None:
    return None if value is None else _id(value, what)


def _decimal(what: str, value: object) -> Decimal:
    try:
        out = as_decimal(value, "amount")
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc).replace("'amount'", f"'amount' of {what}", 1)) from None
    if out < 0:
        raise InvalidInputError(f"'amount' of {what} must be >= 0 (got {out})")
    return out


def _rank(value: object, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"'rank' of {what} must be an integer >= 0 (got {value!r})")
    if value < 0:
        raise InvalidInputError(f"'rank' of {what} must be an integer >= 0 (got {value!r})")
    return int(value)


def _flag(value: object, what: str, field: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"'{field}' of {what} must be True or False (got {value!r})")
    return bool(value)


#: An event's idempotency key: its kind, its id and, for a change that may recur, its instant.
EventKey: TypeAlias = tuple[EventKind, Id] | tuple[EventKind, Id, str]
# How a kind of event makes its key: (kind, the field holding the id, whether ``at`` is part).
_KeyRule: TypeAlias = tuple[EventKind, str, bool]


class _Keyed:
    """What every ledger event shares: the idempotency ``key`` its class's ``_KEY`` rule makes."""

    __slots__ = ()
    _KEY: ClassVar[_KeyRule]
    at: np.datetime64

    @property
    def key(self) -> EventKey:
        """Idempotency key: the event's kind and id, and for a network change also its instant.

        ``("order", order_id)``, ``("settlement", order_id)``, ``("refund", refund_id)`` and
        ``("payout", payout_id)``; ``("joined", distributor)`` (a distributor joins once);
        ``("rights", distributor, at)``, shared by granting and revoking, so a distributor's
        rights change at most once per instant; ``("rank", distributor, at)``;
        ``("binding", buyer, at)`` (one link per buyer per instant).

        Examples
        --------
        >>> OrderPlaced("o1", "2024-05-01", "10.00", "kol").key
        ('order', 'o1')
        >>> OrderSettled("o1", "2024-05-03").key
        ('settlement', 'o1')
        >>> Refund("r1", "o1", "2024-05-04", "4.00").key
        ('refund', 'r1')
        >>> Payout("p1", "kol", "2024-05-31", "1.00").key
        ('payout', 'p1')
        >>> DistributorJoined(2, 1, "2025-03-01").key
        ('joined', 2)
        >>> RightsGranted(1, "2025-03-01T10:00").key
        ('rights', 1, '2025-03-01T10:00:00')
        >>> RightsRevoked(1, "2025-03-01T10:00").key == RightsGranted(1, "2025-03-01T10:00").key
        True
        >>> RankChanged(1, 3, "2025-03-01").key
        ('rank', 1, '2025-03-01T00:00:00')
        >>> CustomerBound("u1", "kol", "2025-03-01").key
        ('binding', 'u1', '2025-03-01T00:00:00')
        """
        kind, field, dated = self._KEY
        who: Id = getattr(self, field)
        if dated:
            return (kind, who, str(self.at))
        return (kind, who)


@attrs.frozen(repr=False, init=False)
class OrderPlaced(_Keyed):
    """An order credited to ``sharer``: its commission is computed and held as pending.

    Parameters
    ----------
    order_id : int or str
        Unique among orders.
    at : datetime-like
        When the order was placed (an explicit local instant, see the module notes).
    amount : Decimal or str
        The commission base (order amount); floats are refused.
    sharer : int or str, optional
        The distributor credited. ``None``: the ledger credits the distributor the buyer is
        bound to at ``at`` (:class:`CustomerBound` events under the plan's ``binding`` mode),
        or nobody when the buyer is bound to no one.
    buyer : int or str, optional
        Who bought (for self-purchase rules and bindings).
    category : int or str, optional
        Selects category rates.

    Examples
    --------
    >>> OrderPlaced(7, "2024-05-01", "10", 3).amount
    Decimal('10')
    >>> OrderPlaced("o1", "2024-05-01", "10", buyer="u1").sharer is None
    True
    """

    _KEY: ClassVar[_KeyRule] = ("order", "order_id", False)
    order_id: Id
    at: np.datetime64
    amount: Decimal
    sharer: Id | None
    buyer: Id | None = None
    category: Id | None = None

    def __init__(
        self,
        order_id: Id,
        at: TimeLike,
        amount: AmountLike,
        sharer: Id | None = None,
        buyer: Id | None = None,
        category: Id | None = None,
    ) -> None:
        order_id = _id(order_id, "order_id")
        what = f"order {order_id!r}"
        if sharer is None and buyer is None:
            raise InvalidInputError(
                f"{what} needs a 'sharer', or a 'buyer' whose binding decides the sharer"
            )
        self.__attrs_init__(
            order_id,
            _instant(at, what),
            _decimal(what, amount),
            _optional_id(sharer, "sharer"),
            _optional_id(buyer, "buyer"),
            _optional_id(category, "category"),
        )

    def __repr__(self) -> str:
        who = f"by {self.sharer!r}" if self.sharer is not None else f"buyer {self.buyer!r}"
        return f"OrderPlaced({self.order_id!r}, {self.at}, {self.amount} {who})"


@attrs.frozen(repr=False, init=False)
class OrderSettled(_Keyed):
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

    _KEY: ClassVar[_KeyRule] = ("settlement", "order_id", False)
    order_id: Id
    at: np.datetime64

    def __init__(self, order_id: Id, at: TimeLike) -> None:
        order_id = _id(order_id, "order_id")
        self.__attrs_init__(order_id, _instant(at, f"settlement of order {order_id!r}"))

    def __repr__(self) -> str:
        return f"OrderSettled({self.order_id!r}, {self.at})"


@attrs.frozen(repr=False, init=False)
class Refund(_Keyed):
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
        The refunded amount, ``> 0``; all refunds of an order together are at most its amount.

    Examples
    --------
    >>> Refund("r1", "o1", "2024-05-03", "30.00").amount
    Decimal('30.00')
    """

    _KEY: ClassVar[_KeyRule] = ("refund", "refund_id", False)
    refund_id: Id
    order_id: Id
    at: np.datetime64
    amount: Decimal

    def __init__(self, refund_id: Id, order_id: Id, at: TimeLike, amount: AmountLike) -> None:
        refund_id = _id(refund_id, "refund_id")
        what = f"refund {refund_id!r}"
        value = _decimal(what, amount)
        if value == 0:
            raise InvalidInputError(f"'amount' of {what} must be > 0 (got 0)")
        self.__attrs_init__(refund_id, _id(order_id, "order_id"), _instant(at, what), value)

    def __repr__(self) -> str:
        return f"Refund({self.refund_id!r} of {self.order_id!r}, {self.at}, {self.amount})"


@attrs.frozen(repr=False, init=False)
class Payout(_Keyed):
    """Cash paid to ``distributor`` out of their payable balance.

    Outstanding clawbacks are deducted first. With ``amount=None`` everything payable (net of
    clawbacks) at ``at`` is paid, provided it reaches the plan's ``min_payout``; otherwise
    nothing is paid and the balance waits (outstanding clawbacks are still deducted from what
    is payable, as an explicit payout of zero does). The ledger resolves ``None`` when the payout is
    recorded and keeps the payout with the amount it paid, because that is the cash that left:
    events recorded later never change what a payout paid. An explicit ``amount`` must not
    exceed what is payable when it is recorded; if events recorded later and dated before it
    (a back-dated refund) shrink what was payable, the excess is owed back as a clawback
    (an ``overpaid`` posting).

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

    _KEY: ClassVar[_KeyRule] = ("payout", "payout_id", False)
    payout_id: Id
    distributor: Id
    at: np.datetime64
    amount: Decimal | None = None

    def __init__(
        self, payout_id: Id, distributor: Id, at: TimeLike, amount: AmountLike | None = None
    ) -> None:
        payout_id = _id(payout_id, "payout_id")
        what = f"payout {payout_id!r}"
        self.__attrs_init__(
            payout_id,
            _id(distributor, "distributor"),
            _instant(at, what),
            None if amount is None else _decimal(what, amount),
        )

    def __repr__(self) -> str:
        what = "all payable" if self.amount is None else str(self.amount)
        return f"Payout({self.payout_id!r} to {self.distributor!r}, {self.at}, {what})"


@attrs.frozen(repr=False, init=False)
class DistributorJoined(_Keyed):
    """``distributor`` joins the network under ``upline`` (``None``: at the top) at ``at``.

    A distributor joins once. The upline must be in the ledger's starting network or have
    joined at or before ``at``, so the uplines never form a cycle. From ``at`` on the
    distributor can be credited with orders, holds rights ``has_rights`` and has ``rank``.

    Parameters
    ----------
    distributor : int or str
        Who joins.
    upline : int or str or None
        Whose downline they join.
    at : datetime-like
        When the membership starts.
    has_rights : bool, default True
        Whether they hold distribution rights from ``at``.
    rank : int, default 0
        Their rank from ``at``.

    Examples
    --------
    >>> DistributorJoined("bob", "alice", "2025-03-01")
    DistributorJoined('bob' under 'alice', 2025-03-01T00:00:00)
    """

    _KEY: ClassVar[_KeyRule] = ("joined", "distributor", False)
    distributor: Id
    upline: Id | None
    at: np.datetime64
    has_rights: bool = True
    rank: int = 0

    def __init__(
        self,
        distributor: Id,
        upline: Id | None,
        at: TimeLike,
        *,
        has_rights: bool = True,
        rank: int = 0,
    ) -> None:
        distributor = _id(distributor, "distributor")
        what = f"joining of distributor {distributor!r}"
        upline = _optional_id(upline, "upline")
        if upline == distributor:
            raise InvalidInputError(f"'upline' of {what} must not be the distributor itself")
        self.__attrs_init__(
            distributor,
            upline,
            _instant(at, what),
            _flag(has_rights, what, "has_rights"),
            _rank(rank, what),
        )

    def __repr__(self) -> str:
        where = "at the top" if self.upline is None else f"under {self.upline!r}"
        return f"DistributorJoined({self.distributor!r} {where}, {self.at})"


@attrs.frozen(repr=False, init=False)
class _RightsChange(_Keyed):
    """What granting and revoking distribution rights share: the fields, the checks, the key."""

    _KEY: ClassVar[_KeyRule] = ("rights", "distributor", True)
    distributor: Id
    at: np.datetime64

    def __init__(self, distributor: Id, at: TimeLike) -> None:
        distributor = _id(distributor, "distributor")
        self.__attrs_init__(distributor, _instant(at, f"rights of {distributor!r}"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.distributor!r}, {self.at})"


@attrs.frozen(repr=False, init=False)
class RightsGranted(_RightsChange):
    """``distributor`` holds distribution rights from ``at`` (for example on qualifying).

    Parameters
    ----------
    distributor : int or str
        Whose rights.
    at : datetime-like
        From when.

    Examples
    --------
    >>> RightsGranted("bob", "2025-03-01").key
    ('rights', 'bob', '2025-03-01T00:00:00')
    >>> RightsGranted("bob", "2025-03-01")
    RightsGranted('bob', 2025-03-01T00:00:00)
    """


@attrs.frozen(repr=False, init=False)
class RightsRevoked(_RightsChange):
    """``distributor`` loses distribution rights from ``at``; their levels are then left unpaid
    or skipped under the plan's ``ineligible_upline`` policy. The parameters are those of
    :class:`RightsGranted`.

    Examples
    --------
    >>> RightsRevoked("bob", "2025-04-01")
    RightsRevoked('bob', 2025-04-01T00:00:00)
    """


@attrs.frozen(repr=False, init=False)
class RankChanged(_Keyed):
    """``distributor`` has ``rank`` from ``at`` (the plan's rank uplifts follow it).

    Parameters
    ----------
    distributor : int or str
        Whose rank.
    rank : int
        The new rank, ``>= 0``.
    at : datetime-like
        From when.

    Examples
    --------
    >>> RankChanged("bob", 2, "2025-03-15")
    RankChanged('bob' -> rank 2, 2025-03-15T00:00:00)
    """

    _KEY: ClassVar[_KeyRule] = ("rank", "distributor", True)
    distributor: Id
    rank: int
    at: np.datetime64

    def __init__(self, distributor: Id, rank: int, at: TimeLike) -> None:
        distributor = _id(distributor, "distributor")
        what = f"rank change of {distributor!r}"
        self.__attrs_init__(distributor, _rank(rank, what), _instant(at, what))

    def __repr__(self) -> str:
        return f"RankChanged({self.distributor!r} -> rank {self.rank}, {self.at})"


@attrs.frozen(repr=False, init=False)
class CustomerBound(_Keyed):
    """``buyer`` arrived through ``distributor``'s link at ``at``.

    What the link does depends on the plan's ``binding`` mode (see
    :func:`~privtraffic.commission.resolve_sharers`, which applies the same rules to arrays):
    with ``"first_wins"`` the buyer's first link binds them for good; with ``"rebind"`` every
    link re-binds them; with ``"expires"`` a binding lasts ``binding_days`` and, once it lapsed,
    the next link binds anew. An :class:`OrderPlaced` without a ``sharer`` is credited to the
    distributor the buyer is bound to at the order's time.

    Parameters
    ----------
    buyer : int or str
        The customer.
    distributor : int or str
        Whose link they came through.
    at : datetime-like
        When.

    Examples
    --------
    >>> CustomerBound("u1", "kol", "2025-03-01T09:00")
    CustomerBound('u1' via 'kol', 2025-03-01T09:00:00)
    """

    _KEY: ClassVar[_KeyRule] = ("binding", "buyer", True)
    buyer: Id
    distributor: Id
    at: np.datetime64

    def __init__(self, buyer: Id, distributor: Id, at: TimeLike) -> None:
        buyer = _id(buyer, "buyer")
        self.__attrs_init__(
            buyer, _id(distributor, "distributor"), _instant(at, f"binding of buyer {buyer!r}")
        )

    def __repr__(self) -> str:
        return f"CustomerBound({self.buyer!r} via {self.distributor!r}, {self.at})"


LedgerEvent: TypeAlias = (
    OrderPlaced
    | OrderSettled
    | Refund
    | Payout
    | DistributorJoined
    | RightsGranted
    | RightsRevoked
    | RankChanged
    | CustomerBound
)
"""Any kind of ledger event."""

NetworkEvent: TypeAlias = (
    DistributorJoined | RightsGranted | RightsRevoked | RankChanged | CustomerBound
)
"""The events that change the network or the bindings, effective from their ``at``."""

# The order events of one instant are folded in, as groups of classes of one rank: the network
# as it stands at an instant first, then orders, settlements, refunds, payouts. Granting and
# revoking rights share a rank (and a key: a distributor's rights change once per instant).
_FOLD_ORDER: tuple[tuple[type, ...], ...] = (
    (DistributorJoined,),
    (RightsGranted, RightsRevoked),
    (RankChanged,),
    (CustomerBound,),
    (OrderPlaced,),
    (OrderSettled,),
    (Refund,),
    (Payout,),
)

#: Every event class a ledger records, in the order events of one instant are folded:
#: the network as it stands at an instant first, then orders, settlements, refunds, payouts.
EVENT_TYPES: tuple[type, ...] = tuple(kind for group in _FOLD_ORDER for kind in group)

# Each event class's rank in the fold order of one instant (the second part of a business key).
_FOLD_RANK: dict[type, int] = {
    kind: rank for rank, group in enumerate(_FOLD_ORDER) for kind in group
}

# The classes of :data:`NetworkEvent` (folded before the money events of an instant).
_NETWORK_TYPES: tuple[type, ...] = get_args(NetworkEvent)


def event_key(event: LedgerEvent) -> str:
    """The event's idempotency key as one string (the unique key a store keeps).

    Integer and string ids stay apart (``1`` is not ``"1"``). The text is
    ``json.dumps(list(event.key), separators=(",", ":"), ensure_ascii=False)``, written
    directly.

    Examples
    --------
    >>> event_key(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))
    '["order","o1"]'
    >>> event_key(RankChanged(7, 1, "2025-03-01"))
    '["rank",7,"2025-03-01T00:00:00"]'
    """
    key = event.key
    if len(key) == 2:
        return f'["{key[0]}",{_json(key[1])}]'
    return f'["{key[0]}",{_json(key[1])},"{key[2]}"]'


def _json(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False)`` for an id, ``None`` or a flag."""
    if type(value) is str:
        return encode_basestring(value)
    if type(value) is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value, ensure_ascii=False)  # pragma: no cover - ids are str or int


def _order_json(e: OrderPlaced) -> str:
    return (
        f'{{"event": "order", "order_id": {_json(e.order_id)}, "at": "{e.at!s}", "amount": '
        f'"{e.amount!s}", "sharer": {_json(e.sharer)}, "buyer": {_json(e.buyer)}, '
        f'"category": {_json(e.category)}}}'
    )


def _settlement_json(e: OrderSettled) -> str:
    return f'{{"event": "settlement", "order_id": {_json(e.order_id)}, "at": "{e.at!s}"}}'


def _refund_json(e: Refund) -> str:
    return (
        f'{{"event": "refund", "refund_id": {_json(e.refund_id)}, "order_id": '
        f'{_json(e.order_id)}, "at": "{e.at!s}", "amount": "{e.amount!s}"}}'
    )


def _payout_json(e: Payout) -> str:
    amount = "null" if e.amount is None else f'"{e.amount!s}"'
    return (
        f'{{"event": "payout", "payout_id": {_json(e.payout_id)}, "distributor": '
        f'{_json(e.distributor)}, "at": "{e.at!s}", "amount": {amount}}}'
    )


def _joined_json(e: DistributorJoined) -> str:
    return (
        f'{{"event": "joined", "distributor": {_json(e.distributor)}, "upline": '
        f'{_json(e.upline)}, "at": "{e.at!s}", "has_rights": {_json(e.has_rights)}, '
        f'"rank": {e.rank}}}'
    )


def _rights_json(e: RightsGranted | RightsRevoked) -> str:
    kind = "rights_granted" if isinstance(e, RightsGranted) else "rights_revoked"
    return f'{{"event": "{kind}", "distributor": {_json(e.distributor)}, "at": "{e.at!s}"}}'


def _rank_json(e: RankChanged) -> str:
    return (
        f'{{"event": "rank", "distributor": {_json(e.distributor)}, "rank": {e.rank}, '
        f'"at": "{e.at!s}"}}'
    )


def _binding_json(e: CustomerBound) -> str:
    return (
        f'{{"event": "binding", "buyer": {_json(e.buyer)}, "distributor": '
        f'{_json(e.distributor)}, "at": "{e.at!s}"}}'
    )


_JSON_WRITERS: dict[type, Callable[[Any], str]] = {
    OrderPlaced: _order_json,
    OrderSettled: _settlement_json,
    Refund: _refund_json,
    Payout: _payout_json,
    DistributorJoined: _joined_json,
    RightsGranted: _rights_json,
    RightsRevoked: _rights_json,
    RankChanged: _rank_json,
    CustomerBound: _binding_json,
}


def event_to_json(event: LedgerEvent) -> str:
    """The event's row (:func:`event_to_row`) as JSON text: exactly
    ``json.dumps(event_to_row(event), ensure_ascii=False)``, written directly (the line of a
    JSON-lines file and the row a store keeps).

    Examples
    --------
    >>> event_to_json(Refund("r1", "o1", "2024-05-03", "30.00"))
    '{"event": "refund", "refund_id": "r1", "order_id": "o1", "at": "2024-05-03T00:00:00", "amount": "30.00"}'
    >>> event_from_row(json.loads(event_to_json(Payout("p1", 7, "2024-05-31"))))
    Payout('p1' to 7, 2024-05-31T00:00:00, all payable)
    """  # noqa: E501
    return _JSON_WRITERS[type(event)](event)


class OrderRow(TypedDict):
    """The JSON form of an :class:`OrderPlaced` (timestamps ISO 8601, amounts decimal strings)."""

    event: Literal["order"]
    order_id: Id
    at: str
    amount: str
    sharer: Id | None
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


class JoinedRow(TypedDict):
    """The JSON form of a :class:`DistributorJoined`."""

    event: Literal["joined"]
    distributor: Id
    upline: Id | None
    at: str
    has_rights: bool
    rank: int


class RightsRow(TypedDict):
    """The JSON form of a :class:`RightsGranted` or :class:`RightsRevoked`."""

    event: Literal["rights_granted", "rights_revoked"]
    distributor: Id
    at: str


class RankRow(TypedDict):
    """The JSON form of a :class:`RankChanged`."""

    event: Literal["rank"]
    distributor: Id
    rank: int
    at: str


class BindingRow(TypedDict):
    """The JSON form of a :class:`CustomerBound`."""

    event: Literal["binding"]
    buyer: Id
    distributor: Id
    at: str


#: One event as a JSON-ready row: its kind under ``"event"``, then its fields.
EventRow: TypeAlias = (
    OrderRow | SettlementRow | RefundRow | PayoutRow | JoinedRow | RightsRow | RankRow | BindingRow
)

#: The values of a row's ``"event"`` field.
ROW_KINDS = (
    "order",
    "settlement",
    "refund",
    "payout",
    "joined",
    "rights_granted",
    "rights_revoked",
    "rank",
    "binding",
)


#: Each kind of event's row: its ``"event"`` value, and how many of its fields (in the
#: order of the class's fields) a row must hold; the others may be left out (their default).
_ROW_FORMS: dict[type, tuple[str, int]] = {
    OrderPlaced: ("order", 3),
    OrderSettled: ("settlement", 2),
    Refund: ("refund", 4),
    Payout: ("payout", 4),
    DistributorJoined: ("joined", 3),
    RightsGranted: ("rights_granted", 2),
    RightsRevoked: ("rights_revoked", 2),
    RankChanged: ("rank", 3),
    CustomerBound: ("binding", 3),
}

#: Per kind of row: the event class, the fields a row must hold, and the others with their
#: defaults (passed by name).
_RowReader: TypeAlias = "tuple[type, tuple[str, ...], tuple[tuple[str, Any], ...]]"


def _row_readers() -> dict[str, _RowReader]:
    out: dict[str, _RowReader] = {}
    for cls, (kind, needed) in _ROW_FORMS.items():
        fields = attrs.fields(cls)
        out[kind] = (
            cls,
            tuple(f.name for f in fields[:needed]),
            tuple(
                (f.name, None if f.default is attrs.NOTHING else f.default) for f in fields[needed:]
            ),
        )
    assert tuple(out) == ROW_KINDS
    return out


_ROW_READERS = _row_readers()


def _row_form(event: object) -> tuple[str, int]:
    for kind in type(event).__mro__:
        form = _ROW_FORMS.get(kind)
        if form is not None:
            return form
    raise InvalidInputError(f"not a ledger event: {event!r}")


def event_to_row(event: LedgerEvent) -> EventRow:
    """An event as a JSON-ready row; :func:`event_from_row` inverts it exactly.

    The row holds the event's kind under ``"event"``, then its fields in order, timestamps as
    ISO 8601 and amounts as decimal strings.

    Examples
    --------
    >>> event_to_row(Refund("r1", "o1", "2024-05-03", "30.00"))
    {'event': 'refund', 'refund_id': 'r1', 'order_id': 'o1', 'at': '2024-05-03T00:00:00', 'amount': '30.00'}
    """  # noqa: E501
    row: dict[str, Any] = {"event": _row_form(event)[0]}
    for field in attrs.fields(type(event)):
        value = getattr(event, field.name)
        row[field.name] = str(value) if isinstance(value, (np.datetime64, Decimal)) else value
    return cast(EventRow, row)


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
    kind = row["event"]
    reader = _ROW_READERS.get(kind)
    if reader is None:
        raise InvalidInputError(f"unknown event kind {kind!r}")
    cls, needed, optional = reader
    fields = cast("dict[str, Any]", row)
    event: LedgerEvent = cls(
        *[fields[name] for name in needed],
        **{name: fields.get(name, default) for name, default in optional},
    )
    return event
