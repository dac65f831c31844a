"""A separate process recording into a ledger store (multi-process, SIGKILL and refund tests).

Run as ``python ledger_worker.py STORE NAME MODE ...`` where STORE is ``sqlite:PATH`` or
``postgres:DSN``:

``record LO HI``
    Records the events of orders LO..HI-1 (:func:`order_events`) one call at a time and prints
    each event's key once its ``record`` call has returned.
``refund ORDER REFUND_ID AMOUNT``
    Tries one refund; prints ``accepted`` or ``refused: <message>``.
"""

from __future__ import annotations

import sys
from decimal import Decimal

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
from privtraffic.commission.events import event_key
from privtraffic.errors import InvalidInputError

PLAN = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=0)
NET = DistributorNetwork.from_edges(["amy", "amy", "bob"], ["bob", "cat", "dan"])
SHARERS = ("bob", "cat", "dan", "amy")


def at(i: int, seconds: int = 0) -> str:
    return str(np.datetime64("2025-03-01T10:00") + np.timedelta64(i * 60 + seconds, "s"))


def order_events(lo: int, hi: int) -> list:
    """Each order, its settlement, and every fifth one an explicit payout to its sharer."""
    out: list = []
    for i in range(lo, hi):
        sharer = SHARERS[i % len(SHARERS)]
        out.append(OrderPlaced(f"o{i}", at(i), Decimal(1000 + 37 * i).scaleb(-2), sharer))
        out.append(OrderSettled(f"o{i}", at(i)))
        if i % 5 == 4:
            out.append(Payout(f"p{i}", sharer, at(i, seconds=30)))
    return out


def open_store(spec: str, name: str) -> SQLiteLedgerStore | PostgresLedgerStore:
    kind, _, where = spec.partition(":")
    if kind == "sqlite":
        return SQLiteLedgerStore(where, name=name)
    return PostgresLedgerStore(where, name=name)


def main(argv: list[str]) -> None:
    spec, name, mode, *rest = argv
    ledger = Ledger(PLAN, NET, store=open_store(spec, name))
    if mode == "record":
        lo, hi = int(rest[0]), int(rest[1])
        for event in order_events(lo, hi):
            ledger.record(event)
            print(event_key(event), flush=True)
    elif mode == "refund":
        order, refund_id, amount = rest
        try:
            ledger.record(Refund(refund_id, order, at(0, seconds=7200), amount))
        except InvalidInputError as exc:
            print(f"refused: {exc}", flush=True)
        else:
            print("accepted", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
