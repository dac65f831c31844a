"""``privtraffic demo``: the whole pipeline on the bundled CDNOW data and a simulated domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import numpy as np

from privtraffic._report import sections
from privtraffic._report.document import Document, matplotlib_available
from privtraffic._report.messages import check_lang, text
from privtraffic._version import __version__
from privtraffic.money import format_amount, from_minor_units
from privtraffic.simulate import CURRENCY, simulate_private_domain

if TYPE_CHECKING:  # pragma: no cover - typing only
    from privtraffic.simulate import PrivateDomain

__all__ = ["CDNOW_CALIBRATION_END", "CDNOW_CURRENCY", "run_demo"]

#: The end of the 39-week calibration period of Fader, Hardie & Lee (2005).
CDNOW_CALIBRATION_END = "1997-09-30"

#: CDNOW sold in US dollars.
CDNOW_CURRENCY = "USD"

HORIZON_MONTHS = 12
DISCOUNT_RATE = 0.01


def _print_fits(stdout: TextIO, top: int, progress: Callable[[str], None]) -> None:
    from privtraffic.clv import BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value
    from privtraffic.data import load_cdnow

    s = load_cdnow("summary")
    progress(f"fitting BG/NBD on the CDNOW cohort ({len(s):,} customers)")
    bgf = BetaGeo().fit(s.frequency, s.recency, s.T)
    progress("fitting Pareto/NBD on the same customers")
    pnbd = ParetoNBD().fit(s.frequency, s.recency, s.T)
    assert s.monetary_value is not None  # the CDNOW summary has spend
    repeat = s.frequency > 0
    progress(f"fitting Gamma-Gamma on its {int(repeat.sum()):,} repeat buyers")
    ggf = GammaGamma().fit(s.frequency[repeat], s.monetary_value[repeat])
    clv = customer_lifetime_value(
        bgf,
        ggf,
        s.frequency,
        s.recency,
        s.T,
        s.monetary_value,
        horizon=HORIZON_MONTHS,
        discount_rate=DISCOUNT_RATE,
        unit="W",
    )
    alive = bgf.probability_alive(s.frequency, s.recency, s.T)

    def usd(amount: float) -> str:
        return format_amount(amount, CDNOW_CURRENCY, symbol=False)

    w = stdout.write
    name = text("clv.kind.revenue", "en")  # the CLV is expected revenue, not margin
    w(
        "CDNOW: 2,357 customers of the first quarter of 1997, 39 weeks of calibration data\n"
        "(Fader, Hardie & Lee 2005); time in weeks.\n\n"
    )
    w(f"{bgf.summary()!r}\n\n{pnbd.summary()!r}\n\n{ggf.summary()!r}\n\n")
    w(
        f"Top {top} customers by {name} (expected revenue over the next {HORIZON_MONTHS:g} "
        f"months, discounted at {DISCOUNT_RATE:.0%} a month, in {CDNOW_CURRENCY}):\n"
    )
    w(
        f"{'customer':>9} {'frequency':>9} {'recency':>8} {'T':>6} {'spend':>8} "
        f"{'P(alive)':>8} {name:>12}\n"
    )
    for i in np.argsort(-clv, kind="stable")[:top]:
        w(
            f"{int(s.customer_id[i]):>9} {int(s.frequency[i]):>9} {s.recency[i]:>8.2f} "
            f"{s.T[i]:>6.2f} {usd(s.monetary_value[i]):>8} {alive[i]:>8.3f} {usd(clv[i]):>12}\n"
        )
    w(f"\nTotal {name} of the cohort: {format_amount(float(np.sum(clv)), CDNOW_CURRENCY)}\n")


def run_demo(
    stdout: TextIO,
    progress: Callable[[str], None],
    *,
    top: int = 10,
    html: bool = True,
    lang: str = "en",
) -> str | None:
    """Print the CDNOW fits and the top customers; return the HTML page when ``html``.

    ``lang`` is the language of the page (``en`` or ``zh``); the printed summary and the
    progress lines stay in English.
    """
    check_lang(lang, "--lang")
    _print_fits(stdout, top, progress)
    if not html:
        return None
    plots = matplotlib_available()
    if not plots:
        progress("matplotlib is not installed: writing the report without plots")
    doc = Document(text("demo.title", lang), plots=plots, lang=lang, no_plots_reason="matplotlib")
    doc.part(
        doc.text("demo.part1.title"),
        doc.text("demo.part1.intro", n="2,357", cut=CDNOW_CALIBRATION_END),
    )
    _cdnow_part(doc, progress)
    _private_domain_part(doc, progress)
    progress("rendering the report")
    return doc.render(footer=doc.text("doc.footer.demo", version=__version__))


def _cdnow_part(doc: Document, progress: Callable[[str], None]) -> None:
    from privtraffic.data import load_cdnow

    log = load_cdnow("transactions")
    assert log.value is not None
    ids, times, values = log.customer_id, log.timestamp, log.value
    sections.data_summary_section(
        doc, ids, times, values, calibration_end=CDNOW_CALIBRATION_END, currency=CDNOW_CURRENCY
    )
    clv = sections.btyd_section(
        doc,
        ids,
        times,
        values,
        unit="W",
        calibration_end=CDNOW_CALIBRATION_END,
        horizon_months=HORIZON_MONTHS,
        discount_rate=DISCOUNT_RATE,
        top=20,
        compare=("paretonbd", "mbgnbd"),
        progress=progress,
        currency=CDNOW_CURRENCY,
    )
    sections.concentration_section(doc, ids, values, clv=clv, currency=CDNOW_CURRENCY)


def _private_domain_part(doc: Document, progress: Callable[[str], None]) -> None:
    n_users, days = 3000, 365.0
    progress(f"simulating a private domain ({n_users:,} users, {days:g} days)")
    world = simulate_private_domain(n_users, days=days, rng=np.random.default_rng(2025))
    start = world.start.astype("datetime64[D]")
    cut = start + np.timedelta64(int(days * 0.75) - 1, "D")
    doc.part(
        doc.text("demo.part2.title"),
        doc.text("demo.part2.intro", n=f"{n_users:,}", days=f"{days:g}", start=start),
    )
    orders = world.orders
    ids, times, amounts = orders.user_id, orders.at, orders.amount_cny
    sections.data_summary_section(doc, ids, times, amounts, calibration_end=cut, currency=CURRENCY)
    events = world.events
    sections.funnel_section(
        doc,
        events.user_id,
        events.kind,
        events.at,
        ("connect", "join", "purchase", "share"),
        window_days=90.0,
    )
    progress("classifying relationship tiers (monthly snapshots)")
    sections.tiers_section(doc, events.user_id, events.kind, events.at)
    clv = sections.btyd_section(
        doc,
        ids,
        times,
        amounts,
        unit="W",
        calibration_end=cut,
        horizon_months=HORIZON_MONTHS,
        discount_rate=DISCOUNT_RATE,
        top=10,
        progress=progress,
        currency=CURRENCY,
    )
    sections.concentration_section(doc, ids, amounts, clv=clv, currency=CURRENCY)
    sections.acquisition_section(
        doc,
        ids,
        times,
        amounts,
        world.users.user_id,
        world.users.source_channel,
        unit="W",
        calibration_end=cut,
        horizon_months=HORIZON_MONTHS,
        discount_rate=DISCOUNT_RATE,
        progress=progress,
        currency=CURRENCY,
    )
    progress("scoring referrers (KOC leaderboard)")
    referrals = world.referrals
    sections.referral_section(
        doc, referrals.referrer_id, referrals.referee_id, ids, amounts, top=10, currency=CURRENCY
    )
    progress("decomposing the change in value")
    _value_decomposition(doc, world, start, days)
    progress("computing distribution commissions")
    _commissions(doc, world)


def _value_decomposition(
    doc: Document, world: PrivateDomain, start: np.datetime64, days: float
) -> None:
    users, orders = world.users, world.orders
    half = start + np.timedelta64(int(days // 2), "D")
    end = start + np.timedelta64(int(days), "D")
    channels = np.unique(users.owned_channel)
    channel_of = dict(zip(users.user_id.tolist(), users.owned_channel.tolist(), strict=True))
    order_channel = np.array([channel_of[u] for u in orders.user_id.tolist()])
    order_day = orders.at.astype("datetime64[D]")
    acquired = users.acquired_at.astype("datetime64[D]")
    pools, buyers, revenue = [], [], []
    for lo, hi in ((start, half), (half, end)):
        in_period = (order_day >= lo) & (order_day < hi)
        pools.append(
            np.array([np.sum((users.owned_channel == c) & (acquired < hi)) for c in channels])
        )
        buyers.append(
            np.array(
                [np.unique(orders.user_id[in_period & (order_channel == c)]).size for c in channels]
            )
        )
        revenue.append(
            np.array(
                [float(orders.amount_cny[in_period & (order_channel == c)].sum()) for c in channels]
            )
        )
    sections.value_decomposition_section(
        doc,
        (pools[0], pools[1]),
        (buyers[0], buyers[1]),
        (revenue[0], revenue[1]),
        channels,
        periods=(doc.text("demo.first_half"), doc.text("demo.second_half")),
        plot_periods=(doc.plot_text("demo.first_half"), doc.plot_text("demo.second_half")),
        currency=CURRENCY,
    )


def _commissions(doc: Document, world: PrivateDomain) -> None:
    from privtraffic.commission import CommissionPlan

    orders, users, referrals = world.orders, world.users, world.referrals
    sold = orders.distributor_id >= 0
    distributors = set(users.user_id[users.is_distributor].tolist())
    edge = np.array([r in distributors for r in referrals.referee_id.tolist()], dtype=bool)
    plan = CommissionPlan(
        level_rates=("0.10", "0.05"), total_cap="0.15", rounding="half_up", currency=CURRENCY
    )
    sections.commission_section(
        doc,
        orders.order_id[sold],
        orders.distributor_id[sold],
        np.array([str(from_minor_units(int(f), CURRENCY)) for f in orders.amount_fen[sold]]),
        plan,
        uplines=referrals.referrer_id[edge],
        distributors=referrals.referee_id[edge],
        top=10,
    )
