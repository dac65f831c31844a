"""Pareto/NBD with time-invariant covariates: :class:`ParetoNBDWithCovariates`.

Customer i's purchase rate is ``lambda_i ~ Gamma(r, alpha_i)`` and their dropout rate
``mu_i ~ Gamma(s, beta_i)`` with

``alpha_i = alpha * exp(-gamma_purchase · z_purchase_i)``,
``beta_i = beta * exp(-gamma_attrition · z_attrition_i)``

(CLVTools' static-covariate Pareto/NBD, ``pnbd_staticcov_alpha_i`` / ``pnbd_staticcov_beta_i``
in its ``src/pnbd.cpp``). A positive purchase gamma raises the mean purchase rate
``r / alpha_i``; a positive attrition gamma raises the mean dropout rate ``s / beta_i``.
Given their covariates a customer follows the plain Pareto/NBD, so the likelihood, P(alive)
and the expectations are :mod:`privtraffic.clv.paretonbd`'s at ``(r, alpha_i, s, beta_i)``;
see :mod:`privtraffic.clv.covariates` for the fitting.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models. http://brucehardie.com/notes/019/

Bachmann, P., Meierer, M. and Näf, J. (2021). The Role of Time-Varying Contextual Factors in
Latent Attrition Models for Customer Base Analysis. *Marketing Science* 40(4), 783-809
(CLVTools).
"""

from __future__ import annotations

from privtraffic.clv import paretonbd
from privtraffic.clv.covariates import (
    RepeatPurchaseCovariateModel,
    _Process,
)
from privtraffic.clv.paretonbd import ParetoNBD

__all__ = ["ParetoNBDWithCovariates"]


class ParetoNBDWithCovariates(RepeatPurchaseCovariateModel):
    """Pareto/NBD whose purchase and dropout rates depend on each customer's covariates.

    ``params_`` holds ``r, alpha, s, beta`` (at ``z = 0``) and the purchase and attrition gammas;
    the penalizer and the other attributes are as for
    :class:`~privtraffic.clv.covariates.CovariateModel`, the methods as for
    :class:`~privtraffic.clv.BetaGeoWithCovariates`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> truth = ParetoNBDWithCovariates.from_params({"r": 0.8, "alpha": 8.0, "s": 0.6,
    ...     "beta": 10.0, "purchase:wecom": 0.7, "attrition:wecom": -0.8},
    ...     purchase_covariates=["wecom"], attrition_covariates=["wecom"])
    >>> z = {"wecom": rng.integers(0, 2, 3000)}
    >>> data = truth.simulate(3000, 52.0, purchase_covariates=z, attrition_covariates=z,
    ...     rng=rng)
    >>> m = ParetoNBDWithCovariates().fit(data, purchase_covariates=z, attrition_covariates=z)
    >>> effect, se = m.covariate_effects_["purchase"]["wecom"], m.standard_errors_["purchase:wecom"]
    >>> bool(abs(effect - 0.7) < 3 * se)
    True
    """

    _plain = ParetoNBD
    _plain_log_likelihood = staticmethod(paretonbd.log_likelihood)
    _processes = (
        _Process("purchase", "purchase_covariates", ("alpha",), -1.0),
        _Process("attrition", "attrition_covariates", ("beta",), -1.0),
    )
