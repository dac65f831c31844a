"""Scenario tests for every preset rule, written from the definitions in issue 3.

Each scenario is checked through both roads (``replay`` for one user and ``classify`` for the
population) so a rule that only one of them honours fails here too.
"""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.errors import InvalidDefinitionError
from privtraffic.lifecycle import (
    aipl,
    distribution_rights,
    distributor_qualification,
    membership_lifecycle,
    merchant_level,
    relationship_ladder,
)

DAY = np.timedelta64(1, "D")
SEC = np.timedelta64(1, "s")
T0 = np.datetime64("2024-03-01T09:00:00", "s")


def tier(machine, events, as_of, values=None):
    """The tier by replay, checked against classify."""
    kinds = [k for k, _ in events]
    ats = np.array([a for _, a in events], dtype="datetime64[s]")
    by_replay = machine.replay(kinds, ats, values, as_of=as_of).tier
    table = machine.classify(["u"] * len(kinds), kinds, ats, values, as_of=as_of)
    assert table.tiers[0] == by_replay
    return by_replay


# --- relationship ladder ------------------------------------------------------------------


class TestLadder:
    m = relationship_ladder(window_days=90)

    def test_tiers(self):
        assert self.m.tiers == ("basic", "member", "buyer", "repeat_buyer", "koc")

    def test_connected_is_basic(self):
        assert tier(self.m, [("connect", T0)], T0 + DAY) == "basic"

    def test_joined_is_member_for_good(self):
        assert tier(self.m, [("connect", T0), ("join", T0 + DAY)], T0 + 400 * DAY) == "member"

    def test_active_is_member_only_within_the_window(self):
        events = [("connect", T0), ("interact", T0 + DAY)]
        assert tier(self.m, events, T0 + 90 * DAY) == "member"
        assert tier(self.m, events, T0 + 91 * DAY) == "basic"

    def test_one_purchase_is_buyer_two_repeat(self):
        events = [("connect", T0), ("purchase", T0 + DAY)]
        assert tier(self.m, events, T0 + 2 * DAY) == "buyer"
        events.append(("purchase", T0 + 30 * DAY))
        assert tier(self.m, events, T0 + 31 * DAY) == "repeat_buyer"

    @pytest.mark.parametrize("propagation", ["review", "referral_purchase"])
    def test_repeat_buyer_who_propagates_is_koc(self, propagation):
        events = [("purchase", T0), ("purchase", T0 + DAY), (propagation, T0 + 2 * DAY)]
        assert tier(self.m, events, T0 + 3 * DAY) == "koc"

    def test_propagation_without_repeat_purchase_is_not_koc(self):
        events = [("purchase", T0), ("review", T0 + DAY), ("referral_purchase", T0 + DAY)]
        assert tier(self.m, events, T0 + 3 * DAY) == "buyer"

    def test_koc_falls_back_when_propagation_leaves_the_window(self):
        events = [("review", T0), ("purchase", T0 + 50 * DAY), ("purchase", T0 + 60 * DAY)]
        assert tier(self.m, events, T0 + 89 * DAY) == "koc"
        assert tier(self.m, events, T0 + 90 * DAY) == "repeat_buyer"  # review at the boundary

    def test_lapsed_buyer_is_member(self):
        events = [("connect", T0), ("purchase", T0 + DAY)]
        assert tier(self.m, events, T0 + DAY + 90 * DAY - SEC) == "buyer"
        assert tier(self.m, events, T0 + DAY + 90 * DAY) == "member"

    def test_window_length_is_configurable(self):
        m = relationship_ladder(window_days=30)
        assert tier(m, [("purchase", T0)], T0 + 30 * DAY) == "member"
        assert tier(m, [("purchase", T0)], T0 + 30 * DAY - SEC) == "buyer"


# --- AIPL ----------------------------------------------------------------------------------


class TestAIPL:
    m = aipl(awareness_days=15, interest_days=15, purchase_days=90, loyalty_days=365)

    def test_awareness_from_reach_or_category_search(self):
        assert tier(self.m, [("ad_impression", T0)], T0 + DAY) == "awareness"
        assert tier(self.m, [("category_search", T0)], T0 + 15 * DAY - SEC) == "awareness"
        assert tier(self.m, [("category_search", T0)], T0 + 15 * DAY) is None  # lost

    @pytest.mark.parametrize(
        "kind",
        ["click", "view", "interact", "brand_search", "trial", "follow", "add_to_cart", "favorite"],
    )
    def test_interest_behaviours(self, kind):
        assert tier(self.m, [("ad_impression", T0), (kind, T0 + DAY)], T0 + 2 * DAY) == "interest"

    def test_each_stage_has_its_own_window(self):
        events = [("view", T0), ("purchase", T0 + DAY)]
        assert tier(self.m, events, T0 + 20 * DAY) == "purchase"
        assert tier(self.m, events, T0 + DAY + 90 * DAY) is None

    def test_loyalty_by_repurchase_review_or_share(self):
        assert tier(self.m, [("purchase", T0), ("purchase", T0 + 200 * DAY)], T0 + 201 * DAY) == (
            "loyalty"
        )
        assert tier(self.m, [("purchase", T0), ("review", T0 + DAY)], T0 + 2 * DAY) == "loyalty"
        assert tier(self.m, [("purchase", T0), ("share", T0 + DAY)], T0 + 2 * DAY) == "loyalty"
        assert tier(self.m, [("share", T0)], T0 + DAY) is None  # a share alone is no stage


