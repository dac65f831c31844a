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
from typing import TYPE_CHECKING, Literal, TypeAlias, get_args

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._ids import IdIndex, Missing, check_same_kind, unique_ids
from privtraffic._validation import as_datetime64, as_ids, check_same_length, first_index
from privtraffic.errors import InvalidInputError, ReferralCycleError
from privtraffic.referral._inputs import (
    Moment,
    optional_column,
    required_columns,
    sized,
    user_position,
)
from privtraffic.referral.attribution import (
    AttributionRule,
    OnInvalid,
    RejectedClaims,
    RejectionReason,
    _cycle_text,
    attribute_claims,
)
from privtraffic.referral.forest import (
    ForestLevels,
    children_csr,
    depths,
    levels,
    reach,
)
from privtraffic.referral.koc import KOCScores
from privtraffic.referral.koc import koc_scores as _koc_scores

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx as nx
    import pandas as pd
    from typing_extensions import Self

__all__ = ["ReferralGraph", "UserIds"]

#: User ids: one array of integers or of strings.
UserIds: TypeAlias = "NDArray[np.int64 | np.str_]"

_ON_INVALID = get_args(OnInvalid)


def _as_array(values: ArrayLike) -> NDArray[np.generic]:
    """The caller's values as an array, keeping each element's own type for lists."""
    if isinstance(values, (list, tuple)):
        return np.array(values, dtype=object)
    to_numpy = getattr(values, "to_numpy", None)  # a pandas Series
    out: NDArray[np.generic] = np.asarray(to_numpy() if to_numpy is not None else values)
    return out


def _missing_mask(values: ArrayLike) -> NDArray[np.bool_]:
    """Rows whose id is None or NaN (only used for ``on_invalid='report'``)."""
    arr = _as_array(values)
    if arr.dtype.kind == "f":
        out: NDArray[np.bool_] = ~np.isfinite(arr)
        return out
    if arr.dtype.kind == "O":
        return np.array(
            [v is None or (isinstance(v, float) and not np.isfinite(v)) for v in arr], dtype=bool
        )
    return np.zeros(arr.shape[0], dtype=bool)


def _users(values: ArrayLike) -> UserIds:
    out: UserIds = np.asarray(values)
    return out


