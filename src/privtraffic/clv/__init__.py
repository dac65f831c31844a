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
from privtraffic.clv.gammagamma import GammaGamma
from privtraffic.clv.mbgnbd import ModifiedBetaGeo
from privtraffic.clv.value import customer_lifetime_value

__all__ = [
    "BTYDModel",
    "BetaGeo",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParameterSummary",
    "customer_lifetime_value",
]
