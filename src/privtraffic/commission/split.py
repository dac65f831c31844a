"""The commission entries of one order, exact to the minor unit.

The arithmetic is integers throughout, the same as the batch path's: the order amount in minor
units (fen), every rate in units of ``10 ** -plan.rate_places``, the total rounded once with
:func:`privtraffic.money.round_ratio` and split by the largest-remainder rule of
:mod:`privtraffic.money` (evaluated in Python integers for one order,
:func:`~privtraffic.money.allocate_minor_ints`, and column by column for a batch,
:func:`~privtraffic.money.allocate_minor_columns`; the test suite checks the two agree). Those
are the one definition of the rounding and largest-remainder rules; the step that combines them
(:func:`order_total_minor`) is shared by both paths.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, DistributorNetwork, split_commission
>>> plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")
>>> net = DistributorNetwork.from_edges(["alice"], ["bob"])
>>> entries = split_commission(plan, net, "o1", "99.99", "bob")
>>> [(e.beneficiary, e.level, e.amount) for e in entries]
[('bob', 1, Decimal('10.00')), ('alice', 2, Decimal('5.00'))]
>>> sum(e.amount for e in entries)
Decimal('15.00')
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TypeAlias, TypeVar, cast, overload

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._deprecation import warn_deprecated
from privtraffic.commission._types import AmountLike, Id
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.errors import InvalidInputError
from privtraffic.money import (
    DEFAULT_CURRENCY,
    allocate_minor_ints,
    as_amount,
    format_amount,
    from_minor_units,
    minor_exponent,
    round_ratio,
)

__all__ = [
    "CommissionEntry",
    "level_amounts_minor",
    "level_entries",
    "order_total_minor",
    "served_levels",
    "split_commission",
]

#: A beneficiary as a split sees them: a position in a network, or an id.
K = TypeVar("K")


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
        The commission, in :attr:`currency`, exact to the minor unit.
    reason : str
        How the rate came about, e.g. ``"level 1; rank 2 uplift +0.02; capped by total_cap 0.20"``.
    currency : str, default "CNY"
        The plan's currency, which :attr:`base` and :attr:`amount` are in.

    Examples
    --------
    >>> CommissionEntry("o1", "bob", 1, Decimal("99.99"), Decimal("0.125"), Decimal("12.50"),
    ...                 "level 1")
    CommissionEntry('o1' -> 'bob', level 1, 12.50 = 0.125 x 99.99)
    """

    order_id: Id
    beneficiary: Id
    level: int
    base: Decimal
    rate: Decimal
    amount: Decimal
    reason: str
    currency: str = DEFAULT_CURRENCY

    def __repr__(self) -> str:
        amount = format_amount(self.amount, self.currency, symbol=False)
        base = format_amount(self.base, self.currency, symbol=False)
        return (
            f"CommissionEntry({self.order_id!r} -> {self.beneficiary!r}, level {self.level}, "
            f"{amount} = {self.rate} x {base})"
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


def _amount_of(what: str, value: object, currency: str) -> Decimal:
    """``value`` as an exact amount in ``currency``; an error names what it is the amount of.

    ``what`` is, e.g., ``"order 'o2'"``: ``'amount' must not be a float`` becomes ``'amount' of
    order 'o2' must not be a float``.
    """
    try:
        return as_amount(value, "amount", currency=currency)
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc).replace("'amount'", f"'amount' of {what}", 1)) from None


def _minor_units(amount: Decimal, currency: str) -> int:
    """An amount exact at the currency's precision as an integer count of minor units.

    The inverse of :func:`privtraffic.money.from_minor_units`.
    """
    return int(amount.scaleb(minor_exponent(currency)))


def _rate_units(rate: Decimal, places: int) -> int:
    """A rate as an integer count of ``10 ** -places`` (exact: the plan's rates have no more)."""
    return int(rate.scaleb(places))


def _rate_of_units(units: int, places: int) -> Decimal:
    """The inverse of :func:`_rate_units`, with exactly ``places`` decimals."""
    return Decimal(units).scaleb(-places)  # an integer's exponent 0 becomes exactly -places


