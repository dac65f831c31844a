"""A synthetic private domain with known ground truth, for demos, examples, tests and benchmarks.

What lives here:

- :mod:`~privtraffic.simulate.config`: :class:`SimulationConfig`, every generating parameter
  in one frozen, validated value object (BG/NBD and Gamma-Gamma heterogeneity, channel mixes,
  referral, KOC and distributor shares, onboarding flows, review / refund rates), and the
  default channel mixes :data:`PUBLIC_CHANNELS` and :data:`OWNED_CHANNELS`.
- :mod:`~privtraffic.simulate.world`: :func:`simulate_private_domain`, the vectorised sampler,
  and the tables it returns inside a :class:`PrivateDomain`: :class:`Users`, :class:`Events`,
  :class:`Orders`, :class:`Referrals`, :class:`Refunds` (columnar tables with ``to_pandas()``)
  and the ground truth :class:`SimulationTruth`. Amounts are integer fen (``amount_fen``) with
  a float view in yuan for statistics (``amount_cny``).

Examples
--------
>>> import numpy as np
>>> from privtraffic.simulate import SimulationConfig, simulate_private_domain
>>> world = simulate_private_domain(1000, days=90, rng=np.random.default_rng(0))
>>> world.users.to_pandas().shape
(1000, 8)
>>> world.truth.config == SimulationConfig(n_users=1000, days=90)
True
"""

from __future__ import annotations

from privtraffic.simulate.config import OWNED_CHANNELS, PUBLIC_CHANNELS, SimulationConfig
from privtraffic.simulate.world import (
    CURRENCY,
    EVENT_KINDS,
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
    "CURRENCY",
    "EVENT_KINDS",
    "OWNED_CHANNELS",
    "PUBLIC_CHANNELS",
    "Events",
    "Orders",
    "PrivateDomain",
    "Referrals",
    "Refunds",
    "SimulationConfig",
    "SimulationTruth",
    "Users",
    "simulate_private_domain",
]
