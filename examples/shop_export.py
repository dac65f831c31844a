"""A shop back-end's order export, read as it is: GBK, Chinese headers, ￥ amounts, refunds.

Writes ``订单导出.csv`` (the CDNOW cohort's first 300 customers dressed as a Chinese shop's
export, with free samples and one refund) in the current folder, reads it with
``privtraffic.data.read_orders``, prints what reading did, and fits BG/NBD and the spend model
(which leaves the zero-value orders out).

Run: ``python examples/shop_export.py``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np

from privtraffic.clv import BetaGeo, GammaGamma
from privtraffic.data import load_cdnow, read_orders, summarize_transactions
from privtraffic.money import format_amount


def write_export(path: Path) -> None:
    """The export as a back-end writes it: GBK, CRLF, slash dates, ￥ with separators."""
    log = load_cdnow("transactions")
    keep = log.customer_id <= 300
    lines = ["订单号,会员ID,下单时间,实付金额,订单状态"]
    columns = (log.customer_id[keep].tolist(), log.timestamp[keep].tolist(), log.value[keep])
    rows = zip(*columns, strict=True)
    for k, (customer, day, value) in enumerate(rows, start=1):
        amount = Decimal("0") if k % 25 == 0 else Decimal(f"{value:.2f}")  # a free sample
        when = f"{day.year}/{day.month}/{day.day} {9 + k % 12}:{k % 60:02d}"
        lines.append(f'E{k:05d},会员{customer:04d},{when},"￥{amount:,.2f}",交易成功')
    lines.append('E00002,会员0001,1997/1/9 10:00,"-￥5.00",退款成功')  # part of E00002 refunded
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


def main() -> None:
    path = Path("订单导出.csv")
    write_export(path)

    log = read_orders(path)  # no options: encoding, delimiter and columns are found
    r = log.reading
    print(
        f"read {r.source}: {r.n_rows:,} rows, {r.file_format}, {r.encoding}, times in {r.time_zone}"
    )
    print("column mapping used:")
    for role, header in r.mapping.items():
        print(f"  {role:<12} <- {header}")
    print(f"{r.n_zero_value} zero-value orders: counted as purchases, not in average spend")
    print(
        f"{r.n_refunded_orders} order refunded ({format_amount(r.refund_total, 'CNY')} in all), "
        f"{r.n_fully_refunded} in full"
    )

    summary = summarize_transactions(log, unit="W")
    bgf = BetaGeo().fit(summary.frequency, summary.recency, summary.T)
    print()
    print(bgf.summary())

    paid = summary.spend_frequency > 0  # repeat buyers with a paid repeat purchase
    ggf = GammaGamma().fit(summary.spend_frequency[paid], summary.spend_value[paid])
    spend = ggf.expected_spend(summary.spend_frequency, summary.spend_value)
    print()
    print(ggf.summary())
    top = np.argsort(-spend, kind="stable")[:5]
    print("\nHighest expected spend per purchase")
    for i in top:
        print(f"  {summary.customer_id[i]}  {format_amount(float(spend[i]), 'CNY')}")


if __name__ == "__main__":
    main()