@attrs.frozen(eq=False)
class _PlanUnits:
    """A plan as the split of one order uses it: its numbers in integer units, made once.

    Attributes
    ----------
    denominator : int
        ``10 ** plan.rate_places``: a rate of ``u`` units is ``u / denominator``.
    cap_units : int
        ``total_cap`` in rate units.
    exponent : int
        The currency's minor-unit exponent (2 for CNY: an amount is ``fen / 100``).
    unit : decimal.Decimal
        The currency's minor unit (``Decimal('0.01')``), the exponent amounts are given at.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> form = _plan_units(CommissionPlan(level_rates=("0.125",), total_cap="0.2"))
    >>> form.denominator, form.cap_units, form.exponent, form.unit
    (1000, 200, 2, Decimal('0.01'))
    """

    denominator: int
    cap_units: int
    exponent: int
    unit: Decimal


def _plan_units(plan: CommissionPlan) -> _PlanUnits:
    """The plan's ``_PlanUnits``, made on the first call and kept on the (frozen) plan.

    Two threads making it at once make equal forms; either one is kept.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> plan = CommissionPlan(level_rates=("0.10",))
    >>> _plan_units(plan) is _plan_units(plan)
    True
    """
    form: _PlanUnits | None = plan._split_form  # type: ignore[assignment]
    if form is None:
        places, exponent = plan.rate_places, minor_exponent(plan.currency)
        form = _PlanUnits(
            denominator=10**places,
            cap_units=_rate_units(plan.total_cap, places),
            exponent=exponent,
            unit=Decimal(1).scaleb(-exponent),
        )
        object.__setattr__(plan, "_split_form", form)
    return form


@overload
def order_total_minor(
    base_minor: int, rate_units: int, plan: CommissionPlan
) -> int: ...  # pragma: no cover


@overload
def order_total_minor(
    base_minor: NDArray[np.int64] | NDArray[np.object_],
    rate_units: NDArray[np.int64],
    plan: CommissionPlan,
) -> NDArray[np.int64] | NDArray[np.object_]: ...  # pragma: no cover


def order_total_minor(
    base_minor: int | NDArray[np.int64] | NDArray[np.object_],
    rate_units: int | NDArray[np.int64],
    plan: CommissionPlan,
) -> int | NDArray[np.int64] | NDArray[np.object_]:
    """An order's total commission in minor units: step 3 of :func:`split_commission`.

    ``base_minor * rate_units / 10 ** plan.rate_places`` rounded once with the plan's rounding
    mode, but never above ``base_minor * total_cap`` rounded down. Both roundings are
    :func:`privtraffic.money.round_ratio`; the per-order path calls this with Python integers,
    the batch path with arrays (one element per order).

    Parameters
    ----------
    base_minor : int or numpy.ndarray of int
        The order amount(s) in minor units.
    rate_units : int or numpy.ndarray of int
        The sum of the rates the order pays, in units of ``10 ** -plan.rate_places``.
    plan : CommissionPlan
        Supplies ``rate_places``, ``rounding`` and ``total_cap``.

    Returns
    -------
    int or numpy.ndarray

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> order_total_minor(9999, 125, CommissionPlan(level_rates=("0.125",)))  # 12.49875 yuan
    1250
    >>> plan = CommissionPlan(level_rates=("0.5",), total_cap="0.5")
    >>> order_total_minor(np.array([1, 3]), np.array([5, 5]), plan).tolist()  # 0.005 -> 0, not 1
    [0, 1]
    """
    form = _plan_units(plan)
    den = form.denominator
    total = round_ratio(base_minor * rate_units, den, plan.rounding)
    ceiling = round_ratio(base_minor * form.cap_units, den, "down")
    if isinstance(total, np.ndarray):
        capped: NDArray[np.int64] | NDArray[np.object_] = np.minimum(total, ceiling)
        return capped
    return min(int(total), int(ceiling))


@overload
def split_commission(
    plan: CommissionPlan,
    network: DistributorNetwork,
    order_id: Id,
    amount: AmountLike,
    sharer: Id,
    *,
    buyer: Id | None = None,
    category: Id | None = None,
) -> tuple[CommissionEntry, ...]: ...  # pragma: no cover


@overload
def split_commission(
    plan: CommissionPlan,
    order_id: Id,
    amount: AmountLike,
    sharer: Id,
    network: DistributorNetwork,
    /,
    *,
    buyer: Id | None = None,
    category: Id | None = None,
) -> tuple[CommissionEntry, ...]: ...  # pragma: no cover  (deprecated argument order)


