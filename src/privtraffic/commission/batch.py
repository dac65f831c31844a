"""Commission entries for a columnar batch of orders, vectorised over integer minor units.

The batch path gives exactly the entries of :func:`~privtraffic.commission.split_commission`,
order by order, but works on numpy arrays: amounts in minor units (fen) as int64 and every rate
as an integer numerator over the common denominator ``10 ** plan.rate_places``. The rounding
is the per-order path's own (:func:`order_total_minor` over :func:`privtraffic.money.round_ratio`)
applied to whole columns, and the split is the largest-remainder rule of
:func:`privtraffic.money.allocate_minor_rows`, computed one level column at a time. Everything
is one 1-d array per level (the network gets a sentinel position for "nobody", so walking up
needs no tests); Decimals appear only on output.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, DistributorNetwork, compute_commissions
>>> plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20")
>>> net = DistributorNetwork.from_edges(["alice"], ["bob"])
>>> batch = compute_commissions(
...     plan, net,
...     {"order_id": ["o1", "o2"], "amount": ["99.99", "0.07"], "sharer": ["bob", "alice"]})
>>> batch
CommissionBatch(3 entries from 2 orders, total CN¥15.01)
>>> [(e.order_id, e.beneficiary, e.amount) for e in batch.to_entries()]
[('o1', 'bob', Decimal('10.00')), ('o1', 'alice', Decimal('5.00')), ('o2', 'alice', Decimal('0.01'))]
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, cast, overload

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._html import html_table
from privtraffic._ids import IdIndex
from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_ids, check_same_length
from privtraffic.commission._types import Id
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import (
    CommissionEntry,
    _amount_of,
    _minor_units,
    _network_last,
    _rate_of_units,
    _rate_units,
    entry_reason,
    order_total_minor,
)
from privtraffic.errors import InvalidInputError
from privtraffic.money import (
    allocate_minor_columns,
    allocate_minor_rows,
    format_amount,
    from_minor_units,
    minor_exponent,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CommissionBatch", "compute_commissions"]

_INT64_MAX = np.iinfo(np.int64).max

#: A columnar batch of orders: a mapping of column name to array, or a ``pandas.DataFrame``.
OrdersLike: TypeAlias = "Mapping[str, ArrayLike] | pd.DataFrame"


@attrs.frozen(repr=False, eq=False)
class CommissionBatch(ColumnarTable):
    """The commission entries of a batch of orders, as aligned columns.

    One row per entry, ordered by order row then level, exactly as
    :func:`~privtraffic.commission.split_commission` would list them order by order. A
    :class:`~privtraffic._tables.ColumnarTable`: ``batch["amount_minor"]``, ``columns()``,
    ``to_dict()`` and ``to_pandas()`` give the array attributes below as columns.

    Attributes
    ----------
    row : numpy.ndarray
        int64 position of the entry's order in the input batch.
    order_id : numpy.ndarray
        The entry's order.
    beneficiary : numpy.ndarray
        The distributor paid.
    level : numpy.ndarray
        int64, 1 for the sharer.
    base_minor : numpy.ndarray
        Order amount in minor units.
    rate_units : numpy.ndarray
        The applied rate times ``10 ** rate_places`` (an exact integer).
    amount_minor : numpy.ndarray
        The commission in minor units.
    rank : numpy.ndarray
        The beneficiary's rank.
    uplift_units : numpy.ndarray
        The rank uplift included in the nominal rate, times ``10 ** rate_places``.
    capped : numpy.ndarray
        bool, whether ``total_cap`` cut the rate.
    plan : CommissionPlan
        The plan used (for currency, places and the reasons).
    n_orders : int
        Number of orders in the batch.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
    >>> net = DistributorNetwork.from_edges(["a"], ["b"])
    >>> batch = compute_commissions(CommissionPlan(level_rates=("0.1", "0.05")), net,
    ...     {"order_id": [1], "amount": ["10"], "sharer": ["b"]})
    >>> batch.beneficiary.tolist(), batch["amount_minor"].tolist()
    (['b', 'a'], [100, 50])
    >>> list(batch.columns())[:4], batch.to_pandas().shape
    (['row', 'order_id', 'beneficiary', 'level'], (2, 10))
    """

    row: NDArray[np.int64]
    order_id: np.ndarray
    beneficiary: np.ndarray
    level: NDArray[np.int64]
    base_minor: NDArray[np.int64]
    rate_units: NDArray[np.int64]
    amount_minor: NDArray[np.int64]
    rank: NDArray[np.int64]
    uplift_units: NDArray[np.int64]
    capped: NDArray[np.bool_]
    plan: CommissionPlan
    n_orders: int

    @property
    def currency(self) -> str:
        """The plan's currency (``"CNY"`` unless the plan says otherwise).

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> batch = compute_commissions(CommissionPlan(level_rates=("0.1",)),
        ...     DistributorNetwork.from_edges([], [], users=["kol"]),
        ...     {"order_id": ["o1"], "sharer": ["kol"], "amount": ["10.00"]})
        >>> batch.currency
        'CNY'
        """
        return self.plan.currency

    def total(self) -> Decimal:
        """Sum of all entries, exact.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> net = DistributorNetwork.from_edges([], [], users=[1])
        >>> orders = {"order_id": [1], "amount_minor": [1000], "sharer": [1]}
        >>> compute_commissions(CommissionPlan(level_rates=("0.1",)), net, orders).total()
        Decimal('1.00')
        """
        units = int(np.sum(self.amount_minor, dtype=object)) if len(self) else 0
        return from_minor_units(units, self.currency)

    def amounts(self) -> np.ndarray:
        """The entry amounts as an object array of :class:`~decimal.Decimal`.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> net = DistributorNetwork.from_edges([], [], users=[1])
        >>> compute_commissions(CommissionPlan(level_rates=("0.1",)), net,
        ...                     {"order_id": [1], "amount": ["9.99"], "sharer": [1]}).amounts()
        array([Decimal('1.00')], dtype=object)
        """
        return np.array(
            [from_minor_units(u, self.currency) for u in self.amount_minor.tolist()], dtype=object
        )

    def to_entries(self) -> tuple[CommissionEntry, ...]:
        """The entries as :class:`~privtraffic.commission.CommissionEntry` objects.

        Equal, entry for entry, to calling
        :func:`~privtraffic.commission.split_commission` on each order in turn.

        Returns
        -------
        tuple of CommissionEntry

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> net = DistributorNetwork.from_edges([], [], users=[1])
        >>> batch = compute_commissions(CommissionPlan(level_rates=("0.125",)), net,
        ...     {"order_id": [7], "amount": ["99.99"], "sharer": [1]})
        >>> batch.to_entries()
        (CommissionEntry(7 -> 1, level 1, 12.50 = 0.125 x 99.99),)
        """
        plan, currency = self.plan, self.currency
        places = plan.rate_places
        rows = zip(
            self.order_id.tolist(),
            self.beneficiary.tolist(),
            self.level.tolist(),
            self.base_minor.tolist(),
            self.rate_units.tolist(),
            self.amounts().tolist(),
            self.rank.tolist(),
            self.uplift_units.tolist(),
            self.capped.tolist(),
            strict=True,
        )
        return tuple(
            CommissionEntry(
                order_id=order_id,
                beneficiary=beneficiary,
                level=level,
                base=from_minor_units(base, currency),
                rate=_rate_of_units(rate, places),
                amount=amount,
                reason=entry_reason(
                    level,
                    rank,
                    plan.uplift_for(rank) if uplift else Decimal(0),
                    capped,
                    plan.total_cap,
                ),
                currency=currency,
            )
            for order_id, beneficiary, level, base, rate, amount, rank, uplift, capped in rows
        )

    def by_beneficiary(self) -> dict[Id, Decimal]:
        """Total commission per beneficiary, exact.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan, DistributorNetwork
        >>> net = DistributorNetwork.from_edges(["a"], ["b"])
        >>> batch = compute_commissions(CommissionPlan(level_rates=("0.1", "0.05")), net,
        ...     {"order_id": [1, 2], "amount": ["10", "20"], "sharer": ["b", "a"]})
        >>> batch.by_beneficiary()
        {'a': Decimal('2.50'), 'b': Decimal('1.00')}
        """
        if not len(self):
            return {}
        who, inverse = np.unique(self.beneficiary, return_inverse=True)
        totals = np.zeros(len(who), dtype=object)
        np.add.at(totals, inverse, self.amount_minor.astype(object))
        return {
            w: from_minor_units(int(t), self.currency)
            for w, t in zip(who.tolist(), totals.tolist(), strict=True)
        }

    def __repr__(self) -> str:
        total = format_amount(self.total(), self.currency)
        return (
            f"CommissionBatch({len(self):,} entries from {self.n_orders:,} orders, total {total})"
        )

    def _repr_html_(self) -> str:
        places = self.plan.rate_places
        rows = (
            (
                self.order_id[i].item(),
                self.beneficiary[i].item(),
                int(self.level[i]),
                str(_rate_of_units(int(self.rate_units[i]), places)),
                format_amount(int(self.amount_minor[i]), self.currency, minor_units=True),
            )
            for i in range(len(self))
        )
        return html_table(
            rows,
            ["order", "beneficiary", "level", "rate", "amount"],
            title=f"CommissionBatch ({len(self):,} entries, {self.currency})",
            notes={
                "orders": self.n_orders,
                "total": format_amount(self.total(), self.currency),
            },
        )


def _column(orders: OrdersLike, name: str) -> ArrayLike | None:
    """The column ``name`` of a mapping or a data frame, ``None`` when there is none."""
    if isinstance(orders, Mapping):
        return orders.get(name)
    columns = getattr(orders, "columns", None)
    if columns is not None and name in list(columns):
        column: ArrayLike = orders[name]
        return column
    return None


def _as_array(values: ArrayLike) -> np.ndarray:
    """A column as a numpy array (a pandas column through ``to_numpy``)."""
    return np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values)


def _parse_amounts(values: ArrayLike, currency: str, order_ids: np.ndarray) -> NDArray[np.int64]:
    """Order amounts in minor units (int64) from decimal strings, Decimals or whole ints."""
    exponent = minor_exponent(currency)
    arr = _as_array(values)
    if arr.ndim != 1:
        raise InvalidInputError(f"'amount' must be 1-dimensional (got shape {arr.shape})")

    def where(i: int) -> str:
        return f"order {order_ids[i].item()!r} (row {i})"

    kind = arr.dtype.kind
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if kind == "f":
        i = 0
        raise InvalidInputError(
            f"'amount' must not be floats (got {arr[i].item()!r} for {where(i)}): pass decimal "
            "strings, Decimals or integer minor units in 'amount_minor'"
        )
    if kind == "b":
        raise InvalidInputError("'amount' must be decimal amounts (got booleans)")
    if kind in "iu":
        whole: NDArray[np.int64] = arr.astype(np.int64)
        bad = np.flatnonzero(whole < 0)
        if bad.size:
            i = int(bad[0])
            raise InvalidInputError(f"'amount' must be >= 0 (got {whole[i]} for {where(i)})")
        if whole.size and int(whole.max()) > _INT64_MAX // 10**exponent:
            raise InvalidInputError("'amount' too large for int64 minor units")
        scaled: NDArray[np.int64] = whole * 10**exponent
        return scaled
    if kind == "O":
        units = np.empty(arr.shape[0], dtype=np.int64)
        for i, v in enumerate(arr.tolist()):
            units[i] = _minor_units(_amount_of(where(i), v, currency), currency)
        return units
    if kind not in "US":
        raise InvalidInputError(f"'amount' must be decimal strings (got dtype {arr.dtype})")
    text = np.strings.strip(arr.astype(str))
    head, _, tail = np.strings.partition(text, ".")
    tail_len = np.strings.str_len(tail)
    digits = np.strings.add(head, np.strings.ljust(tail, exponent, "0"))
    ok = (
        (np.strings.isdigit(head) | ((np.strings.str_len(head) == 0) & (tail_len > 0)))
        & (np.strings.isdigit(tail) | (tail_len == 0))
        & (tail_len <= exponent)
        & (np.strings.str_len(digits) <= 18)
    )
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        value = _amount_of(where(i), str(text[i]), currency)
        raise InvalidInputError(
            f"'amount' of {where(i)} must be a plain decimal with at most {exponent} places "
            f"(got {str(text[i])!r}, read as {value})"
        )
    minor: NDArray[np.int64] = digits.astype(np.int64)
    return minor


def _rate_table(plan: CommissionPlan) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Integer rates (units of ``10 ** -rate_places``): row 0 the default, then each category."""
    places = plan.rate_places
    table = [plan.level_rates] + [rates for _, rates in plan.category_rates]
    rate_table = np.zeros((len(table), plan.n_levels), dtype=np.int64)
    for s, rates in enumerate(table):
        for k, r in enumerate(rates):
            rate_table[s, k] = _rate_units(r, places)
    depth = np.array([len(rates) for rates in table], dtype=np.int64)  # levels each row pays
    return rate_table, depth


