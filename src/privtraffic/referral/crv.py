"""Customer referral value (CRV) after Kumar, Petersen & Leone (2007, 2010).

Kumar, Petersen & Leone value a customer's word of mouth by the referees it brings in, split in
two groups:

* referees who would **not** have joined without the referral (the *incremental* share ``s``):
  the firm gains their discounted margin over the horizon;
* referees who **would** have joined anyway (share ``1 - s``): the firm gains only the
  acquisition cost it did not have to spend on them.

For a customer with ``n`` referees acquired in period 1, margin ``m`` per referee per period,
acquisition cost ``ACQ``, horizon ``H`` periods and discount rate ``r`` per period::

    CRV = n * s * sum_{t=1..H} m / (1 + r) ** t  +  n * (1 - s) * ACQ / (1 + r)

This is the two-group structure of Kumar, Petersen & Leone (2010, eq. 2) with the margin net of
referral and retention costs (their ``A - a - M``) given as one ``margin`` and the acquisition
saving booked in the referee's first period; ``n`` may be an observed count (converted
referrals) or an expected one (a referral forecast).

Examples
--------
>>> round(float(customer_referral_value([4], 10.0, 30.0, incrementality=0.25,
...                                     horizon=3, discount_rate=0.1)[0]), 4)
106.6867
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import as_float_array, as_fraction
from privtraffic.errors import InvalidInputError

__all__ = ["customer_referral_value"]


def _per_user(values: ArrayLike, name: str, n: int) -> NDArray[np.float64]:
    if np.isscalar(values):
        arr = as_float_array([values], name, minimum=0)
        return np.full(n, arr[0])
    arr = as_float_array(values, name, minimum=0)
    if arr.shape[0] != n:
        raise InvalidInputError(
            f"'{name}' must be a number or have one value per user (got {arr.shape[0]} != {n})"
        )
    return arr


def customer_referral_value(
    referrals: ArrayLike,
    margin: ArrayLike,
    acquisition_cost: ArrayLike,
    *,
    incrementality: float = 0.5,
    horizon: int = 4,
    discount_rate: float = 0.0,
) -> NDArray[np.float64]:
    """Customer referral value of each user (see the module notes for the formula).

    Parameters
    ----------
    referrals : array-like
        Number of referees per user (observed converted referrals or an expected count), >= 0.
    margin : float or array-like
        Contribution margin per referee per period, net of referral and retention costs; one
        number or one per user.
    acquisition_cost : float or array-like
        What acquiring one customer costs through paid channels; one number or one per user.
    incrementality : float
        Share ``s`` in [0, 1] of referees who would not have joined without the referral.
    horizon : int
        Number of periods ``H >= 1`` of referee margin counted.
    discount_rate : float
        Discount rate ``r >= 0`` per period.

    Returns
    -------
    numpy.ndarray
        ``float64`` CRV per user, in the unit of ``margin``.

    Raises
    ------
    InvalidInputError
        Negative or non-finite inputs, ``incrementality`` outside [0, 1], ``horizon < 1``.

    References
    ----------
    Kumar, V., Petersen, J. A., & Leone, R. P. (2007). How valuable is word of mouth?
    Harvard Business Review, 85(10), 139-146.

    Kumar, V., Petersen, J. A., & Leone, R. P. (2010). Driving profitability by encouraging
    customer referrals: who, when, and how. Journal of Marketing, 74(5), 1-17.

    Examples
    --------
    >>> crv = customer_referral_value([0, 1, 2], 10.0, 20.0, incrementality=1.0, horizon=2)
    >>> crv.tolist()  # margin only, undiscounted: 2 * 10 per referee
    [0.0, 20.0, 40.0]
    >>> customer_referral_value([1], 10.0, 20.0, incrementality=0.0, horizon=2).tolist()
    [20.0]
    """
    n_ref = as_float_array(referrals, "referrals", minimum=0)
    n = n_ref.shape[0]
    m = _per_user(margin, "margin", n)
    acq = _per_user(acquisition_cost, "acquisition_cost", n)
    s = as_fraction(incrementality, "incrementality")
    if int(horizon) != horizon or horizon < 1:
        raise InvalidInputError(f"'horizon' must be a whole number >= 1 (got {horizon!r})")
    r = float(discount_rate)
    if not (np.isfinite(r) and r >= 0):
        raise InvalidInputError(f"'discount_rate' must be >= 0 (got {discount_rate!r})")
    return _crv(n_ref, m, acq, s, int(horizon), r)


def _crv(
    n_ref: NDArray[np.float64],
    m: NDArray[np.float64],
    acq: NDArray[np.float64],
    s: float,
    horizon: int,
    r: float,
) -> NDArray[np.float64]:
    annuity = float(np.sum((1.0 + r) ** -np.arange(1, horizon + 1, dtype=np.float64)))
    return n_ref * (s * m * annuity + (1.0 - s) * acq / (1.0 + r))
