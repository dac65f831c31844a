"""The private-domain relationship ladder: basic → member → buyer → repeat buyer → KOC."""

from __future__ import annotations

from privtraffic.lifecycle.conditions import count
from privtraffic.lifecycle.machine import Machine, Tier

__all__ = ["LADDER_KINDS", "relationship_ladder"]

#: Event kinds of the ladder.
LADDER_KINDS = ("connect", "interact", "join", "purchase", "review", "referral_purchase")


def relationship_ladder(window_days: float = 90) -> Machine:
    """The five-tier relationship ladder of private-domain operation.

    Tiers, shallow to deep, as of a time ``t`` with the window ``(t - window_days, t]``:

    * ``basic`` — connected: any event (followed the official account, added the WeCom
      contact, joined a group: kind ``connect``);
    * ``member`` — in the pool and active or a member: joined the membership (``join``) or
      bought at some time, or interacted in the window (``interact``, ``review``,
      ``referral_purchase``) — but no purchase in the window. Former buyers who lapsed are
      members;
    * ``buyer`` — one purchase in the window;
    * ``repeat_buyer`` — two or more purchases in the window;
    * ``koc`` — a repeat buyer who also propagated successfully in the window: a positive
      ``review``, or a ``referral_purchase`` (someone this user shared to bought).

    Parameters
    ----------
    window_days : float
        The window length (default 90 days). An event exactly ``window_days`` before ``t`` no
        longer counts; an event at ``t`` does.

    Returns
    -------
    Machine

    Notes
    -----
    Event kinds: ``connect, interact, join, purchase, review, referral_purchase``. Record a
    review only when it is positive. The definition follows the ladder that private-domain
    operators describe (industry practice, e.g. WeCom/mini-program operation playbooks).

    References
    ----------
    .. [1] privtraffic issue 3, "Relationship-tier state machines" (definitions of the ladder).

    Examples
    --------
    >>> m = relationship_ladder(window_days=90)
    >>> m.tiers
    ('basic', 'member', 'buyer', 'repeat_buyer', 'koc')
    >>> m.replay(["connect", "purchase", "purchase", "review"],
    ...          ["2024-01-01", "2024-01-10", "2024-02-01", "2024-02-02"]).tier
    'koc'
    """
    purchases = count("purchase", window_days=window_days)
    return Machine(
        "relationship_ladder",
        kinds=LADDER_KINDS,
        tier_rules=[
            Tier("basic", description="connected (followed, added the contact, joined a group)"),
            Tier(
                "member",
                when=(count("join") >= 1)
                | (count("purchase") >= 1)
                | (count("interact", "review", "referral_purchase", window_days=window_days) >= 1),
                description="joined or active, no purchase in the window (incl. lapsed buyers)",
            ),
            Tier("buyer", when=purchases >= 1, description="one purchase in the window"),
            Tier("repeat_buyer", when=purchases >= 2, description="two or more purchases"),
            Tier(
                "koc",
                when=(purchases >= 2)
                & (count("review", "referral_purchase", window_days=window_days) >= 1),
                description="repeat buyer who propagated (positive review or referral purchase)",
            ),
        ],
        description=f"relationship ladder with a {window_days:g}-day window",
    )
