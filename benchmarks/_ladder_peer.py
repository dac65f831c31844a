"""The relationship ladder written the way a per-user state-machine library models it.

The peers of ``bench_lifecycle.py`` (one ``transitions`` or ``python-statemachine`` machine per
user) and of ``bench_latency.py`` (``Machine.step`` against ``transitions``) keep one user's
facts in a :class:`LadderFacts` object, whose guards the machine's ``update`` trigger consults
from the deepest tier down (:data:`GUARDS`), as ``privtraffic.lifecycle.relationship_ladder``
classifies: a 90-day window (``(t - 90 d, t]``) of purchases, activity and propagation, and
the two facts that never lapse (joined, ever bought).
"""

from __future__ import annotations

from collections import deque

DAY = 86_400
WINDOW_DAYS = 90

TIERS = ("basic", "member", "buyer", "repeat_buyer", "koc")
GUARDS = (
    ("koc", "is_koc"),
    ("repeat_buyer", "is_repeat_buyer"),
    ("buyer", "is_buyer"),
    ("member", "is_member"),
)


def transitions_spec() -> list[dict[str, object]]:
    """The ``update`` trigger for ``transitions.Machine``: the first guard that holds wins."""
    spec: list[dict[str, object]] = [
        {"trigger": "update", "source": "*", "dest": d, "conditions": c} for d, c in GUARDS
    ]
    spec.append({"trigger": "update", "source": "*", "dest": "basic"})
    return spec


class LadderFacts:
    """The ladder's facts for one user (times in seconds), restorable from stored facts."""

    def __init__(self, purchases=(), active=(), propagated=(), joined=False, bought=False):
        self.purchases: deque[int] = deque(purchases)
        self.active: deque[int] = deque(active)  # interact, review, referral_purchase
        self.propagated: deque[int] = deque(propagated)  # review, referral_purchase
        self.joined = joined
        self.ever_bought = bought

    def observe(self, t: int) -> None:
        edge = t - WINDOW_DAYS * DAY  # the window is (t - 90 d, t]
        for q in (self.purchases, self.active, self.propagated):
            while q and q[0] <= edge:
                q.popleft()

    def apply(self, kind: str, t: int) -> None:
        if kind == "purchase":
            self.purchases.append(t)
            self.ever_bought = True
        elif kind == "join":
            self.joined = True
        if kind in ("interact", "review", "referral_purchase"):
            self.active.append(t)
        if kind in ("review", "referral_purchase"):
            self.propagated.append(t)

    def is_koc(self) -> bool:
        return len(self.purchases) >= 2 and len(self.propagated) >= 1

    def is_repeat_buyer(self) -> bool:
        return len(self.purchases) >= 2

    def is_buyer(self) -> bool:
        return len(self.purchases) >= 1

    def is_member(self) -> bool:
        return self.joined or self.ever_bought or len(self.active) >= 1
