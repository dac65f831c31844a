"""The ``privtraffic`` command: demo, report, help, and clear failures on malformed files.

The report's numbers are checked against the public API run in the same test on the same data;
BG/NBD on CDNOW is also checked against the published estimates (Fader, Hardie & Lee 2005,
"Counting Your Customers the Easy Way", Marketing Science 24(2), p. 279: r = 0.243,
alpha = 4.414, a = 0.793, b = 2.426).
"""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from privtraffic.cli import main
from privtraffic.data import load_cdnow, summarize_transactions

CDNOW_CALIBRATION_END = "1997-09-30"


# --- helpers ---------------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter=",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _tables(page: str) -> list[list[list[str]]]:
    """Every <table> of the page as rows of unescaped cell texts."""
    out = []
    for table in re.findall(r"<table>(.*?)</table>", page, flags=re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", row, flags=re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells])
        out.append(rows)
    return out


def _table_after(page: str, title: str) -> list[list[str]]:
    """The table whose title (the <strong> before it) starts with ``title``."""
    position = page.index("<strong>" + html.escape(title))
    return _tables(page[position:])[0]


def load_csv_columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [row[key] for row in rows] for key in rows[0]}


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").split()[0])


def _assert_self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = load_cdnow("transactions")
    rows = [
        [int(c), str(t), f"{v:.2f}"]
        for c, t, v in zip(log.customer_id, log.timestamp, log.value, strict=True)
    ]
    return _write_csv(
        tmp_path_factory.mktemp("cdnow") / "cdnow.csv", ["customer_id", "timestamp", "value"], rows
    )


