"""The forest passes (sort-free CSR children and level order, one pointer-jumping pass shared by
cycle breaking and depths) give what straightforward definitions give, cycles included."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.referral import ReferralGraph, downline_aggregates, influence
from privtraffic.referral.forest import children_csr, cyclic_users, depths, levels, reach
from support import examples


@st.composite
def forests(draw, max_n=40):
    """Parent pointers where each user's referrer joined earlier (an acyclic forest), in a
    random labelling."""
    n = draw(st.integers(1, max_n))
    earlier = [draw(st.integers(-1, i - 1)) for i in range(n)]
    perm = np.array(draw(st.permutations(range(n))))
    parent = np.full(n, -1, dtype=np.int64)
    for i, p in enumerate(earlier):
        if p >= 0:
            parent[perm[i]] = perm[p]
    return parent


def _depth_by_walking(parent):
    out = []
    for v in range(parent.size):
        d, u = 0, int(parent[v])
        while u >= 0:
            d, u = d + 1, int(parent[u])
        out.append(d)
    return out


@examples(150)
@given(forests())
def test_children_levels_and_depths_equal_their_definitions(parent):
    n = parent.size
    ptr, children = children_csr(parent)
    for v in range(n):
        assert children[ptr[v] : ptr[v + 1]].tolist() == np.flatnonzero(parent == v).tolist()
    d = depths(parent)
    assert d.tolist() == _depth_by_walking(parent)
    lv = levels(parent)
    # users by depth, then grouped by parent (by the parent's index), then by their own index
    keys = [(d[v], parent[v], v) for v in lv.order]
    roots = [k for k in keys if k[0] == 0]
    assert [k[2] for k in roots] == np.flatnonzero(parent < 0).tolist()
    assert keys[len(roots) :] == sorted(keys[len(roots) :])
    assert lv.level_ptr.tolist() == np.concatenate([[0], np.cumsum(np.bincount(d))]).tolist()


@examples(100)
@given(forests(), st.data())
def test_reach_finds_exactly_the_users_on_or_below_a_cycle(parent, data):
    n = parent.size
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(0, n - 1))
    cyclic = parent.copy()
    cyclic[a] = b  # may close a cycle through b's ancestors, or not
    stuck = []
    for v in range(n):
        seen, u = set(), v
        while u >= 0 and u not in seen:
            seen.add(u)
            u = int(cyclic[u])
        stuck.append(u >= 0)
    depth, settled = reach(cyclic)
    assert (~settled).tolist() == stuck
    assert cyclic_users(cyclic).tolist() == np.flatnonzero(stuck).tolist()
    walked = _depth_by_walking(np.where(np.array(stuck), -1, cyclic)) if not any(stuck) else None
    if walked is not None:
        assert depth.tolist() == walked


def test_a_long_chain_and_a_graph_built_from_a_shuffled_log():
    n = 5_000
    parent = np.arange(-1, n - 1, dtype=np.int64)  # one chain: 0 <- 1 <- 2 ...
    assert depths(parent).tolist() == list(range(n))
    rng = np.random.default_rng(5)
    par = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, 3_000)])
    child = np.flatnonzero(par >= 0)
    perm = rng.permutation(child.size)
    g = ReferralGraph.from_edges(par[child][perm], child[perm], users=np.arange(par.size))
    assert g.parent.tolist() == par.tolist()
    assert g.depth.tolist() == _depth_by_walking(par)
    ones = downline_aggregates(g, np.ones(par.size))
    sizes = np.zeros(par.size)
    for v in np.argsort(-g.depth, kind="stable"):
        if par[v] >= 0:
            sizes[par[v]] += sizes[v] + 1
    assert ones.descendants.tolist() == sizes.astype(int).tolist()
    assert ones.descendant_value.tolist() == sizes.tolist()
    assert np.allclose(influence(g, 0.5), 1 + 0.5 * downline_sum_reference(par, 0.5))


def downline_sum_reference(parent, decay):
    """sum over the downline of each user of decay ** (generations below - 1) * 1."""
    out = np.zeros(parent.size)
    order = np.argsort(-np.array(_depth_by_walking(parent)), kind="stable")
    for v in order:
        if parent[v] >= 0:
            out[parent[v]] += 1 + decay * out[v]
    return out
