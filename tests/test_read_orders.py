"""privtraffic.data.read_orders / read_table on exports shaped like real shop back-ends.

Every fixture file is written by the test into tmp_path (GBK and GB18030 text, BOMs, UTF-16,
TSV, .xlsx through openpyxl, Parquet through pyarrow). Reference values come from the rows the
test writes (exact decimals, Python datetimes converted with zoneinfo), never from the code
under test.
"""

from __future__ import annotations

import datetime as dt
import sys
import zoneinfo
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.data import (
    ExportColumn,
    OrderLog,
    load_cdnow,
    read_orders,
    read_table,
    summarize_transactions,
)
from privtraffic.errors import InvalidInputError
from support import examples

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def stamps(log: OrderLog) -> list[str]:
    return [str(t) for t in log.timestamp]


# --- the shape of a Chinese shop export -------------------------------------------------------

#: (order id, member, time as written, amount as written, the exact amount, the local time)
SHOP_ROWS = [
    ("E1001", "会员A", "2023/1/31 12:00", "￥1,299.00", "1299.00", "2023-01-31T12:00:00"),
    ("E1002", "会员A", "2023/2/5 9:05:30", "￥0.00", "0.00", "2023-02-05T09:05:30"),
    ("E1003", "会员B", "2023年2月8日 14:30", "￥88.5", "88.5", "2023-02-08T14:30:00"),
    ("E1004", "会员A", "2023年3月1日", "1,299", "1299", "2023-03-01T00:00:00"),
    ("E1005", "会员C", "20230305", "12,345.67元", "12345.67", "2023-03-05T00:00:00"),
    ("E1006", "会员B", "2023-03-09T10:00:00+08:00", "CNY 0", "0", "2023-03-09T10:00:00"),
    ("E1007", "会员C", "2023-03-10 02:00:00Z", "RMB 30", "30", "2023-03-10T10:00:00"),
]


def shop_csv(path: Path, encoding: str = "gbk", delimiter: str = ",", bom: str = "") -> Path:
    lines = [delimiter.join(["订单号", "会员ID", "下单时间", "实付金额"])]
    for order, member, when, amount, *_ in SHOP_ROWS:
        cell = f'"{amount}"' if delimiter in amount else amount
        lines.append(delimiter.join([order, member, when, cell]))
    return write(path, bom + "\r\n".join(lines) + "\r\n", encoding)


def assert_is_the_shop(log: OrderLog) -> None:
    assert log.customer_id.tolist() == [r[1] for r in SHOP_ROWS]
    assert log.order_id.tolist() == [r[0] for r in SHOP_ROWS]
    assert log.value.tolist() == [float(Decimal(r[4])) for r in SHOP_ROWS]
    assert stamps(log) == [r[5] for r in SHOP_ROWS]
    assert log.row.tolist() == list(range(2, 2 + len(SHOP_ROWS)))
    reading = log.reading
    assert reading.mapping == {
        "customer_id": "会员ID",
        "timestamp": "下单时间",
        "value": "实付金额",
        "order_id": "订单号",
    }
    assert reading.named == () and reading.time_zone == "Asia/Shanghai"
    assert reading.n_rows == reading.n_orders == len(SHOP_ROWS)
    assert reading.n_zero_value == sum(Decimal(r[4]) == 0 for r in SHOP_ROWS) == 2
    assert reading.n_offsets_converted == 2


def test_a_gbk_shop_export_reads_without_options(tmp_path: Path) -> None:
    log = read_orders(shop_csv(tmp_path / "orders.csv"))
    assert_is_the_shop(log)
    assert log.reading.encoding == "GB18030 (GBK)" and log.reading.delimiter == ","
    assert log.reading.file_format == "csv"


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter", "suffix", "detected"),
    [
        ("utf-8", "", ",", ".csv", "UTF-8"),
        ("utf-8", "\ufeff", ",", ".csv", "UTF-8 (with BOM)"),
        ("gb18030", "", ";", ".csv", "GB18030 (GBK)"),
        ("gbk", "", "\t", ".tsv", "GB18030 (GBK)"),
        ("gbk", "", "|", ".txt", "GB18030 (GBK)"),
        ("utf-16", "", "\t", ".txt", "UTF-16"),  # Excel's "Unicode text": UTF-16 with a BOM
    ],
)
def test_encodings_and_delimiters_are_detected(
    tmp_path: Path, encoding: str, bom: str, delimiter: str, suffix: str, detected: str
) -> None:
    log = read_orders(shop_csv(tmp_path / f"o{suffix}", encoding, delimiter, bom))
    assert_is_the_shop(log)
    assert log.reading.encoding == detected and log.reading.delimiter == delimiter


def test_gb18030_holds_the_half_width_yen_sign_gbk_cannot(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        "¥".encode("gbk")  # GBK exports write the full-width ￥
    path = write(
        tmp_path / "o.csv", '用户ID,下单时间,实付金额\nu1,2024-01-01,"¥1,299.00"\n', "gb18030"
    )
    assert read_orders(path).value.tolist() == [1299.0]


def test_an_explicit_encoding(tmp_path: Path) -> None:
    path = write(
        tmp_path / "big5.csv", "customer_id,timestamp,value\n陳大文,2024-01-01,5\n", "big5"
    )
    assert read_orders(path, encoding="big5").customer_id.tolist() == ["陳大文"]
    gbk = shop_csv(tmp_path / "gbk.csv")
    with pytest.raises(InvalidInputError, match=r"gbk.csv: row 1: is not utf-8 text"):
        read_orders(gbk, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"^'encoding' must be a text encoding"):
        read_orders(gbk, encoding="no-such-codec")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"customer_id,timestamp,value\nu1,2024-01-01,5\n\xe9t\xe9\xff,2024-01-02,1\n")
    with pytest.raises(InvalidInputError, match=r"latin.csv: row 3: is neither UTF-8 nor GB18030"):
        read_orders(latin)
    assert read_orders(latin, encoding="latin-1").customer_id.tolist() == ["u1", "étéÿ"]


