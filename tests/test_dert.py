"""DERT of Pareto/NBD, BG/NBD and MBG/NBD customers, against numerical integration at 30 digits.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis"
(J. Marketing Research 42(4)), define DERT (their eq. 2) and show it for the CDNOW cohort as
iso-value curves (figures), with the Pareto/NBD fitted to CDNOW (r = 0.5533, alpha = 10.5776,
s = 0.6061, beta = 11.6650, Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
and the discount of 15% a year, 0.0027 a week continuously. We found no table of DERT values
printed in the paper, so every number here is checked against an independent numerical
integration of the model's definition with mpmath at 30 digits (acceptance: 1e-6 relative; we
ask for 1e-9):

- Pareto/NBD: ``P(alive) * E[lambda] * integral_0^inf exp(-delta t) ((beta+T)/(beta+T+t))^s dt``
  with ``P(alive)`` from the likelihood written as a 1-d integral over the dropout time.
- BG/NBD and MBG/NBD: ``delta * integral_0^inf exp(-delta t) E[X(T, T+t) | history] dt`` (by
  parts) with the closed-form conditional expectations of FHL (2005, eq. 10) and Batislam et
  al. (2007) in mpmath's 2F1 - a different route from the library's (a quadrature over the
  dropout probability of a scaled exponential integral).
"""

from __future__ import annotations

import math

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
    discounted_residual_transactions,
)
from privtraffic.clv._special import beta_expectation, scaled_expint
from privtraffic.data import RFMSummary, load_cdnow
from privtraffic.errors import InvalidInputError, NotFittedError
from support import examples

mpmath = pytest.importorskip("mpmath")

# Fader, Hardie & Lee (2005), Marketing Science 24(2), Table 1 / p. 279: CDNOW, weeks.
PNBD = {"r": 0.5533, "alpha": 10.5776, "s": 0.6061, "beta": 11.6650}
BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
# Batislam et al.'s MBG/NBD on the same data, as fitted by privtraffic (the model's doctest).
MBGNBD = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
# FHL (2005, JMR): 15% a year compounded yearly, i.e. log(1.15) continuously.
ANNUAL = math.log(1.15)
WEEK = 7 / 365.25

HISTORIES = [
    (0, 0.0, 38.86),
    (1, 5.0, 38.86),
    (2, 30.43, 38.86),
    (7, 35.0, 77.86),
    (10, 38.0, 38.86),
    (29, 37.0, 38.86),
    (25, 20.0, 38.86),
    (4, 1.5, 2.0),
]


def _pnbd_reference(params: dict[str, float], x: float, tx: float, T: float, delta: float) -> float:
    r, alpha, s, beta = (mpmath.mpf(params[k]) for k in ("r", "alpha", "s", "beta"))
    x, tx, T, delta = (mpmath.mpf(v) for v in (x, tx, T, delta))
    lam = mpmath.gamma(r + x) / mpmath.gamma(r) * alpha**r  # E[lambda^x e^{-lambda u}] factor
    alive = lam / (alpha + T) ** (r + x) * (beta / (beta + T)) ** s
    # died at u in (t_x, T): E[lambda^x e^{-lambda u}] E[mu e^{-mu u}]
    died = mpmath.quad(
        lambda u: lam / (alpha + u) ** (r + x) * s * beta**s / (beta + u) ** (s + 1), [tx, T]
    )
    p_alive = alive / (alive + died)
    survive = mpmath.quad(
        lambda t: mpmath.exp(-delta * t) * ((beta + T) / (beta + T + t)) ** s,
        [0, 1 / delta, 10 / delta, mpmath.inf],
    )
    return float(p_alive * (r + x) / (alpha + T) * survive)


def _bg_expectation(params, x, tx, T, t, modified: bool):
    """E[X(T, T+t) | x, t_x, T]: FHL (2005) eq. 10, or Batislam et al. (2007) for MBG/NBD."""
    r, alpha, a, b = (mpmath.mpf(params[k]) for k in ("r", "alpha", "a", "b"))
    z = t / (alpha + T + t)
    ratio = ((alpha + T) / (alpha + T + t)) ** (r + x)
    if modified:
        head = (a + b + x) / (a - 1)
        body = 1 - ratio * mpmath.hyp2f1(r + x, b + x + 1, a + b + x, z)
        alive = 1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x)
    else:
        head = (a + b + x - 1) / (a - 1)
        body = 1 - ratio * mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
        alive = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0)
    return head * body / alive


