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

from decimal import Decimal

import attrs

from privtraffic._html import html_table
from privtraffic.commission._types import Id
from privtraffic.money import format_amount

__all__ = ["Balance", "Statement"]


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
