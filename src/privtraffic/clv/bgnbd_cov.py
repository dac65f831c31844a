"""BG/NBD with time-invariant covariates: :class:`BetaGeoWithCovariates`.

Customer i's purchase rate is ``lambda_i ~ Gamma(r, alpha_i)`` and their dropout probability
after each purchase ``p_i ~ Beta(a_i, b_i)`` with

``alpha_i = alpha * exp(-gamma_purchase · z_purchase_i)``,
``a_i = a * exp(gamma_attrition · z_attrition_i)``, ``b_i = b * exp(gamma_attrition ·
z_attrition_i)``

as CLVTools does (``bgnbd_staticcov_alpha_i``, ``bgnbd_staticcov_a_i`` and
``bgnbd_staticcov_b_i`` in its ``src/bgnbd.cpp``: one attrition gamma scales both ``a`` and
``b``). So the mean dropout probability ``a / (a + b)`` does not depend on the attrition
covariates; they change the concentration ``a_i + b_i`` of the Beta mixing law: a positive
gamma makes the group's dropout probabilities more alike around the common mean, a negative
one spreads them towards 0 and 1 (more customers who never drop out and more who drop out
at once). A positive purchase gamma raises the mean purchase rate ``r / alpha_i``. Given
their covariates a customer follows the plain BG/NBD, so every prediction is
:mod:`privtraffic.clv.bgnbd`'s at ``(r, alpha_i, a_i, b_i)``; see
:mod:`privtraffic.clv.covariates` for the fitting.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). Incorporating Time-Invariant Covariates into the
BG/NBD and BG/NBD Models. http://brucehardie.com/notes/019/

Bachmann, P., Meierer, M. and Näf, J. (2021). The Role of Time-Varying Contextual Factors in
Latent Attrition Models for Customer Base Analysis. *Marketing Science* 40(4), 783-809
(CLVTools).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic.clv import bgnbd
from privtraffic.clv._base import DataInput, check_horizon, prediction_columns, simulation_ages
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.covariates import (
    CovariateInput,
    CovariateModel,
    _given,
    _Process,
    _simulate_rfm,
    check_prediction_columns,
)
from privtraffic.data import RFMSummary

__all__ = ["BetaGeoWithCovariates"]


class BetaGeoWithCovariates(CovariateModel):
    """BG/NBD whose purchase and dropout rates depend on each customer's covariates.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the gammas (CLVTools' ``reg.lambdas``), see
        :class:`~privtraffic.clv.covariates.CovariateModel`.

    Attributes
    ----------
    params_ : dict
        ``r, alpha, a, b`` (the values at ``z = 0``, i.e. at every categorical column's
        reference level) and ``"purchase:<covariate>"``, ``"attrition:<covariate>"`` gammas.
    covariate_effects_ : dict
        ``{"purchase": {...}, "attrition": {...}}``.
    standard_errors_, covariance_, encodings_, log_likelihood_, n_customers_ :
        See :class:`~privtraffic.clv.covariates.CovariateModel`.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> truth = BetaGeoWithCovariates.from_params({"r": 0.8, "alpha": 8.0, "a": 0.8,
    ...     "b": 2.5, "purchase:wecom": 0.7, "attrition:wecom": -0.8},
    ...     purchase_covariates=["wecom"], attrition_covariates=["wecom"])
    >>> z = {"wecom": rng.integers(0, 2, 3000)}
    >>> data = truth.simulate(3000, 52.0, purchase_covariates=z, attrition_covariates=z,
    ...     rng=rng)
    >>> m = BetaGeoWithCovariates().fit(data, purchase_covariates=z, attrition_covariates=z)
    >>> effect, se = m.covariate_effects_["purchase"]["wecom"], m.standard_errors_["purchase:wecom"]
    >>> bool(abs(effect - 0.7) < 3 * se)
    True
    """

    _plain = BetaGeo
    _plain_log_likelihood = staticmethod(bgnbd.log_likelihood)
    _processes = (
        _Process("purchase", "purchase_covariates", ("alpha",), -1.0),
        _Process("attrition", "attrition_covariates", ("a", "b"), 1.0),
    )

    def fit(
        self,
        frequency: DataInput,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
        weights: ArrayLike | None = None,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
        reference: dict[str, str] | None = None,
    ) -> BetaGeoWithCovariates:
        """Fit by maximum likelihood, starting from the plain BG/NBD's estimates.

        Parameters
        ----------
        frequency, recency, T, weights :
            As :meth:`BetaGeo.fit <privtraffic.clv.BetaGeo.fit>` (a table, or columns).
        purchase_covariates, attrition_covariates : DataFrame, mapping or 2-D array, optional
            One row per customer; either may be left out (no covariate in that process).
        reference : dict of str to str, optional
            Reference levels of categorical columns (see
            :func:`~privtraffic.clv.covariates.encode_covariates`).

        Returns
        -------
        BetaGeoWithCovariates
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Data as for the plain model; covariates of the wrong length, constant, or with
            NaN/inf; a penalizer < 0.
        ConvergenceError
            No finite optimum.

        Examples
        --------
        >>> from privtraffic.data import load_cdnow
        >>> s = load_cdnow("summary")
        >>> z = {"z0": np.zeros(len(s))}
        >>> BetaGeoWithCovariates().fit(s, purchase_covariates=z)
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'purchase_covariates' column 'z0' is constant (0.0): its effect is not identified
        """  # noqa: E501
        self._fit(
            {"frequency": frequency, "recency": recency, "T": T},
            weights,
            {
                "purchase_covariates": purchase_covariates,
                "attrition_covariates": attrition_covariates,
            },
            reference,
        )
        return self

    def probability_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """P(alive at T | history, covariates) of each customer.

        Covariates are given as at fit (one row per customer, or one row for all).

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            Data as for the plain model; covariates missing or not as at fit.

        Examples
        --------
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "attrition:wecom": -1.0}, attrition_covariates=["wecom"])
        >>> p = m.probability_alive(3, 20.0, 38.0, attrition_covariates={"wecom": [0, 1]})
        >>> plain = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8 / np.e, b=2.4 / np.e)
        >>> bool(np.isclose(p[1], plain.probability_alive(3, 20.0, 38.0)[0]))
        True
        """
        x, rec, T_arr = check_prediction_columns(BetaGeo, frequency=frequency, recency=recency, T=T)
        return self._by_group(
            lambda m, *c: m.probability_alive(*c),
            (x, rec, T_arr),
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
        )

    def expected_purchases(
        self,
        t: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """Expected purchases in (T, T + t] given history and covariates.

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            As :meth:`probability_alive`, or a negative ``t``.

        Examples
        --------
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> e = m.expected_purchases(52, 2, 30.0, 38.0, purchase_covariates={"coupon": [0, 1]})
        >>> bool(e[1] > e[0])
        True
        """
        t_arr, x, rec, T_arr = check_prediction_columns(
            BetaGeo, t=t, frequency=frequency, recency=recency, T=T
        )
        check_horizon(t_arr)
        return self._by_group(
            lambda m, *c: m.expected_purchases(*c),
            (t_arr, x, rec, T_arr),
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
        )

    def expected_purchases_new(
        self,
        t: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """E[X(t)] of a customer just acquired with the given covariates.

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            A negative ``t``; covariates missing or not as at fit.

        Examples
        --------
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> e = m.expected_purchases_new(52, purchase_covariates={"coupon": [0, 1]})
        >>> bool(e[1] > e[0])  # a higher purchase rate
        True
        """
        (t_arr,) = prediction_columns(t=t)
        check_horizon(t_arr)
        return self._by_group(
            lambda m, tt: m.expected_purchases_new(tt),
            (t_arr,),
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
        )

    def simulate(
        self,
        n: int,
        T: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
        rng: np.random.Generator | None = None,
        unit: str | float = 7.0,
    ) -> RFMSummary:
        """Draw ``n`` customers with the given covariates (one row each, or one for all).

        Returns
        -------
        RFMSummary

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidInputError
            As :meth:`BetaGeo.simulate <privtraffic.clv.BetaGeo.simulate>`; covariates
            not as at fit.

        Examples
        --------
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> s = m.simulate(10, 38.0, purchase_covariates={"coupon": [1]},
        ...     rng=np.random.default_rng(0))
        >>> len(s)
        10
        """
        return _simulate_rfm(
            self,
            n,
            simulation_ages(n, T),
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
            rng,
            unit,
        )
