"""Influence: a personalisable PageRank-style score, in one pass on the acyclic referral forest.

With personalisation weights ``p(u) >= 0`` (default 1 for every user) and damping
``alpha`` in [0, 1), the influence of user ``v`` is the damped sum over ``v`` and its downline::

    influence(v) = sum over u in {v} ∪ D(v) of alpha ** (depth(u) - depth(v)) * p(u)
                 = p(v) + alpha * sum over children c of influence(c)

It is the Katz centrality of the *reversed* forest (edges referee -> referrer) with
``beta = p`` and attenuation ``alpha`` — ``networkx.katz_centrality(G.reverse(), alpha, beta=p,
normalized=False)`` — and, normalised to sum 1, it equals
``networkx.pagerank(G.reverse(), alpha, personalization=p)`` exactly:

Why PageRank reduces to it: in the reversed forest every referred user has exactly one
out-edge (to their referrer) and the roots are dangling. PageRank's fixed point is
``x = alpha M x + alpha s p + (1 - alpha) p`` where
``M`` moves each user's mass to their referrer and ``s`` is the mass on the dangling roots
(networkx sends it back along the personalisation vector). Hence
``x = (alpha s + 1 - alpha) (I - alpha M)^-1 p``, and ``(I - alpha M)^-1 p`` is the sum above.
Because the forest is acyclic, ``(I - alpha M)^-1 p`` is a finite sum computed bottom-up in one
pass over the depth levels — no power iteration, and no convergence tolerance: the result is
exact to rounding.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges([1, 1, 2], [2, 3, 4])
>>> influence(g, alpha=0.5).tolist()                   # 1 + 0.5 * (1.5 + 1)
[2.25, 1.5, 1.0, 1.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import as_float_array, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.referral.forest import downline_sum

if TYPE_CHECKING:
    from privtraffic.referral.graph import ReferralGraph

__all__ = ["influence"]


def influence(
    graph: ReferralGraph,
    alpha: float = 0.85,
    personalization: ArrayLike | None = None,
    *,
    normalize: bool = False,
) -> NDArray[np.float64]:
    """PageRank-style influence of every user (see the module notes for the definition).

    Parameters
    ----------
    graph : ReferralGraph
    alpha : float
        Damping per generation, in [0, 1).
    personalization : array-like, optional
        Weight ``p(u) >= 0`` per user aligned with ``graph.users`` (for example purchase value);
        default 1 for everyone, which makes influence a damped downline size plus one.
    normalize : bool
        Divide by the total so that the scores sum to 1 and equal
        ``networkx.pagerank(G.reverse(), alpha, personalization=p)``.

    Returns
    -------
    numpy.ndarray
        The influence of each user of ``graph.users`` (``float64``): at least the user's own
        weight ``p(u)``, or, with ``normalize=True``, shares summing to 1.

    Raises
    ------
    InvalidInputError
        ``alpha`` outside [0, 1), negative or misaligned weights, or all-zero weights with
        ``normalize=True``.

    References
    ----------
    Page, L., Brin, S., Motwani, R., & Winograd, T. (1999). The PageRank citation ranking:
    bringing order to the web. Stanford InfoLab.
    Katz, L. (1953). A new status index derived from sociometric analysis. Psychometrika 18(1).

    Examples
    --------
    >>> import networkx as nx
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges(["a", "a", "b"], ["b", "c", "d"])
    >>> ours = influence(g, alpha=0.85, normalize=True)
    >>> pr = nx.pagerank(g.to_networkx().reverse(), alpha=0.85, tol=1e-12)
    >>> bool(np.allclose(ours, [pr[u] for u in g.users.tolist()]))
    True
    """
    a = _check_damping(alpha)
    if personalization is None:
        p = np.ones(graph.n_users)
    else:
        p = as_float_array(personalization, "personalization", minimum=0)
        check_same_length(users=graph.users, personalization=p)
    return _influence(graph, a, p, normalize)


def _check_damping(alpha: float) -> float:
    """Validate the damping factor per generation, in [0, 1)."""
    a = float(alpha)
    if not (0.0 <= a < 1.0):
        raise InvalidInputError(f"'alpha' must be in [0, 1) (got {alpha!r})")
    return a


def _influence(
    graph: ReferralGraph, alpha: float, p: NDArray[np.float64], normalize: bool
) -> NDArray[np.float64]:
    out = p + alpha * downline_sum(graph.levels, p, alpha)
    if normalize:
        total = out.sum()
        if total <= 0:
            raise InvalidInputError("'personalization' must have a positive weight to normalise")
        out = out / total
    return out