def test_the_given_delimiter_is_used_and_a_wrong_one_is_explained(tmp_path: Path) -> None:
    path = shop_csv(tmp_path / "semi.csv", "utf-8", ";")
    with pytest.raises(InvalidInputError) as info:
        read_orders(path, delimiter=",")
    assert "semi.csv: row 1" in str(info.value)
    assert "the file seems to use ';' as its delimiter" in str(info.value)
    assert_is_the_shop(read_orders(path, delimiter=";"))
    with pytest.raises(InvalidInputError, match=r"'delimiter' must be one character"):
        read_orders(path, delimiter=";;")


# --- dates and times --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "local"),
    [
        ("2024-03-01", "2024-03-01T00:00:00"),
        ("2024-03-01T14:30", "2024-03-01T14:30:00"),
        ("2024-03-01 14:30:59.999", "2024-03-01T14:30:59"),
        ("2024/3/1", "2024-03-01T00:00:00"),
        ("2024/3/1 9:05", "2024-03-01T09:05:00"),
        ("2024/03/01 09:05:07", "2024-03-01T09:05:07"),
        ("2024-3-1", "2024-03-01T00:00:00"),
        ("2024.3.1", "2024-03-01T00:00:00"),
        ("2024年3月1日", "2024-03-01T00:00:00"),
        ("2024年3月1日 14:30", "2024-03-01T14:30:00"),
        ("2024年3月1日14时30分", "2024-03-01T14:30:00"),
        ("20240301", "2024-03-01T00:00:00"),
        ("２０２４/３/１", "2024-03-01T00:00:00"),  # full-width digits
        ("2024-02-29", "2024-02-29T00:00:00"),
    ],
)
def test_date_forms(tmp_path: Path, cell: str, local: str) -> None:
    path = write(tmp_path / "d.csv", f"用户ID,下单时间,实付金额\nu1,{cell},1\n")
    log = read_orders(path)
    assert stamps(log) == [local] and log.reading.n_offsets_converted == 0


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        ("today", "not a word relative to today"),
        ("now", "not a word relative to today"),
        ("Yesterday", "not a word relative to today"),
        ("今天", "not a word relative to today"),
        ("2024", "a whole date with year, month and day"),
        ("2024-03", "a whole date with year, month and day"),
        ("2024/3", "a whole date with year, month and day"),
        ("2024年3月", "a whole date with year, month and day"),
        ("2023-02-29", "a calendar date"),
        ("2024/13/1", "a calendar date"),
        ("2024-03-01 24:00", "a time of day from 00:00:00 to 23:59:59"),
        ("2024-03-01 12:60", "a time of day from 00:00:00 to 23:59:59"),
        ("45352", "looks like an Excel serial day number"),
        ("03/01/2024", "a date or date-time like"),
        ("next tuesday", "a date or date-time like"),
        ("2024-03-01T10:00+15:00", "beyond +-14:00"),
    ],
)
def test_dates_that_are_not_whole_dates_are_refused_with_the_row(
    tmp_path: Path, cell: str, rule: str
) -> None:
    path = write(tmp_path / "d.csv", f"用户ID,下单时间,实付金额\nu1,2024-01-01,1\nu1,{cell},1\n")
    with pytest.raises(InvalidInputError) as info:
        read_orders(path)
    message = str(info.value)
    assert message.startswith("d.csv: row 3, column '下单时间': ")
    assert rule in message and f"(got {cell!r})" in message


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "UTC", "+05:30"])
def test_offsets_are_converted_to_the_time_zone_and_local_times_stay(
    tmp_path: Path, zone: str
) -> None:
    cells = [
        "2024-01-15T12:00:00Z",
        "2024-07-15T12:00:00+00:00",  # New York is on daylight time in July
        "2024-07-15 20:00+08:00",
        "2024-03-10T06:30:00-0500",
        "2024-03-10 06:30",  # no offset: already local, never shifted
    ]
    path = write(
        tmp_path / "tz.csv", "用户ID,下单时间,实付金额\n" + "".join(f"u1,{c},1\n" for c in cells)
    )
    log = read_orders(path, timezone=zone)
    if zone.startswith("+"):
        target: dt.tzinfo = dt.timezone(dt.timedelta(hours=5, minutes=30))
    else:
        target = zoneinfo.ZoneInfo(zone)
    expected = []
    for c in cells[:-1]:  # the peer: Python's own ISO parser and zoneinfo
        moment = dt.datetime.fromisoformat(c.replace("Z", "+00:00").replace("-0500", "-05:00"))
        expected.append(moment.astimezone(target).replace(tzinfo=None).isoformat())
    expected.append("2024-03-10T06:30:00")
    assert stamps(log) == expected
    assert log.reading.n_offsets_converted == 4 and log.reading.time_zone == zone


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = shop_csv(tmp_path / "o.csv")
    with pytest.raises(InvalidInputError, match=r"'timezone' must be a time-zone name .*Mars"):
        read_orders(path, timezone="Mars/Olympus")
    with pytest.raises(InvalidInputError, match=r"between -14:00 and \+14:00"):
        read_orders(path, timezone="+15:00")


