"""Referral forest: build + downline aggregates + influence, against rustworkx, igraph and a
numpy floor (and networkx, issue 4's peer, with ``--networkx``).

Data: ``n`` users joining one after the other; 70% of them are referred by an earlier user chosen
by a copying model (half the time a uniform earlier user, half the time the referrer of a
uniform earlier referral — preferential attachment). 40% of users buy, Geometric(0.6) orders
each, gamma-distributed values; each user's purchase value is the sum of their orders (input to
every side). The edge log (one claim per referee) is shuffled.

The work, on every side: build the forest from the edge log; per user the direct referrals,
converted referrals (who bought), referred value, descendants and descendant value (the whole
downline); and the influence score, normalised — PageRank (damping 0.85) of the reversed
forest, which privtraffic computes exactly in one bottom-up pass
(:mod:`privtraffic.referral.influence`).

* privtraffic: ``ReferralGraph.from_edges`` (attribution rules, cycle check, report of rejected
  claims) + ``downline_aggregates`` + ``influence(normalize=True)``.
* rustworkx / igraph: build the directed graph from the edge list, the library's topological
  order and PageRank of the reversed graph; the downline sums in one Python pass over the
  reversed topological order (each user hands its totals to its referrer), the one-generation
  counts by ``numpy.bincount`` over the edges.
* numpy floor: ``parent[referee] = referrer``, depths by repeated parent lookups, one
  ``np.add.at`` per depth level from the deepest up, the one-generation counts by
  ``bincount``; no input checks, no attribution rules, no cycle check.

Every side's numbers are checked against privtraffic's (counts equal, values and scores to
1e-9 relative; PageRank to the peer's convergence tolerance). Times are medians of interleaved
rounds; ratios are medians of per-round ratios (``benchmarks/_harness.py``).

Run: ``python benchmarks/bench_referral.py`` (``--quick`` for 200,000 users; ``--networkx``
for issue 4's networkx comparison on a 100,000-user slice).
"""

from __future__ import annotations

import argparse

import numpy as np
from _harness import Bench, traced_peak

from privtraffic.referral import ReferralGraph, downline_aggregates, influence

ALPHA = 0.85
TARGET_NX_RATIO = 20.0


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


def ours(src, dst, users, value):
    g = ReferralGraph.from_edges(src, dst, users=users)
    agg = downline_aggregates(g, value)
    return {
        "direct_referrals": agg.direct_referrals,
        "converted_referrals": agg.converted_referrals,
        "referred_value": agg.referred_value,
        "descendants": agg.descendants,
        "descendant_value": agg.descendant_value,
        "influence": influence(g, ALPHA, normalize=True),
    }


def _one_generation(src, dst, value, n):
    return {
        "direct_referrals": np.bincount(src, minlength=n),
        "converted_referrals": np.bincount(src, weights=value[dst] > 0, minlength=n).astype(int),
        "referred_value": np.bincount(src, weights=value[dst], minlength=n),
    }


def _python_downline(topo, parent, value):
    """Descendants and descendant value by one pass over the reversed topological order."""
    n = len(parent)
    count = [0] * n
    total = [0.0] * n
    par = parent.tolist()
    own = value.tolist()
    for v in reversed(topo):
        p = par[v]
        if p >= 0:
            count[p] += count[v] + 1
            total[p] += total[v] + own[v]
    return np.array(count, dtype=np.int64), np.array(total)


def with_rustworkx(src, dst, n, value):
    import rustworkx as rx

    pairs = list(zip(src.tolist(), dst.tolist(), strict=True))
    g = rx.PyDiGraph(multigraph=False)
    g.add_nodes_from(range(n))
    g.add_edges_from_no_data(pairs)
    topo = rx.topological_sort(g)  # raises on a cycle
    parent = np.full(n, -1, dtype=np.int64)
    parent[dst] = src
    count, total = _python_downline(topo, parent, value)
    rev = rx.PyDiGraph(multigraph=False)
    rev.add_nodes_from(range(n))
    rev.add_edges_from_no_data([(b, a) for a, b in pairs])
    pr = rx.pagerank(rev, alpha=ALPHA, tol=1e-12, max_iter=1000)
    return {
        **_one_generation(src, dst, value, n),
        "descendants": count,
        "descendant_value": total,
        "influence": np.array([pr[i] for i in range(n)]),
    }


def with_igraph(src, dst, n, value):
    import igraph as ig

    g = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=True)
    topo = g.topological_sorting(mode="out")
    parent = np.full(n, -1, dtype=np.int64)
    parent[dst] = src
    count, total = _python_downline(topo, parent, value)
    rev = ig.Graph(n=n, edges=np.column_stack([dst, src]), directed=True)
    pr = rev.pagerank(directed=True, damping=ALPHA)
    return {
        **_one_generation(src, dst, value, n),
        "descendants": count,
        "descendant_value": total,
        "influence": np.asarray(pr),
    }


