"""The batch path's column-wise arithmetic gives the per-order path's entries and the money
module's allocation, on deeper plans and other id kinds than the worked examples use."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    compute_commissions,
    split_commission,
)
from privtraffic.money import allocate_minor_columns, allocate_minor_rows
from support import examples

RATES = st.sampled_from(["0", "0.01", "0.03", "0.05", "0.1", "0.125", "0.2"])


@st.composite
def allocations(draw):
    n = draw(st.integers(1, 30))
    k = draw(st.integers(1, 5))
    weights = np.array(
        draw(st.lists(st.lists(st.integers(0, 9), min_size=k, max_size=k), min_size=n, max_size=n))
    )
    totals = np.array(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n)))
    totals[weights.sum(axis=1) == 0] = 0  # a zero-weight row has nothing to split
    return totals, weights


@examples(200)
@given(allocations())
@example((np.array([1, 2, 3]), np.array([[1, 1, 1], [1, 1, 1], [2, 0, 2]])))  # ties
def test_column_allocation_is_the_largest_remainder_rule(case):
    totals, weights = case

    def brute(total: int, w: list[int]) -> list[int]:  # floor, then largest remainders first
        whole = sum(w)
        if whole == 0:
            return [0] * len(w)
        quota = [divmod(total * x, whole) for x in w]
        parts = [q for q, _ in quota]
        for j in sorted(range(len(w)), key=lambda j: (-quota[j][1], j))[: total - sum(parts)]:
            parts[j] += 1
        return parts

    expected = [
        brute(int(t), [int(x) for x in row]) for t, row in zip(totals, weights, strict=True)
    ]
    got = allocate_minor_columns(totals, list(weights.T.copy()), weights.sum(axis=1))
    assert np.column_stack(got).tolist() == expected
    assert allocate_minor_rows(totals, weights).tolist() == expected


@st.composite
def deep_setups(draw):
    levels = draw(st.integers(1, 4))
    rates = [draw(RATES) for _ in range(levels)]
    extra = [draw(RATES) for _ in range(draw(st.integers(1, 4)))]  # a category, other depth
    with_category = draw(st.booleans())
    need = max(sum(map(Decimal, rates)), sum(map(Decimal, extra)) if with_category else 0)
    caps = [c for c in ("0.15", "0.3", "0.5", "1") if Decimal(c) >= need]
    plan = CommissionPlan(
        level_rates=rates,
        total_cap=draw(st.sampled_from(caps)),
        rounding=draw(st.sampled_from(["half_up", "half_even", "down"])),
        rank_uplifts=draw(st.dictionaries(st.integers(0, 3), RATES, max_size=3)),
        self_purchase_earns=draw(st.booleans()),
        ineligible_upline=draw(st.sampled_from(["unpaid", "skip"])),
        category_rates={"c": extra} if with_category else {},
        allow_levels_beyond_compliance=True,
        override_reason="tests of the arithmetic on deeper plans",
        max_levels=4,
    )
    n = draw(st.integers(1, 10))
    parents = [draw(st.integers(-1, i - 1)) for i in range(n)]
    kind = draw(st.sampled_from(["dense", "sparse", "strings"]))

    def label(i):
        return {"dense": i, "sparse": i * 10**12 - 5, "strings": f"d{i:02d}"}[kind]

    ups = [label(p) for p in parents if p >= 0]
    downs = [label(i) for i, p in enumerate(parents) if p >= 0]
    users = [label(i) for i in range(n)]
    net = DistributorNetwork.from_edges(
        ups,
        downs,
        users=users,
        has_rights=[draw(st.booleans()) for _ in users],
        ranks=[draw(st.integers(0, 3)) for _ in users],
    )
    m = draw(st.integers(1, 15))
    orders = {
        "order_id": [f"o{i}" for i in range(m)],
        "amount_minor": [draw(st.integers(0, 10**8)) for _ in range(m)],
        "sharer": [label(draw(st.integers(0, n - 1))) for _ in range(m)],
        "buyer": [label(draw(st.integers(0, n + 1))) for _ in range(m)],
        "category": [draw(st.sampled_from(["c", "d"])) for _ in range(m)],
    }
    if draw(st.booleans()):
        del orders["buyer"]
    if draw(st.booleans()):
        del orders["category"]
    return plan, net, orders


# Found by ``nox -s deep`` (2026-12-01): a one-level plan with a rank uplift, an order whose
# buyer is its sharer (self-purchase does not earn): the batch paid the uplift at level 2,
# beyond the plan's levels, where the per-order function pays nothing.
_SELF_PURCHASE_BEYOND_LEVELS = (
    CommissionPlan(
        level_rates=(Decimal("0"),),
        total_cap=Decimal("0.15"),
        category_rates=(("c", (Decimal("0"), Decimal("0"))),),
        rank_uplifts=((0, Decimal("0.01")),),
        self_purchase_earns=False,
        ineligible_upline="unpaid",
        max_levels=4,
        allow_levels_beyond_compliance=True,
        override_reason="tests of the arithmetic on deeper plans",
    ),
    DistributorNetwork(
        users=np.arange(7),
        upline=np.array([-1, 0, 0, 0, 0, 0, 0]),
        has_rights=np.array([True] + [False] * 6),
        rank=np.zeros(7, dtype=np.int64),
    ),
    {"order_id": ["o8"], "amount_minor": [0], "sharer": [1], "buyer": [1]},
)


@examples(80)
@given(deep_setups())
@example(_SELF_PURCHASE_BEYOND_LEVELS)
def test_batch_equals_the_per_order_function_on_deeper_plans(setup):
    plan, net, orders = setup
    batch = compute_commissions(plan, net, orders)
    expected = []
    for i, oid in enumerate(orders["order_id"]):
        expected.extend(
            split_commission(
                plan,
                net,
                oid,
                Decimal(orders["amount_minor"][i]).scaleb(-2),
                orders["sharer"][i],
                buyer=orders["buyer"][i] if "buyer" in orders else None,
                category=orders["category"][i] if "category" in orders else None,
            )
        )
    got = batch.to_entries()
    assert got == tuple(expected)
    assert [e.reason for e in got] == [e.reason for e in expected]
    assert batch.row.dtype == batch.level.dtype == np.int64


@examples(100)
@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=20, unique=True),
    st.lists(st.integers(-80, 80), max_size=30),
)
def test_id_index_dense_and_searched_lookups_agree_with_a_dictionary(ids, queries):
    from privtraffic._ids import IdIndex

    users = np.array(sorted(ids), dtype=np.int64)
    where = {u: i for i, u in enumerate(users.tolist())}
    pos, found = IdIndex(users).positions(np.array(queries, dtype=np.int64))
    assert pos.tolist() == [where.get(q, -1) for q in queries]
    assert found.tolist() == [q in where for q in queries]
    sparse = users * 10**9  # too sparse for the dense table: binary search
    pos, _ = IdIndex(sparse).positions(np.array(queries, dtype=np.int64) * 10**9)
    assert pos.tolist() == [where.get(q, -1) for q in queries]
