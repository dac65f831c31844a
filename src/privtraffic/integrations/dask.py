"""BTYD models on transaction logs that do not fit one machine, with Dask.

Fitting a BTYD model needs only the weighted histogram of distinct
``(frequency, recency, T)`` rows, which an engine computes with two group-bys; scoring is a
pure function of each customer's row. So the recipe is:

1. :func:`summarize_transactions`: a Dask DataFrame of transactions ``(customer_id,
   timestamp, value)`` → one RFM row per customer, by a shuffle on the customer id and
   pandas group-bys per partition (same day merge, same conventions as
   :func:`privtraffic.data.summarize_transactions`).
2. :func:`rfm_histogram` / :func:`fit_transaction_model`: the histogram (a second group-by,
   small), brought to the client and fitted there with the weights; :func:`fit_spend_model`
   fits a Gamma-Gamma spend model on the repeat buyers' ``(frequency, monetary_value)``.
3. :func:`score_customers`: ``expected_purchases``, ``probability_alive`` and, with a spend
   model, the expected spend and CLV per customer, with ``map_partitions``. The fitted
   models travel to the workers as their JSON, never pickled.

The raw transactions are never collected in one process. Requires the ``dask`` extra
(``pip install privtraffic[dask]``); ``import privtraffic`` does not import this module.

Examples
--------
>>> import pandas as pd
>>> import dask.dataframe as dd
>>> from privtraffic.data import load_cdnow
>>> log = load_cdnow("transactions")
>>> frame = pd.DataFrame({"customer_id": log.customer_id, "timestamp": log.timestamp,
...                       "value": log.value})
>>> transactions = dd.from_pandas(frame, npartitions=4)
>>> summary = summarize_transactions(transactions, unit="W")
>>> model = fit_transaction_model(summary)

The same estimates as the in-memory path:

>>> from privtraffic.clv import BetaGeo
>>> from privtraffic.data import summarize_transactions as summarize_in_memory
>>> local = summarize_in_memory(log, unit="W")
>>> BetaGeo().fit(local.frequency, local.recency, local.T).params_ == model.params_
True
>>> scores = score_customers(summary, model, t=52).compute()
>>> len(scores), list(scores.columns)
(2357, ['customer_id', 'expected_purchases', 'probability_alive'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, TypedDict, TypeVar, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import (
    as_datetime64,
    as_float_array,
    day_number,
    first_index,
    unit_days,
)
from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import dask.dataframe as dd
    import pandas as pd
    from typing_extensions import Self

    from privtraffic.clv import BetaGeo, GammaGamma
    from privtraffic.data import Moment

__all__ = [
    "fit_spend_model",
    "fit_transaction_model",
    "rfm_histogram",
    "score_customers",
    "summarize_transactions",
]

_SECONDS_PER_DAY = 86_400


class _TransactionFitter(Protocol):
    """An unfitted transaction model: ``fit(frequency, recency, T, weights=...)``."""

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, weights: ArrayLike
    ) -> Self: ...


class _SpendFitter(Protocol):
    """An unfitted spend model: ``fit(frequency, monetary_value, weights=...)``."""

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, *, weights: ArrayLike
    ) -> Self: ...


class _ScoringModel(Protocol):
    """A fitted transaction model that travels as JSON (BetaGeo, ParetoNBD, ...)."""

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]: ...

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]: ...

    def to_json(self) -> str: ...

    @classmethod
    def from_json(cls, text: str) -> Self: ...


class _ScoringSpendModel(Protocol):
    """A fitted spend model that travels as JSON (GammaGamma)."""

    def expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> NDArray[np.float64]: ...

    def to_json(self) -> str: ...

    @classmethod
    def from_json(cls, text: str) -> Self: ...


class _CLVOptions(TypedDict):
    """The keywords :func:`score_customers` passes on to ``customer_lifetime_value``."""

    horizon: int
    discount_rate: float
    unit: str | float
    margin: float


_Fitter = TypeVar("_Fitter", bound=_TransactionFitter)
_SpendFitterT = TypeVar("_SpendFitterT", bound=_SpendFitter)


# ------------------------------------------------------------------------ per-partition steps
def _purchase_rows(
    frame: pd.DataFrame,
    customer_id: str,
    timestamp: str,
    value: str | None,
    end_day: int | None,
    partition_info: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Validate one partition of raw transactions; return ``customer_id, day, value`` rows."""
    import pandas as pd

    where = f" in partition {partition_info['number']}" if partition_info else ""
    ids = frame[customer_id]
    missing = ids.isna().to_numpy()
    i = first_index(missing)
    if i >= 0:
        raise InvalidInputError(
            f"'{customer_id}' must not be missing (got {ids.iloc[i]!r} at index {i}{where})"
        )
    try:
        seconds = as_datetime64(frame[timestamp], timestamp).astype(np.int64)
        amounts = None if value is None else as_float_array(frame[value], value)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{exc}{where}") from None
    if amounts is not None:
        i = first_index(amounts < 0)
        if i >= 0:
            raise InvalidInputError(
                f"'{value}' must be >= 0: a refund is not a purchase, net it into the purchase "
                f"it reverses before summarising (got {float(amounts[i])!r} at index {i}{where})"
            )
    days = seconds // _SECONDS_PER_DAY
    if end_day is not None:
        i = first_index(days > end_day)
        if i >= 0:
            raise InvalidInputError(
                f"'observation_end' must be on or after every transaction (got "
                f"{np.datetime64(end_day, 'D')} < {np.datetime64(int(days[i]), 'D')} "
                f"at index {i}{where})"
            )
    out = {"customer_id": ids.to_numpy(), "day": days}
    out["value"] = np.zeros(len(days)) if amounts is None else amounts
    rows: pd.DataFrame = pd.DataFrame(out, index=frame.index)
    return rows


