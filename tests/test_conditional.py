"""P(X(T, T+t] = n | history) and P(alive) along a customer's history (issue 15, item 7).

References: the 50-digit mpmath module of the tests (``tests/mpmath_reference.py``, written from
the published formulas and sharing no code with privtraffic): the conditional pmf is
``(1 - P(alive)) [n = 0] + P(alive) P_new(n, t)`` at the posterior parameters, with P(alive)
and the new-customer pmf both from that module; plus the pmf's own identities (sums to 1, mean
equal to the conditional expectation) and a simulation from the model's definition.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import mpmath_reference as ref
from privtraffic.clv import (
    BetaGeo,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ParetoNBDWithCovariates,
    conditional_probability_of_purchases,
    probability_alive_history,
)
from privtraffic.errors import InvalidInputError, NotFittedError

BG = (0.243, 4.414, 0.793, 2.426)
PNBD = (0.553, 10.578, 0.606, 11.669)
HISTORIES = [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 12.0, 38.86), (40, 38.0, 39.0)]


def _reference(kind: str, params, n: int, t: float, x: int, tx: float, T: float) -> float:
    with mp.workdps(50):
        if kind == "pareto":
            alive = ref.paretonbd_probability_alive(params, x, tx, T)
            r, alpha, s, beta = params
            new = ref.paretonbd_probability_of_purchases((r + x, alpha + T, s, beta + T), n, t)
        else:
            shift = 1 if kind == "mbg" else 0
            alive = ref.bgnbd_probability_alive(params, x, tx, T, shift)
            r, alpha, a, b = params
            new = ref.bgnbd_probability_of_purchases((r + x, alpha + T, a, b + x + shift), n, t)
        return float(alive * new + (1 - alive if n == 0 else 0))


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("bg", BetaGeo.from_params(dict(zip(("r", "alpha", "a", "b"), BG, strict=True)))),
        ("mbg", ModifiedBetaGeo.from_params(dict(zip(("r", "alpha", "a", "b"), BG, strict=True)))),
        (
            "pareto",
            ParetoNBD.from_params(dict(zip(("r", "alpha", "s", "beta"), PNBD, strict=True))),
        ),
    ],
)
def test_conditional_pmf_matches_the_mpmath_reference(kind, model) -> None:
    params = BG if kind != "pareto" else PNBD
    for x, tx, T in HISTORIES:
        for n in (0, 1, 3, 10):
            got = conditional_probability_of_purchases(model, n, 39.0, x, tx, T)[0]
            want = _reference(kind, params, n, 39.0, x, tx, T)
            assert got == pytest.approx(want, rel=1e-8, abs=1e-300), (x, tx, T, n)


@pytest.mark.parametrize(
    "model",
    [
        BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
        ModifiedBetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
        ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669),
    ],
)
def test_conditional_pmf_sums_to_one_with_the_conditional_mean(model) -> None:
    n = np.arange(400.0)
    for x, tx, T in HISTORIES:
        p = conditional_probability_of_purchases(model, n, 52.0, x, tx, T)
        assert np.all((p >= 0) & (p <= 1))
        assert p.sum() == pytest.approx(1.0, abs=1e-9)
        mean = float(p @ n)
        assert mean == pytest.approx(float(model.expected_purchases(52.0, x, tx, T)[0]), rel=1e-8)
    # t = 0: nothing happens
    assert conditional_probability_of_purchases(model, [0, 1], 0.0, 2, 30.0, 38.0).tolist() == [
        1.0,
        0.0,
    ]


def test_conditional_pmf_against_simulated_holdout_counts() -> None:
    # Pareto/NBD customers simulated from the model's definition; the holdout counts'
    # histogram against the average of the customers' predicted pmfs (4 binomial SE).
    rng = np.random.default_rng(12)
    r, alpha, s, beta = PNBD
    n, T, t = 4000, 39.0, 39.0
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    death = rng.exponential(1, n) / mu
    end = np.minimum(death, T)
    x = rng.poisson(lam * end).astype(float)
    rec = np.where(x > 0, end * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    hold = rng.poisson(lam * np.clip(np.minimum(death, T + t) - T, 0, None))
    model = ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    for k in range(4):
        predicted = conditional_probability_of_purchases(model, k, t, x, rec, np.full(n, T)).mean()
        observed = float(np.mean(hold == k))
        se = np.sqrt(predicted * (1 - predicted) / n)
        assert abs(observed - predicted) < 4 * se, (k, observed, predicted)


def test_covariate_model_pmf_is_the_groups_plain_pmf() -> None:
    m = ParetoNBDWithCovariates.from_params(
        {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7, "attrition:wecom": -1.0},
        attrition_covariates=["wecom"],
    )
    p = conditional_probability_of_purchases(
        m, 1, 39.0, 2, 20.0, 39.0, attrition_covariates={"wecom": [0.0, 1.0]}
    )
    plain = m.plain_model(attrition_covariates={"wecom": [1.0]})
    assert p[1] == pytest.approx(
        conditional_probability_of_purchases(plain, 1, 39.0, 2, 20.0, 39.0)[0]
    )


def test_probability_alive_history_follows_the_model_and_jumps_at_purchases() -> None:
    m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    purchases = [3.0, 8.0, 9.5]
    h = probability_alive_history(m, purchases, 38.86, n_points=100)
    np.testing.assert_array_equal(
        h.probability_alive[1:], m.probability_alive(h.frequency[1:], h.recency[1:], h.age[1:])
    )
    assert h.probability_alive[0] == 1.0 and np.all(np.diff(h.age) > 0)
    # falls between purchases, jumps up at each purchase
    for start, stop in zip([3.0, 8.0, 9.5], [8.0, 9.5, 38.86], strict=True):
        inside = (h.age >= start) & (h.age < stop)
        assert np.all(np.diff(h.probability_alive[inside]) <= 1e-15)
    # BG/NBD: before the first repeat purchase no dropout was possible (P(alive) = 1); it
    # drops to 1 / (1 + a / b) at that purchase, and jumps up at every later one
    first = int(np.flatnonzero(h.age == 3.0)[0])
    assert h.probability_alive[first - 1] == 1.0
    assert h.probability_alive[first] == pytest.approx(1 / (1 + 0.793 / 2.426))
    for p in purchases[1:]:
        at = int(np.flatnonzero(h.age == p)[0])
        assert h.probability_alive[at] > h.probability_alive[at - 1]
    pareto = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    hp = probability_alive_history(pareto, [], 20.0, n_points=20)
    assert np.all(np.diff(hp.probability_alive) < 0)


def test_plot_probability_alive_history_draws_the_curve_and_the_purchases() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from privtraffic.plotting import plot_probability_alive_history

    m = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    ax = plot_probability_alive_history(
        m, [2.0, 5.0], 30.0, ax=Figure().add_subplot(), texts={"title": "存活概率"}
    )
    curve, ticks = ax.lines
    np.testing.assert_array_equal(ticks.get_xdata(), [2.0, 5.0])
    assert float(np.max(curve.get_ydata())) == 1.0
    assert ax.get_title() == "存活概率"


def test_bad_input_is_refused() -> None:
    m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    with pytest.raises(InvalidInputError, match="'n' must be whole numbers >= 0"):
        conditional_probability_of_purchases(m, 1.5, 1.0, 1, 1.0, 2.0)
    with pytest.raises(InvalidInputError, match="'t' must be >= 0"):
        conditional_probability_of_purchases(m, 1, -1.0, 1, 1.0, 2.0)
    with pytest.raises(InvalidInputError, match="'model' must be a fitted ParetoNBD"):
        conditional_probability_of_purchases(
            GammaGamma.from_params(p=1, q=2, v=3), 1, 1.0, 1, 1.0, 2.0
        )
    with pytest.raises(NotFittedError):
        conditional_probability_of_purchases(ParetoNBD(), 1, 1.0, 1, 1.0, 2.0)
    with pytest.raises(InvalidInputError, match="'end' must be >= the last purchase"):
        probability_alive_history(m, [5.0], 4.0)
    with pytest.raises(InvalidInputError, match="'purchases' must be ages >= 0"):
        probability_alive_history(m, [-1.0], 4.0)
    with pytest.raises(InvalidInputError, match="'n_points' must be a whole number >= 2"):
        probability_alive_history(m, [1.0], 4.0, n_points=1)