def numpy_floor(src, dst, n, value):
    parent = np.full(n, -1, dtype=np.int64)
    parent[dst] = src
    depth = np.zeros(n, dtype=np.int64)
    cur = parent.copy()
    while (cur >= 0).any():
        up = cur >= 0
        depth += up
        cur = np.where(up, parent[np.maximum(cur, 0)], -1)
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(int(depth.max()) + 2))
    count = np.zeros(n)
    total = np.zeros(n)
    score = np.ones(n)
    for d in range(int(depth.max()), 0, -1):
        idx = order[bounds[d] : bounds[d + 1]]
        p = parent[idx]
        np.add.at(count, p, count[idx] + 1)
        np.add.at(total, p, total[idx] + value[idx])
        np.add.at(score, p, ALPHA * score[idx])
    return {
        **_one_generation(src, dst, value, n),
        "descendants": count.astype(np.int64),
        "descendant_value": total,
        "influence": score / score.sum(),
    }


def check(name: str, got: dict, expected: dict, pagerank_rtol: float) -> str:
    for col, want in expected.items():
        have = np.asarray(got[col])
        if col in ("direct_referrals", "converted_referrals", "descendants"):
            ok = np.array_equal(have, want)
        else:
            rtol = pagerank_rtol if col == "influence" else 1e-9
            ok = np.allclose(have, want, rtol=rtol, atol=rtol * float(np.abs(want).max()))
        if not ok:
            return f"{name}: DIFFERENT {col}"
    return f"{name}: same numbers"


def networkx_slice(src, dst, value, n_slice: int, bench: Bench) -> None:
    """Issue 4's comparison: networkx descendants per user on the first ``n_slice`` users."""
    import networkx as nx

    keep = dst < n_slice
    s_src, s_dst = src[keep], dst[keep]
    s_users = np.arange(n_slice)
    s_value = value[:n_slice]

    def peer():
        G = nx.DiGraph()
        G.add_nodes_from(s_users.tolist())
        G.add_edges_from(zip(s_src.tolist(), s_dst.tolist(), strict=True))
        own = s_value.tolist()
        out = np.zeros(n_slice)
        for u in G:
            out[u] = sum(own[w] for w in nx.descendants(G, u))
        return out

    res = bench.compare(
        {"privtraffic": lambda: ours(s_src, s_dst, s_users, s_value), "networkx": peer},
        baseline="privtraffic",
        title=f"issue 4: networkx descendants per user, first {n_slice:,} users",
        repeats=3,
        warmup=0,
    )
    res.print(target={"networkx": TARGET_NX_RATIO})
    same = np.allclose(res.outputs["networkx"], res.outputs["privtraffic"]["descendant_value"])
    print(f"  same descendant values: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 users")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--networkx", action="store_true", help="issue 4's networkx slice")
    args = parser.parse_args()
    n = 200_000 if args.quick else args.users
    rng = np.random.default_rng(2026)
    parent = referral_forest(n, rng)
    buyers, values = orders(n, int(0.4 * n), rng)
    value = np.bincount(buyers, weights=values, minlength=n)
    child = np.flatnonzero(parent >= 0)
    perm = rng.permutation(child.size)
    src, dst = parent[child][perm], child[perm]
    users = np.arange(n)

    bench = Bench("referral forest (benchmarks/bench_referral.py)", args.repeats)
    bench.header()
    g = ReferralGraph.from_edges(src, dst, users=users)
    print(
        f"forest: {n:,} users, {child.size / n:.0%} referred, max depth {g.levels.max_depth}, "
        f"{int((value > 0).sum()):,} buyers with {buyers.size:,} orders"
    )
    del g
    result = bench.compare(
        {
            "privtraffic": lambda: ours(src, dst, users, value),
            "numpy floor": lambda: numpy_floor(src, dst, n, value),
            "rustworkx": lambda: with_rustworkx(src, dst, n, value),
            "igraph": lambda: with_igraph(src, dst, n, value),
        },
        baseline="privtraffic",
        title=f"build + downline aggregates + influence, {n:,} users",
    )
    result.print()
    expected = result.outputs["privtraffic"]
    print("  " + check("numpy floor", result.outputs["numpy floor"], expected, 1e-9))
    print("  " + check("rustworkx", result.outputs["rustworkx"], expected, 1e-5))
    print("  " + check("igraph", result.outputs["igraph"], expected, 1e-9))
    floor = result.ratio("numpy floor")
    print(f"  privtraffic / numpy floor: {1 / floor:.2f} (the floor has no checks or rules)")
    peak, _ = traced_peak(lambda: ours(src, dst, users, value))
    print(f"  privtraffic's peak memory: {peak / 2**20:.0f} MiB ({peak / n:.0f} bytes per user)")
    if args.networkx:
        networkx_slice(src, dst, value, n // 10, bench)
    bench.footer()


if __name__ == "__main__":
    main()
