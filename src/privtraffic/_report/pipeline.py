"""``privtraffic report``: read the files, run the sections, return the page."""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._report import sections
from privtraffic._report.document import Document, matplotlib_available
from privtraffic._report.messages import check_lang, text
from privtraffic._report.reading import (
    EVENT_COLUMNS,
    REFERRAL_COLUMNS,
    SHARED_ORDER_COLUMNS,
    InputOptions,
    clv_name,
    mapping_header,
    mapping_rows,
    margin_shares,
    read_input,
    read_purchases,
    reading_facts,
    reading_lines,
)
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
    delimiter: str | None = None
    columns: dict[str, str | None] = attrs.field(factory=dict)
    encoding: str | None = None
    timezone: str = "Asia/Shanghai"
    dedupe: bool = False
    margin: float | None = None
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

        delimiter = args.delimiter
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        if delimiter is not None and len(delimiter) != 1:
            raise InvalidInputError(f"--delimiter must be one character (got {args.delimiter!r})")
        margin = args.margin
        if margin is not None and (not math.isfinite(margin) or not 0 < margin <= 1):
            raise InvalidInputError(
                f"--margin must be the share of revenue that is margin, above 0 and at most 1, "
                f"e.g. 0.3 for 30% (got {margin!r})"
            )
        if margin is not None and args.margin_column is not None:
            raise InvalidInputError(
                "--margin and --margin-column are two ways to give the margin: use one"
            )
        options = {  # role -> the option that names its column
            "customer_id": "customer",
            "timestamp": "timestamp",
            "value": "value",
            "order_id": "order",
            "quantity": "quantity",
            "refund": "refund",
            "status": "status",
            "margin": "margin",
            "referrer": "referrer",
            "referee": "referee",
            "event": "event",
            "sharer": "sharer",
        }
        return cls(
            transactions=Path(args.transactions),
            referrals=path(args.referrals),
            events=path(args.events),
            orders=path(args.orders),
            plan=path(args.plan),
            delimiter=delimiter,
            columns={role: getattr(args, f"{o}_column") for role, o in options.items()},
            encoding=args.encoding,
            timezone=args.timezone,
            dedupe=args.dedupe,
            margin=margin,
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

    def inputs(self) -> InputOptions:
        """How to read the input files."""
        return InputOptions(
            names=self.columns,
            encoding=self.encoding,
            delimiter=self.delimiter,
            timezone=self.timezone,
            dedupe=self.dedupe,
        )


def _calibration_end(text: str | None, timestamps: NDArray[np.datetime64]) -> np.datetime64 | None:
    if text is None:
        return None
    cut: np.datetime64 = np.datetime64("NaT")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):  # not 'today', '2024' or '2024-06'
        try:
            cut = np.datetime64(text.strip(), "D")
        except ValueError:
            pass
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
    inputs = options.inputs()
    referrals = events = orders = None
    plan: CommissionPlan | None = None
    if options.orders is not None and options.plan is not None:
        plan = _read_plan(options.plan, options.encoding)
    currency = _currency(options.currency, plan)
    progress(f"reading {options.transactions}")
    log = read_purchases(options.transactions, inputs, currency)
    reading = log.reading
    assert reading is not None and log.value is not None
    for line in reading_lines(reading, currency):
        progress(line)
    if options.referrals is not None:
        progress(f"reading {options.referrals}")
        referrals = read_input(options.referrals, REFERRAL_COLUMNS, inputs, currency)
    if options.events is not None:
        progress(f"reading {options.events}")
        events = read_input(options.events, EVENT_COLUMNS, inputs, currency)
    if options.orders is not None and plan is not None:
        progress(f"reading {options.orders}")
        orders = read_input(options.orders, SHARED_ORDER_COLUMNS, inputs, currency)
    times: NDArray[np.datetime64] = np.asarray(log.timestamp, dtype="datetime64[s]")
    cut = _calibration_end(options.calibration_end, times)
    margin = margin_shares(log, options.margin, cut)

    doc = Document(
        options.title if options.title is not None else text("report.title", lang),
        plots=plots,
        lang=lang,
        no_plots_reason="matplotlib" if options.plots else "asked",
    )
    ids, values = log.customer_id, np.asarray(log.value, dtype=np.float64)
    sections.data_summary_section(
        doc,
        ids,
        times,
        values,
        calibration_end=cut,
        source=doc.text("report.source", name=options.transactions.name),
        currency=currency,
    )
    doc.facts(  # the zero-value orders are in the data summary above
        reading_facts(reading, currency, lang, zero_value=False),
        title=doc.text("read.title", source=reading.source),
    )
    doc.table(
        mapping_rows(reading, lang),
        mapping_header(lang),
        title=doc.text("read.mapping.title"),
        text=True,
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
        margin=margin,
    )
    sections.concentration_section(
        doc, ids, values, clv=clv, currency=currency, clv_label=clv_name(margin, lang)
    )
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


def _read_plan(path: Path, encoding: str | None = None) -> CommissionPlan:
    """The commission plan of a JSON file; every problem is an input error naming the file."""
    from privtraffic.commission import CommissionPlan

    if not path.exists():
        raise InvalidInputError(f"{path}: no such file")
    if not path.is_file():
        raise InvalidInputError(f"{path}: not a file (expected the commission plan as JSON)")
    data = path.read_bytes()
    text = None
    for codec in ["utf-8-sig", *([encoding] if encoding else []), "gb18030"]:
        try:
            text = data.decode(codec)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        raise InvalidInputError(
            f"{path.name}: not text in {encoding or 'UTF-8 or GB18030'}; save the plan as UTF-8"
        )
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{path.name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    if not isinstance(fields, dict):
        raise InvalidInputError(
            f"{path.name}: must hold a JSON object of the plan's fields, e.g. "
            f'{{"level_rates": ["0.10", "0.05"]}} (got {type(fields).__name__})'
        )
    try:
        return CommissionPlan.from_dict(fields)  # type: ignore[arg-type]  # checked when built
    except ValueError as exc:  # every field's shape and value is checked, naming the field
        raise InvalidInputError(f"{path.name}: not a valid commission plan: {exc}") from None