def _bg_reference(params, x, tx, T, delta, modified: bool) -> float:
    x, tx, T, delta = (mpmath.mpf(v) for v in (x, tx, T, delta))
    value = mpmath.quad(
        lambda t: delta * mpmath.exp(-delta * t) * _bg_expectation(params, x, tx, T, t, modified),
        [0, 1 / delta, 10 / delta, 100 / delta, mpmath.inf],
    )
    return float(value)


# ------------------------------------------------------------------------ the special functions
def test_scaled_exponential_integral_against_mpmath() -> None:
    mpmath.mp.dps = 30
    nus = [
        1e-3,
        0.3,
        0.6061,
        0.999999999,
        1.0,
        1.000000001,
        1.5,
        2.0,
        2.5,
        7.243,
        19.99,
        20.0,
        31.2,
        400.0,
    ]
    xs = [1e-10, 1e-5, 0.003, 0.1, 0.5, 0.999, 1.0, 2.0, 30.0, 300.0]
    nu, x = np.meshgrid(nus, xs)
    got = scaled_expint(nu, x)
    for value, n, z in zip(got.ravel(), nu.ravel(), x.ravel(), strict=True):
        # exp(z) E_n(z) = exp(z) z^(n-1) Gamma(1 - n, z), mpmath's incomplete gamma
        ref = mpmath.exp(z) * mpmath.expint(mpmath.mpf(n), mpmath.mpf(z))
        assert value == pytest.approx(float(ref), rel=1e-11), (n, z)


def test_beta_expectation_reproduces_moments() -> None:
    # E[p^k] = B(a + k, b) / B(a, b), across small and large shapes
    a = np.array([0.05, 0.5, 2.0, 40.0, 300.0, 3.0])
    b = np.array([0.1, 3.0, 40.0, 2.0, 500.0, 0.05])
    for k in (1.0, 2.5):
        got = beta_expectation(
            lambda p, q, rows, k=k: p**k,
            a,
            b,
            scale=np.full(a.size, 1e-3),
            at_zero=np.zeros(a.size),
            at_one=np.ones(a.size),
        )
        ref = [
            float(mpmath.beta(ai + k, bi) / mpmath.beta(ai, bi))
            for ai, bi in zip(a, b, strict=True)
        ]
        np.testing.assert_allclose(got, ref, rtol=1e-11)


# ------------------------------------------------------------------------ DERT = the integral
@pytest.mark.parametrize("history", HISTORIES)
def test_pareto_nbd_dert_matches_numerical_integration(history) -> None:
    mpmath.mp.dps = 30
    m = ParetoNBD.from_params(**PNBD)
    got = float(discounted_residual_transactions(m, *history, discount_rate=ANNUAL, unit="W")[0])
    ref = _pnbd_reference(PNBD, *history, ANNUAL * WEEK)
    assert got == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("history", HISTORIES)
@pytest.mark.parametrize("modified", [False, True], ids=["BG/NBD", "MBG/NBD"])
def test_beta_geometric_dert_matches_numerical_integration(history, modified) -> None:
    mpmath.mp.dps = 20
    params = MBGNBD if modified else BGNBD
    m = (ModifiedBetaGeo if modified else BetaGeo).from_params(**params)
    got = float(discounted_residual_transactions(m, *history, discount_rate=ANNUAL, unit="W")[0])
    ref = _bg_reference(params, *history, ANNUAL * WEEK, modified)
    assert got == pytest.approx(ref, rel=1e-9)


