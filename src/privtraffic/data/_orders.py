"""Order exports of shop back-ends and spreadsheets -> an order log ready to summarise.

``read_orders`` finds the order columns by their usual Chinese and English headers,
reads them with ``read_table``, and then applies the order rules: a
repeated order id is an error (or, with ``dedupe``, the later rows are left out), refunds are
netted into the orders they reverse, orders refunded in full are left out, and zero-value
orders stay in (they are purchases). Everything it did is counted in the
``ReadingReport``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic.data._exports import ExportColumn, ExportTable, ReadingReport, read_table
from privtraffic.data._summary import Transactions, _optional_array
from privtraffic.errors import InvalidInputError
from privtraffic.money import DEFAULT_CURRENCY

__all__ = ["ORDER_COLUMNS", "OrderLog", "read_orders"]

#: The columns ``read_orders`` looks for, by role, with their usual headers in order of
#: preference (a header is compared without case, spaces, ``_`` and a unit in brackets).
ORDER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn(
        "customer_id",
        "id",
        (
            "customer_id", "用户ID", "会员ID", "unionid", "openid", "客户ID", "买家ID", "user_id",
            "用户编号", "会员编号", "客户编号", "会员卡号", "member_id", "buyer_id", "customer",
            "user", "member", "buyer", "用户", "会员", "客户", "买家",
        ),
        description="the customer id",
    ),
    ExportColumn(
        "timestamp",
        "time",
        (
            "timestamp", "支付时间", "付款时间", "下单时间", "成交时间", "交易时间",
            "订单创建时间", "创建时间", "订单时间", "paid_at", "payment_time", "pay_time",
            "order_time", "ordered_at", "created_at", "order_date", "purchase_date", "date",
            "time", "日期", "时间",
        ),
        description="the order time",
    ),
    ExportColumn(
        "value",
        "decimal",
        (
            "value", "实付金额", "实付款", "支付金额", "付款金额", "订单金额", "amount",
            "实收金额", "实付", "订单总额", "订单总金额", "应付金额", "成交金额",
            "交易金额", "金额", "paid_amount", "payment_amount", "amount_paid", "order_amount",
            "total", "revenue", "sales",
        ),
        description="the order amount",
        negative=True,
    ),
    ExportColumn(
        "order_id",
        "id",
        (
            "order_id", "订单号", "订单编号", "订单ID", "主订单号", "主订单编号", "订单",
            "order_no", "order_number", "order", "transaction_id",
        ),
        description="the order id",
        required=False,
    ),
    ExportColumn(
        "quantity",
        "count",
        ("quantity", "数量", "购买数量", "商品数量", "件数", "qty"),
        description="the quantity",
        required=False,
    ),
    ExportColumn(
        "refund",
        "decimal",
        (
            "refund", "退款金额", "已退款金额", "退款额", "退款", "refund_amount",
            "refunded_amount", "refunded",
        ),
        description="the refund amount",
        required=False,
        blank=True,
        negative=True,
    ),
    ExportColumn(
        "status",
        "text",
        (
            "status", "订单状态", "交易状态", "退款状态", "状态", "交易类型", "订单类型",
            "order_status", "type",
        ),
        description="the order status",
        required=False,
        blank=True,
    ),
    ExportColumn(
        "margin",
        "rate",
        ("margin", "毛利率", "利润率", "毛利润率", "margin_rate", "gross_margin"),
        description="the margin rate",
        required=False,
    ),
)  # fmt: skip

_ROLES = tuple(c.role for c in ORDER_COLUMNS)
_REFUND_WORDS = ("退款", "退货", "refund")
_NOT_DONE_WORDS = (
    "关闭", "失败", "拒绝", "撤销", "取消", "驳回", "closed", "fail", "reject", "cancel",
)  # fmt: skip


_UNPAID_WORDS = (
    "待付款", "待支付", "未付款", "未支付", "等待买家付款", "等待付款", "支付失败", "付款失败",
    "unpaid", "not paid", "pending payment", "awaiting payment", "payment failed",
)  # fmt: skip
_CANCELLED_WORDS = ("关闭", "取消", "作废", "失效", "cancel", "closed", "void")
_PARTIAL_WORDS = ("部分", "partial")


def _says_refund(status: str) -> bool:
    """Whether an order status says the row is a refund that happened (``退款成功``,
    ``已退款``, ``refund``), not one refused or withdrawn (``退款关闭``, ``refund rejected``)."""
    text = status.casefold()
    return any(w in text for w in _REFUND_WORDS) and not any(w in text for w in _NOT_DONE_WORDS)


def _says_not_bought(status: str) -> bool:
    """Whether an order status says the order was never a purchase: not paid (``待付款``,
    ``等待买家付款``, ``unpaid``), or cancelled or closed (``已取消``, ``交易关闭``,
    ``cancelled``) - but not a refund closed or withdrawn (``退款关闭``, ``取消退款``), after
    which the order stands.

    Examples
    --------
    >>> [_says_not_bought(s) for s in ("待付款", "交易关闭", "退款关闭", "交易成功", "Cancelled")]
    [True, True, False, False, True]
    """
    text = status.casefold()
    if any(w in text for w in _UNPAID_WORDS):
        return True
    return any(w in text for w in _CANCELLED_WORDS) and not any(w in text for w in _REFUND_WORDS)


def _status_counts(statuses: NDArray[np.str_]) -> tuple[tuple[str, int], ...]:
    """Each status and its number of rows, most frequent first (then by the text)."""
    texts, counts = np.unique(statuses, return_counts=True)
    pairs = sorted(zip(texts.tolist(), counts.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
    return tuple((str(t), int(n)) for t, n in pairs)


@attrs.frozen(eq=False, repr=False)
class OrderLog(Transactions):
    """An order log read from a shop export: one row per order, refunds netted in.

    It is a ``Transactions`` log, so
    ``summarize_transactions`` takes it as it is.

    Attributes
    ----------
    customer_id : numpy.ndarray of str
        Who bought.
    timestamp : numpy.ndarray of datetime64[s]
        When, as local time in ``reading.time_zone``.
    value : numpy.ndarray of float64
        What the order paid after refunds, ``>= 0``; 0 for a zero-value order (a gift, a
        sample, a fully couponed order), which is still a purchase.
    quantity : numpy.ndarray of int64 or None
        Items in the order, when the file has a quantity column.
    order_id : numpy.ndarray of str or None
        The order id, when the file has one (then unique).
    margin : numpy.ndarray of float64 or None
        The order's margin rate (a share of ``value``), when the file has a margin column.
    row : numpy.ndarray of int64
        The order's row in the file (the header is row 1), for tracing a number back.
    reading : ReadingReport or None
        What reading the file did: the column mapping, encoding, time zone and counts.

    Examples
    --------
    >>> import numpy as np
    >>> log = OrderLog(customer_id=["u1"], timestamp=np.array(["2024-03-01"],
    ...                dtype="datetime64[s]"), value=[12.5], row=[2])
    >>> list(log.columns()), log.reading is None
    (['customer_id', 'timestamp', 'value', 'row'], True)
    """

    order_id: NDArray[np.str_] | None = attrs.field(default=None, converter=_optional_array)
    margin: NDArray[np.float64] | None = attrs.field(default=None, converter=_optional_array)
    row: NDArray[np.int64] | None = attrs.field(default=None, converter=_optional_array)
    reading: ReadingReport | None = None


def _fail(table: ExportTable, i: int, role: str, problem: str) -> InvalidInputError:
    assert table.reading is not None
    header = table.reading.mapping[role]
    return InvalidInputError(
        f"{table.reading.source}: row {int(table.row[i])}, column {header!r}: {problem}"
    )


def _duplicates(
    table: ExportTable, ids: NDArray[np.str_], purchase: NDArray[np.bool_], dedupe: bool, hint: str
) -> NDArray[np.bool_]:
    """The purchase rows to keep: all, or the first of each order id with ``dedupe``."""
    keep: NDArray[np.bool_] = purchase.copy()
    candidates = np.flatnonzero(purchase)
    _, first = np.unique(ids[candidates], return_index=True)
    if len(first) == len(candidates):
        return keep
    repeated = np.ones(len(candidates), dtype=bool)
    repeated[first] = False
    if not dedupe:
        later = int(candidates[np.flatnonzero(repeated)[0]])
        earlier = int(candidates[np.flatnonzero(ids[candidates] == ids[later])[0]])
        assert table.reading is not None
        header = table.reading.mapping["order_id"]
        raise InvalidInputError(
            f"{table.reading.source}: rows {int(table.row[earlier])} and {int(table.row[later])}, "
            f"column {header!r}: order id {str(ids[later])!r} appears twice "
            f"(rows repeating an earlier order id: {int(repeated.sum()):,} in all); an order "
            f"counted twice is paid twice. Remove the repeats, or pass {hint} to keep the first "
            "row of each order"
        )
    keep[candidates[repeated]] = False
    return keep


def read_orders(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, str | None] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    timezone: str = "Asia/Shanghai",
    currency: str = DEFAULT_CURRENCY,
    dedupe: bool = False,
    sheet: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> OrderLog:
    """Read an order export (CSV/TSV, ``.xlsx`` or Parquet) into an ``OrderLog``.

    The columns are found by their usual headers (see ``ORDER_COLUMNS``): the customer
    (``用户ID``, ``会员ID``, ``unionid``, ``openid``, ``customer_id``, ...), the order time
    (``支付时间``, ``下单时间``, ``timestamp``, ...) and the amount (``实付金额``,
    ``订单金额``, ``value``, ...) are required; the order id (``订单号``), quantity
    (``数量``), refund amount (``退款金额``), order status (``订单状态``) and margin rate
    (``毛利率``) are read when present. ``reading.mapping`` says which header each came from.

    Parameters
    ----------
    path : str or path-like
        The export. Text files may be UTF-8 (with or without a byte-order mark) or
        GB18030/GBK (detected), with any of ``,``, tab, ``;``, ``|`` as the delimiter
        (detected); workbooks need the ``excel`` extra (openpyxl).
    columns : mapping of str to str or None, optional
        Headers by role (``customer_id``, ``timestamp``, ``value``, ``order_id``,
        ``quantity``, ``refund``, ``status``, ``margin``) where the file's are not the usual
        ones; None leaves an optional column out.
    encoding, delimiter, sheet : str, optional
        See ``read_table``.
    timezone : str, default "Asia/Shanghai"
        The shop's time zone: times with an offset (``2024-03-01T10:00+00:00``) are converted
        to it; times without one are already local.
    currency : str, default "CNY"
        The currency of the amounts; ``¥``/``￥``/``元``/``CNY`` marks must agree with it.
    dedupe : bool, default False
        Keep the first row of each order id and leave out the rows that repeat it (counted in
        ``reading.n_duplicates_dropped``). Without it a repeated order id is an error.
    hints : mapping of str to str, optional
        How the caller's user sets each column and option, quoted in messages (the command
        line passes ``{"customer_id": "--customer-column NAME", "dedupe": "--dedupe", ...}``).

    Returns
    -------
    OrderLog
        One row per order, in file order.

    Raises
    ------
    InvalidInputError
        Everything ``read_table`` refuses, and: a repeated order id
        (both rows named) without ``dedupe``; a negative amount or a row marked as a refund
        that cannot be netted into its order (no order id column, no such order, another
        customer, or more refunded than paid; an order marked as partly refunded with nothing
        saying how much); a refund larger than its order.

    Notes
    -----
    **Amounts.** ``1299``, ``1,299.00``, ``¥1,299.00``, ``￥1299``, ``1299元`` and
    ``CNY 1299`` are the same amount, read exactly (as decimals) before they become the
    floats of ``value``.

    **Refunds.** With a refund column, an order's value is its amount less its refund
    (a refund may be written with either sign; it must not exceed the amount). Without one, a
    row with a negative amount, or one whose status says it is a refund (``退款成功``,
    ``已退款``, ``refund``; not ``退款关闭``), is a refund of the order with the same order
    id, netted into it; without an order id column it cannot be placed and is refused, and a
    file that marks refunds only in a status column, with a positive amount and no other row
    for the order, is refused too, since nothing says how much was refunded. An order whose
    refunds equal its amount is not a purchase and is left out
    (``reading.n_fully_refunded``).

    **Order statuses.** With a status column (``订单状态``, ``交易状态``, ``status``, ...), an
    order whose status says it was never paid (``待付款``, ``等待买家付款``, ``未支付``,
    ``unpaid``) or was cancelled or closed (``已取消``, ``交易关闭``, ``已关闭``, ``作废``,
    ``cancelled``, ``closed``) is not a purchase: it is left out and counted, status by status,
    in ``reading.left_out_by_status``. So is an order marked refunded (``退款成功``,
    ``已退款``) with a positive amount on its only row: refunded in full, by its status (a
    status saying the refund was partial, ``部分退款``, is refused, since nothing says how much).
    A closed or withdrawn refund (``退款关闭``, ``取消退款``) leaves the order standing, and so
    does any other status (``交易成功``, ``已发货``, ``paid``).

    **Zero-value orders** (gifts, samples, fully couponed orders) stay in the log with value
    0 and are counted in ``reading.n_zero_value``: they are purchases for the purchase
    models; ``summarize_transactions`` leaves them out of the spend
    columns (``spend_frequency``, ``spend_value``).

    Examples
    --------
    A GBK export from a shop back-end, with Chinese headers, slash dates and yuan amounts:

    >>> import pathlib, tempfile
    >>> text = ("订单号,用户ID,下单时间,实付金额\\n"
    ...         "E1,u1,2024/1/31 12:00,\\"￥1,299.00\\"\\n"
    ...         "E2,u1,2024/2/15 09:30,0\\n"
    ...         "E3,u2,2024年2月3日,88元\\n")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = path.write_bytes(text.encode("gbk"))
    >>> log = read_orders(path)
    >>> log.customer_id.tolist(), log.value.tolist()
    (['u1', 'u1', 'u2'], [1299.0, 0.0, 88.0])
    >>> [str(t) for t in log.timestamp]
    ['2024-01-31T12:00:00', '2024-02-15T09:30:00', '2024-02-03T00:00:00']
    >>> log.reading.mapping
    {'customer_id': '用户ID', 'timestamp': '下单时间', 'value': '实付金额', 'order_id': '订单号'}
    >>> log.reading.encoding, log.reading.n_zero_value
    ('GB18030 (GBK)', 1)
    """
    hints = {role: f"columns[{role!r}]" for role in _ROLES} | dict(hints or {})
    names = dict(columns or {})
    unknown = sorted(set(names) - set(_ROLES))
    if unknown:
        raise InvalidInputError(
            f"'columns' has unknown roles {', '.join(map(repr, unknown))} (the roles are "
            f"{', '.join(_ROLES)})"
        )
    if not isinstance(dedupe, (bool, np.bool_)):
        raise InvalidInputError(f"'dedupe' must be True or False (got {dedupe!r})")
    table = read_table(
        path,
        ORDER_COLUMNS,
        names=names,
        encoding=encoding,
        delimiter=delimiter,
        timezone=timezone,
        currency=currency,
        sheet=sheet,
        hints=hints,
    )
    return _order_rules(table, bool(dedupe), hints.get("dedupe", "dedupe=True"))


def _order_rules(table: ExportTable, dedupe: bool, dedupe_hint: str) -> OrderLog:
    """Refunds netted, repeats refused or dropped, full refunds left out: the order log."""
    reading = table.reading
    assert reading is not None
    data = table.data
    n = len(table.row)
    amounts = [Decimal(s) for s in data["value"].tolist()]
    order_ids = data.get("order_id")
    refunded = [Decimal(0)] * n
    refund_row = np.zeros(n, dtype=bool)
    if "refund" in data:
        for i, text in enumerate(data["refund"].tolist()):
            refund = abs(Decimal(text))
            if amounts[i] < 0:
                raise _fail(
                    table,
                    i,
                    "value",
                    f"must be >= 0 when the refunds are in their own column "
                    f"{reading.mapping['refund']!r} (got {str(data['value'][i])!r})",
                )
            if refund > amounts[i]:
                raise _fail(
                    table,
                    i,
                    "refund",
                    f"must not exceed the order amount {amounts[i]} "
                    f"(got {str(data['refund'][i])!r})",
                )
            refunded[i] = refund
    else:
        marked = (
            np.array([_says_refund(s) for s in data["status"].tolist()], dtype=bool)
            if "status" in data
            else np.zeros(n, dtype=bool)
        )
        refund_row = np.array([a < 0 for a in amounts], dtype=bool) | marked
        if refund_row.any() and order_ids is None:
            i = int(np.flatnonzero(refund_row)[0])
            why = (
                f"a negative amount is a refund (got {str(data['value'][i])!r})"
                if amounts[i] < 0
                else f"the row is marked {str(data['status'][i])!r} (a refund)"
            )
            raise _fail(
                table,
                i,
                "value" if amounts[i] < 0 else "status",
                f"{why}, but there is no order id column to find the order it reverses: add "
                "the order id (订单号) or a refund amount column (退款金额), or leave refunds "
                "out of the export",
            )
    not_bought = (
        np.array([_says_not_bought(s) for s in data["status"].tolist()], dtype=bool)
        if "status" in data
        else np.zeros(n, dtype=bool)
    ) & ~refund_row
    keep = ~refund_row & ~not_bought
    n_dropped = 0
    if order_ids is not None:
        keep = _duplicates(table, order_ids, keep, dedupe, dedupe_hint)
        n_dropped = int((~refund_row & ~not_bought).sum() - keep.sum())
        if refund_row.any():
            alone = _net_refund_rows(table, amounts, refunded, refund_row, keep, not_bought)
            refund_row[alone] = False  # an order refunded in full, by its status
            not_bought[alone] = True
    value = [a - r for a, r in zip(amounts, refunded, strict=True)]
    had_refund = np.array([r > 0 for r in refunded], dtype=bool) & keep
    fully = had_refund & np.array([v == 0 for v in value], dtype=bool)
    keep &= ~fully
    zero = keep & np.array([v == 0 for v in value], dtype=bool)
    idx = np.flatnonzero(keep)
    extra: dict[str, Any] = {}
    for role in ("quantity", "order_id", "margin"):
        if role in data:
            extra[role] = data[role][idx]
    reading = attrs.evolve(
        reading,
        n_orders=len(idx),
        n_zero_value=int(zero.sum()),
        n_refund_rows=int(refund_row.sum()),
        n_refunded_orders=int(had_refund.sum()),
        n_fully_refunded=int(fully.sum()),
        refund_total=sum((refunded[i] for i in np.flatnonzero(had_refund)), Decimal(0)),
        n_duplicates_dropped=n_dropped,
        left_out_by_status=_status_counts(data["status"][not_bought]) if not_bought.any() else (),
    )
    return OrderLog(
        customer_id=data["customer_id"][idx],
        timestamp=data["timestamp"][idx],
        value=np.array([float(value[i]) for i in idx], dtype=np.float64),
        row=table.row[idx],
        reading=reading,
        **extra,
    )


def _net_refund_rows(
    table: ExportTable,
    amounts: list[Decimal],
    refunded: list[Decimal],
    refund_row: NDArray[np.bool_],
    keep: NDArray[np.bool_],
    not_bought: NDArray[np.bool_],
) -> list[int]:
    """Add each refund row's amount to the refunds of the order it names (in place).

    Returns the rows marked as refunded in their status (with a positive amount) that are
    the only row of their order: orders refunded in full, by their status.
    """
    data = table.data
    order_ids = data["order_id"]
    customers = data["customer_id"]
    position = {str(order_ids[i]): int(i) for i in np.flatnonzero(keep)}
    for i in np.flatnonzero(not_bought).tolist():  # a refund of an order left out by status
        position.setdefault(str(order_ids[i]), int(i))
    _, inverse, rows_of = np.unique(order_ids, return_inverse=True, return_counts=True)
    alone = [  # marked refunded in the status, positive, the order's only row, not partial
        i
        for i in np.flatnonzero(refund_row).tolist()
        if amounts[i] >= 0
        and rows_of[inverse[i]] == 1
        and not any(w in str(data["status"][i]).casefold() for w in _PARTIAL_WORDS)
    ]
    skip = set(alone)
    for i in np.flatnonzero(refund_row).tolist():
        if i in skip:
            continue
        order = str(order_ids[i])
        j = position.get(order)
        if j is None:
            if amounts[i] >= 0:  # marked as a refund in the status, with a positive amount
                raise _fail(
                    table,
                    i,
                    "status",
                    f"the order is marked {str(data['status'][i])!r} (a refund), but nothing "
                    "says how much was refunded: add a refund amount column (退款金额), or a "
                    "row with the refund as a negative amount and the same order id",
                )
            raise _fail(
                table,
                i,
                "value",
                f"a refund (got {str(data['value'][i])!r}) of order {order!r}, which is not in "
                "the file: include the order, or leave the refund out",
            )
        if customers[i] != customers[j]:
            raise _fail(
                table,
                i,
                "customer_id",
                f"a refund of order {order!r} (row {int(table.row[j])}) must be for the same "
                f"customer {str(customers[j])!r} (got {str(customers[i])!r})",
            )
        refunded[j] += abs(amounts[i])
        if refunded[j] > amounts[j]:
            raise _fail(
                table,
                i,
                "value",
                f"the refunds of order {order!r} add up to {refunded[j]}, more than its amount "
                f"{amounts[j]} (row {int(table.row[j])})",
            )
    return alone
