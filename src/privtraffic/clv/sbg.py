"""The shifted-beta-geometric (sBG) model of contract renewals and :class:`ShiftedBetaGeo`.

Contractual setting, discrete time: a member pays for one period (a month, a year) at a time
and at the end of each period renews or leaves. Each member has a constant churn probability
``theta`` per renewal decision, and ``theta ~ Beta(alpha, beta)`` across members (Fader &
Hardie 2007). The duration ``T`` (the period at whose end the member leaves, ``T >= 1``)
then has

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``,
- survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``,
- retention rate ``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``,
  which *rises* with ``t``: the members who stay are the ones with low ``theta``.

The data of one member are ``periods`` (renewal decisions observed) and ``churned``: a member who
churned contributes ``log P(T = periods)``, one still active ``log S(periods)``. The value of a
member to the firm follows Fader & Hardie (2010): with a discount rate ``d`` per period, the
discounted expected lifetime of a new member is ``DEL = sum_{t>=0} S(t) / (1 + d)**t`` and the
discounted expected residual lifetime of one who has renewed ``n`` times, valued at the end of
period ``n + 1`` just before the next decision, is
``DERL = sum_{t>=n+1} S(t) / S(n) / (1 + d)**(t - n - 1)`` (their eq. 6). Both are
expectations over the posterior ``theta ~ Beta(alpha, beta + n)`` of
``(1 - theta)(1 + d) / (d + theta)``, computed by quadrature (scipy's ``hyp2f1``, the closed
form, fails near ``alpha == 1``).

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention. *Journal of
Interactive Marketing* 21(1), 76-90.

Fader, P. S. and Hardie, B. G. S. (2010). Customer-Base Valuation in a Contractual Setting: The
Perils of Ignoring Heterogeneity. *Marketing Science* 29(1), 85-93.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_float_array, first_index
from privtraffic.clv._base import (
    BTYDModel,
    DataInput,
    bool_column,
    check_whole,
    float_column,
    prediction_columns,
    simulation_column,
)
from privtraffic.clv._optimize import weighted_sum as _dot
from privtraffic.clv._special import beta_expectation
from privtraffic.errors import InvalidInputError

__all__ = [
    "ContractDurations",
    "ShiftedBetaGeo",
    "check_durations",
    "churn_probability",
    "discounted_expected_lifetime",
    "discounted_expected_residual_lifetime",
    "durations_from_counts",
    "expected_lifetime",
    "log_likelihood",
    "negative_log_likelihood",
    "retention_rate",
    "simulate",
    "survival",
]

Params = tuple[float, float]


# ---------------------------------------------------------------------------------- the data
def check_durations(periods: NDArray[np.float64], churned: NDArray[np.float64]) -> None:
    """Check contract durations: ``periods`` whole and >= 0, ``churned`` 0/1, churn needs >= 1.

    Parameters
    ----------
    periods, churned : numpy.ndarray
        Finite float64 columns of equal length (``churned`` as 0.0 / 1.0).

    Raises
    ------
    InvalidInputError
        At the first member whose duration breaks one of these rules, naming the argument, the
        rule, the value and the row.

    Examples
    --------
    >>> check_durations(np.array([3.0, 0.0]), np.array([0.0, 1.0]))
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'periods' must be >= 1 for a member who churned (got 0.0 at index 1)
    """  # noqa: E501
    check_whole(periods, "periods")
    i = first_index((churned != 0.0) & (churned != 1.0))
    if i >= 0:
        raise InvalidInputError(
            f"'churned' must be True/False or 1/0 (got {float(churned[i])!r} at index {i})"
        )
    i = first_index((churned == 1.0) & (periods < 1.0))
    if i >= 0:
        raise InvalidInputError(
            "'periods' must be >= 1 for a member who churned "
            f"(got {float(periods[i])!r} at index {i})"
        )


@attrs.frozen(eq=False, repr=False)
class ContractDurations(ColumnarTable):
    """Contract durations of a cohort, one row per distinct (periods, churned) with its count.

    What :meth:`ShiftedBetaGeo.fit` takes as a table; built from a cohort's survivor counts by
    :func:`durations_from_counts`.

    Attributes
    ----------
    periods : numpy.ndarray
        Renewal decisions observed.
    churned : numpy.ndarray of bool
        True when the last decision was to leave (``T == periods``); False when the member is
        still active after ``periods`` renewals (``T > periods``).
    weights : numpy.ndarray
        Members in the row.

    Examples
    --------
    >>> d = ContractDurations(periods=[1, 2, 2], churned=[True, True, False], weights=[4, 1, 5])
    >>> len(d), float(d.weights.sum())
    (3, 10.0)
    """

    periods: NDArray[np.float64] = attrs.field(converter=float_column)
    churned: NDArray[np.bool_] = attrs.field(converter=bool_column)
    weights: NDArray[np.float64] = attrs.field(converter=float_column)

    def __attrs_post_init__(self) -> None:
        n = self.periods.shape
        for name in ("churned", "weights"):
            col = getattr(self, name)
            if col.ndim != 1 or col.shape != n:
                raise InvalidInputError(
                    f"'{name}' must be 1-d with the same length as 'periods' "
                    f"(got shape {col.shape}, expected {n})"
                )


def durations_from_counts(active: ArrayLike) -> ContractDurations:
    """A cohort's contract durations from the number of members active after each period.

    Parameters
    ----------
    active : array-like of float
        ``active[0]`` members acquired, ``active[t]`` still members after ``t`` renewal
        decisions (non-increasing, >= 0). Percentages work too: the likelihood is the same up
        to the cohort size, but the log-likelihood and the standard errors scale with it.

    Returns
    -------
    ContractDurations
        ``active[t-1] - active[t]`` members churned at period ``t`` for ``t = 1..n``, and
        ``active[n]`` members active after the ``n`` periods observed.

    Raises
    ------
    InvalidInputError
        Fewer than two counts, negative counts, or a count above the one before it.

    References
    ----------
    Fader & Hardie (2007), Table 1: the share of a cohort of 1,000 still active after each year.

    Examples
    --------
    >>> d = durations_from_counts([1000, 631, 468])
    >>> d.periods.tolist(), d.churned.tolist(), d.weights.tolist()
    ([1.0, 2.0, 2.0], [True, True, False], [369.0, 163.0, 468.0])
    """
    counts = as_float_array(active, "active", minimum=0.0)
    if counts.size < 2:
        raise InvalidInputError(
            f"'active' needs the cohort size and at least one later count (got {counts.size})"
        )
    drops = -np.diff(counts)
    i = first_index(drops < 0)
    if i >= 0:
        raise InvalidInputError(
            f"'active' must be non-increasing (got {float(counts[i + 1])!r} > "
            f"{float(counts[i])!r} at index {i + 1})"
        )
    n = counts.size - 1
    return ContractDurations(
        periods=np.concatenate([np.arange(1.0, n + 1.0), [float(n)]]),
        churned=np.concatenate([np.ones(n, dtype=bool), [False]]),
        weights=np.concatenate([drops, counts[-1:]]),
    )


# ---------------------------------------------------------------------------------- likelihood
def log_likelihood(params: Params, periods: ArrayLike, churned: ArrayLike) -> NDArray[np.float64]:
    """Log-likelihood of each member's (periods, churned) under the sBG (Fader & Hardie 2007).

    ``log P(T = periods)`` for a member who churned, ``log S(periods)`` for one still active.

    Parameters
    ----------
    params : tuple of float
        ``(alpha, beta)``.
    periods, churned : array-like
        The members' data.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per member.

    Examples
    --------
    >>> ll = log_likelihood((1.0, 1.0), np.array([1.0, 7.0]), np.array([1.0, 0.0]))
    >>> np.round(ll, 4).tolist()  # P(T=1) = 1/2, S(7) = 1/8 when alpha = beta = 1
    [-0.6931, -2.0794]
    """
    alpha, beta = params
    t = np.asarray(periods, dtype=np.float64)
    gone = np.asarray(churned, dtype=np.float64) == 1.0
    base = special.betaln(alpha, beta)
    ll: NDArray[np.float64] = np.where(
        gone,
        special.betaln(alpha + 1.0, beta + np.maximum(t - 1.0, 0.0)) - base,
        special.betaln(alpha, beta + t) - base,
    )
    return ll


def negative_log_likelihood(
    log_params: NDArray[np.float64],
    periods: NDArray[np.float64],
    churned: NDArray[np.float64],
    *,
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Total weighted sBG negative log-likelihood and its gradient in ``log((alpha, beta))``.

    With ``d/dx log B(x, y) = psi(x) - psi(x + y)``: a churned member at ``t`` contributes
    ``(psi(alpha+1) - psi(alpha+beta+t) - psi(alpha) + psi(alpha+beta),
    psi(beta+t-1) - psi(alpha+beta+t) - psi(beta) + psi(alpha+beta))``; an active one
    ``(psi(alpha+beta) - psi(alpha+beta+t), psi(beta+t) - psi(alpha+beta+t) - psi(beta) +
    psi(alpha+beta))``.

    Parameters
    ----------
    log_params : numpy.ndarray
        ``log((alpha, beta))``.
    periods, churned : numpy.ndarray
        The (collapsed) data.
    weights : numpy.ndarray
        Members per row.

    Returns
    -------
    (float, numpy.ndarray)

    Examples
    --------
    >>> d = durations_from_counts([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> value, grad = negative_log_likelihood(np.log([1.0, 1.0]), d.periods,
    ...     d.churned * 1.0, weights=d.weights)
    >>> round(value, 1)  # Fader & Hardie (2007), Appendix B: LL(1, 1) = -2115.5
    2115.5
    """
    alpha, beta = (float(v) for v in np.exp(log_params))
    t = periods
    gone = churned == 1.0
    ll = log_likelihood((alpha, beta), t, churned)
    psi = special.digamma
    ab_t = psi(alpha + beta + t)
    common_b = psi(alpha + beta) - psi(beta)
    d_alpha = np.where(gone, psi(alpha + 1.0) - psi(alpha), 0.0) + psi(alpha + beta) - ab_t
    d_beta = np.where(gone, psi(beta + np.maximum(t - 1.0, 0.0)), psi(beta + t)) - ab_t + common_b
    grad = np.array([_dot(weights, d_alpha) * alpha, _dot(weights, d_beta) * beta])
    return -_dot(weights, ll), -grad


