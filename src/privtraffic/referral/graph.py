"""The referral forest: who joined through whom, as integer-indexed arrays.

:class:`ReferralGraph` is built from a referral log with :meth:`ReferralGraph.from_edges`, which
applies the attribution rules of :mod:`privtraffic.referral.attribution`, rejects cycles and keeps
a report of every claim it did not apply. It stores one parent index per user plus the CSR
children and the bottom-up level order, so every per-user score is a handful of vectorised passes
over millions of users.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["ann", "ann", "bob"], ["bob", "cy", "dee"])
>>> g.users.tolist()
['ann', 'bob', 'cy', 'dee']
>>> g.referrer_of(["dee", "ann"]).tolist()
['bob', None]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from privtraffic._ids import IdIndex, Missing, check_same_kind
from privtraffic._validation import as_datetime64, as_ids, check_same_length
from privtraffic.errors import InvalidInputError, ReferralCycleError
from privtraffic.referral.attribution import AttributionRule, RejectedClaims, attribute_claims
from privtraffic.referral.forest import (
    ForestLevels,
    children_csr,
    cyclic_users,
    depths,
    levels,
)

if TYPE_CHECKING:
    import networkx as nx

    from privtraffic.referral.koc import KOCScores

__all__ = ["ReferralGraph"]

_ON_INVALID = ("raise", "report")


def _column(frame: Any, name: str) -> Any:
    return frame[name] if name in frame.columns else None


def _required_columns(
    frame: Any, columns: tuple[str, str], *, argument: str, missing: str, table: str
) -> tuple[Any, Any]:
    """The two columns of a DataFrame passed as ``argument`` in place of two arrays."""
    if not hasattr(frame, "columns"):
        raise InvalidInputError(
            f"{missing!r} is required unless {argument!r} is a DataFrame with "
            f"{columns[0]!r} and {columns[1]!r} columns"
        )
    for col in columns:
        if col not in frame.columns:
            raise InvalidInputError(f"the {table} DataFrame must have a {col!r} column")
    return frame[columns[0]], frame[columns[1]]


def _missing_mask(values: Any) -> np.ndarray:
    """Rows whose id is None or NaN (only used for ``on_invalid='report'``)."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    arr = np.asarray(values, dtype=object) if isinstance(values, (list, tuple)) else values
    arr = np.asarray(arr)
    if arr.dtype.kind == "f":
        return ~np.isfinite(arr)
    if arr.dtype.kind == "O":
        return np.array(
            [v is None or (isinstance(v, float) and not np.isfinite(v)) for v in arr], dtype=bool
        )
    return np.zeros(arr.shape[0], dtype=bool)


def _subset(values: Any, keep: np.ndarray) -> Any:
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    if isinstance(values, (list, tuple)):
        values = np.array(values, dtype=object)
    return np.asarray(values)[keep]


def _compact_int_range(ids: np.ndarray) -> tuple[int, int] | None:
    """(low, high) when integer ids are dense enough for a lookup table instead of a sort."""
    if ids.dtype.kind != "i" or not ids.size:
        return None
    lo, hi = int(ids.min()), int(ids.max())
    return (lo, hi) if hi - lo <= 4 * ids.size + 1024 else None


