"""The one id -> position lookup of privtraffic, shared by every structure keyed by user id.

A referral graph, a distributor network and a score table all keep their users as one sorted
array of unique ids (all integers or all strings) and answer "where is this id?". They answer it
through :class:`IdIndex`, built once per structure, with one documented rule for ids that are
not there (:meth:`IdIndex.index_of`):

- an id of the other kind (a string where the ids are integers, or the reverse) raises
  :class:`~privtraffic.errors.InvalidInputError`;
- an id that is not present raises, naming the id, its row and (when given) its label, unless
  ``missing="mark"``, which gives ``-1`` for it.

Lookups of many ids at once use a dense table when integer ids span a compact range and a
binary search otherwise; one id is a dictionary lookup (built on first use), O(1).

This module is a base layer: it imports only the shared validation and the errors.

Examples
--------
>>> import numpy as np
>>> index = IdIndex(np.array(["a", "b", "d"]))
>>> index.index_of(["d", "a"]).tolist(), index.position("c")
([2, 0], -1)
>>> index.index_of(["b", "c"], "sharer")
Traceback (most recent call last):
...
privtraffic.errors.InvalidInputError: 'sharer' 'c' (row 1) is not among the ids
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from privtraffic._validation import as_ids
from privtraffic.errors import InvalidInputError

__all__ = ["IdIndex", "Missing", "check_same_kind", "unique_ids"]

#: What :meth:`IdIndex.index_of` does with an id that is not present.
Missing = Literal["raise", "mark"]

#: Integer ids spanning at most ``4 n + 1024`` values are looked up through a dense table.
_DENSE_SLACK = 1024


def unique_ids(
    ids: NDArray[Any], *, dense_slack: int = _DENSE_SLACK
) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """The sorted unique ids and the position of each row's id among them.

    The result of ``numpy.unique(ids, return_inverse=True)``, found without a sort when the ids
    are integers spanning at most ``4 n + dense_slack`` values (a presence table over the span).

    Parameters
    ----------
    ids : numpy.ndarray
        1-d ids, integers or strings (already coerced, e.g. by ``as_ids``).
    dense_slack : int, default 1024
        How far beyond ``4 n`` the span of integer ids may reach for the presence table (a
        caller whose ids are often a compact range of a few million may allow more).

    Returns
    -------
    unique : numpy.ndarray
        Sorted, unique; ``int64`` for integer ids.
    inverse : numpy.ndarray of int64
        ``unique[inverse]`` equals ``ids``.

    Examples
    --------
    >>> unique, inverse = unique_ids(np.array([7, 3, 7, 4]))
    >>> unique.tolist(), inverse.tolist()
    ([3, 4, 7], [2, 0, 2, 1])
    >>> unique, inverse = unique_ids(np.array(["b", "a", "b"]))
    >>> unique.tolist(), inverse.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    if ids.dtype.kind == "i" and ids.size:
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo <= 4 * ids.size + dense_slack:
            present = np.zeros(hi - lo + 1, dtype=bool)
            shifted: NDArray[np.int64] = np.subtract(ids, lo, dtype=np.int64)
            present[shifted] = True
            if present.all():  # every id of lo..hi: the position is the shifted id
                return np.arange(lo, hi + 1, dtype=np.int64), shifted
            rank = np.cumsum(present) - 1
            return np.flatnonzero(present) + lo, rank[shifted]
    unique, inverse = np.unique(ids, return_inverse=True)
    return unique, inverse.reshape(-1).astype(np.int64)


