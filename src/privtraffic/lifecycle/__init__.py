"""Relationship tiers: a declarative, time-aware tier engine and the industry's ladders.

A :class:`Machine` lists tiers from shallow to deep with the conditions (counts, sums, active
days and latest values of event kinds in rolling windows; sticky flags) that put a user in each.
The tier as of a time is the deepest tier whose condition holds then. Run a machine three ways,
which always agree: :meth:`Machine.classify` for a whole population (vectorised),
:meth:`Machine.replay` for one user's history with every transition, and :meth:`Machine.step`
for a live service (pure; states serialise to JSON).

The event columns are ``users, kinds, at, values, event_ids`` (the names funnel and referral use
too); a DataFrame or mapping with columns of those names may stand in for them.

What lives here
---------------
``machine``
    :class:`Machine` and :class:`Tier`: the definition, checked when it is built
    (unreachable, unsatisfiable and dead-end tiers are refused), and the entry points.
``conditions``
    The facts (:func:`count`, :func:`total`, :func:`distinct_days`, :func:`latest`), the
    conditions built from them (:class:`Threshold`, :class:`Ratio`, :class:`AllOf`,
    :class:`AnyOf`, :func:`ever`) and :func:`~privtraffic.lifecycle.conditions.holds`, which
    evaluates a condition for one user or many.
``events``
    How the event columns are read (kind codes, times in seconds, values in millionths, one
    table in place of the columns), shared by ``classify`` and ``replay``.
``classify``
    :func:`classify` and its result :class:`TierTable`: the tier of every user as of a date.
``replay``
    One user at a time: :func:`replay`, ``step``, ``advance``, and the values they return
    (:class:`Event`, :class:`Transition`, :class:`TierState`, :class:`Replay`).
``flows``
    :func:`transition_matrix` between snapshots and :class:`TransitionMatrix` (Markov forecast,
    steady state).
``mermaid``
    :func:`to_mermaid`, a machine as a state diagram.
``presets``
    The industry's ladders as plain machines: :func:`relationship_ladder`, :func:`aipl`,
    :func:`membership_lifecycle`, :func:`merchant_level`, :func:`distributor_qualification`
    (with :func:`distribution_rights`).

Examples
--------
>>> from privtraffic.lifecycle import Event, relationship_ladder
>>> m = relationship_ladder(window_days=90)
>>> m.tiers
('basic', 'member', 'buyer', 'repeat_buyer', 'koc')
>>> r = m.classify(["u1", "u1", "u2"], ["purchase", "purchase", "connect"],
...                ["2024-01-01", "2024-02-01", "2024-02-03"], as_of="2024-03-01")
>>> dict(zip(r.users.tolist(), r.tiers))
{'u1': 'repeat_buyer', 'u2': 'basic'}
>>> m.step(m.new_state("u3"), Event("join", "2024-03-01")).tier
'member'
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
