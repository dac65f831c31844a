"""The simulator's parameters: one frozen, validated :class:`SimulationConfig`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import attrs
import numpy as np

from privtraffic._validation import Moment, as_fraction
from privtraffic.errors import InvalidInputError

__all__ = ["OWNED_CHANNELS", "PUBLIC_CHANNELS", "Moment", "SimulationConfig"]


PUBLIC_CHANNELS = {"douyin": 0.35, "taobao": 0.25, "xiaohongshu": 0.2, "kuaishou": 0.2}
"""Default mix of the public channels users are acquired from."""

OWNED_CHANNELS = {
    "wecom": 0.4,
    "group": 0.2,
    "official_account": 0.15,
    "mini_program": 0.15,
    "app": 0.1,
}
"""Default mix of the owned channels users land in."""


# --- converters (run first, field by field) ---------------------------------------------------


def _as_start(value: Moment) -> np.datetime64:
    try:
        start: np.datetime64 = (
            value.astype("datetime64[s]")
            if isinstance(value, np.datetime64)
            else np.datetime64(value, "s")
        )
        return start
    except (ValueError, TypeError):
        raise InvalidInputError(f"'start' must be a timestamp (got {value!r})") from None


def _as_mix(value: Mapping[str, float]) -> Mapping[str, float]:
    # A read-only copy: the config cannot change after it was checked.
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _as_pair(value: Iterable[float]) -> tuple[float, ...]:
    try:
        return tuple(value)
    except TypeError:
        raise InvalidInputError(f"'guided_join' must be two step rates (got {value!r})") from None


# --- validators (run once every field is set, in field order) ---------------------------------

_Validator = Callable[["SimulationConfig", "attrs.Attribute[float]", float], None]


def _number(attribute: attrs.Attribute[float], value: float, rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"'{attribute.name}' must be a number {rule} (got {value!r})")
    return float(value)


def _at_least_one(instance: SimulationConfig, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidInputError(f"'{attribute.name}' must be an integer >= 1 (got {value!r})")


def _bounded(rule: str, holds: Callable[[float], bool], why: str = "") -> _Validator:
    """A validator of a finite number for which ``holds`` is true; an error says ``rule``."""

    def check(instance: SimulationConfig, attribute: attrs.Attribute[float], value: float) -> None:
        v = _number(attribute, value, rule)
        if not (np.isfinite(v) and holds(v)):
            raise InvalidInputError(f"'{attribute.name}' must be {rule}{why} (got {value!r})")

    return check


_positive = _bounded("> 0", lambda v: v > 0)
_non_negative = _bounded(">= 0", lambda v: v >= 0)
_above_one = _bounded("> 1", lambda v: v > 1, " for a finite mean order value")
_open_fraction = _bounded("in (0, 1]", lambda v: 0 < v <= 1)


def _fraction(instance: SimulationConfig, attribute: attrs.Attribute[float], value: float) -> None:
    _number(attribute, value, "in [0, 1]")
    as_fraction(value, attribute.name)


def _step_rates(
    instance: SimulationConfig,
    attribute: attrs.Attribute[tuple[float, float]],
    value: tuple[float, ...],
) -> None:
    for rate in value:
        as_fraction(rate, attribute.name)
    if len(value) != 2:
        raise InvalidInputError(f"'{attribute.name}' must be two step rates (got {value!r})")


def _mix(
    instance: SimulationConfig,
    attribute: attrs.Attribute[Mapping[str, float]],
    value: Mapping[str, float],
) -> None:
    if not isinstance(value, Mapping) or not value:
        raise InvalidInputError(
            f"'{attribute.name}' must be a non-empty mapping of channel to weight"
        )
    weights = np.array([float(w) for w in value.values()])
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise InvalidInputError(
            f"'{attribute.name}' weights must be >= 0 with a positive total (got {dict(value)})"
        )


def _mix_repr(value: Mapping[str, float]) -> str:
    return repr(dict(value))


@attrs.frozen(kw_only=True)
class SimulationConfig:
    """Every parameter of :func:`~privtraffic.simulate.simulate_private_domain`, checked once.

    A frozen, hashable value object: build it once, change it with :func:`attrs.evolve` (which
    checks the new value too), pass it as ``simulate_private_domain(config=..., rng=...)``.
    Each field is checked when the config is built; a bad one raises an
    :class:`~privtraffic.errors.InvalidInputError` naming it, the rule and the value.

    Parameters
    ----------
    n_users : int
        Number of users, ``>= 1``.
    days : float, default 365.0
        Length of the horizon in days, ``> 0``.
    start : datetime-like, default "2025-01-01"
        Start of the horizon (kept as ``datetime64[s]``).
    r, alpha : float, default 0.5, 30.0
        BG/NBD purchase-rate heterogeneity (gamma shape and scale); ``alpha`` is in days, so
        purchase rates are per day. Both ``> 0``.
    a, b : float, default 0.8, 3.0
        BG/NBD dropout heterogeneity (beta), both ``> 0``.
    p, q, v : float, default 6.0, 4.0, 40.0
        Gamma-Gamma order value in CNY: mean ``p v / (q - 1)``; ``p, v > 0``, ``q > 1``.
    public_channels : mapping of str to float, default :data:`PUBLIC_CHANNELS`
        Weights of the public channels users are acquired from (normalised when simulating);
        ``>= 0`` with a positive total.
    owned_channels : mapping of str to float, default :data:`OWNED_CHANNELS`
        Weights of the owned channels users land in, likewise.
    referral_share : float, default 0.15
        Share of users acquired by referral, in [0, 1].
    koc_share : float, default 0.05
        Share of users who are KOCs, in [0, 1].
    koc_weight : float, default 20.0
        A KOC's weight as a referrer relative to other users, ``> 0``.
    distributor_share : float, default 0.02
        Share of non-KOC users who are distributors (half of the KOCs are), in [0, 1].
    share_conversion : float, default 0.2
        Share of shares that bring a new user, in (0, 1].
    join_rate : float, default 0.6
        Flow A's join rate, in [0, 1].
    guided_join : (float, float), default (0.9, 0.8)
        Flow B's (guide, join-after-guide) step rates, each in [0, 1].
    variant_b_share : float, default 0.5
        Share of users shown flow B, in [0, 1].
    purchase_rate_joined, purchase_rate_not_joined : float, default 0.5, 0.2
        Probability of a first purchase for members and for non-members, in [0, 1].
    decision_days : float, default 14.0
        Mean time from connect to first purchase (exponential), days, ``> 0``.
    interaction_rate : float, default 0.05
        Interactions per day for members (a third of that for non-members), ``>= 0``.
    review_rate, refund_rate : float, default 0.15, 0.05
        Probability that an order is reviewed / refunded, in [0, 1].
    attribution_days : float, default 30.0
        Days after acquisition during which a referred user's orders are attributed to the
        referrer, ``> 0``.

    Raises
    ------
    InvalidInputError
        A field out of its range, e.g. ``'q' must be > 1 for a finite mean order value
        (got 1.0)``.

    Examples
    --------
    >>> import attrs
    >>> import numpy as np
    >>> from privtraffic.simulate import SimulationConfig, simulate_private_domain
    >>> config = SimulationConfig(n_users=500, days=90, koc_share=0.1)
    >>> world = simulate_private_domain(config=config, rng=np.random.default_rng(0))
    >>> len(world.users), world.truth.config == config
    (500, True)
    >>> attrs.evolve(config, koc_share=1.5)
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'koc_share' must be in [0, 1] (got 1.5)
    """

    n_users: int = attrs.field(validator=_at_least_one)
    days: float = attrs.field(default=365.0, validator=_positive)
    start: np.datetime64 = attrs.field(default="2025-01-01", converter=_as_start)
    r: float = attrs.field(default=0.5, validator=_positive)
    alpha: float = attrs.field(default=30.0, validator=_positive)
    a: float = attrs.field(default=0.8, validator=_positive)
    b: float = attrs.field(default=3.0, validator=_positive)
    p: float = attrs.field(default=6.0, validator=_positive)
    q: float = attrs.field(default=4.0, validator=_above_one)
    v: float = attrs.field(default=40.0, validator=_positive)
    public_channels: Mapping[str, float] = attrs.field(
        default=PUBLIC_CHANNELS, converter=_as_mix, validator=_mix, repr=_mix_repr, hash=False
    )
    owned_channels: Mapping[str, float] = attrs.field(
        default=OWNED_CHANNELS, converter=_as_mix, validator=_mix, repr=_mix_repr, hash=False
    )
    referral_share: float = attrs.field(default=0.15, validator=_fraction)
    koc_share: float = attrs.field(default=0.05, validator=_fraction)
    koc_weight: float = attrs.field(default=20.0, validator=_positive)
    distributor_share: float = attrs.field(default=0.02, validator=_fraction)
    share_conversion: float = attrs.field(default=0.2, validator=_open_fraction)
    join_rate: float = attrs.field(default=0.6, validator=_fraction)
    guided_join: tuple[float, float] = attrs.field(
        default=(0.9, 0.8), converter=_as_pair, validator=_step_rates
    )
    variant_b_share: float = attrs.field(default=0.5, validator=_fraction)
    purchase_rate_joined: float = attrs.field(default=0.5, validator=_fraction)
    purchase_rate_not_joined: float = attrs.field(default=0.2, validator=_fraction)
    decision_days: float = attrs.field(default=14.0, validator=_positive)
    interaction_rate: float = attrs.field(default=0.05, validator=_non_negative)
    review_rate: float = attrs.field(default=0.15, validator=_fraction)
    refund_rate: float = attrs.field(default=0.05, validator=_fraction)
    attribution_days: float = attrs.field(default=30.0, validator=_positive)

    def channel_mix(self, which: str) -> tuple[list[str], list[float]]:
        """The channel names of a mix and their weights normalised to sum to 1.

        Parameters
        ----------
        which : {"public", "owned"}

        Returns
        -------
        names : list of str
        weights : list of float

        Examples
        --------
        >>> SimulationConfig(n_users=1, public_channels={"douyin": 3, "taobao": 1}).channel_mix(
        ...     "public")
        (['douyin', 'taobao'], [0.75, 0.25])
        """
        if which not in ("public", "owned"):
            raise InvalidInputError(f"'which' must be 'public' or 'owned' (got {which!r})")
        mix = self.public_channels if which == "public" else self.owned_channels
        weights = np.array([float(w) for w in mix.values()])
        return list(mix), (weights / weights.sum()).tolist()
