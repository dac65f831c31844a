"""privtraffic.segments: RFM scoring, the standard segment map and tag rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.errors import InvalidDefinitionError, InvalidInputError
from privtraffic.segments import (
    STANDARD_RFM_MAP,
    Condition,
    RFMScores,
    RFMSegmentMap,
    TagRule,
    TagSet,
    rfm_scores,
)
from support import examples


def _brute_quantile_score(x, bins, higher_is_better):
    # Share of customers strictly worse, one customer at a time.
    n = len(x)
    out = []
    for xi in x:
        worse = sum(1 for xj in x if (xj < xi if higher_is_better else xj > xi))
        out.append(1 + (bins * worse) // n)
    return out


@examples(60)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 6), st.sampled_from([0.0, 10.0, 55.5, 200.0])),
        min_size=1,
        max_size=40,
    ),
    st.integers(2, 6),
    st.randoms(use_true_random=False),
)
def test_quantile_scores_brute_force_and_ties_deterministic(rows, bins, random):
    r, f, m = (list(c) for c in zip(*rows, strict=True))
    s = rfm_scores(r, f, m, bins=bins)
    assert s.r_score.tolist() == _brute_quantile_score(r, bins, False)
    assert s.f_score.tolist() == _brute_quantile_score(f, bins, True)
    assert s.m_score.tolist() == _brute_quantile_score(m, bins, True)
    # equal values get equal scores whatever their order: shuffle and compare per customer
    perm = list(range(len(rows)))
    random.shuffle(perm)
    t = rfm_scores([r[i] for i in perm], [f[i] for i in perm], [m[i] for i in perm], bins=bins)
    assert t.f_score.tolist() == s.f_score[perm].tolist()
    assert t.r_score.tolist() == s.r_score[perm].tolist()
    assert s.r_score.min() >= 1 and s.r_score.max() <= bins


def test_quantile_scores_are_equal_sized_without_ties():
    rng = np.random.default_rng(0)
    s = rfm_scores(rng.permutation(1000), rng.permutation(1000), rng.permutation(1000), bins=5)
    assert np.bincount(s.f_score)[1:].tolist() == [200] * 5
    assert np.bincount(s.r_score)[1:].tolist() == [200] * 5


def test_fixed_bins_hand_cases():
    edges = {
        "recency": [7, 30, 90, 180],
        "frequency": [2, 3, 5, 10],
        "monetary": [50, 100, 500, 1000],
    }
    s = rfm_scores(
        [0, 7, 8, 30, 31, 180, 181],
        [1, 2, 3, 4, 5, 10, 11],
        [0, 50, 99.99, 100, 999, 1000, 5],
        method="fixed",
        edges=edges,
    )
    assert s.r_score.tolist() == [5, 5, 4, 4, 3, 2, 1]  # within 7 days -> 5, over 180 -> 1
    assert s.f_score.tolist() == [1, 2, 3, 3, 4, 5, 5]  # on an edge goes up
    assert s.m_score.tolist() == [1, 2, 2, 3, 4, 5, 1]
    assert s.codes().tolist()[0] == "511"


# Hand-built grid of the standard map (R score rows 1..5, F score columns 1..5).
HAND = {
    (1, 1): "hibernating",
    (1, 2): "hibernating",
    (2, 1): "hibernating",
    (2, 2): "hibernating",
    (1, 3): "at_risk",
    (1, 4): "at_risk",
    (2, 3): "at_risk",
    (2, 4): "at_risk",
    (1, 5): "cant_lose",
    (2, 5): "cant_lose",
    (3, 1): "about_to_sleep",
    (3, 2): "about_to_sleep",
    (3, 3): "need_attention",
    (3, 4): "loyal",
    (3, 5): "loyal",
    (4, 4): "loyal",
    (4, 5): "loyal",
    (4, 1): "promising",
    (5, 1): "new",
    (4, 2): "potential_loyalists",
    (4, 3): "potential_loyalists",
    (5, 2): "potential_loyalists",
    (5, 3): "potential_loyalists",
    (5, 4): "champions",
    (5, 5): "champions",
}


def test_standard_map_against_hand_built_grid():
    assert len(HAND) == 25
    cells = sorted(HAND)
    r = np.array([c[0] for c in cells], dtype=np.int8)
    f = np.array([c[1] for c in cells], dtype=np.int8)
    scores = RFMScores(r_score=r, f_score=f, m_score=f, fm_score=f, bins=5)
    assert STANDARD_RFM_MAP.assign(scores).tolist() == [HAND[c] for c in cells]
    assert len(STANDARD_RFM_MAP.segments) == 10
    assert STANDARD_RFM_MAP.segments[0] == "champions"


def test_segment_map_end_to_end_from_raw_data():
    edges = {"recency": [14, 30, 90, 180], "frequency": [2, 3, 5, 8], "monetary": [1, 2, 3, 4]}
    s = rfm_scores(
        [3, 3, 200, 200, 60], [9, 1, 9, 1, 3], [5, 5, 5, 5, 5], method="fixed", edges=edges
    )
    assert STANDARD_RFM_MAP.assign(s).tolist() == [
        "champions",
        "new",
        "cant_lose",
        "hibernating",
        "need_attention",
    ]


def test_segment_map_definition_errors():
    with pytest.raises(InvalidDefinitionError, match=r"cell \(r=2, f=2\) is claimed by both"):
        RFMSegmentMap.from_rules({"a": ((1, 2), (1, 2)), "b": ((2, 2), (2, 2))}, bins=2)
    with pytest.raises(InvalidDefinitionError, match=r"cell \(r=2, f=1\) has no segment"):
        RFMSegmentMap.from_rules({"a": ((1, 1), (1, 2)), "b": ((2, 2), (2, 2))}, bins=2)
    with pytest.raises(InvalidDefinitionError, match=r"r range must satisfy 1 <= low <= high <= 2"):
        RFMSegmentMap.from_rules({"a": ((0, 2), (1, 2))}, bins=2)
    with pytest.raises(InvalidDefinitionError, match="must be square"):
        RFMSegmentMap(grid=[["a", "b"], ["c"]])
    with pytest.raises(InvalidInputError, match="must have 5 levels"):
        STANDARD_RFM_MAP.assign(rfm_scores([1, 2], [1, 2], [1, 2], bins=3))


def test_rfm_bad_input():
    with pytest.raises(InvalidInputError, match=r"'monetary' must be >= 0 \(got -5.0 at index 1\)"):
        rfm_scores([1, 2], [1, 2], [3, -5])
    with pytest.raises(InvalidInputError, match="'recency' must not be empty"):
        rfm_scores([], [], [])
    with pytest.raises(InvalidInputError, match="'frequency' must have the same length"):
        rfm_scores([1, 2], [1], [1, 2])
    with pytest.raises(InvalidInputError, match=r"'bins' must be an integer in 2..9"):
        rfm_scores([1], [1], [1], bins=1)
    with pytest.raises(InvalidInputError, match="'method' must be"):
        rfm_scores([1], [1], [1], method="kmeans")
    with pytest.raises(
        InvalidInputError, match=r"'edges\['frequency'\]' must be strictly increasing"
    ):
        rfm_scores(
            [1],
            [1],
            [1],
            bins=3,
            method="fixed",
            edges={"recency": [1, 2], "frequency": [3, 3], "monetary": [1, 2]},
        )
    with pytest.raises(InvalidInputError, match="must have bins - 1 = 2 edges"):
        rfm_scores(
            [1],
            [1],
            [1],
            bins=3,
            method="fixed",
            edges={"recency": [1], "frequency": [3, 4], "monetary": [1, 2]},
        )


# --- tags ---------------------------------------------------------------------------------


@examples(50)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 400), st.integers(0, 10), st.sampled_from(["wecom", "group", "app"])
        ),
        min_size=1,
        max_size=30,
    )
)
def test_tags_match_python_evaluation(rows):
    days, freq, channel = (np.array(c) for c in zip(*rows, strict=True))
    tags = TagSet(
        [
            TagRule("lapsed_regular", ["days_since_last > 90", "frequency >= 3"]),
            TagRule(
                "fresh_or_group", ["days_since_last <= 7", "channel == 'group'"], combine="any"
            ),
            TagRule("owned_app", ["channel in ['app', 'wecom']"]),
        ]
    )
    t = tags.evaluate({"days_since_last": days, "frequency": freq, "channel": channel})
    for i, (d, f, c) in enumerate(rows):
        expected = []
        if d > 90 and f >= 3:
            expected.append("lapsed_regular")
        if d <= 7 or c == "group":
            expected.append("fresh_or_group")
        if c in ("app", "wecom"):
            expected.append("owned_app")
        assert t.tags_of(i) == expected
        assert [line.split(":")[0] for line in t.explain(i)] == expected


def test_tag_explanations_name_conditions_and_values():
    rule = TagRule("at_risk_vip", ["monetary >= 1000", "days_since_last > 60"])
    t = TagSet([rule]).evaluate({"monetary": [1500.0, 90.0], "days_since_last": [75, 75]})
    assert t.explain(0) == [
        "at_risk_vip: monetary >= 1000 (monetary = 1500.0); "
        "days_since_last > 60 (days_since_last = 75)"
    ]
    assert t.explain(1) == []
    assert t.counts() == {"at_risk_vip": 1}
    assert t.to_pandas()["at_risk_vip"].tolist() == [True, False]


def test_tag_definition_and_input_errors():
    with pytest.raises(
        InvalidDefinitionError, match=r"condition .monetary >> 5.: the value must be"
    ):
        Condition.parse("monetary >> 5")
    with pytest.raises(InvalidDefinitionError, match="'op' must be one of"):
        Condition("monetary", "~", 5)
    with pytest.raises(InvalidDefinitionError, match="tag 'vip' is defined twice"):
        TagSet([TagRule("vip", "monetary > 1"), TagRule("vip", "frequency > 1")])
    with pytest.raises(InvalidDefinitionError, match="at least one condition"):
        TagRule("empty", [])
    with pytest.raises(InvalidDefinitionError, match="'combine' must be 'all' or 'any'"):
        TagRule("x", "monetary > 1", combine="most")
    tags = TagSet({"vip": ["monetary >= 1000"], "loyal": ["frequency >= 5"]})
    with pytest.raises(InvalidInputError, match="'features' must have a column 'frequency'"):
        tags.evaluate({"monetary": [1, 2]})
    with pytest.raises(InvalidInputError, match="feature 'frequency' must have the same length"):
        tags.evaluate({"monetary": [1, 2], "frequency": [1]})
