"""``predict``: E[X] and P(alive) in one call equal the two calls bit for bit, with their errors.

BG/NBD and MBG/NBD compute P(alive) once in ``predict`` (``bgnbd._expected_and_alive``);
Pareto/NBD and BG/BB call ``expected_purchases`` and ``probability_alive``. The reference here
is always the pair of separate calls, run in the same test.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    ModifiedBetaGeo,
    ParetoNBD,
    PurchasePredictions,
)
from privtraffic.errors import InvalidInputError, NotFittedError
from support import examples

# Fader, Hardie & Lee (2005), section 5 (CDNOW): the published BG/NBD estimates.
FHL_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}

# The ranges of tests/test_bgnbd.py::test_predictions_finite_and_in_range.
positive = st.floats(min_value=1e-3, max_value=1e3)
alphas = st.floats(min_value=1e-4, max_value=1e5)
betas = st.floats(min_value=1e-2, max_value=50.0)
horizons = st.floats(min_value=0.0, max_value=1e6)


def customers(seed: int, n: int, max_x: int, gridded: bool):
    """``n`` valid histories: on a day grid in weeks with few frequencies (``gridded``: the
    path that codes the (frequency, T) cells), or anywhere in the wide ranges, with the
    extremes (recency 0 and recency == T, the largest frequency) always present."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, max_x + 1, n).astype(np.float64)
    if gridded:
        T = (273 - rng.integers(0, 84, n)) / 7.0
        rec = np.floor(rng.uniform(0.0, 1.0, n) * T * 7.0) / 7.0
    else:
        T = 10.0 ** rng.uniform(-4.0, 5.0, n)
        rec = rng.uniform(0.0, 1.0, n) * T
    k = min(n, 3)
    x[:k] = [0.0, max_x, max_x][:k]
    rec[1:k] = [T[1], 0.0][: k - 1] if k > 1 else []
    rec[x == 0] = 0.0
    return x, rec, T


def assert_same_as_two_calls(m, t, x, rec, T):
    both = m.predict(t, x, rec, T)
    expected = m.expected_purchases(t, x, rec, T)
    alive = np.broadcast_to(m.probability_alive(x, rec, T), expected.shape)
    assert isinstance(both, PurchasePredictions)
    assert len(both) == len(expected)
    # bit for bit (the same float operations in the same order)
    np.testing.assert_array_equal(both.expected_purchases, expected, strict=True)
    np.testing.assert_array_equal(both.probability_alive, alive, strict=True)


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
@examples(40)
@given(
    r=positive,
    alpha=alphas,
    a=betas,
    b=betas,
    t=horizons,
    seed=st.integers(0, 2**32 - 1),
    size=st.sampled_from([1, 7, 300, 25_000]),
    max_x=st.sampled_from([0, 1, 30, 20_000]),
    gridded=st.booleans(),
)
# the cells path (>= 20,000 customers on a day grid) with heavy buyers and a huge horizon
@example(r=1e3, alpha=1e-4, a=1e-2, b=50.0, t=1e6, seed=0, size=25_000, max_x=30, gridded=True)
# the pinned counterexample of test_bgnbd.py (scipy's hyp2f1 was wrong there)
@example(r=172.0, alpha=1.0, a=2.0, b=1.25, t=11.0, seed=1, size=7, max_x=0, gridded=False)
def test_predict_equals_the_two_calls(model, r, alpha, a, b, t, seed, size, max_x, gridded):
    m = model.from_params(r=r, alpha=alpha, a=a, b=b)
    if size > 300:  # the cells path: a day grid and few frequencies (and a fast test)
        gridded, max_x = True, min(max_x, 30)
    x, rec, T = customers(seed, size, max_x, gridded)
    assert_same_as_two_calls(m, t, x, rec, T)


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
def test_predict_with_horizons_per_customer_and_scalar_histories(model):
    m = model.from_params(FHL_PARAMS)
    x, rec, T = customers(3, 25_000, 30, gridded=True)
    t = np.linspace(0.0, 104.0, x.size)
    assert_same_as_two_calls(m, t, x, rec, T)  # horizons differ: no cells
    assert_same_as_two_calls(m, np.full(x.size, 39.0), x, rec, T)  # equal horizons: cells
    assert_same_as_two_calls(m, [0.0, 39.0, 52.0], 2, 30.43, 38.86)  # one history, 3 horizons
    assert_same_as_two_calls(m, 39, 2, 30.43, 38.86)  # one customer: the scalar paths
    assert_same_as_two_calls(m, 39, [2], [30.43], [38.86])
    assert_same_as_two_calls(m, 39.0, x.tolist()[:50], rec.tolist()[:50], T.tolist()[:50])


