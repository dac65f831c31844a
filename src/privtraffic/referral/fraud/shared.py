"""Shared-id detector: one device (or payment instrument) behind many referred users.

A device id or payment-instrument id that appears on the orders of ``min_referees`` or more
different *referred* users (users with an applied referrer) flags those referees and their
referrers. Orders of users nobody referred — a referrer's own orders, say — do not count.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["r", "r"], ["x", "y"])
>>> s = shared_id_signals(g, g.index_of(["x", "y"]), np.array(["d1", "d1"]), min_referees=2)
>>> g.users[s[0].members].tolist(), s[0].reason
(['r', 'x', 'y'], "device 'd1' on the orders of 2 referred users")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from privtraffic.errors import InvalidInputError
from privtraffic.referral.fraud.signals import Flag, FraudSignal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.referral.graph import ReferralGraph, UserIds

__all__ = ["shared_id_signals"]


def shared_id_signals(
    graph: ReferralGraph,
    order_index: NDArray[np.int64],
    ids: UserIds,
    *,
    flag: Flag = "shared_device",
    noun: str = "device",
    min_referees: int = 3,
) -> list[FraudSignal]:
    """Device or payment ids on the orders of ``min_referees`` or more referred users.

    Parameters
    ----------
    graph : ReferralGraph
    order_index : numpy.ndarray
        Position in ``graph.users`` of each order's buyer, ``-1`` outside the graph.
    ids : numpy.ndarray
        Device (or payment-instrument) id of each order, aligned with ``order_index``.
    flag : {"shared_device", "shared_payment"}
        The flag raised.
    noun : str
        What an id is, for the reason (``"device"``, ``"payment id"``).
    min_referees : int
        An id on the orders of this many different referred users is flagged; >= 1.

    Returns
    -------
    list of FraudSignal
        One per flagged id, in id order: its referees and their referrers.

    Raises
    ------
    InvalidInputError
        ``min_referees < 1``.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges(["r", "s"], ["x", "y"])
    >>> s = shared_id_signals(g, g.index_of(["x", "y"]), np.array(["p1", "p1"]),
    ...                       flag="shared_payment", noun="payment id", min_referees=2)
    >>> s[0].flag, g.users[s[0].members].tolist()
    ('shared_payment', ['r', 's', 'x', 'y'])
    """
    if not min_referees >= 1:
        raise InvalidInputError(f"'min_referees' must be >= 1 (got {min_referees!r})")
    referred = (order_index >= 0) & (graph.parent[np.maximum(order_index, 0)] >= 0)
    codes, code_of = np.unique(ids[referred], return_inverse=True)
    pairs = np.unique(np.column_stack([code_of.reshape(-1), order_index[referred]]), axis=0)
    per_code = np.bincount(pairs[:, 0], minlength=codes.shape[0])
    signals = []
    for c in np.flatnonzero(per_code >= min_referees).tolist():
        referees = pairs[pairs[:, 0] == c, 1]
        members = np.unique(np.concatenate([referees, graph.parent[referees]]))
        text = f"{noun} {codes[c].item()!r} on the orders of {referees.size} referred users"
        signals.append(FraudSignal(flag, members, text))
    return signals
