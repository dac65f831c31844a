"""Tier classification: privtraffic's ``classify`` against the same queries in polars and duckdb.

Targets (issue 16): on 1,000,000 users with 10,000,000 events, ``classify`` at least 3x faster
than the equivalent polars and duckdb queries for the relationship ladder, and at least 2x for
AIPL and the membership lifecycle; every user gets the same tier from all three. (Issue 3's
targets, under 10 s and at least 50x faster than one state machine per user, are checked with
``--state-machines``.)

The peers get the events in their own best form, built before timing: a polars ``DataFrame``
(``Int64`` users, ``Enum`` kinds, ``Datetime[us]`` times) and the same data as an Arrow table
registered in duckdb; privtraffic gets numpy arrays (int64 users, ``datetime64[s]`` times) and the
kinds as a pandas ``Categorical``. Each peer query is written by hand the way an analyst would:
drop events after the as-of date, drop exact repeats (same user, time and kind; the log has
0.5 % of them), one ``group_by`` of conditional counts per user, then a ``when``/``CASE`` chain
from the deepest tier down. Times are medians of interleaved rounds; the ratios are medians of
the per-round ratios (``benchmarks/_harness.py``).

Run: ``python benchmarks/bench_lifecycle.py`` (``--quick`` for 100,000 users / 1,000,000
events; ``--presets ladder`` for one preset). Needs ``pip install polars duckdb pandas`` (and
``transitions python-statemachine`` for ``--state-machines``).
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np
from _harness import Bench, traced_peak
from _ladder_peer import GUARDS, TIERS, WINDOW_DAYS, LadderFacts, transitions_spec

from privtraffic.lifecycle import aipl, membership_lifecycle, relationship_ladder
from privtraffic.lifecycle.presets.aipl import AWARENESS_KINDS, INTEREST_KINDS, LOYALTY_KINDS
from privtraffic.lifecycle.presets.ladder import LADDER_KINDS

DAY = 86_400

REPEAT_SHARE = 0.005  # exact repeats in the log (an event recorded twice)

#: Share of each event kind in the synthetic log of each preset.
KIND_P = {
    "ladder": {
        "connect": 0.10,
        "interact": 0.45,
        "join": 0.05,
        "purchase": 0.30,
        "review": 0.06,
        "referral_purchase": 0.04,
    },
    "aipl": {
        "ad_impression": 0.25,
        "category_search": 0.08,
        "click": 0.12,
        "view": 0.15,
        "interact": 0.05,
        "brand_search": 0.03,
        "trial": 0.01,
        "follow": 0.03,
        "add_to_cart": 0.06,
        "favorite": 0.04,
        "purchase": 0.12,
        "review": 0.04,
        "share": 0.02,
    },
    "membership": {
        "join": 0.15,
        "purchase": 0.55,
        "referral_join": 0.15,
        "referral_purchase": 0.15,
    },
}
TARGET = {"ladder": 3.0, "aipl": 2.0, "membership": 2.0}


def machine_of(preset: str):
    if preset == "ladder":
        return relationship_ladder(window_days=WINDOW_DAYS)
    if preset == "aipl":
        return aipl()
    return membership_lifecycle(window_days=WINDOW_DAYS)


def make_events(n_users: int, n_events: int, kinds: tuple[str, ...], p: dict, seed: int = 0):
    """A year of random events (user, kind code, time in seconds), REPEAT_SHARE of them exact
    repeats of others, in random order; and the as-of time (the end of the year)."""
    rng = np.random.default_rng(seed)
    start = int(np.datetime64("2024-01-01", "s").view(np.int64))
    n_new = n_events - int(n_events * REPEAT_SHARE)
    user = rng.integers(0, n_users, size=n_new, dtype=np.int64)
    kind = rng.choice(len(kinds), size=n_new, p=np.array([p[k] for k in kinds])).astype(np.int8)
    t = start + rng.integers(0, 365 * DAY, size=n_new, dtype=np.int64)
    again = rng.integers(0, n_new, size=n_events - n_new)
    order = rng.permutation(n_events)
    user, kind, t = (np.concatenate([a, a[again]])[order] for a in (user, kind, t))
    return user, kind, t, start + 365 * DAY


# --- the peers' queries -------------------------------------------------------------------------


def polars_query(preset: str, frame, as_of: np.datetime64):
    """The preset as one polars lazy query: tier code per user (-1: none)."""
    import polars as pl

    q = as_of.astype("datetime64[us]").item()
    k, at = pl.col("kinds"), pl.col("at")

    def since(days: float):
        return at > (as_of - np.timedelta64(int(days * DAY), "s")).astype("datetime64[us]").item()

    def n(cond):
        return cond.sum()

    events = frame.lazy().filter(at <= q).unique(subset=["users", "at", "kinds"])
    if preset == "ladder":
        w = since(WINDOW_DAYS)
        facts = events.group_by("users").agg(
            join=n(k == "join"),
            bought=n(k == "purchase"),
            active=n(k.is_in(["interact", "review", "referral_purchase"]) & w),
            purchases=n((k == "purchase") & w),
            propagated=n(k.is_in(["review", "referral_purchase"]) & w),
        )
        c = pl.col
        tier = (
            pl.when((c("purchases") >= 2) & (c("propagated") >= 1))
            .then(4)
            .when(c("purchases") >= 2)
            .then(3)
            .when(c("purchases") >= 1)
            .then(2)
            .when((c("join") >= 1) | (c("bought") >= 1) | (c("active") >= 1))
            .then(1)
            .otherwise(0)
        )
    elif preset == "aipl":
        facts = events.group_by("users").agg(
            aware=n(k.is_in(list(AWARENESS_KINDS)) & since(15)),
            interest=n(k.is_in(list(INTEREST_KINDS)) & since(15)),
            p90=n((k == "purchase") & since(90)),
            p365=n((k == "purchase") & since(365)),
            loyal=n(k.is_in(list(LOYALTY_KINDS)) & since(365)),
        )
        c = pl.col
        tier = (
            pl.when((c("p365") >= 2) | ((c("p365") >= 1) & (c("loyal") >= 1)))
            .then(3)
            .when(c("p90") >= 1)
            .then(2)
            .when(c("interest") >= 1)
            .then(1)
            .when(c("aware") >= 1)
            .then(0)
            .otherwise(-1)
        )
    else:
        w = since(WINDOW_DAYS)
        facts = events.group_by("users").agg(
            bought=n(k == "purchase"),
            purchases=n((k == "purchase") & w),
            referred=n(k.is_in(["referral_join", "referral_purchase"]) & w),
        )
        c = pl.col
        tier = (
            pl.when((c("purchases") >= 1) & (c("referred") >= 1))
            .then(4)
            .when(c("purchases") >= 2)
            .then(3)
            .when(c("purchases") >= 1)
            .then(2)
            .when(c("bought") >= 1)
            .then(1)
            .otherwise(0)
        )
    return facts.select("users", tier.alias("tier")).collect()


def duckdb_sql(preset: str, as_of: np.datetime64) -> str:
    """The preset as one SQL query over the registered table ``ev``."""

    def since(days: float) -> str:
        edge = as_of - np.timedelta64(int(days * DAY), "s")
        return f"\"at\" > TIMESTAMP '{edge}'"

    def names(kinds) -> str:
        return ", ".join(f"'{k}'" for k in kinds)

    head = (
        f'WITH e AS (SELECT DISTINCT users, "at", kinds FROM ev WHERE "at" <= TIMESTAMP '
        f"'{as_of}'), f AS (SELECT users, "
    )
    if preset == "ladder":
        w = since(WINDOW_DAYS)
        return head + (
            "count(*) FILTER (WHERE kinds = 'join') AS j, "
            "count(*) FILTER (WHERE kinds = 'purchase') AS bought, "
            f"count(*) FILTER (WHERE kinds IN ('interact', 'review', 'referral_purchase') "
            f"AND {w}) AS active, "
            f"count(*) FILTER (WHERE kinds = 'purchase' AND {w}) AS purchases, "
            f"count(*) FILTER (WHERE kinds IN ('review', 'referral_purchase') AND {w}) "
            "AS propagated FROM e GROUP BY users) "
            "SELECT users, CASE WHEN purchases >= 2 AND propagated >= 1 THEN 4 "
            "WHEN purchases >= 2 THEN 3 WHEN purchases >= 1 THEN 2 "
            "WHEN j >= 1 OR bought >= 1 OR active >= 1 THEN 1 ELSE 0 END AS tier FROM f"
        )
    if preset == "aipl":
        return head + (
            f"count(*) FILTER (WHERE kinds IN ({names(AWARENESS_KINDS)}) AND {since(15)}) "
            "AS aware, "
            f"count(*) FILTER (WHERE kinds IN ({names(INTEREST_KINDS)}) AND {since(15)}) "
            "AS interest, "
            f"count(*) FILTER (WHERE kinds = 'purchase' AND {since(90)}) AS p90, "
            f"count(*) FILTER (WHERE kinds = 'purchase' AND {since(365)}) AS p365, "
            f"count(*) FILTER (WHERE kinds IN ({names(LOYALTY_KINDS)}) AND {since(365)}) "
            "AS loyal FROM e GROUP BY users) "
            "SELECT users, CASE WHEN p365 >= 2 OR (p365 >= 1 AND loyal >= 1) THEN 3 "
            "WHEN p90 >= 1 THEN 2 WHEN interest >= 1 THEN 1 WHEN aware >= 1 THEN 0 "
            "ELSE -1 END AS tier FROM f"
        )
    w = since(WINDOW_DAYS)
    return head + (
        "count(*) FILTER (WHERE kinds = 'purchase') AS bought, "
        f"count(*) FILTER (WHERE kinds = 'purchase' AND {w}) AS purchases, "
        f"count(*) FILTER (WHERE kinds IN ('referral_join', 'referral_purchase') AND {w}) "
        "AS referred FROM e GROUP BY users) "
        "SELECT users, CASE WHEN purchases >= 1 AND referred >= 1 THEN 4 "
        "WHEN purchases >= 2 THEN 3 WHEN purchases >= 1 THEN 2 WHEN bought >= 1 THEN 1 "
        "ELSE 0 END AS tier FROM f"
    )


def same_tiers(table, users: np.ndarray, tiers: np.ndarray) -> tuple[bool, int]:
    """Whether a peer's (user, tier code) rows give every user our tier; and how many rows."""
    order = np.argsort(users, kind="stable")
    u, c = users[order], tiers[order]
    listed = table.codes >= 0
    ours_u, ours_c = table.users[listed], table.codes[listed].astype(np.int64)
    peer_listed = c >= 0  # a peer row of tier -1 (none) is a user without a tier
    ok = np.array_equal(u[peer_listed], ours_u) and np.array_equal(c[peer_listed], ours_c)
    return bool(ok), int(u.size)


