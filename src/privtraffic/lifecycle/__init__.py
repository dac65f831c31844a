"""Relationship tiers: a declarative, time-aware tier engine and the industry's ladders.

A :class:`Machine` lists tiers from shallow to deep with the conditions (counts, sums, active
days and latest values of event kinds in rolling windows; sticky flags) that put a user in each.
The tier as of a time is the deepest tier whose condition holds then. Run a machine three ways,
which always agree: :meth:`Machine.classify` for a whole population (vectorised),
:meth:`Machine.replay` for one user's history with every transition, and :meth:`Machine.step`
for a live service (pure; states serialise to JSON).

Examples
--------
>>> from privtraffic.lifecycle import relationship_ladder
>>> m = relationship_ladder(window_days=90)
>>> m.tiers
('basic', 'member', 'buyer', 'repeat_buyer', 'koc')
>>> r = m.classify(["u1", "u1", "u2"], ["purchase", "purchase", "connect"],
...                ["2024-01-01", "2024-02-01", "2024-02-03"], as_of="2024-03-01")
>>> dict(zip(r.users.tolist(), r.tiers))
{'u1': 'repeat_buyer', 'u2': 'basic'}
"""

from privtraffic.lifecycle.classify import TierTable, classify
from privtraffic.lifecycle.conditions import (
    AllOf,
    AnyOf,
    Ever,
    Fact,
    Ratio,
    Threshold,
    count,
    distinct_days,
    ever,
    latest,
    total,
)
from privtraffic.lifecycle.flows import TransitionMatrix, transition_matrix
from privtraffic.lifecycle.machine import Machine, Tier
from privtraffic.lifecycle.mermaid import to_mermaid
from privtraffic.lifecycle.presets import (
    DistributorRights,
    aipl,
    distribution_rights,
    distributor_qualification,
    membership_lifecycle,
    merchant_level,
    relationship_ladder,
)
from privtraffic.lifecycle.replay import Event, Replay, TierState, Transition, replay

__all__ = [
    "AllOf",
    "AnyOf",
    "DistributorRights",
    "Event",
    "Ever",
    "Fact",
    "Machine",
    "Ratio",
    "Replay",
    "Threshold",
    "Tier",
    "TierState",
    "TierTable",
    "Transition",
    "TransitionMatrix",
    "aipl",
    "classify",
    "count",
    "distinct_days",
    "distribution_rights",
    "distributor_qualification",
    "ever",
    "latest",
    "membership_lifecycle",
    "merchant_level",
    "relationship_ladder",
    "replay",
    "to_mermaid",
    "total",
    "transition_matrix",
]