def _parents(values: ArrayLike) -> NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64)


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

    users: UserIds = attrs.field(converter=_users)
    parent: NDArray[np.int64] = attrs.field(converter=_parents)
    referred_at: NDArray[np.datetime64] | None = attrs.field(default=None)
    rejected: RejectedClaims = attrs.field(
        default=attrs.Factory(lambda self: RejectedClaims.empty(self.users), takes_self=True)
    )
    depth: NDArray[np.int64] = attrs.field(init=False)
    child_ptr: NDArray[np.int64] = attrs.field(init=False)
    children: NDArray[np.int64] = attrs.field(init=False)
    levels: ForestLevels = attrs.field(init=False)
    _ids: IdIndex = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        n = self.users.shape[0]
        check_same_length(users=self.users, parent=self.parent)
        unsorted = np.flatnonzero(np.less_equal(self.users[1:], self.users[:-1]))
        if unsorted.size:
            i = int(unsorted[0]) + 1
            raise InvalidInputError(
                f"'users' must be sorted and unique (got {self.users[i].item()!r} after "
                f"{self.users[i - 1].item()!r} at index {i})"
            )
        if self.referred_at is not None:
            check_same_length(users=self.users, referred_at=self.referred_at)
        i = first_index((self.parent < -1) | (self.parent >= n))
        if i >= 0:
            raise InvalidInputError(
                f"'parent' must index 'users' or be -1 (got {int(self.parent[i])} at index {i})"
            )
        self._derive(depths(self.parent))

    def _derive(self, depth: NDArray[np.int64]) -> None:
        """Set the derived fields from the checked parent pointers and their depths."""
        ptr, children = children_csr(self.parent)
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "child_ptr", ptr)
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "levels", levels(self.parent, depth, (ptr, children)))
        object.__setattr__(self, "_ids", IdIndex(self.users, noun="in the graph"))

    @classmethod
    def _from_forest(
        cls,
        users: UserIds,
        parent: NDArray[np.int64],
        depth: NDArray[np.int64],
        referred_at: NDArray[np.datetime64] | None,
        rejected: RejectedClaims,
    ) -> Self:
        """A graph from arrays that are right by construction (sorted unique users, an acyclic
        int64 ``parent`` indexing them, its ``depth``): the checks and the depths of
        ``__init__`` are not repeated."""
        graph = cls.__new__(cls)
        for name, value in (
            ("users", users),
            ("parent", parent),
            ("referred_at", referred_at),
            ("rejected", rejected),
        ):
            object.__setattr__(graph, name, value)
        graph._derive(depth)
        return graph

    # ------------------------------------------------------------------ building
    @classmethod
    def from_edges(
        cls,
        referrers: ArrayLike | pd.DataFrame,
        referees: ArrayLike | None = None,
        at: ArrayLike | None = None,
        *,
        joined_at: ArrayLike | None = None,
        rule: AttributionRule | None = None,
        users: ArrayLike | None = None,
        on_invalid: OnInvalid = "raise",
    ) -> Self:
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
            The forest of the applied claims; the others are listed in :attr:`rejected`.

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
            frame, referrers, referees = required_columns(
                referrers,
                ("referrer", "referee"),
                argument="referrers",
                missing="referees",
                table="referral",
            )
            at = optional_column(frame, "at") if at is None else at
            joined_at = optional_column(frame, "joined_at") if joined_at is None else joined_at
        n_rows = check_same_length(
            referrers=sized(referrers, "referrers"), referees=sized(referees, "referees")
        )
        valid = None
        if on_invalid == "report":
            missing = _missing_mask(referrers) | _missing_mask(referees)
            if missing.any():
                valid = ~missing
                referrers, referees = _as_array(referrers)[valid], _as_array(referees)[valid]
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
        src_ids: UserIds,
        dst_ids: UserIds,
        at: NDArray[np.datetime64] | None,
        joined_at: NDArray[np.datetime64] | None,
        rule: AttributionRule | None,
        valid: NDArray[np.bool_] | None,
        extra: UserIds | None,
        on_invalid: OnInvalid,
        n_rows: int,
    ) -> Self:
        parts = [src_ids, dst_ids] + ([extra] if extra is not None else [])
        all_ids = np.concatenate([p for p in parts if p.size] or [src_ids])
        users, inverse = unique_ids(all_ids)
        m = src_ids.shape[0]
        src_v = inverse[:m]
        dst_v = inverse[m : 2 * m]
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
        depth, settled = reach(parent)
        cycle_rows, cycle_reasons = cls._break_cycles(
            parent, edge_row, at, users, on_invalid, np.flatnonzero(~settled)
        )
        if cycle_rows.size:  # claims were taken out: the depths change
            depth, _ = reach(parent)
        referred_at = None
        if at is not None:
            referred_at = np.full(users.shape[0], np.datetime64("NaT"), dtype="datetime64[s]")
            has = edge_row >= 0
            referred_at[has] = at[edge_row[has]]
        n_cycles = cycle_rows.shape[0]
        rej_rows = np.concatenate([decision.rejected_rows, cycle_rows])
        rej_code = np.concatenate(
            [decision.rejected_codes, np.full(n_cycles, RejectionReason.CYCLE, dtype=object)]
        )
        rej_reason = np.concatenate([decision.rejected_reasons.astype(object), cycle_reasons])
        applied_row = np.concatenate([decision.applied_row, np.full(n_cycles, -1, dtype=np.int64)])
        srt = np.argsort(rej_rows, kind="stable")
        rejected = RejectedClaims(
            row=rej_rows[srt],
            referrer=cls._labels(users, src[rej_rows[srt]]),
            referee=cls._labels(users, dst[rej_rows[srt]]),
            code=rej_code[srt],
            reason=rej_reason[srt].tolist(),
            applied_row=applied_row[srt],
        )
        return cls._from_forest(users, parent, depth, referred_at, rejected)

    @staticmethod
    def _labels(users: UserIds, idx: NDArray[np.int64]) -> NDArray[np.generic]:
        if not (idx < 0).any():
            found: NDArray[np.generic] = users[idx]
            return found
        out: NDArray[np.object_] = users[np.maximum(idx, 0)].astype(object)
        out[idx < 0] = "<missing>"
        return out

    @staticmethod
    def _break_cycles(
        parent: NDArray[np.int64],
        edge_row: NDArray[np.int64],
        at: NDArray[np.datetime64] | None,
        users: UserIds,
        on_invalid: OnInvalid,
        stuck: NDArray[np.int64],
    ) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
        """Remove (report mode) or raise on the cycles that the ``stuck`` users (who never reach
        a root) sit on or below; mutates ``parent`` and ``edge_row``."""
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
            names = _cycle_text(users, cyc)
            row_of = {int(edge_row[u]): u for u in cyc}  # the claim that put u under its referrer
            if on_invalid == "raise":
                raise ReferralCycleError(
                    f"referral cycle {names} (rows {', '.join(map(str, sorted(row_of)))})",
                    cycle=tuple(users[i].item() for i in cyc),
                )
            if at is not None:
                when = at
                last = max(row_of, key=lambda r: (int(when[r].astype(np.int64)), r))
            else:
                last = max(row_of)
            referee = row_of[last]
            parent[referee] = -1
            edge_row[referee] = -1
            rows.append(last)
            reasons.append(f"{RejectionReason.CYCLE.text} {names}")
        return np.array(rows, dtype=np.int64), np.array(reasons, dtype=object)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph[int] | nx.DiGraph[str]) -> Self:
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
            The forest of the graph's edges, its nodes as users.

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

    def index_of(
        self, ids: ArrayLike, name: str = "ids", *, missing: Missing = "raise"
    ) -> NDArray[np.int64]:
        """Index into :attr:`users` of each id, by the library's one rule for unknown ids.

        The rule is the one every id lookup of privtraffic follows (a distributor network's
        too): an id of the other kind (a string in a graph of integer ids, or the reverse) always
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
            ``int64``, one position per id (``-1`` for an id not in the graph, with
            ``missing="mark"``).

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
        >>> g.index_of(["b", "zed"], "users")
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'users' 'zed' (row 1) is not in the graph
        """
        return self._ids.index_of(ids, name, missing=missing)

    def position(self, user: int | str, name: str = "user", *, missing: Missing = "raise") -> int:
        """Index into :attr:`users` of one id, in O(1): the one-id form of :meth:`index_of`.

        The same rule as :meth:`index_of` (an id of the other kind, a missing id or a boolean
        raises; an id not in the graph raises unless ``missing="mark"``, which gives ``-1``),
        through a hash table built once per graph and shared by every thread, so a request
        handler can look users up without array set-up.

        Parameters
        ----------
        user : int or str
            A user id of the graph's kind.
        name : str
            The argument's name for messages.
        missing : {"raise", "mark"}
            What an id that is not in the graph does.

        Returns
        -------
        int
            The position (``-1`` for an id not in the graph, with ``missing="mark"``).

        Raises
        ------
        InvalidInputError
            As :meth:`index_of`.

        Examples
        --------
        >>> g = ReferralGraph.from_edges(["a"], ["b"])
        >>> g.position("b"), g.position("zed", missing="mark")
        (1, -1)
        >>> g.position(7)
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'user' must be the same kind of id as the index (strings); got 7 at index 0
        """  # noqa: E501
        return user_position(self._ids, user, name, missing)

    def referrer_of(self, ids: ArrayLike) -> NDArray[np.object_]:
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

    def referees_of(self, user: int | str) -> UserIds:
        """The users ``user`` referred directly, in id order.

        Parameters
        ----------
        user : int or str
            A user id of the graph's kind.

        Returns
        -------
        numpy.ndarray
            Their ids (empty for a user who referred nobody).

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
        out: UserIds = self.users[self.children[self.child_ptr[i] : self.child_ptr[i + 1]]]
        return out

    @renamed_keywords(buyers="users")
    def koc_scores(
        self,
        users: ArrayLike | pd.DataFrame,
        values: ArrayLike | None = None,
        at: ArrayLike | None = None,
        *,
        decay: float = 0.5,
        alpha: float = 0.85,
        personalization: Literal["value"] | ArrayLike | None = None,
        window_days: float | None = None,
        as_of: Moment | None = None,
        potential_threshold: float = 0.5,
    ) -> KOCScores:
        """Per-user referral aggregates, KOC score and flags: :func:`~privtraffic.referral.koc_scores`.

        Parameters
        ----------
        users : array-like or pandas.DataFrame
            The buyer of each order (or a DataFrame with ``user``, ``value`` and optional
            ``at``). The old keyword ``buyers`` still works for one release, with a
            :class:`DeprecationWarning`.
        values : array-like, optional
            Purchase value per order.
        at : array-like, optional
            Order time per order.
        decay, alpha, personalization, window_days, as_of, potential_threshold
            As in :func:`~privtraffic.referral.koc_scores`.

        Returns
        -------
        KOCScores

        Examples
        --------
        >>> g = ReferralGraph.from_edges(["a", "a"], ["b", "c"])
        >>> t = g.koc_scores(["a", "a", "b", "z"], [10.0, 5.0, 20.0, 1.0])
        >>> t["converted_referrals"].tolist(), t["is_koc"].tolist(), t.n_organic_orders
        ([1, 0, 0], [True, False, False], 1)
        """  # noqa: E501
        return _koc_scores(
            self,
            users,
            values,
            at,
            decay=decay,
            alpha=alpha,
            personalization=personalization,
            window_days=window_days,
            as_of=as_of,
            potential_threshold=potential_threshold,
        )

    def __repr__(self) -> str:
        return (
            f"ReferralGraph({self.n_users:,} users, {self.n_referred:,} referred, "
            f"max depth {self.levels.max_depth}, {len(self.rejected):,} claims rejected)"
        )

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows: Sequence[tuple[str, int]] = [
            ("users", self.n_users),
            ("referred", self.n_referred),
            ("roots", self.n_users - self.n_referred),
            ("max depth", self.levels.max_depth),
            ("claims rejected", len(self.rejected)),
        ]
        return html_table(rows, ["", "value"], title="ReferralGraph")
