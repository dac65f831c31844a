"""Segments and tags: RFM scores, the standard RFM segment map, and explained tag rules.

Examples
--------
>>> import numpy as np
>>> from privtraffic.segments import STANDARD_RFM_MAP, rfm_scores
>>> rng = np.random.default_rng(0)
>>> s = rfm_scores(rng.integers(0, 365, 1000), rng.poisson(2, 1000), rng.gamma(2, 50, 1000))
>>> segments = STANDARD_RFM_MAP.assign(s)
>>> len(set(segments.tolist()))
10
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
