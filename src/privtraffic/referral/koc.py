"""KOC scores: every referral aggregate per user, one score, and the KOC / potential-KOC flags.

Given a :class:`~privtraffic.referral.ReferralGraph` and the orders (``users``: the buyer of each
order, ``values``, optional times ``at``), :func:`koc_scores` returns one row per user of
``graph.users`` with

* ``orders``, ``own_value``: the user's own orders and their value (transaction value);
* ``direct_referrals``, ``converted_referrals``, ``referred_value``, ``descendants``,
  ``descendant_value``: see :mod:`~privtraffic.referral.aggregates`;
* ``network_value``: depth-decayed downline value (:mod:`~privtraffic.referral.decay`);
* ``influence``: damped downline reach (:mod:`~privtraffic.referral.influence`, not
  normalised; uniform personalisation unless ``personalization`` is given);
* ``score = own_value + network_value`` — "customer value = transaction value + propagation
  value", in the unit of the order values;
* ``is_koc``: the relationship ladder's KOC — a repeat buyer (``>= 2`` orders) with successful
  propagation (``>= 1`` referee who bought). With ``window_days``, both conditions are counted on
  the orders of the last ``window_days`` days before ``as_of``;
* ``closeness`` in [0, 1] and ``potential_koc`` (see :func:`koc_scores`).

Orders of buyers who are not in the graph are organic: they raise nobody's score and are counted
in the table's metadata (``n_organic_orders``, ``n_organic_buyers``, ``organic_value``).

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> g = ReferralGraph.from_edges(["ann", "ann", "bob"], ["bob", "cy", "dee"])
>>> t = g.koc_scores(["ann", "ann", "bob", "dee", "eve"], [30.0, 20.0, 15.0, 10.0, 99.0])
>>> t["user"][t["is_koc"]].tolist(), t["user"][t["potential_koc"]].tolist()
(['ann'], ['bob'])
>>> t.n_organic_orders, t.organic_value
(1, 99.0)
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._ids import IdIndex
from privtraffic._tables import ColumnarTable
from privtraffic._validation import (
    SECONDS_PER_DAY,
    as_datetime64,
    as_float_array,
    as_fraction,
    as_ids,
    check_same_length,
)
from privtraffic.errors import InvalidInputError
from privtraffic.referral._inputs import Moment, optional_column, required_columns, user_position
from privtraffic.referral.aggregates import _direct_aggregates
from privtraffic.referral.forest import downline_sum
from privtraffic.referral.influence import _check_damping, _influence

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from privtraffic.referral.graph import ReferralGraph, UserIds

__all__ = ["KOCScores", "koc_scores"]

#: Held while a table builds its user -> score map (once per table).
_SCORES_LOCK = threading.Lock()


@attrs.frozen(eq=False, repr=False)
class KOCScores(ColumnarTable):
    """One row per user of the graph: referral aggregates, ``score``, KOC flags.

    Columns are numpy arrays aligned with ``graph.users`` (``t["score"]`` or ``t.score``); the
    remaining attributes are metadata about the orders and the parameters.

    Attributes
    ----------
    user : numpy.ndarray
        The user ids (``graph.users``).
    orders, own_value : numpy.ndarray
        The user's own orders and their value.
    direct_referrals, converted_referrals, referred_value, descendants, descendant_value
        Downline aggregates (:mod:`~privtraffic.referral.aggregates`).
    network_value : numpy.ndarray
        Depth-decayed downline value (:func:`~privtraffic.referral.network_value`).
    influence : numpy.ndarray
        Damped downline reach or value (:func:`~privtraffic.referral.influence`,
        ``normalize=False``).
    score : numpy.ndarray
        ``own_value + network_value``.
    is_koc : numpy.ndarray
        Repeat buyer with at least one converted referral.
    closeness : numpy.ndarray
        Progress towards KOC in [0, 1] (1 for KOCs).
    potential_koc : numpy.ndarray
        Not a KOC and ``closeness`` above the threshold.
    n_orders, n_organic_orders, n_organic_buyers : int
        All orders; orders (and distinct buyers) not in the graph.
    organic_value : float
        Value of the organic orders.
    decay, alpha : float
        The parameters used.
    window_days : float or None
        The KOC window, if any.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> t = ReferralGraph.from_edges([1], [2]).koc_scores([1, 1, 2], [5.0, 5.0, 3.0])
    >>> t
    KOCScores(2 rows; columns: user, orders, own_value, direct_referrals, ...)
    >>> t.to_records()["score"].tolist()
    [13.0, 3.0]
    """

    user: UserIds
    orders: NDArray[np.int64]
    own_value: NDArray[np.float64]
    direct_referrals: NDArray[np.int64]
    converted_referrals: NDArray[np.int64]
    referred_value: NDArray[np.float64]
    descendants: NDArray[np.int64]
    descendant_value: NDArray[np.float64]
    network_value: NDArray[np.float64]
    influence: NDArray[np.float64]
    score: NDArray[np.float64]
    is_koc: NDArray[np.bool_]
    closeness: NDArray[np.float64]
    potential_koc: NDArray[np.bool_]
    n_orders: int = 0
    n_organic_orders: int = 0
    n_organic_buyers: int = 0
    organic_value: float = 0.0
    decay: float = 0.5
    alpha: float = 0.85
    window_days: float | None = None
    # user id -> row, built on first lookup (or shared with the graph the table was scored on):
    # the index over the ids in sorted order, and the rows in that order when they are not.
    _rows: tuple[IdIndex, NDArray[np.int64] | None] | None = attrs.field(
        init=False, default=None, eq=False, repr=False
    )
    # user id -> score as Python objects, built on the first score_of (about 100 bytes a user)
    _scores: dict[int | str, float] | None = attrs.field(
        init=False, default=None, eq=False, repr=False
    )

    def _score_map(self) -> dict[int | str, float]:
        """The user -> score map of :meth:`score_of`, built once (one thread builds it).

        Empty when the table repeats a user: every lookup then takes the checked path, which
        says so.
        """
        with _SCORES_LOCK:
            scores = self._scores
            if scores is None:
                users = self.user.tolist()
                scores = dict(zip(users, self.score.tolist(), strict=True))
                if len(scores) < len(users):
                    scores = {}
                object.__setattr__(self, "_scores", scores)
        return scores

    def _row_of(self, user: int | str) -> int:
        """The row of one user (O(1) after the first lookup), by the one rule for ids."""
        rows = self._rows
        if rows is None:
            ids = self.user
            order = None
            if ids.size > 1 and not bool(np.all(np.greater(ids[1:], ids[:-1]))):
                order = np.argsort(ids, kind="stable")
                ids = ids[order]
                repeated = np.flatnonzero(ids[1:] == ids[:-1])
                if repeated.size:
                    raise InvalidInputError(
                        f"'user' repeats {ids[repeated[0]].item()!r}: no row to look up by id"
                    )
            rows = (IdIndex(ids, noun="in the scores"), order)
            object.__setattr__(self, "_rows", rows)  # the same value whoever builds it first
        index, order = rows
        i = user_position(index, user, "user")
        return i if order is None else int(order[i])

    def score_of(self, user: int | str) -> float:
        """The ``score`` of one user, in O(1): one hash lookup, no array set-up.

        A ``str`` or ``int`` id is looked up in a map of user -> score (Python objects) built
        on the first call, once, whichever thread makes it; any other id, and an id not in the
        map, takes the checked path (the table's id index), where unknown ids follow the
        library's one rule (:meth:`ReferralGraph.index_of
        <privtraffic.referral.ReferralGraph.index_of>`): an id of the other kind or an id not
        in the table raises.

        Parameters
        ----------
        user : int or str

        Returns
        -------
        float

        Raises
        ------
        InvalidInputError
            ``user`` is missing, of the other kind, or not in the table.

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> t = ReferralGraph.from_edges([1], [2]).koc_scores([1, 1, 2], [5.0, 5.0, 3.0])
        >>> t.score_of(1), t.score_of(2)
        (13.0, 3.0)
        >>> t.score_of(3)
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'user' 3 is not in the graph
        """
        scores = self._scores
        if scores is None:
            scores = self._score_map()
        kind = type(user)
        if kind is str or kind is int:  # not bool, numpy or float ids: the checked path
            score = scores.get(user)
            if score is not None:
                return score
        return float(self.score[self._row_of(user)])

    def row(self, user: int | str) -> dict[str, int | float | bool | str]:
        """Every column of one user's row, as plain Python values (JSON-ready), in O(1).

        Parameters
        ----------
        user : int or str

        Returns
        -------
        dict
            Column name to value.

        Raises
        ------
        InvalidInputError
            As :meth:`score_of`.

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> t = ReferralGraph.from_edges([1], [2]).koc_scores([1, 1, 2], [5.0, 5.0, 3.0])
        >>> r = t.row(1)
        >>> r["orders"], r["converted_referrals"], r["is_koc"], r["score"]
        (2, 1, True, 13.0)
        """
        i = self._row_of(user)
        return {name: col[i].item() for name, col in self.columns().items()}

    def _take(self, rows: NDArray[np.int64]) -> KOCScores:
        rows_of = {k: v[rows] for k, v in self.columns().items()}
        return attrs.evolve(self, **rows_of)  # type: ignore[arg-type]  # each column to its field

    def _top(
        self, flagged: NDArray[np.bool_], by: NDArray[Any], then: NDArray[Any], k: int
    ) -> KOCScores:
        """The ``k`` flagged rows with the highest ``by`` (ties by higher ``then``)."""
        idx = np.flatnonzero(flagged)
        key = np.lexsort((-then[idx], -by[idx]))
        return self._take(idx[key][:k])

    def leaderboard(self, k: int = 10) -> KOCScores:
        """The ``k`` KOCs with the highest ``score`` (ties by more converted referrals).

        Parameters
        ----------
        k : int
            How many rows at most.

        Returns
        -------
        KOCScores
            A table of at most ``k`` rows, best first.

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> g = ReferralGraph.from_edges([1, 2], [3, 4])
        >>> t = g.koc_scores([1, 1, 2, 2, 3, 4], [1.0, 1.0, 9.0, 9.0, 1.0, 1.0])
        >>> t.leaderboard()["user"].tolist()
        [2, 1]
        """
        return self._top(self.is_koc, self.score, self.converted_referrals, k)

    def potential(self, k: int = 10) -> KOCScores:
        """The ``k`` potential KOCs closest to becoming KOCs (ties by higher ``score``).

        As :meth:`leaderboard`, over the ``potential_koc`` rows by ``closeness``: a table of at
        most ``k`` rows, closest first.

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> g = ReferralGraph.from_edges([1, 2], [3, 4])
        >>> t = g.koc_scores([1, 2, 2, 3], [5.0, 1.0, 1.0, 2.0])
        >>> t.potential()["user"].tolist(), t.potential()["closeness"].tolist()
        ([1, 2], [0.75, 0.625])
        """
        return self._top(self.potential_koc, self.closeness, self.score, k)

    def to_records(self) -> np.recarray[tuple[int], np.dtype[np.void]]:
        """The columns as a numpy record array.

        Returns
        -------
        numpy.recarray

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> r = ReferralGraph.from_edges([1], [2]).koc_scores([2], [1.0]).to_records()
        >>> r.descendants.tolist()
        [1, 0]
        """
        cols = self.columns()
        dtype = np.dtype([(k, v.dtype) for k, v in cols.items()])
        out = np.rec.array(np.empty(len(self), dtype=dtype))
        for k, v in cols.items():
            out[k] = v
        return out

    def metadata(self) -> dict[str, int | float | None]:
        """The non-column attributes: order counts, organic orders and parameters.

        Returns
        -------
        dict

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> ReferralGraph.from_edges([1], [2]).koc_scores([9], [1.0]).metadata()["n_organic_buyers"]
        1
        """
        cols = self.columns()
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(type(self))
            if f.name not in cols and f.init
        }

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        cols = self.columns()
        n = len(self)
        order = np.argsort(-self.score, kind="stable")
        rows = (tuple(col[i] for col in cols.values()) for i in order)
        return html_table(
            rows,
            list(cols),
            title=f"KOC scores ({n:,} users, {int(self.is_koc.sum()):,} KOCs; by score)",
            notes=self.metadata(),
        )


def _orders(
    graph: ReferralGraph,
    users: ArrayLike | pd.DataFrame,
    values: ArrayLike | None,
    at: ArrayLike | None,
) -> tuple[UserIds, NDArray[np.int64], NDArray[np.float64], NDArray[np.datetime64] | None]:
    """The order columns, checked: ids, their index in the graph (-1: organic), values, times."""
    if values is None:
        frame, users, values = required_columns(
            users,
            ("user", "value"),
            argument="users",
            missing="values",
            table="orders",
            renamed={"user": "buyer"},
        )
        at = optional_column(frame, "at") if at is None else at
    ids = as_ids(users, "users")
    vals = as_float_array(values, "values", minimum=0)
    check_same_length(users=ids, values=vals)
    times = None
    if at is not None:
        times = as_datetime64(at, "at")
        check_same_length(users=ids, at=times)
    return ids, graph.index_of(ids, "users", missing="mark"), vals, times


@renamed_keywords(buyers="users")
def koc_scores(
    graph: ReferralGraph,
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
    """Score every user of ``graph`` from the orders (see the module notes for the columns).

    Parameters
    ----------
    graph : ReferralGraph
    users : array-like or pandas.DataFrame
        The buyer of each order; or a DataFrame with columns ``user``, ``value`` and optionally
        ``at`` (a ``buyer`` column is still read, with a :class:`DeprecationWarning`, for one
        release). Buyers not in the graph are organic customers. The old keyword ``buyers``
        still works for one release, with a :class:`DeprecationWarning`.
    values : array-like
        Purchase value per order, >= 0.
    at : array-like, optional
        Order time per order; needed with ``window_days``.
    decay : float
        Generation decay of ``network_value``, in [0, 1].
    alpha : float
        Damping of ``influence``, in [0, 1).
    personalization : {None, "value"} or array-like
        Weights of ``influence``: ``None`` counts every user 1 (damped reach), ``"value"``
        weights each user by their own purchase value, or one weight >= 0 per user of the graph.
    window_days : float, optional
        Count the KOC conditions (repeat purchase, converted referral) on the orders of the last
        ``window_days`` days up to ``as_of`` only. The value columns use every order.
    as_of : timestamp, optional
        End of the KOC window; default the last order time.
    potential_threshold : float
        ``potential_koc`` marks non-KOCs with ``closeness`` strictly above it.

    Returns
    -------
    KOCScores

    Raises
    ------
    InvalidInputError
        Missing or mixed-type user ids, negative or non-finite values (the row is named),
        different lengths, a window without order times, parameters out of range.

    Notes
    -----
    ``closeness = (buy + share) / 2`` measures how far a user has climbed the two rungs of the
    KOC definition:

    * ``buy = min(orders, 2) / 2`` — 0, 1/2 or 1 (repeat buyer);
    * ``share = 1`` with a converted referral, else ``direct / (direct + 1) / 2`` for ``direct``
      referees who joined but have not bought yet — reach that has not converted counts, but
      less than half a conversion.

    KOCs have ``closeness == 1``. With the default threshold 0.5, the potential KOCs are
    one-time buyers whose share converted (0.75: active sharers not yet repeat buyers) and repeat
    buyers whose referees joined but have not bought (0.625 to 0.75: reach without a converted
    share). A repeat buyer who never shared (0.5), a sharer who never bought (0.5) and a one-time
    buyer whose referees have not bought (0.375 to 0.5) are not.

    Examples
    --------
    >>> import numpy as np
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges([1, 1, 2], [2, 3, 4])
    >>> t = koc_scores(g, [1, 1, 2, 4], [10.0, 10.0, 8.0, 6.0], decay=0.5)
    >>> t["network_value"].tolist(), t["score"].tolist()
    ([11.0, 6.0, 0.0, 0.0], [31.0, 14.0, 0.0, 6.0])
    >>> t["is_koc"].tolist(), t["closeness"].tolist()
    ([True, False, False, False], [1.0, 0.75, 0.0, 0.25])
    """
    dec = as_fraction(decay, "decay")
    a = _check_damping(alpha)
    ids, idx, vals, times = _orders(graph, users, values, at)
    weights: NDArray[np.float64] | str | None = None
    if isinstance(personalization, str):
        if personalization != "value":
            raise InvalidInputError(
                f"'personalization' must be None, 'value' or weights (got {personalization!r})"
            )
        weights = "value"
    elif personalization is not None:
        weights = as_float_array(personalization, "personalization", minimum=0)
        check_same_length(users=graph.users, personalization=weights)
    window = None
    if window_days is not None:
        window = float(window_days)
        if not (np.isfinite(window) and window >= 0):
            raise InvalidInputError(f"'window_days' must be a number >= 0 (got {window_days!r})")
        if times is None:
            raise InvalidInputError("'window_days' needs the order times 'at'")
    return _koc_scores(
        graph, ids, idx, vals, times, dec, a, weights, window, as_of, float(potential_threshold)
    )


def _koc_scores(
    graph: ReferralGraph,
    ids: UserIds,
    idx: NDArray[np.int64],
    vals: NDArray[np.float64],
    times: NDArray[np.datetime64] | None,
    decay: float,
    alpha: float,
    weights: NDArray[np.float64] | str | None,
    window: float | None,
    as_of: Moment | None,
    threshold: float,
) -> KOCScores:
    n = graph.n_users
    inside = idx >= 0
    gi = idx[inside]
    n_orders = np.bincount(gi, minlength=n).astype(np.int64)
    own = np.bincount(gi, weights=vals[inside], minlength=n).astype(np.float64, copy=False)
    organic = ~inside
    # the downline quantities: bottom-up level passes over the same level order
    ones = np.ones(n)
    lv = graph.levels
    descendants = downline_sum(lv, ones)
    descendant_value = downline_sum(lv, own)
    agg = _direct_aggregates(graph, own, n_orders > 0, descendants, descendant_value)
    network = downline_sum(lv, own, decay)
    p = ones if weights is None else own if isinstance(weights, str) else weights
    infl = _influence(graph, alpha, p, normalize=False)
    if window is not None and times is not None:
        end = (times.max() if as_of is None else as_datetime64([as_of], "as_of")[0]).astype(
            "datetime64[s]"
        )
        start = end - np.timedelta64(round(window * SECONDS_PER_DAY), "s")
        recent = inside & (times >= start) & (times <= end)
        k_orders = np.bincount(idx[recent], minlength=n).astype(np.int64)
        child = graph.children
        k_conv = np.bincount(graph.parent[child], weights=k_orders[child] > 0, minlength=n).astype(
            np.int64
        )
    else:
        k_orders, k_conv = n_orders, agg.converted_referrals
    is_koc = (k_orders >= 2) & (k_conv >= 1)
    direct = agg.direct_referrals
    buy = np.minimum(k_orders, 2) / 2.0
    share = np.where(k_conv >= 1, 1.0, direct / (direct + 1.0) / 2.0)
    closeness = (buy + share) / 2.0
    n_org_buyers = int(np.unique(ids[organic]).shape[0])
    table = KOCScores(
        user=graph.users,
        orders=n_orders,
        own_value=own,
        direct_referrals=direct,
        converted_referrals=agg.converted_referrals,
        referred_value=agg.referred_value,
        descendants=agg.descendants,
        descendant_value=agg.descendant_value,
        network_value=network,
        influence=infl,
        score=own + network,
        is_koc=is_koc,
        closeness=closeness,
        potential_koc=~is_koc & (closeness > threshold),
        n_orders=int(idx.shape[0]),
        n_organic_orders=int(organic.sum()),
        n_organic_buyers=n_org_buyers,
        organic_value=float(vals[organic].sum()),
        decay=decay,
        alpha=alpha,
        window_days=window,
    )
    # one row per user of the graph, in its order: the graph's id index serves the table
    object.__setattr__(table, "_rows", (graph._ids, None))
    return table
