"""Exported tables (CSV/TSV, Excel ``.xlsx``, Parquet) -> checked columns, and what reading did.

``read_table`` reads the columns described by ``ExportColumn`` objects: it finds each
one in the header (by the name the caller gives, or by the first of its usual header names
that is there), parses every cell by the column's kind and says what it did in a
``ReadingReport``. ``privtraffic.data.read_orders`` builds on it for order logs.

Every problem is an ``InvalidInputError`` naming the file, the
spreadsheet row (the header is row 1) and the column, e.g. ``orders.csv: row 7, column
'下单时间': must be a whole date with year, month and day (...) (got '2024-03')``; columns
missing from the header are named all at once.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._tables import ColumnarTable
from privtraffic.data import _cells
from privtraffic.data._files import RawTable, read_raw
from privtraffic.errors import InvalidInputError
from privtraffic.money import DEFAULT_CURRENCY, check_currency

__all__ = ["ColumnKind", "ExportColumn", "ExportTable", "ReadingReport", "read_table"]

#: How a column's cells are read: ``"id"`` (text, not empty), ``"time"`` (a local date-time),
#: ``"amount"`` (a float from an exact decimal), ``"decimal"`` (the exact decimal as text),
#: ``"rate"`` (a share between -1 and 1, ``30%`` allowed), ``"count"`` (a whole number
#: >= 0) or ``"text"``.
ColumnKind = Literal["id", "time", "amount", "decimal", "rate", "count", "text"]

_KINDS = ("id", "time", "amount", "decimal", "rate", "count", "text")
_SHOWN = 8  # usual headers a message lists
_UNIT_SUFFIX = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")


def _key(header: str) -> str:
    """A header as it is compared: NFKC, case-folded, without spaces and punctuation."""
    text = unicodedata.normalize("NFKC", header).casefold()
    return re.sub(r"[\s_\-.:：/\\#]+", "", text)


def _as_headers(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class ExportColumn:
    """One column to read from an exported file.

    Parameters
    ----------
    role : str
        The name of the column in the result (``"customer_id"``).
    kind : {"id", "time", "amount", "decimal", "rate", "count", "text"}
        How its cells are read (see ``ColumnKind``).
    headers : str or sequence of str
        The header names to look for, in order of preference; the first one the file has is
        used. Headers are compared without case, spaces, ``_``/``-`` and a trailing unit in
        brackets, so ``Customer ID``, ``customer_id`` and ``实付金额(元)`` match ``customerid``,
        ``customer_id`` and ``实付金额``.
    description : str, optional
        What the column is, as messages name it (``"the customer id"``); default the role.
    required : bool, default True
        Whether a file without the column is refused (optional columns are left out).
    blank : bool, default False
        Whether an empty cell is allowed: it reads as 0 (amounts, counts) or ``""`` (text).
    negative : bool, default False
        Whether a negative amount is allowed (amounts and decimals).

    Examples
    --------
    >>> ExportColumn("customer_id", "id", ("用户ID", "customer_id")).headers
    ('用户ID', 'customer_id')
    """

    role: str
    kind: ColumnKind = attrs.field(validator=attrs.validators.in_(_KINDS))
    headers: tuple[str, ...] = attrs.field(converter=_as_headers)
    description: str = ""
    required: bool = True
    blank: bool = attrs.field(default=False)
    negative: bool = False

    @headers.validator
    def _check_headers(self, attribute: attrs.Attribute[tuple[str, ...]], value: object) -> None:
        if not self.headers or not all(isinstance(h, str) and h.strip() for h in self.headers):
            raise InvalidInputError(
                f"'headers' of column {self.role!r} must be one or more header names "
                f"(got {self.headers!r})"
            )

    @blank.validator
    def _check_blank(self, attribute: attrs.Attribute[bool], value: bool) -> None:
        if value and self.kind not in ("amount", "decimal", "count", "text"):
            raise InvalidInputError(
                f"'blank' of column {self.role!r}: an empty cell can only mean 0 or '' "
                f"(amounts, decimals, counts, text), not a {self.kind} (got blank=True)"
            )

    @property
    def what(self) -> str:
        """How messages name the column: its description, else its role.

        Examples
        --------
        >>> ExportColumn("sharer", "id", "sharer").what
        "'sharer'"
        """
        return self.description or repr(self.role)


@attrs.frozen(eq=False)
class ReadingReport:
    """What reading an exported file did: the format, the columns found, and the counts.

    Attributes
    ----------
    source : str
        The file's name.
    file_format : str
        ``"csv"``, ``"tsv"``, ``"xlsx"`` or ``"parquet"``.
    encoding : str or None
        How a text file was decoded (``"UTF-8"``, ``"UTF-8 (with BOM)"``, ``"GB18030
        (GBK)"``, ``"UTF-16"`` or the encoding given); None for workbooks and Parquet.
    delimiter : str or None
        The field delimiter of a text file (detected unless given).
    sheet : str or None
        The worksheet of a workbook.
    mapping : dict of str to str
        Each column read (by role, in the order asked for) and the header it was found under.
    named : tuple of str
        The roles whose header the caller named; the others were found by their usual names.
    time_zone : str
        The time zone the times are local to; times with an offset were converted to it.
    n_rows : int
        Data rows in the file (blank lines not counted).
    n_offsets_converted : int
        Times that carried an offset (``+08:00``, ``Z``) and were converted to ``time_zone``.
    n_orders : int
        Orders in the result of ``read_orders`` (0 for other tables).
    n_zero_value : int
        Orders with value 0 (gifts, samples, fully couponed orders): counted as purchases.
    n_refund_rows : int
        Rows read as refunds (a negative amount, or a row marked as a refund) and netted into
        the order they reverse.
    n_refunded_orders : int
        Orders with a refund (from a refund column or refund rows).
    n_fully_refunded : int
        Orders refunded in full: they are not purchases and are left out.
    refund_total : decimal.Decimal
        The refunded amount in total.
    n_duplicates_dropped : int
        Rows left out because their order id repeated an earlier row's (only with
        ``dedupe=True``; without it a repeated order id is an error).
    left_out_by_status : tuple of (str, int)
        Orders left out of the purchases because their status says they were not paid
        (``待付款``), were cancelled or closed (``已取消``, ``交易关闭``) or were refunded
        (``退款成功`` on the order's only row): each status as written in the file and its
        number of rows, most frequent first.

    Examples
    --------
    >>> r = ReadingReport("orders.csv", "csv", "UTF-8", ",", None, {"customer_id": "用户ID"},
    ...                   (), "Asia/Shanghai", 3)
    >>> r.mapping["customer_id"], r.n_zero_value
    ('用户ID', 0)
    """

    source: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    mapping: dict[str, str]
    named: tuple[str, ...]
    time_zone: str
    n_rows: int
    n_offsets_converted: int = 0
    n_orders: int = 0
    n_zero_value: int = 0
    n_refund_rows: int = 0
    n_refunded_orders: int = 0
    n_fully_refunded: int = 0
    refund_total: Decimal = Decimal(0)
    n_duplicates_dropped: int = 0
    left_out_by_status: tuple[tuple[str, int], ...] = ()

    @property
    def n_left_out_by_status(self) -> int:
        """Orders left out because of their status, in all.

        Examples
        --------
        >>> r = ReadingReport("o.csv", "csv", "UTF-8", ",", None, {}, (), "Asia/Shanghai", 9,
        ...                   left_out_by_status=(("待付款", 2), ("交易关闭", 1)))
        >>> r.n_left_out_by_status
        3
        """
        return sum(n for _, n in self.left_out_by_status)


@attrs.frozen(eq=False, repr=False)
class ExportTable(ColumnarTable):
    """The columns read by ``read_table``, each row's spreadsheet row number, and the
    ``ReadingReport``.

    Examples
    --------
    >>> import numpy as np
    >>> t = ExportTable({"user": np.array(["u1"])}, np.array([2]), None)
    >>> list(t.columns()), len(t)
    (['user', 'row'], 1)
    """

    data: dict[str, NDArray[Any]]
    row: NDArray[np.int64]
    reading: ReadingReport | None

    def columns(self) -> dict[str, NDArray[Any]]:
        """The columns read, by role, then ``row``.

        Examples
        --------
        >>> import numpy as np
        >>> ExportTable({"user": np.array(["u1"])}, np.array([2]), None)["row"].tolist()
        [2]
        """
        return {**self.data, "row": self.row}


def _fail(raw: RawTable, row: int, header: str, problem: str) -> InvalidInputError:
    return InvalidInputError(f"{raw.path.name}: row {row}, column {header!r}: {problem}")


def _match_columns(
    raw: RawTable,
    columns: Sequence[ExportColumn],
    names: Mapping[str, str | None],
    hints: Mapping[str, str],
) -> dict[str, int]:
    """The position in the header of each column found; every missing one named at once."""
    keys = [_key(h) for h in raw.header]
    bare = [_key(_UNIT_SUFFIX.sub("", h)) for h in raw.header]
    found: dict[str, int] = {}
    problems: list[str] = []

    def where(positions: list[int]) -> str:
        return " and ".join(f"{raw.header[j]!r} (column {j + 1})" for j in positions)

    for col in columns:  # the names the caller gave come first and claim their columns
        given = names.get(col.role)
        if given is None:
            continue
        exact = [j for j, h in enumerate(raw.header) if h == given.strip()]
        hits = exact or [j for j, k in enumerate(keys) if k == _key(given)]
        if len(hits) == 1:
            found[col.role] = hits[0]
        elif hits:
            problems.append(f"{len(hits)} columns are named {given!r}: {where(hits)}")
        else:
            hint = hints.get(col.role, f"names[{col.role!r}]")
            problems.append(f"no column is named {given!r} (given as {hint} for {col.what})")
    for col in columns:
        if col.role in names:
            continue
        for alias in col.headers:
            target = _key(alias)
            hits = [
                j
                for j in range(len(raw.header))
                if (keys[j] == target or bare[j] == target) and j not in found.values()
            ]
            if len(hits) > 1:
                hint = hints.get(col.role, f"names[{col.role!r}]")
                problems.append(
                    f"{len(hits)} columns could be {col.what}: {where(hits)}; name one with {hint}"
                )
            if hits:
                found[col.role] = hits[0]
                break
        else:
            if col.required:
                hint = hints.get(col.role, f"names[{col.role!r}]")
                looked = ", ".join(repr(h) for h in col.headers[:_SHOWN])
                if len(col.headers) > _SHOWN:
                    looked += f" and {len(col.headers) - _SHOWN} more"
                problems.append(
                    f"no column for {col.what} (looked for {looked}); name it with {hint}"
                )
    if problems:
        header = ", ".join(repr(h) for h in raw.header)
        message = (
            f"{raw.path.name}: row {raw.header_row}: "
            + "; ".join(problems)
            + f". The header is: {header}"
        )
        if len(raw.header) == 1 and raw.delimiter is not None:
            for other in (",", "\t", ";", "|"):
                if other != raw.delimiter and other in raw.header[0]:
                    shown = "\\t" if other == "\t" else other
                    option = hints.get("delimiter", "'delimiter'")
                    message += f" (the file seems to use {shown!r} as its delimiter: {option})"
                    break
        raise InvalidInputError(message)
    return found


class _Cells:
    """Parses the cells of one column (each distinct cell once) with the file's context."""

    def __init__(self, raw: RawTable, zone: _cells.TimeZone, currency: str) -> None:
        self.raw = raw
        self.zone = zone
        self.currency = currency
        self.n_offsets = 0

    def parse(self, col: ExportColumn, header: str, cells: list[object]) -> NDArray[Any]:
        parse = self._parser(col)
        cache: dict[object, object] = {}
        out: list[object] = []
        for i, cell in enumerate(cells):
            key: object = (type(cell), cell)
            try:
                value = cache[key]
            except TypeError:  # an unhashable cell (a list in Parquet, say) is not cached
                key, value = None, self._one(col, parse, header, i, cell)
            except KeyError:
                value = cache[key] = self._one(col, parse, header, i, cell)
            out.append(value)
        return self._array(col, out)

    def _one(
        self,
        col: ExportColumn,
        parse: Callable[[object], object],
        header: str,
        i: int,
        cell: object,
    ) -> object:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if col.blank or col.kind == "text":
                return "" if col.kind == "text" else 0
            raise _fail(self.raw, self.raw.rows[i], header, "must not be empty")
        try:
            return parse(cell)
        except _cells.CellError as exc:
            raise _fail(self.raw, self.raw.rows[i], header, f"{exc} (got {cell!r})") from None

    def _parser(self, col: ExportColumn) -> Callable[[object], object]:
        if col.kind == "id":
            return _cells.parse_id
        if col.kind == "time":
            return self._time
        if col.kind in ("amount", "decimal"):
            negative = col.negative

            def amount(cell: object) -> Decimal:
                return _cells.parse_amount(cell, currency=self.currency, negative=negative)

            return amount
        if col.kind == "rate":
            return _cells.parse_rate
        if col.kind == "count":
            return _cells.parse_count
        return _cells.parse_text

    def _time(self, cell: object) -> tuple[int, bool]:
        return _cells.parse_time(cell, self.zone, self.raw.excel_epoch)

    def _array(self, col: ExportColumn, values: list[Any]) -> NDArray[Any]:
        if col.kind == "time":
            seconds = np.fromiter((v[0] for v in values), dtype=np.int64, count=len(values))
            self.n_offsets += sum(1 for v in values if v[1])
            return seconds.astype("datetime64[s]")
        if col.kind == "amount":
            return np.array([float(v) for v in values], dtype=np.float64)
        if col.kind == "decimal":
            return np.array([str(v) for v in values], dtype=str)
        if col.kind == "rate":
            return np.array(values, dtype=np.float64)
        if col.kind == "count":
            return np.array(values, dtype=np.int64)
        return np.array(values, dtype=str)


def read_table(
    path: str | os.PathLike[str],
    columns: Sequence[ExportColumn],
    *,
    names: Mapping[str, str | None] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    timezone: str = "Asia/Shanghai",
    currency: str = DEFAULT_CURRENCY,
    sheet: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> ExportTable:
    """Read the given columns of an exported CSV/TSV file, ``.xlsx`` workbook or Parquet file.

    Parameters
    ----------
    path : str or path-like
        The file. Its kind comes from its content (a workbook is a zip archive, Parquet starts
        with ``PAR1``), else its suffix; anything else is read as delimited text.
    columns : sequence of ExportColumn
        The columns to read; other columns of the file are ignored.
    names : mapping of str to str or None, optional
        The header of a column, by role, when it is not one of the column's usual
        ``headers``; None leaves an optional column out.
    encoding : str, optional
        The text encoding. By default UTF-8 (a byte-order mark is allowed), UTF-16 with a
        byte-order mark, or GB18030 (which reads GBK and GB2312) when the file is not UTF-8.
    delimiter : str, optional
        The field delimiter; by default the one of ``,``, tab, ``;`` and ``|`` that splits
        the header and the first rows into the same number of fields.
    timezone : str, default "Asia/Shanghai"
        The time zone of the times: an IANA name (needs the system's time-zone database) or
        an offset such as ``+08:00``. Times without an offset are taken as local times there;
        times with one (``+08:00``, ``Z``) are converted to it.
    currency : str, default "CNY"
        The currency of the amounts; a currency mark in a cell (``¥``, ``元``, ``USD``) must
        agree with it.
    sheet : str, optional
        The worksheet of a workbook (default: the first).
    hints : mapping of str to str, optional
        How the caller's user sets a column or an option, quoted in messages: by role
        (``{"customer_id": "--customer-column NAME"}``) and for ``"encoding"``,
        ``"delimiter"``, ``"timezone"`` and ``"sheet"``. By default the messages name this
        function's arguments.

    Returns
    -------
    ExportTable
        One array per column found, by role: ids and text as ``str``, times as
        ``datetime64[s]`` (local times in ``timezone``), amounts and rates as ``float64``,
        decimals as their exact text, counts as ``int64``; ``row`` holds each row's
        spreadsheet row number and ``reading`` the ``ReadingReport``.

    Raises
    ------
    InvalidInputError
        Naming the file, the row and the column: a missing or empty file, columns missing
        from the header (all of them at once), a row with the wrong number of fields, text
        that is not in the encoding, an unknown time zone, and every cell that cannot be
        read (with the reason and the cell).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "referrals.csv"
    >>> _ = path.write_text("邀请人,新用户\\nu1,u2\\nu1,u3\\n", encoding="utf-8")
    >>> t = read_table(path, [ExportColumn("referrer", "id", ("referrer", "邀请人")),
    ...                       ExportColumn("referee", "id", "referee")],
    ...                names={"referee": "新用户"})
    >>> t["referrer"].tolist(), t["referee"].tolist(), t.row.tolist()
    (['u1', 'u1'], ['u2', 'u3'], [2, 3])
    >>> t.reading.mapping
    {'referrer': '邀请人', 'referee': '新用户'}
    """
    hints = dict(hints or {})
    names = dict(names or {})
    roles = [c.role for c in columns]
    if not roles or len(set(roles)) != len(roles) or "row" in roles:
        raise InvalidInputError(
            f"'columns' must be one or more columns with distinct roles other than 'row' "
            f"(got {roles})"
        )
    unknown = sorted(set(names) - set(roles))
    if unknown:
        raise InvalidInputError(
            f"'names' has roles that are not among the columns: {', '.join(unknown)} "
            f"(the columns are {', '.join(roles)})"
        )
    for col in columns:
        if col.required and col.role in names and names[col.role] is None:
            raise InvalidInputError(f"{col.what} is required: its name must not be None")
    zone = _cells.resolve_time_zone(timezone, hints.get("timezone", "'timezone'"))
    currency = check_currency(currency, hints.get("currency", "currency"))
    raw = read_raw(Path(path), encoding=encoding, delimiter=delimiter, sheet=sheet, hints=hints)
    if not raw.header:
        expected = ", ".join(repr(c.headers[0]) for c in columns if c.required)
        where = f"sheet {raw.sheet!r}" if raw.sheet is not None else "the file"
        raise _fail(
            raw,
            1,
            columns[0].headers[0],
            f"{where} is empty (expected a header row naming the columns, e.g. {expected})",
        )
    found = _match_columns(raw, columns, names, hints)
    if not raw.rows:
        first = columns[0]
        header = raw.header[found[first.role]] if first.role in found else first.role
        raise _fail(raw, raw.header_row + 1, header, "the file has a header but no data rows")
    cells = _Cells(raw, zone, currency)
    data: dict[str, NDArray[Any]] = {}
    for col in columns:
        if col.role in found:
            j = found[col.role]
            data[col.role] = cells.parse(col, raw.header[j], raw.column(j))
    reading = ReadingReport(
        source=raw.path.name,
        file_format=raw.kind,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        sheet=raw.sheet,
        mapping={c.role: raw.header[found[c.role]] for c in columns if c.role in found},
        named=tuple(c.role for c in columns if names.get(c.role) is not None),
        time_zone=str(timezone).strip(),
        n_rows=len(raw.rows),
        n_offsets_converted=cells.n_offsets,
    )
    return ExportTable(data, np.array(raw.rows, dtype=np.int64), reading)
