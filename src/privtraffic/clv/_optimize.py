"""Fitting machinery shared by every BTYD model: row collapsing, optimisation, standard errors.

Everything here is a pure function of arrays and callables; the estimator shell in
:mod:`privtraffic.clv._base` calls it (row collapsing itself lives in
:mod:`privtraffic.clv._rows`). Parameters are optimised on the log scale (every BTYD
parameter is positive), the objective is the negative log-likelihood *per unit of customer
weight* plus the L2 penalty, and the covariance of the estimates comes from the Hessian of the
total penalised negative log-likelihood: the exact one when the model gives it (then the fit
is Newton's method with it), else by finite differences of the analytic gradient (forward
differences at the optimum, central ones when the polishing moved it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._numerics import gradient_hessian, weighted_sum
from privtraffic.errors import ConvergenceError

if TYPE_CHECKING:  # pragma: no cover - typing only; fitting imports it (a predicting process never)
    from scipy import optimize

__all__ = [
    "LOG_PARAM_BOUND",
    "FitResult",
    "NegativeLogLikelihood",
    "NegativeLogLikelihoodHessian",
    "PreparedData",
    "gradient_hessian",
    "minimize_negative_log_likelihood",
    "weighted_sum",
]

#: Log-parameters are kept in [-LOG_PARAM_BOUND, LOG_PARAM_BOUND]; a fit that ends on this
#: boundary is flagged by the diagnostics (``privtraffic.clv._diagnostics``): the likelihood
#: kept improving as a parameter ran off to 0 or infinity.
LOG_PARAM_BOUND = 25.0

#: A model's data as its likelihood takes them: arrays of any dtype (float64 columns, int64
#: indexes, boolean masks), in the order its ``_prepare_data`` returns them.
PreparedData = tuple[NDArray[np.generic], ...]

#: ``f(log_params, *data, weights=weights) -> (total weighted NLL, gradient in log_params)``.
NegativeLogLikelihood = Callable[..., tuple[float, NDArray[np.float64]]]

#: ``f(log_params, *data, weights=weights) -> (total NLL, gradient, Hessian in log_params)``.
NegativeLogLikelihoodHessian = Callable[..., tuple[float, NDArray[np.float64], NDArray[np.float64]]]

_Objective = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]
_Gradient = Callable[[NDArray[np.float64]], NDArray[np.float64]]
_FullObjective = Callable[
    [NDArray[np.float64]], tuple[float, NDArray[np.float64], NDArray[np.float64]]
]


def _newton(
    objective: _Objective,
    gradient: _Gradient,
    x: NDArray[np.float64],
    hessian: NDArray[np.float64] | None = None,
) -> tuple[optimize.OptimizeResult, NDArray[np.float64]] | None:
    """Damped Newton from a point near the optimum; ``None`` unless it converges cleanly.

    A given ``hessian`` (e.g. from a subsample fit) is used for the steps as long as full
    steps at least halve the gradient; otherwise it is measured afresh (forward differences).
    """
    if np.any(np.abs(x) >= LOG_PARAM_BOUND):
        return None
    fx, g = objective(x)
    if not np.isfinite(fx):
        return None
    for iteration in range(1, 40):
        if hessian is None:
            hessian = gradient_hessian(gradient, x, 1e-6, at=g)
        try:
            step = np.linalg.solve(hessian, g)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)) or float(g @ step) <= 0:
            return None  # not positive definite here
        shrink = 1.0
        while shrink > 1e-6:
            candidate = x - shrink * step
            if np.any(np.abs(candidate) >= LOG_PARAM_BOUND):
                return None
            f_new, g_new = objective(candidate)
            if f_new <= fx + 1e-15 * max(1.0, abs(fx)):
                break
            shrink *= 0.5
        else:
            return None
        if shrink < 1.0 or float(np.max(np.abs(g_new))) > 0.5 * float(np.max(np.abs(g))):
            hessian = None  # the approximate curvature is not good enough: measure it
        x, fx, g = candidate, f_new, g_new
        if float(np.max(np.abs(shrink * step))) < 1e-10 or float(np.max(np.abs(g))) < 1e-13:
            from scipy import optimize

            result = optimize.OptimizeResult(
                x=x, fun=fx, jac=g, nit=iteration, success=True, message="Newton converged"
            )
            return result, gradient_hessian(gradient, x, 1e-6, at=g)
    return None


def _exact_newton(
    full: _FullObjective, x: NDArray[np.float64], max_iter: int = 60
) -> tuple[optimize.OptimizeResult, NDArray[np.float64]] | None:
    """Newton's method with the exact Hessian; ``None`` unless it converges cleanly.

    Each step solves with the Hessian's eigen-decomposition, its eigenvalues replaced by
    their absolute values (floored at ``1e-8`` of the largest), so that a step goes downhill
    even where the objective is not convex, and no step is longer than a trust radius
    (2 on the log scale, halved after a rejected step, doubled after a full Newton step
    accepted); a step is accepted when the objective decreases. Near the optimum every step
    is the plain Newton step and convergence is quadratic: from a subsample's optimum two
    or three evaluations on all rows suffice. Stops when the next step would move no
    log-parameter by more than ``1e-10`` at a positive definite Hessian; returns that point's
    result and its Hessian.
    """
    from scipy import optimize  # here, not at the top: loading a model never fits

    if np.any(np.abs(x) >= LOG_PARAM_BOUND):
        return None
    fx, g, h = full(x)
    if not np.isfinite(fx):
        return None
    radius = 2.0
    for iteration in range(1, max_iter + 1):
        values, vectors = np.linalg.eigh(h)
        if not np.all(np.isfinite(values)):
            return None
        floor = 1e-8 * max(1e-300, float(np.max(np.abs(values))))
        definite = bool(values.min() > floor)
        step = -(vectors @ ((vectors.T @ g) / np.maximum(np.abs(values), floor)))
        length = float(np.sqrt(step @ step))
        if definite and float(np.max(np.abs(step))) < 1e-10:
            result = optimize.OptimizeResult(
                x=x, fun=fx, jac=g, nit=iteration - 1, success=True, message="Newton converged"
            )
            return result, h
        full_step = length <= radius
        if not full_step:
            step *= radius / length
        candidate = x + step
        if np.any(np.abs(candidate) >= LOG_PARAM_BOUND):
            return None
        f_new, g_new, h_new = full(candidate)
        if np.isfinite(f_new) and f_new <= fx + 1e-15 * max(1.0, abs(fx)):
            x, fx, g, h = candidate, f_new, g_new, h_new
            if full_step and definite:
                radius = min(2.0 * radius, 8.0)
        else:
            radius = 0.5 * min(radius, length)
            if radius < 1e-12:
                return None
    return None


@attrs.frozen(eq=False)
class FitResult:
    """What :func:`minimize_negative_log_likelihood` found (a frozen value).

    Attributes
    ----------
    log_params : numpy.ndarray
        The optimum on the log scale.
    objective : float
        Penalised negative log-likelihood per unit of customer weight at the optimum.
    negative_log_likelihood : float
        Unpenalised total negative log-likelihood at the optimum.
    hessian : numpy.ndarray
        Hessian of the total penalised objective (objective times total weight) with respect to
        the log-parameters.
    n_iter : int
        Optimiser iterations, summed over starts and polishing steps.
    scipy_result : scipy.optimize.OptimizeResult
        The raw result of the best start (or of the Newton steps from ``warm_start``).
    start : numpy.ndarray or None
        The first (data-driven) starting point, on the log scale.
    gradient_norm : float
        Largest absolute gradient component of the objective at the optimum.
    converged : bool
        Whether that gradient met the tolerance (``1e-5 * max(1, |objective|)``).

    Examples
    --------
    >>> r = FitResult(np.zeros(1), 0.5, 1.0, np.eye(1), 3, None)
    >>> r.n_iter = 4
    Traceback (most recent call last):
    ...
    attr.exceptions.FrozenInstanceError: ...
    """

    log_params: NDArray[np.float64]
    objective: float
    negative_log_likelihood: float
    hessian: NDArray[np.float64]
    n_iter: int
    scipy_result: optimize.OptimizeResult | None
    start: NDArray[np.float64] | None = None
    gradient_norm: float = 0.0
    converged: bool = True


def minimize_negative_log_likelihood(
    negative_log_likelihood: NegativeLogLikelihood,
    data: PreparedData,
    weights: NDArray[np.float64],
    starts: Sequence[NDArray[np.float64]],
    *,
    penalizer: float,
    param_names: Sequence[str],
    model_name: str,
    warm_start: NDArray[np.float64] | None = None,
    warm_hessian: NDArray[np.float64] | None = None,
    gtol: float = 1e-9,
    hessian: NegativeLogLikelihoodHessian | None = None,
) -> FitResult:
    """Minimise ``NLL(log_params, *data, weights) / sum(weights) + penalizer * sum(params**2)``.

    The starts are run through BFGS (scipy's, with a quadratic wall at the box
    ``|log(param)| <= LOG_PARAM_BOUND``) with the analytic gradient in turn, until one converges
    inside the bounds; the best is then polished with up to 8 guarded Newton steps on a
    forward-difference Hessian of the gradient, which makes the optimum precise to ~1e-10 in
    the log-parameters. The Hessian returned is measured again by central differences when
    the polishing moved the point by more than 1e-4.

    Parameters
    ----------
    negative_log_likelihood : callable
        ``f(log_params, *data, weights=weights) -> (total_nll, gradient_wrt_log_params)``.
    data : tuple
        The model's prepared data.
    weights : numpy.ndarray
        Customer weight of each row.
    starts : sequence of numpy.ndarray
        Initial log-parameters to try, best guess first.
    penalizer : float
        L2 penalty coefficient (>= 0).
    param_names : sequence of str
        Names for messages.
    model_name : str
        The model's name for messages.
    warm_start : numpy.ndarray, optional
        A point believed close to the optimum (e.g. the optimum on a subsample): damped
        Newton steps are tried from it first, and BFGS from ``starts`` only if they fail.
    warm_hessian : numpy.ndarray, optional
        An approximate Hessian of the objective per unit of weight at ``warm_start``.
    gtol : float
        BFGS stops when the largest gradient component is below this.
    hessian : callable, optional
        ``f(log_params, *data, weights=weights) -> (total_nll, gradient, hessian)``: the exact
        Hessian. Then Newton steps with it (see ``_exact_newton``) run from ``warm_start``, or
        else from each start in turn, and the Hessian returned is the exact one at the
        optimum; BFGS runs only if they all fail.

    Returns
    -------
    FitResult

    Raises
    ------
    ConvergenceError
        No start reached a finite optimum.

    Notes
    -----
    It never warns: whether the optimum can be trusted (tolerance met, parameters inside the
    box and identified, Hessian positive definite) is judged from the result by
    ``privtraffic.clv._diagnostics.diagnose``, which the estimator shell turns into one
    warning.

    Examples
    --------
    >>> def nll(lp, x, weights):  # exponential rate on the log scale
    ...     lam = np.exp(lp[0])
    ...     return float(-(weights * (np.log(lam) - lam * x)).sum()), np.array(
    ...         [float(-(weights * (1 - lam * x)).sum())])
    >>> res = minimize_negative_log_likelihood(nll, (np.array([0.5, 1.5]),), np.ones(2),
    ...     [np.zeros(1)], penalizer=0.0, param_names=["lam"], model_name="Exp")
    >>> round(float(np.exp(res.log_params[0])), 6)
    1.0
    """
    total_weight = float(weights.sum())
    lam = float(penalizer)

    def objective(log_params: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        with np.errstate(all="ignore"):
            value, grad = negative_log_likelihood(log_params, *data, weights=weights)
            params = np.exp(log_params)
            value = float(value) / total_weight + lam * float(np.sum(params**2))
            grad = np.asarray(grad, dtype=np.float64) / total_weight + 2.0 * lam * params**2
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(log_params)
        return value, grad

    def gradient(log_params: NDArray[np.float64]) -> NDArray[np.float64]:
        return objective(log_params)[1]

    def boxed(log_params: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        # BFGS is unconstrained: outside the box, the objective at the nearest point of the
        # box plus a steep quadratic wall.
        inside = np.clip(log_params, -LOG_PARAM_BOUND, LOG_PARAM_BOUND)
        value, grad = objective(inside)
        excess = log_params - inside
        if not excess.any():
            return value, grad
        wall = 1e3 * max(1.0, abs(value))
        return value + 0.5 * wall * float(excess @ excess), np.where(
            excess == 0, grad, wall * excess
        )

    from scipy import optimize  # here, not at the top: loading a model and predicting never fits

    best: optimize.OptimizeResult | None = None
    n_iter = 0
    newton_hessian = None
    if hessian is not None:

        def full(
            log_params: NDArray[np.float64],
        ) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
            with np.errstate(all="ignore"):
                value, grad, hess = hessian(log_params, *data, weights=weights)
                params = np.exp(log_params)
                value = float(value) / total_weight + lam * float(np.sum(params**2))
                grad = np.asarray(grad, dtype=np.float64) / total_weight + 2.0 * lam * params**2
                hess = np.asarray(hess, dtype=np.float64) / total_weight + np.diag(
                    4.0 * lam * params**2
                )
            if not (np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
                return np.inf, np.zeros_like(log_params), np.zeros((log_params.size,) * 2)
            return value, grad, hess

        points = [warm_start] if warm_start is not None else []
        for x0 in [*points, *starts]:
            found = _exact_newton(full, np.asarray(x0, dtype=np.float64))
            if found is not None:
                best, newton_hessian = found
                n_iter += int(best.nit)
                break
    if best is None and warm_start is not None:
        found = _newton(objective, gradient, np.asarray(warm_start, dtype=np.float64), warm_hessian)
        if found is not None:
            best, newton_hessian = found
            n_iter += int(best.nit)
    for x0 in [] if best is not None else starts:
        x0 = np.clip(np.asarray(x0, dtype=np.float64), -LOG_PARAM_BOUND, LOG_PARAM_BOUND)
        if not np.isfinite(objective(x0)[0]):
            continue
        res = optimize.minimize(
            boxed, x0, jac=True, method="BFGS", options={"maxiter": 2000, "gtol": gtol}
        )
        res.x = np.clip(res.x, -LOG_PARAM_BOUND, LOG_PARAM_BOUND)
        res.fun, res.jac = objective(res.x)
        n_iter += int(res.nit)
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        inside = np.all(np.abs(res.x) < LOG_PARAM_BOUND - 1e-6)
        if float(np.max(np.abs(res.jac))) < max(1e-6, 10 * gtol) and inside:
            break  # the other starts are a fallback, not a search for other optima
    if best is None:
        raise ConvergenceError(
            f"{model_name}: the likelihood is not finite at any starting point; "
            "check the data's time unit or add a penalizer",
            result=None,
        )

    x = np.asarray(best.x, dtype=np.float64)
    fx = float(best.fun)
    if newton_hessian is not None:  # Newton with the exact Hessian converged at x
        curvature = newton_hessian
        g = np.asarray(best.jac, dtype=np.float64)
    else:
        g = gradient(x)
        curvature = gradient_hessian(gradient, x, 1e-6, at=g)
        largest_step = 0.0
        for _ in range(8):  # guarded Newton polish (the Hessian barely changes this close)
            try:
                step = np.linalg.solve(curvature, g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or float(g @ step) <= 0:
                break
            candidate = np.clip(x - step, -LOG_PARAM_BOUND, LOG_PARAM_BOUND)
            f_new, g_new = objective(candidate)
            if not f_new <= fx + 1e-15 * max(1.0, abs(fx)):
                break
            x, fx, g = candidate, f_new, g_new
            largest_step = max(largest_step, float(np.max(np.abs(step))))
            n_iter += 1
            if float(np.max(np.abs(step))) < 1e-10:
                break
        if largest_step > 1e-4:  # moved far enough for the curvature to differ: measure again
            curvature = gradient_hessian(gradient, x)

    grad_norm = float(np.max(np.abs(g)))
    # the objective is the NLL per unit of weight plus the penalty: undo both
    nll_total = (fx - lam * float(np.sum(np.exp(2.0 * x)))) * total_weight
    return FitResult(
        log_params=x,
        objective=fx,
        negative_log_likelihood=float(nll_total),
        hessian=curvature * total_weight,
        n_iter=n_iter,
        scipy_result=best,
        start=np.asarray(starts[0], dtype=np.float64) if len(starts) else None,
        gradient_norm=grad_norm,
        converged=grad_norm <= 1e-5 * max(1.0, abs(fx)),
    )
