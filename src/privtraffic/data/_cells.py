"""One cell of an exported file -> one checked value: times, amounts, rates, counts, ids, text.

Each parser takes the cell as the file gave it (text from CSV; numbers, dates and text from a
workbook or Parquet file) and returns the value or raises ``CellError`` with the problem
in words; the table reader adds the file, the row and the column. Nothing here guesses: a
cell that could mean two things (``2024-03`` without a day, ``1,29`` with a decimal comma,
``today``) is refused with the reason.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from privtraffic.errors import InvalidInputError

__all__ = [
    "CellError",
    "TimeZone",
    "parse_amount",
    "parse_count",
    "parse_id",
    "parse_rate",
    "parse_text",
    "parse_time",
    "resolve_time_zone",
]

#: A resolved time zone: an IANA zone from the system's database, or a fixed offset.
TimeZone = _dt.tzinfo

_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


class CellError(Exception):
    """The problem with one cell, in words (the reader adds file, row and column)."""


def _normal(text: str) -> str:
    """Full-width digits, letters and signs as their ASCII forms (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


# --- time zones -------------------------------------------------------------------------------

_FIXED_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def _fixed_offset(sign: str, hours: str, minutes: str | None) -> _dt.timezone:
    total = int(hours) * 60 + int(minutes or 0)
    if total > 14 * 60 or int(minutes or 0) > 59:
        raise ValueError("out of range")
    return _dt.timezone(_dt.timedelta(minutes=-total if sign == "-" else total))


class _UnavailableZone(_dt.tzinfo):
    """A zone named while the system has no time-zone database: fine for local times, an
    error (naming the cell) as soon as an offset has to be converted to it."""

    def __init__(self, name: str, option: str) -> None:
        self.name = name
        self.option = option

    def __str__(self) -> str:
        return self.name

    def _missing(self) -> CellError:
        return CellError(
            f"has a time-zone offset to convert to {self.option} {self.name!r}, but this "
            "system has no time-zone database (install it: Debian/Ubuntu 'apt-get install "
            "tzdata', or 'python -m pip install tzdata'), or give a fixed offset such as "
            "'+08:00'"
        )

    def utcoffset(self, dt: _dt.datetime | None) -> _dt.timedelta:
        raise self._missing()

    def dst(self, dt: _dt.datetime | None) -> _dt.timedelta:
        raise self._missing()

    def tzname(self, dt: _dt.datetime | None) -> str:
        return self.name

    def fromutc(self, dt: _dt.datetime) -> _dt.datetime:
        raise self._missing()


def resolve_time_zone(name: str, option: str = "'timezone'") -> TimeZone:
    """The time zone called ``name``: an IANA name such as ``Asia/Shanghai``, ``UTC``, or a
    fixed offset such as ``+08:00``.

    IANA names need the system's time-zone database (``/usr/share/zoneinfo``; on systems
    without one, the ``tzdata`` package from PyPI provides it). When it is missing the name
    is kept for local times, and the first time with an offset to convert is an error that
    says so and suggests a fixed offset, which needs no database.

    Examples
    --------
    >>> str(resolve_time_zone("Asia/Shanghai")), str(resolve_time_zone("+08:00"))
    ('Asia/Shanghai', 'UTC+08:00')
    """
    import zoneinfo

    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(
            f"{option} must be a time-zone name like 'Asia/Shanghai' (got {name!r})"
        )
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return _dt.timezone.utc
    fixed = _FIXED_OFFSET.match(text)
    if fixed:
        try:
            return _fixed_offset(*fixed.groups())
        except ValueError:
            raise InvalidInputError(
                f"{option} must be an offset between -14:00 and +14:00 (got {name!r})"
            ) from None
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    if not zoneinfo.available_timezones():
        return _UnavailableZone(text, option)
    raise InvalidInputError(
        f"{option} must be a time-zone name from the IANA database like 'Asia/Shanghai' or "
        f"an offset like '+08:00' (got {name!r})"
    )


# --- times ------------------------------------------------------------------------------------

_CLOCK = (
    r"(?P<H>\d{1,2})(?::|时|點|点)(?P<M>\d{2})"
    r"(?:(?::|分)(?P<S>\d{2})(?:[.,](?P<f>\d+))?秒?)?分?"
)
_OFFSET = r"(?P<tz>Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{2}(?::?\d{2})?)?"
_NUMERIC_DATE = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    rf"(?:(?:T|\s+){_CLOCK})?\s*{_OFFSET}$",
    re.IGNORECASE,
)
_CHINESE_DATE = re.compile(
    rf"(?P<y>\d{{4}})\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]"
    rf"(?:\s*{_CLOCK})?\s*{_OFFSET}$",
    re.IGNORECASE,
)
_COMPACT_DATE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_REDUCED = re.compile(r"\d{4}(?:\s*(?:[-/.]|年)\s*\d{1,2}\s*月?)?$")
_RELATIVE = {
    "today",
    "now",
    "yesterday",
    "tomorrow",
    "today()",
    "now()",
    "今天",
    "今日",
    "现在",
    "昨天",
    "明天",
    "当前",
    "当日",
}
_TIME_HINT = "a date or date-time like 2024-03-01, 2024/3/1 14:30 or 2024年3月1日"


