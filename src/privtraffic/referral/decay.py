"""Depth-decayed network value: the downline's purchase value, discounted by generation.

For a user ``v`` with downline ``D(v)`` (referees, their referees, ...)::

    network_value(v) = sum over u in D(v) of value(u) * decay ** (depth(u) - depth(v) - 1)

so direct referees count in full, their referees ``decay`` times, and so on. ``decay = 1`` gives
the plain downline value, ``decay = 0`` the value of direct referees only. On a forest it
satisfies ``network_value(v) = sum over children c of (value(c) + decay * network_value(c))``,
computed in one bottom-up pass over the depth levels.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges([1, 2], [2, 3])          # 1 -> 2 -> 3
>>> network_value(g, [0.0, 10.0, 10.0], decay=0.5).tolist()
[15.0, 10.0, 0.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._validation import as_float_array, as_fraction, check_same_length
from privtraffic.referral.forest import downline_sum

if TYPE_CHECKING:
    from privtraffic.referral.graph import ReferralGraph

__all__ = ["network_value"]


@renamed_keywords(value="values")
def network_value(
    graph: ReferralGraph, values: ArrayLike, decay: float = 0.5
) -> NDArray[np.float64]:
    """Depth-decayed purchase value of every user's downline (see the module notes).

    Parameters
    ----------
    graph : ReferralGraph
    values : array-like
        Purchase value per user, aligned with ``graph.users``; >= 0. (The old keyword
        ``value`` still works for one release, with a :class:`DeprecationWarning`.)
    decay : float
        Factor per generation below the direct referees, in [0, 1].

    Returns
    -------
    numpy.ndarray
        The decayed downline value of each user of ``graph.users`` (``float64``; 0 for users
        who referred nobody).

    Raises
    ------
    InvalidInputError
        Negative or misaligned values, or ``decay`` outside [0, 1].

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges(["a", "a", "b"], ["b", "c", "d"])
    >>> network_value(g, [0.0, 1.0, 2.0, 4.0], decay=0.25).tolist()
    [4.0, 4.0, 0.0, 0.0]
    """
    v = as_float_array(values, "values", minimum=0)
    check_same_length(users=graph.users, values=v)
    return downline_sum(graph.levels, v, as_fraction(decay, "decay"))
