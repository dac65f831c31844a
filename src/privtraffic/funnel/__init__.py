"""Funnels: ordered steps with a completion window, per-step conversion, variant comparison.

Examples
--------
>>> from privtraffic.funnel import Funnel
>>> f = Funnel(["connect", "join", "purchase"], window=30)
>>> r = f.analyze(
...     users=["u1", "u1", "u1", "u2", "u2", "u3"],
...     events=["connect", "join", "purchase", "connect", "join", "connect"],
...     timestamps=["2025-01-01", "2025-01-02", "2025-01-20", "2025-01-03", "2025-03-01",
...                 "2025-01-05"],
... )
>>> r.n_reached.tolist()
[3, 1, 1]
"""

from __future__ import annotations

from privtraffic.funnel.comparison import (
    ProportionComparison,
    compare_proportions,
    compare_variants,
)
from privtraffic.funnel.steps import Funnel, FunnelResult, end_to_end_rate, split_step

__all__ = [
    "Funnel",
    "FunnelResult",
    "ProportionComparison",
    "compare_proportions",
    "compare_variants",
    "end_to_end_rate",
    "split_step",
]
