"""Time-invariant covariates: their encoding, and the estimator shell of the covariate models.

A covariate model scales some of a plain model's parameters per customer by
``exp(±gamma · z_i)``, in CLVTools' parameterisation (Bachmann, Meierer & Näf, CLVTools 0.12,
``src/pnbd.cpp`` and ``src/bgnbd.cpp``), so that estimates compare with CLVTools':

- Pareto/NBD (:class:`~privtraffic.clv.ParetoNBDWithCovariates`): ``alpha_i = alpha *
  exp(-gamma_purchase · z_i)``, ``beta_i = beta * exp(-gamma_attrition · z_i)``;
- BG/NBD (:class:`~privtraffic.clv.BetaGeoWithCovariates`): ``alpha_i = alpha *
  exp(-gamma_purchase · z_i)``, ``a_i = a * exp(gamma_attrition · z_i)`` and ``b_i = b *
  exp(gamma_attrition · z_i)`` (one gamma for both);
- Gamma-Gamma (:class:`~privtraffic.clv.GammaGammaWithCovariates`): ``v_i = v *
  exp(gamma_spend · z_i)`` (CLVTools has no spend covariates; this sign makes a positive
  gamma mean a higher expected spend, as a positive purchase gamma means more purchases).

A customer's likelihood is the plain model's likelihood at their own parameters, so the
shell evaluates the plain model's pure likelihood (and its exact gradient) once per distinct
covariate vector and carries the gradient to the gammas by the chain rule: with
``log alpha_i = log alpha - gamma · z_i``, ``d/d gamma = -z_i d/d log alpha_i``. Identical
``(data, z)`` rows are merged into weights first (each distinct covariate vector is one code,
so the rows collapse on four columns however many covariates there are), and the fit starts
from the plain model's estimates; above 20,000 distinct rows both are first fitted on a
systematic subsample and the full fit finishes with damped Newton steps, as the plain models
do. The cost of one likelihood call grows with
the number of distinct covariate vectors, which is small for what this domain measures
(acquisition channel, WeCom group membership, member level, first-order coupon); bin a
continuous covariate before fitting on millions of customers.

The objective is CLVTools': ``NLL / n + penalizer * sum(gamma ** 2)`` (``reg.lambdas`` of
CLVTools; the plain model's parameters are not penalised). Standard errors come from the
inverse Hessian of the total penalised objective, by the delta method for the positive
parameters (estimated on the log scale); the gammas' intervals are Wald intervals
``gamma ± 1.96 se``.

Covariates are a pandas DataFrame, a mapping of column names to columns, or a 2-D array
(columns named ``z0, z1, ...``; pass a mapping to name them). A column of strings, booleans
held as objects or a pandas categorical is categorical: it is one-hot encoded against a
reference level — the first category of a pandas categorical, else the smallest value, or the
one given in ``reference={"channel": "offline"}`` — and its effects are named
``"<column>_<level>"``. :class:`CovariateEncoding` records the columns, the levels and the
reference levels, checks the covariates given to predictions against them, and goes into the
model's JSON.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import as_float_array, first_index
from privtraffic.clv._base import (
    BTYDModel,
    DataInput,
    FittedModelView,
    ParameterSummary,
    check_horizon,
    json_payload,
    prediction_columns,
    simulation_ages,
)
from privtraffic.clv._diagnostics import diagnose, hessian_is_positive_definite
from privtraffic.clv._optimize import minimize_negative_log_likelihood
from privtraffic.clv._rows import collapse_rows
from privtraffic.data import RFMSummary
from privtraffic.errors import ConvergenceError, InvalidInputError, NotFittedError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing_extensions import Self

__all__ = [
    "CovariateEncoding",
    "CovariateInput",
    "CovariateModel",
    "check_prediction_columns",
    "encode_covariates",
]

#: Covariates as given: a DataFrame, a mapping of names to columns, a 2-D array, or None.
CovariateInput = Any

_Z95 = 1.959963984540054
_SUBSAMPLE_ROWS = (
    20_000  # above this many distinct rows, warm-start from a subsample fit (as _base)
)


def _is_categorical(values: Any) -> bool:
    dtype = getattr(values, "dtype", None)
    if dtype is not None and str(dtype) == "category":
        return True
    arr = np.asarray(values)
    return arr.dtype.kind in "OUSb" and not (arr.dtype.kind == "b")


def _columns_of(data: CovariateInput, argument: str) -> dict[str, Any]:
    """The covariate columns of ``data`` by name, in order."""
    if hasattr(data, "columns") and hasattr(data, "iloc"):
        return {str(c): data[c] for c in data.columns}
    if isinstance(data, Mapping):
        return {str(k): v for k, v in data.items()}
    arr = np.asarray(data)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InvalidInputError(
            f"'{argument}' must be a 2-D array, a DataFrame or a mapping of columns "
            f"(got shape {arr.shape})"
        )
    return {f"z{j}": arr[:, j] for j in range(arr.shape[1])}


def _str_tuple(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _level_tuple(values: Any) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    return tuple((str(c), _str_tuple(lv), str(ref)) for c, lv, ref in values)


@attrs.frozen
class CovariateEncoding:
    """How a set of covariates becomes a numeric matrix (a frozen value).

    Attributes
    ----------
    columns : tuple of str
        The covariate columns, in order.
    levels : tuple of (str, tuple of str, str)
        For each categorical column: its name, its levels and its reference level (the level
        without a column; its effect is 0).
    names : tuple of str
        The encoded columns: a numeric column keeps its name, a categorical one gives
        ``"<column>_<level>"`` for each level but the reference.

    Examples
    --------
    >>> z, enc = encode_covariates({"channel": ["douyin", "store", "taobao"], "age": [1, 2, 3]},
    ...     reference={"channel": "store"})
    >>> enc.names
    ('channel_douyin', 'channel_taobao', 'age')
    >>> z.tolist()
    [[1.0, 0.0, 1.0], [0.0, 0.0, 2.0], [0.0, 1.0, 3.0]]
    >>> enc.transform({"channel": ["taobao"], "age": [5]}).tolist()
    [[0.0, 1.0, 5.0]]
    """

    columns: tuple[str, ...] = attrs.field(converter=_str_tuple)
    levels: tuple[tuple[str, tuple[str, ...], str], ...] = attrs.field(converter=_level_tuple)
    names: tuple[str, ...] = attrs.field(converter=_str_tuple)

    def transform(self, data: CovariateInput, argument: str = "covariates") -> NDArray[np.float64]:
        """Encode covariates given to a prediction as the fit encoded its own.

        Parameters
        ----------
        data : DataFrame, mapping or 2-D array
            The same columns as at fit (a 2-D array: as many columns).
        argument : str
            The argument's name, for messages.

        Returns
        -------
        numpy.ndarray
            ``(n, len(names))`` float64.

        Raises
        ------
        InvalidInputError
            Other columns, a level not seen at fit, a non-number in a numeric column.

        Examples
        --------
        >>> _, enc = encode_covariates({"channel": ["a", "b"]})
        >>> enc.transform({"channel": ["c"]}, "purchase_covariates")
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'purchase_covariates' column 'channel' has a level not seen at fit: 'c' at index 0 (levels ['a', 'b'])
        """  # noqa: E501
        found = _columns_of(data, argument)
        if tuple(found) != self.columns:
            raise InvalidInputError(
                f"'{argument}' must have the columns the model was fitted with "
                f"{list(self.columns)} (got {list(found)})"
            )
        return _encode(found, self, argument)

    def to_dict(self) -> dict[str, object]:
        """The encoding as plain JSON-able data (see :meth:`from_dict`).

        Examples
        --------
        >>> _, enc = encode_covariates({"c": ["x", "y"]})
        >>> CovariateEncoding.from_dict(enc.to_dict()) == enc
        True
        """
        return {
            "columns": list(self.columns),
            "levels": [[c, list(lv), ref] for c, lv, ref in self.levels],
            "names": list(self.names),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CovariateEncoding:
        """Rebuild an encoding written by :meth:`to_dict`.

        Examples
        --------
        >>> CovariateEncoding.from_dict({"columns": ["z0"], "levels": [], "names": ["z0"]}).names
        ('z0',)
        """
        try:
            return cls(
                columns=[str(c) for c in data["columns"]],
                levels=[(c, lv, ref) for c, lv, ref in data["levels"]],
                names=[str(n) for n in data["names"]],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"malformed covariate encoding ({exc!r})") from None


def _encode(
    found: Mapping[str, Any], encoding: CovariateEncoding, argument: str
) -> NDArray[np.float64]:
    categorical = {c: (lv, ref) for c, lv, ref in encoding.levels}
    parts: list[NDArray[np.float64]] = []
    n = -1
    for column in encoding.columns:
        values = found[column]
        if column in categorical:
            levels, ref = categorical[column]
            raw = np.asarray(values).astype(str)
            known = np.isin(raw, np.array(levels))
            i = first_index(~known)
            if i >= 0:
                raise InvalidInputError(
                    f"'{argument}' column '{column}' has a level not seen at fit: "
                    f"{str(raw[i])!r} at index {i} (levels {list(levels)})"
                )
            for level in levels:
                if level != ref:
                    parts.append((raw == level).astype(np.float64))
            m = raw.shape[0]
        else:
            arr = as_float_array(values, f"{argument}[{column!r}]")
            parts.append(arr)
            m = arr.shape[0]
        if n >= 0 and m != n:
            raise InvalidInputError(
                f"'{argument}' columns must have the same length (got {n} and {m} "
                f"for column '{column}')"
            )
        n = m
    if not parts:
        return np.zeros((max(n, 0), 0))
    return np.column_stack(parts)


def encode_covariates(
    data: CovariateInput,
    *,
    reference: Mapping[str, str] | None = None,
    argument: str = "covariates",
) -> tuple[NDArray[np.float64], CovariateEncoding]:
    """Encode covariates as a numeric matrix, one-hot encoding the categorical columns.

    Parameters
    ----------
    data : pandas.DataFrame, mapping of str to array-like, or 2-D array-like
        One row per customer. A 2-D array's columns are named ``z0, z1, ...``.
    reference : mapping of str to str, optional
        The reference level of a categorical column (its effect is 0, the other levels'
        effects are relative to it). Default: a pandas categorical's first category, else the
        smallest level.
    argument : str
        The argument's name, for messages.

    Returns
    -------
    (numpy.ndarray, CovariateEncoding)
        The ``(n, k)`` matrix and how it was made.

    Raises
    ------
    InvalidInputError
        NaN/inf or non-numbers in a numeric column, a reference level that is not a level,
        a column that is constant (its effect would not be identified: the plain model's
        parameter already is the common level), columns of different lengths.

    Examples
    --------
    >>> z, enc = encode_covariates(np.array([[1.0, 0.5], [0.0, 1.5]]))
    >>> enc.names, z.shape
    (('z0', 'z1'), (2, 2))
    >>> encode_covariates({"channel": ["a", "a"]}, argument="purchase_covariates")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'purchase_covariates' column 'channel' is constant ('a'): its effect is not identified
    """  # noqa: E501
    found = _columns_of(data, argument)
    reference = dict(reference or {})
    unknown = sorted(set(reference) - set(found))
    if unknown:
        raise InvalidInputError(
            f"'reference' names columns that are not in '{argument}': {unknown} "
            f"(columns {list(found)})"
        )
    levels: list[tuple[str, tuple[str, ...], str]] = []
    names: list[str] = []
    for column, values in found.items():
        if _is_categorical(values):
            categories = getattr(getattr(values, "cat", None), "categories", None)
            objects = np.asarray(values, dtype=object)
            missing = np.array([v is None or (isinstance(v, float) and v != v) for v in objects])
            i = first_index(missing)
            if i >= 0:
                raise InvalidInputError(
                    f"'{argument}' column '{column}' has a missing value at index {i}: give "
                    "every customer a level (e.g. 'unknown')"
                )
            raw = np.asarray(values).astype(str)
            present = sorted(set(raw.tolist()))
            if categories is not None:
                order = [str(c) for c in categories if str(c) in present]
            else:
                order = present
            if len(order) < 2:
                raise InvalidInputError(
                    f"'{argument}' column '{column}' is constant ({order[0] if order else ''!r}):"
                    " its effect is not identified"
                )
            ref = str(reference.get(column, order[0]))
            if ref not in order:
                raise InvalidInputError(
                    f"'reference' level of column '{column}' must be one of its levels "
                    f"{order} (got {ref!r})"
                )
            levels.append((column, tuple(order), ref))
            names.extend(f"{column}_{level}" for level in order if level != ref)
        else:
            if column in reference:
                raise InvalidInputError(
                    f"'reference' is for categorical columns; '{column}' is numeric"
                )
            arr = as_float_array(values, f"{argument}[{column!r}]")
            if arr.size and bool(np.all(arr == arr[0])):
                raise InvalidInputError(
                    f"'{argument}' column '{column}' is constant ({float(arr[0])!r}): its "
                    "effect is not identified"
                )
            names.append(column)
    encoding = CovariateEncoding(columns=tuple(found), levels=levels, names=names)
    return _encode(found, encoding, argument), encoding


@attrs.frozen
class _Process:
    """One covariate process: which plain parameters it scales, and the sign of the effect."""

    name: str  # "purchase", "attrition", "spend"
    argument: str  # "purchase_covariates", ...
    scales: tuple[str, ...]  # plain parameters scaled by exp(sign * gamma . z)
    sign: float


def _grouped_negative_log_likelihood(
    theta: NDArray[np.float64],
    *,
    weights: NDArray[np.float64],
    plain_nll: Callable[..., tuple[float, NDArray[np.float64]]],
    groups: Sequence[tuple[NDArray[np.float64], tuple[Any, ...], NDArray[np.float64]]],
    shift: NDArray[np.float64],
    n_model: int,
    penalizer: float,
) -> tuple[float, NDArray[np.float64]]:
    """Total penalised NLL over covariate groups and its gradient in ``theta``.

    ``theta = (log plain params, gammas)``; a group's log-parameters are
    ``theta[:n_model] + shift @ (z_g * gammas)`` where ``shift[j, m]`` is the sign with which
    gamma ``m`` enters plain parameter ``j`` (0 when it does not).
    """
    log_model, gammas = theta[:n_model], theta[n_model:]
    total = 0.0
    grad = np.zeros_like(theta)
    for z, prepared, w in groups:
        offset = shift @ (z * gammas)
        value, g = plain_nll(log_model + offset, *prepared, weights=w)
        total += float(value)
        grad[:n_model] += g
        grad[n_model:] += (shift.T @ g) * z
    w_total = float(weights.sum())
    total += w_total * penalizer * float(gammas @ gammas)
    grad[n_model:] += 2.0 * w_total * penalizer * gammas
    return total, grad


def _vector_codes(z: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A code ``0..k-1`` per row of ``z`` (as float64, for row collapsing) and the ``k`` vectors.

    Each column is factorised on its own and the codes combined in mixed radix (the covariates
    of this domain have few levels); when that would not fit in a float64 integer, the rows
    are factorised whole.
    """
    n, k = z.shape
    if k == 0:
        return np.zeros(n), np.zeros((1, 0))
    combined = np.zeros(n, dtype=np.int64)
    radix = 1.0
    for j in range(k):
        levels, inverse = np.unique(z[:, j], return_inverse=True)
        radix *= len(levels)
        if radix > 2.0**52:
            _, inverse_rows = np.unique(z, axis=0, return_inverse=True)
            combined = np.asarray(inverse_rows).reshape(-1).astype(np.int64)
            break
        combined = combined * len(levels) + np.asarray(inverse).reshape(-1)
    used, code = np.unique(combined, return_inverse=True)
    first = np.zeros(len(used), dtype=np.intp)
    first[np.asarray(code).reshape(-1)[::-1]] = np.arange(n - 1, -1, -1)
    return np.asarray(code).reshape(-1).astype(np.float64), z[first]


