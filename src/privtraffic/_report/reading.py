"""The report's input files, read through :mod:`privtraffic.data`, and what reading them did.

The purchase log is read by :func:`privtraffic.data.read_orders`; the referral, event and
distribution-order files by :func:`privtraffic.data.read_table` with the columns below. Both
find columns by their usual Chinese and English headers unless a ``--*-column`` option names
them, and every problem names the file, the spreadsheet row (the header is row 1) and the
column, e.g. ``orders.csv: row 7, column '下单时间': must be a whole date with year, month and
day (...) (got '2024-03')``.

What reading did is shown in the page's language: every label and sentence is an entry of the
message catalogue (:mod:`privtraffic._report.messages`, keys ``read.*``, ``data.zero_value*``
and ``clv.kind.*`` / ``clv.intro.*``); the progress lines on stderr are English, as every
progress line.

Examples
--------
>>> from privtraffic.data import ReadingReport
>>> r = ReadingReport("orders.csv", "csv", "GB18030 (GBK)", ",", None,
...                   {"customer_id": "用户ID", "value": "实付金额"}, ("value",),
...                   "Asia/Shanghai", 120, n_orders=120, n_zero_value=3)
>>> mapping_lines(r)
["customer_id <- '用户ID' (found by its usual name)", "value <- '实付金额' (given)"]
>>> reading_facts(r)["zero-value orders"]
'3 zero-value orders: counted as purchases, not in average spend'
>>> reading_facts(r, lang="zh")["零元订单"], mapping_rows(r, "zh")[0]
('3 笔零元订单：计入购买次数，不计入平均客单价', ('客户 ID', '用户ID', '按常用表头名自动识别'))
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias, TypedDict

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._report.messages import MESSAGES, text
from privtraffic.data import (
    ORDER_COLUMNS,
    ExportColumn,
    OrderLog,
    ReadingReport,
    read_orders,
    read_table,
)
from privtraffic.money import format_amount

__all__ = [
    "COLUMN_OPTIONS",
    "EVENT_COLUMNS",
    "REFERRAL_COLUMNS",
    "SHARED_ORDER_COLUMNS",
    "InputOptions",
    "Margin",
    "clv_name",
    "clv_sentence",
    "mapping_header",
    "mapping_lines",
    "mapping_rows",
    "margin_of",
    "margin_shares",
    "read_input",
    "read_purchases",
    "reading_facts",
    "reading_lines",
]


#: What share of revenue is margin: one rate for everyone (``--margin``), (customer ids,
#: rates) from a margin column, or None (the CLV is revenue).
Margin: TypeAlias = "float | tuple[NDArray[Any], NDArray[np.float64]] | None"

_CUSTOMER = next(c for c in ORDER_COLUMNS if c.role == "customer_id")
_ORDER_ID = next(c for c in ORDER_COLUMNS if c.role == "order_id")
_AMOUNT = next(c for c in ORDER_COLUMNS if c.role == "value")

#: One row per referral: who brought in whom.
REFERRAL_COLUMNS = (
    ExportColumn(
        "referrer",
        "id",
        ("referrer", "邀请人", "推荐人", "邀请人ID", "推荐人ID", "inviter", "inviter_id"),
        description="the referrer",
    ),
    ExportColumn(
        "referee",
        "id",
        ("referee", "被邀请人", "被推荐人", "新用户", "被邀请人ID", "invitee", "invitee_id"),
        description="the referee",
    ),
)

#: One row per relationship event: who, what, when.
EVENT_COLUMNS = (
    _CUSTOMER,
    ExportColumn(
        "event",
        "text",
        ("event", "事件", "行为", "事件类型", "行为类型", "event_type", "action", "kind"),
        description="the event kind",
    ),
    ExportColumn(
        "timestamp",
        "time",
        ("timestamp", "时间", "事件时间", "发生时间", "time", "date", "日期", "created_at"),
        description="the event time",
    ),
)

#: One row per distribution order: the order, the distributor who shared it, its amount.
SHARED_ORDER_COLUMNS = (
    attrs.evolve(_ORDER_ID, required=True),
    ExportColumn(
        "sharer",
        "id",
        ("sharer", "分享人", "推广员", "分销员", "分销商", "推广人", "distributor", "promoter"),
        description="the distributor who shared the order",
    ),
    ExportColumn("amount", "decimal", _AMOUNT.headers, description="the order amount"),
)

#: The command-line option that names each column, by role, as messages quote it.
COLUMN_OPTIONS = {
    "customer_id": "--customer-column NAME",
    "timestamp": "--timestamp-column NAME",
    "value": "--value-column NAME",
    "amount": "--value-column NAME",
    "order_id": "--order-column NAME",
    "quantity": "--quantity-column NAME",
    "refund": "--refund-column NAME",
    "status": "--status-column NAME",
    "margin": "--margin-column NAME",
    "referrer": "--referrer-column NAME",
    "referee": "--referee-column NAME",
    "event": "--event-column NAME",
    "sharer": "--sharer-column NAME",
    "encoding": "--encoding",
    "delimiter": "--delimiter",
    "timezone": "--timezone",
    "currency": "--currency",
    "dedupe": "--dedupe",
}


class _ReaderOptions(TypedDict):
    """The keywords every input file is read with (:meth:`InputOptions.reader_options`)."""

    encoding: str | None
    delimiter: str | None
    timezone: str
    currency: str
    hints: Mapping[str, str]


@attrs.frozen
class InputOptions:
    """How to read the report's files: the names given on the command line and the options."""

    names: Mapping[str, str | None] = attrs.field(factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    timezone: str = "Asia/Shanghai"
    dedupe: bool = False

    def names_for(self, columns: tuple[ExportColumn, ...]) -> dict[str, str | None]:
        """The given names of these columns (the amount of a distribution order is the
        ``value`` column)."""
        out: dict[str, str | None] = {}
        for c in columns:
            given = self.names.get("value" if c.role == "amount" else c.role)
            if given is not None:
                out[c.role] = given
        return out

    def reader_options(self, currency: str) -> _ReaderOptions:
        """The keywords of :func:`~privtraffic.data.read_orders` and
        :func:`~privtraffic.data.read_table` that are the same for every input file."""
        return _ReaderOptions(
            encoding=self.encoding,
            delimiter=self.delimiter,
            timezone=self.timezone,
            currency=currency,
            hints=COLUMN_OPTIONS,
        )


def read_purchases(path: Path, options: InputOptions, currency: str) -> OrderLog:
    """The purchase log, by :func:`privtraffic.data.read_orders`."""
    return read_orders(
        path,
        columns=options.names_for(ORDER_COLUMNS),
        dedupe=options.dedupe,
        **options.reader_options(currency),
    )


def read_input(
    path: Path, columns: tuple[ExportColumn, ...], options: InputOptions, currency: str
) -> dict[str, NDArray[Any]]:
    """Another input file's columns (referrals, events, distribution orders), by role."""
    table = read_table(
        path, columns, names=options.names_for(columns), **options.reader_options(currency)
    )
    return dict(table.data)


def _delimiter_name(delimiter: str, lang: str) -> str:
    if delimiter == "\t":
        return text("read.delimiter_tab", lang)
    return text("read.delimiter_char", lang, char=delimiter)


def _role_name(role: str, lang: str) -> str:
    """A column role as the page names it: the role itself in English (as its
    ``--*-column`` option), a word in Chinese."""
    key = f"read.role.{role}"
    return text(key, lang) if key in MESSAGES else role


def _encoding_name(encoding: str, lang: str) -> str:
    bom = " (with BOM)"
    if encoding.endswith(bom):
        return text("read.encoding_bom", lang, name=encoding[: -len(bom)])
    return encoding


def _format_name(file_format: str, lang: str) -> str:
    key = f"read.format.{file_format}"
    return text(key, lang) if key in MESSAGES else file_format


def mapping_lines(reading: ReadingReport, lang: str = "en") -> list[str]:
    """One line per column read: its role, the header it came from and how it was found."""
    return [
        text(
            "read.mapping.line",
            lang,
            role=_role_name(role, lang),
            header=header,
            how=text(
                "read.mapping.line_given" if role in reading.named else "read.mapping.line_auto",
                lang,
            ),
        )
        for role, header in reading.mapping.items()
    ]


def reading_lines(reading: ReadingReport, currency: str = "CNY", lang: str = "en") -> list[str]:
    """What reading the purchase log did, as progress lines: the file, the column mapping
    used, and the zero-value orders, orders left out by their status, refunds and repeated
    order ids when there are any."""
    how = text("doc.list_sep", lang).join(
        x
        for x in (
            _format_name(reading.file_format, lang),
            None if reading.encoding is None else _encoding_name(reading.encoding, lang),
            None
            if reading.delimiter is None
            else text(
                "read.how_delimiter", lang, delimiter=_delimiter_name(reading.delimiter, lang)
            ),
            None if reading.sheet is None else text("read.how_sheet", lang, sheet=reading.sheet),
        )
        if x
    )
    key = "read.line_converted" if reading.n_offsets_converted else "read.line"
    lines = [
        text(
            key,
            lang,
            source=reading.source,
            rows=f"{reading.n_rows:,}",
            how=how,
            zone=reading.time_zone,
            n=f"{reading.n_offsets_converted:,}",
        ),
        text("doc.note", lang, name=text("read.mapping.title", lang), value="")
        + text("doc.source_sep", lang).join(mapping_lines(reading, lang)),
    ]
    facts = reading_facts(reading, currency, lang)
    for key in ("data.zero_value_label", "read.by_status", "read.refunds", "read.duplicates"):
        label = text(key, lang)
        if label in facts:
            lines.append(facts[label])
    return lines


def mapping_rows(reading: ReadingReport, lang: str = "en") -> list[tuple[str, str, str]]:
    """The column mapping as table rows: (column, header in the file, how it was found)."""
    return [
        (
            _role_name(role, lang),
            header,
            text("read.mapping.given" if role in reading.named else "read.mapping.auto", lang),
        )
        for role, header in reading.mapping.items()
    ]


def mapping_header(lang: str = "en") -> list[str]:
    """The header of the column-mapping table.

    Examples
    --------
    >>> mapping_header("zh")
    ['字段', '文件中的表头', '识别方式']
    """
    return [text(f"read.mapping.{k}", lang) for k in ("column", "header", "how")]


def reading_facts(
    reading: ReadingReport, currency: str = "CNY", lang: str = "en", *, zero_value: bool = True
) -> dict[str, str]:
    """What reading the purchase log did, as the report's facts (label -> value)."""

    def t(key: str, **fields: object) -> str:
        return text(key, lang, **fields)

    facts = {
        t("read.file"): reading.source,
        t("read.format"): _format_name(reading.file_format, lang),
    }
    if reading.encoding is not None:
        facts[t("read.encoding")] = _encoding_name(reading.encoding, lang)
    if reading.delimiter is not None:
        facts[t("read.delimiter")] = _delimiter_name(reading.delimiter, lang)
    if reading.sheet is not None:
        facts[t("read.sheet")] = reading.sheet
    zone = (
        t(
            "read.time_zone_converted",
            zone=reading.time_zone,
            n=f"{reading.n_offsets_converted:,}",
        )
        if reading.n_offsets_converted
        else t("read.time_zone_value", zone=reading.time_zone)
    )
    facts[t("read.time_zone")] = zone
    facts[t("read.rows")] = f"{reading.n_rows:,}"
    facts[t("read.orders")] = f"{reading.n_orders:,}"
    if zero_value and reading.n_zero_value:
        facts[t("data.zero_value_label")] = t("data.zero_value", n=f"{reading.n_zero_value:,}")
    if reading.left_out_by_status:
        statuses = t("doc.list_sep").join(
            t("doc.count_of", name=status, n=f"{n:,}") for status, n in reading.left_out_by_status
        )
        facts[t("read.by_status")] = t(
            "read.by_status_value", n=f"{reading.n_left_out_by_status:,}", statuses=statuses
        )
    if reading.n_refunded_orders:
        facts[t("read.refunds")] = t(
            "read.refunds_value",
            n=f"{reading.n_refunded_orders:,}",
            total=f"{format_amount(reading.refund_total, currency, symbol=False)} {currency}",
            rows=f"{reading.n_refund_rows:,}",
            full=f"{reading.n_fully_refunded:,}",
        )
    if reading.n_duplicates_dropped:
        facts[t("read.duplicates")] = t(
            "read.duplicates_value", n=f"{reading.n_duplicates_dropped:,}"
        )
    return facts


def clv_name(margin: Margin, lang: str = "en") -> str:
    """``"revenue CLV"`` or ``"margin CLV"``, as the report names the number.

    Examples
    --------
    >>> clv_name(None), clv_name(0.3), clv_name(0.3, "zh")
    ('revenue CLV', 'margin CLV', '毛利口径 CLV')
    """
    return text("clv.kind.revenue" if margin is None else "clv.kind.margin", lang)


def clv_sentence(margin: Margin, months: int, rate: float, total: str, lang: str = "en") -> str:
    """The sentence that says what the CLV is: revenue, or margin at a rate or per customer.

    Examples
    --------
    >>> clv_sentence(0.3, 12, 0.01, "1,000.00 CNY")[:56]
    'Margin CLV: expected margin over the next 12 months, dis'
    >>> clv_sentence(None, 12, 0.01, "1,000.00 CNY", "zh")[:22]
    '收入口径 CLV：未来 12 个月内预计收入'
    """
    if margin is None:
        key = "clv.intro.revenue"
    elif isinstance(margin, tuple):
        key = "clv.intro.margin_column"
    else:
        key = "clv.intro.margin_rate"
    share = 0.0 if margin is None or isinstance(margin, tuple) else float(margin)
    return text(
        key, lang, months=f"{months:g}", rate=f"{rate:.2%}", margin=f"{share:.1%}", total=total
    )


def margin_of(margin: Margin, customers: NDArray[Any]) -> float | NDArray[np.float64]:
    """The share of revenue that is margin for each of ``customers`` (1.0 for revenue).

    Examples
    --------
    >>> margin_of((np.array(["a", "b"]), np.array([0.2, 0.5])), np.array(["b", "a"])).tolist()
    [0.5, 0.2]
    """
    if margin is None:
        return 1.0
    if not isinstance(margin, tuple):
        return float(margin)
    ids, shares = margin
    pos = np.clip(np.searchsorted(ids, customers), 0, max(len(ids) - 1, 0))
    found = ids[pos] == customers
    fallback = float(np.mean(shares)) if len(shares) else 1.0
    out: NDArray[np.float64] = np.where(found, shares[pos], fallback)
    return out


def margin_shares(log: OrderLog, rate: float | None, until: np.datetime64 | None) -> Margin:
    """What share of each customer's revenue is margin: ``rate`` for everyone (``--margin``),
    or from the log's margin column (value-weighted over the customer's orders up to
    ``until``; the log's overall share for a customer with no value there), or None."""
    if rate is not None:
        return rate
    if log.margin is None:
        return None
    assert log.value is not None
    keep = (
        np.ones(len(log), dtype=bool)
        if until is None
        else log.timestamp.astype("datetime64[D]") <= until
    )
    ids, inverse = np.unique(log.customer_id[keep], return_inverse=True)
    value = log.value[keep]
    margin = value * log.margin[keep]
    revenue = np.bincount(inverse, weights=value, minlength=ids.size)
    earned = np.bincount(inverse, weights=margin, minlength=ids.size)
    overall = float(margin.sum() / value.sum()) if value.sum() > 0 else float(np.mean(log.margin))
    shares = np.divide(earned, revenue, out=np.full(ids.size, overall), where=revenue > 0)
    return ids, shares
