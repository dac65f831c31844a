"""Balances and per-period statements of a distributor's commission account.

Examples
--------
>>> from decimal import Decimal
>>> s = Statement("bob", "2024-05-01", "2024-06-01", "CNY", opening=Decimal("0.00"),
...               earned=Decimal("15.00"), reversed=Decimal("2.00"),
...               clawed_back=Decimal("0.00"), paid=Decimal("10.00"),
...               pending=Decimal("3.00"), payable=Decimal("0.00"),
...               clawback_due=Decimal("0.00"))
>>> s.closing
Decimal('3.00')
"""

from __future__ import annotations

import decimal
from collections.abc import ItemsView, Iterator, Mapping, Sequence, ValuesView
from decimal import Decimal

import attrs

from privtraffic._html import html_table
from privtraffic.commission._types import Id
from privtraffic.money import format_amount, minor_exponent

# Moving the decimal point of an integer is exact in a context this wide, whatever the
# caller's context is.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

__all__ = ["Balance", "Balances", "Statement"]


@attrs.frozen(repr=False)
class Balance:
    """Where a distributor's commission stands at one moment.

    Attributes
    ----------
    distributor : int or str
        Whose balance.
    currency : str
        The plan's currency.
    pending : decimal.Decimal
        Earned but still inside the holding period (or the order is not yet settled).
    payable : decimal.Decimal
        Past the holding period, not yet paid.
    paid : decimal.Decimal
        Cash paid out so far.
    clawback_due : decimal.Decimal
        Commission already paid on orders refunded afterwards, to be deducted from later
        earnings.

    Examples
    --------
    >>> b = Balance("bob", "CNY", Decimal("5.00"), Decimal("3.00"), Decimal("10.00"),
    ...             Decimal("1.00"))
    >>> b.owed
    Decimal('7.00')
    """

    distributor: Id
    currency: str
    pending: Decimal
    payable: Decimal
    paid: Decimal
    clawback_due: Decimal

    @property
    def owed(self) -> Decimal:
        """``pending + payable - clawback_due``: what the merchant still owes (may be < 0).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, Ledger
        >>> from privtraffic.commission import OrderPlaced
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"))
        >>> ledger.balances("2024-05-02")["kol"].owed
        Decimal('1.00')
        """
        return self.pending + self.payable - self.clawback_due

    def __repr__(self) -> str:
        def show(value: Decimal) -> str:
            return format_amount(value, self.currency, symbol=False)

        return (
            f"Balance({self.distributor!r}: pending {show(self.pending)}, payable "
            f"{show(self.payable)}, paid {show(self.paid)}, clawback due "
            f"{show(self.clawback_due)} {self.currency})"
        )


