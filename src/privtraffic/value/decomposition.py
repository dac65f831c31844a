"""The three-factor identity of private-domain value and its LMDI decomposition.

Private-domain value = traffic pool × fan-conversion ability × fan monetisation rate:

.. math:: V = P \\cdot C \\cdot M, \\qquad P = \\text{pool size},\\;
   C = \\frac{\\text{fans}}{\\text{pool}},\\; M = \\frac{\\text{revenue}}{\\text{fans}}

The change between two periods is split into the three factors' contributions with the additive
log-mean Divisia index (LMDI-I), which leaves no residual.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeAlias, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import (
    as_float_array,
    check_nonempty,
    check_same_length,
    first_index,
)
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "GroupContributions",
    "ValueDecomposition",
    "decompose",
    "logarithmic_mean",
    "three_factors",
]

FACTORS = ("pool", "conversion", "monetization")


#: One factor over two periods: ``(base, comparison)``, numbers or arrays (one entry per group),
#: or mappings ``{group: value}``.
ArrayPeriod: TypeAlias = tuple[ArrayLike, ArrayLike]
KeyedPeriod: TypeAlias = tuple[Mapping[Hashable, float], Mapping[Hashable, float]]
Period: TypeAlias = ArrayPeriod | KeyedPeriod


def logarithmic_mean(x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """The logarithmic mean :math:`L(x, y) = (x - y) / (\\ln x - \\ln y)`, with its limits.

    ``L(x, x) = x`` and, as in Ang (2005), ``L(x, 0) = L(0, y) = 0``.

    Parameters
    ----------
    x, y : array-like
        Non-negative numbers of the same length (or scalars).

    Returns
    -------
    numpy.ndarray
        The logarithmic means, elementwise.

    References
    ----------
    .. [1] B. W. Ang (2005). "The LMDI approach to decomposition analysis: a practical guide".
       Energy Policy 33(7), 867-871.

    Examples
    --------
    >>> logarithmic_mean([2.0, 3.0, 5.0], [1.0, 3.0, 0.0]).round(4)
    array([1.4427, 3.    , 0.    ])
    """
    a = np.atleast_1d(np.asarray(x, dtype=np.float64))
    b = np.atleast_1d(np.asarray(y, dtype=np.float64))
    return _logarithmic_mean(a, b)


def _logarithmic_mean(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    a, b = np.broadcast_arrays(a, b)
    out = np.zeros(a.shape, dtype=np.float64)
    pos = (a > 0) & (b > 0)
    same = pos & (a == b)
    out[same] = a[same]
    diff = pos & ~same
    ad, bd = a[diff], b[diff]
    # log1p keeps the ratio accurate when the two periods are close.
    out[diff] = (ad - bd) / np.log1p((ad - bd) / bd)
    return out


def three_factors(
    pool: ArrayLike, fans: ArrayLike, revenue: ArrayLike
) -> dict[str, NDArray[np.float64]]:
    """Turn counts into the identity's factors: pool, conversion = fans/pool, revenue per fan.

    Parameters
    ----------
    pool : array-like
        Traffic pool size per group (users reached in the owned channels), ``>= 0``.
    fans : array-like
        Fans or members per group, ``0 <= fans <= pool``.
    revenue : array-like
        Revenue per group, ``>= 0``.

    Returns
    -------
    dict
        ``{"pool": ..., "conversion": ..., "monetization": ...}`` as float arrays. A group with an
        empty pool has conversion 0, a group without fans has monetisation 0 (the product, the
        value, is then 0 as it must be).

    Raises
    ------
    InvalidInputError
        Negative counts or revenue, more fans than pool, or revenue without fans.

    Examples
    --------
    >>> f = three_factors(pool=[1000, 0], fans=[200, 0], revenue=[5000.0, 0.0])
    >>> f["conversion"].tolist(), f["monetization"].tolist()
    ([0.2, 0.0], [25.0, 0.0])
    """
    p = as_float_array(np.atleast_1d(pool), "pool", minimum=0)
    f = as_float_array(np.atleast_1d(fans), "fans", minimum=0)
    r = as_float_array(np.atleast_1d(revenue), "revenue", minimum=0)
    check_same_length(pool=p, fans=f, revenue=r)
    i = first_index(f > p)
    if i >= 0:
        raise InvalidInputError(
            f"'fans' must be <= pool (got {float(f[i])!r} > {float(p[i])!r} at index {i})"
        )
    i = first_index((f == 0) & (r > 0))
    if i >= 0:
        raise InvalidInputError(
            f"'revenue' must be 0 where fans is 0 (got {float(r[i])!r} at index {i})"
        )
    conversion = np.divide(f, p, out=np.zeros_like(f), where=p > 0)
    monetization = np.divide(r, f, out=np.zeros_like(r), where=f > 0)
    return {"pool": p, "conversion": conversion, "monetization": monetization}


@attrs.frozen(eq=False, repr=False)
class GroupContributions(ColumnarTable):
    """Each group's contribution of the three factors to the change in value: one row per group.

    Attributes
    ----------
    group : numpy.ndarray
        Group labels (``0..n-1`` when none were given).
    pool, conversion, monetization : numpy.ndarray
        The factor's contribution in each group.
    change : numpy.ndarray
        The change in each group's value (the sum of its three contributions).

    Examples
    --------
    >>> parts = decompose(pool=([1, 2], [2, 2]), conversion=([1, 1], [1, 1]),
    ...                   monetization=([1, 1], [1, 1]), groups=["wecom", "app"])
    >>> parts.by_group["pool"].round(4).tolist(), list(parts.by_group.columns())
    ([1.0, 0.0], ['group', 'pool', 'conversion', 'monetization', 'change'])
    """

    group: NDArray[np.generic]
    pool: NDArray[np.float64]
    conversion: NDArray[np.float64]
    monetization: NDArray[np.float64]
    change: NDArray[np.float64]


@attrs.frozen(eq=False)
class ValueDecomposition(Mapping[str, float]):
    """The change in private-domain value split into pool, conversion and monetisation effects.

    Reads like a dict: ``parts["pool"] + parts["conversion"] + parts["monetization"]`` is the
    change ``value_1 - value_0``. The per-group contributions (one row per channel or tier) are
    the table :attr:`by_group`.

    Attributes
    ----------
    pool, conversion, monetization : float
        Each factor's contribution to the change, summed over groups.
    value_0, value_1 : float
        Total value in the base and the comparison period.
    groups : numpy.ndarray
        Group labels (``0..n-1`` when none were given).
    by_group : GroupContributions
        Per-group contributions of each factor, and ``"change"`` per group.

    Examples
    --------
    >>> parts = decompose(pool=(100, 120), conversion=(0.1, 0.1), monetization=(50, 50))
    >>> round(parts["pool"], 6), round(parts["conversion"], 6), parts.change
    (100.0, 0.0, 100.0)
    """

    pool: float
    conversion: float
    monetization: float
    value_0: float
    value_1: float
    groups: NDArray[np.generic]
    by_group: GroupContributions

    @property
    def change(self) -> float:
        """The change in value, ``value_1 - value_0``.

        Returns
        -------
        float

        Examples
        --------
        >>> decompose(pool=(10, 20), conversion=(0.5, 0.5), monetization=(2, 2)).change
        10.0
        """
        return self.value_1 - self.value_0

    def __getitem__(self, key: str) -> float:
        if key not in FACTORS:
            raise KeyError(key)
        return float(getattr(self, key))

    def __iter__(self) -> Iterator[str]:
        return iter(FACTORS)

    def __len__(self) -> int:
        return len(FACTORS)

    def to_pandas(self) -> pd.DataFrame:
        """The per-group contributions (:attr:`by_group`) as a ``pandas.DataFrame``.

        Returns
        -------
        pandas.DataFrame
            One row per group; columns ``group``, the three factors and ``change``.

        Examples
        --------
        >>> parts = decompose(pool=([1, 2], [2, 2]), conversion=([1, 1], [1, 1]),
        ...                   monetization=([1, 1], [1, 1]), groups=["wecom", "app"])
        >>> parts.to_pandas()["group"].tolist()
        ['wecom', 'app']
        """
        return self.by_group.to_pandas()

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = [(name, self[name]) for name in FACTORS] + [("change", self.change)]
        return html_table(
            rows,
            ["factor", "contribution"],
            title="Private-domain value decomposition (LMDI)",
            notes={"value_0": self.value_0, "value_1": self.value_1},
        )


def _period(arg: ArrayPeriod, name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if isinstance(arg, Mapping):
        raise InvalidInputError(f"'{name}' must be a pair (base, comparison), got a mapping")
    try:
        base, comparison = arg
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"'{name}' must be a pair (base, comparison) of numbers or arrays"
        ) from None
    if base is None or comparison is None:
        which = "base" if base is None else "comparison"
        raise InvalidInputError(
            f"'{name}' is missing its {which} period; pass 0 for a group absent in a period"
        )
    x0 = as_float_array(np.atleast_1d(base), f"{name}[0]", minimum=0)
    x1 = as_float_array(np.atleast_1d(comparison), f"{name}[1]", minimum=0)
    check_nonempty(x0, f"{name}[0]")
    check_same_length(**{f"{name}[0]": x0, f"{name}[1]": x1})
    return x0, x1


def _keyed(periods: Mapping[str, Period]) -> dict[str, KeyedPeriod] | None:
    """The three factors' pairs of mappings, or None when they are numbers or arrays."""
    pairs = [p for p in periods.values() if isinstance(p, (tuple, list)) and len(p) == 2]
    keyed = [isinstance(x, Mapping) for p in pairs for x in p]
    if any(keyed) and not (len(pairs) == 3 and all(keyed)):
        raise InvalidInputError(
            "'pool', 'conversion' and 'monetization' must all be pairs of mappings "
            "(group -> value) or all pairs of numbers/arrays"
        )
    if not any(keyed):
        return None
    mappings: dict[str, KeyedPeriod] = {}
    for name, (base, comparison) in periods.items():
        assert isinstance(base, Mapping) and isinstance(comparison, Mapping)
        mappings[name] = (base, comparison)
    return mappings


