"""Prediction intervals for future purchases: :func:`prediction_interval`.

A point forecast ``E[X(T, T + t] | history]`` says nothing about how far the count may fall
from it. The interval here is one of the posterior predictive distribution of each customer's
purchases in ``(T, T + t]``, which holds two kinds of uncertainty:

1. **the parameters'**: each draw ``d`` takes parameters from the fitted asymptotic normal of
   the estimates on the scale they were estimated on (the logarithms of the plain model's
   parameters; the gammas of a covariate model as they are), with the covariance of the fit;
2. **the customer's own process**, given the history and the draw's parameters: alive at
   ``T`` with probability ``P(alive | history)``; if alive, the purchase rate has the posterior
   ``lambda ~ Gamma(r + x, alpha + T)`` and the dropout process its own — Pareto/NBD:
   ``mu ~ Gamma(s, beta + T)``, an exponential remaining lifetime ``tau`` and
   ``X ~ Poisson(lambda · min(tau, t))``; BG/NBD: ``p ~ Beta(a, b + x)`` (``b + x + 1`` for
   MBG/NBD), ``K ~ Poisson(lambda t)`` purchase opportunities and dropout after each purchase
   with probability ``p``, so ``X = min(K, G)`` with ``G ~ Geometric(p)``.

How the interval is read off the draws (``coverage``):

- ``"at_least"``: the equal-tailed ``level`` interval of the draws. Counts are whole numbers, so
  it holds at least ``level`` of a customer's predictive distribution and often much more: a
  customer with ``P(X = 0) = 0.95`` gets ``[0, 0]`` at level 0.9, one with ``P(X = 0) = 0.85``
  and ``P(X = 1) = 0.12`` gets ``[0, 1]`` (0.97). Over many customers such intervals cover their
  holdout counts well above ``level`` (about 96% for a 90% level on CDNOW-like data).
- ``"nearest"`` (the default): of that interval and the ones a whole count shorter at either
  end or both, the one whose predictive probability is nearest ``level`` (the second customer
  above gets ``[0, 0]``, 0.85). A single customer's interval may then hold a little less than
  ``level``, but over customers the intervals cover about ``level`` of the holdout counts, which
  is what a 90% interval is read as.

The total over all customers is nearly continuous, and both rules give nearly the same interval
for it: it is where the parameters' uncertainty shows, since every customer shares them.

What the interval does not cover: a model that is wrong (the models' assumptions: time-invariant
rates, no seasonality), and customers acquired after ``T``.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic.clv._base import BTYDModel, check_horizon, prediction_columns
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.covariates import CovariateModel, check_prediction_columns
from privtraffic.clv.paretonbd import ParetoNBD
from privtraffic.errors import InvalidInputError, NotFittedError

__all__ = ["PredictionInterval", "prediction_interval", "value_interval"]


def _floats(values: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


@attrs.frozen(eq=False, repr=False)
class PredictionInterval(ColumnarTable):
    """Posterior predictive intervals of each customer's purchases in ``(T, T + t]``.

    Attributes
    ----------
    mean, lower, upper : numpy.ndarray
        Per customer: the mean of the predictive draws and the ``level`` interval read off
        them by the ``coverage`` rule (whole numbers for purchases).
    level : float
        The interval's probability.
    n_draws : int
        Draws behind each interval.
    total_mean, total_lower, total_upper : float
        The same for the sum over all customers.
    coverage : {"nearest", "at_least"}
        The rule that read the intervals off the draws (see the module's documentation).

    Examples
    --------
    >>> p = PredictionInterval(mean=[0.5], lower=[0.0], upper=[2.0], level=0.9, n_draws=10,
    ...     total_mean=0.5, total_lower=0.0, total_upper=2.0)
    >>> p.columns()["upper"].tolist()
    [2.0]
    """

    mean: NDArray[np.float64] = attrs.field(converter=_floats)
    lower: NDArray[np.float64] = attrs.field(converter=_floats)
    upper: NDArray[np.float64] = attrs.field(converter=_floats)
    level: float = 0.9
    n_draws: int = 0
    total_mean: float = math.nan
    total_lower: float = math.nan
    total_upper: float = math.nan
    coverage: str = "nearest"

    def columns(self) -> dict[str, NDArray[Any]]:
        """The per-customer columns ``mean``, ``lower``, ``upper``.

        Examples
        --------
        >>> PredictionInterval(mean=[1.0], lower=[0.0], upper=[3.0]).columns()["mean"].tolist()
        [1.0]
        """
        return {"mean": self.mean, "lower": self.lower, "upper": self.upper}

    def __repr__(self) -> str:
        return (
            f"PredictionInterval({len(self.mean)} customers, level {self.level:g} "
            f"({self.coverage}), "
            f"{self.n_draws} draws; total {self.total_mean:.6g} "
            f"[{self.total_lower:.6g}, {self.total_upper:.6g}])"
        )

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = zip(self.mean.tolist(), self.lower.tolist(), self.upper.tolist(), strict=True)
        return html_table(
            list(rows)[:20],
            ["mean", "lower", "upper"],
            title=f"Prediction intervals (level {self.level:g})",
            notes={
                "total mean": self.total_mean,
                "total lower": self.total_lower,
                "total upper": self.total_upper,
            },
        )


def _kind(model: object) -> tuple[str, int]:
    """("pareto" | "bg", MBG/NBD shift) of a supported model; raises otherwise."""
    plain = model._plain if isinstance(model, CovariateModel) else type(model)
    if issubclass(plain, ParetoNBD):
        return "pareto", 0
    if issubclass(plain, BetaGeo):
        return "bg", int(getattr(plain, "_shift", 0))
    raise InvalidInputError(
        "'model' must be a fitted ParetoNBD, BetaGeo, ModifiedBetaGeo or one of their "
        f"covariate models (got {type(model).__name__})"
    )


def _parameter_draws(
    model: BTYDModel | CovariateModel, n_draws: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """``(n_draws, k)`` draws of the estimation-scale parameters (log plain params, gammas)."""
    params = model.params_
    names = list(params)
    k_plain = len(model._plain._param_names) if isinstance(model, CovariateModel) else len(names)
    values = np.array([params[n] for n in names])
    scale = np.concatenate([values[:k_plain], np.ones(len(names) - k_plain)])
    center = np.concatenate([np.log(values[:k_plain]), values[k_plain:]])
    cov = np.asarray(model.covariance_, dtype=np.float64) / np.outer(scale, scale)
    if not np.all(np.isfinite(cov)):
        raise InvalidInputError(
            "'model' has no finite covariance (built with from_params, or a fit whose Hessian "
            "is not positive definite): parameter uncertainty cannot be drawn; pass "
            "parameter_uncertainty=False for the process uncertainty alone"
        )
    return rng.multivariate_normal(center, cov, size=n_draws, method="eigh")


def prediction_interval(
    model: BTYDModel | CovariateModel,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    level: float = 0.9,
    coverage: str = "nearest",
    n_draws: int = 1000,
    rng: np.random.Generator | None = None,
    parameter_uncertainty: bool = True,
    method: str = "normal",
    n_bootstrap: int = 100,
    **covariates: Any,
) -> PredictionInterval:
    """Posterior predictive intervals of each customer's and the total purchases in ``(T, T + t]``.

    Parameters
    ----------
    model : ParetoNBD, BetaGeo, ModifiedBetaGeo or a covariate model of them
        Fitted (its ``covariance_`` is used for the parameters' uncertainty).
    t : float
        Length of the future period (>= 0), in the data's time unit.
    frequency, recency, T : array-like
        The customers' histories.
    level : float, default 0.9
        Probability of the interval, in (0, 1).
    coverage : {"nearest", "at_least"}, default "nearest"
        How the interval is read off the draws of whole counts: the one whose predictive
        probability is nearest ``level`` (so that over customers about ``level`` of the holdout
        counts fall inside), or the equal-tailed one, which holds at least ``level`` for every
        customer (see the module's documentation).
    n_draws : int, default 1000
        Predictive draws (each with its own parameter draw).
    rng : numpy.random.Generator, optional
        Source of randomness (default: a fresh unseeded generator).
    parameter_uncertainty : bool, default True
        Draw the parameters (see ``method``); ``False`` keeps them at the estimates (the
        customers' own uncertainty only).
    method : {"normal", "bootstrap"}, default "normal"
        Where the parameter draws come from: the fit's asymptotic normal, or (CLVTools'
        ``uncertainty = "boots"``) ``n_bootstrap`` refits of the model on customers drawn with
        replacement from those given — so give the customers the model was fitted on. The
        draws cycle through the refits.
    n_bootstrap : int, default 100
        Refits for ``method="bootstrap"`` (>= 2; a refit that fails is left out).
    **covariates
        A covariate model's covariates (``purchase_covariates=...``), as at fit.

    Returns
    -------
    PredictionInterval
        ``mean``, ``lower``, ``upper`` per customer and the total's.

    Raises
    ------
    NotFittedError
        Before ``fit``.
    InvalidInputError
        An unsupported model, a level outside (0, 1), ``n_draws`` < 2, a negative ``t``,
        histories that break the model's rules, or no finite covariance when
        ``parameter_uncertainty`` is on.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> from privtraffic.data import load_cdnow
    >>> s = load_cdnow("summary")
    >>> m = BetaGeo().fit(s)
    >>> p = prediction_interval(m, 39.0, s.frequency, s.recency, s.T, n_draws=200,
    ...     rng=np.random.default_rng(0))
    >>> bool(p.total_lower < m.expected_purchases(39.0, s.frequency, s.recency, s.T).sum()
    ...     < p.total_upper)
    True
    >>> bool(np.all(p.lower <= p.upper))
    True
    """
    _check_level(level, n_draws, coverage)
    if method not in ("normal", "bootstrap"):
        raise InvalidInputError(f"'method' must be 'normal' or 'bootstrap' (got {method!r})")
    if method == "bootstrap" and (
        isinstance(n_bootstrap, bool)
        or not isinstance(n_bootstrap, (int, np.integer))
        or n_bootstrap < 2
    ):
        raise InvalidInputError(f"'n_bootstrap' must be a whole number >= 2 (got {n_bootstrap!r})")
    counts, _ = _purchase_draws(
        model,
        t,
        frequency,
        recency,
        T,
        int(n_draws),
        rng,
        parameter_uncertainty,
        covariates,
        bootstrap=int(n_bootstrap) if method == "bootstrap" else 0,
    )
    return _summarise(counts, float(level), coverage)


def value_interval(
    model: BTYDModel | CovariateModel,
    spend_model: BTYDModel | CovariateModel,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    margin: float = 1.0,
    level: float = 0.9,
    coverage: str = "nearest",
    n_draws: int = 1000,
    rng: np.random.Generator | None = None,
    parameter_uncertainty: bool = True,
    spend_covariates: Any = None,
    **covariates: Any,
) -> PredictionInterval:
    """Posterior predictive intervals of the value each customer (and all) spend in ``(T, T + t]``.

    Each draw takes the purchases of :func:`prediction_interval` and gives each customer a
    spend per transaction from the spend model: with parameters drawn from its own asymptotic
    normal, the customer's scale has the posterior ``nu ~ Gamma(q + p x, v + x m)`` (the prior
    ``Gamma(q, v)`` for ``x = 0``) and ``X`` purchases are worth ``Gamma(p X, nu)`` in total.
    The value is ``margin`` times that, **undiscounted** within the period (for a value over
    many years discount with :func:`~privtraffic.clv.customer_lifetime_value`; this interval
    says how uncertain the next period's value is).

    Parameters
    ----------
    model : ParetoNBD, BetaGeo, ModifiedBetaGeo or a covariate model of them
        The fitted transaction model.
    spend_model : GammaGamma or GammaGammaWithCovariates
        The fitted spend model.
    t : float
        Length of the period (>= 0).
    frequency, recency, T, monetary_value : array-like
        The customers' histories and mean spend (ignored where frequency is 0).
    margin : float, default 1.0
        Share of spend that is value (> 0).
    level, coverage, n_draws, rng, parameter_uncertainty :
        As :func:`prediction_interval` (a value is continuous but for the customers who buy
        nothing, so the rules differ only where the draws pile up at 0).
    spend_covariates : optional
        The spend model's covariates, as at its fit.
    **covariates
        The transaction model's covariates.

    Returns
    -------
    PredictionInterval
        In the currency of ``monetary_value``.

    Raises
    ------
    NotFittedError
        A model not fitted.
    InvalidInputError
        As :func:`prediction_interval`; a spend model that is not a Gamma-Gamma; a margin
        that is not > 0; spend data that break the spend model's rules.
    UnrepresentableError
        Customers with no repeat purchase when the spend model's ``q <= 1`` (their mean
        spend is infinite).

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo, GammaGamma
    >>> bg = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    >>> gg = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    >>> v = value_interval(bg, gg, 39.0, [0, 4], [0.0, 30.0], [39.0, 39.0], [0.0, 30.0],
    ...     n_draws=2000, rng=np.random.default_rng(0), parameter_uncertainty=False)
    >>> bool(v.mean[1] > v.mean[0]), bool(v.lower[0] == 0.0)
    (True, True)
    """
    from privtraffic.clv.gammagamma import GammaGamma

    _check_level(level, n_draws, coverage)
    spend_plain = (
        spend_model._plain if isinstance(spend_model, CovariateModel) else type(spend_model)
    )
    if not issubclass(spend_plain, GammaGamma):
        raise InvalidInputError(
            "'spend_model' must be a fitted GammaGamma or GammaGammaWithCovariates "
            f"(got {type(spend_model).__name__})"
        )
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not margin > 0:
        raise InvalidInputError(f"'margin' must be a number > 0 (got {margin!r})")
    spend_given = {} if spend_covariates is None else {"spend_covariates": spend_covariates}
    # validates the spend data (and refuses an infinite mean spend)
    spend_model.expected_spend(frequency, monetary_value, **spend_given)  # type: ignore[union-attr]
    rng = np.random.default_rng() if rng is None else rng
    counts, x = _purchase_draws(
        model, t, frequency, recency, T, int(n_draws), rng, parameter_uncertainty, covariates
    )
    n = len(x)
    (m,) = prediction_columns(monetary_value=monetary_value)
    m = np.broadcast_to(m, (n,)) if len(m) == 1 else m
    seen = np.where(x > 0, x, 0.0)
    spend = np.where(x > 0, m, 0.0)
    if isinstance(spend_model, CovariateModel):
        z = spend_model._encoded(n, spend_given)
        shift_matrix = spend_model._shift_matrix(spend_model.encodings_)
    else:
        z, shift_matrix = np.zeros((n, 0)), np.zeros((3, 0))
    if parameter_uncertainty:
        theta = _parameter_draws(spend_model, int(n_draws), rng)
    else:
        values = np.array(list(spend_model.params_.values()))
        theta = np.repeat(
            np.concatenate([np.log(values[:3]), values[3:]])[None, :], int(n_draws), axis=0
        )
    values_out = np.empty_like(counts)
    for d in range(int(n_draws)):
        p, q, v = np.exp(theta[d, :3])
        v_i = v * np.exp((z * theta[d, 3:]) @ shift_matrix[2])
        nu = rng.gamma(q + p * seen, 1.0 / (v_i + seen * spend))
        k = counts[d]
        total = np.zeros(n)
        bought = k > 0
        total[bought] = rng.gamma(p * k[bought], 1.0 / nu[bought])
        values_out[d] = margin * total
    return _summarise(values_out, float(level), coverage)


def _check_level(level: float, n_draws: int, coverage: str) -> None:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise InvalidInputError(f"'level' must be a number in (0, 1) (got {level!r})")
    if coverage not in ("nearest", "at_least"):
        raise InvalidInputError(f"'coverage' must be 'nearest' or 'at_least' (got {coverage!r})")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise InvalidInputError(f"'n_draws' must be a whole number >= 2 (got {n_draws!r})")


def _bounds(
    draws: NDArray[np.float64], level: float, coverage: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The ``level`` interval of each column of ``draws`` (``(n_draws, n)``) by ``coverage``.

    Starts from the equal-tailed interval ``[lower, upper]`` (quantiles of the inverted
    empirical distribution, so it holds at least ``level`` of the draws); for ``"nearest"``,
    also weighs the intervals without the draws at ``lower``, at ``upper`` or at both (each
    end moved to the next value drawn inside) and keeps the one holding the share of draws
    nearest ``level``, the wider one on a tie.
    """
    q = (1.0 - level) / 2.0
    lower, upper = np.quantile(draws, [q, 1.0 - q], axis=0, method="inverted_cdf")
    if coverage == "at_least":
        return lower, upper
    held = np.mean((draws >= lower) & (draws <= upper), axis=0)
    at_lower = np.mean(draws == lower, axis=0)
    at_upper = np.mean(draws == upper, axis=0)
    next_lower = np.where(draws > lower, draws, np.inf).min(axis=0)
    next_upper = np.where(draws < upper, draws, -np.inf).max(axis=0)
    best_lower, best_upper, best_held = lower, upper, held
    for new_lower, new_upper, new_held in (
        (next_lower, upper, held - at_lower),
        (lower, next_upper, held - at_upper),
        (next_lower, next_upper, held - at_lower - at_upper),
    ):
        closer = (new_lower <= new_upper) & (
            np.abs(new_held - level) < np.abs(best_held - level) - 1e-12
        )
        best_lower = np.where(closer, new_lower, best_lower)
        best_upper = np.where(closer, new_upper, best_upper)
        best_held = np.where(closer, new_held, best_held)
    return best_lower, best_upper


def _summarise(draws: NDArray[np.float64], level: float, coverage: str) -> PredictionInterval:
    """Mean and ``level`` interval per customer and of the total, from ``(draws, n)``."""
    lower, upper = _bounds(draws, level, coverage)
    totals = draws.sum(axis=1)
    total_lower, total_upper = _bounds(totals[:, None], level, coverage)
    return PredictionInterval(
        mean=draws.mean(axis=0),
        lower=lower,
        upper=upper,
        level=level,
        n_draws=draws.shape[0],
        total_mean=float(totals.mean()),
        total_lower=float(total_lower[0]),
        total_upper=float(total_upper[0]),
        coverage=coverage,
    )


def _purchase_draws(
    model: BTYDModel | CovariateModel,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    n_draws: int,
    rng: np.random.Generator | None,
    parameter_uncertainty: bool,
    covariates: dict[str, Any],
    *,
    bootstrap: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(n_draws, n)`` predictive draws of the purchases in ``(T, T + t]``, and ``frequency``.

    ``bootstrap > 0``: the parameter draws cycle through that many refits on resampled
    customers instead of coming from the asymptotic normal.
    """
    if getattr(model, "params_", None) is None:
        raise NotFittedError(f"this {type(model).__name__} is not fitted yet: call fit(...) first")
    kind, shift = _kind(model)
    plain: type[BTYDModel] = model._plain if isinstance(model, CovariateModel) else type(model)
    t_arr, x, rec, T_arr = check_prediction_columns(
        plain, t=t, frequency=frequency, recency=recency, T=T
    )
    check_horizon(t_arr)
    n = len(x)
    rng = np.random.default_rng() if rng is None else rng
    names = plain._param_names
    if isinstance(model, CovariateModel):
        z = model._encoded(n, covariates)
    else:
        if covariates:
            raise InvalidInputError(
                f"covariates given ({sorted(covariates)}) but {type(model).__name__} has none"
            )
        z = np.zeros((n, 0))
    unique_z, group = np.unique(z, axis=0, return_inverse=True)
    group = np.asarray(group).reshape(-1)
    members = [np.flatnonzero(group == g) for g in range(unique_z.shape[0])]
    k_plain = len(names)
    if parameter_uncertainty and bootstrap:
        refits = _bootstrap_refits(model, x, rec, T_arr, z, bootstrap, rng)
        draws = refits[np.arange(int(n_draws)) % len(refits)]
    elif parameter_uncertainty:
        draws = _parameter_draws(model, int(n_draws), rng)
    else:
        values = np.array(list(model.params_.values()))
        center = np.concatenate([np.log(values[:k_plain]), values[k_plain:]])
        draws = np.repeat(center[None, :], int(n_draws), axis=0)
    shift_matrix = (
        model._shift_matrix(model.encodings_)
        if isinstance(model, CovariateModel)
        else np.zeros((k_plain, 0))
    )
    counts = np.empty((int(n_draws), n))
    # With the parameters fixed, P(alive) and the posteriors are the same in every draw:
    # compute them once and draw in blocks of about two million customer-draws.
    fixed = not parameter_uncertainty
    block = max(1, 2_000_000 // max(n, 1)) if fixed else 1
    for start in range(0, int(n_draws), block):
        stop = min(start + block, int(n_draws))
        if start == 0 or not fixed:
            per_customer, alive_prob = _posterior_inputs(
                plain, draws[start], k_plain, shift_matrix, unique_z, members, x, rec, T_arr
            )
        counts[start:stop] = _draw_counts(
            kind, shift, per_customer, alive_prob, t_arr, x, T_arr, rng, stop - start
        )
    return counts, x


def _bootstrap_refits(
    model: BTYDModel | CovariateModel,
    x: NDArray[np.float64],
    rec: NDArray[np.float64],
    T: NDArray[np.float64],
    z: NDArray[np.float64],
    n_bootstrap: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Estimation-scale parameters of refits on customers resampled with replacement."""
    import warnings

    from privtraffic.errors import ConvergenceError, ConvergenceWarning

    names = list(model.params_)
    k_plain = len(model._plain._param_names) if isinstance(model, CovariateModel) else len(names)
    n = len(x)
    out = []
    for _ in range(n_bootstrap):
        idx = rng.integers(0, n, n)
        covariates: dict[str, dict[str, NDArray[np.float64]]] = {}
        if isinstance(model, CovariateModel):
            column = 0
            for process in model._processes:
                encoded = model.encodings_[process.argument].names
                if encoded:
                    covariates[process.argument] = {
                        name: z[idx, column + j] for j, name in enumerate(encoded)
                    }
                column += len(encoded)
        fresh = type(model)(penalizer=model.penalizer)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fresh.fit(x[idx], rec[idx], T[idx], **covariates)  # type: ignore[union-attr]
            values = np.array([fresh.params_[name] for name in names])
        except (ConvergenceError, InvalidInputError, KeyError):
            continue  # e.g. a resample without a level of a covariate: no refit
        out.append(np.concatenate([np.log(values[:k_plain]), values[k_plain:]]))
    if len(out) < 2:
        raise InvalidInputError(
            f"only {len(out)} of {n_bootstrap} bootstrap refits succeeded: use method='normal'"
        )
    return np.array(out)


def _posterior_inputs(
    plain: type[BTYDModel],
    theta: NDArray[np.float64],
    k_plain: int,
    shift_matrix: NDArray[np.float64],
    unique_z: NDArray[np.float64],
    members: list[NDArray[np.intp]],
    x: NDArray[np.float64],
    rec: NDArray[np.float64],
    T: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each customer's plain parameters and P(alive) at one parameter draw ``theta``."""
    names = plain._param_names
    log_plain, gammas = theta[:k_plain], theta[k_plain:]
    per_customer = np.empty((len(x), k_plain))
    alive_prob = np.empty(len(x))
    for g, idx in enumerate(members):
        params = np.exp(log_plain + shift_matrix @ (unique_z[g] * gammas))
        per_customer[idx] = params
        m = plain.from_params(dict(zip(names, params.tolist(), strict=True)))
        alive_prob[idx] = m.probability_alive(x[idx], rec[idx], T[idx])  # type: ignore[attr-defined]
    return per_customer, alive_prob


def _draw_counts(
    kind: str,
    shift: int,
    params: NDArray[np.float64],
    alive_prob: NDArray[np.float64],
    t: NDArray[np.float64],
    x: NDArray[np.float64],
    T: NDArray[np.float64],
    rng: np.random.Generator,
    size: int,
) -> NDArray[np.float64]:
    """``size`` predictive draws of every customer's purchases in ``(T, T + t]``."""
    shape = (size, len(x))
    alive = rng.random(shape) < alive_prob
    r, alpha = params[:, 0], params[:, 1]
    lam = rng.gamma(r + x, 1.0 / (alpha + T), size=shape)
    if kind == "pareto":
        s, beta = params[:, 2], params[:, 3]
        mu = rng.gamma(s, 1.0 / (beta + T), size=shape)
        tau = rng.exponential(1.0, shape) / mu
        counts = rng.poisson(lam * np.minimum(tau, t))
    else:
        a, b = params[:, 2], params[:, 3]
        p = rng.beta(a, b + x + shift, size=shape)
        opportunities = rng.poisson(lam * t)
        until_dropout = rng.geometric(np.clip(p, 1e-300, 1.0))
        counts = np.minimum(opportunities, until_dropout)
    return np.where(alive, counts, 0).astype(np.float64)
