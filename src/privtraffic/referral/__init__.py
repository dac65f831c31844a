"""Referral graphs, KOC scoring and customer referral value.

Build a :class:`ReferralGraph` from a referral log (attribution rules, cycle checks and a report
of every claim not applied), then score every user from the orders with
:meth:`ReferralGraph.koc_scores`: downline counts and values, depth-decayed network value,
PageRank-style influence, a KOC score with the KOC and potential-KOC flags. Value word of mouth
with :func:`customer_referral_value` (Kumar, Petersen & Leone) and place customers in the
CLV × CRV quadrant with :func:`value_quadrant`; screen the log with :func:`fraud_flags`.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["ann", "ann", "bob"], ["bob", "cy", "dee"])
>>> t = g.koc_scores(["ann", "ann", "bob", "dee"], [30.0, 20.0, 15.0, 10.0])
>>> t["descendants"].tolist(), t["is_koc"].tolist()
([3, 1, 0, 0], [True, False, False, False])
"""

from privtraffic.referral.aggregates import DownlineAggregates, downline_aggregates
from privtraffic.referral.attribution import AttributionRule, RejectedClaims
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
    "customer_referral_value",
    "downline_aggregates",
    "fraud_flags",
    "influence",
    "koc_scores",
    "network_value",
    "value_quadrant",
]
