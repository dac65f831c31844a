"""One finding of a fraud detector: which users, which flag, and why.

Every detector of :mod:`privtraffic.referral.fraud` returns a list of :class:`FraudSignal`;
:func:`~privtraffic.referral.fraud.fraud_flags` folds them into one row per flagged user.

Examples
--------
>>> import numpy as np
>>> s = FraudSignal("burst", np.array([3]), "25 referrals within 24 hours")
>>> s.flag, s.members.tolist()
('burst', [3])
"""

from __future__ import annotations

from typing import Literal

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FLAGS", "Flag", "FraudSignal"]

#: The flags a detector can raise: the boolean columns of ``FraudFlags``.
Flag = Literal["ring", "shared_device", "shared_payment", "burst"]

#: The flags in the order of the ``FraudFlags`` columns.
FLAGS: tuple[Flag, ...] = ("ring", "shared_device", "shared_payment", "burst")


def _positions(values: ArrayLike) -> NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@attrs.frozen(eq=False)
class FraudSignal:
    """Users that one detector flags together, for one reason.

    Attributes
    ----------
    flag : {"ring", "shared_device", "shared_payment", "burst"}
        The flag the signal raises.
    members : numpy.ndarray
        ``int64`` positions in ``graph.users`` of the users flagged.
    reason : str
        Why, for people (``"device 'd1' on the orders of 3 referred users"``).

    Examples
    --------
    >>> FraudSignal("ring", [0, 1], "reciprocal referral claims 'a' <-> 'b'").members
    array([0, 1])
    """

    flag: Flag
    members: NDArray[np.int64] = attrs.field(converter=_positions)
    reason: str
