"""Downline counts and sums: direct referrals, converted referrals, referred and downline value.

For every user ``v`` of a :class:`~privtraffic.referral.ReferralGraph`, with ``value`` the
purchase value of each user and ``bought`` whether they bought:

* ``direct_referrals(v)``: users ``v`` referred;
* ``converted_referrals(v)``: those of them who bought;
* ``referred_value(v)``: their purchase value;
* ``descendants(v)``: the whole downline (referees, their referees, ...), ``v`` excluded;
* ``descendant_value(v)``: the downline's purchase value.

The first three are one :func:`numpy.bincount` over the parent pointers; the last two one
bottom-up pass over the depth levels (:func:`~privtraffic.referral.forest.downline_sum`), each
user's total handed to its referrer — no per-user traversal.

Examples
--------
>>> import numpy as np
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["a", "a", "b"], ["b", "c", "d"])
>>> agg = downline_aggregates(g, np.array([0.0, 5.0, 0.0, 7.0]))
>>> agg.descendants.tolist(), agg.descendant_value.tolist(), agg.converted_referrals.tolist()
([3, 1, 0, 0], [12.0, 7.0, 0.0, 0.0], [1, 1, 0, 0])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_float_array, check_same_length
from privtraffic.referral.forest import downline_sum

if TYPE_CHECKING:
    from privtraffic.referral.graph import ReferralGraph

__all__ = ["DownlineAggregates", "downline_aggregates"]


@attrs.frozen(eq=False, repr=False)
class DownlineAggregates(ColumnarTable):
    """Per-user downline counts and sums, aligned with ``graph.users``.

    Attributes
    ----------
    direct_referrals, converted_referrals, descendants : numpy.ndarray
        ``int64`` counts.
    referred_value, descendant_value : numpy.ndarray
        ``float64`` sums of purchase value.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges([1], [2])
    >>> downline_aggregates(g, [0.0, 3.0]).referred_value.tolist()
    [3.0, 0.0]
    """

    direct_referrals: NDArray[np.int64]
    converted_referrals: NDArray[np.int64]
    referred_value: NDArray[np.float64]
    descendants: NDArray[np.int64]
    descendant_value: NDArray[np.float64]


@renamed_keywords(value="values")
def downline_aggregates(
    graph: ReferralGraph, values: ArrayLike, bought: ArrayLike | None = None
) -> DownlineAggregates:
    """Direct, converted and whole-downline counts and values for every user.

    Parameters
    ----------
    graph : ReferralGraph
    values : array-like
        Purchase value per user, aligned with ``graph.users``; must be >= 0. (The old keyword
        ``value`` still works for one release, with a :class:`DeprecationWarning`.)
    bought : array-like of bool, optional
        Whether each user counts as a converted referee; default ``values > 0``.

    Returns
    -------
    DownlineAggregates

    Raises
    ------
    InvalidInputError
        ``values`` negative, non-finite or not aligned with the users.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges([1, 2], [2, 3])
    >>> downline_aggregates(g, [1.0, 2.0, 4.0]).descendant_value.tolist()
    [6.0, 4.0, 0.0]
    """
    v = as_float_array(values, "values", minimum=0)
    check_same_length(users=graph.users, values=v)
    b = v > 0 if bought is None else np.asarray(bought, dtype=bool)
    check_same_length(users=graph.users, bought=b)
    return _downline_aggregates(graph, v, b)


def _downline_aggregates(
    graph: ReferralGraph, v: NDArray[np.float64], b: NDArray[np.bool_]
) -> DownlineAggregates:
    lv = graph.levels
    descendants = downline_sum(lv, np.ones(graph.n_users))
    return _direct_aggregates(graph, v, b, descendants, downline_sum(lv, v))


def _direct_aggregates(
    graph: ReferralGraph,
    v: NDArray[np.float64],
    b: NDArray[np.bool_],
    descendants: NDArray[np.float64],
    descendant_value: NDArray[np.float64],
) -> DownlineAggregates:
    """Complete the downline sums with the one-generation counts (bincounts over the parents)."""
    n = graph.n_users
    child = graph.children
    par = graph.parent[child]
    direct = np.diff(graph.child_ptr)
    converted = np.bincount(par, weights=b[child], minlength=n).astype(np.int64)
    referred = np.bincount(par, weights=v[child], minlength=n).astype(np.float64, copy=False)
    return DownlineAggregates(
        direct_referrals=direct,
        converted_referrals=converted,
        referred_value=referred,
        descendants=np.rint(descendants).astype(np.int64),
        descendant_value=descendant_value,
    )
