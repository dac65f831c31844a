"""Customer lifetime value: discounted expected margin from a transaction and a spend model.

For each month ``k = 1 .. horizon`` the transaction model gives the expected purchases in that
month, ``E[X(T, T + k m]] - E[X(T, T + (k-1) m]]`` with ``m`` one month in the data's time
unit; the spend model gives the expected value per purchase; each month is discounted by
``(1 + discount_rate) ** k``:

``CLV = margin * spend * sum_k (E_k - E_{k-1}) / (1 + discount_rate) ** k``,

summed by parts (``sum_{k<H} E_k (d_k - d_{k+1}) + E_H d_H``) so that every term is
non-negative: the CLV is >= 0 by construction, however close successive ``E_k`` are.

This is the computation of lifetimes' ``GammaGammaFitter.customer_lifetime_value``, with an
exact month (365.25 / 12 days) where lifetimes uses 4.345 weeks or 30 days.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import DAYS_PER_MONTH, unit_days
from privtraffic.clv import _scalar
from privtraffic.clv._base import (
    DataInput,
    check_finite_nonnegative,
    check_representable,
    history_and_unit,
)
from privtraffic.errors import InvalidInputError

__all__ = [
    "DAYS_PER_MONTH",
    "SpendModel",
    "TransactionModel",
    "customer_lifetime_value",
    "days_per_unit",
]

_COLUMNS = ("frequency", "recency", "T", "monetary_value")


class TransactionModel(Protocol):
    """What :func:`customer_lifetime_value` needs of a transaction model.

    :class:`~privtraffic.clv.BetaGeo`, :class:`~privtraffic.clv.ModifiedBetaGeo` and
    :class:`~privtraffic.clv.ParetoNBD` are transaction models.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> def horizon_purchases(model: TransactionModel) -> float:
    ...     return float(model.expected_purchases(39, 2, 30.43, 38.86)[0])
    >>> round(horizon_purchases(BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)), 3)
    1.226
    """

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected purchases in the next ``t`` time units."""
        ...


