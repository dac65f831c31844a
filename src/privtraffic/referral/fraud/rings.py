"""Ring detector: accounts whose referral claims point at each other.

A *ring* is a reciprocal pair (``a`` claimed ``b`` and ``b`` claimed ``a``) or a cycle rejected
when the graph was built (``on_invalid="report"``, code
:attr:`~privtraffic.referral.RejectionReason.CYCLE`). Claims that were not applied count: they
are in ``graph.rejected``, and only missing-id and self-referral rows are left out (read from the
code column, never from the text). When order times are given, a pair or cycle is a ring only if
every referrer on it has an order within ``ring_minutes`` of an order of the account it
referred — accounts referring each other's purchases within minutes.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["a", "b", "c"], ["b", "a", "d"], on_invalid="report")
>>> [(g.users[s.members].tolist(), s.reason) for s in ring_signals(g)]
[(['a', 'b'], "reciprocal referral claims 'a' <-> 'b'")]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from privtraffic.errors import InvalidInputError
from privtraffic.referral.attribution import RejectionReason, _cycle_text
from privtraffic.referral.fraud.signals import FraudSignal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.referral.graph import ReferralGraph

__all__ = ["ring_signals"]


def _claim_pairs(graph: ReferralGraph) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(referrer, referee) positions of every claim: the applied edges, then the rejected."""
    child = np.flatnonzero(graph.parent >= 0)
    src, dst = [graph.parent[child]], [child]
    rej = graph.rejected
    ok = (rej.code != RejectionReason.MISSING_ID) & (rej.code != RejectionReason.SELF_REFERRAL)
    if ok.any():
        src.append(graph.index_of(rej.referrer[ok], "referrer"))
        dst.append(graph.index_of(rej.referee[ok], "referee"))
    return np.concatenate(src), np.concatenate(dst)


def _claim_groups(graph: ReferralGraph) -> list[tuple[list[int], str]]:
    """The reciprocal pairs and the rejected cycles of length > 2, as (members, label)."""
    n = graph.n_users
    src, dst = _claim_pairs(graph)
    key = src * n + dst
    recip = np.isin(dst * n + src, key) & (src < dst)
    groups: list[tuple[list[int], str]] = []
    for a, b in zip(src[recip].tolist(), dst[recip].tolist(), strict=True):
        label = (
            f"reciprocal referral claims {graph.users[a].item()!r} <-> {graph.users[b].item()!r}"
        )
        groups.append(([a, b], label))
    rej = graph.rejected
    for r in np.flatnonzero(rej.code == RejectionReason.CYCLE).tolist():
        # the claim referrer -> referee closed the cycle; the rest of it is still applied:
        # walk up from the referrer to the referee
        pair = np.asarray([rej.referrer[r], rej.referee[r]])
        closer, closed = graph.index_of(pair, "claim").tolist()
        members, v = [closed], closer
        while v >= 0 and v != closed and len(members) <= n:
            members.insert(1, v)
            v = int(graph.parent[v])
        if len(members) > 2:  # a 2-cycle is a reciprocal pair, found above
            groups.append((members, f"referral cycle {_cycle_text(graph.users, members)}"))
    return groups


def _min_gap_seconds(ta: NDArray[np.int64], tb: NDArray[np.int64]) -> float:
    """The smallest time between an order in ``ta`` and one in ``tb`` (both sorted)."""
    if not ta.size or not tb.size:
        return np.inf
    pos = np.searchsorted(tb, ta)
    lo = np.abs(ta - tb[np.maximum(pos - 1, 0)])
    hi = np.abs(tb[np.minimum(pos, tb.size - 1)] - ta)
    return float(np.minimum(lo, hi).min())


def ring_signals(
    graph: ReferralGraph,
    order_index: NDArray[np.int64] | None = None,
    order_at: NDArray[np.datetime64] | None = None,
    *,
    ring_minutes: float = 10.0,
) -> list[FraudSignal]:
    """Reciprocal claims and rejected cycles, optionally only those buying within minutes.

    Parameters
    ----------
    graph : ReferralGraph
        Built with ``on_invalid="report"`` to see the cycles.
    order_index : numpy.ndarray, optional
        Position in ``graph.users`` of each order's buyer, ``-1`` for buyers outside the graph
        (``graph.index_of(users, missing="mark")``).
    order_at : numpy.ndarray, optional
        ``datetime64`` time of each order, aligned with ``order_index``. With it, a pair or
        cycle is flagged only when every referrer on it has an order within ``ring_minutes``
        of an order of the account it referred.
    ring_minutes : float
        Largest gap between a referrer's and their referee's orders on a ring, >= 0.

    Returns
    -------
    list of FraudSignal
        ``flag="ring"``: the reciprocal pairs in claim order, then the cycles in log order.

    Raises
    ------
    InvalidInputError
        ``ring_minutes`` negative.

    Examples
    --------
    >>> import numpy as np
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges(["a", "b"], ["b", "a"], on_invalid="report")
    >>> at = np.array(["2024-01-01T10:00", "2024-01-01T10:03"], dtype="datetime64[s]")
    >>> [s.reason for s in ring_signals(g, g.index_of(["a", "b"]), at)]
    ["reciprocal referral claims 'a' <-> 'b', purchases within 10 minutes"]
    >>> ring_signals(g, g.index_of(["a", "b"]), at, ring_minutes=2)
    []
    """
    if not ring_minutes >= 0:
        raise InvalidInputError(f"'ring_minutes' must be >= 0 (got {ring_minutes!r})")
    groups = _claim_groups(graph)
    ord_u = ord_t = None
    if order_index is not None and order_at is not None:
        inside = order_index >= 0
        u = order_index[inside]
        t = order_at[inside].astype("datetime64[s]").astype(np.int64)
        srt = np.lexsort((t, u))  # orders grouped by user, by time within a user
        ord_u, ord_t = u[srt], t[srt]
    window_s = ring_minutes * 60.0
    signals = []
    for members, label in groups:
        if ord_u is not None and ord_t is not None:
            k = len(members)
            ring_ok = True
            for j in range(k if k > 2 else 1):
                a, b = members[j], members[(j + 1) % k]
                ta = ord_t[np.searchsorted(ord_u, a) : np.searchsorted(ord_u, a, "right")]
                tb = ord_t[np.searchsorted(ord_u, b) : np.searchsorted(ord_u, b, "right")]
                if _min_gap_seconds(ta, tb) > window_s:
                    ring_ok = False
                    break
            if not ring_ok:
                continue
            label += f", purchases within {ring_minutes:g} minutes"
        signals.append(FraudSignal("ring", members, label))
    return signals