# --- membership lifecycle ---------------------------------------------------------------------


class TestMembership:
    m = membership_lifecycle(window_days=60)

    def test_recruited_then_activated_then_repurchasing(self):
        events = [("join", T0)]
        assert tier(self.m, events, T0) == "recruited"
        events.append(("purchase", T0 + DAY))
        assert tier(self.m, events, T0 + DAY) == "activated"
        events.append(("purchase", T0 + 10 * DAY))
        assert tier(self.m, events, T0 + 10 * DAY) == "repurchasing"

    @pytest.mark.parametrize("referral", ["referral_join", "referral_purchase"])
    def test_fission_needs_a_purchase_and_a_referral_in_the_window(self, referral):
        events = [("join", T0), ("purchase", T0 + DAY), (referral, T0 + 2 * DAY)]
        assert tier(self.m, events, T0 + 3 * DAY) == "fission"
        assert tier(self.m, [("join", T0), (referral, T0 + DAY)], T0 + 2 * DAY) == "recruited"

    def test_lapse_and_reactivation(self):
        events = [("join", T0), ("purchase", T0 + DAY)]
        assert tier(self.m, events, T0 + 61 * DAY) == "lapsed"
        events.append(("purchase", T0 + 100 * DAY))
        assert tier(self.m, events, T0 + 100 * DAY) == "activated"


# --- merchant operating level -------------------------------------------------------------


def merchant_events(day0, days_online, claims, redeems):
    """Coupon metrics: one online event per day, claims and redemptions spread over hours."""
    ev = [("coupon_online", day0 + i * DAY) for i in range(days_online)]
    ev += [("coupon_claim", day0 + i * np.timedelta64(1, "m")) for i in range(claims)]
    ev += [("coupon_redeem", day0 + i * np.timedelta64(1, "m")) for i in range(redeems)]
    return ev


class TestMerchant:
    m = merchant_level(window_days=30, level_1=(3, 10, 0.2), level_2=(5, 20, 0.5))
    start = np.datetime64("2024-03-03T10:00:00", "s")

    def test_promotion_is_immediate(self):
        ev = merchant_events(self.start, 3, 10, 2)
        assert tier(self.m, ev, self.start + 2 * DAY) == "level_1"
        ev += merchant_events(self.start + 3 * DAY, 2, 10, 10)
        assert tier(self.m, ev, self.start + 4 * DAY) == "level_2"

    def test_redemption_rate_is_exact_at_the_threshold(self):
        ev = merchant_events(self.start, 3, 10, 2)  # 2 / 10 = 0.2 exactly
        assert tier(self.m, ev, self.start + 3 * DAY) == "level_1"
        ev = merchant_events(self.start, 3, 11, 2)  # 2 / 11 < 0.2
        assert tier(self.m, ev, self.start + 3 * DAY) == "level_0"

    def test_demotion_waits_for_the_refresh_on_the_1st_or_16th(self):
        # Metrics from 3 to 5 March; they leave the 30-day window on 2-4 April, but the level
        # holds until the refresh on 16 April at 00:00.
        ev = merchant_events(self.start, 3, 10, 2)
        assert tier(self.m, ev, np.datetime64("2024-04-01T00:00:00")) == "level_1"
        assert tier(self.m, ev, np.datetime64("2024-04-10T00:00:00")) == "level_1"
        assert tier(self.m, ev, np.datetime64("2024-04-15T23:59:59")) == "level_1"
        assert tier(self.m, ev, np.datetime64("2024-04-16T00:00:00")) == "level_0"
        r = self.m.replay(*zip(*ev, strict=True), as_of="2024-05-01")
        assert [(str(t.at), t.to_tier, t.cause) for t in r.transitions][-1] == (
            "2024-04-16T00:00:00",
            "level_0",
            "refresh",
        )

    def test_refresh_on_the_1st_demotes_only_as_far_as_the_metrics_fall(self):
        ev = merchant_events(self.start, 5, 20, 10)  # level 2 on 3-7 March
        ev += merchant_events(np.datetime64("2024-03-25T10:00:00"), 3, 10, 2)  # level-1 metrics
        # On 1 April the level-2 metrics have left the window: refresh demotes to level 1.
        assert tier(self.m, ev, np.datetime64("2024-03-31T23:59:59")) == "level_2"
        assert tier(self.m, ev, np.datetime64("2024-04-01T00:00:00")) == "level_1"

    def test_event_exactly_at_the_refresh_counts_at_the_refresh(self):
        refresh = np.datetime64("2024-04-16T00:00:00", "s")
        ev = merchant_events(self.start, 3, 10, 2)
        ev += [*merchant_events(refresh - 2 * DAY, 2, 0, 0), ("coupon_online", refresh)]
        ev += [("coupon_claim", refresh)]
        ev += [("coupon_claim", refresh + i * SEC) for i in range(1, 10)]
        ev += [("coupon_redeem", refresh + i * SEC) for i in range(1, 3)]
        # At the refresh instant: 3 online days, 1 claim in the window: level 0.
        assert tier(self.m, ev, refresh) == "level_0"
        # Ten seconds later the claims are in: promoted again at once.
        assert tier(self.m, ev, refresh + 10 * SEC) == "level_1"