# --- issue 3's peers: one state machine per user (the ladder only, with --state-machines) ------


def transitions_peer(groups, as_of: int) -> dict[int, str]:
    """One ``transitions.Machine`` per user; an ``update`` trigger after every event."""
    from transitions import Machine

    spec = transitions_spec()
    out = {}
    for user, kinds, times in groups:
        facts = LadderFacts()
        Machine(
            model=facts,
            states=list(TIERS),
            transitions=spec,
            initial="basic",
            auto_transitions=False,
        )
        seen = set()
        for k, t in zip(kinds, times, strict=True):
            if (k, t) in seen:  # exact repeats count once
                continue
            seen.add((k, t))
            facts.observe(t)
            facts.apply(k, t)
            facts.update()  # type: ignore[attr-defined]
        facts.observe(as_of)  # lapses up to the as-of date
        facts.update()  # type: ignore[attr-defined]
        out[user] = facts.state  # type: ignore[attr-defined]
    return out


def statemachine_peer(groups, as_of: int) -> dict[int, str]:
    """One ``python-statemachine`` machine per user; an ``update`` event after every event."""
    from statemachine import State, StateMachine

    states = {name: State(name, initial=(name == "basic")) for name in TIERS}
    update = None
    for src in TIERS:
        for dst, cond in GUARDS:
            tr = states[src].to(states[dst], cond=cond)
            update = tr if update is None else update | tr
        update = update | states[src].to(states["basic"])
    ladder_sm = type("LadderSM", (StateMachine,), {**states, "update": update})
    out = {}
    for user, kinds, times in groups:
        facts = LadderFacts()
        sm = ladder_sm(model=facts)
        seen = set()
        for k, t in zip(kinds, times, strict=True):
            if (k, t) in seen:
                continue
            seen.add((k, t))
            facts.observe(t)
            facts.apply(k, t)
            sm.send("update")
        facts.observe(as_of)
        sm.send("update")
        out[user] = next(iter(sm.configuration)).id
    return out


