"""Vectorised classification: the tier of every user in an event table as of one date.

Two strategies give the same tiers. For a machine of counts and sums only, the ``counts`` method
finds exact repeats with one value sort of packed (user, time, kind) keys and computes every fact
per user with ``bincount``, without sorting the events. Otherwise the ``sorted`` method sorts the
events once by (user, time, kind) with one ``argsort`` over a packed int64 key, drops exact
duplicates, and makes every fact a machine needs a sorted key array; a fact at a query point
``(user, t)`` is then two ``numpy.searchsorted`` lookups (window start and end) and, for sums, a
difference of cumulative sums. Sticky (``ever``) conditions and scheduled machines evaluate the
same facts at every point where a fact can change (events and window expiries) and take a
running "any" or maximum per user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._deprecation import renamed_keywords
from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_ids
from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle.conditions import SECONDS_PER_DAY, Ever, Fact, holds
from privtraffic.lifecycle.events import (
    EventTable,
    Id,
    Moment,
    as_time,
    check_lengths,
    event_times,
    kind_codes,
    read_columns,
    secondary_keys,
    value_micros,
)

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


def _factorize_users(users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique sorted ids, code of each row)."""
    if users.dtype.kind == "i" and users.size:
        lo, hi = int(users.min()), int(users.max())
        if hi - lo <= 4 * users.size + 1_000_000:  # dense ids: no sort needed
            shifted = users - lo if lo else users
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            if present.all():  # ids lo..hi, each present: the code is the shifted id
                return np.arange(lo, hi + 1, dtype=np.int64), shifted
            rank = np.cumsum(present) - 1
            return np.flatnonzero(present) + lo, rank[shifted]
    uniq, inverse = np.unique(users, return_inverse=True)
    return uniq, inverse.astype(np.int64)


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
            vals = value[order]
            conflict = dup[1:] & (vals[1:] != vals[:-1])
            if conflict.any():
                j = int(np.flatnonzero(conflict)[0]) + 1
                a, b = sorted(_original_row(row, int(order[i])) for i in (j - 1, j))
                raise InvalidInputError(
                    f"'event_ids' repeat one event with different values (rows {a} and {b})"
                )
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
            d0 = (np.floor_divide(self.qt, SECONDS_PER_DAY) - (int(fact.window_days) - 1)) * (
                SECONDS_PER_DAY
            )
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
        ``counts``: per-user counts and sums by ``bincount``, one value sort to find exact
        repeats, no argsort (machines of counts and sums only); ``sorted``: sort the events
        once and search windows (every machine); ``auto`` picks ``counts`` when it applies.
        Both give the same tiers; the choice is exposed for testing and benchmarking.

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
    ids = as_ids(users, "users")
    kind = kind_codes(machine, kinds)
    t = event_times(at)
    value = value_micros(values, t.size)
    secondary, has_ids = secondary_keys(event_ids, value)
    q = as_time(as_of, "as_of")
    if t.size == 0:
        raise InvalidInputError("'users' must not be empty")
    labels, code = _factorize_users(ids)
    first = int(t.min())
    if q < first:
        raise InvalidInputError(
            f"'as_of' ({np.datetime64(q, 's')}) is before every event "
            f"(the first is at {np.datetime64(first, 's')})"
        )
    if method not in ("auto", "counts", "sorted"):
        raise InvalidInputError(f"'method' must be 'auto', 'counts' or 'sorted' (got {method!r})")
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
    n_users = labels.size
    n_kinds = len(machine.kinds)
    packable = float(n_users) * float(span) * float(n_kinds) < 2.0**62
    counts_only = (
        refresh is None
        and not machine.evers
        and all(f.measure in ("count", "sum") for f in machine.facts)
    )
    if method == "counts" and not counts_only:
        raise InvalidInputError(
            f"'method' 'counts' needs a machine of counts and sums only ({machine.name!r} "
            f"has latest values, active days, sticky conditions or refreshes)"
        )
    if packable and (method == "counts" or (method == "auto" and counts_only)):
        packed = (code * span + (t - t_lo)) * n_kinds + kind
        drop = _duplicates(packed, secondary, value, has_ids, row)
        tiers = _count_tiers(machine, code, t, kind, value, drop, n_users, q)
    else:
        ev = _sort_events(
            code,
            t,
            kind,
            value,
            secondary,
            has_ids,
            n_kinds=n_kinds,
            t_lo=t_lo,
            span=span,
            row=row,
        )
        index = _FactIndex(machine, ev)
        qu = np.arange(n_users, dtype=np.int64)
        qt = np.full(n_users, q, dtype=np.int64)
        tiers = _condition_tiers(index, qu, qt)
        if refresh is not None:
            tiers = _scheduled(index, tiers, refresh, q)
    return TierTable(
        users=labels,
        tiers=_tiers_array(tiers, machine.tiers),
        codes=tiers,
        tier_names=machine.tiers,
        as_of=np.datetime64(q, "s"),
    )


