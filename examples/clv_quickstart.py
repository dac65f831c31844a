"""CLV quickstart: BG/NBD + Gamma-Gamma on the CDNOW cohort, the top customers by CLV, JSON.

Run: ``python examples/clv_quickstart.py``.
"""

from __future__ import annotations

import numpy as np

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
from privtraffic.data import load_cdnow


def main() -> None:
    summary = load_cdnow("summary")  # 2,357 customers, 39 weeks, time in weeks

    transactions = BetaGeo().fit(summary)
    print(transactions.summary())

    repeat = summary.frequency > 0  # spend is modelled on repeat buyers only
    spend = GammaGamma().fit(summary.frequency[repeat], summary.monetary_value[repeat])
    print()
    print(spend.summary())

    clv = customer_lifetime_value(
        transactions, spend, summary, horizon=12, discount_rate=0.01, margin=1.0
    )  # 12 months, 1% a month; the summary says its unit is weeks
    top = np.argsort(clv)[::-1][:10]
    print("\nTop 10 customers by 12-month CLV")
    print(f"{'customer':>8} {'x':>3} {'t_x':>6} {'T':>6} {'spend':>7} {'P(alive)':>8} {'CLV':>8}")
    alive = transactions.probability_alive(summary.frequency, summary.recency, summary.T)
    for i in top:
        print(
            f"{summary.customer_id[i]:>8} {summary.frequency[i]:>3.0f} {summary.recency[i]:>6.2f}"
            f" {summary.T[i]:>6.2f} {summary.monetary_value[i]:>7.2f} {alive[i]:>8.3f}"
            f" {clv[i]:>8.2f}"
        )

    text = transactions.to_json()
    restored = BetaGeo.from_json(text)
    same = np.array_equal(
        restored.expected_purchases(39, summary.frequency, summary.recency, summary.T),
        transactions.expected_purchases(39, summary.frequency, summary.recency, summary.T),
    )
    print(f"\nJSON round trip ({len(text)} characters): identical predictions = {same}")


if __name__ == "__main__":
    main()