# --- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"], ["report", "--help"]])
def test_help_is_complete(argv, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: privtraffic")
    if argv == ["report", "--help"]:
        for option in (
            "--transactions",
            "--referrals",
            "--events",
            "--orders",
            "--plan",
            "--calibration-end",
            "--customer-column",
            "--timestamp-column",
            "--value-column",
            "--referrer-column",
            "--referee-column",
            "--delimiter",
            "--out",
            "exit status",
        ):
            assert option in out
    elif argv == ["demo", "--help"]:
        assert "--out" in out and "--no-html" in out
    else:
        assert "demo" in out and "report" in out


def test_python_dash_m_and_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "privtraffic", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("privtraffic ")


def test_missing_subcommand_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "privtraffic" in capsys.readouterr().err


# --- report end to end -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_report(cdnow_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    status = main(
        [
            "report",
            "--transactions",
            str(cdnow_csv),
            "--calibration-end",
            CDNOW_CALIBRATION_END,
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert status == 0
    return out.read_text(encoding="utf-8")


def test_report_file_has_the_usual_permissions(small_files, tmp_path: Path) -> None:
    import os

    out = tmp_path / "perm.html"
    args = ["report", "--transactions", str(small_files["tx"]), "--out", str(out)]
    assert main([*args, "--quiet", "--no-plots"]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_report_is_self_contained_with_plots(cdnow_report: str) -> None:
    _assert_self_contained(cdnow_report)
    assert cdnow_report.count('src="data:image/png;base64,') == 8  # with the P(alive) history
    for heading in (
        "Data summary",
        "Model fits",
        "Holdout checks",
        "Spend model and customer lifetime value",
        "Concentration",
    ):
        assert f">{heading}</h2>" in cdnow_report


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_with_compare_draws_the_model_comparison(
    cdnow_csv: Path, tmp_path: Path, lang: str
) -> None:
    """``--compare`` adds one figure to the eight of the plain report: the models' frequency
    distributions and tracking curves side by side, captioned in the page's language, after
    the table of the models on the holdout period."""
    import html

    from privtraffic._report import messages

    out = tmp_path / "compare.html"
    args = ["report", "--transactions", str(cdnow_csv), "--calibration-end"]
    args += [CDNOW_CALIBRATION_END, "--compare", "paretonbd", "mbgnbd", "--lang", lang]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    page = out.read_text(encoding="utf-8")
    _assert_self_contained(page)
    assert page.count('src="data:image/png;base64,') == 9
    caption = html.escape(messages.text("holdout.cap.models", lang))
    assert page.count(f'<img alt="{caption}"') == 1
    figure = page.index(f'<img alt="{caption}"')
    assert page.index(messages.text("holdout.models", lang)) < figure
    assert figure < page.index(html.escape(messages.text("holdout.by_frequency", lang)))


def test_report_numbers_equal_the_api(cdnow_report: str) -> None:
    from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
    from privtraffic.value import gini

    log = load_cdnow("transactions")
    s = summarize_transactions(log, calibration_end=CDNOW_CALIBRATION_END)
    bgf = BetaGeo().fit(s.frequency, s.recency, s.T)
    # BG/NBD table: estimate and standard error per parameter, 4 significant digits
    table = _table_after(cdnow_report, "BG/NBD")
    shown = {row[0]: (_number(row[1]), _number(row[2])) for row in table[1:]}
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert shown[name][0] == pytest.approx(bgf.params_[name], rel=1e-3)
        assert shown[name][1] == pytest.approx(bgf.standard_errors_[name], rel=1e-3)
        assert shown[name][0] == pytest.approx(published, abs=1e-3)  # FHL (2005)
    assert f"log-likelihood {bgf.log_likelihood_:,.2f}" in cdnow_report
    # holdout: actual and forecast totals
    holdout = dict(_tables(cdnow_report[cdnow_report.index('id="holdout-checks"') :])[0][1:])
    forecast = bgf.expected_purchases(s.holdout_duration, s.frequency, s.recency, s.T).sum()
    assert _number(holdout["actual holdout purchases"]) == s.holdout_frequency.sum()
    assert _number(holdout["forecast holdout purchases (BG/NBD)"]) == pytest.approx(
        forecast, rel=1e-3
    )
    # CLV table: the top customer and their CLV
    repeat = s.frequency > 0
    ggf = GammaGamma().fit(s.frequency[repeat], s.monetary_value[repeat])
    clv = customer_lifetime_value(
        bgf,
        ggf,
        s.frequency,
        s.recency,
        s.T,
        s.monetary_value,
        horizon=12,
        discount_rate=0.01,
        unit="W",
    )
    top = _table_after(cdnow_report, "Top 20 customers by revenue CLV")
    best = int(np.argmax(clv))
    assert top[1][0] == str(s.customer_id[best])
    assert _number(top[1][-1]) == pytest.approx(clv[best], rel=1e-3)
    # concentration: Gini of spend per customer over the whole log
    spend = np.bincount(np.unique(log.customer_id, return_inverse=True)[1], weights=log.value)
    conc = _tables(cdnow_report[cdnow_report.index('id="concentration"') :])[0]
    assert _number(conc[1][3]) == pytest.approx(gini(spend), abs=5e-5)


@pytest.fixture
def small_files(tmp_path: Path) -> dict[str, Path]:
    """A tiny shop: 6 customers, referrals a->b->c, a->d, and two distribution orders."""
    tx = _write_csv(
        tmp_path / "tx.csv",
        ["customer_id", "timestamp", "value"],
        [
            ["a", "2024-01-02", "10.50"],
            ["a", "2024-02-10T09:30", "20"],
            ["a", "2024-05-01 18:00:00", "5.25"],
            ["b", "2024-01-15", "30"],
            ["b", "2024-04-20", "12"],
            ["c", "2024-02-01", "8"],
            ["d", "2024-03-03", "40"],
            ["d", "2024-03-20", "4"],
            ["d", "2024-06-01", "16"],
            ["e", "2024-01-05", "3"],
            ["f", "2024-06-20", "100"],
        ],
    )
    refs = _write_csv(
        tmp_path / "refs.csv", ["referrer", "referee"], [["a", "b"], ["b", "c"], ["a", "d"]]
    )
    orders = _write_csv(
        tmp_path / "orders.csv",
        ["order_id", "sharer", "value"],
        [["o1", "c", "99.99"], ["o2", "b", "0.07"], ["o3", "a", "12.30"]],
    )
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"level_rates": ["0.10", "0.05"], "total_cap": "0.15"}))
    events = _write_csv(
        tmp_path / "events.csv",
        ["customer_id", "event", "timestamp"],
        [
            ["a", "connect", "2024-01-01"],
            ["a", "purchase", "2024-01-02"],
            ["a", "purchase", "2024-02-10"],
            ["a", "referral_purchase", "2024-02-11"],
            ["b", "connect", "2024-01-14"],
            ["b", "join", "2024-01-15"],
            ["c", "connect", "2024-02-01"],
            ["c", "purchase", "2024-03-01"],
            ["d", "connect", "2024-03-01"],
            ["d", "page_view", "2024-03-02"],
        ],
    )
    return {"tx": tx, "refs": refs, "orders": orders, "plan": plan, "events": events}


