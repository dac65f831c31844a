"""The sBG model of contract renewals: Fader & Hardie (2007)'s published fit, DERL, properties.

Sources of the reference numbers:

- Fader & Hardie (2007), "How to Project Customer Retention", J. Interactive Marketing 21(1),
  Table 1: percentage of a cohort of 1,000 customers still active at the end of years 0-12,
  regular and high-end segments (the model is fitted on years 0-7; years 8-12 are the
  holdout). We checked the figures against independent public copies of the table (a data
  file and a TypeScript figure for both segments, a markdown note for the high end).
- The paper's estimates: regular alpha = 0.704, beta = 1.182; high end alpha = 0.668,
  beta = 3.806; Appendix B's spreadsheet starts from alpha = beta = 1, where the high-end
  log-likelihood is -2115.5.
- The log-likelihoods at the optimum, -1680.3 (regular) and -1611.2 (high end), and the
  projections of years 8-12, are recomputed in the tests from the paper's P(T = t) and S(t)
  with scipy.special.beta - a second implementation in the same run - and agree with a public
  peer computation of the same data (regular -1680.2652, high end -1611.158; high-end
  projection 0.460, 0.436, 0.414, 0.395, 0.378).
- DERL: Fader & Hardie (2010), "Customer-Base Valuation in a Contractual Setting: The Perils of
  Ignoring Heterogeneity", Marketing Science 29(1), eq. (6), checked against mpmath's 2F1 at 30
  digits and against the defining sum; the high-end DERL after 7 renewals at d = 10%, 7.530,
  is also the value a public peer implementation prints for the same data.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import special

from privtraffic.clv import ContractDurations, ShiftedBetaGeo, durations_from_counts, sbg
from privtraffic.errors import InvalidInputError, NotFittedError
from support import examples

mpmath = pytest.importorskip("mpmath")

# Fader & Hardie (2007), Table 1: % of the cohort active at the end of year t, t = 0..12.
TABLE_1 = {
    "regular": [100.0, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3],
    "high_end": [100.0, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1, 46.8, 44.5, 42.7, 40.9, 39.4],
}
# Fader & Hardie (2007): the estimates from years 1-7.
PUBLISHED = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}
# Log-likelihood at the optimum (recomputed below from P(T=t) and S(t); the peer agrees).
PUBLISHED_LL = {"regular": -1680.3, "high_end": -1611.2}
COHORT = 1000


def _durations(segment: str) -> ContractDurations:
    counts = np.round(np.array(TABLE_1[segment][:8]) * COHORT / 100.0)
    return durations_from_counts(counts)


@pytest.fixture(scope="module", params=["regular", "high_end"])
def segment(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def fitted(segment: str) -> ShiftedBetaGeo:
    return ShiftedBetaGeo().fit(_durations(segment))


def _ll_by_hand(alpha: float, beta: float, segment: str) -> float:
    """The paper's log-likelihood: sum of n_t log P(T = t) over churners plus n_7 log S(7)."""
    counts = np.round(np.array(TABLE_1[segment][:8]) * COHORT / 100.0)
    lost = counts[:-1] - counts[1:]
    t = np.arange(1, 8)
    p = special.beta(alpha + 1, beta + t - 1) / special.beta(alpha, beta)
    s7 = special.beta(alpha, beta + 7) / special.beta(alpha, beta)
    return float(np.sum(lost * np.log(p)) + counts[-1] * np.log(s7))


# ------------------------------------------------------------------------ published numbers
def test_estimates_reproduce_fader_hardie_2007(fitted: ShiftedBetaGeo, segment: str) -> None:
    alpha, beta = PUBLISHED[segment]
    assert round(fitted.params_["alpha"], 3) == alpha
    assert round(fitted.params_["beta"], 3) == beta
    assert fitted.n_customers_ == COHORT


def test_log_likelihood_at_the_optimum(fitted: ShiftedBetaGeo, segment: str) -> None:
    assert round(fitted.log_likelihood_, 1) == PUBLISHED_LL[segment]
    by_hand = _ll_by_hand(fitted.params_["alpha"], fitted.params_["beta"], segment)
    assert fitted.log_likelihood_ == pytest.approx(by_hand, rel=1e-12)
    # ... and at the published (rounded) estimates, to the printed precision
    assert round(_ll_by_hand(*PUBLISHED[segment], segment), 1) == PUBLISHED_LL[segment]


