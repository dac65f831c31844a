"""The CLV × CRV quadrant of Kumar, Petersen & Leone (2007): champions to misers.

Customers are split on two axes — what they buy (customer lifetime value, CLV) and what their
referrals are worth (customer referral value, CRV):

* **champions** — high CLV, high CRV;
* **affluents** — high CLV, low CRV;
* **advocates** — low CLV, high CRV;
* **misers** — low CLV, low CRV.

"High" means strictly above a threshold, by default the median of the column, so that a column
where most users are at 0 (most users refer nobody) puts exactly the users above 0 on the high
side.

Examples
--------
>>> value_quadrant([100, 100, 5, 5], [50, 0, 50, 0]).tolist()
['champion', 'affluent', 'advocate', 'miser']
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import as_float_array, check_same_length

__all__ = ["QUADRANTS", "value_quadrant"]

QUADRANTS = ("champion", "affluent", "advocate", "miser")
"""The four labels, in the order (high, high), (high CLV, low CRV), (low, high), (low, low)."""


def value_quadrant(
    clv: ArrayLike,
    crv: ArrayLike,
    *,
    clv_threshold: float | None = None,
    crv_threshold: float | None = None,
) -> NDArray[np.str_]:
    """Label each customer champion, affluent, advocate or miser from their CLV and CRV.

    Parameters
    ----------
    clv : array-like
        Customer lifetime value per user (for example from ``privtraffic.clv``); any sign.
    crv : array-like
        Customer referral value per user (from :func:`customer_referral_value`).
    clv_threshold, crv_threshold : float, optional
        A user is high on an axis when strictly above its threshold; default the median.

    Returns
    -------
    numpy.ndarray
        ``str`` labels from :data:`QUADRANTS`.

    Raises
    ------
    InvalidInputError
        Non-finite values or arrays of different lengths.

    References
    ----------
    Kumar, V., Petersen, J. A., & Leone, R. P. (2007). How valuable is word of mouth?
    Harvard Business Review, 85(10), 139-146.

    Examples
    --------
    >>> value_quadrant([1, 9], [3, 3], crv_threshold=2).tolist()
    ['advocate', 'champion']
    """
    c = as_float_array(clv, "clv")
    r = as_float_array(crv, "crv")
    check_same_length(clv=c, crv=r)
    tc = float(np.median(c)) if clv_threshold is None else float(clv_threshold)
    tr = float(np.median(r)) if crv_threshold is None else float(crv_threshold)
    code = 2 * (c <= tc) + (r <= tr)
    labels: NDArray[np.str_] = np.asarray(QUADRANTS)[code]
    return labels