def test_without_a_time_zone_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A system without /usr/share/zoneinfo and without the tzdata package: zoneinfo finds no
    # zone at all. Local times still read; an offset to convert is a clear error; a fixed
    # offset needs no database.
    for name in ["tzdata", *(m for m in sys.modules if m.startswith("tzdata."))]:
        monkeypatch.setitem(sys.modules, name, None)  # import tzdata... fails, as uninstalled
    zoneinfo.reset_tzpath(to=[str(tmp_path / "no-zoneinfo")])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        assert zoneinfo.available_timezones() == set()
        local = write(tmp_path / "local.csv", "用户ID,下单时间,实付金额\nu1,2024-01-01 10:00,1\n")
        assert stamps(read_orders(local)) == ["2024-01-01T10:00:00"]
        with pytest.raises(InvalidInputError) as info:
            read_orders(shop_csv(tmp_path / "o.csv"))
        message = str(info.value)
        assert message.startswith("o.csv: row 7, column '下单时间': has a time-zone offset")
        assert "no time-zone database" in message and "tzdata" in message and "+08:00" in message
        fixed = read_orders(shop_csv(tmp_path / "o.csv"), timezone="+08:00")
        assert stamps(fixed) == [r[5] for r in SHOP_ROWS] and fixed.reading.time_zone == "+08:00"
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
    assert zoneinfo.ZoneInfo("Asia/Shanghai") is not None


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1299", "1299"),
        ("1,299", "1299"),
        ("1,299.00", "1299.00"),
        ("1,234,567.891", "1234567.891"),
        ("¥1,299.00", "1299.00"),
        ("￥1,299.00", "1299.00"),
        ("¥ 1299", "1299"),
        ("1299元", "1299"),
        ("1,299.5 元", "1299.5"),
        ("CNY 1299", "1299"),
        ("1299 CNY", "1299"),
        ("cny1299", "1299"),
        ("RMB 12.5", "12.5"),
        ("人民币12.5", "12.5"),
        ("０", "0"),
        (".5", "0.5"),
    ],
)
def test_amount_forms_are_read_exactly(tmp_path: Path, cell: str, value: str) -> None:
    path = write(tmp_path / "a.csv", f'用户ID,下单时间,实付金额\nu1,2024-01-01,"{cell}"\n')
    assert read_orders(path).value.tolist() == [float(Decimal(value))]


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        ("1,29", "must use '.' for decimals"),
        ("12,34,567", "must be an amount like"),
        ("1e3", "must be an amount like"),
        ("abc", "must be an amount like"),
        ("nan", "must be an amount like"),
        ("$12", "must be an amount in CNY; the mark '$' means USD"),
        ("USD 12", "must be an amount in CNY; the mark 'USD' means USD"),
        ("--5", "must have one sign"),
        ("-¥-5", "must have one sign"),
    ],
)
def test_amounts_that_are_not_amounts_are_refused(tmp_path: Path, cell: str, rule: str) -> None:
    path = write(tmp_path / "a.csv", f'用户ID,下单时间,实付金额\nu1,2024-01-01,"{cell}"\n')
    with pytest.raises(InvalidInputError) as info:
        read_orders(path)
    assert str(info.value).startswith("a.csv: row 2, column '实付金额': ")
    assert rule in str(info.value)


