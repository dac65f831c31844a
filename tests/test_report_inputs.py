"""``privtraffic report`` on exports shaped like real shop back-ends (issue 14, input side).

The fixture files are written by the tests into temporary folders. The report's numbers are
checked against the public API run in the same test on the same file (read_orders,
summarize_transactions, BetaGeo, GammaGamma, customer_lifetime_value); counts are checked
against what the test wrote.
"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from privtraffic.cli import main
from privtraffic.data import load_cdnow, read_orders, summarize_transactions
from shop_export import write_shop_export

# --- helpers ---------------------------------------------------------------------------------


def _tables(page: str) -> list[list[list[str]]]:
    out = []
    for table in re.findall(r"<table>(.*?)</table>", page, flags=re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", row, flags=re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells])
        out.append(rows)
    return out


def _table_after(page: str, title: str) -> list[list[str]]:
    return _tables(page[page.index("<strong>" + html.escape(title)) :])[0]


def _facts(page: str, title: str | None = None) -> dict[str, str]:
    table = _tables(page)[0] if title is None else _table_after(page, title)
    return {row[0]: row[1] for row in table[1:]}


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").split()[0])


def _text(page: str) -> str:
    return html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    )


def _report(argv: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["report", *argv, "--out", str(out)])
    err = capsys.readouterr().err
    page = out.read_text(encoding="utf-8") if out.exists() else ""
    return status, page, err


class _KnownSpend:
    """A spend model whose predictions are given (the public SpendModel protocol)."""

    def __init__(self, spend: np.ndarray) -> None:
        self.spend = spend

    def expected_spend(self, frequency: object, monetary_value: object) -> np.ndarray:
        return self.spend


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The CDNOW cohort's log as a Chinese shop would export it (``shop_export.py``): GBK,
    Chinese headers, slash dates with times, ￥ amounts with thousands separators, zero-value
    orders (CDNOW's own, and one sample order per ten customers), and one big order of
    ￥1,299.00."""
    folder = tmp_path_factory.mktemp("shop")
    export = write_shop_export(folder)
    return {"path": export.path, "amounts": export.amounts, "folder": folder}


# --- acceptance 1: a GBK shop export with no options -------------------------------------------


def test_a_gbk_shop_export_gives_a_report_with_no_other_options(shop, tmp_path, capsys) -> None:
    from privtraffic.clv import BetaGeo

    path = shop["path"]
    status, page, err = _report(["--transactions", str(path)], tmp_path / "r.html", capsys)
    assert status == 0, err
    amounts: list[Decimal] = shop["amounts"]
    n_zero = sum(a == 0 for a in amounts)
    assert n_zero > 100  # CDNOW's own zero-value orders and the samples
    facts = _facts(page)
    assert facts["transactions"] == f"{len(amounts):,}"
    assert facts["total value"] == f"{sum(amounts):,.2f}"
    assert facts["zero-value orders"] == (
        f"{n_zero:,} zero-value orders: counted as purchases, not in average spend"
    )
    reading = _facts(page, f"Reading {path.name}")
    assert reading["encoding"] == "GB18030 (GBK)" and reading["format"] == "csv"
    assert reading["time zone"].startswith("Asia/Shanghai")
    mapping = {row[0]: row[1:] for row in _table_after(page, "Column mapping used")[1:]}
    assert mapping == {
        "customer_id": ["会员ID", "by its usual name"],
        "timestamp": ["下单时间", "by its usual name"],
        "value": ["实付金额", "by its usual name"],
        "order_id": ["订单号", "by its usual name"],
    }
    assert "Column mapping used: customer_id <- '会员ID' (found by its usual name)" in err
    assert f"{n_zero:,} zero-value orders: counted as purchases, not in average spend" in err
    # the model numbers are the API's on the same file
    log = read_orders(path)
    s = summarize_transactions(log)
    bgf = BetaGeo().fit(s.frequency, s.recency, s.T)
    shown = {row[0]: _number(row[1]) for row in _table_after(page, "BG/NBD")[1:]}
    for name, value in bgf.params_.items():
        assert shown[name] == pytest.approx(value, rel=1e-3)
    assert "Top 20 customers by revenue CLV" in page
    assert page.count('src="data:image/png;base64,') >= 3  # the default run draws its plots


