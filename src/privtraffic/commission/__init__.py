"""Distribution (分销) commissions: plans, the distributor network, exact splits, the ledger.

A :class:`CommissionPlan` says what each level earns; a :class:`DistributorNetwork` who is whose
upline; :func:`split_commission` gives one order's entries exactly and
:func:`compute_commissions` the same for millions of orders at once; :class:`Ledger` follows
commissions from pending to payable to paid through refunds and clawbacks.
:func:`compliance_report` lists which regulated features a plan comes near, with sources.

The modules, each owning one thing (every function takes the structure first, then the data:
``split_commission(plan, network, order_id, ...)``, ``compute_commissions(plan, network,
orders)``):

``plan``
    :class:`CommissionPlan`, the rates, cap, rounding, holding period and limits, checked when
    it is built; :class:`PlanData`, its JSON form.
``network``
    :class:`DistributorNetwork`, uplines, ranks and rights as read-only arrays, with the id
    lookup (``index_of``, the one rule of :mod:`privtraffic._ids` for unknown ids);
    :class:`NetworkData`, its JSON form.
``split``
    :func:`split_commission` and :class:`CommissionEntry`: one order, in integer minor units,
    rounded by :func:`privtraffic.money.round_ratio` and split by
    :func:`privtraffic.money.allocate_minor`.
``batch``
    :func:`compute_commissions` and :class:`CommissionBatch` (a columnar table): the same rules
    over numpy columns, entry for entry equal to the per-order path.
``binding``
    :func:`resolve_sharers`: which distributor a buyer's order is credited to.
``events``
    :class:`OrderPlaced`, :class:`OrderSettled`, :class:`Refund`, :class:`Payout` and the
    network events :class:`DistributorJoined`, :class:`RightsGranted`, :class:`RightsRevoked`,
    :class:`RankChanged`, :class:`CustomerBound`: the frozen events a ledger is built from,
    and their JSON rows.
``journal``
    :class:`Posting` and :class:`Deltas`, the frozen lines of a ledger's journal, and the
    incremental fold that derives them from the events, one handler per kind of event.
``ledger``
    :class:`Ledger`: checks and records events (idempotently), reports balances and
    statements, reads and writes JSON lines.
``store``, ``store_sqlite``, ``store_postgres``
    :class:`LedgerStore`, the protocol of where a ledger keeps its events, and its two
    implementations :class:`SQLiteLedgerStore` and :class:`PostgresLedgerStore`.
``statement``
    :class:`Balance` and :class:`Statement`, what a distributor's account shows;
    :class:`Balances`, every distributor's balance (what ``Ledger.balances`` returns).
``compliance``
    :func:`compliance_report`, the regulated features a plan comes near, with the sources.

Money is exact throughout (:class:`~decimal.Decimal` or integer minor units) and is shown to a
person only through :func:`privtraffic.money.format_amount`.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, DistributorNetwork, split_commission
>>> plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")
>>> net = DistributorNetwork.from_edges(["alice"], ["bob"])
>>> sum(e.amount for e in split_commission(plan, net, "o1", "0.07", "bob"))
Decimal('0.01')
>>> compute_commissions(plan, net, {"order_id": ["o1"], "amount": ["0.07"], "sharer": ["bob"]})
CommissionBatch(2 entries from 1 orders, total CN¥0.01)
"""

from privtraffic.commission.batch import CommissionBatch, compute_commissions
from privtraffic.commission.binding import resolve_sharers
from privtraffic.commission.compliance import (
    COMPLIANCE_MAX_LEVELS,
    SOURCES,
    ComplianceFinding,
    ComplianceReport,
    compliance_report,
)
from privtraffic.commission.events import (
    CustomerBound,
    DistributorJoined,
    OrderPlaced,
    OrderSettled,
    Payout,
    RankChanged,
    Refund,
    RightsGranted,
    RightsRevoked,
)
from privtraffic.commission.journal import Deltas, Posting
from privtraffic.commission.ledger import Ledger
from privtraffic.commission.network import DistributorNetwork, NetworkData
from privtraffic.commission.plan import CommissionPlan, PlanData
from privtraffic.commission.split import CommissionEntry, split_commission
from privtraffic.commission.statement import Balance, Balances, Statement
from privtraffic.commission.store import LedgerStore
from privtraffic.commission.store_postgres import PostgresLedgerStore
from privtraffic.commission.store_sqlite import SQLiteLedgerStore

__all__ = [
    "COMPLIANCE_MAX_LEVELS",
    "SOURCES",
    "Balance",
    "Balances",
    "CommissionBatch",
    "CommissionEntry",
    "CommissionPlan",
    "ComplianceFinding",
    "ComplianceReport",
    "CustomerBound",
    "Deltas",
    "DistributorJoined",
    "DistributorNetwork",
    "Ledger",
    "LedgerStore",
    "NetworkData",
    "OrderPlaced",
    "OrderSettled",
    "Payout",
    "PlanData",
    "PostgresLedgerStore",
    "Posting",
    "RankChanged",
    "Refund",
    "RightsGranted",
    "RightsRevoked",
    "SQLiteLedgerStore",
    "Statement",
    "compliance_report",
    "compute_commissions",
    "resolve_sharers",
    "split_commission",
]
