"""The membership lifecycle: recruited → activated → repurchasing → fission, with lapse."""

from __future__ import annotations

from privtraffic.lifecycle.conditions import count
from privtraffic.lifecycle.machine import Machine, Tier

__all__ = ["membership_lifecycle"]


def membership_lifecycle(window_days: float = 90) -> Machine:
    """The lifecycle of a member, from recruitment to bringing in others.

    Tiers, shallow to deep, with the window ``(t - window_days, t]``:

    * ``recruited`` — joined (any event: ``join`` and the rest);
    * ``lapsed`` — bought at some time, but not in the window;
    * ``activated`` — one purchase in the window (the first purchase activates);
    * ``repurchasing`` — two or more purchases in the window;
    * ``fission`` — bought in the window and referred others in it (``referral_join`` or
      ``referral_purchase``: someone this member brought in joined or bought).

    ``lapsed`` sits between ``recruited`` and ``activated`` because a lapsed member has bought
    before — a deeper relationship than one who never bought — and a new purchase re-activates.

    Parameters
    ----------
    window_days : float
        The activity window (default 90 days).

    Returns
    -------
    Machine

    Notes
    -----
    The four stages are the membership-operation funnel of private-domain practice (member
    recruitment, first-purchase activation, repurchase, fission/referral growth).

    References
    ----------
    .. [1] privtraffic issue 3, "Relationship-tier state machines", preset 3.

    Examples
    --------
    >>> m = membership_lifecycle(window_days=30)
    >>> m.replay(["join", "purchase"], ["2024-01-01", "2024-01-02"], as_of="2024-03-01").tier
    'lapsed'
    """
    purchases = count("purchase", window_days=window_days)
    return Machine(
        "membership_lifecycle",
        kinds=("join", "purchase", "referral_join", "referral_purchase"),
        tier_rules=[
            Tier("recruited", description="joined the membership"),
            Tier("lapsed", when=count("purchase") >= 1, description="bought before, not lately"),
            Tier("activated", when=purchases >= 1, description="a purchase in the window"),
            Tier("repurchasing", when=purchases >= 2, description="two or more purchases"),
            Tier(
                "fission",
                when=(purchases >= 1)
                & (count("referral_join", "referral_purchase", window_days=window_days) >= 1),
                description="buying and bringing in others",
            ),
        ],
        description=f"membership lifecycle with a {window_days:g}-day window",
    )