def test_appendix_b_starting_value() -> None:
    # Fader & Hardie (2007), Appendix B: LL(alpha=1, beta=1) = -2115.5 for the high-end data.
    d = _durations("high_end")
    value, _ = sbg.negative_log_likelihood(
        np.log([1.0, 1.0]), d.periods, d.churned * 1.0, weights=d.weights
    )
    assert round(-value, 1) == -2115.5
    assert -value == pytest.approx(_ll_by_hand(1.0, 1.0, "high_end"), rel=1e-13)


def test_projections_for_years_8_to_12(fitted: ShiftedBetaGeo, segment: str) -> None:
    years = np.arange(8, 13)
    projected = 100 * fitted.survival(years)
    # S(t) = B(alpha, beta + t) / B(alpha, beta) at the published estimates, by hand
    alpha, beta = PUBLISHED[segment]
    by_hand = 100 * special.beta(alpha, beta + years) / special.beta(alpha, beta)
    np.testing.assert_allclose(np.round(projected, 1), np.round(by_hand, 1), atol=0.1)
    if segment == "high_end":  # the public peer's printed projection of the same data
        np.testing.assert_allclose(
            np.round(projected / 100, 3), [0.460, 0.436, 0.414, 0.395, 0.378]
        )
    # "remarkably accurate": within 1.6 points of the actual holdout years of Table 1
    actual = np.array(TABLE_1[segment][8:])
    assert np.max(np.abs(projected - actual)) < 1.7
    # and the calibration years are fitted to within 2 points
    fit = 100 * fitted.survival(np.arange(8))
    assert np.max(np.abs(fit - np.array(TABLE_1[segment][:8]))) < 2.0


def test_retention_rates_rise_as_in_the_paper(fitted: ShiftedBetaGeo) -> None:
    # FH 2007: r_t = (beta + t - 1) / (alpha + beta + t - 1), and r_t = S(t)/S(t-1)
    t = np.arange(1, 13)
    r = fitted.retention_rate(t)
    s = fitted.survival(np.arange(13))
    np.testing.assert_allclose(r, s[1:] / s[:-1], rtol=1e-12)
    assert np.all(np.diff(r) > 0)


def test_standard_errors_are_finite_and_intervals_cover_the_estimate(
    fitted: ShiftedBetaGeo,
) -> None:
    summary = fitted.summary()
    assert summary.parameter.tolist() == ["alpha", "beta"]
    assert np.all(np.isfinite(summary.standard_error)) and np.all(summary.standard_error > 0)
    assert np.all(summary.lower_95 < summary.estimate) and np.all(
        summary.estimate < summary.upper_95
    )


# ------------------------------------------------------------------------ DERL and DEL
def _derl_mpmath(alpha: float, beta: float, n: float, d: float) -> float:
    # Fader & Hardie (2010), eq. (6) with n - 1 renewals = our n
    a, b, k = mpmath.mpf(alpha), mpmath.mpf(beta), mpmath.mpf(n)
    ratio = mpmath.beta(a, b + k + 1) / mpmath.beta(a, b + k)
    return float(ratio * mpmath.hyp2f1(1, b + k + 1, a + b + k + 1, 1 / (1 + mpmath.mpf(d))))


def test_derl_high_end_matches_peer_and_hypergeometric_closed_form(fitted, segment) -> None:
    mpmath.mp.dps = 30
    alpha, beta = fitted.params_["alpha"], fitted.params_["beta"]
    n = np.arange(0, 13)
    got = fitted.discounted_expected_residual_lifetime(n, 0.10)
    ref = [_derl_mpmath(alpha, beta, k, 0.10) for k in n]
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    assert np.all(np.diff(got) > 0)  # long-stayers are the loyal ones
    if segment == "high_end":
        assert round(float(got[7]), 3) == 7.530


