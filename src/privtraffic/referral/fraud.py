"""Referral fraud signals, reported per user as flags with reasons — never removed from the data.

Three signals, each switched on by the data it needs:

* **ring** — accounts whose referral claims point at each other: a reciprocal pair (``a``
  claimed ``b`` and ``b`` claimed ``a``) or a cycle rejected when the graph was built
  (``on_invalid="report"``). Claims that were not applied count: they are in
  ``graph.rejected``. When order times are given, a pair or cycle is flagged only if every
  referrer on it has an order within ``ring_minutes`` of an order of the account it referred —
  accounts referring each other's purchases within minutes.
* **shared_device** / **shared_payment** — one device (or payment instrument) id on the orders
  of ``shared_min_referees`` or more different *referred* users: the referees and their
  referrers are flagged.
* **burst** — a referrer with ``burst_count`` or more applied referrals within any
  ``burst_hours`` window (needs the share times ``at`` of the log).

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["a", "b", "c"], ["b", "a", "d"], on_invalid="report")
>>> f = fraud_flags(g)
>>> f.user.tolist(), f.ring.tolist()
(['a', 'b'], [True, True])
>>> str(f.reason[0])
"reciprocal referral claims 'a' <-> 'b'"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_datetime64, as_ids, check_same_length
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:
    from privtraffic.referral.graph import ReferralGraph

__all__ = ["FraudFlags", "fraud_flags"]

_CYCLE_PREFIX = "closes referral cycle "


@attrs.frozen(eq=False, repr=False)
class FraudFlags(ColumnarTable):
    """Flagged users (one row each, in ``graph.users`` order) with the signals that fired.

    Attributes
    ----------
    user : numpy.ndarray
        The flagged user ids.
    ring, shared_device, shared_payment, burst : numpy.ndarray
        ``bool``: which signals fired for the user.
    reason : numpy.ndarray
        Human-readable reasons, ``"; "``-separated.
    checked : tuple of str
        The signals that could be checked with the data given.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> f = fraud_flags(ReferralGraph.from_edges([1], [2]))
    >>> len(f), f.checked
    (0, ('ring',))
    """

    user: np.ndarray
    ring: np.ndarray
    shared_device: np.ndarray
    shared_payment: np.ndarray
    burst: np.ndarray
    reason: np.ndarray
    checked: tuple[str, ...] = ()


def _order_times(idx: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orders grouped by user: (sorted user index, times sorted within user, user start)."""
    srt = np.lexsort((times, idx))
    return idx[srt], times[srt], srt


def _min_gap_seconds(ta: np.ndarray, tb: np.ndarray) -> float:
    if not ta.size or not tb.size:
        return np.inf
    pos = np.searchsorted(tb, ta)
    lo = np.abs(ta - tb[np.maximum(pos - 1, 0)])
    hi = np.abs(tb[np.minimum(pos, tb.size - 1)] - ta)
    return float(np.minimum(lo, hi).min())


def _claim_pairs(graph: ReferralGraph) -> tuple[np.ndarray, np.ndarray]:
    child = np.flatnonzero(graph.parent >= 0)
    src, dst = [graph.parent[child]], [child]
    rej = graph.rejected
    if rej is not None and len(rej):
        ok = np.array([r not in ("missing id", "self-referral") for r in rej.reason.tolist()])
        if ok.any():
            a = graph.index_of(rej.referrer[ok].tolist(), "referrer")
            b = graph.index_of(rej.referee[ok].tolist(), "referee")
            src.append(a)
            dst.append(b)
    return np.concatenate(src), np.concatenate(dst)


