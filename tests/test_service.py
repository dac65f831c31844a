"""The example service (examples/service) against a real uvicorn server on 127.0.0.1.

Each test starts ``uvicorn app:app --app-dir examples/service`` as a subprocess on a free
loopback port, with the SQLite store (a file in the test's folder) or a PostgreSQL database on
the throw-away server of ``tests/pg_server.py``, exactly as the README starts it, and talks to
it over HTTP. The answers are compared with the library called directly in the test: the same
commission entries, balances, CLV numbers, tiers and error messages.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from pg_server import PgServer, pg_server  # noqa: F401

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
from privtraffic.commission import (
    CommissionPlan,
    DistributorJoined,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Refund,
    SQLiteLedgerStore,
)
from privtraffic.errors import PrivTrafficError
from privtraffic.lifecycle import Event, relationship_ladder

SERVICE = Path(__file__).parent.parent / "examples" / "service"
sys.path.insert(0, str(SERVICE))
import loadtest  # noqa: E402

PLAN = CommissionPlan.from_dict(json.loads((SERVICE / "plan.json").read_text(encoding="utf-8")))
MODEL = json.loads((SERVICE / "model.json").read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn app:app --app-dir examples/service`` on 127.0.0.1, started and stopped here."""

    def __init__(self, db: str, log: Path) -> None:
        self.db = db
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self, *, workers: int = 1) -> Server:
        self.port = _free_port()
        env = {
            **os.environ,
            "PRIVTRAFFIC_DB": self.db,
            "PRIVTRAFFIC_PLAN": str(SERVICE / "plan.json"),
        }
        command = [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(SERVICE)]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        if workers > 1:
            command += ["--workers", str(workers)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        client = loadtest.Client("127.0.0.1", self.port, timeout=5.0)
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited:\n{self.log.read_text()}")
            try:
                if client.request("GET", "/health", None)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the server did not answer within 60 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> loadtest.Client:
        return loadtest.Client("127.0.0.1", self.port, timeout=30.0)


@pytest.fixture
def sqlite_server(tmp_path: Path):
    server = Server(str(tmp_path / "shop.sqlite"), tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def _postgres_url(pg: PgServer) -> str:
    """A postgresql:// URL for a fresh database on the session's server (a unix socket)."""
    dsn = dict(part.split("=", 1) for part in pg.new_database().split())
    return (
        f"postgresql://{dsn['user']}@/{dsn['dbname']}?host={quote(dsn['host'], safe='')}"
        f"&port={dsn['port']}"
    )


def _ok(client: loadtest.Client, method: str, path: str, body: Any = None) -> Any:
    status, payload = client.request(method, path, body)
    assert status == 200, (path, body, payload)
    return payload


def _refused(client: loadtest.Client, path: str, body: Any, method: str = "POST") -> Any:
    status, payload = client.request(method, path, body)
    assert status == 422, (path, body, status, payload)
    return payload


def _message(call: Any) -> str:
    """What the library says when ``call()`` refuses its input."""
    with pytest.raises(PrivTrafficError) as info:
        call()
    assert isinstance(info.value, ValueError)  # bad input, so the service answers 422
    return str(info.value)


def _entries(ledger: Ledger, order_id: str) -> list[dict[str, Any]]:
    return [
        {
            "order_id": e.order_id,
            "beneficiary": e.beneficiary,
            "level": e.level,
            "base": str(e.base),
            "rate": str(e.rate),
            "amount": str(e.amount),
            "currency": e.currency,
            "reason": e.reason,
        }
        for e in ledger.entries(order_id)
    ]


def test_the_commission_endpoints_answer_what_the_library_computes(sqlite_server, tmp_path):
    client = sqlite_server.client()
    reference = Ledger(PLAN)
    joins = [("alice", None), ("bob", "alice"), ("cy", "bob")]
    for who, upline in joins:
        body = {"distributor": who, "upline": upline, "at": "2025-01-01", "rank": 1}
        got = _ok(client, "POST", "/distributors", body)
        reference.record(DistributorJoined(who, upline, "2025-01-01", rank=1))
        assert got == {
            "distributor": who,
            "upline": upline,
            "at": "2025-01-01T00:00:00",
            "rank": 1,
            "has_rights": True,
        }
    order = {"order_id": "o1", "at": "2025-01-02T10:00", "amount": "99.99", "sharer": "cy"}
    got = _ok(client, "POST", "/orders", order)
    reference.record(OrderPlaced("o1", "2025-01-02T10:00", "99.99", "cy"))
    assert got == {"order_id": "o1", "entries": _entries(reference, "o1")}
    assert [e["amount"] for e in got["entries"]] == ["10.00", "5.00"]  # 10 % and 5 %, half up
    _ok(client, "POST", "/orders/o1/settle", {"at": "2025-01-03"})
    reference.record(OrderSettled("o1", "2025-01-03"))
    refund = {"refund_id": "r1", "order_id": "o1", "at": "2025-01-05", "amount": "33.33"}
    got = _ok(client, "POST", "/refunds", refund)
    reference.record(Refund("r1", "o1", "2025-01-05", "33.33"))
    assert got["entries"] == _entries(reference, "o1") and got["amount"] == "33.33"
    for who, _ in joins:
        for as_of in (None, "2025-01-04", "2025-02-01"):
            query = "" if as_of is None else f"?as_of={as_of}"
            got = _ok(client, "GET", f"/distributors/{who}/balance{query}")
            want = reference.balance(who, as_of)
            assert got == {
                "distributor": who,
                "currency": "CNY",
                "as_of": as_of,
                "pending": str(want.pending),
                "payable": str(want.payable),
                "paid": str(want.paid),
                "clawback": str(want.clawback_due),
            }
    # the store the service wrote is a ledger the library opens, holding each event once
    stored = Ledger.open(SQLiteLedgerStore(tmp_path / "shop.sqlite"))
    assert stored.events == reference.events


def test_the_clv_endpoint_predicts_with_the_demo_model(sqlite_server):
    client = sqlite_server.client()
    bg = BetaGeo.from_json(json.dumps(MODEL["transaction_model"]))
    gg = GammaGamma.from_json(json.dumps(MODEL["spend_model"]))
    horizon = MODEL["horizon_months"] * (365.25 / 12) / MODEL["unit_days"]
    for f, r, t, m in [(0, 0.0, 38.86, 0.0), (2, 30.43, 38.86, 35.0), (7, 35.0, 36.0, 12.5)]:
        got = _ok(
            client, "POST", "/clv", {"frequency": f, "recency": r, "T": t, "monetary_value": m}
        )
        value = customer_lifetime_value(
            bg, gg, [f], [r], [t], [m], horizon=12, discount_rate=0.01, unit=MODEL["unit_days"]
        )
        # the service takes the scalar path; it equals the batch path to 1e-12 relative
        # (tests/test_clv_scalar.py), not necessarily to the last bit
        assert got == {
            "probability_alive": pytest.approx(
                float(bg.probability_alive([f], [r], [t])[0]), rel=1e-12
            ),
            "expected_purchases": pytest.approx(
                float(bg.expected_purchases(horizon, [f], [r], [t])[0]), rel=1e-12
            ),
            "horizon_months": 12,
            "clv": pytest.approx(float(value[0]), rel=1e-12),
        }
    # the committed model is the one make_model.py fits (parameters, not a stale blob)
    import make_model

    fresh = make_model.fitted()
    for part in ("transaction_model", "spend_model"):
        for name, value in fresh[part]["params"].items():  # type: ignore[index]
            assert MODEL[part]["params"][name] == pytest.approx(value, rel=1e-6)


def test_tiers_are_kept_in_the_database_across_restarts(tmp_path):
    machine = relationship_ladder()
    events = [
        ("connect", "2025-01-01", 0.0, None),
        ("purchase", "2025-01-02", 99.0, "p1"),
        ("purchase", "2025-01-02", 99.0, "p1"),  # a retry: the same event
        ("review", "2025-01-03", 0.0, None),
        ("purchase", "2025-01-20", 50.0, "p2"),
        ("interact", "2025-06-01", 0.0, None),  # the purchases have left the 90-day window
    ]
    server = Server(str(tmp_path / "shop.sqlite"), tmp_path / "server.log")
    state = machine.new_state("u1")
    try:
        for i, (kind, at, value, eid) in enumerate(events):
            if i in (0, 3):  # a restart: the states live in the database, not the process
                server.stop()
                server.start()
            state = machine.step(state, Event(kind, at, value, eid))
            got = _ok(
                server.client(),
                "POST",
                "/users/u1/events",
                {"kind": kind, "at": at, "value": value, "event_id": eid},
            )
            assert got["tier"] == state.tier
            assert got["transitions"] == [t.to_dict() for t in state.transitions]
            assert got["repeat"] == (i == 2)
        assert state.tier == "member"
        # another user is another row
        got = _ok(server.client(), "POST", "/users/u2/events", {"kind": "join", "at": "2025-01-01"})
        assert got["tier"] == "member" and got["repeat"] is False
    finally:
        server.stop()


def test_bad_input_is_refused_with_the_librarys_message(sqlite_server):
    client = sqlite_server.client()
    _ok(client, "POST", "/distributors", {"distributor": "bob", "upline": None, "at": "2025-01-01"})
    order = {"order_id": "o1", "at": "2025-01-02", "amount": "10.00", "sharer": "bob"}
    _ok(client, "POST", "/orders", order)
    reference = Ledger(PLAN).record(
        DistributorJoined("bob", None, "2025-01-01"),
        OrderPlaced("o1", "2025-01-02", "10.00", "bob"),
    )
    bg = BetaGeo.from_json(json.dumps(MODEL["transaction_model"]))
    machine = relationship_ladder()
    cases = [
        (
            "/orders",
            {**order, "order_id": "o2", "amount": 9.99},
            lambda: OrderPlaced("o2", "2025-01-02", 9.99, "bob"),
        ),
        (
            "/orders",
            {**order, "order_id": "o2", "amount": "1.005"},
            lambda: reference.record(OrderPlaced("o2", "2025-01-02", "1.005", "bob")),
        ),
        (
            "/orders",
            {**order, "order_id": "o2", "sharer": "zed"},
            lambda: reference.record(OrderPlaced("o2", "2025-01-02", "10.00", "zed")),
        ),
        (
            "/orders",
            {**order, "at": "yesterday"},
            lambda: OrderPlaced("o1", "yesterday", "10.00", "bob"),
        ),
        (
            "/orders",
            {**order, "amount": "12.00"},  # the id re-used with other content
            lambda: reference.record(OrderPlaced("o1", "2025-01-02", "12.00", "bob")),
        ),
        (
            "/refunds",
            {"refund_id": "r1", "order_id": "o1", "at": "2025-01-03", "amount": "11.00"},
            lambda: reference.record(Refund("r1", "o1", "2025-01-03", "11.00")),
        ),
        (
            "/orders/o1/settle",
            {"at": "2025-01-01"},
            lambda: reference.record(OrderSettled("o1", "2025-01-01")),
        ),
        (
            "/distributors",
            {"distributor": "cy", "upline": "nobody", "at": "2025-01-01"},
            lambda: reference.record(DistributorJoined("cy", "nobody", "2025-01-01")),
        ),
        (
            "/clv",
            {"frequency": 2, "recency": 40.0, "T": 38.86, "monetary_value": 10.0},
            lambda: bg.probability_alive([2], [40.0], [38.86]),
        ),
        (
            "/clv",
            {"frequency": "2", "recency": 1.0, "T": 38.86, "monetary_value": 10.0},
            lambda: bg.probability_alive(["2"], [1.0], [38.86]),
        ),
        (
            "/users/u1/events",
            {"kind": "unfollow", "at": "2025-01-01"},
            lambda: machine.step(machine.new_state("u1"), Event("unfollow", "2025-01-01")),
        ),
        (
            "/users/u1/events",
            {"kind": "purchase", "at": "2025-01-01", "value": "9.9"},
            lambda: machine.step(machine.new_state("u1"), Event("purchase", "2025-01-01", "9.9")),
        ),
    ]
    for path, body, call in cases:
        got = _refused(client, path, body)
        assert got["detail"] == _message(call), path
    got = _refused(client, "/distributors/zed/balance", None, method="GET")
    assert got["detail"] == _message(lambda: reference.balance("zed"))
    got = _refused(client, "/distributors/bob/balance?as_of=soon", None, method="GET")
    assert got["detail"] == _message(lambda: reference.balance("bob", "soon"))
    # a later event for a user, then an earlier one: step's TransitionNotAllowed
    _ok(client, "POST", "/users/u1/events", {"kind": "join", "at": "2025-02-01"})
    later = machine.step(machine.new_state("u1"), Event("join", "2025-02-01"))
    got = _refused(client, "/users/u1/events", {"kind": "purchase", "at": "2025-01-01"})
    assert got["error"] == "TransitionNotAllowed"
    assert got["detail"] == _message(lambda: machine.step(later, Event("purchase", "2025-01-01")))
    # what is not a request at all: missing fields, not JSON, an id that is not a string
    assert _refused(client, "/orders", {"order_id": "o3"})["detail"][0]["type"] == "missing"
    status, _ = client.request("POST", "/clv", None)
    assert status == 422
    got = _refused(client, "/orders", {**order, "order_id": 3})
    assert got["detail"] == "'order_id' must be a non-empty string id (got 3)"
    # none of it was recorded
    assert _ok(client, "GET", "/distributors/bob/balance")["pending"] == "1.00"


def test_retried_requests_with_the_same_ids_change_nothing(sqlite_server):
    client = sqlite_server.client()
    calls = [
        ("/distributors", {"distributor": "amy", "upline": None, "at": "2025-01-01"}),
        ("/orders", {"order_id": "o1", "at": "2025-01-02", "amount": "80.00", "sharer": "amy"}),
        ("/orders/o1/settle", {"at": "2025-01-03"}),
        ("/refunds", {"refund_id": "r1", "order_id": "o1", "at": "2025-01-04", "amount": "20.00"}),
    ]
    for path, body in calls:
        first = _ok(client, "POST", path, body)
        assert _ok(client, "POST", path, body) == first
    for path, body in calls:  # all again, later
        _ok(client, "POST", path, body)
    balance = _ok(client, "GET", "/distributors/amy/balance?as_of=2025-03-01")
    assert Decimal(balance["payable"]) == Decimal("6.00")  # 10 % of 60.00, once


def _load(server: Server, **sizes: Any) -> loadtest.Report:
    report = loadtest.run(server.url, time_limit=90.0, **sizes)
    print("\n".join(report.lines()))  # the numbers, in the test log
    assert report.ok, "\n".join(report.lines())
    assert report.retries > 0 and report.balances_checked > 0
    return report


def test_load_with_retries_keeps_every_balance_exact_sqlite(tmp_path):
    """8 client threads against two server processes writing one SQLite file."""
    server = Server(str(tmp_path / "shop.sqlite"), tmp_path / "server.log").start(workers=2)
    try:
        report = _load(server, threads=8, distributors=20, orders=150, seed=3)
    finally:
        server.stop()
    stored = Ledger.open(SQLiteLedgerStore(tmp_path / "shop.sqlite"))
    assert len(stored.events) == report.events  # nothing lost, nothing doubled


def test_load_with_retries_keeps_every_balance_exact_postgres(pg_server, tmp_path):  # noqa: F811
    pytest.importorskip("psycopg")
    from privtraffic.commission import PostgresLedgerStore

    url = _postgres_url(pg_server)
    server = Server(url, tmp_path / "server.log").start()
    try:
        report = _load(server, threads=8, distributors=20, orders=150, seed=4)
        got = _ok(server.client(), "POST", "/users/u9/events", {"kind": "join", "at": "2025-01-01"})
        assert got["tier"] == "member"
    finally:
        server.stop()
    stored = Ledger.open(PostgresLedgerStore(url))
    assert len(stored.events) == report.events
