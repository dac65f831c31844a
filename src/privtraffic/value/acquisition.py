"""What a newly acquired customer is worth, by acquisition channel: :func:`value_by_channel`.

The question behind moving spend from public platforms into the private pool: a customer
acquired on Douyin, on Taobao, in the store — how much margin will each bring? With covariate
models (:class:`~privtraffic.clv.ParetoNBDWithCovariates` or
:class:`~privtraffic.clv.BetaGeoWithCovariates` for purchases,
:class:`~privtraffic.clv.GammaGammaWithCovariates` for spend) fitted with the channel as a
categorical covariate, a new customer from channel ``c`` follows the plain model at that
channel's parameters (``plain_model``), so their value over ``horizon`` months is

``margin · spend_c · (1 + sum_k (E_c[X(k months)] - E_c[X(k - 1 months)]) (1 + d)^-k)``

with ``E_c[X(t)]`` the expected repeat purchases of a new customer (``expected_purchases_new``),
``spend_c = p v_c / (q - 1)`` the channel's mean spend per purchase, ``d`` the monthly discount
rate and the ``1`` the first purchase (at acquisition, undiscounted; leave it out with
``first_purchase=False``). Plain models work too: every channel then gets the same value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import DAYS_PER_MONTH
from privtraffic.clv import CovariateModel
from privtraffic.clv.value import days_per_unit
from privtraffic.errors import InvalidInputError

__all__ = ["ChannelValue", "value_by_channel"]


def _strings(values: ArrayLike) -> NDArray[np.str_]:
    return np.asarray(values).astype(str)


def _floats(values: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


@attrs.frozen(eq=False, repr=False)
class ChannelValue(ColumnarTable):
    """The expected value of a newly acquired customer per channel (:func:`value_by_channel`).

    Attributes
    ----------
    channel : numpy.ndarray
        The channels.
    expected_purchases : numpy.ndarray
        Expected repeat purchases within the horizon (undiscounted).
    mean_spend : numpy.ndarray
        Mean spend per purchase of the channel's customers.
    value : numpy.ndarray
        Expected discounted margin of one new customer over the horizon.
    horizon : int
        Months.
    discount_rate : float
        Monthly discount rate.
    margin : float
        Share of spend that is margin.

    Examples
    --------
    >>> v = ChannelValue(channel=["douyin"], expected_purchases=[1.5], mean_spend=[80.0],
    ...     value=[30.0], horizon=12, discount_rate=0.01, margin=0.3)
    >>> v.to_dict()["channel"]
    ['douyin']
    """

    channel: NDArray[np.str_] = attrs.field(converter=_strings)
    expected_purchases: NDArray[np.float64] = attrs.field(converter=_floats)
    mean_spend: NDArray[np.float64] = attrs.field(converter=_floats)
    value: NDArray[np.float64] = attrs.field(converter=_floats)
    horizon: int = 12
    discount_rate: float = 0.0
    margin: float = 1.0

    def columns(self) -> dict[str, NDArray[Any]]:
        """``channel``, ``expected_purchases``, ``mean_spend``, ``value``.

        Examples
        --------
        >>> sorted(ChannelValue(["a"], [1.0], [2.0], [3.0]).columns())
        ['channel', 'expected_purchases', 'mean_spend', 'value']
        """
        return {
            "channel": self.channel,
            "expected_purchases": self.expected_purchases,
            "mean_spend": self.mean_spend,
            "value": self.value,
        }

    def __repr__(self) -> str:
        lines = [
            f"value of a new customer over {self.horizon} months "
            f"(discount {self.discount_rate:g}/month, margin {self.margin:g})",
            f"{'channel':>14} {'purchases':>10} {'spend':>10} {'value':>10}",
        ]
        for i, c in enumerate(self.channel.tolist()):
            lines.append(
                f"{c:>14} {self.expected_purchases[i]:>10.4g} {self.mean_spend[i]:>10.4g} "
                f"{self.value[i]:>10.4g}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = zip(
            self.channel.tolist(),
            self.expected_purchases.tolist(),
            self.mean_spend.tolist(),
            self.value.tolist(),
            strict=True,
        )
        return html_table(
            list(rows),
            ["channel", "expected_purchases", "mean_spend", "value"],
            title=f"Value of a new customer over {self.horizon} months",
        )


def _rows_for(
    model: Any, column: str, channel: str, base: Mapping[str, Any]
) -> dict[str, dict[str, list[Any]]]:
    """One covariate row per covariate argument of ``model`` for a customer of ``channel``."""
    if not isinstance(model, CovariateModel):
        return {}
    rows: dict[str, dict[str, list[Any]]] = {}
    for argument, encoding in model.encodings_.items():
        if not encoding.columns:
            continue
        row: dict[str, list[Any]] = {}
        for name in encoding.columns:
            if name == column:
                row[name] = [channel]
            elif name in base:
                row[name] = [base[name]]
            else:
                raise InvalidInputError(
                    f"'base' must give covariate '{name}' of {type(model).__name__}'s "
                    f"'{argument}' (the value a new customer of every channel has)"
                )
        rows[argument] = row
    return rows


def _plain(model: Any, rows: dict[str, dict[str, list[Any]]]) -> Any:
    return model.plain_model(**rows) if isinstance(model, CovariateModel) else model


def value_by_channel(
    transaction_model: Any,
    spend_model: Any,
    channels: Sequence[str],
    *,
    horizon: int,
    discount_rate: float,
    unit: str | float,
    margin: float = 1.0,
    column: str = "channel",
    base: Mapping[str, Any] | None = None,
    first_purchase: bool = True,
) -> ChannelValue:
    """Expected discounted margin of one newly acquired customer from each channel.

    Parameters
    ----------
    transaction_model : fitted ParetoNBD, BetaGeo, ModifiedBetaGeo, or a covariate model
        With ``expected_purchases_new``; a covariate model is evaluated at each channel.
    spend_model : fitted GammaGamma or GammaGammaWithCovariates
        The mean spend per purchase of a channel's customers is ``expected_spend(0, 0)`` of
        its plain model, ``p v / (q - 1)``.
    channels : sequence of str
        The channels (levels of the categorical covariate ``column``).
    horizon : int
        Months (>= 1).
    discount_rate : float
        Monthly discount rate (>= 0).
    unit : {"D", "W", "M"} or float
        The models' time unit.
    margin : float, default 1.0
        Share of spend that is margin (>= 0).
    column : str, default "channel"
        The covariate column holding the channel.
    base : mapping, optional
        The value of every other covariate for the new customer (e.g. ``{"wecom": 0}``).
    first_purchase : bool, default True
        Count the first purchase, at acquisition.

    Returns
    -------
    ChannelValue

    Raises
    ------
    InvalidInputError
        Bad horizon, rate, margin or unit, no channels, a channel not seen at fit, a covariate
        missing from ``base``.
    UnrepresentableError
        A spend model whose mean spend is infinite (``q <= 1``).

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo, GammaGamma
    >>> bg = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    >>> v = value_by_channel(bg, gg, ["store"], horizon=12, discount_rate=0.01, unit="W",
    ...     first_purchase=False)
    >>> from privtraffic.clv import customer_lifetime_value  # a customer with no history yet
    >>> clv = customer_lifetime_value(bg, gg, [0], [0.0], [1e-9], [0.0], horizon=12,
    ...     discount_rate=0.01, unit="W")
    >>> round(float(v.value[0]), 4) == round(float(clv[0]), 4)
    True
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise InvalidInputError(
            f"'horizon' must be a whole number of months >= 1 (got {horizon!r})"
        )
    for name, value in (("discount_rate", discount_rate), ("margin", margin)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not math.isfinite(value)
            or value < 0
        ):
            raise InvalidInputError(f"'{name}' must be a finite number >= 0 (got {value!r})")
    channels = [str(c) for c in channels]
    if not channels:
        raise InvalidInputError("'channels' must name at least one channel")
    month = DAYS_PER_MONTH / days_per_unit(unit)
    base = dict(base or {})
    growth = 1.0 + float(discount_rate)
    ages = month * np.arange(1, int(horizon) + 1)
    weights = growth ** -np.arange(1, int(horizon) + 1)
    purchases, spends, values = [], [], []
    for c in channels:
        plain_t = _plain(transaction_model, _rows_for(transaction_model, column, c, base))
        plain_s = _plain(spend_model, _rows_for(spend_model, column, c, base))
        cumulative = plain_t.expected_purchases_new(ages)
        increments = np.diff(np.concatenate([[0.0], cumulative]))
        spend = float(plain_s.expected_spend(0, 0.0)[0])
        discounted = float(increments @ weights) + (1.0 if first_purchase else 0.0)
        purchases.append(float(cumulative[-1]))
        spends.append(spend)
        values.append(float(margin) * spend * discounted)
    return ChannelValue(
        channel=channels,
        expected_purchases=purchases,
        mean_spend=spends,
        value=values,
        horizon=int(horizon),
        discount_rate=float(discount_rate),
        margin=float(margin),
    )
