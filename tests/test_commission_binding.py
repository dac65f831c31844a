"""Customer binding modes against a brute-force replay of the rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.commission import CommissionPlan, resolve_sharers
from privtraffic.errors import InvalidInputError
from support import examples


def brute_force(mode, days, buyers, links, at):
    """The rules written out order by order, in time order (ties in input order)."""
    out = [None] * len(buyers)
    bound = {}
    for i in sorted(range(len(buyers)), key=lambda i: (at[i], i)):
        b, link, t = buyers[i], links[i], at[i]
        cur = bound.get(b)
        if mode == "first_wins":
            if cur is None and link is not None:
                cur = (link, None)
        elif mode == "rebind":
            if link is not None:
                cur = (link, None)
        else:
            if cur is not None and t >= cur[1]:
                cur = None
            if cur is None and link is not None:
                cur = (link, t + days)
        if cur is None:
            bound.pop(b, None)
        else:
            bound[b] = cur
            out[i] = cur[0]
    return out


@examples(60)
@given(
    mode=st.sampled_from(["first_wins", "rebind", "expires"]),
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.none() | st.integers(10, 13), st.integers(0, 40)),
        min_size=1,
        max_size=25,
    ),
)
def test_binding_matches_the_rules_order_by_order(mode, rows):
    days = 7
    plan = CommissionPlan(
        level_rates=("0.1",), binding=mode, binding_days=days if mode == "expires" else None
    )
    buyers, links, offsets = (list(c) for c in zip(*rows, strict=True))
    at = np.datetime64("2024-05-01") + np.array(offsets).astype("timedelta64[D]")
    sharer, credited = resolve_sharers(plan, buyers, links, at)
    got = [s if c else None for s, c in zip(sharer.tolist(), credited.tolist(), strict=True)]
    expected = brute_force(
        mode, np.timedelta64(days, "D"), buyers, links, [np.datetime64(t, "s") for t in at]
    )
    assert got == expected


def test_rebind_follows_the_latest_link():
    plan = CommissionPlan(level_rates=("0.1",), binding="rebind")
    sharer, credited = resolve_sharers(
        plan, ["u", "u", "u", "v"], [None, "a", "b", None], ["2024-01-01", "2024-01-02",
                                                          "2024-01-03", "2024-01-01"]
    )  # fmt: skip
    assert credited.tolist() == [False, True, True, False]
    assert sharer[1:3].tolist() == ["a", "b"]


def test_bad_binding_input():
    plan = CommissionPlan(level_rates=("0.1",))
    with pytest.raises(InvalidInputError, match="'links' must have the same length"):
        resolve_sharers(plan, ["u", "v"], ["a"], ["2024-01-01", "2024-01-02"])
    with pytest.raises(InvalidInputError, match="'at' must be timestamps"):
        resolve_sharers(plan, ["u"], ["a"], ["soon"])
