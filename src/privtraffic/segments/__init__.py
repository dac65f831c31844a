"""Segments and tags: RFM scores, the standard RFM segment map, and explained tag rules.

What lives here:

- :mod:`~privtraffic.segments.rfm`: :func:`rfm_scores`, recency / frequency / monetary scores
  ``1..bins`` from quantiles (deterministic ties) or fixed edges, as the table
  :class:`RFMScores`.
- :mod:`~privtraffic.segments.rfm_map`: :class:`RFMSegmentMap`, a segment name for each cell of
  the recency × frequency grid (checked when built: every cell named once), and
  :data:`STANDARD_RFM_MAP`, the classic 10-segment map.
- :mod:`~privtraffic.segments.tags`: tag rules: :class:`Condition` (``"monetary >= 1000"``),
  :class:`TagRule` and :class:`TagSet` (checked when built), evaluated over all users at once
  into :class:`Tags`, a table with one boolean column per tag that explains each user's tags.

Examples
--------
>>> import numpy as np
>>> from privtraffic.segments import STANDARD_RFM_MAP, TagSet, rfm_scores
>>> rng = np.random.default_rng(0)
>>> s = rfm_scores(rng.integers(0, 365, 1000), rng.poisson(2, 1000), rng.gamma(2, 50, 1000))
>>> segments = STANDARD_RFM_MAP.assign(s)
>>> len(set(segments.tolist()))
10
>>> tags = TagSet({"vip": ["monetary >= 1000"]}).evaluate({"monetary": [1500, 20]})
>>> tags["vip"].tolist(), tags.explain(0)
([True, False], ['vip: monetary >= 1000 (monetary = 1500)'])
"""

from __future__ import annotations

from privtraffic.segments.rfm import RFMScores, rfm_scores
from privtraffic.segments.rfm_map import STANDARD_RFM_MAP, RFMSegmentMap
from privtraffic.segments.tags import Condition, TagRule, Tags, TagSet

__all__ = [
    "STANDARD_RFM_MAP",
    "Condition",
    "RFMScores",
    "RFMSegmentMap",
    "TagRule",
    "TagSet",
    "Tags",
    "rfm_scores",
]
