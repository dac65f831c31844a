"""The report's input files, read through :mod:`privtraffic.data`, and what reading them did.

The purchase log is read by :func:`privtraffic.data.read_orders`; the referral, event and
distribution-order files by :func:`privtraffic.data.read_table` with the columns below. Both
find columns by their usual Chinese and English headers unless a ``--*-column`` option names
them, and every problem names the file, the spreadsheet row (the header is row 1) and the
column, e.g. ``orders.csv: row 7, column '下单时间': must be a whole date with year, month and
day (...) (got '2024-03')``.

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
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

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
    "INPUT_TEXT",
    "REFERRAL_COLUMNS",
    "SHARED_ORDER_COLUMNS",
    "InputOptions",
    "clv_name",
    "clv_sentence",
    "mapping_lines",
    "mapping_rows",
    "margin_of",
    "margin_shares",
    "read_input",
    "read_purchases",
    "reading_facts",
    "reading_lines",
]

# --- user-facing sentences of the input side (to move into the report's message catalogue) --
#: Every sentence and label the report shows about reading its input, zero-value orders and
#: what its CLV measures. ``{...}`` fields are filled with ``str.format``.
INPUT_TEXT: dict[str, str] = {
    "mapping_title": "Column mapping used",
    "mapping_header_column": "column",
    "mapping_header_found": "header in the file",
    "mapping_header_how": "found",
    "mapping_given": "given",
    "mapping_auto": "by its usual name",
    "mapping_line": "{role} <- {header!r} ({how})",
    "mapping_line_given": "given",
    "mapping_line_auto": "found by its usual name",
    "reading_title": "Reading {source}",
    "how_delimiter": "delimiter {delimiter}",
    "how_sheet": "sheet {sheet!r}",
    "delimiter_tab": "tab",
    "read_line": "read {source}: {rows:,} rows ({how}); times in {zone}",
    "read_line_converted": "read {source}: {rows:,} rows ({how}); times in {zone}, {n:,} "
    "with an offset converted to it",
    "fact_file": "file",
    "fact_format": "format",
    "fact_encoding": "encoding",
    "fact_delimiter": "delimiter",
    "fact_sheet": "sheet",
    "fact_time_zone": "time zone",
    "fact_time_zone_value": "{zone} (times without an offset are local times there)",
    "fact_time_zone_converted": "{zone} ({n:,} times with an offset converted to it)",
    "fact_rows": "rows read",
    "fact_orders": "orders used",
    "fact_zero_value": "zero-value orders",
    "zero_value": "{n:,} zero-value orders: counted as purchases, not in average spend",
    "fact_refunds": "refunds",
    "refunds": "orders with a refund: {n:,}, {total} in all (refund rows netted into their "
    "orders: {rows:,}); refunded in full, not purchases, left out: {full:,}",
    "fact_duplicates": "repeated order ids",
    "duplicates": "rows repeating an earlier order id, left out (--dedupe): {n:,}",
    "clv_revenue": "revenue CLV",
    "clv_margin": "margin CLV",
    "clv_sentence_revenue": "Revenue CLV: expected revenue over the next {months:g} months, "
    "discounted at {rate:.2%} per month (BG/NBD purchases x Gamma-Gamma spend). Total over "
    "all customers: {total}. This is revenue, not margin: give --margin 0.3 (or a margin "
    "column with --margin-column) to turn it into margin.",
    "clv_sentence_margin_rate": "Margin CLV: expected margin over the next {months:g} months, "
    "discounted at {rate:.2%} per month (BG/NBD purchases x Gamma-Gamma spend x a margin of "
    "{margin:.1%}). Total over all customers: {total}.",
    "clv_sentence_margin_column": "Margin CLV: expected margin over the next {months:g} "
    "months, discounted at {rate:.2%} per month (BG/NBD purchases x Gamma-Gamma spend x each "
    "customer's margin rate, the value-weighted mean of their orders' margin column). Total "
    "over all customers: {total}.",
    "spend_model_zero_value": "{n:,} repeat purchases of value 0 count as purchases in the "
    "models above but are not in the average spend the spend model sees.",
}
# --- end of the user-facing sentences ------------------------------------------------------

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


def read_purchases(path: Path, options: InputOptions, currency: str) -> OrderLog:
    """The purchase log, by :func:`privtraffic.data.read_orders`."""
    return read_orders(
        path,
        columns=options.names_for(ORDER_COLUMNS),
        encoding=options.encoding,
        delimiter=options.delimiter,
        timezone=options.timezone,
        currency=currency,
        dedupe=options.dedupe,
        hints=COLUMN_OPTIONS,
    )


def read_input(
    path: Path, columns: tuple[ExportColumn, ...], options: InputOptions, currency: str
) -> dict[str, NDArray[Any]]:
    """Another input file's columns (referrals, events, distribution orders), by role."""
    table = read_table(
        path,
        columns,
        names=options.names_for(columns),
        encoding=options.encoding,
        delimiter=options.delimiter,
        timezone=options.timezone,
        currency=currency,
        hints=COLUMN_OPTIONS,
    )
    return dict(table.data)


def _delimiter_name(delimiter: str) -> str:
    return INPUT_TEXT["delimiter_tab"] if delimiter == "\t" else repr(delimiter)