def _customer_rows(
    frame: pd.DataFrame, end_day: int | np.integer, unit: float, with_value: bool
) -> pd.DataFrame:
    """One RFM row per customer of a partition that holds all of each customer's purchases."""
    import pandas as pd

    end = int(end_day)
    purchases = (
        frame.groupby(["customer_id", "day"], sort=True, observed=True)["value"].sum().reset_index()
    )
    first_day = purchases.groupby("customer_id", sort=False, observed=True)["day"].transform("min")
    purchases["repeat_value"] = purchases["value"].where(purchases["day"] != first_day, 0.0)
    per_customer = purchases.groupby("customer_id", sort=True, observed=True).agg(
        first_day=("day", "min"),
        last_day=("day", "max"),
        n_purchases=("day", "size"),
        repeat_value=("repeat_value", "sum"),
    )
    frequency = per_customer["n_purchases"].to_numpy(dtype=np.int64) - 1
    first = per_customer["first_day"].to_numpy(dtype=np.int64)
    out: dict[str, NDArray[np.generic]] = {
        "customer_id": per_customer.index.to_numpy(),
        "frequency": frequency,
        "recency": (per_customer["last_day"].to_numpy(dtype=np.int64) - first) / unit,
        "T": (end - first) / unit,
    }
    if with_value:
        repeat = per_customer["repeat_value"].to_numpy(dtype=np.float64)
        out["monetary_value"] = np.divide(
            repeat, frequency, out=np.zeros(len(first)), where=frequency > 0
        )
    customers: pd.DataFrame = pd.DataFrame(out)
    return customers


