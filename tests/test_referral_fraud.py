"""Fraud flags: rings, shared devices / payment ids, bursts — reported, never removed."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from privtraffic.errors import InvalidInputError
from privtraffic.referral import FraudFlags, ReferralGraph, fraud_flags
from privtraffic.referral.fraud import (
    FraudSignal,
    burst_signals,
    ring_signals,
    shared_id_signals,
)


def _flags(f):
    return {
        u: {k for k in ("ring", "shared_device", "shared_payment", "burst") if f[k][i]}
        for i, u in enumerate(f.user.tolist())
    }


def test_reciprocal_claims_within_minutes_are_a_ring():
    # 'a' and 'b' claim each other; both buy within 3 minutes. 'c' and 'd' claim each other but
    # bought a day apart. 'e' -> 'f' is an ordinary referral.
    g = ReferralGraph.from_edges(
        ["a", "b", "c", "d", "e"], ["b", "a", "d", "c", "f"], on_invalid="report"
    )
    assert len(g.rejected) == 2  # the claims closing the two 2-cycles; nothing vanished
    buyers = ["a", "b", "c", "d", "e", "f"]
    at = [
        "2024-01-01T10:00",
        "2024-01-01T10:03",
        "2024-01-01T10:00",
        "2024-01-02T10:00",
        "2024-01-01T10:00",
        "2024-01-01T10:01",
    ]
    f = fraud_flags(g, buyers, at, ring_minutes=10)
    assert _flags(f) == {"a": {"ring"}, "b": {"ring"}}
    assert "purchases within 10 minutes" in str(f.reason[0])
    # without order times the claims alone are reported
    assert set(fraud_flags(g).user.tolist()) == {"a", "b", "c", "d"}
    # the data are untouched: the graph still has every user
    assert g.n_users == 6


def test_longer_cycle_is_flagged_with_all_members():
    g = ReferralGraph.from_edges(["a", "b", "c", "x"], ["b", "c", "a", "y"], on_invalid="report")
    f = fraud_flags(g)
    assert _flags(f) == {"a": {"ring"}, "b": {"ring"}, "c": {"ring"}}
    assert str(f.reason[0]) == "referral cycle 'a' -> 'b' -> 'c' -> 'a'"


def test_one_device_or_payment_behind_many_referees():
    g = ReferralGraph.from_edges(["r", "r", "r", "s", "s"], ["x", "y", "z", "v", "w"])
    buyers = ["x", "y", "z", "z", "v", "w", "r"]
    devices = ["d1", "d1", "d1", "d9", "d2", "d3", "d1"]  # the referrer's own order does not count
    payments = ["p1", "p2", "p3", "p4", "p5", "p5", "p1"]
    f = fraud_flags(g, buyers, devices=devices, payments=payments, shared_min_referees=2)
    got = _flags(f)
    assert got["x"] == {"shared_device"} and got["r"] == {"shared_device"}
    assert got["v"] == {"shared_payment"} and got["s"] == {"shared_payment"}
    assert f.checked == ("ring", "shared_device", "shared_payment")
    f3 = fraud_flags(g, buyers, devices=devices, shared_min_referees=4)
    assert len(f3) == 0
    with pytest.raises(InvalidInputError, match="give 'users'"):
        fraud_flags(g, devices=devices)
    with pytest.raises(InvalidInputError, match="'shared_device' must have the same length"):
        fraud_flags(g, buyers, devices=devices[:2])


def test_burst_matches_a_brute_force_rolling_count():
    rng = np.random.default_rng(5)
    n_ref = 400
    referrer = rng.integers(0, 8, n_ref)
    hours = np.where(referrer == 3, rng.uniform(0, 5, n_ref), rng.uniform(0, 24 * 60, n_ref))
    at = np.datetime64("2024-01-01T00:00:00") + (hours * 3600).astype("timedelta64[s]")
    referees = np.arange(100, 100 + n_ref)
    g = ReferralGraph.from_edges(referrer, referees, at)
    f = fraud_flags(g, burst_count=12, burst_hours=24)
    # brute force: max number of referrals in any closed 24 h window ending at a referral
    expected = set()
    for r in range(8):
        t = np.sort(hours[referrer == r])
        best = max(int(((t >= x - 24) & (t <= x)).sum()) for x in t)
        if best >= 12:
            expected.add(r)
    assert set(f.user[f.burst].tolist()) == expected
    assert 3 in expected
    assert "burst" in f.checked


def test_thresholds_are_checked():
    g = ReferralGraph.from_edges([1], [2])
    with pytest.raises(InvalidInputError, match="thresholds must be positive"):
        fraud_flags(g, burst_hours=0)


def test_rings_are_read_from_the_rejection_codes_not_the_texts():
    g = ReferralGraph.from_edges(["a", "b", "c", "x"], ["b", "c", "a", "y"], on_invalid="report")
    reworded = attrs.evolve(g.rejected, reason=np.array(["anything at all"] * len(g.rejected)))
    g2 = attrs.evolve(g, rejected=reworded)
    f = fraud_flags(g2)
    assert _flags(f) == {"a": {"ring"}, "b": {"ring"}, "c": {"ring"}}
    assert str(f.reason[0]) == "referral cycle 'a' -> 'b' -> 'c' -> 'a'"


def test_fraud_flags_is_the_fold_of_the_detectors():
    g = ReferralGraph.from_edges(
        ["a", "b", "r", "r", "r"],
        ["b", "a", "x", "y", "z"],
        [
            "2024-01-01T00:00",
            "2024-01-01T00:10",
            "2024-01-02T00:00",
            "2024-01-02T01:00",
            "2024-01-02T02:00",
        ],
        on_invalid="report",
    )
    users = ["a", "b", "x", "y", "z"]
    devices = ["d0", "d1", "d2", "d2", "d3"]
    f = fraud_flags(g, users, devices=devices, shared_min_referees=2, burst_count=3)
    idx = g.index_of(users)
    signals = (
        ring_signals(g, idx)
        + shared_id_signals(g, idx, np.array(devices), min_referees=2)
        + burst_signals(g, burst_count=3)
    )
    assert [s.flag for s in signals] == ["ring", "shared_device", "burst"]
    folded = FraudFlags.from_signals(g, signals, f.checked)
    assert folded.to_dict() == f.to_dict()
    assert _flags(f) == {
        "a": {"ring"},
        "b": {"ring"},
        "r": {"shared_device", "burst"},
        "x": {"shared_device"},
        "y": {"shared_device"},
    }
    reasons = dict(zip(f.user.tolist(), f.reason.tolist(), strict=True))
    assert (
        reasons["r"] == "device 'd2' on the orders of 2 referred users; 3 referrals within 24 hours"
    )


def test_detectors_check_their_own_thresholds():
    g = ReferralGraph.from_edges([1], [2])
    with pytest.raises(InvalidInputError, match="'ring_minutes' must be >= 0"):
        ring_signals(g, ring_minutes=-1)
    with pytest.raises(InvalidInputError, match="'min_referees' must be >= 1"):
        shared_id_signals(g, np.array([1]), np.array(["d"]), min_referees=0)
    with pytest.raises(InvalidInputError, match="'burst_count' must be >= 1"):
        burst_signals(g, burst_hours=0)
    assert FraudSignal("ring", [1, 0], "pair").members.dtype == np.int64
