"""``privtraffic report``: read the files, run the sections, return the page."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._report import sections
from privtraffic._report.document import Document, matplotlib_available
from privtraffic._report.messages import check_lang, text
from privtraffic._report.reading import Column, read_table
from privtraffic._version import __version__
from privtraffic.errors import InvalidInputError
from privtraffic.money import DEFAULT_CURRENCY, check_currency

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.commission import CommissionPlan

__all__ = ["ReportOptions", "build_report"]


@attrs.frozen
class ReportOptions:
    """Everything ``privtraffic report`` was asked to do."""

    transactions: Path
    referrals: Path | None = None
    events: Path | None = None
    orders: Path | None = None
    plan: Path | None = None
    delimiter: str = ","
    columns: dict[str, str] = attrs.field(factory=dict)
    calibration_end: str | None = None
    unit: str = "W"
    horizon_months: int = 12
    discount_rate: float = 0.01
    top: int = 20
    compare: tuple[str, ...] = ()
    title: str | None = None
    plots: bool = True
    currency: str | None = None
    lang: str = "en"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ReportOptions:
        """The options of a parsed ``privtraffic report`` command line."""

        def path(value: str | None) -> Path | None:
            return None if value is None else Path(value)

        delimiter = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
        if len(delimiter) != 1:
            raise InvalidInputError(f"--delimiter must be one character (got {args.delimiter!r})")
        names = (
            "customer",
            "timestamp",
            "value",
            "referrer",
            "referee",
            "event",
            "order",
            "sharer",
        )
        return cls(
            transactions=Path(args.transactions),
            referrals=path(args.referrals),
            events=path(args.events),
            orders=path(args.orders),
            plan=path(args.plan),
            delimiter=delimiter,
            columns={n: getattr(args, f"{n}_column") for n in names},
            calibration_end=args.calibration_end,
            unit=args.unit,
            horizon_months=args.horizon,
            discount_rate=args.discount_rate,
            top=args.top,
            compare=tuple(args.compare),
            title=args.title,
            plots=not args.no_plots,
            currency=args.currency,
            lang=args.lang,
        )

    def column(self, role: str, default: str) -> str:
        """The header name of a column role."""
        return self.columns.get(role, default)


def _calibration_end(text: str | None, timestamps: NDArray[np.datetime64]) -> np.datetime64 | None:
    if text is None:
        return None
    cut: np.datetime64
    try:
        cut = np.datetime64(text.strip(), "D")
    except ValueError:
        cut = np.datetime64("NaT")
    if np.isnat(cut):
        raise InvalidInputError(f"--calibration-end must be a date like 2024-06-30 (got {text!r})")
    first, last = timestamps.min().astype("datetime64[D]"), timestamps.max().astype("datetime64[D]")
    if not first <= cut < last:
        raise InvalidInputError(
            f"--calibration-end must be on or after the first transaction ({first}) and before "
            f"the last ({last}) (got {cut})"
        )
    return cut


def build_report(options: ReportOptions, progress: Callable[[str], None]) -> str:
    """Read the input files, run every section that has its data, and render the page."""
    lang = check_lang(options.lang, "--lang")
    plots = options.plots and matplotlib_available()
    if options.plots and not plots:
        progress("matplotlib is not installed: the report will have no plots")
    col = options.column
    progress(f"reading {options.transactions}")
    tx = read_table(
        options.transactions,
        [
            Column("customer_id", col("customer", "customer_id"), "id"),
            Column("timestamp", col("timestamp", "timestamp"), "time"),
            Column("value", col("value", "value"), "amount"),
        ],
        delimiter=options.delimiter,
    )
    progress(f"{len(tx['customer_id']):,} transactions")
    referrals = events = orders = None
    plan: CommissionPlan | None = None
    if options.referrals is not None:
        progress(f"reading {options.referrals}")
        referrals = read_table(
            options.referrals,
            [
                Column("referrer", col("referrer", "referrer"), "id"),
                Column("referee", col("referee", "referee"), "id"),
            ],
            delimiter=options.delimiter,
        )
    if options.events is not None:
        progress(f"reading {options.events}")
        events = read_table(
            options.events,
            [
                Column("customer_id", col("customer", "customer_id"), "id"),
                Column("event", col("event", "event"), "text"),
                Column("timestamp", col("timestamp", "timestamp"), "time"),
            ],
            delimiter=options.delimiter,
        )
    if options.orders is not None and options.plan is not None:
        progress(f"reading {options.orders} and {options.plan}")
        orders = read_table(
            options.orders,
            [
                Column("order_id", col("order", "order_id"), "id"),
                Column("sharer", col("sharer", "sharer"), "id"),
                Column("amount", col("value", "value"), "decimal"),
            ],
            delimiter=options.delimiter,
        )
        plan = _read_plan(options.plan)
    cut = _calibration_end(options.calibration_end, tx["timestamp"])
    currency = _currency(options.currency, plan)

    doc = Document(
        options.title if options.title is not None else text("report.title", lang),
        plots=plots,
        lang=lang,
        no_plots_reason="matplotlib" if options.plots else "asked",
    )
    ids, times, values = tx["customer_id"], tx["timestamp"], tx["value"]
    sections.data_summary_section(
        doc,
        ids,
        times,
        values,
        calibration_end=cut,
        source=doc.text("report.source", name=options.transactions.name),
        currency=currency,
    )
    clv = sections.btyd_section(
        doc,
        ids,
        times,
        values,
        unit=options.unit,
        calibration_end=cut,
        horizon_months=options.horizon_months,
        discount_rate=options.discount_rate,
        top=options.top,
        compare=options.compare,
        progress=progress,
        currency=currency,
    )
    sections.concentration_section(doc, ids, values, clv=clv, currency=currency)
    if events is not None:
        progress("classifying relationship tiers")
        sections.tiers_section(doc, events["customer_id"], events["event"], events["timestamp"])
    if referrals is not None:
        progress("scoring referrers (KOC leaderboard)")
        sections.referral_section(
            doc,
            referrals["referrer"],
            referrals["referee"],
            ids,
            values,
            top=options.top,
            currency=currency,
        )
    if orders is not None and plan is not None:
        progress("computing commissions")
        sections.commission_section(
            doc,
            orders["order_id"],
            orders["sharer"],
            orders["amount"],
            plan,
            *_uplines(referrals),
            top=options.top,
        )
    progress("rendering the report")
    return doc.render(footer=doc.text("doc.footer.report", version=__version__))


def _currency(option: str | None, plan: CommissionPlan | None) -> str:
    """The currency of the amounts: ``--currency``, else the plan's, else the default (CNY)."""
    if option is None:
        return plan.currency if plan is not None else DEFAULT_CURRENCY
    currency = check_currency(option, "--currency")
    if plan is not None and plan.currency != currency:
        raise InvalidInputError(
            f"--currency must be the commission plan's currency {plan.currency!r} "
            f"(got {currency!r})"
        )
    return currency


def _uplines(
    referrals: dict[str, NDArray[np.str_]] | None,
) -> tuple[NDArray[np.generic] | None, NDArray[np.generic] | None]:
    """(upline, distributor) edges of the attributed referral forest, or none."""
    if referrals is None:
        return None, None
    from privtraffic.referral import ReferralGraph

    graph = ReferralGraph.from_edges(
        referrals["referrer"], referrals["referee"], on_invalid="report"
    )
    child = np.flatnonzero(graph.parent >= 0)
    return graph.users[graph.parent[child]], graph.users[child]


def _read_plan(path: Path) -> CommissionPlan:
    from privtraffic.commission import CommissionPlan

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{path.name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path.name}: must hold a JSON object (got {type(data).__name__})")
    try:
        return CommissionPlan.from_dict(data)  # type: ignore[arg-type]  # checked when built
    except ValueError as exc:
        raise InvalidInputError(f"{path.name}: not a valid commission plan: {exc}") from None