class Balances(Mapping[Id, Balance]):
    """Every distributor's balance: a read-only mapping of distributor id to :class:`Balance`.

    What :meth:`~privtraffic.commission.Ledger.balances` returns, in the order of the
    ``distributors`` given (the ledger sorts them by id). The amounts are kept as integer
    minor units, one sequence per bucket, and each :class:`Balance` is built (exact
    :class:`~decimal.Decimal` amounts in ``currency``) the first time it is read, so a query
    over many distributors costs little more than reading their rows.

    Two ``Balances`` are equal when they hold the same distributors with the same amounts; a
    ``Balances`` equals a plain ``dict`` of the same balances.

    Parameters
    ----------
    currency : str
        The currency of the amounts.
    distributors : sequence of int or str
        Whose balances, without repeats.
    pending, payable, paid, clawback_due : sequence of int
        Aligned with ``distributors``: each bucket in minor units (see :class:`Balance`).

    Examples
    --------
    >>> b = Balances("CNY", ["amy", "bob"], [100, 0], [250, 50], [0, 0], [0, 20])
    >>> b["bob"]
    Balance('bob': pending 0.00, payable 0.50, paid 0.00, clawback due 0.20 CNY)
    >>> list(b), len(b), "zed" in b
    (['amy', 'bob'], 2, False)
    >>> b == {"amy": b["amy"], "bob": b["bob"]}
    True
    """

    __slots__ = (
        "_all",
        "_built",
        "_clawback",
        "_currency",
        "_decimals",
        "_exponent",
        "_ids",
        "_paid",
        "_payable",
        "_pending",
        "_where",
    )

    def __init__(
        self,
        currency: str,
        distributors: Sequence[Id],
        pending: Sequence[int],
        payable: Sequence[int],
        paid: Sequence[int],
        clawback_due: Sequence[int],
    ) -> None:
        self._currency = currency
        self._ids = tuple(distributors)
        self._pending = tuple(pending)
        self._payable = tuple(payable)
        self._paid = tuple(paid)
        self._clawback = tuple(clawback_due)
        n = len(self._ids)
        for name, column in (
            ("pending", self._pending),
            ("payable", self._payable),
            ("paid", self._paid),
            ("clawback_due", self._clawback),
        ):
            if len(column) != n:
                raise ValueError(
                    f"{name!r} must have one amount per distributor ({len(column)} != {n})"
                )
        self._where: dict[Id, int] | None = None
        self._built: dict[Id, Balance] = {}
        self._all: tuple[Balance, ...] | None = None
        self._decimals: dict[int, Decimal] = {}
        self._exponent = -minor_exponent(currency)

    @property
    def currency(self) -> str:
        """The currency of the amounts.

        Examples
        --------
        >>> Balances("CNY", [], [], [], [], []).currency
        'CNY'
        """
        return self._currency

    def _position(self, distributor: object) -> int:
        where = self._where
        if where is None:
            where = self._where = {who: i for i, who in enumerate(self._ids)}
        found: int = where.get(distributor, -1)  # type: ignore[call-overload]
        return found

    def __getitem__(self, distributor: Id) -> Balance:
        found = self._built.get(distributor)
        if found is not None:
            return found
        i = self._position(distributor)
        if i < 0:
            raise KeyError(distributor)
        money = self._money
        found = self._built[distributor] = Balance(
            self._ids[i],
            self._currency,
            money(self._pending[i]),
            money(self._payable[i]),
            money(self._paid[i]),
            money(self._clawback[i]),
        )
        return found

    def _money(self, units: int) -> Decimal:
        """``units`` as an amount, exactly :func:`~privtraffic.money.from_minor_units`
        (``Decimal(units)`` with the point moved, in an exact context), each value made once
        (most accounts share a few: zero above all)."""
        found = self._decimals.get(units)
        if found is None:
            found = Decimal(int(units)).scaleb(self._exponent, _EXACT)
            self._decimals[units] = found
        return found

    def _every(self) -> tuple[Balance, ...]:
        """Every :class:`Balance`, in order, built in one pass (and kept)."""
        every = self._all
        if every is None:
            decimals, exponent = self._decimals, self._exponent
            columns = (self._pending, self._payable, self._paid, self._clawback)
            for column in columns:
                for units in set(column).difference(decimals):
                    decimals[units] = Decimal(int(units)).scaleb(exponent, _EXACT)
            pending, payable, paid, clawback = (list(map(decimals.__getitem__, c)) for c in columns)
            currency, built = self._currency, self._built
            every = self._all = tuple(
                [
                    built.get(who) or Balance(who, currency, p, q, d, c)
                    for who, p, q, d, c in zip(
                        self._ids, pending, payable, paid, clawback, strict=True
                    )
                ]
            )
            built.update(zip(self._ids, every, strict=True))
        return every

    def values(self) -> ValuesView[Balance]:
        """The balances, in order (each built once, all in one pass when first iterated).

        Examples
        --------
        >>> [b.payable for b in Balances("CNY", [1, 2], [0, 0], [5, 7], [0, 0], [0, 0]).values()]
        [Decimal('0.05'), Decimal('0.07')]
        """
        return _Values(self)

    def items(self) -> ItemsView[Id, Balance]:
        """``(distributor, balance)`` pairs, in order (see :meth:`values`).

        Examples
        --------
        >>> dict(Balances("CNY", ["amy"], [100], [0], [0], [0]).items())["amy"].pending
        Decimal('1.00')
        """
        return _Items(self)

    def __contains__(self, distributor: object) -> bool:
        try:
            return self._position(distributor) >= 0
        except TypeError:  # an unhashable key is in no mapping
            return False

    def __iter__(self) -> Iterator[Id]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Balances):
            if self._currency != other._currency:
                return False
            mine = dict(zip(self._ids, self._rows(), strict=True))
            return mine == dict(zip(other._ids, other._rows(), strict=True))
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def _rows(self) -> Iterator[tuple[int, int, int, int]]:
        return zip(self._pending, self._payable, self._paid, self._clawback, strict=True)

    def __repr__(self) -> str:
        shown = ", ".join(f"{who!r}: {self[who]!r}" for who in self._ids[:8])
        more = f", ... {len(self) - 8} more" if len(self) > 8 else ""
        return f"Balances({{{shown}{more}}})"


