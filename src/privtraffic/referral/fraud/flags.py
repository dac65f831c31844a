"""Referral fraud flags: every detector's signals, one row per flagged user, never removing data.

:func:`fraud_flags` checks the order columns once, runs each detector the data allow —
:func:`~privtraffic.referral.fraud.rings.ring_signals` always,
:func:`~privtraffic.referral.fraud.shared.shared_id_signals` for devices and payment ids,
:func:`~privtraffic.referral.fraud.bursts.burst_signals` when the log had share times — and
folds their :class:`~privtraffic.referral.fraud.signals.FraudSignal` lists into
:class:`FraudFlags`.

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

from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_datetime64, as_ids, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.referral.fraud.bursts import burst_signals
from privtraffic.referral.fraud.rings import ring_signals
from privtraffic.referral.fraud.shared import shared_id_signals
from privtraffic.referral.fraud.signals import FLAGS, Flag, FraudSignal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing_extensions import Self

    from privtraffic.referral.graph import ReferralGraph, UserIds

__all__ = ["FraudFlags", "fraud_flags"]


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
    >>> len(f), f.checked, f["ring"].tolist()
    (0, ('ring',), [])
    """

    user: UserIds
    ring: NDArray[np.bool_]
    shared_device: NDArray[np.bool_]
    shared_payment: NDArray[np.bool_]
    burst: NDArray[np.bool_]
    reason: NDArray[np.str_]
    checked: tuple[Flag, ...] = ()

    @classmethod
    def from_signals(
        cls, graph: ReferralGraph, signals: list[FraudSignal], checked: tuple[Flag, ...]
    ) -> Self:
        """Fold detector signals into one row per flagged user, reasons in signal order.

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> from privtraffic.referral.fraud import FraudSignal
        >>> g = ReferralGraph.from_edges([1], [2])
        >>> f = FraudFlags.from_signals(g, [FraudSignal("burst", [0], "many"),
        ...                                 FraudSignal("ring", [0, 1], "pair")], ("ring",))
        >>> f.user.tolist(), f.reason.tolist()
        ([1, 2], ['many; pair', 'pair'])
        """
        flags = {flag: np.zeros(graph.n_users, dtype=bool) for flag in FLAGS}
        reasons: dict[int, list[str]] = {}
        for signal in signals:
            for u in signal.members.tolist():
                flags[signal.flag][u] = True
                reasons.setdefault(u, []).append(signal.reason)
        flagged = np.array(sorted(reasons), dtype=np.int64)
        return cls(
            user=graph.users[flagged],
            ring=flags["ring"][flagged],
            shared_device=flags["shared_device"][flagged],
            shared_payment=flags["shared_payment"][flagged],
            burst=flags["burst"][flagged],
            reason=np.array(["; ".join(reasons[u]) for u in flagged.tolist()], dtype=str),
            checked=checked,
        )


@renamed_keywords(buyers="users")
def fraud_flags(
    graph: ReferralGraph,
    users: ArrayLike | None = None,
    at: ArrayLike | None = None,
    *,
    devices: ArrayLike | None = None,
    payments: ArrayLike | None = None,
    ring_minutes: float = 10.0,
    shared_min_referees: int = 3,
    burst_count: int = 20,
    burst_hours: float = 24.0,
) -> FraudFlags:
    """Flag rings, shared devices / payment ids and referral bursts.

    * **ring** — reciprocal referral claims or a rejected cycle
      (:mod:`~privtraffic.referral.fraud.rings`); with order times, only when the accounts
      bought within ``ring_minutes`` of each other;
    * **shared_device** / **shared_payment** — one device / payment id on the orders of
      ``shared_min_referees`` or more referred users (:mod:`~privtraffic.referral.fraud.shared`);
    * **burst** — ``burst_count`` or more referrals within ``burst_hours``
      (:mod:`~privtraffic.referral.fraud.bursts`; needs the log's share times).

    Parameters
    ----------
    graph : ReferralGraph
        Built with ``on_invalid="report"`` to see the cycles; built with the log's ``at`` to
        check bursts.
    users : array-like, optional
        The buyer of each order (needed for the device / payment signals and the ring timing).
        The old keyword ``buyers`` still works for one release, with a
        :class:`DeprecationWarning`.
    at : array-like, optional
        Order time per order: rings then need purchases within ``ring_minutes``.
    devices, payments : array-like, optional
        Device id / payment-instrument id per order, aligned with ``users``.
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
        Misaligned columns, ``devices``/``payments`` without ``users``, bad thresholds.

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
    idx = times = None
    if users is not None:
        idx = graph.index_of(users, "users", missing="mark")
        if at is not None:
            times = as_datetime64(at, "at")
            check_same_length(users=idx, at=times)
    elif devices is not None or payments is not None or at is not None:
        raise InvalidInputError("'at', 'devices' and 'payments' describe orders: give 'users'")

    checked: list[Flag] = ["ring"]
    signals = ring_signals(graph, idx, times, ring_minutes=ring_minutes)
    shared: tuple[tuple[ArrayLike | None, Flag, str, str], ...] = (
        (devices, "shared_device", "devices", "device"),
        (payments, "shared_payment", "payments", "payment id"),
    )
    for column, flag, argument, noun in shared:
        if column is None or idx is None:
            continue
        checked.append(flag)
        ids = as_ids(column, argument)
        check_same_length(users=idx, **{flag: ids})
        signals += shared_id_signals(
            graph, idx, ids, flag=flag, noun=noun, min_referees=shared_min_referees
        )
    if graph.referred_at is not None:
        checked.append("burst")
        signals += burst_signals(graph, burst_count=burst_count, burst_hours=burst_hours)
    return FraudFlags.from_signals(graph, signals, tuple(checked))
