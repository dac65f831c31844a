"""Each user's ``TierState`` in the service's database, next to the ledger's tables.

A state is the JSON of :meth:`TierState.to_json`, one row per (machine, user). Stepping a user is
one transaction that holds that user's row: read the state, :meth:`Machine.step` it, write it
back. So two requests for one user (from two threads or two processes) take turns, and a
retried event finds the state it already changed and leaves it as it is (``step`` recognises an
exact repeat). SQLite: ``BEGIN IMMEDIATE`` on a connection of the thread's own; PostgreSQL:
``SELECT ... FOR UPDATE`` on the row.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from privtraffic.errors import LedgerStoreError
from privtraffic.lifecycle import Event, Machine, TierState

_TABLE = "privtraffic_tier_states"


class TierStates:
    """Users' tier states in the SQLite file or PostgreSQL database ``db``."""

    def __init__(self, db: str, machine: Machine) -> None:
        self.db = db
        self.machine = machine
        self.postgres = db.startswith(("postgresql://", "postgres://"))
        self._errors: tuple[type[Exception], ...] = (sqlite3.Error, OSError)
        if self.postgres:
            import psycopg

            self._errors = (psycopg.Error, OSError)
        self._local = threading.local()
        self._create()

    # -- connections: one per thread, opened on first use ------------------------------------

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.postgres:
                import psycopg

                conn = psycopg.connect(self.db, autocommit=True)
            else:
                conn = sqlite3.connect(self.db, timeout=30.0, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _create(self) -> None:
        sql = (
            f"CREATE TABLE IF NOT EXISTS {_TABLE} (machine TEXT NOT NULL, user_id TEXT NOT NULL, "
            "state TEXT NOT NULL, PRIMARY KEY (machine, user_id))"
        )
        try:
            self._conn().execute(sql)
        except self._errors as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:  # NoReturn
        self.close()  # a broken connection is not reused
        raise LedgerStoreError(f"tier states in {self.db!r}: {exc}") from None

    # -- one event ---------------------------------------------------------------------------

    def step(self, user: str, event: Event) -> tuple[TierState | None, TierState]:
        """Apply ``event`` to ``user``'s stored state; return the state before and after.

        Raises whatever :meth:`Machine.step` raises (the state is then left unchanged), and
        :class:`~privtraffic.errors.LedgerStoreError` when the database fails.
        """
        try:
            if self.postgres:
                return self._step_postgres(user, event)
            return self._step_sqlite(user, event)
        except self._errors as exc:
            self._failed(exc)
            raise  # pragma: no cover - _failed raises

    def _next(
        self, user: str, text: str | None, event: Event
    ) -> tuple[TierState | None, TierState]:
        before = None if text is None else self.machine.state_from_json(text)
        after = self.machine.step(before or self.machine.new_state(user), event)
        return before, after

    def _step_sqlite(self, user: str, event: Event) -> tuple[TierState | None, TierState]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # the file's write lock, for the whole read-step-write
        try:
            row = conn.execute(
                f"SELECT state FROM {_TABLE} WHERE machine = ? AND user_id = ?",
                (self.machine.name, user),
            ).fetchone()
            before, after = self._next(user, None if row is None else row[0], event)
            if changed(before, after):
                conn.execute(
                    f"INSERT OR REPLACE INTO {_TABLE} (machine, user_id, state) VALUES (?, ?, ?)",
                    (self.machine.name, user, after.to_json()),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return before, after

    def _step_postgres(self, user: str, event: Event) -> tuple[TierState | None, TierState]:
        conn = self._conn()
        with conn.transaction():
            conn.execute(
                f"INSERT INTO {_TABLE} (machine, user_id, state) VALUES (%s, %s, '') "
                "ON CONFLICT DO NOTHING",
                (self.machine.name, user),
            )
            row = conn.execute(
                f"SELECT state FROM {_TABLE} WHERE machine = %s AND user_id = %s FOR UPDATE",
                (self.machine.name, user),
            ).fetchone()
            before, after = self._next(user, row[0] or None, event)
            if changed(before, after):
                conn.execute(
                    f"UPDATE {_TABLE} SET state = %s WHERE machine = %s AND user_id = %s",
                    (after.to_json(), self.machine.name, user),
                )
        return before, after


def changed(before: TierState | None, after: TierState) -> bool:
    """Whether a step changed the state (a retried event does not: step knows exact repeats)."""
    return before is None or (after.at, after.recent) != (before.at, before.recent)
