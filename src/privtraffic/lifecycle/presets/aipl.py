"""Alibaba's AIPL consumer-relationship stages: awareness → interest → purchase → loyalty."""

from __future__ import annotations

from privtraffic.lifecycle.conditions import count
from privtraffic.lifecycle.machine import Machine, Tier

__all__ = ["AWARENESS_KINDS", "INTEREST_KINDS", "LOYALTY_KINDS", "aipl"]

#: Events that make a consumer aware of the brand.
AWARENESS_KINDS = ("ad_impression", "category_search")
#: Events that show interest.
INTEREST_KINDS = (
    "click",
    "view",
    "interact",
    "brand_search",
    "trial",
    "follow",
    "add_to_cart",
    "favorite",
)
#: Events that, after a purchase, show loyalty (besides a repurchase).
LOYALTY_KINDS = ("review", "share")


def aipl(
    awareness_days: float = 15,
    interest_days: float = 15,
    purchase_days: float = 90,
    loyalty_days: float = 365,
) -> Machine:
    """The AIPL stages, each with its own recency window.

    * ``awareness`` — reached: an ad impression or a category search in the last
      ``awareness_days``;
    * ``interest`` — a click, store or detail view, interaction, brand search, trial,
      follow/subscribe/join, add-to-cart or favourite in the last ``interest_days``;
    * ``purchase`` — a purchase in the last ``purchase_days``;
    * ``loyalty`` — in the last ``loyalty_days``: a repurchase (two or more purchases), or a
      purchase followed by a review or a share.

    A consumer none of whose windows holds an event has no stage (``None``): lost.

    Parameters
    ----------
    awareness_days, interest_days, purchase_days, loyalty_days : float
        The recency window of each stage. The defaults are illustrative; brands set their own.

    Returns
    -------
    Machine

    Notes
    -----
    The stage definitions follow Alibaba's AIPL model as used in its brand data platform
    (Data Bank): the stage is the deepest one for which the consumer has a qualifying
    behaviour within that stage's window. The window lengths the platform uses are not
    reproduced here.

    References
    ----------
    .. [1] Alibaba Group, "AIPL" consumer-asset model (Alibaba Data Bank / Uni Marketing),
       industry practice.

    Examples
    --------
    >>> m = aipl()
    >>> m.replay(["ad_impression", "view"], ["2024-01-01", "2024-01-03"],
    ...          as_of="2024-01-10").tier
    'interest'
    >>> m.replay(["ad_impression", "view"], ["2024-01-01", "2024-01-03"],
    ...          as_of="2024-03-01").tier is None
    True
    """
    return Machine(
        "aipl",
        kinds=AWARENESS_KINDS + INTEREST_KINDS + ("purchase",) + LOYALTY_KINDS,
        tier_rules=[
            Tier(
                "awareness",
                when=count(*AWARENESS_KINDS, window_days=awareness_days) >= 1,
                description="ad reach or category search",
            ),
            Tier(
                "interest",
                when=count(*INTEREST_KINDS, window_days=interest_days) >= 1,
                description="click, view, interaction, search, trial, follow, cart, favourite",
            ),
            Tier(
                "purchase",
                when=count("purchase", window_days=purchase_days) >= 1,
                description="bought",
            ),
            Tier(
                "loyalty",
                when=(count("purchase", window_days=loyalty_days) >= 2)
                | (
                    (count("purchase", window_days=loyalty_days) >= 1)
                    & (count(*LOYALTY_KINDS, window_days=loyalty_days) >= 1)
                ),
                description="repurchase, or purchase with review or share",
            ),
        ],
        description="Alibaba AIPL stages with per-stage recency windows",
    )
