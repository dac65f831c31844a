"""Customer lifetime value: discounted expected margin from a transaction and a spend model.

For each month ``k = 1 .. horizon`` the transaction model gives the expected purchases in that
month, ``E[X(T, T + k m]] - E[X(T, T + (k-1) m]]`` with ``m`` one month in the data's time
unit; the spend model gives the expected value per purchase; each month is discounted by
``(1 + discount_rate) ** k``:

``CLV = margin * spend * sum_k (E_k - E_{k-1}) / (1 + discount_rate) ** k``.

This is the computation of lifetimes' ``GammaGammaFitter.customer_lifetime_value``, with an
exact month (365.25 / 12 days) where lifetimes uses 4.345 weeks or 30 days.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from privtraffic._validation import DAYS_PER_MONTH, unit_days
from privtraffic.errors import InvalidInputError

__all__ = ["DAYS_PER_MONTH", "customer_lifetime_value", "days_per_unit"]


def days_per_unit(unit: Any) -> float:
    """Days in one time unit: ``"D"`` (1), ``"W"`` (7), ``"M"`` (365.25/12) or a number of days.

    The same parser as every other ``unit`` argument of privtraffic.

    Parameters
    ----------
    unit : {"D", "W", "M"} or float
        The time unit recency and T are measured in.

    Returns
    -------
    float

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


def _table_values(
    frequency: Any, recency: Any, T: Any, monetary_value: Any, unit: Any
) -> tuple[Any, Any, Any, Any, Any]:
    if recency is None and T is None and monetary_value is None:
        columns = getattr(frequency, "columns", None)
        if callable(columns):  # an RFMSummary
            cols = columns()
            missing = [c for c in ("frequency", "recency", "T", "monetary_value") if c not in cols]
            if missing:
                raise InvalidInputError(f"the summary table has no column {missing[0]!r}")
            if unit is None:
                unit = getattr(frequency, "unit", None)
            return cols["frequency"], cols["recency"], cols["T"], cols["monetary_value"], unit
        if hasattr(frequency, "iloc"):  # a pandas DataFrame
            df = frequency
            for c in ("frequency", "recency", "T", "monetary_value"):
                if c not in df.columns:
                    raise InvalidInputError(f"the data table has no column {c!r}")
            return df["frequency"], df["recency"], df["T"], df["monetary_value"], unit
    return frequency, recency, T, monetary_value, unit


def customer_lifetime_value(
    transaction_model: Any,
    spend_model: Any,
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    monetary_value: Any = None,
    *,
    horizon: int,
    discount_rate: float,
    unit: Any = None,
    margin: float = 1.0,
) -> np.ndarray:
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

    Returns
    -------
    numpy.ndarray
        CLV per customer, in the currency of ``monetary_value``.

    Raises
    ------
    InvalidInputError
        Bad ``horizon``, ``discount_rate``, ``unit`` or ``margin``, or data the models reject.
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
    frequency, recency, T, monetary_value, unit = _table_values(
        frequency, recency, T, monetary_value, unit
    )
    if unit is None:
        raise InvalidInputError(
            "'unit' is required: the time unit of recency and T ('D', 'W', 'M' or days)"
        )
    days = days_per_unit(unit)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise InvalidInputError(
            f"'horizon' must be a whole number of months >= 1 (got {horizon!r})"
        )
    if (
        isinstance(discount_rate, bool)
        or not isinstance(discount_rate, (int, float, np.number))
        or not math.isfinite(discount_rate)
        or discount_rate < 0
    ):
        raise InvalidInputError(
            f"'discount_rate' must be a finite number >= 0 (got {discount_rate!r})"
        )
    if (
        isinstance(margin, bool)
        or not isinstance(margin, (int, float, np.number))
        or not math.isfinite(margin)
        or margin < 0
    ):
        raise InvalidInputError(f"'margin' must be a finite number >= 0 (got {margin!r})")
    if monetary_value is None:
        raise InvalidInputError("'monetary_value' is required")
    spend = spend_model.expected_spend(frequency, monetary_value)
    month = DAYS_PER_MONTH / days
    total = np.zeros_like(spend, dtype=np.float64)
    previous = np.zeros_like(total)
    for k in range(1, int(horizon) + 1):
        cumulative = transaction_model.expected_purchases(k * month, frequency, recency, T)
        total += (cumulative - previous) / (1.0 + float(discount_rate)) ** k
        previous = cumulative
    return float(margin) * spend * total