def split_commission(
    plan: CommissionPlan,
    network: DistributorNetwork | Id,
    order_id: Id | AmountLike,
    amount: AmountLike | Id,
    sharer: Id | DistributorNetwork,
    *,
    buyer: Id | None = None,
    category: Id | None = None,
) -> tuple[CommissionEntry, ...]:
    """The commission entries of one order, exact to the minor unit.

    The steps, all in integer minor units and integer rate units:

    1. Walk up from the sharer: level 1 is the sharer, level ``k + 1`` the upline of level
       ``k``'s distributor, up to the plan's number of levels. A distributor without
       distribution rights leaves their level unpaid (``ineligible_upline="unpaid"``) or is
       passed over for the next upline with rights (``"skip"``). When
       ``self_purchase_earns=False`` the buyer is never paid on their own order.
    2. Each paid beneficiary's nominal rate is the level's rate (or the category's) plus their
       rank uplift. Levels are then served in order under ``total_cap``: each gets
       ``min(nominal, cap - already given)``. Levels whose rate ends at zero get no entry.
    3. The order's total commission is ``amount * sum(rates)`` rounded once with the plan's
       rounding mode, but never above ``amount * total_cap`` rounded down
       (:func:`order_total_minor`, which calls :func:`privtraffic.money.round_ratio`).
    4. The total is split across the levels in proportion to their rates with the
       largest-remainder method (:func:`privtraffic.money.allocate_minor_ints`; ties to the
       lower level), so the entries sum to the total exactly.

    Parameters
    ----------
    plan : CommissionPlan
        The rates and rules.
    network : DistributorNetwork
        Uplines, ranks and rights.
    order_id : int or str
        Named in errors and carried on the entries.
    amount : Decimal, int or str
        The order amount (the commission base) in the plan's currency; floats are refused.
    sharer : int or str
        The distributor who brought the order; must be in ``network``.
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

    Warns
    -----
    DeprecationWarning
        Called in the old argument order ``(plan, order_id, amount, sharer, network)``, which
        still works for this release.

    Examples
    --------
    12.5 % on ¥99.99 is 12.49875, which rounds half-up to 12.50 and down to 12.49:

    >>> net = DistributorNetwork.from_edges([], [], users=["kol"])
    >>> split_commission(CommissionPlan(level_rates=("0.125",)), net, "o1", "99.99", "kol")
    (CommissionEntry('o1' -> 'kol', level 1, 12.50 = 0.125 x 99.99),)
    >>> plan = CommissionPlan(level_rates=("0.125",), rounding="down")
    >>> split_commission(plan, net, "o1", "99.99", "kol")[0].amount
    Decimal('12.49')
    >>> split_commission(plan, net, "o2", 99.99, "kol")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'amount' of order 'o2' must not be a float (got 99.99)...
    """
    if isinstance(network, DistributorNetwork):
        return _split(plan, network, order_id, amount, sharer, buyer, category)  # type: ignore[arg-type]
    _network_last("split_commission", "order_id, amount, sharer", network, sharer)
    # the old order: (plan, order_id, amount, sharer, network)
    last = cast(DistributorNetwork, sharer)
    return _split(plan, last, network, order_id, cast(Id, amount), buyer, category)


def _network_last(function: str, data: str, second: object, last: object) -> None:
    """Warn that ``function`` was called in its first release's order, ``(plan, data...,
    network)``; or raise when neither ``second`` nor ``last`` is a network.

    The warning points at the caller's line (:func:`privtraffic._deprecation.warn_deprecated`).
    """
    if not isinstance(last, DistributorNetwork):
        raise InvalidInputError(
            f"'network' must be a DistributorNetwork (got {type(second).__name__})"
        )
    warn_deprecated(
        f"{function}(plan, {data}, network) is deprecated: pass the network first, "
        f"{function}(plan, network, {data}); the old order stops working in the next release"
    )


