"""What a ledger needs from a database: the :class:`LedgerStore` protocol.

A store keeps one or more ledgers (by ``name``), each as

* a header: the plan and starting network the ledger was created with (JSON text);
* its events, append-only, each with a sequence number (1, 2, ...) and its idempotency key
  (:func:`~privtraffic.commission.events.event_key`) as a unique key, in the JSON row of
  :func:`~privtraffic.commission.events.event_to_row`;
* optionally a snapshot: every distributor's folded balance after event ``snapshot_seq``, kept
  current by each :meth:`~privtraffic.commission.Ledger.record`, so that a new process can
  answer :meth:`~privtraffic.commission.Ledger.balances` without folding millions of events.

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

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol, TypeAlias, runtime_checkable

__all__ = ["BalanceRow", "LedgerStore", "LedgerWriter", "StoredEvent"]

#: One stored event: its sequence number and its JSON row.
StoredEvent: TypeAlias = "tuple[int, str]"

#: One distributor's snapshot: the id as JSON, then pending, payable, clawback and paid in
#: minor units.
BalanceRow: TypeAlias = "tuple[str, int, int, int, int]"


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

    def append(self, after: int, rows: Sequence[tuple[str, str]]) -> int:
        """Append ``(key, row)`` pairs as events ``after + 1, ...``; return the last number.

        Raises :class:`~privtraffic.errors.LedgerStoreError` if a key is already stored or the
        last stored event is not ``after`` (a writer that bypassed the lock).
        """
        ...  # pragma: no cover

    def put_balances(self, seq: int, rows: Sequence[BalanceRow], *, replace: bool) -> None:
        """Store balances as of event ``seq``: ``rows`` change those distributors' rows, or
        with ``replace`` are all the rows there are."""
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

    def snapshot(self, only: str | None = None) -> tuple[int, list[BalanceRow]] | None:
        """The stored balances and their event number, if they include the last event
        (``only``: just the row of that distributor, its id as JSON).

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
