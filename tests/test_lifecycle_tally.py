"""The counts method (one sort of packed (class, user, time, kind) keys) gives the sorted method's
tiers on every input form: windows of several lengths, sums, repeats with and without tie-breaks,
events after the as-of date, sparse, string and dense ids, categorical kinds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle import (
    Machine,
    Tier,
    aipl,
    count,
    membership_lifecycle,
    relationship_ladder,
    tally,
    total,
)
from privtraffic.lifecycle.events import event_times, kind_table, user_ids
from support import examples

DAY = 86_400
ORIGIN = np.datetime64("2024-03-01", "s")


def counts_and_sums():
    """Counts over three windows and all history, a sum, an upper bound and a ratio."""
    return Machine(
        "counts_and_sums",
        kinds=("a", "b", "c", "d"),
        tier_rules=[
            Tier("t0"),
            Tier("t1", when=(count("a", window_days=2) >= 1) | (count("d") >= 2)),
            Tier("t2", when=(count("b", "c", window_days=5) >= 2) & (count("a") < 4)),
            Tier(
                "t3",
                when=(total("b", window_days=9) >= 100)
                & (count("c", window_days=9) / count("a", "b", window_days=9) >= 0.5),
            ),
        ],
    )


MACHINES = {
    "ladder": relationship_ladder(window_days=4),
    "aipl": aipl(awareness_days=2, interest_days=3, purchase_days=6, loyalty_days=12),
    "membership": membership_lifecycle(window_days=5),
    "counts_and_sums": counts_and_sums(),
}


@st.composite
def tables(draw, machine):
    """Random events over a few users on a coarse grid (repeats and window edges are common)."""
    n = draw(st.integers(1, 60))
    users = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=np.int64)
    kinds = np.array(draw(st.lists(st.sampled_from(machine.kinds), min_size=n, max_size=n)))
    days = np.array(draw(st.lists(st.integers(0, 14), min_size=n, max_size=n)))
    half = np.array(draw(st.lists(st.sampled_from([0, 0, 12]), min_size=n, max_size=n)))
    at = ORIGIN + days * DAY + half * 3600
    values = np.array(draw(st.lists(st.sampled_from([0.0, 5.0, 60.0]), min_size=n, max_size=n)))
    as_of = max(ORIGIN + draw(st.integers(int(days.min()), 16)) * DAY, at.min())
    form = draw(st.sampled_from(["plain", "values", "ids", "sparse", "strings"]))
    ids = None
    if form == "ids":  # the same id for the same value keeps exact repeats exact
        ids = np.array([f"e{v:g}" for v in values])
    if form == "sparse":
        users = users * 10**9 + 7
    if form == "strings":
        users = np.array([f"u{u}" for u in users])
    if form in ("plain", "sparse", "strings"):
        values = None
    return users, kinds, at, values, ids, as_of


def _both(machine, users, kinds, at, values, ids, as_of):
    fast = machine.classify(users, kinds, at, values, ids, as_of=as_of, method="counts")
    slow = machine.classify(users, kinds, at, values, ids, as_of=as_of, method="sorted")
    return fast, slow


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_counts_method_equals_sorted_method(name):
    machine = MACHINES[name]

    @examples(60)
    @given(tables(machine))
    def check(table):
        fast, slow = _both(machine, *table)
        assert fast.users.tolist() == slow.users.tolist()
        assert fast.codes.tolist() == slow.codes.tolist()

    check()


def test_many_repeats_with_tie_breaks_on_a_larger_table():
    """Thousands of repeated keys, some distinct by value: the candidate search and its hashed
    prefilter find every one."""
    rng = np.random.default_rng(11)
    m = counts_and_sums()
    n = 80_000
    users = rng.integers(0, 5_000, n)
    kinds = np.array(m.kinds)[rng.integers(0, 4, n)]
    at = ORIGIN + rng.integers(0, 12, n) * DAY
    values = rng.choice([10.0, 50.0, 90.0], n)
    rep = rng.integers(0, n, 20_000)
    users, kinds, at, values = (np.concatenate([a, a[rep]]) for a in (users, kinds, at, values))
    values[-5_000:] += 1.0  # some "repeats" differ by value: distinct events
    as_of = ORIGIN + 10 * DAY  # later events are left out
    fast, slow = _both(m, users, kinds, at, values, None, as_of)
    assert fast.codes.tolist() == slow.codes.tolist()
    assert fast.users.tolist() == slow.users.tolist()
    ids = np.char.add("o", (values * 100).astype(np.int64).astype(str))
    fast, slow = _both(m, users, kinds, at, values, ids, as_of)
    assert fast.codes.tolist() == slow.codes.tolist()


def test_conflicting_event_ids_name_the_same_rows_in_both_methods():
    m = relationship_ladder()
    args = ([1, 2, 1], ["purchase"] * 3, ["2024-01-01"] * 3, [5.0, 1.0, 6.0], ["o1", "o2", "o1"])
    for method in ("counts", "sorted"):
        with pytest.raises(InvalidInputError, match=r"different values \(rows 0 and 2\)"):
            m.classify(*args, as_of="2024-02-01", method=method)


def test_users_with_events_only_after_as_of_are_listed_without_a_tier():
    m = relationship_ladder(window_days=30)
    users = np.array([5, 6, 6, 9])
    at = np.array(["2024-01-01", "2024-01-02", "2024-03-01", "2024-04-01"], dtype="datetime64[s]")
    kinds = ["purchase", "join", "purchase", "purchase"]
    fast, slow = _both(m, users, kinds, at, None, None, "2024-01-15")
    assert fast.users.tolist() == slow.users.tolist() == [5, 6, 9]
    assert fast.tiers.tolist() == slow.tiers.tolist() == ["buyer", "member", None]


def test_categorical_kinds_and_their_errors():
    pd = pytest.importorskip("pandas")
    m = relationship_ladder()
    at = ["2024-01-01", "2024-01-02"]
    unused = pd.Categorical(["join", "purchase"], categories=["join", "purchase", "refund"])
    r = m.classify([1, 2], unused, at, as_of="2024-02-01")
    assert r.tiers.tolist() == ["member", "buyer"]
    used = pd.Categorical(["join", "refund"], categories=["join", "purchase", "refund"])
    with pytest.raises(InvalidInputError, match=r"unknown event kind 'refund' at index 1"):
        m.classify([1, 2], used, at, as_of="2024-02-01")
    missing = pd.Categorical(["join", None], categories=["join"])
    with pytest.raises(InvalidInputError, match=r"'kinds' must not be missing .*index 1"):
        m.classify([1, 2], missing, at, as_of="2024-02-01")
    raw, lookup = kind_table(m, pd.Series(unused))
    assert lookup[raw].tolist() == [2, 3]


def test_not_a_time_is_refused_and_inputs_are_read_without_copies():
    m = relationship_ladder()
    at = np.array(["2024-01-01", "NaT"], dtype="datetime64[s]")
    with pytest.raises(InvalidInputError, match=r"'at' must not be missing \(got NaT at index 1\)"):
        m.classify([1, 2], ["join", "join"], at, as_of="2024-02-01")
    users = np.array([3, 4], dtype=np.int64)
    good = at[:1].repeat(2)
    assert np.shares_memory(user_ids(users), users) and not user_ids(users).flags.writeable
    assert np.shares_memory(event_times(good), good)
    assert user_ids([3, 4]).tolist() == [3, 4]


def test_class_plan_groups_events_by_the_facts_they_count_in():
    m = counts_and_sums()
    plan = tally.class_plan(m, as_of=100 * DAY)
    assert plan.edges == (98 * DAY, 95 * DAY, 91 * DAY)  # windows 2, 5 and 9 days
    # kind "a" in the 2-day window counts in count(a, 2d), count(a, ever) and count(a|b, 9d)
    a_recent = plan.signatures[int(plan.table[0, 0])]
    described = sorted(plan.facts[i].describe() for i in a_recent)
    assert described == ["count(a, 2d)", "count(a, ever)", "count(a|b, 9d)"]
    # kind "d" counts only in count(d, ever), whatever the age
    assert len(set(plan.table[3].tolist())) == 1


def test_keys_too_wide_for_int64_fall_back_to_the_sorted_method():
    assert tally._packing(n_classes=8, n_users=2**30, t0=0, q=2**33, n_kinds=6) is None
    m = relationship_ladder()
    n = 400_000  # 6 classes x 400,000 users x 2 ** 41 (8,000 years in seconds, 6 kinds) > 2 ** 62
    users = np.arange(n, dtype=np.int64)
    at = np.full(n, np.datetime64("9000-01-01", "s"))
    at[0] = np.datetime64("1000-01-01", "s")
    kinds = np.array(["join", "purchase"])[users % 2]
    assert (
        tally.count_tiers(
            m,
            users,
            0,
            n,
            np.arange(n) % 2 + 2,
            np.arange(6),
            at.view(np.int64),
            int(at.view(np.int64).min()),
            None,
            None,
            False,
            int(at.view(np.int64).max()),
            None,
        )
        is None
    )
    r = m.classify(users, kinds, at, as_of="9000-01-01")
    assert r.counts() == {
        "basic": 0,
        "member": n // 2,
        "buyer": n // 2,
        "repeat_buyer": 0,
        "koc": 0,
        None: 0,
    }