# --- the CDNOW master log: zero-value orders no longer stop the report ------------------------


@pytest.fixture(scope="module")
def master_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = load_cdnow("master")
    path = tmp_path_factory.mktemp("master") / "cdnow_master.csv"
    rows = "".join(
        f"{c},{t},{v:.2f}\n"
        for c, t, v in zip(
            log.customer_id.tolist(), log.timestamp.tolist(), log.value.tolist(), strict=True
        )
    )
    path.write_text("customer_id,timestamp,value\n" + rows, encoding="utf-8")
    return path


def test_the_cdnow_master_log_reports_its_zero_value_orders(master_csv, tmp_path, capsys) -> None:
    from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value

    argv = ["--transactions", str(master_csv), "--no-plots", "--quiet"]
    status, page, err = _report(argv, tmp_path / "m.html", capsys)
    assert status == 0, err  # it used to fail after fitting: 'monetary_value' must be > 0 ...
    # "the log has 80 zero-value orders" (issue 14)
    assert "80 zero-value orders: counted as purchases, not in average spend" in page
    log = read_orders(master_csv)
    s = summarize_transactions(log)
    bgf = BetaGeo().fit(s.frequency, s.recency, s.T)
    paid = s.spend_frequency > 0
    ggf = GammaGamma().fit(s.spend_frequency[paid], s.spend_value[paid])
    shown = {row[0]: _number(row[1]) for row in _table_after(page, "Gamma-Gamma")[1:]}
    for name, value in ggf.params_.items():
        assert shown[name] == pytest.approx(value, rel=1e-3)
    free = int((s.frequency - s.spend_frequency).sum())
    assert f"{free:,} repeat purchases of value 0 count as purchases" in page
    spend = ggf.expected_spend(s.spend_frequency, s.spend_value)
    clv = customer_lifetime_value(
        bgf, _KnownSpend(spend), s, horizon=12, discount_rate=0.01, unit="W"
    )
    top = _table_after(page, "Top 20 customers by revenue CLV")
    assert top[0][-1] == "revenue CLV (CNY)"
    best = int(np.argmax(clv))
    assert top[1][0] == str(s.customer_id[best])
    assert _number(top[1][-1]) == pytest.approx(clv[best], rel=1e-3)
    assert np.all(np.isfinite(clv))


# --- margin -----------------------------------------------------------------------------------


def _clv_column(page: str, name: str) -> dict[str, float]:
    table = _table_after(page, f"Top 20 customers by {name}")
    return {row[0]: _number(row[-1]) for row in table[1:]}


def test_revenue_clv_unless_a_margin_is_given(shop, tmp_path, capsys) -> None:
    path = str(shop["path"])
    _, revenue, _ = _report(
        ["--transactions", path, "--no-plots", "--quiet"], tmp_path / "a.html", capsys
    )
    text = _text(revenue)
    # every CLV number the page shows is called revenue CLV ('RFM and CLV' is a paper's title)
    assert re.findall(r"(?<!revenue )(?<!Revenue )(?<!RFM and )CLV", text) == []
    assert "Revenue CLV: expected revenue over the next 12 months" in text
    assert "This is revenue, not margin: give --margin 0.3" in text
    conc = _tables(revenue[revenue.index('id="concentration"') :])[0]
    assert [row[0] for row in conc[1:]] == ["spend to date", "revenue CLV"]

    status, margin, err = _report(
        ["--transactions", path, "--no-plots", "--quiet", "--margin", "0.3"],
        tmp_path / "b.html",
        capsys,
    )
    assert status == 0, err
    assert "Margin CLV: expected margin over the next 12 months" in margin
    assert "revenue CLV" not in margin
    by_revenue, by_margin = _clv_column(revenue, "revenue CLV"), _clv_column(margin, "margin CLV")
    assert by_margin.keys() == by_revenue.keys()
    for customer, value in by_margin.items():
        assert value == pytest.approx(0.3 * by_revenue[customer], abs=0.01)  # both rounded
    conc = _tables(margin[margin.index('id="concentration"') :])[0]
    assert conc[2][0] == "margin CLV"

    for bad in ["0", "-0.2", "1.5", "nan"]:
        status, _, err = _report(
            ["--transactions", path, "--quiet", "--margin", bad], tmp_path / "c.html", capsys
        )
        assert status == 2 and "--margin must be the share of revenue that is margin" in err