@attrs.frozen
class _Levels:
    """The batch's arithmetic, one 1-d column per level (level 1 first), all integers."""

    node: list[NDArray[np.int64]]  # beneficiary position; len(network) for "nobody"
    rate: list[NDArray[np.int64]]  # applied rate units (0: no entry)
    amount: list[NDArray[np.int64]]  # commission in minor units
    node_uplift: NDArray[np.int64]  # uplift units per position (the sentinel's 0)


def _split_minor(
    plan: CommissionPlan,
    network: DistributorNetwork,
    base: NDArray[np.int64],
    sharer_idx: NDArray[np.int64],
    rate_set: NDArray[np.int64] | None,
    buyer_idx: NDArray[np.int64] | None,
) -> _Levels:
    """The fast path: steps 1 to 4 of :func:`~privtraffic.commission.split_commission` for
    every order at once, level by level, in integer arithmetic.

    The network's arrays get one sentinel position, ``len(network)``, meaning "nobody": its
    upline is itself and it holds no rights, so walking up needs no tests for ``-1``.
    """
    n, levels = len(base), plan.n_levels
    places = plan.rate_places
    rate_table, depth = _rate_table(plan)
    m = len(network)
    rights = np.append(network.has_rights, False)
    upline = np.append(np.where(network.upline >= 0, network.upline, m), m)
    node_uplift = np.zeros(m + 1, dtype=np.int64)
    for rank_value, rank_uplift in plan.rank_uplifts:
        node_uplift[:m][network.rank == rank_value] = _rate_units(rank_uplift, places)
    near = None
    if plan.ineligible_upline == "skip":
        nearest = network.nearest_with_rights()
        near = np.append(np.where(nearest >= 0, nearest, m), m)
        upline = near[upline]  # the next upline holding rights

    # 1. and 2.: who is paid at each level, at which nominal rate (rate units)
    node = sharer_idx if near is None else near[sharer_idx]
    nodes, nominals = [], []
    for k in range(levels):
        if rate_set is None and buyer_idx is None:  # one nominal rate per position and level
            paid_rate = rate_table[0, k] + node_uplift if k < depth[0] else np.zeros(m + 1, int)
            nominal = np.where(rights, paid_rate, 0)[node]
        else:
            paid = rights[node]
            if rate_set is not None:
                paid &= k < depth[rate_set]
            elif k >= depth[0]:  # beyond the default rates' levels nobody is paid
                paid &= False
            if buyer_idx is not None:
                paid &= node != buyer_idx
            level_rate = rate_table[0, k] if rate_set is None else rate_table[rate_set, k]
            nominal = np.where(paid, level_rate + node_uplift[node], 0)
        nodes.append(node)
        nominals.append(nominal)
        node = upline[node]
    remaining = np.full(n, _rate_units(plan.total_cap, places), dtype=np.int64)
    rates = []
    for nominal in nominals:
        rate = np.minimum(nominal, remaining)
        remaining -= rate
        rates.append(rate)
    whole = rates[0].copy()
    for rate in rates[1:]:
        whole += rate

    # 3. and 4.: the order's total rounded once, split by largest remainder
    wide = n and int(base.max()) > _INT64_MAX // (4 * 10**places)
    if wide:  # Python integers where a product of an amount and a rate could overflow int64
        total = order_total_minor(base.astype(object), whole, plan)
        parts = allocate_minor_rows(total, np.stack(rates, axis=1).astype(object))
        amounts = [parts[:, k].astype(np.int64) for k in range(levels)]
    else:
        total64 = cast("NDArray[np.int64]", order_total_minor(base, whole, plan))
        amounts = allocate_minor_columns(total64, rates, whole)
    return _Levels(node=nodes, rate=rates, amount=amounts, node_uplift=node_uplift)