class SpendModel(Protocol):
    """What :func:`customer_lifetime_value` needs of a spend model (e.g. GammaGamma).

    Examples
    --------
    >>> from privtraffic.clv import GammaGamma
    >>> def spend(model: SpendModel) -> float:
    ...     return float(model.expected_spend(2, 35.0)[0])
    >>> round(spend(GammaGamma.from_params(p=6.25, q=3.74, v=15.44)), 2)
    35.04
    """

    def expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected spend per transaction."""
        ...


def days_per_unit(unit: str | float) -> float:
    """Days in one time unit: ``"D"`` (1), ``"W"`` (7), ``"M"`` (365.25/12) or a number of days.

    The same parser as every other ``unit`` argument of privtraffic.

    Parameters
    ----------
    unit : {"D", "W", "M"} or float
        The time unit recency and T are measured in.

    Returns
    -------
    float
        The length of one ``unit`` in days.

    Raises
    ------
    InvalidInputError
        Another string, or a number that is not finite and positive.

    Examples
    --------
    >>> days_per_unit("W"), days_per_unit(14)
    (7.0, 14.0)
    """
    return unit_days(unit)


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    frequency: DataInput,
    recency: ArrayLike | None = None,
    T: ArrayLike | None = None,
    monetary_value: ArrayLike | None = None,
    *,
    horizon: int | None = None,
    discount_rate: float,
    unit: str | float | None = None,
    margin: float = 1.0,
    method: Literal["monthly", "dert"] = "monthly",
) -> NDArray[np.float64]:
    """Discounted expected margin of each customer over the next ``horizon`` months.

    Parameters
    ----------
    transaction_model : fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or similar
        Anything with ``expected_purchases(t, frequency, recency, T)``.
    spend_model : fitted GammaGamma or similar
        Anything with ``expected_spend(frequency, monetary_value)``.
    frequency : array-like, RFMSummary or pandas.DataFrame
        Repeat purchases; or a table with ``frequency``, ``recency``, ``T`` and
        ``monetary_value`` columns (an ``RFMSummary`` also supplies ``unit``).
    recency, T : array-like
        The customers' history, in the time unit the transaction model was fitted in.
    monetary_value : array-like
        Mean value of the repeat purchases (0 for customers without one).
    horizon : int
        Number of months to sum over (>= 1).
    discount_rate : float
        Monthly discount rate (>= 0), e.g. 0.01 for 1% a month.
    unit : {"D", "W", "M"} or float, optional
        Time unit of ``recency`` and ``T``: days, weeks, months (365.25/12 days) or a number
        of days. Required unless ``frequency`` is an ``RFMSummary``.
    margin : float, default 1.0
        Fraction of spend that is margin (>= 0).
    method : {"monthly", "dert"}, default "monthly"
        ``"dert"``: margin x spend x :func:`~privtraffic.clv.discounted_residual_transactions`,
        every future purchase discounted continuously, without a horizon; ``discount_rate``
        is then an annual continuously compounded rate and ``horizon`` is not used.

    Returns
    -------
    numpy.ndarray
        CLV per customer, in the currency of ``monetary_value``.

    Raises
    ------
    InvalidInputError
        Bad ``horizon``, ``discount_rate``, ``unit`` or ``margin``, or data the models reject.
    UnrepresentableError
        A value past the float64 range (or an infinite expected spend), naming the row.
    NotFittedError
        Either model is not fitted.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves
    for Customer Base Analysis. *Journal of Marketing Research* 42(4), 415-430.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo, GammaGamma
    >>> bg = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    >>> clv = customer_lifetime_value(bg, gg, [0, 2], [0, 30.43], [38.86, 38.86], [0, 35.0],
    ...     horizon=12, discount_rate=0.01, unit="W")
    >>> np.round(clv, 2).tolist()
    [8.37, 51.59]
    """
    x, (recency, T, monetary_value), unit = history_and_unit(
        frequency, (recency, T, monetary_value), _COLUMNS, unit
    )
    days = days_per_unit(unit)
    if method not in ("monthly", "dert"):
        raise InvalidInputError(f"'method' must be 'monthly' or 'dert' (got {method!r})")
    if method == "monthly" and (
        isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1
    ):
        raise InvalidInputError(
            f"'horizon' must be a whole number of months >= 1 (got {horizon!r})"
        )
    check_finite_nonnegative(discount_rate, "discount_rate")
    check_finite_nonnegative(margin, "margin")
    if recency is None or T is None or monetary_value is None:
        missing = "recency" if recency is None else "T" if T is None else "monetary_value"
        raise InvalidInputError(f"'{missing}' is required")
    if method == "monthly" and _scalar.numbers(x, recency, T, monetary_value) is not None:
        one = _one_customer(
            transaction_model, spend_model, (x, recency, T, monetary_value), int(horizon or 0),
            float(discount_rate), float(margin), days,
        )  # fmt: skip
        if one is not None:  # else the batch path below raises, naming the inputs
            return np.array([one])
    spend = spend_model.expected_spend(x, monetary_value)
    if method == "dert":
        from privtraffic.clv.dert import discounted_residual_transactions

        dert = discounted_residual_transactions(
            transaction_model,  # type: ignore[arg-type]  # ParetoNBD, BetaGeo or MBG/NBD
            x,
            recency,
            T,
            discount_rate=discount_rate,
            unit=days,
        )
        return float(margin) * spend * dert
    month = DAYS_PER_MONTH / days
    # sum_k (E_k - E_{k-1}) d_k with d_k = (1 + rate)**-k, summed by parts:
    # sum_{k<H} E_k (d_k - d_{k+1}) + E_H d_H. Every term is >= 0 (E_k >= 0, d falling), so
    # the sum is >= 0 by construction, however small the monthly increments are.
    growth = 1.0 + float(discount_rate)
    total = np.zeros_like(spend, dtype=np.float64)
    horizon_months = int(horizon or 0)
    for k in range(1, horizon_months + 1):
        cumulative = transaction_model.expected_purchases(k * month, x, recency, T)
        weight = growth**-k * (1.0 - 1.0 / growth) if k < horizon_months else growth**-k
        total += cumulative * weight
    with np.errstate(over="ignore"):
        clv: NDArray[np.float64] = float(margin) * spend * total
    return check_representable(clv, "customer_lifetime_value", monetary_value=spend)


def _one_customer(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    customer: tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike],
    horizon: int,
    discount_rate: float,
    margin: float,
    days: float,
) -> float | None:
    """The monthly CLV of one customer given as numbers, in Python floats (``None`` if it is
    not finite): the models' one-customer calls and the batch sum, term by term."""
    x, recency, T, monetary_value = customer
    spend = float(spend_model.expected_spend(x, monetary_value)[0])
    month = DAYS_PER_MONTH / days
    growth = 1.0 + discount_rate
    total = 0.0
    for k in range(1, horizon + 1):
        cumulative = float(transaction_model.expected_purchases(k * month, x, recency, T)[0])
        weight = growth**-k * (1.0 - 1.0 / growth) if k < horizon else growth**-k
        total += cumulative * weight
    value = margin * spend * total
    return value if math.isfinite(value) else None
