"""Buy-till-you-die models of repeat buying and spend, and customer lifetime value.

Examples
--------
>>> from privtraffic.clv import BetaGeo
>>> from privtraffic.data import load_cdnow
>>> m = BetaGeo().fit(load_cdnow("summary"))
>>> round(m.params_["r"], 3)
0.243
"""

from privtraffic.clv._base import BTYDModel, ParameterSummary
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.mbgnbd import ModifiedBetaGeo

__all__ = [
    "BTYDModel",
    "BetaGeo",
    "ModifiedBetaGeo",
    "ParameterSummary",
]