def _peer_clv(path: Path) -> dict[str, float]:
    """Each customer's revenue CLV by the public API on the same file (12 months, 1%)."""
    from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value

    s = summarize_transactions(read_orders(path))
    bgf = BetaGeo().fit(s.frequency, s.recency, s.T)
    paid = s.spend_frequency > 0
    ggf = GammaGamma().fit(s.spend_frequency[paid], s.spend_value[paid])
    spend = ggf.expected_spend(s.spend_frequency, s.spend_value)
    clv = customer_lifetime_value(
        bgf, _KnownSpend(spend), s, horizon=12, discount_rate=0.01, unit="W"
    )
    return dict(zip(s.customer_id.tolist(), clv.tolist(), strict=True))


def test_a_margin_column_gives_each_customer_their_margin(shop, tmp_path, capsys) -> None:
    source: Path = shop["path"]
    lines = source.read_bytes().decode("gbk").splitlines()
    rates = ["20%", "0.35", "50%"]
    rows = [f"{row},{rates[k % 3]}" for k, row in enumerate(lines[1:])]
    path = tmp_path / "毛利.csv"
    path.write_bytes("\n".join([lines[0] + ",毛利率", *rows]).encode("gbk"))
    status, page, err = _report(
        ["--transactions", str(path), "--no-plots", "--quiet"], tmp_path / "b.html", capsys
    )
    assert status == 0, err
    assert "each customer's margin rate" in _text(page)
    mapping = {row[0]: row[1] for row in _table_after(page, "Column mapping used")[1:]}
    assert mapping["margin"] == "毛利率"
    # each customer's share: value-weighted over their orders, the overall share without value
    log = read_orders(path)
    overall = float(np.sum(log.value * log.margin) / np.sum(log.value))
    revenue = _peer_clv(path)
    shown = _clv_column(page, "margin CLV")
    assert len(shown) == 20
    for customer, value in shown.items():
        mine = log.customer_id == customer
        total = float(log.value[mine].sum())
        share = float(np.sum(log.value[mine] * log.margin[mine])) / total if total else overall
        assert value == pytest.approx(share * revenue[customer], abs=0.006)
    status, _, err = _report(
        ["--transactions", str(path), "--quiet", "--margin", "0.3", "--margin-column", "毛利率"],
        tmp_path / "c.html",
        capsys,
    )
    assert status == 2 and "--margin and --margin-column are two ways" in err


# --- the reading options ----------------------------------------------------------------------

SMALL = [  # (member, time, amount): three members, repeat purchases, one free sample
    ("u1", "2024-01-02T10:00:00+08:00", "10.50"),
    ("u1", "2024-02-10T01:30:00Z", "20"),
    ("u1", "2024-05-01T18:00:00+08:00", "5.25"),
    ("u2", "2024-01-15T23:30:00-01:00", "30"),
    ("u2", "2024-04-20T12:00:00+08:00", "0"),
    ("u3", "2024-06-30T20:00:00Z", "8"),
]


def _small(path: Path, encoding: str = "utf-8", header: str = "用户ID,支付时间,实付金额") -> Path:
    text = header + "\n" + "".join(f"{m},{t},{a}\n" for m, t, a in SMALL)
    path.write_bytes(text.encode(encoding))
    return path


