"""Referral graph + KOC scores against networkx on a preferential-attachment referral forest.

Data: ``n`` users joining one after the other; 70% of them are referred by an earlier user chosen
by a copying model (half the time a uniform earlier user, half the time the referrer of a
uniform earlier referral — preferential attachment: a referrer is picked in proportion to the
referrals they already have, plus a uniform share). 400,000 distinct buyers (40% of users) place
Geometric(0.6) orders each (1.67 on average), gamma-distributed values. The edge log is shuffled.

Ours: ``ReferralGraph.from_edges`` + ``koc_scores`` (every column: counts, values, decayed network
value, influence, score, KOC flags), median of repeats.

Peer: networkx — build the ``DiGraph`` and, per user, ``nx.descendants`` (descendants and their
value) plus ``successors`` (direct / converted referrals, referred value). It computes fewer
columns than ours (no decayed value, no influence). Per-user ``descendants`` on 1,000,000 users
takes too long to repeat, so it is timed on the first 100,000 users (a closed sub-forest:
referrers join before their referees) and scaled by 10 — linear scaling favours networkx, whose
per-user cost grows with the depth. The ratio on the same 100,000-user slice is printed too.

Run: ``python benchmarks/bench_referral.py`` (``--quick`` for 200,000 users; ``--full-peer``
also times networkx once on every user instead of relying on the scaled slice only).
"""

from __future__ import annotations

import argparse
import statistics
import time

import networkx as nx
import numpy as np

from privtraffic.referral import ReferralGraph

TARGET_SECONDS = 5.0
TARGET_RATIO = 20.0


def referral_forest(n: int, rng: np.random.Generator, share: float = 0.7):
    """Parent index per user (``-1`` for organic joiners) from the copying model."""
    referred = rng.random(n) < share
    referred[0] = False
    u = rng.random(n).tolist()
    uniform = (rng.random(n) < 0.5).tolist()
    par = [-1] * n
    targets: list[int] = []  # one entry per referral made: sampling it is preferential
    for i in np.flatnonzero(referred).tolist():
        j = int(u[i] * i) if uniform[i] or not targets else targets[int(u[i] * len(targets))]
        par[i] = j
        targets.append(j)
    return np.array(par, dtype=np.int64)


def orders(n: int, n_buyers: int, rng: np.random.Generator):
    buyers = rng.choice(n, size=n_buyers, replace=False)
    k = rng.geometric(0.6, size=n_buyers)
    ids = np.repeat(buyers, k)
    values = np.round(rng.gamma(2.0, 60.0, size=ids.size), 2)
    return ids, values


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def ours(src, dst, users, buyers, values):
    g = ReferralGraph.from_edges(src, dst, users=users)
    return g.koc_scores(buyers, values)


def networkx_aggregates(src, dst, users, buyers, values):
    G = nx.DiGraph()
    G.add_nodes_from(users.tolist())
    G.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    own: dict[int, float] = dict.fromkeys(users.tolist(), 0.0)
    for b, v in zip(buyers.tolist(), values.tolist(), strict=True):
        own[b] += v
    out = {}
    for u in G:
        desc = nx.descendants(G, u)
        kids = list(G.successors(u))
        out[u] = (
            len(desc),
            sum(own[w] for w in desc),
            len(kids),
            sum(own[c] > 0 for c in kids),
            sum(own[c] for c in kids),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 users")
    parser.add_argument(
        "--full-peer", action="store_true", help="also time networkx once on every user (slow)"
    )
    args = parser.parse_args()
    n = 200_000 if args.quick else 1_000_000
    n_slice = 100_000 if not args.quick else 50_000
    rng = np.random.default_rng(2026)
    parent = referral_forest(n, rng)
    buyers, values = orders(n, int(0.4 * n), rng)
    child = np.flatnonzero(parent >= 0)
    perm = rng.permutation(child.size)
    src, dst = parent[child][perm], child[perm]
    users = np.arange(n)
    print(
        f"forest: {n:,} users, {child.size / n:.0%} referred, {np.unique(buyers).size:,} buyers, "
        f"{buyers.size:,} orders"
    )

    t_ours, table = median_time(lambda: ours(src, dst, users, buyers, values), 5)
    g = ReferralGraph.from_edges(src, dst, users=users)
    print(f"max depth {g.levels.max_depth}, largest downline {int(table['descendants'].max()):,}")
    print(f"ours: build + koc_scores on {n:,} users: {t_ours:.2f} s (median of 5)")

    # the closed slice of the first n_slice users
    keep = dst < n_slice
    s_src, s_dst = src[keep], dst[keep]
    s_users = np.arange(n_slice)
    bk = buyers < n_slice
    s_buyers, s_values = buyers[bk], values[bk]
    t_ours_slice, s_table = median_time(lambda: ours(s_src, s_dst, s_users, s_buyers, s_values), 5)
    t_nx, ref = median_time(
        lambda: networkx_aggregates(s_src, s_dst, s_users, s_buyers, s_values), 3
    )
    # same numbers from both
    cols = ("descendants", "descendant_value", "direct_referrals", "converted_referrals")
    cols += ("referred_value",)
    for k, col in enumerate(cols):
        expected = np.array([ref[u][k] for u in s_table["user"].tolist()], dtype=float)
        np.testing.assert_allclose(s_table[col], expected, rtol=1e-9, atol=1e-6, err_msg=col)
    print(f"networkx on the first {n_slice:,} users: {t_nx:.2f} s (median of 3); same results")
    print(f"ours on the same slice: {t_ours_slice:.3f} s -> ratio {t_nx / t_ours_slice:.0f}x")
    scaled = t_nx * n / n_slice
    ratio = scaled / t_ours
    print(
        f"networkx scaled to {n:,} users: {scaled:.0f} s -> ratio {ratio:.0f}x "
        f"(target >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})"
    )
    if args.full_peer:
        t_full, _ = median_time(lambda: networkx_aggregates(src, dst, users, buyers, values), 1)
        print(
            f"networkx on all {n:,} users (one run): {t_full:.0f} s -> ratio {t_full / t_ours:.0f}x"
        )
    print(
        f"build + koc_scores {t_ours:.2f} s (target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if t_ours < TARGET_SECONDS else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
