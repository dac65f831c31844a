"""The Gamma-Gamma model of spend per transaction: pure functions and :class:`GammaGamma`.

A customer's transaction values are ``Gamma(p, nu)``; across customers the scale
``nu ~ Gamma(q, v)``. The data of a customer are ``frequency`` (x, the number of transactions
averaged — the repeat purchases in the BTYD convention) and ``monetary_value`` (their mean).
Customers with no repeat purchase carry no spend information: fit on repeat buyers only.

References
----------
Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
http://brucehardie.com/notes/025/

Colombo, R. and Jiang, W. (1999). A stochastic RFM model. *Journal of Interactive Marketing*
13(3), 2-12.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from privtraffic._validation import first_index
from privtraffic.clv import _scalar
from privtraffic.clv._base import (
    BTYDModel,
    DataInput,
    Params,
    check_representable,
    check_whole,
    prediction_columns,
    simulation_column,
)
from privtraffic.clv._diagnostics import ParameterPair
from privtraffic.clv._optimize import weighted_sum as _dot
from privtraffic.errors import InvalidInputError, UnrepresentableError

__all__ = [
    "GammaGamma",
    "expected_spend",
    "log_likelihood",
    "negative_log_likelihood",
    "simulate",
]


def log_likelihood(
    params: Params, frequency: ArrayLike, monetary_value: ArrayLike
) -> NDArray[np.float64]:
    """Log-density of each customer's mean spend given their number of transactions.

    Fader & Hardie (2013), eq. 1a:
    ``ln f = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v+xm)``.

    Parameters
    ----------
    params : tuple of float
        ``(p, q, v)``.
    frequency, monetary_value : numpy.ndarray
        Transactions (>= 1) and their mean value (> 0).

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer, of their mean spend given their transactions.

    Examples
    --------
    >>> ll = log_likelihood((6.25, 3.74, 15.44), np.array([2.0]), np.array([35.0]))
    >>> round(float(ll[0]), 4)
    -4.0958
    """
    p, q, v = params
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    px = p * x
    loglik: NDArray[np.float64] = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m)
    )
    return loglik


def negative_log_likelihood(
    log_params: NDArray[np.float64],
    frequency: NDArray[np.float64],
    monetary_value: NDArray[np.float64],
    *,
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Total weighted Gamma-Gamma negative log-likelihood and its gradient in ``log(params)``.

    Parameters
    ----------
    log_params : numpy.ndarray
        ``log((p, q, v))``.
    frequency, monetary_value : numpy.ndarray
        The customers' data.
    weights : numpy.ndarray
        Customers per row.

    Returns
    -------
    (float, numpy.ndarray)

    Examples
    --------
    >>> value, grad = negative_log_likelihood(np.log([6.25, 3.74, 15.44]), np.array([2.0]),
    ...     np.array([35.0]), weights=np.ones(1))
    >>> round(value, 4)
    4.0958
    """
    p, q, v = np.exp(log_params)
    x, m = frequency, monetary_value
    ll = log_likelihood((p, q, v), x, m)
    px = p * x
    log_m, log_x, log_vxm = np.log(m), np.log(x), np.log(v + x * m)
    psi_pxq = special.digamma(px + q)
    g_p = x * (psi_pxq - special.digamma(px) + log_m + log_x - log_vxm)
    g_q = psi_pxq - special.digamma(q) + np.log(v) - log_vxm
    g_v = q / v - (px + q) / (v + x * m)
    grad = -np.array([p * _dot(weights, g_p), q * _dot(weights, g_q), v * _dot(weights, g_v)])
    return -_dot(weights, ll), grad