# --- distributor qualification ------------------------------------------------------------


class TestDistributor:
    m = distributor_qualification(
        checkin_days=3, spend=500, window_days=30, gift_pack=199, fan_levels=(50, 200)
    )

    def test_incubated_kol_is_granted(self):
        assert tier(self.m, [("kol_grant", T0)], T0) == "distributor"

    def test_tasks_need_checkin_days_and_spend_in_the_window(self):
        ev = [("checkin", T0), ("checkin", T0 + 3600 * SEC), ("checkin", T0 + DAY)]
        ev += [("purchase", T0 + DAY)]
        values = [0, 0, 0, 600.0]
        # Two check-ins on the same day are one day: only 2 days.
        assert tier(self.m, ev, T0 + 2 * DAY, values) == "customer"
        ev2 = [*ev, ("checkin", T0 + 2 * DAY)]
        assert tier(self.m, ev2, T0 + 2 * DAY, [*values, 0]) == "distributor"
        low = [0, 0, 0, 499.99, 0]
        assert tier(self.m, ev2, T0 + 2 * DAY, low) == "customer"

    def test_task_days_outside_the_window_do_not_count(self):
        ev = [
            ("checkin", T0),
            ("checkin", T0 + 30 * DAY),
            ("checkin", T0 + 31 * DAY),
            ("purchase", T0 + 31 * DAY),
        ]
        assert tier(self.m, ev, T0 + 31 * DAY, [0, 0, 0, 500.0]) == "customer"

    def test_gift_pack_route(self):
        assert tier(self.m, [("gift_pack", T0)], T0, [299.0]) == "distributor"
        assert tier(self.m, [("gift_pack", T0)], T0, [199.0]) == "distributor"
        assert tier(self.m, [("gift_pack", T0)], T0, [99.0]) == "customer"

    def test_rights_are_kept_after_the_task_window(self):
        ev = [("checkin", T0 + i * DAY) for i in range(3)] + [("purchase", T0)]
        values = [0, 0, 0, 500.0]
        assert tier(self.m, ev, T0 + 300 * DAY, values) == "distributor"

    def test_fan_group_levels_follow_the_latest_size(self):
        ev = [("kol_grant", T0), ("fan_group_size", T0 + DAY), ("fan_group_size", T0 + 9 * DAY)]
        assert tier(self.m, ev, T0 + 2 * DAY, [0, 60.0, 250.0]) == "fan_level_1"
        assert tier(self.m, ev, T0 + 9 * DAY, [0, 60.0, 250.0]) == "fan_level_2"
        assert tier(self.m, ev, T0 + 9 * DAY, [0, 250.0, 10.0]) == "distributor"
        # A big fan group without rights gives no level.
        assert tier(self.m, ev[1:], T0 + 9 * DAY, [60.0, 250.0]) == "customer"

    def test_rights_as_plain_arrays(self):
        users = ["a", "b", "c"]
        t = self.m.classify(users, ["kol_grant", "checkin", "kol_grant"], [T0] * 3, as_of=T0)
        t2 = self.m.classify(
            [*users, "c"],
            ["kol_grant", "checkin", "kol_grant", "fan_group_size"],
            [T0] * 4,
            [0, 0, 0, 300.0],
            as_of=T0,
        )
        r = distribution_rights(t)
        assert r.users.tolist() == users
        assert r.has_rights.tolist() == [True, False, True]
        assert distribution_rights(t2).level.tolist() == [0, 0, 2]

    def test_bad_fan_levels(self):
        with pytest.raises(InvalidDefinitionError, match=r"'fan_levels' must be positive"):
            distributor_qualification(fan_levels=(100, 50))
