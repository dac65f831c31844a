"""Private-domain value: the three-factor identity, its exact decomposition, concentration.

Private-domain value = traffic pool × fan-conversion ability × fan monetisation rate.
:func:`decompose` splits the change between two periods into the three factors' contributions
with no residual (LMDI), overall or by channel / tier; :func:`gini`, :func:`lorenz`,
:func:`top_share` and :func:`concentration` measure how concentrated value is.

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
from privtraffic.value.decomposition import (
    ValueDecomposition,
    decompose,
    logarithmic_mean,
    three_factors,
)

__all__ = [
    "Concentration",
    "ValueDecomposition",
    "concentration",
    "decompose",
    "gini",
    "logarithmic_mean",
    "lorenz",
    "three_factors",
    "top_share",
]