def _score_rows(
    frame: pd.DataFrame,
    model_type: type[_ScoringModel],
    model_json: str,
    t: float,
    spend_type: type[_ScoringSpendModel] | None,
    spend_json: str | None,
    clv_options: _CLVOptions | None,
) -> pd.DataFrame:
    """Score one partition of the RFM summary with models rebuilt from their JSON."""
    import pandas as pd

    model = model_type.from_json(model_json)
    f = frame["frequency"].to_numpy(dtype=np.float64)
    r = frame["recency"].to_numpy(dtype=np.float64)
    T = frame["T"].to_numpy(dtype=np.float64)
    out: dict[str, NDArray[np.generic]] = {"customer_id": frame["customer_id"].to_numpy()}
    if len(frame) == 0:
        out["expected_purchases"] = np.zeros(0)
        out["probability_alive"] = np.zeros(0)
        if spend_type is not None:
            out["expected_spend"] = np.zeros(0)
            out["clv"] = np.zeros(0)
        empty: pd.DataFrame = pd.DataFrame(out)
        return empty
    out["expected_purchases"] = np.asarray(model.expected_purchases(t, f, r, T), dtype=np.float64)
    out["probability_alive"] = np.asarray(model.probability_alive(f, r, T), dtype=np.float64)
    if spend_type is not None and spend_json is not None:
        from privtraffic.clv import customer_lifetime_value

        spend = spend_type.from_json(spend_json)
        m = frame["monetary_value"].to_numpy(dtype=np.float64)
        out["expected_spend"] = np.asarray(spend.expected_spend(f, m), dtype=np.float64)
        if clv_options is None:  # pragma: no cover - score_customers always sends them
            raise InvalidInputError("'clv_options' are required with a spend model")
        out["clv"] = np.asarray(
            customer_lifetime_value(model, spend, f, r, T, m, **clv_options),
            dtype=np.float64,
        )
    scores: pd.DataFrame = pd.DataFrame(out)
    return scores


# ------------------------------------------------------------------------------ public API
def _require_columns(transactions: dd.DataFrame, names: Mapping[str, str | None]) -> None:
    columns = list(transactions.columns)
    for argument, column in names.items():
        if column is not None and column not in columns:
            raise InvalidInputError(
                f"'{argument}' names a column the transactions do not have (got {column!r}; "
                f"columns: {columns})"
            )


def summarize_transactions(
    transactions: dd.DataFrame,
    *,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    value: str | None = "value",
    unit: str | float = "W",
    observation_end: Moment | None = None,
    npartitions: int | None = None,
) -> dd.DataFrame:
    """Per-customer RFM summary of a Dask DataFrame of transactions, computed on the cluster.

    The conventions are those of :func:`privtraffic.data.summarize_transactions` with
    ``merge_same_day=True``: purchases are distinct (customer, day) pairs with their values
    summed, ``frequency`` counts repeat purchases, ``recency`` and ``T`` are in ``unit``,
    ``monetary_value`` is the mean value of the repeat purchases (0 without any). The log is
    validated partition by partition, shuffled on the customer id, then reduced with two
    pandas group-bys per partition (per (customer, day), then per customer).

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per transaction.
    customer_id, timestamp : str
        Column names of the customer id (integers or strings) and the transaction time
        (datetimes or ISO 8601 strings; only the day is used).
    value : str or None, default "value"
        Column name of the transaction value (``>= 0``); ``None`` for no monetary column.
    unit : {"W", "D", "M"} or float, default "W"
        Unit of ``recency`` and ``T``: days, weeks of 7 days, months of 365.25 / 12 days, or a
        positive number of days.
    observation_end : timestamp, optional
        Last day of observation, inclusive; by default the day of the last transaction
        (computed lazily in the same pass). A later transaction is an error.
    npartitions : int, optional
        Partitions of the summary (default: those of ``transactions``).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; columns ``customer_id, frequency, recency, T`` (and ``monetary_value``), one row
        per customer, each customer in exactly one partition. ``persist()`` it when it is
        used for both fitting and scoring.

    Raises
    ------
    InvalidInputError
        A named column is missing, ``unit`` is unknown or ``observation_end`` is not a
        timestamp (at once); when computed: a missing id, an unparseable or missing timestamp,
        a missing, infinite or negative value, or a transaction after ``observation_end``,
        each named with its index within its partition.

    Notes
    -----
    A calibration/holdout split is not provided here: filter the transactions to the
    calibration period (``timestamp <= calibration_end``) and pass
    ``observation_end=calibration_end``. Same-day merging cannot be switched off on this path
    (the first purchase of a customer with several transactions at the same second would
    depend on the shuffle's row order).

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> frame = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-01", "2024-01-15"]),
    ...     "value": [10.0, 7.0, 5.0, 20.0],
    ... })
    >>> s = summarize_transactions(dd.from_pandas(frame, npartitions=2)).compute()
    >>> s.sort_values("customer_id").to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'customer_id': ['a', 'b'], 'frequency': [1, 0], 'recency': [2.0, 0.0], 'T': [2.0, 1.0],
     'monetary_value': [20.0, 0.0]}
    """
    import pandas as pd

    if not hasattr(transactions, "map_partitions") or not hasattr(transactions, "columns"):
        raise InvalidInputError(
            f"'transactions' must be a dask DataFrame (got {type(transactions).__name__})"
        )
    _require_columns(
        transactions, {"customer_id": customer_id, "timestamp": timestamp, "value": value}
    )
    id_dtype = transactions[customer_id].dtype
    if id_dtype.kind == "f" or id_dtype.kind == "b":
        raise InvalidInputError(
            f"'{customer_id}' must hold integers or strings (got dtype {id_dtype})"
        )
    length = unit_days(unit)
    end_day = None if observation_end is None else day_number(observation_end, "observation_end")

    id_meta = transactions._meta[customer_id].to_numpy()
    rows_meta = pd.DataFrame(
        {
            "customer_id": id_meta,
            "day": np.zeros(0, dtype=np.int64),
            "value": np.zeros(0, dtype=np.float64),
        }
    )
    rows = transactions.map_partitions(
        _purchase_rows, customer_id, timestamp, value, end_day, meta=rows_meta
    )
    end = rows["day"].max() if end_day is None else end_day
    shuffled = rows.shuffle(on="customer_id", npartitions=npartitions)
    summary_meta = pd.DataFrame(
        {
            "customer_id": id_meta,
            "frequency": np.zeros(0, dtype=np.int64),
            "recency": np.zeros(0),
            "T": np.zeros(0),
        }
    )
    if value is not None:
        summary_meta["monetary_value"] = np.zeros(0)
    summary: dd.DataFrame = shuffled.map_partitions(
        _customer_rows, end, length, value is not None, meta=summary_meta
    )
    return summary


