"""Buy-till-you-die models of repeat buying and spend, and customer lifetime value.

Transaction models: :class:`BetaGeo` (BG/NBD), :class:`ModifiedBetaGeo` (MBG/NBD),
:class:`ParetoNBD` and :class:`BetaGeoBetaBinom` (BG/BB, discrete time); spend model:
:class:`GammaGamma`; :func:`customer_lifetime_value` combines one of each. Every model shares
the estimator shell :class:`BTYDModel` (fitting, standard errors, :class:`ParameterSummary`,
JSON persistence).

Examples
--------
>>> from privtraffic.clv import BetaGeo
>>> from privtraffic.data import load_cdnow
>>> m = BetaGeo().fit(load_cdnow("summary"))
>>> round(m.params_["r"], 3)
0.243
"""

from privtraffic.clv._base import BTYDModel, ParameterSummary
from privtraffic.clv.bgbb import BetaGeoBetaBinom
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.gammagamma import GammaGamma
from privtraffic.clv.mbgnbd import ModifiedBetaGeo
from privtraffic.clv.paretonbd import ParetoNBD
from privtraffic.clv.value import customer_lifetime_value

__all__ = [
    "BTYDModel",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParameterSummary",
    "ParetoNBD",
    "customer_lifetime_value",
]
