"""Read exported logs (CSV, or Parquet when pyarrow is installed) into checked columns.

Every problem is an :class:`~privtraffic.errors.InvalidInputError` whose message names the file,
the row and the column, e.g. ``orders.csv: row 7, column 'timestamp': must be a date or
date-time like 2024-03-01 or 2024-03-01T14:30 (got '2024-13-01')``. CSV rows are numbered like
a spreadsheet: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import attrs
import numpy as np

from privtraffic.errors import InvalidInputError

__all__ = ["Column", "read_table"]

Kind = Literal["id", "time", "amount", "decimal", "text"]

_OTHER_DELIMITERS = (";", "\t", "|", ",")
_TIME_HINT = "must be a date or date-time like 2024-03-01 or 2024-03-01T14:30"


@attrs.frozen
class Column:
    """One column to read: its role in the analysis, its header name and how to parse it."""

    role: str
    name: str
    kind: Kind


def _fail(path: Path, row: int, column: str, problem: str) -> InvalidInputError:
    return InvalidInputError(f"{path.name}: row {row}, column '{column}': {problem}")


_ZONED = re.compile(r"T\d.*(Z|[+-]\d\d(:?\d\d)?)$", re.IGNORECASE)


def _parse_time(path: Path, rows: Sequence[int], column: str, raw: list[str]) -> np.ndarray:
    text = np.array([s.strip().replace(" ", "T", 1) for s in raw], dtype=str)
    for i, s in enumerate(text.tolist()):
        if _ZONED.search(s):  # numpy would shift it to UTC: one user's clock silently moved
            raise _fail(
                path,
                rows[i],
                column,
                f"must be a local time without a time-zone offset (got {raw[i]!r})",
            )
    try:
        out = text.astype("datetime64[s]")
    except ValueError:
        out = None
    if out is not None and not np.isnat(out).any():
        return out
    for i, s in enumerate(text.tolist()):
        try:
            value = np.datetime64(s, "s")
        except ValueError:
            value = np.datetime64("NaT")
        if np.isnat(value):
            raise _fail(path, rows[i], column, f"{_TIME_HINT} (got {raw[i]!r})")
    raise AssertionError("unreachable")  # pragma: no cover


def _parse_amount(path: Path, rows: Sequence[int], column: str, raw: list[str]) -> np.ndarray:
    out = np.empty(len(raw), dtype=np.float64)
    for i, s in enumerate(raw):
        try:
            value = float(s)
        except ValueError:
            raise _fail(path, rows[i], column, f"must be a number (got {s!r})") from None
        if not math.isfinite(value):
            raise _fail(path, rows[i], column, f"must be a finite number (got {s!r})")
        if value < 0:
            raise _fail(
                path, rows[i], column, f"must be >= 0 (got {s!r}; refunds are not purchases)"
            )
        out[i] = value
    return out


def _parse_ids(path: Path, rows: Sequence[int], column: str, raw: list[str]) -> np.ndarray:
    ids = [s.strip() for s in raw]
    for i, s in enumerate(ids):
        if not s:
            raise _fail(path, rows[i], column, "must not be empty")
    return np.array(ids, dtype=str)


def _parse(path: Path, rows: Sequence[int], col: Column, raw: list[str]) -> np.ndarray:
    if col.kind == "time":
        return _parse_time(path, rows, col.name, raw)
    if col.kind == "amount":
        return _parse_amount(path, rows, col.name, raw)
    if col.kind == "decimal":  # checked like an amount, kept as its exact text
        _parse_amount(path, rows, col.name, raw)
        return np.array([s.strip() for s in raw], dtype=str)
    if col.kind == "id":
        return _parse_ids(path, rows, col.name, raw)
    return np.array([s.strip() for s in raw], dtype=str)


def _missing_column(
    path: Path, col: Column, header: list[str], delimiter: str
) -> InvalidInputError:
    found = ", ".join(repr(h) for h in header)
    hint = ""
    if len(header) == 1:
        for other in _OTHER_DELIMITERS:
            if other != delimiter and other in header[0]:
                shown = "\\t" if other == "\t" else other
                hint = f"; the file seems to use {shown!r} as its delimiter (use --delimiter)"
                break
    return _fail(path, 1, col.name, f"missing from the header (found {found}){hint}")


def _read_csv(path: Path, columns: Sequence[Column], delimiter: str) -> dict[str, np.ndarray]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise _fail(
                path,
                1,
                columns[0].name,
                "the file is empty (expected a header row naming the columns "
                + ", ".join(repr(c.name) for c in columns)
                + ")",
            )
        header = [h.strip() for h in header]
        position = {}
        for col in columns:
            if col.name not in header:
                raise _missing_column(path, col, header, delimiter)
            position[col.role] = header.index(col.name)
        raw: dict[str, list[str]] = {col.role: [] for col in columns}
        rows: list[int] = []
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue  # blank line: not a row
            row = reader.line_num
            if len(fields) != len(header):
                missing = [c.name for c in columns if position[c.role] >= len(fields)]
                raise _fail(
                    path,
                    row,
                    missing[0] if missing else header[-1],
                    f"expected {len(header)} fields like the header, got {len(fields)} "
                    f"(is the delimiter {delimiter!r} right?)",
                )
            rows.append(row)
            for col in columns:
                raw[col.role].append(fields[position[col.role]])
    if not rows:
        raise _fail(path, 2, columns[0].name, "the file has a header but no data rows")
    return {col.role: _parse(path, rows, col, raw[col.role]) for col in columns}


def _read_parquet(path: Path, columns: Sequence[Column]) -> dict[str, np.ndarray]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidInputError(
            f"{path.name}: reading Parquet needs pyarrow (python -m pip install pyarrow)"
        ) from None
    names = pq.read_schema(path).names
    for col in columns:
        if col.name not in names:
            raise _fail(path, 1, col.name, f"missing from the file's columns (found {names})")
    table = pq.read_table(path, columns=[c.name for c in columns])
    if table.num_rows == 0:
        raise _fail(path, 1, columns[0].name, "the file has no rows")
    rows = range(1, table.num_rows + 1)
    out = {}
    for col in columns:
        values = table.column(col.name).to_pylist()
        for i, v in enumerate(values):
            if v is None:
                raise _fail(path, rows[i], col.name, "must not be missing")
        if col.kind == "time" and not isinstance(values[0], str):
            for i, v in enumerate(values):
                if getattr(v, "tzinfo", None) is not None:
                    raise _fail(
                        path,
                        rows[i],
                        col.name,
                        f"must be time-zone naive local times (got {v!r}); convert first",
                    )
            out[col.role] = np.array(values, dtype="datetime64[s]")
        else:
            out[col.role] = _parse(path, rows, col, [str(v) for v in values])
    return out


def read_table(
    path: str | Path, columns: Sequence[Column], *, delimiter: str = ","
) -> dict[str, np.ndarray]:
    """Read the named columns of a CSV or Parquet file into parsed, checked arrays.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` (any other suffix is read as CSV) or ``.parquet`` / ``.pq`` file.
    columns : sequence of Column
        The columns to read; other columns of the file are ignored.
    delimiter : str, default ","
        CSV field delimiter.

    Returns
    -------
    dict of str to numpy.ndarray
        One array per column role: ids as ``str``, times as ``datetime64[s]``, amounts as
        ``float64`` (finite, ``>= 0``), decimals as their exact text (checked like amounts).

    Raises
    ------
    InvalidInputError
        Naming the file, the row and the column: missing file, empty file, missing column,
        a row with the wrong number of fields, an unparseable date or number, a negative amount.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path, columns)
    try:
        return _read_csv(path, columns, delimiter)
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{path.name}: row 1, column '{columns[0].name}': not UTF-8 text ({exc.reason})"
        ) from None