def _initial_log_params(
    periods: NDArray[np.float64], churned: NDArray[np.float64], *, weights: NDArray[np.float64]
) -> list[NDArray[np.float64]]:
    # The share churning at their first decision estimates alpha / (alpha + beta).
    at_risk = float(weights.sum())
    first = float(weights[(periods == 1.0) & (churned == 1.0)].sum())
    share = min(max(first / at_risk, 0.02), 0.98)
    return [np.log([share, 1.0 - share]), np.log([1.0, 1.0]), np.log([share * 10, 10 - share * 10])]


# ---------------------------------------------------------------------------------- predictions
def survival(params: Params, t: ArrayLike) -> NDArray[np.float64]:
    """``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``: share still members after t.

    Examples
    --------
    >>> np.round(survival((1.0, 1.0), np.array([0.0, 1.0, 3.0])), 4).tolist()
    [1.0, 0.5, 0.25]
    """
    alpha, beta = params
    t = np.asarray(t, dtype=np.float64)
    s: NDArray[np.float64] = np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))
    return s


def churn_probability(params: Params, t: ArrayLike) -> NDArray[np.float64]:
    """``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` for ``t >= 1``.

    Examples
    --------
    >>> np.round(churn_probability((1.0, 1.0), np.array([1.0, 2.0])), 4).tolist()
    [0.5, 0.1667]
    """
    alpha, beta = params
    t = np.asarray(t, dtype=np.float64)
    p: NDArray[np.float64] = np.exp(
        special.betaln(alpha + 1.0, beta + t - 1.0) - special.betaln(alpha, beta)
    )
    return p


