"""Classify a synthetic private-domain population on the relationship ladder at two dates.

Builds a year of events for 20,000 users (connects, interactions, joins, purchases, reviews and
referral purchases, with engaged users more active), classifies everyone as of 30 June and as of
30 September, and prints the tier mix at both dates, the tier-to-tier transition matrix between
them, a two-quarter Markov forecast and the long-run mix.

Run: ``python examples/relationship_ladder.py``
"""

from __future__ import annotations

import numpy as np

from privtraffic.lifecycle import relationship_ladder, transition_matrix

KINDS = ("connect", "interact", "join", "purchase", "review", "referral_purchase")


def synthetic_events(n_users: int = 20_000, rng: np.random.Generator | None = None):
    """A year of events; each user has an activity rate and a taste for buying and sharing."""
    rng = np.random.default_rng(0) if rng is None else rng
    start = np.datetime64("2024-01-01", "s")
    rate = rng.gamma(shape=0.6, scale=12.0, size=n_users)  # events per year
    n = rng.poisson(rate) + 1  # every user connected once
    users = np.repeat(np.arange(n_users), n)
    first = np.r_[0, np.cumsum(n)[:-1]]
    buy = rng.beta(1.2, 3.0, size=n_users)[users]  # share of a user's events that are purchases
    share = rng.beta(0.5, 6.0, size=n_users)[users]
    u = rng.random(users.size)
    kinds = np.where(
        u < buy,
        3,
        np.where(
            u < buy + share,
            rng.choice([4, 5], users.size),
            rng.choice([1, 2], users.size, p=[0.85, 0.15]),
        ),
    )
    kinds[first] = 0  # the first event is the connection
    joined = rng.integers(0, 300 * 86_400, n_users)[users]  # when the user connected
    later = joined + rng.integers(0, 200 * 86_400, users.size)
    seconds = np.where(np.arange(users.size) == first[users], joined, later)
    return users, np.array(KINDS)[kinds], start + seconds


def main() -> None:
    users, kinds, ats = synthetic_events()
    ladder = relationship_ladder(window_days=90)
    june = ladder.classify(users, kinds, ats, as_of="2024-06-30")
    september = ladder.classify(users, kinds, ats, as_of="2024-09-30")

    print(f"{users.size:,} events from {np.unique(users).size:,} users\n")
    print(f"{'tier':<14}{'30 June':>10}{'30 Sep':>10}")
    a, b = june.counts(), september.counts()
    for tier in (*ladder.tiers, None):
        print(f"{'(not yet)' if tier is None else tier:<14}{a[tier]:>10,}{b[tier]:>10,}")

    tm = transition_matrix(june, september)
    labels = ["(not yet)" if s is None else s for s in tm.states]
    print("\nTransition matrix, 30 June -> 30 Sep (row shares):")
    print(" " * 14 + "".join(f"{s[:11]:>12}" for s in labels))
    for label, row in zip(labels, tm.probabilities, strict=True):
        print(f"{label:<14}" + "".join(f"{p:>12.3f}" for p in row))

    print("\nMix two quarters ahead (Markov forecast) and in the long run:")
    ahead, long_run = tm.forecast(2), tm.steady_state()
    for label, x, y in zip(labels, ahead, long_run, strict=True):
        print(f"  {label:<14}{x:>8.1%}{y:>8.1%}")


if __name__ == "__main__":
    main()