class _Values(ValuesView[Balance]):
    _mapping: Balances

    def __iter__(self) -> Iterator[Balance]:
        return iter(self._mapping._every())


class _Items(ItemsView[Id, Balance]):
    _mapping: Balances

    def __iter__(self) -> Iterator[tuple[Id, Balance]]:
        balances = self._mapping
        return zip(balances._ids, balances._every(), strict=True)


@attrs.frozen(repr=False)
class Statement:
    """One distributor's commission account over ``[start, end)``.

    ``closing = opening + earned - reversed - clawed_back - paid``, where the balance is
    ``pending + payable - clawback_due`` (what is owed to the distributor).

    Attributes
    ----------
    distributor : int or str
        Whose statement.
    start, end : str
        The period, ISO timestamps, ``start`` included and ``end`` excluded.
    currency : str
        The plan's currency.
    opening : decimal.Decimal
        Balance owed at ``start``.
    earned : decimal.Decimal
        New commission in the period.
    reversed : decimal.Decimal
        Unpaid commission cancelled by refunds in the period.
    clawed_back : decimal.Decimal
        Already-paid commission on orders refunded in the period (now owed back).
    paid : decimal.Decimal
        Cash paid out in the period.
    pending, payable, clawback_due : decimal.Decimal
        The parts of the closing balance.

    Examples
    --------
    >>> Statement("bob", "2024-05-01", "2024-06-01", "CNY", *([Decimal(0)] * 8))
    Statement('bob', 2024-05-01..2024-06-01: opening 0.00, earned 0.00, reversed 0.00, clawed back 0.00, paid 0.00, closing 0.00 CNY)
    """  # noqa: E501

    distributor: Id
    start: str
    end: str
    currency: str
    opening: Decimal
    earned: Decimal
    reversed: Decimal
    clawed_back: Decimal
    paid: Decimal
    pending: Decimal
    payable: Decimal
    clawback_due: Decimal

    @property
    def closing(self) -> Decimal:
        """``opening + earned - reversed - clawed_back - paid``.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, Ledger
        >>> from privtraffic.commission import OrderPlaced, Refund
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...                 DistributorNetwork.from_edges([], [], users=["kol"]))
        >>> _ = ledger.record(OrderPlaced("o1", "2024-05-01", "10.00", "kol"),
        ...                   Refund("r1", "o1", "2024-05-02", "4.00"))
        >>> ledger.statement("kol", "2024-05-01", "2024-06-01").closing
        Decimal('0.60')
        """
        return self.opening + self.earned - self.reversed - self.clawed_back - self.paid

    def as_row(self) -> tuple[Id, ...]:
        """The statement as a row to read: distributor, opening, earned, reversed, clawed back,
        paid, closing, pending, payable, clawback due (amounts formatted by
        :func:`privtraffic.money.format_amount` in the statement's currency, without the
        symbol; the exact values are the attributes).

        Examples
        --------
        >>> Statement("bob", "a", "b", "CNY", *([Decimal("1234.5")] * 8)).as_row()[:3]
        ('bob', '1,234.50', '1,234.50')
        """
        return (
            self.distributor,
            *(
                format_amount(v, self.currency, symbol=False)
                for v in (
                    self.opening,
                    self.earned,
                    self.reversed,
                    self.clawed_back,
                    self.paid,
                    self.closing,
                    self.pending,
                    self.payable,
                    self.clawback_due,
                )
            ),
        )

    #: Column names of :meth:`as_row`.
    HEADER = (
        "distributor",
        "opening",
        "earned",
        "reversed",
        "clawed back",
        "paid",
        "closing",
        "pending",
        "payable",
        "clawback due",
    )

    def __repr__(self) -> str:
        _, opening, earned, reversed_, clawed_back, paid, closing, *_ = self.as_row()
        return (
            f"Statement({self.distributor!r}, {self.start}..{self.end}: opening {opening}, "
            f"earned {earned}, reversed {reversed_}, clawed back {clawed_back}, "
            f"paid {paid}, closing {closing} {self.currency})"
        )

    def _repr_html_(self) -> str:
        return html_table(
            [self.as_row()],
            list(self.HEADER),
            title=f"Statement {self.start} .. {self.end} ({self.currency})",
        )