def expected_spend(
    params: Params, frequency: ArrayLike, monetary_value: ArrayLike
) -> NDArray[np.float64]:
    """E[mean spend | x, m]: the posterior mean of a customer's spend per transaction.

    A weighted average of the population mean ``p v / (q - 1)`` and the customer's own mean,
    with weight ``p x / (p x + q - 1)`` on the latter (Fader & Hardie 2013, eq. 5). For a
    customer with no transactions it is the population mean, which is infinite when
    ``q <= 1``.

    Examples
    --------
    >>> e = expected_spend((6.25, 3.74, 15.44), np.array([0.0, 2.0]), np.array([0.0, 35.0]))
    >>> np.round(e, 4).tolist()
    [35.219, 35.0394]
    """
    p, q, v = params
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    denominator = p * x + (q - 1.0)
    i = first_index(~(denominator > 0))
    if i >= 0:
        raise UnrepresentableError(
            "expected_spend is infinite: the posterior mean spend exists only when "
            f"p * frequency + q > 1 (p = {p!r}, q = {q!r}, 'frequency' "
            f"{float(x.reshape(-1)[i] if x.size > 1 else x.reshape(-1)[0])!r} at index {i})"
        )
    with np.errstate(over="ignore"):
        out: NDArray[np.float64] = p * (v + x * np.where(x > 0, m, 0.0)) / denominator
    return check_representable(out, "expected_spend", frequency=x, monetary_value=m)


def simulate(params: Params, frequency: ArrayLike, rng: np.random.Generator) -> NDArray[np.float64]:
    """Draw each customer's mean spend over ``frequency`` transactions.

    ``nu ~ Gamma(q, rate v)``; the mean of ``x`` values ``Gamma(p, rate nu)`` is
    ``Gamma(p x, rate nu x)``.

    Examples
    --------
    >>> m = simulate((6.25, 3.74, 15.44), np.array([1.0, 4.0]), np.random.default_rng(0))
    >>> bool(np.all(m > 0))
    True
    """
    p, q, v = params
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / v, size=x.shape)
    return rng.gamma(p * x, 1.0 / (nu * x))


def _check_fit_data(frequency: NDArray[np.float64], monetary_value: NDArray[np.float64]) -> None:
    i = first_index(frequency != np.floor(frequency))
    if i >= 0:
        raise InvalidInputError(
            f"'frequency' must be whole numbers (got {float(frequency[i])!r} at index {i})"
        )
    i = first_index(frequency < 1)
    if i >= 0:
        raise InvalidInputError(
            f"'frequency' must be >= 1 in Gamma-Gamma: pass repeat buyers only "
            f"(got {float(frequency[i])!r} at index {i})"
        )
    i = first_index(monetary_value <= 0)
    if i >= 0:
        raise InvalidInputError(
            f"'monetary_value' must be > 0 (got {float(monetary_value[i])!r} at index {i})"
        )


def _check_prediction_data(
    frequency: NDArray[np.float64], monetary_value: NDArray[np.float64]
) -> None:
    check_whole(frequency, "frequency")
    i = first_index((frequency > 0) & (monetary_value <= 0))
    if i >= 0:
        raise InvalidInputError(
            "'monetary_value' must be > 0 when frequency > 0 "
            f"(got {float(monetary_value[i])!r} at index {i})"
        )
    i = first_index(monetary_value < 0)
    if i >= 0:
        raise InvalidInputError(
            f"'monetary_value' must be >= 0 (got {float(monetary_value[i])!r} at index {i})"
        )


def _initial_log_params(
    frequency: NDArray[np.float64],
    monetary_value: NDArray[np.float64],
    *,
    weights: NDArray[np.float64],
) -> list[NDArray[np.float64]]:
    mean_spend = _dot(weights, monetary_value) / float(weights.sum())
    starts = []
    for p, q in ((2.0, 3.0), (6.0, 4.0), (1.0, 1.5)):
        starts.append(np.log([p, q, (q - 1.0) * mean_spend / p if q > 1 else mean_spend]))
    return starts


