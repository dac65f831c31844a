"""Time-invariant covariates for Pareto/NBD, BG/NBD and Gamma-Gamma (issue 15, item 1).

References used here are peer-free and stated beside each test: CLVTools (R) is not available
on this machine, and its bundled apparel data's covariate estimates are not printed anywhere in
its repository (its tests compare against its own runs), so the checks are

- gamma = 0 gives exactly the plain model: the grouped likelihood and gradient bit for bit;
  per-customer values to 1e-13 relative (each covariate group is evaluated as its own array,
  and numpy's vectorised log/log-gamma loops may round the last bit differently from one
  array layout to another; the Pareto/NBD quadrature grid also adapts to the rows it gets);
- the analytic gradient of the grouped likelihood against central finite differences;
- recovery of known gammas from data simulated with them: 95% Wald intervals cover the truth
  in about 95% of seeded replications;
- the likelihood-ratio test of the plain model against the covariate model: rejects when
  the effect is real, and its statistic behaves as chi-squared when it is not.
"""

from __future__ import annotations

import json

import attrs
import numpy as np
import pytest

from privtraffic.clv import (
    BetaGeo,
    BetaGeoWithCovariates,
    CovariateEncoding,
    GammaGamma,
    GammaGammaWithCovariates,
    ParetoNBD,
    ParetoNBDWithCovariates,
    bgnbd,
    encode_covariates,
    gammagamma,
    likelihood_ratio_test,
    paretonbd,
)
from privtraffic.clv.covariates import _grouped_negative_log_likelihood
from privtraffic.data import load_cdnow
from privtraffic.errors import InvalidInputError, NotFittedError

CDNOW = load_cdnow("summary")


def _pareto_truth(purchase: float = 0.6, attrition: float = -0.8) -> ParetoNBDWithCovariates:
    return ParetoNBDWithCovariates.from_params(
        {
            "r": 0.8,
            "alpha": 8.0,
            "s": 0.6,
            "beta": 10.0,
            "purchase:wecom": purchase,
            "attrition:wecom": attrition,
        },
        purchase_covariates=["wecom"],
        attrition_covariates=["wecom"],
    )


def _bgnbd_truth(purchase: float = 0.6, attrition: float = -0.8) -> BetaGeoWithCovariates:
    return BetaGeoWithCovariates.from_params(
        {
            "r": 0.8,
            "alpha": 8.0,
            "a": 0.8,
            "b": 2.5,
            "purchase:wecom": purchase,
            "attrition:wecom": attrition,
        },
        purchase_covariates=["wecom"],
        attrition_covariates=["wecom"],
    )


# ---------------------------------------------------------------------------------- gamma = 0
@pytest.mark.parametrize(
    ("cls", "plain", "module", "params"),
    [
        (ParetoNBDWithCovariates, ParetoNBD, paretonbd, (0.553, 10.578, 0.606, 11.669)),
        (BetaGeoWithCovariates, BetaGeo, bgnbd, (0.243, 4.414, 0.793, 2.426)),
    ],
)
def test_zero_gammas_are_the_plain_model_exactly(cls, plain, module, params) -> None:
    names = plain._param_names
    z = {"wecom": (np.arange(len(CDNOW)) % 2).astype(float)}
    m = cls.from_params(
        {**dict(zip(names, params, strict=True)), "purchase:wecom": 0.0, "attrition:wecom": 0.0},
        purchase_covariates=["wecom"],
        attrition_covariates=["wecom"],
    )
    x, rec, T = CDNOW.frequency, CDNOW.recency, CDNOW.T
    ll = m.log_likelihood(x, rec, T, purchase_covariates=z, attrition_covariates=z)
    np.testing.assert_allclose(ll, module.log_likelihood(params, x, rec, T), rtol=1e-13)
    ref = plain.from_params(dict(zip(names, params, strict=True)))
    cov = {"purchase_covariates": z, "attrition_covariates": z}
    np.testing.assert_allclose(
        m.probability_alive(x, rec, T, **cov), ref.probability_alive(x, rec, T), rtol=1e-13
    )
    np.testing.assert_allclose(
        m.expected_purchases(39.0, x, rec, T, **cov),
        ref.expected_purchases(39.0, x, rec, T),
        rtol=1e-13,
    )


