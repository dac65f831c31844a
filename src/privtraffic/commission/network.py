"""The distributor network: who is whose upline, ranks and distribution rights.

Examples
--------
>>> from privtraffic.commission import DistributorNetwork
>>> net = DistributorNetwork.from_edges(["a", "b"], ["b", "c"])
>>> net.chain("c", 3)
('c', 'b', 'a')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._html import html_table
from privtraffic._ids import IdIndex, Missing, check_same_kind
from privtraffic._validation import as_ids, as_int_array, check_same_length
from privtraffic.commission._types import Id
from privtraffic.errors import InvalidInputError, ReferralCycleError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DistributorNetwork", "NetworkData"]


class _NetworkEdges(TypedDict):
    uplines: list[Id]
    distributors: list[Id]


class NetworkData(_NetworkEdges, total=False):
    """The JSON-ready form of a :class:`DistributorNetwork` (:meth:`~DistributorNetwork.to_dict`).

    Attributes
    ----------
    uplines : list of int or str
        Required. The upline of each edge.
    distributors : list of int or str
        Required. The distributor of each edge, aligned with ``uplines``.
    users : list of int or str
        Optional. Users the two lists below describe, including users without edges.
    has_rights : list of bool
        Optional, aligned with ``users``: whether each holds distribution rights.
    ranks : list of int
        Optional, aligned with ``users``: each one's distributor rank.

    Examples
    --------
    >>> data: NetworkData = {"uplines": ["a"], "distributors": ["b"], "ranks": [0, 1],
    ...                      "users": ["a", "b"]}
    >>> DistributorNetwork.from_dict(data).rank.tolist()
    [0, 1]
    """

    users: list[Id]
    has_rights: list[bool]
    ranks: list[int]


def _as_bool_array(values: ArrayLike, name: str) -> NDArray[np.bool_]:
    raw = values.to_numpy() if hasattr(values, "to_numpy") else values
    arr = np.asarray(raw)
    if arr.ndim != 1:
        raise InvalidInputError(f"'{name}' must be 1-dimensional (got shape {arr.shape})")
    if arr.dtype.kind in "iu":
        bad = np.flatnonzero((arr != 0) & (arr != 1))
        if bad.size:
            i = int(bad[0])
            raise InvalidInputError(f"'{name}' must be True/False (got {arr[i]!r} at index {i})")
    elif arr.dtype.kind != "b":
        for i, v in enumerate(arr.tolist()):
            if not isinstance(v, bool):
                raise InvalidInputError(f"'{name}' must be True/False (got {v!r} at index {i})")
    return arr.astype(bool)  # a copy: the caller's array is never shared


def _read_only(values: np.ndarray) -> np.ndarray:
    """A read-only view: nothing holding the network can change who is whose upline."""
    view: np.ndarray = np.asarray(values).view()
    view.flags.writeable = False
    return view


@attrs.frozen(repr=False, eq=False)
class DistributorNetwork:
    """Distributors, each with at most one upline, a rank and distribution rights.

    Build it with :meth:`from_edges`. The arrays are aligned: ``users[i]`` has upline
    ``users[upline[i]]`` (``upline[i] == -1`` for a distributor without one), holds distribution
    rights when ``has_rights[i]`` and has rank ``rank[i]``. ``users`` is sorted. The arrays are
    read-only: a network, like every value object here, does not change once built.

    Attributes
    ----------
    users : numpy.ndarray
        Sorted unique ids (int64 or str).
    upline : numpy.ndarray
        int64 index of each user's upline, -1 for none.
    has_rights : numpy.ndarray
        bool, whether each user currently holds distribution rights.
    rank : numpy.ndarray
        int64 distributor rank (0 when not given).

    Examples
    --------
    >>> net = DistributorNetwork.from_edges([1, 1], [2, 3], users=[3], has_rights=[False])
    >>> net
    DistributorNetwork(3 distributors, 2 with an upline, 2 with rights)
    """

    users: np.ndarray = attrs.field(converter=_read_only)
    upline: NDArray[np.int64] = attrs.field(converter=_read_only)
    has_rights: NDArray[np.bool_] = attrs.field(converter=_read_only)
    rank: NDArray[np.int64] = attrs.field(converter=_read_only)
    _index: IdIndex = attrs.field(init=False, repr=False)
    #: What the split of one order derives from the (frozen) network and a plan, by sharer,
    #: kept by :func:`~privtraffic.commission.split_commission` (bounded there).
    _split_memo: dict[object, object] = attrs.field(init=False, factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", IdIndex(self.users, noun="in the distributor network"))

    @classmethod
    def from_edges(
        cls,
        uplines: ArrayLike,
        distributors: ArrayLike,
        *,
        users: ArrayLike | None = None,
        has_rights: ArrayLike | None = None,
        ranks: ArrayLike | None = None,
    ) -> Self:
        """Build the network from (upline, distributor) edges and optional per-user attributes.

        The argument order is the one of ``ReferralGraph.from_edges(referrers, referees)``: the
        upline first, then the distributor who joined under them.

        Parameters
        ----------
        uplines : array-like of ids
            The upline of each edge.
        distributors : array-like of ids
            The distributor of each edge; each appears at most once (or always with the same
            upline).
        users : array-like of ids, optional
            Users the following arrays describe; may include users without edges (they join the
            network without an upline). Users not listed hold rights and have rank 0.
        has_rights : array-like of bool, optional
            Aligned with ``users``: whether each holds distribution rights (for example the
            distributor-qualification tier of :mod:`privtraffic.lifecycle`). Default: all do.
        ranks : array-like of int, optional
            Aligned with ``users``: distributor rank, for the plan's rank uplifts. Default 0.

        Returns
        -------
        DistributorNetwork

        Raises
        ------
        InvalidInputError
            Mismatched lengths, mixed id kinds, a distributor given two different uplines (names
            both rows), duplicate ``users``.
        ReferralCycleError
            The uplines form a cycle; the error's ``cycle`` lists it.

        Examples
        --------
        >>> DistributorNetwork.from_edges(["a", "b"], ["b", "a"])
        Traceback (most recent call last):
        ...
        privtraffic.errors.ReferralCycleError: upline cycle: 'a' -> 'b' -> 'a'
        """
        up = as_ids(uplines, "uplines")
        down = as_ids(distributors, "distributors")
        check_same_length(uplines=up, distributors=down)
        check_same_kind(up, down, "uplines", "distributors")
        listed = given_rights = given_ranks = None
        if users is not None:
            listed = as_ids(users, "users")
            check_same_kind(up if up.size else down, listed, "uplines", "users")
            if has_rights is not None:
                given_rights = _as_bool_array(has_rights, "has_rights")
                check_same_length(users=listed, has_rights=given_rights)
            if ranks is not None:
                given_ranks = as_int_array(ranks, "ranks")
                check_same_length(users=listed, ranks=given_ranks)
            uniq, counts = np.unique(listed, return_counts=True)
            if np.any(counts > 1):
                j = int(np.flatnonzero(counts > 1)[0])
                dup = np.flatnonzero(listed == uniq[j])
                raise InvalidInputError(
                    f"'users' must be unique (got {uniq[j].item()!r} at index {int(dup[0])} "
                    f"and {int(dup[1])})"
                )
        elif has_rights is not None or ranks is not None:
            raise InvalidInputError("'has_rights' and 'ranks' need 'users' to say whose they are")
        parts = [up, down] + ([listed] if listed is not None else [])
        if all(p.size == 0 for p in parts):
            ids = np.array([], dtype=np.int64)
        else:
            ids = np.unique(np.concatenate([p for p in parts if p.size]))
        n = len(ids)
        parent = np.full(n, -1, dtype=np.int64)
        if down.size:
            d_idx = np.searchsorted(ids, down)
            u_idx = np.searchsorted(ids, up)
            order = np.argsort(d_idx, kind="stable")
            ds, us = d_idx[order], u_idx[order]
            clash = np.flatnonzero((ds[1:] == ds[:-1]) & (us[1:] != us[:-1]))
            if clash.size:
                k = int(clash[0])
                r1, r2 = int(order[k]), int(order[k + 1])
                raise InvalidInputError(
                    f"'distributors' must have one upline each: {down[r1].item()!r} has upline "
                    f"{up[r1].item()!r} at row {r1} and {up[r2].item()!r} at row {r2}"
                )
            parent[d_idx] = u_idx
        rights = np.ones(n, dtype=bool)
        rank = np.zeros(n, dtype=np.int64)
        if listed is not None:
            pos = np.searchsorted(ids, listed)
            if given_rights is not None:
                rights[pos] = given_rights
            if given_ranks is not None:
                rank[pos] = given_ranks
        _check_acyclic(ids, parent)
        return cls(ids, parent, rights, rank)

    def __len__(self) -> int:
        return len(self.users)

    def index_of(
        self,
        ids: ArrayLike,
        name: str = "sharer",
        *,
        missing: Missing = "raise",
        labels: ArrayLike | None = None,
        label_name: str = "order",
    ) -> NDArray[np.int64]:
        """Positions of ``ids`` in :attr:`users`, by the one rule of privtraffic for unknown ids.

        The rule is :meth:`privtraffic._ids.IdIndex.index_of`'s, shared with
        ``ReferralGraph.index_of``: an id of the other kind (a string in a network of integer
        ids, or the reverse) raises; an id that is not in the network raises, naming the id, its
        row and (with ``labels``) its order, unless ``missing="mark"``, which gives ``-1``. The
        index is built once per network, so looking up one id is a dictionary lookup and many
        ids a vectorised search.

        Parameters
        ----------
        ids : array-like of ids
            The ids to look up.
        name : str
            Argument name for messages.
        missing : {"raise", "mark"}
            What an id that is not in the network gives: an error (default) or ``-1``.
        labels : array-like, optional
            Aligned with ``ids`` (for example order ids): named in the message for an unknown id.
        label_name : str
            What a label is, for the message (``"order"``, ``"payout"``).

        Returns
        -------
        numpy.ndarray
            int64.

        Raises
        ------
        InvalidInputError
            An id of the other kind, or (unless ``missing="mark"``) an id not in the network,
            named with its row (and label).

        Examples
        --------
        >>> net = DistributorNetwork.from_edges(["a"], ["b"])
        >>> net.index_of(["b", "a"])
        array([1, 0])
        >>> net.index_of(["b", "z"], labels=["o1", "o2"])
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'sharer' 'z' of order 'o2' (row 1) is not in the distributor network
        >>> net.index_of(["b", "z"], "buyer", missing="mark")
        array([ 1, -1])
        """  # noqa: E501
        return self._index.index_of(
            ids, name, missing=missing, labels=labels, label_name=label_name
        )

    def position(self, user: Id) -> int:
        """Index of one user in :attr:`users`, ``-1`` when absent (a dict lookup).

        Examples
        --------
        >>> net = DistributorNetwork.from_edges(["a"], ["b"])
        >>> net.position("b"), net.position("z")
        (1, -1)
        """
        return self._index.position(user)

    def chain(self, user: Id, depth: int) -> tuple[Id, ...]:
        """The user and their uplines, nearest first, at most ``depth`` long.

        Examples
        --------
        >>> DistributorNetwork.from_edges([1, 2], [2, 3]).chain(3, 2)
        (3, 2)
        """
        i = int(self.index_of([user], "user")[0])
        out: list[Id] = []
        while i >= 0 and len(out) < depth:
            out.append(self.users[i].item())
            i = int(self.upline[i])
        return tuple(out)

    def depths(self) -> NDArray[np.int64]:
        """Each user's level in the organisation: 1 without an upline, 2 under one, ...

        Examples
        --------
        >>> DistributorNetwork.from_edges(["a", "b"], ["b", "c"]).depths().tolist()
        [1, 2, 3]
        """
        depth = np.ones(len(self), dtype=np.int64)
        cur = self.upline.copy()
        while (cur >= 0).any():
            up = cur >= 0
            depth += up
            cur = np.where(up, self.upline[np.maximum(cur, 0)], -1)
        return depth

    def nearest_with_rights(self) -> NDArray[np.int64]:
        """For each user, the index of the nearest user at or above them holding rights.

        ``-1`` when nobody on the way up holds rights. Used by the ``"skip"`` policy.

        Examples
        --------
        >>> net = DistributorNetwork.from_edges(["a", "b"], ["b", "c"], users=["b"],
        ...                                     has_rights=[False])
        >>> net.users[net.nearest_with_rights()].tolist()
        ['a', 'a', 'c']
        """
        n = len(self.users)
        near = np.where(self.has_rights, np.arange(n), self.upline)
        # Pointer doubling: follow `near` until it stops at a holder of rights or at -1.
        while True:
            ok = near >= 0
            nxt = near.copy()
            nxt[ok] = near[near[ok]]
            if np.array_equal(nxt, near):
                return near
            near = nxt

    def to_dict(self) -> NetworkData:
        """JSON-ready data; :meth:`from_dict` inverts it.

        Examples
        --------
        >>> net = DistributorNetwork.from_edges(["a"], ["b"])
        >>> DistributorNetwork.from_dict(net.to_dict()).users.tolist()
        ['a', 'b']
        """
        has = self.upline >= 0
        return {
            "uplines": self.users[self.upline[has]].tolist(),
            "distributors": self.users[has].tolist(),
            "users": self.users.tolist(),
            "has_rights": self.has_rights.tolist(),
            "ranks": self.rank.tolist(),
        }

    @classmethod
    def from_dict(cls, data: NetworkData) -> Self:
        """Rebuild from :meth:`to_dict` output (see :class:`NetworkData` for the keys).

        Examples
        --------
        >>> DistributorNetwork.from_dict({"uplines": [1], "distributors": [2]}).users.tolist()
        [1, 2]
        """
        return cls.from_edges(
            data["uplines"],
            data["distributors"],
            users=data.get("users"),
            has_rights=data.get("has_rights"),
            ranks=data.get("ranks"),
        )

    def __repr__(self) -> str:
        return (
            f"DistributorNetwork({len(self):,} distributors, "
            f"{int((self.upline >= 0).sum()):,} with an upline, "
            f"{int(self.has_rights.sum()):,} with rights)"
        )

    def _repr_html_(self) -> str:
        def up(i: int) -> Id:
            return self.users[self.upline[i]].item() if self.upline[i] >= 0 else ""

        rows = (
            (self.users[i].item(), up(i), bool(self.has_rights[i]), int(self.rank[i]))
            for i in range(len(self))
        )
        return html_table(
            rows,
            ["distributor", "upline", "has rights", "rank"],
            title=f"DistributorNetwork ({len(self):,} distributors)",
        )


def _check_acyclic(ids: np.ndarray, parent: np.ndarray) -> None:
    n = len(ids)
    if n == 0:
        return
    anc = parent.copy()
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        ok = anc >= 0
        if not ok.any():
            return
        anc[ok] = anc[anc[ok]]
    if not (anc >= 0).any():
        return
    # Some user never reaches a top distributor: walk up from one until a user repeats.
    start = int(np.flatnonzero(anc >= 0)[0])
    seen: dict[int, int] = {}
    path: list[int] = []
    i = start
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = int(parent[i])
    # Walking up lists each user before their upline; the cycle reads upline -> distributor.
    loop = path[seen[i] :][::-1]
    first = loop.index(min(loop))
    cycle = tuple(ids[j].item() for j in loop[first:] + loop[:first])
    shown = " -> ".join(repr(u) for u in (*cycle, cycle[0]))
    raise ReferralCycleError(f"upline cycle: {shown}", cycle=cycle)
