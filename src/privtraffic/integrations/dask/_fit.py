"""Fitting BTYD models on a Dask RFM summary: on the client when the histogram is small, by
map-reduce over its partitions when it is not.

Both paths start from the same validated, weighted histogram of distinct data rows, computed
on the cluster with a group-by. Up to ``max_client_rows`` distinct rows it is brought to the
client and fitted with the model's own ``fit`` (the in-memory path, bit for bit). Above, the
histogram stays on the workers, each partition sorted and prepared once
(:func:`~privtraffic.integrations.dask._likelihood.prepare_partition`), and the optimiser
runs on the client:

1. A systematic sample of about 5,000 rows (every k-th row of every partition) is fitted on
   the client with the model's own ``fit``: the starting point, as the in-memory fit warms up
   on a subsample above 20,000 distinct rows.
2. Damped Newton steps on all rows: each step sends the log-parameters to every partition and
   gets back its weighted negative log-likelihood, gradient and Hessian
   (:func:`~privtraffic.integrations.dask._likelihood.partition_terms`): ``1 + k + k**2``
   floats per partition. The client adds them up (the values with :func:`math.fsum`, in
   partition order, so that the result does not depend on which worker answered first).
3. Should Newton fail (a Hessian that is not positive definite, a line search that does not
   descend), BFGS on the same map-reduce objective, then Newton polishing.

The objective, its box on the log-parameters, the stopping rules and the covariance are those
of the in-memory fit, so the estimates agree to the optimiser's precision.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, overload

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import as_float_array
from privtraffic.errors import ConvergenceError, ConvergenceWarning, InvalidInputError
from privtraffic.integrations.dask._likelihood import (
    PartitionLikelihood,
    PartitionTerms,
    PreparedPartition,
    likelihood_for,
    partition_terms,
    prepare_partition,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import dask.dataframe as dd
    import pandas as pd
    from typing_extensions import Self

    from privtraffic.clv import BetaGeo, GammaGamma

__all__ = [
    "DEFAULT_MAX_CLIENT_ROWS",
    "fit_spend_model",
    "fit_transaction_model",
    "rfm_histogram",
]

DEFAULT_MAX_CLIENT_ROWS = 250_000
"""Distinct data rows up to which a histogram is fitted on the client (about 8 MB of it; the
in-memory fit of that many rows takes a few seconds); larger ones are fitted by map-reduce."""

#: Rows of the client-side sample whose fit starts the map-reduce optimiser.
_SAMPLE_ROWS = 5_000
#: Log-parameters stay in [-_LOG_BOUND, _LOG_BOUND], as in the in-memory fit.
_LOG_BOUND = 25.0
#: Prefix of the keys of the per-partition likelihood tasks (visible on the dashboard).
TASK_PREFIX = "privtraffic-likelihood"


class _TransactionFitter(Protocol):
    """An unfitted transaction model: ``fit(frequency, recency, T, weights=...)``."""

    penalizer: float

    def fit(self, a: ArrayLike, b: ArrayLike, c: ArrayLike, /, *, weights: ArrayLike) -> Self: ...


class _SpendFitter(Protocol):
    """An unfitted spend model: ``fit(frequency, monetary_value, weights=...)``."""

    penalizer: float

    def fit(self, a: ArrayLike, b: ArrayLike, /, *, weights: ArrayLike) -> Self: ...


_Fitter = TypeVar("_Fitter", bound=_TransactionFitter)
_SpendFitterT = TypeVar("_SpendFitterT", bound=_SpendFitter)


# ------------------------------------------------------------------------------ histograms
def _checked_rows(
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    check: Callable[..., None] | None,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The model's data columns of one summary partition, checked against the model's rules."""
    out: pd.DataFrame = frame[list(columns)]
    if len(out):
        where = f" in partition {partition_info['number']}" if partition_info else ""
        try:
            arrays = [as_float_array(out[name], name) for name in columns]
            if check is not None:
                check(*arrays)
        except InvalidInputError as exc:
            message = str(exc)
            if message.endswith(")"):  # "... (got 5.0 > 3.0 at index 7 in partition 2 ...)"
                message = f"{message[:-1]}{where} of the summary)"
            else:  # pragma: no cover - every rule message ends with its offending value
                message = f"{message}{where} of the summary"
            raise InvalidInputError(message) from None
    return out