@overload
def compute_commissions(
    plan: CommissionPlan, network: DistributorNetwork, orders: OrdersLike
) -> CommissionBatch: ...  # pragma: no cover


@overload
def compute_commissions(
    plan: CommissionPlan, orders: OrdersLike, network: DistributorNetwork, /
) -> CommissionBatch: ...  # pragma: no cover  (deprecated argument order)


def compute_commissions(
    plan: CommissionPlan,
    network: DistributorNetwork | OrdersLike,
    orders: OrdersLike | DistributorNetwork,
) -> CommissionBatch:
    """The commission entries of a columnar batch of orders, identical to the per-order function.

    Parameters
    ----------
    plan : CommissionPlan
        The rates and rules.
    network : DistributorNetwork
        Uplines, ranks and rights.
    orders : mapping of column name to array, or pandas.DataFrame
        Columns ``order_id``, ``sharer`` and either ``amount`` (decimal strings, Decimals or
        whole integers of major units; floats are refused) or ``amount_minor`` (integer minor
        units, the fast path); optional ``buyer`` (for self-purchases) and ``category``.

    Returns
    -------
    CommissionBatch

    Raises
    ------
    InvalidInputError
        Missing columns, mismatched lengths, float or negative amounts, too many decimal places,
        a sharer not in the network — each naming the column and the order's id and row.

    Warns
    -----
    DeprecationWarning
        Called in the old argument order ``(plan, orders, network)``, which still works for
        this release.

    Notes
    -----
    The steps are those of :func:`~privtraffic.commission.split_commission`, with every quantity
    an integer: an amount of ``a`` fen and a rate of ``p / D`` (``D = 10 ** plan.rate_places``)
    give ``a * p / D`` fen before rounding, rounded by :func:`order_total_minor` (the same
    function, and so the same :func:`privtraffic.money.round_ratio`, as the per-order path); the
    split is the largest-remainder rule of :func:`privtraffic.money.allocate_minor_rows` over all
    orders at once, one level column at a time (the test suite checks the two agree). The
    integers stay in int64
    while ``4 * max(a) * D < 2 ** 63`` (amounts up to about 2.3e13 fen with six-place rates);
    beyond that the batch switches to Python integers, slower but still exact.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, split_commission
    >>> plan = CommissionPlan(level_rates=("0.10", "0.05"), rank_uplifts={1: "0.02"},
    ...                       total_cap="0.15")
    >>> net = DistributorNetwork.from_edges(["a", "b"], ["b", "c"], users=["b"], ranks=[1])
    >>> orders = {"order_id": [1, 2, 3], "amount": ["10.00", "0.07", "3.33"],
    ...           "sharer": ["c", "b", "a"]}
    >>> batch = compute_commissions(plan, net, orders)
    >>> batch.to_entries() == sum((split_commission(plan, net, o, m, s) for o, m, s in
    ...     zip(orders["order_id"], orders["amount"], orders["sharer"])), ())
    True
    >>> compute_commissions(plan, net, {"order_id": [1], "amount": [1.5], "sharer": ["a"]})
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'amount' must not be floats (got 1.5 for order 1 (row 0)): pass decimal strings, Decimals or integer minor units in 'amount_minor'
    """  # noqa: E501
    if isinstance(network, DistributorNetwork):
        return _compute(plan, network, cast(OrdersLike, orders))
    _network_last("compute_commissions", "orders", network, orders)
    return _compute(plan, cast(DistributorNetwork, orders), network)


