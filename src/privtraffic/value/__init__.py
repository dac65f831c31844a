"""Private-domain value: the three-factor identity, its exact decomposition, concentration.

Private-domain value = traffic pool × fan-conversion ability × fan monetisation rate.

What lives here:

- :mod:`~privtraffic.value.decomposition`: :func:`three_factors` (counts -> the identity's
  factors), :func:`decompose` (the change between two periods split into the three factors'
  contributions with no residual, LMDI, overall or by channel / tier), its result
  :class:`ValueDecomposition` and the per-group table :class:`GroupContributions`, and the
  :func:`logarithmic_mean` behind it.
- :mod:`~privtraffic.value.concentration`: how concentrated value is: :func:`gini`,
  :func:`lorenz`, :func:`top_share`, and :func:`concentration`, the 80/20 table per group
  (:class:`Concentration`).
- :mod:`~privtraffic.value.customer_value`: :func:`total_customer_value` adds CLV and customer
  referral value and places each customer in the CLV × CRV quadrant
  (:class:`TotalCustomerValue`).
- :mod:`~privtraffic.value.acquisition`: :func:`value_by_channel`, the expected value of a
  newly acquired customer per acquisition channel from covariate CLV models
  (:class:`ChannelValue`).
- :mod:`~privtraffic.value.fit`: :func:`fit_assessment` scores whether a business suits a
  private domain (:class:`FitScorecard` of :class:`FitLine`, with the cut-offs in
  :class:`FitThresholds`).

Every per-row result is a privtraffic table (``t["column"]``, ``to_dict()``,
``to_pandas()``).

Examples
--------
>>> from privtraffic.value import concentration, decompose, gini
>>> parts = decompose(pool=(1000, 1100), conversion=(0.2, 0.25), monetization=(80, 75))
>>> round(sum(parts.values()) - (1100 * 0.25 * 75 - 1000 * 0.2 * 80), 9)
0.0
>>> round(gini([10, 20, 30, 40]), 4)
0.25
>>> concentration([10, 20, 30, 40], shares=(0.5,))["top_0.5"].tolist()
[0.7]
"""

from __future__ import annotations

from privtraffic.value.acquisition import ChannelValue, value_by_channel
from privtraffic.value.concentration import Concentration, concentration, gini, lorenz, top_share
from privtraffic.value.customer_value import TotalCustomerValue, total_customer_value
from privtraffic.value.decomposition import (
    GroupContributions,
    ValueDecomposition,
    decompose,
    logarithmic_mean,
    three_factors,
)
from privtraffic.value.fit import FitLine, FitScorecard, FitThresholds, fit_assessment

__all__ = [
    "ChannelValue",
    "Concentration",
    "FitLine",
    "FitScorecard",
    "FitThresholds",
    "GroupContributions",
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
    "value_by_channel",
]
