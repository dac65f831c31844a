"""The distribution of a customer's future purchases, and P(alive) along their own history.

:func:`conditional_probability_of_purchases` is ``P(X(T, T + t] = n | x, t_x, T)`` for
Pareto/NBD, BG/NBD and MBG/NBD (and their covariate models). Given the history, the customer
is dead at ``T`` with probability ``1 - P(alive)`` (and then buys nothing), or alive with the
posterior rates

- Pareto/NBD: ``lambda ~ Gamma(r + x, alpha + T)``, ``mu ~ Gamma(s, beta + T)``;
- BG/NBD: ``lambda ~ Gamma(r + x, alpha + T)``, ``p ~ Beta(a, b + x)``; MBG/NBD:
  ``p ~ Beta(a, b + x + 1)`` (the customer also survived the coin flip at time 0).

An alive customer's future from ``T`` on is that of a customer just acquired with these
mixing laws (the exponential lifetime forgets its past; BG/NBD's dropout happens only after
purchases), so

``P(X(T, T + t] = n | history) = (1 - P(alive)) [n = 0] + P(alive) P_new(n, t; posterior)``

with ``P_new`` the model's own new-customer ``P(X(t) = n)`` (Fader, Hardie & Lee 2005, eq. 8,
for BG/NBD; Fader & Hardie 2006, note 012, for Pareto/NBD) at the posterior parameters
``(r + x, alpha + T, s, beta + T)`` or ``(r + x, alpha + T, a, b + x [+ 1])``. Both parts are
positive, so the result is a probability by construction; it sums to 1 over ``n`` and its mean
is ``expected_purchases``.

:func:`probability_alive_history` evaluates P(alive) along one customer's timeline: at each
age ``tau``, with the history seen up to then, ``(x(tau), t_x(tau), tau)``.
"""

from __future__ import annotations

from typing import Any, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_float_array, first_index
from privtraffic.clv import bgnbd, paretonbd
from privtraffic.clv._base import (
    BTYDModel,
    as_probability,
    check_horizon,
    check_whole,
    float_column,
)
from privtraffic.clv.bgnbd import BetaGeo
from privtraffic.clv.covariates import CovariateModel, check_prediction_columns
from privtraffic.clv.paretonbd import ParetoNBD
from privtraffic.errors import InvalidInputError, NotFittedError

__all__ = [
    "AliveHistory",
    "conditional_probability_of_purchases",
    "probability_alive_history",
]


def _plain_type(model: object) -> type[BTYDModel]:
    if getattr(model, "params_", None) is None:
        raise NotFittedError(f"this {type(model).__name__} is not fitted yet: call fit(...) first")
    plain = model._plain if isinstance(model, CovariateModel) else type(model)
    if not issubclass(plain, (ParetoNBD, BetaGeo)):
        raise InvalidInputError(
            "'model' must be a fitted ParetoNBD, BetaGeo, ModifiedBetaGeo or one of their "
            f"covariate models (got {type(model).__name__})"
        )
    return plain


