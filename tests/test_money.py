"""privtraffic.money: exact amounts, named rounding, largest-remainder allocation."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.errors import CurrencyMismatchError, InvalidInputError
from privtraffic.money import (
    CURRENCY_EXPONENTS,
    Money,
    allocate,
    allocate_minor,
    as_amount,
    as_rate,
    check_rounding,
    quantize,
    round_ratio,
    to_decimal,
)
from support import examples

FAST = examples(60)


def _fraction_round(q: Fraction, rounding: str) -> int:
    """Brute-force peer: round a non-negative fraction by comparing with the two neighbours."""
    lo = q.numerator // q.denominator
    frac = q - lo
    if rounding == "down":
        return lo
    if frac > Fraction(1, 2):
        return lo + 1
    if frac < Fraction(1, 2):
        return lo
    if rounding == "half_up":
        return lo + 1
    return lo + (lo % 2)


# -- worked examples -------------------------------------------------------------------------


def test_twelve_and_a_half_percent_of_99_99_by_hand():
    # 99.99 * 0.125 = 12.49875 exactly; to the fen: 12.49|875 -> half-up 12.50, half-even
    # 12.50 (0.875 fen is above half), down 12.49. A shop system truncating the rate to 12 %
    # would pay 11.9988 -> 12.00.
    assert Money("99.99").times("0.125", "half_up").amount == Decimal("12.50")
    assert Money("99.99").times("0.125", "half_even").amount == Decimal("12.50")
    assert Money("99.99").times("0.125", "down").amount == Decimal("12.49")


def test_half_even_differs_from_half_up_on_exact_ties():
    # 0.25 yuan * 0.5 = 0.125 -> tie between 0.12 and 0.13.
    assert quantize("0.125", rounding="half_up") == Decimal("0.13")
    assert quantize("0.125", rounding="half_even") == Decimal("0.12")
    assert quantize("0.135", rounding="half_even") == Decimal("0.14")
    assert quantize("0.129", rounding="down") == Decimal("0.12")


def test_allocation_tie_break_goes_to_the_earlier_part():
    assert allocate_minor(1, [1, 1]) == [1, 0]
    assert allocate_minor(2, [1, 1, 1]) == [1, 1, 0]
    assert allocate("0.01", ["0.10", "0.05"]) == (Decimal("0.01"), Decimal("0.00"))
    # Remainders decide before the index: quotas 0.4, 0.6 -> the second part gets the unit.
    assert allocate_minor(1, [2, 3]) == [0, 1]


def test_currency_precision_from_the_table():
    assert CURRENCY_EXPONENTS["CNY"] == 2 and CURRENCY_EXPONENTS["JPY"] == 0
    assert Money("100", "JPY").minor_units == 100
    assert Money("1.005", "KWD").minor_units == 1005
    with pytest.raises(InvalidInputError, match="at most 0 decimal places in JPY"):
        Money("1.5", "JPY")


# -- bad input -------------------------------------------------------------------------------


def test_float_money_is_refused_with_the_argument_named():
    with pytest.raises(InvalidInputError, match="'price' must not be a float"):
        as_amount(19.99, "price")
    with pytest.raises(InvalidInputError, match="'amount' must not be a float"):
        Money(19.99)
    with pytest.raises(InvalidInputError, match="'level_rates\\[1\\]' must not be a float"):
        as_rate(0.05, "level_rates[1]")


def test_explicit_float_conversion():
    assert to_decimal(0.1 + 0.2, 2) == Decimal("0.30")
    assert Money.from_float(19.999, rounding="down") == Money("19.99")
    assert Money.from_float(2.675, rounding="half_up") == Money("2.68")  # repr is '2.675'
    with pytest.raises(InvalidInputError, match="'x' must be finite"):
        to_decimal(float("inf"), 2)


def test_negative_amounts_and_bad_rates():
    with pytest.raises(InvalidInputError, match="'amount' must be >= 0"):
        as_amount("-0.01")
    assert as_amount("-0.01", allow_negative=True) == Decimal("-0.01")
    with pytest.raises(InvalidInputError, match=r"'rate' must be in \[0, 1\]"):
        as_rate("-0.1")
    with pytest.raises(InvalidInputError, match=r"'rate' must be in \[0, 1\]"):
        as_rate("1.01")
    with pytest.raises(InvalidInputError, match="'rounding' must be one of"):
        check_rounding("HALF_UP")
    with pytest.raises(InvalidInputError, match="'amount' must be a decimal number"):
        as_amount("12,50")


def test_currency_mismatch():
    with pytest.raises(CurrencyMismatchError, match="USD with CNY"):
        Money("1", "USD") + Money("1")
    with pytest.raises(CurrencyMismatchError):
        _ = Money("1") < Money("2", "HKD")
    assert Money("1.10") - Money("0.20") == Money("0.90")
    assert -Money("1") == Money("-1.00")


# -- properties ------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**12)
weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6).filter(any)


@FAST
@given(
    units=st.integers(min_value=-(10**9), max_value=10**9),
    currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
)
def test_every_amount_has_the_currency_precision(units, currency):
    m = Money.from_minor(units, currency)
    assert m.amount.as_tuple().exponent == -CURRENCY_EXPONENTS[currency]
    assert m.minor_units == units


@FAST
@given(total=st.integers(min_value=-(10**9), max_value=10**9), w=weights)
def test_allocation_sums_exactly_and_stays_within_one_unit(total, w):
    parts = allocate_minor(total, w)
    assert sum(parts) == total
    whole = sum(w)
    for p, wi in zip(parts, w, strict=True):
        quota = Fraction(abs(total) * wi, whole)
        assert abs(abs(p) - quota) < 1
        assert wi > 0 or p == 0


@FAST
@given(
    num=amounts,
    den=st.integers(min_value=1, max_value=10**6),
    mode=st.sampled_from(["half_up", "half_even", "down"]),
)
def test_integer_rounding_matches_fraction_peer_and_decimal(num, den, mode):
    expected = _fraction_round(Fraction(num, den), mode)
    assert round_ratio(num, den, mode) == expected
    exact = Decimal(num) / Decimal(den) if (den & (den - 1)) == 0 else None
    if exact is not None:  # powers of two divide exactly in Decimal
        ctx = decimal.Context(prec=100)
        assert int(exact.quantize(Decimal(1), rounding={"half_up": decimal.ROUND_HALF_UP,
                   "half_even": decimal.ROUND_HALF_EVEN, "down": decimal.ROUND_DOWN}[mode],
                   context=ctx)) == expected  # fmt: skip


# --- one rounding rule and one allocation rule for scalars and arrays ------------------------


@FAST
@given(
    st.lists(st.integers(0, 10**12), min_size=1, max_size=20),
    st.integers(1, 10**6),
    st.sampled_from(["half_up", "half_even", "down"]),
)
def test_round_ratio_on_arrays_equals_the_scalar_rule(nums, den, rounding):
    import numpy as np

    out = round_ratio(np.array(nums, dtype=np.int64), den, rounding)
    assert out.tolist() == [round_ratio(n, den, rounding) for n in nums]
    wide = round_ratio(np.array([n * 10**9 for n in nums], dtype=object), den, rounding)
    assert wide.tolist() == [_fraction_round(Fraction(n * 10**9, den), rounding) for n in nums]


def test_round_ratio_array_names_the_bad_index():
    import numpy as np

    with pytest.raises(InvalidInputError, match=r"got -3 / 2 at index 1"):
        round_ratio(np.array([1, -3]), 2)


@FAST
@given(
    st.lists(
        st.tuples(
            st.integers(-(10**9), 10**9),
            st.lists(st.integers(0, 1000), min_size=3, max_size=3).filter(any),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_allocate_minor_rows_equals_allocate_minor_row_by_row(rows):
    import numpy as np

    from privtraffic.money import allocate_minor_rows

    totals = np.array([t for t, _ in rows], dtype=np.int64)
    weights = np.array([w for _, w in rows], dtype=np.int64)
    out = allocate_minor_rows(totals, weights)
    assert out.tolist() == [allocate_minor(t, w) for t, w in rows]
    assert out.sum(axis=1).tolist() == totals.tolist()


def test_allocate_minor_rows_refuses_a_total_over_zero_weights():
    import numpy as np

    from privtraffic.money import allocate_minor_rows

    assert allocate_minor_rows(np.array([0]), np.array([[0, 0]])).tolist() == [[0, 0]]
    with pytest.raises(InvalidInputError, match=r"got 5 at row 1"):
        allocate_minor_rows(np.array([0, 5]), np.array([[1, 0], [0, 0]]))


# --- formatting by currency and locale -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "locale", "expected"),
    [
        ("1299", "CNY", "zh", "¥1,299.00"),
        ("1299", "CNY", "en", "CN¥1,299.00"),
        (100, "JPY", "en", "¥100"),
        (100, "JPY", "zh", "JP¥100"),
        ("1234567.5", "USD", "en", "$1,234,567.50"),
        ("-0.05", "CNY", "zh", "-¥0.05"),
        ("2.125", "KWD", "en", "2.125 KWD"),
    ],
)
def test_format_amount_knows_the_currency_and_locale(value, currency, locale, expected):
    from privtraffic.money import format_amount

    assert format_amount(value, currency, locale=locale) == expected


def test_format_amount_reads_minor_units_and_float_estimates():
    from privtraffic.money import format_amount

    assert format_amount(100, "JPY", minor_units=True) == "¥100"
    assert format_amount(12345, "CNY", minor_units=True, symbol=False) == "123.45"
    assert format_amount(19671.499, "CNY", symbol=False) == "19,671.50"
    assert format_amount(Money("5", "USD")) == "$5.00"
    with pytest.raises(InvalidInputError, match="'locale' must be one of"):
        format_amount(1, locale="fr")


@FAST
@given(
    st.lists(
        st.tuples(
            st.integers(-(10**6), 10**6),
            st.lists(st.integers(0, 5), min_size=12, max_size=12).filter(any),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_many_parts_take_the_sorting_path_with_the_same_rule(rows):
    import numpy as np

    from privtraffic.money import allocate_minor_columns, allocate_minor_rows

    totals = np.array([t for t, _ in rows], dtype=np.int64)
    weights = np.array([w for _, w in rows], dtype=np.int64)
    sorted_path = allocate_minor_rows(totals, weights)  # 12 parts: one stable sort per row
    signs = np.where(totals < 0, -1, 1)
    columns = allocate_minor_columns(totals * signs, list(weights.T.copy()))
    assert sorted_path.tolist() == (np.stack(columns, axis=1) * signs[:, None]).tolist()
