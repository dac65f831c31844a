"""Distinct rows of customer data: factorising columns, collapsing rows into weights.

BTYD data have few distinct values per column (whole-number frequencies, ages at day
resolution), so a customer base of millions has far fewer distinct ``(frequency, recency, T)``
rows. Fitting works on the distinct rows with weights; predictions evaluate the expensive
hypergeometric terms once per distinct ``(frequency, T)``.

On their fast paths neither sorts the column. A column whose values are whole multiples of
one step (whole numbers; ages at day resolution in weeks, ``k / 7``) is coded by its exact
integer ``k``: the step is guessed from a sample and every row is checked to satisfy
``k / d == value`` bit for bit, so distinct floats never share a code. Other columns get a perfect
multiplicative hash on the bit patterns of a sample's distinct values; every row is looked
up and checked, and values the sample missed are added. Columns with many distinct values
fall back to :func:`numpy.unique`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["cell_values", "collapse_rows", "distinct_rows", "factorize", "row_cells"]

_SAMPLE = 16384
_SMALL_SAMPLE = 1024  # values sorted to guess a column's step
_CHUNK = 65536  # rows per chunk of the checking passes (stays in cache)
_MAX_HASHED = 2048  # distinct values handled by the perfect hash (table <= 2**23 entries)
_MAX_SCALE = float(1 << 24)  # finest step (1 / scale) tried for exact integer codes
_EXACT_INTEGERS = float(1 << 52)  # integer codes stay exact in float64 below this
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


def _guess_step(values: np.ndarray, max_span: int) -> tuple[float, float, int] | None:
    """A step that may code a column exactly: ``(scale, lo, span)``, or ``None``.

    The scale ``d`` is 1 when a sample holds whole numbers, else the reciprocal of the
    smallest gap between the distinct values of (a subsample of) the sample, snapped to a
    multiple of 2**-16 when it is one. A row's code is ``rint(value * d) - lo``; ``lo`` and
    ``lo + span - 1`` are the codes of the smallest and largest value (``rint(v * d)`` is
    non-decreasing in ``v``).
    Only the sample is checked here: every row is checked by :func:`_checked_key`.
    ``None`` when the sample does not fit a step or the codes span more than ``max_span``.
    """
    if values.size == 0:
        return None
    sample = values[:: max(1, values.size // _SAMPLE)]
    if np.array_equal(sample, np.rint(sample)):
        scale = 1.0
    else:
        # The step from the distinct values of a small subsample (sorting is the costly
        # part), checked on the whole sample; from the whole sample's if that fails.
        for candidates in (sample[:: max(1, sample.size // _SMALL_SAMPLE)], sample):
            distinct = np.unique(candidates)
            if distinct.size < 2:
                continue
            scale = 1.0 / float(np.diff(distinct).min())
            if not scale <= _MAX_SCALE:
                return None
            snapped = round(scale * 65536.0) / 65536.0
            if abs(scale - snapped) <= 1e-9 * scale:
                scale = snapped
            if np.array_equal(np.rint(sample * scale) / scale, sample):
                break
        else:
            return None
    lo = float(np.rint(float(values.min()) * scale))
    hi = float(np.rint(float(values.max()) * scale))
    if not (hi - lo < max_span and max(-lo, hi) < _EXACT_INTEGERS):
        return None
    return scale, lo, int(hi - lo) + 1


# A coded column: (values, table, step). A stepped column keeps its float values and
# step = (scale, lo); any other column carries its int64 codes and step = None.
# table[code] is the value of a code, increasing in the code.
_Column = tuple[np.ndarray, np.ndarray, "tuple[float, float] | None"]


def _checked_key(coded: Sequence[_Column], n: int) -> np.ndarray | int:
    """Each row's cell in the grid of the columns' codes, checking every stepped row.

    The cell is lexicographic (the first column varies slowest). A stepped row passes when
    ``k / scale == value`` for ``k = rint(value * scale)``: the value is then a function of
    its code, so distinct values (bit patterns, except that -0.0 is 0.0) never share one.
    Runs over cache-sized chunks, summing in float64 (exact: cells are whole numbers below
    2**53); besides the int64 result nothing of the column's length is allocated (fresh
    large arrays cost page faults that would dominate these passes).

    Returns the int64 cells, or the position of the first stepped column with a row that
    does not pass.
    """
    key = np.empty(n, dtype=np.int64)
    # Cells summed without shifting each code by its lo stay exact below 2**52: then the
    # shifts are subtracted once per chunk.
    bound = offset = 0.0
    for _, table, step in coded:
        lo = 0.0 if step is None else step[1]
        bound = bound * table.size + abs(lo) + table.size
        offset = offset * table.size + lo
    fold = bound < _EXACT_INTEGERS
    m = min(n, _CHUNK)
    cell, k, back = np.empty(m), np.empty(m), np.empty(m)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        c, bc = cell[: stop - start], back[: stop - start]
        for j, (values, table, step) in enumerate(coded):
            v = values[start:stop]
            if j:
                c *= table.size
            if step is None:
                if j:
                    c += v
                else:
                    c[...] = v
                continue
            scale, lo = step
            kc = k[: stop - start] if j else c  # the first column's codes start the cell
            if scale == 1.0:
                np.rint(v, out=kc)
                if not np.array_equal(kc, v):
                    return j
            else:
                np.multiply(v, scale, out=kc)
                np.rint(kc, out=kc)
                if not np.array_equal(np.divide(kc, scale, out=bc), v):
                    return j
            if not fold:
                kc -= lo
            if j:
                c += kc
        if fold and offset:
            c -= offset
        key[start:stop] = c
    return key


def _code_column(values: np.ndarray, max_span: int, *, stepped: bool = True) -> _Column:
    """A column coded by its step (unchecked: see :func:`_checked_key`) or factorised."""
    step = _guess_step(values, max_span) if stepped else None
    if step is None:
        uniques, codes = factorize(values, stepped=False)
        return codes, uniques, None
    scale, lo, span = step
    return values, (lo + np.arange(span, dtype=np.float64)) / scale, (scale, lo)


def _drop_unused(codes: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Int64 codes renumbered to the table entries that occur (keeps the table's order)."""
    present = np.bincount(codes, minlength=table.size) > 0
    if present.all():
        return codes, table
    remap = np.cumsum(present) - 1
    return remap[codes], table[present]


