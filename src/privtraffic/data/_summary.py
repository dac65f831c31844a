"""The frozen tables of the data layer: transaction logs and RFM summaries."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from privtraffic._tables import ColumnarTable
from privtraffic.errors import InvalidInputError

__all__ = ["DiscreteRFMSummary", "RFMSummary", "Transactions"]


def _optional_array(value: Any) -> np.ndarray | None:
    return None if value is None else np.asarray(value)


def _equal_lengths(instance: Any, attribute: Any, value: Any) -> None:
    cols = instance.columns()
    n = len(next(iter(cols.values())))
    for name, col in cols.items():
        if col.ndim != 1 or len(col) != n:
            raise InvalidInputError(
                f"'{name}' must be 1-d with the same length as the other columns "
                f"(got shape {col.shape}, expected ({n},))"
            )


@attrs.frozen(eq=False, repr=False)
class RFMSummary(ColumnarTable):
    """Per-customer recency/frequency/monetary summary in the continuous-time BTYD convention.

    ``frequency`` counts repeat purchases (purchases after the first), ``recency`` is the age of
    the customer at their last purchase and ``T`` their age at the end of observation, both in
    ``unit``-day units; ``monetary_value`` is the mean value of the repeat purchases (0 when
    there are none). The ``holdout_*`` columns are present when a calibration split was asked
    for; ``n_new_in_holdout`` then counts the customers whose first purchase came after the
    calibration period and who therefore have no row.

    Build it with :func:`privtraffic.data.summarize_transactions` or
    :func:`privtraffic.data.load_cdnow`.

    Examples
    --------
    >>> s = RFMSummary(customer_id=[1, 2], frequency=[0, 2], recency=[0, 5.0], T=[6.0, 6.0])
    >>> len(s), s.monetary_value is None
    (2, True)
    >>> list(s.to_pandas().columns)
    ['customer_id', 'frequency', 'recency', 'T']
    """

    customer_id: np.ndarray = attrs.field(converter=np.asarray)
    frequency: np.ndarray = attrs.field(converter=np.asarray)
    recency: np.ndarray = attrs.field(converter=np.asarray)
    T: np.ndarray = attrs.field(converter=np.asarray)
    monetary_value: np.ndarray | None = attrs.field(default=None, converter=_optional_array)
    holdout_frequency: np.ndarray | None = attrs.field(default=None, converter=_optional_array)
    holdout_monetary_value: np.ndarray | None = attrs.field(default=None, converter=_optional_array)
    holdout_duration: np.ndarray | None = attrs.field(default=None, converter=_optional_array)
    unit: float = attrs.field(default=7.0, converter=float, validator=_equal_lengths)
    n_new_in_holdout: int = attrs.field(default=0, converter=int)


@attrs.frozen(eq=False, repr=False)
class DiscreteRFMSummary(ColumnarTable):
    """Discrete-time (BG/BB) summary: repeat transactions in ``n_periods`` opportunities.

    ``frequency`` is the number of opportunities with a transaction, ``recency`` the last such
    opportunity (0 when none) and ``weights`` how many customers share the row.

    Examples
    --------
    >>> d = DiscreteRFMSummary(frequency=[0, 3], recency=[0, 5], n_periods=[6, 6], weights=[10, 4])
    >>> int(d.weights.sum())
    14
    """

    frequency: np.ndarray = attrs.field(converter=np.asarray)
    recency: np.ndarray = attrs.field(converter=np.asarray)
    n_periods: np.ndarray = attrs.field(converter=np.asarray)
    weights: np.ndarray = attrs.field(converter=np.asarray, validator=_equal_lengths)


@attrs.frozen(eq=False, repr=False)
class Transactions(ColumnarTable):
    """A transaction log: one row per purchase.

    Examples
    --------
    >>> log = Transactions(customer_id=[1, 1], timestamp=np.array(["2024-01-01", "2024-02-01"],
    ...     dtype="datetime64[D]"), value=[9.5, 12.0])
    >>> len(log)
    2
    """

    customer_id: np.ndarray = attrs.field(converter=np.asarray)
    timestamp: np.ndarray = attrs.field(converter=np.asarray)
    value: np.ndarray | None = attrs.field(default=None, converter=_optional_array)
    quantity: np.ndarray | None = attrs.field(
        default=None, converter=_optional_array, validator=_equal_lengths
    )
