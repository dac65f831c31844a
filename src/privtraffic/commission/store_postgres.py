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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from privtraffic.commission._types import Id
from privtraffic.commission.store import BalanceRow, StoredEvent, balances_json, merge_balances
from privtraffic.errors import InvalidInputError, LedgerStoreError

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresLedgerStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS privtraffic_ledger (
        name TEXT PRIMARY KEY,
        header TEXT NOT NULL,
        head BIGINT NOT NULL DEFAULT 0,
        snapshot_seq BIGINT NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS privtraffic_ledger_event (
        name TEXT NOT NULL,
        seq BIGINT NOT NULL,
        key TEXT NOT NULL,
        row TEXT NOT NULL,
        PRIMARY KEY (name, seq),
        UNIQUE (name, key))""",
    """CREATE TABLE IF NOT EXISTS privtraffic_ledger_snapshot (
        name TEXT NOT NULL,
        part BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        n_rows BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (name, part))""",
)

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


class _Writer:
    """The write transaction of :meth:`PostgresLedgerStore.writing`."""

    def __init__(self, conn: psycopg.Connection[Any], name: str) -> None:
        self.conn = conn
        self.name = name

    def read(self, after: int) -> list[StoredEvent]:
        return _read(self.conn, self.name, after)

    def snapshot_seq(self) -> int:
        return _parts(self.conn, self.name)[0]

    def snapshot_size(self) -> tuple[int, int, int]:
        _, base, changes, parts = _parts(self.conn, self.name)
        return base, changes, parts

    def append(self, after: int, rows: Sequence[tuple[str, str]]) -> int:
        psycopg = _psycopg()
        name = self.name
        last = after + len(rows)
        cur = self.conn.execute(
            "UPDATE privtraffic_ledger SET head = %s WHERE name = %s AND head = %s",
            (last, name, after),
        )
        if cur.rowcount != 1:
            raise LedgerStoreError(
                f"ledger {name!r}: the last stored event is not {after}: another writer "
                "appended without the ledger's write lock"
            )
        try:
            with self.conn.cursor() as cursor:
                with cursor.copy(
                    "COPY privtraffic_ledger_event (name, seq, key, row) FROM STDIN"
                ) as copy:
                    for i, (key, row) in enumerate(rows, start=1):
                        copy.write_row((name, after + i, key, row))
        except psycopg.errors.UniqueViolation as exc:
            raise LedgerStoreError(
                f"ledger {name!r}: an event key is already stored ({exc}): another writer "
                "appended without the ledger's write lock"
            ) from None
        return last

    def put_balances(
        self, seq: int, ids: Sequence[Id], amounts: Sequence[int], *, replace: bool
    ) -> None:
        name = self.name
        body = balances_json(ids, amounts)
        if replace:
            self.conn.execute("DELETE FROM privtraffic_ledger_snapshot WHERE name = %s", (name,))
            part = 0
        else:
            part = _parts(self.conn, name)[3] + 1
        self.conn.execute(
            "INSERT INTO privtraffic_ledger_snapshot (name, part, seq, n_rows, body) "
            "VALUES (%s, %s, %s, %s, %s)",
            (name, part, seq, len(ids), body),
        )


def _parts(conn: psycopg.Connection[Any], name: str) -> tuple[int, int, int, int]:
    """The stored balances' last event, rows in the base, rows in the changes since, and the
    number of the last part."""
    found = conn.execute(
        "SELECT max(seq), sum(CASE WHEN part = 0 THEN n_rows ELSE 0 END), "
        "sum(CASE WHEN part > 0 THEN n_rows ELSE 0 END), max(part) "
        "FROM privtraffic_ledger_snapshot WHERE name = %s",
        (name,),
    ).fetchone()
    assert found is not None  # an aggregate always has a row
    seq, base, changes, last = found
    return int(seq or 0), int(base or 0), int(changes or 0), int(last or 0)


def _read(conn: psycopg.Connection[Any], name: str, after: int) -> list[StoredEvent]:
    cur = conn.execute(
        "SELECT seq, row FROM privtraffic_ledger_event WHERE name = %s AND seq > %s ORDER BY seq",
        (name, after),
    )
    return [(int(seq), str(row)) for seq, row in cur]


class PostgresLedgerStore:
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

    def __repr__(self) -> str:
        return f"PostgresLedgerStore({self.dsn!r}, name={self.name!r})"

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
            for statement in _SCHEMA:
                conn.execute(statement)
            row = conn.execute(
                "SELECT header FROM privtraffic_ledger WHERE name = %s", (self.name,)
            ).fetchone()
            if row is not None:
                return str(row[0])
            if header is None:
                raise InvalidInputError(f"PostgreSQL ledger store holds no ledger {self.name!r}")
            conn.execute(
                "INSERT INTO privtraffic_ledger (name, header) VALUES (%s, %s)",
                (self.name, header),
            )
            return header

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
            return _read(self._conn(), self.name, after)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def snapshot(self, only: Id | None = None) -> tuple[int, list[BalanceRow]] | None:
        """The stored balances (``only``: of that one distributor) if they include the last
        event, else ``None``.

        Examples
        --------
        >>> PostgresLedgerStore("host=/nowhere connect_timeout=1").snapshot()
        Traceback (most recent call last):
        ...
        privtraffic.errors.LedgerStoreError: PostgreSQL ledger store ('default'): could not connect: ...
        """  # noqa: E501
        with self._transaction() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            found = conn.execute(
                "SELECT head FROM privtraffic_ledger WHERE name = %s", (self.name,)
            ).fetchone()
            if found is None:
                raise InvalidInputError(f"PostgreSQL ledger store holds no ledger {self.name!r}")
            parts = conn.execute(
                "SELECT seq, body FROM privtraffic_ledger_snapshot WHERE name = %s ORDER BY part",
                (self.name,),
            ).fetchall()
        return merge_balances(int(found[0]), [(int(q), str(b)) for q, b in parts], only)

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
                raise InvalidInputError(f"PostgreSQL ledger store holds no ledger {self.name!r}")
            yield _Writer(conn, self.name)
