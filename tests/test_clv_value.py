"""customer_lifetime_value: lifetimes' numbers where its conventions are ours, and the rules."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
from privtraffic.clv.value import DAYS_PER_MONTH, days_per_unit
from privtraffic.compat.lifetimes import to_lifetimes
from privtraffic.data import load_cdnow
from privtraffic.errors import InvalidInputError, NotFittedError

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def models():
    s = load_cdnow("summary")
    bg = BetaGeo().fit(s)
    keep = s.frequency > 0
    gg = GammaGamma().fit(s.frequency[keep], s.monetary_value[keep])
    return s, bg, gg


def lifetimes_clv(s, bg, gg, freq, **kw):
    return (
        to_lifetimes(gg)
        .customer_lifetime_value(
            to_lifetimes(bg),
            pd.Series(s.frequency),
            pd.Series(s.recency),
            pd.Series(s.T),
            pd.Series(s.monetary_value),
            freq=freq,
            **kw,
        )
        .to_numpy()
    )


def test_matches_lifetimes_with_monthly_data(models):
    # lifetimes steps one month per unit when freq="M": the same month as ours for unit="M".
    s, bg, gg = models
    ours = customer_lifetime_value(
        bg,
        gg,
        s.frequency,
        s.recency,
        s.T,
        s.monetary_value,
        horizon=12,
        discount_rate=0.01,
        unit="M",
    )
    np.testing.assert_allclose(
        ours, lifetimes_clv(s, bg, gg, "M", time=12, discount_rate=0.01), rtol=1e-10
    )


def test_matches_lifetimes_weekly_convention_when_given_its_month(models):
    # lifetimes' freq="W" month is 4.345 weeks; a unit of DAYS_PER_MONTH / 4.345 days per time
    # unit makes our month that long, and the numbers agree.
    s, bg, gg = models
    ours = customer_lifetime_value(
        bg, gg, s, horizon=24, discount_rate=0.02, unit=DAYS_PER_MONTH / 4.345
    )
    np.testing.assert_allclose(
        ours, lifetimes_clv(s, bg, gg, "W", time=24, discount_rate=0.02), rtol=1e-10
    )
    # with the exact month (unit="W") the difference is the 0.07% in month length only
    exact = customer_lifetime_value(bg, gg, s, horizon=24, discount_rate=0.02, unit="W")
    np.testing.assert_allclose(exact, ours, rtol=3e-3)


def test_summary_supplies_unit_margin_scales_discount_lowers(models):
    s, bg, gg = models
    base = customer_lifetime_value(bg, gg, s, horizon=12, discount_rate=0.0)
    explicit = customer_lifetime_value(
        bg, gg, s.frequency, s.recency, s.T, s.monetary_value, horizon=12, discount_rate=0.0, unit=7
    )
    np.testing.assert_array_equal(base, explicit)
    np.testing.assert_allclose(
        customer_lifetime_value(bg, gg, s, horizon=12, discount_rate=0.0, margin=0.3), 0.3 * base
    )
    discounted = customer_lifetime_value(bg, gg, s, horizon=12, discount_rate=0.05)
    assert np.all(discounted <= base) and np.all(discounted > 0)
    # undiscounted CLV = spend * expected purchases over the horizon (telescoping sum)
    months = 12 * DAYS_PER_MONTH / 7
    expected = gg.expected_spend(s.frequency, s.monetary_value) * bg.expected_purchases(
        months, s.frequency, s.recency, s.T
    )
    np.testing.assert_allclose(base, expected, rtol=1e-12)


def test_days_per_unit():
    assert days_per_unit("D") == 1.0 and days_per_unit("W") == 7.0
    assert days_per_unit("M") == pytest.approx(30.4375)
    with pytest.raises(
        InvalidInputError, match="'unit' must be 'D', 'W', 'M' or a positive number of days"
    ):
        days_per_unit("Y")
    with pytest.raises(
        InvalidInputError,
        match=r"'unit' must be 'D', 'W', 'M' or a positive number of days \(got -7\)",
    ):
        days_per_unit(-7)


def test_bad_arguments(models):
    s, bg, gg = models
    args = (bg, gg, s.frequency, s.recency, s.T, s.monetary_value)
    with pytest.raises(InvalidInputError, match="'unit' is required"):
        customer_lifetime_value(*args, horizon=12, discount_rate=0.01)
    with pytest.raises(InvalidInputError, match="'horizon' must be a whole number of months >= 1"):
        customer_lifetime_value(*args, horizon=0, discount_rate=0.01, unit="W")
    with pytest.raises(InvalidInputError, match="'discount_rate' must be a finite number >= 0"):
        customer_lifetime_value(*args, horizon=12, discount_rate=-0.1, unit="W")
    with pytest.raises(InvalidInputError, match="'margin' must be a finite number >= 0"):
        customer_lifetime_value(
            *args, horizon=12, discount_rate=0.01, unit="W", margin=float("nan")
        )
    with pytest.raises(
        InvalidInputError, match=r"'recency' must be <= T \(got 5.0 > 3.0 at index 0\)"
    ):
        customer_lifetime_value(
            bg, gg, [1], [5.0], [3.0], [10.0], horizon=1, discount_rate=0.0, unit="W"
        )
    with pytest.raises(NotFittedError):
        customer_lifetime_value(BetaGeo(), gg, s, horizon=1, discount_rate=0.0)


def test_tables_are_read_like_fit_reads_them(models):
    s, bg, gg = models
    expected = customer_lifetime_value(bg, gg, s, horizon=6, discount_rate=0.01)
    columns = {c: s[c] for c in ("frequency", "recency", "T", "monetary_value")}
    for table in (columns, s.to_pandas()):
        got = customer_lifetime_value(bg, gg, table, horizon=6, discount_rate=0.01, unit="W")
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(InvalidInputError, match="must have a column 'monetary_value'"):
        customer_lifetime_value(
            bg,
            gg,
            {c: s[c] for c in ("frequency", "recency", "T")},
            horizon=6,
            discount_rate=0.01,
            unit="W",
        )
    with pytest.raises(InvalidInputError, match="'frequency' must be a column, not a table"):
        customer_lifetime_value(
            bg, gg, s, s.recency, s.T, s.monetary_value, horizon=6, discount_rate=0.01
        )
    with pytest.raises(InvalidInputError, match="'recency' is required"):
        customer_lifetime_value(
            bg,
            gg,
            s.frequency,
            None,
            s.T,
            s.monetary_value,
            horizon=6,
            discount_rate=0.01,
            unit="W",
        )