def test_zero_gamma_gamma_gamma_is_the_plain_model_exactly() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 500).astype(float)
    spend = rng.gamma(3.0, 10.0, 500)
    m = GammaGammaWithCovariates.from_params(
        {"p": 6.25, "q": 3.74, "v": 15.44, "spend:coupon": 0.0}, spend_covariates=["coupon"]
    )
    z = {"coupon": rng.integers(0, 2, 500)}
    np.testing.assert_allclose(
        m.log_likelihood(x, spend, spend_covariates=z),
        gammagamma.log_likelihood((6.25, 3.74, 15.44), x, spend),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        m.expected_spend(x, spend, spend_covariates=z),
        GammaGamma.from_params(p=6.25, q=3.74, v=15.44).expected_spend(x, spend),
        rtol=1e-13,
    )


def test_grouped_likelihood_at_zero_gammas_equals_the_plain_total() -> None:
    x, rec, T = CDNOW.frequency, CDNOW.recency, CDNOW.T
    w = np.ones(len(x))
    log_params = np.log([0.553, 10.578, 0.606, 11.669])
    plain_value, plain_grad = ParetoNBD._negative_log_likelihood(
        log_params, *ParetoNBD._prepare_data(x, rec, T), weights=w
    )
    value, grad = _grouped_negative_log_likelihood(
        np.concatenate([log_params, [0.0]]),
        weights=w,
        plain_nll=ParetoNBD._negative_log_likelihood,
        groups=[(np.zeros(1), ParetoNBD._prepare_data(x, rec, T), w)],
        shift=np.array([[0.0], [-1.0], [0.0], [0.0]]),
        n_model=4,
        penalizer=0.0,
    )
    assert value == plain_value
    np.testing.assert_array_equal(grad[:4], plain_grad)


# ---------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("plain", [ParetoNBD, BetaGeo, GammaGamma])
def test_gradient_matches_finite_differences(plain) -> None:
    rng = np.random.default_rng(11)
    if plain is GammaGamma:
        x = rng.integers(1, 6, 300).astype(float)
        columns = (x, rng.gamma(4.0, 8.0, 300))
        theta = np.log([5.0, 3.0, 12.0])
        shift = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    else:
        s = ParetoNBD.from_params(r=0.5, alpha=6.0, s=0.7, beta=9.0).simulate(300, 40.0, rng=rng)
        columns = (s.frequency, s.recency, s.T)
        theta = np.log([0.5, 6.0, 0.7, 9.0]) if plain is ParetoNBD else np.log([0.5, 6.0, 0.8, 2.4])
        # two covariates: one on the purchase parameter, one on the attrition one(s)
        shift = np.zeros((4, 2))
        shift[1, 0] = -1.0
        if plain is ParetoNBD:
            shift[3, 1] = -1.0
        else:
            shift[2, 1] = shift[3, 1] = 1.0
    z = np.column_stack([rng.integers(0, 2, 300), rng.normal(size=300).round(1)])
    unique, inverse = np.unique(z, axis=0, return_inverse=True)
    groups = []
    for g in range(len(unique)):
        idx = np.flatnonzero(inverse.reshape(-1) == g)
        groups.append(
            (unique[g], plain._prepare_data(*(c[idx] for c in columns)), np.ones(len(idx)))
        )
    full = np.concatenate([theta, [0.3, -0.2]])

    def f(point: np.ndarray) -> float:
        return _grouped_negative_log_likelihood(
            point,
            weights=np.ones(300),
            plain_nll=plain._negative_log_likelihood,
            groups=groups,
            shift=shift,
            n_model=len(theta),
            penalizer=0.05,
        )[0]

    _, grad = _grouped_negative_log_likelihood(
        full,
        weights=np.ones(300),
        plain_nll=plain._negative_log_likelihood,
        groups=groups,
        shift=shift,
        n_model=len(theta),
        penalizer=0.05,
    )
    h = 1e-6
    numeric = np.array([(f(full + h * e) - f(full - h * e)) / (2 * h) for e in np.eye(len(full))])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------------------------- recovery
