"""Shared objects under threads: 8 threads x 10,000 mixed calls give the single-threaded answers.

What a service keeps once per process and shares between its request threads — fitted BTYD
models, a tier machine, a commission plan and network, a KOC score table, a ledger on a SQLite
store — is used here by 8 threads at once, each making 10,000 calls mixed from BTYD predictions
through the public API (P(alive), expected purchases, CLV), ``Machine.step``,
``split_commission`` and score lookups, 25 of them ledger records (an order, its settlement, a
refund half the time, and a retry of the order) through two ledger objects on one SQLite file.
Every answer is compared with the one the same call gives on one thread, and the ledgers'
events and balances with an in-memory ledger fed the same events. The interpreter switches
threads every 10 µs meanwhile (instead of every 5 ms), so that the calls interleave finely.

Under ``CI=true`` each thread makes 2,500 calls instead of 10,000 (still 8 threads, the same
mix), to keep the CI run bounded; ``PRIVTRAFFIC_THREAD_CALLS`` sets the number.
"""

from __future__ import annotations

import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Refund,
    SQLiteLedgerStore,
    split_commission,
)
from privtraffic.lifecycle import Event, relationship_ladder
from privtraffic.referral import ReferralGraph

THREADS = 8
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CALLS = int(os.environ.get("PRIVTRAFFIC_THREAD_CALLS", 2_500 if IN_CI else 10_000))

# Fader, Hardie and Lee (2005)'s CDNOW estimates, as a service would load them from JSON.
BG = BetaGeo.from_json(BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426).to_json())
GG = GammaGamma.from_json(GammaGamma.from_params(p=6.25, q=3.74, v=15.44).to_json())
MACHINE = relationship_ladder()
PLAN = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")
DISTRIBUTORS = [f"d{i}" for i in range(60)]
UPLINES = {f"d{i}": f"d{(i - 1) // 2}" for i in range(1, 60)}  # a binary tree
NETWORK = DistributorNetwork.from_edges(list(UPLINES.values()), list(UPLINES))
GRAPH = ReferralGraph.from_edges(
    [f"u{i // 3}" for i in range(1, 300)], [f"u{i}" for i in range(1, 300)]
)
SCORES = GRAPH.koc_scores([f"u{i % 300}" for i in range(900)], [float(i % 37) for i in range(900)])
KINDS = ("connect", "interact", "join", "purchase", "review", "referral_purchase")
DAY = np.timedelta64(86_400, "s")
ORIGIN = np.datetime64("2025-01-01", "s")


def _states() -> list[Any]:
    """Users' states after a few events each: the step calls start from these."""
    rnd = random.Random(0)
    out = []
    for u in range(50):
        s = MACHINE.new_state(f"u{u}")
        for d in sorted(rnd.sample(range(40), 5)):
            s = MACHINE.step(s, Event(rnd.choice(KINDS), ORIGIN + d * DAY, rnd.random() * 100))
        out.append(s)
    return out


STATES = _states()


#: Ledger records per thread, whatever the number of calls: a record's cost grows with the
#: ledger (it checks each event against everything recorded), the other calls' does not.
RECORDS = 25


