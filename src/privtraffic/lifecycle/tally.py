"""The ``counts`` method of classify: every count of every user from one sort of packed keys.

A machine of counts and sums (the relationship ladder, AIPL, the membership lifecycle) needs, for
each user, how many events of some kinds fall in a few windows ending at ``as_of``. Every event
falls in one *class*: the set of the machine's count facts it adds one to, which depends only on
its kind and on how many of the machine's windows it lies in. Events of one class are
interchangeable, so a user's facts are sums of the user's class counts.

The engine computes no permutation of the events and evaluates no fact per event:

1. one pass over cache-sized chunks writes, per event, one int64 key packing
   ``(class, user, time, kind)`` (the class comes from a small table indexed by the kind and the
   window the event falls in);
2. one value sort of the keys (no permutation: numpy's vectorised sort of int64) groups the
   keys by class and user, and puts exact repeats (same user, time and kind) side by side;
3. one pass over the sorted keys counts, per chunk, the keys of each ``(class, user)`` with a
   small :func:`numpy.bincount` of their high bits, skipping exact repeats.

A user's fact is then a sum of rows of the ``(class, user)`` count matrix, evaluated in
cache-sized blocks of users: memory is one int64 per event and one int32 per user and class.
Where repeats differ in their tie-break (event id or value), only the rows with a repeated key
are re-examined. Sums (``total``) are added exactly by :func:`numpy.bincount` over the high and
low bits of the values.

Examples
--------
>>> from privtraffic.lifecycle import relationship_ladder
>>> plan = class_plan(relationship_ladder(window_days=90), as_of=90 * 86_400)
>>> len(plan.signatures)  # connect; interact; join; purchase, old and recent; review etc.
6
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic.lifecycle.conditions import Ever, Fact, holds
from privtraffic.lifecycle.events import check_repeat_values

if TYPE_CHECKING:
    from privtraffic.lifecycle.machine import Machine

__all__ = ["ClassPlan", "class_plan", "count_tiers"]

#: Rows per chunk of the packing and counting passes: a few chunk-sized temporaries stay in the
#: processor's cache.
CHUNK = 1 << 14

#: Users per block when the conditions are evaluated (the facts of a block stay in cache).
USER_BLOCK = 1 << 15

#: Keys must stay below this bound (one bit of room under the sign bit).
_KEY_LIMIT = 1 << 62

#: Sum facts are added as float64 high and low parts; below this bound each part is exact.
_EXACT_FLOAT = 1 << 53

#: The bit position splitting a value in millionths into the high and low parts.
_LOW_BITS = 26


@attrs.frozen
class ClassPlan:
    """How events map to classes for one machine evaluated at one time.

    Attributes
    ----------
    facts : tuple of Fact
        The machine's count facts, in first-use order.
    edges : tuple of int
        ``as_of - window`` for each distinct window, shortest window first: an event at ``t``
        lies in the window when ``t > edge``.
    table : numpy.ndarray
        ``(n_kinds, len(edges) + 1)`` int64: the class of an event of kind ``k`` lying outside
        the ``b`` shortest windows.
    signatures : tuple of frozenset of int
        For each class, the positions in :attr:`facts` of the facts its events count in.

    Examples
    --------
    >>> from privtraffic.lifecycle import membership_lifecycle
    >>> plan = class_plan(membership_lifecycle(window_days=30), as_of=100 * 86_400)
    >>> [f.describe() for f in plan.facts]
    ['count(purchase, ever)', 'count(purchase, 30d)', 'count(referral_join|referral_purchase, 30d)']
    >>> plan.table.tolist()  # join; purchase in / out of the window; the referrals in / out
    [[0, 0], [1, 2], [3, 0], [3, 0]]
    """

    facts: tuple[Fact, ...]
    edges: tuple[int, ...]
    table: NDArray[np.int64]
    signatures: tuple[frozenset[int], ...]

    def classes_of(self, fact: Fact) -> list[int]:
        """The classes whose events count in ``fact``.

        Examples
        --------
        >>> from privtraffic.lifecycle import count, relationship_ladder
        >>> plan = class_plan(relationship_ladder(window_days=90), as_of=0)
        >>> len(plan.classes_of(count("purchase")))  # purchases in and out of the window
        2
        """
        i = self.facts.index(fact)
        return [c for c, sig in enumerate(self.signatures) if i in sig]


def class_plan(machine: Machine, as_of: int) -> ClassPlan:
    """The classes of events of ``machine`` at time ``as_of`` (seconds); see :class:`ClassPlan`.

    Examples
    --------
    >>> from privtraffic.lifecycle import aipl
    >>> plan = class_plan(aipl(), as_of=400 * 86_400)
    >>> len(plan.edges), len(plan.signatures)  # windows 15, 90 and 365 days
    (3, 6)
    """
    facts = tuple(f for f in machine.facts if f.measure == "count")
    windows = sorted({f.window_seconds for f in facts if f.window_seconds is not None})
    reach = [  # a fact counts events outside its window's shorter windows, not beyond
        len(windows) if f.window_seconds is None else windows.index(f.window_seconds) for f in facts
    ]
    sig_ids: dict[frozenset[int], int] = {}
    table = np.zeros((len(machine.kinds), len(windows) + 1), dtype=np.int64)
    for k, name in enumerate(machine.kinds):
        for b in range(len(windows) + 1):
            sig = frozenset(i for i, f in enumerate(facts) if name in f.kinds and reach[i] >= b)
            table[k, b] = sig_ids.setdefault(sig, len(sig_ids))
    return ClassPlan(
        facts=facts,
        edges=tuple(as_of - w for w in windows),
        table=table,
        signatures=tuple(sig_ids),
    )


@attrs.frozen
class _Packing:
    """The bit layout ``key = class * K1 + user * K2 + ((t - t0) << kind_bits) + kind``."""

    n_users: int
    t0: int
    kind_bits: int
    shift: int  # key >> shift == class * n_users + user

    @property
    def k2(self) -> int:
        return 1 << self.shift

    @property
    def k1(self) -> int:
        return self.n_users << self.shift


def _packing(n_classes: int, n_users: int, t0: int, q: int, n_kinds: int) -> _Packing | None:
    kind_bits = max(n_kinds - 1, 0).bit_length()
    shift = max(q - t0, 0).bit_length() + kind_bits
    if n_classes * n_users * (1 << shift) > _KEY_LIMIT:
        return None
    return _Packing(n_users=n_users, t0=t0, kind_bits=kind_bits, shift=shift)


def _offsets(plan: ClassPlan, kind_lut: NDArray[np.int64], pack: _Packing) -> NDArray[np.int64]:
    """``class * K1 + kind`` per (raw kind code, window bucket), row-major."""
    kinds = np.asarray(kind_lut, dtype=np.int64)
    cls = plan.table[kinds]  # (n_raw, n_buckets)
    out: NDArray[np.int64] = (cls * pack.k1 + kinds[:, None]).reshape(-1)
    return out


def _pack_chunk(
    users: NDArray[np.int64],
    raw: NDArray[np.integer],
    t: NDArray[np.int64],
    user_lo: int,
    edges: tuple[int, ...],
    offsets: NDArray[np.int64],
    pack: _Packing,
    out: NDArray[np.int64],
) -> None:
    """Write the packed keys of one chunk into ``out``."""
    np.subtract(users, user_lo, out=out)
    out <<= pack.shift
    part = np.subtract(t, pack.t0)
    part <<= pack.kind_bits
    out += part
    idx = raw.astype(np.intp)
    if edges:
        idx *= len(edges) + 1
        for edge in edges:
            idx += t <= edge
    np.take(offsets, idx, out=part, mode="clip")  # idx is in range by construction
    out += part


@attrs.frozen(eq=False)
class _KeySource:
    """The events' columns and the key layout: what writes the packed keys, chunk by chunk,
    and what the sum facts add up."""

    users: NDArray[np.int64]
    raw: NDArray[np.integer]
    t: NDArray[np.int64]
    user_lo: int
    edges: tuple[int, ...]
    offsets: NDArray[np.int64]
    pack: _Packing

    @property
    def n_rows(self) -> int:
        return int(self.t.shape[0])

    def write(self, s: int, e: int, out: NDArray[np.int64]) -> None:
        """Write the packed keys of rows ``s:e`` into ``out``."""
        _pack_chunk(
            self.users[s:e],
            self.raw[s:e],
            self.t[s:e],
            self.user_lo,
            self.edges,
            self.offsets,
            self.pack,
            out,
        )


def _pack_all(source: _KeySource) -> NDArray[np.int64]:
    n = source.n_rows
    keys = np.empty(n, dtype=np.int64)
    for s in range(0, n, CHUNK):
        e = min(s + CHUNK, n)
        source.write(s, e, keys[s:e])
    return keys


def _count_sorted(
    keys: NDArray[np.int64], pack: _Packing, n_cells: int, want_repeats: bool
) -> tuple[NDArray[np.int32] | NDArray[np.int64], NDArray[np.int64]]:
    """Counts per ``(class, user)`` cell of sorted keys, each run of equal keys counted once,
    and (when ``want_repeats``) the distinct keys that occur more than once.

    The counts are int32 (half the memory traffic) unless a cell could hold ``2 ** 31``
    events."""
    dtype = np.int32 if keys.shape[0] < 2**31 else np.int64
    counts = np.zeros(n_cells, dtype=dtype)
    repeated: list[NDArray[np.int64]] = []
    n = keys.shape[0]
    new_buf = np.empty(min(CHUNK, n), dtype=bool)
    cell_buf = np.empty(min(CHUNK, n), dtype=np.int64)
    for s in range(0, n, CHUNK):
        e = min(s + CHUNK, n)
        chunk = keys[s:e]
        new = new_buf[: e - s]
        new[0] = s == 0 or keys[s - 1] != chunk[0]
        np.not_equal(chunk[1:], chunk[:-1], out=new[1:])
        cells = cell_buf[: e - s]
        np.right_shift(chunk, pack.shift, out=cells)
        lo = int(cells[0])
        cells -= lo
        if not new.all():
            if want_repeats:
                repeated.append(chunk[~new])
            cells = cells[new]
        got = np.bincount(cells)
        part = counts[lo : lo + got.shape[0]]
        np.add(part, got, out=part, casting="unsafe")  # a cell's count fits its dtype
    rep = np.unique(np.concatenate(repeated)) if repeated else np.zeros(0, dtype=np.int64)
    return counts, rep


def _rows_with_keys(
    source: _KeySource, wanted: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The rows whose packed key is in ``wanted`` (sorted, unique) and their keys.

    The keys are packed again chunk by chunk; a bit table of hashed wanted keys lets only the
    few rows that may match reach the exact binary search.
    """
    bits = int(min(max(16, (64 * wanted.size).bit_length()), 26))
    table = np.zeros(1 << bits, dtype=bool)
    table[_hash(wanted, bits)] = True
    n = source.n_rows
    buf = np.empty(min(CHUNK, n), dtype=np.int64)
    rows: list[NDArray[np.int64]] = []
    found: list[NDArray[np.int64]] = []
    for s in range(0, n, CHUNK):
        e = min(s + CHUNK, n)
        out = buf[: e - s]
        source.write(s, e, out)
        maybe = np.flatnonzero(table[_hash(out, bits)])
        if not maybe.size:
            continue
        keys = out[maybe]
        pos = np.minimum(np.searchsorted(wanted, keys), wanted.size - 1)
        hit = wanted[pos] == keys
        rows.append(maybe[hit] + s)
        found.append(keys[hit])
    if not rows:  # pragma: no cover - every repeated key came from some row
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(found)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: multiply, keep the top bits