def retention_rate(params: Params, t: ArrayLike) -> NDArray[np.float64]:
    """``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` for ``t >= 1``.

    Examples
    --------
    >>> np.round(retention_rate((1.0, 1.0), np.array([1.0, 2.0, 9.0])), 4).tolist()
    [0.5, 0.6667, 0.9]
    """
    alpha, beta = params
    t = np.asarray(t, dtype=np.float64)
    r: NDArray[np.float64] = (beta + t - 1.0) / (alpha + beta + t - 1.0)
    return r


def expected_lifetime(params: Params, horizon: float | None = None) -> float:
    """Expected periods a new member pays for: ``E[T] = sum_{t>=0} S(t)``.

    ``(alpha + beta - 1) / (alpha - 1)`` when ``alpha > 1``; infinite otherwise (some members
    have churn probabilities so close to 0 that they practically never leave). With a
    ``horizon`` ``h``, the expected periods paid within the first ``h``:
    ``E[min(T, h)] = sum_{t<h} S(t)``.

    Examples
    --------
    >>> expected_lifetime((3.0, 4.0)), expected_lifetime((0.7, 1.2))
    (3.0, inf)
    >>> round(expected_lifetime((0.7, 1.2), horizon=2), 4)
    1.6316
    """
    alpha, beta = params
    if horizon is None:
        return (alpha + beta - 1.0) / (alpha - 1.0) if alpha > 1.0 else math.inf
    t = np.arange(float(math.ceil(horizon)))
    return float(survival(params, t).sum())