def user_groups(user, kind, t, n_slice: int):
    """Per-user event lists (sorted by time, then kind) for the users ``< n_slice``."""
    sel = np.flatnonzero(user < n_slice)
    u, k, tt = user[sel], kind[sel], t[sel]
    order = np.lexsort((k, tt, u))
    u, k, tt = u[order], k[order], tt[order]
    names = np.array(LADDER_KINDS)[k]
    cuts = np.flatnonzero(np.diff(u)) + 1
    groups = []
    for us, ks, ts in zip(
        np.split(u, cuts), np.split(names, cuts), np.split(tt, cuts), strict=True
    ):
        groups.append((int(us[0]), ks.tolist(), ts.tolist()))
    return groups, sel.size


def state_machine_peers(bench, user, kind, t, as_of, table, t_ours, n_events, slices) -> None:
    for name, module, peer, n_slice in (
        ("transitions", "transitions", transitions_peer, slices[0]),
        ("python-statemachine", "statemachine", statemachine_peer, slices[1]),
    ):
        if importlib.util.find_spec(module) is None:
            print(f"{name}: not installed (pip install {name}); peer skipped")
            continue
        groups, n_ev = user_groups(user, kind, t, n_slice)
        t0 = time.perf_counter()
        peer_tier = peer(groups, as_of)
        peer_s = time.perf_counter() - t0
        ours_tier = dict(zip(table.users.tolist(), table.tiers.tolist(), strict=True))
        agree = np.mean([ours_tier[u] == tier for u, tier in peer_tier.items()])
        scaled = peer_s * n_events / n_ev
        print(
            f"  {name}: {peer_s:.1f} s on {n_slice:,} users ({n_ev:,} events), one run; scaled "
            f"to {n_events:,} events: {scaled:.0f} s = {scaled / t_ours:.0f}x classify "
            f"(issue 3 target >= 50x: {'met' if scaled / t_ours >= 50 else 'NOT met'}); tiers "
            f"agree on {agree:.2%} of the slice"
        )


