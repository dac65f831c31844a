"""Tests of the BG/BB model: the published donations fit, Hardie's spreadsheet, lifetimes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from privtraffic.clv import bgbb
from privtraffic.clv.bgbb import BetaGeoBetaBinom
from privtraffic.data import load_donations
from privtraffic.errors import InvalidInputError, NotFittedError
from support import examples

# Fader, Hardie & Shang (2010), Marketing Science 29(6), Table 2 / p. 1094: the 1995 donor cohort.
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_LL = -33225.6


@pytest.fixture(scope="module")
def donations():
    return load_donations()


@pytest.fixture(scope="module")
def fitted(donations):
    return BetaGeoBetaBinom().fit(donations)


@pytest.fixture(scope="module")
def lifetimes_fitted(donations):
    from lifetimes import BetaGeoBetaBinomFitter

    d = donations
    return BetaGeoBetaBinomFitter().fit(d.frequency, d.recency, d.n_periods, d.weights)


def _history(d):
    return d.frequency * 1.0, d.recency * 1.0, d.n_periods * 1.0


def lifetimes_fitter(params):
    pd = pytest.importorskip("pandas")
    from lifetimes import BetaGeoBetaBinomFitter

    f = BetaGeoBetaBinomFitter()
    f.params_ = pd.Series(dict(zip(["alpha", "beta", "gamma", "delta"], params, strict=True)))
    return f


# ------------------------------------------------------------------------ published numbers
def test_donations_estimates_reproduce_fader_hardie_shang(fitted):
    for name, value in PUBLISHED.items():
        assert round(fitted.params_[name], 3) == value, name
    assert round(fitted.log_likelihood_, 1) == PUBLISHED_LL


def test_hardie_spreadsheet_values(fitted, donations):
    # Hardie's BG/BB spreadsheet (brucehardie.com/notes/010, BGBB_2011-01-20.xlsx):
    # "Conditional Expectations (II)": total expected transactions 2002-2006 = 12,884.2;
    # "In-Sample Fit": expected donors with 0 and 6 repeat donations 1996-2001 = 3,454.9, 1,253.1.
    x, rec, n = _history(donations)
    total = (fitted.expected_purchases(5, x, rec, n) * donations.weights).sum()
    assert total == pytest.approx(12884.2, abs=0.05)
    counts = fitted.probability_of_purchases([0, 6], 6) * donations.weights.sum()
    np.testing.assert_allclose(counts, [3454.9, 1253.1], atol=0.05)


def test_p_alive_table_6(fitted):
    # FHS (2010), Table 6: P(alive in 2002) for (x, t_x) = (0, 0), (2, 4), (6, 6), n = 6.
    p = fitted.probability_alive([0, 2, 6], [0, 4, 6], 6)
    np.testing.assert_allclose(p, [0.11, 0.59, 0.93], atol=0.005)


def test_standard_errors_finite_positive(fitted, lifetimes_fitted):
    assert all(np.isfinite(v) and v > 0 for v in fitted.standard_errors_.values())
    lifetimes_se = lifetimes_fitted.standard_errors_
    for name, value in fitted.standard_errors_.items():
        assert value == pytest.approx(lifetimes_se[name], rel=5e-3), name


# ------------------------------------------------------------------------ lifetimes as a peer
def test_fit_agrees_with_lifetimes(fitted, lifetimes_fitted):
    peer = lifetimes_fitted
    for name in PUBLISHED:
        assert fitted.params_[name] == pytest.approx(peer.params_[name], rel=1e-4), name


def test_predictions_agree_with_lifetimes(donations):
    params = tuple(PUBLISHED.values())
    peer = lifetimes_fitter(params)
    x, rec, n = _history(donations)
    np.testing.assert_allclose(
        bgbb.log_likelihood(params, x, rec, n), peer._loglikelihood(params, x, rec, n), rtol=1e-10
    )
    m = BetaGeoBetaBinom.from_params(**PUBLISHED)
    np.testing.assert_allclose(
        m.probability_alive(x, rec, n), peer.conditional_probability_alive(1, x, rec, n), rtol=1e-10
    )
    for t in (1, 5, 30):
        np.testing.assert_allclose(
            m.expected_purchases(t, x, rec, n),
            peer.conditional_expected_number_of_purchases_up_to_time(t, x, rec, n),
            rtol=1e-9,
        )


def test_probability_of_purchases_agrees_with_lifetimes(donations):
    peer = lifetimes_fitter(tuple(PUBLISHED.values()))
    peer.data = donations.to_pandas()
    table = peer.expected_number_of_transactions_in_first_n_periods(6)
    ours = BetaGeoBetaBinom.from_params(**PUBLISHED).probability_of_purchases(
        table.index.to_numpy(), 6
    )
    np.testing.assert_allclose(ours * donations.weights.sum(), table["model"], rtol=1e-10)


# ------------------------------------------------------------------------ brute force
def _brute_expected(params, t, x, t_x, n):
    """E[X(n, n+t)] = E[p | data] * sum_j P(alive at n+j | data), term by term (FHS eq. 13)."""
    a, b, g, d = params
    ll = bgbb.log_likelihood(params, np.array([x]), np.array([t_x]), np.array([n]))[0]
    total = 0.0
    for j in range(1, t + 1):
        total += np.exp(
            special.betaln(a + x + 1, b + n - x)
            - special.betaln(a, b)
            + special.betaln(g, d + n + j)
            - special.betaln(g, d)
            - ll
        )
    return total


@pytest.mark.parametrize("gamma", [0.4, 0.999999, 1.0, 1.0000001, 1.7, 3.0])
def test_expectations_stable_across_gamma_equal_one(gamma):
    params = (1.2, 0.75, gamma, 2.8)
    for x, t_x, n, t in [(0, 0, 6, 5), (3, 5, 6, 10), (20, 40, 40, 100)]:
        ours = bgbb.conditional_expected_purchases(
            params,
            np.array([float(t)]),
            np.array([x * 1.0]),
            np.array([t_x * 1.0]),
            np.array([n * 1.0]),
        )[0]
        assert ours == pytest.approx(_brute_expected(params, t, x, t_x, n), rel=1e-9)
    new = bgbb.expected_purchases_new(params, np.array([6.0]))[0]
    pmf = bgbb.probability_of_purchases(params, np.arange(7.0), np.full(7, 6.0))
    assert new == pytest.approx((np.arange(7) * pmf).sum(), rel=1e-10)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)


def test_log_likelihood_sums_to_one_over_histories():
    # The likelihood is a probability mass over (x, t_x) for fixed n: it sums to 1.
    params = (0.8, 1.5, 0.5, 2.0)
    n = 9
    xs, recs = zip(
        *[(0, 0)] + [(x, r) for r in range(1, n + 1) for x in range(1, r + 1)], strict=True
    )
    x, rec = np.array(xs, float), np.array(recs, float)
    # (x, t_x) histories with x >= 1 count C(t_x - 1, x - 1) orderings each
    mult = np.where(x > 0, special.comb(np.maximum(rec - 1, 0), np.maximum(x - 1, 0)), 1.0)
    total = (mult * np.exp(bgbb.log_likelihood(params, x, rec, np.full(x.size, float(n))))).sum()
    assert total == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------------------ properties
@examples(60)
@given(
    alpha=st.floats(0.01, 50.0),
    beta=st.floats(0.01, 50.0),
    gamma=st.floats(0.01, 50.0),
    delta=st.floats(0.01, 50.0),
    n=st.integers(1, 400),
    data=st.data(),
)
def test_predictions_finite_and_in_range(alpha, beta, gamma, delta, n, data):
    params = (alpha, beta, gamma, delta)
    t_x = data.draw(st.integers(0, n))
    x = 0 if t_x == 0 else data.draw(st.integers(1, t_x))
    t = float(data.draw(st.integers(0, 1000)))
    args = (np.array([float(x)]), np.array([float(t_x)]), np.array([float(n)]))
    assert np.isfinite(bgbb.log_likelihood(params, *args)).all()
    alive = bgbb.probability_alive(params, *args)
    assert ((alive >= 0) & (alive <= 1)).all()
    expected = bgbb.conditional_expected_purchases(params, np.array([t]), *args)
    assert np.isfinite(expected).all() and (expected >= 0).all() and (expected <= t).all()
    p = bgbb.probability_of_purchases(params, np.array([float(x)]), np.array([float(n)]))
    assert ((p >= 0) & (p <= 1)).all()


# ------------------------------------------------------------------------ fitting behaviour
def test_parameter_recovery_on_simulated_data():
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    data = BetaGeoBetaBinom.from_params(**truth).simulate(30000, 8, rng=np.random.default_rng(2))
    m = BetaGeoBetaBinom().fit(data)
    for name, value in truth.items():
        assert abs(m.params_[name] - value) < 4 * m.standard_errors_[name], name


def test_simulation_matches_the_model():
    # P(X(n) = x) of the model against frequencies of 200,000 simulated customers
    m = BetaGeoBetaBinom.from_params(**PUBLISHED)
    sim = m.simulate(200000, 6, rng=np.random.default_rng(5))
    freq = np.bincount(sim.frequency.astype(int), minlength=7) / 200000
    np.testing.assert_allclose(freq, m.probability_of_purchases(range(7), 6), atol=4e-3)
    alive = m.probability_alive(sim.frequency, sim.recency, sim.n_periods)
    assert np.all((alive >= 0) & (alive <= 1))


def test_json_round_trip_gives_identical_predictions(fitted, donations):
    text = fitted.to_json()
    back = BetaGeoBetaBinom.from_json(text)
    assert json.loads(text)["params"]["gamma"] == fitted.params_["gamma"]
    x, rec, n = _history(donations)
    np.testing.assert_array_equal(
        back.expected_purchases(5, x, rec, n), fitted.expected_purchases(5, x, rec, n)
    )
    np.testing.assert_array_equal(
        back.probability_alive(x, rec, n), fitted.probability_alive(x, rec, n)
    )


def test_fit_accepts_arrays_and_weights(donations, fitted):
    x, rec, n = _history(donations)
    m = BetaGeoBetaBinom().fit(x, rec, n, weights=donations.weights)
    assert m.params_ == pytest.approx(fitted.params_, rel=1e-8)


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("x", "rec", "n", "pattern"),
    [
        ([1, -1], [1, 0], [6, 6], r"'frequency' must be >= 0 \(got -1.0 at index 1\)"),
        ([1, 1.5], [1, 2], [6, 6], r"'frequency' must be whole numbers .*index 1"),
        ([1, 1], [1, 7], [6, 6], r"'recency' must be <= n_periods \(got 7.0 > 6.0 at index 1\)"),
        ([0, 1], [2, 1], [6, 6], r"'recency' must be 0 when frequency == 0 .*index 0"),
        ([1, 3], [1, 2], [6, 6], r"'frequency' must be <= recency \(got 3.0 > 2.0 at index 1\)"),
        ([1, 1], [1, 1], [6, 0], r"'n_periods' must be >= 1 \(got 0.0 at index 1\)"),
        ([1, 1], [1, np.nan], [6, 6], r"'recency' must be finite .*index 1"),
        ([1, 1], [1, 1], [6, np.inf], r"'n_periods' must be finite .*index 1"),
        ([1, 1], [1, 1], [6], r"'n_periods' must have the same length"),
        ([], [], [], r"'frequency' must not be empty"),
    ],
)
def test_bad_input_raises(x, rec, n, pattern):
    with pytest.raises(InvalidInputError, match=pattern):
        BetaGeoBetaBinom().fit(x, rec, n)
    if len(x) and len(x) == len(n):
        with pytest.raises(InvalidInputError, match=pattern):
            BetaGeoBetaBinom.from_params(**PUBLISHED).probability_alive(x, rec, n)


def test_bad_prediction_arguments():
    m = BetaGeoBetaBinom.from_params(**PUBLISHED)
    with pytest.raises(InvalidInputError, match=r"'t' must be whole numbers >= 0 \(got 1.5"):
        m.expected_purchases(1.5, 1, 1, 6)
    with pytest.raises(InvalidInputError, match=r"'n' must be whole numbers >= 0 \(got -1.0"):
        m.probability_of_purchases(-1, 6)
    with pytest.raises(InvalidInputError, match=r"'n_periods' must be whole numbers >= 1"):
        m.simulate(3, 0)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        BetaGeoBetaBinom().expected_purchases(1, 1, 1, 6)
    with pytest.raises(NotFittedError):
        BetaGeoBetaBinom().simulate(3, 6)


def test_gradient_matches_finite_differences(donations):
    data = bgbb.index_data(*_history(donations))
    w = donations.weights * 1.0
    for params in [(1.204, 0.750, 0.657, 2.783), (0.3, 4.0, 2.0, 0.5), (5.0, 0.2, 0.05, 30.0)]:
        lp = np.log(params)
        _, grad = bgbb.negative_log_likelihood(lp, *data, weights=w)
        step = 1e-6
        numeric = [
            (
                bgbb.negative_log_likelihood(lp + e, *data, weights=w)[0]
                - bgbb.negative_log_likelihood(lp - e, *data, weights=w)[0]
            )
            / (2 * step)
            for e in np.eye(4) * step
        ]
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-3)
