"""Gamma-Gamma spend with time-invariant covariates: :class:`GammaGammaWithCovariates`.

A customer's transaction values are ``Gamma(p, nu_i)`` with ``nu_i ~ Gamma(q, v_i)`` and

``v_i = v * exp(gamma_spend · z_spend_i)``,

so the population mean spend of customers with covariates ``z`` is ``p v_i / (q - 1)``: a
positive gamma raises it by the factor ``exp(gamma)`` per unit of the covariate. (CLVTools
fits its Gamma-Gamma without covariates; this follows its sign convention for the purchase
process, where a positive gamma means more.) Given their covariates a customer follows the
plain Gamma-Gamma model of :mod:`privtraffic.clv.gammagamma` at ``(p, q, v_i)``; see
:mod:`privtraffic.clv.covariates` for the fitting.

References
----------
Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic.clv import gammagamma
from privtraffic.clv._base import DataInput, prediction_columns
from privtraffic.clv.covariates import CovariateInput, CovariateModel, _given, _Process
from privtraffic.clv.gammagamma import GammaGamma

__all__ = ["GammaGammaWithCovariates"]


class GammaGammaWithCovariates(CovariateModel):
    """Gamma-Gamma spend model whose mean spend depends on each customer's covariates.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the gammas (see :class:`~privtraffic.clv.covariates.CovariateModel`).

    Attributes
    ----------
    params_ : dict
        ``p, q, v`` (at ``z = 0``) and the ``"spend:<covariate>"`` gammas.
    covariate_effects_ : dict
        ``{"spend": {...}}``.
    standard_errors_, covariance_, encodings_, log_likelihood_, n_customers_ :
        See :class:`~privtraffic.clv.covariates.CovariateModel`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> coupon = rng.integers(0, 2, 4000)
    >>> truth = GammaGammaWithCovariates.from_params({"p": 6.0, "q": 4.0, "v": 15.0,
    ...     "spend:coupon": -0.3}, spend_covariates=["coupon"])
    >>> x = rng.integers(1, 6, 4000).astype(float)
    >>> m = truth.simulate(x, spend_covariates={"coupon": coupon}, rng=rng)
    >>> fit = GammaGammaWithCovariates().fit(x, m, spend_covariates={"coupon": coupon})
    >>> bool(abs(fit.params_["spend:coupon"] + 0.3) < 3 * fit.standard_errors_["spend:coupon"])
    True
    """

    _plain = GammaGamma
    _plain_log_likelihood = staticmethod(gammagamma.log_likelihood)
    _processes = (_Process("spend", "spend_covariates", ("v",), 1.0),)

    def fit(
        self,
        frequency: DataInput,
        monetary_value: ArrayLike | None = None,
        weights: ArrayLike | None = None,
        *,
        spend_covariates: CovariateInput = None,
        reference: dict[str, str] | None = None,
    ) -> GammaGammaWithCovariates:
        """Fit by maximum likelihood on repeat buyers, starting from the plain fit.

        Parameters
        ----------
        frequency, monetary_value, weights :
            As :meth:`GammaGamma.fit <privtraffic.clv.GammaGamma.fit>`.
        spend_covariates : DataFrame, mapping or 2-D array
            One row per customer.
        reference : dict of str to str, optional
            Reference levels of categorical columns.

        Returns
        -------
        GammaGammaWithCovariates
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Data as for the plain model; covariates of the wrong length, constant or not
            finite.
        ConvergenceError
            No finite optimum.

        Examples
        --------
        >>> GammaGammaWithCovariates().fit([2, 3], [10.0, 12.0], spend_covariates=[1.0, 2.0, 3.0])
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'spend_covariates' must have one row per customer (2; got 3)
        """  # noqa: E501
        self._fit(
            {"frequency": frequency, "monetary_value": monetary_value},
            weights,
            {"spend_covariates": spend_covariates},
            reference,
        )
        return self

    def expected_spend(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        *,
        spend_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """Posterior mean spend per transaction given history and covariates.

        Returns
        -------
        numpy.ndarray
            One mean per customer, in the currency of ``monetary_value``.

        Raises
        ------
        InvalidInputError
            Data :meth:`GammaGamma.expected_spend <privtraffic.clv.GammaGamma.expected_spend>`
            refuses; covariates missing or not as at fit.

        Examples
        --------
        >>> m = GammaGammaWithCovariates.from_params({"p": 6.0, "q": 4.0, "v": 15.0,
        ...     "spend:coupon": -0.3}, spend_covariates=["coupon"])
        >>> e = m.expected_spend(0, 0.0, spend_covariates={"coupon": [0, 1]})
        >>> np.round(e, 4).tolist()  # p v exp(gamma z) / (q - 1)
        [30.0, 22.2245]
        """
        x, m = prediction_columns(frequency=frequency, monetary_value=monetary_value)
        return self._by_group(
            lambda g, *c: g.expected_spend(*c), (x, m), _given(spend_covariates=spend_covariates)
        )

    def simulate(
        self,
        frequency: ArrayLike,
        *,
        spend_covariates: CovariateInput = None,
        rng: np.random.Generator | None = None,
    ) -> NDArray[np.float64]:
        """Draw the mean spend of customers with the given numbers of transactions.

        Parameters
        ----------
        frequency : array-like
            Transactions per customer (>= 1).
        spend_covariates : DataFrame, mapping or 2-D array
            One row per customer, or one row for all.
        rng : numpy.random.Generator, optional
            Source of randomness.

        Returns
        -------
        numpy.ndarray
            Each customer's drawn mean spend per transaction.

        Raises
        ------
        InvalidInputError
            Frequencies < 1; covariates not as at fit.

        Examples
        --------
        >>> m = GammaGammaWithCovariates.from_params({"p": 6.0, "q": 4.0, "v": 15.0,
        ...     "spend:coupon": -0.3}, spend_covariates=["coupon"])
        >>> s = m.simulate([1, 2], spend_covariates={"coupon": [1]},
        ...     rng=np.random.default_rng(0))
        >>> s.shape
        (2,)
        """
        (x,) = prediction_columns(frequency=frequency)
        rng = np.random.default_rng() if rng is None else rng
        return self._by_group(
            lambda g, xx: g.simulate(len(xx), xx, rng=rng),
            (x,),
            _given(spend_covariates=spend_covariates),
        )