def test_cdnow_cohort_dert_against_the_models_own_expectations() -> None:
    # every distinct CDNOW history, BG/NBD fitted to the data: DERT = delta int e^{-dt} E[X(t)]
    from scipy import integrate

    s = load_cdnow("summary")
    bg = BetaGeo().fit(s)
    dert = discounted_residual_transactions(bg, s, discount_rate=ANNUAL)
    assert dert.shape == (2357,) and np.all(dert > 0)
    delta = ANNUAL * WEEK
    for i in np.linspace(0, 2356, 12).astype(int):
        args = (s.frequency[i], s.recency[i], s.T[i])
        f = lambda t, a=args: delta * math.exp(-delta * t) * float(bg.expected_purchases(t, *a)[0])  # noqa: E731
        ref, _ = integrate.quad(f, 0, np.inf, limit=400, epsabs=0, epsrel=1e-11)
        assert dert[i] == pytest.approx(ref, rel=1e-8)


# ------------------------------------------------------------------------ properties
histories = st.tuples(st.integers(0, 60), st.floats(0.0, 1.0), st.floats(0.5, 400.0)).map(
    lambda h: (h[0], 0.0 if h[0] == 0 else h[1] * h[2], h[2])
)


@given(
    history=histories,
    rate=st.floats(1e-3, 2.0),
    kind=st.sampled_from(["pnbd", "bg", "mbg"]),
    shape=st.floats(0.1, 4.0),
)
@examples(40)
@example(history=(0, 0.0, 0.5), rate=1e-3, kind="bg", shape=0.1)
@example(history=(60, 400.0, 400.0), rate=2.0, kind="pnbd", shape=4.0)
def test_dert_positive_and_rises_as_the_discount_rate_falls(history, rate, kind, shape) -> None:
    if kind == "pnbd":
        m = ParetoNBD.from_params(r=0.55, alpha=10.6, s=shape, beta=11.7)
    elif kind == "bg":
        m = BetaGeo.from_params(r=0.24, alpha=4.4, a=shape, b=2.4)
    else:
        m = ModifiedBetaGeo.from_params(r=0.52, alpha=6.2, a=shape, b=1.6)
    values = [
        float(discounted_residual_transactions(m, *history, discount_rate=d, unit="D")[0])
        for d in (rate, rate / 2, rate / 4)
    ]
    assert all(v >= 0 and math.isfinite(v) for v in values)
    assert values[0] <= values[1] <= values[2]


def test_undiscounted_dert_is_the_expected_number_of_all_future_purchases() -> None:
    # s > 1: P(alive) E[lambda] E[1/mu]; a > 1: P(alive) E[1/p] (each purchase is followed by
    # dropout with probability p, so 1/p purchases on average); else infinite
    pnbd = ParetoNBD.from_params(r=0.5, alpha=10.0, s=2.5, beta=12.0)
    got = discounted_residual_transactions(pnbd, 2, 20.0, 39.0, discount_rate=0.0, unit="W")
    alive = pnbd.probability_alive(2, 20.0, 39.0)
    assert float(got[0]) == pytest.approx(float(alive[0]) * 2.5 / 49.0 * 51.0 / 1.5, rel=1e-12)
    small = discounted_residual_transactions(pnbd, 2, 20.0, 39.0, discount_rate=1e-7, unit="W")
    assert float(small[0]) == pytest.approx(float(got[0]), rel=1e-5)
    bg = BetaGeo.from_params(r=0.24, alpha=4.4, a=1.8, b=2.4)
    got = discounted_residual_transactions(bg, 3, 20.0, 39.0, discount_rate=0.0, unit="W")
    alive = bg.probability_alive(3, 20.0, 39.0)
    assert float(got[0]) == pytest.approx(float(alive[0]) * 6.2 / 0.8, rel=1e-12)
    assert math.isinf(
        float(
            discounted_residual_transactions(
                ParetoNBD.from_params(**PNBD), 1, 5.0, 39.0, discount_rate=0.0, unit="W"
            )[0]
        )
    )


