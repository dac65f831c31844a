"""The commission entries of one order, computed exactly with :class:`~decimal.Decimal`.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, DistributorNetwork, split_commission
>>> plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")
>>> net = DistributorNetwork.from_edges(["alice"], ["bob"])
>>> entries = split_commission(plan, "o1", "99.99", "bob", net)
>>> [(e.beneficiary, e.level, e.amount) for e in entries]
[('bob', 1, Decimal('10.00')), ('alice', 2, Decimal('5.00'))]
>>> sum(e.amount for e in entries)
Decimal('15.00')
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import attrs

from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.errors import InvalidInputError
from privtraffic.money import allocate, as_amount, quantize

__all__ = ["CommissionEntry", "split_commission"]

_EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])


@attrs.frozen(repr=False)
class CommissionEntry:
    """One beneficiary's commission on one order.

    Attributes
    ----------
    order_id : int or str
        The order.
    beneficiary : int or str
        The distributor paid.
    level : int
        1 for the sharer who brought the order, 2 for their upline, ...
    base : decimal.Decimal
        The order amount the rate applies to.
    rate : decimal.Decimal
        The rate actually applied: level (or category) rate plus rank uplift, after the cap.
    amount : decimal.Decimal
        The commission, in the plan's currency, exact to the minor unit.
    reason : str
        How the rate came about, e.g. ``"level 1; rank 2 uplift +0.02; capped by total_cap 0.20"``.

    Examples
    --------
    >>> CommissionEntry("o1", "bob", 1, Decimal("99.99"), Decimal("0.125"), Decimal("12.50"),
    ...                 "level 1")
    CommissionEntry('o1' -> 'bob', level 1, 12.50 = 0.125 x 99.99)
    """

    order_id: Any
    beneficiary: Any
    level: int
    base: Decimal
    rate: Decimal
    amount: Decimal
    reason: str

    def __repr__(self) -> str:
        return (
            f"CommissionEntry({self.order_id!r} -> {self.beneficiary!r}, level {self.level}, "
            f"{self.amount} = {self.rate} x {self.base})"
        )


def entry_reason(level: int, rank: int, uplift: Decimal, capped: bool, cap: Decimal) -> str:
    """The ``reason`` text of an entry (shared by the per-order and the batch paths).

    Examples
    --------
    >>> entry_reason(2, 1, Decimal("0.01"), True, Decimal("0.20"))
    'level 2; rank 1 uplift +0.01; capped by total_cap 0.20'
    """
    parts = [f"level {level}"]
    if uplift > 0:
        parts.append(f"rank {rank} uplift +{uplift}")
    if capped:
        parts.append(f"capped by total_cap {cap}")
    return "; ".join(parts)


def _amount_of(what: str, value: Any, currency: str) -> Decimal:
    """``value`` as an exact amount in ``currency``; an error names what it is the amount of.

    ``what`` is, e.g., ``"order 'o2'"``: ``'amount' must not be a float`` becomes ``'amount' of
    order 'o2' must not be a float``.
    """
    try:
        return as_amount(value, "amount", currency=currency)
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc).replace("'amount'", f"'amount' of {what}", 1)) from None


def split_commission(
    plan: CommissionPlan,
    order_id: Any,
    amount: Any,
    sharer: Any,
    network: DistributorNetwork,
    *,
    buyer: Any = None,
    category: Any = None,
) -> tuple[CommissionEntry, ...]:
    """The commission entries of one order, exact to the minor unit.

    The steps, all in exact decimal arithmetic:

    1. Walk up from the sharer: level 1 is the sharer, level ``k + 1`` the upline of level
       ``k``'s distributor, up to the plan's number of levels. A distributor without
       distribution rights leaves their level unpaid (``ineligible_upline="unpaid"``) or is
       passed over for the next upline with rights (``"skip"``). When
       ``self_purchase_earns=False`` the buyer is never paid on their own order.
    2. Each paid beneficiary's nominal rate is the level's rate (or the category's) plus their
       rank uplift. Levels are then served in order under ``total_cap``: each gets
       ``min(nominal, cap - already given)``. Levels whose rate ends at zero get no entry.
    3. The order's total commission is ``amount * sum(rates)`` rounded once with the plan's
       rounding mode, but never above ``amount * total_cap`` rounded down.
    4. The total is split across the levels in proportion to their rates with the
       largest-remainder method (:func:`privtraffic.money.allocate`; ties to the lower level),
       so the entries sum to the total exactly.

    Parameters
    ----------
    plan : CommissionPlan
        The rates and rules.
    order_id : int or str
        Named in errors and carried on the entries.
    amount : Decimal, int or str
        The order amount (the commission base) in the plan's currency; floats are refused.
    sharer : int or str
        The distributor who brought the order; must be in ``network``.
    network : DistributorNetwork
        Uplines, ranks and rights.
    buyer : int or str, optional
        Who bought; only used to recognise self-purchases.
    category : int or str, optional
        Selects the plan's ``category_rates``.

    Returns
    -------
    tuple of CommissionEntry
        By level, nearest first.

    Raises
    ------
    InvalidInputError
        A float or negative amount, too many decimal places, or a sharer not in the network —
        each naming the order.

    Examples
    --------
    12.5 % on ¥99.99 is 12.49875, which rounds half-up to 12.50 and down to 12.49:

    >>> net = DistributorNetwork.from_edges([], [], users=["kol"])
    >>> split_commission(CommissionPlan(level_rates=("0.125",)), "o1", "99.99", "kol", net)
    (CommissionEntry('o1' -> 'kol', level 1, 12.50 = 0.125 x 99.99),)
    >>> plan = CommissionPlan(level_rates=("0.125",), rounding="down")
    >>> split_commission(plan, "o1", "99.99", "kol", net)[0].amount
    Decimal('12.49')
    >>> split_commission(plan, "o2", 99.99, "kol", net)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'amount' of order 'o2' must not be a float (got 99.99)...
    """
    base = _amount_of(f"order {order_id!r}", amount, plan.currency)
    node = network.position(sharer)
    if node < 0:
        network.index_of([sharer], "sharer", labels=[order_id])  # raises, naming the order
    buyer_node = -1
    if buyer is not None and not plan.self_purchase_earns:
        buyer_node = network.position(buyer)
    rates = plan.rates_for(category)
    skip = plan.ineligible_upline == "skip"
    upline, rights, rank = network.upline, network.has_rights, network.rank
    unit = Decimal(1).scaleb(-plan.rate_places)

    paid: list[tuple[int, int, Decimal, Decimal]] = []  # (level, node, nominal, uplift)
    for level in range(1, len(rates) + 1):
        if skip:
            while node >= 0 and not rights[node]:
                node = int(upline[node])
        if node < 0:
            break
        if rights[node] and node != buyer_node:
            uplift = plan.uplift_for(int(rank[node]))
            paid.append((level, node, rates[level - 1] + uplift, uplift))
        node = int(upline[node])

    remaining = plan.total_cap
    served = []
    for level, who, nominal, uplift in paid:
        rate = min(nominal, remaining)
        remaining -= rate
        if rate > 0:
            served.append((level, who, rate, uplift, rate < nominal))
    if not served:
        return ()
    total_rate = sum((s[2] for s in served), Decimal(0))
    total = quantize(base.fma(total_rate, Decimal(0), context=_EXACT), plan.currency, plan.rounding)
    ceiling = quantize(base.fma(plan.total_cap, Decimal(0), context=_EXACT), plan.currency, "down")
    total = min(total, ceiling)
    amounts = allocate(total, [s[2] for s in served], plan.currency)
    return tuple(
        CommissionEntry(
            order_id=order_id,
            beneficiary=network.users[who].item(),
            level=level,
            base=base,
            rate=rate.quantize(unit),
            amount=value,
            reason=entry_reason(level, int(rank[who]), uplift, capped, plan.total_cap),
        )
        for (level, who, rate, uplift, capped), value in zip(served, amounts, strict=True)
    )
