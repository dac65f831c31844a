"""What is a paid member worth? The sBG model on an annual membership card (Fader & Hardie 2007).

A shop sells a 299-yuan annual member card in its WeCom group; 40% of it is margin. Of the
1,000 members who bought the card in the first year, this many renewed at each anniversary
(the survival of Fader & Hardie's "regular" segment, their Table 1, years 0-7). The script fits
the shifted-beta-geometric model, projects the cohort five more years, values a new member
(DEL) and the members still active by tenure (DERL, Fader & Hardie 2010), then compares the
projection with the naive one that assumes last year's retention rate forever.

Run: ``python examples/membership_value.py``.
"""

from __future__ import annotations

import numpy as np

from privtraffic.clv import ShiftedBetaGeo, durations_from_counts
from privtraffic.money import format_amount

ACTIVE = [1000, 631, 468, 382, 326, 289, 262, 241]  # members after 0..7 renewal decisions
FEE = 299.0  # yuan a year
MARGIN = 0.40
DISCOUNT = 0.10  # a year


def main() -> None:
    cohort = durations_from_counts(ACTIVE)
    model = ShiftedBetaGeo().fit(cohort)
    print(model.summary())

    years = np.arange(1, 13)
    projected = model.survival(years)
    naive_rate = ACTIVE[-1] / ACTIVE[-2]  # last observed retention, held constant
    print(f"\n{'year':>4} {'actual':>7} {'sBG':>7} {'retention':>9} {'constant-rate':>13}")
    for year, share in zip(years, projected, strict=True):
        actual = f"{ACTIVE[year] / 10:.1f}%" if year < len(ACTIVE) else "-"
        naive = ACTIVE[-1] * naive_rate ** (year - 7) / 10 if year >= 7 else np.nan
        naive_text = f"{naive:.1f}%" if year >= 7 else ""
        rate = float(model.retention_rate(year)[0])
        print(f"{year:>4} {actual:>7} {100 * share:>6.1f}% {100 * rate:>8.1f}% {naive_text:>13}")

    per_year = FEE * MARGIN
    new_member = float(model.discounted_expected_lifetime(DISCOUNT)[0]) * per_year
    print(f"\nvalue of a new member (DEL x margin): {format_amount(new_member, 'CNY')}")
    print(f"{'renewals':>8} {'DERL':>6} {'value per member':>18}")
    for n in (0, 1, 3, 7):
        derl = float(model.discounted_expected_residual_lifetime(n, DISCOUNT)[0])
        print(f"{n:>8} {derl:>6.2f} {format_amount(derl * per_year, 'CNY'):>18}")
    base = ACTIVE[-1] * float(model.discounted_expected_residual_lifetime(7, DISCOUNT)[0])
    print(
        f"residual value of the {ACTIVE[-1]} members left: {format_amount(base * per_year, 'CNY')}"
    )


if __name__ == "__main__":
    main()
