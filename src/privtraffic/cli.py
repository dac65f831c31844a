"""The ``privtraffic`` command: ``privtraffic demo`` and ``privtraffic report``.

``privtraffic demo`` fits the BTYD models on the bundled CDNOW data, prints their parameters,
standard errors and the top customers by CLV, and writes ``privtraffic-demo.html``: the whole
pipeline on CDNOW plus a simulated private domain, in one self-contained page.

``privtraffic report --transactions FILE ... --out report.html`` does the same for your own
exported logs (CSV/TSV in UTF-8 or GBK, Excel .xlsx with the ``excel`` extra, or Parquet when
pyarrow is installed), finding the columns by their usual Chinese and English headers.

Exit status: 0 on success, 2 for a usage error or a problem in an input file (the message names
the file, the row and the column; no output file is left behind), 1 for any other failure.

Examples
--------
>>> from privtraffic.cli import build_parser
>>> args = build_parser().parse_args(["report", "--transactions", "tx.csv", "--out", "r.html"])
>>> args.command, args.transactions, args.customer_column, args.timezone
('report', 'tx.csv', None, 'Asia/Shanghai')
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from privtraffic._version import __version__
from privtraffic.errors import PrivTrafficError

__all__ = ["build_parser", "main"]

_EPILOG_REPORT = """\
input files:
  --transactions  one row per order: who (用户ID, 会员ID, unionid, openid, customer_id),
                  when (支付时间, 下单时间, timestamp) and how much (实付金额, 订单金额,
                  value); read when present: 订单号 (order id: repeats are refused unless
                  --dedupe), 数量, 退款金额 (netted into the order), 订单状态, 毛利率.
                  CSV/TSV (UTF-8 or GBK/GB18030, delimiter detected), .xlsx or Parquet.
                  Times: 2024-03-01, 2024-03-01T14:30, 2024/3/1 14:30, 2024年3月1日,
                  20240301 or Excel dates; an offset (+08:00, Z) is converted to
                  --timezone. Amounts: 1299, 1,299.00, ¥1,299.00, 1299元; a negative
                  amount is a refund of the order with the same order id. Orders of value
                  0 count as purchases but not in the average spend.
  --referrals     one row per referral: referrer, referee (who brought in whom)
  --events        one row per relationship event: customer_id, event, timestamp; the
                  kinds of the relationship ladder are connect, join, interact,
                  purchase, review, referral_purchase (other kinds are counted and
                  left out)
  --orders        one row per distribution order for the commission summary:
                  order_id, sharer, value (needs --plan; the uplines of the sharers
                  come from --referrals when given)
  --plan          the commission plan as JSON, e.g.
                  {"level_rates": ["0.10", "0.05"], "total_cap": "0.15"}; amounts are
                  shown in its "currency" (default CNY) with that currency's decimals
  The columns used are printed as "column mapping used"; the --*-column options name
  others. Rows are numbered like a spreadsheet: the header is row 1.

exit status:
  0 success; 2 bad arguments or a problem in an input file (the message names file, row and
  column, and no report file is written); 1 any other failure.

example:
  privtraffic report --transactions orders.csv --referrals referrals.csv \\
      --calibration-end 2024-06-30 --out report.html
