"""Load test of the example service: concurrent clients, deliberate retries, exact balances.

``N`` client threads post distributors, orders, settlements and refunds to a running service
(loopback addresses only): a shop's stream in time order, each thread taking the next request,
a settlement or refund waiting until its order was answered. They re-send a share of their
requests with the same ids the way a client does after a timeout: at once, from another thread
at the same time, and all over again, in any order, at the end. Afterwards every distributor's
balance, read from the service at two dates, must equal the balance of an in-memory
:class:`~privtraffic.commission.Ledger` fed the same events once: nothing lost, nothing
doubled. Bounded in count (the script is fixed before it starts) and in time
(``--time-limit``).

Run::

    python examples/service/loadtest.py --url http://127.0.0.1:8000 --threads 8 --orders 2000

It prints the requests per second and the p50 / p99 latency of each kind of request, and exits
with 1 when a balance differs, a request failed or the time ran out. ``run(...)`` does the same
from Python and returns the :class:`Report`.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import queue
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from privtraffic.commission import (
    CommissionPlan,
    DistributorJoined,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Refund,
)

HERE = Path(__file__).parent
START = datetime(2025, 1, 1)
#: The two dates every balance is compared at: mid-way (pending and payable mixed), and after
#: every holding period has passed.
CHECK_DATES = ("2025-01-20T00:00:00", "2025-03-01T00:00:00")


@dataclass(eq=False)
class Call:
    """One request of the script, the ledger event it records, and the request it waits for."""

    kind: str  # "distributor", "order", "settle", "refund"
    path: str
    body: dict[str, Any]
    event: Any
    after: Call | None = None  # the order before its settlement and refunds
    done: threading.Event = field(default_factory=threading.Event)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def make_script(
    n_distributors: int, n_orders: int, seed: int
) -> tuple[list[list[Call]], list[Call]]:
    """The distributors by depth (each level after its uplines), then a shop's stream in time
    order: orders over 30 days, settlements 1 to 96 hours after their order, refunds (none,
    one or two) after 100 hours; each settlement and refund waits for its order."""
    rnd = random.Random(seed)
    levels: list[list[Call]] = []
    depth: dict[str, int] = {}
    for i in range(n_distributors):
        who = f"d{i}"
        upline = None if i < 3 else f"d{rnd.randrange(i)}"
        depth[who] = 0 if upline is None else depth[upline] + 1
        at = _iso(START)
        body = {"distributor": who, "upline": upline, "at": at, "has_rights": rnd.random() > 0.1}
        event = DistributorJoined(who, upline, at, has_rights=body["has_rights"])
        while len(levels) <= depth[who]:
            levels.append([])
        levels[depth[who]].append(Call("distributor", "/distributors", body, event))
    stream: list[tuple[datetime, int, Call]] = []
    step = timedelta(days=30) / max(n_orders, 1)
    for k in range(n_orders):
        oid = f"o{k}"
        placed = START + timedelta(hours=1) + k * step + timedelta(seconds=rnd.randrange(60))
        cents = rnd.randrange(1, 100_000)
        sharer = f"d{rnd.randrange(n_distributors)}"
        body = {"order_id": oid, "at": _iso(placed), "amount": _money(cents), "sharer": sharer}
        order = Call("order", "/orders", body, OrderPlaced(oid, body["at"], _money(cents), sharer))
        stream.append((placed, len(stream), order))
        if rnd.random() < 0.7:
            when = placed + timedelta(hours=rnd.randrange(1, 96))
            at = _iso(when)
            settle = Call(
                "settle", f"/orders/{oid}/settle", {"at": at}, OrderSettled(oid, at), after=order
            )
            stream.append((when, len(stream), settle))
        left = cents
        for j in range(rnd.choice([0, 0, 1, 2])):
            if left == 0:
                break
            part = rnd.randrange(1, left + 1) if j == 0 else left
            left -= part
            when = placed + timedelta(hours=100 + 24 * j)
            rid, at = f"r{k}-{j}", _iso(when)
            body = {"refund_id": rid, "order_id": oid, "at": at, "amount": _money(part)}
            event = Refund(rid, oid, at, _money(part))
            stream.append((when, len(stream), Call("refund", "/refunds", body, event, after=order)))
    stream.sort(key=lambda item: item[:2])
    return levels, [call for _, _, call in stream]


@dataclass
class Report:
    """What a run did and found."""

    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    balances_checked: int = 0
    events: int = 0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return not (self.failures or self.mismatches or self.timed_out)

    def lines(self) -> list[str]:
        rate = self.requests / self.seconds if self.seconds else 0.0
        out = [
            f"{self.requests} requests ({self.retries} of them retries) in {self.seconds:.1f} s: "
            f"{rate:.0f} requests/s; {self.events} distinct events",
        ]
        for kind, ts in sorted(self.latencies.items()):
            q = statistics.quantiles(ts, n=100, method="inclusive") if len(ts) > 1 else ts * 99
            out.append(
                f"  {kind:<12} {len(ts):6d} requests  p50 {q[49] * 1e3:7.1f} ms  "
                f"p99 {q[98] * 1e3:7.1f} ms"
            )
        out.append(
            f"balances checked: {self.balances_checked}; mismatches: {len(self.mismatches)}; "
            f"failed requests: {len(self.failures)}; timed out: {self.timed_out}"
        )
        out += [f"  MISMATCH {m}" for m in self.mismatches[:5]]
        out += [f"  FAILED {f}" for f in self.failures[:5]]
        return out


class Client:
    """One keep-alive connection to the service (one per thread)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"} if data is not None else {}
        for attempt in range(3):  # a dropped connection is retried: the ids make it safe
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, json.loads(payload) if payload else None
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def _loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loop = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loop = False
    if parts.scheme != "http" or not loop:
        raise SystemExit(f"the load test talks to loopback addresses only (got {url!r})")
    return host, parts.port or 80