def _split(
    plan: CommissionPlan,
    network: DistributorNetwork,
    order_id: Id,
    amount: AmountLike,
    sharer: Id,
    buyer: Id | None,
    category: Id | None,
) -> tuple[CommissionEntry, ...]:
    """:func:`split_commission` once the arguments are in order.

    Steps 1 and 2 depend on the plan, the network, the sharer, the category and the buyer
    only: their outcome (:func:`_levels_of`) is kept on the network per (plan, sharer,
    category, buyer), so an order from a sharer seen before costs steps 3 and 4 alone.
    """
    currency = plan.currency
    form = _plan_units(plan)
    base = _plain_amount(amount, form.unit)
    if base is None:  # anything but a plain valid amount: the checked path, which may raise
        base = _amount_of(f"order {order_id!r}", amount, currency)
    node = network.position(sharer)
    if node < 0:
        network.index_of([sharer], "sharer", labels=[order_id])  # raises, naming the order
    buyer_node = -1
    if buyer is not None and not plan.self_purchase_earns:
        buyer_node = network.position(buyer)
        if buyer_node < 0:  # the one rule for unknown ids: another kind of id raises
            network.index_of([buyer], "buyer", missing="mark", labels=[order_id])
    memo = network._split_memo
    key: tuple[object, ...] | None = (form, node, category, buyer_node)
    try:
        levels: _Levels | None = memo.get(key)  # type: ignore[assignment]
    except TypeError:  # a category that cannot be a key: work it out for this order only
        key, levels = None, None
    if levels is None:
        levels = _levels_of(plan, network, node, category, buyer_node)
        if key is not None:
            _keep(memo, key, levels)
    rate_sum, weights, paid = levels
    if not paid:
        return ()
    # 3. and 4.: round the order's total once, split it by largest remainder
    total = order_total_minor(int(base.scaleb(form.exponent)), rate_sum, plan)
    return _entries(order_id, base, paid, allocate_minor_ints(total, weights), currency)


#: One paid level as an entry shows it: (level, beneficiary id, rate, reason).
_Level: TypeAlias = "tuple[int, Id, Decimal, str]"
#: Steps 1 and 2 for one sharer: (sum of the rate units, each level's rate units, the levels).
_Levels: TypeAlias = "tuple[int, list[int], tuple[_Level, ...]]"

#: Sharers (per plan, category and buyer) whose levels a network keeps; the oldest go first.
_MEMO_KEPT = 16_384
_MEMO_LOCK = threading.Lock()


def _keep(memo: dict[object, object], key: object, value: object) -> None:
    """Keep ``value`` under ``key`` in a network's memo, dropping the oldest key when full."""
    with _MEMO_LOCK:
        if len(memo) >= _MEMO_KEPT:
            del memo[next(iter(memo))]
        memo[key] = value


def _levels_of(
    plan: CommissionPlan,
    network: DistributorNetwork,
    node: int,
    category: Id | None,
    buyer_node: int,
) -> _Levels:
    """Steps 1 and 2 for a sharer at ``node``: the sum of the served rates (rate units), each
    level's rate units (the weights of step 4) and each paid level as its entry shows it."""
    served = served_levels(plan, category, _array_path(network, node), buyer_node)
    ids = network.users[[s[1] for s in served]].tolist()  # one array read
    weights = [s[2] for s in served]
    return sum(weights), weights, _paid_levels(plan, served, ids)


def _paid_levels(
    plan: CommissionPlan,
    served: Sequence[tuple[int, K, int, Decimal, bool, int]],
    ids: Sequence[Id],
) -> tuple[_Level, ...]:
    """Each served level as ``(level, beneficiary, rate, reason)``, ``ids`` aligned with it."""
    places = plan.rate_places
    return tuple(
        (level, who, _rate_of_units(rate, places),
         entry_reason(level, rank, uplift, capped, plan.total_cap))
        for (level, _, rate, uplift, capped, rank), who in zip(served, ids, strict=True)
    )  # fmt: skip


def _entries(
    order_id: Id, base: Decimal, paid: Sequence[_Level], parts: Sequence[int], currency: str
) -> tuple[CommissionEntry, ...]:
    """The entries of an order on ``base`` whose levels ``paid`` get ``parts`` minor units."""
    return tuple([
        CommissionEntry(order_id, who, level, base, rate, from_minor_units(part, currency),
                        reason, currency)
        for (level, who, rate, reason), part in zip(paid, parts, strict=True)
    ])  # fmt: skip


def _plain_amount(value: object, unit: Decimal) -> Decimal | None:
    """A plain valid order amount (a ``str``, ``int`` or ``Decimal`` >= 0, exact at ``unit``)
    as :func:`privtraffic.money.as_amount` gives it; ``None`` for anything else, which that
    function (the one definition of the rule) then reads, or refuses with its message."""
    kind = type(value)
    if kind is str:
        try:
            out = Decimal(value.strip())  # type: ignore[attr-defined]
        except ArithmeticError:
            return None
    elif kind is Decimal:
        out = value  # type: ignore[assignment]
    elif kind is int:
        out = Decimal(value)  # type: ignore[arg-type]
    else:
        return None
    if not out.is_finite() or out < 0:
        return None
    try:
        exact = out.quantize(unit)  # in any context: kept only when nothing was rounded
    except ArithmeticError:
        return None
    return exact if exact == out else None


