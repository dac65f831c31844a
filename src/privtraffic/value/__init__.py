"""Private-domain value: the three-factor identity, its exact decomposition, concentration.

Private-domain value = traffic pool × fan-conversion ability × fan monetisation rate.
:func:`decompose` splits the change between two periods into the three factors' contributions
with no residual (LMDI), overall or by channel / tier; :func:`gini`, :func:`lorenz`,
:func:`top_share` and :func:`concentration` measure how concentrated value is;
:func:`total_customer_value` adds CLV and customer referral value and places each customer in
the CLV × CRV quadrant; :func:`fit_assessment` scores whether a business suits a private domain.

Examples
--------
>>> from privtraffic.value import decompose, gini
>>> parts = decompose(pool=(1000, 1100), conversion=(0.2, 0.25), monetization=(80, 75))
>>> round(sum(parts.values()) - (1100 * 0.25 * 75 - 1000 * 0.2 * 80), 9)
0.0
>>> round(gini([10, 20, 30, 40]), 4)
0.25
"""

from __future__ import annotations

from privtraffic.value.concentration import Concentration, concentration, gini, lorenz, top_share
from privtraffic.value.customer_value import TotalCustomerValue, total_customer_value
from privtraffic.value.decomposition import (
    ValueDecomposition,
    decompose,
    logarithmic_mean,
    three_factors,
)
from privtraffic.value.fit import FitLine, FitScorecard, FitThresholds, fit_assessment

__all__ = [
    "Concentration",
    "FitLine",
    "FitScorecard",
    "FitThresholds",
    "TotalCustomerValue",
    "ValueDecomposition",
    "concentration",
    "decompose",
    "fit_assessment",
    "gini",
    "logarithmic_mean",
    "lorenz",
    "three_factors",
    "top_share",
    "total_customer_value",
]
