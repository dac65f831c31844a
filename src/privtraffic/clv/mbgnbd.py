"""The MBG/NBD model of Batislam, Denizel & Filiztekin (2007): :class:`ModifiedBetaGeo`.

As BG/NBD, except that a customer may also drop out right after the first purchase (at time
0), so customers with no repeat purchase are not assumed alive. The formulas are those of
:mod:`privtraffic.clv.bgnbd` with the beta-geometric terms shifted by one purchase; the
conditional expectation follows Wagner & Hoppe's (2008) erratum, as BTYDplus and lifetimes do.

References
----------
Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison of
models for customer base analysis. *International Journal of Research in Marketing* 24(3),
201-209.

Wagner, U. and Hoppe, D. (2008). Erratum on the MBG/NBD model. *International Journal of
Research in Marketing* 25(3), 225-226.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic.clv import bgnbd
from privtraffic.clv._base import Params
from privtraffic.clv.bgnbd import BetaGeo, IndexedData

__all__ = [
    "ModifiedBetaGeo",
    "log_likelihood",
    "negative_log_likelihood",
    "negative_log_likelihood_hessian",
]


def log_likelihood(
    params: Params, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> NDArray[np.float64]:
    """Log-likelihood of each customer's (frequency, recency, T) under MBG/NBD.

    The parameters, data and result of :func:`privtraffic.clv.bgnbd.log_likelihood`, with the
    beta-geometric terms shifted by one purchase.

    Examples
    --------
    >>> ll = log_likelihood((0.5, 5.0, 0.8, 2.5), np.array([0.0, 2.0]),
    ...     np.array([0.0, 30.43]), np.array([38.86, 38.86]))
    >>> bool(np.all(ll < 0))
    True
    """
    return bgnbd._log_likelihood(params, frequency, recency, T, 1)


def negative_log_likelihood(
    log_params: NDArray[np.float64],
    xs: NDArray[np.float64],
    xi: NDArray[np.intp],
    ts: NDArray[np.float64],
    ti: NDArray[np.intp],
    rs: NDArray[np.float64],
    ri: NDArray[np.intp],
    active: NDArray[np.intp],
    *,
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Total weighted MBG/NBD negative log-likelihood and its gradient in ``log(params)``.

    The data come indexed by :func:`privtraffic.clv.bgnbd.index_data` with
    ``dropout_at_start=True``.

    Returns
    -------
    (float, numpy.ndarray)

    Examples
    --------
    >>> from privtraffic.clv.bgnbd import index_data
    >>> x, rec, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> value, grad = negative_log_likelihood(np.log([0.5, 5.0, 0.8, 2.5]),
    ...     *index_data(x, rec, T, dropout_at_start=True), weights=np.ones(2))
    >>> bool(value > 0) and grad.shape
    (4,)
    """
    data = (xs, xi, ts, ti, rs, ri, active)
    value, grad, _ = bgnbd._nll_terms(log_params, data, weights, 1, False)
    return value, grad


def negative_log_likelihood_hessian(
    log_params: NDArray[np.float64],
    *data: NDArray[np.generic],
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """:func:`negative_log_likelihood` with its exact Hessian in ``log(params)``.

    As :func:`privtraffic.clv.bgnbd.negative_log_likelihood_hessian`, with the beta-geometric
    terms shifted by one purchase.

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray)

    Examples
    --------
    >>> from privtraffic.clv.bgnbd import index_data
    >>> x, rec, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> value, grad, hess = negative_log_likelihood_hessian(np.log([0.5, 5.0, 0.8, 2.5]),
    ...     *index_data(x, rec, T, dropout_at_start=True), weights=np.ones(2))
    >>> hess.shape, bool(np.allclose(hess, hess.T))
    ((4, 4), True)
    """
    return bgnbd._nll_terms(log_params, cast(IndexedData, data), weights, 1, True)


def _prepare_data(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], T: NDArray[np.float64]
) -> IndexedData:
    return bgnbd.index_data(frequency, recency, T, dropout_at_start=True)


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD model: BG/NBD where customers may also drop out at time 0.

    Same parameters ``{"r", "alpha", "a", "b"}``, data and methods as
    :class:`~privtraffic.clv.BetaGeo` (``fit``, ``expected_purchases``, ``probability_alive``,
    ``predict``, ``expected_purchases_new``, ``probability_of_purchases``, ``simulate``: the
    BG/NBD functions with the beta-geometric terms shifted by one purchase); unlike BG/NBD,
    ``probability_alive`` is below 1 for customers with no repeat purchase.

    The penalizer, fitted attributes and persistence are :class:`BTYDModel`'s.

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. *International Journal of Research in Marketing*
    24(3), 201-209.

    Examples
    --------
    >>> from privtraffic.data import load_cdnow
    >>> m = ModifiedBetaGeo().fit(load_cdnow("summary"))
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    >>> round(float(m.probability_alive(0, 0, 38.86)[0]), 4) < 1
    True
    """

    _shift = 1
    _negative_log_likelihood = staticmethod(negative_log_likelihood)
    _negative_log_likelihood_hessian = staticmethod(negative_log_likelihood_hessian)
    _prepare_data = staticmethod(_prepare_data)
