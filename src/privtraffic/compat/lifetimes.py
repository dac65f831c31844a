"""Convert fitted privtraffic models to lifetimes fitters and back.

lifetimes' plotting and utility functions take its fitter objects; :func:`to_lifetimes` builds
the matching fitter with the same parameters (so its predictions agree with ours), and
:func:`from_lifetimes` turns a fitted lifetimes fitter into a privtraffic model. lifetimes and
pandas are imported only when these functions run.

=========================  ============================  ==============================
privtraffic                lifetimes                     parameters
=========================  ============================  ==============================
``BetaGeo``                ``BetaGeoFitter``             ``r, alpha, a, b``
``ModifiedBetaGeo``        ``ModifiedBetaGeoFitter``     ``r, alpha, a, b``
``ParetoNBD``              ``ParetoNBDFitter``           ``r, alpha, s, beta``
``BetaGeoBetaBinom``       ``BetaGeoBetaBinomFitter``    ``alpha, beta, gamma, delta``
``GammaGamma``             ``GammaGammaFitter``          ``p, q, v``
=========================  ============================  ==============================
"""

from __future__ import annotations

import importlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from privtraffic._tables import ColumnarTable
from privtraffic.errors import InvalidInputError, NotFittedError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from privtraffic.clv import BTYDModel

__all__ = ["from_lifetimes", "to_lifetimes"]

# (privtraffic module, class, lifetimes fitter) — most specific first (lifetimes'
# ModifiedBetaGeoFitter subclasses BetaGeoFitter).
_PAIRS = (
    ("privtraffic.clv.mbgnbd", "ModifiedBetaGeo", "ModifiedBetaGeoFitter"),
    ("privtraffic.clv.bgnbd", "BetaGeo", "BetaGeoFitter"),
    ("privtraffic.clv.paretonbd", "ParetoNBD", "ParetoNBDFitter"),
    ("privtraffic.clv.bgbb", "BetaGeoBetaBinom", "BetaGeoBetaBinomFitter"),
    ("privtraffic.clv.gammagamma", "GammaGamma", "GammaGammaFitter"),
)

# lifetimes' fitters predict under these names in its utilities (e.g. customer_lifetime_value).
_PREDICT = {
    "BetaGeoFitter": "conditional_expected_number_of_purchases_up_to_time",
    "ModifiedBetaGeoFitter": "conditional_expected_number_of_purchases_up_to_time",
    "ParetoNBDFitter": "conditional_expected_number_of_purchases_up_to_time",
}


def _our_class(module: str, name: str) -> type[BTYDModel] | None:
    try:
        cls: type[BTYDModel] = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):  # pragma: no cover - model not available
        return None
    return cls


def to_lifetimes(model: BTYDModel, data: ColumnarTable | pd.DataFrame | None = None) -> Any:
    """The lifetimes fitter matching a fitted privtraffic model, with the same parameters.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom or GammaGamma
        A fitted model.
    data : RFMSummary, DiscreteRFMSummary or pandas.DataFrame, optional
        Attached as the fitter's ``data`` (with a ``weights`` column), for lifetimes' plots
        that read it. privtraffic models never keep their training data.

    Returns
    -------
    lifetimes fitter
        A ``lifetimes.BaseFitter`` subclass (lifetimes ships no type hints):
        ``params_`` (a pandas Series in lifetimes' naming), ``penalizer_coef``,
        ``standard_errors_``, ``variance_matrix_``, ``confidence_intervals_`` and
        ``predict`` are set.

    Raises
    ------
    NotFittedError
        The model is not fitted.
    InvalidInputError
        The object is not a privtraffic model lifetimes has a fitter for.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> bg = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> fitter = to_lifetimes(bg)
    >>> type(fitter).__name__, float(fitter.params_["alpha"])
    ('BetaGeoFitter', 4.414)
    >>> round(float(fitter.conditional_probability_alive(2, 30.43, 38.86)[0]), 4)
    0.7266
    """
    import lifetimes
    import pandas as pd

    for module, name, fitter_name in _PAIRS:  # noqa: B007 - fitter_name is used below
        cls = _our_class(module, name)
        if cls is not None and type(model) is cls:
            break
    else:
        raise InvalidInputError(
            f"'model' must be a privtraffic BTYD model (got {type(model).__name__})"
        )
    summary = model.summary()  # raises NotFittedError; parameters in the model's order
    names = summary.parameter.tolist()
    fitter = getattr(lifetimes, fitter_name)(penalizer_coef=float(model.penalizer))
    fitter.params_ = pd.Series(summary.estimate, index=names, dtype=np.float64)
    fitter.variance_matrix_ = pd.DataFrame(model.covariance_, index=names, columns=names)
    fitter.standard_errors_ = pd.Series(summary.standard_error, index=names, dtype=np.float64)
    fitter.confidence_intervals_ = pd.DataFrame(
        {
            "lower 95% bound": fitter.params_ - 1.96 * fitter.standard_errors_,
            "upper 95% bound": fitter.params_ + 1.96 * fitter.standard_errors_,
        },
        index=names,
    )
    if fitter_name in _PREDICT:
        fitter.predict = getattr(fitter, _PREDICT[fitter_name])
    if data is not None:
        frame = data.to_pandas() if isinstance(data, ColumnarTable) else pd.DataFrame(data).copy()
        if "weights" not in frame.columns:
            frame["weights"] = 1
        fitter.data = frame
    return fitter


