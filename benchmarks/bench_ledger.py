"""Benchmark: recording into the commission ledger (memory, SQLite, PostgreSQL) and balance
queries on a ledger of 1M events, beside a plain ``sqlite3`` insert loop of the same rows.

Issue 12's targets: batched recording into SQLite within 3x of the plain insert loop (the
floor: the same rows, keys and schema, inserted with ``executemany`` in one transaction per
batch, no checks, no fold); a balance query on 1M events under 50 ms with a snapshot. Also
timed: an event dated a little before what the ledger has folded (a late refund), which the
ledger folds again from its last checkpoint, beside a fold of every event from the start.

Each comparison is run A B A B ... (``--repeats`` pairs, default 5) and the median of the
paired ratios is printed. The PostgreSQL rows need the server binaries (a throw-away server
is started in a temporary folder, as the tests do); they are skipped with a note otherwise.

Run: ``python benchmarks/bench_ledger.py`` (1M events for the balance query; ``--events``
to change it, ``--quick`` for 100,000).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Payout,
    PostgresLedgerStore,
    Refund,
    SQLiteLedgerStore,
)
from privtraffic.commission.events import event_key, event_to_row

PLAN = CommissionPlan(level_rates=("0.10", "0.05"), rank_uplifts={2: "0.02"}, holding_days=7)
D01 = Decimal("0.01")


def make_network(n: int, seed: int = 0) -> DistributorNetwork:
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    parent = (rng.random(n) * ids).astype(np.int64)
    has_up = ids > 0
    return DistributorNetwork.from_edges(
        parent[has_up], ids[has_up], users=ids, ranks=rng.integers(0, 3, size=n)
    )


def make_events(n_events: int, n_dist: int, start: int = 0, seed: int = 1) -> list:
    """A shop's stream in time order: orders, their settlements two days later, a refund
    for one order in twenty, and a weekly payout run (explicit amounts are not used, so every
    payout is 'all payable')."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2025-01-01T00:00:00")
    out: list = []
    pending: list[tuple[int, object]] = []  # (time, event) waiting for their moment
    k = start
    sec = 0
    while len(out) < n_events:
        sec += int(rng.integers(1, 60))
        while pending and pending[0][0] <= sec:
            out.append(pending.pop(0)[1])
        oid = f"o{k}"
        amount = Decimal(int(rng.integers(500, 50_000))).scaleb(-2)
        out.append(
            OrderPlaced(oid, t0 + np.timedelta64(sec, "s"), amount, int(rng.integers(n_dist)))
        )
        pending.append((sec + 172_800, OrderSettled(oid, t0 + np.timedelta64(sec + 172_800, "s"))))
        if k % 20 == 0:
            cut = (amount / 2).quantize(Decimal("0.01"))
            pending.append(
                (sec + 3600, Refund(f"r{k}", oid, t0 + np.timedelta64(sec + 3600, "s"), cut))
            )
        if k % 500 == 0:
            who = int(rng.integers(n_dist))
            pending.append((sec + 1, Payout(f"p{k}", who, t0 + np.timedelta64(sec + 1, "s"))))
        pending.sort(key=lambda p: p[0])
        k += 1
    return out[:n_events]


def rows_of(events: list) -> list[tuple[str, str]]:
    return [(event_key(e), json.dumps(event_to_row(e), ensure_ascii=False)) for e in events]