class GammaGamma(BTYDModel):
    """Gamma-Gamma model of the mean spend per transaction.

    Fit it on repeat buyers only (``frequency >= 1``, ``monetary_value > 0``); predict for
    anyone: a customer with no repeat purchase gets the population mean.

    Attributes
    ----------
    params_ : dict
        ``{"p", "q", "v"}``; ``v`` is in the currency of ``monetary_value``.
    penalizer, standard_errors_, covariance_, log_likelihood_, n_customers_ :
        As :class:`BTYDModel` (``penalizer``: its L2 penalty).

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
    http://brucehardie.com/notes/025/

    Examples
    --------
    >>> from privtraffic.data import load_cdnow
    >>> s = load_cdnow("summary")
    >>> buyers = s.frequency > 0
    >>> m = GammaGamma().fit(s.frequency[buyers], s.monetary_value[buyers])
    >>> {k: round(v, 2) for k, v in m.params_.items()}
    {'p': 6.25, 'q': 3.74, 'v': 15.45}
    """

    _param_names = ("p", "q", "v")
    _data_names = ("frequency", "monetary_value")
    _negative_log_likelihood = staticmethod(negative_log_likelihood)
    _check_data = staticmethod(_check_fit_data)
    _initial_log_params = staticmethod(_initial_log_params)
    _parameter_pairs = (ParameterPair("q", "v", "gamma", "spend scale"),)

    def fit(
        self,
        frequency: DataInput,
        monetary_value: ArrayLike | None = None,
        weights: ArrayLike | None = None,
    ) -> GammaGamma:
        """Fit the model by maximum likelihood on repeat buyers.

        Parameters
        ----------
        frequency : array-like, RFMSummary or pandas.DataFrame
            Number of transactions behind each mean (>= 1); or a table with ``frequency`` and
            ``monetary_value`` columns, with ``monetary_value`` left out.
        monetary_value : array-like
            Mean value of those transactions (> 0).
        weights : array-like, optional
            Customers per row (default 1).

        Returns
        -------
        GammaGamma
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            A row with frequency 0 (pass repeat buyers only), monetary value <= 0,
            non-integer frequency, NaN/inf, mismatched lengths, empty data.
        ConvergenceError
            No finite optimum was found.

        Examples
        --------
        >>> GammaGamma().fit([2, 0, 1], [10.0, 0.0, 12.0])
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'frequency' must be >= 1 in Gamma-Gamma: pass repeat buyers only (got 0.0 at index 1)
        """  # noqa: E501
        self._fit({"frequency": frequency, "monetary_value": monetary_value}, weights)
        return self

    def expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected spend per transaction of each customer, given their history.

        Parameters
        ----------
        frequency : array-like or int
            Repeat purchases (whole numbers >= 0).
        monetary_value : array-like or float
            Their mean value (> 0 when frequency > 0; ignored when frequency is 0).

        Returns
        -------
        numpy.ndarray
            Posterior mean spend (the population mean for frequency 0).

        Raises
        ------
        InvalidInputError
            Negative or non-integer frequency, monetary value <= 0 with frequency > 0.
        UnrepresentableError
            The mean is infinite (frequency 0 and ``q <= 1``) or overflows float64.

        Examples
        --------
        >>> m = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
        >>> np.round(m.expected_spend([0, 2, 10], [0, 35.0, 35.0]), 2).tolist()
        [35.22, 35.04, 35.01]
        """
        params = self._fitted_params()
        one = _scalar.expected_spend(params, frequency, monetary_value)
        if one is not None:  # one customer as numbers: Python floats, the same formula
            return np.array([one])
        x, m = prediction_columns(frequency=frequency, monetary_value=monetary_value)
        _check_prediction_data(x, m)
        return expected_spend(params, x, m)

    def simulate(
        self, n: int, frequency: ArrayLike, *, rng: np.random.Generator | None = None
    ) -> NDArray[np.float64]:
        """Draw the mean spend of ``n`` customers with the given numbers of transactions.

        Parameters
        ----------
        n : int
            Number of customers.
        frequency : int or array-like
            Transactions per customer (>= 1; a scalar applies to all).
        rng : numpy.random.Generator, optional
            Source of randomness.

        Returns
        -------
        numpy.ndarray
            ``monetary_value`` of each customer.

        Examples
        --------
        >>> m = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
        >>> spend = m.simulate(20000, 3, rng=np.random.default_rng(0))
        >>> round(float(spend.mean()) / 35.0, 1)  # population mean p v / (q - 1) = 35.2
        1.0
        """
        params = self._fitted_params()
        x = simulation_column(n, "frequency", frequency)
        _check_fit_data(x, np.ones_like(x))
        rng = np.random.default_rng() if rng is None else rng
        return simulate(params, x, rng)