def _align(
    periods: Mapping[str, KeyedPeriod],
) -> tuple[NDArray[np.generic], dict[str, ArrayPeriod]]:
    """Align mappings keyed by group; a group absent from a period is 0 in that period."""
    order: dict[Hashable, None] = {}
    for period in (0, 1):
        keys = [list(periods[name][period]) for name in FACTORS]
        for name, these in zip(FACTORS, keys, strict=True):
            missing = set(keys[0]).symmetric_difference(these)
            if missing:
                group = sorted(map(str, missing))[0]
                raise InvalidInputError(
                    f"'{name}[{period}]' must have the same groups as 'pool[{period}]' "
                    f"(group {group!r} is in one and not the other)"
                )
        for key in keys[0]:
            order.setdefault(key, None)
    labels = list(order)
    aligned: dict[str, ArrayPeriod] = {
        name: (
            [periods[name][0].get(g, 0.0) for g in labels],
            [periods[name][1].get(g, 0.0) for g in labels],
        )
        for name in FACTORS
    }
    return np.array(labels), aligned


def decompose(
    *,
    pool: Period,
    conversion: Period,
    monetization: Period,
    groups: ArrayLike | None = None,
) -> ValueDecomposition:
    """Split the change in private-domain value between two periods into three exact parts.

    With :math:`V = \\sum_g P_g C_g M_g` over groups :math:`g` (channels or tiers), the additive
    LMDI-I contribution of factor :math:`x` is

    .. math:: \\Delta V_x = \\sum_g L(V_{g,1}, V_{g,0}) \\ln \\frac{x_{g,1}}{x_{g,0}},

    and :math:`\\Delta V_P + \\Delta V_C + \\Delta V_M = V_1 - V_0` exactly: there is no residual.

    Parameters
    ----------
    pool, conversion, monetization : pair
        ``(base, comparison)``: the factor in the base and the comparison period, each a number
        or an array with one entry per group (channel, tier). All ``>= 0``. Or, for all three,
        pairs of mappings ``{group: value}``: a group missing from both mappings of a period
        (a channel that did not exist yet, a tier that emptied) is 0 in that period.
    groups : array-like, optional
        Labels of the groups, for :attr:`ValueDecomposition.by_group` and ``to_pandas`` (taken
        from the keys when mappings are given).

    Returns
    -------
    ValueDecomposition
        Dict-like over ``"pool"``, ``"conversion"``, ``"monetization"``, summed over groups.

    Raises
    ------
    InvalidInputError
        A period missing (``None``), empty arrays, negative, NaN or infinite values, arrays of
        different lengths, mappings mixed with arrays or with different groups across factors.

    Notes
    -----
    **Zeros.** A group absent in one period (a new channel, a tier that emptied) enters as 0.
    Instead of the common "replace 0 by a small :math:`\\delta`" device, the exact limit as
    :math:`\\delta \\to 0` is used, with :math:`L(x, 0) = 0` (Ang 2005; Ang and Liu 2007): a group
    whose value goes from 0 to :math:`V_1` gives all of :math:`V_1` to the factor(s) that were
    zero in the base period (split equally if several were, the limit when they share one
    :math:`\\delta`), and nothing to the others; symmetrically a group going to 0 gives
    :math:`-V_0` to the factors that became zero. A group that is 0 in both periods contributes
    nothing.

    **Missing.** A missing period (``None``) or a NaN is an error, not a zero: the caller says
    what absent means by passing 0 — or by leaving the group out of that period's mappings,
    which means exactly that. A group present for one factor and absent for another in the
    same period is an error.

    **Floating point.** The identity is exact in real arithmetic; in doubles each group's
    contributions add up to its change within a few ulps (the tests check a relative tolerance of
    1e-12 with :func:`math.fsum`).

    References
    ----------
    .. [1] B. W. Ang (2005). "The LMDI approach to decomposition analysis: a practical guide".
       Energy Policy 33(7), 867-871.
    .. [2] B. W. Ang and N. Liu (2007). "Handling zero values in the logarithmic mean Divisia
       index decomposition approach". Energy Policy 35(1), 238-246.

    Examples
    --------
    >>> parts = decompose(pool=(1000, 1200), conversion=(0.10, 0.12), monetization=(300, 280))
    >>> {k: round(v, 2) for k, v in parts.items()}
    {'pool': 6364.14, 'conversion': 6364.14, 'monetization': -2408.27}
    >>> round(sum(parts.values()), 6), round(1200 * 0.12 * 280 - 1000 * 0.10 * 300, 6)
    (10320.0, 10320.0)

    By channel, with a channel that is new in the comparison period:

    >>> parts = decompose(
    ...     pool=([800, 0], [900, 300]),
    ...     conversion=([0.1, 0.0], [0.1, 0.05]),
    ...     monetization=([200, 0], [200, 150]),
    ...     groups=["wecom", "mini_program"],
    ... )
    >>> parts.by_group["pool"].tolist(), parts.by_group["conversion"].tolist()
    ([2000.0, 750.0], [0.0, 750.0])
    >>> round(parts.change, 2)
    4250.0

    The same with mappings, where the new channel is simply absent from the base period:

    >>> parts = decompose(
    ...     pool=({"wecom": 800}, {"wecom": 900, "mini_program": 300}),
    ...     conversion=({"wecom": 0.1}, {"wecom": 0.1, "mini_program": 0.05}),
    ...     monetization=({"wecom": 200}, {"wecom": 200, "mini_program": 150}),
    ... )
    >>> parts.groups.tolist(), parts.by_group["pool"].tolist()
    (['wecom', 'mini_program'], [2000.0, 750.0])
    """
    periods: dict[str, Period] = {
        "pool": pool,
        "conversion": conversion,
        "monetization": monetization,
    }
    keyed = _keyed(periods)
    if keyed is None:  # no mapping among them: pairs of numbers or arrays (checked by _period)
        arrays = cast("dict[str, ArrayPeriod]", periods)
    else:
        if groups is not None:
            raise InvalidInputError("'groups' comes from the mappings' keys; do not pass both")
        groups, arrays = _align(keyed)
    p0, p1 = _period(arrays["pool"], "pool")
    c0, c1 = _period(arrays["conversion"], "conversion")
    m0, m1 = _period(arrays["monetization"], "monetization")
    n = check_same_length(pool=p0, conversion=c0, monetization=m0)
    if groups is None:
        labels = np.arange(n)
    else:
        labels = np.asarray(groups)
        if labels.ndim != 1 or labels.shape[0] != n:
            raise InvalidInputError(
                f"'groups' must have one label per group (got {labels.size} labels for {n} groups)"
            )
        labels = labels.copy()
    contributions = _lmdi(np.stack([p0, c0, m0]), np.stack([p1, c1, m1]))
    v0 = p0 * c0 * m0
    v1 = p1 * c1 * m1
    by_group = GroupContributions(
        group=labels,
        pool=contributions[0],
        conversion=contributions[1],
        monetization=contributions[2],
        change=v1 - v0,
    )
    return ValueDecomposition(
        pool=float(np.sum(contributions[0])),
        conversion=float(np.sum(contributions[1])),
        monetization=float(np.sum(contributions[2])),
        value_0=float(np.sum(v0)),
        value_1=float(np.sum(v1)),
        groups=labels,
        by_group=by_group,
    )