def _residual(
    params: Params, survived: NDArray[np.float64], d: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``sum_{j>=0} S(n+1+j) / S(n) / (1+d)**j`` per element: E[(1-theta)(1+d)/(d+theta)]."""
    alpha, beta = params
    out = np.empty(survived.shape)
    undiscounted = d == 0.0
    if undiscounted.any():  # E[(1 - theta) / theta] = (beta + n) / (alpha - 1)
        n0 = survived[undiscounted]
        out[undiscounted] = (beta + n0) / (alpha - 1.0) if alpha > 1.0 else math.inf
    rest = ~undiscounted
    if rest.any():
        n, rate = survived[rest], d[rest]

        def term(
            p: NDArray[np.float64], q: NDArray[np.float64], rows: NDArray[np.intp]
        ) -> NDArray[np.float64]:
            r = rate[rows]
            value: NDArray[np.float64] = q * (1.0 + r) / (r + p)
            return value

        out[rest] = beta_expectation(
            term,
            np.full(n.shape, alpha),
            beta + n,
            scale=rate,
            at_zero=(1.0 + rate) / rate,
            at_one=np.zeros(n.shape),
        )
    return out


def discounted_expected_residual_lifetime(
    params: Params, periods_survived: ArrayLike, discount_rate: ArrayLike
) -> NDArray[np.float64]:
    """DERL: expected discounted number of further payments of a member who renewed n times.

    Valued at the end of period ``n + 1``, just before the member's next renewal decision
    (Fader & Hardie 2010, eq. 6, whose ``n - 1 renewals`` is our ``n``):
    ``DERL = B(alpha, beta+n+1) / B(alpha, beta+n) * 2F1(1, beta+n+1; alpha+beta+n+1; 1/(1+d))``.

    Examples
    --------
    >>> v = discounted_expected_residual_lifetime((0.668, 3.806), np.array([7.0]), np.array([0.1]))
    >>> round(float(v[0]), 3)
    7.53
    """
    n = np.asarray(periods_survived, dtype=np.float64)
    d = np.asarray(discount_rate, dtype=np.float64)
    n, d = np.broadcast_arrays(n, d)
    return _residual(params, n.ravel(), d.ravel()).reshape(n.shape)


def discounted_expected_lifetime(params: Params, discount_rate: ArrayLike) -> NDArray[np.float64]:
    """DEL: expected discounted payments of a new member, the first one (now) included.

    ``DEL = sum_{t>=0} S(t) / (1+d)**t = 2F1(1, beta; alpha+beta; 1/(1+d))``
    ``= 1 + DERL(0) / (1 + d)`` (Fader & Hardie 2010).

    Examples
    --------
    >>> v = discounted_expected_lifetime((1.0, 1.0), np.array([0.1]))
    >>> round(float(v[0]), 4)  # sum_t (1/(t+1)) 1.1**-t = 1.1 log(11)
    2.6377
    """
    d = np.asarray(discount_rate, dtype=np.float64)
    flat = d.ravel()
    residual = _residual(params, np.zeros(flat.shape), flat)
    with np.errstate(invalid="ignore"):
        value = 1.0 + residual / (1.0 + flat)
    return value.reshape(d.shape)


def simulate(
    params: Params, n_periods: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Draw (periods, churned) for members observed for ``n_periods`` renewal decisions.

    Each member draws ``theta ~ Beta(alpha, beta)`` and ``T ~ Geometric(theta)`` (the first
    decision to leave); they churned if ``T <= n_periods``, and ``periods = min(T, n_periods)``.

    Examples
    --------
    >>> t, gone = simulate((0.7, 1.2), np.full(5, 7.0), np.random.default_rng(0))
    >>> bool(np.all(t <= 7)), bool(np.all(t[gone] >= 1))
    (True, True)
    """
    alpha, beta = params
    theta = np.clip(rng.beta(alpha, beta, size=n_periods.shape[0]), 1e-300, 1.0)
    duration = rng.geometric(theta).astype(np.float64)
    churned = duration <= n_periods
    return np.where(churned, duration, n_periods), churned


# ---------------------------------------------------------------------------------- the model
def _whole(values: ArrayLike, name: str, minimum: int) -> NDArray[np.float64]:
    (arr,) = prediction_columns(**{name: values})
    check_whole(arr, name, minimum=minimum)
    return arr


def _rate(values: ArrayLike) -> NDArray[np.float64]:
    (arr,) = prediction_columns(discount_rate=values)
    i = first_index(arr < 0)
    if i >= 0:
        raise InvalidInputError(
            f"'discount_rate' must be >= 0 (got {float(arr[i])!r} at index {i})"
        )
    return arr


class ShiftedBetaGeo(BTYDModel):
    """The shifted-beta-geometric (sBG) model of contract duration (Fader & Hardie 2007).

    For paid memberships and subscriptions: each member leaves at the end of a period with
    their own constant probability ``theta``, ``theta ~ Beta(alpha, beta)``. Fitted on how many
    renewal decisions each member was observed for and whether they left; it projects survival
    and retention and values members by their discounted expected (residual) lifetime.

    Attributes
    ----------
    params_ : dict
        ``{"alpha", "beta"}`` of the Beta distribution of churn probabilities.
    penalizer, standard_errors_, covariance_, log_likelihood_, n_customers_ :
        As :class:`BTYDModel` (``penalizer``: its L2 penalty; ``n_customers_`` counts members).

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention. *Journal of
    Interactive Marketing* 21(1), 76-90.

    Fader, P. S. and Hardie, B. G. S. (2010). Customer-Base Valuation in a Contractual Setting:
    The Perils of Ignoring Heterogeneity. *Marketing Science* 29(1), 85-93.

    Examples
    --------
    >>> regular = durations_from_counts([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> m = ShiftedBetaGeo().fit(regular)  # Fader & Hardie (2007), Table 1, regular customers
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> np.round(100 * m.survival([8, 12]), 1).tolist()
    [22.0, 17.0]
    """

    _param_names = ("alpha", "beta")
    _data_names = ("periods", "churned")
    _negative_log_likelihood = staticmethod(negative_log_likelihood)
    _check_data = staticmethod(check_durations)
    _initial_log_params = staticmethod(_initial_log_params)

    def fit(
        self,
        periods: DataInput,
        churned: ArrayLike | None = None,
        weights: ArrayLike | None = None,
    ) -> ShiftedBetaGeo:
        """Fit the model by maximum likelihood (analytic gradient, then Newton polishing).

        Parameters
        ----------
        periods : array-like, ContractDurations or pandas.DataFrame
            Renewal decisions observed per member (whole numbers >= 0; >= 1 for members who
            churned); or a table with ``periods``, ``churned`` (and optionally ``weights``)
            columns, with ``churned`` left out.
        churned : array-like of bool
            True when the member left at the end of their last observed period, False when
            they are still a member.
        weights : array-like, optional
            Members per row (default 1). Identical rows are merged automatically.

        Returns
        -------
        ShiftedBetaGeo
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Negative or fractional periods, a churned member with 0 periods, ``churned`` not
            boolean, NaN/inf, mismatched lengths, empty data, negative weights or penalizer.
        ConvergenceError
            No finite optimum was found.

        Examples
        --------
        >>> truth = ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2)
        >>> data = truth.simulate(20000, 7, rng=np.random.default_rng(0))
        >>> m = ShiftedBetaGeo().fit(data)
        >>> bool(abs(m.params_["alpha"] - 0.7) < 3 * m.standard_errors_["alpha"])
        True
        """
        self._fit({"periods": periods, "churned": churned}, weights)
        return self

    def survival(self, t: ArrayLike) -> NDArray[np.float64]:
        """Share of a new cohort still members after ``t`` renewal decisions, ``S(t)``.

        Parameters
        ----------
        t : array-like or int
            Periods (whole numbers >= 0).

        Returns
        -------
        numpy.ndarray
            Non-increasing in ``t``, 1 at ``t = 0``.

        Raises
        ------
        InvalidInputError
            Negative or fractional ``t``.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=0.668, beta=3.806)
        >>> np.round(100 * m.survival(range(8, 13)), 1).tolist()  # high-end projection
        [46.0, 43.6, 41.4, 39.5, 37.8]
        """
        params = self._fitted_params()
        return survival((params[0], params[1]), _whole(t, "t", 0))

    def churn_probability(self, t: ArrayLike) -> NDArray[np.float64]:
        """Probability that a new member leaves at the end of period ``t``, ``P(T = t)``.

        Parameters
        ----------
        t : array-like or int
            Periods (whole numbers >= 1): every member pays for period 1.

        Returns
        -------
        numpy.ndarray
            In [0, 1]; over ``t = 1, 2, ...`` they sum to 1.

        Raises
        ------
        InvalidInputError
            ``t`` below 1 or fractional.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=1.0, beta=1.0)
        >>> np.round(m.churn_probability([1, 2, 3]), 4).tolist()
        [0.5, 0.1667, 0.0833]
        """
        params = self._fitted_params()
        return churn_probability((params[0], params[1]), _whole(t, "t", 1))

    def retention_rate(self, t: ArrayLike) -> NDArray[np.float64]:
        """Share of the members active in period ``t`` who renew at its end, ``S(t)/S(t-1)``.

        Parameters
        ----------
        t : array-like or int
            Periods (whole numbers >= 1).

        Returns
        -------
        numpy.ndarray
            In [0, 1], rising with ``t``.

        Raises
        ------
        InvalidInputError
            ``t`` below 1 (the first renewal is at the end of period 1) or fractional.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=0.704, beta=1.182)
        >>> np.round(m.retention_rate([1, 2, 7]), 3).tolist()
        [0.627, 0.756, 0.911]
        """
        params = self._fitted_params()
        return retention_rate((params[0], params[1]), _whole(t, "t", 1))

    def expected_lifetime(self, horizon: int | None = None) -> float:
        """Expected number of periods a new member pays for, ``E[T]`` (or ``E[min(T, horizon)]``).

        Parameters
        ----------
        horizon : int, optional
            Count only the first ``horizon`` periods (>= 1).

        Returns
        -------
        float
            ``inf`` without a horizon when ``alpha <= 1``: the mean lifetime is infinite.

        Raises
        ------
        InvalidInputError
            ``horizon`` not a whole number >= 1.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=0.704, beta=1.182)
        >>> m.expected_lifetime(), round(m.expected_lifetime(horizon=12), 3)
        (inf, 4.41)
        """
        params = self._fitted_params()
        if horizon is not None and (
            isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1
        ):
            raise InvalidInputError(f"'horizon' must be a whole number >= 1 (got {horizon!r})")
        return expected_lifetime((params[0], params[1]), horizon)

    def discounted_expected_lifetime(self, discount_rate: ArrayLike) -> NDArray[np.float64]:
        """DEL: expected discounted payments of a new member, the first payment included.

        Multiply by the margin per period for the expected lifetime value of a new member.

        Parameters
        ----------
        discount_rate : array-like or float
            Discount rate per period (>= 0), e.g. 0.1 for 10% a year with yearly contracts.

        Returns
        -------
        numpy.ndarray
            ``inf`` at ``discount_rate == 0`` when ``alpha <= 1``.

        Raises
        ------
        InvalidInputError
            A negative or non-finite rate.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=0.704, beta=1.182)
        >>> np.round(m.discounted_expected_lifetime([0.1, 0.2]), 3).tolist()
        [3.695, 2.749]
        """
        params = self._fitted_params()
        return discounted_expected_lifetime((params[0], params[1]), _rate(discount_rate))

    def discounted_expected_residual_lifetime(
        self, periods_survived: ArrayLike, discount_rate: ArrayLike
    ) -> NDArray[np.float64]:
        """DERL of members who have renewed ``periods_survived`` times (Fader & Hardie 2010).

        The expected discounted number of further payments, valued just before the member's
        next renewal decision (that payment undiscounted); multiply by the margin per period
        for the residual value of an existing member. It grows with ``periods_survived``: a
        member who has stayed long is likely one with a small churn probability.

        Parameters
        ----------
        periods_survived : array-like or int
            Renewals made so far (whole numbers >= 0; ``n - 1`` in the paper's notation).
        discount_rate : array-like or float
            Discount rate per period (>= 0). Broadcast against ``periods_survived``.

        Returns
        -------
        numpy.ndarray
            One DERL per member, ``inf`` at ``discount_rate == 0`` when ``alpha <= 1``.

        Raises
        ------
        InvalidInputError
            Negative or fractional ``periods_survived``, a negative or non-finite rate.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=0.668, beta=3.806)
        >>> np.round(m.discounted_expected_residual_lifetime([0, 4, 7], 0.1), 3).tolist()
        [5.415, 6.897, 7.53]
        """
        params = self._fitted_params()
        n, d = prediction_columns(periods_survived=periods_survived, discount_rate=discount_rate)
        check_whole(n, "periods_survived")
        _rate(d)
        return discounted_expected_residual_lifetime((params[0], params[1]), n, d)

    def simulate(
        self, n: int, n_periods: ArrayLike, *, rng: np.random.Generator | None = None
    ) -> ContractDurations:
        """Draw ``n`` synthetic members observed for ``n_periods`` renewal decisions each.

        Parameters
        ----------
        n : int
            Number of members.
        n_periods : int or array-like
            Decisions observed per member (whole numbers >= 1; a scalar applies to all).
        rng : numpy.random.Generator, optional
            Source of randomness (default: a fresh unseeded generator).

        Returns
        -------
        ContractDurations
            One row per member (``weights`` all 1).

        Raises
        ------
        InvalidInputError
            ``n`` not a whole number >= 1; ``n_periods`` not whole numbers >= 1, or not one
            per member.

        Examples
        --------
        >>> m = ShiftedBetaGeo.from_params(alpha=0.704, beta=1.182)
        >>> d = m.simulate(1000, 7, rng=np.random.default_rng(0))
        >>> len(d), bool((d.periods <= 7).all())
        (1000, True)
        """
        params = self._fitted_params()
        periods = simulation_column(n, "n_periods", n_periods)
        check_whole(periods, "n_periods", minimum=1)
        rng = np.random.default_rng() if rng is None else rng
        t, churned = simulate((params[0], params[1]), periods, rng)
        return ContractDurations(periods=t, churned=churned, weights=np.ones(int(n)))
