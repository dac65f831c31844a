"""A synthetic private domain with known ground truth, for demos, examples, tests and benchmarks.

Examples
--------
>>> import numpy as np
>>> from privtraffic.simulate import simulate_private_domain
>>> world = simulate_private_domain(1000, days=90, rng=np.random.default_rng(0))
>>> world.users.to_pandas().shape
(1000, 8)
"""

from __future__ import annotations

from privtraffic.simulate.world import (
    OWNED_CHANNELS,
    PUBLIC_CHANNELS,
    Events,
    Orders,
    PrivateDomain,
    Referrals,
    Refunds,
    SimulationTruth,
    Users,
    simulate_private_domain,
)

__all__ = [
    "OWNED_CHANNELS",
    "PUBLIC_CHANNELS",
    "Events",
    "Orders",
    "PrivateDomain",
    "Referrals",
    "Refunds",
    "SimulationTruth",
    "Users",
    "simulate_private_domain",
]
