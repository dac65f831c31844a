"""Referral plots: the tree of users a KOC brought in, directly and through their referees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from privtraffic._validation import as_ids, check_nonempty, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["plot_referral_tree"]

#: A user id as the referral edges hold it: an integer or a string.
UserId: TypeAlias = int | str


def _tree_layout(
    children: Mapping[UserId, list[UserId]], root: UserId, max_depth: int
) -> tuple[dict[UserId, tuple[float, int]], list[tuple[UserId, UserId]]]:
    """Tidy layered layout: leaves left to right, each parent centred over its children."""
    positions: dict[UserId, tuple[float, int]] = {}
    edges: list[tuple[UserId, UserId]] = []
    seen = {root}
    next_leaf = 0.0
    # Iterative post-order walk, so deep chains cannot hit the recursion limit.
    stack: list[tuple[UserId, int, list[UserId] | None]] = [(root, 0, None)]
    while stack:
        node, depth, placed_kids = stack.pop()
        if placed_kids is None:
            kids = [k for k in children.get(node, []) if k not in seen] if depth < max_depth else []
            if kids:
                seen.update(kids)
                stack.append((node, depth, kids))
                for kid in reversed(kids):
                    edges.append((node, kid))
                    stack.append((kid, depth + 1, None))
                continue
            positions[node] = (next_leaf, depth)
            next_leaf += 1.0
        else:
            positions[node] = (float(np.mean([positions[k][0] for k in placed_kids])), depth)
    return positions, edges


def plot_referral_tree(
    referrers: ArrayLike,
    referees: ArrayLike,
    root: UserId,
    *,
    max_depth: int = 3,
    values: Mapping[UserId, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the referral tree below one user (typically a KOC), level by level.

    Each referral edge points from the referrer to the referee; the root sits at the top, its
    direct referees on the first level, their referees on the second, and so on.

    Parameters
    ----------
    referrers, referees : array-like of str or int
        The referral edges, one referrer and one referee per row.
    root : str or int
        The user whose tree is drawn.
    max_depth : int, default 3
        Levels below the root to draw.
    values : mapping of id to float, optional
        A value per user (e.g. spend); nodes are sized by it.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        When the edge arrays differ in length or are empty, ``max_depth < 1``, or ``root``
        appears in no edge.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_referral_tree(["koc", "koc", "a"], ["a", "b", "c"], "koc",
    ...                         ax=Figure().add_subplot())
    >>> len(ax.lines), ax.get_title()
    (3, "Referral tree of 'koc' (3 users below, depth 2)")
    """
    src = as_ids(referrers, "referrers")
    dst = as_ids(referees, "referees")
    check_nonempty(src, "referrers")
    check_same_length(referrers=src, referees=dst)
    if max_depth < 1:
        raise InvalidInputError(f"'max_depth' must be >= 1 (got {max_depth})")
    src_list, dst_list = src.tolist(), dst.tolist()
    if root not in set(src_list) | set(dst_list):
        raise InvalidInputError(f"'root' must appear in the referral edges (got {root!r})")
    children: dict[UserId, list[UserId]] = {}
    for a, b in zip(src_list, dst_list, strict=True):
        children.setdefault(a, []).append(b)
    positions, edges = _tree_layout(children, root, max_depth)
    ax = axes_or_new(ax)
    for a, b in edges:
        (xa, ya), (xb, yb) = positions[a], positions[b]
        ax.plot([xa, xb], [-ya, -yb], color="0.55", linewidth=1, zorder=1)
    nodes = list(positions)
    xs = np.array([positions[n][0] for n in nodes])
    depth = np.array([positions[n][1] for n in nodes])
    if values is not None:
        v = np.array([float(values.get(n, 0.0)) for n in nodes])
        top = v.max() if v.size and v.max() > 0 else 1.0
        sizes = 30.0 + 300.0 * np.clip(v, 0.0, None) / top
    else:
        sizes = np.full(len(nodes), 80.0)
    ax.scatter(xs, -depth, s=sizes, c=depth, cmap="viridis", zorder=2, edgecolors="white")
    if len(nodes) <= 40:
        for n, x, d in zip(nodes, xs, depth, strict=True):
            ax.annotate(
                str(n), (x, -d), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7
            )
    ax.set_yticks(-np.arange(int(depth.max()) + 1), [str(d) for d in range(int(depth.max()) + 1)])
    ax.set_ylabel("level below the KOC")
    ax.set_xticks([])
    ax.set_title(
        f"Referral tree of {root!r} ({len(nodes) - 1} users below, depth {int(depth.max())})"
    )
    ax.margins(0.1)
    return ax
