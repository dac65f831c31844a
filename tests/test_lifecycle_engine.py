"""The tier engine: definitions checked when built, input checks, windows, repeats, live steps."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from privtraffic.errors import InvalidDefinitionError, InvalidInputError, TransitionNotAllowed
from privtraffic.lifecycle import (
    Event,
    Machine,
    Tier,
    classify,
    count,
    distinct_days,
    ever,
    latest,
    relationship_ladder,
    replay,
    total,
)
from privtraffic.lifecycle.events import kind_codes

DAY = np.timedelta64(1, "D")
SEC = np.timedelta64(1, "s")
AS_OF = np.datetime64("2024-06-30T12:00:00", "s")


def _mini(**kwargs):
    return Machine(
        "mini",
        kinds=("visit", "purchase"),
        tier_rules=kwargs.pop(
            "tier_rules",
            [Tier("visitor"), Tier("buyer", when=count("purchase", window_days=30) >= 1)],
        ),
        **kwargs,
    )


# --- definitions ----------------------------------------------------------------------------


def test_unknown_kind_in_rule_names_tier_and_kind():
    with pytest.raises(InvalidDefinitionError, match=r"tier 'buyer': unknown event kind 'buy'"):
        _mini(tier_rules=[Tier("visitor"), Tier("buyer", when=count("buy") >= 1)])


def test_unreachable_tier_shadowed_by_deeper_tier():
    rules = [
        Tier("visitor"),
        Tier("buyer", when=count("purchase", window_days=30) >= 2),
        Tier("any_buyer", when=count("purchase", window_days=60) >= 1),
    ]
    with pytest.raises(InvalidDefinitionError, match=r"tier 'buyer' is unreachable.*'any_buyer'"):
        _mini(tier_rules=rules)


def test_unreachable_tier_with_impossible_condition():
    rules = [
        Tier("visitor"),
        Tier("odd", when=(count("visit") >= 3) & (count("visit") < 2)),
        Tier("buyer", when=count("purchase", window_days=30) >= 1),
    ]
    with pytest.raises(InvalidDefinitionError, match=r"tier 'odd' is unreachable"):
        _mini(tier_rules=rules)


def test_dead_end_rejected_unless_terminal():
    rules = [Tier("visitor"), Tier("ever_bought", when=count("purchase") >= 1)]
    with pytest.raises(InvalidDefinitionError, match=r"tier 'ever_bought' is a dead end"):
        _mini(tier_rules=rules)
    rules[1] = Tier("ever_bought", when=count("purchase") >= 1, terminal=True)
    assert _mini(tier_rules=rules).tiers == ("visitor", "ever_bought")


def test_only_the_entry_tier_may_lack_a_condition():
    with pytest.raises(InvalidDefinitionError, match=r"tier 'b' has no condition"):
        _mini(tier_rules=[Tier("a"), Tier("b")])


def test_duplicate_tier_and_bad_refresh_days():
    with pytest.raises(InvalidDefinitionError, match=r"tier 'a' is defined twice"):
        _mini(tier_rules=[Tier("a"), Tier("a", when=count("visit", window_days=1) >= 1)])
    with pytest.raises(InvalidDefinitionError, match=r"'refresh_days'"):
        _mini(refresh_days=(1, 31))


def test_bad_facts_rejected():
    with pytest.raises(InvalidDefinitionError, match=r"'window_days' must be > 0"):
        count("visit", window_days=0)
    with pytest.raises(InvalidDefinitionError, match=r"whole days"):
        distinct_days("visit", window_days=1.5)
    with pytest.raises(InvalidDefinitionError, match=r"ratio compares counts"):
        _ = total("purchase") / count("visit") >= 0.5


# --- bad input ------------------------------------------------------------------------------


def test_unknown_event_kind_names_row():
    m = relationship_ladder()
    with pytest.raises(
        InvalidInputError, match=r"'kinds' has an unknown event kind 'refund' at index 1"
    ):
        m.classify([1, 1], ["join", "refund"], ["2024-01-01", "2024-01-02"], as_of=AS_OF)
    with pytest.raises(InvalidInputError, match=r"unknown event kind 'refund' at index 0"):
        m.replay(["refund"], ["2024-01-01"])
    with pytest.raises(InvalidInputError, match=r"unknown event kind 'refund'"):
        m.step(m.new_state(), Event("refund", "2024-01-01"))


def test_timestamps_that_are_not_timestamps():
    m = relationship_ladder()
    with pytest.raises(
        InvalidInputError, match=r"'at' must be timestamps \(got 'soon' at index 1\)"
    ):
        m.classify([1, 2], ["join", "join"], ["2024-01-01", "soon"], as_of=AS_OF)
    with pytest.raises(InvalidInputError, match=r"'at' must be timestamps \(got 3.5 at index 0\)"):
        m.replay(["join"], np.array([3.5, 1.0], dtype=object)[:1])
    with pytest.raises(InvalidInputError, match=r"'as_of' must be a timestamp \(got 'later'\)"):
        m.classify([1], ["join"], ["2024-01-01"], as_of="later")


def test_nan_values_name_row():
    m = relationship_ladder()
    with pytest.raises(InvalidInputError, match=r"'values' must be finite \(got nan at index 1\)"):
        m.classify(
            [1, 1],
            ["purchase", "purchase"],
            ["2024-01-01", "2024-01-02"],
            [10.0, np.nan],
            as_of=AS_OF,
        )
    with pytest.raises(InvalidInputError, match=r"'values' must be finite"):
        m.step(m.new_state(), Event("purchase", "2024-01-01", value=float("nan")))


def test_as_of_before_every_event_is_an_error_naming_as_of():
    m = relationship_ladder()
    with pytest.raises(InvalidInputError, match=r"'as_of' \(2023-12-31T00:00:00\) is before every"):
        m.classify([1, 2], ["join", "join"], ["2024-01-01", "2024-02-01"], as_of="2023-12-31")
    with pytest.raises(InvalidInputError, match=r"'as_of'.*is before every event"):
        m.replay(["join"], ["2024-01-01"], as_of="2023-12-31")


def test_as_of_before_one_users_events_gives_no_tier():
    m = relationship_ladder()
    r = m.classify(["a", "b"], ["join", "join"], ["2024-01-01", "2024-02-01"], as_of="2024-01-15")
    assert r.tiers.tolist() == ["member", None]
    assert r.counts()[None] == 1


def test_columns_of_different_lengths_and_conflicting_ids():
    m = relationship_ladder()
    with pytest.raises(InvalidInputError, match=r"'kinds' must have the same length as 'users'"):
        m.classify([1, 2], ["join"], ["2024-01-01", "2024-01-01"], as_of=AS_OF)
    with pytest.raises(InvalidInputError, match=r"different values \(rows 0 and 1\)"):
        m.classify(
            [1, 1],
            ["purchase", "purchase"],
            ["2024-01-01", "2024-01-01"],
            [10.0, 20.0],
            event_ids=["e1", "e1"],
            as_of=AS_OF,
        )


# --- the window boundary ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "counted"),
    [(90 * DAY, False), (90 * DAY - SEC, True), (0 * DAY, True)],
)
def test_window_is_open_on_the_left_closed_on_the_right(offset, counted):
    m = relationship_ladder(window_days=90)
    ats = np.array([AS_OF - 200 * DAY, AS_OF - offset])
    kinds = ["join", "purchase"]
    expected = "buyer" if counted else "member"
    assert m.replay(kinds, ats, as_of=AS_OF).tier == expected
    assert m.classify([1, 1], kinds, ats, as_of=AS_OF).tiers[0] == expected
    assert m.classify([1, 1], kinds, ats, as_of=AS_OF, method="sorted").tiers[0] == expected


def test_lapse_is_logged_exactly_when_the_window_passes():
    m = relationship_ladder(window_days=90)
    bought = np.datetime64("2024-01-10T08:30:00", "s")
    r = m.replay(["purchase"], [bought], as_of=bought + 200 * DAY, user="u7")
    last = r.transitions[-1]
    assert (last.user, last.from_tier, last.to_tier, last.cause, last.why) == (
        "u7",
        "buyer",
        "member",
        "lapse",
        "lapse",
    )
    assert last.at == bought + 90 * DAY


# --- repeats and input forms ------------------------------------------------------------------


def test_exact_repeats_count_once_but_distinct_ids_count_twice():
    m = relationship_ladder()
    at = ["2024-06-01T10:00"] * 2
    assert m.replay(["purchase"] * 2, at, event_ids=["o1", "o1"]).tier == "buyer"
    assert m.replay(["purchase"] * 2, at, event_ids=["o1", "o2"]).tier == "repeat_buyer"
    assert m.replay(["purchase"] * 2, at, values=[5.0, 5.0]).tier == "buyer"
    assert m.replay(["purchase"] * 2, at, values=[5.0, 7.0]).tier == "repeat_buyer"
    r = m.classify(["u", "u"], ["purchase"] * 2, at, event_ids=["o1", "o2"], as_of=AS_OF)
    assert r.tiers.tolist() == ["repeat_buyer"]


def test_large_table_with_repeats_counts_path_equals_sorted_path_and_replay():
    rng = np.random.default_rng(3)
    m = relationship_ladder(window_days=30)
    n = 60_000
    users = rng.integers(0, 3_000, n)
    kinds = np.array(m.kinds)[rng.integers(0, len(m.kinds), n)]
    ats = np.datetime64("2024-01-01", "s") + rng.integers(0, 120, n) * DAY
    dup = rng.integers(0, n, 5_000)  # exact repeats of 5,000 rows
    users, kinds, ats = (np.concatenate([a, a[dup]]) for a in (users, kinds, ats))
    as_of = np.datetime64("2024-04-15", "s")
    fast = m.classify(users, kinds, ats, as_of=as_of, method="counts")
    slow = m.classify(users, kinds, ats, as_of=as_of, method="sorted")
    assert fast.tiers.tolist() == slow.tiers.tolist()
    for u in fast.users[:200]:
        sel = users == u
        expected = m.replay(kinds[sel], ats[sel], as_of=as_of).tier
        assert fast.tier_of(u) == expected


def test_time_and_table_forms_agree():
    pd = pytest.importorskip("pandas")
    m = relationship_ladder()
    iso = ["2024-05-01", "2024-05-02T09:00", "2024-05-03"]
    objs = [dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 2, 9), dt.date(2024, 5, 3)]
    kinds = ["purchase", "purchase", "review"]
    a = m.classify([1, 1, 1], kinds, iso, as_of="2024-06-01")
    b = m.classify([1, 1, 1], kinds, objs, as_of=dt.datetime(2024, 6, 1))
    df = pd.DataFrame(
        {
            "users": [1, 1, 1],
            "kinds": pd.Categorical(kinds),
            "at": pd.to_datetime(iso, format="ISO8601"),
        }
    )
    c = m.classify(df, as_of=np.datetime64("2024-06-01"))
    assert a.tiers.tolist() == b.tiers.tolist() == c.tiers.tolist() == ["koc"]
    assert c.to_pandas().shape == (1, 3)


# --- one vocabulary: the old names keep working for a release, with a warning ----------------


def _deprecations(caught):
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


def test_old_ats_keyword_warns_and_gives_the_same_result():
    m = relationship_ladder()
    users, kinds = [1, 1, 2], ["join", "purchase", "join"]
    at = ["2024-01-01", "2024-01-05", "2024-02-01"]
    new = m.classify(users, kinds, at=at, as_of=AS_OF)
    with pytest.warns(DeprecationWarning, match=r"Machine.classify\(\): the keyword 'ats'") as w:
        old = m.classify(users, kinds, ats=at, as_of=AS_OF)
    assert w[0].filename == __file__  # points at the caller's line
    assert old.tiers.tolist() == new.tiers.tolist()
    with pytest.warns(DeprecationWarning, match=r"^classify\(\): the keyword 'ats'"):
        assert classify(m, users, kinds, ats=at, as_of=AS_OF).tiers.tolist() == new.tiers.tolist()
    r_new = m.replay(kinds[:2], at=at[:2], as_of=AS_OF)
    with pytest.warns(DeprecationWarning, match=r"Machine.replay\(\): the keyword 'ats'"):
        r_old = m.replay(kinds[:2], ats=at[:2], as_of=AS_OF)
    assert r_old == r_new
    with pytest.warns(DeprecationWarning, match=r"^replay\(\): the keyword 'ats'"):
        assert replay(m, kinds[:2], ats=at[:2], as_of=AS_OF) == r_new
    with pytest.raises(TypeError, match="got both 'ats' \\(deprecated\\) and 'at'"):
        m.classify(users, kinds, at=at, ats=at, as_of=AS_OF)


def test_old_table_column_names_warn_and_give_the_same_result():
    m = relationship_ladder()
    cols = {
        "users": ["a", "a", "b"],
        "kinds": ["purchase", "purchase", "join"],
        "at": ["2024-06-01", "2024-06-01", "2024-06-03"],
        "values": [10.0, 10.0, 0.0],
        "event_ids": ["o1", "o1", "j1"],
    }
    new = m.classify(cols, as_of=AS_OF)
    assert new.tiers.tolist() == ["buyer", "member"]  # the repeated order counts once
    old_names = {"users": "user", "kinds": "kind", "values": "value", "event_ids": "event_id"}
    old_cols = {old_names.get(k, k): v for k, v in cols.items()}
    with pytest.warns(DeprecationWarning) as caught:
        old = m.classify(old_cols, as_of=AS_OF)
    assert old.tiers.tolist() == new.tiers.tolist()
    assert _deprecations(caught) == [
        f"the event table's column {o!r} is deprecated and will not be read after the next "
        f"release; name it {n!r}"
        for n, o in old_names.items()
    ]
    assert {w.filename for w in caught} == {__file__}
    with pytest.raises(InvalidInputError, match=r"must have a 'kinds' column"):
        m.classify({"users": [1], "at": ["2024-01-01"]}, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match=r"'kinds' and 'at' are required"):
        m.classify([1], as_of=AS_OF)


def test_kind_codes_takes_the_machine_first():
    m = relationship_ladder()
    assert kind_codes(m, ["join", "purchase"]).tolist() == [2, 3]
    with pytest.warns(DeprecationWarning, match=r"pass the machine first"):
        assert kind_codes(["join", "purchase"], m).tolist() == [2, 3]


def test_inputs_are_not_mutated():
    m = relationship_ladder()
    users = np.array([2, 1, 2])
    ats = np.array(["2024-01-03", "2024-01-01", "2024-01-02"], dtype="datetime64[s]")
    kinds = np.array(["purchase", "join", "purchase"])
    before = (users.copy(), ats.copy(), kinds.copy())
    m.classify(users, kinds, ats, as_of=AS_OF)
    for a, b in zip((users, ats, kinds), before, strict=True):
        assert np.array_equal(a, b)


# --- live steps and states --------------------------------------------------------------------


def test_step_is_pure_and_logs_who_from_to_why_when():
    m = relationship_ladder()
    s0 = m.new_state("u1")
    s1 = m.step(s0, Event("join", "2024-01-01T10:00"))
    s2 = m.step(s1, Event("purchase", "2024-01-05", value=99.0, event_id="o1"))
    assert s0.tier is None and s1.tier == "member" and s2.tier == "buyer"
    (t,) = s2.transitions
    assert (t.user, t.from_tier, t.to_tier, t.why, t.event_id) == (
        "u1",
        "member",
        "buyer",
        "purchase",
        "o1",
    )
    assert str(t.at) == "2024-01-05T00:00:00"


def test_step_repeats_are_ignored_and_late_events_refused():
    m = relationship_ladder()
    s = m.step(m.new_state(), Event("purchase", "2024-01-05", event_id="o1"))
    again = m.step(s, Event("purchase", "2024-01-05", event_id="o1"))
    assert again.tier == "buyer" and again.transitions == ()
    later = m.step(s, Event("join", "2024-01-06"))
    with pytest.raises(
        InvalidInputError, match=r"'at' \(2024-01-04T00:00:00\) is before the state"
    ):
        m.step(later, Event("purchase", "2024-01-04"))
    # a late exact repeat is still a repeat (ignored), not a refused move
    assert m.step(later, Event("purchase", "2024-01-05", event_id="o1")).tier == later.tier


def test_a_move_back_in_time_is_not_allowed_and_names_state_and_event():
    m = relationship_ladder()
    state = m.step(m.new_state("u1"), Event("join", "2024-01-06"))
    late = Event("purchase", "2024-01-04", value=5.0, event_id="o9")
    with pytest.raises(TransitionNotAllowed) as caught:
        m.step(state, late)
    assert caught.value.state is state and caught.value.event is late
    assert isinstance(caught.value, InvalidInputError)
    assert "step takes events in time order, replay sorts them" in str(caught.value)
    # the same history in any order is fine for replay
    r = m.replay(["join", "purchase"], ["2024-01-06", "2024-01-04"], as_of="2024-01-07")
    assert r.tier == "buyer"


def test_state_json_round_trip_and_machine_check():
    m = relationship_ladder()
    s = m.step(m.new_state(np.int64(42)), Event("purchase", "2024-01-05", value=12.5))
    text = s.to_json()
    assert json.loads(text)["user"] == 42
    assert m.state_from_json(text) == s
    other = Machine(
        "other",
        kinds=("purchase",),
        tier_rules=[Tier("a"), Tier("b", when=count("purchase", window_days=9) >= 1)],
    )
    with pytest.raises(InvalidInputError, match=r"machine 'relationship_ladder', not 'other'"):
        other.state_from_json(text)
    changed = relationship_ladder(window_days=30)  # same name, other windows
    with pytest.raises(InvalidInputError, match=r"does not match the facts"):
        changed.state_from_json(text)
    with pytest.raises(InvalidInputError, match=r"other facts"):
        changed.step(s, Event("purchase", "2024-02-01"))
    with pytest.raises(InvalidInputError, match=r"'state' belongs to machine"):
        other.step(s, Event("purchase", "2024-02-01"))


def test_sum_threshold_is_exact_and_latest_and_ever_facts():
    m = Machine(
        "spend",
        kinds=("purchase", "size", "grant"),
        tier_rules=[
            Tier("guest"),
            Tier("spender", when=total("purchase", window_days=30) >= 0.3),
            Tier("granted", when=ever(count("grant", window_days=5) >= 1)),
            Tier("big", when=ever(count("grant", window_days=5) >= 1) & (latest("size") >= 10)),
        ],
    )
    # 0.1 + 0.2 != 0.3 in floating point; amounts are summed exactly.
    assert (
        m.replay(["purchase", "purchase"], ["2024-01-01", "2024-01-02"], values=[0.1, 0.2]).tier
        == "spender"
    )
    r = m.replay(
        ["grant", "size", "size"],
        ["2024-01-01", "2024-01-02", "2024-03-01"],
        values=[0, 12, 3],
        as_of="2024-04-01",
    )
    assert [t.to_tier for t in r.transitions] == ["granted", "big", "granted"]


def test_an_event_table_may_be_a_columnar_table():
    import attrs
    import numpy as np

    from privtraffic._tables import ColumnarTable
    from privtraffic.lifecycle import relationship_ladder

    @attrs.frozen
    class Log(ColumnarTable):
        users: np.ndarray
        kinds: np.ndarray
        at: np.ndarray

    log = Log(
        np.array([7, 7]), np.array(["join", "purchase"]), np.array(["2024-01-01", "2024-01-02"])
    )
    machine = relationship_ladder()
    assert (
        machine.classify(log, as_of="2024-01-03").tiers.tolist()
        == machine.classify(
            [7, 7], ["join", "purchase"], ["2024-01-01", "2024-01-02"], as_of="2024-01-03"
        ).tiers.tolist()
    )