def test_time_unit_does_not_change_the_value() -> None:
    # the same customers and model in days (alpha and beta scale with the unit)
    m_weeks = ParetoNBD.from_params(**PNBD)
    m_days = ParetoNBD.from_params(
        r=PNBD["r"], alpha=PNBD["alpha"] * 7, s=PNBD["s"], beta=PNBD["beta"] * 7
    )
    x, tx, T = np.array([0, 2, 7.0]), np.array([0, 30.43, 35.0]), np.array([38.86, 38.86, 77.86])
    weeks = discounted_residual_transactions(m_weeks, x, tx, T, discount_rate=0.1, unit="W")
    days = discounted_residual_transactions(m_days, x, tx * 7, T * 7, discount_rate=0.1, unit="D")
    np.testing.assert_allclose(weeks, days, rtol=1e-12)
    bg_w = BetaGeo.from_params(**BGNBD)
    bg_d = BetaGeo.from_params(r=BGNBD["r"], alpha=BGNBD["alpha"] * 7, a=BGNBD["a"], b=BGNBD["b"])
    np.testing.assert_allclose(
        discounted_residual_transactions(bg_w, x, tx, T, discount_rate=0.1, unit="W"),
        discounted_residual_transactions(bg_d, x, tx * 7, T * 7, discount_rate=0.1, unit="D"),
        rtol=1e-10,
    )


# ------------------------------------------------------------------------ CLV with method="dert"
def test_clv_dert_is_margin_times_spend_times_dert_and_brackets_the_monthly_sum() -> None:
    s = load_cdnow("summary")
    bg = BetaGeo.from_params(**BGNBD)
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    clv = customer_lifetime_value(bg, gg, s, discount_rate=0.12, margin=0.3, method="dert")
    spend = gg.expected_spend(s.frequency, s.monetary_value)
    np.testing.assert_allclose(
        clv, 0.3 * spend * discounted_residual_transactions(bg, s, discount_rate=0.12), rtol=1e-14
    )
    # a purchase in month k is discounted (1+i)^-k by the monthly sum and between (1+i)^-k and
    # (1+i)^-(k-1) continuously at annual rate 12 log(1+i): monthly <= dert <= (1+i) monthly
    i = 0.01
    part = s.frequency.size // 40
    rows = slice(0, part)
    sub = RFMSummary(
        customer_id=s.customer_id[rows],
        frequency=s.frequency[rows],
        recency=s.recency[rows],
        T=s.T[rows],
        monetary_value=s.monetary_value[rows],
        unit=7.0,
    )
    monthly = customer_lifetime_value(bg, gg, sub, horizon=1500, discount_rate=i)
    continuous = customer_lifetime_value(
        bg, gg, sub, discount_rate=12 * math.log1p(i), method="dert"
    )
    assert np.all(monthly <= continuous * (1 + 1e-9))
    assert np.all(continuous <= (1 + i) * monthly * (1 + 1e-6))


# ------------------------------------------------------------------------ bad input
def test_bad_arguments_are_refused() -> None:
    m = BetaGeo.from_params(**BGNBD)
    with pytest.raises(
        InvalidInputError, match="'discount_rate' must be a finite annual rate >= 0"
    ):
        discounted_residual_transactions(m, 1, 2.0, 3.0, discount_rate=-0.1, unit="W")
    with pytest.raises(InvalidInputError, match="'unit' is required"):
        discounted_residual_transactions(m, 1, 2.0, 3.0, discount_rate=0.1)
    with pytest.raises(
        InvalidInputError, match="'model' must be a ParetoNBD, BetaGeo or ModifiedBetaGeo"
    ):
        discounted_residual_transactions(GammaGamma(), 1, 2.0, 3.0, discount_rate=0.1, unit="W")
    with pytest.raises(
        InvalidInputError, match=r"'recency' must be <= T \(got 5.0 > 3.0 at index 1\)"
    ):
        discounted_residual_transactions(m, [1, 1], [2.0, 5.0], 3.0, discount_rate=0.1, unit="W")
    with pytest.raises(InvalidInputError, match="'T' is required"):
        discounted_residual_transactions(m, [1], [2.0], discount_rate=0.1, unit="W")
    with pytest.raises(NotFittedError):
        discounted_residual_transactions(ParetoNBD(), 1, 2.0, 3.0, discount_rate=0.1, unit="W")
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    with pytest.raises(InvalidInputError, match="'method' must be 'monthly' or 'dert'"):
        customer_lifetime_value(
            m, gg, [1], [2.0], [3.0], [10.0], discount_rate=0.1, unit="W", method="yearly"
        )
    with pytest.raises(InvalidInputError, match="'horizon' must be a whole number of months"):
        customer_lifetime_value(m, gg, [1], [2.0], [3.0], [10.0], discount_rate=0.1, unit="W")
