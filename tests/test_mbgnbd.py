"""MBG/NBD (ModifiedBetaGeo): agreement with lifetimes' ModifiedBetaGeoFitter, stability, checks."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.clv import BetaGeo, ModifiedBetaGeo
from privtraffic.clv.bgnbd import index_data
from privtraffic.clv.mbgnbd import log_likelihood, negative_log_likelihood
from privtraffic.data import load_cdnow
from privtraffic.errors import InvalidInputError, NotFittedError

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow("summary")


@pytest.fixture(scope="module")
def pair(cdnow):
    from lifetimes import ModifiedBetaGeoFitter

    ours = ModifiedBetaGeo().fit(cdnow)
    peer = ModifiedBetaGeoFitter().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    return ours, peer


def test_fit_and_standard_errors_agree_with_lifetimes(pair):
    # Peer: lifetimes 0.11.3 ModifiedBetaGeoFitter (Batislam et al. 2007 likelihood, as in
    # BTYDplus' mbgnbd), fitted in the same test on the CDNOW 2,357-customer cohort.
    ours, peer = pair
    for name in ("r", "alpha", "a", "b"):
        assert ours.params_[name] == pytest.approx(peer.params_[name], rel=1e-4)
        assert ours.standard_errors_[name] == pytest.approx(peer.standard_errors_[name], rel=1e-3)
    s = load_cdnow("summary")
    ll = log_likelihood(tuple(ours.params_.values()), s.frequency, s.recency, s.T).sum()
    assert ours.log_likelihood_ == pytest.approx(ll, rel=1e-12)


def test_log_likelihood_agrees_with_lifetimes(cdnow):
    from lifetimes import ModifiedBetaGeoFitter

    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    params = np.array([0.525, 6.183, 0.891, 1.614])
    ours = log_likelihood(tuple(params), x, rec, T).sum()
    theirs = -ModifiedBetaGeoFitter._negative_log_likelihood(
        np.log(params), x, rec, T, np.ones_like(x), 0.0
    ) * len(x)
    assert ours == pytest.approx(theirs, rel=1e-12)
    total, _ = negative_log_likelihood(
        np.log(params), *index_data(x, rec, T, dropout_at_start=True), weights=np.ones_like(x)
    )
    assert -total == pytest.approx(ours, rel=1e-12)


def test_predictions_agree_with_lifetimes(pair, cdnow):
    ours, peer = pair
    peer.params_ = pd.Series(ours.params_)  # compare formulas at identical parameters
    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    np.testing.assert_allclose(
        ours.probability_alive(x, rec, T), peer.conditional_probability_alive(x, rec, T), rtol=1e-10
    )
    for t in (1.0, 39.0, 78.0):
        np.testing.assert_allclose(
            ours.expected_purchases(t, x, rec, T),
            peer.conditional_expected_number_of_purchases_up_to_time(t, x, rec, T),
            rtol=1e-8,
        )
    ts = np.array([0.5, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(
        ours.expected_purchases_new(ts), peer.expected_number_of_purchases_up_to_time(ts), rtol=1e-8
    )
    for n in range(5):
        assert float(ours.probability_of_purchases(n, 39.0)[0]) == pytest.approx(
            peer.probability_of_n_purchases_up_to_time(39.0, n), rel=1e-9
        )


def test_differs_from_bg_nbd_only_by_dropout_at_time_zero():
    params = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    mbg, bg = ModifiedBetaGeo.from_params(params), BetaGeo.from_params(params)
    assert float(bg.probability_alive(0, 0, 30)[0]) == 1.0
    # MBG: a non-repeater is alive with probability P(did not drop at 0 | no purchase).
    assert 0 < float(mbg.probability_alive(0, 0, 30)[0]) < 1
    pmf = mbg.probability_of_purchases(np.arange(2000), 39.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert float(np.arange(2000) @ pmf) == pytest.approx(
        float(mbg.expected_purchases_new(39.0)[0]), rel=1e-8
    )


# The finite-and-in-range property test covers MBG/NBD too: see test_bgnbd.py.


def test_parameter_recovery_from_simulation():
    truth = ModifiedBetaGeo.from_params(r=0.5, alpha=6.0, a=0.9, b=1.6)
    rng = np.random.default_rng(7)
    data = truth.simulate(20000, rng.uniform(20.0, 60.0, 20000), rng=rng)
    m = ModifiedBetaGeo().fit(data)
    for name, value in truth.params_.items():
        assert abs(m.params_[name] - value) < 4 * m.standard_errors_[name], name


def test_json_round_trip_and_model_name_check(pair, cdnow):
    ours, _ = pair
    back = ModifiedBetaGeo.from_json(ours.to_json())
    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    assert np.array_equal(
        back.expected_purchases(39, x, rec, T), ours.expected_purchases(39, x, rec, T)
    )
    with pytest.raises(InvalidInputError, match="holds a 'ModifiedBetaGeo' model, not 'BetaGeo'"):
        BetaGeo.from_json(ours.to_json())


def test_bad_input_and_not_fitted():
    with pytest.raises(
        InvalidInputError, match=r"'recency' must be <= T \(got 5.0 > 3.0 at index 0\)"
    ):
        ModifiedBetaGeo().fit([1], [5.0], [3.0])
    with pytest.raises(NotFittedError):
        ModifiedBetaGeo().probability_alive(1, 1.0, 2.0)
