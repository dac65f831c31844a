"""Tier flows between classification snapshots: transition matrix, Markov forecast, steady state.

Users are matched by id across snapshots. A user absent from a snapshot, or without a tier in
it, is in the extra state ``None`` (last row and column), so new users entering and users lapsing
out of every tier are counted too.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Union, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._tables import ColumnarTable
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

    from privtraffic.lifecycle.classify import TierTable

__all__ = ["TransitionMatrix", "transition_matrix"]

#: A state mix to start from: one count or share per state, or a mapping state -> count.
Mix = Union[ArrayLike, Mapping[Union[str, None], float]]  # noqa: UP007 (a runtime alias)

#: The label of the extra state ``None`` in tables.
NONE_LABEL = "(none)"


@attrs.frozen(eq=False, repr=False)
class TransitionMatrix(ColumnarTable):
    """Tier-to-tier flows between consecutive snapshots, pooled, and the Markov chain they imply.

    As a table (:meth:`columns`, ``tm["buyer"]``, :meth:`to_dict`, :meth:`to_pandas`) it is the
    count matrix: a ``from_tier`` column of state labels (``"(none)"`` for ``None``), then one
    column per state moved to.

    Parameters
    ----------
    states : tuple
        The tiers, shallow to deep, then ``None`` (no tier / not yet seen).
    counts : numpy.ndarray
        ``counts[i, j]``: users in state ``i`` in one snapshot and ``j`` in the next (int64).
    latest : numpy.ndarray
        How many users are in each state in the last snapshot (the default forecast start).

    Examples
    --------
    >>> tm = TransitionMatrix(("a", "b", None), np.array([[3, 1, 0], [0, 2, 0], [1, 0, 0]]),
    ...                       np.array([4, 3, 0]))
    >>> tm.probabilities[0].tolist()
    [0.75, 0.25, 0.0]
    >>> tm["b"].tolist()  # users who moved to "b", from each state
    [1, 2, 0]
    """

    states: tuple[str | None, ...]
    counts: NDArray[np.int64]
    latest: NDArray[np.int64]

    @property
    def labels(self) -> tuple[str, ...]:
        """The states as text: the tier names, then ``"(none)"``.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> TransitionMatrix(("a", None), np.zeros((2, 2), np.int64), np.zeros(2, np.int64)).labels
        ('a', '(none)')
        """
        return tuple(NONE_LABEL if s is None else str(s) for s in self.states)

    def columns(self) -> dict[str, NDArray[np.int64] | NDArray[np.object_]]:
        """The count matrix as columns: ``from_tier`` (the row labels), then one per state.

        Returns
        -------
        dict of str to numpy.ndarray

        Examples
        --------
        >>> tm = TransitionMatrix(("a", None), np.array([[1, 1], [0, 0]]), np.array([2, 0]))
        >>> {k: v.tolist() for k, v in tm.columns().items()}
        {'from_tier': ['a', '(none)'], 'a': [1, 0], '(none)': [1, 0]}
        """
        labels = self.labels
        out: dict[str, NDArray[np.int64] | NDArray[np.object_]] = {
            "from_tier": np.array(labels, dtype=object)
        }
        for j, label in enumerate(labels):
            out[label] = self.counts[:, j]
        return out

    @property
    def probabilities(self) -> NDArray[np.float64]:
        """Row-normalized counts. A state no user left from (an empty row) keeps its users:
        its row is the identity row, so forecasts never lose mass.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> tm = TransitionMatrix(("a", None), np.array([[1, 1], [0, 0]]), np.array([2, 0]))
        >>> tm.probabilities.tolist()
        [[0.5, 0.5], [0.0, 1.0]]
        """
        counts = self.counts.astype(np.float64)
        total = counts.sum(axis=1, keepdims=True)
        out: NDArray[np.float64] = np.divide(
            counts, total, out=np.zeros_like(counts), where=total > 0
        )
        empty = np.flatnonzero(total[:, 0] == 0)
        out[empty, empty] = 1.0
        return out

    @property
    def observed(self) -> NDArray[np.bool_]:
        """Whether each row was observed (had at least one user).

        Returns
        -------
        numpy.ndarray of bool

        Examples
        --------
        >>> tm = TransitionMatrix(("a", None), np.array([[1, 1], [0, 0]]), np.array([2, 0]))
        >>> tm.observed.tolist()
        [True, False]
        """
        seen: NDArray[np.bool_] = self.counts.sum(axis=1) > 0
        return seen

    def _start(self, start: Mix | None) -> NDArray[np.float64]:
        if start is None:
            start = self.latest
        if isinstance(start, Mapping):
            start = [start.get(s, 0.0) for s in self.states]
        arr = np.asarray(start, dtype=np.float64)
        if arr.shape != (len(self.states),) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise InvalidInputError(
                f"'start' must be {len(self.states)} non-negative numbers, one per state "
                f"(got {start!r})"
            )
        if arr.sum() <= 0:
            raise InvalidInputError("'start' must have a positive total")
        shares: NDArray[np.float64] = arr / arr.sum()
        return shares

    def forecast(self, k: int = 1, start: Mix | None = None) -> NDArray[np.float64]:
        """The state mix ``k`` periods ahead: ``start @ P**k``.

        Parameters
        ----------
        k : int
            Periods ahead (one period = the spacing of the snapshots).
        start : array-like or dict, optional
            The mix now (counts or shares, one per state); default the last snapshot's mix.

        Returns
        -------
        numpy.ndarray
            Shares, one per state, summing to 1.

        Examples
        --------
        >>> tm = TransitionMatrix(("a", "b", None), np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]]),
        ...                       np.array([1, 0, 0]))
        >>> tm.forecast(2).tolist()
        [0.25, 0.75, 0.0]
        """
        if int(k) != k or k < 0:
            raise InvalidInputError(f"'k' must be a whole number >= 0 (got {k!r})")
        p = np.linalg.matrix_power(self.probabilities, int(k))
        mix: NDArray[np.float64] = self._start(start) @ p
        return mix

    def steady_state(self, start: Mix | None = None) -> NDArray[np.float64]:
        """The long-run state mix.

        Rule: when the chain has a single closed class (the usual case: every tier can be left
        and re-entered), this is its unique stationary distribution and ``start`` does not
        matter. When there are several closed classes (absorbing tiers, or groups of tiers the
        chain never leaves), the long run depends on where users start: the result is the
        long-run average mix ``lim (1/n) Σ start @ P**k`` — the probability of ending in each
        closed class times that class's stationary distribution. Transient states get 0.

        Parameters
        ----------
        start : array-like or dict, optional
            The starting mix; default the last snapshot's mix.

        Returns
        -------
        numpy.ndarray
            Shares, one per state, summing to 1; transient states get 0.

        Examples
        --------
        >>> tm = TransitionMatrix(("a", "b", None), np.array([[1, 1, 0], [1, 3, 0], [0, 0, 0]]),
        ...                       np.array([1, 1, 0]))
        >>> [round(float(x), 4) for x in tm.steady_state()]
        [0.3333, 0.6667, 0.0]
        """
        from scipy.sparse.csgraph import connected_components

        p = self.probabilities
        n = p.shape[0]
        x0 = self._start(start)
        _, label = connected_components(p > 0, directed=True, connection="strong")
        classes = [np.flatnonzero(label == c) for c in np.unique(label)]
        closed = [c for c in classes if np.all(p[np.ix_(c, np.setdiff1d(np.arange(n), c))] == 0)]
        in_closed = np.zeros(n, dtype=bool)
        for c in closed:
            in_closed[c] = True
        transient = np.flatnonzero(~in_closed)
        out = np.zeros(n)
        if transient.size:
            q = p[np.ix_(transient, transient)]
            # Probability of absorption into each closed class from each transient state.
            r = np.stack([p[np.ix_(transient, c)].sum(axis=1) for c in closed], axis=1)
            absorb = np.linalg.solve(np.eye(transient.size) - q, r)
            weight = x0[transient] @ absorb
        else:
            weight = np.zeros(len(closed))
        for j, c in enumerate(closed):
            mass = x0[c].sum() + weight[j]
            out[c] = mass * _stationary(p[np.ix_(c, c)])
        mix: NDArray[np.float64] = out / out.sum()
        return mix

    @renamed_keywords(normalise="normalize")
    def to_pandas(self, normalize: bool = False) -> pd.DataFrame:
        """The counts (or row shares) as a labelled matrix: a ``pandas.DataFrame`` indexed by
        the state moved from, with one column per state moved to.

        A matrix is read by row and column label (``frame.loc["buyer", "member"]``), so unlike
        the other tables this one puts its ``from_tier`` column in the index: it is
        :meth:`ColumnarTable.to_pandas <privtraffic._tables.ColumnarTable.to_pandas>` of
        :meth:`columns`, with ``from_tier`` moved to the index.

        Parameters
        ----------
        normalize : bool
            Row shares (:attr:`probabilities`) instead of counts. ``normalise`` is its
            deprecated spelling.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> tm = TransitionMatrix(("a", None), np.array([[1, 1], [0, 0]]), np.array([2, 0]))
        >>> tm.to_pandas().loc["a", "(none)"]
        np.int64(1)
        >>> tm.to_pandas(normalize=True).loc["(none)"].tolist()
        [0.0, 1.0]
        """
        frame = ColumnarTable.to_pandas(self)  # not super(): the method is wrapped
        if normalize:
            frame[list(self.labels)] = self.probabilities
        matrix: pd.DataFrame = frame.set_index("from_tier").rename_axis(None)
        return matrix


def _stationary(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Stationary distribution of an irreducible stochastic matrix."""
    n = p.shape[0]
    if n == 1:
        return np.ones(1)
    a = p.T - np.eye(n)
    a[-1, :] = 1.0
    b = np.zeros(n)
    b[-1] = 1.0
    pi: NDArray[np.float64] = np.linalg.solve(a, b)
    return pi


