"""Merchant operating level 0/1/2: promoted at once, demoted only at the 1st/16th refresh."""

from __future__ import annotations

from privtraffic.lifecycle.conditions import AllOf, count, distinct_days
from privtraffic.lifecycle.machine import Machine, Tier

__all__ = ["merchant_level"]


def merchant_level(
    window_days: int = 30,
    level_1: tuple[int, int, float] = (7, 50, 0.05),
    level_2: tuple[int, int, float] = (20, 300, 0.10),
    refresh_days: tuple[int, ...] = (1, 16),
) -> Machine:
    """A merchant's operating level from its member-coupon metrics.

    Each level needs, over the last ``window_days`` days: a number of days with the member
    coupon online (``coupon_online`` events, counted as distinct calendar days), a number of
    coupons claimed (``coupon_claim``) and a redemption rate (``coupon_redeem`` /
    ``coupon_claim``). Promotion takes effect as soon as the thresholds are met; demotion only
    at the scheduled refreshes, 00:00 on the 1st and the 16th of each month.

    Parameters
    ----------
    window_days : int
        The metrics window in calendar days (default 30).
    level_1, level_2 : tuple of (int, int, float)
        ``(days online, coupons claimed, redemption rate)`` each level needs. The defaults are
        illustrative; programs publish their own.
    refresh_days : tuple of int
        Days of the month on which demotion happens.

    Returns
    -------
    Machine
        Tiers ``level_0``, ``level_1``, ``level_2``.

    Notes
    -----
    Modelled on the merchant grading of WeChat-ecosystem coupon programs (industry practice):
    metric thresholds per level, immediate upgrade, downgrade at the twice-monthly refresh.

    References
    ----------
    .. [1] privtraffic issue 3, "Relationship-tier state machines", preset 4.

    Examples
    --------
    >>> m = merchant_level(level_1=(1, 2, 0.5), level_2=(2, 4, 0.5))
    >>> r = m.replay(["coupon_online", "coupon_claim", "coupon_claim", "coupon_redeem"],
    ...              ["2024-03-05", "2024-03-05T10:00", "2024-03-05T11:00", "2024-03-05T12:00"],
    ...              as_of="2024-04-20")
    >>> [(str(t.at)[:10], t.to_tier, t.why) for t in r.transitions]
    [('2024-03-05', 'level_0', 'coupon_online'), ('2024-03-05', 'level_1', 'coupon_redeem'),
     ('2024-04-16', 'level_0', 'refresh')]
    """

    def level(days: int, claims: int, rate: float) -> AllOf:
        online = distinct_days("coupon_online", window_days=window_days)
        claimed = count("coupon_claim", window_days=window_days)
        redeemed = count("coupon_redeem", window_days=window_days)
        return (online >= days) & (claimed >= claims) & (redeemed / claimed >= rate)

    return Machine(
        "merchant_level",
        kinds=("coupon_online", "coupon_claim", "coupon_redeem"),
        tier_rules=[
            Tier("level_0", description="below the level-1 thresholds"),
            Tier("level_1", when=level(*level_1), description="level-1 thresholds met"),
            Tier("level_2", when=level(*level_2), description="level-2 thresholds met"),
        ],
        refresh_days=refresh_days,
        description="merchant operating level; demotion at refreshes",
    )
