"""Referral graphs, KOC scoring, customer referral value and referral fraud flags.

Build a :class:`ReferralGraph` from a referral log (attribution rules, cycle checks and a report
of every claim not applied), score every user from the orders with :func:`koc_scores`, value
word of mouth with :func:`customer_referral_value` and screen the log with :func:`fraud_flags`.
Every function takes the graph first, then the order columns ``users`` (the buyer of each
order), ``values`` and ``at``.

What lives where:

* :mod:`~privtraffic.referral.graph` — :class:`ReferralGraph`: the forest as parent pointers,
  CSR children and depth levels, built from a log or networkx; the id lookup
  (:meth:`ReferralGraph.index_of`, built once per graph, one rule for unknown ids);
* :mod:`~privtraffic.referral.attribution` — :class:`AttributionRule` (first / last / unique
  touch, attribution window), the decision per claim, and :class:`RejectedClaims` with a
  :class:`RejectionReason` code and a text per claim not applied;
* :mod:`~privtraffic.referral.forest` — the integer-array algorithms: CSR children, depths by
  pointer jumping, level order, the bottom-up :func:`~privtraffic.referral.forest.downline_sum`;
* :mod:`~privtraffic.referral.aggregates` — :func:`downline_aggregates`: direct, converted and
  whole-downline counts and values;
* :mod:`~privtraffic.referral.decay` — :func:`network_value`: downline value decayed by
  generation;
* :mod:`~privtraffic.referral.influence` — :func:`influence`: PageRank / Katz-style reach,
  exact in one pass on the forest;
* :mod:`~privtraffic.referral.koc` — :func:`koc_scores` and :class:`KOCScores`: every score per
  user, the KOC and potential-KOC flags, leaderboards;
* :mod:`~privtraffic.referral.crv` — :func:`customer_referral_value` (Kumar, Petersen & Leone);
* :mod:`~privtraffic.referral.quadrant` — :func:`value_quadrant`: the CLV × CRV quadrant;
* :mod:`~privtraffic.referral.fraud` — :func:`fraud_flags` and :class:`FraudFlags`, with one
  module per detector (rings, shared devices / payment ids, bursts).

Examples
--------
>>> from privtraffic.referral import ReferralGraph, RejectionReason, fraud_flags, koc_scores
>>> g = ReferralGraph.from_edges(["ann", "ann", "bob", "cy"], ["bob", "cy", "dee", "dee"])
>>> t = koc_scores(g, ["ann", "ann", "bob", "dee"], [30.0, 20.0, 15.0, 10.0])
>>> t["descendants"].tolist(), t["is_koc"].tolist()
([3, 1, 0, 0], [True, False, False, False])
>>> g.rejected.code.tolist() == [RejectionReason.LATER_CLAIM], len(fraud_flags(g))
(True, 0)
"""

from privtraffic.referral.aggregates import DownlineAggregates, downline_aggregates
from privtraffic.referral.attribution import AttributionRule, RejectedClaims, RejectionReason
from privtraffic.referral.crv import customer_referral_value
from privtraffic.referral.decay import network_value
from privtraffic.referral.fraud import FraudFlags, fraud_flags
from privtraffic.referral.graph import ReferralGraph
from privtraffic.referral.influence import influence
from privtraffic.referral.koc import KOCScores, koc_scores
from privtraffic.referral.quadrant import QUADRANTS, value_quadrant

__all__ = [
    "QUADRANTS",
    "AttributionRule",
    "DownlineAggregates",
    "FraudFlags",
    "KOCScores",
    "ReferralGraph",
    "RejectedClaims",
    "RejectionReason",
    "customer_referral_value",
    "downline_aggregates",
    "fraud_flags",
    "influence",
    "koc_scores",
    "network_value",
    "value_quadrant",
]
