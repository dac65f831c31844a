"""The seam between a model module's pure likelihood and the map-reduce fit.

A BTYD model module (:mod:`privtraffic.clv.bgnbd`, ...) owns its likelihood as pure functions
of ``(params, data, weights)``. The distributed fit needs, per partition of the weighted
histogram of distinct data rows, the weighted negative log-likelihood, its gradient in the
log-parameters and, for Newton steps, its Hessian. :class:`PartitionLikelihood` names which
public functions of the model module give those; :func:`partition_terms` evaluates them on one
partition. Nothing here knows about Dask: a partition is a few numpy arrays.

Where a model module has no public analytic gradient (or no public way to prepare its data
for it), the gradient is taken by central finite differences of the module's per-row
``log_likelihood`` on the partition, and the Hessian by second differences; an analytic
gradient or Hessian plugs in by filling the corresponding field, nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic._numerics import gradient_hessian, weighted_sum
from privtraffic._validation import first_index
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "PartitionLikelihood",
    "PartitionTerms",
    "PreparedPartition",
    "likelihood_for",
    "partition_terms",
    "prepare_partition",
]

#: Relative step of the central-difference gradient of a per-row log-likelihood (about the
#: cube root of the float64 epsilon: truncation and rounding errors balance there).
_GRADIENT_STEP = 6e-6
#: Relative step of the second differences (about the fourth root of the epsilon).
_SECOND_STEP = 1e-4
#: Relative step of the forward differences of an analytic gradient, as the in-memory fit.
_HESSIAN_STEP = 1e-6


def _names(columns: Iterable[str]) -> tuple[str, ...]:
    return tuple(columns)


@attrs.frozen
class PartitionLikelihood:
    """Which public functions of a model module give its likelihood on one partition.

    Attributes
    ----------
    columns : tuple of str
        The data columns, in the order the functions take them, e.g.
        ``("frequency", "recency", "T")``.
    log_likelihood : callable
        ``log_likelihood(params, *columns) -> ndarray``: the per-row log-likelihood at the
        natural parameters (a tuple, in the model's parameter order).
    check : callable, optional
        ``check(*columns) -> None``: raises
        :class:`~privtraffic.errors.InvalidInputError` for rows that break the model's rules
        (run once per partition, on float64 columns).
    negative_log_likelihood : callable, optional
        ``f(log_params, *prepared, weights=w) -> (total weighted NLL, gradient in
        log_params)``, the analytic gradient. Without it the gradient is taken by central
        differences of ``log_likelihood``.
    prepare : callable, optional
        ``prepare(*columns) -> tuple`` of the arrays ``negative_log_likelihood`` takes after
        the log-parameters; by default the columns themselves.
    hessian : callable, optional
        ``hessian(log_params, *prepared, weights=w) -> (k, k) ndarray``: the analytic Hessian
        of the total NLL in the log-parameters. Without it, forward differences of the
        gradient (or second differences of ``log_likelihood`` when there is no analytic
        gradient either).

    Examples
    --------
    >>> from privtraffic.clv import gammagamma
    >>> seam = PartitionLikelihood(("frequency", "monetary_value"), gammagamma.log_likelihood,
    ...     negative_log_likelihood=gammagamma.negative_log_likelihood)
    >>> seam.columns
    ('frequency', 'monetary_value')
    """

    columns: tuple[str, ...] = attrs.field(converter=_names)
    log_likelihood: Callable[..., NDArray[np.float64]]
    check: Callable[..., None] | None = None
    negative_log_likelihood: Callable[..., tuple[float, NDArray[np.float64]]] | None = None
    prepare: Callable[..., tuple[NDArray[np.generic], ...]] | None = None
    hessian: Callable[..., NDArray[np.float64]] | None = None


@attrs.frozen(eq=False)
class PreparedPartition:
    """One partition of the weighted histogram, sorted and prepared once for every evaluation.

    Attributes
    ----------
    columns : tuple of numpy.ndarray
        The data columns (float64), rows sorted lexicographically so that every evaluation
        sums in the same order, whichever worker holds the partition.
    weights : numpy.ndarray
        Customers per row.
    prepared : tuple of numpy.ndarray or None
        What the seam's ``prepare`` returned (``None`` without an analytic gradient).

    Examples
    --------
    >>> import pandas as pd
    >>> from privtraffic.clv import gammagamma
    >>> seam = PartitionLikelihood(("frequency", "monetary_value"), gammagamma.log_likelihood)
    >>> part = prepare_partition(pd.DataFrame({"frequency": [3, 1], "monetary_value": [5.0, 9.0],
    ...     "weights": [2, 7]}), seam)
    >>> part.columns[0].tolist(), part.weights.tolist(), part.n_rows
    ([1.0, 3.0], [7.0, 2.0], 2)
    """

    columns: tuple[NDArray[np.float64], ...]
    weights: NDArray[np.float64]
    prepared: tuple[NDArray[np.generic], ...] | None

    @property
    def n_rows(self) -> int:
        """Distinct rows in the partition."""
        return int(self.weights.shape[0])


@attrs.frozen(eq=False)
class PartitionTerms:
    """What one partition returns for one set of parameters: a handful of floats.

    Attributes
    ----------
    value : float
        Total weighted negative log-likelihood of the partition's rows.
    gradient : numpy.ndarray
        Its gradient in the log-parameters, shape ``(k,)``.
    hessian : numpy.ndarray or None
        Its Hessian in the log-parameters, shape ``(k, k)``, when asked for.

    Examples
    --------
    >>> t = PartitionTerms(1.5, np.zeros(2), None)
    >>> t.value, t.gradient.shape
    (1.5, (2,))
    """

    value: float
    gradient: NDArray[np.float64]
    hessian: NDArray[np.float64] | None


def prepare_partition(frame: pd.DataFrame, likelihood: PartitionLikelihood) -> PreparedPartition:
    """Sort one partition of the histogram and prepare it for :func:`partition_terms`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The seam's columns and ``weights``, one row per distinct data row.
    likelihood : PartitionLikelihood
        The model's seam.

    Returns
    -------
    PreparedPartition

    Examples
    --------
    >>> import pandas as pd
    >>> seam = likelihood_for_name("BetaGeo")
    >>> part = prepare_partition(pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 3.0],
    ...     "T": [5.0, 5.0], "weights": [4, 1]}), seam)
    >>> part.n_rows, len(part.prepared)
    (2, 7)
    """
    columns = [frame[name].to_numpy(dtype=np.float64) for name in likelihood.columns]
    weights = frame["weights"].to_numpy(dtype=np.float64)
    if len(weights):
        order = np.lexsort(columns[::-1])
        columns = [c[order] for c in columns]
        weights = weights[order]
    prepared = None
    if likelihood.negative_log_likelihood is not None and len(weights):
        prepared = tuple(columns) if likelihood.prepare is None else likelihood.prepare(*columns)
    return PreparedPartition(tuple(columns), weights, prepared)


def partition_terms(
    part: PreparedPartition,
    likelihood: PartitionLikelihood,
    log_params: NDArray[np.float64],
    with_hessian: bool,
) -> PartitionTerms:
    """Weighted NLL, gradient and (optionally) Hessian of one partition, in the log-parameters.

    Parameters
    ----------
    part : PreparedPartition
        From :func:`prepare_partition`.
    likelihood : PartitionLikelihood
        The model's seam.
    log_params : numpy.ndarray
        Logarithms of the parameters, in the model's order.
    with_hessian : bool
        Also return the Hessian.

    Returns
    -------
    PartitionTerms
        Zeros for an empty partition.

    Examples
    --------
    >>> import pandas as pd
    >>> seam = likelihood_for_name("BetaGeo")
    >>> part = prepare_partition(pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43],
    ...     "T": [38.86, 38.86], "weights": [1, 1]}), seam)
    >>> t = partition_terms(part, seam, np.log([0.243, 4.414, 0.793, 2.426]), True)
    >>> round(t.value, 4), t.hessian.shape
    (10.0133, (4, 4))
    """
    x = np.asarray(log_params, dtype=np.float64)
    k = x.shape[0]
    if part.n_rows == 0:
        return PartitionTerms(0.0, np.zeros(k), np.zeros((k, k)) if with_hessian else None)
    with np.errstate(all="ignore"):
        if likelihood.negative_log_likelihood is None:
            return _finite_difference_terms(part, likelihood, x, with_hessian)
        data = part.prepared if part.prepared is not None else part.columns
        nll = likelihood.negative_log_likelihood

        def gradient(at: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.asarray(nll(at, *data, weights=part.weights)[1], dtype=np.float64)

        value, grad = nll(x, *data, weights=part.weights)
        grad = np.asarray(grad, dtype=np.float64)
        hessian = None
        if with_hessian:
            if likelihood.hessian is not None:
                hessian = np.asarray(
                    likelihood.hessian(x, *data, weights=part.weights), dtype=np.float64
                )
            else:
                hessian = gradient_hessian(gradient, x, _HESSIAN_STEP, at=grad)
    return PartitionTerms(float(value), grad, hessian)


def _finite_difference_terms(
    part: PreparedPartition,
    likelihood: PartitionLikelihood,
    x: NDArray[np.float64],
    with_hessian: bool,
) -> PartitionTerms:
    """NLL by the per-row log-likelihood; gradient and Hessian by differences of it.

    The differences are taken row by row and only then summed with the weights, so that the
    rounding error of a difference is that of one row's log-likelihood, not of the total.
    """
    k = x.shape[0]
    w = part.weights

    def rows(at: NDArray[np.float64]) -> NDArray[np.float64]:
        params = tuple(float(p) for p in np.exp(at))
        return np.asarray(likelihood.log_likelihood(params, *part.columns), dtype=np.float64)

    def dot(values: NDArray[np.float64]) -> float:
        return weighted_sum(w, values)

    center = rows(x)
    steps = [_GRADIENT_STEP * max(1.0, abs(float(v))) for v in x]
    grad = np.empty(k)
    for i in range(k):
        e = np.zeros(k)
        e[i] = steps[i]
        grad[i] = -dot((rows(x + e) - rows(x - e)) / (2.0 * steps[i]))
    hessian = None
    if with_hessian:
        unit = np.eye(k) * np.array([_SECOND_STEP * max(1.0, abs(float(v))) for v in x])
        plus = [rows(x + unit[i]) for i in range(k)]
        minus = [rows(x - unit[i]) for i in range(k)]
        hessian = np.empty((k, k))
        for i in range(k):
            hi = unit[i, i]
            hessian[i, i] = -dot((plus[i] - 2.0 * center + minus[i]) / (hi * hi))
            for j in range(i):
                hj = unit[j, j]
                corners = (
                    rows(x + unit[i] + unit[j])
                    - rows(x + unit[i] - unit[j])
                    - rows(x - unit[i] + unit[j])
                    + rows(x - unit[i] - unit[j])
                )
                hessian[i, j] = hessian[j, i] = -dot(corners / (4.0 * hi * hj))
    return PartitionTerms(-dot(center), grad, hessian)


# ------------------------------------------------------------------ the models' seams
def _spend_rules(frequency: NDArray[np.float64], monetary_value: NDArray[np.float64]) -> None:
    """Gamma-Gamma's rules for repeat buyers: whole frequencies >= 1, mean spend > 0."""
    from privtraffic.clv import GammaGamma

    i = first_index(frequency < 1)
    if i >= 0:
        raise InvalidInputError(
            f"'frequency' must be >= 1 in Gamma-Gamma: pass repeat buyers only "
            f"(got {float(frequency[i])!r} at index {i})"
        )
    GammaGamma.from_params(p=1.0, q=2.0, v=1.0).expected_spend(frequency, monetary_value)


