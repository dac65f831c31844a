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
from operator import itemgetter
from typing import Any, ClassVar, Protocol, TypeAlias, runtime_checkable

from privtraffic.commission._types import Id
from privtraffic.errors import InvalidInputError, LedgerStoreError

__all__ = [
    "BalanceColumns",
    "BalanceRow",
    "LedgerStore",
    "LedgerWriter",
    "StoredEvent",
    "balance_columns",
    "balances_json",
    "merge_balances",
]

#: One stored event: its sequence number and its JSON row.
StoredEvent: TypeAlias = "tuple[int, str]"

#: One distributor's snapshot: the id, then pending, payable, clawback and paid in minor
#: units.
BalanceRow: TypeAlias = "tuple[Id, int, int, int, int]"

#: A snapshot column by column: the ids, then pending, payable, clawback and paid in minor
#: units, aligned with the ids.
BalanceColumns: TypeAlias = (
    "tuple[Sequence[Id], Sequence[int], Sequence[int], Sequence[int], Sequence[int]]"
)


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
        >>> from privtraffic.commission import CommissionPlan, DistributorJoined, Ledger
        >>> from privtraffic.commission import SQLiteLedgerStore
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite")
        >>> ledger = Ledger(CommissionPlan(level_rates=("0.1",)), store=store)
        >>> _ = ledger.record(DistributorJoined("kol", None, "2025-03-01"))
        >>> [seq for seq, _ in store.read(0)], store.read(1)
        ([1], [])
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
        >>> store.open("{}")
        '{}'
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
    found = balance_columns(head, parts, only)
    if found is None:
        return None
    return head, list(zip(*found[1], strict=True))


def balance_columns(
    head: int, parts: Sequence[tuple[int, str]], only: Id | None = None
) -> tuple[int, BalanceColumns] | None:
    """:func:`merge_balances` column by column: the ids (in the order they were first
    stored) and one sequence per bucket, without a tuple per distributor.

    Examples
    --------
    >>> base = balances_json(["amy", 2], [1, 0, 0, 0, 5, 0, 0, 0])
    >>> balance_columns(7, [(5, base), (7, balances_json([2], [0, 5, 0, 0]))])
    (7, (['amy', 2], (1, 0), (0, 5), (0, 0), (0, 0)))
    >>> balance_columns(0, [])
    (0, ([], (), (), (), ()))
    """
    if not parts:
        return (0, ([], (), (), (), ())) if head == 0 else None
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
            return head, ([], (), (), (), ())
        where = {only: where[only]}
    ids = list(where)
    rows = list(where.values())
    if len(parts) == 1 and only is None:  # the base alone: every row, in order
        return head, (ids, *(tuple(amounts[k::4]) for k in range(4)))  # type: ignore[return-value]
    if not rows:
        return head, ([], (), (), (), ())
    pick = itemgetter(*rows)
    columns = [pick(amounts[k::4]) for k in range(4)]
    if len(rows) == 1:  # itemgetter of one index gives the item, not a tuple
        columns = [(c,) for c in columns]
    return head, (ids, *columns)


