"""The analyses of a report, each writing its own section into a :class:`Document`.

Each function computes with the public API only (so the report's numbers are the API's numbers)
and returns what it computed, for the demo's printout and for the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from privtraffic._report.document import Document

__all__ = [
    "btyd_section",
    "concentration_section",
    "data_summary_section",
]

Progress = Callable[[str], None]

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}
_UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


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
    horizon_months: float = 12.0,
    discount_rate: float = 0.01,
    top: int = 20,
    progress: Progress,
) -> dict[str, Any]:
    """Model fits, holdout checks and the CLV table."""
    from privtraffic import plotting
    from privtraffic.clv import BetaGeo
    from privtraffic.data import summarize_transactions

    unit_name = _UNIT_NAMES[unit]
    progress("summarising transactions per customer (RFM)")
    summary = summarize_transactions(
        customer_ids, timestamps, values, unit=unit, calibration_end=calibration_end
    )
    f, r, T = summary.frequency, summary.recency, summary.T
    progress(f"fitting BG/NBD on {len(summary):,} customers")
    bgf = BetaGeo().fit(f, r, T)
    results: dict[str, Any] = {"summary": summary, "bgf": bgf}

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
    _model_table(doc, "BG/NBD (Fader, Hardie & Lee 2005)", bgf)
    others = _other_transaction_models()
    fitted_others: dict[str, Any] = {}
    for label, cls in others:
        progress(f"fitting {label}")
        fitted_others[label] = cls().fit(f, r, T)
        _model_table(doc, label, fitted_others[label])
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
            doc, bgf, summary, customer_ids, timestamps, calibration_end, unit, progress
        )

    if values is not None and summary.monetary_value is not None:
        results.update(_clv(doc, bgf, summary, unit, horizon_months, discount_rate, top, progress))
    return results


def _other_transaction_models() -> list[tuple[str, Any]]:
    """Pareto/NBD and MBG/NBD when the installed privtraffic has them."""
    import privtraffic.clv as clv

    out = []
    for name, label in (
        ("ParetoNBD", "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)"),
        ("ModifiedBetaGeo", "MBG/NBD (Batislam, Denizel & Filiztekin 2007)"),
    ):
        if hasattr(clv, name):
            out.append((label, getattr(clv, name)))
    return out


def _holdout_checks(
    doc: Document,
    bgf: Any,
    summary: Any,
    customer_ids: np.ndarray,
    timestamps: np.ndarray,
    calibration_end: Any,
    unit: str,
    progress: Progress,
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
    horizon_months: float,
    discount_rate: float,
    top: int,
    progress: Progress,
) -> dict[str, Any]:
    from privtraffic.clv import GammaGamma, customer_lifetime_value

    f, r, T, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    repeat = (f > 0) & (m > 0)
    progress(f"fitting Gamma-Gamma on {int(repeat.sum()):,} repeat buyers")
    ggf = GammaGamma().fit(f[repeat], m[repeat])
    doc.section("Spend model and customer lifetime value")
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
    horizon_units = horizon_months * (365.25 / 12.0) / _UNIT_DAYS[unit]
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
    table = concentration(per_customer)
    doc.section(title)
    doc.paragraph(
        "How concentrated value is across customers: the Gini coefficient (0 = everyone is worth "
        "the same) and the share of the total held by the top 1%, 5%, 10%, 20% and 50% of "
        "customers."
    )
    rows = [("spend to date", *table.rows()[0][1:])]
    clv_table = None
    if clv is not None and np.sum(clv) > 0:
        clv_table = concentration(np.clip(clv, 0.0, None))
        rows.append(("CLV", *clv_table.rows()[0][1:]))
    doc.table(rows, ["value", *table.header()[1:]])
    doc.figure(
        lambda ax: plotting.plot_lorenz_curve(per_customer, label="spend to date", ax=ax),
        caption="Lorenz curve of spend per customer.",
        size=(5.5, 5.0),
    )
    return {"spend": table, "clv": clv_table, "per_customer": per_customer}
