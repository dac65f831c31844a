"""Referral scores against brute force with networkx, CRV worked example, quadrant, KOC flags."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.errors import InvalidInputError
from privtraffic.referral import (
    ReferralGraph,
    customer_referral_value,
    downline_aggregates,
    influence,
    network_value,
    value_quadrant,
)
from support import examples


@st.composite
def forests_with_orders(draw):
    """A random referral forest with shuffled edge rows and a random order log."""
    n = draw(st.integers(1, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    parent = np.array(
        [-1 if i == 0 or rng.random() < 0.25 else int(rng.integers(0, i)) for i in range(n)]
    )
    labels = rng.permutation(n) * 7 + 3  # ids unrelated to topological order
    child = np.flatnonzero(parent >= 0)
    rows = rng.permutation(child.size)
    src, dst = labels[parent[child]][rows], labels[child][rows]
    n_orders = int(rng.integers(0, 3 * n + 1))
    buyers = rng.choice(np.concatenate([labels, [-1, -2]]), size=n_orders)  # -1, -2: organic
    values = np.round(rng.gamma(1.0, 20.0, size=n_orders), 2)
    decay = draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))
    return labels, src, dst, buyers, values, decay


def _brute(labels, src, dst, buyers, values, decay):
    G = nx.DiGraph()
    G.add_nodes_from(labels.tolist())
    G.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    own = {u: 0.0 for u in G}
    count = {u: 0 for u in G}
    for b, v in zip(buyers.tolist(), values.tolist(), strict=True):
        if b in own:
            own[b] += v
            count[b] += 1
    out = {}
    for u in sorted(G):
        desc = nx.descendants(G, u)
        kids = list(G.successors(u))
        dist = nx.single_source_shortest_path_length(G, u)
        conv = sum(count[c] > 0 for c in kids)
        out[u] = {
            "orders": count[u],
            "own_value": own[u],
            "direct_referrals": len(kids),
            "converted_referrals": conv,
            "referred_value": sum(own[c] for c in kids),
            "descendants": len(desc),
            "descendant_value": sum(own[w] for w in desc),
            "network_value": sum(own[w] * decay ** (d - 1) for w, d in dist.items() if d >= 1),
            "is_koc": count[u] >= 2 and conv >= 1,
        }
    return G, out


@examples(60)
@given(forests_with_orders())
def test_koc_scores_equal_networkx_brute_force(case):
    labels, src, dst, buyers, values, decay = case
    G, ref = _brute(labels, src, dst, buyers, values, decay)
    g = ReferralGraph.from_edges(src, dst, users=labels)
    t = g.koc_scores(buyers, values, decay=decay)
    assert t["user"].tolist() == sorted(G)
    for col in ref[labels[0]]:
        expected = np.array([ref[u][col] for u in t["user"].tolist()])
        np.testing.assert_allclose(t[col], expected, rtol=1e-10, atol=1e-9, err_msg=col)
    organic = np.isin(buyers, [-1, -2])
    assert t.n_organic_orders == int(organic.sum())
    assert t.organic_value == pytest.approx(float(values[organic].sum()))
    assert t.n_organic_buyers == len(set(buyers[organic].tolist()))
    # the standalone functions agree with the table
    agg = downline_aggregates(g, t["own_value"], t["orders"] > 0)
    np.testing.assert_array_equal(agg.descendants, t["descendants"])
    np.testing.assert_allclose(network_value(g, t["own_value"], decay), t["network_value"])


@examples(40)
@given(forests_with_orders(), st.sampled_from([0.5, 0.85]))
def test_influence_is_katz_and_pagerank_on_the_reversed_forest(case, alpha):
    labels, src, dst, *_ = case
    g = ReferralGraph.from_edges(src, dst, users=labels)
    rng = np.random.default_rng(len(labels))
    p = rng.uniform(0.1, 2.0, size=g.n_users)
    R = g.to_networkx().reverse()
    beta = dict(zip(g.users.tolist(), p.tolist(), strict=True))
    katz = nx.katz_centrality(
        R, alpha=alpha, beta=beta, normalized=False, max_iter=10_000, tol=1e-14
    )
    ours = influence(g, alpha=alpha, personalization=p)
    np.testing.assert_allclose(ours, [katz[u] for u in g.users.tolist()], rtol=1e-8)
    pr = nx.pagerank(R, alpha=alpha, personalization=beta, tol=1e-14, max_iter=10_000)
    ours_n = influence(g, alpha=alpha, personalization=p, normalize=True)
    np.testing.assert_allclose(ours_n, [pr[u] for u in g.users.tolist()], rtol=1e-7)


def test_koc_influence_personalisation_matches_the_influence_function():
    g = ReferralGraph.from_edges([1, 1, 2, 4], [2, 3, 4, 5])
    t = g.koc_scores([2, 4, 5, 5], [3.0, 1.0, 2.0, 2.0], personalization="value")
    np.testing.assert_allclose(t["influence"], influence(g, 0.85, t["own_value"]))
    G = g.to_networkx().reverse()
    beta = dict(zip(g.users.tolist(), t["own_value"].tolist(), strict=True))
    katz = nx.katz_centrality(G, alpha=0.85, beta=beta, normalized=False, tol=1e-14)
    np.testing.assert_allclose(t["influence"], [katz[u] for u in g.users.tolist()], rtol=1e-8)
    w = np.arange(5.0)
    np.testing.assert_allclose(
        g.koc_scores([], [], personalization=w)["influence"], influence(g, 0.85, w)
    )
    with pytest.raises(InvalidInputError, match="'personalization' must be None, 'value'"):
        g.koc_scores([], [], personalization="reach")
    for alpha in (1.0, -0.1):
        message = rf"^'alpha' must be in \[0, 1\) \(got {alpha}\)$"
        with pytest.raises(InvalidInputError, match=message):
            influence(g, alpha)
        with pytest.raises(InvalidInputError, match=message):
            g.koc_scores([], [], alpha=alpha)


def test_deep_chain_depths_and_downline():
    n = 5000  # one long chain: pointer jumping and the level pass must both cope
    g = ReferralGraph.from_edges(np.arange(n - 1), np.arange(1, n))
    assert g.depth[-1] == n - 1
    agg = downline_aggregates(g, np.ones(n))
    np.testing.assert_array_equal(agg.descendants, np.arange(n - 1, -1, -1))


def test_crv_worked_example_from_the_papers_definition():
    # Kumar, Petersen & Leone (2007 HBR; 2010 J. Marketing 74(5), eq. 2): referees who would not
    # have joined without the referral bring their discounted margin; referees who would have
    # joined anyway bring only the acquisition cost saved.
    # Customer with 4 referees; incrementality 25% -> 1 incremental referee, 3 who would have
    # joined anyway. Margin 10 per period, horizon 3 periods, discount rate 10%, ACQ 30.
    #   incremental: 1 * (10/1.1 + 10/1.1**2 + 10/1.1**3) = 9.0909 + 8.2645 + 7.5131 = 24.8685
    #   anyway:      3 * 30/1.1                                                   = 81.8182
    #   CRV = 106.6867
    crv = customer_referral_value(
        [4, 0], 10.0, 30.0, incrementality=0.25, horizon=3, discount_rate=0.10
    )
    assert crv[0] == pytest.approx(106.6867, abs=1e-4)
    assert crv[1] == 0.0
    # per-user margins and costs
    crv2 = customer_referral_value([2, 2], [10.0, 0.0], [0.0, 30.0], incrementality=0.5, horizon=1)
    np.testing.assert_allclose(crv2, [2 * 0.5 * 10.0, 2 * 0.5 * 30.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"incrementality": 1.5}, "'incrementality' must be in"),
        ({"horizon": 0}, "'horizon' must be a whole number >= 1"),
        ({"discount_rate": -0.1}, "'discount_rate' must be >= 0"),
    ],
)
def test_crv_rejects_bad_parameters(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        customer_referral_value([1], 1.0, 1.0, **kwargs)


def test_crv_rejects_negative_referrals_naming_the_row():
    msg = r"'referrals' must be >= 0 \(got -1.0 at index 1\)"
    with pytest.raises(InvalidInputError, match=msg):
        customer_referral_value([1, -1], 1.0, 1.0)


def test_quadrant_labels_match_the_definition():
    rng = np.random.default_rng(3)
    clv, crv = rng.gamma(2, 10, 200), np.where(rng.random(200) < 0.6, 0.0, rng.gamma(2, 5, 200))
    labels = value_quadrant(clv, crv)
    hi_clv, hi_crv = clv > np.median(clv), crv > np.median(crv)
    expected = np.where(
        hi_clv,
        np.where(hi_crv, "champion", "affluent"),
        np.where(hi_crv, "advocate", "miser"),
    )
    np.testing.assert_array_equal(labels, expected)


def test_koc_window_counts_only_recent_orders():
    g = ReferralGraph.from_edges(["a"], ["b"])
    buyers = ["a", "a", "b"]
    at = ["2024-01-01", "2024-03-01", "2024-03-02"]
    t_all = g.koc_scores(buyers, [1.0, 1.0, 1.0], at)
    t_win = g.koc_scores(buyers, [1.0, 1.0, 1.0], at, window_days=30)
    assert t_all["is_koc"].tolist() == [True, False]
    assert t_win["is_koc"].tolist() == [False, False]  # only one order of 'a' in the window
    assert t_win["potential_koc"].tolist() == [True, False]  # one-time buyer, converted share
    with pytest.raises(InvalidInputError, match="'window_days' needs the order times"):
        g.koc_scores(buyers, [1.0, 1.0, 1.0], window_days=30)


def test_potential_koc_follows_the_closeness_definition():
    # repeat buyer whose referee did not buy; one-time buyer with a converted share;
    # repeat buyer who never shared; sharer who never bought
    g = ReferralGraph.from_edges(["rep", "one", "shr"], ["x", "y", "z"], users=["lone"])
    buyers = ["rep", "rep", "one", "y", "lone", "lone", "z"]
    t = g.koc_scores(buyers, np.ones(len(buyers)))
    got = dict(zip(t["user"].tolist(), t["closeness"].tolist(), strict=True))
    assert got["rep"] == (1.0 + 0.25) / 2
    assert got["one"] == (0.5 + 1.0) / 2
    assert got["lone"] == 0.5
    assert got["shr"] == 0.5
    pot = set(t["user"][t["potential_koc"]].tolist())
    assert pot == {"rep", "one"}
    assert not t["is_koc"].any()
    assert t.potential(1)["user"].tolist() == ["one"]


def test_koc_scores_accepts_a_dataframe_and_rejects_negative_values():
    pd = pytest.importorskip("pandas")
    g = ReferralGraph.from_edges(pd.DataFrame({"referrer": [1, 1], "referee": [2, 3]}))
    orders = pd.DataFrame({"user": [1, 2, 9], "value": [5.0, 7.0, 1.0]})
    t = g.koc_scores(orders)
    assert t["referred_value"].tolist() == [7.0, 0.0, 0.0]
    assert t.n_organic_orders == 1
    assert list(t.to_pandas().columns)[:3] == ["user", "orders", "own_value"]
    assert "<table>" in t._repr_html_()
    with pytest.raises(InvalidInputError, match=r"'values' must be >= 0 \(got -3.0 at index 2\)"):
        g.koc_scores([1, 2, 3], [1.0, 2.0, -3.0])
    with pytest.raises(InvalidInputError, match=r"'users' must not be missing .* at index 1"):
        g.koc_scores([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="'users' must be the same kind of id"):
        g.koc_scores(["a"], [1.0])
    with pytest.raises(
        InvalidInputError,
        match=r"^'values' is required unless 'users' is a DataFrame with 'user' and 'value' "
        r"columns$",
    ):
        g.koc_scores([1, 2])
    with pytest.raises(
        InvalidInputError, match=r"^the orders DataFrame must have a 'value' column$"
    ):
        g.koc_scores(orders.drop(columns="value"))


def test_leaderboard_orders_kocs_by_score():
    g = ReferralGraph.from_edges([1, 2, 3], [4, 5, 6])
    buyers = [1, 1, 4, 2, 2, 5, 3, 6]
    values = [1.0, 1.0, 1.0, 5.0, 5.0, 1.0, 9.0, 9.0]
    t = g.koc_scores(buyers, values)
    board = t.leaderboard()
    assert board["user"].tolist() == [2, 1]  # 3 bought only once
    assert np.all(np.diff(board["score"]) <= 0)
    assert t.to_records()["descendants"].tolist() == t["descendants"].tolist()
    with pytest.raises(KeyError, match="no column 'nope'"):
        t["nope"]