def test_timezone_converts_offsets_and_is_stated(tmp_path, capsys) -> None:
    path = _small(tmp_path / "tz.csv")
    argv = ["--transactions", str(path), "--no-plots"]
    _, shanghai, err = _report(argv, tmp_path / "a.html", capsys)
    # u3's last order, 20:00 UTC on 30 June, is 1 July 04:00 in Shanghai
    assert _facts(shanghai)["last transaction"] == "2024-07-01"
    assert _facts(shanghai)["first transaction"] == "2024-01-02"
    zone = _facts(shanghai, "Reading tz.csv")["time zone"]
    assert zone == "Asia/Shanghai (6 times with an offset converted to it)"
    assert "times in Asia/Shanghai, 6 with an offset converted to it" in err
    _, utc, _ = _report([*argv, "--timezone", "UTC"], tmp_path / "b.html", capsys)
    assert _facts(utc)["last transaction"] == "2024-06-30"
    assert _facts(utc)["first transaction"] == "2024-01-02"  # 02:00 UTC
    status, _, err = _report([*argv, "--timezone", "Asia/Shangai"], tmp_path / "c.html", capsys)
    assert status == 2 and "--timezone must be a time-zone name" in err


def test_encoding_option(tmp_path, capsys) -> None:
    big5 = _small(tmp_path / "big5.csv", "big5", "會員,時間,金額")
    argv = ["--transactions", str(big5), "--no-plots", "--quiet"]
    status, _, err = _report(argv, tmp_path / "a.html", capsys)
    assert status == 2  # read as GB18030 the traditional headers are not the usual ones
    assert "big5.csv: row 1: no column for the customer id" in err
    assert "name it with --customer-column NAME" in err and "--timestamp-column NAME" in err
    flags = ["--customer-column", "會員", "--timestamp-column", "時間", "--value-column", "金額"]
    status, page, err = _report([*argv, "--encoding", "big5", *flags], tmp_path / "b.html", capsys)
    assert status == 0, err
    assert _facts(page, "Reading big5.csv")["encoding"] == "big5"
    mapping = {row[0]: row[1:] for row in _table_after(page, "Column mapping used")[1:]}
    assert mapping["customer_id"] == ["會員", "given"]
    status, _, err = _report([*argv, "--encoding", "klingon"], tmp_path / "c.html", capsys)
    assert status == 2 and "--encoding must be a text encoding" in err


def test_missing_columns_are_named_at_once_with_their_options(tmp_path, capsys) -> None:
    path = tmp_path / "bare.csv"
    path.write_text("商品,颜色\nA,red\n", encoding="utf-8")
    status, _, err = _report(["--transactions", str(path), "--quiet"], tmp_path / "o.html", capsys)
    assert status == 2 and not (tmp_path / "o.html").exists()
    for what, option in [
        ("the customer id", "--customer-column NAME"),
        ("the order time", "--timestamp-column NAME"),
        ("the order amount", "--value-column NAME"),
    ]:
        assert f"no column for {what}" in err and f"name it with {option}" in err
    assert "bare.csv: row 1:" in err and "The header is: '商品', '颜色'" in err


def test_repeated_order_ids_need_dedupe(tmp_path, capsys) -> None:
    path = tmp_path / "dup.csv"
    rows = [f"E{k},{m},{t},{a}" for k, (m, t, a) in enumerate(SMALL)] + [
        "E1,u1,2024-02-10T01:30Z,20"
    ]
    path.write_text("订单号,用户ID,支付时间,实付金额\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["--transactions", str(path), "--no-plots", "--quiet"]
    status, _, err = _report(argv, tmp_path / "a.html", capsys)
    assert status == 2 and not (tmp_path / "a.html").exists()
    assert "dup.csv: rows 3 and 8, column '订单号': order id 'E1' appears twice" in err
    assert "pass --dedupe to keep the first row of each order" in err
    status, page, err = _report([*argv, "--dedupe"], tmp_path / "b.html", capsys)
    assert status == 0, err
    assert _facts(page)["transactions"] == str(len(SMALL))
    assert _facts(page, "Reading dup.csv")["repeated order ids"] == (
        "rows repeating an earlier order id, left out (--dedupe): 1"
    )


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        ("today", "not a word relative to today"),
        ("now", "not a word relative to today"),
        ("2024", "a whole date with year, month and day"),
        ("2024-03", "a whole date with year, month and day"),
    ],
)
def test_words_and_reduced_dates_are_refused_with_the_row(tmp_path, capsys, cell, rule) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"用户ID,下单时间,实付金额\nu1,2024-01-01,1\nu1,{cell},2\n", encoding="utf-8")
    status, _, err = _report(["--transactions", str(path), "--quiet"], tmp_path / "o.html", capsys)
    assert status == 2
    assert "d.csv: row 3, column '下单时间': must be" in err and rule in err
    assert f"(got {cell!r})" in err