def rfm_histogram(summary: dd.DataFrame) -> pd.DataFrame:
    """The weighted histogram of distinct ``(frequency, recency, T)`` rows, computed locally.

    This is all a BTYD transaction model needs to be fitted: its log-likelihood is a
    weighted sum over distinct rows. It is small (at day resolution, at most a few distinct
    ``T`` per acquisition day), so it is brought to the client.

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


@overload
def fit_transaction_model(summary: dd.DataFrame, model: None = None) -> BetaGeo: ...
@overload
def fit_transaction_model(summary: dd.DataFrame, model: _Fitter) -> _Fitter: ...


def fit_transaction_model(
    summary: dd.DataFrame, model: _TransactionFitter | None = None
) -> _TransactionFitter:
    """Fit a BTYD transaction model on the cluster's RFM summary, through its histogram.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions`.
    model : BTYD model, optional
        An unfitted :class:`~privtraffic.clv.BetaGeo` (default) or another model whose
        ``fit(frequency, recency, T, weights=...)`` takes the same data.

    Returns
    -------
    BTYD model
        ``model``, fitted: the same estimates as fitting the in-memory summary.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from privtraffic.data import load_cdnow
    >>> s = load_cdnow("summary").to_pandas()
    >>> m = fit_transaction_model(dd.from_pandas(s, npartitions=3))
    >>> round(m.params_["r"], 3)
    0.243
    """
    if model is None:
        from privtraffic.clv import BetaGeo

        model = BetaGeo()
    hist = rfm_histogram(summary)
    return model.fit(
        hist["frequency"].to_numpy(),
        hist["recency"].to_numpy(),
        hist["T"].to_numpy(),
        weights=hist["weights"].to_numpy(),
    )


@overload
def fit_spend_model(summary: dd.DataFrame, model: None = None) -> GammaGamma: ...
@overload
def fit_spend_model(summary: dd.DataFrame, model: _SpendFitterT) -> _SpendFitterT: ...


def fit_spend_model(summary: dd.DataFrame, model: _SpendFitter | None = None) -> _SpendFitter:
    """Fit a spend model on the repeat buyers' ``(frequency, monetary_value)``, locally.

    The Gamma-Gamma likelihood has no small sufficient statistic (spend is continuous), so
    the two columns of the repeat buyers, one row per distinct pair with its weight, are
    brought to the client: at most 24 bytes per repeat buyer, never the transactions.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions` with a ``monetary_value`` column.
    model : spend model, optional
        An unfitted :class:`~privtraffic.clv.GammaGamma` (default).

    Returns
    -------
    spend model
        ``model``, fitted.

    Raises
    ------
    InvalidInputError
        The summary has no ``monetary_value`` column.

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
    repeat = summary[summary["frequency"] > 0]
    pairs = repeat.groupby(["frequency", "monetary_value"]).size().compute()
    pairs = pairs.rename("weights").reset_index()
    return model.fit(
        pairs["frequency"].to_numpy(),
        pairs["monetary_value"].to_numpy(),
        weights=pairs["weights"].to_numpy(),
    )


def score_customers(
    summary: dd.DataFrame,
    model: _ScoringModel,
    *,
    t: float,
    spend_model: _ScoringSpendModel | None = None,
    horizon: int | None = None,
    discount_rate: float | None = None,
    unit: str | float | None = None,
    margin: float = 1.0,
) -> dd.DataFrame:
    """Score every customer with ``map_partitions``: purchases, P(alive) and CLV.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions`.
    model : fitted BTYD model
        Has ``expected_purchases(t, f, r, T)``, ``probability_alive(f, r, T)``, ``to_json``.
    t : float
        Horizon of ``expected_purchases``, in the summary's unit.
    spend_model : fitted spend model, optional
        A fitted :class:`~privtraffic.clv.GammaGamma`; adds ``expected_spend`` and ``clv``
        (:func:`privtraffic.clv.customer_lifetime_value`).
    horizon : int, optional
        CLV horizon in months; required with ``spend_model``.
    discount_rate : float, optional
        Monthly discount rate; required with ``spend_model``.
    unit : {"W", "D", "M"} or float, optional
        The summary's time unit (as given to :func:`summarize_transactions`); required with
        ``spend_model``.
    margin : float, default 1.0
        Fraction of spend that is margin.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; ``customer_id, expected_purchases, probability_alive`` (and ``expected_spend,
        clv``), partitioned like ``summary``.

    Raises
    ------
    InvalidInputError
        ``spend_model`` without ``horizon``, ``discount_rate`` and ``unit``, or a summary
        without ``monetary_value``; bad CLV options are reported when computed.
    NotFittedError
        An unfitted model.

    Notes
    -----
    The models are sent to the workers as ``(class, to_json())`` and rebuilt with
    ``from_json`` there: no pickled model state, and the predictions equal the local model's.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
    >>> s = dd.from_pandas(pd.DataFrame({"customer_id": [1, 2], "frequency": [0, 3],
    ...     "recency": [0.0, 20.0], "T": [30.0, 30.0]}), npartitions=2)
    >>> scores = score_customers(s, m, t=10).compute()
    >>> [round(x, 4) for x in scores["probability_alive"]] == [
    ...     round(float(x), 4) for x in m.probability_alive([0, 3], [0.0, 20.0], [30.0, 30.0])]
    True
    """
    import pandas as pd

    model_json = model.to_json()  # raises NotFittedError before any work is sent
    spend_json = None
    options: _CLVOptions | None = None
    columns: dict[str, NDArray[np.generic]] = {
        "customer_id": summary._meta["customer_id"].to_numpy(),
        "expected_purchases": np.zeros(0),
        "probability_alive": np.zeros(0),
    }
    if spend_model is not None:
        if horizon is None or discount_rate is None or unit is None:
            raise InvalidInputError(
                "'horizon', 'discount_rate' and 'unit' are required with a spend_model (got "
                f"horizon={horizon!r}, discount_rate={discount_rate!r}, unit={unit!r})"
            )
        if "monetary_value" not in list(summary.columns):
            raise InvalidInputError(
                "'summary' must have a 'monetary_value' column to score with a spend_model"
            )
        spend_json = spend_model.to_json()
        options = _CLVOptions(
            horizon=horizon, discount_rate=discount_rate, unit=unit, margin=margin
        )
        columns["expected_spend"] = np.zeros(0)
        columns["clv"] = np.zeros(0)
    scores: dd.DataFrame = summary.map_partitions(
        _score_rows,
        type(model),
        model_json,
        float(t),
        None if spend_model is None else type(spend_model),
        spend_json,
        options,
        meta=pd.DataFrame(columns),
    )
    return scores