def _coverage(model_cls, truth, n, reps, T=52.0):
    names = [k for k in truth.params_ if ":" in k]
    hits, total = 0, 0
    for rep in range(reps):
        rng = np.random.default_rng(100 + rep)
        z = {"wecom": rng.integers(0, 2, n).astype(float)}
        cov = {"purchase_covariates": z, "attrition_covariates": z}
        data = truth.simulate(n, T, rng=rng, **cov)
        m = model_cls().fit(data, **cov)
        summary = m.summary()
        for name in names:
            i = summary.parameter.tolist().index(name)
            total += 1
            hits += bool(summary.lower_95[i] <= truth.params_[name] <= summary.upper_95[i])
    return hits, total


def test_pareto_nbd_recovers_known_gammas_95_percent_intervals_cover() -> None:
    # 20 seeded data sets x 2 gammas: 95% intervals should cover ~38 of 40; P(<= 33) < 1%
    hits, total = _coverage(ParetoNBDWithCovariates, _pareto_truth(), 1500, 20)
    assert hits >= 34, (hits, total)


def test_bgnbd_recovers_known_gammas_95_percent_intervals_cover() -> None:
    hits, total = _coverage(BetaGeoWithCovariates, _bgnbd_truth(), 1500, 20)
    assert hits >= 34, (hits, total)


def test_gamma_gamma_recovers_known_gammas_95_percent_intervals_cover() -> None:
    truth = GammaGammaWithCovariates.from_params(
        {"p": 6.0, "q": 4.0, "v": 15.0, "spend:coupon": -0.3, "spend:level": 0.2},
        spend_covariates=["coupon", "level"],
    )
    hits = 0
    for rep in range(20):
        rng = np.random.default_rng(200 + rep)
        z = {"coupon": rng.integers(0, 2, 1500), "level": rng.integers(0, 4, 1500)}
        x = rng.integers(1, 6, 1500).astype(float)
        m = truth.simulate(x, spend_covariates=z, rng=rng)
        s = GammaGammaWithCovariates().fit(x, m, spend_covariates=z).summary()
        for i, name in enumerate(s.parameter.tolist()):
            if ":" in name:
                hits += bool(s.lower_95[i] <= truth.params_[name] <= s.upper_95[i])
    assert hits >= 34, hits


def test_categorical_channel_effects_recovered_against_the_stated_reference() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    channel = rng.choice(["store", "douyin", "taobao"], n)
    truth = ParetoNBDWithCovariates.from_params(
        {"r": 0.8, "alpha": 8.0, "s": 0.6, "beta": 10.0, "purchase:d": 0.5, "purchase:t": -0.4},
        purchase_covariates=["d", "t"],
    )
    zp = {"d": (channel == "douyin").astype(float), "t": (channel == "taobao").astype(float)}
    data = truth.simulate(n, 52.0, purchase_covariates=zp, rng=rng)
    m = ParetoNBDWithCovariates().fit(
        data, purchase_covariates={"channel": channel}, reference={"channel": "store"}
    )
    effects = m.covariate_effects_["purchase"]
    assert list(effects) == ["channel_douyin", "channel_taobao"]
    assert m.encodings_["purchase_covariates"].levels == (
        ("channel", ("douyin", "store", "taobao"), "store"),
    )
    for name, true in (("channel_douyin", 0.5), ("channel_taobao", -0.4)):
        assert abs(effects[name] - true) < 3 * m.standard_errors_[f"purchase:{name}"]
    assert m.covariate_effects_["attrition"] == {}


