"""The industry's tier ladders, each a plain :class:`~privtraffic.lifecycle.machine.Machine`.

Examples
--------
>>> from privtraffic.lifecycle.presets import aipl, relationship_ladder
>>> relationship_ladder().tiers
('basic', 'member', 'buyer', 'repeat_buyer', 'koc')
>>> aipl().tiers
('awareness', 'interest', 'purchase', 'loyalty')
"""

from privtraffic.lifecycle.presets.aipl import aipl
from privtraffic.lifecycle.presets.distributor import (
    DistributorRights,
    distribution_rights,
    distributor_qualification,
)
from privtraffic.lifecycle.presets.ladder import relationship_ladder
from privtraffic.lifecycle.presets.membership import membership_lifecycle
from privtraffic.lifecycle.presets.merchant import merchant_level

__all__ = [
    "DistributorRights",
    "aipl",
    "distribution_rights",
    "distributor_qualification",
    "membership_lifecycle",
    "merchant_level",
    "relationship_ladder",
]