def _compute(
    plan: CommissionPlan, network: DistributorNetwork, orders: OrdersLike
) -> CommissionBatch:
    """:func:`compute_commissions` once the arguments are in order."""
    raw_ids = _column(orders, "order_id")
    raw_sharer = _column(orders, "sharer")
    raw_amount = _column(orders, "amount")
    raw_minor = _column(orders, "amount_minor")
    for name, col in (("order_id", raw_ids), ("sharer", raw_sharer)):
        if col is None:
            raise InvalidInputError(f"'orders' must have a '{name}' column")
    if (raw_amount is None) == (raw_minor is None):
        raise InvalidInputError("'orders' must have exactly one of 'amount' and 'amount_minor'")
    order_id = as_ids(raw_ids, "order_id")
    sharer = as_ids(raw_sharer, "sharer")
    n = check_same_length(order_id=order_id, sharer=sharer)
    if raw_minor is not None:
        minor = _as_array(raw_minor)
        if minor.dtype.kind not in "iu":
            raise InvalidInputError(
                f"'amount_minor' must be integers (got dtype {minor.dtype}; e.g. "
                f"{minor[0]!r} for order {order_id[0].item()!r} (row 0))"
                if minor.size
                else f"'amount_minor' must be integers (got dtype {minor.dtype})"
            )
        base = minor.astype(np.int64)
        bad = np.flatnonzero(base < 0)
        if bad.size:
            i = int(bad[0])
            raise InvalidInputError(
                f"'amount_minor' must be >= 0 (got {base[i]} for order "
                f"{order_id[i].item()!r} (row {i}))"
            )
    else:  # exactly one of the two columns is there
        base = _parse_amounts(cast(ArrayLike, raw_amount), plan.currency, order_id)
    check_same_length(order_id=order_id, amount=base)
    sharer_idx = network.index_of(sharer, "sharer", labels=order_id)

    rate_set = None  # row of _rate_table per order: 0 default, k category k - 1
    raw_category = _column(orders, "category")
    if raw_category is not None and plan.category_rates:
        category = as_ids(raw_category, "category")
        check_same_length(order_id=order_id, category=category)
        keys = IdIndex(as_ids([k for k, _ in plan.category_rates], "category_rates"))
        pos, _ = keys.positions(category)  # an order of another category pays the default
        rate_set = pos + 1
    buyer_idx = None
    raw_buyer = _column(orders, "buyer")
    if raw_buyer is not None and not plan.self_purchase_earns:
        buyer = as_ids(raw_buyer, "buyer")
        check_same_length(order_id=order_id, buyer=buyer)
        buyer_idx = network.index_of(buyer, "buyer", missing="mark")

    lv = _split_minor(plan, network, base, sharer_idx, rate_set, buyer_idx)
    levels = plan.n_levels
    # the entries: levels with a rate, by order row then level (row-major over (order, level))
    flat = np.flatnonzero(_interleave([r > 0 for r in lv.rate]))
    if levels & (levels - 1) == 0:  # a power of two: shifts instead of divisions
        rows, cols = flat >> (levels.bit_length() - 1), flat & (levels - 1)
    else:
        rows, cols = np.divmod(flat, levels)
    who = _interleave(lv.node)[flat]
    rate = _interleave(lv.rate)[flat]
    uplift = lv.node_uplift[who]
    rate_table, _ = _rate_table(plan)
    level_rate = rate_table[0][cols] if rate_set is None else rate_table[rate_set[rows], cols]
    return CommissionBatch(
        row=rows,
        order_id=order_id[rows],
        beneficiary=network.users[who],
        level=cols + 1,
        base_minor=base[rows],
        rate_units=rate,
        amount_minor=_interleave(lv.amount)[flat],
        rank=network.rank[who],
        uplift_units=uplift,
        capped=rate < level_rate + uplift,
        plan=plan,
        n_orders=n,
    )


def _interleave(columns: list[np.ndarray]) -> np.ndarray:
    """Columns ``c_0 .. c_(k-1)`` of length ``n`` as one array ``c_0[0], c_1[0], ..., c_0[1],
    ...`` (row-major over (row, column))."""
    if len(columns) == 1:
        return columns[0]
    return np.stack(columns, axis=1).reshape(-1)
