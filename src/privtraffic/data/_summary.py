"""The frozen tables of the data layer: transaction logs and RFM summaries.

Each is a :class:`~privtraffic._tables.ColumnarTable` (``columns()``, ``t["name"]``,
``to_pandas()``, ...) whose array fields are checked to be 1-d and of one length when built.
"""

from __future__ import annotations

from typing import TypeVar

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import unit_days
from privtraffic.errors import InvalidInputError

__all__ = ["DiscreteRFMSummary", "RFMSummary", "Transactions"]

_T = TypeVar("_T")


def _optional_array(value: ArrayLike | None) -> NDArray[np.number] | None:
    return None if value is None else np.asarray(value)


def _equal_lengths(instance: ColumnarTable, attribute: attrs.Attribute[_T], value: _T) -> None:
    """Validator of the last field: every column is 1-d and as long as the first."""
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
    units of ``unit`` days (given as ``"D"``, ``"W"``, ``"M"`` or a number of days, stored as
    the number of days); ``monetary_value`` is the mean value of the repeat purchases (0 when
    there are none). The ``holdout_*`` columns are present when a calibration split was asked
    for; ``n_new_in_holdout`` then counts the customers whose first purchase came after the
    calibration period and who therefore have no row.

    ``spend_frequency`` and ``spend_value`` are what the spend model (Gamma-Gamma) sees: the
    repeat purchases with a value above 0 and their mean value (0 without any). A zero-value
    purchase (a gift, a sample, a fully couponed order) counts in ``frequency`` but not in the
    average spend; without zero-value repeat purchases the two equal ``frequency`` and
    ``monetary_value``.

    Build it with :func:`privtraffic.data.summarize_transactions` or
    :func:`privtraffic.data.load_cdnow`.

    Examples
    --------
    >>> s = RFMSummary(customer_id=[1, 2], frequency=[0, 2], recency=[0, 5.0], T=[6.0, 6.0])
    >>> len(s), s.monetary_value is None
    (2, True)
    >>> list(s.to_pandas().columns)
    ['customer_id', 'frequency', 'recency', 'T']
    >>> RFMSummary(customer_id=[1], frequency=[0], recency=[0.0], T=[3.0], unit="D").unit
    1.0
    """

    customer_id: NDArray[np.generic] = attrs.field(converter=np.asarray)
    frequency: NDArray[np.number] = attrs.field(converter=np.asarray)
    recency: NDArray[np.number] = attrs.field(converter=np.asarray)
    T: NDArray[np.number] = attrs.field(converter=np.asarray)
    monetary_value: NDArray[np.number] | None = attrs.field(default=None, converter=_optional_array)
    holdout_frequency: NDArray[np.number] | None = attrs.field(
        default=None, converter=_optional_array
    )
    holdout_monetary_value: NDArray[np.number] | None = attrs.field(
        default=None, converter=_optional_array
    )
    holdout_duration: NDArray[np.number] | None = attrs.field(
        default=None, converter=_optional_array
    )
    unit: float = attrs.field(default=7.0, converter=unit_days, validator=_equal_lengths)
    n_new_in_holdout: int = attrs.field(default=0, converter=int)
    spend_frequency: NDArray[np.number] | None = attrs.field(
        default=None, converter=_optional_array
    )
    spend_value: NDArray[np.number] | None = attrs.field(default=None, converter=_optional_array)


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

    frequency: NDArray[np.number] = attrs.field(converter=np.asarray)
    recency: NDArray[np.number] = attrs.field(converter=np.asarray)
    n_periods: NDArray[np.number] = attrs.field(converter=np.asarray)
    weights: NDArray[np.number] = attrs.field(converter=np.asarray, validator=_equal_lengths)


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

    customer_id: NDArray[np.generic] = attrs.field(converter=np.asarray)
    timestamp: NDArray[np.generic] = attrs.field(converter=np.asarray)
    value: NDArray[np.number] | None = attrs.field(default=None, converter=_optional_array)
    quantity: NDArray[np.number] | None = attrs.field(
        default=None, converter=_optional_array, validator=_equal_lengths
    )
