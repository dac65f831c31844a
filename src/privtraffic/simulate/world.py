"""The simulated world: its tables, and the vectorised sampling that generates them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import SECONDS_PER_DAY
from privtraffic.errors import InvalidInputError
from privtraffic.money import minor_exponent
from privtraffic.simulate.config import (
    OWNED_CHANNELS,
    PUBLIC_CHANNELS,
    Moment,
    SimulationConfig,
)

__all__ = [
    "CURRENCY",
    "EVENT_KINDS",
    "Events",
    "Orders",
    "PrivateDomain",
    "Referrals",
    "Refunds",
    "SimulationTruth",
    "Users",
    "simulate_private_domain",
]

#: The simulator's currency: order values are drawn in yuan and kept as whole fen.
CURRENCY = "CNY"
_MINOR_PER_MAJOR = 10 ** minor_exponent(CURRENCY)

#: What ``rng`` may be: a generator, a seed, or None for fresh entropy.
Seed: TypeAlias = np.random.Generator | int | None

#: A generating parameter as :attr:`SimulationTruth.params` shows it.
ParamValue: TypeAlias = int | float | tuple[float, ...] | dict[str, float] | np.datetime64

EVENT_KINDS = (
    "connect",
    "guide",
    "join",
    "interact",
    "share",
    "purchase",
    "referral_purchase",
    "review",
    "refund",
)
"""The event kinds the simulator emits, in the order it sorts ties."""


@attrs.frozen(eq=False, repr=False)
class Users(ColumnarTable):
    """One row per user, in order of acquisition.

    Attributes
    ----------
    user_id : numpy.ndarray
        int64, ``1..n_users`` in order of acquisition.
    acquired_at : numpy.ndarray
        ``datetime64[s]``: when the user connected to an owned channel.
    source_channel : numpy.ndarray
        The public channel the user came from, or ``"referral"``.
    owned_channel : numpy.ndarray
        The owned channel the user landed in.
    variant : numpy.ndarray
        Onboarding flow: ``"A"`` (one step to join) or ``"B"`` (a guide step, then join).
    referrer_id : numpy.ndarray
        int64, the referring user, ``-1`` for users acquired from a public channel.
    is_koc : numpy.ndarray
        bool: a key opinion consumer (a heavy propagator).
    is_distributor : numpy.ndarray
        bool: earns commission on the orders they bring.

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> w.users.user_id[:3].tolist(), set(w.users.variant.tolist()) == {"A", "B"}
    ([1, 2, 3], True)
    """

    user_id: NDArray[np.int64]
    acquired_at: NDArray[np.datetime64]
    source_channel: NDArray[np.str_]
    owned_channel: NDArray[np.str_]
    variant: NDArray[np.str_]
    referrer_id: NDArray[np.int64]
    is_koc: NDArray[np.bool_]
    is_distributor: NDArray[np.bool_]


@attrs.frozen(eq=False, repr=False)
class Events(ColumnarTable):
    """The relationship event log, sorted by time.

    Kinds: ``connect`` (acquisition), ``guide`` (flow B's guide step), ``join`` (joined the
    group / membership), ``interact``, ``share``, ``purchase``, ``referral_purchase``
    (recorded for the *referrer* when someone they brought buys), ``review``, ``refund``.
    ``value`` is the amount in CNY for purchases, referral purchases and refunds, else 0.

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> bool(np.all(np.diff(w.events.at.astype("int64")) >= 0))
    True
    """

    user_id: NDArray[np.int64]
    kind: NDArray[np.str_]
    at: NDArray[np.datetime64]
    value: NDArray[np.float64]

    def of_kinds(self, *kinds: str) -> Events:
        """The events of the given kinds only, in the same order.

        Parameters
        ----------
        *kinds : str
            Event kinds to keep, e.g. those a tier machine knows.

        Returns
        -------
        Events

        Raises
        ------
        InvalidInputError
            A kind the simulator never emits (a misspelling).

        Examples
        --------
        >>> w = simulate_private_domain(200, days=30, rng=np.random.default_rng(0))
        >>> set(w.events.of_kinds("connect", "join").kind.tolist()) == {"connect", "join"}
        True
        """
        unknown = [k for k in kinds if k not in EVENT_KINDS]
        if unknown:
            raise InvalidInputError(
                f"'kinds' must be event kinds of the simulator {list(EVENT_KINDS)} "
                f"(got {unknown[0]!r})"
            )
        keep = np.isin(self.kind, np.array(kinds))
        return Events(
            user_id=self.user_id[keep],
            kind=self.kind[keep],
            at=self.at[keep],
            value=self.value[keep],
        )


class _AmountInFen:
    """Mixin of the tables with an ``amount_fen`` column: its float view in yuan."""

    __slots__ = ()
    amount_fen: NDArray[np.int64]

    @property
    def amount_cny(self) -> NDArray[np.float64]:
        """The amounts in yuan as floats, for statistics only (money paths use ``amount_fen``).

        Examples
        --------
        >>> w = simulate_private_domain(50, days=30, rng=np.random.default_rng(0))
        >>> bool(np.allclose(w.orders.amount_cny * 100, w.orders.amount_fen))
        True
        >>> bool(np.allclose(w.refunds.amount_cny * 100, w.refunds.amount_fen))
        True
        """
        amount: NDArray[np.float64] = self.amount_fen / _MINOR_PER_MAJOR
        return amount


@attrs.frozen(eq=False, repr=False)
class Orders(_AmountInFen, ColumnarTable):
    """One row per order, sorted by time.

    ``sharer_id`` is the referrer of a referred user for orders within the attribution window
    after acquisition (``-1`` otherwise); ``distributor_id`` is the sharer when they are a
    distributor (``-1`` otherwise).

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> bool(np.all(w.orders.amount_fen > 0)), int(w.orders.is_first.sum()) <= 300
    (True, True)
    """

    order_id: NDArray[np.int64]
    user_id: NDArray[np.int64]
    at: NDArray[np.datetime64]
    amount_fen: NDArray[np.int64]
    is_first: NDArray[np.bool_]
    sharer_id: NDArray[np.int64]
    distributor_id: NDArray[np.int64]


@attrs.frozen(eq=False, repr=False)
class Referrals(ColumnarTable):
    """Referral edges: ``referrer_id`` brought ``referee_id`` at ``at`` (acquisition time).

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> bool(np.all(w.referrals.referrer_id != w.referrals.referee_id))
    True
    """

    referrer_id: NDArray[np.int64]
    referee_id: NDArray[np.int64]
    at: NDArray[np.datetime64]


@attrs.frozen(eq=False, repr=False)
class Refunds(_AmountInFen, ColumnarTable):
    """Refunded orders (in full), sorted by time; ``amount_fen`` in integer minor units.

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> bool(np.all(np.isin(w.refunds.order_id, w.orders.order_id)))
    True
    """

    order_id: NDArray[np.int64]
    user_id: NDArray[np.int64]
    at: NDArray[np.datetime64]
    amount_fen: NDArray[np.int64]


@attrs.frozen(eq=False, repr=False)
class SimulationTruth(ColumnarTable):
    """The generating parameters and each user's latent values.

    Attributes
    ----------
    user_id : numpy.ndarray
    purchase_rate : numpy.ndarray
        BG/NBD :math:`\\lambda` per day (drawn for every user; it acts only after a first
        purchase).
    dropout_probability : numpy.ndarray
        BG/NBD :math:`p`.
    mean_spend_cny : numpy.ndarray
        Gamma-Gamma :math:`p / \\nu`: the user's expected order value.
    share_propensity : numpy.ndarray
        Relative weight of the user as a referrer.
    joined, converted : numpy.ndarray
        bool: joined within the horizon; made a first purchase within the horizon.
    config : SimulationConfig
        Every generating parameter (metadata, not a column). BG/NBD ``alpha`` is in days.

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> w.truth.config.r, len(w.truth), bool(np.all(w.truth.purchase_rate > 0))
    (0.5, 300, True)
    """

    user_id: NDArray[np.int64]
    purchase_rate: NDArray[np.float64]
    dropout_probability: NDArray[np.float64]
    mean_spend_cny: NDArray[np.float64]
    share_propensity: NDArray[np.float64]
    joined: NDArray[np.bool_]
    converted: NDArray[np.bool_]
    config: SimulationConfig

    @property
    def params(self) -> dict[str, ParamValue]:
        """The generating parameters as a plain dict: :attr:`config`'s fields, numbers as
        floats and channel weights normalised to sum to 1.

        Returns
        -------
        dict of str to number, tuple or dict

        Examples
        --------
        >>> w = simulate_private_domain(100, days=30, rng=0, koc_share=0.1)
        >>> w.truth.params["koc_share"], w.truth.params["public_channels"]["douyin"]
        (0.1, 0.35)
        """
        cfg = self.config
        out: dict[str, ParamValue] = {}
        for field in attrs.fields(SimulationConfig):
            value = getattr(cfg, field.name)
            if field.name in ("public_channels", "owned_channels"):
                names, weights = cfg.channel_mix(field.name.split("_")[0])
                out[field.name] = dict(zip(names, weights, strict=True))
            elif field.name == "guided_join":
                out[field.name] = tuple(float(x) for x in value)
            elif field.name in ("n_users", "start"):
                out[field.name] = value
            else:
                out[field.name] = float(value)
        return out


@attrs.frozen(eq=False, repr=False)
class PrivateDomain:
    """A simulated private domain: the observable tables plus the ground truth.

    Attributes
    ----------
    users, events, orders, referrals, refunds
        Columnar tables (``.columns()``, ``.to_pandas()``).
    truth : SimulationTruth
    start : numpy.datetime64
        Start of the horizon.
    days : float
        Length of the horizon.

    Examples
    --------
    >>> w = simulate_private_domain(300, days=60, rng=np.random.default_rng(0))
    >>> w
    PrivateDomain(300 users, ... events, ... orders over 60 days)
    """

    users: Users
    events: Events
    orders: Orders
    referrals: Referrals
    refunds: Refunds
    truth: SimulationTruth
    start: np.datetime64
    days: float

    @property
    def observation_end(self) -> np.datetime64:
        """End of the horizon, ``start + days``.

        Returns
        -------
        numpy.datetime64

        Examples
        --------
        >>> simulate_private_domain(10, days=31, rng=0).observation_end
        np.datetime64('2025-02-01T00:00:00')
        """
        return self.start + np.timedelta64(round(self.days * SECONDS_PER_DAY), "s")

    def __repr__(self) -> str:
        return (
            f"PrivateDomain({len(self.users):,} users, {len(self.events):,} events, "
            f"{len(self.orders):,} orders over {self.days:g} days)"
        )

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = [
            (name, len(getattr(self, name)))
            for name in ("users", "events", "orders", "referrals", "refunds")
        ]
        return html_table(rows, ["table", "rows"], title="Simulated private domain")


def simulate_private_domain(
    n_users: int | None = None,
    *,
    config: SimulationConfig | None = None,
    days: float = 365.0,
    rng: Seed = None,
    start: Moment = "2025-01-01",
    r: float = 0.5,
    alpha: float = 30.0,
    a: float = 0.8,
    b: float = 3.0,
    p: float = 6.0,
    q: float = 4.0,
    v: float = 40.0,
    public_channels: Mapping[str, float] | None = None,
    owned_channels: Mapping[str, float] | None = None,
    referral_share: float = 0.15,
    koc_share: float = 0.05,
    koc_weight: float = 20.0,
    distributor_share: float = 0.02,
    share_conversion: float = 0.2,
    join_rate: float = 0.6,
    guided_join: tuple[float, float] = (0.9, 0.8),
    variant_b_share: float = 0.5,
    purchase_rate_joined: float = 0.5,
    purchase_rate_not_joined: float = 0.2,
    decision_days: float = 14.0,
    interaction_rate: float = 0.05,
    review_rate: float = 0.15,
    refund_rate: float = 0.05,
    attribution_days: float = 30.0,
) -> PrivateDomain:
    """Simulate a private domain whose generating process is known.

    Users arrive uniformly over ``days`` from the public channels (or by referral) into an
    owned channel (``connect``). Onboarding flow A asks them to join at once (``join_rate``);
    flow B first shows a guide, then asks them to join (``guided_join`` = the two step rates).
    A share of them make a first purchase after an exponential decision time; from then on
    purchases follow the BG/NBD model (Fader, Hardie and Lee 2005) with heterogeneity
    ``(r, alpha, a, b)`` and order values follow the Gamma-Gamma model (Fader, Hardie and Lee
    2005b) with ``(p, q, v)``. Referred users pick their referrer among earlier users with
    weights ``koc_weight`` for KOCs and 1 otherwise; every successful share is preceded by
    unsuccessful ones so that ``share_conversion`` of shares bring a user. Orders of a referred
    user within ``attribution_days`` of acquisition are attributed to the referrer (and to them
    as a distributor, if they are one), and a ``referral_purchase`` event is recorded for the
    referrer. Orders are refunded with ``refund_rate``; buyers review with ``review_rate``;
    members interact at ``interaction_rate`` per day (a third of that for non-members).

    The parameters are those of :class:`SimulationConfig` (which documents each and its
    range): give them as keywords, or build a config once and pass ``config=``.

    Parameters
    ----------
    n_users : int
        Number of users, ``>= 1``. Required unless ``config`` is given (it holds ``n_users``).
    config : SimulationConfig, optional
        Every parameter at once; then no other parameter but ``rng`` may be given.
    rng : numpy.random.Generator or int, optional
        Source of randomness; the same generator state gives the same domain.
    days, start : float, datetime-like
        The horizon: its length in days and its start.
    r, alpha, a, b, p, q, v : float
        The BG/NBD purchase and dropout heterogeneity and the Gamma-Gamma order value (CNY).
    public_channels, owned_channels : mapping of str to float, optional
        Channel mixes; defaults :data:`PUBLIC_CHANNELS`, :data:`OWNED_CHANNELS`.
    referral_share, koc_share, koc_weight, distributor_share, share_conversion : float
        Who refers, who is a KOC or a distributor, and how shares convert.
    join_rate, variant_b_share : float
        Flow A's join rate and the share of users shown flow B.
    guided_join : (float, float)
        Flow B's (guide, join-after-guide) step rates.
    purchase_rate_joined, purchase_rate_not_joined, decision_days : float
        The first purchase.
    interaction_rate, review_rate, refund_rate, attribution_days : float
        Interactions, reviews, refunds and the referral attribution window.

    Returns
    -------
    PrivateDomain

    Raises
    ------
    InvalidInputError
        ``n_users < 1``, ``days <= 0``, a parameter out of its range (named in the message),
        neither ``n_users`` nor ``config``, or ``config`` together with another parameter.

    Notes
    -----
    Everything is vectorised: 100,000 users take about a second. The purchase process is
    conditionally BG/NBD given the first purchase, and the latent rates are independent of
    acquisition, joining and conversion, so a BG/NBD fitted to the purchasers recovers
    ``(r, alpha, a, b)``.

    References
    ----------
    .. [1] P. S. Fader, B. G. S. Hardie and K. L. Lee (2005). "Counting Your Customers the Easy
       Way: An Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
    .. [2] P. S. Fader, B. G. S. Hardie and K. L. Lee (2005). "RFM and CLV: Using Iso-Value
       Curves for Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.

    Examples
    --------
    >>> world = simulate_private_domain(2000, days=180, rng=np.random.default_rng(0))
    >>> len(world.users), int(world.users.is_koc.sum()) > 0
    (2000, True)
    >>> sorted(set(world.events.kind.tolist()))[:4]
    ['connect', 'guide', 'interact', 'join']
    >>> world.orders.to_pandas().columns.tolist()[:4]
    ['order_id', 'user_id', 'at', 'amount_fen']

    The same world from a config:

    >>> config = SimulationConfig(n_users=2000, days=180)
    >>> again = simulate_private_domain(config=config, rng=np.random.default_rng(0))
    >>> bool(np.array_equal(again.orders.amount_fen, world.orders.amount_fen))
    True
    """
    if config is not None and n_users is not None:
        raise InvalidInputError(
            f"'n_users' must not be given with 'config', which holds it (got {n_users!r})"
        )
    if config is None and n_users is None:
        raise InvalidInputError("'n_users' is required (or pass a 'config')")
    keywords = SimulationConfig(
        n_users=n_users if n_users is not None else _n_users_of(config),
        days=days,
        start=start,
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        p=p,
        q=q,
        v=v,
        public_channels=public_channels or PUBLIC_CHANNELS,
        owned_channels=owned_channels or OWNED_CHANNELS,
        referral_share=referral_share,
        koc_share=koc_share,
        koc_weight=koc_weight,
        distributor_share=distributor_share,
        share_conversion=share_conversion,
        join_rate=join_rate,
        guided_join=guided_join,
        variant_b_share=variant_b_share,
        purchase_rate_joined=purchase_rate_joined,
        purchase_rate_not_joined=purchase_rate_not_joined,
        decision_days=decision_days,
        interaction_rate=interaction_rate,
        review_rate=review_rate,
        refund_rate=refund_rate,
        attribution_days=attribution_days,
    )
    if config is not None:
        defaults = SimulationConfig(n_users=config.n_users)
        for field in attrs.fields(SimulationConfig):
            if getattr(keywords, field.name) != getattr(defaults, field.name):
                raise InvalidInputError(
                    f"'{field.name}' must not be given with 'config'; set it in the config "
                    f"(attrs.evolve(config, {field.name}=...))"
                )
        keywords = config
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return _simulate(keywords, gen)


def _n_users_of(config: SimulationConfig | None) -> int:
    assert config is not None  # simulate_private_domain checked: n_users or a config
    return config.n_users


def _simulate(cfg: SimulationConfig, rng: np.random.Generator) -> PrivateDomain:
    n = int(cfg.n_users)
    days = float(cfg.days)
    origin = cfg.start
    pub, pub_weights = cfg.channel_mix("public")
    own, own_weights = cfg.channel_mix("owned")
    pub_names, pub_w = np.array(pub), np.array(pub_weights)
    own_names, own_w = np.array(own), np.array(own_weights)
    user_id = np.arange(1, n + 1, dtype=np.int64)
    acquired = np.sort(rng.uniform(0.0, days, n))

    # --- who is who -------------------------------------------------------------------------
    is_koc = rng.random(n) < cfg.koc_share
    is_distributor = np.where(is_koc, rng.random(n) < 0.5, rng.random(n) < cfg.distributor_share)
    propensity = np.where(is_koc, cfg.koc_weight, 1.0)

    # --- referral acquisition: referrer drawn among earlier users by propensity -------------
    referred = rng.random(n) < cfg.referral_share
    referred[0] = False
    referees = np.flatnonzero(referred)
    cum = np.cumsum(propensity)
    draw = rng.random(referees.shape[0]) * cum[referees - 1]
    referrer_idx = np.minimum(np.searchsorted(cum, draw, side="right"), referees - 1)
    referrer_id = np.full(n, -1, dtype=np.int64)
    referrer_id[referees] = user_id[referrer_idx]

    source = pub_names[rng.choice(pub_names.shape[0], size=n, p=pub_w)].astype(object)
    source[referees] = "referral"
    source = source.astype(str)
    owned = own_names[rng.choice(own_names.shape[0], size=n, p=own_w)]
    variant_b = rng.random(n) < cfg.variant_b_share

    # --- onboarding: connect, (guide), join ------------------------------------------------
    guide_at = acquired + rng.exponential(0.5, n)
    has_guide = variant_b & (rng.random(n) < cfg.guided_join[0]) & (guide_at < days)
    join_b = has_guide & (rng.random(n) < cfg.guided_join[1])
    join_a = ~variant_b & (rng.random(n) < cfg.join_rate)
    join_at = np.where(variant_b, guide_at, acquired) + rng.exponential(1.0, n)
    joined = (join_a | join_b) & (join_at < days)

    # --- first purchase, then BG/NBD repeat purchases and Gamma-Gamma values ---------------
    lam = rng.gamma(cfg.r, 1.0 / cfg.alpha, n)
    drop_p = rng.beta(cfg.a, cfg.b, n)
    nu = rng.gamma(cfg.q, 1.0 / cfg.v, n)
    buy_p = np.where(joined, cfg.purchase_rate_joined, cfg.purchase_rate_not_joined)
    first_at = acquired + rng.exponential(cfg.decision_days, n)
    converted = (rng.random(n) < buy_p) & (first_at < days)
    buyers = np.flatnonzero(converted)
    horizon = days - first_at[buyers]
    max_repeats = rng.geometric(np.clip(drop_p[buyers], 1e-12, 1.0))
    arrivals = rng.poisson(lam[buyers] * horizon)
    n_repeat = np.minimum(arrivals, max_repeats)
    owner = np.repeat(np.arange(buyers.shape[0]), arrivals)
    offsets = rng.random(owner.shape[0]) * horizon[owner]
    order = np.lexsort((offsets, owner))
    owner, offsets = owner[order], offsets[order]
    starts = np.concatenate([[0], np.cumsum(arrivals)[:-1]])
    rank = np.arange(owner.shape[0]) - starts[owner]
    keep = rank < n_repeat[owner]
    repeat_user = buyers[owner[keep]]
    repeat_at = first_at[repeat_user] + offsets[keep]
    order_user = np.concatenate([buyers, repeat_user])
    order_day = np.concatenate([first_at[buyers], repeat_at])
    order_first = np.concatenate(
        [np.ones(buyers.shape[0], bool), np.zeros(repeat_user.shape, bool)]
    )
    by_time = np.lexsort((order_user, order_day))
    order_user, order_day, order_first = (
        order_user[by_time],
        order_day[by_time],
        order_first[by_time],
    )
    # Spend is drawn in yuan and kept exactly as whole fen (minor units) from here on.
    amount_fen = np.rint(rng.gamma(cfg.p, 1.0 / nu[order_user]) * _MINOR_PER_MAJOR)
    amount_fen = np.maximum(amount_fen, 1).astype(np.int64)
    amount = amount_fen / _MINOR_PER_MAJOR
    n_orders = order_user.shape[0]
    attributed = (referrer_id[order_user] >= 0) & (
        order_day - acquired[order_user] <= cfg.attribution_days
    )
    sharer = np.where(attributed, referrer_id[order_user], -1)
    distributor = np.where((sharer > 0) & is_distributor[np.maximum(sharer - 1, 0)], sharer, -1)

    # --- shares: every successful share follows geometric(share_conversion) - 1 failures ----
    ref_by = referrer_idx
    ok_share_at = np.maximum(
        acquired[referees] - rng.exponential(1.0, referees.shape[0]), acquired[ref_by]
    )
    failures = rng.geometric(cfg.share_conversion, referees.shape[0]) - 1
    fail_user = np.repeat(ref_by, failures)
    fail_at = acquired[fail_user] + rng.random(fail_user.shape[0]) * (days - acquired[fail_user])

    # --- refunds, reviews, interactions ----------------------------------------------------
    refund_at = order_day + rng.exponential(5.0, n_orders)
    refunded = (rng.random(n_orders) < cfg.refund_rate) & (refund_at < days)
    review_at = order_day + rng.exponential(3.0, n_orders)
    reviewed = (rng.random(n_orders) < cfg.review_rate) & (review_at < days) & ~refunded
    active_days = days - acquired
    rate = cfg.interaction_rate * np.where(joined, 1.0, 1.0 / 3.0)
    n_inter = rng.poisson(rate * active_days)
    inter_user = np.repeat(np.arange(n), n_inter)
    inter_at = acquired[inter_user] + rng.random(inter_user.shape[0]) * active_days[inter_user]

    # --- assemble --------------------------------------------------------------------------
    def stamp(day: NDArray[np.float64]) -> NDArray[np.datetime64]:
        return origin + np.round(day * SECONDS_PER_DAY).astype(np.int64).astype("timedelta64[s]")

    order_id = np.arange(1, n_orders + 1, dtype=np.int64)
    kinds = {k: i for i, k in enumerate(EVENT_KINDS)}
    zeros = np.zeros
    parts = [
        (np.arange(n), acquired, kinds["connect"], zeros(n)),
        (np.flatnonzero(has_guide), guide_at[has_guide], kinds["guide"], zeros(has_guide.sum())),
        (np.flatnonzero(joined), join_at[joined], kinds["join"], zeros(joined.sum())),
        (inter_user, inter_at, kinds["interact"], zeros(inter_user.shape[0])),
        (ref_by, ok_share_at, kinds["share"], zeros(ref_by.shape[0])),
        (fail_user, fail_at, kinds["share"], zeros(fail_user.shape[0])),
        (order_user, order_day, kinds["purchase"], amount),
        (
            sharer[attributed] - 1,
            order_day[attributed],
            kinds["referral_purchase"],
            amount[attributed],
        ),
        (order_user[reviewed], review_at[reviewed], kinds["review"], zeros(reviewed.sum())),
        (order_user[refunded], refund_at[refunded], kinds["refund"], amount[refunded]),
    ]
    ev_user = np.concatenate([x[0] for x in parts]).astype(np.int64)
    ev_day = np.concatenate([x[1] for x in parts])
    ev_kind = np.concatenate([np.full(len(x[0]), x[2], dtype=np.int8) for x in parts])
    ev_value = np.concatenate([x[3] for x in parts]).astype(np.float64)
    ev_order = np.lexsort((ev_kind, ev_user, ev_day))
    events = Events(
        user_id=user_id[ev_user[ev_order]],
        kind=np.array(EVENT_KINDS)[ev_kind[ev_order]],
        at=stamp(ev_day[ev_order]),
        value=ev_value[ev_order],
    )
    users = Users(
        user_id=user_id,
        acquired_at=stamp(acquired),
        source_channel=source,
        owned_channel=owned,
        variant=np.where(variant_b, "B", "A"),
        referrer_id=referrer_id,
        is_koc=is_koc,
        is_distributor=is_distributor,
    )
    orders = Orders(
        order_id=order_id,
        user_id=user_id[order_user],
        at=stamp(order_day),
        amount_fen=amount_fen,
        is_first=order_first,
        sharer_id=sharer,
        distributor_id=distributor,
    )
    referrals = Referrals(
        referrer_id=referrer_id[referees],
        referee_id=user_id[referees],
        at=stamp(acquired[referees]),
    )
    rf_order = np.argsort(refund_at[refunded], kind="stable")
    refunds = Refunds(
        order_id=order_id[refunded][rf_order],
        user_id=user_id[order_user[refunded]][rf_order],
        at=stamp(refund_at[refunded][rf_order]),
        amount_fen=amount_fen[refunded][rf_order],
    )
    truth = SimulationTruth(
        user_id=user_id,
        purchase_rate=lam,
        dropout_probability=drop_p,
        mean_spend_cny=cfg.p / nu,
        share_propensity=propensity,
        joined=joined,
        converted=converted,
        config=cfg,
    )
    return PrivateDomain(
        users=users,
        events=events,
        orders=orders,
        referrals=referrals,
        refunds=refunds,
        truth=truth,
        start=origin,
        days=days,
    )
