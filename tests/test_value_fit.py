"""privtraffic.value: the private-domain fit scorecard and total customer value."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.errors import ConvergenceWarning, InvalidDefinitionError, InvalidInputError
from privtraffic.simulate import simulate_private_domain
from privtraffic.value import FitThresholds, fit_assessment, total_customer_value


def _card(world, **kwargs):
    ev = world.events
    connect = ev.kind == "connect"
    share = ev.kind == "share"
    return fit_assessment(
        world.orders.user_id,
        world.orders.at,
        first_touch=(ev.user_id[connect], ev.at[connect]),
        sharers=ev.user_id[share],
        converted_shares=len(world.referrals),
        observation_end=world.observation_end,
        **kwargs,
    )


@pytest.fixture(scope="module")
def world():
    return simulate_private_domain(6000, days=365, rng=np.random.default_rng(11))


@pytest.mark.filterwarnings("ignore:.*chained_assignment")
def test_scorecard_evidence_matches_truth_and_peer(world):
    from lifetimes import BetaGeoFitter

    from privtraffic.data import summarize_transactions

    card = _card(world)
    repeat, cycle, share = card.lines
    # repeat line = mean conditional expectation over a year of the fitted BG/NBD; lifetimes as peer
    s = summarize_transactions(
        world.orders.user_id, world.orders.at, unit="W", observation_end=world.observation_end
    )
    ok = s.T > 0
    f, rec, big_t = s.frequency[ok], s.recency[ok], s.T[ok]
    peer = BetaGeoFitter().fit(f, rec, big_t)
    assert card.bgnbd_params["r"] == pytest.approx(peer.params_["r"], rel=1e-3)
    expected = peer.conditional_expected_number_of_purchases_up_to_time(
        365.25 / 7, f, rec, big_t
    ).mean()
    assert repeat.evidence["expected_repeat_per_year"] == pytest.approx(expected, rel=1e-3)
    assert repeat.evidence["customers"] + repeat.evidence["first_bought_on_last_day"] == len(s)
    # decision cycle: exponential with mean decision_days -> median decision_days * ln 2
    # (slightly less, as late deciders near the horizon are censored)
    median = cycle.evidence["median_days_to_first_purchase"]
    assert median == pytest.approx(world.truth.params["decision_days"] * np.log(2), rel=0.12)
    # shareability: conversion as configured, share rate = buyers who shared / buyers
    assert share.evidence["share_conversion"] == pytest.approx(
        world.truth.params["share_conversion"], rel=0.1
    )
    buyers = np.unique(world.orders.user_id)
    sharers = np.unique(world.events.user_id[world.events.kind == "share"])
    assert share.evidence["share_rate"] == pytest.approx(np.isin(buyers, sharers).mean())
    assert "decision cycle" in str(card) and card.verdict in ("good fit", "partial fit", "poor fit")


def test_scorecard_follows_the_world():
    # Frequent, loyal buyers who decide slowly and share a lot: a good fit.
    good = simulate_private_domain(
        4000,
        days=365,
        rng=1,
        alpha=5.0,
        b=30.0,
        decision_days=20,
        koc_share=0.3,
        referral_share=0.4,
        share_conversion=0.3,
    )
    # Rare buyers who churn fast, decide at once and barely share: a poor fit.
    poor = simulate_private_domain(
        4000,
        days=365,
        rng=1,
        alpha=400.0,
        a=3.0,
        b=1.0,
        decision_days=0.3,
        referral_share=0.01,
        share_conversion=0.02,
    )
    g = _card(good)
    # so few repeat purchases that BG/NBD's dropout parameters are not identified: the fit says so
    with pytest.warns(ConvergenceWarning, match="not identified"):
        p = _card(poor)
    assert [line.rating for line in g.lines] == ["strong"] * 3 and g.verdict == "good fit"
    assert [line.rating for line in p.lines] == ["weak"] * 3 and p.verdict == "poor fit"


def test_scorecard_lines_without_data_are_not_assessed(world):
    card = fit_assessment(world.orders.user_id, world.orders.at)
    assert [line.rating for line in card.lines][1:] == ["not assessed", "not assessed"]
    strict = fit_assessment(
        world.orders.user_id,
        world.orders.at,
        thresholds=FitThresholds(strong_repeat=1e9, moderate_repeat=1e9),
    )
    assert strict.lines[0].rating == "weak" and strict.verdict == "poor fit"


def test_scorecard_bad_input(world):
    ids, at = world.orders.user_id, world.orders.at
    with pytest.raises(InvalidInputError, match="'converted_shares' needs 'sharers'"):
        fit_assessment(ids, at, converted_shares=3)
    with pytest.raises(InvalidInputError, match=r"'converted_shares' must be in 0..2"):
        fit_assessment(ids, at, sharers=[1, 2], converted_shares=5)
    with pytest.raises(InvalidInputError, match="'first_touch' must be a pair"):
        fit_assessment(ids, at, first_touch=[1, 2, 3])
    with pytest.raises(InvalidInputError, match="'timestamps' must have the same length"):
        fit_assessment(ids, at[:-1])
    with pytest.raises(InvalidInputError, match="'strong_repeat' must be >= 0"):
        FitThresholds(strong_repeat=-1)
    with pytest.raises(InvalidDefinitionError, match="'strong_alive' must be >= 'moderate_alive'"):
        FitThresholds(strong_alive=0.1, moderate_alive=0.2)


def test_total_customer_value_and_quadrant():
    from privtraffic.referral import customer_referral_value, value_quadrant

    clv = np.array([120.0, 80.0, 10.0, 5.0, 60.0])
    referrals = np.array([3, 0, 4, 0, 1])
    crv = customer_referral_value(referrals, 10.0, 30.0, incrementality=0.5, horizon=4)
    t = total_customer_value(["a", "b", "c", "d", "e"], clv, crv)
    assert np.allclose(t.total, clv + crv)
    assert t.quadrant.tolist() == value_quadrant(clv, crv).tolist()
    assert t.quadrant.tolist()[:4] == ["champion", "affluent", "advocate", "miser"]
    rows = {q: (n, tot) for q, n, _, _, tot in t.by_quadrant()}
    assert sum(n for n, _ in rows.values()) == 5
    assert sum(tot for _, tot in rows.values()) == pytest.approx(t.total.sum())
    assert t.to_pandas().shape == (5, 5)


def test_total_customer_value_bad_input():
    with pytest.raises(InvalidInputError, match=r"'crv' must be >= 0 \(got -1.0 at index 1\)"):
        total_customer_value([1, 2], [1.0, 2.0], [0.0, -1.0])
    with pytest.raises(InvalidInputError, match="'crv' must have the same length"):
        total_customer_value([1, 2], [1.0, 2.0], [0.0])
    with pytest.raises(InvalidInputError, match="'clv' must be finite"):
        total_customer_value([1], [np.nan], [0.0])
