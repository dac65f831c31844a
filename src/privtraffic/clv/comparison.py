"""Choosing between BTYD models: fit statistics, holdout accuracy and the likelihood-ratio test.

:func:`compare_models` fits each candidate on the same calibration data and scores it two ways:
by the likelihood (log-likelihood, AIC, BIC: in-sample, penalised for parameters) and by how
well it forecasts the holdout period (per-customer error, the error of the total, and the
error of the *conditional expectations*: mean holdout purchases of the customers with 0, 1,
2, ... calibration purchases, the diagnostic of Fader, Hardie & Lee 2005, Figure 4).
:func:`likelihood_ratio_test` tests a model against a more general one that nests it.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

Burnham, K. P. and Anderson, D. R. (2002). *Model Selection and Multimodel Inference*, 2nd
ed. Springer (AIC, BIC).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any, Protocol

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_float_array, check_same_length
from privtraffic.clv._base import BTYDModel, DataInput, float_column, int_column, table_columns
from privtraffic.errors import InvalidInputError, NotFittedError

__all__ = [
    "FittedModel",
    "LikelihoodRatioTest",
    "ModelComparison",
    "compare_models",
    "likelihood_ratio_test",
]


class FittedModel(Protocol):
    """What :func:`likelihood_ratio_test` reads of a fitted model.

    Every privtraffic estimator after ``fit`` has these attributes.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> from privtraffic.data import load_cdnow
    >>> def aic(m: FittedModel) -> float:
    ...     return 2 * len(m.params_) - 2 * m.log_likelihood_
    >>> round(aic(BetaGeo().fit(load_cdnow("summary"))), 1)
    19172.9
    """

    params_: dict[str, float]
    log_likelihood_: float
    n_customers_: float


def _to_str_array(values: ArrayLike) -> NDArray[np.str_]:
    return np.asarray(values, dtype=str)


@attrs.frozen(eq=False, repr=False)
class ModelComparison(ColumnarTable):
    """One row per model: fit statistics on the calibration data and holdout accuracy.

    Attributes
    ----------
    model : numpy.ndarray of str
        The models' names (the class name, numbered when a class appears twice).
    n_params : numpy.ndarray of int
        Parameters estimated.
    log_likelihood, aic, bic : numpy.ndarray
        Total log-likelihood of the calibration data; ``AIC = 2k - 2 LL`` and
        ``BIC = k log(n) - 2 LL`` with ``n`` the customers (lower is better).
    holdout_mae, holdout_rmse : numpy.ndarray
        Mean absolute and root mean squared error of each customer's expected holdout
        purchases.
    total_predicted : numpy.ndarray
        Expected holdout purchases of all customers together.
    total_bias : numpy.ndarray
        ``total_predicted - total_actual``: positive when the model over-forecasts.
    conditional_mae : numpy.ndarray
        Mean, over the calibration-frequency groups ``0, 1, ..., max_frequency+`` that have
        customers, of ``|mean expected - mean actual holdout purchases|`` in the group.
    total_actual : float
        Holdout purchases observed.
    n_customers : float
        Customers (total weight) in the calibration data.
    max_frequency : int
        First calibration frequency pooled into the last group.
    models : tuple
        The fitted models, in row order (copies; the models passed in are not changed).

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo, ParetoNBD
    >>> from privtraffic.data import load_cdnow, summarize_transactions
    >>> s = summarize_transactions(load_cdnow("transactions"), calibration_end="1997-09-30")
    >>> table = compare_models([BetaGeo(), ParetoNBD()], s)
    >>> table.model.tolist(), table.best("bic"), table.total_actual
    (['BetaGeo', 'ParetoNBD'], 'BetaGeo', 1882.0)
    """

    model: NDArray[np.str_] = attrs.field(converter=_to_str_array)
    n_params: NDArray[np.int64] = attrs.field(converter=int_column)
    log_likelihood: NDArray[np.float64] = attrs.field(converter=float_column)
    aic: NDArray[np.float64] = attrs.field(converter=float_column)
    bic: NDArray[np.float64] = attrs.field(converter=float_column)
    holdout_mae: NDArray[np.float64] = attrs.field(converter=float_column)
    holdout_rmse: NDArray[np.float64] = attrs.field(converter=float_column)
    total_predicted: NDArray[np.float64] = attrs.field(converter=float_column)
    total_bias: NDArray[np.float64] = attrs.field(converter=float_column)
    conditional_mae: NDArray[np.float64] = attrs.field(converter=float_column)
    total_actual: float = 0.0
    n_customers: float = 0.0
    max_frequency: int = 7
    models: tuple[Any, ...] = ()

    def best(self, by: str = "bic") -> str:
        """The name of the model with the lowest value of column ``by``.

        Parameters
        ----------
        by : str, default "bic"
            ``"aic"``, ``"bic"``, ``"holdout_mae"``, ``"holdout_rmse"``, ``"conditional_mae"``,
            or ``"total_bias"`` (smallest in absolute value).

        Returns
        -------
        str
            The best model's name, as the ``model`` column gives it.

        Raises
        ------
        InvalidInputError
            Another column.

        Examples
        --------
        >>> t = ModelComparison(model=["A", "B"], n_params=[2, 4], log_likelihood=[-10, -8],
        ...     aic=[24, 24], bic=[25, 27], holdout_mae=[1, 2], holdout_rmse=[1, 2],
        ...     total_predicted=[9, 11], total_bias=[-1, 1.5], conditional_mae=[0.5, 0.2])
        >>> t.best("bic"), t.best("conditional_mae"), t.best("total_bias")
        ('A', 'B', 'A')
        """
        choices = ("aic", "bic", "holdout_mae", "holdout_rmse", "conditional_mae", "total_bias")
        if by not in choices:
            raise InvalidInputError(f"'by' must be one of {list(choices)} (got {by!r})")
        values = np.abs(self.total_bias) if by == "total_bias" else getattr(self, by)
        return str(self.model[int(np.argmin(values))])

    def __repr__(self) -> str:
        lines = [
            f"ModelComparison: {self.n_customers:,.0f} customers, "
            f"{self.total_actual:,.0f} holdout purchases",
            f"{'':>18} {'k':>2} {'LL':>11} {'AIC':>10} {'BIC':>10} {'MAE':>7} {'RMSE':>7} "
            f"{'bias':>8} {'cond.MAE':>8}",
        ]
        for i, name in enumerate(self.model.tolist()):
            lines.append(
                f"{name[:18]:>18} {self.n_params[i]:>2} {self.log_likelihood[i]:>11.2f} "
                f"{self.aic[i]:>10.1f} {self.bic[i]:>10.1f} {self.holdout_mae[i]:>7.4f} "
                f"{self.holdout_rmse[i]:>7.4f} {self.total_bias[i]:>8.1f} "
                f"{self.conditional_mae[i]:>8.4f}"
            )
        return "\n".join(lines[:12])

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        cols = self.columns()
        rows = (tuple(col[i] for col in cols.values()) for i in range(len(self)))
        return html_table(
            rows,
            list(cols),
            title="Model comparison",
            notes={
                "customers": self.n_customers,
                "holdout purchases": self.total_actual,
                "frequency groups": f"0..{self.max_frequency}+",
            },
        )


def _names(models: Sequence[object]) -> list[str]:
    base = [type(m).__name__ for m in models]
    seen: dict[str, int] = {}
    out = []
    for name in base:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if base.count(name) == 1 else f"{name} #{seen[name]}")
    return out


def _holdout_columns(
    holdout: DataInput | None, calibration: DataInput, n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    source = calibration if holdout is None else holdout
    cols = table_columns(source, ("holdout_frequency", "holdout_duration"))
    if cols is None:
        raise InvalidInputError(
            "'holdout' must be a table with 'holdout_frequency' and 'holdout_duration' columns "
            "(an RFMSummary made with a calibration_end has them)"
        )
    actual = as_float_array(cols["holdout_frequency"], "holdout_frequency", minimum=0.0)
    duration = as_float_array(cols["holdout_duration"], "holdout_duration", minimum=0.0)
    check_same_length(holdout_frequency=actual, holdout_duration=duration)
    if actual.size != n:
        raise InvalidInputError(
            f"'holdout' must have one row per calibration row (got {actual.size} rows for {n})"
        )
    return actual, duration


def compare_models(
    models: Sequence[BTYDModel],
    calibration: DataInput,
    holdout: DataInput | None = None,
    *,
    max_frequency: int = 7,
) -> ModelComparison:
    """Fit each model on the calibration data and compare fit and holdout forecasts.

    Parameters
    ----------
    models : sequence of BTYD transaction models
        E.g. ``[BetaGeo(), ModifiedBetaGeo(), ParetoNBD()]`` (or ``BetaGeoBetaBinom`` with
        discrete data). Each is copied and the copy fitted on ``calibration``, so every
        log-likelihood refers to the same data; the models passed in are not changed.
    calibration : RFMSummary, pandas.DataFrame or mapping
        The calibration-period data: the models' columns (``frequency``, ``recency``, ``T``;
        or ``n_periods``) and optionally ``weights``.
    holdout : table, optional
        ``holdout_frequency`` (purchases in the holdout period) and ``holdout_duration`` (its
        length, in the models' time unit) per calibration row. Defaults to ``calibration``
        itself: an ``RFMSummary`` made with a ``calibration_end`` has both columns.
    max_frequency : int, default 7
        First calibration frequency pooled into the last conditional-expectation group.

    Returns
    -------
    ModelComparison
        One row per model; :meth:`ModelComparison.best` picks the winner by a column.

    Raises
    ------
    InvalidInputError
        No models, a model without ``expected_purchases`` (a spend model), missing columns,
        a holdout of another length, or ``max_frequency < 1``.
    ConvergenceError
        A model could not be fitted.

    Notes
    -----
    With ``weights``, every average and total is weighted by them (each row stands for that
    many customers with the same calibration *and* holdout data).

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
    >>> from privtraffic.data import load_cdnow, summarize_transactions
    >>> s = summarize_transactions(load_cdnow("transactions"), calibration_end="1997-09-30")
    >>> t = compare_models([BetaGeo(), ModifiedBetaGeo(), ParetoNBD()], s)
    >>> np.round(t.log_likelihood, 1).tolist()  # FHL (2005): BG/NBD -9582.4, Pareto/NBD -9595.0
    [-9582.4, -9582.1, -9595.0]
    >>> t.best("conditional_mae")
    'ParetoNBD'
    """
    if isinstance(max_frequency, bool) or not isinstance(max_frequency, (int, np.integer)):
        raise InvalidInputError(f"'max_frequency' must be a whole number (got {max_frequency!r})")
    if max_frequency < 1:
        raise InvalidInputError(f"'max_frequency' must be >= 1 (got {max_frequency})")
    models = list(models)
    if not models:
        raise InvalidInputError("'models' must name at least one model")
    for i, m in enumerate(models):
        if not isinstance(m, BTYDModel) or not hasattr(m, "expected_purchases"):
            raise InvalidInputError(
                "'models' must be BTYD transaction models with expected_purchases "
                f"(got {type(m).__name__} at index {i})"
            )
    first = table_columns(calibration, type(models[0])._data_names)
    if first is None:
        raise InvalidInputError(
            "'calibration' must be a table with the models' columns "
            f"(got {type(calibration).__name__})"
        )
    n_rows = np.size(next(iter(first.values())))
    actual, duration = _holdout_columns(holdout, calibration, n_rows)
    fitted = []
    rows: dict[str, list[float]] = {
        k: []
        for k in (
            "n_params",
            "log_likelihood",
            "aic",
            "bic",
            "holdout_mae",
            "holdout_rmse",
            "total_predicted",
            "total_bias",
            "conditional_mae",
        )
    }
    total_actual = 0.0
    n_customers = 0.0
    for m in models:
        names = type(m)._data_names
        cols = table_columns(calibration, names, optional=("weights",))
        if cols is None:
            raise InvalidInputError(
                f"'calibration' must be a table with columns {list(names)} (got "
                f"{type(calibration).__name__})"
            )
        data = [as_float_array(cols[n], n) for n in names]
        weights = (
            as_float_array(cols["weights"], "weights", minimum=0.0)
            if "weights" in cols
            else np.ones(data[0].size)
        )
        model = copy.deepcopy(m)
        model.fit(*data, weights=weights)  # type: ignore[attr-defined]
        fitted.append(model)
        forecast = model.expected_purchases(duration, *data)  # type: ignore[attr-defined]
        predicted = np.asarray(forecast, dtype=np.float64)
        w_total = float(weights.sum())
        error = predicted - actual
        k = len(model.params_)
        ll = float(model.log_likelihood_)
        n_customers = float(model.n_customers_)
        total_actual = float(np.dot(weights, actual))
        group = np.minimum(data[0], max_frequency).astype(np.int64)
        size = np.bincount(group, weights=weights, minlength=max_frequency + 1)
        filled = size > 0
        mean_actual = np.bincount(group, weights=weights * actual, minlength=max_frequency + 1)
        mean_predicted = np.bincount(
            group, weights=weights * predicted, minlength=max_frequency + 1
        )
        gap = np.abs(mean_predicted[filled] - mean_actual[filled]) / size[filled]
        rows["n_params"].append(k)
        rows["log_likelihood"].append(ll)
        rows["aic"].append(2.0 * k - 2.0 * ll)
        rows["bic"].append(k * math.log(n_customers) - 2.0 * ll)
        rows["holdout_mae"].append(float(np.dot(weights, np.abs(error))) / w_total)
        rows["holdout_rmse"].append(math.sqrt(float(np.dot(weights, error**2)) / w_total))
        rows["total_predicted"].append(float(np.dot(weights, predicted)))
        rows["total_bias"].append(float(np.dot(weights, predicted)) - total_actual)
        rows["conditional_mae"].append(float(gap.mean()))
    return ModelComparison(
        model=_names(models),
        **rows,
        total_actual=total_actual,
        n_customers=n_customers,
        max_frequency=int(max_frequency),
        models=tuple(fitted),
    )


@attrs.frozen
class LikelihoodRatioTest:
    """The result of :func:`likelihood_ratio_test`.

    Attributes
    ----------
    statistic : float
        ``2 (LL_full - LL_restricted)`` (>= 0).
    df : int
        Degrees of freedom: the parameters the full model adds.
    p_value : float
        ``P(chi2(df) >= statistic)``: small values reject the restricted model.
    restricted, full : str
        The models' names.

    Examples
    --------
    >>> t = LikelihoodRatioTest(statistic=3.84, df=1, p_value=0.05, restricted="A", full="B")
    >>> t.rejects(0.10), t.rejects(0.01)
    (True, False)
    """

    statistic: float
    df: int
    p_value: float
    restricted: str = ""
    full: str = ""

    def rejects(self, level: float = 0.05) -> bool:
        """Whether the test rejects the restricted model at significance ``level``.

        Parameters
        ----------
        level : float, default 0.05
            In (0, 1).

        Returns
        -------
        bool

        Raises
        ------
        InvalidInputError
            A level outside (0, 1).

        Examples
        --------
        >>> LikelihoodRatioTest(statistic=10.0, df=2, p_value=0.0067).rejects()
        True
        """
        if not (0.0 < level < 1.0):
            raise InvalidInputError(f"'level' must be in (0, 1) (got {level!r})")
        return self.p_value < level


def likelihood_ratio_test(
    restricted: FittedModel, full: FittedModel, *, df: int | None = None
) -> LikelihoodRatioTest:
    """Likelihood-ratio test of a restricted model against a full model that nests it.

    Under the restricted model, ``2 (LL_full - LL_restricted)`` is asymptotically chi-squared
    with as many degrees of freedom as the full model has extra parameters (Wilks 1938).
    Both models must be fitted by maximum likelihood (no penalizer) on the same customers.
    When the restriction puts a parameter on the boundary of its range (a variance of 0, say)
    the chi-squared p-value is conservative.

    Parameters
    ----------
    restricted, full : fitted models
        Anything with ``log_likelihood_``, ``params_`` and ``n_customers_``.
    df : int, optional
        Degrees of freedom; default ``len(full.params_) - len(restricted.params_)``.

    Returns
    -------
    LikelihoodRatioTest

    Raises
    ------
    NotFittedError
        A model is not fitted.
    InvalidInputError
        No finite log-likelihood (a model built with ``from_params``), different numbers of
        customers, ``df < 1``, or a full model that fits clearly worse than the restricted
        one (so it does not nest it, or its fit stopped short of the optimum).

    References
    ----------
    Wilks, S. S. (1938). The Large-Sample Distribution of the Likelihood Ratio for Testing
    Composite Hypotheses. *Annals of Mathematical Statistics* 9(1), 60-62.

    Examples
    --------
    >>> from types import SimpleNamespace  # two toy fits: 2 and 3 parameters, 50 customers
    >>> small = SimpleNamespace(params_={"p": 0.3, "q": 2.0}, log_likelihood_=-100.0,
    ...     n_customers_=50.0)
    >>> large = SimpleNamespace(params_={"p": 0.3, "q": 2.0, "c": 1.1}, log_likelihood_=-97.0,
    ...     n_customers_=50.0)
    >>> t = likelihood_ratio_test(small, large)
    >>> t.statistic, t.df, round(t.p_value, 4)
    (6.0, 1, 0.0143)
    """
    lls = []
    for name, m in (("restricted", restricted), ("full", full)):
        if getattr(m, "params_", None) is None:
            raise NotFittedError(f"the {name} model is not fitted yet: call fit(...) first")
        ll = float(m.log_likelihood_)
        if not math.isfinite(ll):
            raise InvalidInputError(
                f"the {name} model has no finite log-likelihood (got {ll!r}): fit it on data, "
                "not with from_params"
            )
        lls.append(ll)
    n_r, n_f = float(restricted.n_customers_), float(full.n_customers_)
    if not math.isclose(n_r, n_f, rel_tol=1e-9):
        raise InvalidInputError(
            f"both models must be fitted on the same customers (got {n_r:g} and {n_f:g})"
        )
    if df is None:
        df = len(full.params_) - len(restricted.params_)
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)) or df < 1:
        raise InvalidInputError(
            f"'df' must be a whole number >= 1 (got {df!r}): the full model needs more "
            "parameters than the restricted one"
        )
    statistic = 2.0 * (lls[1] - lls[0])
    if statistic < -1e-6 * max(1.0, abs(lls[1])):
        raise InvalidInputError(
            f"the full model fits worse than the restricted one (log-likelihood {lls[1]:.4f} < "
            f"{lls[0]:.4f}): it does not nest it, or its fit stopped short of the optimum"
        )
    statistic = max(statistic, 0.0)
    return LikelihoodRatioTest(
        statistic=statistic,
        df=int(df),
        p_value=float(special.chdtrc(int(df), statistic)),  # chi2.sf, without scipy.stats
        restricted=type(restricted).__name__,
        full=type(full).__name__,
    )
