"""What a ledger needs from a database: the :class:`LedgerStore` protocol.

A store keeps one or more ledgers (by ``name``), each as

* a header: the plan and starting network the ledger was created with (JSON text);
* its events, append-only, each with a sequence number (1, 2, ...) and its idempotency key
  (:func:`~privtraffic.commission.events.event_key`) as a unique key, in the JSON row of
  :func:`~privtraffic.commission.events.event_to_row`;
* optionally a snapshot: every distributor's folded balance, kept current by each
  :meth:`~privtraffic.commission.Ledger.record`, so that a new process can answer
  :meth:`~privtraffic.commission.Ledger.balances` without folding millions of events. It is
  kept as parts: a base (every distributor's balance after some event) and, after it, one
  part per ``record`` with the balances that call changed (:func:`merge_balances` reads them
  back: the latest row of each distributor wins). A ``record`` whose changes would make the
  parts too long to read writes a new base instead, so writing the snapshot costs about the
  rows a call changes, and reading it about three times the number of distributors.

A :class:`~privtraffic.commission.Ledger` talks to its store only through these methods; the
write path is one transaction (:meth:`LedgerStore.writing`) that holds the ledger's write lock
from the first read to the commit, which is what makes checking and appending atomic across
threads and processes. :class:`~privtraffic.commission.SQLiteLedgerStore` and
:class:`~privtraffic.commission.PostgresLedgerStore` implement it.

Examples
--------
>>> import tempfile, pathlib
>>> from privtraffic.commission import SQLiteLedgerStore
>>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
>>> isinstance(store, LedgerStore)
True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol, TypeAlias, runtime_checkable

from privtraffic.commission._types import Id

__all__ = [
    "BalanceRow",
    "LedgerStore",
    "LedgerWriter",
    "StoredEvent",
    "balances_json",
    "merge_balances",
]

#: One stored event: its sequence number and its JSON row.
StoredEvent: TypeAlias = "tuple[int, str]"

#: One distributor's snapshot: the id, then pending, payable, clawback and paid in minor
#: units.
BalanceRow: TypeAlias = "tuple[Id, int, int, int, int]"


@runtime_checkable
class LedgerWriter(Protocol):
    """The write transaction of :meth:`LedgerStore.writing`, holding the ledger's write lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from privtraffic.commission import SQLiteLedgerStore
    >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
    >>> _ = store.open('{"plan": {}}')
    >>> with store.writing() as tx:
    ...     tx.append(0, [('["order","o1"]', '{"event": "order"}')])
    1
    >>> store.read(0)
    [(1, '{"event": "order"}')]
    """

    def read(self, after: int) -> list[StoredEvent]:
        """Events with a sequence number above ``after``, in order (seen under the lock)."""
        ...  # pragma: no cover

    def snapshot_seq(self) -> int:
        """The last event the stored balances include (0: none)."""
        ...  # pragma: no cover

    def snapshot_size(self) -> tuple[int, int, int]:
        """Rows in the stored base, rows in the parts after it, and how many parts there are
        after it (what a reader of the snapshot merges)."""
        ...  # pragma: no cover

    def append(self, after: int, rows: Sequence[tuple[str, str]]) -> int:
        """Append ``(key, row)`` pairs as events ``after + 1, ...``; return the last number.

        Raises :class:`~privtraffic.errors.LedgerStoreError` if a key is already stored or the
        last stored event is not ``after`` (a writer that bypassed the lock).
        """
        ...  # pragma: no cover

    def put_balances(
        self, seq: int, ids: Sequence[Id], amounts: Sequence[int], *, replace: bool
    ) -> None:
        """Store balances as of event ``seq``: the balances of ``ids`` (``amounts`` four per
        id, pending, payable, clawback, paid) change (a new part), or with ``replace`` are
        all the balances there are (a new base)."""
        ...  # pragma: no cover


@runtime_checkable
class LedgerStore(Protocol):
    """Where a :class:`~privtraffic.commission.Ledger` keeps its events.

    Attributes
    ----------
    snapshots : bool
        Whether :meth:`~privtraffic.commission.Ledger.record` keeps the balances snapshot.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from privtraffic.commission import CommissionPlan, Ledger, SQLiteLedgerStore
    >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
    >>> Ledger(CommissionPlan(level_rates=("0.1",)), store=store).store is store
    True
    """

    snapshots: bool

    def open(self, header: str | None) -> str:
        """Create the ledger with ``header`` if the store has none; return the stored header.

        ``None`` opens an existing ledger (an error if there is none).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import SQLiteLedgerStore
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> store.open('{"plan": 1}') == store.open(None)
        True
        """
        ...  # pragma: no cover

    def read(self, after: int) -> list[StoredEvent]:
        """Events with a sequence number above ``after``, in order, in one read.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import SQLiteLedgerStore
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> _ = store.open("{}")
        >>> store.read(0)
        []
        """
        ...  # pragma: no cover

    def snapshot(self, only: Id | None = None) -> tuple[int, list[BalanceRow]] | None:
        """The stored balances and their event number, if they include the last event
        (``only``: just the row of that distributor).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import SQLiteLedgerStore
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> _ = store.open("{}")
        >>> store.snapshot()
        (0, [])
        """
        ...  # pragma: no cover

    def writing(self) -> AbstractContextManager[LedgerWriter]:
        """A write transaction holding the ledger's write lock, committed on exit (rolled back
        on an exception).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import SQLiteLedgerStore
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> _ = store.open("{}")
        >>> with store.writing() as tx:
        ...     tx.read(0)
        []
        """
        ...  # pragma: no cover

    def close(self) -> None:
        """Close this thread's connection.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import SQLiteLedgerStore
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> store.close()
        """
        ...  # pragma: no cover


def balances_json(ids: Sequence[Id], amounts: Sequence[int]) -> str:
    """The JSON body a store keeps for one part of its snapshot: ``[ids, amounts]``, the
    amounts flat (four per id: pending, payable, clawback, paid), which reads back without an
    object per row (:func:`merge_balances`).

    Examples
    --------
    >>> balances_json(["amy", 2], [1, 0, 0, 0, 5, 0, 0, 0])
    '[["amy",2],[1,0,0,0,5,0,0,0]]'
    """
    if len(amounts) != 4 * len(ids):
        raise ValueError(f"'amounts' must be four per id ({len(amounts)} for {len(ids)} ids)")
    return json.dumps([list(ids), list(amounts)], separators=(",", ":"), ensure_ascii=False)


def merge_balances(
    head: int, parts: Sequence[tuple[int, str]], only: Id | None = None
) -> tuple[int, list[BalanceRow]] | None:
    """The balances a store's snapshot parts hold, if they include event ``head``.

    ``parts`` are ``(last event included, JSON body)`` in the order they were written, the
    base first; each body is :func:`balances_json` of its balances. The latest row of a
    distributor wins. ``None`` when the parts stop before ``head`` (a writer without
    snapshots appended since, or a store of an older layout).

    Examples
    --------
    >>> base = balances_json(["amy", 2], [1, 0, 0, 0, 5, 0, 0, 0])
    >>> merge_balances(7, [(5, base), (7, balances_json([2], [0, 5, 0, 0]))])
    (7, [('amy', 1, 0, 0, 0), (2, 0, 5, 0, 0)])
    >>> merge_balances(8, [(7, base)]) is None
    True
    >>> merge_balances(5, [(5, base)], only=2)
    (5, [(2, 5, 0, 0, 0)])
    """
    if not parts:
        return (0, []) if head == 0 else None
    if parts[-1][0] != head:
        return None
    where: dict[Id, int] = {}  # id -> its latest row in `amounts`
    amounts: list[int] = []
    for _, body in parts:
        ids, part = json.loads(body)
        n = len(amounts) // 4
        where.update(zip(ids, range(n, n + len(ids)), strict=True))
        amounts += part
    if only is not None:
        if only not in where:
            return head, []
        i = 4 * where[only]
        return head, [(only, amounts[i], amounts[i + 1], amounts[i + 2], amounts[i + 3])]
    a = amounts
    return head, [(w, a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]) for w, i in where.items()]
