"""KOC leaderboard: who are the brand's key opinion consumers, and who is about to become one?

Builds a synthetic private-domain referral log with numpy (20,000 users; 70% joined through a
friend's share, referrers picked by preferential attachment; a few duplicate claims and a
self-referral as real logs have), attributes it with first-touch rules (reporting what was not
applied), scores every user from the orders and prints the top KOCs and the closest potential
KOCs, their customer referral value and CLV x CRV quadrant, and the fraud flags.

Run: ``python examples/koc_leaderboard.py``
"""

from __future__ import annotations

import numpy as np

from privtraffic.referral import (
    ReferralGraph,
    customer_referral_value,
    fraud_flags,
    value_quadrant,
)

rng = np.random.default_rng(7)
n_users = 20_000
start = np.datetime64("2024-01-01T00:00:00")

# --- a referral log: users join one after another; 70% through someone's share
join_hours = np.sort(rng.uniform(0, 24 * 180, n_users))
referred = rng.random(n_users) < 0.7
referred[:50] = False
referrer = np.full(n_users, -1)
made: list[int] = []  # one entry per referral: drawing from it is preferential attachment
for i in np.flatnonzero(referred).tolist():
    j = int(rng.integers(0, i)) if rng.random() < 0.4 or not made else made[rng.integers(len(made))]
    referrer[i] = j
    made.append(j)
child = np.flatnonzero(referrer >= 0)
share_hours = join_hours[child] - rng.uniform(0, 48, child.size)  # share shortly before joining
log_src = [f"u{j:05d}" for j in referrer[child]]
log_dst = [f"u{i:05d}" for i in child]
log_at = start + (share_hours * 3600).astype("timedelta64[s]")
# messy rows as real logs have: a later competing claim, a duplicate, a self-referral
log_src += ["u00001", log_src[10], "u00042"]
log_dst += [log_dst[0], log_dst[10], "u00042"]
log_at = np.concatenate([log_at, log_at[[0, 10, 0]] + np.timedelta64(3600, "s")])

graph = ReferralGraph.from_edges(
    log_src, log_dst, log_at, users=[f"u{i:05d}" for i in range(n_users)], on_invalid="report"
)
print(graph)
print("claims not applied:", graph.rejected.counts())

# --- orders: more active users buy more; a referee buys after joining
activity = rng.gamma(0.6, 1.0, n_users)
n_orders = rng.poisson(activity)
buyer_idx = np.repeat(np.arange(n_users), n_orders)
order_hours = join_hours[buyer_idx] + rng.exponential(24 * 20, buyer_idx.size)
users = np.array([f"u{i:05d}" for i in buyer_idx])  # the buyer of each order
values = np.round(rng.gamma(2.0, 45.0, buyer_idx.size), 2)
order_at = start + (order_hours * 3600).astype("timedelta64[s]")

scores = graph.koc_scores(users, values, order_at, decay=0.5)
print(
    f"{int(scores['is_koc'].sum()):,} KOCs and {int(scores['potential_koc'].sum()):,} potential "
    f"KOCs among {len(scores):,} users ({scores.n_orders:,} orders)"
)

cols = ("user", "orders", "converted_referrals", "descendants", "network_value", "score")
header = f"{'user':>8} {'orders':>6} {'conv.':>5} {'downline':>8} {'network':>9} {'score':>9}"


def show(table, extra: str | None = None) -> None:
    print(header + (f" {extra:>9}" if extra else ""))
    for i in range(len(table)):
        u, k, c, d, nv, s = (table[c][i] for c in cols)
        line = f"{u:>8} {k:>6} {c:>5} {d:>8} {nv:>9.2f} {s:>9.2f}"
        print(line + (f" {table[extra][i]:>9.3f}" if extra else ""))


print("\nTop 10 KOCs (score = own purchases + depth-decayed downline purchases)")
show(scores.leaderboard(10))
print("\nTop 10 potential KOCs (closest to: repeat buyer with a converted referral)")
show(scores.potential(10), extra="closeness")

# --- what word of mouth is worth (Kumar, Petersen & Leone): margin 30% of the average order
# per quarter over 4 quarters, 2% per quarter, acquisition cost 40, 40% of referees incremental
crv = customer_referral_value(
    scores["converted_referrals"],
    margin=0.3 * float(values.mean()),
    acquisition_cost=40.0,
    incrementality=0.4,
    horizon=4,
    discount_rate=0.02,
)
clv_proxy = scores["own_value"]  # a stand-in; use privtraffic.clv for a model-based CLV
quadrant = value_quadrant(clv_proxy, crv)
labels, counts = np.unique(quadrant, return_counts=True)
print("\nCLV x CRV quadrant:", dict(zip(labels.tolist(), counts.tolist(), strict=True)))
best = np.argsort(-crv)[:3]
for i in best.tolist():
    print(f"  {scores['user'][i]}: CRV {crv[i]:.2f}, {quadrant[i]}")

flags = fraud_flags(graph, users, order_at, burst_count=15, burst_hours=24)
print(f"\nfraud flags: {len(flags)} users flagged (checked: {', '.join(flags.checked)})")
for i in range(min(len(flags), 3)):
    print(f"  {flags.user[i]}: {flags.reason[i]}")