@pytest.mark.parametrize("cut", ["today", "now", "2024", "2024-03", "2024/03/01"])
def test_calibration_end_must_be_a_whole_iso_date(tmp_path, capsys, cut) -> None:
    path = _small(tmp_path / "s.csv")
    argv = ["--transactions", str(path), "--quiet", "--calibration-end", cut]
    status, _, err = _report(argv, tmp_path / "o.html", capsys)
    assert status == 2 and f"--calibration-end must be a date like 2024-06-30 (got {cut!r})" in err


def test_refund_rows(tmp_path, capsys) -> None:
    path = tmp_path / "r.csv"
    rows = [f"E{k},{m},{t},{a}" for k, (m, t, a) in enumerate(SMALL)]
    path.write_text(
        "订单号,用户ID,支付时间,实付金额\n" + "\n".join([*rows, "E3,u2,2024-01-20,-30"]) + "\n",
        encoding="utf-8",
    )
    status, page, err = _report(
        ["--transactions", str(path), "--no-plots"], tmp_path / "o.html", capsys
    )
    assert status == 0, err
    refunds = _facts(page, "Reading r.csv")["refunds"]
    assert refunds.startswith("orders with a refund: 1, 30.00 CNY in all")
    assert refunds.endswith("refunded in full, not purchases, left out: 1")
    assert _facts(page)["transactions"] == str(len(SMALL) - 1)
    no_ids = tmp_path / "n.csv"
    no_ids.write_text("用户ID,支付时间,实付金额\nu1,2024-01-01,10\nu1,2024-01-02,-10\n", "utf-8")
    status, _, err = _report(
        ["--transactions", str(no_ids), "--quiet"], tmp_path / "x.html", capsys
    )
    assert status == 2
    assert "n.csv: row 3, column '实付金额': a negative amount is a refund (got '-10')" in err


def test_an_xlsx_export_gives_the_report_of_its_csv(tmp_path, capsys) -> None:
    import datetime as dt

    openpyxl = pytest.importorskip("openpyxl")
    log = load_cdnow("transactions")
    keep = log.customer_id <= 600
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["会员ID", "付款时间", "实付金额"])
    csv_lines = ["会员ID,付款时间,实付金额"]
    epoch = dt.datetime(1899, 12, 30)
    for k, (c, t, v) in enumerate(
        zip(
            log.customer_id[keep].tolist(),
            log.timestamp[keep].tolist(),
            log.value[keep].tolist(),
            strict=True,
        )
    ):
        moment = dt.datetime(t.year, t.month, t.day, 9)
        forms = [
            moment,
            (moment - epoch).total_seconds() / 86400,
            f"{t.year}年{t.month}月{t.day}日 9:00",
        ]
        sheet.append([c, forms[k % 3], round(v, 2)])  # a date, a serial number, text
        csv_lines.append(f"{c},{t.year}{t.month:02d}{t.day:02d} ,{v:.2f}".replace(" ,", ","))
    book.save(tmp_path / "export.xlsx")
    (tmp_path / "export.csv").write_text("\n".join(csv_lines) + "\n", encoding="utf-8")
    pages = []
    for name in ("export.xlsx", "export.csv"):
        argv = ["--transactions", str(tmp_path / name), "--no-plots", "--quiet"]
        status, page, err = _report(argv, tmp_path / f"{name}.html", capsys)
        assert status == 0, err
        pages.append(page)
    assert _tables(pages[0])[0] == _tables(pages[1])[0]  # the data summary
    assert _table_after(pages[0], "BG/NBD") == _table_after(pages[1], "BG/NBD")
    assert _facts(pages[0], "Reading export.xlsx")["sheet"] == "Sheet"
    sheet["B5"] = "2024-03"
    book.save(tmp_path / "bad.xlsx")
    status, _, err = _report(
        ["--transactions", str(tmp_path / "bad.xlsx"), "--quiet"], tmp_path / "b.html", capsys
    )
    assert status == 2 and "bad.xlsx: row 5, column '付款时间': must be a whole date" in err