def test_report_on_small_files_with_referrals_and_commissions(small_files, tmp_path) -> None:
    from privtraffic.commission import CommissionPlan, DistributorNetwork, compute_commissions

    out = tmp_path / "small.html"
    status = main(
        [
            "report",
            "--transactions",
            str(small_files["tx"]),
            "--referrals",
            str(small_files["refs"]),
            "--orders",
            str(small_files["orders"]),
            "--plan",
            str(small_files["plan"]),
            "--events",
            str(small_files["events"]),
            "--out",
            str(out),
            "--quiet",
            "--no-plots",
        ]
    )
    assert status == 0
    page = out.read_text(encoding="utf-8")
    from privtraffic.lifecycle import relationship_ladder

    ev = load_csv_columns(small_files["events"])
    keep = [k != "page_view" for k in ev["event"]]
    tiers = relationship_ladder(window_days=90).classify(
        [u for u, k in zip(ev["customer_id"], keep, strict=True) if k],
        [e for e, k in zip(ev["event"], keep, strict=True) if k],
        [t for t, k in zip(ev["timestamp"], keep, strict=True) if k],
        as_of="2024-03-01",
    )
    shown = {row[0]: int(row[1]) for row in _table_after(page, "Tiers as of 2024-03-01")[1:]}
    # tiers are shown as words ("repeat buyer", "KOC"), the catalogue's names of the codes
    from privtraffic._report.messages import tier_name

    assert shown == {tier_name(k, "en"): v for k, v in tiers.counts().items() if k is not None}
    assert "page_view (1)" in page  # events of unknown kinds are reported, not dropped silently
    _assert_self_contained(page)
    assert "data:image/png" not in page
    from privtraffic.referral import ReferralGraph

    tx = load_csv_columns(small_files["tx"])
    scores = ReferralGraph.from_edges(["a", "b", "a"], ["b", "c", "d"]).koc_scores(
        tx["customer_id"], [float(v) for v in tx["value"]]
    )
    board = _table_after(page, "Top 4 users by KOC score")
    shown = {row[0]: row for row in board[1:]}
    assert set(shown) == {"a", "b", "c", "d"}
    for user, own, score in zip(scores.user, scores.own_value, scores.score, strict=True):
        assert _number(shown[str(user)][1]) == pytest.approx(own, rel=1e-3)
        assert _number(shown[str(user)][7]) == pytest.approx(score, rel=1e-3)
    assert _number(shown["a"][1]) == pytest.approx(35.75)  # 10.50 + 20 + 5.25, by hand
    plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.15")
    net = DistributorNetwork.from_edges(["a", "b", "a"], ["b", "c", "d"])
    batch = compute_commissions(
        plan,
        net,
        {
            "order_id": ["o1", "o2", "o3"],
            "sharer": ["c", "b", "a"],
            "amount": ["99.99", "0.07", "12.30"],
        },
    )
    assert f"{batch.total():,.2f} CNY" in page


# --- money: each currency with its own decimals ------------------------------------------------