def _original_row(row: np.ndarray | None, i: int) -> int:
    return i if row is None else int(row[i])


def _duplicates(
    packed: np.ndarray,
    secondary: np.ndarray,
    value: np.ndarray,
    has_ids: bool,
    row: np.ndarray | None,
) -> np.ndarray:
    """Mask of exact repeats to drop (all but the first of each (user, at, kind, tie-break)).

    One value sort of the packed (user, time, kind) keys finds the keys that occur more than
    once (usually none); only the rows with such keys are then sorted with their tie-break and
    compared exactly.
    """
    drop = np.zeros(packed.size, dtype=bool)
    ordered = np.sort(packed)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size == 0:
        return drop
    cand = np.flatnonzero(np.isin(packed, repeated))
    sub = packed[cand]
    sec = secondary[cand]
    order = np.lexsort((sec, sub))
    sub, sec, cand = sub[order], sec[order], cand[order]
    same = (sub[1:] == sub[:-1]) & (sec[1:] == sec[:-1])
    if has_ids and same.any():
        vals = value[cand]
        conflict = same & (vals[1:] != vals[:-1])
        if conflict.any():
            j = int(np.flatnonzero(conflict)[0]) + 1
            a, b = sorted(_original_row(row, int(cand[i])) for i in (j - 1, j))
            raise InvalidInputError(
                f"'event_ids' repeat one event with different values (rows {a} and {b})"
            )
    drop[cand[1:][same]] = True
    return drop


class _CountFacts:
    """Fact values at one time ``q`` for every user, by ``bincount`` (counts and sums only)."""

    def __init__(
        self,
        machine: Machine,
        code: np.ndarray,
        t: np.ndarray,
        kind: np.ndarray,
        value: np.ndarray,
        keep: np.ndarray | None,
        n_users: int,
        q: int,
    ) -> None:
        self.machine = machine
        self.code, self.t, self.kind, self.amounts = code, t, kind, value
        self.keep = keep
        self.n_users = n_users
        self.q = q
        self._values: dict[Fact, np.ndarray] = {}

    def value(self, fact: Fact) -> np.ndarray:
        got = self._values.get(fact)
        if got is not None:
            return got
        wanted = np.zeros(len(self.machine.kinds), dtype=bool)
        wanted[[self.machine.kinds.index(k) for k in fact.kinds]] = True
        mask = wanted[self.kind]
        if fact.window_seconds is not None:
            mask &= self.t > self.q - fact.window_seconds
        if self.keep is not None:
            mask &= self.keep
        if fact.measure == "count":
            out = np.bincount(self.code[mask], minlength=self.n_users)
        else:
            out = np.zeros(self.n_users, dtype=np.int64)
            np.add.at(out, self.code[mask], self.amounts[mask])
        self._values[fact] = out
        return out

    def present(self, fact: Fact) -> np.ndarray:  # pragma: no cover - no latest facts here
        raise AssertionError("latest values need the sorted method")

    def ever(self, node: Ever) -> np.ndarray:  # pragma: no cover - no sticky facts here
        raise AssertionError("sticky conditions need the sorted method")


def _count_tiers(
    machine: Machine,
    code: np.ndarray,
    t: np.ndarray,
    kind: np.ndarray,
    value: np.ndarray,
    drop: np.ndarray,
    n_users: int,
    q: int,
) -> np.ndarray:
    """The deepest tier whose condition holds at ``q`` for every user, without sorting."""
    keep = ~drop if drop.any() else None
    facts = _CountFacts(machine, code, t, kind, value, keep, n_users, q)
    seen = np.bincount(code if keep is None else code[keep], minlength=n_users) > 0
    codes = np.full(n_users, -1, dtype=np.int8)
    for i, tier in enumerate(machine.tier_rules):
        h = seen if tier.when is None else seen & holds(tier.when, facts)
        codes[h] = i
    return codes


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
