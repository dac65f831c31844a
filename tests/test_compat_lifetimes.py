"""privtraffic.compat.lifetimes: conversions both ways keep parameters and predictions."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic import clv
from privtraffic.clv import BetaGeo, GammaGamma, ModifiedBetaGeo
from privtraffic.compat.lifetimes import from_lifetimes, to_lifetimes
from privtraffic.data import load_cdnow, load_donations
from privtraffic.errors import InvalidInputError, NotFittedError


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow("summary")


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_transaction_models_round_trip_with_identical_predictions(cls, cdnow):
    ours = cls().fit(cdnow)
    fitter = to_lifetimes(ours, data=cdnow)
    assert type(fitter).__name__ == cls.__name__ + "Fitter"
    x, rec, T = cdnow.frequency, cdnow.recency, cdnow.T
    np.testing.assert_allclose(
        fitter.conditional_expected_number_of_purchases_up_to_time(39, x, rec, T),
        ours.expected_purchases(39, x, rec, T),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        fitter.predict(10, x, rec, T), ours.expected_purchases(10, x, rec, T), rtol=1e-8
    )
    assert fitter.standard_errors_["r"] == ours.standard_errors_["r"]
    assert len(fitter.data) == 2357 and "weights" in fitter.data
    back = from_lifetimes(fitter)
    assert type(back) is cls
    assert back.params_ == ours.params_
    assert back.standard_errors_ == pytest.approx(ours.standard_errors_, rel=1e-12)
    assert back.n_customers_ == 2357


def test_from_a_lifetimes_fit(cdnow):
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter

    peer = BetaGeoFitter().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    ours = from_lifetimes(peer)
    assert type(ours) is BetaGeo
    assert ours.params_ == pytest.approx(peer.params_.to_dict(), rel=1e-12)
    assert ours.standard_errors_ == pytest.approx(peer.standard_errors_.to_dict(), rel=1e-12)
    assert np.isnan(ours.log_likelihood_)  # lifetimes' BG/NBD likelihood is in rescaled time
    mbg = from_lifetimes(ModifiedBetaGeoFitter().fit(cdnow.frequency, cdnow.recency, cdnow.T))
    assert type(mbg) is ModifiedBetaGeo
    keep = cdnow.frequency > 0
    gg_peer = GammaGammaFitter().fit(cdnow.frequency[keep], cdnow.monetary_value[keep])
    gg = from_lifetimes(gg_peer)
    assert type(gg) is GammaGamma
    ours_fit = GammaGamma().fit(cdnow.frequency[keep], cdnow.monetary_value[keep])
    assert gg.log_likelihood_ == pytest.approx(ours_fit.log_likelihood_, rel=1e-6)


def test_gamma_gamma_to_lifetimes():
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    fitter = to_lifetimes(gg)
    x, m = np.array([0.0, 2.0, 5.0]), np.array([0.0, 35.0, 20.0])
    np.testing.assert_allclose(
        fitter.conditional_expected_average_profit(x, m), gg.expected_spend(x, m), rtol=1e-12
    )


def test_models_of_the_other_btyd_modules_when_present():
    # ParetoNBD and BetaGeoBetaBinom are converted when those modules are installed.
    pareto = getattr(clv, "ParetoNBD", None)
    if pareto is not None:
        m = pareto.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67)
        fitter = to_lifetimes(m)
        assert type(fitter).__name__ == "ParetoNBDFitter"
        assert from_lifetimes(fitter).params_ == m.params_
    bgbb = getattr(clv, "BetaGeoBetaBinom", None)
    if bgbb is not None:
        m = bgbb.from_params(alpha=1.20, beta=0.75, gamma=0.66, delta=2.78)
        fitter = to_lifetimes(m, data=load_donations())
        assert type(fitter).__name__ == "BetaGeoBetaBinomFitter"
        assert from_lifetimes(fitter).params_ == m.params_


def test_errors():
    with pytest.raises(InvalidInputError, match="'model' must be a privtraffic BTYD model"):
        to_lifetimes(object())
    with pytest.raises(NotFittedError):
        to_lifetimes(BetaGeo())
    with pytest.raises(InvalidInputError, match="'fitter' must be a lifetimes fitter"):
        from_lifetimes(object())
    from lifetimes import BetaGeoFitter

    with pytest.raises(NotFittedError, match="not fitted"):
        from_lifetimes(BetaGeoFitter())