def _commission_page(currency: str, amounts: list[str]) -> str:
    from privtraffic._report.document import Document
    from privtraffic._report.sections import commission_section
    from privtraffic.commission import CommissionPlan

    doc = Document("commissions", plots=False)
    commission_section(
        doc,
        np.array([f"o{i}" for i in range(len(amounts))]),
        np.array(["c"] * len(amounts)),
        np.array(amounts),
        CommissionPlan(level_rates=("0.10",), total_cap="0.10", currency=currency),
    )
    return doc.render()


@pytest.mark.parametrize(
    ("currency", "amounts", "order_value", "commission", "by_level"),
    [
        # JPY has no minor unit: a 100 yen commission is "100", never "1.00" or "100.00"
        ("JPY", ["1000"], "1,000 JPY", "100 JPY", "100"),
        ("JPY", ["600000", "400000"], "1,000,000 JPY", "100,000 JPY", "100,000"),
        ("CNY", ["12888.00"], "12,888.00 CNY", "1,288.80 CNY", "1,288.80"),
        ("USD", ["1234.50"], "1,234.50 USD", "123.45 USD", "123.45"),
    ],
)
def test_commission_section_formats_each_currency(
    currency: str, amounts: list[str], order_value: str, commission: str, by_level: str
) -> None:
    page = _commission_page(currency, amounts)
    facts = dict(row[:2] for row in _tables(page)[1][1:])  # [0] is the plan
    assert facts["order value"] == order_value
    assert facts["total commission"] == commission
    level = _table_after(page, "By level")
    assert level[0] == ["level", "entries", f"commission ({currency})"]
    assert level[1] == ["1", str(len(amounts)), by_level]
    top = _table_after(page, "Top 1 distributors")
    assert top[1] == ["c", by_level]
    if currency == "JPY":
        assert "1.00" not in page and ".00 JPY" not in page


def test_report_with_a_jpy_plan_shows_yen_without_decimals(small_files, tmp_path) -> None:
    plan = tmp_path / "jpy.json"
    plan.write_text(json.dumps({"level_rates": ["0.10"], "total_cap": "0.10", "currency": "JPY"}))
    orders = _write_csv(
        tmp_path / "jpy-orders.csv", ["order_id", "sharer", "value"], [["o1", "c", "1000"]]
    )
    out = tmp_path / "jpy.html"
    status = main(
        [
            "report",
            "--transactions",
            str(small_files["tx"]),
            "--orders",
            str(orders),
            "--plan",
            str(plan),
            "--out",
            str(out),
            "--quiet",
            "--no-plots",
        ]
    )
    assert status == 0
    page = out.read_text(encoding="utf-8")
    facts = dict(row[:2] for row in _tables(page)[0][1:])
    # the transactions are read in the plan's currency: 248.75 yen shows as 249 (half-even)
    assert facts["currency"] == "JPY" and facts["total value"] == "249"
    assert "<td>total commission</td><td>100 JPY</td>" in page
    assert _table_after(page, "By level")[1] == ["1", "1", "100"]
    assert "100.00 JPY" not in page and "1.00 JPY" not in page


def test_report_currency_option(small_files, tmp_path, capsys) -> None:
    out = tmp_path / "usd.html"
    args = ["report", "--transactions", str(small_files["tx"]), "--out", str(out), "--quiet"]
    assert main([*args, "--no-plots", "--currency", "USD"]) == 0
    facts = dict(row[:2] for row in _tables(out.read_text(encoding="utf-8"))[0][1:])
    assert facts["currency"] == "USD" and facts["total value"] == "248.75"
    assert main([*args, "--currency", "XYZ"]) == 2
    assert "'--currency' must be one of" in capsys.readouterr().err
    # the plan is in CNY: another --currency is refused rather than mislabelling the amounts
    with_plan = [*args, "--orders", str(small_files["orders"]), "--plan", str(small_files["plan"])]
    assert main([*with_plan, "--currency", "JPY"]) == 2
    assert "--currency must be the commission plan's currency 'CNY'" in capsys.readouterr().err