def floor_sqlite(path: Path, rows: list[tuple[str, str]], batch: int) -> float:
    """The plain insert loop: the store's schema, the same rows, one transaction per batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS ev (name TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT "
        "NOT NULL, row TEXT NOT NULL, PRIMARY KEY (name, seq), UNIQUE (name, key))"
    )
    t = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO ev (name, seq, key, row) VALUES ('default', ?, ?, ?)",
            [(i + j + 1, key, row) for j, (key, row) in enumerate(rows[i : i + batch])],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def record(ledger: Ledger, events: list, batch: int) -> float:
    t = time.perf_counter()
    for i in range(0, len(events), batch):
        ledger.record(*events[i : i + batch])
    return time.perf_counter() - t


def paired(label: str, a, b, repeats: int) -> tuple[float, float, float]:
    """A B A B ...: median time of each side and median of the paired ratios a / b."""
    ta, tb, ratios = [], [], []
    for _ in range(repeats):
        x, y = a(), b()
        ta.append(x)
        tb.append(y)
        ratios.append(x / y)
    ma, mb, mr = statistics.median(ta), statistics.median(tb), statistics.median(ratios)
    print(f"{label}: {ma * 1e3:9.1f} ms vs {mb * 1e3:9.1f} ms  ratio {mr:5.2f}x")
    return ma, mb, mr


def query_in_new_process(path: Path, n_dist: int, repeats: int, pairs: int) -> dict:
    """Balance queries timed in a new Python process (imports and the network built before
    the clock starts): one distributor's balance, all balances, all of them read, and -- paired
    with the snapshot -- all balances from folding every event."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--query",
            str(path),
            "--distributors",
            str(n_dist),
            "--repeats",
            str(repeats),
            "--pairs",
            str(pairs),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_queries(path: Path, n_dist: int, repeats: int, pairs: int) -> None:
    network = make_network(n_dist)

    def timed(f) -> float:
        t = time.perf_counter()
        f()
        return time.perf_counter() - t

    def every() -> None:
        for _ in Ledger(PLAN, network, store=SQLiteLedgerStore(path)).balances().values():
            pass  # each Balance built (Decimals and all)

    one = [
        timed(lambda: Ledger(PLAN, network, store=SQLiteLedgerStore(path)).balance(7))
        for _ in range(repeats)
    ]
    all_read = [timed(every) for _ in range(repeats)]
    snap, fold = [], []
    for _ in range(pairs):  # A B A B ...
        snap.append(timed(lambda: Ledger(PLAN, network, store=SQLiteLedgerStore(path)).balances()))
        fold.append(
            timed(
                lambda: Ledger(
                    PLAN, network, store=SQLiteLedgerStore(path, snapshots=False)
                ).balances()
            )
        )
    print(
        json.dumps(
            {
                "one": statistics.median(one),
                "every": statistics.median(all_read),
                "snapshot": snap,
                "fold": fold,
            }
        )
    )


