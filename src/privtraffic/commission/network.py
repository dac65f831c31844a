"""The distributor network: who is whose upline, ranks and distribution rights.

Examples
--------
>>> from privtraffic.commission import DistributorNetwork
>>> net = DistributorNetwork.from_edges(["a", "b"], ["b", "c"])
>>> net.chain("c", 3)
('c', 'b', 'a')
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from privtraffic._html import html_table
from privtraffic._validation import as_ids, as_int_array, check_same_length
from privtraffic.errors import InvalidInputError, ReferralCycleError

__all__ = ["DistributorNetwork"]


def _same_kind(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.size and b.size and (a.dtype.kind == "U") != (b.dtype.kind == "U"):
        raise InvalidInputError(
            f"'{name_a}' and '{name_b}' must both be strings or both be integers "
            f"(got {a.dtype} and {b.dtype})"
        )


def _as_bool_array(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values)
    if arr.ndim != 1:
        raise InvalidInputError(f"'{name}' must be 1-dimensional (got shape {arr.shape})")
    if arr.dtype.kind == "b":
        return arr.copy()
    if arr.dtype.kind in "iu":
        bad = np.flatnonzero((arr != 0) & (arr != 1))
        if bad.size:
            i = int(bad[0])
            raise InvalidInputError(f"'{name}' must be True/False (got {arr[i]!r} at index {i})")
        return arr.astype(bool)
    for i, v in enumerate(arr.tolist()):
        if not isinstance(v, bool):
            raise InvalidInputError(f"'{name}' must be True/False (got {v!r} at index {i})")
    return arr.astype(bool)


@attrs.frozen(repr=False, eq=False)
class DistributorNetwork:
    """Distributors, each with at most one upline, a rank and distribution rights.

    Build it with :meth:`from_edges`. The arrays are aligned: ``users[i]`` has upline
    ``users[upline[i]]`` (``upline[i] == -1`` for a distributor without one), holds distribution
    rights when ``has_rights[i]`` and has rank ``rank[i]``. ``users`` is sorted.

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

    users: np.ndarray
    upline: np.ndarray
    has_rights: np.ndarray
    rank: np.ndarray
    _positions: dict[Any, int] | None = attrs.field(default=None, init=False, repr=False)

    @classmethod
    def from_edges(
        cls,
        uplines: Any,
        distributors: Any,
        *,
        users: Any = None,
        has_rights: Any = None,
        ranks: Any = None,
    ) -> DistributorNetwork:
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
        _same_kind(up, down, "uplines", "distributors")
        listed = None
        if users is not None:
            listed = as_ids(users, "users")
            _same_kind(listed, up if up.size else listed, "users", "uplines")
            n_listed = len(listed)
            if has_rights is not None:
                check_same_length(users=listed, has_rights=has_rights)
            if ranks is not None:
                check_same_length(users=listed, ranks=ranks)
            uniq, first, counts = np.unique(listed, return_index=True, return_counts=True)
            if np.any(counts > 1):
                j = int(np.flatnonzero(counts > 1)[0])
                dup = np.flatnonzero(listed == uniq[j])
                raise InvalidInputError(
                    f"'users' must be unique (got {uniq[j].item()!r} at index {int(dup[0])} "
                    f"and {int(dup[1])})"
                )
            del first, n_listed
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
            if has_rights is not None:
                rights[pos] = _as_bool_array(has_rights, "has_rights")
            if ranks is not None:
                rank[pos] = as_int_array(ranks, "ranks")
        _check_acyclic(ids, parent)
        return cls(ids, parent, rights, rank)

    def __len__(self) -> int:
        return len(self.users)

    def index_of(self, ids: Any, name: str = "sharer", *, labels: Any = None) -> np.ndarray:
        """Positions of ``ids`` in :attr:`users`; unknown ids raise.

        Parameters
        ----------
        ids : array-like of ids
            The ids to look up.
        name : str
            Argument name for messages.
        labels : array-like, optional
            Aligned with ``ids`` (for example order ids): named in the message for an unknown id.

        Returns
        -------
        numpy.ndarray
            int64.

        Raises
        ------
        InvalidInputError
            An id not in the network, named with its row (and label).

        Examples
        --------
        >>> net = DistributorNetwork.from_edges(["a"], ["b"])
        >>> net.index_of(["b", "a"])
        array([1, 0])
        >>> net.index_of(["b", "z"], labels=["o1", "o2"])
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'sharer' 'z' of order 'o2' (row 1) is not in the distributor network
        """  # noqa: E501
        arr = as_ids(ids, name)
        pos, found = self._lookup(arr)
        if not found.all():
            i = int(np.flatnonzero(~found)[0])
            where = f"(row {i})"
            if labels is not None:
                lab = np.asarray(labels)[i]
                lab = lab.item() if isinstance(lab, np.generic) else lab
                where = f"of order {lab!r} (row {i})"
            raise InvalidInputError(
                f"'{name}' {arr[i].item()!r} {where} is not in the distributor network"
            )
        return pos

    def position(self, user: Any) -> int:
        """Index of one user in :attr:`users`, ``-1`` when absent (a dict lookup).

        Examples
        --------
        >>> net = DistributorNetwork.from_edges(["a"], ["b"])
        >>> net.position("b"), net.position("z")
        (1, -1)
        """
        if self._positions is None:
            object.__setattr__(
                self, "_positions", {u: i for i, u in enumerate(self.users.tolist())}
            )
        assert self._positions is not None
        if isinstance(user, np.generic):
            user = user.item()
        if isinstance(user, bool):
            return -1
        return self._positions.get(user, -1)

    def _lookup(self, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of ``arr`` in users and a mask of which were found (kind-mismatch: none)."""
        n = len(self.users)
        if n == 0 or arr.size == 0 or (arr.dtype.kind == "U") != (self.users.dtype.kind == "U"):
            return np.full(arr.shape, -1, dtype=np.int64), np.zeros(arr.shape, dtype=bool)
        pos = np.searchsorted(self.users, arr)
        clipped = np.minimum(pos, n - 1)
        found = self.users[clipped] == arr
        return np.where(found, clipped, -1).astype(np.int64), found

    def chain(self, user: Any, depth: int) -> tuple[Any, ...]:
        """The user and their uplines, nearest first, at most ``depth`` long.

        Examples
        --------
        >>> DistributorNetwork.from_edges([1, 2], [2, 3]).chain(3, 2)
        (3, 2)
        """
        i = int(self.index_of([user], "user")[0])
        out: list[Any] = []
        while i >= 0 and len(out) < depth:
            out.append(self.users[i].item())
            i = int(self.upline[i])
        return tuple(out)

    def depths(self) -> np.ndarray:
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

    def nearest_with_rights(self) -> np.ndarray:
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

    def to_dict(self) -> dict[str, Any]:
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
    def from_dict(cls, data: dict[str, Any]) -> DistributorNetwork:
        """Rebuild from :meth:`to_dict` output.

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
        def up(i: int) -> Any:
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