def test_other_files_are_found_by_their_chinese_headers(tmp_path, capsys) -> None:
    tx = _small(tmp_path / "tx.csv")
    refs = tmp_path / "邀请.csv"
    refs.write_text("邀请人,被邀请人\nu1,u2\nu2,u3\n", encoding="gbk")
    orders = tmp_path / "分销订单.csv"
    orders.write_text('订单号,分享人,实付金额\nD1,u2,"￥1,299.00"\nD2,u3,88元\n', encoding="gbk")
    events = tmp_path / "事件.csv"
    events.write_text(
        "用户ID,事件,时间\nu1,connect,2024/1/1\nu1,purchase,2024/1/2\nu2,join,2024年3月15日\n",
        encoding="utf-8",
    )
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"level_rates": ["0.10", "0.05"], "total_cap": "0.15"}))
    argv = ["--transactions", str(tx), "--referrals", str(refs), "--orders", str(orders)]
    argv += ["--plan", str(plan), "--events", str(events), "--no-plots", "--quiet"]
    status, page, err = _report(argv, tmp_path / "o.html", capsys)
    assert status == 0, err
    assert "KOC leaderboard" in page and "Tier mix and flows" in page
    commission = dict(
        row[:2] for row in _tables(page[page.index('id="commission-summary"') :])[1][1:]
    )
    assert commission["orders"] == "2" and commission["order value"] == "1,387.00 CNY"
    refs.write_text("推荐人,谁\nu1,u2\n", encoding="utf-8")
    status, _, err = _report(argv, tmp_path / "x.html", capsys)
    assert status == 2 and "邀请.csv: row 1: no column for the referee" in err
    assert "--referee-column NAME" in err


def test_unpaid_and_cancelled_orders_are_reported_not_counted(tmp_path, capsys) -> None:
    rows = [f"E{k},交易成功,{m},{t},{a}" for k, (m, t, a) in enumerate(SMALL)]
    rows += [
        "X1,待付款,u1,2024-03-01,99",
        "X2,交易关闭,u2,2024-03-02,50",
        "X3,待付款,u3,2024-03-03,7",
    ]
    path = tmp_path / "st.csv"
    path.write_text("订单号,订单状态,用户ID,支付时间,实付金额\n" + "\n".join(rows) + "\n", "utf-8")
    status, page, err = _report(
        ["--transactions", str(path), "--no-plots"], tmp_path / "o.html", capsys
    )
    assert status == 0, err
    assert _facts(page)["transactions"] == str(len(SMALL))  # the three are not purchases
    reading = _facts(page, "Reading st.csv")
    assert reading["rows read"] == str(len(SMALL) + 3) and reading["orders used"] == str(len(SMALL))
    assert reading["left out by their status"] == (
        "orders whose status says they were not paid, were cancelled or closed, or were "
        "refunded, left out of the purchases: 3 (待付款 (2), 交易关闭 (1))"
    )
    assert "left out of the purchases: 3 (待付款 (2), 交易关闭 (1))" in err  # progress, too
    mapping = {row[0]: row[1] for row in _table_after(page, "Column mapping used")[1:]}
    assert mapping["status"] == "订单状态"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_events_file_shorter_than_a_step_has_one_snapshot(tmp_path, capsys, lang) -> None:
    # It used to fail: "'as_of' (...) is before every event" (a snapshot 30 days before the last)
    from privtraffic._report.messages import text, tier_name
    from privtraffic.lifecycle import relationship_ladder

    tx = _small(tmp_path / "tx.csv")
    rows = [
        ("u1", "connect", "2024-06-01"),
        ("u1", "purchase", "2024-06-03"),
        ("u1", "purchase", "2024-06-09"),
        ("u2", "connect", "2024-06-02"),
        ("u2", "join", "2024-06-05"),
        ("u3", "purchase", "2024-06-10"),
    ]
    events = tmp_path / "events.csv"
    events.write_text(
        "用户ID,事件,时间\n" + "".join(f"{u},{k},{t}\n" for u, k, t in rows), encoding="utf-8"
    )
    argv = ["--transactions", str(tx), "--events", str(events), "--lang", lang, "--quiet"]
    argv += ["--no-plots"]
    status, page, err = _report(argv, tmp_path / "o.html", capsys)
    assert status == 0, err
    users, kinds, times = zip(*rows, strict=True)
    peer = relationship_ladder(window_days=90).classify(
        list(users), list(kinds), list(times), as_of="2024-06-10"
    )
    title = text("tiers.as_of", lang, date="2024-06-10")
    shown = {row[0]: int(row[1]) for row in _table_after(page, title)[1:]}
    assert shown == {tier_name(k, lang): v for k, v in peer.counts().items() if k is not None}
    assert text("tiers.short", lang, days="9", step=30) in _text(page)
    assert text("tiers.moves", lang, n="1") not in page  # no flows from a single snapshot
    # events of kinds the ladder does not use only: said, not a crash on an empty log
    events.write_text("用户ID,事件,时间\nu1,page_view,2024-06-01\n", encoding="utf-8")
    status, page, err = _report(argv, tmp_path / "p.html", capsys)
    assert status == 0, err
    left_out = text("doc.count_of", lang, name="page_view", n="1")  # "page_view (1)"
    assert text("tiers.no_events", lang) in _text(page) and left_out in _text(page)


