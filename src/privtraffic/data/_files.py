"""Exported files -> a header and raw cells: CSV/TSV text, Excel workbooks, Parquet.

What kind of file it is comes from its content first (a workbook is a zip archive, Parquet
starts with ``PAR1``), then from its suffix. Text is decoded as UTF-8 (with or without a
byte-order mark), UTF-16 with a byte-order mark (Excel's "Unicode text"), or, when it is not
valid UTF-8, GB18030 (the superset of GBK and GB2312 that Chinese Windows and most shop
back-ends write); the delimiter is the one of ``,``, tab, ``;`` and ``|`` that splits the
header and the first rows into the same number of fields.

Rows are numbered as a spreadsheet numbers them: the first line of the file is row 1 (the
header, normally), blank lines keep their numbers, and a workbook's rows are its own.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from privtraffic.errors import InvalidInputError

__all__ = ["RawTable", "read_raw"]

_DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_LINES = 50


@attrs.frozen
class RawTable:
    """A file's header and its data rows' cells, before any column is interpreted."""

    path: Path
    kind: str  # "csv", "tsv", "xlsx" or "parquet"
    header: tuple[str, ...]
    header_row: int
    rows: tuple[int, ...]  # the spreadsheet row number of each data row
    column: Callable[[int], list[object]]  # the cells of one column, one per data row
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    excel_epoch: _dt.datetime | None = None


def _fail(path: Path, row: int, problem: str) -> InvalidInputError:
    return InvalidInputError(f"{path.name}: row {row}: {problem}")


def _row_of_byte(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _decode(path: Path, data: bytes, encoding: str | None, hint: str) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read with."""
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise InvalidInputError(
                f"{hint} must be a text encoding such as utf-8, gbk or gb18030 (got {encoding!r})"
            ) from None
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            return data.decode(name), encoding
        except UnicodeDecodeError as exc:
            raise _fail(
                path,
                _row_of_byte(data, exc.start),
                f"is not {encoding} text (byte {data[exc.start]:#04x} cannot be decoded); "
                f"leave out {hint} to detect the encoding, or give the right one",
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8 (with BOM)")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GB18030 (GBK)")]
    first: UnicodeDecodeError | None = None
    for codec, label in candidates:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError as exc:
            first = first or exc
    assert first is not None
    tried = " nor ".join(label for _, label in candidates)
    raise _fail(
        path,
        _row_of_byte(data, first.start),
        f"is neither {tried} text (byte {data[first.start]:#04x} cannot be decoded); give "
        f"the file's encoding with {hint} (big5, latin-1, ...)",
    )


def _detect_delimiter(text: str, suffix: str) -> str:
    """The delimiter that splits the header and the sample rows into the most equal fields."""
    lines = [line for line in text.splitlines()[:_SAMPLE_LINES] if line.strip()]
    if not lines:
        return "\t" if suffix == ".tsv" else ","
    order = ("\t", ",", ";", "|") if suffix in (".tsv", ".tab") else _DELIMITERS
    best, best_fields = order[0], 1
    for delimiter in order:
        records = list(csv.reader(lines, delimiter=delimiter))
        n = len(records[0])
        if n < 2:
            continue
        rest = records[1:]
        agree = sum(1 for r in rest if len(r) == n)
        if rest and agree < 0.8 * len(rest):
            continue
        if n > best_fields:
            best, best_fields = delimiter, n
    return best


def _check_one_column(
    path: Path, row: int, header: str, delimiter: str, hints: Mapping[str, str]
) -> None:
    """A header of one column that holds another delimiter: the given delimiter is wrong."""
    for other in _DELIMITERS:
        if other != delimiter and other in header:
            shown = "\\t" if other == "\t" else other
            option = hints.get("delimiter", "'delimiter'")
            raise _fail(
                path,
                row,
                f"the header is one column {header!r}: the file seems to use {shown!r} as its "
                f"delimiter (give {option} {shown!r}, or leave {option} out to detect it)",
            )