def _codes_on(users: NDArray[np.generic], table: TierTable, n_tiers: int) -> NDArray[np.int64]:
    out = np.full(users.size, n_tiers, dtype=np.int64)
    idx = np.searchsorted(users, table.users)
    codes = np.asarray(table.codes, dtype=np.int64)
    out[idx] = np.where(codes < 0, n_tiers, codes)
    return out


def transition_matrix(*snapshots: TierTable | Sequence[TierTable]) -> TransitionMatrix:
    """Count tier-to-tier moves between consecutive classification snapshots.

    Parameters
    ----------
    *snapshots : TierTable
        Two or more results of :meth:`Machine.classify` of the same machine, in time order.

    Returns
    -------
    TransitionMatrix

    Raises
    ------
    InvalidInputError
        Fewer than two snapshots, snapshots of different machines, or not in time order.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> m = relationship_ladder(window_days=30)
    >>> users, kinds = [1, 1, 2], ["purchase", "purchase", "join"]
    >>> at = ["2024-01-01", "2024-01-10", "2024-01-05"]
    >>> tm = transition_matrix(m.classify(users, kinds, at, as_of="2024-01-15"),
    ...                        m.classify(users, kinds, at, as_of="2024-02-05"))
    >>> int(tm.counts[3, 2])  # repeat_buyer -> buyer: the first purchase left the window
    1
    """
    if len(snapshots) == 1 and isinstance(snapshots[0], Sequence):
        snapshots = tuple(snapshots[0])
    snapshots = cast("tuple[TierTable, ...]", snapshots)
    if len(snapshots) < 2:
        raise InvalidInputError(f"'snapshots' must be two or more (got {len(snapshots)})")
    names = snapshots[0].tier_names
    for i, s in enumerate(snapshots):
        if tuple(s.tier_names) != tuple(names):
            raise InvalidInputError(
                f"'snapshots' must come from one machine (snapshot {i} has tiers {s.tier_names})"
            )
        if i and s.as_of < snapshots[i - 1].as_of:
            raise InvalidInputError(
                f"'snapshots' must be in time order (snapshot {i} at {s.as_of} is before "
                f"{snapshots[i - 1].as_of})"
            )
    n = len(names) + 1
    counts = np.zeros((n, n), dtype=np.int64)
    for a, b in itertools.pairwise(snapshots):
        users = np.union1d(a.users, b.users)
        ca = _codes_on(users, a, n - 1)
        cb = _codes_on(users, b, n - 1)
        counts += np.bincount(ca * n + cb, minlength=n * n).reshape(n, n)
    last = snapshots[-1]
    lc = np.asarray(last.codes, dtype=np.int64)
    latest = np.bincount(np.where(lc < 0, n - 1, lc), minlength=n)
    return TransitionMatrix(states=(*names, None), counts=counts, latest=latest)