# ---------------------------------------------------------------------------------- LR test
def test_likelihood_ratio_test_rejects_a_real_effect_and_nests_the_plain_fit() -> None:
    rng = np.random.default_rng(21)
    z = {"wecom": rng.integers(0, 2, 2000).astype(float)}
    cov = {"purchase_covariates": z, "attrition_covariates": z}
    data = _pareto_truth().simulate(2000, 52.0, rng=rng, **cov)
    plain = ParetoNBD().fit(data)
    full = ParetoNBDWithCovariates().fit(data, **cov)
    assert full.log_likelihood_ >= plain.log_likelihood_ - 1e-6
    test = likelihood_ratio_test(plain, full)
    assert test.df == 2
    assert test.rejects(0.001)
    # the covariate model's log-likelihood is the sum of its customers' log-likelihoods
    assert np.isclose(
        full.log_likelihood(data.frequency, data.recency, data.T, **cov).sum(),
        full.log_likelihood_,
        rtol=1e-12,
    )


def test_likelihood_ratio_statistic_is_chi_squared_without_an_effect() -> None:
    # With no effect, 2 (LL_full - LL_plain) ~ chi2(1): mean 1; over 20 seeded data sets
    # the mean of the statistics lies in (0.3, 2.2) with probability > 99%.
    statistics = []
    for rep in range(20):
        rng = np.random.default_rng(300 + rep)
        x = rng.integers(1, 6, 800).astype(float)
        m = GammaGamma.from_params(p=6.0, q=4.0, v=15.0).simulate(800, x, rng=rng)
        z = {"coupon": rng.integers(0, 2, 800)}
        plain = GammaGamma().fit(x, m)
        full = GammaGammaWithCovariates().fit(x, m, spend_covariates=z)
        statistics.append(likelihood_ratio_test(plain, full).statistic)
    assert 0.3 < float(np.mean(statistics)) < 2.2


# ---------------------------------------------------------------------------------- the shell
def test_identical_rows_collapse_into_weights() -> None:
    rng = np.random.default_rng(8)
    z = {"wecom": rng.integers(0, 2, 600).astype(float)}
    data = _bgnbd_truth().simulate(
        600, 20.0, purchase_covariates=z, attrition_covariates=z, rng=rng
    )
    x, rec, T, w = data.frequency, data.recency, data.T, z["wecom"]
    twice = BetaGeoWithCovariates().fit(
        np.concatenate([x, x]),
        np.concatenate([rec, rec]),
        np.concatenate([T, T]),
        purchase_covariates={"wecom": np.concatenate([w, w])},
    )
    weighted = BetaGeoWithCovariates().fit(
        x, rec, T, weights=np.full(600, 2.0), purchase_covariates={"wecom": w}
    )
    assert twice.n_rows_ == weighted.n_rows_ < 600
    assert twice.n_customers_ == 1200.0
    for k, v in twice.params_.items():
        assert np.isclose(v, weighted.params_[k], rtol=1e-6)


def test_penalizer_shrinks_gammas_towards_zero() -> None:
    rng = np.random.default_rng(9)
    z = {"wecom": rng.integers(0, 2, 1500).astype(float)}
    cov = {"purchase_covariates": z, "attrition_covariates": z}
    data = _bgnbd_truth().simulate(1500, 52.0, rng=rng, **cov)
    free = BetaGeoWithCovariates().fit(data, **cov)
    mild = BetaGeoWithCovariates(penalizer=0.05).fit(data, **cov)
    strong = BetaGeoWithCovariates(penalizer=1e4).fit(data, **cov)
    g = "purchase:wecom"
    assert abs(strong.params_[g]) < abs(mild.params_[g]) < abs(free.params_[g])
    assert abs(strong.params_[g]) < 1e-3
    plain = BetaGeo().fit(data)
    assert np.isclose(strong.params_["r"], plain.params_["r"], rtol=1e-2)


