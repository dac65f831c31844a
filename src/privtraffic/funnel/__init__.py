"""Funnels: ordered steps with a completion window, per-step conversion, variant comparison.

The event columns are ``users, kinds, at`` (the names lifecycle and referral use too).

What lives here
---------------
``steps``
    :class:`Funnel` (the ordered steps and the window, checked when built) and
    :meth:`Funnel.analyze`, which counts how far each user gets; its result
    :class:`FunnelResult` is a table with one row per step (reached, conversion, overall,
    drop-off). Also :func:`end_to_end_rate` and :func:`split_step`, the arithmetic of a flow's
    step rates.
``comparison``
    :func:`compare_proportions`, the two-proportion z-test with Wilson and Wald intervals, and
    :func:`compare_variants`, which applies it to two :class:`FunnelResult` flows; both return
    a :class:`ProportionComparison`.

Examples
--------
>>> from privtraffic.funnel import Funnel, compare_variants
>>> f = Funnel(["connect", "join", "purchase"], window=30)
>>> r = f.analyze(
...     users=["u1", "u1", "u1", "u2", "u2", "u3"],
...     kinds=["connect", "join", "purchase", "connect", "join", "connect"],
...     at=["2025-01-01", "2025-01-02", "2025-01-20", "2025-01-03", "2025-03-01", "2025-01-05"],
... )
>>> r.n_reached.tolist()
[3, 1, 1]
>>> r.to_dict()["drop_off"]
[0, 2, 0]
>>> round(compare_variants(r, r, step="join").p_value, 4)
1.0
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
