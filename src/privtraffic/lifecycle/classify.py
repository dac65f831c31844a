"""Vectorised classification: the tier of every user in an event table as of one date.

Two strategies give the same tiers. For a machine of counts and sums only, the ``counts`` method
(:mod:`~privtraffic.lifecycle.tally`) packs each event's class (the set of facts it counts in),
user, time and kind into one int64 key, sorts the keys by value once and counts each user's
events per class in one pass over the sorted keys; exact repeats sit side by side there. Otherwise
the ``sorted`` method sorts the events once by (user, time, kind) with one ``argsort`` over a
packed int64 key, drops exact duplicates, and makes every fact a machine needs a sorted key
array; a fact at a query point ``(user, t)`` is then two ``numpy.searchsorted`` lookups (window
start and end) and, for sums, a difference of cumulative sums. Sticky (``ever``) conditions and
scheduled machines evaluate the same facts at every point where a fact can change (events and
window expiries) and take a running "any" or maximum per user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._ids import unique_ids
from privtraffic._tables import ColumnarTable
from privtraffic._validation import SECONDS_PER_DAY, as_ids
from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle.conditions import Ever, Fact, _first_day, holds
from privtraffic.lifecycle.events import (
    EventTable,
    Id,
    Moment,
    as_time,
    check_lengths,
    check_repeat_values,
    event_times,
    kind_table,
    read_columns,
    secondary_keys,
    user_ids,
    value_micros,
)
from privtraffic.lifecycle.tally import count_tiers

if TYPE_CHECKING:
    from privtraffic.lifecycle.machine import Machine

__all__ = ["TierTable", "classify", "refresh_before"]


def _tiers_array(codes: NDArray[np.int8], names: tuple[str, ...]) -> NDArray[np.object_]:
    lookup = np.array([*names, None], dtype=object)
    out: NDArray[np.object_] = lookup[codes]  # code -1 picks the trailing None
    return out


@attrs.frozen(repr=False)
class TierTable(ColumnarTable):
    """The tier of each user as of one date: the result of :meth:`Machine.classify`.

    Parameters
    ----------
    users : numpy.ndarray
        User ids (int64 or str), sorted, each once.
    tiers : numpy.ndarray
        Tier names (object array; ``None`` = no tier as of ``as_of``).
    codes : numpy.ndarray
        Tier positions (int8; -1 = no tier).
    tier_names : tuple of str
        The machine's tiers, shallow to deep.
    as_of : numpy.datetime64
        The evaluation time.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> r = relationship_ladder().classify([1, 2], ["join", "purchase"],
    ...                                    ["2024-01-01", "2024-01-02"], as_of="2024-02-01")
    >>> r.counts()
    {'basic': 0, 'member': 1, 'buyer': 1, 'repeat_buyer': 0, 'koc': 0, None: 0}
    """

    users: NDArray[np.int64] | NDArray[np.str_]
    tiers: NDArray[np.object_]
    codes: NDArray[np.int8]
    tier_names: tuple[str, ...]
    as_of: np.datetime64

    def counts(self) -> dict[str | None, int]:
        """How many users are in each tier (``None``: no tier yet).

        Returns
        -------
        dict

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> r = relationship_ladder().classify([1, 2], ["join", "join"],
        ...                                    ["2024-01-01", "2024-03-01"], as_of="2024-02-01")
        >>> r.counts()["member"], r.counts()[None]
        (1, 1)
        """
        n = np.bincount(self.codes.astype(np.int64) + 1, minlength=len(self.tier_names) + 1)
        out: dict[str | None, int] = {name: int(n[i + 1]) for i, name in enumerate(self.tier_names)}
        out[None] = int(n[0])
        return out

    def mix(self) -> dict[str, float]:
        """The share of each tier among users who have a tier.

        Returns
        -------
        dict of str to float

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> r = relationship_ladder().classify([1, 2], ["join", "purchase"],
        ...                                    ["2024-01-01", "2024-01-02"], as_of="2024-02-01")
        >>> r.mix()["buyer"]
        0.5
        """
        counts = self.counts()
        n = sum(v for k, v in counts.items() if k is not None)
        return {k: (v / n if n else 0.0) for k, v in counts.items() if k is not None}

    def tier_of(self, user: Id) -> str | None:
        """The tier of one user.

        Raises
        ------
        InvalidInputError
            The user is not in the table.

        Examples
        --------
        >>> from privtraffic.lifecycle import relationship_ladder
        >>> r = relationship_ladder().classify([1, 2], ["join", "purchase"],
        ...     ["2024-01-01", "2024-01-02"], as_of="2024-01-03")
        >>> r.tier_of(2)
        'buyer'
        """
        i = int(np.searchsorted(self.users, user))
        if i >= len(self.users) or self.users[i] != user:
            raise InvalidInputError(f"'user' {user!r} is not in the classified table")
        tier: str | None = self.tiers[i]
        return tier


# --- sorting and de-duplicating the events -----------------------------------------------


#: Integer user ids spanning up to a million values more than ``4 n`` are coded through a
#: presence table, without a sort (:func:`~privtraffic._ids.unique_ids`).
_USER_SLACK = 1_000_000


@attrs.frozen
class _Sorted:
    """Deduplicated events sorted by (user, time, kind, tie-break), as packed int64 keys."""

    user: np.ndarray
    t: np.ndarray
    kind: np.ndarray
    value: np.ndarray
    key: np.ndarray  # user * span + (t - t_lo)
    t_lo: int
    span: int


def _sort_events(
    user: np.ndarray,
    t: np.ndarray,
    kind: np.ndarray,
    value: np.ndarray,
    secondary: np.ndarray,
    has_ids: bool,
    *,
    n_kinds: int,
    t_lo: int,
    span: int,
    row: np.ndarray | None,
) -> _Sorted:
    """Sort and drop exact duplicates (``row`` maps back to the caller's rows for messages)."""
    n_users = int(user.max()) + 1 if user.size else 1
    rel = t - t_lo
    if float(n_users) * float(span) * float(n_kinds) < 2.0**62:
        packed = (user * span + rel) * n_kinds + kind
        order = np.argsort(packed)
        packed = packed[order]
    else:  # pragma: no cover - astronomically many users times a long span
        order = np.lexsort((secondary, kind, t, user))
        packed = np.zeros(order.size, dtype=np.int64)
        ukey = np.stack([user[order], t[order], kind[order]])
        same = np.all(ukey[:, 1:] == ukey[:, :-1], axis=0)
        packed[1:] = np.cumsum(~same)
    same = packed[1:] == packed[:-1]
    if same.any():
        in_run = np.zeros(packed.size, dtype=bool)
        in_run[1:] |= same
        in_run[:-1] |= same
        pos = np.flatnonzero(in_run)
        sub = order[pos]
        sub = sub[np.lexsort((secondary[sub], packed[pos]))]
        order[pos] = sub
        sec = secondary[order]
        dup = np.zeros(order.size, dtype=bool)
        dup[1:] = same & (sec[1:] == sec[:-1])
        if has_ids:
            check_repeat_values(dup[1:], value, order, row)
        order = order[~dup]
    us, ts = user[order], t[order]
    return _Sorted(
        user=us,
        t=ts,
        kind=kind[order],
        value=value[order],
        key=us * span + (ts - t_lo),
        t_lo=t_lo,
        span=span,
    )


# --- facts at query points -----------------------------------------------------------------


class _FactIndex:
    """Per-fact sorted key arrays over one sorted event table (built lazily, cached)."""

    def __init__(self, machine: Machine, events: _Sorted) -> None:
        self.machine = machine
        self.ev = events
        self._cache: dict[Fact, dict[str, np.ndarray]] = {}
        self._ever_cache: dict[Ever, tuple[np.ndarray, np.ndarray]] = {}

    def key(self, qu: NDArray[np.int64], qt: NDArray[np.int64]) -> NDArray[np.int64]:
        keys: NDArray[np.int64] = qu * self.ev.span + (qt - self.ev.t_lo)
        return keys

    def arrays(self, fact: Fact) -> dict[str, np.ndarray]:
        got = self._cache.get(fact)
        if got is not None:
            return got
        ev = self.ev
        wanted = np.zeros(len(self.machine.kinds), dtype=bool)
        wanted[[self.machine.kinds.index(k) for k in fact.kinds]] = True
        mask = None if wanted.all() else wanted[ev.kind]
        keys = ev.key if mask is None else ev.key[mask]
        out = {"keys": keys}
        if fact.measure == "sum":
            vals = ev.value if mask is None else ev.value[mask]
            out["cum"] = np.concatenate([[0], np.cumsum(vals)])
        elif fact.measure == "last":
            out["values"] = ev.value if mask is None else ev.value[mask]
            out["t"] = ev.t if mask is None else ev.t[mask]
        elif fact.measure == "days":
            users = ev.user if mask is None else ev.user[mask]
            day = np.floor_divide(ev.t if mask is None else ev.t[mask], SECONDS_PER_DAY)
            first = np.ones(keys.size, dtype=bool)
            first[1:] = (users[1:] != users[:-1]) | (day[1:] != day[:-1])
            out["keys"] = keys[first]
        self._cache[fact] = out
        return out

    def ever_points(self, node: Ever) -> tuple[np.ndarray, np.ndarray]:
        """Candidate keys (sorted) and the running count of points where ``node`` held."""
        got = self._ever_cache.get(node)
        if got is not None:
            return got
        qu, qt = _change_points(self.machine, self.ev, upto=self.ev.t_lo + self.ev.span - 1)
        h = np.asarray(holds(node.condition, _VectorFacts(self, qu, qt)), dtype=bool)
        h = np.broadcast_to(h, qu.shape)
        keys = self.key(qu, qt)
        cum = np.concatenate([[0], np.cumsum(h)])
        self._ever_cache[node] = (keys, cum)
        return keys, cum


def _change_points(
    machine: Machine, ev: _Sorted, upto: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every (user, time) at which a fact of ``machine`` can change: events and expiries.

    Returned sorted by user then time, without repeats.
    """
    shifts = set(machine.windows_seconds)
    day_windows = {
        int(f.window_days) for f in machine.facts if f.measure == "days" and f.window_days
    }
    parts_t = [ev.t]
    parts_u = [ev.user]
    for w in sorted(shifts):
        parts_t.append(ev.t + w)
        parts_u.append(ev.user)
    for wd in sorted(day_windows):
        parts_t.append((np.floor_divide(ev.t, SECONDS_PER_DAY) + wd) * SECONDS_PER_DAY)
        parts_u.append(ev.user)
    qt = np.concatenate(parts_t)
    qu = np.concatenate(parts_u)
    if upto is not None:
        keep = qt <= upto
        qt, qu = qt[keep], qu[keep]
    keys = np.unique(qu * ev.span + (qt - ev.t_lo))
    qu = keys // ev.span
    return qu, keys - qu * ev.span + ev.t_lo


class _VectorFacts:
    """Fact values at query points ``(qu[i], qt[i])`` for :func:`holds`."""

    def __init__(self, index: _FactIndex, qu: np.ndarray, qt: np.ndarray) -> None:
        self.index = index
        self.qu = qu
        self.qt = qt
        self.qkey = index.key(qu, qt)
        self.ustart = qu * index.ev.span
        self._values: dict[Fact, np.ndarray] = {}
        self._present: dict[Fact, np.ndarray] = {}

    def _bounds(self, fact: Fact, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hi = np.searchsorted(keys, self.qkey, side="right")
        if fact.window_days is None:
            lo = np.searchsorted(keys, self.ustart, side="left")
        elif fact.measure == "days":
            d0 = _first_day(fact, self.qt) * SECONDS_PER_DAY
            lo = np.searchsorted(keys, self.index.key(self.qu, d0), side="left")
            lo = np.maximum(lo, np.searchsorted(keys, self.ustart, side="left"))
        else:
            w = fact.window_seconds
            assert w is not None
            lo = np.searchsorted(keys, self.qkey - w, side="right")
            lo = np.maximum(lo, np.searchsorted(keys, self.ustart, side="left"))
        return lo, hi

    def value(self, fact: Fact) -> np.ndarray:
        got = self._values.get(fact)
        if got is not None:
            return got
        arrays = self.index.arrays(fact)
        lo, hi = self._bounds(fact, arrays["keys"])
        if fact.measure in ("count", "days"):
            out = hi - lo
        elif fact.measure == "sum":
            cum = arrays["cum"]
            out = cum[hi] - cum[lo]
        else:
            present = hi > lo
            vals = arrays["values"]
            out = np.where(present, vals[np.maximum(hi - 1, 0)] if vals.size else 0, 0)
            self._present[fact] = present
        self._values[fact] = out
        value: NDArray[np.int64] = out
        return value

    def present(self, fact: Fact) -> np.ndarray:
        if fact not in self._present:
            self.value(fact)
        return self._present[fact]

    def ever(self, node: Ever) -> np.ndarray:
        keys, cum = self.index.ever_points(node)
        j = np.searchsorted(keys, self.qkey, side="right")
        start = np.searchsorted(keys, self.ustart, side="left")
        held: NDArray[np.bool_] = (cum[j] - cum[start]) > 0
        return held


def _condition_tiers(index: _FactIndex, qu: np.ndarray, qt: np.ndarray) -> np.ndarray:
    """The deepest tier whose condition holds at each query point (-1: none), int8."""
    machine = index.machine
    facts = _VectorFacts(index, qu, qt)
    all_keys = index.ev.key
    seen = np.searchsorted(all_keys, facts.qkey, side="right") > np.searchsorted(
        all_keys, facts.ustart, side="left"
    )
    codes = np.full(qu.shape, -1, dtype=np.int8)
    for i, tier in enumerate(machine.tier_rules):
        h = seen if tier.when is None else seen & holds(tier.when, facts)
        codes[h] = i
    return codes


def refresh_before(machine: Machine, t: int) -> int:
    """The last scheduled refresh at or before ``t`` (seconds), for a machine with refreshes.

    Examples
    --------
    >>> from privtraffic.lifecycle import merchant_level
    >>> m = merchant_level()
    >>> t = int(np.datetime64("2024-03-20T10:00", "s").view(np.int64))
    >>> str(np.datetime64(refresh_before(m, t), "s"))
    '2024-03-16T00:00:00'
    """
    assert machine.refresh_days is not None
    month = np.datetime64(t, "s").astype("datetime64[M]")
    for m in (month, month - 1):
        start = int(m.astype("datetime64[s]").view(np.int64))
        for d in reversed(machine.refresh_days):
            r = start + (d - 1) * SECONDS_PER_DAY
            if r <= t:
                return r
    raise AssertionError("unreachable: day 1..28 of the previous month is always earlier")


# --- the public entry point ----------------------------------------------------------------


@renamed_keywords(ats="at")
def classify(
    machine: Machine,
    users: ArrayLike | EventTable,
    kinds: ArrayLike | None = None,
    at: ArrayLike | None = None,
    values: ArrayLike | None = None,
    event_ids: ArrayLike | None = None,
    *,
    as_of: Moment,
    method: Literal["auto", "counts", "sorted"] = "auto",
) -> TierTable:
    """The tier of every user in an event table as of ``as_of`` (see :meth:`Machine.classify`).

    Parameters
    ----------
    machine : Machine
    users, kinds, at, values, event_ids : array-like
        The event columns, or one table in ``users`` (see
        :func:`~privtraffic.lifecycle.events.read_columns`). ``ats`` is the deprecated name of
        ``at``.
    as_of : datetime-like
    method : {"auto", "counts", "sorted"}
        ``counts``: one value sort of packed (class, user, time, kind) keys and one counting
        pass over them, no argsort (machines of counts and sums only; see
        :mod:`~privtraffic.lifecycle.tally`); ``sorted``: sort the events once and search
        windows (every machine); ``auto`` picks ``counts`` when it applies. Both give the
        same tiers; the choice is exposed for testing and benchmarking.

    Returns
    -------
    TierTable

    Raises
    ------
    InvalidInputError
        Bad columns, or ``as_of`` before every event.

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> m = relationship_ladder(window_days=90)
    >>> r = classify(m, [7, 7, 7], ["purchase", "purchase", "review"],
    ...              ["2024-01-01", "2024-02-01", "2024-02-03"], as_of="2024-03-01")
    >>> r.tiers.tolist()
    ['koc']
    """
    users, kinds, at, values, event_ids = read_columns(users, kinds, at, values, event_ids)
    check_lengths(users=users, kinds=kinds, at=at, values=values, event_ids=event_ids)
    ids = user_ids(users)
    raw, lookup = kind_table(machine, kinds)
    t = event_times(at)
    value = value_micros(values, t.size) if values is not None else None
    has_ids = event_ids is not None
    q = as_time(as_of, "as_of")
    if t.size == 0:
        raise InvalidInputError("'users' must not be empty")
    first = int(t.min())
    if q < first:
        raise InvalidInputError(
            f"'as_of' ({np.datetime64(q, 's')}) is before every event "
            f"(the first is at {np.datetime64(first, 's')})"
        )
    if method not in ("auto", "counts", "sorted"):
        raise InvalidInputError(f"'method' must be 'auto', 'counts' or 'sorted' (got {method!r})")
    counts_only = (
        machine.refresh_days is None
        and not machine.evers
        and all(f.measure in ("count", "sum") for f in machine.facts)
    )
    if method == "counts" and not counts_only:
        raise InvalidInputError(
            f"'method' 'counts' needs a machine of counts and sums only ({machine.name!r} "
            f"has latest values, active days, sticky conditions or refreshes)"
        )
    if method != "sorted" and counts_only:
        # The tie-break among repeats of one (user, time, kind): the event id, else the value.
        # Only rows that share a (user, time, kind) are compared, so the ids need no ranking.
        tie = as_ids(event_ids, "event_ids") if has_ids else value
        got = _by_counts(machine, ids, raw, lookup, t, first, value, tie, has_ids, q)
        if got is not None:
            labels, tiers = got
            return _table(machine, labels, tiers, q)
    if value is None:
        value = np.zeros(t.size, dtype=np.int64)
    secondary, _ = secondary_keys(event_ids, value)
    labels, code = unique_ids(ids, dense_slack=_USER_SLACK)
    kind = lookup[raw]
    keep = t <= q
    if keep.all():
        row = None  # rows are the caller's rows
    else:
        row = np.flatnonzero(keep)
        code, t, value, secondary = code[row], t[row], value[row], secondary[row]
        kind = kind[row]
    refresh = refresh_before(machine, q) if machine.refresh_days is not None else None
    longest = max(machine.windows_seconds, default=0)
    longest = max(
        [longest]
        + [int(f.window_days or 0) * SECONDS_PER_DAY for f in machine.facts if f.measure == "days"]
    )
    t_lo = min(first, refresh if refresh is not None else first) - longest - 2 * SECONDS_PER_DAY
    span = q - t_lo + 1
    ev = _sort_events(
        code,
        t,
        kind,
        value,
        secondary,
        has_ids,
        n_kinds=len(machine.kinds),
        t_lo=t_lo,
        span=span,
        row=row,
    )
    index = _FactIndex(machine, ev)
    n_users = labels.size
    qu = np.arange(n_users, dtype=np.int64)
    qt = np.full(n_users, q, dtype=np.int64)
    tiers = _condition_tiers(index, qu, qt)
    if refresh is not None:
        tiers = _scheduled(index, tiers, refresh, q)
    return _table(machine, labels, tiers, q)


def _table(machine: Machine, labels: np.ndarray, tiers: NDArray[np.int8], q: int) -> TierTable:
    return TierTable(
        users=labels,
        tiers=_tiers_array(tiers, machine.tiers),
        codes=tiers,
        tier_names=machine.tiers,
        as_of=np.datetime64(q, "s"),
    )


def _dense_range(ids: np.ndarray) -> tuple[int, int] | None:
    """``(lo, hi)`` when integer ids span a compact range (then they index arrays directly)."""
    if ids.dtype.kind != "i" or not ids.size:
        return None
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo <= 4 * ids.size + 1_000_000:
        return lo, hi
    return None


def _by_counts(
    machine: Machine,
    ids: np.ndarray,
    raw: np.ndarray,
    lookup: np.ndarray,
    t: NDArray[np.int64],
    first: int,
    value: NDArray[np.int64] | None,
    tie: np.ndarray | None,
    has_ids: bool,
    q: int,
) -> tuple[np.ndarray, NDArray[np.int8]] | None:
    """The counts method (:mod:`~privtraffic.lifecycle.tally`): (users, tier codes), or
    ``None`` when the packed keys would not fit in int64."""
    dense = _dense_range(ids)
    if dense is not None:
        lo, hi = dense
        users, n_range = ids, hi - lo + 1
    else:
        labels, users = unique_ids(ids, dense_slack=_USER_SLACK)
        lo, n_range = 0, labels.size
    after = bool(int(t.max()) > q)
    row = None
    if after:  # events after as_of do not count (their users are listed, without a tier)
        row = np.flatnonzero(t <= q)
        users, raw, t = users[row], raw[row], t[row]
        value = None if value is None else value[row]
        tie = None if tie is None else tie[row]
        first = int(t.min())
    got = count_tiers(
        machine,
        users,
        lo,
        n_range,
        raw,
        lookup.astype(np.int64),
        t,
        first,
        value,
        tie,
        has_ids,
        q,
        row,
    )
    if got is None:  # keys wider than 62 bits
        return None
    codes, seen = got
    if dense is None:
        return labels, codes
    present = seen if not after else np.bincount(ids - lo, minlength=n_range) > 0
    if present.all():
        return np.arange(lo, hi + 1, dtype=np.int64), codes
    where = np.flatnonzero(present)
    return where + lo, codes[where]


def _scheduled(index: _FactIndex, at_q: np.ndarray, refresh: int, q: int) -> np.ndarray:
    """Highest condition tier over ``[refresh, q]`` per user (promotion at once, demotion only
    at the refresh)."""
    ev = index.ev
    cu, ct = _change_points(index.machine, ev, upto=q)
    keep = ct >= refresh
    cu, ct = cu[keep], ct[keep]
    n_users = at_q.size
    qu = np.concatenate([np.arange(n_users, dtype=np.int64), cu])
    qt = np.concatenate([np.full(n_users, refresh, dtype=np.int64), ct])
    levels = _condition_tiers(index, qu, qt)
    out: NDArray[np.int8] = at_q.copy()
    np.maximum.at(out, qu, levels)
    return out