class _SQLStore:
    """What the stores whose database speaks SQL share above their connections: the
    statements that open a ledger and read its events and snapshot (each store runs them in
    its own transactions, with its ``_placeholder`` for a parameter and its ``_schema``), the
    error for a ledger the store does not hold, and reading the snapshot. A store adds
    ``_parts()``, the ledger's last event and its snapshot parts read in one transaction
    (:meth:`_parts_in`)."""

    name: str
    _placeholder: ClassVar[str]
    _schema: ClassVar[tuple[str, ...]]

    def _where(self) -> str:
        """The store as an error message names it (``SQLite ledger store '/path'``)."""
        raise NotImplementedError  # pragma: no cover - each store names itself

    def _no_ledger(self) -> InvalidInputError:
        return InvalidInputError(f"{self._where()} holds no ledger {self.name!r}")

    def _open_in(self, conn: Any, header: str | None) -> str:
        """:func:`_open_ledger` in the caller's transaction; no ledger and no header raises."""
        stored = _open_ledger(conn, self.name, header, self._schema, self._placeholder)
        if stored is None:
            raise self._no_ledger()
        return stored

    def _read_in(self, conn: Any, after: int) -> list[StoredEvent]:
        return _read_events(conn, self.name, after, self._placeholder)

    def _parts_in(self, conn: Any) -> tuple[int, list[tuple[int, str]]]:
        """:func:`_snapshot_parts` in the caller's transaction; no ledger raises."""
        found = _snapshot_parts(conn, self.name, self._placeholder)
        if found is None:
            raise self._no_ledger()
        return found

    def _parts(self) -> tuple[int, list[tuple[int, str]]]:
        raise NotImplementedError  # pragma: no cover - each store reads its own way

    def snapshot(self, only: Id | None = None) -> tuple[int, list[BalanceRow]] | None:
        """The stored balances (``only``: of that one distributor) if they include the last
        event, else ``None`` (:func:`merge_balances`).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import (CommissionPlan, DistributorNetwork, Ledger,
        ...     OrderPlaced, SQLiteLedgerStore)
        >>> store = SQLiteLedgerStore(pathlib.Path(tempfile.mkdtemp()) / "kept.sqlite")
        >>> _ = Ledger(CommissionPlan(level_rates=("0.1",)),
        ...            DistributorNetwork.from_edges([], [], users=["kol", "amy"]),
        ...            store=store).record(OrderPlaced("o1", "2025-03-01", "10.00", "kol"))
        >>> store.snapshot(), store.snapshot(only="amy")
        ((1, [('kol', 100, 0, 0, 0)]), (1, []))
        """
        return merge_balances(*self._parts(), only)

    def snapshot_columns(self, only: Id | None = None) -> tuple[int, BalanceColumns] | None:
        """:meth:`snapshot` column by column (:func:`balance_columns`), which is how
        :meth:`~privtraffic.commission.Ledger.balances` reads it.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from privtraffic.commission import CommissionPlan, Ledger, SQLiteLedgerStore
        >>> where = pathlib.Path(tempfile.mkdtemp()) / "columns.sqlite"
        >>> Ledger(CommissionPlan(level_rates=("0.1",)), store=SQLiteLedgerStore(where)).events
        ()
        >>> SQLiteLedgerStore(where).snapshot_columns()
        (0, ([], (), (), (), ()))
        """
        return balance_columns(*self._parts(), only)


class _SQLWriter:
    """The write transaction of a store whose database speaks SQL (SQLite, PostgreSQL): the
    statements both stores run, written once with ``?`` for a parameter (``placeholder``
    replaces it). A store's writer adds :meth:`_insert`, how many events go in at once.
    """

    placeholder = "?"

    def __init__(self, conn: Any, name: str) -> None:
        self.conn = conn
        self.name = name
        self._size: tuple[int, int, int, int] | None = None  # the snapshot's, until written

    def _snapshot_size(self) -> tuple[int, int, int, int]:
        """:func:`_snapshot_parts_size`, read once per transaction (only :meth:`put_balances`
        changes it, and the ledger's write lock keeps other writers out)."""
        if self._size is None:
            self._size = _snapshot_parts_size(self.conn, self.name, self.placeholder)
        return self._size

    def _sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    def read(self, after: int) -> list[StoredEvent]:
        return _read_events(self.conn, self.name, after, self.placeholder)

    def snapshot_seq(self) -> int:
        return self._snapshot_size()[0]

    def snapshot_size(self) -> tuple[int, int, int]:
        _, base, changes, parts = self._snapshot_size()
        return base, changes, parts

    def append(self, after: int, rows: Sequence[tuple[str, str]]) -> int:
        name = self.name
        last = after + len(rows)
        moved = self.conn.execute(
            self._sql("UPDATE privtraffic_ledger SET head = ? WHERE name = ? AND head = ?"),
            (last, name, after),
        ).rowcount
        if moved != 1:
            raise LedgerStoreError(
                f"ledger {name!r}: the last stored event is not {after}: another writer "
                "appended without the ledger's write lock"
            )
        self._insert([(name, after + i, key, row) for i, (key, row) in enumerate(rows, start=1)])
        return last

    def _insert(self, rows: list[tuple[str, int, str, str]]) -> None:
        """Insert ``(name, seq, key, row)`` rows into ``privtraffic_ledger_event``; a key
        already stored is a :class:`~privtraffic.errors.LedgerStoreError`
        (:func:`_duplicate_key`)."""
        raise NotImplementedError  # pragma: no cover - each store's writer has its own

    def put_balances(
        self, seq: int, ids: Sequence[Id], amounts: Sequence[int], *, replace: bool
    ) -> None:
        name = self.name
        body = balances_json(ids, amounts)
        if replace:
            self.conn.execute(
                self._sql("DELETE FROM privtraffic_ledger_snapshot WHERE name = ?"), (name,)
            )
            part = 0
        else:
            part = self._snapshot_size()[3] + 1
        self._size = None
        self.conn.execute(
            self._sql(
                "INSERT INTO privtraffic_ledger_snapshot (name, part, seq, n_rows, body) "
                "VALUES (?, ?, ?, ?, ?)"
            ),
            (name, part, seq, len(ids), body),
        )