def _histogram(summary: dd.DataFrame, likelihood: PartitionLikelihood) -> dd.DataFrame:
    """Lazy histogram: the seam's columns and ``weights``, distinct rows, on the cluster."""
    if not hasattr(summary, "map_partitions") or not hasattr(summary, "columns"):
        raise InvalidInputError(
            f"'summary' must be a dask DataFrame (got {type(summary).__name__})"
        )
    columns = tuple(likelihood.columns)
    missing = [c for c in columns if c not in list(summary.columns)]
    if missing:
        raise InvalidInputError(
            f"'summary' must have the model's data columns {list(columns)} (missing {missing})"
        )
    checked = summary.map_partitions(
        _checked_rows, columns, likelihood.check, meta=summary._meta[list(columns)]
    )
    # A quarter of the summary's partitions (the histogram is smaller than the summary), at
    # least two, so that each round of the optimiser has a few sizeable tasks.
    parts = checked.npartitions
    counts = checked.groupby(list(columns)).size(split_out=min(parts, max(2, parts // 4)))
    hist: dd.DataFrame = counts.rename("weights").reset_index()
    return hist


def rfm_histogram(summary: dd.DataFrame) -> pd.DataFrame:
    """The weighted histogram of distinct ``(frequency, recency, T)`` rows, computed locally.

    This is all a BTYD transaction model needs to be fitted: its log-likelihood is a
    weighted sum over distinct rows. :func:`fit_transaction_model` computes the same
    histogram and keeps it on the cluster when it is large.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions` (any frame with those three columns).

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency, recency, T, weights`` (customers per row), sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> s = dd.from_pandas(pd.DataFrame({"frequency": [0, 2, 0], "recency": [0.0, 3.0, 0.0],
    ...                                  "T": [5.0, 5.0, 5.0]}), npartitions=2)
    >>> rfm_histogram(s).to_dict("list")
    {'frequency': [0, 2], 'recency': [0.0, 3.0], 'T': [5.0, 5.0], 'weights': [2, 1]}
    """
    counts = summary.groupby(["frequency", "recency", "T"]).size().compute()
    hist = counts.rename("weights").reset_index()
    ordered: pd.DataFrame = hist.sort_values(["frequency", "recency", "T"], ignore_index=True)
    return ordered


# ------------------------------------------------------------------------------ the optimiser
@attrs.frozen(eq=False)
class _Point:
    """The penalised objective per unit of weight at ``x``, and the raw total NLL."""

    x: NDArray[np.float64]
    value: float
    gradient: NDArray[np.float64]
    hessian: NDArray[np.float64] | None
    negative_log_likelihood: float


class _MapReduceObjective:
    """``NLL / W + penalizer * sum(params**2)`` summed over the prepared partitions."""

    def __init__(
        self,
        parts: Sequence[Any],
        likelihood: PartitionLikelihood,
        total_weight: float,
        penalizer: float,
    ) -> None:
        self.parts = list(parts)
        self.likelihood = likelihood
        self.total_weight = total_weight
        self.penalizer = penalizer
        self.rounds = 0

    def __call__(self, x: NDArray[np.float64], with_hessian: bool) -> _Point:
        import dask
        from dask.base import tokenize

        self.rounds += 1
        token = tokenize(x.tobytes(), with_hessian)
        tasks = [
            dask.delayed(partition_terms, pure=True)(
                part, self.likelihood, x, with_hessian, dask_key_name=f"{TASK_PREFIX}-{token}-{i}"
            )
            for i, part in enumerate(self.parts)
        ]
        terms = cast("tuple[PartitionTerms, ...]", dask.compute(*tasks))
        nll = math.fsum(t.value for t in terms)
        grad = np.zeros(x.shape[0])
        for t in terms:
            grad += t.gradient
        hessian = None
        if with_hessian:
            hessian = np.zeros((x.shape[0], x.shape[0]))
            for t in terms:
                if t.hessian is not None:
                    hessian += t.hessian
        w, lam = self.total_weight, self.penalizer
        with np.errstate(all="ignore"):
            params = np.exp(x)
            value = nll / w + lam * float(np.sum(params**2))
            gradient = grad / w + 2.0 * lam * params**2
            if hessian is not None:
                hessian = hessian / w + np.diag(4.0 * lam * params**2)
        finite = np.isfinite(value) and bool(np.all(np.isfinite(gradient)))
        if hessian is not None:
            finite = finite and bool(np.all(np.isfinite(hessian)))
        if not finite:
            return _Point(x, math.inf, np.zeros_like(x), None, math.inf)
        return _Point(x, float(value), gradient, hessian, nll)


def _newton(
    objective: _MapReduceObjective, x: NDArray[np.float64]
) -> tuple[_Point | None, NDArray[np.float64]]:
    """Damped Newton steps with the map-reduced Hessian, as the in-memory fit takes them.

    Returns the converged point (with the Hessian there) or ``None``, and the best point
    reached. The Hessian is measured again when a full step does not cut the gradient tenfold.
    Close to the optimum the decrease a step promises falls below the rounding of the
    objective's value; such a step is judged by the gradient instead, and when it does not
    halve the gradient, the gradient's own precision is reached: converged.
    """
    if np.any(np.abs(x) >= _LOG_BOUND):
        return None, x
    point = objective(x, True)
    if not math.isfinite(point.value):
        return None, x
    hessian = point.hessian
    for _ in range(40):
        if hessian is None:
            point = objective(point.x, True)
            hessian = point.hessian
            if hessian is None:
                return None, point.x
        try:
            step = np.linalg.solve(hessian, point.gradient)
        except np.linalg.LinAlgError:
            return None, point.x
        promised = 0.5 * float(point.gradient @ step)
        if not np.all(np.isfinite(step)) or promised <= 0:
            return None, point.x  # not positive definite here
        scale = max(1.0, abs(point.value))
        resolvable = promised > 1e-13 * scale
        largest = float(np.max(np.abs(point.gradient)))
        shrink = 1.0
        while True:
            candidate = point.x - shrink * step
            if np.any(np.abs(candidate) >= _LOG_BOUND):
                return None, point.x
            trial = objective(candidate, False)
            if not resolvable:
                # The value cannot show the decrease: judge the step by the gradient. One
                # that does not halve it has reached the gradient's own precision (finite
                # differences stop near 1e-10): this is the optimum.
                if (
                    math.isfinite(trial.value)
                    and float(np.max(np.abs(trial.gradient))) < 0.5 * largest
                ):
                    break
                final = objective(point.x, True)
                return (final if math.isfinite(final.value) else None), point.x
            if trial.value <= point.value + 1e-15 * scale:
                break
            shrink *= 0.5
            if shrink < 1e-6:
                return None, point.x
        if shrink < 1.0 or float(np.max(np.abs(trial.gradient))) > 0.1 * largest:
            # Slower than a Newton step near the optimum: measure the curvature again (a
            # round with the Hessian costs k gradients per partition, a round trip more).
            hessian = None
        point = trial
        if (
            float(np.max(np.abs(shrink * step))) < 1e-10
            or float(np.max(np.abs(point.gradient))) < 1e-13
        ):
            final = objective(point.x, True)  # the Hessian at the optimum, for the covariance
            return (final if math.isfinite(final.value) else None), point.x
    return None, point.x


def _bfgs(objective: _MapReduceObjective, x0: NDArray[np.float64]) -> NDArray[np.float64]:
    """scipy's BFGS on the map-reduce objective, with the in-memory fit's wall at the box."""
    from scipy import optimize

    def boxed(x: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        inside = np.clip(x, -_LOG_BOUND, _LOG_BOUND)
        point = objective(inside, False)
        excess = x - inside
        if not excess.any():
            return point.value, point.gradient
        wall = 1e3 * max(1.0, abs(point.value)) if math.isfinite(point.value) else 1e3
        return point.value + 0.5 * wall * float(excess @ excess), np.where(
            excess == 0, point.gradient, wall * excess
        )

    res = optimize.minimize(
        boxed, x0, jac=True, method="BFGS", options={"maxiter": 2000, "gtol": 1e-9}
    )
    clipped: NDArray[np.float64] = np.clip(res.x, -_LOG_BOUND, _LOG_BOUND)
    return clipped


def _minimize(objective: _MapReduceObjective, x0: NDArray[np.float64]) -> _Point:
    point, best = _newton(objective, x0)
    if point is not None:
        return point
    x = _bfgs(objective, best)
    polished, _ = _newton(objective, x)
    return polished if polished is not None else objective(x, True)


# --------------------------------------------------------------------------- per-partition
def _partition_size(part: PreparedPartition) -> tuple[int, float]:
    return part.n_rows, float(part.weights.sum())


def _partition_sample(
    part: PreparedPartition, every: int
) -> tuple[tuple[NDArray[np.float64], ...], NDArray[np.float64]]:
    return tuple(c[::every] for c in part.columns), part.weights[::every]


def _warn_unless_definite(hessian: NDArray[np.float64] | None, model_name: str) -> None:
    """Warn when the Hessian at the estimates is not positive definite (no standard errors)."""
    ok = hessian is not None and bool(np.all(np.isfinite(hessian)))
    eigenvalues = np.linalg.eigvalsh(hessian) if ok and hessian is not None else None
    if (
        hessian is None
        or eigenvalues is None
        or eigenvalues.min() <= 1e-12 * max(1.0, abs(eigenvalues.max()))
    ):
        warnings.warn(
            f"{model_name}: the Hessian at the estimates is not positive definite; "
            "standard errors are not available (NaN)",
            ConvergenceWarning,
            stacklevel=5,
        )


def _fit_partitions(parts: Sequence[Any], model: Any, likelihood: PartitionLikelihood) -> Any:
    """The map-reduce fit on persisted prepared partitions; fits ``model`` in place."""
    import dask

    model_name = type(model).__name__
    sizes = dask.compute(*[dask.delayed(_partition_size)(p) for p in parts])
    n_rows = sum(n for n, _ in sizes)
    total_weight = math.fsum(w for _, w in sizes)
    every = max(1, n_rows // _SAMPLE_ROWS)
    samples = dask.compute(*[dask.delayed(_partition_sample)(p, every) for p in parts])
    sample_columns = [np.concatenate([s[0][i] for s in samples]) for i in range(len(samples[0][0]))]
    sample_weights = np.concatenate([s[1] for s in samples])

    start = copy.deepcopy(model)  # the caller's model is only fitted once, on all rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a start, not a result
        start.fit(*sample_columns, weights=sample_weights)
    params_start: dict[str, float] = dict(start.params_)
    names = list(params_start)
    x0 = np.log(np.array([params_start[n] for n in names]))

    objective = _MapReduceObjective(parts, likelihood, total_weight, float(model.penalizer))
    point = _minimize(objective, x0)
    if not math.isfinite(point.value):
        raise ConvergenceError(
            f"{model_name}: the likelihood is not finite at the starting point found on a "
            "sample of the histogram; check the data's time unit or add a penalizer",
            result=None,
        )
    if point.hessian is None:  # pragma: no cover - every path above ends with one
        point = objective(point.x, True)
    at_bound = np.abs(point.x) >= _LOG_BOUND - 1e-6
    grad_norm = float(np.max(np.abs(point.gradient)))
    if at_bound.any():
        hit = ", ".join(repr(n) for n, b in zip(names, at_bound, strict=True) if b)
        warnings.warn(
            f"{model_name}: parameter {hit} ran to the boundary of the search space "
            f"(|log value| = {_LOG_BOUND:g}); the data do not identify it — consider a "
            "penalizer",
            ConvergenceWarning,
            stacklevel=4,
        )
    elif grad_norm > 1e-5 * max(1.0, abs(point.value)):
        warnings.warn(
            f"{model_name}: the optimiser stopped with gradient {grad_norm:.3g}; the "
            "estimates may be imprecise",
            ConvergenceWarning,
            stacklevel=4,
        )
    hessian = None if point.hessian is None else point.hessian * total_weight
    _warn_unless_definite(hessian, model_name)
    k = len(names)
    # The fitted state as fit leaves it, fit_diagnostics_ included (the clv models' rules).
    model.set_fitted_state(
        point.x,
        np.full((k, k), np.nan) if hessian is None else hessian,
        negative_log_likelihood=point.negative_log_likelihood,
        n_customers=total_weight,
        n_rows=n_rows,
        n_iter=int(getattr(start, "n_iter_", 0)) + objective.rounds,
        gradient_norm=grad_norm,
        start=x0,
    )
    return model


def _check_max_rows(max_client_rows: object) -> int:
    if (
        isinstance(max_client_rows, bool)
        or not isinstance(max_client_rows, (int, np.integer))
        or max_client_rows < 0
    ):
        raise InvalidInputError(
            f"'max_client_rows' must be a whole number >= 0 (got {max_client_rows!r})"
        )
    return int(max_client_rows)


def _fit(
    summary: dd.DataFrame, model: Any, likelihood: PartitionLikelihood, max_client_rows: int
) -> Any:
    import dask

    columns = list(likelihood.columns)
    (hist,) = dask.persist(_histogram(summary, likelihood))
    n_rows = int(hist.map_partitions(len).sum().compute())
    if n_rows <= max_client_rows:
        local = hist.compute().sort_values(columns, ignore_index=True)
        return model.fit(
            *(local[c].to_numpy() for c in columns), weights=local["weights"].to_numpy()
        )
    prepared = [dask.delayed(prepare_partition)(p, likelihood) for p in hist.to_delayed()]
    parts = dask.persist(*prepared)
    del hist  # the prepared partitions hold the rows now (the lineage stays with them)
    return _fit_partitions(parts, model, likelihood)


# ------------------------------------------------------------------------------ public API
@overload
def fit_transaction_model(
    summary: dd.DataFrame,
    model: None = None,
    *,
    max_client_rows: int = ...,
    likelihood: PartitionLikelihood | None = ...,
) -> BetaGeo: ...
@overload
def fit_transaction_model(
    summary: dd.DataFrame,
    model: _Fitter,
    *,
    max_client_rows: int = ...,
    likelihood: PartitionLikelihood | None = ...,
) -> _Fitter: ...


def fit_transaction_model(
    summary: dd.DataFrame,
    model: _TransactionFitter | None = None,
    *,
    max_client_rows: int = DEFAULT_MAX_CLIENT_ROWS,
    likelihood: PartitionLikelihood | None = None,
) -> _TransactionFitter:
    """Fit a BTYD transaction model on the cluster's RFM summary.

    The summary's rows are checked against the model's rules and collapsed into the weighted
    histogram of distinct data rows on the cluster. Up to ``max_client_rows`` distinct rows
    the histogram is fitted on the client with the model's own ``fit``; above, by map-reduce:
    the histogram stays on the workers and each optimiser step gets a handful of floats per
    partition (the module docstring of ``privtraffic.integrations.dask._fit`` has the
    algorithm).

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions` (any frame with the model's data columns:
        ``frequency, recency, T``, or ``frequency, recency, n_periods`` for BG/BB).
    model : BTYD model, optional
        An unfitted :class:`~privtraffic.clv.BetaGeo` (default),
        :class:`~privtraffic.clv.ModifiedBetaGeo`, :class:`~privtraffic.clv.ParetoNBD` or
        :class:`~privtraffic.clv.BetaGeoBetaBinom`, with its penalizer.
    max_client_rows : int, default 250,000
        Largest histogram (distinct data rows) fitted on the client. ``0`` always fits by
        map-reduce.
    likelihood : PartitionLikelihood, optional
        The model's likelihood seam, for a model privtraffic does not know (default: the
        one for ``model``'s class).

    Returns
    -------
    BTYD model
        ``model``, fitted: the same estimates as fitting the in-memory summary, to the
        optimiser's precision (``n_rows_`` distinct rows, ``n_customers_`` customers,
        ``n_iter_`` optimiser iterations, on the map-reduce path the sample fit's plus one
        per round over the partitions).

    Raises
    ------
    InvalidInputError
        The summary lacks a data column, a row breaks the model's rules (named with its index
        and partition, when computed), an unknown model without ``likelihood``, or a bad
        ``max_client_rows``.
    ConvergenceError
        No finite optimum.

    Warns
    -----
    ConvergenceWarning
        As the in-memory fit: a parameter at the boundary, a gradient that is not small, a
        Hessian that is not positive definite.

    Notes
    -----
    The per-partition tasks of the map-reduce rounds are named ``privtraffic-likelihood-...``
    (on the dashboard and in the scheduler). A worker lost mid-fit is handled by Dask: its
    partitions are recomputed from their lineage and the fit carries on with the same numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from privtraffic.clv import BetaGeo
    >>> from privtraffic.data import load_cdnow
    >>> s = load_cdnow("summary")
    >>> summary = dd.from_pandas(s.to_pandas(), npartitions=3)
    >>> m = fit_transaction_model(summary)
    >>> round(m.params_["r"], 3)
    0.243

    By map-reduce over the three partitions, the same estimates:

    >>> mr = fit_transaction_model(summary, BetaGeo(), max_client_rows=0)
    >>> local = BetaGeo().fit(s)
    >>> all(abs(mr.params_[k] / local.params_[k] - 1) < 1e-8 for k in local.params_)
    True
    """
    if model is None:
        from privtraffic.clv import BetaGeo

        model = BetaGeo()
    seam = likelihood_for(model) if likelihood is None else likelihood
    fitted: _TransactionFitter = _fit(summary, model, seam, _check_max_rows(max_client_rows))
    return fitted


@overload
def fit_spend_model(
    summary: dd.DataFrame,
    model: None = None,
    *,
    max_client_rows: int = ...,
    likelihood: PartitionLikelihood | None = ...,
) -> GammaGamma: ...
@overload
def fit_spend_model(
    summary: dd.DataFrame,
    model: _SpendFitterT,
    *,
    max_client_rows: int = ...,
    likelihood: PartitionLikelihood | None = ...,
) -> _SpendFitterT: ...


def fit_spend_model(
    summary: dd.DataFrame,
    model: _SpendFitter | None = None,
    *,
    max_client_rows: int = DEFAULT_MAX_CLIENT_ROWS,
    likelihood: PartitionLikelihood | None = None,
) -> _SpendFitter:
    """Fit a spend model on the repeat buyers' ``(frequency, monetary_value)``.

    The distinct pairs of the repeat buyers (``frequency > 0``) and their weights are counted
    on the cluster; up to ``max_client_rows`` pairs they are fitted on the client, above by
    map-reduce, as in :func:`fit_transaction_model`.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions` with a ``monetary_value`` column.
    model : spend model, optional
        An unfitted :class:`~privtraffic.clv.GammaGamma` (default).
    max_client_rows : int, default 250,000
        Largest number of distinct pairs fitted on the client; ``0`` always fits by
        map-reduce.
    likelihood : PartitionLikelihood, optional
        The model's likelihood seam (default: the one for ``model``'s class).

    Returns
    -------
    spend model
        ``model``, fitted.

    Raises
    ------
    InvalidInputError
        The summary has no ``monetary_value`` column; a repeat buyer with a mean spend that
        is not > 0 (when computed).

    Notes
    -----
    The Gamma-Gamma likelihood is nearly flat along a ridge in ``(q, v)`` (the population mean
    spend ``p v / (q - 1)`` is pinned down, ``q`` and ``v`` separately much less), so two
    fits that differ only in the order of their floating-point sums agree on the
    log-likelihood to ~1e-14 but on ``q`` and ``v`` only to ~1e-6 or so; compare fits by
    their log-likelihoods.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from privtraffic.data import load_cdnow
    >>> s = load_cdnow("summary").to_pandas()
    >>> gg = fit_spend_model(dd.from_pandas(s, npartitions=3))
    >>> round(gg.params_["p"], 2)
    6.25
    """
    if "monetary_value" not in list(summary.columns):
        raise InvalidInputError(
            "'summary' must have a 'monetary_value' column (summarize with value=...)"
        )
    if model is None:
        from privtraffic.clv import GammaGamma

        model = GammaGamma()
    seam = likelihood_for(model) if likelihood is None else likelihood
    repeat = summary[summary["frequency"] > 0]
    fitted: _SpendFitter = _fit(repeat, model, seam, _check_max_rows(max_client_rows))
    return fitted