def _tasks(thread: int, n: int) -> list[tuple[Any, ...]]:
    """Thread ``thread``'s calls: a fixed mix, in a random order of its own."""
    rnd = random.Random(1000 + thread)
    tasks: list[tuple[Any, ...]] = []
    for i in range(n - RECORDS):
        pick = rnd.random()
        if pick < 0.05:
            f = rnd.randrange(0, 10)
            r = float(rnd.randrange(0, 30)) if f else 0.0
            tasks.append(
                ("btyd", f, r, r + rnd.randrange(1, 20) + 0.5, float(rnd.randrange(1, 90)))
            )
        elif pick < 0.40:
            s = rnd.randrange(len(STATES))
            day = 45 + rnd.randrange(30)
            tasks.append(("step", s, rnd.choice(KINDS), day, float(rnd.randrange(0, 500))))
        elif pick < 0.70:
            cents = rnd.randrange(0, 10**6)
            tasks.append(("split", f"t{thread}-{i}", f"{cents // 100}.{cents % 100:02d}",
                          rnd.choice(DISTRIBUTORS), rnd.choice([None, *DISTRIBUTORS])))  # fmt: skip
        else:
            tasks.append(("score", f"u{rnd.randrange(300)}"))
    for j in range(RECORDS):
        cents = rnd.randrange(100, 10**5)
        refund = rnd.randrange(1, cents) if rnd.random() < 0.5 else 0
        task = ("record", f"t{thread}-r{j}", cents, rnd.choice(DISTRIBUTORS), refund)
        tasks.insert(rnd.randrange(len(tasks) + 1), task)
    return tasks


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _events(task: tuple[Any, ...]) -> list[Any]:
    _, oid, cents, sharer, refund = task
    events = [
        OrderPlaced(oid, "2025-02-01T10:00", _money(cents), sharer),
        OrderSettled(oid, "2025-02-02"),
    ]
    if refund:
        events.append(Refund(f"r-{oid}", oid, "2025-02-03", _money(refund)))
    return events


def _call(task: tuple[Any, ...], ledger: Ledger | None) -> Any:
    kind = task[0]
    if kind == "btyd":
        _, f, r, t, m = task
        return (  # one customer as numbers (the scalar path), and as columns of one
            float(BG.probability_alive(f, r, t)[0]),
            float(BG.expected_purchases(52.0, f, r, t)[0]),
            float(customer_lifetime_value(
                BG, GG, f, r, t, m, horizon=12, discount_rate=0.01, unit="W"
            )[0]),
            float(BG.probability_alive([f], [r], [t])[0]),
        )  # fmt: skip
    if kind == "step":
        _, s, k, day, value = task
        state = MACHINE.step(STATES[s], Event(k, ORIGIN + day * DAY, value))
        return state.tier, state.facts, state.transitions
    if kind == "split":
        _, oid, amount, sharer, buyer = task
        return split_commission(PLAN, NETWORK, oid, amount, sharer, buyer=buyer)
    if kind == "score":
        return SCORES.score_of(task[1]), SCORES.row(task[1]), GRAPH.position(task[1])
    assert ledger is not None
    events = _events(task)
    ledger.record(*events)
    ledger.record(events[0])  # a retry: nothing changes
    return ledger.entries(task[1])


def test_shared_objects_under_eight_threads(tmp_path: Path) -> None:
    tasks = [_tasks(i, CALLS) for i in range(THREADS)]
    reference = Ledger(PLAN, NETWORK)  # in memory, fed on one thread
    expected = [[_call(t, reference) for t in mine] for mine in tasks]

    path = tmp_path / "ledger.sqlite"
    # two ledger objects on one file, as two processes would have: threads share each object
    ledgers = [
        Ledger(PLAN, NETWORK, store=SQLiteLedgerStore(path, synchronous="NORMAL")) for _ in "ab"
    ]
    results: list[list[Any]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(i: int) -> None:
        try:
            start.wait()
            ledger = ledgers[i % 2]
            results[i] = [_call(t, ledger) for t in tasks[i]]
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)
            raise

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        pool = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert not errors, errors
    for i in range(THREADS):
        assert len(results[i]) == CALLS
        for task, want, got in zip(tasks[i], expected[i], results[i], strict=True):
            assert got == want, (i, task)
    n_records = sum(t[0] == "record" for mine in tasks for t in mine)
    assert n_records > 0 and sum(t[0] == "btyd" for mine in tasks for t in mine) > 0
    for ledger in (*ledgers, Ledger.open(SQLiteLedgerStore(path))):
        assert len(ledger.events) == len(reference.events)
        assert ledger.balances("2025-03-01") == reference.balances("2025-03-01")