def factorize(
    values: ArrayLike, *, stepped: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Sorted distinct values of a float column and each row's index into them.

    The same result as ``numpy.unique(values, return_inverse=True)``, in linear time for
    columns with few distinct values.

    Parameters
    ----------
    values : numpy.ndarray
        A 1-d float column without NaN.
    stepped : bool, default True
        Try exact integer codes of a step first (whole numbers, ``k / 7``, ...).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The sorted distinct values (float64) and the int64 code of every row.

    Examples
    --------
    >>> u, codes = factorize(np.array([3.0, 1.0, 3.0, 2.5]))
    >>> u.tolist(), codes.tolist()
    ([1.0, 2.5, 3.0], [2, 0, 2, 1])

    Values a rounding error apart stay apart (every row is checked, not only a sample):

    >>> week = np.arange(1.0, 8.0) / 7
    >>> u, codes = factorize(np.append(week, np.nextafter(week[1], 1.0)))
    >>> u.size, codes.tolist()
    (8, [0, 1, 3, 4, 5, 6, 7, 2])
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    if stepped:
        column = _code_column(values, 4 * n + 1024)
        if column[2] is None:
            return column[1], column[0]
        key = _checked_key([column], n)
        if not isinstance(key, int):
            codes, table = _drop_unused(key, column[1])
            return table, codes
    values = values + 0.0  # -0.0 -> 0.0: one bit pattern
    sample = values[:: max(1, n // _SAMPLE)]
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


def _row_cells(columns: Sequence[np.ndarray]) -> tuple[list[_Column], np.ndarray | None, int]:
    """Code the columns and, when their grid is small enough to count on, each row's cell.

    A grid of at most ``4 * n + 2**20`` cells is counted directly; stepped columns keep
    unused codes unless that makes the grid too large. Returns ``(coded, cells, grid)``;
    ``cells`` is ``None`` for a grid too large to count on (every column then carries
    int64 codes of its distinct values).
    """
    n = len(columns[0])
    max_grid = 4 * n + (1 << 20)
    values = [np.asarray(c, dtype=np.float64) for c in columns]
    coded = [_code_column(v, max_grid) for v in values]
    while True:
        grid = math.prod(table.size for _, table, _ in coded)
        if grid > max_grid:
            break
        key = _checked_key(coded, n)
        if not isinstance(key, int):
            return coded, key, grid
        coded[key] = _code_column(values[key], max_grid, stepped=False)
    distinct: list[_Column] = []
    for j, column in enumerate(coded):
        if column[2] is not None:
            key = _checked_key([column], n)
            column = (
                _code_column(values[j], max_grid, stepped=False)
                if isinstance(key, int)
                else (key, column[1], None)
            )
        distinct.append((*_drop_unused(column[0], column[1]), None))
    coded = distinct
    grid = math.prod(table.size for _, table, _ in coded)
    if grid <= max_grid:
        cells = _checked_key(coded, n)
        if not isinstance(cells, int):  # always: no stepped column is left to fail
            return coded, cells, grid
    return coded, None, grid


def _decode(occupied: np.ndarray, coded: Sequence[_Column]) -> list[np.ndarray]:
    """The column values of grid cells."""
    rows: list[np.ndarray] = []
    rest = occupied
    for _, table, _ in reversed(coded):
        rest, code = np.divmod(rest, table.size)
        rows.append(table[code])
    return rows[::-1]


def _unique_rows(coded: Sequence[_Column]) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows by sorting the stacked codes (grids too large to count on)."""
    stacked = np.column_stack([codes for codes, _, _ in coded])
    occupied_rows, inverse = np.unique(stacked, axis=0, return_inverse=True)
    rows = [table[occupied_rows[:, j]] for j, (_, table, _) in enumerate(coded)]
    return rows, inverse.reshape(-1).astype(np.int64)


def row_cells(
    columns: Sequence[NDArray[np.float64]],
) -> tuple[list[_Column], NDArray[np.int64] | None, int]:
    """Each row's cell in the grid of its columns' distinct values (or of their steps):
    ``(coded, cells, n_cells)``, with ``cells`` ``None`` when the grid is too large to count
    on (more than ``4 n + 2**20`` cells); :func:`cell_values` gives a cell's values. A grid
    may hold cells no row falls in (the steps between values).

    >>> coded, cells, n_cells = row_cells([np.array([0.0, 2.0, 2.0]), np.array([1.0, 1.0, 3.0])])
    >>> cells.tolist(), n_cells, [c.tolist() for c in cell_values(cells, coded)]
    ([0, 6, 8], 9, [[0.0, 2.0, 2.0], [1.0, 1.0, 3.0]])
    """
    return _row_cells(columns)


def cell_values(cells: NDArray[np.int64], coded: Sequence[_Column]) -> list[NDArray[np.float64]]:
    """The column values of grid cells numbered by :func:`row_cells`."""
    return _decode(cells, coded)


def distinct_rows(
    columns: Sequence[NDArray[np.float64]],
) -> tuple[list[NDArray[np.float64]], NDArray[np.intp]]:
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
    coded, key, grid = _row_cells(columns)
    if key is None:
        return _unique_rows(coded)
    present = np.zeros(grid, dtype=bool)
    present[key] = True
    occupied = np.flatnonzero(present)
    remap = np.cumsum(present) - 1
    return _decode(occupied, coded), remap[key]


def collapse_rows(
    columns: Sequence[NDArray[np.float64]], weights: NDArray[np.float64] | None
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
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

    Rows are merged only when their values are identical: ages a rounding error apart stay
    two rows.

    >>> age = np.full(4, 3.0) / 7
    >>> age[1] = np.nextafter(age[1], 1.0)
    >>> cols, w = collapse_rows([np.ones(4), age], np.array([1.0, 2.0, 3.0, 4.0]))
    >>> w.tolist(), bool(cols[1][0] < cols[1][1])
    ([8.0, 2.0], True)
    """
    n = len(columns[0])
    if n == 0:
        return [np.asarray(c, dtype=np.float64) for c in columns], np.zeros(0)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    coded, key, grid = _row_cells(columns)
    if key is not None:  # count straight into the grid of codes
        counts = np.bincount(key, weights=w, minlength=grid)
        occupied = np.flatnonzero(counts > 0)
        return _decode(occupied, coded), counts[occupied].astype(np.float64)
    rows, index = _unique_rows(coded)
    totals = np.bincount(index, weights=w, minlength=len(rows[0])).astype(np.float64)
    keep = totals > 0
    return [r[keep] for r in rows], totals[keep]
