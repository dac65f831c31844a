"""Keywords renamed in the vocabulary pass keep working for one release, with a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from privtraffic.referral import (
    ReferralGraph,
    downline_aggregates,
    fraud_flags,
    koc_scores,
    network_value,
)

GRAPH = ReferralGraph.from_edges(["a", "a", "b"], ["b", "c", "d"], [f"2024-01-0{d}" for d in "123"])
USERS = ["a", "a", "b", "d", "zed"]
VALUES = [3.0, 4.0, 5.0, 6.0, 7.0]
AT = ["2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04", "2024-02-05"]


def _same(t1, t2):
    assert t1.to_dict() == t2.to_dict()
    assert t1.metadata() == t2.metadata()


def test_koc_scores_buyers_keyword_warns_and_gives_the_same_table():
    new = koc_scores(GRAPH, USERS, VALUES, AT, decay=0.25)
    with pytest.warns(DeprecationWarning, match=r"'buyers' is deprecated .* use 'users'") as rec:
        old = koc_scores(GRAPH, buyers=USERS, values=VALUES, at=AT, decay=0.25)
    _same(new, old)
    assert rec[0].filename == __file__  # the warning points at the caller's line
    with pytest.warns(DeprecationWarning, match="'buyers'") as rec:
        old = GRAPH.koc_scores(buyers=USERS, values=VALUES, at=AT, decay=0.25)
    _same(new, old)
    assert rec[0].filename == __file__
    with pytest.raises(TypeError, match="got both 'buyers' \\(deprecated\\) and 'users'"):
        koc_scores(GRAPH, users=USERS, buyers=USERS, values=VALUES)


def test_the_new_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        koc_scores(GRAPH, users=USERS, values=VALUES)
        GRAPH.koc_scores(users=USERS, values=VALUES)
        fraud_flags(GRAPH, users=USERS, at=AT)
        downline_aggregates(GRAPH, values=np.ones(4))
        network_value(GRAPH, values=np.ones(4))


def test_fraud_flags_buyers_keyword_warns_and_gives_the_same_flags():
    g = ReferralGraph.from_edges(["r", "r", "r"], ["x", "y", "z"])
    users, devices = ["x", "y", "z"], ["d1", "d1", "d1"]
    new = fraud_flags(g, users, devices=devices)
    with pytest.warns(DeprecationWarning, match="fraud_flags\\(\\): the keyword 'buyers'") as rec:
        old = fraud_flags(g, buyers=users, devices=devices)
    assert new.to_dict() == old.to_dict() and new.checked == old.checked
    assert rec[0].filename == __file__
    assert len(new) == 4


def test_value_keyword_of_the_per_user_scores_warns_and_gives_the_same_result():
    v = np.array([0.0, 1.0, 2.0, 4.0])
    with pytest.warns(DeprecationWarning, match="'value' is deprecated .* use 'values'"):
        old = downline_aggregates(GRAPH, value=v)
    assert old.to_dict() == downline_aggregates(GRAPH, v).to_dict()
    with pytest.warns(DeprecationWarning, match="network_value\\(\\): the keyword 'value'"):
        old_nv = network_value(GRAPH, value=v, decay=0.5)
    np.testing.assert_array_equal(old_nv, network_value(GRAPH, v, decay=0.5))


def test_orders_dataframe_buyer_column_warns_and_gives_the_same_table():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"user": USERS, "value": VALUES, "at": pd.to_datetime(AT)})
    new = GRAPH.koc_scores(frame)
    with pytest.warns(
        DeprecationWarning, match="column 'buyer' is deprecated .* name it 'user'"
    ) as rec:
        old = GRAPH.koc_scores(frame.rename(columns={"user": "buyer"}))
    _same(new, old)
    assert rec[0].filename == __file__