def _array_path(network: DistributorNetwork, node: int) -> Iterator[tuple[int, bool, int]]:
    """``(position, has_rights, rank)`` of the user at ``node`` and of each upline above."""
    upline, rights, rank = network.upline, network.has_rights, network.rank
    while node >= 0:
        yield node, bool(rights[node]), int(rank[node])
        node = int(upline[node])


def served_levels(
    plan: CommissionPlan,
    category: Id | None,
    path: Iterable[tuple[K, bool, int]],
    buyer: K | None,
) -> list[tuple[int, K, int, Decimal, bool, int]]:
    """Steps 1 and 2 of :func:`split_commission`: who is paid at each level, at which rate.

    ``path`` gives ``(user, has_rights, rank)`` for the sharer and then each upline, nearest
    first (positions in a :class:`DistributorNetwork`, or ids of the network as a ledger sees
    it at an order's time); ``buyer`` is the buyer in the same terms when self-purchases do not
    earn, else ``None``.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> plan = CommissionPlan(level_rates=("0.10", "0.05"))
    >>> [s[:3] for s in served_levels(plan, None, [("bob", True, 0), ("amy", True, 0)], None)]
    [(1, 'bob', 10), (2, 'amy', 5)]
    """
    places = plan.rate_places
    rates = [_rate_units(r, places) for r in plan.rates_for(category)]
    skip = plan.ineligible_upline == "skip"
    steps = iter(path)
    current = next(steps, None)
    # 1. and 2.: who is paid at each level, at which nominal rate (in rate units)
    paid: list[tuple[int, K, int, Decimal, int]] = []  # (level, who, nominal, uplift, rank)
    for level in range(1, len(rates) + 1):
        if skip:
            while current is not None and not current[1]:
                current = next(steps, None)
        if current is None:
            break
        who, rights, rank = current
        if rights and who != buyer:
            uplift = plan.uplift_for(rank)
            paid.append((level, who, rates[level - 1] + _rate_units(uplift, places), uplift, rank))
        current = next(steps, None)
    remaining = _rate_units(plan.total_cap, places)
    served: list[tuple[int, K, int, Decimal, bool, int]] = []
    for level, who, nominal, uplift, rank in paid:
        rate = min(nominal, remaining)
        remaining -= rate
        if rate > 0:
            served.append((level, who, rate, uplift, rate < nominal, rank))
    return served


def level_amounts_minor(
    plan: CommissionPlan, base_minor: int, served: Sequence[tuple[int, K, int, Decimal, bool, int]]
) -> list[int]:
    """Steps 3 and 4 of :func:`split_commission`, in minor units: the order's total rounded
    once, split over the served levels by largest remainder.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> plan = CommissionPlan(level_rates=("0.10", "0.05"))
    >>> level_amounts_minor(plan, 9999, [(1, "bob", 10, Decimal(0), False, 0),
    ...                                  (2, "amy", 5, Decimal(0), False, 0)])
    [1000, 500]
    """
    if not served:
        return []
    rates = [s[2] for s in served]  # positive integers by construction (served_levels)
    return allocate_minor_ints(order_total_minor(base_minor, sum(rates), plan), rates)


def level_entries(
    plan: CommissionPlan,
    order_id: Id,
    base: Decimal,
    served: Sequence[tuple[int, K, int, Decimal, bool, int]],
    user_of: Callable[[K], Id],
) -> tuple[CommissionEntry, ...]:
    """The :class:`CommissionEntry` of each served level of an order on ``base``.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> level_entries(CommissionPlan(level_rates=("0.1",)), "o1", Decimal("10.00"),
    ...               [(1, "bob", 1, Decimal(0), False, 0)], lambda who: who)
    (CommissionEntry('o1' -> 'bob', level 1, 1.00 = 0.1 x 10.00),)
    """
    currency = plan.currency
    # 3. and 4.: round the order's total once, split it by largest remainder
    parts = level_amounts_minor(plan, _minor_units(base, currency), served)
    paid = _paid_levels(plan, served, [user_of(s[1]) for s in served])
    return _entries(order_id, base, paid, parts, currency)