def _conditional_pmf(
    model: BTYDModel,
    n: NDArray[np.float64],
    t: NDArray[np.float64],
    x: NDArray[np.float64],
    rec: NDArray[np.float64],
    T: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The conditional pmf for a plain model, rows already broadcast and checked."""
    params = tuple(model.params_[p] for p in model._param_names)
    alive = model.probability_alive(x, rec, T)  # type: ignore[attr-defined]
    out = np.empty(len(x))
    if isinstance(model, ParetoNBD):
        r, alpha, s, beta = params
        keys = np.stack([x, T])
        unique, inverse = np.unique(keys, axis=1, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        for g in range(unique.shape[1]):
            idx = np.flatnonzero(inverse == g)
            xg, Tg = unique[:, g]
            out[idx] = paretonbd.probability_of_purchases(
                (r + xg, alpha + Tg, s, beta + Tg), n[idx], t[idx]
            )
    else:
        r, alpha, a, b = params
        shift = float(getattr(model, "_shift", 0))
        posterior = cast("tuple[float, ...]", (r + x, alpha + T, a, b + x + shift))  # per row
        out = bgnbd.probability_of_purchases(posterior, n, t)
    pmf = alive * out + np.where(n == 0, 1.0 - alive, 0.0)
    return as_probability(pmf)


def conditional_probability_of_purchases(
    model: BTYDModel | CovariateModel,
    n: ArrayLike,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    **covariates: Any,
) -> NDArray[np.float64]:
    """P(X(T, T + t] = n | history): the distribution of each customer's future purchases.

    Parameters
    ----------
    model : ParetoNBD, BetaGeo, ModifiedBetaGeo or a covariate model of them
        Fitted.
    n : array-like or int
        Purchase counts (whole numbers >= 0).
    t : array-like or float
        Length of the future period (>= 0). ``n``, ``t`` and the history broadcast.
    frequency, recency, T : array-like or float
        The customers' histories.
    **covariates
        A covariate model's covariates, as at fit.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1]; over ``n = 0, 1, ...`` they sum to 1 and their mean is
        ``model.expected_purchases(t, frequency, recency, T)``.

    Raises
    ------
    NotFittedError
        Before ``fit``.
    InvalidInputError
        An unsupported model, negative or non-integer ``n``, negative ``t``, histories that
        break the model's rules, covariates not as at fit.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> p = conditional_probability_of_purchases(m, np.arange(60), 39.0, 2, 30.43, 38.86)
    >>> round(float(p.sum()), 10), round(float(p @ np.arange(60)), 4)
    (1.0, 1.226)
    >>> round(float(m.expected_purchases(39.0, 2, 30.43, 38.86)[0]), 4)
    1.226
    """
    plain = _plain_type(model)
    n_arr, t_arr, x, rec, T_arr = check_prediction_columns(
        plain, n=n, t=t, frequency=frequency, recency=recency, T=T
    )
    check_whole(n_arr, "n")
    check_horizon(t_arr)
    if isinstance(model, CovariateModel):
        return model._by_group(
            lambda m, *c: _conditional_pmf(m, *c), (n_arr, t_arr, x, rec, T_arr), covariates
        )
    if covariates:
        raise InvalidInputError(
            f"covariates given ({sorted(covariates)}) but {type(model).__name__} has none"
        )
    assert isinstance(model, BTYDModel)
    return _conditional_pmf(model, n_arr, t_arr, x, rec, T_arr)


@attrs.frozen(eq=False)
class AliveHistory(ColumnarTable):
    """P(alive) along one customer's timeline (what :func:`probability_alive_history` returns).

    Attributes
    ----------
    age : numpy.ndarray
        Ages since the first purchase, in the model's time unit.
    probability_alive : numpy.ndarray
        P(alive at that age | the purchases seen by then).
    frequency, recency : numpy.ndarray
        The history at that age: repeat purchases so far and the age at the last one.
    purchases : numpy.ndarray
        The ages of the repeat purchases.

    Examples
    --------
    >>> h = AliveHistory(age=[0.0], probability_alive=[1.0], frequency=[0.0], recency=[0.0],
    ...     purchases=[])
    >>> sorted(h.columns())
    ['age', 'frequency', 'probability_alive', 'recency']
    """

    age: NDArray[np.float64] = attrs.field(converter=float_column)
    probability_alive: NDArray[np.float64] = attrs.field(converter=float_column)
    frequency: NDArray[np.float64] = attrs.field(converter=float_column)
    recency: NDArray[np.float64] = attrs.field(converter=float_column)
    purchases: NDArray[np.float64] = attrs.field(converter=float_column)

    def columns(self) -> dict[str, NDArray[Any]]:
        """The per-age columns (not ``purchases``).

        Examples
        --------
        >>> AliveHistory([1.0], [0.5], [1.0], [0.5], [0.5]).columns()["age"].tolist()
        [1.0]
        """
        return {
            "age": self.age,
            "probability_alive": self.probability_alive,
            "frequency": self.frequency,
            "recency": self.recency,
        }


def probability_alive_history(
    model: BTYDModel | CovariateModel,
    purchases: ArrayLike,
    end: float,
    *,
    n_points: int = 200,
    **covariates: Any,
) -> AliveHistory:
    """P(alive) of one customer at every age from the first purchase to ``end``.

    At age ``tau`` the customer's history is the repeat purchases made by then:
    ``x(tau)`` of them, the last at ``t_x(tau)``; P(alive) is the model's for
    ``(x(tau), t_x(tau), tau)``. It falls while the customer is silent and jumps up at each
    purchase — except BG/NBD's (and MBG/NBD's) first repeat purchase, the first chance to drop
    out, before which a BG/NBD customer is alive for sure. The grid holds ``n_points`` evenly
    spaced ages plus each purchase and the instant before it, so the jumps are drawn where
    they happen.

    Parameters
    ----------
    model : ParetoNBD, BetaGeo, ModifiedBetaGeo or a covariate model of them
        Fitted.
    purchases : array-like
        Ages of the customer's repeat purchases (the first purchase is age 0 and not listed),
        in the model's time unit.
    end : float
        Last age to show (> 0 and >= the last purchase), e.g. the customer's ``T``.
    n_points : int, default 200
        Evenly spaced ages.
    **covariates
        A covariate model's covariates for this customer (one row).

    Returns
    -------
    AliveHistory

    Raises
    ------
    NotFittedError
        Before ``fit``.
    InvalidInputError
        Negative or non-finite purchase ages, ``end`` before the last purchase or not > 0,
        ``n_points`` < 2.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> h = probability_alive_history(m, [5.0, 9.0], 38.86, n_points=50)
    >>> float(h.probability_alive[0]), bool(h.probability_alive[-1] < 1.0)
    (1.0, True)
    >>> abs(float(m.probability_alive(2, 9.0, 38.86)[0]) - float(h.probability_alive[-1])) < 1e-12
    True
    """
    _plain_type(model)
    times = (
        np.sort(as_float_array(purchases, "purchases"))
        if len(np.atleast_1d(purchases))
        else np.zeros(0)
    )
    i = first_index(times < 0)
    if i >= 0:
        raise InvalidInputError(f"'purchases' must be ages >= 0 (got {float(times[i])!r})")
    end_value = float(end)
    if not (np.isfinite(end_value) and end_value > 0):
        raise InvalidInputError(f"'end' must be a finite number > 0 (got {end!r})")
    if times.size and end_value < times[-1]:
        raise InvalidInputError(
            f"'end' must be >= the last purchase (got {end_value!r} < {float(times[-1])!r})"
        )
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise InvalidInputError(f"'n_points' must be a whole number >= 2 (got {n_points!r})")
    before = times - 1e-9 * max(end_value, 1.0)
    ages = np.unique(
        np.concatenate([np.linspace(0.0, end_value, int(n_points)), times, before[before > 0]])
    )
    ages = ages[ages > 0]
    freq = np.searchsorted(times, ages, side="right").astype(np.float64)
    rec = np.where(
        freq > 0, times[np.maximum(freq.astype(np.intp) - 1, 0)] if times.size else 0.0, 0.0
    )
    if isinstance(model, CovariateModel):
        alive = model.probability_alive(freq, rec, ages, **covariates)  # type: ignore[attr-defined]
    else:
        alive = model.probability_alive(freq, rec, ages)  # type: ignore[attr-defined]
    return AliveHistory(
        age=np.concatenate([[0.0], ages]),
        probability_alive=np.concatenate([[1.0], alive]),
        frequency=np.concatenate([[0.0], freq]),
        recency=np.concatenate([[0.0], rec]),
        purchases=times,
    )