class IdIndex:
    """Positions of ids in one sorted array of unique ids (integers or strings).

    The index holds no copy of the ids beyond the array it is given, is never changed after it
    is built, and fills its lookup tables on first use; it is safe to share between threads
    (two threads racing to fill a table compute the same one).

    Parameters
    ----------
    ids : numpy.ndarray
        Sorted, unique, 1-d; ``int64`` or a unicode string dtype. Not copied; the owner must
        not change it.
    noun : str
        How messages name the collection: ``"'sharer' 'z' (row 1) is not in the distributor
        network"`` for ``noun="in the distributor network"``.

    Examples
    --------
    >>> IdIndex(np.array([10, 11, 15]), noun="in the graph").index_of([15, 12], missing="mark")
    array([ 2, -1])
    """

    __slots__ = ("_dense", "_positions", "ids", "noun")

    def __init__(self, ids: NDArray[Any], noun: str = "among the ids") -> None:
        self.ids = ids
        self.noun = noun
        self._positions: dict[Any, int] | None = None
        self._dense: tuple[int, NDArray[np.int64]] | bool | None = False  # False: not built yet

    # -- one id ------------------------------------------------------------------------------

    def position(self, user: Any) -> int:
        """Position of one id, ``-1`` when absent (a dictionary lookup after the first call).

        Booleans and ids of the other kind are never found.

        Examples
        --------
        >>> IdIndex(np.array([3, 5])).position(5), IdIndex(np.array([3, 5])).position("5")
        (1, -1)
        """
        positions = self._positions
        if positions is None:
            positions = {u: i for i, u in enumerate(self.ids.tolist())}
            self._positions = positions
        if isinstance(user, np.generic):
            user = user.item()
        if isinstance(user, bool):
            return -1
        return positions.get(user, -1)

    # -- many ids ----------------------------------------------------------------------------

    def _dense_table(self) -> tuple[int, NDArray[np.int64]] | None:
        dense = self._dense
        if dense is False:
            dense = None
            ids = self.ids
            if ids.dtype.kind == "i" and ids.size:
                lo, hi = int(ids[0]), int(ids[-1])
                if hi - lo <= 4 * ids.size + _DENSE_SLACK:
                    table = np.full(hi - lo + 1, -1, dtype=np.int64)
                    table[ids - lo] = np.arange(ids.size, dtype=np.int64)
                    dense = (lo, table)
            self._dense = dense
        return dense  # type: ignore[return-value]

    def positions(self, arr: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Positions of already-coerced ids (``-1`` where absent) and the mask of those found.

        Ids of the other kind are simply not found; :meth:`index_of` is the checked entry point.

        Examples
        --------
        >>> pos, found = IdIndex(np.array([1, 2, 4])).positions(np.array([4, 3]))
        >>> pos.tolist(), found.tolist()
        ([2, -1], [True, False])
        """
        n = self.ids.size
        if n == 0 or arr.size == 0 or (arr.dtype.kind == "U") != (self.ids.dtype.kind == "U"):
            return np.full(arr.shape, -1, dtype=np.int64), np.zeros(arr.shape, dtype=bool)
        dense = self._dense_table() if arr.dtype.kind == "i" else None
        if dense is not None:
            lo, table = dense
            offset = arr - lo
            if int(offset.min()) >= 0 and int(offset.max()) < table.size:  # all in range
                pos = table[offset]
            else:
                inside = (offset >= 0) & (offset < table.size)
                pos = np.where(inside, table[np.where(inside, offset, 0)], -1)
            return pos, pos >= 0
        pos = np.minimum(np.searchsorted(self.ids, arr), n - 1)
        found = self.ids[pos] == arr
        return np.where(found, pos, -1).astype(np.int64), found

    def index_of(
        self,
        ids: Any,
        name: str = "ids",
        *,
        missing: Missing = "raise",
        labels: Any = None,
        label_name: str = "order",
    ) -> NDArray[np.int64]:
        """Positions of ``ids``, by the one rule for ids that are not present.

        Parameters
        ----------
        ids : array-like
            Ids of the index's kind (all integers or all strings).
        name : str
            The argument's name, for messages.
        missing : {"raise", "mark"}
            An id that is not present raises (default) or is marked ``-1``.
        labels : array-like, optional
            Aligned with ``ids`` (order ids, say): the message names the label of an unknown id.
        label_name : str
            What a label is, for messages (``"order"``).

        Returns
        -------
        numpy.ndarray
            The position of each id (``int64``; ``-1`` for an id marked missing).

        Raises
        ------
        InvalidInputError
            Missing or mixed-kind ids, ids of the other kind, or (with ``missing="raise"``) an
            id that is not present.

        Examples
        --------
        >>> index = IdIndex(np.array([1, 2]), noun="in the distributor network")
        >>> index.index_of([2, 9], missing="mark").tolist()
        [1, -1]
        >>> index.index_of([2, 9], "sharer", labels=["o1", "o2"])
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'sharer' 9 of order 'o2' (row 1) is not in the distributor network
        >>> index.index_of(["a"], "sharer")
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'sharer' must be the same kind of id as the index (integers); got 'a' at index 0
        """  # noqa: E501
        if missing not in ("raise", "mark"):
            raise InvalidInputError(f"'missing' must be 'raise' or 'mark' (got {missing!r})")
        arr = as_ids(ids, name)
        check_same_kind(self.ids, arr, "the index", name)
        pos, found = self.positions(arr)
        if missing == "raise" and not found.all():
            i = int(np.flatnonzero(~found)[0])
            where = f"(row {i})"
            if labels is not None:
                label = np.asarray(labels)[i]
                label = label.item() if isinstance(label, np.generic) else label
                where = f"of {label_name} {label!r} (row {i})"
            raise InvalidInputError(f"'{name}' {arr[i].item()!r} {where} is not {self.noun}")
        return pos


def check_same_kind(a: NDArray[Any], b: NDArray[Any], name_a: str, name_b: str) -> None:
    """Raise when two id arrays are of different kinds (strings vs integers).

    Examples
    --------
    >>> check_same_kind(np.array([1]), np.array(["x"]), "users", "buyers")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'buyers' must be the same kind of id as 'users' (integers); got 'x' at index 0
    """  # noqa: E501
    if a.size and b.size and (a.dtype.kind == "U") != (b.dtype.kind == "U"):
        kind = "strings" if a.dtype.kind == "U" else "integers"
        owner = name_a if name_a.startswith("the ") else f"'{name_a}'"
        raise InvalidInputError(
            f"'{name_b}' must be the same kind of id as {owner} ({kind}); "
            f"got {b[0].item()!r} at index 0"
        )
