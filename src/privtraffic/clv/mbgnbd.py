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
from privtraffic.clv._base import DataInput, PurchasePredictions
from privtraffic.clv.bgnbd import BetaGeo, IndexedData, Params
from privtraffic.data import RFMSummary

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

    Parameters
    ----------
    params : tuple of float
        ``(r, alpha, a, b)``.
    frequency, recency, T : numpy.ndarray
        The customers' data.

    Returns
    -------
    numpy.ndarray

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
    :class:`~privtraffic.clv.BetaGeo` (``expected_purchases``, ``probability_alive``,
    ``expected_purchases_new``, ``probability_of_purchases``, ``simulate``); unlike BG/NBD,
    ``probability_alive`` is below 1 for customers with no repeat purchase.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty coefficient on the parameters (see :class:`BTYDModel`).

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

    def fit(
        self,
        frequency: DataInput,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
        weights: ArrayLike | None = None,
    ) -> ModifiedBetaGeo:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        frequency : array-like, RFMSummary or pandas.DataFrame
            Repeat purchases per customer; or a table with ``frequency``, ``recency``, ``T``
            (and optionally ``weights``) columns, with ``recency`` and ``T`` left out.
        recency, T : array-like
            Age at the last purchase and at the end of observation, in one time unit.
        weights : array-like, optional
            Customers per row (default 1).

        Returns
        -------
        ModifiedBetaGeo
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            As :meth:`BetaGeo.fit`.
        ConvergenceError
            No finite optimum was found.

        Examples
        --------
        >>> truth = ModifiedBetaGeo.from_params(r=0.5, alpha=6.0, a=0.9, b=1.6)
        >>> data = truth.simulate(4000, 38.86, rng=np.random.default_rng(1))
        >>> m = ModifiedBetaGeo().fit(data)
        >>> bool(abs(m.params_["r"] - 0.5) < 3 * m.standard_errors_["r"])
        True
        """
        self._fit({"frequency": frequency, "recency": recency, "T": T}, weights)
        return self

    # The predictions are BG/NBD's with the MBG/NBD shift (``_shift``); they are restated
    # here only so that their documentation and examples speak of MBG/NBD.
    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer is still alive at T.

        Parameters
        ----------
        frequency, recency, T : array-like or float
            The customers' history (scalars broadcast).

        Returns
        -------
        numpy.ndarray
            Values in [0, 1]; below 1 also for customers with no repeat purchase.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            Data that break the rules listed in :meth:`BetaGeo.fit`.

        Examples
        --------
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> np.round(m.probability_alive([0, 2], [0, 30.43], 38.86), 4).tolist()
        [0.3897, 0.7062]
        """
        return super().probability_alive(frequency, recency, T)

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected purchases in the next ``t`` time units, E[X(T, T + t] | history].

        Parameters
        ----------
        t : array-like or float
            Length of the future period (>= 0).
        frequency, recency, T : array-like or float
            The customers' history.

        Returns
        -------
        numpy.ndarray
            Non-negative expectations, finite for any valid history.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            Negative ``t`` or data that break the rules listed in :meth:`BetaGeo.fit`.

        Examples
        --------
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)[0]), 4)
        1.263
        """
        return super().expected_purchases(t, frequency, recency, T)

    def predict(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> PurchasePredictions:
        """Expected purchases in the next ``t`` time units and P(alive), in one call.

        The same numbers as :meth:`expected_purchases` and :meth:`probability_alive` (bit for
        bit): the inputs are checked once and P(alive) is computed once (see
        :meth:`BetaGeo.predict`).

        Parameters
        ----------
        t : array-like or float
            Length of the future period (>= 0).
        frequency, recency, T : array-like or float
            The customers' history (scalars broadcast).

        Returns
        -------
        PurchasePredictions
            Columns ``expected_purchases`` and ``probability_alive``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            Negative ``t`` or data that break the rules listed in :meth:`BetaGeo.fit`.
        UnrepresentableError
            An expectation that does not fit in float64.

        Examples
        --------
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> p = m.predict(39, [0, 2], [0, 30.43], 38.86)
        >>> np.round(p.expected_purchases, 4).tolist(), np.round(p.probability_alive, 4).tolist()
        ([0.154, 1.263], [0.3897, 0.7062])
        """
        return super().predict(t, frequency, recency, T)

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in (0, t] of a customer just acquired, E[X(t)].

        Parameters
        ----------
        t : array-like or float
            Time since acquisition (>= 0).

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            Negative or non-finite ``t``.

        Examples
        --------
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> np.round(m.expected_purchases_new([39, 78]), 4).tolist()
        [1.183, 1.8048]
        """
        return super().expected_purchases_new(t)

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
        """P(X(t) = n): probability that a new customer makes ``n`` repeat purchases in (0, t].

        Parameters
        ----------
        n : array-like or int
            Purchase counts (whole numbers >= 0).
        t : array-like or float
            Time since acquisition (>= 0). ``n`` and ``t`` broadcast.

        Returns
        -------
        numpy.ndarray
            Probabilities in [0, 1].

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            Negative or non-integer ``n``, negative ``t``.

        Examples
        --------
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> np.round(m.probability_of_purchases([0, 1, 2], 39), 4).tolist()
        [0.5825, 0.1828, 0.0869]
        """
        return super().probability_of_purchases(n, t)

    def simulate(
        self,
        n: int,
        T: ArrayLike,
        *,
        rng: np.random.Generator | None = None,
        unit: str | float = 7.0,
    ) -> RFMSummary:
        """Draw ``n`` synthetic customers from the fitted model.

        Parameters
        ----------
        n : int
            Number of customers.
        T : float or array-like
            Observation length of each customer (a scalar applies to all).
        rng : numpy.random.Generator, optional
            Source of randomness (default: a fresh unseeded generator).
        unit : {"D", "W", "M"} or float, default 7.0
            The time unit of ``T`` (a name or days), recorded on the summary as days.

        Returns
        -------
        RFMSummary
            ``customer_id`` 0..n-1 with ``frequency``, ``recency`` and ``T``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            ``n`` not a whole number >= 1, ``T`` not positive or of the wrong length.

        Examples
        --------
        >>> m = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> s = m.simulate(1000, 38.86, rng=np.random.default_rng(0))
        >>> len(s), bool((s.recency <= s.T).all())
        (1000, True)
        """
        return super().simulate(n, T, rng=rng, unit=unit)
