"""The analyses of a report, each writing its own section into a :class:`Document`.

Each function computes with the public API only, so the report's numbers are the API's numbers.
Money is shown by :func:`privtraffic.money.format_amount` with the currency's own decimals
(JPY none, CNY and USD two): in tables as the bare number under a header naming the currency,
in sentences and summaries as the number followed by the currency code (``"100 JPY"``).
"""

from __future__ import annotations

import datetime
import functools
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._report.document import Document
from privtraffic._validation import DAYS_PER_MONTH, unit_days
from privtraffic.money import DEFAULT_CURRENCY, format_amount

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.clv import BetaGeo, BTYDModel, GammaGamma, ModifiedBetaGeo, ParetoNBD
    from privtraffic.commission import CommissionPlan
    from privtraffic.data import RFMSummary
    from privtraffic.value import Concentration

__all__ = [
    "EXTRA_MODELS",
    "btyd_section",
    "commission_section",
    "concentration_section",
    "data_summary_section",
    "funnel_section",
    "referral_section",
    "tiers_section",
    "value_decomposition_section",
]

Progress = Callable[[str], None]

#: One point in time: an ISO date string, a date, or a datetime64.
Moment: TypeAlias = str | datetime.date | np.datetime64
#: An amount of money: exact (Decimal, int, str) or an estimate (float).
Amount: TypeAlias = Decimal | int | str | float | np.floating

_Model = TypeVar("_Model", bound="BTYDModel")

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def _as_day(value: Moment) -> np.datetime64:
    if isinstance(value, (str, datetime.date)):
        return np.datetime64(value, "D")
    day: np.datetime64 = value.astype("datetime64[D]")
    return day


def _day(value: Moment) -> str:
    return str(_as_day(value))


def _amount(value: Amount, currency: str) -> str:
    """An amount with its currency code, as sentences and summaries show it: ``100 JPY``."""
    return f"{format_amount(value, currency, symbol=False)} {currency}"


def _signed(value: float, currency: str) -> str:
    """A change in value with its sign, in the currency's decimals: ``+1,250.00``."""
    text = format_amount(value, currency, symbol=False)
    return text if text.startswith("-") else "+" + text


def data_summary_section(
    doc: Document,
    customer_ids: NDArray[np.generic],
    timestamps: NDArray[np.generic],
    values: NDArray[np.number] | None,
    *,
    calibration_end: Moment | None = None,
    source: str = "",
    currency: str = DEFAULT_CURRENCY,
) -> None:
    """Rows, customers, dates, value (in ``currency``) and the calibration / holdout split."""
    doc.section("Data summary")
    if source:
        doc.paragraph(source, note=True)
    days = timestamps.astype("datetime64[D]")
    customers, n_orders_per_customer = np.unique(customer_ids, return_counts=True)
    facts: dict[str, str] = {
        "transactions": f"{len(customer_ids):,}",
        "customers": f"{len(customers):,}",
        "first transaction": _day(days.min()),
        "last transaction": _day(days.max()),
        "customers with more than one transaction": (
            f"{int(np.sum(n_orders_per_customer > 1)):,} ({np.mean(n_orders_per_customer > 1):.1%})"
        ),
    }
    if values is not None:
        facts["currency"] = currency
        facts["total value"] = format_amount(float(values.sum()), currency, symbol=False)
        facts["mean value per transaction"] = format_amount(
            float(values.mean()), currency, symbol=False
        )
    if calibration_end is not None:
        cut = _as_day(calibration_end)
        facts["calibration period"] = f"{_day(days.min())} to {_day(cut)}"
        facts["holdout period"] = f"{_day(cut + 1)} to {_day(days.max())}"
        facts["transactions in the holdout period"] = f"{int(np.sum(days > cut)):,}"
    doc.facts(facts)


