"""Replay, step and classify compute the same tiers; input order and exact repeats do not matter.

``classify`` (vectorised window searches) and ``replay`` (explicit expiry times, one event at a
time) are two independent roads to the tier of a user; hypothesis draws random event streams
over several users and random evaluation times, for every preset, on a coarse time grid so that
events land exactly on window boundaries and refresh days.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.lifecycle import (
    Event,
    Machine,
    Tier,
    aipl,
    count,
    distinct_days,
    distributor_qualification,
    ever,
    latest,
    membership_lifecycle,
    merchant_level,
    relationship_ladder,
    total,
)
from support import examples

DAY = 86_400


def kitchen_sink(refresh_days=None):
    """Every kind of fact and condition: windows of several lengths, an upper bound, latest
    values in a window, lifetime active days, a sticky windowed sum and a ratio."""
    return Machine(
        "kitchen_sink",
        kinds=("a", "b", "c"),
        tier_rules=[
            Tier("t0"),
            Tier("t1", when=(count("a", window_days=3) >= 1) & (count("b", window_days=5) < 2)),
            Tier("t2", when=(latest("c", window_days=4) >= 50) | (distinct_days("a") >= 4)),
            Tier(
                "t3",
                when=ever(total("b", window_days=6) >= 100)
                & (count("a", "c", window_days=2) / count("b", window_days=8) >= 0.5),
            ),
        ],
        refresh_days=refresh_days,
    )


ORIGIN = int(np.datetime64("2024-01-25", "s").view(np.int64))

MACHINES = {
    "ladder": relationship_ladder(window_days=10),
    "aipl": aipl(awareness_days=3, interest_days=5, purchase_days=10, loyalty_days=20),
    "membership": membership_lifecycle(window_days=7),
    "merchant": merchant_level(window_days=10, level_1=(1, 1, 0.5), level_2=(2, 2, 0.6)),
    "kitchen_sink": kitchen_sink(),
    "kitchen_sink_scheduled": kitchen_sink(refresh_days=(5, 20)),
    "distributor": distributor_qualification(
        checkin_days=2, spend=100, window_days=5, gift_pack=199, fan_levels=(5, 10)
    ),
}

VALUES = (-20.0, 0.0, 4.0, 6.0, 50.0, 60.5, 199.0, 300.0)


@st.composite
def streams(draw, machine, n_users=4, max_events=50):
    n = draw(st.integers(min_value=1, max_value=max_events))
    users = draw(st.lists(st.integers(0, n_users - 1), min_size=n, max_size=n))
    kinds = draw(st.lists(st.sampled_from(machine.kinds), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 25), min_size=n, max_size=n))
    hours = draw(st.lists(st.sampled_from([0, 0, 6, 12, 23]), min_size=n, max_size=n))
    values = draw(st.lists(st.sampled_from(VALUES), min_size=n, max_size=n))
    t = ORIGIN + np.array(days, dtype=np.int64) * DAY + np.array(hours, dtype=np.int64) * 3600
    as_of_day = draw(st.integers(min(days), 40))
    as_of_hour = draw(st.sampled_from([0, 6, 12]))
    as_of = ORIGIN + as_of_day * DAY + as_of_hour * 3600
    if as_of < t.min():
        as_of = int(t.min())
    # Event ids (half the time): the same id for the same value, so that exact repeats keep
    # their id; string ids order differently from the values, which tests tie-breaking.
    ids = np.array([f"e{v:g}" for v in values]) if draw(st.booleans()) else None
    return (
        np.array(users, dtype=np.int64),
        np.array(kinds),
        t.astype("datetime64[s]"),
        np.array(values),
        np.datetime64(as_of, "s"),
        ids,
    )


def _replayed(machine, users, kinds, ats, values, as_of, ids):
    out = {}
    for u in np.unique(users):
        sel = users == u
        if not np.any(ats[sel] <= as_of):
            out[int(u)] = None
            continue
        ev_ids = None if ids is None else ids[sel]
        r = machine.replay(kinds[sel], ats[sel], values[sel], ev_ids, as_of=as_of, user=u)
        out[int(u)] = r.tier
    return out


def _classified(machine, users, kinds, ats, values, as_of, ids, method="auto"):
    r = machine.classify(users, kinds, ats, values, ids, as_of=as_of, method=method)
    return dict(zip(r.users.tolist(), r.tiers.tolist(), strict=True))


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_replay_equals_classify(name):
    machine = MACHINES[name]

    @examples(40)
    @given(streams(machine))
    def check(stream):
        expected = _replayed(machine, *stream)
        assert _classified(machine, *stream, method="sorted") == expected
        assert _classified(machine, *stream) == expected

    check()


@pytest.mark.parametrize("name", ["ladder", "kitchen_sink_scheduled", "distributor"])
def test_replay_equals_classify_many_users(name):
    machine = MACHINES[name]

    @examples(8)
    @given(streams(machine, n_users=40, max_events=400))
    def check(stream):
        expected = _replayed(machine, *stream)
        assert _classified(machine, *stream, method="sorted") == expected
        assert _classified(machine, *stream) == expected

    check()


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_order_and_repeats_change_nothing(name):
    machine = MACHINES[name]

    @examples(20)
    @given(streams(machine), st.randoms(use_true_random=False))
    def check(stream, rnd):
        users, kinds, ats, values, as_of, ids = stream
        base = _classified(machine, *stream)
        order = list(range(users.size))
        rnd.shuffle(order)
        repeat = [rnd.randrange(users.size) for _ in range(rnd.randrange(1, users.size + 1))]
        idx = np.array(order + repeat)
        shuffled = (
            users[idx],
            kinds[idx],
            ats[idx],
            values[idx],
            as_of,
            None if ids is None else ids[idx],
        )
        assert _classified(machine, *shuffled) == base
        assert _replayed(machine, *shuffled) == base

    check()


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_step_fold_equals_replay(name):
    """A live service stepping events in time order (any order within an instant) ends where
    replay ends, through JSON round trips."""
    machine = MACHINES[name]

    @examples(15)
    @given(streams(machine), st.randoms(use_true_random=False))
    def check(stream, rnd):
        users, kinds, ats, values, as_of, ids = stream
        expected = _replayed(machine, *stream)
        for u, tier in expected.items():
            sel = np.flatnonzero((users == u) & (ats <= as_of))
            if sel.size == 0:
                continue
            keyed = [(ats[i], rnd.random(), i) for i in sel]
            state = machine.new_state(u)
            for _, _, i in sorted(keyed):
                eid = None if ids is None else str(ids[i])
                state = machine.step(state, Event(str(kinds[i]), ats[i], float(values[i]), eid))
                state = machine.state_from_json(state.to_json())
            state = machine.advance(state, as_of)
            assert state.tier == tier

    check()
