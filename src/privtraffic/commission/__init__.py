"""Distribution (分销) commissions: plans, the distributor network, exact splits, the ledger.

A :class:`CommissionPlan` says what each level earns; a :class:`DistributorNetwork` who is whose
upline; :func:`split_commission` gives one order's entries exactly and
:func:`compute_commissions` the same for millions of orders at once; :class:`Ledger` follows
commissions from pending to payable to paid through refunds and clawbacks.
:func:`compliance_report` lists which regulated features a plan comes near, with sources.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, DistributorNetwork, split_commission
>>> plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")
>>> net = DistributorNetwork.from_edges(["alice"], ["bob"])
>>> sum(e.amount for e in split_commission(plan, net, "o1", "0.07", "bob"))
Decimal('0.01')
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
from privtraffic.commission.events import OrderPlaced, OrderSettled, Payout, Refund
from privtraffic.commission.journal import Deltas, Posting
from privtraffic.commission.ledger import Ledger
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import CommissionEntry, split_commission
from privtraffic.commission.statement import Balance, Statement

__all__ = [
    "COMPLIANCE_MAX_LEVELS",
    "SOURCES",
    "Balance",
    "CommissionBatch",
    "CommissionEntry",
    "CommissionPlan",
    "ComplianceFinding",
    "ComplianceReport",
    "Deltas",
    "DistributorNetwork",
    "Ledger",
    "OrderPlaced",
    "OrderSettled",
    "Payout",
    "Posting",
    "Refund",
    "Statement",
    "compliance_report",
    "compute_commissions",
    "resolve_sharers",
    "split_commission",
]