def _lmdi(x0: NDArray[np.float64], x1: NDArray[np.float64]) -> NDArray[np.float64]:
    """LMDI-I contributions, shape (n_factors, n_groups), with the exact zero-value limits."""
    v0 = np.prod(x0, axis=0)
    v1 = np.prod(x1, axis=0)
    out = np.zeros(x0.shape, dtype=np.float64)
    zero0 = x0 == 0
    zero1 = x1 == 0
    both = ~zero0.any(axis=0) & ~zero1.any(axis=0)
    if np.any(both):
        logs = np.log(x1[:, both] / x0[:, both])
        total_log = logs.sum(axis=0)  # = ln(V1 / V0)
        change = v1[both] - v0[both]
        # L(V1, V0) ln(x1/x0) = (V1 - V0) * ln(x1/x0) / ln(V1/V0): with ln(V1/V0) taken as the
        # sum of the factor logs, the contributions add up to V1 - V0 to rounding. Near
        # V1 = V0 that ratio is 0/0, and the stable logarithmic mean is used instead.
        far = np.abs(total_log) > 1e-6
        weight = np.empty_like(change)
        weight[far] = change[far] / total_log[far]
        weight[~far] = _logarithmic_mean(v1[both][~far], v0[both][~far])
        out[:, both] = weight * logs
    born = zero0.any(axis=0) & ~zero1.any(axis=0)  # the factors that were zero take all of V1
    if np.any(born):
        z = zero0[:, born]
        out[:, born] = z * (v1[born] / z.sum(axis=0))
    gone = ~zero0.any(axis=0) & zero1.any(axis=0)
    if np.any(gone):
        z = zero1[:, gone]
        out[:, gone] = -(z * (v0[gone] / z.sum(axis=0)))
    return out
