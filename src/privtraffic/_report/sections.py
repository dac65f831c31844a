"""The analyses of a report, each writing its own section into a :class:`Document`.

Each function computes with the public API only, so the report's numbers are the API's numbers.
Every text comes from the message catalogue (:mod:`privtraffic._report.messages`) in the
document's language, through ``doc.text(key, **fields)``; tier names and event kinds are shown
as words (``repeat buyer``, 复购客户), never as snake_case codes. Money is shown by
:func:`privtraffic.money.format_amount` with the currency's own decimals (JPY none, CNY and USD
two): in tables as the bare number under a header naming the currency, in sentences and
summaries as the number followed by the currency code (``"100 JPY"``). Counts carry thousands
separators; no table shows a number in scientific notation.
"""

from __future__ import annotations

import datetime
import functools
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, SupportsInt, TypeAlias, TypeVar

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic import plotting
from privtraffic._report import messages
from privtraffic._report.document import Document, format_number
from privtraffic._report.messages import MESSAGES
from privtraffic._report.reading import Margin, clv_name, clv_sentence, margin_of
from privtraffic._validation import DAYS_PER_MONTH, Moment, unit_days
from privtraffic.money import DEFAULT_CURRENCY, format_amount

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.clv import (
        BetaGeo,
        BTYDModel,
        CovariateModel,
        GammaGamma,
        ModifiedBetaGeo,
        ParetoNBD,
    )
    from privtraffic.commission import CommissionPlan, ComplianceFinding, ComplianceReport
    from privtraffic.data import RFMSummary
    from privtraffic.value import Concentration

