"""The shop export of the report tests: the CDNOW cohort as a Chinese shop back-end exports it.

``tests/test_report_inputs.py`` (acceptance 1: a report with no options), ``test_report_i18n.py``
(the Chinese page of it) and ``test_browser.py`` (the same page in Chromium) write it with
:func:`write_shop_export`. The file is GBK with Chinese headers, slash dates with times, ￥
amounts with thousands separators, zero-value orders (CDNOW's own and one free sample as the
first order of every tenth customer) and one big order of ￥1,299.00; optionally a margin rate
column (毛利率) and an order status column (订单状态) with unpaid and closed orders added.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np

from privtraffic.data import load_cdnow

__all__ = ["ShopExport", "write_shop_export"]


@attrs.frozen
class ShopExport:
    """The file written and what it holds (the purchases, in file order)."""

    path: Path
    amounts: list[Decimal]
    n_left_out: int  # unpaid or closed orders added (with ``statuses``)


def _yuan(value: Decimal) -> str:
    return f"￥{value:,.2f}"


def write_shop_export(
    folder: Path,
    *,
    name: str = "订单导出.csv",
    margin: bool = False,
    statuses: bool = False,
    customers: int | None = None,
) -> ShopExport:
    """Write the CDNOW cohort's log (its first ``customers`` customers, or all) as a shop
    export into ``folder``.

    With ``margin`` each order has a margin rate (20%, 0.35 or 50% in turn); with
    ``statuses`` each order is 交易成功 and every 25th customer has one more order that is
    待付款 or 交易关闭 (not purchases).
    """
    log = load_cdnow("transactions")
    keep = np.ones(len(log), dtype=bool) if customers is None else log.customer_id <= customers
    ids, times = log.customer_id[keep], log.timestamp[keep]
    quantities = log.quantity[keep]
    assert log.value is not None
    amounts = [Decimal(f"{v:.2f}") for v in log.value[keep].tolist()]
    first_rows = np.unique(ids, return_index=True)[1]
    for i in first_rows[::10]:
        amounts[int(i)] = Decimal("0.00")  # a free sample as the first order
    amounts[int(first_rows[1])] = Decimal("1299.00")
    rng = np.random.default_rng(14)
    hours = rng.integers(0, 24, size=len(ids))
    header = ["订单号", "会员ID", "下单时间", "实付金额", "商品数"]
    header += ["毛利率"] * margin + ["订单状态"] * statuses
    lines = [",".join(header)]
    rates = ["20%", "0.35", "50%"]
    n_left_out = 0
    with_extra = set(first_rows[::25].tolist()) if statuses else set()
    for k, (c, t, a, q) in enumerate(
        zip(ids.tolist(), times.tolist(), amounts, quantities.tolist(), strict=True)
    ):
        when = f"{t.year}/{t.month}/{t.day} {int(hours[k])}:{k % 60:02d}"
        extra = [rates[k % 3]] * margin + ["交易成功"] * statuses
        row = [f"E{k + 1:06d}", f"会员{c:04d}", when, f'"{_yuan(a)}"', str(q), *extra]
        lines.append(",".join(row))
        if k in with_extra:
            status = "待付款" if n_left_out % 2 == 0 else "交易关闭"
            n_left_out += 1
            extra = [rates[0]] * margin + [status]
            row = [f"X{k + 1:06d}", f"会员{c:04d}", when, '"￥88.00"', "1", *extra]
            lines.append(",".join(row))
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return ShopExport(path, amounts, n_left_out)