def _duplicate_key(name: str, exc: Exception) -> LedgerStoreError:
    return LedgerStoreError(
        f"ledger {name!r}: an event key is already stored ({exc}): another writer "
        "appended without the ledger's write lock"
    )


def _sql_schema(integer: str) -> tuple[str, ...]:
    """The tables of an SQL store (``integer``: the database's type for event numbers)."""
    return (
        f"""CREATE TABLE IF NOT EXISTS privtraffic_ledger (
        name TEXT PRIMARY KEY,
        header TEXT NOT NULL,
        head {integer} NOT NULL DEFAULT 0,
        snapshot_seq {integer} NOT NULL DEFAULT 0)""",
        f"""CREATE TABLE IF NOT EXISTS privtraffic_ledger_event (
        name TEXT NOT NULL,
        seq {integer} NOT NULL,
        key TEXT NOT NULL,
        row TEXT NOT NULL,
        PRIMARY KEY (name, seq),
        UNIQUE (name, key))""",
        f"""CREATE TABLE IF NOT EXISTS privtraffic_ledger_snapshot (
        name TEXT NOT NULL,
        part {integer} NOT NULL,
        seq {integer} NOT NULL,
        n_rows {integer} NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (name, part))""",
    )


def _snapshot_parts_size(conn: Any, name: str, placeholder: str) -> tuple[int, int, int, int]:
    """The stored balances' last event, rows in the base, rows in the changes since, and the
    number of the last part."""
    found = conn.execute(
        "SELECT max(seq), sum(CASE WHEN part = 0 THEN n_rows ELSE 0 END), "
        "sum(CASE WHEN part > 0 THEN n_rows ELSE 0 END), max(part) "
        f"FROM privtraffic_ledger_snapshot WHERE name = {placeholder}",
        (name,),
    ).fetchone()
    seq, base, changes, last = found  # an aggregate always has a row
    return int(seq or 0), int(base or 0), int(changes or 0), int(last or 0)


def _read_events(conn: Any, name: str, after: int, placeholder: str) -> list[StoredEvent]:
    return [
        (int(seq), str(row))
        for seq, row in conn.execute(
            "SELECT seq, row FROM privtraffic_ledger_event WHERE name = "
            f"{placeholder} AND seq > {placeholder} ORDER BY seq",
            (name, after),
        )
    ]


def _open_ledger(
    conn: Any, name: str, header: str | None, schema: Sequence[str], placeholder: str
) -> str | None:
    """Create the tables if missing, and the ledger ``name`` with ``header`` if there is none
    (in the caller's transaction); the stored header (``None``: no ledger and no header)."""
    for statement in schema:
        conn.execute(statement)
    row = conn.execute(
        f"SELECT header FROM privtraffic_ledger WHERE name = {placeholder}", (name,)
    ).fetchone()
    if row is not None:
        return str(row[0])
    if header is None:
        return None
    conn.execute(
        f"INSERT INTO privtraffic_ledger (name, header) VALUES ({placeholder}, {placeholder})",
        (name, header),
    )
    return header


def _snapshot_parts(
    conn: Any, name: str, placeholder: str
) -> tuple[int, list[tuple[int, str]]] | None:
    """The ledger's last event and its snapshot parts, read in the caller's transaction
    (``None``: the store holds no such ledger)."""
    found = conn.execute(
        f"SELECT head FROM privtraffic_ledger WHERE name = {placeholder}", (name,)
    ).fetchone()
    if found is None:
        return None
    parts = conn.execute(
        "SELECT seq, body FROM privtraffic_ledger_snapshot WHERE name = "
        f"{placeholder} ORDER BY part",
        (name,),
    ).fetchall()
    return int(found[0]), [(int(seq), str(body)) for seq, body in parts]
