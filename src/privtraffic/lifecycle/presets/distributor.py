"""Distributor qualification: rights by any of three routes, then fan-group levels."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._tables import ColumnarTable
from privtraffic.errors import InvalidDefinitionError, InvalidInputError
from privtraffic.lifecycle.conditions import count, distinct_days, ever, latest, total
from privtraffic.lifecycle.machine import Machine, Tier

if TYPE_CHECKING:
    from privtraffic.lifecycle.classify import TierTable

__all__ = ["DistributorRights", "distribution_rights", "distributor_qualification"]


def distributor_qualification(
    checkin_days: int = 7,
    spend: float = 500.0,
    window_days: int = 30,
    gift_pack: float = 199.0,
    fan_levels: tuple[int, ...] = (50, 200, 500),
) -> Machine:
    """Who may distribute, and at which fan-group level.

    Distribution rights are granted, for good, by the first of three routes to succeed:

    1. incubated KOL: a ``kol_grant`` event (the brand grants the rights);
    2. tasks: ``checkin_days`` distinct check-in days (``checkin``) and a ``purchase`` total of
       at least ``spend``, both within the last ``window_days`` days;
    3. gift pack: buying a membership gift pack (``gift_pack`` events, value = price) for at
       least ``gift_pack`` in total (e.g. the 199 or 299 pack).

    A distributor then has fan-group level ``k`` when the latest reported size of their fan
    group (``fan_group_size`` events, value = members) is at least ``fan_levels[k-1]``.

    Parameters
    ----------
    checkin_days : int
        Check-in days the task route needs.
    spend : float
        Purchase total the task route needs.
    window_days : int
        The task window in calendar days.
    gift_pack : float
        The cheapest qualifying gift pack.
    fan_levels : tuple of int
        Increasing fan-group sizes of levels 1, 2, ...

    Returns
    -------
    Machine
        Tiers ``customer``, ``distributor``, ``fan_level_1`` ... ``fan_level_n``.

    Raises
    ------
    InvalidDefinitionError
        ``fan_levels`` empty or not increasing.

    Notes
    -----
    The three routes follow the distributor-recruitment rules of WeChat mini-program
    distribution and membership programs (industry practice). The thresholds are
    illustrative defaults.

    References
    ----------
    .. [1] privtraffic issue 3, "Relationship-tier state machines", preset 5.

    Examples
    --------
    >>> m = distributor_qualification()
    >>> m.replay(["gift_pack", "fan_group_size"], ["2024-01-01", "2024-01-02"],
    ...          values=[299.0, 60.0]).tier
    'fan_level_1'
    """
    levels = tuple(int(v) for v in fan_levels)
    if not levels or any(b <= a for a, b in itertools.pairwise(levels)) or levels[0] <= 0:
        raise InvalidDefinitionError(
            f"'fan_levels' must be positive and increasing (got {tuple(fan_levels)!r})"
        )
    rights = ever(
        (count("kol_grant") >= 1)
        | (
            (distinct_days("checkin", window_days=window_days) >= checkin_days)
            & (total("purchase", window_days=window_days) >= spend)
        )
        | (total("gift_pack") >= gift_pack)
    )
    size = latest("fan_group_size")
    tiers = [
        Tier("customer", description="no distribution rights"),
        Tier("distributor", when=rights, description="rights by KOL grant, tasks or gift pack"),
    ]
    for k, threshold in enumerate(levels, start=1):
        tiers.append(
            Tier(
                f"fan_level_{k}",
                when=rights & (size >= threshold),
                description=f"a distributor whose fan group has at least {threshold} members",
            )
        )
    return Machine(
        "distributor_qualification",
        kinds=("kol_grant", "checkin", "purchase", "gift_pack", "fan_group_size"),
        tier_rules=tiers,
        description="distribution rights and fan-group levels",
    )


@attrs.frozen(repr=False)
class DistributorRights(ColumnarTable):
    """Plain arrays for commission code: who may distribute and at which level.

    Parameters
    ----------
    users : numpy.ndarray
        User ids.
    has_rights : numpy.ndarray
        bool: the user holds distribution rights.
    level : numpy.ndarray
        int64: fan-group level (0 below the first level, or without rights).

    Examples
    --------
    >>> r = DistributorRights(np.array([1]), np.array([True]), np.array([2]))
    >>> len(r)
    1
    """

    users: NDArray[np.int64] | NDArray[np.str_]
    has_rights: NDArray[np.bool_]
    level: NDArray[np.int64]


def distribution_rights(table: TierTable) -> DistributorRights:
    """Turn a :func:`distributor_qualification` classification into plain arrays.

    Parameters
    ----------
    table : TierTable
        ``distributor_qualification(...).classify(...)``.

    Returns
    -------
    DistributorRights

    Raises
    ------
    InvalidInputError
        ``table`` does not come from a distributor-qualification machine.

    Examples
    --------
    >>> m = distributor_qualification()
    >>> t = m.classify(["a", "b", "b"], ["kol_grant", "checkin", "fan_group_size"],
    ...                ["2024-01-01", "2024-01-01", "2024-01-02"], values=[0, 0, 80],
    ...                as_of="2024-02-01")
    >>> rights = distribution_rights(t)
    >>> rights.has_rights.tolist(), rights.level.tolist()
    ([True, False], [0, 0])
    """
    names = getattr(table, "tier_names", ())
    if tuple(names[:2]) != ("customer", "distributor"):
        raise InvalidInputError(
            f"'table' must be classified by distributor_qualification (tiers {names!r})"
        )
    codes = np.asarray(table.codes, dtype=np.int64)
    return DistributorRights(
        users=table.users.copy(),
        has_rights=codes >= 1,
        level=np.maximum(codes - 1, 0),
    )