def _groups(
    plain: type[BTYDModel],
    data_rows: Sequence[NDArray[np.float64]],
    z_rows: NDArray[np.float64],
    weights: NDArray[np.float64],
    k_z: int,
) -> list[tuple[NDArray[np.float64], tuple[Any, ...], NDArray[np.float64]]]:
    """The rows of each distinct covariate vector, prepared for the plain likelihood."""
    if k_z:
        code, unique_z = _vector_codes(z_rows)
        group = code.astype(np.intp)
    else:
        unique_z, group = np.zeros((1, 0)), np.zeros(len(weights), dtype=np.intp)
    group = np.asarray(group).reshape(-1)
    out = []
    for g in range(unique_z.shape[0]):
        idx = np.flatnonzero(group == g)
        out.append((unique_z[g], plain._prepare_data(*(c[idx] for c in data_rows)), weights[idx]))
    return out


class CovariateModel(FittedModelView):
    """Estimator shell of the covariate models (see the module docstring).

    Not used directly: instantiate :class:`~privtraffic.clv.ParetoNBDWithCovariates`,
    :class:`~privtraffic.clv.BetaGeoWithCovariates` or
    :class:`~privtraffic.clv.GammaGammaWithCovariates`.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the gammas: ``penalizer * sum(gamma ** 2)`` is added to the negative
        log-likelihood per customer (CLVTools' ``reg.lambdas``, one value for all processes).

    Attributes
    ----------
    params_ : dict of str to float
        The plain model's parameters (the values at ``z = 0``) and the gammas, named
        ``"<process>:<covariate>"`` (e.g. ``"purchase:channel_douyin"``).
    covariate_effects_ : dict of str to dict of str to float
        The gammas by process and covariate.
    standard_errors_ : dict of str to float
        Same keys as ``params_``.
    covariance_ : numpy.ndarray
        Covariance of the estimates in ``params_`` order.
    encodings_ : dict of str to CovariateEncoding
        Each process's covariate encoding.
    log_likelihood_ : float
        Total log-likelihood (without the penalty).
    n_customers_, n_rows_, n_groups_, n_iter_ : float, int, int, int
        Total weight, distinct ``(data, z)`` rows, distinct covariate vectors, iterations.
    fit_diagnostics_ : FitDiagnostics or None
        As for the plain models (for the plain parameters; the Hessian of all of them).

    Raises
    ------
    NotFittedError
        From every method that uses the estimates (predictions, simulation, ``summary``,
        ``to_json``, ``plain_model``), until ``fit``, ``from_params`` or ``from_json`` gave
        them; the methods' own Raises sections list the rest.

    Examples
    --------
    >>> from privtraffic.clv import ParetoNBDWithCovariates
    >>> issubclass(ParetoNBDWithCovariates, CovariateModel)
    True
    """

    _plain: ClassVar[type[BTYDModel]]
    #: The plain model module's ``log_likelihood(params, *columns)``.
    _plain_log_likelihood: ClassVar[Callable[..., NDArray[np.float64]]]
    _processes: ClassVar[tuple[_Process, ...]]

    # fitted, beside FittedModelView's
    covariate_effects_: dict[str, dict[str, float]]
    encodings_: dict[str, CovariateEncoding]
    n_groups_: int

    # ------------------------------------------------------------------ fitting
    def _fit(
        self,
        values: Mapping[str, DataInput | None],
        weights: ArrayLike | None,
        covariates: Mapping[str, CovariateInput],
        reference: Mapping[str, str] | None,
    ) -> None:
        penalizer = self._checked_penalizer()
        plain = self._plain()
        columns, w = plain._coerce_fit_data(values, weights)
        n = columns[0].shape[0]
        matrices: list[NDArray[np.float64]] = []
        encodings: dict[str, CovariateEncoding] = {}
        for process in self._processes:
            given = covariates.get(process.argument)
            if given is None:
                z, enc = np.zeros((n, 0)), CovariateEncoding(columns=(), levels=(), names=())
            else:
                ref = {k: v for k, v in (reference or {}).items() if k in _columns_of(given, "")}
                z, enc = encode_covariates(given, reference=ref, argument=process.argument)
            if z.shape[0] != n:
                raise InvalidInputError(
                    f"'{process.argument}' must have one row per customer ({n}; got {z.shape[0]})"
                )
            matrices.append(z)
            encodings[process.argument] = enc
        used = {c for enc in encodings.values() for c, _, _ in enc.levels}
        unknown = sorted(set(reference or {}) - used)
        if unknown:
            raise InvalidInputError(
                f"'reference' names columns that are not categorical covariates of this fit: "
                f"{unknown} (categorical columns {sorted(used)})"
            )
        all_z = np.column_stack(matrices) if matrices else np.zeros((n, 0))
        k_z = all_z.shape[1]
        # One code per distinct covariate vector; rows collapse on (data, code).
        code, vectors = _vector_codes(all_z)
        rows, row_weights = collapse_rows([*columns, code], w)
        data_rows = rows[: len(columns)]
        z_rows = vectors[rows[-1].astype(np.intp)]
        shift = self._shift_matrix(encodings)
        names = self._names(encodings)
        plain_type = type(plain)
        n_model = len(plain._param_names)
        every = 1
        if len(row_weights) > _SUBSAMPLE_ROWS:
            # Many distinct rows: the plain fit and a first covariate fit on a systematic
            # subsample (every k-th row), then damped Newton steps on all rows from there.
            every = len(row_weights) // (_SUBSAMPLE_ROWS // 4)
        sub = slice(None, None, every)
        sub_rows, sub_z, sub_w = [c[sub] for c in data_rows], z_rows[sub], row_weights[sub]
        # Start from the plain model's fit (every gamma 0).
        plain_fit = minimize_negative_log_likelihood(
            plain_type._negative_log_likelihood,
            plain_type._prepare_data(*sub_rows),
            sub_w,
            plain_type._initial_log_params(*sub_rows, weights=sub_w),
            penalizer=0.0,
            param_names=plain._param_names,
            model_name=plain._model_name(),
        )
        start = np.concatenate([plain_fit.log_params, np.zeros(k_z)])
        groups = _groups(plain_type, data_rows, z_rows, row_weights, k_z)
        objective = functools.partial(
            _grouped_negative_log_likelihood,
            plain_nll=plain_type._negative_log_likelihood,
            groups=groups,
            shift=shift,
            n_model=n_model,
            penalizer=float(penalizer),
        )
        warm_start = warm_hessian = None
        if every > 1:
            sub_objective = functools.partial(
                objective.func,
                **{
                    **objective.keywords,
                    "groups": _groups(plain_type, sub_rows, sub_z, sub_w, k_z),
                },
            )
            try:
                first = minimize_negative_log_likelihood(
                    sub_objective,
                    (),
                    sub_w,
                    [start],
                    penalizer=0.0,
                    param_names=names,
                    model_name=self._model_name(),
                    gtol=1e-6,
                )
            except ConvergenceError:
                pass  # no warm start: the full fit below starts from the plain estimates
            else:
                warm_start = first.log_params
                warm_hessian = first.hessian / float(sub_w.sum())
        result = minimize_negative_log_likelihood(
            objective,
            (),
            row_weights,
            [start],
            penalizer=0.0,
            param_names=names,
            model_name=self._model_name(),
            warm_start=warm_start,
            warm_hessian=warm_hessian,
        )
        theta = result.log_params
        unpenalised, _ = _grouped_negative_log_likelihood(
            theta,
            weights=row_weights,
            plain_nll=plain_type._negative_log_likelihood,
            groups=groups,
            shift=shift,
            n_model=n_model,
            penalizer=0.0,
        )
        jac = np.concatenate([np.exp(theta[:n_model]), np.ones(k_z)])
        if hessian_is_positive_definite(result.hessian):
            covariance = np.outer(jac, jac) * np.linalg.inv(result.hessian)
        else:
            covariance = np.full((len(theta), len(theta)), np.nan)
        self._set(theta, covariance, encodings)
        self.log_likelihood_ = -float(unpenalised)
        self.n_customers_ = float(row_weights.sum())
        self.n_rows_ = len(row_weights)
        self.n_groups_ = len(groups)
        self.n_iter_ = int(result.n_iter)
        # The diagnostics speak of the plain parameters: their block of the Hessian when the
        # whole is positive definite, else a matrix that says it is not (every one flagged).
        block = result.hessian[:n_model, :n_model]
        model_part = attrs.evolve(
            result,
            log_params=theta[:n_model],
            start=None if result.start is None else result.start[:n_model],
            hessian=block
            if hessian_is_positive_definite(result.hessian)
            else np.full_like(block, np.nan),
        )
        self.fit_diagnostics_ = diagnose(
            model_part,
            covariance[:n_model, :n_model],
            param_names=plain._param_names,
            pairs=type(plain)._parameter_pairs,
        )
        self._warn_if_untrusted()

    def _shift_matrix(self, encodings: Mapping[str, CovariateEncoding]) -> NDArray[np.float64]:
        names = self._plain._param_names
        blocks = []
        for process in self._processes:
            k = len(encodings[process.argument].names)
            block = np.zeros((len(names), k))
            for p in process.scales:
                block[names.index(p), :] = process.sign
            blocks.append(block)
        return np.hstack(blocks) if blocks else np.zeros((len(names), 0))

    def _names(self, encodings: Mapping[str, CovariateEncoding]) -> list[str]:
        names = list(self._plain._param_names)
        for process in self._processes:
            names.extend(f"{process.name}:{c}" for c in encodings[process.argument].names)
        return names

    def _set(
        self,
        theta: NDArray[np.float64],
        covariance: NDArray[np.float64],
        encodings: dict[str, CovariateEncoding],
    ) -> None:
        n_model = len(self._plain._param_names)
        names = self._names(encodings)
        values = np.concatenate([np.exp(theta[:n_model]), theta[n_model:]])
        self.params_ = {n: float(v) for n, v in zip(names, values, strict=True)}
        self.covariance_ = np.asarray(covariance, dtype=np.float64)
        se = np.sqrt(np.diag(self.covariance_))
        self.standard_errors_ = {n: float(v) for n, v in zip(names, se, strict=True)}
        self.encodings_ = dict(encodings)
        self.covariate_effects_ = {
            p.name: {c: self.params_[f"{p.name}:{c}"] for c in encodings[p.argument].names}
            for p in self._processes
        }

    # ------------------------------------------------------------------ predictions
    def _check_fitted(self) -> None:
        if getattr(self, "params_", None) is None:
            raise NotFittedError(
                f"this {self._model_name()} is not fitted yet: call fit(...) or "
                f"{self._model_name()}.from_json(...) first"
            )

    def _params_of(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """The plain model's parameters for each row of the encoded covariates ``z``.

        ``param * exp(±gamma · z)``: exactly the plain parameters where ``gamma · z == 0``.
        """
        names = self._plain._param_names
        base = np.array([self.params_[n] for n in names])
        gammas = np.array(
            [self.params_[n] for n in self._names(self.encodings_)[len(names) :]], dtype=float
        )
        shift = self._shift_matrix(self.encodings_)
        out: NDArray[np.float64] = base[None, :] * np.exp((z * gammas[None, :]) @ shift.T)
        return out

    def _encoded(self, n: int, covariates: Mapping[str, CovariateInput]) -> NDArray[np.float64]:
        """All processes' encoded covariates for ``n`` customers (a single row broadcasts)."""
        self._check_fitted()
        unknown = sorted(set(covariates) - {p.argument for p in self._processes})
        if unknown:
            raise InvalidInputError(
                f"unknown covariate arguments {unknown} (this model takes "
                f"{[p.argument for p in self._processes]})"
            )
        parts = []
        for process in self._processes:
            enc = self.encodings_[process.argument]
            given = covariates.get(process.argument)
            if not enc.names:
                if given is not None:
                    raise InvalidInputError(
                        f"'{process.argument}' given, but the model was fitted without them"
                    )
                parts.append(np.zeros((n, 0)))
                continue
            if given is None:
                raise InvalidInputError(
                    f"'{process.argument}' is required: the model was fitted with "
                    f"{list(enc.columns)}"
                )
            z = enc.transform(given, process.argument)
            if z.shape[0] == 1 and n != 1:
                z = np.repeat(z, n, axis=0)
            if z.shape[0] != n:
                raise InvalidInputError(
                    f"'{process.argument}' must have one row per customer ({n}) or one row "
                    f"(got {z.shape[0]})"
                )
            parts.append(z)
        return np.column_stack(parts) if parts else np.zeros((n, 0))

    def _by_group(
        self,
        function: Callable[..., NDArray[np.float64]],
        columns: Sequence[NDArray[np.float64]],
        covariates: Mapping[str, CovariateInput],
        n: int | None = None,
    ) -> NDArray[np.float64]:
        """``function(model, *columns)`` with each customer's own plain model (one per group)."""
        if n is None:
            n = max([_rows(self, covariates), *(len(c) for c in columns)])
        columns = [np.broadcast_to(c, (n,)).copy() if len(c) == 1 else c for c in columns]
        if any(len(c) != n for c in columns):
            raise InvalidInputError(
                f"the data columns must have one value per customer ({n}) or one value "
                f"(got lengths {[len(c) for c in columns]})"
            )
        z = self._encoded(n, covariates)
        log_params = self._params_of(z)
        unique, inverse = np.unique(log_params, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        out = np.empty(n)
        names = self._plain._param_names
        for g in range(unique.shape[0]):
            idx = np.flatnonzero(inverse == g)
            model = self._plain.from_params(dict(zip(names, unique[g].tolist(), strict=True)))
            out[idx] = function(model, *(c[idx] for c in columns))
        return out

    def log_likelihood(
        self, *columns: ArrayLike, **covariates: CovariateInput
    ) -> NDArray[np.float64]:
        """Each customer's log-likelihood: the plain model's at their own parameters.

        Parameters
        ----------
        *columns : array-like
            The data columns, as ``fit`` takes them (``frequency, recency, T`` or
            ``frequency, monetary_value``).
        **covariates
            The covariates, as at fit.

        Returns
        -------
        numpy.ndarray
            One value per customer; their sum at the fitted data is ``log_likelihood_``.

        Raises
        ------
        InvalidInputError
            Data as for the plain model; covariates missing or not as at fit.

        Examples
        --------
        >>> from privtraffic.clv import GammaGammaWithCovariates
        >>> from privtraffic.clv.gammagamma import log_likelihood
        >>> m = GammaGammaWithCovariates.from_params({"p": 6.0, "q": 4.0, "v": 15.0,
        ...     "spend:coupon": 0.0}, spend_covariates=["coupon"])
        >>> ll = m.log_likelihood([2], [35.0], spend_covariates={"coupon": [1]})
        >>> bool(ll[0] == log_likelihood((6.0, 4.0, 15.0), np.array([2.0]), np.array([35.0]))[0])
        True
        """
        plain = self._plain
        arrays = check_prediction_columns(
            plain, **dict(zip(plain._data_names, columns, strict=True))
        )
        function = self._plain_log_likelihood
        return self._by_group(
            lambda m, *c: function(tuple(m.params_[n] for n in plain._param_names), *c),
            arrays,
            covariates,
        )

    def plain_model(self, **covariates: CovariateInput) -> BTYDModel:
        """The plain model of the customers with one covariate vector.

        Every customer with covariates ``z`` follows the plain model with the parameters
        ``alpha * exp(-gamma · z)`` and so on: this returns it (built with ``from_params``), so
        that everything the plain model does (simulation, DERT, CLV, P(X(t) = n)) applies to
        them.

        Parameters
        ----------
        **covariates
            One row of each covariate argument the model was fitted with (e.g.
            ``purchase_covariates={"channel": ["douyin"]}``).

        Returns
        -------
        BTYDModel
            A :class:`~privtraffic.clv.ParetoNBD`, :class:`~privtraffic.clv.BetaGeo` or
            :class:`~privtraffic.clv.GammaGamma`.

        Raises
        ------
        InvalidInputError
            Covariates missing, unknown, not one row, or not as at fit.

        Examples
        --------
        >>> from privtraffic.clv import ParetoNBDWithCovariates
        >>> m = ParetoNBDWithCovariates.from_params({"r": 0.5, "alpha": 10.0, "s": 0.6,
        ...     "beta": 12.0, "purchase:z0": 0.5}, purchase_covariates=["z0"])
        >>> p = m.plain_model(purchase_covariates=[[1.0]])
        >>> bool(np.isclose(p.params_["alpha"], 10.0 * np.exp(-0.5)))
        True
        """
        z = self._encoded(1, covariates)
        params = self._params_of(z)[0]
        return self._plain.from_params(
            dict(zip(self._plain._param_names, params.tolist(), strict=True))
        )

    # ------------------------------------------------------------------ reporting
    def summary(self) -> ParameterSummary:
        """Estimates, standard errors and 95% intervals, the covariate rows included.

        The plain parameters' intervals are on the log scale (they are positive); a gamma's
        is ``gamma ± 1.96 se``.

        Returns
        -------
        ParameterSummary

        Examples
        --------
        >>> from privtraffic.clv import GammaGammaWithCovariates
        >>> m = GammaGammaWithCovariates.from_params({"p": 6.0, "q": 4.0, "v": 15.0,
        ...     "spend:coupon": 0.2}, spend_covariates=["coupon"])
        >>> m.summary().parameter.tolist()
        ['p', 'q', 'v', 'spend:coupon']
        """
        self._check_fitted()
        names = list(self.params_)
        estimate = np.array([self.params_[n] for n in names])
        se = np.array([self.standard_errors_[n] for n in names])
        k = len(self._plain._param_names)
        lower, upper = np.empty(len(names)), np.empty(len(names))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            half = _Z95 * se[:k] / estimate[:k]
            lower[:k] = np.exp(np.log(estimate[:k]) - half)
            upper[:k] = np.exp(np.log(estimate[:k]) + half)
        lower[k:] = estimate[k:] - _Z95 * se[k:]
        upper[k:] = estimate[k:] + _Z95 * se[k:]
        return self._parameter_summary(names, estimate, se, lower, upper)

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> str:
        """The fitted model as JSON: parameters, covariance, covariate encodings, statistics and
        ``fit_diagnostics_`` (its notes included), as the plain models write them.

        Returns
        -------
        str

        Examples
        --------
        >>> from privtraffic.clv import GammaGammaWithCovariates
        >>> m = GammaGammaWithCovariates.from_params({"p": 6.0, "q": 4.0, "v": 15.0,
        ...     "spend:coupon": 0.2}, spend_covariates=["coupon"])
        >>> GammaGammaWithCovariates.from_json(m.to_json()).params_ == m.params_
        True
        """
        self._check_fitted()
        return self._json_text(encodings={k: v.to_dict() for k, v in self.encodings_.items()})

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Rebuild a model written by :meth:`to_json`.

        Raises
        ------
        InvalidInputError
            Not JSON, another model, or malformed.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeoWithCovariates
        >>> BetaGeoWithCovariates.from_json('{"model": "ParetoNBDWithCovariates"}')
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'text' holds a 'ParetoNBDWithCovariates' model, not 'BetaGeoWithCovariates'
        """  # noqa: E501
        payload = json_payload(text, cls._model_name())
        try:
            encodings = {
                k: CovariateEncoding.from_dict(v) for k, v in dict(payload["encodings"]).items()
            }
            model = cls._from_encodings(
                dict(payload["params"]), encodings, float(payload.get("penalizer", 0.0))
            )
            cov = np.array(
                [
                    [math.nan if v is None else float(v) for v in row]
                    for row in payload["covariance"]
                ],
                dtype=np.float64,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"'text' is malformed ({exc!r})") from None
        k = len(model.params_)
        model.covariance_ = cov.reshape(k, k)
        se = np.sqrt(np.diag(model.covariance_))
        model.standard_errors_ = {n: float(v) for n, v in zip(model.params_, se, strict=True)}
        ll = payload.get("log_likelihood")
        model.log_likelihood_ = math.nan if ll is None else float(ll)
        model.n_customers_ = float(payload.get("n_customers", 0.0))
        model._read_diagnostics(payload)
        return model

    @classmethod
    def _from_encodings(
        cls,
        params: Mapping[str, float],
        encodings: Mapping[str, CovariateEncoding],
        penalizer: float,
    ) -> Self:
        model = cls(penalizer=penalizer)
        full = {p.argument: encodings.get(p.argument) for p in cls._processes}
        for argument, enc in full.items():
            if enc is None:
                full[argument] = CovariateEncoding(columns=(), levels=(), names=())
        encs = cast("dict[str, CovariateEncoding]", full)
        names = model._names(encs)
        missing = [n for n in names if n not in params]
        unknown = sorted(set(params) - set(names))
        if missing or unknown:
            what = f"missing {missing}" if missing else f"unknown {unknown}"
            raise InvalidInputError(f"'params' must give {names} ({what})")
        n_model = len(cls._plain._param_names)
        values = []
        for i, n in enumerate(names):
            v = params[n]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
                raise InvalidInputError(f"'{n}' must be a number (got {v!r})")
            v = float(v)
            if not math.isfinite(v) or (i < n_model and v <= 0):
                rule = "a finite number > 0" if i < n_model else "a finite number"
                raise InvalidInputError(f"'{n}' must be {rule} (got {v!r})")
            values.append(v)
        theta = np.array(values)
        theta[:n_model] = np.log(theta[:n_model])
        k = len(names)
        model._set(theta, np.full((k, k), np.nan), encs)
        model.log_likelihood_ = math.nan
        model.n_customers_ = 0.0
        model.n_rows_ = 0
        model.n_groups_ = 0
        model.n_iter_ = 0
        model.fit_diagnostics_ = None
        return model

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, float],
        *,
        penalizer: float = 0.0,
        **covariate_names: Sequence[str],
    ) -> Self:
        """A model with given parameters and numeric covariates, as if fitted.

        Parameters
        ----------
        params : mapping
            The plain parameters and the gammas, named ``"<process>:<covariate>"``.
        penalizer : float
            Recorded as the hyper-parameter.
        **covariate_names : sequence of str
            For each covariate argument (``purchase_covariates=["coupon", ...]``), the names
            of its numeric columns. (Categorical encodings come from ``fit``.)

        Returns
        -------
        CovariateModel

        Raises
        ------
        InvalidInputError
            A parameter missing, unknown or out of range.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeoWithCovariates
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5,
        ...     "attrition:wecom": -0.4}, attrition_covariates=["wecom"])
        >>> m.covariate_effects_
        {'purchase': {}, 'attrition': {'wecom': -0.4}}
        """
        arguments = {p.argument for p in cls._processes}
        unknown = sorted(set(covariate_names) - arguments)
        if unknown:
            raise InvalidInputError(
                f"unknown covariate arguments {unknown} (this model takes {sorted(arguments)})"
            )
        encodings = {
            a: CovariateEncoding(columns=tuple(c), levels=(), names=tuple(c))
            for a, c in covariate_names.items()
        }
        return cls._from_encodings(params, encodings, penalizer)


def _given(**covariates: CovariateInput) -> dict[str, CovariateInput]:
    """The covariate arguments that were given (not None)."""
    return {k: v for k, v in covariates.items() if v is not None}


def _rows(model: CovariateModel, given: Mapping[str, CovariateInput]) -> int:
    """How many customers the covariates describe (1 when none are given)."""
    n = 1
    model._check_fitted()
    for argument, data in given.items():
        enc = model.encodings_.get(argument)
        if enc is not None and enc.names:
            n = max(n, enc.transform(data, argument).shape[0])
    return n


def _simulate_rfm(
    model: CovariateModel,
    n: int,
    ages: NDArray[np.float64],
    given: dict[str, CovariateInput],
    rng: np.random.Generator | None,
    unit: str | float,
) -> RFMSummary:
    """Simulate each covariate group with its own plain model; rows keep their order."""
    rng = np.random.default_rng() if rng is None else rng
    z = model._encoded(n, given)
    log_params = model._params_of(z)
    unique, inverse = np.unique(log_params, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    x, rec = np.zeros(n), np.zeros(n)
    names = model._plain._param_names
    for g in range(unique.shape[0]):
        idx = np.flatnonzero(inverse == g)
        plain: BTYDModel = model._plain.from_params(
            dict(zip(names, unique[g].tolist(), strict=True))
        )
        part = plain.simulate(len(idx), ages[idx], rng=rng)  # type: ignore[attr-defined]
        x[idx], rec[idx] = part.frequency, part.recency
    return RFMSummary(customer_id=np.arange(n), frequency=x, recency=rec, T=ages, unit=unit)


def check_prediction_columns(
    plain: type[BTYDModel], **values: ArrayLike
) -> tuple[NDArray[np.float64], ...]:
    """Coerce prediction inputs (``t`` and the like first, then the data columns) and check them.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> t, x, rec, T = check_prediction_columns(BetaGeo, t=1.0, frequency=[1], recency=[2.0],
    ...     T=[3.0])
    >>> t.tolist()
    [1.0]
    """
    arrays = prediction_columns(**values)
    k = len(plain._data_names)
    plain._check_data(*arrays[len(arrays) - k :])
    return arrays


class RepeatPurchaseCovariateModel(CovariateModel):
    """Base of the repeat-buying covariate models: Pareto/NBD and BG/NBD with covariates.

    Their public methods are one set, defined here over the plain model ``_plain``
    (:class:`~privtraffic.clv.ParetoNBD` or :class:`~privtraffic.clv.BetaGeo`): the data are
    its ``frequency, recency, T``, and the covariates come in two processes,
    ``purchase_covariates`` and ``attrition_covariates``. ``params_`` holds the plain model's
    parameters (the values at ``z = 0``, i.e. at every categorical column's reference level)
    and the ``"purchase:<covariate>"`` and ``"attrition:<covariate>"`` gammas, also in
    ``covariate_effects_["purchase"]`` and ``covariate_effects_["attrition"]``; the penalizer
    is on the gammas (CLVTools' ``reg.lambdas``), as :class:`CovariateModel` says.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeoWithCovariates, ParetoNBDWithCovariates
    >>> issubclass(BetaGeoWithCovariates, RepeatPurchaseCovariateModel)
    True
    >>> ParetoNBDWithCovariates._plain.__name__
    'ParetoNBD'
    """

    def fit(
        self,
        frequency: DataInput,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
        weights: ArrayLike | None = None,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
        reference: dict[str, str] | None = None,
    ) -> Self:
        """Fit by maximum likelihood, starting from the plain model's estimates.

        Parameters
        ----------
        frequency, recency, T, weights :
            As :meth:`ParetoNBD.fit <privtraffic.clv.ParetoNBD.fit>` (a table, or columns).
        purchase_covariates, attrition_covariates : DataFrame, mapping or 2-D array, optional
            One row per customer; either may be left out (no covariate in that process).
        reference : dict of str to str, optional
            Reference levels of categorical columns (see
            :func:`~privtraffic.clv.covariates.encode_covariates`).

        Returns
        -------
        CovariateModel
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Data as for the plain model; covariates of the wrong length, constant, or with
            NaN/inf; a penalizer < 0.
        ConvergenceError
            No finite optimum.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeoWithCovariates, ParetoNBDWithCovariates
        >>> from privtraffic.data import load_cdnow
        >>> s = load_cdnow("summary")
        >>> z = {"z0": np.zeros(len(s))}
        >>> ParetoNBDWithCovariates().fit(s, purchase_covariates=z)
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'purchase_covariates' column 'z0' is constant (0.0): its effect is not identified
        >>> BetaGeoWithCovariates().fit(s, purchase_covariates=z)
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidInputError: 'purchase_covariates' column 'z0' is constant (0.0): its effect is not identified
        """  # noqa: E501
        self._fit(
            {"frequency": frequency, "recency": recency, "T": T},
            weights,
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
            reference,
        )
        return self

    def probability_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """P(alive at T | history, covariates) of each customer.

        Covariates are given as at fit (one row per customer, or one row for all).

        Returns
        -------
        numpy.ndarray
            Values in [0, 1], one per customer.

        Raises
        ------
        InvalidInputError
            Data the plain model's ``probability_alive`` refuses; covariates missing or not as
            at fit.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeo, BetaGeoWithCovariates, ParetoNBDWithCovariates
        >>> m = ParetoNBDWithCovariates.from_params({"r": 0.55, "alpha": 10.6, "s": 0.6,
        ...     "beta": 11.7, "attrition:wecom": -1.0}, attrition_covariates=["wecom"])
        >>> p = m.probability_alive(0, 0, 38.0, attrition_covariates={"wecom": [0, 1]})
        >>> bool(p[1] > p[0])  # WeCom members drop out less
        True
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "attrition:wecom": -1.0}, attrition_covariates=["wecom"])
        >>> p = m.probability_alive(3, 20.0, 38.0, attrition_covariates={"wecom": [0, 1]})
        >>> plain = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8 / np.e, b=2.4 / np.e)
        >>> bool(np.isclose(p[1], plain.probability_alive(3, 20.0, 38.0)[0]))
        True
        """
        columns = check_prediction_columns(self._plain, frequency=frequency, recency=recency, T=T)
        return self._by_group(
            lambda m, *c: m.probability_alive(*c),
            columns,
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
        )

    def expected_purchases(
        self,
        t: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """Expected purchases in (T, T + t] given history and covariates.

        Returns
        -------
        numpy.ndarray
            Non-negative expectations, one per customer.

        Raises
        ------
        InvalidInputError
            As :meth:`probability_alive`, or a negative ``t``.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeoWithCovariates, ParetoNBDWithCovariates
        >>> m = ParetoNBDWithCovariates.from_params({"r": 0.55, "alpha": 10.6, "s": 0.6,
        ...     "beta": 11.7, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> e = m.expected_purchases(52, 2, 30.0, 38.0, purchase_covariates={"coupon": [0, 1]})
        >>> bool(e[1] > e[0])
        True
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> e = m.expected_purchases(52, 2, 30.0, 38.0, purchase_covariates={"coupon": [0, 1]})
        >>> bool(e[1] > e[0])
        True
        """
        columns = check_prediction_columns(
            self._plain, t=t, frequency=frequency, recency=recency, T=T
        )
        check_horizon(columns[0])
        return self._by_group(
            lambda m, *c: m.expected_purchases(*c),
            columns,
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
        )

    def expected_purchases_new(
        self,
        t: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
    ) -> NDArray[np.float64]:
        """E[X(t)] of a customer just acquired with the given covariates.

        Returns
        -------
        numpy.ndarray
            One expectation per customer (or per ``t``).

        Raises
        ------
        InvalidInputError
            A negative ``t``; covariates missing or not as at fit.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeoWithCovariates, ParetoNBDWithCovariates
        >>> m = ParetoNBDWithCovariates.from_params({"r": 0.55, "alpha": 10.6, "s": 0.6,
        ...     "beta": 11.7, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> e = m.expected_purchases_new(52, purchase_covariates={"coupon": [0, 1]})
        >>> round(float(e[1] / e[0]), 4) == round(float(np.exp(0.5)), 4)  # rate x exp(0.5)
        True
        >>> m = BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...     "b": 2.4, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])
        >>> e = m.expected_purchases_new(52, purchase_covariates={"coupon": [0, 1]})
        >>> bool(e[1] > e[0])  # a higher purchase rate
        True
        """
        (t_arr,) = prediction_columns(t=t)
        check_horizon(t_arr)
        return self._by_group(
            lambda m, tt: m.expected_purchases_new(tt),
            (t_arr,),
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
        )

    def simulate(
        self,
        n: int,
        T: ArrayLike,
        *,
        purchase_covariates: CovariateInput = None,
        attrition_covariates: CovariateInput = None,
        rng: np.random.Generator | None = None,
        unit: str | float = 7.0,
    ) -> RFMSummary:
        """Draw ``n`` customers with the given covariates (one row each, or one for all).

        Returns
        -------
        RFMSummary

        Raises
        ------
        InvalidInputError
            As :meth:`ParetoNBD.simulate <privtraffic.clv.ParetoNBD.simulate>`; covariates
            not as at fit.

        Examples
        --------
        >>> from privtraffic.clv import BetaGeoWithCovariates, ParetoNBDWithCovariates
        >>> for m in (ParetoNBDWithCovariates.from_params({"r": 0.55, "alpha": 10.6, "s": 0.6,
        ...         "beta": 11.7, "purchase:coupon": 0.5}, purchase_covariates=["coupon"]),
        ...     BetaGeoWithCovariates.from_params({"r": 0.25, "alpha": 4.4, "a": 0.8,
        ...         "b": 2.4, "purchase:coupon": 0.5}, purchase_covariates=["coupon"])):
        ...     s = m.simulate(10, 38.0, purchase_covariates={"coupon": [1]},
        ...         rng=np.random.default_rng(0))
        ...     print(len(s))
        10
        10
        """
        return _simulate_rfm(
            self,
            n,
            simulation_ages(n, T),
            _given(
                purchase_covariates=purchase_covariates, attrition_covariates=attrition_covariates
            ),
            rng,
            unit,
        )