def test_derl_equals_its_defining_sum() -> None:
    # DERL = sum_{t >= n+1} S(t) / S(n) / (1 + d)^(t - n - 1), summed until the terms vanish
    params = (1.7, 2.3)
    t = np.arange(0, 6000)
    s = sbg.survival(params, t)
    for n, d in [(0, 0.1), (3, 0.05), (10, 0.25)]:
        terms = s[n + 1 :] / s[n] * (1 + d) ** -np.arange(t.size - n - 1.0)
        got = sbg.discounted_expected_residual_lifetime(params, np.array([n]), np.array([d]))[0]
        assert got == pytest.approx(terms.sum(), rel=1e-10)


def test_del_is_one_plus_discounted_derl_and_the_sum() -> None:
    m = ShiftedBetaGeo.from_params(alpha=0.704, beta=1.182)
    d = np.array([0.05, 0.1, 0.3])
    del_ = m.discounted_expected_lifetime(d)
    np.testing.assert_allclose(
        del_, 1 + m.discounted_expected_residual_lifetime(0, d) / (1 + d), rtol=1e-13
    )
    mpmath.mp.dps = 30
    for value, rate in zip(
        del_, d, strict=True
    ):  # FH 2010: DEL = 2F1(1, beta; alpha+beta; 1/(1+d))
        ref = mpmath.hyp2f1(1, 1.182, 0.704 + 1.182, 1 / (1 + mpmath.mpf(float(rate))))
        assert value == pytest.approx(float(ref), rel=1e-10)


def test_undiscounted_values() -> None:
    # alpha > 1: E[T] = (alpha + beta - 1) / (alpha - 1), DERL(n, 0) = (beta + n) / (alpha - 1)
    m = ShiftedBetaGeo.from_params(alpha=3.0, beta=4.0)
    assert m.expected_lifetime() == 3.0
    assert m.expected_lifetime(horizon=100_000) == pytest.approx(3.0, rel=1e-8)
    np.testing.assert_allclose(m.discounted_expected_residual_lifetime([0, 5], 0.0), [2.0, 4.5])
    assert float(m.discounted_expected_lifetime(0.0)[0]) == pytest.approx(3.0)
    heavy = ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2)
    assert heavy.expected_lifetime() == math.inf
    assert math.isinf(float(heavy.discounted_expected_residual_lifetime(2, 0.0)[0]))
    assert heavy.expected_lifetime(horizon=3) == pytest.approx(
        float(heavy.survival([0, 1, 2]).sum())
    )


# ------------------------------------------------------------------------ properties
params_st = st.tuples(
    st.floats(0.05, 30.0, allow_nan=False), st.floats(0.05, 50.0, allow_nan=False)
)


@given(params=params_st, t=st.integers(0, 400))
@examples(60)
@example(params=(0.05, 0.05), t=400)
def test_survival_non_increasing_and_retention_in_unit_interval(params, t) -> None:
    m = ShiftedBetaGeo.from_params(alpha=params[0], beta=params[1])
    s = m.survival(np.arange(t + 2))
    assert s[0] == 1.0
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0)
    r = m.retention_rate(np.arange(1, t + 2))
    assert np.all((r >= 0) & (r <= 1))
    churn = m.churn_probability(np.arange(1, t + 2))
    assert float(churn.sum() + s[-1]) == pytest.approx(1.0, abs=1e-10)


@given(params=params_st, n=st.integers(0, 300), d=st.floats(1e-4, 2.0))
@examples(40)
@example(params=(1.0, 0.3), n=0, d=1e-4)
def test_derl_positive_and_rises_as_the_discount_rate_falls(params, n, d) -> None:
    m = ShiftedBetaGeo.from_params(alpha=params[0], beta=params[1])
    values = m.discounted_expected_residual_lifetime(n, [d, d / 2, d / 4])
    assert np.all(values >= 0) and np.all(np.isfinite(values))
    assert np.all(np.diff(values) > 0)
    # never more than the undiscounted (infinite when alpha <= 1) nor less than the next payment
    assert values[0] >= float(m.retention_rate(n + 1)[0]) * (1 - 1e-12)