def _index_dropout_at_start(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], T: NDArray[np.float64]
) -> tuple[NDArray[np.generic], ...]:
    """MBG/NBD's data for its likelihood: BG/NBD's index with the dropout branch on every row."""
    from privtraffic.clv import bgnbd

    return bgnbd.index_data(frequency, recency, T, dropout_at_start=True)


def _exact_hessian(
    nll_hessian: Callable[..., tuple[float, NDArray[np.float64], NDArray[np.float64]]],
) -> Callable[..., NDArray[np.float64]]:
    """The Hessian alone of a model's ``negative_log_likelihood_hessian``."""

    def hessian(
        log_params: NDArray[np.float64], *data: NDArray[np.generic], weights: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return nll_hessian(log_params, *data, weights=weights)[2]

    return hessian


def _seam(
    model: ModuleType,
    columns: tuple[str, ...],
    *,
    check: Callable[..., None],
    prepare: Callable[..., tuple[NDArray[np.generic], ...]] | None = None,
    exact_hessian: bool = False,
) -> PartitionLikelihood:
    """The seam of one model's module: its ``log_likelihood``, its ``negative_log_likelihood``
    (with the analytic gradient) and, with ``exact_hessian``, its
    ``negative_log_likelihood_hessian``."""
    return PartitionLikelihood(
        columns,
        model.log_likelihood,
        check=check,
        negative_log_likelihood=model.negative_log_likelihood,
        prepare=prepare,
        hessian=_exact_hessian(model.negative_log_likelihood_hessian) if exact_hessian else None,
    )


def _seams() -> dict[str, PartitionLikelihood]:
    from privtraffic.clv import bgbb, bgnbd, check_rfm, gammagamma, mbgnbd, paretonbd

    rfm = ("frequency", "recency", "T")
    return {
        "BetaGeo": _seam(bgnbd, rfm, check=check_rfm, prepare=bgnbd.index_data, exact_hessian=True),
        "ModifiedBetaGeo": _seam(
            mbgnbd, rfm, check=check_rfm, prepare=_index_dropout_at_start, exact_hessian=True
        ),
        "ParetoNBD": _seam(paretonbd, rfm, check=check_rfm, prepare=paretonbd.index_data),
        "BetaGeoBetaBinom": _seam(
            bgbb,
            ("frequency", "recency", "n_periods"),
            check=bgbb.check_discrete_rfm,
            prepare=bgbb.index_data,
        ),
        "GammaGamma": _seam(gammagamma, ("frequency", "monetary_value"), check=_spend_rules),
    }


def likelihood_for_name(name: str) -> PartitionLikelihood:
    """The seam of a privtraffic model class by its name (``"BetaGeo"``, ...).

    Raises
    ------
    KeyError
        Not a model with a seam.

    Examples
    --------
    >>> likelihood_for_name("ParetoNBD").columns
    ('frequency', 'recency', 'T')
    """
    return _seams()[name]


def likelihood_for(model: object) -> PartitionLikelihood:
    """The seam of a privtraffic model (or of a subclass of one), looked up by its class.

    Parameters
    ----------
    model : BTYD model
        An instance of :class:`~privtraffic.clv.BetaGeo`,
        :class:`~privtraffic.clv.ModifiedBetaGeo`, :class:`~privtraffic.clv.ParetoNBD`,
        :class:`~privtraffic.clv.BetaGeoBetaBinom` or :class:`~privtraffic.clv.GammaGamma`.

    Returns
    -------
    PartitionLikelihood

    Raises
    ------
    InvalidInputError
        Another kind of model: pass its :class:`PartitionLikelihood` explicitly.

    Examples
    --------
    >>> from privtraffic.clv import ModifiedBetaGeo
    >>> likelihood_for(ModifiedBetaGeo()).prepare.__name__
    '_index_dropout_at_start'
    >>> likelihood_for(object())
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'model' must be a BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom or GammaGamma (or pass likelihood=PartitionLikelihood(...)); got object
    """  # noqa: E501
    from privtraffic import clv

    seams = _seams()
    known = {getattr(clv, name): seam for name, seam in seams.items()}
    for cls in type(model).__mro__:
        if cls in known:
            return known[cls]
    names = list(seams)
    raise InvalidInputError(
        f"'model' must be a {', '.join(names[:-1])} or {names[-1]} (or pass "
        f"likelihood=PartitionLikelihood(...)); got {type(model).__name__}"
    )