def test_json_round_trip_keeps_encodings_and_predictions() -> None:
    rng = np.random.default_rng(2)
    n = 1200
    channel = rng.choice(["douyin", "store"], n)
    z = {"channel": channel}
    data = ParetoNBD.from_params(r=0.6, alpha=9.0, s=0.6, beta=10.0).simulate(n, 30.0, rng=rng)
    m = ParetoNBDWithCovariates().fit(data, purchase_covariates=z, reference={"channel": "store"})
    back = ParetoNBDWithCovariates.from_json(m.to_json())
    assert back.params_ == m.params_
    assert back.encodings_ == m.encodings_
    np.testing.assert_array_equal(back.covariance_, m.covariance_)
    new = {"channel": ["douyin", "store"]}
    np.testing.assert_array_equal(
        back.expected_purchases(10.0, 1, 5.0, 30.0, purchase_covariates=new),
        m.expected_purchases(10.0, 1, 5.0, 30.0, purchase_covariates=new),
    )
    payload = json.loads(m.to_json())
    assert payload["encodings"]["purchase_covariates"]["levels"][0][2] == "store"
    with pytest.raises(InvalidInputError, match="holds a 'ParetoNBDWithCovariates'"):
        BetaGeoWithCovariates.from_json(m.to_json())


def test_json_round_trip_keeps_the_fit_diagnostics_and_their_notes() -> None:
    """A covariate fit's ``fit_diagnostics_`` survive to_json/from_json, notes included, in the
    plain models' format. The 200-customer CDNOW subsample of seed 23 (as in
    test_clv_reference.py) puts a and b on a ridge: a "none_drop" note, a caution line."""
    import warnings

    from privtraffic.clv._diagnostics import FitDiagnostics

    idx = np.random.default_rng(23).choice(len(CDNOW), 200, replace=False)
    f, r, T = CDNOW.frequency[idx], CDNOW.recency[idx], CDNOW.T[idx]
    z = {"wecom": np.random.default_rng(1).integers(0, 2, 200).astype(float)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ridge is warned about: the point of the fit
        m = BetaGeoWithCovariates().fit(f, r, T, purchase_covariates=z)
        plain = BetaGeo().fit(f, r, T)
    d = m.fit_diagnostics_
    assert d is not None and [n.code for n in d.notes] == ["none_drop"] and d.messages
    back = BetaGeoWithCovariates.from_json(m.to_json())
    assert back.fit_diagnostics_ == d
    assert back.summary().caution == m.summary().caution and back.summary().caution
    # the same entry as the plain models write (clv/_base.py), so one reader reads both
    entry = json.loads(m.to_json())["fit_diagnostics"]
    assert entry == json.loads(json.dumps(d.to_dict()))
    plain_entry = json.loads(plain.to_json())["fit_diagnostics"]
    assert set(plain_entry) == set(entry)
    assert FitDiagnostics.from_dict(plain_entry) == plain.fit_diagnostics_
    assert BetaGeo.from_json(plain.to_json()).fit_diagnostics_ == plain.fit_diagnostics_
    # a standard error that does not exist is null in the JSON and NaN again after it
    nan_note = attrs.evolve(d.notes[0], fields=(("name", "a"), ("se", float("nan"))))
    m.fit_diagnostics_ = attrs.evolve(d, notes=(nan_note,))
    text = m.to_json()
    assert json.loads(text)["fit_diagnostics"]["notes"][0]["fields"]["se"] is None
    (name, se) = BetaGeoWithCovariates.from_json(text).fit_diagnostics_.notes[0].fields
    assert name == ("name", "a") and se[0] == "se" and np.isnan(se[1])
    # a model never fitted has none, before and after
    given = _bgnbd_truth()
    assert "fit_diagnostics" not in json.loads(given.to_json())
    assert BetaGeoWithCovariates.from_json(given.to_json()).fit_diagnostics_ is None
    # a damaged entry is refused, naming it
    broken = json.loads(text)
    del broken["fit_diagnostics"]["converged"]
    with pytest.raises(InvalidInputError, match="malformed 'fit_diagnostics' entry"):
        BetaGeoWithCovariates.from_json(json.dumps(broken))


def test_plain_model_of_a_group_and_the_summary_rows() -> None:
    m = _pareto_truth()
    p = m.plain_model(purchase_covariates={"wecom": [1.0]}, attrition_covariates={"wecom": [1.0]})
    assert np.isclose(p.params_["alpha"], 8.0 * np.exp(-0.6))
    assert np.isclose(p.params_["beta"], 10.0 * np.exp(0.8))
    s = m.summary()
    assert s.parameter.tolist() == ["r", "alpha", "s", "beta", "purchase:wecom", "attrition:wecom"]
    assert "attrition:wecom" in repr(m)
    assert "purchase:wecom" in m._repr_html_()


def test_pandas_dataframe_with_a_categorical_column() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "channel": pd.Categorical(
                ["taobao", "douyin", "store"], categories=["store", "douyin", "taobao"]
            ),
            "coupon": [1, 0, 1],
        }
    )
    z, enc = encode_covariates(frame)
    assert enc.names == ("channel_douyin", "channel_taobao", "coupon")
    assert enc.levels == (("channel", ("store", "douyin", "taobao"), "store"),)
    np.testing.assert_array_equal(z, [[0, 1, 1], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(enc.transform(frame), z)


# ---------------------------------------------------------------------------------- bad input
def test_bad_covariates_are_refused_with_the_argument_and_the_row() -> None:
    with pytest.raises(InvalidInputError, match=r"'reference' level of column 'c' must be one"):
        encode_covariates({"c": ["a", "b"]}, reference={"c": "x"})
    with pytest.raises(InvalidInputError, match=r"'reference' names columns that are not in"):
        encode_covariates({"c": ["a", "b"]}, reference={"d": "a"})
    with pytest.raises(InvalidInputError, match=r"must be finite"):
        encode_covariates({"age": [1.0, np.nan]})
    with pytest.raises(InvalidInputError, match=r"must have the same length"):
        encode_covariates({"a": [1.0, 2.0], "b": [1.0, 2.0, 3.0]})
    _, enc = encode_covariates({"c": ["a", "b"]})
    with pytest.raises(InvalidInputError, match=r"must have the columns the model was fitted"):
        enc.transform({"d": ["a"]})
    assert CovariateEncoding.from_dict(enc.to_dict()) == enc
    m = _pareto_truth()
    with pytest.raises(InvalidInputError, match=r"'attrition_covariates' is required"):
        m.probability_alive(1, 2.0, 3.0, purchase_covariates={"wecom": [1.0]})
    with pytest.raises(
        InvalidInputError, match=r"unknown covariate arguments \['spend_covariates'\]"
    ):
        m.log_likelihood(1, 2.0, 3.0, spend_covariates={"wecom": [1.0]})
    with pytest.raises(InvalidInputError, match=r"'recency' must be <= T"):
        m.probability_alive(
            1, 5.0, 3.0, purchase_covariates={"wecom": [1.0]}, attrition_covariates={"wecom": [1.0]}
        )
    with pytest.raises(InvalidInputError, match=r"'purchase:wecom' must be a finite number"):
        ParetoNBDWithCovariates.from_params(
            {"r": 1, "alpha": 1, "s": 1, "beta": 1, "purchase:wecom": float("nan")},
            purchase_covariates=["wecom"],
        )
    with pytest.raises(InvalidInputError, match=r"'penalizer' must be a finite number >= 0"):
        ParetoNBDWithCovariates(penalizer=-1.0).fit(
            CDNOW, purchase_covariates={"w": np.arange(len(CDNOW))}
        )
    with pytest.raises(NotFittedError):
        ParetoNBDWithCovariates().probability_alive(1, 2.0, 3.0)
    assert "not fitted" in repr(BetaGeoWithCovariates())


def test_missing_levels_and_misnamed_references_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="has a missing value at index 1"):
        encode_covariates({"channel": ["douyin", None, "store"]})
    z, enc = encode_covariates({"wecom": [True, False, True]})  # booleans are numbers
    assert z.ravel().tolist() == [1.0, 0.0, 1.0] and enc.levels == ()
    with pytest.raises(InvalidInputError, match=r"'reference' names columns that are not"):
        ParetoNBDWithCovariates().fit(
            CDNOW,
            purchase_covariates={"channel": np.where(CDNOW.frequency > 1, "a", "b")},
            reference={"chanel": "a"},
        )
