"""The shapes of the values callers hand to the commission package: ids, amounts, rates, moments.

Each alias names what the package accepts and checks at its boundary (floats are refused for
amounts and rates there, with a message naming the argument).

Examples
--------
>>> from decimal import Decimal
>>> amount: AmountLike = Decimal("99.99")
>>> who: Id = "bob"
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypeAlias

import numpy as np

__all__ = ["AmountLike", "Id", "RateLike", "TimeLike"]

#: A distributor, buyer, order, refund, payout or category id: an integer or a string.
Id: TypeAlias = int | str

#: An exact amount in major units (yuan): a Decimal, an integer or a decimal string.
AmountLike: TypeAlias = Decimal | int | str

#: A rate, a share of an amount in [0, 1]: a Decimal, an integer or a decimal string.
RateLike: TypeAlias = Decimal | int | str

#: A business moment: an ISO 8601 string, a numpy datetime64, a datetime or a date.
TimeLike: TypeAlias = str | np.datetime64 | datetime.datetime | datetime.date
