"""The industry's tier ladders, each a plain :class:`~privtraffic.lifecycle.machine.Machine`.

Each module builds one preset from the engine's public parts (``Machine``, ``Tier`` and the
conditions), with its thresholds and windows as parameters; the docstrings give the exact rules
and their sources.

What lives here
---------------
``ladder``
    :func:`relationship_ladder`: basic → member → buyer → repeat buyer → KOC (and
    ``LADDER_KINDS``, its event kinds).
``aipl``
    :func:`aipl`: Alibaba's awareness → interest → purchase → loyalty, a window per stage.
``membership``
    :func:`membership_lifecycle`: recruited → lapsed → activated → repurchasing → fission.
``merchant``
    :func:`merchant_level`: merchant operating levels 0/1/2, demoted only at scheduled
    refreshes.
``distributor``
    :func:`distributor_qualification` (distribution rights by three routes, then fan-group
    levels) and :func:`distribution_rights`, which turns its classification into the plain
    arrays of :class:`DistributorRights` for commission code.

Examples
--------
>>> from privtraffic.lifecycle.presets import aipl, relationship_ladder
>>> relationship_ladder().tiers
('basic', 'member', 'buyer', 'repeat_buyer', 'koc')
>>> aipl().tiers
('awareness', 'interest', 'purchase', 'loyalty')
>>> aipl().replay(["ad_impression", "view"], ["2024-01-01", "2024-01-03"]).tier
'interest'
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