def test_currency_marks_follow_the_currency(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", '用户ID,下单时间,实付金额\nu1,2024-01-01,"¥1,000"\n')
    assert read_orders(path, currency="JPY").value.tolist() == [1000.0]  # ¥ is also the yen
    yuan = write(tmp_path / "y.csv", "用户ID,下单时间,实付金额\nu1,2024-01-01,1000元\n")
    with pytest.raises(InvalidInputError, match=r"an amount in JPY; the mark '元' means CNY"):
        read_orders(yuan, currency="JPY")
    usd = write(tmp_path / "u.csv", "user,date,amount\nu1,2024-01-01,$12.50\n")
    assert read_orders(usd, currency="USD").value.tolist() == [12.5]
    with pytest.raises(InvalidInputError, match=r"'currency' must be one of"):
        read_orders(usd, currency="XYZ")


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "mapping"),
    [
        (
            [
                "用户ID",
                "支付时间",
                "实付金额",
                "订单编号",
                "购买数量",
                "退款金额",
                "订单状态",
                "毛利率",
            ],
            {
                "customer_id": "用户ID",
                "timestamp": "支付时间",
                "value": "实付金额",
                "order_id": "订单编号",
                "quantity": "购买数量",
                "refund": "退款金额",
                "status": "订单状态",
                "margin": "毛利率",
            },
        ),
        (
            ["openid", "unionid", "付款时间", "订单金额"],  # unionid spans a brand's apps
            {"customer_id": "unionid", "timestamp": "付款时间", "value": "订单金额"},
        ),
        (
            ["下单时间", "支付时间", "订单金额", "实付金额", "会员ID"],  # paid beats ordered
            {"customer_id": "会员ID", "timestamp": "支付时间", "value": "实付金额"},
        ),
        (
            ["Customer ID", "Order Date", "Amount", "Order No", "Qty"],
            {
                "customer_id": "Customer ID",
                "timestamp": "Order Date",
                "value": "Amount",
                "order_id": "Order No",
                "quantity": "Qty",
            },
        ),
        (
            ["ＵＳＥＲ＿ＩＤ", "paid_at", "实付金额(元)", " 备注 "],  # full width, a unit
            {"customer_id": "ＵＳＥＲ＿ＩＤ", "timestamp": "paid_at", "value": "实付金额(元)"},
        ),
    ],
)
def test_headers_are_found_by_their_usual_names(
    tmp_path: Path, header: list[str], mapping: dict[str, str]
) -> None:
    cells = {
        "customer_id": "u1",
        "timestamp": "2024-01-01",
        "value": "10",
        "order_id": "E1",
        "quantity": "2",
        "refund": "0",
        "status": "交易成功",
        "margin": "30%",
    }
    by_header = {h: role for role, h in mapping.items()}
    row = [cells.get(by_header.get(h, ""), "x") for h in header]
    path = write(tmp_path / "h.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    log = read_orders(path)
    assert log.reading.mapping == mapping
    assert log.value.tolist() == [10.0] and log.customer_id.tolist() == ["u1"]
    if "margin" in mapping:
        assert log.margin.tolist() == [0.3] and log.quantity.tolist() == [2]


def test_named_columns_override_the_usual_names(tmp_path: Path) -> None:
    path = write(
        tmp_path / "o.csv",
        "用户ID,会员卡,下单时间,金额,实付金额\nu1,VIP9,2024-01-01,99,80\n",
    )
    log = read_orders(path)
    assert log.customer_id.tolist() == ["u1"] and log.value.tolist() == [80.0]
    log = read_orders(path, columns={"customer_id": "会员卡", "value": "金额"})
    assert log.customer_id.tolist() == ["VIP9"] and log.value.tolist() == [99.0]
    assert log.reading.named == ("customer_id", "value")
    assert log.reading.mapping["customer_id"] == "会员卡"
    # an optional column can be left out
    with_status = write(
        tmp_path / "s.csv", "用户ID,下单时间,实付金额,状态\nu1,2024-01-01,5,退款成功\n"
    )
    with pytest.raises(InvalidInputError, match="marked '退款成功'"):
        read_orders(with_status)
    assert "status" not in read_orders(with_status, columns={"status": None}).reading.mapping
    with pytest.raises(InvalidInputError, match=r"'columns' has unknown roles 'buyer'"):
        read_orders(path, columns={"buyer": "用户ID"})
    with pytest.raises(InvalidInputError, match=r"the customer id is required"):
        read_orders(path, columns={"customer_id": None})


def test_every_missing_column_is_named_at_once_with_its_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "商品,备注\nx,y\n")
    with pytest.raises(InvalidInputError) as info:
        read_orders(path, columns={"customer_id": "会员号"})
    message = str(info.value)
    assert message.startswith("m.csv: row 1: ")
    assert "no column is named '会员号' (given as columns['customer_id'] for the customer id)" in (
        message
    )
    for what, looked, fix in [
        ("the order time", "'下单时间'", "columns['timestamp']"),
        ("the order amount", "'实付金额'", "columns['value']"),
    ]:
        assert f"no column for {what} (looked for" in message and looked in message
        assert f"name it with {fix}" in message
    assert message.endswith("The header is: '商品', '备注'")
    hints = {"timestamp": "--timestamp-column NAME", "value": "--value-column NAME"}
    with pytest.raises(InvalidInputError, match=r"--timestamp-column NAME.*--value-column NAME"):
        read_orders(path, columns={"customer_id": "商品"}, hints=hints)


def test_two_columns_that_could_be_the_same_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "金额,用户ID,下单时间,金额\n1,u1,2024-01-01,2\n")
    with pytest.raises(InvalidInputError) as info:
        read_orders(path)
    assert "2 columns could be the order amount: '金额' (column 1) and '金额' (column 4)" in (
        str(info.value)
    )
    with pytest.raises(InvalidInputError, match="2 columns are named '金额'"):
        read_orders(path, columns={"value": "金额"})


# --- repeated order ids -----------------------------------------------------------------------


def test_repeated_order_ids_are_refused_with_both_rows_unless_deduped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dup.csv",
        "订单号,用户ID,下单时间,实付金额\n"
        "E1,u1,2024-01-01,100\nE2,u1,2024-01-03,40\n\nE1,u1,2024-01-01,100\nE3,u2,2024-01-04,7\n"
        "E2,u1,2024-01-03,40\n",
    )
    with pytest.raises(InvalidInputError) as info:
        read_orders(path)
    message = str(info.value)
    assert message.startswith("dup.csv: rows 2 and 5, column '订单号': order id 'E1' appears twice")
    assert "rows repeating an earlier order id: 2 in all" in message
    assert "pass dedupe=True" in message
    log = read_orders(path, dedupe=True)
    assert log.order_id.tolist() == ["E1", "E2", "E3"] and log.row.tolist() == [2, 3, 6]
    assert log.reading.n_duplicates_dropped == 2 and log.reading.n_orders == 3
    with pytest.raises(InvalidInputError, match="'dedupe' must be True or False"):
        read_orders(path, dedupe="yes")  # type: ignore[arg-type]


# --- refunds ----------------------------------------------------------------------------------

HEAD = "订单号,用户ID,下单时间,实付金额\n"


def test_negative_rows_are_refunds_netted_into_their_orders(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        HEAD + "E1,u1,2024-01-01,100.00\nE2,u1,2024-01-05,50\nE1,u1,2024-01-03,-40.50\n"
        "E2,u1,2024-01-06,-50\nE3,u2,2024-01-07,0\nE1,u1,2024-01-09,-9.50\n",
    )
    log = read_orders(path)
    # E1: 100.00 - 40.50 - 9.50; E2 refunded in full: not a purchase; E3: a zero-value order
    assert log.order_id.tolist() == ["E1", "E3"] and log.value.tolist() == [50.0, 0.0]
    r = log.reading
    assert (r.n_refund_rows, r.n_refunded_orders, r.n_fully_refunded) == (3, 2, 1)
    assert r.refund_total == Decimal("100.00") and r.n_zero_value == 1 and r.n_orders == 2