def fraud_flags(
    graph: ReferralGraph,
    buyers: Any = None,
    at: Any = None,
    *,
    devices: Any = None,
    payments: Any = None,
    ring_minutes: float = 10.0,
    shared_min_referees: int = 3,
    burst_count: int = 20,
    burst_hours: float = 24.0,
) -> FraudFlags:
    """Flag rings, shared devices / payment ids and referral bursts (see the module notes).

    Parameters
    ----------
    graph : ReferralGraph
        Built with ``on_invalid="report"`` to see the cycles; built with the log's ``at`` to
        check bursts.
    buyers : array-like, optional
        Buyer id per order (needed for the device / payment signals and the ring timing).
    at : array-like, optional
        Order time per order: rings then need purchases within ``ring_minutes``.
    devices, payments : array-like, optional
        Device id / payment-instrument id per order, aligned with ``buyers``.
    ring_minutes : float
        Largest gap between a referrer's and their referee's orders on a ring.
    shared_min_referees : int
        A device or payment id on the orders of this many referred users is flagged.
    burst_count : int
        A referrer with this many referrals within ``burst_hours`` is flagged.
    burst_hours : float
        Width of the rolling burst window.

    Returns
    -------
    FraudFlags
        Only the users with at least one flag.

    Raises
    ------
    InvalidInputError
        Misaligned columns, ``devices``/``payments`` without ``buyers``, bad thresholds.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges(["r", "r", "r", "s"], ["x", "y", "z", "w"])
    >>> f = fraud_flags(g, ["x", "y", "z", "w"], devices=["d1", "d1", "d1", "d2"])
    >>> f.user.tolist(), f.shared_device.tolist()
    (['r', 'x', 'y', 'z'], [True, True, True, True])
    >>> str(f.reason[0])
    "device 'd1' on the orders of 3 referred users"
    """
    if ring_minutes < 0 or burst_hours <= 0 or shared_min_referees < 1 or burst_count < 1:
        raise InvalidInputError(
            "thresholds must be positive (ring_minutes >= 0, burst_hours > 0, "
            "shared_min_referees >= 1, burst_count >= 1)"
        )
    n = graph.n_users
    reasons: dict[int, list[str]] = {}
    flags = {k: np.zeros(n, dtype=bool) for k in ("ring", "shared_device", "shared_payment")}
    flags["burst"] = np.zeros(n, dtype=bool)
    checked = ["ring"]

    def add(users: Any, flag: str, text: str) -> None:
        for u in np.atleast_1d(users).tolist():
            flags[flag][u] = True
            reasons.setdefault(int(u), []).append(text)

    idx = times = None
    if buyers is not None:
        idx = graph.index_of(buyers, "buyers", missing="mark")
        if at is not None:
            times = as_datetime64(at, "at").astype(np.int64)
            check_same_length(buyers=idx, at=times)
    elif devices is not None or payments is not None or at is not None:
        raise InvalidInputError("'at', 'devices' and 'payments' describe orders: give 'buyers'")

    # --- rings: reciprocal claims and rejected cycles
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
    if rej is not None:
        for r in np.flatnonzero(np.char.startswith(rej.reason.astype(str), _CYCLE_PREFIX)):
            # the claim referrer -> referee closed the cycle; the rest of it is still applied:
            # walk up from the referrer to the referee
            closer, closed = graph.index_of([rej.referrer[r], rej.referee[r]], "claim")
            members, v = [int(closed)], int(closer)
            while v >= 0 and v != closed and len(members) <= n:
                members.insert(1, v)
                v = int(graph.parent[v])
            if len(members) > 2:  # a 2-cycle is a reciprocal pair, flagged above
                label = "referral cycle " + str(rej.reason[r])[len(_CYCLE_PREFIX) :]
                groups.append((members, label))
    ord_u = ord_t = None
    if idx is not None and times is not None:
        inside = idx >= 0
        ord_u, ord_t, _ = _order_times(idx[inside], times[inside])
    window_s = ring_minutes * 60.0
    for members, label in groups:
        if ord_u is not None and ord_t is not None:
            ring_ok = True
            k = len(members)
            for j in range(k if k > 2 else 1):
                u, w = members[j], members[(j + 1) % k]
                ta = ord_t[np.searchsorted(ord_u, u) : np.searchsorted(ord_u, u, "right")]
                tb = ord_t[np.searchsorted(ord_u, w) : np.searchsorted(ord_u, w, "right")]
                if _min_gap_seconds(ta, tb) > window_s:
                    ring_ok = False
                    break
            if not ring_ok:
                continue
            label += f", purchases within {ring_minutes:g} minutes"
        add(np.asarray(members), "ring", label)

    # --- one device / payment id behind many referees
    for column, flag, word in (
        (devices, "shared_device", "device"),
        (payments, "shared_payment", "payment id"),
    ):
        if column is None or idx is None:
            continue
        checked.append(flag)
        ids = as_ids(column, flag.replace("shared_", "") + "s")
        check_same_length(buyers=idx, **{flag: ids})
        referred = (idx >= 0) & (graph.parent[np.maximum(idx, 0)] >= 0)
        codes, code_of = np.unique(ids[referred], return_inverse=True)
        users = idx[referred]
        pairs = np.unique(np.column_stack([code_of, users]), axis=0)
        per_code = np.bincount(pairs[:, 0], minlength=codes.shape[0])
        for c in np.flatnonzero(per_code >= shared_min_referees).tolist():
            ree = pairs[pairs[:, 0] == c, 1]
            text = f"{word} {codes[c].item()!r} on the orders of {ree.size} referred users"
            add(np.unique(np.concatenate([ree, graph.parent[ree]])), flag, text)

    # --- bursts of referrals per referrer
    if graph.referred_at is not None:
        checked.append("burst")
        child = np.flatnonzero(graph.parent >= 0)
        ref = graph.parent[child]
        t = graph.referred_at[child].astype(np.int64)
        if child.size:
            t = t - t.min()
            span = int(t.max()) + int(burst_hours * 3600) + 1
            keys = np.sort(ref * span + t)
            start = np.searchsorted(keys, keys - int(burst_hours * 3600), side="left")
            count = np.arange(keys.size) - start + 1
            hit = count >= burst_count
            if hit.any():
                who = keys[hit] // span
                cnt = np.zeros(n, dtype=np.int64)
                np.maximum.at(cnt, who, count[hit])
                for u in np.unique(who).tolist():
                    add(
                        [u],
                        "burst",
                        f"{int(cnt[u])} referrals within {burst_hours:g} hours",
                    )

    flagged = np.array(sorted(reasons), dtype=np.int64)
    return FraudFlags(
        user=graph.users[flagged],
        ring=flags["ring"][flagged],
        shared_device=flags["shared_device"][flagged],
        shared_payment=flags["shared_payment"][flagged],
        burst=flags["burst"][flagged],
        reason=np.array(["; ".join(reasons[u]) for u in flagged.tolist()], dtype=str),
        checked=tuple(checked),
    )
