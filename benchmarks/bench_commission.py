"""Benchmark: compute_commissions against a numpy int64 floor and the per-order Decimal path.

1,000,000 orders over a 100,000-distributor network, two levels (10 % / 5 %), rank uplifts of
2 % and 6 %, a 20 % total cap, half-up rounding.

Targets: issue 16, the batch within 1.5x of a straightforward numpy int64 implementation of the
same rules (the *floor*: a dense id table, one 1-d array per level, the two-part largest
remainder written out; it returns every column the batch returns, and the two are checked
identical); issue 5, under 5 s and at least 10x faster than ``split_commission`` called order
by order in plain Python (exact ``Decimal`` amounts in and out), with identical entries — every
entry of the two results is compared.

privtraffic and the floor are timed in interleaved rounds and their ratio is the median of the
per-round ratios (``benchmarks/_harness.py``); the Decimal loop runs once.

Run: ``python benchmarks/bench_commission.py`` (``--quick`` for 100,000 orders; ``--no-loop``
to skip the per-order loop, about 90 s here).
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

import numpy as np
from _harness import Bench, traced_peak

from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    compute_commissions,
    split_commission,
)

TARGET_FLOOR = 1.5  # batch time / floor time, at most
PLAN = CommissionPlan(
    level_rates=("0.10", "0.05"),
    total_cap="0.20",
    rank_uplifts={2: "0.02", 3: "0.06"},
    rounding="half_up",
)
COLUMNS = (
    "row",
    "order_id",
    "beneficiary",
    "level",
    "base_minor",
    "rate_units",
    "amount_minor",
    "rank",
    "uplift_units",
    "capped",
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


def numpy_floor(network: DistributorNetwork, orders) -> dict[str, np.ndarray]:
    """The plan's rules for two levels written straight in numpy int64 (rates in hundredths).

    Level 1 is the sharer, level 2 their upline; a level is paid when its distributor holds
    rights, at the level rate plus the rank uplift; rates are served under the cap in level
    order; the order's total is rounded half up once and kept under the cap rounded down; the
    total is split in proportion to the rates, the leftover unit (at most one with two parts)
    to the larger remainder, ties to level 1.
    """
    d = 100  # rates in units of 0.01
    rate1, rate2, cap = 10, 5, 20
    uplift_of = np.array([0, 0, 2, 6], dtype=np.int64)  # by rank
    users, upline, rights, rank = network.users, network.upline, network.has_rights, network.rank
    amount, sharer, order_id = orders["amount_minor"], orders["sharer"], orders["order_id"]
    lo = int(users[0])
    table = np.full(int(users[-1]) - lo + 1, -1, dtype=np.int64)
    table[users - lo] = np.arange(users.size)
    s = table[sharer - lo]
    if (s < 0).any():
        raise ValueError("unknown sharer")
    up = upline[s]
    has_up = up >= 0
    up0 = np.where(has_up, up, 0)
    upl1, upl2 = uplift_of[rank[s]], uplift_of[rank[up0]]
    nom1 = np.where(rights[s], rate1 + upl1, 0)
    nom2 = np.where(has_up & rights[up0], rate2 + upl2, 0)
    r1 = np.minimum(nom1, cap)
    r2 = np.minimum(nom2, cap - r1)
    w = r1 + r2
    total = np.minimum((amount * w + d // 2) // d, amount * cap // d)
    safe = np.maximum(w, 1)
    a1, m1 = np.divmod(total * r1, safe)
    a2, m2 = np.divmod(total * r2, safe)
    left = total - a1 - a2
    give1 = (left > 0) & (m1 >= m2)
    a1 += give1
    a2 += left - give1
    flat = np.flatnonzero(np.stack([r1 > 0, r2 > 0], axis=1).ravel())

    def pick(x, y):
        return np.stack([x, y], axis=1).ravel()[flat]

    rows = flat >> 1
    who = pick(s, up0)
    rate = pick(r1, r2)
    return {
        "row": rows,
        "order_id": order_id[rows],
        "beneficiary": users[who],
        "level": (flat & 1) + 1,
        "base_minor": amount[rows],
        "rate_units": rate,
        "amount_minor": pick(a1, a2),
        "rank": rank[who],
        "uplift_units": pick(upl1, upl2),
        "capped": rate < pick(nom1, nom2),
    }


def loop(plan, network, orders):
    """The peer: one exact Decimal computation per order, in plain Python."""
    out = []
    ids = orders["order_id"].tolist()
    amounts = [Decimal(int(a)).scaleb(-2) for a in orders["amount_minor"].tolist()]
    sharers = orders["sharer"].tolist()
    for oid, amount, sharer in zip(ids, amounts, sharers, strict=True):
        out.extend(split_commission(plan, network, oid, amount, sharer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 orders, 10,000 distributors")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--no-loop", action="store_true", help="skip the per-order Decimal loop")
    args = parser.parse_args()
    n_orders, n_dist = (100_000, 10_000) if args.quick else (1_000_000, 100_000)
    network, orders = make_data(n_orders, n_dist)
    bench = Bench("distribution commissions (benchmarks/bench_commission.py)", args.repeats)
    bench.header()
    print(f"{n_orders:,} orders, {n_dist:,} distributors, plan {PLAN!r}")

    result = bench.compare(
        {
            "privtraffic": lambda: compute_commissions(PLAN, network, orders),
            "numpy floor": lambda: numpy_floor(network, orders),
        },
        baseline="numpy floor",
        title="compute_commissions (amounts as int64 fen) vs the numpy int64 floor",
    )
    result.print()
    batch, floor = result.outputs["privtraffic"], result.outputs["numpy floor"]
    same = all(np.array_equal(getattr(batch, c), floor[c]) for c in COLUMNS)
    ratio = result.ratio("privtraffic")
    print(
        f"  batch / floor: {ratio:.2f} (target <= {TARGET_FLOOR}: "
        f"{'met' if ratio <= TARGET_FLOOR else 'NOT met'}); all {len(batch):,} entries identical "
        f"to the floor's, every column: {same}"
    )
    peak, _ = traced_peak(lambda: compute_commissions(PLAN, network, orders))
    mib, per_order = peak / 2**20, peak / n_orders
    print(f"  compute_commissions' peak memory: {mib:.0f} MiB ({per_order:.0f} bytes per order)")

    text_orders = {**orders, "amount": np.char.mod("%.2f", orders["amount_minor"] / 100)}
    del text_orders["amount_minor"]
    t_text, batch_text = bench.time(lambda: compute_commissions(PLAN, network, text_orders))
    assert np.array_equal(batch_text.amount_minor, batch.amount_minor)
    print(f"compute_commissions with amounts as decimal strings: {t_text:.2f} s (median)")

    if not args.no_loop:
        t0 = time.perf_counter()
        reference = loop(PLAN, network, orders)
        t_loop = time.perf_counter() - t0
        identical = batch.to_entries() == tuple(reference)
        t_batch = result.median("privtraffic")
        total = sum((e.amount for e in reference), Decimal(0))
        print(
            f"plain-Python Decimal loop (split_commission per order), one run: {t_loop:.1f} s = "
            f"{t_loop / t_batch:.0f}x the batch (issue 5 target >= 10x: "
            f"{'met' if t_loop / t_batch >= 10 else 'NOT met'}); entries identical on all "
            f"{len(reference):,} entries, every field including the reason: {identical}; "
            f"total {batch.total()} (loop: {total})"
        )
    bench.footer()


if __name__ == "__main__":
    main()