# ------------------------------------------------------------------------ fitting
def test_gradient_matches_finite_differences() -> None:
    d = _durations("regular")
    x = np.log([0.9, 1.4])
    _, grad = sbg.negative_log_likelihood(x, d.periods, d.churned * 1.0, weights=d.weights)
    h = 1e-6
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        up, _ = sbg.negative_log_likelihood(x + e, d.periods, d.churned * 1.0, weights=d.weights)
        down, _ = sbg.negative_log_likelihood(x - e, d.periods, d.churned * 1.0, weights=d.weights)
        assert grad[i] == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_fit_on_member_rows_equals_fit_on_counts() -> None:
    d = _durations("high_end")
    periods = np.repeat(d.periods, d.weights.astype(int))
    churned = np.repeat(d.churned, d.weights.astype(int))
    m = ShiftedBetaGeo().fit(periods, churned)
    w = ShiftedBetaGeo().fit(d.periods, d.churned, weights=d.weights)
    assert m.params_ == pytest.approx(w.params_, rel=1e-8)
    assert m.n_rows_ == 8


def test_simulation_recovers_parameters() -> None:
    truth = ShiftedBetaGeo.from_params(alpha=0.8, beta=2.5)
    data = truth.simulate(30_000, 10, rng=np.random.default_rng(7))
    m = ShiftedBetaGeo().fit(data)
    for name in ("alpha", "beta"):
        assert abs(m.params_[name] - truth.params_[name]) < 3 * m.standard_errors_[name]
    # the simulated share still active after 10 periods matches S(10)
    active = float((~data.churned).mean())
    s10 = float(truth.survival(10)[0])
    assert abs(active - s10) < 4 * math.sqrt(s10 * (1 - s10) / 30_000)


def test_json_round_trip_and_html() -> None:
    m = ShiftedBetaGeo().fit(_durations("regular"))
    back = ShiftedBetaGeo.from_json(m.to_json())
    assert back.params_ == m.params_
    assert back.standard_errors_ == m.standard_errors_
    assert back.log_likelihood_ == m.log_likelihood_
    np.testing.assert_array_equal(back.survival(range(13)), m.survival(range(13)))
    assert json.loads(m.to_json())["model"] == "ShiftedBetaGeo"
    html = m._repr_html_()
    assert "<td>alpha</td>" in html and "<td>beta</td>" in html and "https://" not in html
    assert repr(m).startswith("ShiftedBetaGeo(alpha=0.704")
    assert "not fitted" in repr(ShiftedBetaGeo())
    table = _durations("regular")
    assert "<table" in table._repr_html_() and len(table) == 8


# ------------------------------------------------------------------------ bad input
def test_bad_data_is_refused_with_the_row() -> None:
    with pytest.raises(InvalidInputError, match=r"'churned' must be True/False.*index 1"):
        ShiftedBetaGeo().fit([1, 2], [1, 2])
    with pytest.raises(InvalidInputError, match=r"'periods' must be whole numbers.*index 0"):
        ShiftedBetaGeo().fit([1.5, 2], [True, False])
    with pytest.raises(InvalidInputError, match=r"'periods' must be >= 1 for a member who churned"):
        ShiftedBetaGeo().fit([0, 2], [True, False])
    with pytest.raises(InvalidInputError, match="'periods' must be whole numbers >= 0"):
        ShiftedBetaGeo().fit([-1, 2], [False, False])
    with pytest.raises(InvalidInputError, match="non-increasing"):
        durations_from_counts([1000, 600, 700])
    with pytest.raises(InvalidInputError, match="at least one later count"):
        durations_from_counts([1000])
    with pytest.raises(InvalidInputError, match="same length"):
        ContractDurations(periods=[1, 2], churned=[True], weights=[1, 1])


def test_bad_prediction_arguments() -> None:
    m = ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2)
    with pytest.raises(InvalidInputError, match="'t' must be whole numbers >= 1"):
        m.retention_rate(0)
    with pytest.raises(InvalidInputError, match="'t' must be whole numbers >= 0"):
        m.survival(-1)
    with pytest.raises(InvalidInputError, match="'discount_rate' must be >= 0"):
        m.discounted_expected_residual_lifetime(1, -0.1)
    with pytest.raises(InvalidInputError, match="'horizon' must be a whole number >= 1"):
        m.expected_lifetime(horizon=0)
    with pytest.raises(NotFittedError):
        ShiftedBetaGeo().survival(1)
    with pytest.raises(InvalidInputError, match=r"'n_periods' must be whole numbers >= 1"):
        m.simulate(3, 0)