def start_postgres():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    try:
        import pg_server

        folder = pg_server.server_bin()
        if folder is None:
            return None
        server = pg_server.PgServer(folder)
        server.start()
        return server
    except Exception as exc:  # pragma: no cover - reported
        print(f"PostgreSQL not available: {exc}")
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000, help="size of the big ledger")
    parser.add_argument("--quick", action="store_true", help="100,000 events in the big ledger")
    parser.add_argument("--stream", type=int, default=20_000, help="events per recording run")
    parser.add_argument("--single", type=int, default=2_000, help="events recorded one by one")
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--query", type=Path, help=argparse.SUPPRESS)  # the query process
    parser.add_argument("--distributors", type=int, default=10_000, help=argparse.SUPPRESS)
    parser.add_argument("--pairs", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.query is not None:
        run_queries(args.query, args.distributors, args.repeats, args.pairs)
        return
    big = 100_000 if args.quick else args.events
    n_dist = 10_000
    network = make_network(n_dist)
    stream = make_events(args.stream, n_dist)
    rows = rows_of(stream)
    load = os.getloadavg()
    print(
        f"{len(stream):,} events per recording run ({args.single:,} one at a time), batches of "
        f"{args.batch:,}; {n_dist:,} distributors; {os.cpu_count()} cores, load {load[0]:.2f}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    counter = iter(range(10**9))

    def fresh_sqlite(**kw) -> Ledger:
        return Ledger(
            PLAN, network, store=SQLiteLedgerStore(tmp / f"l{next(counter)}.sqlite", **kw)
        )

    results: dict[str, float] = {}
    print("\n-- recording, events/s (ledger vs its floor) --")
    _, _, r = paired(
        f"memory, batches of {args.batch}    vs  one at a time",
        lambda: record(Ledger(PLAN, network), stream, args.batch),
        lambda: record(Ledger(PLAN, network), stream[: args.single], 1) * len(stream) / args.single,
        args.repeats,
    )
    t_mem = record(Ledger(PLAN, network), stream, args.batch)
    print(f"  memory batched: {len(stream) / t_mem:,.0f} events/s")
    ta, tb, r = paired(
        "SQLite batched ledger             vs  plain sqlite3 executemany",
        lambda: record(fresh_sqlite(), stream, args.batch),
        lambda: floor_sqlite(tmp / f"f{next(counter)}.sqlite", rows, args.batch),
        args.repeats,
    )
    results["sqlite_batched_ratio"] = r
    print(
        f"  SQLite batched: {len(stream) / ta:,.0f} events/s; floor {len(stream) / tb:,.0f} rows/s"
    )
    single = stream[: args.single]
    ta, tb, r = paired(
        "SQLite one at a time ledger       vs  plain sqlite3, one row per transaction",
        lambda: record(fresh_sqlite(), single, 1),
        lambda: floor_sqlite(tmp / f"f{next(counter)}.sqlite", rows[: args.single], 1),
        args.repeats,
    )
    rate, floor = len(single) / ta, len(single) / tb
    print(f"  SQLite one at a time: {rate:,.0f} events/s; floor {floor:,.0f} rows/s")
    server = start_postgres()
    if server is not None:
        print(f"  (PostgreSQL {server.version}, unix socket, fsync on)")

        def fresh_pg() -> Ledger:
            return Ledger(PLAN, network, store=PostgresLedgerStore(server.new_database()))

        ta, tb, r = paired(
            "PostgreSQL batched                vs  SQLite batched",
            lambda: record(fresh_pg(), stream, args.batch),
            lambda: record(fresh_sqlite(), stream, args.batch),
            args.repeats,
        )
        print(f"  PostgreSQL batched: {len(stream) / ta:,.0f} events/s")
        ta, tb, r = paired(
            "PostgreSQL one at a time          vs  SQLite one at a time",
            lambda: record(fresh_pg(), single, 1),
            lambda: record(fresh_sqlite(), single, 1),
            args.repeats,
        )
        print(f"  PostgreSQL one at a time: {len(single) / ta:,.0f} events/s")
    else:
        print("  PostgreSQL: server binaries not found, rows skipped")

    print(f"\n-- balance query on a ledger of {big:,} events (SQLite) --")
    events = make_events(big, n_dist, seed=2)
    path = tmp / "big.sqlite"
    builder = Ledger(PLAN, network, store=SQLiteLedgerStore(path))
    t = time.perf_counter()
    record(builder, events, 10_000)
    print(f"  built in {time.perf_counter() - t:.1f} s (batches of 10,000)")
    tail = [e for e in events[-5_000:] if isinstance(e, OrderPlaced)]
    last = max(e.at for e in events[-100:])
    del events

    # The queries run in a new process, as a service worker that starts would: it has not
    # folded anything and holds none of this process's objects.
    reps = max(1, min(args.repeats, 2 if big >= 500_000 else args.repeats))
    timed = query_in_new_process(path, n_dist, args.repeats, reps)
    t_one, t_every, snap, fold = (timed[k] for k in ("one", "every", "snapshot", "fold"))
    ta, tb, r = (
        statistics.median(snap),
        statistics.median(fold),
        statistics.median([a / b for a, b in zip(snap, fold, strict=False)]),
    )
    print(f"balance(7), new process, snapshot: {t_one * 1e3:.1f} ms (median of {args.repeats})")
    print(
        f"balances(), new process, snapshot  vs  folding every event: {ta * 1e3:9.1f} ms vs "
        f"{tb * 1e3:9.1f} ms  ratio {r:5.3f}x (median of {len(snap)} pairs)"
    )
    snap_ms = ta * 1e3
    print(f"  balances() and every Balance read: {t_every * 1e3:.1f} ms (median of {args.repeats})")

    print(f"\n-- an event dated 10 minutes before the last of {big:,} (a late refund) --")
    chosen = [o for o in tail if o.order_id[1:].isdigit() and int(o.order_id[1:]) % 20 == 1]
    lates = []
    for o in chosen[: args.repeats]:
        at = max(o.at, last - np.timedelta64(600, "s"))
        refund = Refund(f"late-{o.order_id}", o.order_id, at, (o.amount / 4).quantize(D01))
        t = time.perf_counter()
        builder.record(refund)
        lates.append(time.perf_counter() - t)
        assert not builder._book.refolded  # from the last checkpoint, not from the start
    t_late = statistics.median(lates)
    t = time.perf_counter()
    refold = Ledger(PLAN, network)
    refold._book.admit(builder.events, strict=False)  # what a fold from the start costs
    t_full = time.perf_counter() - t
    assert refold.balances() == builder.balances()
    print(
        f"late refund recorded (SQLite, median of {len(lates)}): {t_late * 1e3:.1f} ms; "
        f"a fold from the start of the same {len(builder.events):,} events in memory: "
        f"{t_full:.1f} s; ratio {t_late / t_full:.4f}x"
    )
    print(
        f"RESULT: SQLite batched {results['sqlite_batched_ratio']:.2f}x the plain insert loop "
        f"(target <= 3x: {'met' if results['sqlite_batched_ratio'] <= 3 else 'MISSED'}); "
        f"balance query on {big:,} events with a snapshot: one distributor {t_one * 1e3:.1f} ms, "
        f"all {snap_ms:.1f} ms, all with every Balance read {t_every * 1e3:.1f} ms "
        f"(target < 50 ms: {'met' if t_one * 1e3 < 50 else 'MISSED'} for one, "
        f"{'met' if snap_ms < 50 else 'MISSED'} for all, "
        f"{'met' if t_every * 1e3 < 50 else 'MISSED'} reading all); "
        f"without a snapshot {tb:.1f} s; late refund {t_late * 1e3:.1f} ms vs "
        f"{t_full:.1f} s from the start"
    )
    if server is not None:
        server.stop("immediate")
        server.remove()


if __name__ == "__main__":
    main()
