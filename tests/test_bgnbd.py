"""BG/NBD (BetaGeo): published estimates, agreement with lifetimes, stability, input checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.clv import BetaGeo, ModifiedBetaGeo
from privtraffic.clv.bgnbd import index_data, log_likelihood, negative_log_likelihood
from privtraffic.data import load_cdnow
from privtraffic.errors import InvalidInputError, NotFittedError
from support import examples

mpmath = pytest.importorskip("mpmath")
pd = pytest.importorskip("pandas")

# Fader, Hardie & Lee (2005), "Counting Your Customers" the Easy Way, Marketing Science 24(2),
# section 5 (CDNOW, 2,357 customers, 39-week calibration): r = 0.243, alpha = 4.414,
# a = 0.793, b = 2.426, LL = -9582.4.
FHL_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
FHL_LL = -9582.4


def central_differences(f, x, h=1e-6):
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def lifetimes_fitter(params):
    from lifetimes import BetaGeoFitter

    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(params)
    return fitter


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow("summary")


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BetaGeo().fit(cdnow)


def test_reproduces_published_cdnow_estimates(fitted):
    assert {k: round(v, 3) for k, v in fitted.params_.items()} == FHL_PARAMS
    assert round(fitted.log_likelihood_, 1) == FHL_LL
    assert fitted.n_customers_ == 2357


def test_fit_and_standard_errors_agree_with_lifetimes(cdnow, fitted):
    from lifetimes import BetaGeoFitter

    peer = BetaGeoFitter().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    for name in FHL_PARAMS:
        assert fitted.params_[name] == pytest.approx(peer.params_[name], rel=1e-4)
        assert fitted.standard_errors_[name] == pytest.approx(peer.standard_errors_[name], rel=1e-3)


def test_conditional_expectation_published_point_value():
    # Fader, Hardie & Lee (2005) / Hardie's note 004 ("Implementing the BG/NBD model in
    # Excel", section 5): a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
    # 1.226 purchases in the next 39 weeks.
    m = BetaGeo.from_params(FHL_PARAMS)
    assert round(float(m.expected_purchases(39, 2, 30.43, 38.86)[0]), 3) == 1.226


def test_predictions_agree_with_lifetimes(cdnow):
    m = BetaGeo.from_params(FHL_PARAMS)
    peer = lifetimes_fitter(FHL_PARAMS)
    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    for t in (1.0, 39.0, 78.0):
        np.testing.assert_allclose(
            m.expected_purchases(t, x, rec, T),
            peer.conditional_expected_number_of_purchases_up_to_time(t, x, rec, T),
            rtol=1e-9,
        )
    np.testing.assert_allclose(
        m.probability_alive(x, rec, T), peer.conditional_probability_alive(x, rec, T), rtol=1e-12
    )
    ts = np.array([0.5, 1.0, 10.0, 39.0, 78.0, 200.0])
    np.testing.assert_allclose(
        m.expected_purchases_new(ts), peer.expected_number_of_purchases_up_to_time(ts), rtol=1e-9
    )
    for n in range(6):
        for t in (1.0, 39.0, 78.0):
            assert float(m.probability_of_purchases(n, t)[0]) == pytest.approx(
                peer.probability_of_n_purchases_up_to_time(t, n), rel=1e-9
            )


def test_probability_of_purchases_is_a_distribution_with_the_right_mean():
    # Brute force: the pmf of eq. 8 sums to 1 and its mean is E[X(t)] of eq. 9.
    m = BetaGeo.from_params(FHL_PARAMS)
    n = np.arange(0, 3000)
    for t in (1.0, 39.0, 200.0):
        pmf = m.probability_of_purchases(n, t)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert float(n @ pmf) == pytest.approx(float(m.expected_purchases_new(t)[0]), rel=1e-8)


def test_log_likelihood_agrees_with_lifetimes(cdnow):
    from lifetimes import BetaGeoFitter

    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    params = np.array(list(FHL_PARAMS.values()))
    ours = log_likelihood(tuple(params), x, rec, T).sum()
    theirs = -BetaGeoFitter._negative_log_likelihood(
        np.log(params), x, rec, T, np.ones_like(x), 0.0
    ) * len(x)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_analytic_gradient_matches_finite_differences(cdnow):
    data = index_data(cdnow.frequency[:500], cdnow.recency[:500], cdnow.T[:500])
    w = np.ones(500)

    def f(lp):
        return negative_log_likelihood(lp, *data, weights=w)[0]

    def g(lp):
        return negative_log_likelihood(lp, *data, weights=w)[1]

    for point in (np.log([0.243, 4.414, 0.793, 2.426]), np.log([1.5, 0.7, 3.0, 0.4])):
        np.testing.assert_allclose(
            g(point), central_differences(f, point, 1e-4), rtol=1e-6, atol=1e-6
        )


def mp_conditional_expectation(params, t, x, tx, T):
    """FHL (2005) eq. 10 in 50-digit arithmetic, in its original (untransformed) form."""
    mpmath.mp.dps = 50
    r, alpha, a, b = (mpmath.mpf(v) for v in params)
    t, x, tx, T = (mpmath.mpf(v) for v in (t, x, tx, T))
    z = t / (alpha + T + t)
    hyp = mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    den = 1 + (1 if x > 0 else 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return float(num / den)


@pytest.mark.parametrize(
    ("t", "x", "tx", "T"),
    [
        (39.0, 2000.0, 38.86, 38.86),  # heavy buyer, recency == T
        (52.0, 5000.0, 100.0, 100.0),
        (1e-9, 3.0, 10.0, 20.0),  # tiny horizon: 1 - G must not cancel to 0
        (1e6, 10.0, 5.0, 6.0),  # huge horizon
        (0.001, 40.0, 0.01, 0.01),  # tiny time scale
    ],
)
def test_extreme_customers_match_high_precision_reference(t, x, tx, T):
    m = BetaGeo.from_params(FHL_PARAMS)
    ours = float(m.expected_purchases(t, x, tx, T)[0])
    assert math.isfinite(ours)
    assert ours == pytest.approx(
        mp_conditional_expectation(FHL_PARAMS.values(), t, x, tx, T), rel=1e-7
    )


def mp_expected_new(params, t):
    """FHL (2005) eq. 9 in 50-digit arithmetic."""
    mpmath.mp.dps = 50
    r, alpha, a, b = (mpmath.mpf(v) for v in params)
    t = mpmath.mpf(t)
    hyp = mpmath.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


def test_right_where_lifetimes_is_wrong():
    peer = lifetimes_fitter(FHL_PARAMS)
    m = BetaGeo.from_params(FHL_PARAMS)
    # A heavy, long-lived buyer over a tiny horizon: lifetimes' 1 - G cancels (30% off).
    case = (3.303548952739905e-06, 29005.0, 63664.5914412453, 63676.55648134774)
    exact = mp_conditional_expectation(FHL_PARAMS.values(), *case)
    theirs = peer.conditional_expected_number_of_purchases_up_to_time(*case)
    assert abs(theirs - exact) > 0.2 * exact
    assert float(m.expected_purchases(*case)[0]) == pytest.approx(exact, rel=1e-7)
    # A huge horizon with r = 50: lifetimes' E[X(t)] is NaN.
    params = {"r": 50.0, "alpha": 0.01, "a": 0.8, "b": 2.4}
    peer, m = lifetimes_fitter(params), BetaGeo.from_params(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(peer.expected_number_of_purchases_up_to_time(1e6))
    ours = float(m.expected_purchases_new(1e6)[0])
    assert ours == pytest.approx(mp_expected_new(params.values(), 1e6), rel=1e-7)


def test_removable_singularities_a_equal_1_and_a_plus_b_equal_1():
    for params in (
        {"r": 1.0, "alpha": 1.0, "a": 0.5, "b": 0.5},
        {"r": 0.7, "alpha": 3.0, "a": 1.0, "b": 2.0},
    ):
        m = BetaGeo.from_params(params)
        near = {k: v * (1 + 1e-6) if k == "a" else v for k, v in params.items()}
        ref = BetaGeo.from_params(near)
        assert float(m.expected_purchases_new(10)[0]) == pytest.approx(
            float(ref.expected_purchases_new(10)[0]), rel=1e-5
        )
        assert float(m.expected_purchases(10, 0, 0, 5)[0]) == pytest.approx(
            float(ref.expected_purchases(10, 0, 0, 5)[0]), rel=1e-5
        )


positive = st.floats(min_value=1e-3, max_value=1e3)


# BG/NBD and MBG/NBD share their formulas (bgnbd.py, with the MBG shift); both are checked
# over the same ranges.
@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
@examples(150)
@given(
    r=positive,
    alpha=st.floats(min_value=1e-4, max_value=1e5),
    a=st.floats(min_value=1e-2, max_value=50.0),
    b=st.floats(min_value=1e-2, max_value=50.0),
    x=st.integers(min_value=0, max_value=20000),
    T=st.floats(min_value=1e-4, max_value=1e5),
    share=st.floats(min_value=0.0, max_value=1.0),
    t=st.floats(min_value=0.0, max_value=1e6),
)
# Found once by this property before the suite was derandomised (issue 11): scipy's hyp2f1 gave
# E[X(11)] = -2.7e27 (true 2.2485).
@example(r=172.0, alpha=1.0, a=2.0, b=1.25, x=0, T=1.0, share=0.0, t=11.0)
def test_predictions_finite_and_in_range(model, r, alpha, a, b, x, T, share, t):
    m = model.from_params(r=r, alpha=alpha, a=a, b=b)
    tx = 0.0 if x == 0 else T * share
    alive = m.probability_alive(x, tx, T)
    expected = m.expected_purchases(t, x, tx, T)
    new = m.expected_purchases_new(t)
    pmf = m.probability_of_purchases(np.array([0, 1, min(x, 50), x]), t)
    assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
    assert np.all(np.isfinite(new)) and np.all(new >= 0)
    assert np.all(np.isfinite(pmf)) and np.all((pmf >= 0) & (pmf <= 1))


def test_parameter_recovery_from_simulation():
    truth = BetaGeo.from_params(r=0.5, alpha=6.0, a=0.7, b=2.5)
    rng = np.random.default_rng(20260101)
    T = rng.uniform(20.0, 60.0, 30000)
    data = truth.simulate(30000, T, rng=rng)
    m = BetaGeo().fit(data)
    for name, value in truth.params_.items():
        assert abs(m.params_[name] - value) < 4 * m.standard_errors_[name], name


def test_inputs_tables_and_weights_are_equivalent(cdnow):
    arrays = BetaGeo().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    frame = BetaGeo().fit(cdnow.to_pandas())
    mapping = BetaGeo().fit({"frequency": cdnow.frequency, "recency": cdnow.recency, "T": cdnow.T})
    lists = BetaGeo().fit(cdnow.frequency.tolist(), cdnow.recency.tolist(), cdnow.T.tolist())
    # the same data pre-collapsed by hand, as lifetimes users do
    df = cdnow.to_pandas().groupby(["frequency", "recency", "T"]).size().reset_index(name="w")
    weighted = BetaGeo().fit(df["frequency"], df["recency"], df["T"], weights=df["w"])
    for other in (frame, mapping, lists, weighted):
        assert other.params_ == pytest.approx(arrays.params_, rel=1e-9)
        assert other.log_likelihood_ == pytest.approx(arrays.log_likelihood_, rel=1e-12)
    assert arrays.n_rows_ == len(df)
    assert weighted.n_customers_ == 2357


def test_penalizer_has_lifetimes_meaning_when_max_T_is_10():
    # lifetimes rescales time so that max(T) == 10 before penalising; with max(T) == 10 both
    # minimise the same objective, NLL / n + penalizer * sum(params ** 2). Ours reaches a value
    # of lifetimes' own objective at least as low as lifetimes' optimiser does, and is a
    # stationary point of it.
    from lifetimes import BetaGeoFitter

    truth = BetaGeo.from_params(r=0.8, alpha=2.0, a=0.9, b=3.0)
    data = truth.simulate(3000, 10.0, rng=np.random.default_rng(3))
    ours = BetaGeo(penalizer=0.05).fit(data)
    peer = BetaGeoFitter(penalizer_coef=0.05).fit(data.frequency, data.recency, data.T)
    w = np.ones(len(data))

    def objective(log_params):
        return BetaGeoFitter._negative_log_likelihood(
            log_params, data.frequency, data.recency, data.T, w, 0.05
        )

    at_ours = np.log(list(ours.params_.values()))
    assert objective(at_ours) <= objective(np.log(peer.params_.to_numpy())) + 1e-12
    np.testing.assert_allclose(central_differences(objective, at_ours, 1e-5), 0.0, atol=1e-6)


def test_json_round_trip_gives_identical_predictions(fitted, cdnow):
    back = BetaGeo.from_json(fitted.to_json())
    assert back.params_ == fitted.params_
    assert back.standard_errors_ == fitted.standard_errors_
    assert back.log_likelihood_ == fitted.log_likelihood_
    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    assert np.array_equal(
        back.expected_purchases(39, x, rec, T), fitted.expected_purchases(39, x, rec, T)
    )
    assert np.array_equal(back.probability_alive(x, rec, T), fitted.probability_alive(x, rec, T))
    np.testing.assert_array_equal(back.covariance_, fitted.covariance_)


def test_summary_repr_and_html(fitted):
    s = fitted.summary()
    frame = s.to_pandas()
    assert list(frame["parameter"]) == ["r", "alpha", "a", "b"]
    assert np.all(s.lower_95 < s.estimate) and np.all(s.estimate < s.upper_95)
    assert "r" in repr(s) and "-9582" in repr(s)
    html = fitted._repr_html_()
    assert "standard_error" in html and "alpha" in html and "2357" in html
    assert repr(fitted).startswith("BetaGeo(r=0.2426")
    assert "not fitted" in repr(BetaGeo())


def test_fit_keeps_no_reference_to_the_data_and_returns_self(cdnow):
    m = BetaGeo()
    assert m.fit(cdnow) is m
    stored = [v for v in vars(m).values() if isinstance(v, np.ndarray)]
    assert all(v.shape == (4, 4) for v in stored)  # only the covariance matrix


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "needle"),
    [
        ([1, -1], [1.0, 0.0], [2.0, 2.0], "'frequency' must be >= 0 (got -1.0 at index 1)"),
        (
            [1, 1.5],
            [1.0, 1.0],
            [2.0, 2.0],
            "'frequency' must be whole numbers (got 1.5 at index 1)",
        ),
        ([1, 2], [1.0, 5.0], [2.0, 3.0], "'recency' must be <= T (got 5.0 > 3.0 at index 1)"),
        (
            [0, 0],
            [0.0, 1.0],
            [2.0, 2.0],
            "'recency' must be 0 when frequency == 0 (got recency 1.0 at index 1)",
        ),
        ([1, 2], [1.0, float("nan")], [2.0, 2.0], "'recency' must be finite (got nan at index 1)"),
        ([1, 2], [1.0, 1.0], [2.0, float("inf")], "'T' must be finite (got inf at index 1)"),
        ([1, 2], [1.0, 1.0], [2.0], "'T' must have the same length as 'frequency' (got 1 != 2)"),
        ([], [], [], "'frequency' must not be empty"),
        ([1, 1], [1.0, -1.0], [2.0, 2.0], "'recency' must be >= 0 (got -1.0 at index 1)"),
        ([0, 0], [0.0, 0.0], [2.0, 0.0], "'T' must be > 0 (got 0.0 at index 1)"),
    ],
)
def test_bad_input_raises_naming_argument_and_row(frequency, recency, T, needle):
    with pytest.raises(InvalidInputError) as info:
        BetaGeo().fit(frequency, recency, T)
    assert needle in str(info.value)
    m = BetaGeo.from_params(FHL_PARAMS)
    if len(frequency) and len(frequency) == len(T):
        with pytest.raises(InvalidInputError):
            m.expected_purchases(10, frequency, recency, T)


def test_bad_hyper_parameters_and_prediction_arguments():
    with pytest.raises(InvalidInputError, match="'penalizer' must be a finite number >= 0"):
        BetaGeo(penalizer=-1).fit([1, 0], [1.0, 0.0], [2.0, 2.0])
    m = BetaGeo.from_params(FHL_PARAMS)
    with pytest.raises(InvalidInputError, match=r"'t' must be >= 0 \(got -1.0 at index 0\)"):
        m.expected_purchases_new(-1)
    with pytest.raises(InvalidInputError, match="'n' must be whole numbers >= 0"):
        m.probability_of_purchases(1.5, 10)
    with pytest.raises(InvalidInputError, match=r"'weights' must be >= 0 \(got -1.0 at index 1\)"):
        BetaGeo().fit([1, 0], [1.0, 0.0], [2.0, 2.0], weights=[1, -1])
    with pytest.raises(InvalidInputError, match=r"'penalizer' .* \(got -1.0\)"):
        BetaGeo(penalizer=np.float64(-1.0)).fit([1, 0], [1.0, 0.0], [2.0, 2.0])
    with pytest.raises(InvalidInputError, match=r"'n' must be a whole number >= 1 \(got 0\)"):
        m.simulate(np.int64(0), 39.0)
    with pytest.raises(InvalidInputError, match="must have a column 'T'"):
        BetaGeo().fit({"frequency": [1], "recency": [1.0]})


def test_unfitted_model_raises_not_fitted():
    m = BetaGeo()
    for call in (
        lambda: m.expected_purchases(10, 1, 1.0, 2.0),
        lambda: m.probability_alive(1, 1.0, 2.0),
        lambda: m.expected_purchases_new(10),
        lambda: m.probability_of_purchases(1, 10),
        lambda: m.summary(),
        lambda: m.to_json(),
        lambda: m.simulate(10, 5.0),
    ):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()