# --- bad plan files end with a message and exit 2 ---------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"level_rates": ["0.1"], "category_rates": 5}',
            "'category_rates' must map each category to its rates",
        ),
        ('{"level_rates": ["0.1"], "rank_uplifts": 7}', "'rank_uplifts' must map each rank"),
        ('{"level_rates": ["0.1"], "category_rates": [5]}', "'category_rates[0]' must be a"),
        ('{"level_rates": ["0.1"], "override_reason": 5}', "'override_reason' must be a string"),
        ('{"level_rates": ["0.1"], "min_payout": "1e999999"}', "'min_payout' must be an amount"),
        ('{"level_rates": "abc"}', "'level_rates' must be a sequence"),
        ("[1, 2]", "must hold a JSON object of the plan's fields"),
        ('{"level_rates": ["0.1"],', "line 1, column 25: not valid JSON"),
        (None, "not a file"),
    ],
)
def test_bad_plan_files_end_with_a_message(
    small_tx_and_orders, tmp_path, capsys, content, expected
):
    tx, orders = small_tx_and_orders
    plan = tmp_path / "plan.json"
    if content is None:
        plan.mkdir()
    else:
        plan.write_text(content, encoding="utf-8")
    argv = ["--transactions", str(tx), "--orders", str(orders), "--plan", str(plan), "--quiet"]
    status, _, err = _report(argv, tmp_path / "o.html", capsys)
    assert status == 2, err
    assert "plan.json" in err and expected in err and "Traceback" not in err
    assert not (tmp_path / "o.html").exists()


def test_a_gbk_plan_file_is_read(small_tx_and_orders, tmp_path, capsys) -> None:
    tx, orders = small_tx_and_orders
    plan = tmp_path / "plan.json"
    fields = {
        "level_rates": ["0.10", "0.05", "0.02"],
        "total_cap": "0.17",
        "max_levels": 3,
        "allow_levels_beyond_compliance": True,
        "override_reason": "法务已审批：三级分销试点",
    }
    plan.write_bytes(json.dumps(fields, ensure_ascii=False).encode("gbk"))
    argv = ["--transactions", str(tx), "--orders", str(orders), "--plan", str(plan), "--no-plots"]
    status, page, err = _report([*argv, "--quiet"], tmp_path / "o.html", capsys)
    assert status == 0, err
    assert "Commission summary" in page and "法务已审批" in page
    plan.write_bytes(b"\xff\xfe\x00{")
    status, _, err = _report([*argv, "--quiet"], tmp_path / "p.html", capsys)
    assert status == 2 and "plan.json: not text in UTF-8 or GB18030" in err


@pytest.fixture
def small_tx_and_orders(tmp_path: Path) -> tuple[Path, Path]:
    tx = _small(tmp_path / "tx.csv")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,sharer,value\no1,u1,99.99\n", encoding="utf-8")
    return tx, orders