def test_a_refund_column_is_netted_row_by_row(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        "订单号,用户ID,下单时间,实付金额,退款金额\n"
        "E1,u1,2024-01-01,100,\nE2,u1,2024-01-03,40,30.5\nE3,u1,2024-01-05,50,-50\n"
        "E4,u2,2024-01-06,0,0\n",
    )
    log = read_orders(path)
    assert log.order_id.tolist() == ["E1", "E2", "E4"] and log.value.tolist() == [100, 9.5, 0]
    r = log.reading
    assert (r.n_refund_rows, r.n_refunded_orders, r.n_fully_refunded) == (0, 2, 1)
    assert r.refund_total == Decimal("80.5") and r.n_zero_value == 1
    too_much = write(tmp_path / "t.csv", "用户ID,下单时间,实付金额,退款金额\nu1,2024-01-01,40,60\n")
    with pytest.raises(InvalidInputError) as info:
        read_orders(too_much)
    assert str(info.value) == (
        "t.csv: row 2, column '退款金额': must not exceed the order amount 40 (got '60')"
    )


@pytest.mark.parametrize(
    ("rows", "start", "rule"),
    [
        (  # a negative amount and no order id: which order does it reverse?
            "u1,2024-01-01,100\nu1,2024-01-02,-5\n",
            "n.csv: row 3, column '实付金额': a negative amount is a refund (got '-5')",
            "no order id column",
        ),
        (
            "E1,u1,2024-01-01,100\nE9,u1,2024-01-02,-5\n",
            "n.csv: row 3, column '实付金额': a refund (got '-5') of order 'E9'",
            "not in the file",
        ),
        (
            "E1,u1,2024-01-01,100\nE1,u2,2024-01-02,-5\n",
            "n.csv: row 3, column '用户ID': a refund of order 'E1' (row 2)",
            "same customer 'u1' (got 'u2')",
        ),
        (
            "E1,u1,2024-01-01,100\nE1,u1,2024-01-02,-60\nE1,u1,2024-01-03,-60\n",
            "n.csv: row 4, column '实付金额': the refunds of order 'E1' add up to 120",
            "more than its amount 100",
        ),
    ],
)
def test_refunds_that_cannot_be_placed_are_refused(
    tmp_path: Path, rows: str, start: str, rule: str
) -> None:
    head = HEAD if rows.startswith("E") else "用户ID,下单时间,实付金额\n"
    with pytest.raises(InvalidInputError) as info:
        read_orders(write(tmp_path / "n.csv", head + rows))
    assert str(info.value).startswith(start) and rule in str(info.value)


def test_refund_rows_marked_in_the_status(tmp_path: Path) -> None:
    head = "订单号,订单状态,用户ID,下单时间,实付金额\n"
    path = write(
        tmp_path / "s.csv",
        head + "E1,交易成功,u1,2024-01-01,100\nE1,退款成功,u1,2024-01-03,40\n"
        "E2,退款关闭,u1,2024-01-05,9\nE3,Refunded,u2,2024-01-06,-3\nE3,paid,u2,2024-01-06,3\n",
    )
    log = read_orders(path)  # 退款关闭: a refund closed without paying back, the order stands
    assert log.order_id.tolist() == ["E1", "E2"] and log.value.tolist() == [60.0, 9.0]
    assert log.reading.n_refund_rows == 2 and log.reading.n_fully_refunded == 1
    # E2's only row says it was refunded: refunded in full, by its status, left out and counted
    alone = write(
        tmp_path / "a.csv", head + "E1,交易成功,u1,2024-01-01,100\nE2,已退款,u1,2024-01-03,40\n"
    )
    log = read_orders(alone)
    assert log.order_id.tolist() == ["E1"] and log.reading.left_out_by_status == (("已退款", 1),)
    assert log.reading.n_refund_rows == 0
    partly = write(
        tmp_path / "p.csv", head + "E1,交易成功,u1,2024-01-01,100\nE2,部分退款,u1,2024-01-03,40\n"
    )
    with pytest.raises(InvalidInputError) as info:
        read_orders(partly)  # how much of E2 was refunded? nothing says
    assert str(info.value).startswith(
        "p.csv: row 3, column '订单状态': the order is marked '部分退款' (a refund), but nothing "
        "says how much was refunded"
    )
    no_ids = write(
        tmp_path / "n.csv", "订单状态,用户ID,下单时间,实付金额\n退款成功,u1,2024-01-03,40\n"
    )
    with pytest.raises(
        InvalidInputError, match=r"n.csv: row 2, column '订单状态': the row is marked"
    ):
        read_orders(no_ids)


