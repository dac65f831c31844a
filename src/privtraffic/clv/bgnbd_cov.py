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

from privtraffic.clv import bgnbd
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.covariates import (
    RepeatPurchaseCovariateModel,
    _Process,
)

__all__ = ["BetaGeoWithCovariates"]


class BetaGeoWithCovariates(RepeatPurchaseCovariateModel):
    """BG/NBD whose purchase and dropout rates depend on each customer's covariates.

    ``params_`` holds ``r, alpha, a, b`` (at ``z = 0``) and the purchase and attrition gammas;
    the penalizer and the other attributes are as for
    :class:`~privtraffic.clv.covariates.CovariateModel`, the methods as for
    :class:`~privtraffic.clv.ParetoNBDWithCovariates`.

    Examples
    --------
    >>> import numpy as np
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
