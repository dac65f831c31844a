"""ReferralGraph construction: attribution rules, bad input, the report, networkx interop."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.errors import InvalidDefinitionError, InvalidInputError, ReferralCycleError
from privtraffic.referral import AttributionRule, ReferralGraph, RejectionReason
from support import examples


def _edges(g):
    child = np.flatnonzero(g.parent >= 0)
    return sorted(zip(g.users[g.parent[child]].tolist(), g.users[child].tolist(), strict=True))


def test_forest_arrays_match_networkx():
    rng = np.random.default_rng(1)
    n = 300
    parent = np.array([-1 if i < 5 else int(rng.integers(0, i)) for i in range(n)])
    child = np.flatnonzero(parent >= 0)
    g = ReferralGraph.from_edges(parent[child], child)
    G = g.to_networkx()
    roots = [u for u in G if G.in_degree(u) == 0]
    depth = {}
    for r in roots:
        depth.update(nx.single_source_shortest_path_length(G, r))
    assert g.depth.tolist() == [depth[u] for u in g.users.tolist()]
    for i in rng.choice(g.n_users, 20).tolist():
        kids = g.users[g.children[g.child_ptr[i] : g.child_ptr[i + 1]]].tolist()
        assert sorted(kids) == sorted(G.successors(int(g.users[i])))


def test_networkx_round_trip_keeps_isolated_users_and_times():
    G = nx.DiGraph()
    G.add_node("solo")
    G.add_edge("a", "b", at="2024-01-02")
    G.add_edge("b", "c", at="2024-01-03")
    g = ReferralGraph.from_networkx(G)
    assert g.users.tolist() == ["a", "b", "c", "solo"]
    H = g.to_networkx()
    assert sorted(H.edges()) == [("a", "b"), ("b", "c")]
    assert str(H.edges["a", "b"]["at"]) == "2024-01-02 00:00:00"
    with pytest.raises(InvalidInputError, match="must be directed"):
        ReferralGraph.from_networkx(nx.Graph([("a", "b")]))


def test_first_touch_by_row_order_then_by_time():
    g = ReferralGraph.from_edges(["x", "y"], ["b", "b"])
    assert g.referrer_of(["b"]).tolist() == ["x"]
    assert g.rejected.row.tolist() == [1]
    assert g.rejected.reason.tolist() == ["later claim"]
    assert g.rejected.applied_row.tolist() == [0]
    # with times, the earlier share wins although it comes later in the log
    g = ReferralGraph.from_edges(["x", "y"], ["b", "b"], at=["2024-02-01", "2024-01-01"])
    assert g.referrer_of(["b"]).tolist() == ["y"]
    assert g.rejected.row.tolist() == [0]
    assert str(g.referred_at[g.index_of(["b"])[0]]) == "2024-01-01T00:00:00"


def test_last_touch_and_unique_rules():
    g = ReferralGraph.from_edges(["x", "y", "y"], ["b", "b", "b"], rule=AttributionRule("last"))
    assert g.referrer_of(["b"]).tolist() == ["y"]
    assert dict(zip(g.rejected.row.tolist(), g.rejected.reason.tolist(), strict=True)) == {
        0: "earlier claim",
        1: "duplicate claim",
    }
    with pytest.raises(
        InvalidInputError,
        match=r"at most one referrer \(got 'b' referred by 'x' at row 0 and by 'y' at row 2\)",
    ):
        ReferralGraph.from_edges(["x", "x", "y"], ["b", "b", "b"], rule=AttributionRule("unique"))
    g = ReferralGraph.from_edges(
        ["x", "y"], ["b", "b"], rule=AttributionRule("unique"), on_invalid="report"
    )
    assert g.rejected.reason.tolist() == ["second referrer"]
    with pytest.raises(InvalidDefinitionError, match="'window_days' must be a finite number"):
        AttributionRule(window_days=-1)


def test_self_referral_raises_naming_the_row_or_is_reported():
    with pytest.raises(InvalidInputError, match=r"self-referral of 'c' at row 1"):
        ReferralGraph.from_edges(["a", "c"], ["b", "c"])
    g = ReferralGraph.from_edges(["a", "c"], ["b", "c"], on_invalid="report")
    assert g.rejected.row.tolist() == [1]
    assert g.rejected.reason.tolist() == ["self-referral"]
    assert "c" in g.users.tolist()  # the user is kept, only the claim is not applied


def test_cycle_error_names_the_cycle():
    with pytest.raises(ReferralCycleError, match=r"'a' -> 'b' -> 'c' -> 'a' \(rows 0, 1, 2\)") as e:
        ReferralGraph.from_edges(["a", "b", "c", "z"], ["b", "c", "a", "y"])
    assert e.value.cycle == ("a", "b", "c")
    assert isinstance(e.value, ValueError)


def test_cycle_in_report_mode_rejects_the_claim_that_closed_it():
    g = ReferralGraph.from_edges(["a", "b", "c"], ["b", "c", "a"], on_invalid="report")
    assert g.rejected.row.tolist() == [2]
    assert g.rejected.reason.tolist() == ["closes referral cycle 'a' -> 'b' -> 'c' -> 'a'"]
    assert _edges(g) == [("a", "b"), ("b", "c")]
    # by time: the latest share on the cycle is the one rejected
    at = ["2024-01-03", "2024-01-01", "2024-01-02"]
    g = ReferralGraph.from_edges(["a", "b", "c"], ["b", "c", "a"], at, on_invalid="report")
    assert g.rejected.row.tolist() == [0]
    assert _edges(g) == [("b", "c"), ("c", "a")]


def test_missing_and_mixed_ids_name_the_row():
    missing = r"'referees' must not be missing \(got nan at index 1\)"
    with pytest.raises(InvalidInputError, match=missing):
        ReferralGraph.from_edges([1, 2], [3, np.nan])
    missing = r"'referrers' must not be missing \(got None at index 0\)"
    with pytest.raises(InvalidInputError, match=missing):
        ReferralGraph.from_edges([None, "a"], ["b", "c"])
    mixed = r"all be strings or all be integers \(got 7 at index 1"
    with pytest.raises(InvalidInputError, match=mixed):
        ReferralGraph.from_edges(["a", 7], ["b", "c"])
    with pytest.raises(InvalidInputError, match="'referees' must be the same kind of id"):
        ReferralGraph.from_edges(["a"], [1])
    g = ReferralGraph.from_edges([1, None, 3], [2, 4, np.nan], on_invalid="report")
    assert g.rejected.row.tolist() == [1, 2]
    assert g.rejected.reason.tolist() == ["missing id", "missing id"]
    assert _edges(g) == [(1, 2)]


def test_attribution_window_needs_times_and_reports_claims_outside_it():
    rule = AttributionRule(window_days=7)
    g = ReferralGraph.from_edges(
        ["a", "b", "c"],
        ["x", "y", "z"],
        at=["2024-01-01", "2024-01-10", "2024-01-05"],
        joined_at=["2024-01-05", "2024-01-30", "2024-01-04"],
        rule=rule,
    )
    assert _edges(g) == [("a", "x")]
    assert dict(zip(g.rejected.row.tolist(), g.rejected.reason.tolist(), strict=True)) == {
        1: "outside attribution window",
        2: "joined before the share",
    }
    with pytest.raises(InvalidInputError, match="needs both 'at'"):
        ReferralGraph.from_edges(["a"], ["x"], at=["2024-01-01"], rule=rule)


def test_dataframe_input_and_lengths():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {"referrer": ["a", "a"], "referee": ["b", "c"], "at": pd.to_datetime(["2024-01-01"] * 2)}
    )
    g = ReferralGraph.from_edges(df)
    assert _edges(g) == [("a", "b"), ("a", "c")]
    assert g.referred_at is not None
    with pytest.raises(InvalidInputError, match="'referee' column"):
        ReferralGraph.from_edges(df.drop(columns="referee"))
    with pytest.raises(
        InvalidInputError,
        match=r"^'referees' is required unless 'referrers' is a DataFrame with 'referrer' and "
        r"'referee' columns$",
    ):
        ReferralGraph.from_edges(["a"])
    with pytest.raises(InvalidInputError, match="'referees' must have the same length"):
        ReferralGraph.from_edges(["a", "b"], ["c"])
    with pytest.raises(InvalidInputError, match="'on_invalid' must be one of"):
        ReferralGraph.from_edges(["a"], ["b"], on_invalid="ignore")


def test_inputs_are_not_mutated_and_repr():
    src, dst = np.array([1, 2, 3]), np.array([2, 3, 1])
    before = (src.copy(), dst.copy())
    g = ReferralGraph.from_edges(src, dst, on_invalid="report")
    np.testing.assert_array_equal(src, before[0])
    np.testing.assert_array_equal(dst, before[1])
    assert "1 claims rejected" in repr(g)
    assert "<table>" in g._repr_html_()
    assert g.rejected.counts() == {"closes referral cycle 1 -> 2 -> 3 -> 1": 1}
    with pytest.raises(InvalidInputError, match="'user' must be in the graph"):
        g.referees_of(99)


@examples(60)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 5)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["first", "last"]),
)
def test_touch_rules_equal_a_brute_force_replay(claims, touch):
    # referrer < referee on every applied claim, so no cycle can form; equal ids are
    # self-referrals and must be reported
    src = [min(a, b) for a, b, _ in claims]
    dst = [max(a, b) for a, b, _ in claims]
    at = np.datetime64("2024-01-01") + np.array([d for *_, d in claims]).astype("timedelta64[D]")
    g = ReferralGraph.from_edges(src, dst, at, rule=AttributionRule(touch), on_invalid="report")
    rank = sorted(range(len(claims)), key=lambda r: (at[r], r))
    if touch == "last":
        rank = sorted(range(len(claims)), key=lambda r: (at[r], r), reverse=True)
    winner: dict[int, int] = {}
    for r in rank:
        if src[r] != dst[r] and dst[r] not in winner:
            winner[dst[r]] = r
    assert _edges(g) == sorted((src[r], dst[r]) for r in winner.values())
    # every row is either applied or reported, never both, never neither
    reported = set(g.rejected.row.tolist())
    assert reported.isdisjoint(winner.values())
    assert reported | set(winner.values()) == set(range(len(claims)))


def test_index_of_follows_the_one_rule_for_unknown_ids():
    g = ReferralGraph.from_edges([10, 10, 12], [11, 12, 13])
    assert g.index_of([13, 10]).tolist() == [3, 0]
    with pytest.raises(InvalidInputError, match=r"^'users' 99 \(row 1\) is not in the graph$"):
        g.index_of([10, 99], "users")
    assert g.index_of([10, 99], missing="mark").tolist() == [0, -1]
    with pytest.raises(InvalidInputError, match="must be the same kind of id"):
        g.index_of(["a"], missing="mark")  # another kind of id is never just "not found"
    # the documented "None / -1 for unknown ids" methods keep their semantics
    assert g.referrer_of([13, 99]).tolist() == [12, None]
    assert g.koc_scores([99], [1.0]).n_organic_orders == 1
    # the lookup is built once per graph: every call reuses the same table
    table = g._ids._dense
    g.index_of([11])
    assert g._ids._dense is table and g._ids.ids is g.users
    empty = ReferralGraph(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert empty.index_of([1], missing="mark").tolist() == [-1]


def test_constructor_requires_sorted_unique_users():
    with pytest.raises(
        InvalidInputError, match=r"sorted and unique \(got 11 after 12 at index 2\)"
    ):
        ReferralGraph(np.array([10, 12, 11]), np.array([-1, 0, 0]))
    with pytest.raises(InvalidInputError, match=r"sorted and unique \(got 'a' after 'a'"):
        ReferralGraph(np.array(["a", "a"]), np.array([-1, -1]))


def test_every_rejection_carries_a_code_beside_its_text():
    R = RejectionReason
    g = ReferralGraph.from_edges(
        [1, 1, 5, 4, None, 7, 8, 9],
        [2, 2, 2, 4, 3, 8, 9, 7],
        on_invalid="report",
    )
    got = dict(zip(g.rejected.row.tolist(), g.rejected.code.tolist(), strict=True))
    assert got == {
        1: R.DUPLICATE_CLAIM,
        2: R.LATER_CLAIM,
        3: R.SELF_REFERRAL,
        4: R.MISSING_ID,
        7: R.CYCLE,
    }
    for code, text in zip(g.rejected.code.tolist(), g.rejected.reason.tolist(), strict=True):
        assert text.startswith(code.text)
    g = ReferralGraph.from_edges(["x", "y"], ["b", "b"], rule=AttributionRule("last"))
    assert g.rejected.code.tolist() == [R.EARLIER_CLAIM]
    g = ReferralGraph.from_edges(
        ["x", "y"], ["b", "b"], rule=AttributionRule("unique"), on_invalid="report"
    )
    assert g.rejected.code.tolist() == [R.SECOND_REFERRER]
    g = ReferralGraph.from_edges(
        ["a", "b"],
        ["x", "y"],
        at=["2024-01-10", "2024-01-01"],
        joined_at=["2024-01-05", "2024-03-01"],
        rule=AttributionRule(window_days=7),
    )
    assert g.rejected.code.tolist() == [R.JOINED_BEFORE_SHARE, R.OUTSIDE_WINDOW]
    # counts() still counts the texts; the codes are stable strings in to_dict()
    assert g.rejected.counts() == {"joined before the share": 1, "outside attribution window": 1}
    assert g.rejected.to_dict()["code"] == ["joined_before_share", "outside_window"]
    assert ReferralGraph.from_edges([1], [2]).rejected.code.tolist() == []
