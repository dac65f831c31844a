"""Burst detector: a referrer with many applied referrals within a short window.

A referrer with ``burst_count`` or more applied referrals within any window of ``burst_hours``
(closed, ending at one of the referrals) is flagged. It needs the share times of the log:
a graph built with ``at``.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["r", "r", "s"], ["x", "y", "z"],
...                              ["2024-01-01T10:00", "2024-01-01T11:00", "2024-01-02"])
>>> [(g.users[s.members].tolist(), s.reason) for s in burst_signals(g, burst_count=2)]
[(['r'], '2 referrals within 24 hours')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from privtraffic.errors import InvalidInputError
from privtraffic.referral.fraud.signals import FraudSignal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.referral.graph import ReferralGraph

__all__ = ["burst_signals"]


def burst_signals(
    graph: ReferralGraph, *, burst_count: int = 20, burst_hours: float = 24.0
) -> list[FraudSignal]:
    """Referrers with ``burst_count`` or more referrals within ``burst_hours``.

    Parameters
    ----------
    graph : ReferralGraph
        Built with the share times ``at``; without them there is nothing to check.
    burst_count : int
        Referrals within the window that make a burst, >= 1.
    burst_hours : float
        Width of the rolling window, > 0.

    Returns
    -------
    list of FraudSignal
        ``flag="burst"``, one per referrer in ``graph.users`` order, naming the largest number
        of referrals within one window; empty when the graph has no share times.

    Raises
    ------
    InvalidInputError
        ``burst_count < 1`` or ``burst_hours <= 0``.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> burst_signals(ReferralGraph.from_edges([1, 1], [2, 3]), burst_count=2)  # no times
    []
    """
    if not (burst_count >= 1 and burst_hours > 0):
        raise InvalidInputError(
            f"'burst_count' must be >= 1 and 'burst_hours' > 0 "
            f"(got {burst_count!r} and {burst_hours!r})"
        )
    if graph.referred_at is None:
        return []
    child = np.flatnonzero(graph.parent >= 0)
    if not child.size:
        return []
    ref = graph.parent[child]
    t = graph.referred_at[child].astype(np.int64)
    t = t - t.min()
    width = int(burst_hours * 3600)
    span = int(t.max()) + width + 1
    keys = np.sort(ref * span + t)  # by referrer, then by time
    start = np.searchsorted(keys, keys - width, side="left")
    count = np.arange(keys.size) - start + 1  # referrals in the window ending at each one
    hit = count >= burst_count
    if not hit.any():
        return []
    who = keys[hit] // span
    most = np.zeros(graph.n_users, dtype=np.int64)
    np.maximum.at(most, who, count[hit])
    return [
        FraudSignal("burst", [u], f"{int(most[u])} referrals within {burst_hours:g} hours")
        for u in np.unique(who).tolist()
    ]
