"""Benchmark: compute_commissions vs a plain-Python loop over orders using Decimal.

1,000,000 orders over a 100,000-distributor network, two levels, rank uplifts and a cap.
Targets (issue 5): the batch path under 5 s, at least 10x faster than the loop, with identical
entries. The loop is ``split_commission`` called order by order in plain Python (Decimal amounts
in and out, exact integer minor units inside, the same rounding and allocation functions as the
batch); both run here on the same data, and every entry of the two results is compared.

Run: ``python benchmarks/bench_commission.py`` (``--quick`` for 100,000 orders).
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal

import numpy as np

from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    compute_commissions,
    split_commission,
)


def make_data(n_orders: int, n_distributors: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = np.arange(n_distributors)
    # Each distributor after the first joined under an earlier one (10 % have no upline).
    parent = (rng.random(n_distributors) * ids).astype(np.int64)
    has_up = (rng.random(n_distributors) < 0.9) & (ids > 0)
    network = DistributorNetwork.from_edges(
        parent[has_up],
        ids[has_up],
        users=ids,
        has_rights=rng.random(n_distributors) < 0.9,
        ranks=rng.integers(0, 4, size=n_distributors),
    )
    amount_minor = np.round(rng.lognormal(np.log(9_000), 0.9, size=n_orders)).astype(np.int64)
    orders = {
        "order_id": np.arange(n_orders, dtype=np.int64),
        "amount_minor": amount_minor,
        "sharer": rng.integers(0, n_distributors, size=n_orders),
    }
    return network, orders


def loop(plan, orders, network):
    """The peer: one exact Decimal computation per order, in plain Python."""
    out = []
    ids = orders["order_id"].tolist()
    amounts = [Decimal(int(a)).scaleb(-2) for a in orders["amount_minor"].tolist()]
    sharers = orders["sharer"].tolist()
    for oid, amount, sharer in zip(ids, amounts, sharers, strict=True):
        out.extend(split_commission(plan, network, oid, amount, sharer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 orders, 10,000 distributors")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n_orders, n_dist = (100_000, 10_000) if args.quick else (1_000_000, 100_000)
    plan = CommissionPlan(
        level_rates=("0.10", "0.05"),
        total_cap="0.20",
        rank_uplifts={2: "0.02", 3: "0.06"},
        rounding="half_up",
    )
    network, orders = make_data(n_orders, n_dist)
    print(f"{n_orders:,} orders, {n_dist:,} distributors, plan {plan!r}")

    batch_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        batch = compute_commissions(plan, network, orders)
        batch_times.append(time.perf_counter() - t0)
    t_batch = statistics.median(batch_times)
    print(f"compute_commissions (int minor units): median {t_batch:.2f} s of {args.repeats}")

    text_orders = {**orders, "amount": np.char.mod("%.2f", orders["amount_minor"] / 100)}
    del text_orders["amount_minor"]
    # the float formatting above is setup only; check it produced the exact amounts
    t0 = time.perf_counter()
    batch_text = compute_commissions(plan, network, text_orders)
    t_text = time.perf_counter() - t0
    assert np.array_equal(batch_text.amount_minor, batch.amount_minor)
    print(f"compute_commissions (decimal strings): {t_text:.2f} s (1 run)")

    t0 = time.perf_counter()
    reference = loop(plan, orders, network)
    t_loop = time.perf_counter() - t0
    print(f"plain-Python Decimal loop (split_commission per order): {t_loop:.2f} s (1 run)")

    t0 = time.perf_counter()
    identical = batch.to_entries() == tuple(reference)
    t_cmp = time.perf_counter() - t0
    print(
        f"entries identical on all {len(reference):,} entries: {identical} "
        f"(compared in {t_cmp:.1f} s)"
    )
    total = sum((e.amount for e in reference), Decimal(0))
    print(f"total commission: {batch.total()} (loop: {total})")
    ratio = t_loop / t_batch
    print(
        f"RESULT: batch {t_batch:.2f} s (target < 5 s: {'met' if t_batch < 5 else 'MISSED'}); "
        f"speed-up {ratio:.1f}x over the loop (target >= 10x: "
        f"{'met' if ratio >= 10 else 'MISSED'}); identical: {identical}"
    )


if __name__ == "__main__":
    main()
