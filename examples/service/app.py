"""A commission, CLV and tier service on privtraffic: FastAPI + uvicorn, one process or many.

Start it with::

    PRIVTRAFFIC_DB=shop.sqlite PRIVTRAFFIC_PLAN=examples/service/plan.json \\
        uvicorn app:app --app-dir examples/service --host 127.0.0.1 --port 8000

``PRIVTRAFFIC_DB`` is a SQLite file (the default, ``privtraffic.sqlite``) or a
``postgresql://`` URL; ``PRIVTRAFFIC_PLAN`` the commission plan's JSON
(:meth:`CommissionPlan.to_dict`, default ``plan.json`` beside this file);
``PRIVTRAFFIC_MODEL`` the CLV models' JSON (default ``model.json`` beside this file, written by
``make_model.py``). Every process keeps one of each of these, built at start-up and shared by
all request threads: the plan, the tier machine and the fitted models are immutable, and the
ledger serialises its own calls (with a store, any number of processes may write to it).

Endpoints (JSON in and out; money as decimal strings; ids are strings):

- ``POST /distributors`` ``{"distributor", "upline", "at", "rank"?, "has_rights"?}``
- ``POST /orders`` ``{"order_id", "at", "amount", "sharer", "buyer"?, "category"?}`` -> the
  order's commission entries
- ``POST /orders/{order_id}/settle`` ``{"at"}``
- ``POST /refunds`` ``{"refund_id", "order_id", "at", "amount"}`` -> the order's entries now
- ``GET /distributors/{distributor}/balance?as_of=`` -> pending, payable, paid, clawback
- ``POST /clv`` ``{"frequency", "recency", "T", "monetary_value"}`` -> P(alive), expected
  purchases over the horizon, CLV
- ``POST /users/{user}/events`` ``{"kind", "at", "value"?, "event_id"?}`` -> the user's tier
  after the event (the user's ``TierState`` is kept in the same database)
- ``GET /health``

A request the library refuses gets a 422 with the library's message (``{"error": "...",
"detail": "..."}``); a retried request with the same ids changes nothing and answers as the
first did; a database that fails answers 503.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from states import TierStates, changed

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
from privtraffic.commission import (
    CommissionEntry,
    CommissionPlan,
    DistributorJoined,
    Ledger,
    OrderPlaced,
    OrderSettled,
    PostgresLedgerStore,
    Refund,
    SQLiteLedgerStore,
)
from privtraffic.errors import InvalidInputError, LedgerStoreError, PrivTrafficError
from privtraffic.lifecycle import Event, Machine, relationship_ladder

HERE = Path(__file__).parent
DAYS_PER_MONTH = 365.25 / 12


class Service:
    """What one process keeps: the ledger on its store, the models, the machine, the states."""

    def __init__(self, db: str, plan_path: Path, model_path: Path) -> None:
        self.db = db
        self.plan = CommissionPlan.from_dict(json.loads(plan_path.read_text(encoding="utf-8")))
        if db.startswith(("postgresql://", "postgres://")):
            store: SQLiteLedgerStore | PostgresLedgerStore = PostgresLedgerStore(db)
        else:
            store = SQLiteLedgerStore(db)
        self.ledger = Ledger(self.plan, store=store)
        model = json.loads(model_path.read_text(encoding="utf-8"))
        self.purchases = BetaGeo.from_json(json.dumps(model["transaction_model"]))
        self.spend = GammaGamma.from_json(json.dumps(model["spend_model"]))
        self.unit_days = float(model["unit_days"])
        self.horizon_months = int(model["horizon_months"])
        self.discount_rate = float(model["discount_rate"])
        self.machine: Machine = relationship_ladder()
        self.states = TierStates(db, self.machine)

    def close(self) -> None:
        self.states.close()
        store = self.ledger.store
        if store is not None:
            store.close()


# --- request bodies: fields are passed to the library as they come, so that what it refuses
# --- is answered with its message (pydantic only checks that the required fields are there)


class DistributorIn(BaseModel):
    distributor: Any = Field(description="the distributor's id (a string)")
    upline: Any = Field(description="the upline's id, or null at the top")
    at: Any = Field(description="when they join: an ISO 8601 local date-time")
    rank: Any = 0
    has_rights: Any = True


class OrderIn(BaseModel):
    order_id: Any
    at: Any
    amount: Any = Field(description="the order amount as a decimal string, e.g. '99.90'")
    sharer: Any
    buyer: Any = None
    category: Any = None


class SettleIn(BaseModel):
    at: Any


class RefundIn(BaseModel):
    refund_id: Any
    order_id: Any
    at: Any
    amount: Any


class CustomerIn(BaseModel):
    frequency: Any
    recency: Any
    T: Any
    monetary_value: Any


class TierEventIn(BaseModel):
    kind: Any
    at: Any
    value: Any = 0.0
    event_id: Any = None


def _string_id(value: object, name: str) -> str:
    """Ids are strings in this service (an integer id would not survive a URL path)."""
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"'{name}' must be a non-empty string id (got {value!r})")
    return value


def _optional_string_id(value: object, name: str) -> str | None:
    return None if value is None else _string_id(value, name)


def _entry(e: CommissionEntry) -> dict[str, Any]:
    return {
        "order_id": e.order_id,
        "beneficiary": e.beneficiary,
        "level": e.level,
        "base": str(e.base),
        "rate": str(e.rate),
        "amount": str(e.amount),
        "currency": e.currency,
        "reason": e.reason,
    }


def create_app() -> FastAPI:
    """The application; the service is built when uvicorn starts it (the lifespan)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = os.environ.get("PRIVTRAFFIC_DB", "privtraffic.sqlite")
        plan = Path(os.environ.get("PRIVTRAFFIC_PLAN", HERE / "plan.json"))
        model = Path(os.environ.get("PRIVTRAFFIC_MODEL", HERE / "model.json"))
        app.state.service = Service(db, plan, model)
        try:
            yield
        finally:
            app.state.service.close()

    app = FastAPI(title="privtraffic example service", lifespan=lifespan)

    @app.exception_handler(PrivTrafficError)
    async def refused(request: Request, exc: PrivTrafficError) -> JSONResponse:
        status = 503 if isinstance(exc, LedgerStoreError) else 422
        if not isinstance(exc, (ValueError, LedgerStoreError)):
            status = 500  # the library failing on input it accepted: a bug, not bad input
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=status)

    def service(request: Request) -> Service:
        found: Service = request.app.state.service
        return found

    # The handlers are plain functions: FastAPI runs them in its thread pool, and the library's
    # calls are synchronous (the ledger holds its lock and its store's transaction meanwhile).

    @app.get("/health")
    def health(request: Request) -> dict[str, Any]:
        s = service(request)
        return {"status": "ok", "store": repr(s.ledger.store), "machine": s.machine.name}

    @app.post("/distributors")
    def add_distributor(body: DistributorIn, request: Request) -> dict[str, Any]:
        s = service(request)
        event = DistributorJoined(
            _string_id(body.distributor, "distributor"),
            _optional_string_id(body.upline, "upline"),
            body.at,
            has_rights=body.has_rights,
            rank=body.rank,
        )
        s.ledger.record(event)
        return {
            "distributor": event.distributor,
            "upline": event.upline,
            "at": str(event.at),
            "rank": event.rank,
            "has_rights": event.has_rights,
        }

    @app.post("/orders")
    def place_order(body: OrderIn, request: Request) -> dict[str, Any]:
        s = service(request)
        order_id = _string_id(body.order_id, "order_id")
        event = OrderPlaced(
            order_id,
            body.at,
            body.amount,
            _string_id(body.sharer, "sharer"),
            buyer=_optional_string_id(body.buyer, "buyer"),
            category=_optional_string_id(body.category, "category"),
        )
        s.ledger.record(event)
        return {"order_id": order_id, "entries": [_entry(e) for e in s.ledger.entries(order_id)]}

    @app.post("/orders/{order_id}/settle")
    def settle(order_id: str, body: SettleIn, request: Request) -> dict[str, Any]:
        s = service(request)
        event = OrderSettled(order_id, body.at)
        s.ledger.record(event)
        return {"order_id": order_id, "settled_at": str(event.at)}

    @app.post("/refunds")
    def refund(body: RefundIn, request: Request) -> dict[str, Any]:
        s = service(request)
        order_id = _string_id(body.order_id, "order_id")
        event = Refund(_string_id(body.refund_id, "refund_id"), order_id, body.at, body.amount)
        s.ledger.record(event)
        return {
            "refund_id": event.refund_id,
            "order_id": order_id,
            "amount": str(event.amount),
            "entries": [_entry(e) for e in s.ledger.entries(order_id)],
        }

    @app.get("/distributors/{distributor}/balance")
    def balance(distributor: str, request: Request, as_of: str | None = None) -> dict[str, Any]:
        b = service(request).ledger.balance(distributor, as_of)
        return {
            "distributor": b.distributor,
            "currency": b.currency,
            "as_of": as_of,
            "pending": str(b.pending),
            "payable": str(b.payable),
            "paid": str(b.paid),
            "clawback": str(b.clawback_due),
        }

    @app.post("/clv")
    def clv(body: CustomerIn, request: Request) -> dict[str, Any]:
        s = service(request)
        # one customer as numbers: the models' scalar path, with the rules and messages of
        # their batch path (a refused customer gets its 422 with the same words)
        f, r, t, m = body.frequency, body.recency, body.T, body.monetary_value
        if any(isinstance(v, (list, dict)) for v in (f, r, t, m)):
            f, r, t, m = [f], [r], [t], [m]  # not one customer: the library refuses it
        horizon = s.horizon_months * DAYS_PER_MONTH / s.unit_days  # in the model's time unit
        alive = s.purchases.probability_alive(f, r, t)
        expected = s.purchases.expected_purchases(horizon, f, r, t)
        value = customer_lifetime_value(
            s.purchases,
            s.spend,
            f,
            r,
            t,
            m,
            horizon=s.horizon_months,
            discount_rate=s.discount_rate,
            unit=s.unit_days,
        )
        return {
            "probability_alive": float(alive[0]),
            "expected_purchases": float(expected[0]),
            "horizon_months": s.horizon_months,
            "clv": float(value[0]),
        }

    @app.post("/users/{user}/events")
    def user_event(user: str, body: TierEventIn, request: Request) -> dict[str, Any]:
        s = service(request)
        event_id = _optional_string_id(body.event_id, "event_id")
        event = Event(body.kind, body.at, body.value, event_id)
        before, after = s.states.step(user, event)
        return {
            "user": user,
            "tier": after.tier,
            "at": None if after.time is None else str(after.time),
            "repeat": not changed(before, after),
            "transitions": [t.to_dict() for t in after.transitions],
        }

    return app


app = create_app()