def _hash(keys: NDArray[np.int64], bits: int) -> NDArray[np.uint64]:
    """``bits``-bit hash of non-negative int64 keys (wrapping uint64 multiplication)."""
    with np.errstate(over="ignore"):
        h: NDArray[np.uint64] = (keys.view(np.uint64) * _GOLDEN) >> np.uint64(64 - bits)
    return h


def _repeat_correction(
    cand: NDArray[np.int64],
    keys: NDArray[np.int64],
    secondary: np.ndarray,
    values: NDArray[np.int64] | None,
    has_ids: bool,
    row: NDArray[np.int64] | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The rows (among those sharing a packed key) that repeat another exactly, tie-break
    included, and the distinct keys of the rows that are distinct events after all.

    A run of one key was counted once; each further distinct tie-break in the run is one more
    event, so the second array lists the run's key once per extra distinct tie-break.
    """
    order = np.lexsort((cand, secondary[cand], keys))
    c, k = cand[order], keys[order]
    sec = secondary[c]
    same_key = k[1:] == k[:-1]
    same = same_key & (sec[1:] == sec[:-1])
    if has_ids and values is not None and same.any():
        check_repeat_values(same, values, c, row)
    more = k[1:][same_key & ~same]
    return c[1:][same], more


def _exact_sums(
    cells: NDArray[np.int64], amounts: NDArray[np.int64], n_cells: int
) -> NDArray[np.int64]:
    """Exact int64 sums of ``amounts`` per cell (``np.add.at`` when float parts could round)."""
    if amounts.size == 0:
        return np.zeros(n_cells, dtype=np.int64)
    high = amounts >> _LOW_BITS
    bound = int(np.abs(high).max()) * amounts.size
    if bound >= _EXACT_FLOAT or (1 << _LOW_BITS) * amounts.size >= _EXACT_FLOAT:
        out = np.zeros(n_cells, dtype=np.int64)  # pragma: no cover - huge totals
        np.add.at(out, cells, amounts)  # pragma: no cover
        return out  # pragma: no cover
    low = amounts & ((1 << _LOW_BITS) - 1)
    hi = np.rint(np.bincount(cells, weights=high, minlength=n_cells)).astype(np.int64)
    lo = np.rint(np.bincount(cells, weights=low, minlength=n_cells)).astype(np.int64)
    out_sum: NDArray[np.int64] = (hi << _LOW_BITS) + lo
    return out_sum


class _ClassCounts:
    """Fact values of every user from the (class, user) count matrix, for :func:`holds`."""

    def __init__(
        self,
        classes: dict[Fact, list[int]],
        counts: NDArray[np.int32] | NDArray[np.int64],
        sums: dict[Fact, NDArray[np.int64]],
    ) -> None:
        self.classes = classes  # the classes each count fact sums
        self.counts = counts  # (n_classes, n_users)
        self.sums = sums
        self._values: dict[Fact, NDArray[np.int64]] = {}

    def value(self, fact: Fact) -> NDArray[np.int64]:
        got = self._values.get(fact)
        if got is None:
            if fact.measure == "sum":
                got = self.sums[fact]
            else:
                first, *rest = self.classes[fact]
                got = self.counts[first].astype(np.int64)  # int64 for ratios' products
                for c in rest:
                    got += self.counts[c]
            self._values[fact] = got
        return got

    def present(self, fact: Fact) -> NDArray[np.bool_]:  # pragma: no cover - no latest facts
        raise AssertionError("latest values need the sorted method")

    def ever(self, node: Ever) -> NDArray[np.bool_]:  # pragma: no cover - no sticky facts
        raise AssertionError("sticky conditions need the sorted method")


def count_tiers(
    machine: Machine,
    users: NDArray[np.int64],
    user_lo: int,
    n_users: int,
    raw: NDArray[np.integer],
    kind_lut: NDArray[np.int64],
    t: NDArray[np.int64],
    t0: int,
    values: NDArray[np.int64] | None,
    secondary: np.ndarray | None,
    has_ids: bool,
    q: int,
    row: NDArray[np.int64] | None,
) -> tuple[NDArray[np.int8], NDArray[np.bool_]] | None:
    """The tier code of every user (``-1``: none) and whether the user has an event up to ``q``.

    Parameters
    ----------
    machine : Machine
        A machine of counts and sums only.
    users : numpy.ndarray
        int64 per event: the user's code plus ``user_lo`` (codes are ``0 .. n_users - 1``).
    user_lo, n_users : int
    raw, kind_lut : numpy.ndarray
        Per event a raw kind code ``>= 0``; ``kind_lut[raw]`` is the position in
        ``machine.kinds`` (every entry valid).
    t : numpy.ndarray
        int64 seconds, all ``<= q``.
    t0 : int
        The earliest of ``t``.
    values : numpy.ndarray or None
        int64 millionths (read by sum facts and the event-id conflict check); ``None``: all 0.
    secondary : numpy.ndarray or None
        The tie-break among events of one user, time and kind (event ids of one kind, or the
        values); ``None`` when there is none (every tie-break equal: no values and no ids).
    has_ids : bool
        Whether the tie-break is an event id.
    q : int
        The evaluation time, seconds.
    row : numpy.ndarray or None
        The caller's row of each event, for messages (``None``: the same positions).

    Returns
    -------
    tuple or None
        ``(codes, seen)`` over the user codes; ``None`` when the keys would not fit in int64
        (then the caller uses the sorted method).

    Examples
    --------
    >>> from privtraffic.lifecycle import relationship_ladder
    >>> m = relationship_ladder(window_days=1)
    >>> codes, seen = count_tiers(
    ...     m, np.array([0, 0, 1]), 0, 2, np.array([3, 3, 2]), np.arange(6),
    ...     np.array([10, 20, 30]), 10, None, None, False, 40, None)
    >>> codes.tolist(), seen.tolist()
    ([3, 1], [True, True])
    """
    plan = class_plan(machine, q)
    n_classes = len(plan.signatures)
    pack = _packing(n_classes, n_users, t0, q, len(machine.kinds))
    if pack is None:
        return None
    source = _KeySource(users, raw, t, user_lo, plan.edges, _offsets(plan, kind_lut, pack), pack)
    keys = _pack_all(source)
    keys.sort()
    n_cells = n_classes * n_users
    flat, repeated = _count_sorted(keys, pack, n_cells, want_repeats=secondary is not None)
    del keys
    drop_rows = None
    if repeated.size and secondary is not None:
        # Runs of one key were counted once; rows sharing a key but not their tie-break are
        # distinct events: count each distinct (key, tie-break) once.
        cand, cand_keys = _rows_with_keys(source, repeated)
        drop_rows, more = _repeat_correction(cand, cand_keys, secondary, values, has_ids, row)
        np.add.at(flat, more >> pack.shift, 1)
    counts = flat.reshape(n_classes, n_users)
    sums = _sum_facts(machine, source, n_users, kind_lut, values, q, drop_rows)
    classes = {f: plan.classes_of(f) for f in plan.facts}
    codes = np.full(n_users, -1, dtype=np.int8)
    seen = np.empty(n_users, dtype=bool)
    for a in range(0, n_users, USER_BLOCK):  # cache-sized blocks of users
        b = min(a + USER_BLOCK, n_users)
        block = counts[:, a:b]
        facts = _ClassCounts(classes, block, {f: v[a:b] for f, v in sums.items()})
        here = np.any(block, axis=0, out=seen[a:b])
        out = codes[a:b]
        for i, tier in enumerate(machine.tier_rules):
            out[here if tier.when is None else here & holds(tier.when, facts)] = i
    return codes, seen


def _sum_facts(
    machine: Machine,
    source: _KeySource,
    n_users: int,
    kind_lut: NDArray[np.int64],
    values: NDArray[np.int64] | None,
    q: int,
    drop_rows: NDArray[np.int64] | None,
) -> dict[Fact, NDArray[np.int64]]:
    """Exact sums in millionths per user for each sum fact (exact repeats left out)."""
    wanted = [f for f in machine.facts if f.measure == "sum"]
    out: dict[Fact, NDArray[np.int64]] = {}
    if values is None:  # every value is 0
        return {f: np.zeros(n_users, dtype=np.int64) for f in wanted}
    if not wanted:
        return out
    users, user_lo, t = source.users, source.user_lo, source.t
    kind = np.asarray(kind_lut, dtype=np.int64)[source.raw]
    keep = None
    if drop_rows is not None and drop_rows.size:
        keep = np.ones(t.shape[0], dtype=bool)
        keep[drop_rows] = False
    for fact in wanted:
        sel = np.zeros(len(machine.kinds), dtype=bool)
        sel[[machine.kinds.index(k) for k in fact.kinds]] = True
        mask = sel[kind]
        if fact.window_seconds is not None:
            mask &= t > q - fact.window_seconds
        if keep is not None:
            mask &= keep
        out[fact] = _exact_sums(users[mask] - user_lo, values[mask], n_users)
    return out
