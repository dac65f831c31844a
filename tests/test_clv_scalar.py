"""One customer's CLV predictions, given as numbers, equal the batch path's, errors included.

``BetaGeo`` / ``ModifiedBetaGeo`` P(alive) and expected purchases, Gamma-Gamma expected spend
and the monthly CLV of one customer run in Python floats (``privtraffic.clv._scalar``);
Pareto/NBD checks one row with scalar comparisons and calls its array evaluator. Each is
compared here with the same call on length-1 columns and with a batch of many customers, on
random inputs over the ranges issue 11 made stable (parameters 1e-4 to 1e4, heavy buyers,
``recency == T``, tiny and huge horizons): the same numbers to 1e-12 relative, and the same
inputs refused with the same error and message. A fresh process that loads a model from JSON
and predicts imports neither ``scipy.optimize`` nor ``scipy.linalg``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.clv import (
    BetaGeo,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    customer_lifetime_value,
)
from privtraffic.errors import PrivTrafficError
from support import examples

RTOL = 1e-12

positive = st.floats(1e-4, 1e4).map(lambda v: float(v))
log_uniform = st.floats(-4.0, 4.0).map(lambda e: 10.0**e)


@st.composite
def customers(draw: st.DrawFn) -> tuple[float, float, float]:
    """(frequency, recency, T): light and heavy buyers, recency 0, inside or == T."""
    T = draw(st.one_of(log_uniform, st.sampled_from([38.86, 1.0, 1e-3, 1e4])))
    x = float(draw(st.one_of(st.integers(0, 20), st.integers(0, 5000))))
    if x == 0:
        return 0.0, 0.0, T
    recency = draw(st.one_of(st.just(T), st.floats(0.0, 1.0).map(lambda f: f * T)))
    return x, min(recency, T), T


def bgnbd_params(draw: st.DrawFn) -> tuple[float, float, float, float]:
    return tuple(draw(log_uniform) for _ in range(4))  # type: ignore[return-value]


def outcome(call, *args):
    try:
        return float(np.asarray(call(*args))[0])
    except PrivTrafficError as exc:
        return (type(exc), str(exc))


def assert_same(one, batch):
    if isinstance(batch, tuple) or isinstance(one, tuple):
        assert one == batch
    else:
        assert math.isclose(one, batch, rel_tol=RTOL, abs_tol=1e-300), (one, batch)


@st.composite
def bgnbd_cases(draw: st.DrawFn):
    model = draw(st.sampled_from([BetaGeo, ModifiedBetaGeo]))
    r, alpha, a, b = bgnbd_params(draw)
    t = draw(st.one_of(log_uniform, st.just(0.0), st.sampled_from([39.0, 52.0, 1e4])))
    return model.from_params(r=r, alpha=alpha, a=a, b=b), t, draw(customers())


@examples(300)
@given(bgnbd_cases())
@example((BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426), 39.0, (2.0, 30.43, 38.86)))
@example((BetaGeo.from_params(r=172.0, alpha=1.0, a=2.0, b=1.25), 52.0, (3.0, 1.0, 10.0)))
@example((BetaGeo.from_params(r=1.0, alpha=1.0, a=1.0, b=1.0), 3.0, (0.0, 0.0, 1.0)))
@example((ModifiedBetaGeo.from_params(r=1e-4, alpha=1e4, a=1e4, b=1e-4), 1e4, (5000.0, 1.0, 1e4)))
# found by `nox -s deep` (2026-12-01): P(alive) of 1e-37 and 6e-44 at r = 1e4
@example((BetaGeo.from_params(r=1e4, alpha=1.0, a=1.0, b=1.0), 1.0, (1.0, 0.9834675261724948, 1.0)))
@example((BetaGeo.from_params(r=1e4, alpha=100.0, a=1.0, b=1.0), 1.0, (1.0, 0.0, 1.0)))
@example((BetaGeo.from_params(r=1e4, alpha=1000.0, a=1.0, b=1.0), 0.0, (1.0, 0.0, 1.0)))
def test_one_customer_equals_the_batch_bgnbd(case):
    model, t, (x, rec, T) = case
    assert_same(
        outcome(model.probability_alive, x, rec, T),
        outcome(model.probability_alive, [x], [rec], [T]),
    )
    assert_same(
        outcome(model.expected_purchases, t, x, rec, T),
        outcome(model.expected_purchases, [t], [x], [rec], [T]),
    )


_UNIT_BG = BetaGeo.from_params(r=1.0, alpha=1.0, a=1.0, b=1.0)


@examples(20)
@given(st.lists(bgnbd_cases(), min_size=2, max_size=8))
# found by `nox -s deep` (2026-12-01): a P(alive) of 6e-196 beside ordinary rows
@example([(_UNIT_BG, 1.0, (0.0, 0.0, 1.0))] * 3 + [(_UNIT_BG, 1.0, (3521.0, 34.0025, 38.86))])
@example(
    [(BetaGeo.from_params(r=1e4, alpha=100.0, a=1.0, b=1.0), 1.0, (1.0, 0.0, 1.0))]
    + [(_UNIT_BG, 1.0, (0.0, 0.0, 1.0))] * 4
)
def test_one_customer_equals_its_row_of_a_batch(cases):
    """Scalar calls against one batch call of many customers (the series runs per row)."""
    model = cases[0][0]
    x, rec, T = (np.array(c) for c in zip(*(c[2] for c in cases), strict=True))
    alive = model.probability_alive(x, rec, T)
    for i in range(len(x)):
        assert_same(float(model.probability_alive(x[i], rec[i], T[i])[0]), float(alive[i]))
    try:
        expected = model.expected_purchases(52.0, x, rec, T)
    except PrivTrafficError:
        return  # one row past float64: the scalar cases above check that path
    for i in range(len(x)):
        assert_same(outcome(model.expected_purchases, 52.0, x[i], rec[i], T[i]), expected[i])


BAD_HISTORIES = [
    (-1, 0, 5),
    (1.5, 1, 5),
    (2, -1, 5),
    (2, 1, 0),
    (2, 6, 5),
    (0, 1, 5),
    (float("nan"), 0, 5),
    (2, float("inf"), 5),
    (True, 0, 5),  # not a plain number: the batch path, which reads True as 1 with recency 0
    (np.float32(2.0), 1.0, 7.0),  # not a plain number either: the batch path
]


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
@pytest.mark.parametrize("history", BAD_HISTORIES)
def test_one_customer_is_refused_as_the_batch_refuses(model, history):
    fitted = model.from_params(dict(zip(model._param_names, (0.5, 4.0, 0.8, 2.5), strict=True)))
    for method, horizon in (("probability_alive", ()), ("expected_purchases", (39.0,))):
        call = getattr(fitted, method)
        one = outcome(call, *horizon, *history)
        batch = outcome(call, *horizon, *([v] for v in history))
        assert one == batch
    assert outcome(fitted.expected_purchases, -1.0, 2, 1, 5) == outcome(
        fitted.expected_purchases, [-1.0], [2], [1], [5]
    )


def test_a_value_past_float64_is_refused_as_the_batch_refuses():
    m = BetaGeo.from_params(r=1e4, alpha=1e-4, a=1e-4, b=1e4)
    one = outcome(m.expected_purchases, 1.7e308, 5000, 1.0, 1.0)
    assert isinstance(one, tuple) and "does not fit in float64" in one[1]
    assert one == outcome(m.expected_purchases, [1.7e308], [5000], [1.0], [1.0])


@examples(60)
@given(
    st.tuples(log_uniform, log_uniform, log_uniform),
    st.tuples(log_uniform, log_uniform, log_uniform, log_uniform),
    customers(),
    st.floats(0.0, 1e4),
    st.integers(1, 24),
    st.floats(0.0, 0.5),
)
@example((6.25, 3.74, 15.44), (0.243, 4.414, 0.793, 2.426), (2.0, 30.43, 38.86), 35.0, 12, 0.01)
@example((6.25, 3.74, 15.44), (0.243, 4.414, 0.793, 2.426), (0.0, 0.0, 38.86), 0.0, 12, 0.01)
@example((1.0, 0.5, 1.0), (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 1.0), 0.0, 1, 0.0)  # spend infinite
# found by `nox -s deep` (2026-12-01): a CLV of 6e-181 at r = 10 ** 3.5
@example((1.0, 1.0, 1.0), (10.0**3.5, 1.0, 1.0, 1.0), (1.0, 87.5, 100.0), 1.0, 1, 0.0)
@example((1.0, 1.0, 1.0), (10.0**3.875, 10.0**1.5, 1.0, 1.0), (1.0, 0.75, 1.0), 1.0, 1, 0.0)
def test_one_customers_spend_and_clv_equal_the_batch(spend, purchases, customer, m, horizon, rate):
    gg = GammaGamma.from_params(p=spend[0], q=spend[1], v=spend[2])
    bg = BetaGeo.from_params(r=purchases[0], alpha=purchases[1], a=purchases[2], b=purchases[3])
    x, rec, T = customer
    m = m if x > 0 else 0.0
    assert_same(outcome(gg.expected_spend, x, m), outcome(gg.expected_spend, [x], [m]))

    def clv(*columns):
        return customer_lifetime_value(
            bg, gg, *columns, horizon=horizon, discount_rate=rate, unit="W"
        )

    assert_same(outcome(clv, x, rec, T, m), outcome(clv, [x], [rec], [T], [m]))


@pytest.mark.parametrize(
    ("frequency", "monetary_value"),
    [(1.5, 3.0), (-1, 3.0), (2, 0.0), (2, -1.0), (0, -1.0), (2, float("nan"))],
)
def test_one_customers_spend_is_refused_as_the_batch_refuses(frequency, monetary_value):
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    one = outcome(gg.expected_spend, frequency, monetary_value)
    assert isinstance(one, tuple)
    assert one == outcome(gg.expected_spend, [frequency], [monetary_value])


@examples(40)
@given(st.tuples(log_uniform, log_uniform, log_uniform, log_uniform), customers(), log_uniform)
@example((0.5534, 10.5802, 0.6061, 11.6562), (26.0, 30.86, 31.0), 52.0)
def test_one_pareto_nbd_customer_equals_the_batch(params, customer, t):
    m = ParetoNBD.from_params(r=params[0], alpha=params[1], s=params[2], beta=params[3])
    x, rec, T = customer
    assert_same(
        outcome(m.probability_alive, x, rec, T), outcome(m.probability_alive, [x], [rec], [T])
    )
    assert_same(
        outcome(m.expected_purchases, t, x, rec, T),
        outcome(m.expected_purchases, [t], [x], [rec], [T]),
    )


PREDICTING = textwrap.dedent(
    """
    import json, sys
    from privtraffic.clv import BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value
    bg = BetaGeo.from_json(sys.argv[1])
    gg = GammaGamma.from_json(sys.argv[2])
    pareto = ParetoNBD.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.7)
    bg.probability_alive(2, 30.43, 38.86)
    bg.expected_purchases(52.0, [2, 1000], [30.43, 38.0], [38.86, 38.86])
    bg.expected_purchases(1e4, 3, 1.0, 10.0)  # quadrature
    pareto.probability_alive([2], [30.43], [38.86])
    customer_lifetime_value(bg, gg, 2, 30.43, 38.86, 35.0, horizon=12, discount_rate=0.01, unit="W")
    loaded = sorted(sys.modules)
    if "--fit" in sys.argv:
        BetaGeo().fit([0, 2, 5], [0, 30.0, 35.0], [38.86, 38.86, 38.86])
    print(json.dumps([loaded, sorted(sys.modules)]))
    """
)


def _modules(*extra: str) -> tuple[list[str], list[str]]:
    bg = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426).to_json()
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44).to_json()
    done = subprocess.run(
        [sys.executable, "-c", PREDICTING, bg, gg, *extra],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    before, after = json.loads(done.stdout)
    return before, after


def test_a_predicting_process_imports_no_optimizer_and_no_linalg():
    """Loading models from JSON and predicting (every evaluator: series, quadrature, Pareto/NBD,
    the CLV) never imports scipy.optimize or scipy.linalg; fitting imports scipy.optimize."""
    loaded, after_fit = _modules("--fit")
    heavy = {"scipy.optimize", "scipy.linalg", "scipy.stats", "scipy.integrate", "pandas"}
    assert not heavy & set(loaded), sorted(heavy & set(loaded))
    assert "scipy.optimize" in after_fit  # the fit imported it, when it was needed