__all__ = [
    "EXTRA_MODELS",
    "acquisition_section",
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
#: An amount of money: exact (Decimal, int, str) or an estimate (float).
Amount: TypeAlias = Decimal | int | str | float | np.floating

_Model = TypeVar("_Model", bound="BTYDModel | CovariateModel")


def _count(n: SupportsInt) -> str:
    return f"{int(n):,}"


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
    """Rows, customers, dates, value (in ``currency``) and the calibration / holdout split.

    ``source`` is a note printed first (e.g. ``doc.text("report.source", name=...)``).
    """
    t = doc.text
    doc.section(t("data.title"))
    if source:
        doc.paragraph(source, note=True)
    days = timestamps.astype("datetime64[D]")
    customers, n_orders_per_customer = np.unique(customer_ids, return_counts=True)
    repeat = n_orders_per_customer > 1
    facts: dict[str, str] = {
        t("data.transactions"): _count(len(customer_ids)),
        t("data.customers"): _count(len(customers)),
        t("data.first"): _day(days.min()),
        t("data.last"): _day(days.max()),
        t("data.repeat_customers"): t(
            "data.count_share", n=_count(np.sum(repeat)), share=f"{np.mean(repeat):.1%}"
        ),
    }
    if values is not None:
        facts[t("data.currency")] = currency
        facts[t("data.total")] = format_amount(float(values.sum()), currency, symbol=False)
        facts[t("data.mean")] = format_amount(float(values.mean()), currency, symbol=False)
        if np.any(values == 0):  # gifts, samples: purchases, but not in the average spend
            facts[t("data.zero_value_label")] = t("data.zero_value", n=_count(np.sum(values == 0)))
    if calibration_end is not None:
        cut = _as_day(calibration_end)
        facts[t("data.calibration")] = t("doc.range", start=_day(days.min()), end=_day(cut))
        facts[t("data.holdout")] = t("doc.range", start=_day(cut + 1), end=_day(days.max()))
        facts[t("data.holdout_transactions")] = _count(np.sum(days > cut))
    doc.facts(facts)


def _summary_rows(model: BTYDModel) -> list[tuple[str, float, float, float, float]]:
    s = model.summary()
    return [
        (str(p), float(e), float(se), float(lo), float(hi))
        for p, e, se, lo, hi in zip(
            s.parameter, s.estimate, s.standard_error, s.lower_95, s.upper_95, strict=True
        )
    ]


def _fit(
    doc: Document,
    label: str,
    fit: Callable[[], _Model],
    progress: Progress,
    *,
    name: str | None = None,
) -> _Model | None:
    """Run one model fit; convergence problems become notes in the report, not failures.

    ``label`` names the model on the page (in its language), ``name`` in the progress lines
    (English, as every progress line; ``label`` when omitted).
    """
    from privtraffic.errors import ConvergenceError, ConvergenceWarning

    label_en = label if name is None else name
    progress(f"fitting {label_en}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            model = fit()
        except ConvergenceError as exc:
            doc.paragraph(doc.text("fit.failed", label=label), note=True, detail=str(exc))
            progress(f"{label_en} could not be fitted: {exc}")
            return None
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            doc.paragraph(doc.text("fit.warning", label=label), note=True, detail=str(w.message))
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


def _fit_cautions(doc: Document, model: BTYDModel) -> list[str | tuple[str, str]]:
    """The fit diagnostics' sentences in the page's language (English: the model's own)."""
    diagnostics = model.fit_diagnostics_
    if diagnostics is None:
        return []
    if doc.lang == "en":
        return list(diagnostics.messages)
    items: list[str | tuple[str, str]] = []
    for note in diagnostics.notes:
        fields = dict(note.fields)
        translated = tuple(
            (k, doc.text(f"caution.term.{v}")) if k in ("what", "verb") else (k, v)
            for k, v in note.fields
        )
        line = attrs.evolve(note, fields=translated).format(
            doc.text(f"caution.fit.{note.code}"),
            not_available=doc.text("caution.fit.not_available"),
        )
        items.append((line, str(fields["reason"])) if "reason" in fields else line)
    return items


def _model_table(doc: Document, title: str, model: BTYDModel) -> None:
    t = doc.text
    doc.caution(_fit_cautions(doc, model))
    doc.table(
        _summary_rows(model),
        [t("fit.param"), t("fit.estimate"), t("fit.se"), t("fit.lower"), t("fit.upper")],
        title=t("fit.table", model=title, ll=f"{model.log_likelihood_:,.2f}"),
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
    margin: Margin = None,
) -> NDArray[np.float64] | None:
    """Model fits (BG/NBD, plus the ``compare`` models), holdout checks and the CLV table.

    ``margin`` makes the CLV a margin: one share of revenue, or (customer ids, share) pairs;
    without it the CLV is revenue and says so.

    Returns each modelled customer's CLV (for the concentration section), or None when there
    is no CLV table (no values, too few repeat buyers, a fit that failed).
    """
    from privtraffic.clv import BetaGeo
    from privtraffic.data import summarize_transactions

    t = doc.text
    progress("summarising transactions per customer (RFM)")
    summary = summarize_transactions(
        customer_ids, timestamps, values, unit=unit, calibration_end=calibration_end
    )
    newborn = summary.T <= 0
    if newborn.any():  # first purchase on the last day: no time observed, nothing to fit
        kept = {name: col[~newborn] for name, col in summary.columns().items()}
        summary = attrs.evolve(summary, **kept)  # type: ignore[arg-type]
    f, r, T = summary.frequency, summary.recency, summary.T

    doc.section(t("fit.title"))
    period = (
        t("fit.period.calibration", cut=_day(calibration_end))
        if calibration_end is not None
        else t("fit.period.all")
    )
    doc.paragraph(t("fit.intro", n=_count(len(summary)), period=period, unit=t(f"unit.{unit}")))
    if newborn.any():
        doc.paragraph(t("fit.newborn", n=_count(newborn.sum())), note=True)
    if len(summary) == 0:
        doc.paragraph(t("fit.nothing"), note=True)
        return None
    bgf = _fit(doc, "BG/NBD", lambda: BetaGeo().fit(f, r, T), progress)
    if bgf is None:
        return None
    _model_table(doc, t("model.bgnbd"), bgf)
    fitted_others: dict[str, ParetoNBD | ModifiedBetaGeo] = {}
    for name, cls in _other_transaction_models(compare):
        label = t(f"model.{name}")
        model = _fit(
            doc,
            label,
            functools.partial(_fit_rfm, cls, f, r, T),
            progress,
            name=EXTRA_MODELS[name][1],
        )
        if model is not None:
            fitted_others[name] = model
            _model_table(doc, label, model)

    doc.figure(
        lambda ax: plotting.plot_period_transactions(
            bgf, f, T, texts=doc.plot_texts("period"), ax=ax
        ),
        caption=t("fit.cap.period"),
    )
    max_f = int(min(max(np.percentile(f, 99), 5), 40))
    t_matrix = float(np.max(T))
    doc.figure(
        lambda ax: plotting.plot_frequency_recency_matrix(
            bgf, T=t_matrix, max_frequency=max_f, texts=doc.plot_texts("frequency_recency"), ax=ax
        ),
        caption=t(
            "fit.cap.frequency_recency",
            unit=t(f"unit.one.{unit}"),
            T=format_number(t_matrix),
            units=t(f"unit.{unit}"),
        ),
    )
    doc.figure(
        lambda ax: plotting.plot_probability_alive_matrix(
            bgf, T=t_matrix, max_frequency=max_f, texts=doc.plot_texts("alive"), ax=ax
        ),
        caption=t("fit.cap.alive"),
    )
    _alive_history_figure(doc, bgf, summary, customer_ids, timestamps, unit)

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
    return _clv(
        doc, bgf, summary, unit, horizon_months, discount_rate, top, progress, currency, margin
    )


def _alive_history_figure(
    doc: Document,
    model: BetaGeo,
    summary: RFMSummary,
    customer_ids: NDArray[np.generic],
    timestamps: NDArray[np.generic],
    unit: str,
) -> None:
    """P(alive) along the history of the customer with the most repeat purchases."""
    if len(summary) == 0 or float(summary.frequency.max()) < 1:
        return
    i = int(np.argmax(summary.frequency))
    who = summary.customer_id[i]
    days = np.asarray(timestamps, dtype="datetime64[s]")[np.asarray(customer_ids) == who]
    days = np.unique(days.astype("datetime64[D]"))  # a day's purchases are one, as in the RFM
    ages = (days - days[0]).astype(np.float64) / unit_days(unit)
    ages = ages[1:][ages[1:] <= float(summary.T[i])]  # repeat purchases within the fit's data
    end = float(summary.T[i])
    doc.figure(
        lambda ax: plotting.plot_probability_alive_history(
            model, ages, end, texts=doc.plot_texts("alive_history"), ax=ax
        ),
        caption=doc.text(
            "fit.cap.alive_history", n=_count(len(ages)), units=doc.text(f"unit.{unit}")
        ),
    )


#: The extra transaction models a report can compare with BG/NBD: option name -> (class, short
#: name). The full label with its citation is the catalogue entry ``model.<option name>``.
EXTRA_MODELS = {
    "paretonbd": ("ParetoNBD", "Pareto/NBD"),
    "mbgnbd": ("ModifiedBetaGeo", "MBG/NBD"),
}


def _other_transaction_models(
    names: tuple[str, ...],
) -> list[tuple[str, type[ParetoNBD] | type[ModifiedBetaGeo]]]:
    """The option names and classes of the requested extra models."""
    from privtraffic.clv import ModifiedBetaGeo, ParetoNBD

    classes: dict[str, type[ParetoNBD] | type[ModifiedBetaGeo]] = {
        "ParetoNBD": ParetoNBD,
        "ModifiedBetaGeo": ModifiedBetaGeo,
    }
    return [(n, classes[EXTRA_MODELS[n][0]]) for n in names]


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

    t = doc.text
    progress("checking the forecasts against the holdout period")
    f, r, T = summary.frequency, summary.recency, summary.T
    hf, hd = summary.holdout_frequency, summary.holdout_duration
    assert hf is not None and hd is not None  # a calibration end gives a holdout period
    predicted = bgf.expected_purchases(hd, f, r, T)
    bins, actual, expected, n = plotting.holdout_purchases_by_frequency(bgf, f, r, T, hf, hd)
    doc.section(t("holdout.title"))
    doc.paragraph(t("holdout.intro", length=format_number(float(hd[0])), unit=t(f"unit.{unit}")))
    total: dict[str, str] = {
        t("holdout.actual"): format_number(float(hf.sum())),
        t("holdout.forecast"): format_number(float(predicted.sum())),
        t("holdout.mae"): format_number(float(np.mean(np.abs(predicted - hf)))),
    }
    if summary.n_new_in_holdout:
        total[t("holdout.new")] = _count(summary.n_new_in_holdout)
    doc.facts(total)
    if others:
        from privtraffic.clv import BetaGeo, compare_models

        names = ["BG/NBD", *(EXTRA_MODELS[name][1] for name in others)]
        progress("comparing the models (likelihood, AIC, BIC, holdout errors)")
        with warnings.catch_warnings():
            from privtraffic.errors import ConvergenceWarning

            warnings.simplefilter("ignore", ConvergenceWarning)  # each fit noted above
            table = compare_models([BetaGeo(), *(type(m)() for m in others.values())], summary)
        doc.table(
            [
                (
                    label,
                    f"{table.log_likelihood[i]:,.2f}",
                    f"{table.total_predicted[i]:,.1f}",
                    f"{table.total_actual:,.0f}",
                    f"{table.holdout_mae[i]:.4f}",
                    f"{table.aic[i]:,.2f}",
                    f"{table.bic[i]:,.2f}",
                    f"{table.holdout_rmse[i]:.4f}",
                    f"{table.total_bias[i]:+,.1f}",
                    f"{table.conditional_mae[i]:.4f}",
                )
                for i, label in enumerate(names)
            ],
            [
                t("holdout.model"),
                t("holdout.ll"),
                t("holdout.forecast_purchases"),
                t("holdout.actual_purchases"),
                t("holdout.error"),
                "AIC",
                "BIC",
                t("holdout.rmse"),
                t("holdout.bias"),
                t("holdout.conditional_mae"),
            ],
            title=t("holdout.models"),
        )
        best_fit = names[int(np.argmin(table.bic))]
        best_forecast = names[int(np.argmin(table.conditional_mae))]
        doc.paragraph(
            t(
                "holdout.compare",
                actual=format_number(float(table.total_actual)),
                bic=best_fit,
                conditional=best_forecast,
            )
        )
        doc.figure_pair(
            lambda left, right: plotting.plot_model_comparison(
                table,
                f,
                T,
                customer_ids,
                timestamps,
                calibration_end=calibration_end,
                unit=unit,
                names=names,
                texts=doc.plot_texts("model_comparison"),
                axes=(left, right),
            ),
            caption=t("holdout.cap.models"),
        )
    labels = [str(b) for b in bins[:-1]] + [f"{bins[-1]}+"]
    doc.table(
        [
            (lab, int(k), float(a), float(e))
            for lab, k, a, e in zip(labels, n, actual, expected, strict=True)
            if k > 0
        ],
        [
            t("holdout.bin"),
            t("holdout.customers"),
            t("holdout.actual_mean"),
            t("holdout.forecast_mean"),
        ],
        title=t("holdout.by_frequency"),
    )
    doc.figure(
        lambda ax: plotting.plot_calibration_purchases_vs_holdout_purchases(
            bgf, f, r, T, hf, hd, texts=doc.plot_texts("holdout"), ax=ax
        ),
        caption=t("holdout.cap.calibration"),
    )
    progress("tracking repeat purchases over time")
    doc.figure(
        lambda ax: plotting.plot_cumulative_transactions(
            bgf,
            customer_ids,
            timestamps,
            calibration_end=calibration_end,
            unit=unit,
            texts=doc.plot_texts("cumulative"),
            ax=ax,
        ),
        caption=t("holdout.cap.cumulative"),
    )
    doc.figure(
        lambda ax: plotting.plot_incremental_transactions(
            bgf,
            customer_ids,
            timestamps,
            calibration_end=calibration_end,
            unit=unit,
            texts=doc.plot_texts("incremental"),
            ax=ax,
        ),
        caption=t("holdout.cap.incremental", unit=t(f"unit.one.{unit}")),
    )


@attrs.frozen
class _KnownSpend:
    """A spend model whose predictions are made: each customer's expected spend."""

    spend: NDArray[np.float64]

    def expected_spend(self, frequency: object, monetary_value: object) -> NDArray[np.float64]:
        return self.spend


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
    margin: Margin = None,
) -> NDArray[np.float64] | None:
    from privtraffic.clv import GammaGamma, customer_lifetime_value

    t = doc.text
    f, r, T, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    assert m is not None  # btyd_section calls this only with values
    sf, sm = summary.spend_frequency, summary.spend_value  # zero-value purchases left out
    if sf is None or sm is None:
        sf, sm = np.where(m > 0, f, 0), m
    repeat = sf > 0
    doc.section(t("clv.title"))
    if repeat.sum() < 3:
        doc.paragraph(t("clv.too_few", n=_count(repeat.sum())), note=True)
        return None
    ggf: GammaGamma | None = _fit(
        doc,
        t("clv.gg_label", n=_count(repeat.sum())),
        lambda: GammaGamma().fit(sf[repeat], sm[repeat]),
        progress,
        name=messages.text("clv.gg_label", "en", n=_count(repeat.sum())),
    )
    if ggf is None:
        return None
    doc.paragraph(t("clv.gg_intro"))
    if np.any(sf < f):
        doc.paragraph(t("clv.zero_value", n=_count(np.sum(f - sf))), note=True)
    _model_table(doc, t("model.gammagamma"), ggf)
    progress("computing CLV")
    spend = ggf.expected_spend(sf, sm)
    revenue = customer_lifetime_value(
        bgf, _KnownSpend(spend), f, r, T, m, horizon=horizon_months, discount_rate=discount_rate,
        unit=unit,
    )  # fmt: skip
    clv = revenue * margin_of(margin, summary.customer_id)
    alive = bgf.probability_alive(f, r, T)
    horizon_units = horizon_months * DAYS_PER_MONTH / unit_days(unit)
    purchases = bgf.expected_purchases(horizon_units, f, r, T)
    name = clv_name(margin, doc.lang)
    order = np.argsort(-clv, kind="stable")[:top]

    def money(amount: float) -> str:
        return format_amount(float(amount), currency, symbol=False)

    doc.paragraph(
        clv_sentence(
            margin,
            horizon_months,
            discount_rate,
            _amount(float(np.sum(clv)), currency),
            doc.lang,
        )
    )
    doc.table(
        [
            (
                str(summary.customer_id[i]),
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
            t("clv.customer"),
            t("clv.frequency"),
            t("clv.recency"),
            t("clv.T"),
            t("clv.monetary", currency=currency),
            t("clv.alive"),
            t("clv.purchases", months=f"{horizon_months:g}"),
            t("clv.spend", currency=currency),
            t("clv.clv", name=name, currency=currency),
        ],
        title=t("clv.top", n=_count(len(order)), name=name),
        max_rows=top,
    )
    return clv


def concentration_section(
    doc: Document,
    customer_ids: NDArray[np.generic],
    values: NDArray[np.number],
    *,
    clv: NDArray[np.float64] | None = None,
    title: str | None = None,
    currency: str = DEFAULT_CURRENCY,
    clv_label: str | None = None,
) -> None:
    """Gini and top-k% shares of value per customer, with the Lorenz curve.

    ``title`` is the section heading (``conc.title`` of the catalogue when omitted);
    ``clv_label`` names the CLV row (``clv.kind.revenue``, "revenue CLV", when omitted).
    """
    from privtraffic.value import concentration

    customers, inverse = np.unique(customer_ids, return_inverse=True)
    per_customer = np.bincount(inverse, weights=values, minlength=customers.size)
    t = doc.text
    doc.section(title if title is not None else t("conc.title"))
    if not per_customer.sum() > 0:
        doc.paragraph(t("conc.empty"), note=True)
        return
    table = concentration(per_customer)
    doc.paragraph(t("conc.intro"))

    def row(label: str, c: Concentration) -> tuple[str, ...]:
        return (
            label,
            _count(c.n_customers[0]),
            format_amount(float(c.total[0]), currency, symbol=False),
            f"{float(c.gini[0]):.4f}",
            *(f"{float(x):.1%}" for x in c.top_share[0]),
        )

    rows = [row(t("conc.spend"), table)]
    if clv is not None and np.sum(clv) > 0:
        label = clv_label if clv_label is not None else t("clv.kind.revenue")
        rows.append(row(label, concentration(np.clip(clv, 0.0, None))))
    header = [
        t("conc.value"),
        t("conc.customers"),
        t("conc.total", currency=currency),
        t("conc.gini"),
        *(t("conc.top", share=f"{k:.0%}") for k in table.shares),
    ]
    doc.table(rows, header)
    doc.figure(
        lambda ax: plotting.plot_lorenz_curve(
            per_customer,
            label=doc.plot_text("conc.spend"),
            texts=doc.plot_texts("lorenz"),
            ax=ax,
        ),
        caption=t("conc.cap"),
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
    from privtraffic.referral import ReferralGraph

    t = doc.text
    graph = ReferralGraph.from_edges(referrers, referees, on_invalid="report")
    scores = graph.koc_scores(buyer_ids, values)
    order = np.argsort(-scores.score, kind="stable")[:top]
    doc.section(t("koc.title"))
    doc.paragraph(t("koc.intro"))
    facts = {
        t("koc.users"): _count(graph.n_users),
        t("koc.referred"): _count(graph.n_referred),
        t("koc.rejected"): _count(len(graph.rejected or ())),
        t("koc.kocs"): _count(np.sum(scores.is_koc)),
        t("koc.potential"): _count(np.sum(scores.potential_koc)),
        t("koc.organic"): _count(scores.n_organic_orders),
    }
    doc.facts(facts)
    doc.table(
        [
            (
                str(scores.user[i]),
                format_amount(float(scores.own_value[i]), currency, symbol=False),
                int(scores.direct_referrals[i]),
                int(scores.converted_referrals[i]),
                int(scores.descendants[i]),
                format_amount(float(scores.referred_value[i]), currency, symbol=False),
                format_amount(float(scores.network_value[i]), currency, symbol=False),
                float(scores.score[i]),
                t("doc.yes") if scores.is_koc[i] else "",
            )
            for i in order
        ],
        [
            t("koc.user"),
            t("koc.own", currency=currency),
            t("koc.direct"),
            t("koc.converted"),
            t("koc.below"),
            t("koc.direct_value", currency=currency),
            t("koc.network", currency=currency),
            t("koc.score"),
            t("koc.koc"),
        ],
        title=t("koc.top", n=_count(len(order))),
        max_rows=top,
    )
    # The tree of the user on the board with the most users below (the first on ties).
    widest = order[np.argmax(scores.descendants[order])] if order.size else None
    if widest is not None and scores.direct_referrals[widest] > 0:
        leader = scores.user[widest].item()
        own = dict(zip(scores.user.tolist(), scores.own_value.tolist(), strict=True))
        doc.figure(
            lambda ax: plotting.plot_referral_tree(
                referrers,
                referees,
                leader,
                max_depth=3,
                values=own,
                texts=doc.plot_texts("referral_tree"),
                ax=ax,
            ),
            caption=t("koc.cap", user=repr(leader)),
            size=(8.0, 4.8),
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
    t = doc.text
    doc.section(t("comm.title"))
    doc.paragraph(t("comm.intro"))
    _plan_table(doc, plan)
    rows_level = []
    for level in range(1, plan.n_levels + 1):
        mask = batch.level == level
        minor = int(batch.amount_minor[mask].sum())
        rows_level.append(
            (level, int(mask.sum()), format_amount(minor, currency, symbol=False, minor_units=True))
        )
    facts = {
        t("comm.orders"): _count(len(order_ids)),
        t("comm.order_value"): _amount(gmv, currency),
        t("comm.total"): _amount(total, currency),
        t("comm.share"): f"{float(total / gmv):.2%}" if gmv else "-",
        t("comm.paid"): _count(len(set(batch.beneficiary.tolist()))),
    }
    doc.facts(facts)
    doc.table(
        rows_level,
        [t("comm.level"), t("comm.entries"), t("comm.commission", currency=currency)],
        title=t("comm.by_level"),
    )
    ranked = sorted(batch.by_beneficiary().items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    doc.table(
        [(str(k), format_amount(v, currency, symbol=False)) for k, v in ranked],
        [t("comm.distributor"), t("comm.commission", currency=currency)],
        title=t("comm.top", n=_count(len(ranked))),
        max_rows=top,
    )
    _compliance_table(doc, plan, compliance_report(plan))


def _choice(doc: Document, group: str, value: str) -> str:
    """An option value of the plan as a word of the page's language (unknown ones as they are)."""
    key = f"{group}.{value}"
    return doc.text(key) if key in MESSAGES else value


def _plan_table(doc: Document, plan: CommissionPlan) -> None:
    """The plan's rates and rules, in the page's language."""
    t = doc.text
    rows: list[tuple[str, str, str]] = [
        (t("comm.level_n", n=i + 1), t("comm.default"), str(r))
        for i, r in enumerate(plan.level_rates)
    ]
    for key, rates in plan.category_rates:
        rows.extend(
            (t("comm.level_n", n=i + 1), t("comm.category", name=key), str(r))
            for i, r in enumerate(rates)
        )
    rows.extend((t("comm.rank", name=k), t("comm.uplift"), f"+{v}") for k, v in plan.rank_uplifts)
    binding = _choice(doc, "binding", plan.binding)
    if plan.binding_days:
        binding = t("comm.binding_days", rule=binding, days=plan.binding_days)
    rules = {
        t("comm.cap"): str(plan.total_cap),
        t("comm.rounding"): _choice(doc, "rounding", plan.rounding),
        t("comm.currency"): plan.currency,
        t("comm.holding"): _count(plan.holding_days),
        t("comm.self"): t("doc.yes") if plan.self_purchase_earns else t("doc.no"),
        t("comm.binding"): binding,
        t("comm.ineligible"): _choice(doc, "ineligible", plan.ineligible_upline),
        t("comm.min_payout"): _amount(plan.min_payout, plan.currency),
        t("comm.max_levels"): _count(plan.max_levels),
    }
    if plan.override_reason:
        rules[t("comm.override")] = plan.override_reason
    doc.table(
        rows,
        [t("comm.level"), t("comm.applies"), t("comm.rate")],
        title=t("comm.plan"),
        notes=rules,
    )


def _compliance_table(doc: Document, plan: CommissionPlan, report: ComplianceReport) -> None:
    """The compliance findings: feature, status, what triggered it, the sources.

    In English the detail is the finding's own text; in another language it is the catalogue's
    explanation of the (feature, status) code pair, filled in from the plan's own fields (its
    levels, entry fee, rank uplifts), and the sources are the catalogue's citations.
    """
    from privtraffic.commission import SOURCES

    t = doc.text

    def detail(f: ComplianceFinding) -> str:
        key = f"finding.{f.feature}.{f.status}"
        if key == "finding.headcount_pay.absent" and plan.rank_uplifts:
            key += ".uplifts"
        if doc.lang == "en" or key not in MESSAGES:
            return f.detail
        return t(key, levels=plan.n_levels, fee=_amount(plan.entry_fee, plan.currency))

    def source(key: str) -> str:
        if doc.lang != "en" and f"source.{key}" in MESSAGES:
            return t(f"source.{key}")
        return SOURCES[key]

    rows = [
        (
            _choice(doc, "feature", f.feature),
            _choice(doc, "status", f.status),
            detail(f),
            t("doc.source_sep").join(source(k) for k in f.sources),
        )
        for f in report.findings
    ]
    doc.table(
        rows,
        [t("comm.feature"), t("comm.status"), t("comm.detail"), t("comm.sources")],
        title=t("comm.compliance"),
        text=True,
    )
    doc.paragraph(t("comm.not_advice"), note=True)
    if report.override_reason:
        doc.paragraph(f"{t('comm.override')}: {report.override_reason}", note=True)


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
    from privtraffic.funnel import Funnel

    t = doc.text
    result = Funnel(list(steps), window=window_days).analyze(users, kinds, timestamps)
    reached = result.n_reached
    doc.section(t("funnel.title"))
    doc.paragraph(t("funnel.intro", days=f"{window_days:g}"))
    doc.table(
        [
            (
                doc.event(step),
                _count(n),
                f"{n / reached[k - 1]:.1%}" if k else "",
                f"{n / reached[0]:.1%}",
            )
            for k, (step, n) in enumerate(zip(steps, reached, strict=True))
        ],
        [t("funnel.step"), t("funnel.users"), t("funnel.of_previous"), t("funnel.of_first")],
    )
    doc.figure(
        lambda ax: plotting.plot_funnel(
            [doc.plot_event(s) for s in steps], reached, texts=doc.plot_texts("funnel"), ax=ax
        ),
        caption=t("funnel.cap"),
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
    plot_periods: tuple[str, str] | None = None,
) -> None:
    """Pool x conversion x monetisation between two periods, by group, with the waterfall.

    The contributions are money (revenue in ``currency``). ``periods`` name the two periods in
    the page's language; ``plot_periods`` in the plots' (the same when omitted).
    """
    plot_periods = periods if plot_periods is None else plot_periods
    from privtraffic.value import decompose, three_factors

    f0 = three_factors(pool[0], buyers[0], revenue[0])
    f1 = three_factors(pool[1], buyers[1], revenue[1])
    parts = decompose(
        pool=(f0["pool"], f1["pool"]),
        conversion=(f0["conversion"], f1["conversion"]),
        monetization=(f0["monetization"], f1["monetization"]),
        groups=groups,
    )
    t = doc.text
    doc.section(t("value.title"))
    doc.paragraph(t("value.intro", before=periods[0], after=periods[1]))
    factors = ("pool", "conversion", "monetization")
    doc.table(
        [
            *((t(f"value.{k}"), _signed(float(parts[k]), currency)) for k in factors),
            (t("value.change"), _signed(float(parts.change), currency)),
        ],
        [t("value.factor"), t("value.contribution", currency=currency)],
        title=t("value.factors"),
    )
    doc.facts(
        {
            t("value.in_period", period=periods[0]): _amount(float(parts.value_0), currency),
            t("value.in_period", period=periods[1]): _amount(float(parts.value_1), currency),
        }
    )
    doc.table(
        [
            (
                _choice(doc, "channel", str(g)),
                *(
                    _signed(float(parts.by_group[k][i]), currency)
                    for k in ("pool", "conversion", "monetization", "change")
                ),
            )
            for i, g in enumerate(parts.groups.tolist())
        ],
        [
            t("value.channel"),
            t("value.pool"),
            t("value.conversion"),
            t("value.monetization"),
            t("value.change_cur", currency=currency),
        ],
        title=t("value.by_channel"),
    )
    doc.figure(
        lambda ax: plotting.plot_value_waterfall(
            [doc.plot_text(f"value.{k}") for k in factors],
            [parts["pool"], parts["conversion"], parts["monetization"]],
            start=parts.value_0,
            start_label=plot_periods[0],
            total_label=plot_periods[1],
            currency=currency,
            texts=doc.plot_texts("waterfall"),
            ax=ax,
        ),
        caption=t("value.cap"),
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
    from privtraffic.lifecycle import relationship_ladder, transition_matrix

    t = doc.text
    machine = relationship_ladder(window_days=window_days)
    known = np.isin(kinds, machine.kinds)
    doc.section(t("tiers.title"))
    doc.paragraph(
        t(
            "tiers.intro",
            step=step_days,
            window=f"{window_days:g}",
            kinds=doc.join(doc.event(k) for k in machine.kinds),
        )
    )
    if not known.all():
        other, n_other = np.unique(kinds[~known], return_counts=True)
        listed = doc.join(
            t("doc.count_of", name=doc.event(k), n=_count(n))
            for k, n in zip(other.tolist(), n_other, strict=True)
        )
        doc.paragraph(t("tiers.left_out", n=_count((~known).sum()), kinds=listed), note=True)
    users, kinds, timestamps = users[known], kinds[known], timestamps[known]
    if users.size == 0:
        doc.paragraph(t("tiers.no_events"), note=True)
        return
    last = timestamps.max()
    first = timestamps.min()
    # every snapshot on or after the first event: a log shorter than a step has one snapshot
    n_steps = int(min(max_snapshots, (last - first) // np.timedelta64(step_days, "D") + 1))
    dates = [last - np.timedelta64(step_days * k, "D") for k in range(n_steps - 1, -1, -1)]
    tables = [machine.classify(users, kinds, timestamps, as_of=d) for d in dates]
    tiers = list(machine.tiers)
    counts = np.array([[t.counts()[name] for name in tiers] for t in tables], dtype=np.float64)
    latest = tables[-1].counts()
    n_latest = sum(latest[name] for name in tiers)
    doc.table(
        [
            (
                doc.tier(name),
                _count(latest[name]),
                f"{latest[name] / n_latest:.1%}" if n_latest else "-",
            )
            for name in tiers
        ],
        [t("tiers.tier"), t("tiers.users"), t("tiers.share")],
        title=t("tiers.as_of", date=_day(dates[-1])),
    )
    if len(tables) < 2:
        span = (last - first) / np.timedelta64(1, "D")
        doc.paragraph(t("tiers.short", days=format_number(float(span)), step=step_days), note=True)
        return
    flows = transition_matrix(*tables)
    labels = [doc.tier(name) for name in tiers] + [doc.tier(None)]
    doc.table(
        [(labels[i], *(_count(c) for c in flows.counts[i])) for i in range(len(labels))],
        [t("tiers.from_to"), *labels],
        title=t("tiers.moves", n=_count(len(tables) - 1)),
    )
    days = np.array([np.datetime64(d, "D") for d in dates])
    plot_labels = [doc.plot_tier(name) for name in tiers] + [doc.plot_tier(None)]
    doc.figure(
        lambda ax: plotting.plot_tier_mix(
            days.astype(object),
            counts,
            plot_labels[:-1],
            texts=doc.plot_texts("tier_mix"),
            ax=ax,
        ),
        caption=t("tiers.cap.mix"),
    )
    doc.figure(
        lambda ax: plotting.plot_transition_matrix(
            flows.probabilities, plot_labels, texts=doc.plot_texts("transition"), ax=ax
        ),
        caption=t("tiers.cap.transitions", days=step_days, none=doc.tier(None)),
        size=(6.5, 5.0),
    )


def acquisition_section(
    doc: Document,
    customer_ids: NDArray[np.generic],
    timestamps: NDArray[np.generic],
    values: NDArray[np.number],
    channel_ids: NDArray[np.generic],
    channels: NDArray[np.str_],
    *,
    unit: str = "W",
    calibration_end: Moment | None = None,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    progress: Progress,
    currency: str = DEFAULT_CURRENCY,
    margin: float = 1.0,
) -> None:
    """Value by acquisition channel: covariate Pareto/NBD and Gamma-Gamma, a new customer's value.

    ``channel_ids`` and ``channels`` give each customer's acquisition channel (a customer
    missing from them is not modelled here).
    """
    from privtraffic.clv import (
        GammaGammaWithCovariates,
        ParetoNBD,
        ParetoNBDWithCovariates,
        likelihood_ratio_test,
    )
    from privtraffic.data import summarize_transactions
    from privtraffic.errors import InvalidInputError
    from privtraffic.value import value_by_channel

    t = doc.text
    progress("modelling value by acquisition channel")
    summary = summarize_transactions(
        customer_ids, timestamps, values, unit=unit, calibration_end=calibration_end
    )
    channel_of = dict(
        zip(np.asarray(channel_ids).tolist(), np.asarray(channels).tolist(), strict=True)
    )
    keep = np.array(
        [
            c in channel_of and T > 0
            for c, T in zip(summary.customer_id.tolist(), summary.T.tolist(), strict=True)
        ]
    )
    f, r, T = summary.frequency[keep], summary.recency[keep], summary.T[keep]
    channel = np.array([channel_of[c] for c in summary.customer_id[keep].tolist()])
    doc.section(t("acq.title"))
    found, counts = np.unique(channel, return_counts=True)
    if len(found) < 2:
        doc.paragraph(t("acq.nothing"), note=True)
        return
    reference = str(found[int(np.argmax(counts))])
    doc.paragraph(
        t(
            "acq.intro",
            n=_count(len(f)),
            k=_count(len(found)),
            reference=t(f"channel.{reference}"),
        )
    )
    z = {"channel": channel}
    plain = _fit(doc, "Pareto/NBD", lambda: ParetoNBD().fit(f, r, T), progress)
    bg = _fit(
        doc,
        t("acq.model"),
        lambda: ParetoNBDWithCovariates().fit(
            f, r, T, purchase_covariates=z, attrition_covariates=z, reference={"channel": reference}
        ),
        progress,
        name="Pareto/NBD with channel covariates",
    )
    monetary = summary.monetary_value
    if plain is None or bg is None or monetary is None:
        return
    buyers = f > 0
    m = monetary[keep]
    try:
        gg = _fit(
            doc,
            t("acq.spend_model"),
            lambda: GammaGammaWithCovariates().fit(
                f[buyers],
                m[buyers],
                spend_covariates={"channel": channel[buyers]},
                reference={"channel": reference},
            ),
            progress,
            name="Gamma-Gamma with channel covariates",
        )
    except InvalidInputError as exc:  # e.g. a channel without repeat buyers
        doc.paragraph(t("acq.no_spend"), note=True, detail=str(exc))
        return
    if gg is None:
        return
    test = likelihood_ratio_test(plain, bg)
    doc.facts(
        {
            t("acq.lr.statistic"): format_number(test.statistic),
            t("acq.lr.df"): _count(test.df),
            t("acq.lr.p"): f"{test.p_value:.4g}",
        },
        title=t("acq.lr.title"),
    )
    effects = []
    for c in found.tolist():
        name = f"channel_{c}"
        row = [t(f"channel.{c}"), _count(int(np.sum(channel == c)))]
        for process, model in (("purchase", bg), ("attrition", bg), ("spend", gg)):
            key = f"{process}:{name}"
            if c == reference:
                row.append(t("acq.reference"))
            else:
                half = 1.959963984540054 * model.standard_errors_[key]
                row.append(f"{model.params_[key]:+.3f} ± {half:.3f}")
        effects.append(tuple(row))
    doc.table(
        effects,
        [
            t("acq.channel"),
            t("acq.customers"),
            t("acq.purchase"),
            t("acq.attrition"),
            t("acq.spend"),
        ],
        title=t("acq.effects"),
    )
    table = value_by_channel(
        bg,
        gg,
        found.tolist(),
        horizon=horizon_months,
        discount_rate=discount_rate,
        unit=unit,
        margin=margin,
    )
    order = np.argsort(-table.value)
    doc.table(
        [
            (
                t(f"channel.{table.channel[i]}"),
                format_number(float(table.expected_purchases[i])),
                format_amount(float(table.mean_spend[i]), currency, symbol=False),
                format_amount(float(table.value[i]), currency, symbol=False),
            )
            for i in order
        ],
        [
            t("acq.channel"),
            t("acq.repeat", months=_count(horizon_months)),
            t("acq.mean_spend", currency=currency),
            t("acq.value", currency=currency),
        ],
        title=t("acq.value.title", months=_count(horizon_months)),
    )
    best, worst = int(order[0]), int(order[-1])
    doc.paragraph(
        t(
            "acq.reading",
            best=t(f"channel.{table.channel[best]}"),
            best_value=_amount(float(table.value[best]), currency),
            worst=t(f"channel.{table.channel[worst]}"),
            worst_value=_amount(float(table.value[worst]), currency),
        )
    )
