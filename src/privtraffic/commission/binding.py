"""Customer binding: which distributor is credited with a buyer's order.

In a distribution programme a buyer who arrives through a distributor's link is *bound* to that
distributor (客户绑定), and later orders are credited to the bound distributor even when the
buyer comes back without a link. The plan's ``binding`` mode says how bindings change:

``"first_wins"``
    The first link binds the buyer for good; later links to other distributors are ignored.
``"rebind"``
    Every new link re-binds the buyer to that link's distributor.
``"expires"``
    A binding lasts ``binding_days`` from when it was made and wins over other links while it
    lasts; after it lapses, the next link makes a new binding, and an order without a link
    credits nobody.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, resolve_sharers
>>> plan = CommissionPlan(level_rates=("0.1",), binding="first_wins")
>>> sharer, credited = resolve_sharers(
...     plan, buyers=["u1", "u1", "u1"], links=["kol_a", None, "kol_b"],
...     at=["2024-05-01", "2024-05-02", "2024-05-03"])
>>> sharer.tolist(), credited.tolist()
(['kol_a', 'kol_a', 'kol_a'], [True, True, True])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import as_datetime64, as_ids, check_same_length
from privtraffic.commission._types import Id
from privtraffic.commission.plan import CommissionPlan
from privtraffic.errors import InvalidInputError

__all__ = ["resolve_sharers"]


def _links(values: ArrayLike | Sequence[Id | None]) -> tuple[np.ndarray, NDArray[np.bool_]]:
    """Split link ids into (ids with placeholders, has_link mask); None/NaN mean no link."""
    raw = values.to_numpy() if hasattr(values, "to_numpy") else values
    arr = np.asarray(list(raw) if isinstance(raw, (list, tuple)) else raw, dtype=object)
    if arr.ndim != 1:
        raise InvalidInputError(f"'links' must be 1-dimensional (got shape {arr.shape})")
    has = np.array([not (v is None or (isinstance(v, float) and v != v)) for v in arr], dtype=bool)
    if not has.any():
        return np.zeros(len(arr), dtype=np.int64), has
    present = as_ids(arr[has].tolist(), "links")
    out = np.empty(len(arr), dtype=present.dtype)
    out[has] = present
    out[~has] = present[0]  # placeholder, never read
    return out, has


def resolve_sharers(
    plan: CommissionPlan,
    buyers: ArrayLike,
    links: ArrayLike | Sequence[Id | None],
    at: ArrayLike,
) -> tuple[np.ndarray, NDArray[np.bool_]]:
    """The distributor credited with each order under the plan's binding mode.

    Parameters
    ----------
    plan : CommissionPlan
        Supplies ``binding`` and ``binding_days``.
    buyers : array-like of ids
        The buyer of each order.
    links : array-like of ids or None
        The distributor whose link the order came through; ``None`` for none.
    at : array-like of datetimes
        When each order was placed. Orders are processed in time order (ties in input order);
        the result is aligned with the input.

    Returns
    -------
    sharer : numpy.ndarray
        The credited distributor per order (meaningless where ``credited`` is False).
    credited : numpy.ndarray
        bool, whether any distributor is credited.

    Raises
    ------
    InvalidInputError
        Mismatched lengths, bad ids or timestamps.

    Notes
    -----
    ``first_wins`` and ``rebind`` are vectorised (a sort by buyer and time, then a forward fill
    of links within each buyer); ``expires`` walks the orders once in time order because each
    binding's lifetime depends on the previous one.

    Examples
    --------
    >>> plan = CommissionPlan(level_rates=("0.1",), binding="expires", binding_days=7)
    >>> sharer, credited = resolve_sharers(
    ...     plan, ["u1"] * 4, ["a", "b", None, "b"],
    ...     ["2024-05-01", "2024-05-03", "2024-05-09", "2024-05-10"])
    >>> [s if c else None for s, c in zip(sharer.tolist(), credited.tolist())]
    ['a', 'a', None, 'b']
    """
    who = as_ids(buyers, "buyers")
    link, has_link = _links(links)
    when = as_datetime64(at, "at")
    n = check_same_length(buyers=who, links=link, at=when)
    sharer = link.copy()
    credited = np.zeros(n, dtype=bool)
    if n == 0:
        return sharer, credited
    order = np.lexsort((np.arange(n), when, who))  # by buyer, then time, then input order
    b, has = who[order], has_link[order]
    pos = np.arange(n)
    start = np.ones(n, dtype=bool)
    start[1:] = b[1:] != b[:-1]
    group_start = np.maximum.accumulate(np.where(start, pos, 0))
    if plan.binding == "rebind":
        last = np.maximum.accumulate(np.where(has, pos, -1))
        ok = last >= group_start
        credited[order] = ok
        sharer[order] = link[order][np.where(ok, last, 0)]
    elif plan.binding == "first_wins":
        link_pos = np.where(has, pos, n)
        group_id = np.cumsum(start) - 1
        per_group = np.full(int(group_id[-1]) + 1, n, dtype=np.int64)
        np.minimum.at(per_group, group_id, link_pos)
        first = per_group[group_id]
        ok = pos >= first
        credited[order] = ok
        sharer[order] = link[order][np.where(ok, first, 0)]
    else:
        life = np.timedelta64(plan.binding_days, "D")
        t = when[order]
        sorted_link = link[order]
        bound: dict[Id, tuple[Id, np.datetime64]] = {}
        for i in range(n):
            buyer = b[i].item()
            current = bound.get(buyer)
            if current is not None and t[i] >= current[1]:
                current = None
            if current is None and has[i]:
                current = (sorted_link[i], t[i] + life)
            if current is None:
                bound.pop(buyer, None)
                continue
            bound[buyer] = current
            credited[order[i]] = True
            sharer[order[i]] = current[0]
    return sharer, credited