# --- the run ------------------------------------------------------------------------------------


def run_preset(bench: Bench, preset: str, args) -> None:
    import duckdb
    import pandas as pd
    import polars as pl

    m = machine_of(preset)
    kinds_all = m.kinds
    user, kind, t, as_of = make_events(args.users, args.events, kinds_all, KIND_P[preset])
    q = np.datetime64(as_of, "s")
    categorical = pd.Categorical.from_codes(kind, categories=list(kinds_all))
    at = t.astype("datetime64[s]")
    frame = pl.DataFrame(
        {
            "users": user,
            "kinds": pl.Series(np.array(kinds_all)[kind]).cast(pl.Enum(list(kinds_all))),
            "at": at.astype("datetime64[us]"),
        }
    )
    con = duckdb.connect()
    con.execute(f"SET threads = {pl.thread_pool_size()}")
    con.register("ev", frame.to_arrow())
    sql = duckdb_sql(preset, q)

    def ours():
        return m.classify(user, categorical, at, as_of=q)

    def with_polars():
        return polars_query(preset, frame, q)

    def with_duckdb():
        return con.sql(sql).to_arrow_table()

    print(
        f"\n## {m.name}: {args.users:,} users, {args.events:,} events "
        f"({REPEAT_SHARE:.1%} exact repeats), as of {q}; polars and duckdb with "
        f"{pl.thread_pool_size()} threads"
    )
    result = bench.compare(
        {"privtraffic": ours, "polars": with_polars, "duckdb": with_duckdb},
        baseline="privtraffic",
        title=f"{m.name} classify",
    )
    result.print(target={"polars": TARGET[preset], "duckdb": TARGET[preset]})
    table = result.outputs["privtraffic"]
    pf = result.outputs["polars"]
    ok_pl, n_pl = same_tiers(table, pf["users"].to_numpy(), pf["tier"].to_numpy())
    dk = result.outputs["duckdb"]
    ok_dk, n_dk = same_tiers(
        table, dk.column("users").to_numpy(), dk.column("tier").to_numpy().astype(np.int64)
    )
    print(
        f"  same tier for every user: polars {ok_pl} ({n_pl:,} users), duckdb {ok_dk} "
        f"({n_dk:,} users); tier mix {table.counts()}"
    )
    peak, _ = traced_peak(ours)
    print(
        f"  classify's peak memory above its inputs: {peak / 2**20:.0f} MiB "
        f"({peak / args.events:.1f} bytes per event)"
    )
    if preset == "ladder":
        t0 = time.perf_counter()
        general = m.classify(user, categorical, at, as_of=q, method="sorted")
        t_sorted = time.perf_counter() - t0
        same = np.array_equal(general.codes, table.codes)
        print(
            f"  general sorted method (active days, latest values, sticky rules, refreshes), "
            f"one run: {t_sorted:.2f} s; same tiers: {same}"
        )
        if args.state_machines:
            slices = (args.users // 10, args.users // 100)
            state_machine_peers(
                bench,
                user,
                kind,
                t,
                as_of,
                table,
                result.median("privtraffic"),
                args.events,
                slices,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--presets", nargs="+", default=["ladder", "aipl", "membership"])
    parser.add_argument("--quick", action="store_true", help="100k users, 1M events")
    parser.add_argument(
        "--state-machines",
        action="store_true",
        help="also time transitions and python-statemachine on a slice (issue 3; minutes)",
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.events = 100_000, 1_000_000
    bench = Bench("tier classification (benchmarks/bench_lifecycle.py)", repeats=args.repeats)
    bench.header()
    for preset in args.presets:
        run_preset(bench, preset, args)
    bench.footer()


if __name__ == "__main__":
    main()
