"""privtraffic.funnel: funnel counts, variant comparison and split steps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from privtraffic.errors import InvalidDefinitionError, InvalidInputError
from privtraffic.funnel import (
    Funnel,
    FunnelResult,
    compare_proportions,
    compare_variants,
    end_to_end_rate,
    split_step,
)
from support import examples

STEPS = ("view", "add", "pay")


def _brute_depths(users, kinds, times, steps, window):
    """Furthest step per user: try every first-step event, then walk greedily (earliest next)."""
    per_user = defaultdict(list)
    for u, k, t in zip(users, kinds, times, strict=True):
        per_user[u].append((t, k))
    out = {}
    for u, evs in per_user.items():
        best = 0
        for t0, k0 in evs:
            if k0 != steps[0]:
                continue
            depth, now = 1, t0
            for step in steps[1:]:
                nxt = [t for t, k in evs if k == step and now <= t <= t0 + window]
                if not nxt:
                    break
                now = min(nxt)
                depth += 1
            best = max(best, depth)
        out[u] = best
    return out


events_strategy = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from(["view", "add", "pay", "other"]),
        st.integers(0, 20),
    ),
    min_size=1,
    max_size=60,
)


@examples(150)
@given(events_strategy, st.integers(1, 8))
def test_funnel_counts_match_brute_force(rows, window_seconds):
    users, kinds, secs = (list(c) for c in zip(*rows, strict=True))
    if "view" not in kinds:
        return
    times = np.datetime64("2025-01-01T00:00:00") + np.array(secs).astype("timedelta64[s]")
    funnel = Funnel(STEPS, window=dt.timedelta(seconds=window_seconds))
    result = funnel.analyze(users, kinds, times, allow_missing_steps=True)
    expected = _brute_depths(users, kinds, secs, STEPS, window_seconds)
    got = dict(zip(result.users.tolist(), result.depth.tolist(), strict=True))
    funnel_users = {u for u, k in zip(users, kinds, strict=True) if k in STEPS}
    assert got == {u: expected[u] for u in funnel_users}
    brute_reached = [sum(d >= j for d in got.values()) for j in (1, 2, 3)]
    assert result.n_reached.tolist() == brute_reached
    # the same log with string ids gives the same depths
    named = funnel.analyze([f"u{u}" for u in users], kinds, times, allow_missing_steps=True)
    assert dict(zip(named.users.tolist(), named.depth.tolist(), strict=True)) == {
        f"u{u}": d for u, d in got.items()
    }


def test_per_step_tables():
    r = Funnel(STEPS, window=1).analyze(
        users=["a", "a", "a", "b", "b", "c", "d"],
        kinds=["view", "add", "pay", "view", "add", "view", "add"],
        at=[0, 0.1, 0.2, 0, 2.0, 0.5, 0.1],  # b adds too late; d never viewed
    )
    assert r.n_reached.tolist() == [3, 1, 1]
    assert r.drop_off().tolist() == [0, 2, 0]
    assert r.conversion().tolist() == pytest.approx([1.0, 1 / 3, 1.0])
    assert r.overall().tolist() == pytest.approx([1.0, 1 / 3, 1 / 3])
    assert dict(zip(r.users.tolist(), r.depth.tolist(), strict=True)) == {
        "a": 3,
        "b": 1,
        "c": 1,
        "d": 0,
    }
    assert r.to_pandas()["reached"].tolist() == [3, 1, 1]


def test_result_is_a_table_of_steps():
    r = Funnel(STEPS, window=1).analyze(
        [1, 1, 2, 3], ["view", "add", "view", "pay"], [0, 0.1, 0, 0]
    )
    assert list(r.columns()) == ["step", "reached", "conversion", "overall", "drop_off"]
    assert len(r) == 3 and r["reached"].tolist() == [2, 1, 0]
    assert r.to_dict()["step"] == list(STEPS)
    assert r.to_pandas().shape == (3, 5)
    assert "<table" in r._repr_html_()
    with pytest.raises(KeyError, match="no column 'users'"):
        r["users"]


def test_old_keywords_warn_and_give_the_same_result():
    users, kinds, at = [1, 1, 1, 2], ["view", "add", "pay", "view"], [0, 0.1, 0.2, 0]
    f = Funnel(STEPS, window=1)
    new = f.analyze(users, kinds=kinds, at=at)
    with pytest.warns(DeprecationWarning) as caught:
        old = f.analyze(users, events=kinds, timestamps=at)
    assert [str(w.message).split(": ", 1)[1] for w in caught] == [
        "the keyword 'events' is deprecated and will be removed in the next release; use 'kinds'",
        "the keyword 'timestamps' is deprecated and will be removed in the next release; use 'at'",
    ]
    assert all(w.filename == __file__ for w in caught)  # points at the caller's line
    assert old.depth.tolist() == new.depth.tolist() and old.rows() == new.rows()
    with pytest.raises(TypeError, match="got both 'events' \\(deprecated\\) and 'kinds'"):
        f.analyze(users, kinds=kinds, events=kinds, at=at)


def test_later_entry_can_complete():
    # The first view is too early, the second starts a chain that completes in the window.
    r = Funnel(("view", "pay"), window=1).analyze([1, 1, 1], ["view", "view", "pay"], [0, 5, 5.5])
    assert r.depth.tolist() == [2]


def test_funnel_errors():
    with pytest.raises(InvalidDefinitionError, match=r"'window' must be > 0 \(got 0\)"):
        Funnel(STEPS, window=0)
    with pytest.raises(InvalidDefinitionError, match=r"'window' must be > 0"):
        Funnel(STEPS, window=dt.timedelta(days=-1))
    with pytest.raises(InvalidDefinitionError, match="'steps' must be distinct"):
        Funnel(("view", "view"), window=1)
    with pytest.raises(InvalidDefinitionError, match="at least 2 steps"):
        Funnel(("view",), window=1)
    f = Funnel(STEPS, window=1)
    with pytest.raises(InvalidInputError, match="'kinds' has no event of step 'pay' \\(step 2\\)"):
        f.analyze([1, 1], ["view", "add"], [0, 0])
    with pytest.raises(InvalidInputError, match="'users' must not be empty"):
        f.analyze([], [], [])
    with pytest.raises(InvalidInputError, match="'at' must have the same length"):
        f.analyze([1, 2], ["view", "pay"], [0])
    with pytest.raises(InvalidInputError, match=r"'at' must be timestamps .* at index 1"):
        f.analyze([1, 2], ["view", "pay"], ["2025-01-01", "soon"])
    r = f.analyze([1, 1, 1], ["view", "add", "pay"], [0, 0, 0])
    with pytest.raises(InvalidInputError, match="'step' must be one of the funnel's steps"):
        compare_variants(r, r, step="checkout")


# --- comparison ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ka", "na", "kb", "nb"), [(120, 1000, 150, 1000), (30, 50, 45, 60), (5, 400, 1, 300)]
)
def test_two_proportion_test_matches_scipy(ka, na, kb, nb):
    c = compare_proportions(ka, na, kb, nb)
    chi2, p, dof, _ = stats.chi2_contingency([[ka, na - ka], [kb, nb - kb]], correction=False)
    assert dof == 1
    assert c.z**2 == pytest.approx(chi2, rel=1e-10)
    assert c.p_value == pytest.approx(p, rel=1e-10)
    assert np.sign(c.z) == np.sign(kb / nb - ka / na)
    # Wilson interval, written out (Agresti 2013, eq. 1.15)
    z = stats.norm.ppf(0.975)
    for k, n, ci in ((ka, na, c.ci_a), (kb, nb, c.ci_b)):
        ph = k / n
        centre = (ph + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n))
        assert ci == pytest.approx((centre - half, centre + half), rel=1e-9)
    se = np.sqrt(ka / na * (1 - ka / na) / na + kb / nb * (1 - kb / nb) / nb)
    assert c.ci_difference == pytest.approx((c.difference - z * se, c.difference + z * se))


def test_compare_degenerate_and_errors():
    c = compare_proportions(0, 10, 0, 20)
    assert (c.z, c.p_value) == (0.0, 1.0)
    with pytest.raises(
        InvalidInputError, match=r"'successes_b' must be <= trials_b \(got 11 > 10\)"
    ):
        compare_proportions(1, 10, 11, 10)
    with pytest.raises(InvalidInputError, match=r"'trials_a' must be > 0"):
        compare_proportions(0, 0, 1, 10)
    with pytest.raises(InvalidInputError, match="'confidence' must be in"):
        compare_proportions(1, 10, 1, 10, confidence=1.5)
    with pytest.raises(InvalidInputError, match="'successes_a' must be a whole number"):
        compare_proportions(1.5, 10, 1, 10)


def test_compare_variants_uses_entrants_and_named_step():
    a = FunnelResult(steps=("connect", "join"), users=np.arange(4), depth=np.array([2, 1, 1, 0]))
    b = FunnelResult(
        steps=("connect", "guide", "join"), users=np.arange(4), depth=np.array([3, 3, 2, 1])
    )
    c = compare_variants(a, b, step="join")
    assert (c.successes_a, c.trials_a, c.successes_b, c.trials_b) == (1, 3, 2, 4)


def test_split_step_expected_rate():
    assert end_to_end_rate([0.6, 0.5]) == pytest.approx(0.3)
    assert split_step([0.6, 0.5], 0, [0.9, 0.85]) == pytest.approx(0.9 * 0.85 * 0.5)
    # equal sub-steps break even at sqrt(r)
    assert split_step([0.64], 0, [0.8, 0.8]) == pytest.approx(0.64)
    with pytest.raises(InvalidInputError, match=r"'into' must be <= 1 \(got 1.2 at index 1\)"):
        split_step([0.5], 0, [0.9, 1.2])
    with pytest.raises(InvalidInputError, match=r"'step' must be an index in 0..0"):
        split_step([0.5], 1, [0.9, 0.9])
