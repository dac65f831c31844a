"""Total customer value = CLV + customer referral value, with the CLV × CRV quadrant."""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_float_array, as_ids, check_same_length

__all__ = ["TotalCustomerValue", "total_customer_value"]


@attrs.frozen(eq=False, repr=False)
class TotalCustomerValue(ColumnarTable):
    """Per-customer CLV, CRV, their sum and the CLV × CRV quadrant.

    Attributes
    ----------
    customer_id, clv, crv, total : numpy.ndarray
    quadrant : numpy.ndarray
        ``"champion"``, ``"affluent"``, ``"advocate"`` or ``"miser"``
        (:data:`privtraffic.referral.QUADRANTS`).

    Examples
    --------
    >>> t = total_customer_value([1, 2], clv=[100.0, 5.0], crv=[0.0, 40.0])
    >>> t.total.tolist(), t.quadrant.tolist()
    ([100.0, 45.0], ['affluent', 'advocate'])
    """

    customer_id: NDArray[np.generic]
    clv: NDArray[np.float64]
    crv: NDArray[np.float64]
    total: NDArray[np.float64]
    quadrant: NDArray[np.str_]

    def by_quadrant(self) -> list[tuple[str, int, float, float, float]]:
        """Customers and value per quadrant: (quadrant, customers, CLV, CRV, total).

        Returns
        -------
        list of tuple

        Examples
        --------
        >>> t = total_customer_value([1, 2, 3], [9.0, 9.0, 1.0], [5.0, 0.0, 0.0], clv_threshold=5)
        >>> t.by_quadrant()[0]
        ('champion', 1, 9.0, 5.0, 14.0)
        """
        from privtraffic.referral import QUADRANTS

        rows = []
        for q in QUADRANTS:
            m = self.quadrant == q
            rows.append(
                (
                    q,
                    int(m.sum()),
                    float(self.clv[m].sum()),
                    float(self.crv[m].sum()),
                    float(self.total[m].sum()),
                )
            )
        return rows


def total_customer_value(
    customer_ids: ArrayLike,
    clv: ArrayLike,
    crv: ArrayLike,
    *,
    clv_threshold: float | None = None,
    crv_threshold: float | None = None,
) -> TotalCustomerValue:
    """Add what each customer buys (CLV) and what their word of mouth brings (CRV).

    Kumar, Petersen and Leone (2007) showed that the customers worth most as buyers and the
    customers worth most as referrers are often not the same people; the quadrant (from
    :func:`privtraffic.referral.value_quadrant`) names the four combinations.

    Parameters
    ----------
    customer_ids : array-like
        One id per customer.
    clv : array-like
        Customer lifetime value per customer, e.g. from
        :func:`privtraffic.clv.customer_lifetime_value`.
    crv : array-like
        Customer referral value per customer, e.g. from
        :func:`privtraffic.referral.customer_referral_value`; ``>= 0``.
    clv_threshold, crv_threshold : float, optional
        "High" means strictly above the threshold; default the median of the column.

    Returns
    -------
    TotalCustomerValue

    Raises
    ------
    InvalidInputError
        Arrays of different lengths, non-finite values, negative CRV, missing ids.

    References
    ----------
    .. [1] V. Kumar, J. A. Petersen and R. P. Leone (2007). "How Valuable Is Word of Mouth?"
       Harvard Business Review 85(10), 139-146.

    Examples
    --------
    >>> t = total_customer_value(["a", "b", "c", "d"], [100, 100, 5, 5], [50, 0, 50, 0])
    >>> t.quadrant.tolist()
    ['champion', 'affluent', 'advocate', 'miser']
    """
    from privtraffic.referral import value_quadrant

    ids = as_ids(customer_ids, "customer_ids")
    c = as_float_array(clv, "clv")
    r = as_float_array(crv, "crv", minimum=0)
    check_same_length(customer_ids=ids, clv=c, crv=r)
    quadrant = value_quadrant(c, r, clv_threshold=clv_threshold, crv_threshold=crv_threshold)
    return TotalCustomerValue(customer_id=ids, clv=c, crv=r, total=c + r, quadrant=quadrant)