# --- malformed input ---------------------------------------------------------------------------


def _bad_file_cases(tmp_path: Path) -> list[tuple[str, Path, list[str], list[str]]]:
    header = ["customer_id", "timestamp", "value"]
    good = [["a", "2024-01-02", "10"], ["b", "2024-01-03", "11"]]
    missing = _write_csv(
        tmp_path / "missing.csv", ["customer_id", "timestamp"], [["a", "2024-01-02"]]
    )
    bad_date = _write_csv(tmp_path / "bad_date.csv", header, [*good, ["c", "2024-13-45", "5"]])
    negative = _write_csv(tmp_path / "negative.csv", header, [*good, ["c", "2024-01-05", "-5"]])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    not_number = _write_csv(tmp_path / "text.csv", header, [*good, ["c", "2024-01-05", "ten"]])
    short_row = tmp_path / "short.csv"
    short_row.write_text("customer_id,timestamp,value\na,2024-01-02,10\nb,2024-01-03\n")
    return [
        ("missing column", missing, ["missing.csv", "row 1", "'value'"], []),
        ("bad date", bad_date, ["bad_date.csv", "row 4", "'timestamp'", "'2024-13-45'"], []),
        ("negative amount", negative, ["negative.csv", "row 4", "'value'", "'-5'"], []),
        ("empty file", empty, ["empty.csv", "row 1", "'customer_id'", "empty"], []),
        ("not a number", not_number, ["text.csv", "row 4", "'value'", "'ten'"], []),
        ("short row", short_row, ["short.csv", "row 3", "'value'"], []),
    ]