@pytest.mark.parametrize("header", ["订单状态", "交易状态", "status"])
def test_unpaid_and_cancelled_orders_are_left_out_and_counted(tmp_path: Path, header: str) -> None:
    rows = [  # (order, status, customer, time, amount); the ones to leave out are marked x
        ("E1", "交易成功", "u1", "2024-01-01", "100"),
        ("E2", "待付款", "u1", "2024-01-02", "50"),  # x not paid
        ("E3", "等待买家付款", "u2", "2024-01-02", "20"),  # x
        ("E4", "交易关闭", "u2", "2024-01-03", "70"),  # x closed
        ("E5", "已取消", "u2", "2024-01-04", "8"),  # x cancelled
        ("E6", "退款成功", "u3", "2024-01-05", "30"),  # x refunded in full, its only row
        ("E7", "退款关闭", "u3", "2024-01-06", "9"),  # a refund closed: the order stands
        ("E8", "取消退款", "u3", "2024-01-07", "6"),  # a refund withdrawn: the order stands
        ("E9", "Cancelled", "u4", "2024-01-08", "5"),  # x
        ("E10", "unpaid", "u4", "2024-01-08", "4"),  # x
        ("E11", "买家已付款，等待卖家发货", "u4", "2024-01-09", "3"),  # paid, not yet shipped
        ("E12", "待付款", "u5", "2024-01-10", "2"),  # x
    ]
    text = f"订单号,{header},用户ID,下单时间,实付金额\n" + "".join(",".join(r) + "\n" for r in rows)
    log = read_orders(write(tmp_path / "s.csv", text))
    assert log.order_id.tolist() == ["E1", "E7", "E8", "E11"]
    assert log.value.tolist() == [100.0, 9.0, 6.0, 3.0]
    assert log.reading.mapping["status"] == header
    # never silently: every status left out, with its number of orders, the commonest first
    left_out = log.reading.left_out_by_status
    assert left_out[0] == ("待付款", 2)
    assert dict(left_out) == {
        "待付款": 2,
        "等待买家付款": 1,
        "交易关闭": 1,
        "已取消": 1,
        "退款成功": 1,
        "Cancelled": 1,
        "unpaid": 1,
    }
    assert log.reading.n_left_out_by_status == 8 and log.reading.n_orders == 4
    # a refund row of a closed order is netted into it, not refused as an unknown order
    text += "E4,退款成功,u2,2024-01-05,-70\n"
    log = read_orders(write(tmp_path / "r.csv", text))
    assert log.order_id.tolist() == ["E1", "E7", "E8", "E11"] and log.reading.n_refund_rows == 1
    # without the status column nothing is left out
    log = read_orders(write(tmp_path / "n.csv", text), columns={"status": None})
    assert log.reading.left_out_by_status == () and "E2" in log.order_id.tolist()


# --- rows, blanks and ids ---------------------------------------------------------------------


def test_rows_are_spreadsheet_rows(tmp_path: Path) -> None:
    # blank lines keep their numbers and a quoted value spanning two lines is one row
    text = (
        "\n用户ID,备注,下单时间,实付金额\n"
        'u1,"two\nlines",2024-01-01,1\n'
        "\n"
        "u2,,2024-01-02,2\n"
        "u3,,2024-01-0x,3\n"
    )
    path = write(tmp_path / "rows.csv", text)
    with pytest.raises(InvalidInputError, match=r"rows.csv: row 6, column '下单时间'"):
        read_orders(path)
    log = read_orders(write(tmp_path / "ok.csv", text.rsplit("u3", 1)[0]))
    assert log.row.tolist() == [3, 5] and log.reading.n_rows == 2


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("", "e.csv: row 1, column 'customer_id': the file is empty"),
        (
            "用户ID,下单时间,实付金额\n",
            "e.csv: row 2, column '用户ID': the file has a header but no",
        ),
        ("用户ID,下单时间,实付金额\nu1,2024-01-01\n", "e.csv: row 2: column '实付金额': missing"),
        ("用户ID,下单时间,实付金额\nu1,2024-01-01,1,x\n", "e.csv: row 2: after column '实付金额'"),
        (
            "用户ID,下单时间,实付金额\n ,2024-01-01,1\n",
            "e.csv: row 2, column '用户ID': must not be",
        ),
        ("用户ID,下单时间,实付金额\nu1,,1\n", "e.csv: row 2, column '下单时间': must not be empty"),
        ("用户ID,下单时间,实付金额\nu1,2024-01-01,\n", "e.csv: row 2, column '实付金额': must not"),
        (
            "订单号,用户ID,下单时间,实付金额\n1.23457E+17,u1,2024-01-01,1\n",
            "e.csv: row 2, column '订单号'",
        ),
        ("用户ID,下单时间,实付金额,数量\nu1,2024-01-01,1,2.5\n", "e.csv: row 2, column '数量'"),
        ("用户ID,下单时间,实付金额,毛利率\nu1,2024-01-01,1,35\n", "e.csv: row 2, column '毛利率'"),
    ],
)
def test_every_problem_names_the_file_row_and_column(tmp_path: Path, text: str, start: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_orders(write(tmp_path / "e.csv", text))
    assert str(info.value).startswith(start), str(info.value)


def test_trailing_empty_fields_and_a_missing_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.csv", "用户ID,下单时间,实付金额,\r\nu1,2024-01-01,5,\r\nu2,2024-01-02,6\r\n"
    )
    assert read_orders(path).customer_id.tolist() == ["u1", "u2"]
    with pytest.raises(InvalidInputError, match=r"nope.csv: no such file"):
        read_orders(tmp_path / "nope.csv")


# --- workbooks and Parquet --------------------------------------------------------------------


