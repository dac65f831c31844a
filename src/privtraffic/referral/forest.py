"""Integer-indexed referral forests: parent pointers, CSR children, depths and level passes.

A referral forest over ``n`` users is stored as one ``int64`` array ``parent`` with
``parent[i] == -1`` for users nobody referred (roots). Everything else is derived from it with
vectorised numpy, never a Python loop over users:

* :func:`children_csr` — the children of every user as CSR arrays (``ptr``, ``children``);
* :func:`depths` — the depth of every user by pointer jumping (``O(n log depth)``), which also finds
  the users that sit on or hang below a cycle;
* :func:`levels` — users sorted by depth and, within a depth, by parent: one contiguous segment
  per (depth, parent), the order every bottom-up pass walks;
* :func:`downline_sum` — the bottom-up pass ``S(v) = sum over children c of (w(c) + decay * S(c))``
  that every downline aggregate of :mod:`privtraffic.referral` reduces to.

Examples
--------
>>> import numpy as np
>>> parent = np.array([-1, 0, 0, 1])          # 0 referred 1 and 2; 1 referred 3
>>> depths(parent).tolist()
[0, 1, 1, 2]
>>> ptr, children = children_csr(parent)
>>> children[ptr[0]:ptr[1]].tolist()
[1, 2]
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic.errors import InvalidInputError

__all__ = [
    "ForestLevels",
    "children_csr",
    "cyclic_users",
    "depths",
    "downline_sum",
    "levels",
    "reach",
]


def _bits(n: int) -> int:
    """Bits that hold the integers ``0 .. n - 1``."""
    return max(n - 1, 0).bit_length()


def children_csr(parent: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The children of every user as compressed sparse rows.

    Parameters
    ----------
    parent : numpy.ndarray
        ``int64`` parent index per user, ``-1`` for roots.

    Returns
    -------
    ptr : numpy.ndarray
        ``int64`` of length ``n + 1``; the children of user ``i`` are ``children[ptr[i]:ptr[i+1]]``.
    children : numpy.ndarray
        ``int64`` child indices grouped by parent, each group in increasing index order.

    Notes
    -----
    The grouping is one value sort of ``parent << b | child`` keys (``b`` bits per index), so
    no permutation is computed; beyond 31 bits per index it falls back to a stable argsort.

    Examples
    --------
    >>> ptr, ch = children_csr(np.array([-1, 0, -1, 0, 2]))
    >>> ptr.tolist(), ch.tolist()
    ([0, 2, 2, 3, 3, 3], [1, 3, 4])
    """
    parent = np.asarray(parent, dtype=np.int64)
    n = parent.shape[0]
    referred = np.flatnonzero(parent >= 0)
    of = parent[referred]
    counts = np.bincount(of, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    b = _bits(n)
    if 2 * b <= 62:
        keys = (of << b) | referred
        keys.sort()
        children = keys & ((1 << b) - 1)
    else:  # pragma: no cover - more than 2 ** 31 users
        children = referred[np.argsort(of, kind="stable")]
    return ptr, children


def _jump(parent: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Pointer jumping: (depth, settled) where unsettled users never reach a root.

    Roots point to themselves at distance 0, so a round changes nothing once every pointer is
    at a root: the loop stops at the first round that leaves the pointers as they were (one
    sequential comparison, no extra gather), or after ``log2 n + 1`` rounds, when the users
    still pointing at a non-root sit on or below a cycle.
    """
    n = parent.shape[0]
    itype = np.int32 if n < 2**31 - 1 else np.int64  # half the memory traffic
    is_root = parent < 0
    anc = np.where(is_root, np.arange(n, dtype=itype), parent.astype(itype))
    dist = (~is_root).astype(itype)
    rounds = max(1, int(np.ceil(np.log2(max(n, 2)))) + 1)
    for _ in range(rounds):
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            break
        dist += dist[anc]
        anc = nxt
    return dist.astype(np.int64), is_root[anc]


def reach(parent: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Depths by pointer jumping, and which users reach a root (the others sit on or below a
    cycle; their depth is meaningless) in the parent pointers ``parent`` (the module notes'
    forest, or not quite one). One call answers both :func:`depths` and :func:`cyclic_users`.

    Returns
    -------
    depth : numpy.ndarray
        ``int64``.
    settled : numpy.ndarray
        ``bool``: the user reaches a root.

    Examples
    --------
    >>> depth, settled = reach(np.array([-1, 0, 3, 2]))   # 2 <-> 3 is a cycle
    >>> depth[settled].tolist(), settled.tolist()
    ([0, 1], [True, True, False, False])
    """
    return _jump(np.asarray(parent, dtype=np.int64))


def cyclic_users(parent: NDArray[np.int64]) -> NDArray[np.int64]:
    """Indices of users on a cycle of the parent pointers ``parent`` or below one (never
    reaching a root).

    Returns
    -------
    numpy.ndarray
        Sorted ``int64`` indices; empty for a forest.

    Examples
    --------
    >>> cyclic_users(np.array([1, 0, 0, -1])).tolist()   # 0 <-> 1 is a cycle, 2 hangs below it
    [0, 1, 2]
    """
    parent = np.asarray(parent, dtype=np.int64)
    _, settled = _jump(parent)
    return np.flatnonzero(~settled)


def depths(parent: NDArray[np.int64]) -> NDArray[np.int64]:
    """Depth of every user: 0 for roots, 1 for users they referred, and so on.

    Computed by pointer jumping: ``ceil(log2(max depth))`` vectorised rounds, so even a single
    chain of a million users takes about twenty passes over the array. ``parent`` is the forest
    of the module notes.

    Returns
    -------
    numpy.ndarray
        ``int64`` depths.

    Raises
    ------
    InvalidInputError
        The parent pointers contain a cycle (the index of one user on or below it is named).

    Examples
    --------
    >>> depths(np.array([-1, 0, 1, 2, -1])).tolist()
    [0, 1, 2, 3, 0]
    """
    parent = np.asarray(parent, dtype=np.int64)
    dist, settled = _jump(parent)
    if not settled.all():
        i = int(np.flatnonzero(~settled)[0])
        raise InvalidInputError(
            f"'parent' must be acyclic (user at index {i} never reaches a root)"
        )
    return dist


@attrs.frozen(eq=False)
class ForestLevels:
    """Users in bottom-up processing order: by depth, then by parent.

    Attributes
    ----------
    order : numpy.ndarray
        User indices sorted by depth and, within a depth, grouped by parent.
    level_ptr : numpy.ndarray
        ``order[level_ptr[d]:level_ptr[d+1]]`` are the users at depth ``d``.
    group_start : numpy.ndarray
        Positions in ``order`` where a new (depth, parent) group starts, restricted to depths
        ``>= 1`` (the referred users); used with :func:`numpy.add.reduceat`.
    group_parent_pos : numpy.ndarray
        For each group, the position in ``order`` of the group's parent.

    Examples
    --------
    >>> lv = levels(np.array([-1, 0, 0, 1]))
    >>> lv.order.tolist(), lv.level_ptr.tolist(), lv.group_parent_pos.tolist()
    ([0, 1, 2, 3], [0, 1, 3, 4], [0, 1])
    """

    order: NDArray[np.int64]
    level_ptr: NDArray[np.int64]
    group_start: NDArray[np.int64]
    group_parent_pos: NDArray[np.int64]

    @property
    def max_depth(self) -> int:
        """The depth of the deepest user (0 for a forest of roots only).

        Examples
        --------
        >>> levels(np.array([-1, 0, 1])).max_depth
        2
        """
        return int(self.level_ptr.shape[0] - 2)


def _small_uint(values: NDArray[np.int64], top: int) -> NDArray[np.unsignedinteger | np.int64]:
    """Cast non-negative ints to the narrowest unsigned type (numpy radix-sorts those)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values


def levels(
    parent: NDArray[np.int64],
    depth: NDArray[np.int64] | None = None,
    children: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> ForestLevels:
    """Sort users for bottom-up passes (see :class:`ForestLevels`).

    The CSR children are already grouped by parent; a stable (radix) sort of them by depth
    keeps each parent's children together, so no comparison sort over users is needed.

    Parameters
    ----------
    parent : numpy.ndarray
        ``int64`` parent index per user, ``-1`` for roots.
    depth : numpy.ndarray, optional
        The depths if already known (from :func:`depths`).
    children : tuple of numpy.ndarray, optional
        ``(ptr, children)`` from :func:`children_csr` if already known.

    Returns
    -------
    ForestLevels

    Examples
    --------
    >>> levels(np.array([-1, 2, -1, 2])).order.tolist()
    [0, 2, 1, 3]
    """
    parent = np.asarray(parent, dtype=np.int64)
    d = depths(parent) if depth is None else depth
    n = parent.shape[0]
    _, kids = children_csr(parent) if children is None else children
    max_d = int(d.max()) if n else 0
    b = _bits(n)
    if _bits(max_d + 1) + b <= 62:  # one value sort of depth << b | position among the kids
        keys = (d[kids] << b) | np.arange(kids.size)
        keys.sort()
        by_depth = keys & ((1 << b) - 1)
    else:  # pragma: no cover - deeper than 2 ** 31 with more than 2 ** 31 users
        by_depth = np.argsort(_small_uint(d[kids], max_d), kind="stable")
    order = np.concatenate([np.flatnonzero(parent < 0), kids[by_depth]]).astype(np.int64)
    level_ptr = np.zeros(max_d + 2, dtype=np.int64)
    np.cumsum(np.bincount(d, minlength=max_d + 1), out=level_ptr[1:])
    p_sorted = parent[order]
    change = np.ones(n, dtype=bool)
    change[1:] = p_sorted[1:] != p_sorted[:-1]
    group_start = np.flatnonzero(change & (p_sorted >= 0))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    return ForestLevels(
        order=order,
        level_ptr=level_ptr,
        group_start=group_start,
        group_parent_pos=position[p_sorted[group_start]],
    )


def downline_sum(
    forest_levels: ForestLevels,
    weights: NDArray[np.float64],
    decay: NDArray[np.float64] | float = 1.0,
) -> NDArray[np.float64]:
    """Bottom-up pass ``S(v) = sum over children c of v of (w(c) + decay * S(c))``.

    Unrolled, ``S(v) = sum over the downline u of v of w(u) * decay**(depth(u) - depth(v) - 1)``:
    with ``decay = 1`` it is the plain downline sum, with ``w = 1`` the downline size. One pass
    over the depth levels from the deepest up, each level reduced with
    :func:`numpy.add.reduceat` over its (parent) groups — ``O(n)`` work in ``max depth`` numpy
    calls.

    Parameters
    ----------
    forest_levels : ForestLevels
        From :func:`levels` (or ``ReferralGraph.levels``).
    weights : numpy.ndarray
        Shape ``(n,)``, or ``(n, k)`` for ``k`` quantities (one pass per column).
    decay : float or numpy.ndarray
        One factor, or one per column of ``weights``.

    Returns
    -------
    numpy.ndarray
        ``float64`` of the shape of ``weights``; 0 for users who referred nobody.

    Examples
    --------
    >>> parent = np.array([-1, 0, 1, 1])
    >>> lv = levels(parent)
    >>> downline_sum(lv, np.ones(4)).tolist()              # downline sizes
    [3.0, 2.0, 0.0, 0.0]
    >>> downline_sum(lv, np.ones(4), decay=0.5).tolist()   # 1 + 0.5 * 2
    [2.0, 2.0, 0.0, 0.0]
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 2:  # one 1-d pass per column: row gathers of 2-d arrays are slow in numpy
        decays = np.broadcast_to(np.asarray(decay, dtype=np.float64), (w.shape[1],))
        return np.column_stack(
            [_downline_sum_1d(forest_levels, w[:, k], float(decays[k])) for k in range(w.shape[1])]
        ).reshape(w.shape)
    return _downline_sum_1d(forest_levels, w, float(np.asarray(decay)))


def _downline_sum_1d(lv: ForestLevels, w: NDArray[np.float64], decay: float) -> NDArray[np.float64]:
    # work in level order: each level is a contiguous slice, each (parent) group too
    ones = bool(w.size) and bool((w == 1.0).all())  # a downline count: no gather of weights
    w_o = None if ones else w[lv.order]
    total_o = np.zeros(w.shape[0], dtype=np.float64)
    gstart, gparent = lv.group_start, lv.group_parent_pos
    bounds = np.searchsorted(gstart, lv.level_ptr)  # the groups of each level
    for d in range(lv.max_depth, 0, -1):
        a, b = int(lv.level_ptr[d]), int(lv.level_ptr[d + 1])
        if a == b:
            continue
        lo, hi = int(bounds[d]), int(bounds[d + 1])
        contrib = total_o[a:b] * decay if decay != 1.0 else total_o[a:b].copy()
        contrib += 1.0 if w_o is None else w_o[a:b]
        total_o[gparent[lo:hi]] += np.add.reduceat(contrib, gstart[lo:hi] - a)
    total = np.empty_like(total_o)
    total[lv.order] = total_o
    return total