def _summary_rows(model: BTYDModel) -> list[tuple[str, float, float, float, float]]:
    s = model.summary()
    return [
        (str(p), float(e), float(se), float(lo), float(hi))
        for p, e, se, lo, hi in zip(
            s.parameter, s.estimate, s.standard_error, s.lower_95, s.upper_95, strict=True
        )
    ]


def _fit(doc: Document, label: str, fit: Callable[[], _Model], progress: Progress) -> _Model | None:
    """Run one model fit; convergence problems become notes in the report, not failures."""
    from privtraffic.errors import ConvergenceError, ConvergenceWarning

    progress(f"fitting {label}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            model = fit()
        except ConvergenceError as exc:
            doc.paragraph(f"{label} could not be fitted: {exc}", note=True)
            progress(f"{label} could not be fitted: {exc}")
            return None
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            doc.paragraph(f"Warning from the {label} fit: {w.message}", note=True)
            progress(f"warning: {w.message}")
        else:  # pragma: no cover - other warnings pass through unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return model


def _fit_rfm(
    cls: type[ParetoNBD] | type[ModifiedBetaGeo],
    f: NDArray[np.number],
    r: NDArray[np.number],
    T: NDArray[np.number],
) -> ParetoNBD | ModifiedBetaGeo:
    return cls().fit(f, r, T)


def _model_table(doc: Document, title: str, model: BTYDModel) -> None:
    doc.caution(model.summary().caution)
    doc.table(
        _summary_rows(model),
        ["parameter", "estimate", "standard error", "lower 95%", "upper 95%"],
        title=f"{title}: log-likelihood {model.log_likelihood_:,.2f}",
    )


def btyd_section(
    doc: Document,
    customer_ids: NDArray[np.generic],
    timestamps: NDArray[np.generic],
    values: NDArray[np.number] | None,
    *,
    unit: str = "W",
    calibration_end: Moment | None = None,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    top: int = 20,
    compare: tuple[str, ...] = (),
    progress: Progress,
    currency: str = DEFAULT_CURRENCY,
) -> NDArray[np.float64] | None:
    """Model fits (BG/NBD, plus the ``compare`` models), holdout checks and the CLV table.

    Returns each modelled customer's CLV (for the concentration section), or None when there
    is no CLV table (no values, too few repeat buyers, a fit that failed).
    """
    from privtraffic import plotting
    from privtraffic.clv import BetaGeo
    from privtraffic.data import summarize_transactions

    unit_name = _UNIT_NAMES[unit]
    progress("summarising transactions per customer (RFM)")
    summary = summarize_transactions(
        customer_ids, timestamps, values, unit=unit, calibration_end=calibration_end
    )
    newborn = summary.T <= 0
    if newborn.any():  # first purchase on the last day: no time observed, nothing to fit
        kept = {name: col[~newborn] for name, col in summary.columns().items()}
        summary = attrs.evolve(summary, **kept)  # type: ignore[arg-type]
    f, r, T = summary.frequency, summary.recency, summary.T

    doc.section("Model fits")
    doc.paragraph(
        f"Buy-till-you-die models fitted by maximum likelihood on {len(summary):,} customers "
        + (
            f"over the calibration period (to {_day(calibration_end)}). "
            if calibration_end is not None
            else "over the whole log. "
        )
        + f"Time is in {unit_name}; frequency counts repeat purchases (purchases after the "
        "first, one per day), recency and T are the customer's age at the last purchase and at "
        "the end of the period. Standard errors come from the Hessian at the optimum; the 95% "
        "intervals are Wald intervals on the log scale."
    )
    if newborn.any():
        doc.paragraph(
            f"{int(newborn.sum()):,} customers whose first purchase was on the last day of the "
            "period (T = 0) are left out of the models: they have not been observed for any "
            "time yet.",
            note=True,
        )
    if len(summary) == 0:
        doc.paragraph("No customer has been observed for any time: nothing to fit.", note=True)
        return None
    bgf = _fit(doc, "BG/NBD", lambda: BetaGeo().fit(f, r, T), progress)
    if bgf is None:
        return None
    _model_table(doc, "BG/NBD (Fader, Hardie & Lee 2005)", bgf)
    fitted_others: dict[str, ParetoNBD | ModifiedBetaGeo] = {}
    for label, cls in _other_transaction_models(compare):
        model = _fit(doc, label, functools.partial(_fit_rfm, cls, f, r, T), progress)
        if model is not None:
            fitted_others[label] = model
            _model_table(doc, label, model)

    doc.figure(
        lambda ax: plotting.plot_period_transactions(bgf, f, T, ax=ax),
        caption="Customers by number of repeat purchases in the calibration period: actual vs "
        "BG/NBD.",
    )
    max_f = int(min(max(np.percentile(f, 99), 5), 40))
    t_matrix = float(np.max(T))
    doc.figure(
        lambda ax: plotting.plot_frequency_recency_matrix(
            bgf, T=t_matrix, max_frequency=max_f, ax=ax
        ),
        caption=f"Expected purchases in the next {unit_name[:-1]} by frequency and recency "
        f"(customers of age {t_matrix:.4g} {unit_name}).",
    )
    doc.figure(
        lambda ax: plotting.plot_probability_alive_matrix(
            bgf, T=t_matrix, max_frequency=max_f, ax=ax
        ),
        caption="Probability that a customer is still active, by frequency and recency.",
    )

    if calibration_end is not None and summary.holdout_frequency is not None:
        _holdout_checks(
            doc,
            bgf,
            summary,
            customer_ids,
            timestamps,
            calibration_end,
            unit,
            progress,
            others=fitted_others,
        )

    if values is None or summary.monetary_value is None:
        return None
    return _clv(doc, bgf, summary, unit, horizon_months, discount_rate, top, progress, currency)


#: The extra transaction models a report can compare with BG/NBD: option name -> (class, label).
EXTRA_MODELS = {
    "paretonbd": ("ParetoNBD", "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)"),
    "mbgnbd": ("ModifiedBetaGeo", "MBG/NBD (Batislam, Denizel & Filiztekin 2007)"),
}


def _other_transaction_models(
    names: tuple[str, ...],
) -> list[tuple[str, type[ParetoNBD] | type[ModifiedBetaGeo]]]:
    """The labels and classes of the requested extra models."""
    from privtraffic.clv import ModifiedBetaGeo, ParetoNBD

    classes: dict[str, type[ParetoNBD] | type[ModifiedBetaGeo]] = {
        "ParetoNBD": ParetoNBD,
        "ModifiedBetaGeo": ModifiedBetaGeo,
    }
    return [(EXTRA_MODELS[n][1], classes[EXTRA_MODELS[n][0]]) for n in names]


def _holdout_checks(
    doc: Document,
    bgf: BetaGeo,
    summary: RFMSummary,
    customer_ids: NDArray[np.generic],
    timestamps: NDArray[np.generic],
    calibration_end: Moment,
    unit: str,
    progress: Progress,
    *,
    others: Mapping[str, ParetoNBD | ModifiedBetaGeo],
) -> None:
    from privtraffic import plotting

    progress("checking the forecasts against the holdout period")
    f, r, T = summary.frequency, summary.recency, summary.T
    hf, hd = summary.holdout_frequency, summary.holdout_duration
    assert hf is not None and hd is not None  # a calibration end gives a holdout period
    predicted = bgf.expected_purchases(hd, f, r, T)
    bins, actual, expected, n = plotting.holdout_purchases_by_frequency(bgf, f, r, T, hf, hd)
    doc.section("Holdout checks")
    doc.paragraph(
        f"The calibration-period fit forecasts each customer's purchases over the holdout period "
        f"({float(hd[0]):.4g} {_UNIT_NAMES[unit]}); the table compares the mean forecast with the "
        "mean actual purchases, grouped by calibration-period repeat purchases."
    )
    total: dict[str, float | int] = {
        "actual holdout purchases": float(hf.sum()),
        "forecast holdout purchases (BG/NBD)": float(predicted.sum()),
        "mean absolute error per customer": float(np.mean(np.abs(predicted - hf))),
    }
    if summary.n_new_in_holdout:
        total["customers first seen in the holdout (not forecast)"] = summary.n_new_in_holdout
    doc.facts(total)
    if others:
        rows = []
        for label, model in [("BG/NBD", bgf), *others.items()]:
            forecast = model.expected_purchases(hd, f, r, T)
            rows.append(
                (
                    label.split(" (")[0],
                    f"{model.log_likelihood_:,.2f}",
                    f"{float(forecast.sum()):,.1f}",
                    f"{float(hf.sum()):,.0f}",
                    f"{float(np.mean(np.abs(forecast - hf))):.4f}",
                )
            )
        doc.table(
            rows,
            [
                "model",
                "log-likelihood",
                "forecast purchases",
                "actual purchases",
                "mean absolute error",
            ],
            title="The models on the holdout period",
        )
    labels = [str(b) for b in bins[:-1]] + [f"{bins[-1]}+"]
    doc.table(
        [
            (lab, int(k), float(a), float(e))
            for lab, k, a, e in zip(labels, n, actual, expected, strict=True)
            if k > 0
        ],
        ["calibration purchases", "customers", "actual (mean)", "forecast (mean)"],
        title="Holdout purchases by calibration frequency",
    )
    doc.figure(
        lambda ax: plotting.plot_calibration_purchases_vs_holdout_purchases(
            bgf, f, r, T, hf, hd, ax=ax
        ),
        caption="Mean holdout purchases by calibration purchases: actual vs BG/NBD forecast.",
    )
    progress("tracking repeat purchases over time")
    doc.figure(
        lambda ax: plotting.plot_cumulative_transactions(
            bgf, customer_ids, timestamps, calibration_end=calibration_end, unit=unit, ax=ax
        ),
        caption="Cumulative repeat purchases over calibration and holdout: actual vs BG/NBD.",
    )
    doc.figure(
        lambda ax: plotting.plot_incremental_transactions(
            bgf, customer_ids, timestamps, calibration_end=calibration_end, unit=unit, ax=ax
        ),
        caption=f"Repeat purchases per {_UNIT_NAMES[unit][:-1]}: actual vs BG/NBD.",
    )


def _clv(
    doc: Document,
    bgf: BetaGeo,
    summary: RFMSummary,
    unit: str,
    horizon_months: int,
    discount_rate: float,
    top: int,
    progress: Progress,
    currency: str,
) -> NDArray[np.float64] | None:
    from privtraffic.clv import GammaGamma, customer_lifetime_value

    f, r, T, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    assert m is not None  # btyd_section calls this only with values
    repeat = (f > 0) & (m > 0)
    doc.section("Spend model and customer lifetime value")
    if repeat.sum() < 3:
        doc.paragraph(
            f"Only {int(repeat.sum())} customers made a repeat purchase with a positive value: "
            "too few to fit the spend model, so there is no CLV table.",
            note=True,
        )
        return None
    ggf: GammaGamma | None = _fit(
        doc,
        f"Gamma-Gamma on {int(repeat.sum()):,} repeat buyers",
        lambda: GammaGamma().fit(f[repeat], m[repeat]),
        progress,
    )
    if ggf is None:
        return None
    doc.paragraph(
        "Gamma-Gamma (Fader, Hardie & Lee 2005, 'RFM and CLV') on the customers with at least "
        "one repeat purchase: the mean spend per purchase varies across customers, "
        "independently of how often they buy."
    )
    _model_table(doc, "Gamma-Gamma", ggf)
    progress("computing CLV")
    clv = customer_lifetime_value(
        bgf, ggf, f, r, T, m, horizon=horizon_months, discount_rate=discount_rate, unit=unit
    )
    alive = bgf.probability_alive(f, r, T)
    horizon_units = horizon_months * DAYS_PER_MONTH / unit_days(unit)
    purchases = bgf.expected_purchases(horizon_units, f, r, T)
    spend = ggf.expected_spend(f, m)
    order = np.argsort(-clv, kind="stable")[:top]

    def money(amount: float) -> str:
        return format_amount(float(amount), currency, symbol=False)

    doc.paragraph(
        f"Customer lifetime value: expected margin over the next {horizon_months:g} months, "
        f"discounted at {discount_rate:.2%} per month (BG/NBD purchases x Gamma-Gamma spend). "
        f"Total over all customers: {_amount(float(np.sum(clv)), currency)}."
    )
    doc.table(
        [
            (
                summary.customer_id[i].item(),
                int(f[i]),
                float(r[i]),
                float(T[i]),
                money(m[i]),
                float(alive[i]),
                float(purchases[i]),
                money(spend[i]),
                money(clv[i]),
            )
            for i in order
        ],
        [
            "customer_id",
            "frequency",
            "recency",
            "T",
            f"monetary_value ({currency})",
            "P(alive)",
            f"purchases next {horizon_months:g} months",
            f"expected spend ({currency})",
            f"CLV ({currency})",
        ],
        title=f"Top {len(order)} customers by CLV",
        max_rows=top,
    )
    return clv


def concentration_section(
    doc: Document,
    customer_ids: NDArray[np.generic],
    values: NDArray[np.number],
    *,
    clv: NDArray[np.float64] | None = None,
    title: str = "Concentration",
    currency: str = DEFAULT_CURRENCY,
) -> None:
    """Gini and top-k% shares of value per customer, with the Lorenz curve."""
    from privtraffic import plotting
    from privtraffic.value import concentration

    customers, inverse = np.unique(customer_ids, return_inverse=True)
    per_customer = np.bincount(inverse, weights=values, minlength=customers.size)
    doc.section(title)
    if not per_customer.sum() > 0:
        doc.paragraph("Every transaction has value 0: there is no value to measure.", note=True)
        return
    table = concentration(per_customer)
    doc.paragraph(
        "How concentrated value is across customers: the Gini coefficient (0 = everyone is worth "
        "the same) and the share of the total held by the top 1%, 5%, 10%, 20% and 50% of "
        "customers."
    )

    def row(label: str, c: Concentration) -> tuple[str, ...]:
        return (
            label,
            f"{int(c.n_customers[0]):,}",
            format_amount(float(c.total[0]), currency, symbol=False),
            f"{float(c.gini[0]):.4f}",
            *(f"{float(x):.1%}" for x in c.top_share[0]),
        )

    rows = [row("spend to date", table)]
    if clv is not None and np.sum(clv) > 0:
        rows.append(row("CLV", concentration(np.clip(clv, 0.0, None))))
    header = [
        "value",
        "customers",
        f"total ({currency})",
        "Gini",
        *(f"top {k:.0%}" for k in table.shares),
    ]
    doc.table(rows, header)
    doc.figure(
        lambda ax: plotting.plot_lorenz_curve(per_customer, label="spend to date", ax=ax),
        caption="Lorenz curve of spend per customer.",
        size=(5.5, 5.0),
    )


def referral_section(
    doc: Document,
    referrers: NDArray[np.generic],
    referees: NDArray[np.generic],
    buyer_ids: NDArray[np.generic],
    values: NDArray[np.float64],
    *,
    top: int = 20,
    currency: str = DEFAULT_CURRENCY,
) -> None:
    """The KOC leaderboard from the referral log and the purchases (values in ``currency``),
    and the top KOC's tree."""
    from privtraffic import plotting
    from privtraffic.referral import ReferralGraph

    graph = ReferralGraph.from_edges(referrers, referees, on_invalid="report")
    scores = graph.koc_scores(buyer_ids, values)
    order = np.argsort(-scores.score, kind="stable")[:top]
    doc.section("KOC leaderboard")
    doc.paragraph(
        "Referral graph: each referee is attributed to their first referrer (claims that were "
        "not applied - later claims, self-referrals, cycles - are counted below). A user's score "
        "is their own purchase value plus the value of the users they brought in, directly and "
        "further down, halved at each generation. A KOC (key opinion consumer) is a repeat buyer "
        "with at least one referral who bought."
    )
    facts = {
        "users in the referral graph": f"{graph.n_users:,}",
        "referred users": f"{graph.n_referred:,}",
        "referral claims not applied": f"{len(graph.rejected or ()):,}",
        "KOCs": f"{int(np.sum(scores.is_koc)):,}",
        "potential KOCs": f"{int(np.sum(scores.potential_koc)):,}",
        "orders by users outside the graph (organic)": f"{scores.n_organic_orders:,}",
    }
    doc.facts(facts)
    doc.table(
        [
            (
                scores.user[i].item(),
                format_amount(float(scores.own_value[i]), currency, symbol=False),
                int(scores.direct_referrals[i]),
                int(scores.converted_referrals[i]),
                int(scores.descendants[i]),
                format_amount(float(scores.referred_value[i]), currency, symbol=False),
                format_amount(float(scores.network_value[i]), currency, symbol=False),
                float(scores.score[i]),
                "yes" if scores.is_koc[i] else "",
            )
            for i in order
        ],
        [
            "user",
            f"own value ({currency})",
            "direct referrals",
            "referrals who bought",
            "users below",
            f"direct referrals' value ({currency})",
            f"network value ({currency})",
            "score",
            "KOC",
        ],
        title=f"Top {len(order)} users by KOC score",
        max_rows=top,
    )
    if order.size and scores.direct_referrals[order[0]] > 0:
        leader = scores.user[order[0]].item()
        own = dict(zip(scores.user.tolist(), scores.own_value.tolist(), strict=True))
        doc.figure(
            lambda ax: plotting.plot_referral_tree(
                referrers, referees, leader, max_depth=3, values=own, ax=ax
            ),
            caption=f"Referral tree of the top user, {leader!r} (node size: own purchase value).",
        )


def commission_section(
    doc: Document,
    order_ids: NDArray[np.generic],
    sharers: NDArray[np.generic],
    amounts: NDArray[np.str_],
    plan: CommissionPlan | Mapping[str, object],
    uplines: NDArray[np.generic] | None = None,
    distributors: NDArray[np.generic] | None = None,
    *,
    top: int = 20,
) -> None:
    """Commissions of the orders under the plan: totals, per level, top beneficiaries.

    Every amount is shown in the plan's currency with its own decimals (``100 JPY``,
    ``12.30 CNY``).
    """
    from privtraffic.commission import (
        CommissionPlan,
        DistributorNetwork,
        compliance_report,
        compute_commissions,
    )

    if not isinstance(plan, CommissionPlan):
        plan = CommissionPlan.from_dict(plan)  # type: ignore[arg-type]  # checked when built
    currency = plan.currency
    everyone = np.unique(
        np.concatenate([sharers, *(a for a in (uplines, distributors) if a is not None)])
    )
    network = DistributorNetwork.from_edges(
        uplines if uplines is not None else np.array([], dtype=sharers.dtype),
        distributors if distributors is not None else np.array([], dtype=sharers.dtype),
        users=everyone,
    )
    batch = compute_commissions(
        plan, network, {"order_id": order_ids, "sharer": sharers, "amount": amounts}
    )
    total = batch.total()
    gmv = sum((Decimal(str(a)) for a in amounts), Decimal(0))
    doc.section("Commission summary")
    doc.paragraph(
        "Distribution commissions computed exactly in the plan's minor currency unit: each "
        "order's total commission is rounded once and split across the levels so that the "
        "entries add up to it."
    )
    doc.raw_html(plan._repr_html_())
    rows_level = []
    for level in range(1, plan.n_levels + 1):
        mask = batch.level == level
        minor = int(batch.amount_minor[mask].sum())
        rows_level.append(
            (level, int(mask.sum()), format_amount(minor, currency, symbol=False, minor_units=True))
        )
    facts = {
        "orders": f"{len(order_ids):,}",
        "order value": _amount(gmv, currency),
        "total commission": _amount(total, currency),
        "commission / order value": f"{float(total / gmv):.2%}" if gmv else "-",
        "distributors paid": f"{len(set(batch.beneficiary.tolist())):,}",
    }
    doc.facts(facts)
    doc.table(rows_level, ["level", "entries", f"commission ({currency})"], title="By level")
    ranked = sorted(batch.by_beneficiary().items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    doc.table(
        [
            (k.item() if isinstance(k, np.generic) else k, format_amount(v, currency, symbol=False))
            for k, v in ranked
        ],
        ["distributor", f"commission ({currency})"],
        title=f"Top {len(ranked)} distributors",
        max_rows=top,
    )
    doc.raw_html(compliance_report(plan)._repr_html_())


def funnel_section(
    doc: Document,
    users: NDArray[np.generic],
    kinds: NDArray[np.str_],
    timestamps: NDArray[np.datetime64],
    steps: tuple[str, ...],
    *,
    window_days: float,
) -> None:
    """Users reaching each step within the window, with the funnel chart."""
    from privtraffic import plotting
    from privtraffic.funnel import Funnel

    result = Funnel(list(steps), window=window_days).analyze(users, kinds, timestamps)
    reached = result.n_reached
    doc.section("Funnel")
    doc.paragraph(
        f"Users completing each step in order within {window_days:g} days of the first step."
    )
    doc.table(
        [
            (
                step,
                f"{int(n):,}",
                f"{n / reached[k - 1]:.1%}" if k else "",
                f"{n / reached[0]:.1%}",
            )
            for k, (step, n) in enumerate(zip(steps, reached, strict=True))
        ],
        ["step", "users", "of previous step", "of first step"],
    )
    doc.figure(
        lambda ax: plotting.plot_funnel(list(steps), reached, ax=ax),
        caption="Funnel: users reaching each step.",
    )


def value_decomposition_section(
    doc: Document,
    pool: tuple[NDArray[np.int64], NDArray[np.int64]],
    buyers: tuple[NDArray[np.int64], NDArray[np.int64]],
    revenue: tuple[NDArray[np.float64], NDArray[np.float64]],
    groups: NDArray[np.str_],
    *,
    periods: tuple[str, str],
    currency: str = DEFAULT_CURRENCY,
) -> None:
    """Pool x conversion x monetisation between two periods, by group, with the waterfall.

    The contributions are money (revenue in ``currency``).
    """
    from privtraffic import plotting
    from privtraffic.value import decompose, three_factors

    f0 = three_factors(pool[0], buyers[0], revenue[0])
    f1 = three_factors(pool[1], buyers[1], revenue[1])
    parts = decompose(
        pool=(f0["pool"], f1["pool"]),
        conversion=(f0["conversion"], f1["conversion"]),
        monetization=(f0["monetization"], f1["monetization"]),
        groups=groups,
    )
    doc.section("Value decomposition")
    doc.paragraph(
        "Private-domain value = traffic pool x fan-conversion rate x monetisation per buyer. "
        f"The change from {periods[0]} to {periods[1]} splits exactly (LMDI, no residual) into "
        "the contribution of each factor, summed over the owned channels."
    )
    doc.raw_html(parts._repr_html_())
    doc.table(
        [
            (
                str(g),
                *(
                    _signed(float(parts.by_group[k][i]), currency)
                    for k in ("pool", "conversion", "monetization", "change")
                ),
            )
            for i, g in enumerate(parts.groups.tolist())
        ],
        ["channel", "pool", "conversion", "monetisation", f"change ({currency})"],
        title="Contributions by channel",
    )
    doc.figure(
        lambda ax: plotting.plot_value_waterfall(
            ["pool", "conversion", "monetisation"],
            [parts["pool"], parts["conversion"], parts["monetization"]],
            start=parts.value_0,
            start_label=periods[0],
            total_label=periods[1],
            currency=currency,
            ax=ax,
        ),
        caption="From the first period's value to the second's, factor by factor.",
    )


def tiers_section(
    doc: Document,
    users: NDArray[np.generic],
    kinds: NDArray[np.str_],
    timestamps: NDArray[np.datetime64],
    *,
    window_days: float = 90.0,
    step_days: int = 30,
    max_snapshots: int = 12,
) -> None:
    """Relationship-ladder tiers over time (monthly snapshots) and the flows between them."""
    from privtraffic import plotting
    from privtraffic.lifecycle import relationship_ladder, transition_matrix

    machine = relationship_ladder(window_days=window_days)
    known = np.isin(kinds, machine.kinds)
    doc.section("Tier mix and flows")
    doc.paragraph(
        "Relationship ladder (basic -> member -> buyer -> repeat buyer -> KOC), classified as of "
        f"the end of each {step_days}-day step with a {window_days:g}-day window: a buyer bought "
        "once in the window, a repeat buyer twice or more, a KOC is a repeat buyer whose review "
        "or referral brought a purchase. Event kinds used: " + ", ".join(machine.kinds) + "."
    )
    if not known.all():
        other, n_other = np.unique(kinds[~known], return_counts=True)
        doc.paragraph(
            f"{int((~known).sum()):,} events of kinds the ladder does not use were left out: "
            + ", ".join(f"{k} ({n:,})" for k, n in zip(other.tolist(), n_other, strict=True))
            + ".",
            note=True,
        )
    users, kinds, timestamps = users[known], kinds[known], timestamps[known]
    last = timestamps.max()
    first = timestamps.min()
    n_steps = int(min(max_snapshots, max(2, (last - first) // np.timedelta64(step_days, "D") + 1)))
    dates = [last - np.timedelta64(step_days * k, "D") for k in range(n_steps - 1, -1, -1)]
    tables = [machine.classify(users, kinds, timestamps, as_of=d) for d in dates]
    tiers = list(machine.tiers)
    counts = np.array([[t.counts()[name] for name in tiers] for t in tables], dtype=np.float64)
    latest = tables[-1].counts()
    n_latest = sum(latest[name] for name in tiers)
    doc.table(
        [
            (name, f"{latest[name]:,}", f"{latest[name] / n_latest:.1%}" if n_latest else "-")
            for name in tiers
        ],
        ["tier", "users", "share"],
        title=f"Tiers as of {_day(dates[-1])}",
    )
    flows = transition_matrix(*tables)
    labels = [*tiers, "(none)"]
    doc.table(
        [(labels[i], *(f"{int(c):,}" for c in flows.counts[i])) for i in range(len(labels))],
        ["from \\ to", *labels],
        title=f"Moves between consecutive snapshots ({len(tables) - 1} steps, pooled)",
    )
    days = np.array([np.datetime64(d, "D") for d in dates])
    doc.figure(
        lambda ax: plotting.plot_tier_mix(days.astype(object), counts, tiers, ax=ax),
        caption="Share of tiered users in each tier at each snapshot.",
    )
    doc.figure(
        lambda ax: plotting.plot_transition_matrix(flows.probabilities, labels, ax=ax),
        caption=f"Probability of moving from one tier to another in {step_days} days "
        "((none): not yet connected, or no tier).",
        size=(6.5, 5.0),
    )