def _read_text(
    path: Path, data: bytes, encoding: str | None, delimiter: str | None, hints: Mapping[str, str]
) -> RawTable:
    text, used = _decode(path, data, encoding, hints.get("encoding", "'encoding'"))
    given = delimiter is not None
    if delimiter is None:
        delimiter = _detect_delimiter(text, path.suffix.lower())
    header: list[str] | None = None
    header_row = 0
    rows: list[int] = []
    records: list[list[str]] = []
    row = 0
    for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        row += 1
        if not fields or all(not f.strip() for f in fields):
            continue  # a blank line: not a row, but it keeps its number
        if header is None:
            header = [f.strip() for f in fields]
            while header and not header[-1]:
                header.pop()
            header_row = row
            if given and len(header) == 1:
                _check_one_column(path, row, header[0], delimiter, hints)
            continue
        n = len(header)
        if len(fields) > n and not any(f.strip() for f in fields[n:]):
            fields = fields[:n]  # trailing empty fields, as spreadsheets write them
        if len(fields) < n and not any(header[len(fields) :]):
            fields = fields + [""] * (n - len(fields))
        if len(fields) != n:
            shown = "\\t" if delimiter == "\t" else delimiter
            where = (
                f"column {header[len(fields)]!r}: missing"
                if len(fields) < n
                else f"after column {header[-1]!r}: extra fields"
            )
            raise _fail(
                path,
                row,
                f"{where}: expected {n} fields like the header, got {len(fields)} (is "
                f"{shown!r} the delimiter? a value that contains it must be quoted)",
            )
        rows.append(row)
        records.append(fields)
    kind = "tsv" if delimiter == "\t" else "csv"
    if header is None:  # an empty file: the reader names the columns it expected
        return RawTable(path, kind, (), 1, (), lambda j: [], used, delimiter=delimiter)

    def column(j: int) -> list[object]:
        return [r[j] for r in records]

    return RawTable(
        path, kind, tuple(header), header_row, tuple(rows), column, used, delimiter=delimiter
    )


def _read_xlsx(path: Path, sheet: str | None, hints: Mapping[str, str]) -> RawTable:
    try:
        import openpyxl
    except ImportError:
        raise InvalidInputError(
            f"{path.name}: reading Excel workbooks needs openpyxl "
            "(python -m pip install 'privtraffic[excel]'), or save the sheet as CSV"
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and its own errors for damaged files
        raise InvalidInputError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    try:
        names = book.sheetnames
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            option = hints.get("sheet", "'sheet'")
            raise InvalidInputError(
                f"{path.name}: {option} must be one of the workbook's sheets "
                f"{', '.join(repr(n) for n in names)} (got {sheet!r})"
            )
        worksheet = book[sheet]
        worksheet.reset_dimensions()  # some writers record wrong dimensions; read every row
        epoch = getattr(book, "epoch", _dt.datetime(1899, 12, 30))
        header: list[str] | None = None
        header_row = 0
        rows: list[int] = []
        records: list[list[object]] = []
        for row, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            if header is None:
                header = ["" if c is None else str(c).strip() for c in cells]
                while header and not header[-1]:
                    header.pop()
                header_row = row
                continue
            n = len(header)
            for j in range(n, len(cells)):
                if cells[j] is not None and str(cells[j]).strip():
                    from openpyxl.utils import get_column_letter

                    raise _fail(
                        path,
                        row,
                        f"column {get_column_letter(j + 1)} holds {cells[j]!r} but has no "
                        "header; name the column in the header row or clear it",
                    )
            rows.append(row)
            records.append((cells + [None] * n)[:n])
    finally:
        book.close()
    if header is None:  # an empty sheet: the reader names the columns it expected
        return RawTable(path, "xlsx", (), 1, (), lambda j: [], sheet=sheet, excel_epoch=epoch)

    def column(j: int) -> list[object]:
        return [r[j] for r in records]

    return RawTable(
        path, "xlsx", tuple(header), header_row, tuple(rows), column, sheet=sheet, excel_epoch=epoch
    )


def _read_parquet(path: Path) -> RawTable:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidInputError(
            f"{path.name}: reading Parquet needs pyarrow (python -m pip install pyarrow)"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise InvalidInputError(f"{path.name}: not a readable Parquet file ({exc})") from None
    header = tuple(str(n) for n in table.column_names)

    def column(j: int) -> list[object]:
        values: list[object] = table.column(j).to_pylist()
        return values

    rows = tuple(range(2, table.num_rows + 2))  # the column names are row 1, as in a sheet
    return RawTable(path, "parquet", header, 1, rows, column)


def read_raw(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> RawTable:
    """The header and raw cells of a CSV/TSV file, an ``.xlsx`` workbook or a Parquet file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = path.write_bytes("用户ID;金额\\nu1;12\\n".encode("gbk"))
    >>> raw = read_raw(path)
    >>> raw.header, raw.encoding, raw.delimiter, raw.rows, raw.column(1)
    (('用户ID', '金额'), 'GB18030 (GBK)', ';', (2,), ['12'])
    """
    hints = hints or {}
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    if delimiter is not None and len(delimiter) != 1:
        option = hints.get("delimiter", "'delimiter'")
        raise InvalidInputError(f"{option} must be one character (got {delimiter!r})")
    with path.open("rb") as handle:
        magic = handle.read(8)
    suffix = path.suffix.lower()
    if magic.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, hints)
    if magic.startswith(b"PAR1") or suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    if magic.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise InvalidInputError(
            f"{path.name}: an old Excel .xls workbook; save it as .xlsx (or as CSV) and read that"
        )
    return _read_text(path, path.read_bytes(), encoding, delimiter, hints)
