"""Distinct rows of customer data: factorising columns, collapsing rows into weights.

BTYD data have few distinct values per column (whole-number frequencies, ages at day
resolution), so a customer base of millions has far fewer distinct ``(frequency, recency, T)``
rows. Fitting works on the distinct rows with weights; predictions evaluate the expensive
hypergeometric terms once per distinct ``(frequency, T)``.

:func:`factorize` maps a float column to codes without sorting it: the distinct values of a
sample get a perfect multiplicative hash on their bit patterns, every row is looked up and
checked, and values the sample missed are added. Columns with many distinct values fall back
to :func:`numpy.unique`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["collapse_rows", "distinct_rows", "factorize"]

_SAMPLE = 16384
_MAX_HASHED = 2048  # distinct values handled by the perfect hash (table <= 2**23 entries)
_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xBF58476D1CE4E5B9,
        0x94D049BB133111EB,
        0xD6E8FEB86659FD93,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
        0x589965CC75374CC3,
    ],
    dtype=np.uint64,
)


def _perfect_hash(uniques: np.ndarray) -> tuple[np.uint64, np.uint64, np.ndarray] | None:
    """A multiplier and shift mapping the bit patterns of ``uniques`` to distinct slots."""
    k = uniques.size
    bits = max(4, 2 * math.ceil(math.log2(k + 1)) + 1)
    shift = np.uint64(64 - bits)
    keys = uniques.view(np.uint64)
    for multiplier in _MULTIPLIERS:
        slots = (keys * multiplier) >> shift
        if np.unique(slots).size == k:
            table = np.zeros(1 << bits, dtype=np.int64)
            table[slots.astype(np.int64)] = np.arange(k)
            return multiplier, shift, table
    return None


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of a float column and each row's index into them.

    The same result as ``numpy.unique(values, return_inverse=True)``, in linear time for
    columns with few distinct values.

    Parameters
    ----------
    values : numpy.ndarray
        A 1-d float column without NaN.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The sorted distinct values (float64) and the int64 code of every row.

    Examples
    --------
    >>> u, codes = factorize(np.array([3.0, 1.0, 3.0, 2.5]))
    >>> u.tolist(), codes.tolist()
    ([1.0, 2.5, 3.0], [2, 0, 2, 1])
    """
    values = np.asarray(values, dtype=np.float64) + 0.0  # -0.0 -> 0.0: one bit pattern
    n = values.size
    if n == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    sample = values[:: max(1, n // _SAMPLE)]
    lo, hi = float(values.min()), float(values.max())
    if (
        hi - lo <= 4 * n + 1024
        and np.array_equal(sample, np.floor(sample))
        and np.array_equal(values, np.floor(values))
    ):
        shifted = (values - lo).astype(np.int64)
        present = np.bincount(shifted) > 0
        remap = np.cumsum(present) - 1
        return lo + np.flatnonzero(present).astype(np.float64), remap[shifted]
    uniques = np.unique(sample)
    for _ in range(3):
        if uniques.size > _MAX_HASHED:
            break
        found = _perfect_hash(uniques)
        if found is None:
            break
        multiplier, shift, table = found
        codes = table[((values.view(np.uint64) * multiplier) >> shift).view(np.int64)]
        missed = uniques[codes] != values
        if not missed.any():
            return uniques, codes
        uniques = np.union1d(uniques, values[missed])
    inverse_uniques, codes = np.unique(values, return_inverse=True)
    return inverse_uniques, codes.reshape(-1).astype(np.int64)


def distinct_rows(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of equal-length columns and each row's index into them.

    Parameters
    ----------
    columns : sequence of numpy.ndarray
        Equal-length 1-d float columns.

    Returns
    -------
    (list of numpy.ndarray, numpy.ndarray)
        The distinct rows' columns, sorted lexicographically, and the int64 index of every
        input row.

    Examples
    --------
    >>> rows, index = distinct_rows([np.array([1.0, 0.0, 1.0]), np.array([5.0, 0.0, 5.0])])
    >>> [r.tolist() for r in rows], index.tolist()
    ([[0.0, 1.0], [0.0, 5.0]], [1, 0, 1])
    """
    n = len(columns[0])
    factors = [factorize(c) for c in columns]
    sizes = [u.size for u, _ in factors]
    key = np.zeros(n, dtype=np.int64)
    if math.prod(sizes) <= 4 * n + (1 << 20):
        for (_, codes), size in zip(factors, sizes, strict=True):
            key = key * size + codes
        present = np.zeros(math.prod(sizes), dtype=bool)
        present[key] = True
        occupied = np.flatnonzero(present)
        remap = np.cumsum(present) - 1
        index = remap[key]
    else:
        stacked = np.column_stack([codes for _, codes in factors])
        occupied_rows, inverse = np.unique(stacked, axis=0, return_inverse=True)
        index = inverse.reshape(-1).astype(np.int64)
        occupied = np.zeros(len(occupied_rows), dtype=np.int64)
        for j, size in enumerate(sizes):
            occupied = occupied * size + occupied_rows[:, j]
    rows: list[np.ndarray] = []
    rest = occupied
    for (uniques, _), size in zip(reversed(factors), reversed(sizes), strict=True):
        rest, code = np.divmod(rest, size)
        rows.append(uniques[code])
    return rows[::-1], index


def collapse_rows(
    columns: Sequence[np.ndarray], weights: np.ndarray | None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Merge identical rows of ``columns`` into one row each, summing their weights.

    Parameters
    ----------
    columns : sequence of numpy.ndarray
        Equal-length 1-d float arrays (for example frequency, recency, T).
    weights : numpy.ndarray or None
        Non-negative weight of each row; ``None`` means 1 for every row.

    Returns
    -------
    (list of numpy.ndarray, numpy.ndarray)
        The distinct rows' columns (sorted lexicographically) and their total weights.
        Rows whose total weight is 0 are dropped: they do not contribute to the likelihood.

    Examples
    --------
    >>> cols, w = collapse_rows([np.array([0.0, 2, 0]), np.array([0.0, 5, 0])], None)
    >>> [c.tolist() for c in cols], w.tolist()
    ([[0.0, 2.0], [0.0, 5.0]], [2.0, 1.0])
    """
    n = len(columns[0])
    if n == 0:
        return [np.asarray(c, dtype=np.float64) for c in columns], np.zeros(0)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    factors = [factorize(c) for c in columns]
    sizes = [u.size for u, _ in factors]
    if math.prod(sizes) <= 4 * n + (1 << 20):  # count straight into the grid of codes
        key = np.zeros(n, dtype=np.int64)
        for (_, codes), size in zip(factors, sizes, strict=True):
            key *= size
            key += codes
        grid = np.bincount(key, weights=w, minlength=math.prod(sizes)).astype(np.float64)
        occupied = np.flatnonzero(grid > 0)
        totals = grid[occupied]
        rows: list[np.ndarray] = []
        rest = occupied
        for (uniques, _), size in zip(reversed(factors), reversed(sizes), strict=True):
            rest, code = np.divmod(rest, size)
            rows.append(uniques[code])
        return rows[::-1], totals
    rows, index = distinct_rows(columns)
    totals = np.bincount(index, weights=w, minlength=len(rows[0])).astype(np.float64)
    keep = totals > 0
    return [r[keep] for r in rows], totals[keep]
