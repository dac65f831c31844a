"""Benchmark: RFM scoring + segment map, tags and concentration on 1,000,000 customers, and a
funnel over 10,000,000 events — privtraffic against a straightforward pandas implementation of
the same definitions, on the same data, in one run. Every pair of results is checked equal
before it is timed.

Run: ``python benchmarks/bench_analytics.py`` (``--quick`` for a 10x smaller run).
Target (issue 6): each privtraffic step under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from privtraffic.funnel import Funnel
from privtraffic.segments import STANDARD_RFM_MAP, TagSet, rfm_scores
from privtraffic.simulate import simulate_private_domain
from privtraffic.value import concentration

TARGET_SECONDS = 5.0
SHARES = (0.01, 0.1, 0.2, 0.5)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


# --- customers ----------------------------------------------------------------------------


def customers(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "days_since_last": rng.integers(0, 365, n).astype(np.float64),
        "frequency": rng.negative_binomial(1, 0.35, n).astype(np.float64) + 1,
        "monetary": np.round(rng.gamma(0.8, 400.0, n), 2),
        "tier": rng.choice(["basic", "member", "buyer", "repeat_buyer", "koc"], n),
    }


def ours_rfm(c: dict[str, np.ndarray]) -> np.ndarray:
    s = rfm_scores(c["days_since_last"], c["frequency"], c["monetary"])
    return STANDARD_RFM_MAP.assign(s)


SEG_REGEX = {  # the usual pandas recipe: regex over the "RF" code
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_risk",
    r"[1-2]5": "cant_lose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal",
    r"41": "promising",
    r"51": "new",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}


def pandas_rfm(df: pd.DataFrame) -> np.ndarray:
    n = len(df)
    r = (df["days_since_last"].rank(method="min", ascending=False) - 1) * 5 // n + 1
    f = (df["frequency"].rank(method="min") - 1) * 5 // n + 1
    code = r.astype(int).astype(str) + f.astype(int).astype(str)
    pattern = {f"^{k}$": v for k, v in SEG_REGEX.items()}
    return code.replace(pattern, regex=True).to_numpy()


TAGS = {
    "vip": ["monetary >= 1000", "frequency >= 3"],
    "lapsing": ["days_since_last > 90", "frequency >= 2"],
    "engaged_tier": ["tier in ['repeat_buyer', 'koc']"],
}


def ours_tags(c: dict[str, np.ndarray]) -> np.ndarray:
    return TagSet(TAGS).evaluate(c).matrix


def pandas_tags(df: pd.DataFrame) -> np.ndarray:
    out = pd.DataFrame(
        {
            "vip": (df["monetary"] >= 1000) & (df["frequency"] >= 3),
            "lapsing": (df["days_since_last"] > 90) & (df["frequency"] >= 2),
            "engaged_tier": df["tier"].isin(["repeat_buyer", "koc"]),
        }
    )
    return out.to_numpy()


def ours_concentration(c: dict[str, np.ndarray]) -> np.ndarray:
    table = concentration(c["monetary"], c["tier"], shares=SHARES)
    return np.column_stack([table.gini, table.top_share])


def pandas_concentration(df: pd.DataFrame) -> np.ndarray:
    d = df[["tier", "monetary"]].sort_values(["tier", "monetary"])
    g = d.groupby("tier")["monetary"]
    n = g.transform("size")
    total = g.transform("sum")
    rank = g.cumcount() + 1
    gini = ((2 * rank - n - 1) * d["monetary"]).groupby(d["tier"]).sum() / (g.size() * g.sum())
    cols = [gini.to_numpy()]
    cum = g.cumsum()
    for k in SHARES:
        pos = (1 - k) * n
        whole = np.floor(pos)
        below = cum.where(rank == whole).groupby(d["tier"]).max().reindex(gini.index).fillna(0)
        nxt = d["monetary"].where(rank == whole + 1).groupby(d["tier"]).max()
        frac = (pos - whole).groupby(d["tier"]).first()
        partial = (frac * nxt.reindex(gini.index).fillna(0)).fillna(0)
        cols.append((1 - (below + partial) / total.groupby(d["tier"]).first()).to_numpy())
    return np.column_stack(cols)


# --- events -------------------------------------------------------------------------------

STEPS = ("view", "add_to_cart", "pay")
WINDOW_DAYS = 7


def event_log(n_events: int, n_users: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    kinds = np.array([*STEPS, "interact"])
    return {
        "user": rng.integers(0, n_users, n_events),
        "kind": kinds[rng.choice(4, n_events, p=[0.4, 0.2, 0.1, 0.3])],
        "at": np.datetime64("2025-01-01T00:00:00")
        + rng.integers(0, 90 * 86_400, n_events).astype("timedelta64[s]"),
    }


def ours_funnel(e: dict[str, np.ndarray]) -> np.ndarray:
    r = Funnel(STEPS, window=WINDOW_DAYS).analyze(e["user"], e["kind"], e["at"])
    return r.n_reached


def pandas_funnel(df: pd.DataFrame) -> np.ndarray:
    """Same windowFunnel semantics with merge_asof: each step joins the latest earlier chain."""
    window = pd.Timedelta(days=WINDOW_DAYS)
    chain = df[df["kind"] == STEPS[0]][["user", "at"]].assign(start=lambda x: x["at"])
    reached = [chain["user"].nunique()]
    for step in STEPS[1:]:
        nxt = df[df["kind"] == step][["user", "at"]].sort_values("at")
        prev = chain.sort_values("at")
        # within a user the latest chain start is non-decreasing in time, so the most recent
        # earlier valid event carries the best start
        m = pd.merge_asof(
            nxt,
            prev[["user", "at", "start"]],
            on="at",
            by="user",
            direction="backward",
            allow_exact_matches=True,
        )
        chain = m[m["start"].notna() & (m["at"] - m["start"] <= window)][["user", "at", "start"]]
        reached.append(chain["user"].nunique())
    return np.array(reached)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10x smaller data")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    n_customers, n_events, n_users = 1_000_000 // scale, 10_000_000 // scale, 1_000_000 // scale
    rng = np.random.default_rng(0)
    c = customers(n_customers, rng)
    cdf = pd.DataFrame(c)
    e = event_log(n_events, n_users, rng)
    edf = pd.DataFrame(e)

    rows = []
    for label, ours, peer in (
        (
            f"RFM scores + segment map, {n_customers:,} customers",
            lambda: ours_rfm(c),
            lambda: pandas_rfm(cdf),
        ),
        (
            f"tags (3 rules), {n_customers:,} customers",
            lambda: ours_tags(c),
            lambda: pandas_tags(cdf),
        ),
        (
            f"concentration by tier (Gini + 4 top shares), {n_customers:,} customers",
            lambda: ours_concentration(c),
            lambda: pandas_concentration(cdf),
        ),
        (
            f"funnel (3 steps, 7-day window), {n_events:,} events",
            lambda: ours_funnel(e),
            lambda: pandas_funnel(edf),
        ),
    ):
        t_ours, out_ours = timed(ours, args.repeats)
        t_peer, out_peer = timed(peer, args.repeats)
        if out_ours.dtype.kind == "f":
            assert np.allclose(out_ours, out_peer, rtol=1e-9), label
        else:
            assert np.array_equal(out_ours, out_peer), label
        rows.append((label, t_ours, t_peer))

    n_sim = 100_000 // scale
    t_sim, world = timed(
        lambda: simulate_private_domain(n_sim, days=365, rng=np.random.default_rng(1)),
        args.repeats,
    )

    print(f"bench_analytics: median of {args.repeats} runs; results checked equal to pandas")
    print(f"{'task':<66}{'privtraffic s':>14}{'pandas s':>10}{'speed-up':>10}  target < 5 s")
    for label, t_ours, t_peer in rows:
        verdict = "ok" if t_ours < TARGET_SECONDS else "MISSED"
        print(f"{label:<66}{t_ours:>14.3f}{t_peer:>10.3f}{t_peer / t_ours:>9.1f}x  {verdict}")
    print(
        f"{'simulate_private_domain, ' + format(n_sim, ',') + ' users (no peer)':<66}"
        f"{t_sim:>14.3f}{'-':>10}{'-':>10}  {len(world.events):,} events"
    )


if __name__ == "__main__":
    main()
