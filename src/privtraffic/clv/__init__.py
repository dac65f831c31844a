"""Buy-till-you-die models of repeat buying and spend, and customer lifetime value.

One model per module, each its pure functions (likelihood, gradient, predictions,
simulation) plus a thin estimator class:

- :mod:`~privtraffic.clv.bgnbd`: BG/NBD, :class:`BetaGeo`.
- :mod:`~privtraffic.clv.mbgnbd`: MBG/NBD, :class:`ModifiedBetaGeo` (BG/NBD's functions with
  dropout also possible at time 0).
- :mod:`~privtraffic.clv.paretonbd`: Pareto/NBD, :class:`ParetoNBD`.
- :mod:`~privtraffic.clv.bgbb`: BG/BB in discrete time, :class:`BetaGeoBetaBinom`.
- :mod:`~privtraffic.clv.gammagamma`: the Gamma-Gamma spend model, :class:`GammaGamma`.
- :mod:`~privtraffic.clv.sbg`: the shifted-beta-geometric model of paid memberships,
  :class:`ShiftedBetaGeo` (contractual: renewals, retention, DEL and DERL), with its data
  table :class:`ContractDurations` and :func:`durations_from_counts`.
- :mod:`~privtraffic.clv.value`: :func:`customer_lifetime_value`, which combines a
  transaction model with a spend model.
- :mod:`~privtraffic.clv.dert`: :func:`discounted_residual_transactions` (DERT) of
  Pareto/NBD, BG/NBD and MBG/NBD customers, continuous discounting without a horizon.
- :mod:`~privtraffic.clv.covariates`: time-invariant covariates in CLVTools'
  parameterisation (:func:`encode_covariates`, :class:`CovariateEncoding`), and the models
  :class:`ParetoNBDWithCovariates` (``paretonbd_cov``), :class:`BetaGeoWithCovariates`
  (``bgnbd_cov``) and :class:`GammaGammaWithCovariates` (``gammagamma_cov``).
- :mod:`~privtraffic.clv.intervals`: :func:`prediction_interval` (:class:`PredictionInterval`) and
  :func:`value_interval`, posterior predictive intervals of future purchases and their value,
  per customer and in total.
- :mod:`~privtraffic.clv.conditional`: :func:`conditional_probability_of_purchases`
  (P(X(T, T+t] = n | history)) and :func:`probability_alive_history` (:class:`AliveHistory`).
- :mod:`~privtraffic.clv.groups`: :func:`fit_by_group` (:class:`GroupFits`), one model per
  cohort or acquisition channel.
- :mod:`~privtraffic.clv.comparison`: :func:`compare_models` (:class:`ModelComparison`:
  likelihood, AIC, BIC and holdout errors) and :func:`likelihood_ratio_test`
  (:class:`LikelihoodRatioTest`).

and the machinery they share, in private modules:

- ``_base``: the estimator shell :class:`BTYDModel` (input checks, fitting, standard errors,
  :class:`ParameterSummary`, the predictions table :class:`PurchasePredictions`, JSON
  persistence), the bases whose methods several models share (``PurchaseModel``,
  ``RepeatPurchaseModel``), the contract a model module satisfies, and
  the one reader of data tables (``table_columns``).
- ``_optimize``: the optimiser (BFGS from several starts, Newton polishing, finite-difference
  Hessians) and its frozen ``FitResult``.
- ``_rows``: factorising columns and collapsing identical customer rows into weights.
- ``_hypergeometric``: the BG/NBD expectations' hypergeometric term as a positive series or a
  quadrature, and the panel quadrature Pareto/NBD's P(X(t) = n) also uses.
- ``_diagnostics``: :class:`FitDiagnostics` (``fit_diagnostics_`` of a fitted model) and the
  rules and sentences that decide whether a fit can be trusted.
- ``_special``: the scaled exponential integral of real order and Beta expectations by
  quadrature, behind DERT and DERL.

The data tables (``RFMSummary``, ``DiscreteRFMSummary``) come from :mod:`privtraffic.data`,
the only other package of privtraffic this one imports besides the base layer.

Examples
--------
>>> from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value
>>> from privtraffic.data import load_cdnow
>>> s = load_cdnow("summary")
>>> m = BetaGeo().fit(s)
>>> round(m.params_["r"], 3)
0.243
>>> gg = GammaGamma().fit(s.frequency[s.frequency > 0], s.monetary_value[s.frequency > 0])
>>> clv = customer_lifetime_value(m, gg, s, horizon=12, discount_rate=0.01)
>>> clv.shape, bool((clv > 0).all())
((2357,), True)
"""

from privtraffic.clv._base import BTYDModel, ParameterSummary, PurchasePredictions, check_rfm
from privtraffic.clv._diagnostics import DiagnosticNote, FitDiagnostics
from privtraffic.clv.bgbb import BetaGeoBetaBinom
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.bgnbd_cov import BetaGeoWithCovariates
from privtraffic.clv.comparison import (
    LikelihoodRatioTest,
    ModelComparison,
    compare_models,
    likelihood_ratio_test,
)
from privtraffic.clv.conditional import (
    AliveHistory,
    conditional_probability_of_purchases,
    probability_alive_history,
)
from privtraffic.clv.covariates import CovariateEncoding, CovariateModel, encode_covariates
from privtraffic.clv.dert import discounted_residual_transactions
from privtraffic.clv.gammagamma import GammaGamma
from privtraffic.clv.gammagamma_cov import GammaGammaWithCovariates
from privtraffic.clv.groups import GroupFits, fit_by_group
from privtraffic.clv.intervals import PredictionInterval, prediction_interval, value_interval
from privtraffic.clv.mbgnbd import ModifiedBetaGeo
from privtraffic.clv.paretonbd import ParetoNBD
from privtraffic.clv.paretonbd_cov import ParetoNBDWithCovariates
from privtraffic.clv.sbg import ContractDurations, ShiftedBetaGeo, durations_from_counts
from privtraffic.clv.value import customer_lifetime_value

__all__ = [
    "AliveHistory",
    "BTYDModel",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "BetaGeoWithCovariates",
    "ContractDurations",
    "CovariateEncoding",
    "CovariateModel",
    "DiagnosticNote",
    "FitDiagnostics",
    "GammaGamma",
    "GammaGammaWithCovariates",
    "GroupFits",
    "LikelihoodRatioTest",
    "ModelComparison",
    "ModifiedBetaGeo",
    "ParameterSummary",
    "ParetoNBD",
    "ParetoNBDWithCovariates",
    "PredictionInterval",
    "PurchasePredictions",
    "ShiftedBetaGeo",
    "check_rfm",
    "compare_models",
    "conditional_probability_of_purchases",
    "customer_lifetime_value",
    "discounted_residual_transactions",
    "durations_from_counts",
    "encode_covariates",
    "fit_by_group",
    "likelihood_ratio_test",
    "prediction_interval",
    "probability_alive_history",
    "value_interval",
]
