"""The commission ledger in PostgreSQL: :class:`PostgresLedgerStore` (``psycopg`` 3).

Needs the optional extra: ``pip install "privtraffic[postgres]"``.

Examples
--------
>>> from privtraffic.commission import PostgresLedgerStore
>>> PostgresLedgerStore("host=/tmp dbname=shop", name="march")  # connects on first use
PostgresLedgerStore('host=/tmp dbname=shop', name='march')
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from privtraffic.commission.store import (
    StoredEvent,
    _duplicate_key,
    _sql_schema,
    _SQLStore,
    _SQLWriter,
)
from privtraffic.errors import InvalidInputError, LedgerStoreError

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresLedgerStore"]

# One advisory lock key serialises creating the tables (CREATE TABLE IF NOT EXISTS races).
_SCHEMA_LOCK = 0x70726976  # "priv"


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the extra is installed in the test environment
        raise ImportError(
            "PostgresLedgerStore needs psycopg 3: pip install 'privtraffic[postgres]'"
        ) from None
    return psycopg


class _Writer(_SQLWriter):
    """The write transaction of :meth:`PostgresLedgerStore.writing`."""

    placeholder = "%s"

    def _insert(self, rows: list[tuple[str, int, str, str]]) -> None:
        psycopg = _psycopg()
        try:
            with self.conn.cursor() as cursor:
                with cursor.copy(
                    "COPY privtraffic_ledger_event (name, seq, key, row) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
        except psycopg.errors.UniqueViolation as exc:
            raise _duplicate_key(self.name, exc) from None


class PostgresLedgerStore(_SQLStore):
    """A ledger store in a PostgreSQL database (``psycopg`` 3, the ``postgres`` extra).

    Each :meth:`~privtraffic.commission.Ledger.record` is one transaction (READ COMMITTED)
    that first locks the ledger's row (``SELECT ... FOR UPDATE``): writers to one ledger take
    turns, and because each statement after the lock sees everything committed before it, the
    ledger checks its events against every event committed by any process — two concurrent
    refunds of one order cannot both pass the check. The events' keys are a unique key too,
    so an event is never stored twice even by a writer that bypassed the lock. Readers never
    wait. Several ledgers (``name``) can share one database.

    Each thread (and each process, after a fork) uses its own connection, opened on first
    use; a connection that fails is dropped and the next call opens a new one.

    Parameters
    ----------
    dsn : str
        A libpq connection string or URI, e.g. ``"host=/run/postgresql dbname=shop"`` or
        ``"postgresql://shop@127.0.0.1/shop"``.
    name : str, default "default"
        Which ledger in the database.
    snapshots : bool, default True
        Keep every distributor's balance current in the database (see
        :class:`~privtraffic.commission.SQLiteLedgerStore`).
    connect_timeout : int, default 10
        Seconds to wait for a connection before raising
        :class:`~privtraffic.errors.LedgerStoreError`.

    Examples
    --------
    >>> PostgresLedgerStore("postgresql://shop@127.0.0.1/shop").snapshots
    True
    """

    def __init__(
        self,
        dsn: str,
        *,
        name: str = "default",
        snapshots: bool = True,
        connect_timeout: int = 10,
    ) -> None:
        if not isinstance(dsn, str):
            raise InvalidInputError(f"'dsn' must be a connection string (got {dsn!r})")
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"'name' must be a non-empty string (got {name!r})")
        self.dsn = dsn
        self.name = name
        self.snapshots = bool(snapshots)
        self.connect_timeout = int(connect_timeout)
        self._local = threading.local()

    _placeholder = "%s"
    _schema = _sql_schema("BIGINT")

    def __repr__(self) -> str:
        return f"PostgresLedgerStore({self.dsn!r}, name={self.name!r})"

    def _where(self) -> str:
        return "PostgreSQL ledger store"

    def _error(self, exc: Exception) -> LedgerStoreError:
        self._drop()
        return LedgerStoreError(f"PostgreSQL ledger store ({self.name!r}): {exc}".strip())

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and self._local.pid == os.getpid():
            try:
                conn.close()
            except Exception:  # pragma: no cover - already broken
                pass

    def _conn(self) -> psycopg.Connection[Any]:
        psycopg = _psycopg()
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid() and not conn.closed:
            return conn  # type: ignore[no-any-return]
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=self.connect_timeout)
        except psycopg.Error as exc:
            raise LedgerStoreError(
                f"PostgreSQL ledger store ({self.name!r}): could not connect: {exc}".strip()
            ) from None
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close this thread's connection (the next call opens a new one).

        Examples
        --------
        >>> PostgresLedgerStore("host=/nowhere").close()  # nothing open: nothing to do
        """
        self._drop()

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        psycopg = _psycopg()
        conn = self._conn()
        try:
            with conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def open(self, header: str | None) -> str:
        """Create the tables and the ledger if missing; return the stored header.

        Examples
        --------
        >>> PostgresLedgerStore("host=/nowhere connect_timeout=1").open("{}")
        Traceback (most recent call last):
        ...
        privtraffic.errors.LedgerStoreError: PostgreSQL ledger store ('default'): could not connect: ...
        """  # noqa: E501
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            return self._open_in(conn, header)

    def read(self, after: int) -> list[StoredEvent]:
        """Events after ``after``, in order (one statement: one consistent read).

        Examples
        --------
        >>> PostgresLedgerStore("host=/nowhere connect_timeout=1").read(0)
        Traceback (most recent call last):
        ...
        privtraffic.errors.LedgerStoreError: PostgreSQL ledger store ('default'): could not connect: ...
        """  # noqa: E501
        psycopg = _psycopg()
        try:
            return self._read_in(self._conn(), after)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _parts(self) -> tuple[int, list[tuple[int, str]]]:
        with self._transaction() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return self._parts_in(conn)

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        """One transaction holding the ledger row's lock (``SELECT ... FOR UPDATE``).

        Examples
        --------
        >>> with PostgresLedgerStore("host=/nowhere connect_timeout=1").writing() as tx:
        ...     pass
        Traceback (most recent call last):
        ...
        privtraffic.errors.LedgerStoreError: PostgreSQL ledger store ('default'): could not connect: ...
        """  # noqa: E501
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT head FROM privtraffic_ledger WHERE name = %s FOR UPDATE",
                (self.name,),
            ).fetchone()
            if row is None:
                raise self._no_ledger()
            yield _Writer(conn, self.name)