def _offset_of(text: str) -> _dt.timezone:
    upper = text.upper()
    if upper in ("Z", "UTC", "GMT"):
        return _dt.timezone.utc
    match = _FIXED_OFFSET.match(upper)
    if match is None:  # pragma: no cover - the date patterns only let offsets through
        raise CellError(f"has an offset {text!r} that is not +HH:MM")
    try:
        return _fixed_offset(*match.groups())
    except ValueError:
        raise CellError(f"has an offset {text!r} beyond +-14:00") from None


def _seconds(moment: _dt.datetime) -> int:
    day = moment.date().toordinal() - _EPOCH_ORDINAL
    return day * 86_400 + moment.hour * 3600 + moment.minute * 60 + moment.second


def _local(moment: _dt.datetime, zone: TimeZone) -> tuple[int, bool]:
    """(seconds of the local wall-clock time in ``zone``, whether an offset was converted)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return _seconds(moment), False
    return _seconds(moment.astimezone(zone).replace(tzinfo=None)), True


def _from_parts(match: re.Match[str], zone: TimeZone) -> tuple[int, bool]:
    g = match.groupdict()
    try:
        day = _dt.date(int(g["y"]), int(g["m"]), int(g["d"]))
    except ValueError:
        raise CellError(f"must be a calendar date ({_TIME_HINT})") from None
    hour, minute, second = int(g.get("H") or 0), int(g.get("M") or 0), int(g.get("S") or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise CellError(f"must have a time of day from 00:00:00 to 23:59:59 ({_TIME_HINT})")
    moment = _dt.datetime(day.year, day.month, day.day, hour, minute, second)
    if g.get("tz"):
        moment = moment.replace(tzinfo=_offset_of(g["tz"]))
    return _local(moment, zone)


def _parse_time_text(text: str, zone: TimeZone) -> tuple[int, bool]:
    s = _normal(text)
    if not s:
        raise CellError("must not be empty")
    for pattern in (_NUMERIC_DATE, _CHINESE_DATE, _COMPACT_DATE):
        match = pattern.match(s)
        if match:
            return _from_parts(match, zone)
    if s.casefold() in _RELATIVE:
        raise CellError(f"must be a date, not a word relative to today ({_TIME_HINT})")
    if _REDUCED.match(s):
        raise CellError(f"must be a whole date with year, month and day ({_TIME_HINT})")
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        raise CellError(
            f"must be {_TIME_HINT}; this looks like an Excel serial day number: format the "
            "column as dates, or read the workbook (.xlsx) itself"
        )
    raise CellError(f"must be {_TIME_HINT}")


def parse_time(cell: object, zone: TimeZone, excel_epoch: _dt.datetime | None) -> tuple[int, bool]:
    """Seconds since 1970-01-01 of the cell's local time in ``zone``, and whether it came
    with an offset that was converted.

    Text is read in the forms of ``_TIME_HINT`` (ISO 8601, ``YYYY/M/D[ H:MM[:SS]]``,
    ``YYYY年M月D日[ H:MM[:SS]]``, ``YYYYMMDD``), with an optional offset (``+08:00``, ``Z``)
    that is converted to ``zone``; a time without an offset is already local. Workbook dates
    arrive as ``datetime`` objects; a number in a workbook is an Excel serial day number
    (``excel_epoch`` is the workbook's day 0).

    Examples
    --------
    >>> import datetime
    >>> shanghai = resolve_time_zone("Asia/Shanghai")
    >>> parse_time("2023/1/31 12:00", shanghai, None)
    (1675166400, False)
    >>> parse_time("2023-01-31T04:00Z", shanghai, None)
    (1675166400, True)
    >>> parse_time(44957.5, shanghai, datetime.datetime(1899, 12, 30))
    (1675166400, False)
    """
    if isinstance(cell, str):
        return _parse_time_text(cell, zone)
    if isinstance(cell, _dt.datetime):
        return _local(cell.replace(microsecond=0), zone)
    if isinstance(cell, _dt.date):
        return _seconds(_dt.datetime(cell.year, cell.month, cell.day)), False
    if isinstance(cell, _dt.time):
        raise CellError(f"must be a date, not only a time of day ({_TIME_HINT})")
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and excel_epoch is not None:
        if not math.isfinite(cell) or not 0 < cell < 2_958_466:  # 9999-12-31
            raise CellError("must be an Excel date (a day number after 1900-01-01)")
        from openpyxl.utils.datetime import from_excel

        moment = from_excel(cell, epoch=excel_epoch)
        if not isinstance(moment, _dt.datetime):  # pragma: no cover - from_excel gives datetimes
            raise CellError("must be an Excel date")
        return _seconds(moment.replace(microsecond=0)), False
    if cell is None:
        raise CellError("must not be empty")
    raise CellError(f"must be {_TIME_HINT}")


# --- amounts ----------------------------------------------------------------------------------

#: Currency marks accepted around an amount and the currencies each can mean.
CURRENCY_MARKS: dict[str, tuple[str, ...]] = {
    "¥": ("CNY", "JPY"),
    "元": ("CNY",),
    "块": ("CNY",),
    "RMB": ("CNY",),
    "人民币": ("CNY",),
    "$": ("USD", "HKD", "SGD", "CAD", "AUD", "TWD", "MOP"),
    "US$": ("USD",),
    "HK$": ("HKD",),
    "円": ("JPY",),
    "€": ("EUR",),
    "£": ("GBP",),
    "₩": ("KRW",),
}
_MARK = r"(?:US\$|HK\$|[¥$€£₩]|RMB|人民币|[A-Z]{3})"
_AMOUNT = re.compile(
    rf"(?P<s1>[-+])?\s*(?P<pre>{_MARK})?\s*(?P<s2>[-+])?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)"
    rf"\s*(?P<post>{_MARK}|元|块|円)?$",
    re.IGNORECASE,
)


def _check_mark(mark: str, currency: str | None) -> None:
    code = mark.upper() if mark.isascii() else mark
    means = CURRENCY_MARKS.get(code, (code,) if code.isalpha() and code.isascii() else ())
    if currency is not None and currency not in means:
        raise CellError(
            f"must be an amount in {currency}; the mark {mark!r} means "
            f"{' or '.join(means) or 'another currency'}"
        )


def parse_amount(cell: object, *, currency: str | None, negative: bool) -> Decimal:
    """The exact amount of a cell: ``1299``, ``1,299.00``, ``¥1,299.00``, ``1299元``,
    ``CNY 12.5``, ``-8.00``.

    A currency mark must agree with ``currency`` (``¥``/``￥`` is CNY or JPY, ``元`` CNY, a
    three-letter code itself). Thousands separators must group by three; a comma that could
    be a decimal comma (``1,29``) is refused. A negative amount is refused unless ``negative``.

    Examples
    --------
    >>> parse_amount("￥1,299.00", currency="CNY", negative=False)
    Decimal('1299.00')
    >>> parse_amount("-8元", currency="CNY", negative=True)
    Decimal('-8')
    """
    if isinstance(cell, bool) or cell is None:
        raise CellError("must be an amount like 1299.00 or ¥1,299.00")
    if isinstance(cell, int):
        value = Decimal(cell)
    elif isinstance(cell, float):
        if not math.isfinite(cell):
            raise CellError("must be a finite amount")
        value = Decimal(repr(cell))
    elif isinstance(cell, Decimal):
        value = cell
    elif isinstance(cell, str):
        s = _normal(cell).replace("\u2212", "-")  # the typographic minus sign
        if not s:
            raise CellError("must not be empty")
        match = _AMOUNT.match(s)
        if match is None:
            if re.fullmatch(r"[-+]?\d+,\d{1,2}", s):
                raise CellError("must use '.' for decimals; '1,29' could be 1.29 or a mistyped 129")
            raise CellError("must be an amount like 1299.00, 1,299.00 or ¥1,299.00")
        if match["s1"] and match["s2"]:
            raise CellError("must have one sign")
        for mark in (match["pre"], match["post"]):
            if mark:
                _check_mark(mark, currency)
        try:
            value = Decimal(match["num"].replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
            raise CellError("must be an amount like 1299.00") from None
        if (match["s1"] or match["s2"]) == "-":
            value = -value
    else:
        raise CellError("must be an amount like 1299.00 or ¥1,299.00")
    if not value.is_finite():
        raise CellError("must be a finite amount")
    if value < 0 and not negative:
        raise CellError("must be >= 0 (refunds are not purchases)")
    return value


def parse_rate(cell: object) -> float:
    """A share such as a margin: ``0.3``, ``30%`` or ``30.5 %``, between -1 and 1.

    Examples
    --------
    >>> parse_rate("30%"), parse_rate("0.25"), parse_rate(0.4)
    (0.3, 0.25, 0.4)
    """
    if isinstance(cell, bool) or cell is None:
        raise CellError("must be a rate like 0.3 or 30%")
    if isinstance(cell, (int, float)):
        value = float(cell)
    elif isinstance(cell, str):
        s = _normal(cell).replace("\u2212", "-")
        percent = s.endswith("%")
        s = s.rstrip("%").strip()
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", s):
            raise CellError("must be a rate like 0.3 or 30%")
        value = float(Decimal(s) / 100) if percent else float(s)
    else:
        raise CellError("must be a rate like 0.3 or 30%")
    if not -1.0 <= value <= 1.0:
        raise CellError(
            "must be a rate between -1 and 1 (-100% and 100%): a share of the amount, not an amount"
        )
    return value


def parse_count(cell: object) -> int:
    """A whole number >= 0 (a quantity).

    Examples
    --------
    >>> parse_count("3"), parse_count(2.0)
    (3, 2)
    """
    if isinstance(cell, bool) or cell is None:
        raise CellError("must be a whole number >= 0")
    if isinstance(cell, int):
        value = cell
    elif isinstance(cell, float) and cell.is_integer():
        value = int(cell)
    elif isinstance(cell, str) and re.fullmatch(r"\+?\d+(\.0*)?", _normal(cell).replace(",", "")):
        value = int(float(_normal(cell).replace(",", "")))
    else:
        raise CellError("must be a whole number >= 0")
    if value < 0:
        raise CellError("must be a whole number >= 0")
    return value


_SCIENTIFIC = re.compile(r"[-+]?\d(\.\d+)?E\+?\d+$", re.IGNORECASE)


def parse_id(cell: object) -> str:
    """An id as text: trimmed, not empty; a number only when it is a whole number that a
    spreadsheet kept exactly.

    Examples
    --------
    >>> parse_id(" u1 "), parse_id(1042), parse_id(1042.0)
    ('u1', '1042', '1042')
    """
    if isinstance(cell, bool):
        raise CellError("must be an id (got a true/false value)")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 2**53:
            return str(int(cell))
        raise CellError(
            "was stored as a number and may have lost digits: format the id column as text "
            "in the spreadsheet before exporting"
        )
    if cell is None:
        raise CellError("must not be empty")
    text = str(cell).strip()
    if not text:
        raise CellError("must not be empty")
    if _SCIENTIFIC.match(text):
        raise CellError(
            "is in scientific notation, so the spreadsheet has already dropped digits of the "
            "id: format the id column as text before exporting"
        )
    return text


def parse_text(cell: object) -> str:
    """Any cell as trimmed text (empty for an empty cell).

    Examples
    --------
    >>> parse_text("  退款成功 "), parse_text(None)
    ('退款成功', '')
    """
    return "" if cell is None else str(cell).strip()