def from_lifetimes(fitter: Any) -> BTYDModel:
    """The privtraffic model matching a fitted lifetimes fitter, with the same parameters.

    Standard errors and their covariance come across when lifetimes computed them, the
    customer count when the fitter kept its data, and the log-likelihood for an unpenalised
    Gamma-Gamma fit only (lifetimes' BTYD fitters rescale time before fitting, so their
    likelihood is not on the data's scale; ``log_likelihood_`` is NaN for them).

    Parameters
    ----------
    fitter : lifetimes fitter
        A fitted ``BetaGeoFitter``, ``ModifiedBetaGeoFitter``, ``ParetoNBDFitter``,
        ``BetaGeoBetaBinomFitter`` or ``GammaGammaFitter``.

    Returns
    -------
    BTYDModel

    Raises
    ------
    NotFittedError
        The fitter has no ``params_``.
    InvalidInputError
        The object is not a lifetimes fitter privtraffic has a model for.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> back = from_lifetimes(to_lifetimes(BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793,
    ...     b=2.426)))
    >>> type(back).__name__, back.params_["b"]
    ('BetaGeo', 2.426)
    """
    import lifetimes

    for module, name, fitter_name in _PAIRS:
        fitter_cls = getattr(lifetimes, fitter_name, None)
        if fitter_cls is not None and isinstance(fitter, fitter_cls):
            cls = _our_class(module, name)
            if cls is not None:
                break
    else:
        raise InvalidInputError(
            "'fitter' must be a lifetimes fitter privtraffic supports "
            f"(got {type(fitter).__name__})"
        )
    params = getattr(fitter, "params_", None)
    if params is None:
        raise NotFittedError(f"the {type(fitter).__name__} is not fitted yet")
    penalizer = float(getattr(fitter, "penalizer_coef", 0.0))
    # lifetimes names the parameters as we do (its params_ index), in the same order.
    model = cls.from_params({str(n): float(v) for n, v in params.items()}, penalizer=penalizer)
    names = list(model.params_)
    variance = getattr(fitter, "variance_matrix_", None)
    if variance is not None:
        cov = np.asarray(variance.loc[names, names], dtype=np.float64)
        model.covariance_ = cov
        model.standard_errors_ = {
            n: float(math.sqrt(v)) if v >= 0 else math.nan
            for n, v in zip(names, np.diag(cov), strict=True)
        }
    data = getattr(fitter, "data", None)
    nll = getattr(fitter, "_negative_log_likelihood_", None)
    if data is not None and "weights" in data.columns:
        n_customers = float(np.asarray(data["weights"], dtype=np.float64).sum())
        model.n_customers_ = n_customers
        model.n_rows_ = len(data)
        # Only lifetimes' Gamma-Gamma NLL is on the data's own scale (its BTYD fitters rescale
        # time before fitting, and differ in how they average).
        if nll is not None and penalizer == 0.0 and fitter_name == "GammaGammaFitter":
            model.log_likelihood_ = -float(nll) * n_customers
    return model