def run(
    url: str,
    *,
    threads: int = 8,
    distributors: int = 40,
    orders: int = 400,
    retry: float = 0.2,
    seed: int = 0,
    time_limit: float = 120.0,
    plan_path: Path = HERE / "plan.json",
) -> Report:
    """Run the script against the service at ``url`` and compare every balance."""
    host, port = _loopback(url)
    plan = CommissionPlan.from_dict(json.loads(plan_path.read_text(encoding="utf-8")))
    levels, stream = make_script(distributors, orders, seed)
    rnd = random.Random(seed + 1)
    report = Report()
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit
    started = time.monotonic()

    def send(client: Client, call: Call) -> None:
        t0 = time.perf_counter()
        try:
            status, payload = client.request("POST", call.path, call.body)
        except (OSError, http.client.HTTPException) as exc:
            status, payload = -1, repr(exc)
        spent = time.perf_counter() - t0
        with lock:
            report.requests += 1
            report.latencies[call.kind].append(spent)
            if status != 200:
                report.failures.append(f"{call.kind} {call.body} -> {status} {payload}")

    def worker(tasks: queue.Queue[Call | None], seed_of_thread: int) -> None:
        mine = random.Random(seed_of_thread)
        client = Client(host, port, timeout=30.0)
        while True:
            call = tasks.get()
            if call is None:
                return
            if call.after is not None:  # its order first (another thread may be posting it)
                call.after.done.wait(max(0.0, deadline - time.monotonic()))
            if time.monotonic() > deadline:
                report.timed_out = True
                call.done.set()
                continue
            send(client, call)
            call.done.set()
            if mine.random() < retry / 2:  # the answer was "lost": the same request again
                send(client, call)

    def in_parallel(work: list[Call]) -> None:
        tasks: queue.Queue[Call | None] = queue.Queue()
        for call in work:
            tasks.put(call)
        for _ in range(threads):
            tasks.put(None)
        pool = [
            threading.Thread(target=worker, args=(tasks, seed * 1000 + i), daemon=True)
            for i in range(threads)
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join(max(0.0, deadline - time.monotonic()) + 5.0)
            if t.is_alive():
                report.timed_out = True

    for level in levels:  # uplines before their downlines; a level in parallel
        in_parallel(level)
    # The stream in time order; a tenth of its requests twice in a row, so that two threads
    # post them at the same moment (a client that retried on another connection while the
    # first attempt was still in flight).
    doubled = set(rnd.sample(range(len(stream)), len(stream) // 10))
    racing = []
    for i, call in enumerate(stream):
        racing.append(call)
        if i in doubled:
            racing.append(replace(call, after=call.after, done=threading.Event()))
    in_parallel(racing)
    everything = [c for level in levels for c in level] + stream
    again = rnd.sample(everything, int(len(everything) * retry))
    rnd.shuffle(again)  # all over again, in any order: each is already recorded
    in_parallel([replace(c, after=None, done=threading.Event()) for c in again])
    report.seconds = time.monotonic() - started
    report.events = len(everything)
    report.retries = report.requests - report.events  # every request past an event's first

    # The reference: one in-memory ledger fed every event once, in the script's order.
    reference = Ledger(plan)
    reference.record(*(c.event for c in everything))
    client = Client(host, port, timeout=30.0)
    for level in levels:
        for call in level:
            who = call.body["distributor"]
            for as_of in CHECK_DATES:
                want = reference.balance(who, as_of)
                status, got = client.request(
                    "GET", f"/distributors/{quote(who)}/balance?as_of={as_of}", None
                )
                report.balances_checked += 1
                expected = {
                    "pending": str(want.pending),
                    "payable": str(want.payable),
                    "paid": str(want.paid),
                    "clawback": str(want.clawback_due),
                }
                seen = None if status != 200 else {k: got[k] for k in expected}
                if seen != expected:
                    report.mismatches.append(f"{who} at {as_of}: {seen} != {expected}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--distributors", type=int, default=40)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--retry", type=float, default=0.2, help="share of requests re-sent")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds")
    parser.add_argument("--plan", type=Path, default=HERE / "plan.json")
    args = parser.parse_args(argv)
    report = run(
        args.url,
        threads=args.threads,
        distributors=args.distributors,
        orders=args.orders,
        retry=args.retry,
        seed=args.seed,
        time_limit=args.time_limit,
        plan_path=args.plan,
    )
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
