"""Ledger stores on real databases: an SQLite file and a throw-away PostgreSQL server.

Every test runs on both stores. Threads and processes record into one store at once; a writer
is killed with SIGKILL in the middle of a stream; a database refuses connections in the middle
of a run. Bounded in time: a few hundred events, a handful of processes, loopback / unix
sockets only.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from ledger_worker import NET, PLAN, order_events
from pg_server import own_pg_server, pg_dsn, pg_server  # noqa: F401
from privtraffic.commission import (
    CommissionPlan,
    DistributorJoined,
    Ledger,
    OrderPlaced,
    Payout,
    PostgresLedgerStore,
    Refund,
    SQLiteLedgerStore,
    split_commission,
)
from privtraffic.commission.events import event_key
from privtraffic.errors import EventConflictError, InvalidInputError, LedgerStoreError

WORKER = Path(__file__).with_name("ledger_worker.py")
D = Decimal


class Backend:
    """How a test reaches one kind of store: in this process, and from a worker process."""

    def __init__(self, kind: str, where: str) -> None:
        self.kind = kind
        self.where = where
        self.name = f"l{uuid.uuid4().hex[:8]}"

    def store(self, **kwargs):
        if self.kind == "sqlite":
            return SQLiteLedgerStore(self.where, name=self.name, **kwargs)
        return PostgresLedgerStore(self.where, name=self.name, **kwargs)

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.where}"

    def worker(self, *args: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(WORKER.parent)}
        return subprocess.Popen(
            [sys.executable, str(WORKER), self.spec, self.name, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "ledger.sqlite"))
    return Backend("postgres", request.getfixturevalue("pg_dsn"))


def reference(events) -> Ledger:
    """The same history in an in-memory ledger: the events recorded one by one, in order."""
    ledger = Ledger(PLAN, NET)
    for event in events:
        ledger.record(event)
    return ledger


def test_the_surface_a_new_ledger_on_the_same_store_sees_every_recorded_event(backend):
    ledger = Ledger(PLAN, NET, store=backend.store())
    ledger.record(OrderPlaced(order_id="o1", at="2025-03-01T10:00", amount="99.00", sharer="bob"))
    ledger.record(*order_events(2, 12))
    again = Ledger(PLAN, NET, store=backend.store())
    assert again.balances() == ledger.balances() == reference(ledger.events).balances()
    # bob earned, over both levels, what split_commission gives order by order
    orders = [e for e in ledger.events if isinstance(e, OrderPlaced)]
    earned = sum(
        (
            x.amount
            for o in orders
            for x in split_commission(PLAN, NET, o.order_id, o.amount, o.sharer)
            if x.beneficiary == "bob"
        ),
        D(0),
    )
    assert again.balances()["bob"].owed + again.balances()["bob"].paid == earned
    assert again.events == ledger.events
    assert Ledger.open(backend.store()).balances() == ledger.balances()
    # Idempotent across objects and processes: the same events again change nothing.
    again.record(*order_events(2, 12))
    assert len(Ledger(PLAN, NET, store=backend.store()).events) == len(ledger.events)
    with pytest.raises(EventConflictError, match=r"order id 'o1' was already recorded"):
        again.record(OrderPlaced("o1", "2025-03-01T10:00", "99.01", "bob"))
    with pytest.raises(InvalidInputError, match="another plan or starting network"):
        Ledger(CommissionPlan(level_rates=("0.2",)), NET, store=backend.store())


def test_the_snapshot_answers_like_the_fold_also_after_back_dated_events(backend):
    ledger = Ledger(PLAN, NET, store=backend.store())
    ledger.record(*order_events(0, 20))
    fresh = Ledger(PLAN, NET, store=backend.store())
    assert fresh._book is None  # not folded: the answer below comes from the stored balances
    assert fresh.balances() == reference(ledger.events).balances()
    assert fresh._book is None
    assert fresh.balance("bob") == reference(ledger.events).balance("bob")  # one stored row
    assert fresh._book is None
    # A back-dated refund after payouts: the fold starts again and the snapshot is replaced.
    ledger.record(Refund("r0", "o3", "2025-03-01T10:03:10", "10.00"))
    fresh = Ledger(PLAN, NET, store=backend.store())
    assert fresh.balances() == reference(ledger.events).balances()
    assert fresh.balances()["amy"].clawback_due >= 0
    # Without snapshots the ledger folds; the answers agree.
    assert Ledger(PLAN, NET, store=backend.store(snapshots=False)).balances() == fresh.balances()


def _parts(backend: Backend) -> list[tuple[int, int, int]]:
    """(part, last event, rows) of the stored snapshot, in order."""
    query = (
        "SELECT part, seq, n_rows FROM privtraffic_ledger_snapshot WHERE name = {} ORDER BY part"
    )
    if backend.kind == "sqlite":
        with sqlite3.connect(backend.where) as conn:
            return [tuple(r) for r in conn.execute(query.format("?"), (backend.name,))]
    import psycopg

    with psycopg.connect(backend.where) as conn:
        return [tuple(r) for r in conn.execute(query.format("%s"), (backend.name,))]


def test_the_snapshot_grows_by_the_changed_balances_and_starts_a_new_base_in_time(backend):
    ledger = Ledger(PLAN, NET, store=backend.store())
    events = order_events(0, 150)
    memory, changed = Ledger(PLAN, NET), []
    for k in range(0, 60, 6):
        ledger.record(*events[k : k + 6])
        before = dict(memory.balances())
        after = memory.record(*events[k : k + 6]).balances()
        changed.append(sum(after[w] != before.get(w) for w in after))
    parts = _parts(backend)
    assert [p for p, _, _ in parts] == list(range(1, 11))  # one part per call on an empty base
    assert [q for _, q, _ in parts] == list(range(6, 61, 6))
    assert [n for _, _, n in parts] == changed  # each holds the balances its call changed
    fresh = Ledger(PLAN, NET, store=backend.store())
    assert fresh.balances() == reference(events[:60]).balances() and fresh._book is None
    for event in events[60:]:  # one call each: the call that finds 256 parts writes a base
        ledger.record(event)
    parts = _parts(backend)
    based_at = 60 + (256 - 10) + 1
    assert parts[0] == (0, based_at, 4)  # every account, as of that call's event
    assert [p for p, _, _ in parts] == list(range(len(parts)))
    assert len(parts) == 1 + len(events) - based_at
    assert parts[-1][1] == len(events) == len(ledger.events)
    fresh = Ledger(PLAN, NET, store=backend.store())
    assert fresh.balances() == reference(events).balances() and fresh._book is None
    assert fresh.balance("dan") == reference(events).balance("dan") and fresh._book is None


def test_a_writer_without_snapshots_makes_the_next_reader_fold_and_the_next_writer_rewrite(
    backend,
):
    events = order_events(0, 20)
    Ledger(PLAN, NET, store=backend.store()).record(*events[:30])
    Ledger(PLAN, NET, store=backend.store(snapshots=False)).record(*events[30:])
    assert _parts(backend)[-1][1] == 30  # the stored balances stop before the last events
    fresh = Ledger(PLAN, NET, store=backend.store())
    assert fresh.balances() == reference(events).balances()
    assert fresh._book is not None  # folded: the stored balances were not current
    Ledger(PLAN, NET, store=backend.store()).record(Payout("p-late", "bob", "2025-04-01"))
    parts = _parts(backend)
    assert [p for p, _, _ in parts] == [0] and parts[0][1] == len(events) + 1  # a new base
    again = Ledger(PLAN, NET, store=backend.store())
    assert again.balances() == fresh.record(Payout("p-late", "bob", "2025-04-01")).balances()
    assert again._book is None


def test_a_ledger_can_start_from_an_empty_network_in_a_store(backend):
    plan = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=0)
    store = backend.store()
    Ledger(plan, store=store).record(
        DistributorJoined("amy", None, "2025-03-01"),
        DistributorJoined("bob", "amy", "2025-03-02"),
        OrderPlaced("o1", "2025-03-03", "100.00", "bob"),
    )
    balances = Ledger(plan, store=backend.store()).balances()
    assert {w: b.pending for w, b in balances.items()} == {"amy": D("5.00"), "bob": D("10.00")}


def test_eight_threads_recording_the_same_300_events_keep_exactly_300(backend):
    events = order_events(0, 140)[:300]
    assert len(events) == 300
    errors: list[BaseException] = []

    def run() -> None:
        try:  # opening the ledger too: eight threads open one file at once
            ledger = Ledger(PLAN, NET, store=backend.store())
            for event in events:
                ledger.record(event)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    stored = backend.store().read(0)
    assert len(stored) == 300
    keys = [event_key(e) for e in Ledger(PLAN, NET, store=backend.store()).events]
    assert len(set(keys)) == 300 == len(keys)
    ledger = Ledger(PLAN, NET, store=backend.store())
    payouts = [e for e in ledger.events if isinstance(e, Payout)]
    paid = sum(b.paid for b in ledger.balances().values())
    assert paid == sum(p.amount for p in payouts)  # every payout paid once: no double payouts
    assert ledger.balances() == reference(ledger.events).balances()


def test_eight_threads_each_refunding_60_percent_of_one_order_accept_at_most_one(backend):
    Ledger(PLAN, NET, store=backend.store()).record(
        OrderPlaced("o1", "2025-03-01T10:00", "100.00", "bob")
    )
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def run(k: int) -> None:
        ledger = Ledger(PLAN, NET, store=backend.store())
        start.wait()
        try:
            ledger.record(Refund(f"r{k}", "o1", "2025-03-01T11:00", "60.00"))
            outcomes.append("accepted")
        except InvalidInputError as exc:
            assert "larger than what remains of the order" in str(exc)
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["accepted"] + ["refused"] * 7
    ledger = Ledger(PLAN, NET, store=backend.store())
    assert sum(isinstance(e, Refund) for e in ledger.events) == 1
    assert ledger.balance("bob").pending == D("4.00")  # 10 % of the 40.00 that remains


def test_processes_recording_overlapping_events_store_their_union_once(backend):
    Ledger(PLAN, NET, store=backend.store())  # create the ledger before the workers race
    ranges = [(0, 40), (20, 60), (40, 80), (0, 80)]
    workers = [backend.worker("record", str(lo), str(hi)) for lo, hi in ranges]
    for w in workers:
        _, err = w.communicate(timeout=240)
        assert w.returncode == 0, err
    ledger = Ledger(PLAN, NET, store=backend.store())
    expected = {event_key(e) for e in order_events(0, 80)}
    keys = [event_key(e) for e in ledger.events]
    assert sorted(keys) == sorted(expected)  # each once
    assert ledger.balances() == reference(ledger.events).balances()
    paid = sum(b.paid for b in ledger.balances().values())
    assert paid == sum(e.amount for e in ledger.events if isinstance(e, Payout))


def test_a_writer_killed_mid_stream_keeps_every_event_whose_record_returned(backend):
    Ledger(PLAN, NET, store=backend.store())
    worker = backend.worker("record", "0", "400")
    returned: list[str] = []
    assert worker.stdout is not None
    deadline = time.monotonic() + 120
    while len(returned) < 60 and time.monotonic() < deadline:
        line = worker.stdout.readline()
        if not line:
            break
        returned.append(line.strip())
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    returned += [line.strip() for line in worker.stdout.read().splitlines()]
    assert len(returned) >= 60, worker.stderr.read() if worker.stderr else ""
    ledger = Ledger(PLAN, NET, store=backend.store())
    keys = [event_key(e) for e in ledger.events]
    assert set(returned) <= set(keys)  # every event whose record returned is there
    # nothing half-written: the stored events are exactly a prefix of the stream, each whole
    stream = [event_key(e) for e in order_events(0, 400)]
    assert keys == stream[: len(keys)]
    assert len(keys) - len(returned) <= 1  # at most the one in flight when it was killed
    assert ledger.balances() == reference(ledger.events).balances()
    ledger.record(*order_events(0, 400)[len(keys) : len(keys) + 10])  # and it goes on


def test_processes_refunding_60_percent_of_one_order_at_once_accept_at_most_one(backend):
    Ledger(PLAN, NET, store=backend.store()).record(
        OrderPlaced("o0", "2025-03-01T10:00", "100.00", "bob")
    )
    workers = [backend.worker("refund", "o0", f"r{k}", "60.00") for k in range(4)]
    outcomes = []
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        outcomes.append(out.strip().split(":")[0])
    assert sorted(outcomes) == ["accepted", "refused", "refused", "refused"]
    ledger = Ledger(PLAN, NET, store=backend.store())
    refunded = sum(e.amount for e in ledger.events if isinstance(e, Refund))
    assert refunded == D("60.00") <= D("100.00")


def test_sqlite_locked_by_another_writer_fails_clearly_and_keeps_nothing(tmp_path):
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(PLAN, NET, store=SQLiteLedgerStore(path, timeout=0.2))
    ledger.record(*order_events(0, 5))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        with pytest.raises(LedgerStoreError, match=r"stayed locked by another writer"):
            ledger.record(*order_events(5, 10))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(Ledger(PLAN, NET, store=SQLiteLedgerStore(path)).events) == len(order_events(0, 5))
    ledger.record(*order_events(5, 10))  # the same call again, now that the lock is free
    assert len(Ledger(PLAN, NET, store=SQLiteLedgerStore(path)).events) == len(order_events(0, 10))


def test_sqlite_file_that_cannot_be_opened_is_a_clear_error(tmp_path):
    with pytest.raises(LedgerStoreError, match=r"SQLite ledger store .*unable to open"):
        Ledger(PLAN, NET, store=SQLiteLedgerStore(tmp_path / "missing" / "dir" / "l.sqlite"))


def test_postgres_refusing_connections_mid_run_fails_clearly_and_keeps_no_partial_state(
    own_pg_server,  # noqa: F811
):
    dsn = own_pg_server.new_database()
    store = PostgresLedgerStore(dsn, connect_timeout=2)
    ledger = Ledger(PLAN, NET, store=store)
    returned = []
    for event in order_events(0, 10):
        ledger.record(event)
        returned.append(event_key(event))
    own_pg_server.stop("immediate")  # the server goes away in the middle of the run
    with pytest.raises(LedgerStoreError, match=r"PostgreSQL ledger store"):
        ledger.record(*order_events(10, 20))
    with pytest.raises(LedgerStoreError, match=r"could not connect"):
        Ledger(PLAN, NET, store=PostgresLedgerStore(dsn, connect_timeout=2))
    own_pg_server.start()
    again = Ledger(PLAN, NET, store=PostgresLedgerStore(dsn))
    assert [event_key(e) for e in again.events] == returned  # nothing of the failed call
    ledger.record(*order_events(10, 20))  # the failed call retried: the store reconnects
    assert len(Ledger(PLAN, NET, store=PostgresLedgerStore(dsn)).events) == len(order_events(0, 20))
    assert again.balances() == reference(order_events(0, 20)).balances()


def test_postgres_tests_ran_against_a_real_server(pg_server):  # noqa: F811
    import psycopg

    with psycopg.connect(pg_server.dsn("postgres")) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
    assert version.startswith("PostgreSQL "), version
    assert json.loads(json.dumps(pg_server.version))  # the version the log line showed
