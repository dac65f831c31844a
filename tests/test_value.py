"""privtraffic.value: the LMDI decomposition and concentration measures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.errors import InvalidInputError
from privtraffic.value import (
    concentration,
    decompose,
    gini,
    logarithmic_mean,
    lorenz,
    three_factors,
    top_share,
)
from support import examples

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
non_negative = st.one_of(st.just(0.0), positive)


def _identity_residual(parts, v0: float, v1: float) -> tuple[float, float]:
    # fsum: the three contributions are summed without an extra rounding step, so the only
    # error left is that of the logarithms and products (a few ulps of the largest term).
    total = math.fsum([parts["pool"], parts["conversion"], parts["monetization"]])
    return abs(total - (v1 - v0)), max(abs(v0), abs(v1), 1e-300)


@examples(200)
@given(st.tuples(positive, positive), st.tuples(positive, positive), st.tuples(positive, positive))
def test_decomposition_has_no_residual(pool, conv, mon):
    parts = decompose(pool=pool, conversion=conv, monetization=mon)
    v0 = pool[0] * conv[0] * mon[0]
    v1 = pool[1] * conv[1] * mon[1]
    err, scale = _identity_residual(parts, v0, v1)
    # Floats, not reals: the identity holds exactly in real arithmetic, and to ~1e-15 relative
    # in doubles; 1e-12 leaves room for the log of ratios near 1.
    assert err <= 1e-12 * scale
    assert math.isclose(parts.change, v1 - v0, rel_tol=1e-12, abs_tol=1e-12 * scale)


@examples(100)
@given(
    st.lists(st.tuples(*(non_negative,) * 6), min_size=1, max_size=6),
)
def test_grouped_decomposition_sums_exactly_with_zeros(rows):
    arr = np.array(rows, dtype=float)
    p0, p1, c0, c1, m0, m1 = arr.T
    parts = decompose(pool=(p0, p1), conversion=(c0, c1), monetization=(m0, m1))
    v0 = p0 * c0 * m0
    v1 = p1 * c1 * m1
    per_group = (
        parts.by_group["pool"] + parts.by_group["conversion"] + parts.by_group["monetization"]
    )
    scale = np.maximum(np.maximum(v0, v1), 1e-300)
    assert np.all(np.abs(per_group - (v1 - v0)) <= 1e-12 * scale)
    err, total_scale = _identity_residual(parts, math.fsum(v0), math.fsum(v1))
    assert err <= 1e-12 * max(total_scale, float(scale.sum()))


def test_single_factor_change_goes_to_that_factor():
    parts = decompose(pool=(100, 150), conversion=(0.2, 0.2), monetization=(30, 30))
    assert parts["pool"] == pytest.approx(150 * 0.2 * 30 - 100 * 0.2 * 30, rel=1e-12)
    assert parts["conversion"] == 0.0 and parts["monetization"] == 0.0


def test_lmdi_matches_textbook_formula():
    # Ang (2005), eq. for additive LMDI-I: dV_x = L(V1, V0) * ln(x1 / x0).
    p0, p1, c0, c1, m0, m1 = 1000, 1200, 0.10, 0.12, 300.0, 280.0
    v0, v1 = p0 * c0 * m0, p1 * c1 * m1
    weight = (v1 - v0) / (math.log(v1) - math.log(v0))
    parts = decompose(pool=(p0, p1), conversion=(c0, c1), monetization=(m0, m1))
    assert parts["pool"] == pytest.approx(weight * math.log(p1 / p0), rel=1e-12)
    assert parts["conversion"] == pytest.approx(weight * math.log(c1 / c0), rel=1e-12)
    assert parts["monetization"] == pytest.approx(weight * math.log(m1 / m0), rel=1e-12)


@pytest.mark.parametrize(
    ("x0", "x1"),
    [
        ((0.0, 0.2, 30.0), (100.0, 0.25, 35.0)),  # a pool that opened
        ((80.0, 0.2, 30.0), (100.0, 0.0, 35.0)),  # conversion collapsed
        ((0.0, 0.0, 30.0), (100.0, 0.3, 35.0)),  # two factors zero at once
    ],
)
def test_zero_rule_is_the_small_delta_limit(x0, x1):
    # Ang and Liu (2007): replacing zeros by delta -> 0 converges to the analytical limit, but
    # only like 1 / ln(1/delta); so check that the gap is small and shrinks as delta does.
    parts = decompose(pool=(x0[0], x1[0]), conversion=(x0[1], x1[1]), monetization=(x0[2], x1[2]))
    change = abs(parts.change)

    def gap(delta):
        eps = decompose(
            pool=(x0[0] or delta, x1[0] or delta),
            conversion=(x0[1] or delta, x1[1] or delta),
            monetization=(x0[2] or delta, x1[2] or delta),
        )
        return max(abs(parts[name] - eps[name]) for name in parts)

    assert gap(1e-100) < 0.01 * change
    assert gap(1e-100) < 0.6 * gap(1e-50)


def test_group_absent_in_both_periods_contributes_nothing():
    parts = decompose(
        pool=([10, 0], [12, 0]), conversion=([0.5, 0.3], [0.5, 0.0]), monetization=([2, 0], [2, 5])
    )
    assert parts.by_group["pool"][1] == 0 and parts.by_group["monetization"][1] == 0


def test_logarithmic_mean_limits():
    out = logarithmic_mean([2.0, 5.0, 0.0, 1.0 + 1e-12], [1.0, 5.0, 3.0, 1.0])
    assert out[0] == pytest.approx(1 / math.log(2), rel=1e-14)
    assert out[1] == 5.0 and out[2] == 0.0
    assert out[3] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pool": (None, 10)}, "'pool' is missing its base period"),
        ({"pool": ([], [])}, "'pool[0]' must not be empty"),
        ({"monetization": (10, -5)}, "'monetization[1]' must be >= 0 (got -5.0 at index 0)"),
        ({"conversion": ([0.1, float("nan")], [0.1, 0.2])}, "'conversion[0]' must be finite"),
        ({"pool": ([1, 2], [1, 2, 3])}, "'pool[1]' must have the same length"),
        ({"pool": 5}, "'pool' must be a pair"),
    ],
)
def test_decompose_bad_input(kwargs, message):
    args = {"pool": (10, 12), "conversion": (0.1, 0.2), "monetization": (5, 6)} | kwargs
    with pytest.raises(InvalidInputError) as info:
        decompose(**args)
    assert message in str(info.value)


def test_three_factors_checks():
    f = three_factors([100, 50], [20, 0], [400.0, 0.0])
    assert f["conversion"].tolist() == [0.2, 0.0] and f["monetization"].tolist() == [20.0, 0.0]
    with pytest.raises(InvalidInputError, match=r"'fans' must be <= pool .* at index 1"):
        three_factors([100, 5], [20, 6], [1.0, 1.0])
    with pytest.raises(InvalidInputError, match=r"'revenue' must be >= 0 \(got -1.0 at index 0\)"):
        three_factors([100], [20], [-1.0])
    with pytest.raises(InvalidInputError, match=r"'revenue' must be 0 where fans is 0"):
        three_factors([100], [0], [5.0])


# --- concentration ------------------------------------------------------------------------


def _gini_mean_difference(x):
    # Textbook definition: G = sum_i sum_j |x_i - x_j| / (2 n^2 mean).
    x = np.asarray(x, dtype=float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())


def test_gini_textbook_examples():
    assert gini([1, 1, 1, 1]) == 0.0  # perfect equality
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # one holds all: (n - 1) / n
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)  # 0.2667, mean-difference formula
    assert gini([3, 1, 2]) == gini([1, 2, 3])  # order does not matter


@examples(100)
@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=40))
def test_gini_matches_mean_difference_and_is_in_unit_interval(values):
    if sum(values) <= 0:
        return
    g = gini(values)
    assert 0.0 <= g < 1.0
    assert g == pytest.approx(_gini_mean_difference(values), rel=1e-9, abs=1e-12)


def test_lorenz_points_and_area_give_gini():
    x, y = lorenz([1, 2, 3, 4])
    assert x.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert y.tolist() == pytest.approx([0.0, 0.1, 0.3, 0.6, 1.0])
    # G = 1 - 2 * area under the Lorenz curve (trapezoids are exact for the step data).
    area = np.trapezoid(y, x)
    assert gini([1, 2, 3, 4]) == pytest.approx(1 - 2 * area)


def test_pareto_80_20():
    values = [80.0] + [20.0 / 4] * 4  # top 20% of 5 customers hold 80%
    assert top_share(values, 0.2) == pytest.approx(0.8)
    assert top_share(values, 1.0) == pytest.approx(1.0)


def test_concentration_per_group_matches_brute_force():
    rng = np.random.default_rng(3)
    values = rng.gamma(0.4, 100.0, 5000)
    groups = rng.choice(["new", "member", "vip"], 5000)
    c = concentration(values, groups, shares=(0.01, 0.2, 0.5))
    for i, g in enumerate(c.groups):
        xs = values[groups == g]
        assert c.gini[i] == pytest.approx(_gini_mean_difference(xs), rel=1e-9)
        assert c.n_customers[i] == xs.size and c.total[i] == pytest.approx(xs.sum())
        for j, k in enumerate(c.shares):
            top = np.sort(xs)[::-1]
            whole = int(k * xs.size)
            frac = k * xs.size - whole
            expected = (
                top[:whole].sum() + frac * (top[whole] if whole < xs.size else 0)
            ) / xs.sum()
            assert c.top_share[i, j] == pytest.approx(expected, rel=1e-9)
    assert c.to_pandas().shape == (3, 4 + 3)


def test_concentration_bad_input():
    with pytest.raises(InvalidInputError, match=r"'values' must be >= 0 \(got -3.0 at index 1\)"):
        gini([1, -3])
    with pytest.raises(InvalidInputError, match="'values' must not be empty"):
        gini([])
    with pytest.raises(InvalidInputError, match="positive total"):
        gini([0, 0])
    with pytest.raises(InvalidInputError, match=r"'k' must be in \(0, 1\] \(got 0.0 at index 0\)"):
        top_share([1, 2], 0)
    with pytest.raises(InvalidInputError, match="got 0 in group 'b'"):
        concentration([1, 0], ["a", "b"])
    with pytest.raises(InvalidInputError, match="'groups' must have the same length"):
        concentration([1, 2], ["a"])


def test_concentration_finds_a_label_missing_from_the_sample():
    groups = np.array(["a"] * 10_000, dtype=object)
    groups[1] = "z"  # a rare group between the sampled rows
    c = concentration(np.arange(1.0, 10_001.0), groups.astype(str), shares=(0.5,))
    assert c.groups.tolist() == ["a", "z"] and c.n_customers.tolist() == [9_999, 1]


def test_mappings_align_groups_and_absent_means_zero():
    keyed = decompose(
        pool=({"wecom": 800, "app": 50}, {"wecom": 900, "mini_program": 300}),
        conversion=({"wecom": 0.1, "app": 0.2}, {"wecom": 0.12, "mini_program": 0.05}),
        monetization=({"wecom": 200, "app": 90}, {"wecom": 190, "mini_program": 150}),
    )
    arrays = decompose(
        pool=([800, 50, 0], [900, 0, 300]),
        conversion=([0.1, 0.2, 0], [0.12, 0, 0.05]),
        monetization=([200, 90, 0], [190, 0, 150]),
    )
    assert keyed.groups.tolist() == ["wecom", "app", "mini_program"]
    for name in ("pool", "conversion", "monetization", "change"):
        assert keyed.by_group[name].tolist() == arrays.by_group[name].tolist()
    assert keyed.by_group["change"][1] == -50 * 0.2 * 90  # the app channel closed


def test_mappings_must_agree_across_factors():
    with pytest.raises(InvalidInputError, match=r"'conversion\[1\]' must have the same groups"):
        decompose(
            pool=({"a": 1}, {"a": 2, "b": 1}),
            conversion=({"a": 0.1}, {"a": 0.1}),
            monetization=({"a": 5}, {"a": 5, "b": 1}),
        )
    with pytest.raises(InvalidInputError, match="must all be pairs of mappings"):
        decompose(pool=({"a": 1}, {"a": 2}), conversion=(0.1, 0.2), monetization=(5, 5))
