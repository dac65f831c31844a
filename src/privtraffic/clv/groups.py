"""One model per cohort or acquisition channel: :func:`fit_by_group`.

The alternative to a covariate model: fit the same model separately on each group's customers
and compare the groups' parameters and fits side by side. Every parameter may differ between
groups (a covariate model lets only the scaled ones differ), at the price of fewer customers
behind each estimate.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_ids
from privtraffic.clv._base import BTYDModel, DataInput, float_column, str_column, table_columns
from privtraffic.errors import InvalidInputError

__all__ = ["GroupFits", "fit_by_group"]


@attrs.frozen(eq=False, repr=False)
class GroupFits(ColumnarTable):
    """One fitted model per group, as a table (what :func:`fit_by_group` returns).

    Attributes
    ----------
    group : numpy.ndarray
        The group labels (as strings), sorted.
    n_customers, log_likelihood : numpy.ndarray
        Customers and total log-likelihood of each group's fit.
    params : dict of str to numpy.ndarray
        Each parameter's estimate by group (also columns of the table).
    standard_errors : dict of str to numpy.ndarray
        Their standard errors.
    models : dict of str to BTYDModel
        The fitted models by group label.

    Examples
    --------
    >>> t = GroupFits(group=["a"], n_customers=[10.0], log_likelihood=[-5.0],
    ...     params={"p": np.array([0.5])}, standard_errors={"p": np.array([0.1])}, models={})
    >>> t.columns()["p"].tolist()
    [0.5]
    """

    group: NDArray[np.str_] = attrs.field(converter=str_column)
    n_customers: NDArray[np.float64] = attrs.field(converter=float_column)
    log_likelihood: NDArray[np.float64] = attrs.field(converter=float_column)
    params: dict[str, NDArray[np.float64]]
    standard_errors: dict[str, NDArray[np.float64]]
    models: dict[str, Any]

    def columns(self) -> dict[str, NDArray[Any]]:
        """``group``, ``n_customers``, ``log_likelihood`` and one column per parameter.

        Examples
        --------
        >>> GroupFits(["a"], [1.0], [-1.0], {"p": np.ones(1)}, {"p": np.ones(1)}, {}).columns()[
        ...     "group"].tolist()
        ['a']
        """
        return {
            "group": self.group,
            "n_customers": self.n_customers,
            "log_likelihood": self.log_likelihood,
            **self.params,
        }

    @property
    def total_log_likelihood(self) -> float:
        """Sum of the groups' log-likelihoods (compare with one model fitted on everyone).

        Examples
        --------
        >>> GroupFits(["a", "b"], [1, 1], [-1.0, -2.0], {}, {}, {}).total_log_likelihood
        -3.0
        """
        return float(self.log_likelihood.sum())

    def __repr__(self) -> str:
        names = list(self.params)
        lines = [
            f"{'group':>12} {'customers':>10} {'loglik':>12} " + " ".join(f"{n:>10}" for n in names)
        ]
        for i, g in enumerate(self.group.tolist()):
            values = " ".join(f"{self.params[n][i]:>10.4g}" for n in names)
            lines.append(
                f"{g:>12} {self.n_customers[i]:>10,.0f} {self.log_likelihood[i]:>12.4f} {values}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        names = list(self.params)
        rows = [
            [g, self.n_customers[i], self.log_likelihood[i], *(self.params[n][i] for n in names)]
            for i, g in enumerate(self.group.tolist())
        ]
        return html_table(
            rows, ["group", "customers", "log_likelihood", *names], title="Fits by group"
        )


def fit_by_group(model: BTYDModel, summary: DataInput, groups: ArrayLike) -> GroupFits:
    """Fit a fresh copy of ``model`` on each group's customers.

    Parameters
    ----------
    model : BTYDModel
        An estimator (fitted or not; its ``penalizer`` is kept); it is not changed.
    summary : RFMSummary, pandas.DataFrame or mapping
        The customers' data: the columns ``model`` fits on (``frequency``, ``recency``, ``T``
        or ``frequency``, ``monetary_value``), and optionally ``weights``.
    groups : array-like
        Each customer's group (cohort, acquisition channel), one per row.

    Returns
    -------
    GroupFits
        One row per group, sorted by label.

    Raises
    ------
    InvalidInputError
        ``summary`` not a table or missing a column, ``groups`` of another length or with
        missing labels, or a group's data the model rejects.
    ConvergenceError
        A group's fit found no finite optimum.

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> from privtraffic.data import load_cdnow
    >>> s = load_cdnow("summary")
    >>> cohort = np.where(np.arange(len(s)) % 2 == 0, "even", "odd")
    >>> fits = fit_by_group(BetaGeo(), s, cohort)
    >>> fits.group.tolist(), fits.n_customers.tolist()
    (['even', 'odd'], [1179.0, 1178.0])
    """
    names = model._data_names
    table = table_columns(summary, names, optional=("weights",))
    if table is None:
        raise InvalidInputError(
            f"'summary' must be a table with the columns {list(names)} (an RFMSummary, a "
            "DataFrame or a mapping)"
        )
    labels = as_ids(groups, "groups").astype(str)
    columns = {n: np.asarray(table[n]) for n in table}
    n = len(columns[names[0]])
    if len(labels) != n:
        raise InvalidInputError(
            f"'groups' must have one label per customer ({n}; got {len(labels)})"
        )
    found = sorted(set(labels.tolist()))
    fitted: dict[str, Any] = {}
    param_values: dict[str, list[float]] = {p: [] for p in model._param_names}
    se_values: dict[str, list[float]] = {p: [] for p in model._param_names}
    customers, loglik = [], []
    for g in found:
        idx = np.flatnonzero(labels == g)
        part = {k: v[idx] for k, v in columns.items()}
        m = type(model)(penalizer=model.penalizer)
        m._fit(part, part.get("weights"))
        fitted[g] = m
        for p in model._param_names:
            param_values[p].append(m.params_[p])
            se_values[p].append(m.standard_errors_.get(p, math.nan))
        customers.append(m.n_customers_)
        loglik.append(m.log_likelihood_)
    return GroupFits(
        group=found,
        n_customers=customers,
        log_likelihood=loglik,
        params={p: np.array(v) for p, v in param_values.items()},
        standard_errors={p: np.array(v) for p, v in se_values.items()},
        models=fitted,
    )
