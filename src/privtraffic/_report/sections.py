"""The analyses of a report, each writing its own section into a :class:`Document`.

Each function computes with the public API only (so the report's numbers are the API's numbers)
and returns what it computed, for the demo's printout and for the tests.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from privtraffic._report.document import Document
from privtraffic._validation import DAYS_PER_MONTH, unit_days

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

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def _day(value: Any) -> str:
    return str(np.datetime64(value, "D"))


def data_summary_section(
    doc: Document,
    customer_ids: np.ndarray,
    timestamps: np.ndarray,
    values: np.ndarray | None,
    *,
    calibration_end: Any = None,
    source: str = "",
) -> dict[str, Any]:
    """Rows, customers, dates, value and the calibration / holdout split."""
    doc.section("Data summary")
    if source:
        doc.paragraph(source, note=True)
    days = timestamps.astype("datetime64[D]")
    customers, n_orders_per_customer = np.unique(customer_ids, return_counts=True)
    facts: dict[str, Any] = {
        "transactions": f"{len(customer_ids):,}",
        "customers": f"{len(customers):,}",
        "first transaction": _day(days.min()),
        "last transaction": _day(days.max()),
        "customers with more than one transaction": (
            f"{int(np.sum(n_orders_per_customer > 1)):,} ({np.mean(n_orders_per_customer > 1):.1%})"
        ),
    }
    if values is not None:
        facts["total value"] = f"{float(values.sum()):,.2f}"
        facts["mean value per transaction"] = f"{float(values.mean()):,.2f}"
    if calibration_end is not None:
        cut = np.datetime64(calibration_end, "D")
        facts["calibration period"] = f"{_day(days.min())} to {_day(cut)}"
        facts["holdout period"] = f"{_day(cut + 1)} to {_day(days.max())}"
        facts["transactions in the holdout period"] = f"{int(np.sum(days > cut)):,}"
    doc.facts(facts)
    return facts


def _summary_rows(model: Any) -> list[tuple[Any, ...]]:
    s = model.summary()
    return [
        (str(p), float(e), float(se), float(lo), float(hi))
        for p, e, se, lo, hi in zip(
            s.parameter, s.estimate, s.standard_error, s.lower_95, s.upper_95, strict=True
        )
    ]


def _fit(doc: Document, label: str, fit: Callable[[], Any], progress: Progress) -> Any | None:
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


def _fit_rfm(cls: Any, f: np.ndarray, r: np.ndarray, T: np.ndarray) -> Any:
    return cls().fit(f, r, T)


def _model_table(doc: Document, title: str, model: Any) -> None:
    doc.table(
        _summary_rows(model),
        ["parameter", "estimate", "standard error", "lower 95%", "upper 95%"],
        title=f"{title}: log-likelihood {model.log_likelihood_:,.2f}",
    )


def btyd_section(
    doc: Document,
    customer_ids: np.ndarray,
    timestamps: np.ndarray,
    values: np.ndarray | None,
    *,
    unit: str = "W",
    calibration_end: Any = None,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    top: int = 20,
    compare: tuple[str, ...] = (),
    progress: Progress,
) -> dict[str, Any]:
    """Model fits (BG/NBD, plus the ``compare`` models), holdout checks and the CLV table."""
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
        summary = attrs.evolve(
            summary, **{name: col[~newborn] for name, col in summary.columns().items()}
        )
    f, r, T = summary.frequency, summary.recency, summary.T
    results: dict[str, Any] = {"summary": summary, "n_left_out": int(newborn.sum())}

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
        return results
    bgf = _fit(doc, "BG/NBD", lambda: BetaGeo().fit(f, r, T), progress)
    results["bgf"] = bgf
    if bgf is None:
        return results
    _model_table(doc, "BG/NBD (Fader, Hardie & Lee 2005)", bgf)
    fitted_others: dict[str, Any] = {}
    for label, cls in _other_transaction_models(compare):
        model = _fit(doc, label, functools.partial(_fit_rfm, cls, f, r, T), progress)
        if model is not None:
            fitted_others[label] = model
            _model_table(doc, label, model)
    results["other_models"] = fitted_others

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
        results["holdout"] = _holdout_checks(
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

    if values is not None and summary.monetary_value is not None:
        results.update(_clv(doc, bgf, summary, unit, horizon_months, discount_rate, top, progress))
    return results


#: The extra transaction models a report can compare with BG/NBD: option name -> (class, label).
EXTRA_MODELS = {
    "paretonbd": ("ParetoNBD", "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)"),
    "mbgnbd": ("ModifiedBetaGeo", "MBG/NBD (Batislam, Denizel & Filiztekin 2007)"),
}


def _other_transaction_models(names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The classes of the requested extra models."""
    import privtraffic.clv as clv

    return [(EXTRA_MODELS[n][1], getattr(clv, EXTRA_MODELS[n][0])) for n in names]