def test_an_xlsx_workbook(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "订单明细"
    book.create_sheet("说明")
    sheet.append([])  # a blank first row: the header is the first row with cells
    sheet.append(["订单号", "会员ID", "支付时间", "实付金额", "数量"])
    sheet.append(["E1", 1001, dt.datetime(2024, 1, 31, 12, 0), 1299.0, 1])  # a date cell
    sheet.append(["E2", 1001, 45352.5, 0, 2])  # an Excel serial day number: 2024-03-01 12:00
    sheet.append([None, None, None, None, None])
    sheet.append(["E3", "u2", "2024/3/5 8:00", "￥1,299.00", 3])  # dates and amounts as text
    sheet.append(["E4", "u2", dt.date(2024, 3, 6), 10, 4])
    book.save(tmp_path / "orders.xlsx")
    log = read_orders(tmp_path / "orders.xlsx")
    assert log.customer_id.tolist() == ["1001", "1001", "u2", "u2"]
    assert stamps(log) == [
        "2024-01-31T12:00:00",
        "2024-03-01T12:00:00",
        "2024-03-05T08:00:00",
        "2024-03-06T00:00:00",
    ]
    assert log.value.tolist() == [1299.0, 0.0, 1299.0, 10.0]
    assert log.quantity.tolist() == [1, 2, 3, 4]
    assert log.row.tolist() == [3, 4, 6, 7]
    r = log.reading
    assert (r.file_format, r.sheet, r.encoding, r.n_zero_value) == ("xlsx", "订单明细", None, 1)
    with pytest.raises(InvalidInputError, match=r"'sheet' must be one of .*'订单明细', '说明'"):
        read_orders(tmp_path / "orders.xlsx", sheet="Sheet1")
    # an id Excel stored as a float has lost digits; a value in a column with no header
    sheet["B7"] = 123456789012345678.0
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(InvalidInputError, match=r"bad.xlsx: row 7, column '会员ID': was stored as"):
        read_orders(tmp_path / "bad.xlsx")
    sheet["B7"] = "u2"
    sheet["H8"] = "stray"
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(InvalidInputError, match=r"bad.xlsx: row 8: column H holds 'stray'"):
        read_orders(tmp_path / "bad.xlsx")


def test_xlsx_serial_days_follow_the_workbook_date_system(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904  # old Mac workbooks count days from 1904-01-01
    book.active.append(["customer_id", "timestamp", "value"])
    book.active.append(["u1", 43890, 1])  # 43890 days after 1904-01-01
    book.save(tmp_path / "mac.xlsx")
    expected = dt.datetime(1904, 1, 1) + dt.timedelta(days=43890)
    assert stamps(read_orders(tmp_path / "mac.xlsx")) == [expected.isoformat()]


def test_workbook_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    with pytest.raises(InvalidInputError, match=r"old.xls: an old Excel .xls workbook"):
        read_orders(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(InvalidInputError, match=r"broken.xlsx: not a readable .xlsx workbook"):
        read_orders(tmp_path / "broken.xlsx")
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(InvalidInputError, match=r"empty.xlsx: row 1, .*sheet 'Sheet' is empty"):
        read_orders(tmp_path / "empty.xlsx")
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # an install without the excel extra
    with pytest.raises(InvalidInputError, match=r"needs openpyxl .*privtraffic\[excel\]"):
        read_orders(tmp_path / "empty.xlsx")


def test_parquet_rows_and_zoned_times(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    instants = np.array(["2024-01-01T04:00", "2024-01-02T16:30"], dtype="datetime64[s]")
    table = pa.table(
        {
            "会员ID": ["u1", "u2"],
            "支付时间": pa.array(instants, type=pa.timestamp("s", tz="UTC")),
            "实付金额": [12.5, 0.0],
        }
    )
    pq.write_table(table, tmp_path / "o.parquet")
    log = read_orders(tmp_path / "o.parquet")
    assert stamps(log) == ["2024-01-01T12:00:00", "2024-01-03T00:30:00"]  # UTC+8
    assert log.row.tolist() == [2, 3] and log.reading.n_offsets_converted == 2
    assert log.reading.file_format == "parquet" and log.reading.n_zero_value == 1
    nulls = table.set_column(2, "实付金额", pa.array([12.5, None]))
    pq.write_table(nulls, tmp_path / "n.parquet")
    with pytest.raises(InvalidInputError, match=r"n.parquet: row 3, column '实付金额': must not"):
        read_orders(tmp_path / "n.parquet")


# --- the generic reader -----------------------------------------------------------------------


def test_read_table_reads_any_export(tmp_path: Path) -> None:
    path = write(
        tmp_path / "refs.csv", "邀请人,新用户,时间\nu1,u2,2024/1/2\nu1,u3,2024/1/3\n", "gbk"
    )
    columns = [
        ExportColumn("referrer", "id", ("referrer", "邀请人"), description="the referrer"),
        ExportColumn("referee", "id", "referee", description="the referee"),
        ExportColumn("when", "time", "时间"),
        ExportColumn("amount", "decimal", "金额", required=False),
    ]
    table = read_table(path, columns, names={"referee": "新用户"})
    assert table["referrer"].tolist() == ["u1", "u1"] and table["referee"].tolist() == ["u2", "u3"]
    assert [str(t) for t in table["when"]] == ["2024-01-02T00:00:00", "2024-01-03T00:00:00"]
    assert list(table.columns()) == ["referrer", "referee", "when", "row"]
    assert table.reading.mapping == {"referrer": "邀请人", "referee": "新用户", "when": "时间"}
    with pytest.raises(InvalidInputError, match=r"no column for the referee .*names\['referee'\]"):
        read_table(path, columns)
    with pytest.raises(InvalidInputError, match="distinct roles other than 'row'"):
        read_table(path, [*columns, ExportColumn("row", "id", "x")])
    with pytest.raises(InvalidInputError, match="'names' has roles that are not among"):
        read_table(path, columns, names={"buyer": "x"})
    with pytest.raises(ValueError, match="must be in"):
        ExportColumn("x", "money", "x")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="'headers' of column 'x'"):
        ExportColumn("x", "id", ())
    with pytest.raises(InvalidInputError, match=r"'blank' of column 'x'.* not a time"):
        ExportColumn("x", "time", "x", blank=True)


# --- zero-value orders: purchases, not spend --------------------------------------------------


def test_zero_value_orders_count_as_purchases_but_not_in_the_spend(tmp_path: Path) -> None:
    path = write(
        tmp_path / "z.csv",
        HEAD + "E1,u1,2024-01-01,10\nE2,u1,2024-01-08,0\nE3,u1,2024-01-15,30\n"
        "E4,u2,2024-01-02,5\nE5,u2,2024-01-09,0\nE6,u3,2024-01-03,0\n",
    )
    log = read_orders(path)
    assert log.reading.n_zero_value == 3
    s = summarize_transactions(log, unit="D")
    assert s.customer_id.tolist() == ["u1", "u2", "u3"]
    assert s.frequency.tolist() == [2, 1, 0]  # the free orders are purchases
    assert s.monetary_value.tolist() == [15.0, 0.0, 0.0]  # lifetimes' mean over all repeats
    assert s.spend_frequency.tolist() == [1, 0, 0]  # the spend model sees paid repeats only
    assert s.spend_value.tolist() == [30.0, 0.0, 0.0]


def test_the_cdnow_master_log_has_zero_value_orders_the_spend_model_leaves_out() -> None:
    from privtraffic.clv import GammaGamma

    log = load_cdnow("master")
    assert int(np.sum(log.value == 0)) == 80
    s = summarize_transactions(log)
    stuck = (s.frequency > 0) & (s.monetary_value == 0)
    assert stuck.sum() >= 1  # what made the report fail: repeat buyers with no paid repeat
    with pytest.raises(InvalidInputError, match="'monetary_value' must be > 0"):
        GammaGamma().fit(s.frequency[s.frequency > 0], s.monetary_value[s.frequency > 0])
    paid = s.spend_frequency > 0
    ggf = GammaGamma().fit(s.spend_frequency[paid], s.spend_value[paid])
    spend = ggf.expected_spend(s.spend_frequency, s.spend_value)
    assert np.all(np.isfinite(spend)) and np.all(spend > 0)
    # the repeat purchases of value 0, counted from the definitions with plain dicts
    days: dict[int, dict[object, float]] = {}
    columns = (log.customer_id.tolist(), log.timestamp.tolist(), log.value.tolist())
    for c, t, v in zip(*columns, strict=True):
        days.setdefault(c, {})
        days[c][t] = days[c].get(t, 0.0) + v
    free_repeats = sum(sum(1 for day in sorted(d)[1:] if d[day] == 0) for d in days.values())
    assert free_repeats > 0
    assert int((s.frequency - s.spend_frequency).sum()) == free_repeats


# --- properties: what is written in any accepted form reads back exactly ----------------------

AMOUNT_FORMS = [
    lambda d: f"{d}",
    lambda d: f"{d:,}",
    lambda d: f"¥{d:,}",
    lambda d: f"￥{d:,}",
    lambda d: f"{d:,}元",
    lambda d: f"CNY {d}",
    lambda d: f"RMB{d:,}",
]


@examples(40)
@given(
    cents=st.lists(st.integers(0, 10**11), min_size=1, max_size=30),
    forms=st.lists(st.integers(0, len(AMOUNT_FORMS) - 1), min_size=30, max_size=30),
)
def test_amounts_read_back_exactly(tmp_path_factory, cents: list[int], forms: list[int]) -> None:
    amounts = [Decimal(c).scaleb(-2) for c in cents]
    cells = [AMOUNT_FORMS[f](a) for a, f in zip(amounts, forms, strict=False)]
    body = "".join(f'u{k},2024-01-01,"{cell}"\n' for k, cell in enumerate(cells))
    path = write(
        tmp_path_factory.mktemp("amounts") / "a.csv", "用户ID,下单时间,实付金额\n" + body, "gb18030"
    )
    log = read_orders(path)
    assert log.value.tolist() == [float(a) for a in amounts]
    assert log.reading.n_zero_value == sum(a == 0 for a in amounts)


TIME_FORMS = [
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%S"),
    lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}",
    lambda t: f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}:{t.second:02d}",
    lambda t: t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda t: t.astimezone(dt.timezone(dt.timedelta(hours=-7))).isoformat(),
    lambda t: t.astimezone(dt.timezone(dt.timedelta(hours=9, minutes=30))).strftime(
        "%Y-%m-%d %H:%M:%S%z"
    ),
]


@examples(40)
@given(
    moments=st.lists(
        st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 12, 31)),
        min_size=1,
        max_size=30,
    ),
    forms=st.lists(st.integers(0, len(TIME_FORMS) - 1), min_size=30, max_size=30),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/Sao_Paulo"]),
)
def test_times_read_back_as_the_local_time(
    tmp_path_factory, moments: list[dt.datetime], forms: list[int], zone: str
) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    # the instant each moment names in the zone (a wall-clock time skipped by a daylight-saving
    # jump has no instant; fold=0 resolves it as Python does, and an offset form then names it)
    local = [m.replace(microsecond=0, tzinfo=tz) for m in moments]
    cells = [TIME_FORMS[f](t) for t, f in zip(local, forms, strict=False)]
    body = "".join(f"u1,{cell},1\n" for cell in cells)
    path = write(tmp_path_factory.mktemp("times") / "t.csv", "用户ID,下单时间,实付金额\n" + body)
    log = read_orders(path, timezone=zone)
    expected = [
        # the peer: Python's datetime arithmetic through UTC and back into the zone
        (t.astimezone(dt.timezone.utc).astimezone(tz) if f >= 3 else t).replace(tzinfo=None)
        for t, f in zip(local, forms, strict=False)
    ]
    assert stamps(log) == [e.isoformat() for e in expected]
    assert log.reading.n_offsets_converted == sum(1 for f in forms[: len(cells)] if f >= 3)
