"""Prediction intervals of future purchases (issue 15, item 2): coverage on simulated data.

The calibration and holdout data are simulated here from each model's definition (a
customer's purchase times, not the library's own ``simulate``), the model is fitted on the
calibration period, and the intervals are scored against the holdout counts:

- the total's interval covers the true holdout total in >= 85% of 30 seeded replications;
- calibration of the per-customer predictive distributions: the randomised probability
  integral transform of each holdout count falls in the central 90% in 85-95% of customers
  (what a 90% interval covers for a continuous quantity);
- the 90% intervals (``coverage="nearest"``, the default) cover 85-95% of the customers'
  holdout counts, the issue's range;
- the equal-tailed ones (``coverage="at_least"``), read off the same draws, cover at least ~90%
  (counts are whole numbers, so such an interval holds at least its level of the predictive
  distribution: a customer with P(X = 0) = 0.95 gets [0, 0]) and less than 99%, and contain
  the nearest ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.clv import (
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    ParetoNBDWithCovariates,
    PredictionInterval,
    prediction_interval,
    value_interval,
)
from privtraffic.errors import InvalidInputError, NotFittedError


def _simulate_pareto(params, n, T, t, rng):
    r, alpha, s, beta = params
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    death = rng.exponential(1, n) / mu
    end = np.minimum(death, T)
    x = rng.poisson(lam * end)
    # the last of x uniform purchase times on [0, end]
    rec = np.where(x > 0, end * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    hold = rng.poisson(lam * np.clip(np.minimum(death, T + t) - T, 0, None))
    return x.astype(float), rec, np.full(n, T), hold.astype(float)


def _simulate_bgnbd(params, n, T, t, rng):
    # Purchase opportunities form a Poisson process; the customer drops out right after
    # their G-th purchase, G ~ Geometric(p): their purchases are the first min(K, G).
    r, alpha, a, b = params
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    k = rng.poisson(lam * (T + t))
    g = rng.geometric(p)
    owner = np.repeat(np.arange(n), k)
    times = rng.random(owner.size) * (T + t)
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(k) - k, k)  # 0, 1, ... per customer
    made = rank < g[owner]
    cal = made & (times <= T)
    x = np.bincount(owner[cal], minlength=n).astype(float)
    rec = np.zeros(n)
    np.maximum.at(rec, owner[cal], times[cal])
    hold = np.bincount(owner[made & (times > T)], minlength=n).astype(float)
    return x, rec, np.full(n, T), hold


def _randomised_pit(draws: PredictionInterval, counts, hold, rng):
    below = (counts < hold[None, :]).mean(axis=0)
    at = (counts == hold[None, :]).mean(axis=0)
    return below + rng.random(len(hold)) * at


@pytest.mark.parametrize(
    ("cls", "simulate", "params"),
    [
        (ParetoNBD, _simulate_pareto, (0.55, 10.6, 0.6, 11.7)),
        (BetaGeo, _simulate_bgnbd, (0.25, 4.4, 0.8, 2.4)),
    ],
)
def test_interval_coverage_on_simulated_holdout(cls, simulate, params, monkeypatch) -> None:
    import privtraffic.clv.intervals as intervals

    captured = {}
    original = intervals._draw_counts

    def keep(*args, **kwargs):
        out = original(*args, **kwargs)
        captured.setdefault("draws", []).extend(out)
        return out

    monkeypatch.setattr(intervals, "_draw_counts", keep)
    totals_covered, interval_cover, pit_central, at_least_cover = [], [], [], []
    for rep in range(30):
        rng = np.random.default_rng(9000 + rep)
        x, rec, T, hold = simulate(params, 1500, 39.0, 39.0, rng)
        m = cls().fit(x, rec, T)
        captured.clear()
        p = prediction_interval(
            m, 39.0, x, rec, T, level=0.9, n_draws=100, rng=np.random.default_rng(rep)
        )
        counts = np.array(captured["draws"])
        wide = prediction_interval(
            m,
            39.0,
            x,
            rec,
            T,
            level=0.9,
            coverage="at_least",
            n_draws=100,
            rng=np.random.default_rng(rep),
        )
        assert np.all((wide.lower <= p.lower) & (p.upper <= wide.upper))
        totals_covered.append(p.total_lower <= hold.sum() <= p.total_upper)
        interval_cover.append(np.mean((hold >= p.lower) & (hold <= p.upper)))
        at_least_cover.append(np.mean((hold >= wide.lower) & (hold <= wide.upper)))
        u = _randomised_pit(p, counts, hold, rng)
        pit_central.append(np.mean((u >= 0.05) & (u <= 0.95)))
    assert np.mean(totals_covered) >= 0.85, totals_covered
    assert 0.85 <= np.mean(pit_central) <= 0.95, pit_central
    assert 0.85 <= np.mean(interval_cover) <= 0.95, interval_cover
    assert 0.88 <= np.mean(at_least_cover) <= 0.99, at_least_cover


def test_mean_matches_the_conditional_expectation_without_parameter_uncertainty() -> None:
    # With the parameters fixed, the predictive draws' mean is E[X(T, T + t] | history].
    m = ParetoNBD.from_params(r=0.55, alpha=10.6, s=0.6, beta=11.7)
    x, rec, T = np.array([0.0, 2.0, 8.0]), np.array([0.0, 20.0, 35.0]), np.full(3, 39.0)
    p = prediction_interval(
        m, 39.0, x, rec, T, n_draws=40000, rng=np.random.default_rng(4), parameter_uncertainty=False
    )
    expected = m.expected_purchases(39.0, x, rec, T)
    np.testing.assert_allclose(p.mean, expected, rtol=0.03)
    bg = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    p = prediction_interval(
        bg,
        39.0,
        x,
        rec,
        T,
        n_draws=40000,
        rng=np.random.default_rng(5),
        parameter_uncertainty=False,
    )
    np.testing.assert_allclose(p.mean, bg.expected_purchases(39.0, x, rec, T), rtol=0.03)


def test_parameter_uncertainty_widens_the_total_interval() -> None:
    rng = np.random.default_rng(6)
    x, rec, T, _ = _simulate_pareto((0.55, 10.6, 0.6, 11.7), 300, 39.0, 39.0, rng)
    m = ParetoNBD().fit(x, rec, T)
    both = prediction_interval(m, 39.0, x, rec, T, n_draws=300, rng=np.random.default_rng(1))
    fixed = prediction_interval(
        m, 39.0, x, rec, T, n_draws=300, rng=np.random.default_rng(1), parameter_uncertainty=False
    )
    assert both.total_upper - both.total_lower > fixed.total_upper - fixed.total_lower


def test_covariate_model_intervals_use_each_customers_parameters() -> None:
    m = ParetoNBDWithCovariates.from_params(
        {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7, "purchase:coupon": 1.5},
        purchase_covariates=["coupon"],
    )
    p = prediction_interval(
        m,
        39.0,
        [2, 2],
        [20.0, 20.0],
        [39.0, 39.0],
        n_draws=4000,
        rng=np.random.default_rng(2),
        parameter_uncertainty=False,
        purchase_covariates={"coupon": [0.0, 1.0]},
    )
    expected = m.expected_purchases(
        39.0, [2, 2], [20.0, 20.0], [39.0, 39.0], purchase_covariates={"coupon": [0.0, 1.0]}
    )
    np.testing.assert_allclose(p.mean, expected, rtol=0.06)
    assert p.upper[1] > p.upper[0]


def test_bad_arguments_are_refused() -> None:
    m = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    with pytest.raises(InvalidInputError, match="no finite covariance"):
        prediction_interval(m, 10.0, [1], [2.0], [3.0])
    with pytest.raises(InvalidInputError, match=r"'level' must be a number in \(0, 1\)"):
        prediction_interval(m, 10.0, [1], [2.0], [3.0], level=1.5)
    with pytest.raises(InvalidInputError, match="'n_draws' must be a whole number >= 2"):
        prediction_interval(m, 10.0, [1], [2.0], [3.0], n_draws=1)
    with pytest.raises(InvalidInputError, match="'t' must be >= 0"):
        prediction_interval(m, -1.0, [1], [2.0], [3.0], parameter_uncertainty=False)
    with pytest.raises(InvalidInputError, match="'model' must be a fitted ParetoNBD"):
        prediction_interval(GammaGamma.from_params(p=1, q=2, v=3), 1.0, [1], [2.0], [3.0])
    with pytest.raises(NotFittedError):
        prediction_interval(BetaGeo(), 1.0, [1], [2.0], [3.0])
    with pytest.raises(InvalidInputError, match="has none"):
        prediction_interval(
            m, 1.0, [1], [2.0], [3.0], parameter_uncertainty=False, purchase_covariates=[[1.0]]
        )
    p = prediction_interval(m, 1.0, [1], [2.0], [3.0], parameter_uncertainty=False, n_draws=10)
    assert "PredictionInterval(1 customers" in repr(p)
    assert "<table" in p._repr_html_()


def test_value_interval_mean_is_expected_purchases_times_expected_spend() -> None:
    # Purchases and spend per purchase are independent given the history, so the mean value
    # of a period is E[X(T, T + t] | history] * E[spend | history].
    bg = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    x, rec, T, m = [0, 2, 6], [0.0, 20.0, 35.0], [39.0] * 3, [0.0, 25.0, 40.0]
    v = value_interval(
        bg,
        gg,
        39.0,
        x,
        rec,
        T,
        m,
        margin=0.3,
        n_draws=40000,
        rng=np.random.default_rng(9),
        parameter_uncertainty=False,
    )
    expected = 0.3 * bg.expected_purchases(39.0, x, rec, T) * gg.expected_spend(x, m)
    np.testing.assert_allclose(v.mean, expected, rtol=0.03)


def test_value_interval_total_covers_the_simulated_holdout_value() -> None:
    covered, inside = [], []
    p_, q_, v_ = 6.0, 4.0, 15.0
    for rep in range(30):
        rng = np.random.default_rng(9000 + rep)
        n = 1500
        x, rec, T, hold = _simulate_bgnbd((0.25, 4.4, 0.8, 2.4), n, 39.0, 39.0, rng)
        nu = rng.gamma(q_, 1 / v_, n)
        mean_spend = np.where(
            x > 0, rng.gamma(p_ * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), 0.0
        )
        hold_value = np.where(hold > 0, rng.gamma(p_ * np.maximum(hold, 1), 1 / nu), 0.0)
        bg = BetaGeo().fit(x, rec, T)
        buyers = x > 0
        gg = GammaGamma().fit(x[buyers], mean_spend[buyers])
        v = value_interval(bg, gg, 39.0, x, rec, T, mean_spend, n_draws=100, rng=rng)
        covered.append(v.total_lower <= hold_value.sum() <= v.total_upper)
        inside.append(np.mean((hold_value >= v.lower) & (hold_value <= v.upper)))
    assert np.mean(covered) >= 0.85, covered
    assert 0.85 <= np.mean(inside) <= 0.99, inside


def test_value_interval_refuses_a_non_spend_model() -> None:
    bg = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    with pytest.raises(InvalidInputError, match="'spend_model' must be a fitted GammaGamma"):
        value_interval(bg, bg, 1.0, [1], [1.0], [2.0], [10.0])
    gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    with pytest.raises(InvalidInputError, match="'margin' must be a number > 0"):
        value_interval(bg, gg, 1.0, [1], [1.0], [2.0], [10.0], margin=0)


def test_bootstrap_refits_spread_like_the_asymptotic_normal() -> None:
    # CLVTools' bootstrap: refits on resampled customers. Their spread of log(r), log(alpha)
    # should match the fit's asymptotic standard errors (se / estimate on the log scale).
    from privtraffic.clv.intervals import _bootstrap_refits

    rng = np.random.default_rng(31)
    x, rec, T, hold = _simulate_bgnbd((0.25, 4.4, 0.8, 2.4), 2000, 39.0, 39.0, rng)
    m = BetaGeo().fit(x, rec, T)
    refits = _bootstrap_refits(m, x, rec, T, np.zeros((2000, 0)), 60, np.random.default_rng(2))
    for j, name in enumerate(("r", "alpha")):
        asymptotic = m.standard_errors_[name] / m.params_[name]
        assert 0.7 < float(np.std(refits[:, j], ddof=1)) / asymptotic < 1.4, name
    boot = prediction_interval(
        m,
        39.0,
        x,
        rec,
        T,
        n_draws=120,
        method="bootstrap",
        n_bootstrap=40,
        rng=np.random.default_rng(3),
    )
    normal = prediction_interval(m, 39.0, x, rec, T, n_draws=120, rng=np.random.default_rng(3))
    width = lambda p: p.total_upper - p.total_lower  # noqa: E731
    assert 0.6 < width(boot) / width(normal) < 1.6
    assert boot.total_lower < hold.sum() * 1.5 and boot.total_upper > hold.sum() / 1.5
    with pytest.raises(InvalidInputError, match="'method' must be 'normal' or 'bootstrap'"):
        prediction_interval(m, 1.0, x, rec, T, method="boots")
    with pytest.raises(InvalidInputError, match="'n_bootstrap' must be a whole number >= 2"):
        prediction_interval(m, 1.0, x, rec, T, method="bootstrap", n_bootstrap=1)


def test_bootstrap_of_a_covariate_model_refits_with_the_encoded_covariates() -> None:
    rng = np.random.default_rng(32)
    channel = np.array(["douyin", "store"])[rng.integers(0, 2, 1200)]
    x, rec, T, _ = _simulate_pareto((0.55, 10.6, 0.6, 11.7), 1200, 39.0, 39.0, rng)
    m = ParetoNBDWithCovariates().fit(x, rec, T, purchase_covariates={"channel": channel})
    p = prediction_interval(
        m,
        39.0,
        x,
        rec,
        T,
        n_draws=20,
        method="bootstrap",
        n_bootstrap=5,
        rng=np.random.default_rng(4),
        purchase_covariates={"channel": channel},
    )
    assert p.total_lower <= p.total_mean <= p.total_upper


def test_nearest_coverage_drops_an_end_count_when_that_is_nearer_the_level() -> None:
    from privtraffic.clv.intervals import _bounds

    # 100 draws of one customer: P(0) = 0.85, P(1) = 0.12, P(2) = 0.03 (the module's example)
    draws = np.array([0.0] * 85 + [1.0] * 12 + [2.0] * 3)[:, None]
    lower, upper = _bounds(draws, 0.9, "at_least")
    assert (lower[0], upper[0]) == (0.0, 1.0)  # holds 0.97
    lower, upper = _bounds(draws, 0.9, "nearest")
    assert (lower[0], upper[0]) == (0.0, 0.0)  # holds 0.85, nearer 0.9 than 0.97
    # P(0) = 0.80, P(1) = 0.12: [0, 1] holds 0.92, nearer than [0, 0] (0.80): kept
    draws = np.array([0.0] * 80 + [1.0] * 12 + [2.0] * 8)[:, None]
    assert [float(b[0]) for b in _bounds(draws, 0.9, "nearest")] == [0.0, 1.0]
    # a single value drawn: nothing to drop
    assert [float(b[0]) for b in _bounds(np.zeros((10, 1)), 0.9, "nearest")] == [0.0, 0.0]


def test_coverage_rule_is_checked() -> None:
    bg = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    with pytest.raises(InvalidInputError, match="'coverage' must be 'nearest' or 'at_least'"):
        prediction_interval(bg, 1.0, [1], [1.0], [2.0], coverage="exact")