def mapping_lines(reading: ReadingReport) -> list[str]:
    """One line per column read: its role, the header it came from and how it was found."""
    t = INPUT_TEXT
    return [
        t["mapping_line"].format(
            role=role,
            header=header,
            how=t["mapping_line_given"] if role in reading.named else t["mapping_line_auto"],
        )
        for role, header in reading.mapping.items()
    ]


def reading_lines(reading: ReadingReport, currency: str = "CNY") -> list[str]:
    """What reading the purchase log did, as progress lines: the file, the column mapping
    used, and the zero-value orders, refunds and repeated order ids when there are any."""
    t = INPUT_TEXT
    how = ", ".join(
        x
        for x in (
            reading.file_format,
            reading.encoding,
            None
            if reading.delimiter is None
            else t["how_delimiter"].format(delimiter=_delimiter_name(reading.delimiter)),
            None if reading.sheet is None else t["how_sheet"].format(sheet=reading.sheet),
        )
        if x
    )
    key = "read_line_converted" if reading.n_offsets_converted else "read_line"
    lines = [
        t[key].format(
            source=reading.source,
            rows=reading.n_rows,
            how=how,
            zone=reading.time_zone,
            n=reading.n_offsets_converted,
        ),
        t["mapping_title"] + ": " + "; ".join(mapping_lines(reading)),
    ]
    facts = reading_facts(reading, currency)
    for label in (t["fact_zero_value"], t["fact_refunds"], t["fact_duplicates"]):
        if label in facts:
            lines.append(facts[label])
    return lines


def mapping_rows(reading: ReadingReport) -> list[tuple[str, str, str]]:
    """The column mapping as table rows: (column, header in the file, how it was found)."""
    t = INPUT_TEXT
    return [
        (role, header, t["mapping_given"] if role in reading.named else t["mapping_auto"])
        for role, header in reading.mapping.items()
    ]


def reading_facts(
    reading: ReadingReport, currency: str = "CNY", *, zero_value: bool = True
) -> dict[str, str]:
    """What reading the purchase log did, as the report's facts (label -> value)."""
    t = INPUT_TEXT
    facts = {t["fact_file"]: reading.source, t["fact_format"]: reading.file_format}
    if reading.encoding is not None:
        facts[t["fact_encoding"]] = reading.encoding
    if reading.delimiter is not None:
        facts[t["fact_delimiter"]] = _delimiter_name(reading.delimiter)
    if reading.sheet is not None:
        facts[t["fact_sheet"]] = reading.sheet
    zone = (
        t["fact_time_zone_converted"].format(zone=reading.time_zone, n=reading.n_offsets_converted)
        if reading.n_offsets_converted
        else t["fact_time_zone_value"].format(zone=reading.time_zone)
    )
    facts[t["fact_time_zone"]] = zone
    facts[t["fact_rows"]] = f"{reading.n_rows:,}"
    facts[t["fact_orders"]] = f"{reading.n_orders:,}"
    if zero_value and reading.n_zero_value:
        facts[t["fact_zero_value"]] = t["zero_value"].format(n=reading.n_zero_value)
    if reading.n_refunded_orders:
        facts[t["fact_refunds"]] = t["refunds"].format(
            n=reading.n_refunded_orders,
            total=f"{format_amount(reading.refund_total, currency, symbol=False)} {currency}",
            rows=reading.n_refund_rows,
            full=reading.n_fully_refunded,
        )
    if reading.n_duplicates_dropped:
        facts[t["fact_duplicates"]] = t["duplicates"].format(n=reading.n_duplicates_dropped)
    return facts


def clv_name(margin: float | tuple[NDArray[Any], NDArray[np.float64]] | None) -> str:
    """``"revenue CLV"`` or ``"margin CLV"``, as the report names the number.

    Examples
    --------
    >>> clv_name(None), clv_name(0.3)
    ('revenue CLV', 'margin CLV')
    """
    return INPUT_TEXT["clv_revenue" if margin is None else "clv_margin"]


def clv_sentence(
    margin: float | tuple[NDArray[Any], NDArray[np.float64]] | None,
    months: int,
    rate: float,
    total: str,
) -> str:
    """The sentence that says what the CLV is: revenue, or margin at a rate or per customer.

    Examples
    --------
    >>> clv_sentence(0.3, 12, 0.01, "1,000.00 CNY")[:56]
    'Margin CLV: expected margin over the next 12 months, dis'
    """
    if margin is None:
        key = "clv_sentence_revenue"
    elif isinstance(margin, tuple):
        key = "clv_sentence_margin_column"
    else:
        key = "clv_sentence_margin_rate"
    share = 0.0 if margin is None or isinstance(margin, tuple) else float(margin)
    return INPUT_TEXT[key].format(months=months, rate=rate, margin=share, total=total)


def margin_of(
    margin: float | tuple[NDArray[Any], NDArray[np.float64]] | None, customers: NDArray[Any]
) -> float | NDArray[np.float64]:
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


def margin_shares(
    log: OrderLog, rate: float | None, until: np.datetime64 | None
) -> float | tuple[NDArray[Any], NDArray[np.float64]] | None:
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
