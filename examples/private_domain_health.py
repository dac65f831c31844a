"""Private-domain health check on a simulated domain.

Simulates a year of a private domain, then prints: the value decomposition between the third
and the fourth quarter by owned channel (pool × conversion × monetisation, no residual), the
80/20 table, RFM segments and tags, the onboarding funnel A vs B, the private-domain fit
scorecard, and the CLV × CRV quadrant.

Run: ``python examples/private_domain_health.py`` (about 10 seconds).
"""

from __future__ import annotations

import numpy as np

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
from privtraffic.data import summarize_transactions
from privtraffic.funnel import Funnel, compare_variants, split_step
from privtraffic.money import format_amount
from privtraffic.referral import customer_referral_value
from privtraffic.segments import STANDARD_RFM_MAP, TagSet, rfm_scores
from privtraffic.simulate import CURRENCY, simulate_private_domain
from privtraffic.value import (
    concentration,
    decompose,
    fit_assessment,
    three_factors,
    total_customer_value,
)


def heading(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 70 - len(text)))


def money(amount: float, width: int = 0) -> str:
    """An amount in the simulator's currency (CNY), right-aligned in ``width`` characters."""
    return f"{format_amount(amount, CURRENCY, symbol=False):>{width}}"


def main() -> None:
    """Simulate a domain and print its health report."""
    world = simulate_private_domain(30_000, days=365, rng=np.random.default_rng(2025))
    users, events, orders = world.users, world.events, world.orders
    print(world)

    # --- 1. value identity and its decomposition, Q3 -> Q4, by owned channel --------------------
    heading("Private-domain value, Q3 -> Q4, by owned channel")
    channels = np.unique(users.owned_channel)
    quarters = {
        "Q3": (np.datetime64("2025-07-01T00:00:00"), np.datetime64("2025-10-01T00:00:00")),
        "Q4": (np.datetime64("2025-10-01T00:00:00"), np.datetime64("2026-01-01T00:00:00")),
    }
    joined_at = np.full(len(users), np.datetime64("NaT"), dtype="datetime64[s]")
    join = events.kind == "join"
    joined_at[events.user_id[join] - 1] = events.at[join]
    channel_of_order = users.owned_channel[orders.user_id - 1]
    factors = {}
    for q, (lo, hi) in quarters.items():
        pool = np.array(
            [np.sum((users.owned_channel == c) & (users.acquired_at < hi)) for c in channels]
        )
        fans = np.array(
            [
                np.sum((users.owned_channel == c) & (joined_at < hi)) for c in channels
            ]  # NaT is False
        )
        in_q = (orders.at >= lo) & (orders.at < hi)
        revenue = np.array(
            [orders.amount_cny[in_q & (channel_of_order == c)].sum() for c in channels]
        )
        factors[q] = three_factors(pool, fans, revenue)
    parts = decompose(
        pool=(factors["Q3"]["pool"], factors["Q4"]["pool"]),
        conversion=(factors["Q3"]["conversion"], factors["Q4"]["conversion"]),
        monetization=(factors["Q3"]["monetization"], factors["Q4"]["monetization"]),
        groups=channels,
    )
    print(f"{'channel':<18}{'pool':>14}{'conversion':>14}{'monetisation':>14}{'change':>14}")
    factors = ("pool", "conversion", "monetization", "change")
    for i, c in enumerate(channels):
        print(f"{c:<18}" + "".join(money(parts.by_group[k][i], 14) for k in factors))
    totals = [parts["pool"], parts["conversion"], parts["monetization"], parts.change]
    print(f"{'total':<18}" + "".join(money(x, 14) for x in totals))
    print(
        f"Q3 revenue {money(parts.value_0)} {CURRENCY} -> Q4 {money(parts.value_1)} {CURRENCY}; "
        f"residual {parts.change - sum(parts.values()):.2e}"
    )

    # --- 2. the 80/20 table ---------------------------------------------------------------------
    heading("Concentration of revenue (the 80/20 table)")
    buyers, inverse = np.unique(orders.user_id, return_inverse=True)
    revenue = np.bincount(inverse, weights=orders.amount_cny)
    conc = concentration(revenue, users.owned_channel[buyers - 1], shares=(0.01, 0.1, 0.2, 0.5))
    overall = concentration(revenue, shares=(0.01, 0.1, 0.2, 0.5))
    print(
        f"{'group':<18}{'buyers':>8}{'gini':>8}"
        + "".join(f"{'top ' + format(k, '.0%'):>10}" for k in conc.shares)
    )
    for row in overall.rows() + conc.rows():
        group, n, _total, g, *tops = row
        print(f"{group:<18}{n:>8}{g:>8.3f}" + "".join(f"{t:>10.1%}" for t in tops))

    # --- 3. RFM segments and tags --------------------------------------------------------------
    heading("RFM segments (standard 10-segment map)")
    end = world.observation_end
    last = np.full(buyers.shape, np.datetime64("1970-01-01T00:00:00"), dtype="datetime64[s]")
    np.maximum.at(last, inverse, orders.at)
    days_since_last = (end - last) / np.timedelta64(1, "D")
    n_orders = np.bincount(inverse)
    scores = rfm_scores(days_since_last, n_orders, revenue)
    segment = STANDARD_RFM_MAP.assign(scores)
    for name in STANDARD_RFM_MAP.segments:
        m = segment == name
        print(f"{name:<22}{m.sum():>7} buyers  {revenue[m].sum() / revenue.sum():>6.1%} of revenue")
    tags = TagSet(
        {
            "vip": ["monetary >= 1000"],
            "lapsing_regular": ["frequency >= 3", "days_since_last > 60"],
            "one_and_done": ["frequency == 1", "days_since_last > 90"],
        }
    ).evaluate({"monetary": revenue, "frequency": n_orders, "days_since_last": days_since_last})
    print("tags:", tags.counts())
    example = int(np.flatnonzero(tags.matrix.any(axis=1))[0])
    print(f"why buyer {buyers[example]} is tagged:", "; ".join(tags.explain(example)))

    # --- 4. onboarding funnel: flow A vs guided flow B ----------------------------------------
    heading("Onboarding funnel, flow A vs guided flow B (30-day window)")
    variant = users.variant[events.user_id - 1]
    results = {}
    for v, steps in (
        ("A", ("connect", "join", "purchase")),
        ("B", ("connect", "guide", "join", "purchase")),
    ):
        mask = variant == v
        results[v] = Funnel(steps, window=30).analyze(
            events.user_id[mask], events.kind[mask], events.at[mask]
        )
        r = results[v]
        cells = ", ".join(f"{s} {n} ({c:.1%})" for s, n, c, _o, _d in r.rows())
        print(f"flow {v}: {cells}")
    for step in ("join", "purchase"):
        c = compare_variants(results["A"], results["B"], step=step)
        print(
            f"reached {step}: A {c.rate_a:.1%} [{c.ci_a[0]:.1%}, {c.ci_a[1]:.1%}]  "
            f"B {c.rate_b:.1%} [{c.ci_b[0]:.1%}, {c.ci_b[1]:.1%}]  "
            f"diff {c.difference:+.1%}, z = {c.z:.2f}, p = {c.p_value:.2g}"
        )
    a_rates = results["A"].conversion()[1:]
    b_rates = results["B"].conversion()[1:]
    print(
        f"split-step check: A's join step ({a_rates[0]:.1%}) split into B's guide and join steps "
        f"({b_rates[0]:.1%} x {b_rates[1]:.1%}) predicts an end-to-end rate of "
        f"{split_step(a_rates, 0, b_rates[:2]):.1%} (B observed {results['B'].end_to_end():.1%}, "
        f"A {results['A'].end_to_end():.1%})"
    )

    # --- 5. private-domain fit scorecard ---------------------------------------------------------
    heading("Private-domain fit")
    connect = events.kind == "connect"
    share = events.kind == "share"
    card = fit_assessment(
        orders.user_id,
        orders.at,
        first_touch=(events.user_id[connect], events.at[connect]),
        sharers=events.user_id[share],
        converted_shares=len(world.referrals),
        observation_end=end,
    )
    print(card)

    # --- 6. total customer value: CLV + CRV ------------------------------------------------------
    heading("Total customer value = CLV + CRV (12 months)")
    summary = summarize_transactions(
        orders.user_id, orders.at, orders.amount_cny, unit="W", observation_end=end
    )
    seen = summary.T > 0
    bg = BetaGeo().fit(summary.frequency[seen], summary.recency[seen], summary.T[seen])
    repeaters = seen & (summary.frequency > 0)
    gg = GammaGamma().fit(summary.frequency[repeaters], summary.monetary_value[repeaters])
    mean_value = np.where(summary.frequency > 0, summary.monetary_value, revenue)  # one-time buyers
    clv = customer_lifetime_value(
        bg,
        gg,
        summary.frequency[seen],
        summary.recency[seen],
        summary.T[seen],
        mean_value[seen],
        horizon=12,
        discount_rate=0.01,
        unit="W",
        margin=0.3,
    )
    referred = np.bincount(world.referrals.referrer_id, minlength=len(users) + 1)
    crv = customer_referral_value(referred[summary.customer_id[seen]], 0.3 * 80.0, 40.0)
    tcv = total_customer_value(summary.customer_id[seen], clv, crv, crv_threshold=0.0)
    print(f"{'quadrant':<12}{'customers':>10}{'CLV':>14}{'CRV':>14}{'total':>14}  ({CURRENCY})")
    for q, n, c_sum, r_sum, t_sum in tcv.by_quadrant():
        print(f"{q:<12}{n:>10}{money(c_sum, 14)}{money(r_sum, 14)}{money(t_sum, 14)}")


if __name__ == "__main__":
    main()
