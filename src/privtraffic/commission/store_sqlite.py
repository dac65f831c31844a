"""The commission ledger in an SQLite file: :class:`SQLiteLedgerStore` (standard library).

Examples
--------
>>> import tempfile, pathlib
>>> from privtraffic.commission import (CommissionPlan, DistributorNetwork, Ledger,
...     OrderPlaced, SQLiteLedgerStore)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite"
>>> plan = CommissionPlan(level_rates=("0.1",))
>>> net = DistributorNetwork.from_edges([], [], users=["kol"])
>>> _ = Ledger(plan, net, store=SQLiteLedgerStore(path)).record(
...     OrderPlaced("o1", "2025-03-01T10:00", "99.00", "kol"))
>>> Ledger(plan, net, store=SQLiteLedgerStore(path)).balances()["kol"].pending
Decimal('9.90')
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from privtraffic.commission.store import (
    StoredEvent,
    _duplicate_key,
    _sql_schema,
    _SQLStore,
    _SQLWriter,
)
from privtraffic.errors import InvalidInputError, LedgerStoreError

__all__ = ["SQLiteLedgerStore"]

_SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")


class _Writer(_SQLWriter):
    """The write transaction of :meth:`SQLiteLedgerStore.writing`."""

    def _insert(self, rows: list[tuple[str, int, str, str]]) -> None:
        try:
            self.conn.executemany(
                "INSERT INTO privtraffic_ledger_event (name, seq, key, row) VALUES (?, ?, ?, ?)",
                rows,
            )
        except sqlite3.IntegrityError as exc:
            raise _duplicate_key(self.name, exc) from None


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the database in write-ahead-log mode (once per file; later connections find it so).

    Switching the mode needs the database to itself, and SQLite answers "database is locked"
    at once, without waiting, when another connection holds it; so a connection that finds the
    file not yet in WAL mode retries for up to ``timeout`` seconds. A file already in WAL mode
    (every connection after the first) takes no lock for this.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SQLiteLedgerStore(_SQLStore):
    """A ledger store in one SQLite file: the embedded default (standard library ``sqlite3``).

    The file is in WAL mode, so readers never wait for the writer; every
    :meth:`~privtraffic.commission.Ledger.record` is one ``BEGIN IMMEDIATE`` transaction,
    which takes SQLite's single write lock before the ledger reads what others appended, so
    threads and processes recording into the same file are serialised and each one checks its
    events against everything committed before. With ``synchronous="FULL"`` (the default) a
    committed transaction survives a crash of the process and of the machine.

    Each thread (and each process, after a fork) uses its own connection.

    Parameters
    ----------
    path : str or path-like
        The database file (created if missing).
    name : str, default "default"
        Which ledger in the file (one file can hold several).
    snapshots : bool, default True
        Keep every distributor's balance current in the file, so that a new process answers
        ``balances()`` without folding the events (each ``record`` then also writes the rows
        of the distributors it changed).
    timeout : float, default 30.0
        Seconds to wait for another writer's lock before raising
        :class:`~privtraffic.errors.LedgerStoreError`.
    synchronous : {"FULL", "NORMAL", "EXTRA"}, default "FULL"
        SQLite's ``PRAGMA synchronous``. ``"NORMAL"`` in WAL mode is faster and still safe
        against a killed process, but a power loss may lose the last commits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from privtraffic.commission import CommissionPlan, Ledger
    >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite")
    >>> Ledger(CommissionPlan(level_rates=("0.1",)), store=store).events
    ()
    >>> store
    SQLiteLedgerStore('.../ledger.sqlite', name='default')
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        name: str = "default",
        snapshots: bool = True,
        timeout: float = 30.0,
        synchronous: str = "FULL",
    ) -> None:
        if synchronous not in _SYNCHRONOUS:
            raise InvalidInputError(
                f"'synchronous' must be one of {', '.join(_SYNCHRONOUS)} (got {synchronous!r})"
            )
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"'name' must be a non-empty string (got {name!r})")
        self.path = Path(path)
        self.name = name
        self.snapshots = bool(snapshots)
        self.timeout = float(timeout)
        self.synchronous = synchronous
        self._local = threading.local()

    _placeholder = "?"
    _schema = _sql_schema("INTEGER")

    def __repr__(self) -> str:
        return f"SQLiteLedgerStore({str(self.path)!r}, name={self.name!r})"

    def _where(self) -> str:
        return f"SQLite ledger store {str(self.path)!r}"

    def _error(self, exc: sqlite3.Error) -> LedgerStoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return LedgerStoreError(
                f"SQLite ledger store {str(self.path)!r}: the database stayed locked by another "
                f"writer for more than {self.timeout:g} s ({text})"
            )
        return LedgerStoreError(f"SQLite ledger store {str(self.path)!r}: {text}")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=True
            )
            _use_wal(conn, self.timeout)
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's connection (the next call opens a new one).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite").close()
        """
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            if self._local.pid == os.getpid():
                conn.close()
            self._local.conn = None

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute(begin)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:  # pragma: no cover - the connection is gone
                    self._local.conn = None
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from None
            raise

    def open(self, header: str | None) -> str:
        """Create the tables and the ledger if missing; return the stored header.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> store.open('{"plan": 1}'), store.open('{"plan": 2}')
        ('{"plan": 1}', '{"plan": 1}')
        """
        with self._transaction("BEGIN IMMEDIATE") as conn:
            return self._open_in(conn, header)

    def read(self, after: int) -> list[StoredEvent]:
        """Events after ``after``, in order (one consistent read).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> _ = store.open("{}")
        >>> store.read(0)
        []
        """
        try:
            return self._read_in(self._conn(), after)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _parts(self) -> tuple[int, list[tuple[int, str]]]:
        with self._transaction("BEGIN") as conn:
            return self._parts_in(conn)

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``: SQLite's write lock for the whole transaction.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> _ = store.open("{}")
        >>> with store.writing() as tx:
        ...     tx.snapshot_seq()
        0
        """
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield _Writer(conn, self.name)
