"""Referral plots: the tree of users a KOC brought in, directly and through their referees."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias

import attrs
import numpy as np
from numpy.typing import ArrayLike

from privtraffic._validation import as_ids, check_nonempty, check_same_length
from privtraffic.errors import InvalidInputError
from privtraffic.plotting._axes import axes_or_new, resolve_texts
from privtraffic.plotting.fonts import use_cjk_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["REFERRAL_TREE_TEXTS", "plot_referral_tree"]

#: A user id as the referral edges hold it: an integer or a string.
UserId: TypeAlias = int | str


#: The texts of :func:`plot_referral_tree`, by ``texts=`` key. ``title`` is used when the whole
#: tree is drawn, ``title_top`` when only its largest branches are (fields ``root``, ``below``,
#: ``shown`` and ``depth``); ``more`` labels a grey node standing for the users left out
#: (field ``users``).
REFERRAL_TREE_TEXTS: dict[str, str] = {
    "title": "Referral tree of {root} ({below} users below, depth {depth})",
    "title_top": (
        "Referral tree of {root}: the largest branches, {shown} of {below} users below "
        "(depth {depth})"
    ),
    "ylabel": "level below the KOC",
    "more": "+{users}",
}

#: Node ids are written beside the nodes when at most this many leaves are drawn.
_MAX_LABELLED_LEAVES = 24


@attrs.frozen
class _Summary:
    """A drawn node standing for the users below ``parent`` that are left out."""

    parent: UserId
    users: int


Node: TypeAlias = "UserId | _Summary"


def _tree_layout(
    children: Mapping[Node, list[Node]], root: Node
) -> tuple[dict[Node, tuple[float, int]], list[tuple[Node, Node]]]:
    """Tidy layered layout: leaves left to right, each parent centred over its children."""
    positions: dict[Node, tuple[float, int]] = {}
    edges: list[tuple[Node, Node]] = []
    next_leaf = 0.0
    # Iterative post-order walk, so deep chains cannot hit the recursion limit.
    stack: list[tuple[Node, int, list[Node] | None]] = [(root, 0, None)]
    while stack:
        node, depth, placed_kids = stack.pop()
        if placed_kids is None:
            kids = children.get(node, [])
            if kids:
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


def _referral_forest(
    children: Mapping[UserId, list[UserId]], root: UserId
) -> tuple[dict[UserId, list[UserId]], dict[UserId, int], dict[UserId, int]]:
    """The tree below ``root`` (each user once, first referral wins), subtree sizes, depths."""
    kids_of: dict[UserId, list[UserId]] = {}
    depth = {root: 0}
    order = [root]
    for node in order:  # breadth first; ``order`` grows while it is walked
        kids = [k for k in children.get(node, []) if k not in depth]
        for k in kids:
            depth[k] = depth[node] + 1
        kids_of[node] = kids
        order.extend(kids)
    size: dict[UserId, int] = {}
    for node in reversed(order):
        size[node] = 1 + sum(size[k] for k in kids_of[node])
    return kids_of, size, depth


def _largest_branches(
    kids_of: Mapping[UserId, list[UserId]],
    size: Mapping[UserId, int],
    root: UserId,
    max_depth: int,
    max_nodes: int,
) -> dict[Node, list[Node]]:
    """The drawn tree: the largest branches first, up to ``max_nodes`` users below the root and
    ``max_depth`` levels; below each drawn user the left-out users become one summary node."""
    drawn: set[UserId] = {root}
    heap: list[tuple[int, int, UserId, int]] = []
    counter = 0
    for kid in kids_of[root]:
        heapq.heappush(heap, (-size[kid], counter, kid, 1))
        counter += 1
    while heap and len(drawn) <= max_nodes:
        _, _, node, level = heapq.heappop(heap)
        drawn.add(node)
        if level < max_depth:
            for kid in kids_of[node]:
                heapq.heappush(heap, (-size[kid], counter, kid, level + 1))
                counter += 1
    tree: dict[Node, list[Node]] = {}
    for node in drawn:
        kids = sorted((k for k in kids_of[node] if k in drawn), key=lambda k: -size[k])
        shown: list[Node] = list(kids)
        hidden = sum(size[k] for k in kids_of[node] if k not in drawn)
        if hidden:
            shown.append(_Summary(node, hidden))
        if shown:
            tree[node] = shown
    return tree


def plot_referral_tree(
    referrers: ArrayLike,
    referees: ArrayLike,
    root: UserId,
    *,
    max_depth: int = 3,
    max_nodes: int = 30,
    values: Mapping[UserId, float] | None = None,
    texts: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the referral tree below one user (typically a KOC), level by level.

    Each referral edge points from the referrer to the referee; the root sits at the top, its
    direct referees on the first level, their referees on the second, and so on. A large tree
    is drawn as its largest branches: users are added biggest branch first (by the number of
    users in it) until ``max_nodes`` are drawn, down to ``max_depth`` levels, and the users left
    out below each drawn user are summarised in one grey node (``+120``: 120 users), so a tree
    of hundreds of users stays readable and its total is still shown.

    Parameters
    ----------
    referrers, referees : array-like of str or int
        The referral edges, one referrer and one referee per row. A user referred twice is
        drawn under the first referrer that reaches them.
    root : str or int
        The user whose tree is drawn.
    max_depth : int, default 3
        Levels below the root to draw.
    max_nodes : int, default 30
        Users below the root to draw at most (summary nodes not counted).
    values : mapping of id to float, optional
        A value per user (e.g. spend); nodes are sized by it.
    texts, ax : optional
        The replacements of :data:`REFERRAL_TREE_TEXTS` and the Axes to draw on, as for every plot.

    Raises
    ------
    InvalidInputError
        When the edge arrays differ in length or are empty, ``max_depth < 1``,
        ``max_nodes < 1``, or ``root`` appears in no edge.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_referral_tree(["koc", "koc", "a"], ["a", "b", "c"], "koc",
    ...                         ax=Figure().add_subplot())
    >>> len(ax.lines), ax.get_title()
    (3, "Referral tree of 'koc' (3 users below, depth 2)")

    A KOC with 900 users below is drawn as its largest branches plus summary nodes:

    >>> kids = [f"u{i}" for i in range(900)]
    >>> src = ["koc"] * 30 + [kids[i // 30] for i in range(30, 900)]
    >>> ax = plot_referral_tree(src, kids, "koc", max_nodes=20, ax=Figure().add_subplot())
    >>> ax.get_title()
    "Referral tree of 'koc': the largest branches, 20 of 900 users below (depth 2)"
    >>> sum(int(t.get_text()[1:]) for t in ax.texts if t.get_text().startswith("+"))
    880
    """
    text_of = resolve_texts(REFERRAL_TREE_TEXTS, texts)
    src = as_ids(referrers, "referrers")
    dst = as_ids(referees, "referees")
    check_nonempty(src, "referrers")
    check_same_length(referrers=src, referees=dst)
    if max_depth < 1:
        raise InvalidInputError(f"'max_depth' must be >= 1 (got {max_depth})")
    if max_nodes < 1:
        raise InvalidInputError(f"'max_nodes' must be >= 1 (got {max_nodes})")
    src_list, dst_list = src.tolist(), dst.tolist()
    if root not in set(src_list) | set(dst_list):
        raise InvalidInputError(f"'root' must appear in the referral edges (got {root!r})")
    children: dict[UserId, list[UserId]] = {}
    for a, b in zip(src_list, dst_list, strict=True):
        children.setdefault(a, []).append(b)
    kids_of, size, level = _referral_forest(children, root)
    tree = _largest_branches(kids_of, size, root, max_depth, max_nodes)
    positions, edges = _tree_layout(tree, root)
    ax = axes_or_new(ax)
    for a, b in edges:
        (xa, ya), (xb, yb) = positions[a], positions[b]
        style = ":" if isinstance(b, _Summary) else "-"
        ax.plot([xa, xb], [-ya, -yb], color="0.55", linewidth=1, linestyle=style, zorder=1)
    users = [n for n in positions if not isinstance(n, _Summary)]
    summaries = [n for n in positions if isinstance(n, _Summary)]
    xs = np.array([positions[n][0] for n in users])
    depth = np.array([positions[n][1] for n in users])
    if values is not None:
        v = np.array([float(values.get(n, 0.0)) for n in users])
        top = v.max() if v.size and v.max() > 0 else 1.0
        sizes = 30.0 + 300.0 * np.clip(v, 0.0, None) / top
    else:
        sizes = np.full(len(users), 80.0)
    ax.scatter(xs, -depth, s=sizes, c=depth, cmap="viridis", zorder=2, edgecolors="white")
    for node in summaries:
        x, d = positions[node]
        ax.scatter([x], [-d], s=60, marker="s", color="0.8", zorder=2)
        ax.annotate(
            text_of["more"].format(users=f"{node.users:,}"),
            (x, -d),
            textcoords="offset points",
            xytext=(0, -11),
            ha="center",
            fontsize=7,
            color="0.35",
        )
    n_leaves = sum(1 for n in positions if n not in tree)
    if n_leaves <= _MAX_LABELLED_LEAVES:
        for n, x, d in zip(users, xs, depth, strict=True):
            ax.annotate(
                str(n), (x, -d), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7
            )
    deepest = int(max(d for _, d in positions.values()))
    ax.set_yticks(-np.arange(deepest + 1), [str(d) for d in range(deepest + 1)])
    ax.set_ylabel(text_of["ylabel"])
    ax.set_xticks([])
    fields = {
        "root": repr(root),
        "below": f"{size[root] - 1:,}",
        "shown": f"{len(users) - 1:,}",
        "depth": f"{max(level.values())}",
    }
    ax.set_title(text_of["title_top" if summaries else "title"].format(**fields))
    ax.margins(0.1)
    use_cjk_font(ax)
    return ax