def _unique_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(ids, return_inverse=True)`` — by a presence table for dense integer ids."""
    bounds = _compact_int_range(ids)
    if bounds is None:
        users, inverse = np.unique(ids, return_inverse=True)
        return users, inverse.reshape(-1)
    lo, hi = bounds
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[ids - lo] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present) + lo, rank[ids - lo]


@attrs.frozen(eq=False, repr=False)
class ReferralGraph:
    """A referral forest over ``users``: ``parent[i]`` referred ``users[i]`` (``-1``: nobody).

    Build it with :meth:`from_edges` or :meth:`from_networkx`; the constructor takes the arrays
    as they are and only checks that they fit together.

    Parameters
    ----------
    users : numpy.ndarray
        The user ids (all integers or all strings), sorted and unique.
    parent : numpy.ndarray
        ``int64`` index into ``users`` of each user's referrer, ``-1`` for roots.
    referred_at : numpy.ndarray, optional
        ``datetime64[s]`` time of the applied referral (``NaT`` for roots), when the log had times.
    rejected : RejectedClaims, optional
        The claims of the log that were not applied, with reasons.

    Attributes
    ----------
    depth : numpy.ndarray
        ``int64`` depth of every user (0 for roots).
    child_ptr, children : numpy.ndarray
        CSR children: the users referred by ``users[i]`` are
        ``users[children[child_ptr[i]:child_ptr[i + 1]]]``.
    levels : ForestLevels
        Bottom-up processing order used by the scores.

    Raises
    ------
    InvalidInputError
        Arrays of different lengths, ``users`` not sorted and unique, parents out of range, or
        a cycle.

    Examples
    --------
    >>> import numpy as np
    >>> g = ReferralGraph(np.array([10, 11, 12]), np.array([-1, 0, 1]))
    >>> g.depth.tolist(), g.n_users
    ([0, 1, 2], 3)
    """

    users: np.ndarray = attrs.field(converter=np.asarray)
    parent: np.ndarray = attrs.field(converter=lambda p: np.asarray(p, dtype=np.int64))
    referred_at: np.ndarray | None = attrs.field(default=None)
    rejected: RejectedClaims | None = attrs.field(default=None)
    depth: np.ndarray = attrs.field(init=False)
    child_ptr: np.ndarray = attrs.field(init=False)
    children: np.ndarray = attrs.field(init=False)
    levels: ForestLevels = attrs.field(init=False)
    _ids: IdIndex = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        n = self.users.shape[0]
        check_same_length(users=self.users, parent=self.parent)
        unsorted = np.flatnonzero(self.users[1:] <= self.users[:-1])
        if unsorted.size:
            i = int(unsorted[0]) + 1
            raise InvalidInputError(
                f"'users' must be sorted and unique (got {self.users[i].item()!r} after "
                f"{self.users[i - 1].item()!r} at index {i})"
            )
        if self.referred_at is not None:
            check_same_length(users=self.users, referred_at=self.referred_at)
        bad = np.flatnonzero((self.parent < -1) | (self.parent >= n))
        if bad.size:
            i = int(bad[0])
            raise InvalidInputError(
                f"'parent' must index 'users' or be -1 (got {int(self.parent[i])} at index {i})"
            )
        if self.rejected is None:
            empty = np.zeros(0, dtype=np.int64)
            object.__setattr__(
                self,
                "rejected",
                RejectedClaims(empty, self.users[:0], self.users[:0], np.zeros(0, str), empty),
            )
        depth = depths(self.parent)
        ptr, children = children_csr(self.parent)
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "child_ptr", ptr)
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "levels", levels(self.parent, depth, (ptr, children)))
        object.__setattr__(self, "_ids", IdIndex(self.users, noun="in the graph"))

    # ------------------------------------------------------------------ building
    @classmethod
    def from_edges(
        cls,
        referrers: Any,
        referees: Any = None,
        at: Any = None,
        *,
        joined_at: Any = None,
        rule: AttributionRule | None = None,
        users: Any = None,
        on_invalid: str = "raise",
    ) -> ReferralGraph:
        """Build the forest from a referral log, applying the attribution rules.

        Each row says "``referee`` joined through ``referrer``". First touch wins by default
        (see :class:`~privtraffic.referral.attribution.AttributionRule`); claims that are not
        applied are listed in :attr:`rejected` with their row and reason.

        Parameters
        ----------
        referrers : array-like or pandas.DataFrame
            Referrer id per row. A DataFrame with columns ``referrer``, ``referee`` and
            optionally ``at`` and ``joined_at`` may be passed instead of the separate arrays.
        referees : array-like
            Referee id per row (same kind of id as ``referrers``: integers or strings).
        at : array-like, optional
            Time of the share / claim per row. With it, "first touch" means earliest in time
            (ties by row order); without it, earliest in row order.
        joined_at : array-like, optional
            Time the referee joined or first bought, per row; needed with an attribution window.
        rule : AttributionRule, optional
            Touch rule and attribution window; default first touch, no window.
        users : array-like, optional
            Extra user ids to include (for example every registered user), so that users with
            no referral edge still get a row in the scores.
        on_invalid : {"raise", "report"}
            ``"raise"`` (default): a missing or mixed-type id, a self-referral, a cycle (and, with
            ``touch="unique"``, a second referrer) raise. ``"report"``: those rows are skipped and
            listed in :attr:`rejected`; for a cycle, the claim on it that came last (by ``at``,
            then row) is the one rejected. Later / duplicate / out-of-window claims are reported,
            not applied, in both modes.

        Returns
        -------
        ReferralGraph

        Raises
        ------
        InvalidInputError
            Missing (None / NaN) or mixed-type ids, self-referral, different lengths.
        ReferralCycleError
            The applied claims form a cycle; ``.cycle`` lists its users, each referring the next.

        Notes
        -----
        A claim that lost to another claim on the same referee is not reconsidered when the
        winning claim is later rejected for closing a cycle (report mode); both appear in
        :attr:`rejected`.

        Examples
        --------
        >>> g = ReferralGraph.from_edges([1, 1, 3], [2, 3, 2])      # 3 -> 2 is a later claim
        >>> g.parent.tolist(), g.rejected.reason.tolist()
        ([-1, 0, 0], ['later claim'])
        >>> ReferralGraph.from_edges(["a", "b"], ["b", "a"])
        Traceback (most recent call last):
        ...
        privtraffic.errors.ReferralCycleError: referral cycle 'a' -> 'b' -> 'a' (rows 0, 1)
        >>> r = ReferralGraph.from_edges(["a", "b"], ["b", "a"], on_invalid="report").rejected
        >>> r.row.tolist(), r.reason.tolist()
        ([1], ["closes referral cycle 'a' -> 'b' -> 'a'"])
        """
        if on_invalid not in _ON_INVALID:
            raise InvalidInputError(
                f"'on_invalid' must be one of {_ON_INVALID} (got {on_invalid!r})"
            )
        if referees is None:
            frame = referrers
            referrers, referees = _required_columns(
                frame,
                ("referrer", "referee"),
                argument="referrers",
                missing="referees",
                table="referral",
            )
            at = _column(frame, "at") if at is None else at
            joined_at = _column(frame, "joined_at") if joined_at is None else joined_at
        n_rows = check_same_length(referrers=referrers, referees=referees)
        valid = None
        if on_invalid == "report":
            missing = _missing_mask(referrers) | _missing_mask(referees)
            if missing.any():
                valid = ~missing
                referrers, referees = _subset(referrers, valid), _subset(referees, valid)
        src_ids = as_ids(referrers, "referrers")
        dst_ids = as_ids(referees, "referees")
        check_same_kind(src_ids, dst_ids, "referrers", "referees")
        extra = None
        if users is not None:
            extra = as_ids(users, "users")
            check_same_kind(src_ids if src_ids.size else dst_ids, extra, "referrers", "users")
        at_arr = None if at is None else as_datetime64(at, "at")
        joined_arr = None if joined_at is None else as_datetime64(joined_at, "joined_at")
        if at_arr is not None:
            check_same_length(referrers=np.empty(n_rows), at=at_arr)
        if joined_arr is not None:
            check_same_length(referrers=np.empty(n_rows), joined_at=joined_arr)
        return cls._build(
            src_ids, dst_ids, at_arr, joined_arr, rule, valid, extra, on_invalid, n_rows
        )

    @classmethod
    def _build(
        cls,
        src_ids: np.ndarray,
        dst_ids: np.ndarray,
        at: np.ndarray | None,
        joined_at: np.ndarray | None,
        rule: AttributionRule | None,
        valid: np.ndarray | None,
        extra: np.ndarray | None,
        on_invalid: str,
        n_rows: int,
    ) -> ReferralGraph:
        parts = [src_ids, dst_ids] + ([extra] if extra is not None else [])
        all_ids = np.concatenate([p for p in parts if p.size] or [src_ids])
        users, inverse = _unique_ids(all_ids)
        m = src_ids.shape[0]
        src_v = inverse[:m].astype(np.int64)
        dst_v = inverse[m : 2 * m].astype(np.int64)
        # map the surviving (non-missing) rows back onto the caller's row numbers
        rows = np.flatnonzero(valid) if valid is not None else np.arange(n_rows)
        src = np.full(n_rows, -1, dtype=np.int64)
        dst = np.full(n_rows, -1, dtype=np.int64)
        src[rows], dst[rows] = src_v, dst_v
        decision = attribute_claims(
            src, dst, at, joined_at, rule=rule, valid=valid, on_invalid=on_invalid, labels=users
        )
        applied = decision.applied
        parent = np.full(users.shape[0], -1, dtype=np.int64)
        parent[dst[applied]] = src[applied]
        edge_row = np.full(users.shape[0], -1, dtype=np.int64)
        edge_row[dst[applied]] = applied
        cycle_rows, cycle_reasons = cls._break_cycles(parent, edge_row, at, users, on_invalid)
        referred_at = None
        if at is not None:
            referred_at = np.full(users.shape[0], np.datetime64("NaT"), dtype="datetime64[s]")
            has = edge_row >= 0
            referred_at[has] = at[edge_row[has]]
        rej_rows = np.concatenate([decision.rejected_rows, cycle_rows])
        rej_reason = np.concatenate([decision.rejected_reasons.astype(object), cycle_reasons])
        applied_row = np.concatenate(
            [decision.applied_row, np.full(cycle_rows.shape[0], -1, dtype=np.int64)]
        )
        srt = np.argsort(rej_rows, kind="stable")
        rej_rows, rej_reason, applied_row = rej_rows[srt], rej_reason[srt], applied_row[srt]
        rejected = RejectedClaims(
            row=rej_rows,
            referrer=cls._labels(users, src[rej_rows]),
            referee=cls._labels(users, dst[rej_rows]),
            reason=np.array(rej_reason.tolist(), dtype=str),
            applied_row=applied_row,
        )
        return cls(users=users, parent=parent, referred_at=referred_at, rejected=rejected)

    @staticmethod
    def _labels(users: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if not (idx < 0).any():
            return users[idx]
        out = users[np.maximum(idx, 0)].astype(object)
        out[idx < 0] = "<missing>"
        return out

    @staticmethod
    def _break_cycles(
        parent: np.ndarray,
        edge_row: np.ndarray,
        at: np.ndarray | None,
        users: np.ndarray,
        on_invalid: str,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Remove (report mode) or raise on cycles; mutates ``parent`` and ``edge_row``."""
        stuck = cyclic_users(parent)
        rows: list[int] = []
        reasons: list[str] = []
        finished = np.zeros(parent.shape[0], dtype=bool)
        for start in stuck.tolist():
            path: list[int] = []
            pos: dict[int, int] = {}
            v = start
            while v >= 0 and not finished[v] and v not in pos:
                pos[v] = len(path)
                path.append(v)
                v = int(parent[v])
            finished[path] = True
            if v < 0 or v not in pos:
                continue  # reaches a root or a cycle handled already
            cyc = path[pos[v] :][::-1]  # referrer first: each refers the next
            k = int(np.argmin(cyc))
            cyc = cyc[k:] + cyc[:k]
            names = " -> ".join(repr(users[i].item()) for i in [*cyc, cyc[0]])
            row_of = {int(edge_row[u]): u for u in cyc}  # the claim that put u under its referrer
            if on_invalid == "raise":
                raise ReferralCycleError(
                    f"referral cycle {names} (rows {', '.join(map(str, sorted(row_of)))})",
                    cycle=tuple(users[i].item() for i in cyc),
                )
            if at is not None:
                last = max(row_of, key=lambda r: (int(at[r].astype(np.int64)), r))
            else:
                last = max(row_of)
            referee = row_of[last]
            parent[referee] = -1
            edge_row[referee] = -1
            rows.append(last)
            reasons.append(f"closes referral cycle {names}")
        return np.array(rows, dtype=np.int64), np.array(reasons, dtype=object)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> ReferralGraph:
        """Build from a directed networkx graph whose edges point from referrer to referee.

        An edge attribute ``at`` (share time), when present on every edge, orders competing
        claims as in :meth:`from_edges`; otherwise edge order does.

        Parameters
        ----------
        graph : networkx.DiGraph
            Nodes are user ids (all integers or all strings); isolated nodes become roots.

        Returns
        -------
        ReferralGraph

        Raises
        ------
        InvalidInputError
            The graph is undirected, or as in :meth:`from_edges`.
        ReferralCycleError
            The edges form a cycle.

        Examples
        --------
        >>> import networkx as nx
        >>> g = ReferralGraph.from_networkx(nx.DiGraph([("a", "b"), ("b", "c")]))
        >>> g.depth.tolist()
        [0, 1, 2]
        >>> sorted(g.to_networkx().edges())
        [('a', 'b'), ('b', 'c')]
        """
        if not graph.is_directed():
            raise InvalidInputError("'graph' must be directed (edges point referrer -> referee)")
        edges = list(graph.edges(data=True))
        src = [e[0] for e in edges]
        dst = [e[1] for e in edges]
        times = [e[2].get("at") for e in edges]
        at = times if edges and all(t is not None for t in times) else None
        nodes = list(graph.nodes())
        return cls.from_edges(src, dst, at, users=nodes if nodes else None)

    def to_networkx(self) -> nx.DiGraph:
        """The forest as a ``networkx.DiGraph`` with edges referrer -> referee.

        Every user is a node; edges carry ``at`` when the log had times.

        Returns
        -------
        networkx.DiGraph

        Examples
        --------
        >>> g = ReferralGraph.from_edges([1, 1], [2, 3])
        >>> G = g.to_networkx()
        >>> G.number_of_nodes(), sorted(G.successors(1))
        (3, [2, 3])
        """
        import networkx as nx

        G = nx.DiGraph()
        ids = self.users.tolist()
        G.add_nodes_from(ids)
        child = np.flatnonzero(self.parent >= 0)
        src = self.users[self.parent[child]].tolist()
        dst = self.users[child].tolist()
        if self.referred_at is None:
            G.add_edges_from(zip(src, dst, strict=True))
        else:
            ts = self.referred_at[child].tolist()
            G.add_edges_from((a, b, {"at": t}) for a, b, t in zip(src, dst, ts, strict=True))
        return G

    # ------------------------------------------------------------------ queries
    @property
    def n_users(self) -> int:
        """Number of users (nodes).

        Examples
        --------
        >>> ReferralGraph.from_edges([1], [2]).n_users
        2
        """
        return int(self.users.shape[0])

    @property
    def n_referred(self) -> int:
        """Number of users with an applied referrer (edges).

        Examples
        --------
        >>> ReferralGraph.from_edges([1, 1], [2, 3]).n_referred
        2
        """
        return int((self.parent >= 0).sum())

    def index_of(self, ids: Any, name: str = "ids", *, missing: Missing = "raise") -> np.ndarray:
        """Index into :attr:`users` of each id, by the library's one rule for unknown ids.

        The rule (shared with every id lookup of privtraffic, see :mod:`privtraffic._ids`):
        an id of the other kind (a string in a graph of integer ids, or the reverse) always
        raises; an id that is not in the graph raises naming the id and its row, unless
        ``missing="mark"``, which gives ``-1`` for it. The lookup table is built once per graph.

        Parameters
        ----------
        ids : array-like
            User ids of the graph's kind.
        name : str
            The argument's name for messages.
        missing : {"raise", "mark"}
            What an id that is not in the graph does: raise (default) or give ``-1``.

        Returns
        -------
        numpy.ndarray
            ``int64``.

        Raises
        ------
        InvalidInputError
            Missing or mixed-type ids, ids of the other kind (strings vs integers), or (with
            ``missing="raise"``) an id that is not in the graph.

        Examples
        --------
        >>> g = ReferralGraph.from_edges(["a"], ["b"])
        >>> g.index_of(["b", "a"]).tolist()
        [1, 0]
        >>> g.index_of(["b", "zed"], missing="mark").tolist()
        [1, -1]
        >>> g.index_of(["b", "zed"], "buyers")
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'buyers' 'zed' (row 1) is not in the graph
        """
        return self._ids.index_of(ids, name, missing=missing)

    def referrer_of(self, ids: Any) -> np.ndarray:
        """The referrer of each id (``None`` for roots and unknown ids).

        Parameters
        ----------
        ids : array-like

        Returns
        -------
        numpy.ndarray
            ``object`` array of ids.

        Examples
        --------
        >>> ReferralGraph.from_edges([7], [8]).referrer_of([8, 7]).tolist()
        [7, None]
        """
        idx = self.index_of(ids, missing="mark")
        par = np.where(idx >= 0, self.parent[np.maximum(idx, 0)], -1)
        out = np.empty(idx.shape[0], dtype=object)
        has = par >= 0
        out[has] = self.users[par[has]].tolist() if has.any() else []
        return out

    def referees_of(self, user: Any) -> np.ndarray:
        """The users ``user`` referred directly, in id order.

        Parameters
        ----------
        user : int or str

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        InvalidInputError
            ``user`` is not in the graph.

        Examples
        --------
        >>> ReferralGraph.from_edges(["a", "a"], ["c", "b"]).referees_of("a").tolist()
        ['b', 'c']
        """
        i = int(self.index_of([user], "user", missing="mark")[0])
        if i < 0:
            raise InvalidInputError(f"'user' must be in the graph (got {user!r})")
        return self.users[self.children[self.child_ptr[i] : self.child_ptr[i + 1]]]

    def koc_scores(
        self,
        buyers: Any,
        values: Any = None,
        at: Any = None,
        **options: Any,
    ) -> KOCScores:
        """Per-user referral aggregates, KOC score and flags (see ``koc_scores``).

        Parameters
        ----------
        buyers : array-like or pandas.DataFrame
            Buyer id per order (or a DataFrame with ``buyer``, ``value`` and optional ``at``).
        values : array-like, optional
            Purchase value per order.
        at : array-like, optional
            Order time per order.
        **options
            Passed to :func:`~privtraffic.referral.koc_scores` (``decay``, ``alpha``, ...).

        Returns
        -------
        KOCScores

        Examples
        --------
        >>> g = ReferralGraph.from_edges(["a", "a"], ["b", "c"])
        >>> t = g.koc_scores(["a", "a", "b", "z"], [10.0, 5.0, 20.0, 1.0])
        >>> t["converted_referrals"].tolist(), t["is_koc"].tolist(), t.n_organic_orders
        ([1, 0, 0], [True, False, False], 1)
        """
        from privtraffic.referral.koc import koc_scores

        return koc_scores(self, buyers, values, at, **options)

    def __repr__(self) -> str:
        return (
            f"ReferralGraph({self.n_users:,} users, {self.n_referred:,} referred, "
            f"max depth {self.levels.max_depth}, {len(self.rejected or ()):,} claims rejected)"
        )

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows: Sequence[tuple[str, Any]] = [
            ("users", self.n_users),
            ("referred", self.n_referred),
            ("roots", self.n_users - self.n_referred),
            ("max depth", self.levels.max_depth),
            ("claims rejected", len(self.rejected or ())),
        ]
        return html_table(rows, ["", "value"], title="ReferralGraph")