def test_predict_of_the_other_models_equals_the_two_calls():
    x, rec, T = customers(5, 300, 40, gridded=True)
    assert_same_as_two_calls(
        ParetoNBD.from_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562), 39.0, x, rec, T
    )
    bgbb = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    assert_same_as_two_calls(bgbb, 5, [0, 2, 6], [0, 4, 6], 6)


# The bad inputs of tests/test_bgnbd.py::test_bad_input_raises_naming_argument_and_row, and
# bad horizons.
BAD = [
    (10, [1, -1], [1.0, 0.0], [2.0, 2.0]),
    (10, [1, 1.5], [1.0, 1.0], [2.0, 2.0]),
    (10, [1, 2], [1.0, 5.0], [2.0, 3.0]),
    (10, [0, 0], [0.0, 1.0], [2.0, 2.0]),
    (10, [1, 2], [1.0, float("nan")], [2.0, 2.0]),
    (10, [1, 2], [1.0, 1.0], [2.0, float("inf")]),
    (10, [1, 2], [1.0, 1.0], [2.0, 2.0, 2.0]),
    (10, [], [], []),
    (10, [1, 1], [1.0, -1.0], [2.0, 2.0]),
    (10, [0, 0], [0.0, 0.0], [2.0, 0.0]),
    (-1.0, [1, 2], [1.0, 1.0], [2.0, 2.0]),
    ([1.0, -2.0], [1, 2], [1.0, 1.0], [2.0, 2.0]),
    ([1.0, 2.0, 3.0], [1, 2], [1.0, 1.0], [2.0, 2.0]),
    (float("nan"), [1, 2], [1.0, 5.0], [2.0, 3.0]),
    (-1.0, 2, 30.43, 38.86),
    (10, 2, 40.0, 38.86),
    ("ten", 2, 30.43, 38.86),
]


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
@pytest.mark.parametrize(("t", "frequency", "recency", "T"), BAD)
def test_predict_raises_what_expected_purchases_raises(model, t, frequency, recency, T):
    m = model.from_params(dict(zip(model._param_names, (0.5, 5.0, 0.8, 2.5), strict=True)))
    with pytest.raises(InvalidInputError) as separate:
        m.expected_purchases(t, frequency, recency, T)
    with pytest.raises(InvalidInputError) as fused:
        m.predict(t, frequency, recency, T)
    assert type(fused.value) is type(separate.value)
    assert str(fused.value) == str(separate.value)


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_predict_before_fit_raises_not_fitted(model):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model().predict(39, [1], [1.0], [2.0])


def test_predict_memory_is_at_most_32_bytes_per_customer_beyond_the_inputs():
    # issue 16, item 4: <= 32 bytes per customer, both results included (tracemalloc sees
    # numpy's allocations)
    m = BetaGeo.from_params(FHL_PARAMS)
    x, rec, T = customers(7, 400_000, 30, gridded=True)
    m.predict(39.0, x, rec, T)  # warm up (imports, caches)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        both = m.predict(39.0, x, rec, T)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(both) == x.size
    assert (peak - before) / x.size <= 32.0