def _holdout_checks(
    doc: Document,
    bgf: Any,
    summary: Any,
    customer_ids: np.ndarray,
    timestamps: np.ndarray,
    calibration_end: Any,
    unit: str,
    progress: Progress,
    *,
    others: dict[str, Any],
) -> dict[str, Any]:
    from privtraffic import plotting

    progress("checking the forecasts against the holdout period")
    f, r, T = summary.frequency, summary.recency, summary.T
    hf, hd = summary.holdout_frequency, summary.holdout_duration
    predicted = bgf.expected_purchases(hd, f, r, T)
    bins, actual, expected, n = plotting.holdout_purchases_by_frequency(bgf, f, r, T, hf, hd)
    doc.section("Holdout checks")
    doc.paragraph(
        f"The calibration-period fit forecasts each customer's purchases over the holdout period "
        f"({float(hd[0]):.4g} {_UNIT_NAMES[unit]}); the table compares the mean forecast with the "
        "mean actual purchases, grouped by calibration-period repeat purchases."
    )
    total = {
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
    return {"predicted": predicted, **total}


def _clv(
    doc: Document,
    bgf: Any,
    summary: Any,
    unit: str,
    horizon_months: int,
    discount_rate: float,
    top: int,
    progress: Progress,
) -> dict[str, Any]:
    from privtraffic.clv import GammaGamma, customer_lifetime_value

    f, r, T, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    repeat = (f > 0) & (m > 0)
    doc.section("Spend model and customer lifetime value")
    if repeat.sum() < 3:
        doc.paragraph(
            f"Only {int(repeat.sum())} customers made a repeat purchase with a positive value: "
            "too few to fit the spend model, so there is no CLV table.",
            note=True,
        )
        return {}
    ggf = _fit(
        doc,
        f"Gamma-Gamma on {int(repeat.sum()):,} repeat buyers",
        lambda: GammaGamma().fit(f[repeat], m[repeat]),
        progress,
    )
    if ggf is None:
        return {}
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
    doc.paragraph(
        f"Customer lifetime value: expected margin over the next {horizon_months:g} months, "
        f"discounted at {discount_rate:.2%} per month (BG/NBD purchases x Gamma-Gamma spend). "
        f"Total over all customers: {float(np.sum(clv)):,.2f}."
    )
    doc.table(
        [
            (
                summary.customer_id[i].item(),
                int(f[i]),
                float(r[i]),
                float(T[i]),
                float(m[i]),
                float(alive[i]),
                float(purchases[i]),
                float(spend[i]),
                float(clv[i]),
            )
            for i in order
        ],
        [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "P(alive)",
            f"purchases next {horizon_months:g} months",
            "expected spend",
            "CLV",
        ],
        title=f"Top {len(order)} customers by CLV",
        max_rows=top,
    )
    return {"ggf": ggf, "clv": clv, "top_customers": summary.customer_id[order]}


def concentration_section(
    doc: Document,
    customer_ids: np.ndarray,
    values: np.ndarray,
    *,
    clv: np.ndarray | None = None,
    title: str = "Concentration",
) -> dict[str, Any]:
    """Gini and top-k% shares of value per customer, with the Lorenz curve."""
    from privtraffic import plotting
    from privtraffic.value import concentration

    customers, inverse = np.unique(customer_ids, return_inverse=True)
    per_customer = np.bincount(inverse, weights=values, minlength=customers.size)
    doc.section(title)
    if not per_customer.sum() > 0:
        doc.paragraph("Every transaction has value 0: there is no value to measure.", note=True)
        return {}
    table = concentration(per_customer)
    doc.paragraph(
        "How concentrated value is across customers: the Gini coefficient (0 = everyone is worth "
        "the same) and the share of the total held by the top 1%, 5%, 10%, 20% and 50% of "
        "customers."
    )

    def row(label: str, c: Any) -> tuple[Any, ...]:
        n, total, gini, *shares = c.rows()[0][1:]
        return (label, f"{n:,}", f"{total:,.2f}", f"{gini:.4f}", *(f"{x:.1%}" for x in shares))

    rows = [row("spend to date", table)]
    clv_table = None
    if clv is not None and np.sum(clv) > 0:
        clv_table = concentration(np.clip(clv, 0.0, None))
        rows.append(row("CLV", clv_table))
    header = ["value", "customers", "total", "Gini", *(f"top {k:.0%}" for k in table.shares)]
    doc.table(rows, header)
    doc.figure(
        lambda ax: plotting.plot_lorenz_curve(per_customer, label="spend to date", ax=ax),
        caption="Lorenz curve of spend per customer.",
        size=(5.5, 5.0),
    )
    return {"spend": table, "clv": clv_table, "per_customer": per_customer}


def referral_section(
    doc: Document,
    referrers: np.ndarray,
    referees: np.ndarray,
    buyer_ids: np.ndarray,
    values: np.ndarray,
    *,
    top: int = 20,
) -> dict[str, Any]:
    """The KOC leaderboard from the referral log and the purchases, and the top KOC's tree."""
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
                float(scores.own_value[i]),
                int(scores.direct_referrals[i]),
                int(scores.converted_referrals[i]),
                int(scores.descendants[i]),
                float(scores.referred_value[i]),
                float(scores.network_value[i]),
                float(scores.score[i]),
                "yes" if scores.is_koc[i] else "",
            )
            for i in order
        ],
        [
            "user",
            "own value",
            "direct referrals",
            "referrals who bought",
            "users below",
            "direct referrals' value",
            "network value",
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
    return {"graph": graph, "scores": scores, "leaderboard": scores.user[order]}


def commission_section(
    doc: Document,
    order_ids: np.ndarray,
    sharers: np.ndarray,
    amounts: np.ndarray,
    plan: Any,
    uplines: np.ndarray | None = None,
    distributors: np.ndarray | None = None,
    *,
    top: int = 20,
) -> dict[str, Any]:
    """Commissions of the orders under the plan: totals, per level, top beneficiaries."""
    from decimal import Decimal

    from privtraffic.commission import (
        CommissionPlan,
        DistributorNetwork,
        compliance_report,
        compute_commissions,
    )

    if not isinstance(plan, CommissionPlan):
        plan = CommissionPlan.from_dict(plan)
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
        rows_level.append(
            (level, int(mask.sum()), f"{Decimal(int(batch.amount_minor[mask].sum())) / 100:,.2f}")
        )
    facts = {
        "orders": f"{len(order_ids):,}",
        "order value": f"{gmv:,.2f} {plan.currency}",
        "total commission": f"{total:,.2f} {plan.currency}",
        "commission / order value": f"{float(total / gmv):.2%}" if gmv else "-",
        "distributors paid": f"{len(set(batch.beneficiary.tolist())):,}",
    }
    doc.facts(facts)
    doc.table(rows_level, ["level", "entries", f"commission ({plan.currency})"], title="By level")
    ranked = sorted(batch.by_beneficiary().items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    doc.table(
        [(k if not isinstance(k, np.generic) else k.item(), f"{v:,.2f}") for k, v in ranked],
        ["distributor", f"commission ({plan.currency})"],
        title=f"Top {len(ranked)} distributors",
        max_rows=top,
    )
    doc.raw_html(compliance_report(plan)._repr_html_())
    return {"batch": batch, "total": total, "gmv": gmv}


def funnel_section(
    doc: Document,
    users: np.ndarray,
    kinds: np.ndarray,
    timestamps: np.ndarray,
    steps: tuple[str, ...],
    *,
    window_days: float,
) -> dict[str, Any]:
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
    return {"n_reached": reached}


def value_decomposition_section(
    doc: Document,
    pool: tuple[np.ndarray, np.ndarray],
    buyers: tuple[np.ndarray, np.ndarray],
    revenue: tuple[np.ndarray, np.ndarray],
    groups: np.ndarray,
    *,
    periods: tuple[str, str],
) -> dict[str, Any]:
    """Pool x conversion x monetisation between two periods, by group, with the waterfall."""
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
                    f"{float(parts.by_group[k][i]):+,.2f}"
                    for k in ("pool", "conversion", "monetization", "change")
                ),
            )
            for i, g in enumerate(parts.groups.tolist())
        ],
        ["channel", "pool", "conversion", "monetisation", "change"],
        title="Contributions by channel",
    )
    doc.figure(
        lambda ax: plotting.plot_value_waterfall(
            ["pool", "conversion", "monetisation"],
            [parts["pool"], parts["conversion"], parts["monetization"]],
            start=parts.value_0,
            start_label=periods[0],
            total_label=periods[1],
            ax=ax,
        ),
        caption="From the first period's value to the second's, factor by factor.",
    )
    return {"decomposition": parts}


def tiers_section(
    doc: Document,
    users: np.ndarray,
    kinds: np.ndarray,
    timestamps: np.ndarray,
    *,
    window_days: float = 90.0,
    step_days: int = 30,
    max_snapshots: int = 12,
) -> dict[str, Any]:
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
    return {"snapshots": tables, "flows": flows, "counts": counts}