def test_malformed_files_fail_cleanly(tmp_path: Path, capsys) -> None:
    outdir = tmp_path / "out"
    outdir.mkdir()
    for label, path, expected, _ in _bad_file_cases(tmp_path):
        out = outdir / "report.html"
        status = main(["report", "--transactions", str(path), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert status == 2, label
        for text in expected:
            assert text in err, (label, err)
        assert list(outdir.iterdir()) == [], label  # no report, no temporary file


def test_malformed_referrals_and_plan(small_files, tmp_path: Path, capsys) -> None:
    bad_refs = _write_csv(tmp_path / "r.csv", ["referrer", "who"], [["a", "b"]])
    out = tmp_path / "out.html"
    status = main(
        [
            "report",
            "--transactions",
            str(small_files["tx"]),
            "--referrals",
            str(bad_refs),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "r.csv" in err and "row 1" in err and "'referee'" in err
    assert not out.exists()
    plan = tmp_path / "plan.json"
    plan.write_text('{"level_rates": ["0.1"],')
    status = main(
        [
            "report",
            "--transactions",
            str(small_files["tx"]),
            "--orders",
            str(small_files["orders"]),
            "--plan",
            str(plan),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "plan.json" in err and "line 1" in err
    assert not out.exists()


def test_bad_options(small_files, tmp_path: Path, capsys) -> None:
    tx = str(small_files["tx"])
    out = str(tmp_path / "o.html")
    cases = [
        (["--calibration-end", "someday"], "--calibration-end"),
        (["--calibration-end", "2030-01-01"], "--calibration-end"),
        (["--orders", str(small_files["orders"])], "--plan"),
        (["--top", "0"], "--top"),
    ]
    for extra, text in cases:
        status = main(["report", "--transactions", tx, "--out", out, "--quiet", *extra])
        err = capsys.readouterr().err
        assert status == 2 and text in err, (extra, err)
        assert not Path(out).exists()
    status = main(["report", "--transactions", tx, "--out", str(tmp_path / "nope" / "o.html")])
    assert status == 2 and "does not exist" in capsys.readouterr().err
    assert main(["demo", "--top", "0"]) == 2 and "--top" in capsys.readouterr().err
    assert main(["demo", "--out", str(tmp_path / "nope" / "d.html")]) == 2


def test_column_name_options_and_tab_delimiter(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "tabs.tsv",
        ["user", "paid_at", "amount", "extra"],
        [
            ["u1", "2024-01-01", "5", "x"],
            ["u1", "2024-01-09", "7", "y"],
            ["u2", "2024-01-03", "1", "z"],
        ],
        delimiter="\t",
    )
    out = tmp_path / "r.html"
    status = main(
        [
            "report",
            "--transactions",
            str(path),
            "--delimiter",
            "\\t",
            "--customer-column",
            "user",
            "--timestamp-column",
            "paid_at",
            "--value-column",
            "amount",
            "--out",
            str(out),
            "--quiet",
            "--no-plots",
        ]
    )
    assert status == 0
    facts = dict(row[:2] for row in _tables(out.read_text())[0][1:])
    assert facts["transactions"] == "3" and facts["customers"] == "2"
    assert facts["total value"] == "13.00"


# --- demo ----------------------------------------------------------------------------------------


def test_demo_prints_fits_and_writes_the_page(tmp_path: Path, capsys) -> None:
    from privtraffic.clv import BetaGeo

    out = tmp_path / "demo.html"
    assert main(["demo", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    s = load_cdnow("summary")
    bgf = BetaGeo().fit(s.frequency, s.recency, s.T)
    assert all(m in captured.out for m in ("BetaGeo", "ParetoNBD", "GammaGamma"))
    assert f"{bgf.params_['r']:.6g}" in captured.out
    assert f"{bgf.standard_errors_['r']:.6g}" in captured.out
    assert "Top 10 customers by revenue CLV" in captured.out
    # the CLV is expected revenue, and the printed table says so wherever it names it
    assert re.findall(r"(?<!revenue )CLV", captured.out) == []
    assert str(out) in captured.err  # progress on stderr
    page = out.read_text(encoding="utf-8")
    _assert_self_contained(page)
    for heading in ("Part 1 - CDNOW", "Part 2 - a simulated private domain"):
        assert heading in page
    for heading in (
        "KOC leaderboard",
        "Funnel",
        "Tier mix and flows",
        "Value decomposition",
        "Commission summary",
    ):
        assert f">{heading}</h2>" in page
    assert page.count("data:image/png;base64,") >= 15
    # Part 1 compares the three transaction models on the CDNOW holdout
    from privtraffic.clv import ParetoNBD

    cal = summarize_transactions(load_cdnow("transactions"), calibration_end="1997-09-30")
    pnbd = ParetoNBD().fit(cal.frequency, cal.recency, cal.T)
    forecast = pnbd.expected_purchases(cal.holdout_duration, cal.frequency, cal.recency, cal.T)
    rows = {r[0]: r for r in _table_after(page, "The models on the holdout period")[1:]}
    assert set(rows) == {"BG/NBD", "Pareto/NBD", "MBG/NBD"}
    assert _number(rows["Pareto/NBD"][1]) == pytest.approx(pnbd.log_likelihood_, abs=0.01)
    assert _number(rows["Pareto/NBD"][2]) == pytest.approx(forecast.sum(), abs=0.06)


def test_demo_no_html(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--no-html", "--quiet", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Top 3 customers by revenue CLV" in out
    assert list(tmp_path.iterdir()) == []


def test_demo_without_matplotlib(tmp_path: Path, capsys, monkeypatch) -> None:
    # A fresh install without the plot extra: results printed, HTML written without plots.
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes "import matplotlib" fail
    out = tmp_path / "d.html"
    assert main(["demo", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "matplotlib is not installed" in captured.err
    assert "BetaGeo" in captured.out
    page = out.read_text(encoding="utf-8")
    assert "data:image/png" not in page and "Plots are not included" in page
    _assert_self_contained(page)


def test_parquet_transactions_give_the_same_report(small_files, tmp_path: Path, capsys) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    tx = load_csv_columns(small_files["tx"])
    table = pa.table(
        {
            "customer_id": tx["customer_id"],
            "timestamp": np.array(
                [t.replace(" ", "T") for t in tx["timestamp"]], dtype="datetime64[s]"
            ),
            "value": [float(v) for v in tx["value"]],
        }
    )
    pq.write_table(table, tmp_path / "tx.parquet")
    # times with a time zone are converted to --timezone (Asia/Shanghai): instants 8 hours
    # earlier in UTC are the same local times as the CSV's
    utc = np.array([t.replace(" ", "T") for t in tx["timestamp"]], dtype="datetime64[s]")
    aware = table.set_column(
        1,
        "timestamp",
        pa.array(utc - np.timedelta64(8, "h"), type=pa.timestamp("s", tz="UTC")),
    )
    pq.write_table(aware, tmp_path / "aware.parquet")
    pages = []
    for source in (tmp_path / "tx.parquet", tmp_path / "aware.parquet", small_files["tx"]):
        out = tmp_path / f"{source.stem}.html"
        args = ["report", "--transactions", str(source), "--out", str(out), "--quiet"]
        assert main([*args, "--no-plots"]) == 0
        page = out.read_text(encoding="utf-8")
        pages.append((_tables(page)[0][1:], _table_after(page, "BG/NBD")))
    assert pages[0] == pages[1] == pages[2]  # the data summary and the BG/NBD table
    pq.write_table(table.drop_columns(["value"]), tmp_path / "novalue.parquet")
    status = main(
        [
            "report",
            "--transactions",
            str(tmp_path / "novalue.parquet"),
            "--out",
            str(tmp_path / "x.html"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "novalue.parquet" in err and "'value'" in err
    assert not (tmp_path / "x.html").exists()


def test_tiny_log_reports_what_it_cannot_fit(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "zero.csv",
        ["customer_id", "timestamp", "value"],
        [["a", "2024-01-01", "0"], ["a", "2024-01-05", "0"], ["b", "2024-01-02", "0"]],
    )
    out = tmp_path / "zero.html"
    assert main(["report", "--transactions", str(path), "--out", str(out), "--no-plots"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "too few to fit the spend model" in page
    assert "Every transaction has value 0" in page
    same_day = _write_csv(
        tmp_path / "one_day.csv",
        ["customer_id", "timestamp", "value"],
        [["a", "2024-01-01", "1"], ["b", "2024-01-01", "2"]],
    )
    assert main(["report", "--transactions", str(same_day), "--out", str(out), "--no-plots"]) == 0
    assert "nothing to fit" in out.read_text(encoding="utf-8")


def test_csv_dialect_details(tmp_path: Path) -> None:
    # Excel-style export: byte-order mark, CRLF line ends, quoted ids with commas, a blank line,
    # extra columns in any order. Rows after the blank line keep their spreadsheet numbers.
    text = (
        "\ufeffvalue,note,customer_id,timestamp\r\n"
        '10.5,"first, with comma","Li, Wei",2024-01-02\r\n'
        '4,,"Li, Wei",2024-01-09\r\n'
        "\r\n"
        "7,x,u2,2024-01-03\r\n"
        "7,x,u2,not-a-date\r\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("utf-8"))
    out = tmp_path / "r.html"
    status = main(["report", "--transactions", str(path), "--out", str(out), "--quiet"])
    assert status == 2 and not out.exists()
    path.write_bytes(text.rsplit("7,x,u2,not-a-date", 1)[0].encode("utf-8"))
    assert main(["report", "--transactions", str(path), "--out", str(out), "--no-plots"]) == 0
    facts = dict(row[:2] for row in _tables(out.read_text(encoding="utf-8"))[0][1:])
    assert facts["transactions"] == "3" and facts["customers"] == "2"
    assert facts["total value"] == "21.50"


def test_bad_row_number_counts_blank_lines(tmp_path: Path, capsys) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("customer_id,timestamp,value\na,2024-01-01,1\n\nb,2024-01-02,x\n")
    assert main(["report", "--transactions", str(path), "--out", str(tmp_path / "o.html")]) == 2
    assert "gap.csv: row 4, column 'value'" in capsys.readouterr().err