"""


class _Progress:
    """Progress lines on stderr, each with the time since the command started."""

    def __init__(self, stream: TextIO, *, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            print(f"[{elapsed:5.1f}s] {message}", file=self.stream, flush=True)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``privtraffic`` command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["demo", "--no-html"]).no_html
    True
    """
    parser = argparse.ArgumentParser(
        prog="privtraffic",
        description=(
            "Private-domain traffic modelling: BTYD/CLV estimators, relationship tiers, "
            "KOC scoring and exact commissions, as self-contained HTML reports."
        ),
        epilog="Run 'privtraffic <command> --help' for the options of each command.",
    )
    parser.add_argument("--version", action="version", version=f"privtraffic {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    demo = commands.add_parser(
        "demo",
        help="fit the models on the bundled CDNOW data and write privtraffic-demo.html",
        description=(
            "Fit BG/NBD and Gamma-Gamma on the bundled CDNOW 2,357-customer cohort, print the "
            "parameters, their standard errors and the top customers by CLV, and write a "
            "self-contained HTML report of the whole pipeline on CDNOW plus a simulated private "
            "domain (tiers, referrals, KOCs, funnel, concentration, commissions). Plots are "
            "embedded when matplotlib is installed."
        ),
    )
    demo.add_argument(
        "--out",
        default="privtraffic-demo.html",
        metavar="PATH",
        help="where to write the HTML report (default: %(default)s)",
    )
    demo.add_argument("--no-html", action="store_true", help="print the results only")
    demo.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="N",
        help="customers in the printed CLV table (default 10)",
    )
    demo.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the HTML report: en (English, the default) or zh (简体中文)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress messages on stderr")

    report = commands.add_parser(
        "report",
        help="turn exported transaction / referral / event / order logs into an HTML report",
        description=(
            "Read exported logs (CSV/TSV in UTF-8 or GBK, Excel .xlsx with the excel extra, "
            "Parquet when pyarrow is installed; columns found by their usual Chinese and English "
            "headers) and write one "
            "self-contained HTML report: data summary, BTYD model fits and holdout checks, CLV "
            "table, concentration, and - when the files are given - tier mix and flows, KOC "
            "leaderboard and commission summary."
        ),
        epilog=_EPILOG_REPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    files = report.add_argument_group("input files")
    files.add_argument(
        "--transactions", required=True, metavar="FILE", help="purchase log: one row per order"
    )
    files.add_argument("--referrals", metavar="FILE", help="referral log (referrer, referee)")
    files.add_argument("--events", metavar="FILE", help="relationship events (for tiers)")
    files.add_argument("--orders", metavar="FILE", help="distribution orders (needs --plan)")
    files.add_argument(
        "--plan", metavar="FILE", help="commission plan as JSON (the fields of CommissionPlan)"
    )
    files.add_argument(
        "--delimiter",
        metavar="CHAR",
        help="field delimiter of text files (default: detected among , tab ; |); \\t for tab",
    )
    files.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of the files, e.g. utf-8, gbk, gb18030, big5 (default: UTF-8 "
        "with or without BOM, else GB18030/GBK)",
    )
    files.add_argument(
        "--timezone",
        default="Asia/Shanghai",
        metavar="ZONE",
        help="the shop's time zone: times with an offset are converted to it, times without "
        "one are local there (an IANA name or an offset like +08:00; default %(default)s)",
    )
    files.add_argument(
        "--dedupe",
        action="store_true",
        help="keep the first row of each repeated order id instead of refusing the file",
    )
    columns = report.add_argument_group(
        "column names (default: found by the usual Chinese and English headers)"
    )
    for option, what in (
        ("customer", "customer id (transactions, events): 用户ID, 会员ID, openid, customer_id..."),
        ("timestamp", "time (transactions, events): 支付时间, 下单时间, timestamp..."),
        ("value", "amount (transactions, orders): 实付金额, 订单金额, value..."),
        ("order", "order id (transactions, orders): 订单号, order_id..."),
        ("quantity", "quantity (transactions): 数量, quantity..."),
        ("refund", "refund amount (transactions): 退款金额, refund..."),
        (
            "status",
            "order status (transactions; unpaid, cancelled and refunded orders are left out and "
            "counted): 订单状态, status...",
        ),
        ("margin", "margin rate of each order (transactions): 毛利率, margin..."),
        ("referrer", "referrer (referrals): 邀请人, referrer..."),
        ("referee", "referee (referrals): 被邀请人, referee..."),
        ("event", "event kind (events): 事件, event..."),
        ("sharer", "distributor who brought the order (orders): 分享人, sharer..."),
    ):
        columns.add_argument(f"--{option}-column", metavar="NAME", help=what)
    model = report.add_argument_group("analysis")
    model.add_argument(
        "--calibration-end",
        metavar="DATE",
        help="last day of the calibration period (inclusive); later purchases are the holdout "
        "used to check the models' forecasts. Without it the models fit on all the data.",
    )
    model.add_argument(
        "--unit",
        choices=("D", "W", "M"),
        default="W",
        help="time unit of the models: days, weeks or months (default W)",
    )
    model.add_argument(
        "--compare",
        nargs="+",
        choices=("paretonbd", "mbgnbd"),
        default=[],
        metavar="MODEL",
        help="also fit these transaction models next to BG/NBD: paretonbd, mbgnbd",
    )
    model.add_argument(
        "--horizon",
        type=int,
        default=12,
        metavar="MONTHS",
        help="CLV horizon in months (default 12)",
    )
    model.add_argument(
        "--discount-rate",
        type=float,
        default=0.01,
        metavar="RATE",
        help="monthly discount rate for CLV (default 0.01)",
    )
    model.add_argument(
        "--top", type=int, default=20, metavar="N", help="rows in the CLV and KOC tables"
    )
    model.add_argument(
        "--margin",
        type=float,
        metavar="RATE",
        help="share of revenue that is margin, e.g. 0.3: the CLV becomes margin CLV (without "
        "it, or a margin column, the report shows revenue CLV)",
    )
    model.add_argument(
        "--currency",
        metavar="CODE",
        help="ISO 4217 code of the values, e.g. CNY, JPY, USD: amounts are shown with its "
        "decimals (default: the plan's currency, else CNY)",
    )
    output = report.add_argument_group("output")
    output.add_argument(
        "--out", default="report.html", metavar="PATH", help="HTML file (default report.html)"
    )
    output.add_argument(
        "--title", help="title of the report (default: 'privtraffic report' in the language)"
    )
    output.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the report: en (English, the default) or zh (简体中文)",
    )
    output.add_argument(
        "--no-plots",
        action="store_true",
        help="leave the plots out (the report says they were left out on purpose)",
    )
    output.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    return parser


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed at the end.

    A reader never sees a half-written report, and a failure leaves no file behind.

    Parameters
    ----------
    path : pathlib.Path
        Destination; its folder must exist.
    text : str
        The content (written as UTF-8).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _write_atomically(folder / "r.html", "<p>ok</p>")
    >>> sorted(p.name for p in folder.iterdir())
    ['r.html']
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)  # mkstemp makes the file private; give it the usual permissions
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _run_demo(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from privtraffic._report.demo import run_demo

    progress = _Progress(stderr, quiet=args.quiet)
    if args.top < 1:
        raise _UsageError(f"--top must be >= 1 (got {args.top})")
    out = None if args.no_html else Path(args.out)
    if out is not None and not out.parent.resolve().is_dir():
        raise _UsageError(f"--out: folder {str(out.parent)!r} does not exist")
    page = run_demo(stdout, progress, top=args.top, html=out is not None, lang=args.lang)
    if out is not None and page is not None:
        _write_atomically(out, page)
        progress(f"wrote {out}")
    return 0


def _run_report(args: argparse.Namespace, stderr: TextIO) -> int:
    from privtraffic._report.pipeline import ReportOptions, build_report

    progress = _Progress(stderr, quiet=args.quiet)
    out = Path(args.out)
    if not out.parent.resolve().is_dir():
        raise _UsageError(f"--out: folder {str(out.parent)!r} does not exist")
    if args.orders and not args.plan:
        raise _UsageError("--orders needs --plan (the commission plan as JSON)")
    if args.horizon < 1:
        raise _UsageError(f"--horizon must be a whole number of months >= 1 (got {args.horizon})")
    if args.top < 1:
        raise _UsageError(f"--top must be >= 1 (got {args.top})")
    options = ReportOptions.from_args(args)
    page = build_report(options, progress)
    _write_atomically(out, page)
    progress(f"wrote {out}")
    return 0


class _UsageError(Exception):
    """A bad combination of options (exit status 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``privtraffic`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status: 0 success, 2 bad arguments or input file, 1 other failure.

    Examples
    --------
    >>> main(["report", "--transactions", "no-such-file.csv", "--quiet"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    stdout, stderr = sys.stdout, sys.stderr
    try:
        if args.command == "demo":
            return _run_demo(args, stdout, stderr)
        return _run_report(args, stderr)
    except _UsageError as exc:
        parser.print_usage(stderr)
        print(f"privtraffic {args.command}: error: {exc}", file=stderr)
        return 2
    except PrivTrafficError as exc:
        if isinstance(exc, ValueError):  # InvalidInputError and the other input problems
            print(f"privtraffic {args.command}: error: {exc}", file=stderr)
            return 2
        print(f"privtraffic {args.command}: failed: {exc}", file=stderr)
        return 1
    except OSError as exc:
        print(f"privtraffic {args.command}: failed: {exc}", file=stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
