"""A month of a distribution programme through the commission ledger, with statements.

Synthetic data: 300 distributors (KOLs at the top, KOCs below them), buyers bound to the
distributor whose link they first came through, ~4,000 orders in May 2024, deliveries a few
days later, refunds (some after the commission was already paid out) and weekly payouts.
Prints the plan, its compliance report, and the May statement of the top distributors.

Run: ``python examples/distribution_statement.py``
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Payout,
    Refund,
    Statement,
    compliance_report,
    resolve_sharers,
)
from privtraffic.money import format_amount, from_minor_units

rng = np.random.default_rng(0)
MONTH = np.datetime64("2024-05-01T00:00:00")

# -- the programme ------------------------------------------------------------------------------
plan = CommissionPlan(
    level_rates=("0.10", "0.05"),  # the sharer 10 %, their upline 5 %
    rank_uplifts={1: "0.02", 2: "0.04"},  # KOC / KOL ranks earn more on their own level
    total_cap="0.18",
    rounding="half_up",
    holding_days=7,  # the 7-day no-reason return window, counted from delivery
    self_purchase_earns=False,
    binding="first_wins",
    min_payout="10.00",
)
n_dist = 300
ids = np.array([f"d{i:03d}" for i in range(n_dist)])
parent = (rng.random(n_dist) * np.arange(n_dist)).astype(int)  # joined under an earlier one
has_upline = np.arange(n_dist) >= 10  # the first ten are top KOLs
network = DistributorNetwork.from_edges(
    ids[parent[has_upline]],
    ids[has_upline],
    users=ids,
    has_rights=rng.random(n_dist) < 0.95,
    ranks=np.where(np.arange(n_dist) < 10, 2, rng.integers(0, 2, size=n_dist)),
)

# -- a month of orders --------------------------------------------------------------------------
n_orders = 4_000
buyers = np.array([f"b{i:04d}" for i in rng.integers(0, 1_500, size=n_orders)])
at = MONTH + np.sort(rng.integers(0, 31 * 86_400, size=n_orders)).astype("timedelta64[s]")
popularity = rng.pareto(1.2, size=n_dist) + 0.05
link_from = rng.choice(ids, size=n_orders, p=popularity / popularity.sum())
links = np.where(rng.random(n_orders) < 0.6, link_from, None)  # 40 % come back without a link
sharer, credited = resolve_sharers(plan, buyers, links, at)
amount_fen = np.round(rng.lognormal(np.log(12_000), 0.8, size=n_orders)).astype(int)

events: list = []
for i in np.flatnonzero(credited):
    oid = f"o{i:05d}"
    amount = from_minor_units(int(amount_fen[i]), plan.currency)
    buyer = buyers[i] if rng.random() > 0.03 else sharer[i]  # a few self-purchases
    events.append(OrderPlaced(oid, at[i], amount, sharer[i], buyer=buyer))
    delivered = at[i] + np.timedelta64(int(rng.integers(1, 5)), "D")
    events.append(OrderSettled(oid, delivered))
    u = rng.random()
    if u < 0.05:  # full refund within the return window
        events.append(Refund(f"r{i:05d}", oid, delivered + np.timedelta64(2, "D"), amount))
    elif u < 0.10:  # partial refund, sometimes after the commission was paid out
        late = int(rng.integers(1, 20))
        part = from_minor_units(int(amount_fen[i] * rng.uniform(0.2, 0.8)), plan.currency)
        events.append(Refund(f"r{i:05d}", oid, delivered + np.timedelta64(late, "D"), part))
for week, day in enumerate((7, 14, 21, 28)):
    when = MONTH + np.timedelta64(day, "D")
    events.extend(Payout(f"w{week}-{d}", d, when) for d in ids)

ledger = Ledger(plan, network)
ledger.record(*sorted(events, key=lambda e: e.at))  # events arrive as they happen

# -- statements ---------------------------------------------------------------------------------
print(plan)
for finding in compliance_report(plan, network):
    print(f"  compliance {finding.feature:<14} {finding.status:<7} {finding.detail}")
print(
    f"\n{int(credited.sum()):,} credited orders of {n_orders:,}; "
    f"{sum(isinstance(e, Refund) for e in events)} refunds; {len(ledger.events):,} events"
)

statements = ledger.statements("2024-05-01", "2024-06-01")
top = sorted(statements, key=lambda s: s.earned, reverse=True)[:10]
print(
    f"\nMay 2024 statements, top {len(top)} of {len(statements)} distributors by earnings "
    f"({plan.currency})"
)
header = Statement.HEADER
print(" ".join(f"{h:>12}" for h in header))
for s in top:
    print(" ".join(f"{v!s:>12}" for v in s.as_row()))

# The books balance: every statement's closing equals the balance owed at the end of May.
end = ledger.balances("2024-05-31T23:59:59")
assert all(s.closing == end[s.distributor].owed for s in statements)
clawed = sum((s.clawed_back for s in statements), Decimal(0))
paid = sum((s.paid for s in statements), Decimal(0))
print(
    f"\npaid out in May: {format_amount(paid, plan.currency)}; "
    f"clawed back after payout: {format_amount(clawed, plan.currency)}"
)
print("every closing balance equals the ledger's balance owed at the end of the month")
