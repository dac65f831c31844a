"""Transaction logs on Dask to one RFM row per customer, with a calibration/holdout split.

The log is validated partition by partition, brought together by customer (a shuffle on the
customer id, skipped when the partitions already hold whole customers), and reduced per
partition in two steps:

1. per customer, the history that does not depend on the observation end: first and last
   calibration purchase days, number of calibration purchases, spend on the repeat ones,
   holdout purchases and spend (one row per customer, including those first seen in the
   holdout);
2. the summary columns, once the observation end is known (it defaults to the last
   transaction's day, a reduction over the whole log).

Step 1 is where the work is; its output is small (one row per customer), so waiting for the
end day in step 2 holds only that, never the transactions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
from numpy.typing import NDArray

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

    from privtraffic.data import Moment

__all__ = ["new_in_holdout", "summarize_transactions"]

_SECONDS_PER_DAY = 86_400

#: ``assume_partitioned_by_customer``: shuffle, trust the caller, or trust and verify.
Partitioning = bool | Literal["check"]


def _date(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


# ------------------------------------------------------------------------ per-partition steps
def _purchase_rows(
    frame: pd.DataFrame,
    customer_id: str,
    id_in_index: bool,
    timestamp: str,
    value: str | None,
    end_day: int | None,
    partition_info: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Validate one partition of raw transactions; return ``customer_id, day, value`` rows.

    With ``id_in_index`` the ids stay in the index (so the input's divisions stay valid).
    """
    import pandas as pd

    where = f" in partition {partition_info['number']}" if partition_info else ""
    ids = frame.index if id_in_index else frame[customer_id]
    missing = np.asarray(ids.isna())
    i = first_index(missing)
    if i >= 0:
        got = ids.to_numpy()[i]
        raise InvalidInputError(
            f"'{customer_id}' must not be missing (got {got!r} at index {i}{where})"
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
                f"{_date(end_day)} < {_date(int(days[i]))} at index {i}{where})"
            )
    values = np.zeros(len(days)) if amounts is None else amounts
    if id_in_index:
        index = pd.Index(ids.to_numpy(), name="customer_id")
        keyed: pd.DataFrame = pd.DataFrame({"day": days, "value": values}, index=index)
        return keyed
    rows: pd.DataFrame = pd.DataFrame(
        {"customer_id": ids.to_numpy(), "day": days, "value": values}, index=frame.index
    )
    return rows


def _customer_history(
    frame: pd.DataFrame, cal_day: int | None, ids_in_index: bool, index_output: bool
) -> pd.DataFrame:
    """Per customer of a partition holding all of each customer's purchases: the history.

    Columns ``first_day, last_day, n_purchases, repeat_value`` of the calibration period (the
    whole log without ``cal_day``) and, with ``cal_day``, ``holdout_purchases,
    holdout_value``. A customer first seen in the holdout has ``n_purchases == 0`` and
    ``first_day`` the day of their first (holdout) purchase.
    """
    import pandas as pd

    ids = frame.index.to_numpy() if ids_in_index else frame["customer_id"].to_numpy()
    log = pd.DataFrame({"customer_id": ids, "day": frame["day"].to_numpy(),
                        "value": frame["value"].to_numpy()})  # fmt: skip
    # Purchases: one per customer and day, the day's values summed.
    purchases = log.groupby(["customer_id", "day"], sort=True)["value"].sum().reset_index()
    if cal_day is None:
        calibration, holdout = purchases, None
    else:
        in_calibration = (purchases["day"] <= cal_day).to_numpy()
        calibration, holdout = purchases[in_calibration], purchases[~in_calibration]
    first = calibration.groupby("customer_id", sort=False)["day"].transform("min")
    repeat_value = calibration["value"].where(calibration["day"] != first, 0.0)
    history = (
        calibration.assign(repeat_value=repeat_value, valued_repeat=repeat_value > 0)
        .groupby("customer_id", sort=True)
        .agg(
            first_day=("day", "min"),
            last_day=("day", "max"),
            n_purchases=("day", "size"),
            repeat_value=("repeat_value", "sum"),
            valued_repeats=("valued_repeat", "sum"),
        )
    )
    if holdout is not None:
        held = holdout.groupby("customer_id", sort=True).agg(
            holdout_first=("day", "min"),
            holdout_purchases=("day", "size"),
            holdout_value=("value", "sum"),
        )
        history = history.join(held, how="outer", sort=True)
        new = history["n_purchases"].isna().to_numpy()
        history["first_day"] = history["first_day"].where(~new, history["holdout_first"])
        history = history.drop(columns="holdout_first").fillna(
            {"last_day": -1, "n_purchases": 0, "repeat_value": 0.0, "valued_repeats": 0,
             "holdout_purchases": 0, "holdout_value": 0.0}
        )  # fmt: skip
    out: dict[str, NDArray[np.generic]] = {
        "first_day": history["first_day"].to_numpy(dtype=np.int64),
        "last_day": history["last_day"].to_numpy(dtype=np.int64),
        "n_purchases": history["n_purchases"].to_numpy(dtype=np.int64),
        "repeat_value": history["repeat_value"].to_numpy(dtype=np.float64),
        "valued_repeats": history["valued_repeats"].to_numpy(dtype=np.int64),
    }
    if holdout is not None:
        out["holdout_purchases"] = history["holdout_purchases"].to_numpy(dtype=np.int64)
        out["holdout_value"] = history["holdout_value"].to_numpy(dtype=np.float64)
    customers = history.index.to_numpy()
    if index_output:
        keyed: pd.DataFrame = pd.DataFrame(out, index=pd.Index(customers, name="customer_id"))
        return keyed
    table: pd.DataFrame = pd.DataFrame({"customer_id": customers, **out})
    return table


def _check_split(
    end: int, first_seen: int | None, cal_day: int | None, repeated: tuple[object, int, int] | None
) -> None:
    """The checks that need the whole log: end and first day, the caller's partitioning."""
    if repeated is not None:
        customer, a, b = repeated
        raise InvalidInputError(
            "'assume_partitioned_by_customer' must only be set when each customer's "
            f"transactions are in one partition (customer {customer!r} has transactions in "
            f"partitions {a} and {b})"
        )
    if cal_day is None:
        return
    if cal_day >= end:
        raise InvalidInputError(
            f"'calibration_end' must be before observation_end (got {_date(cal_day)} >= "
            f"{_date(end)})"
        )
    if first_seen is not None and cal_day < first_seen:
        raise InvalidInputError(
            f"'calibration_end' must be on or after the first transaction (got "
            f"{_date(cal_day)} < {_date(first_seen)})"
        )


def _summary_rows(
    history: pd.DataFrame,
    end: int | np.integer,
    first_seen: int | np.integer | None,
    cal_day: int | None,
    unit: float,
    with_value: bool,
    index_output: bool,
    repeated: tuple[object, int, int] | None = None,
) -> pd.DataFrame:
    """The RFM summary rows of one partition's customer histories."""
    import pandas as pd

    end_day = int(end)
    _check_split(end_day, None if first_seen is None else int(first_seen), cal_day, repeated)
    kept = history[history["n_purchases"].to_numpy() > 0]
    first = kept["first_day"].to_numpy(dtype=np.int64)
    frequency = kept["n_purchases"].to_numpy(dtype=np.int64) - 1
    horizon = end_day if cal_day is None else cal_day
    out: dict[str, NDArray[np.generic]] = {
        "frequency": frequency,
        "recency": (kept["last_day"].to_numpy(dtype=np.int64) - first) / unit,
        "T": (horizon - first) / unit,
    }
    if with_value:
        repeat = kept["repeat_value"].to_numpy(dtype=np.float64)
        out["monetary_value"] = np.divide(
            repeat, frequency, out=np.zeros(len(first)), where=frequency > 0
        )

    if cal_day is not None:
        held = kept["holdout_purchases"].to_numpy(dtype=np.int64)
        out["holdout_frequency"] = held
        if with_value:
            spend = kept["holdout_value"].to_numpy(dtype=np.float64)
            out["holdout_monetary_value"] = np.divide(
                spend, held, out=np.zeros(len(first)), where=held > 0
            )
        out["holdout_duration"] = np.full(len(first), (end_day - cal_day) / unit)
    if with_value:
        # the spend model's view: repeat purchases with a value above 0 (zero-value orders are
        # purchases, not spend), as data.summarize_transactions gives them
        repeat = kept["repeat_value"].to_numpy(dtype=np.float64)
        valued = kept["valued_repeats"].to_numpy(dtype=np.int64)
        out["spend_frequency"] = valued
        out["spend_value"] = np.divide(repeat, valued, out=np.zeros(len(first)), where=valued > 0)
    if index_output:
        keyed: pd.DataFrame = pd.DataFrame(out, index=kept.index)
        return keyed
    summary: pd.DataFrame = pd.DataFrame({"customer_id": kept["customer_id"].to_numpy(), **out})
    return summary


def _newcomer_rows(
    history: pd.DataFrame,
    end: int | np.integer,
    first_seen: int | np.integer | None,
    cal_day: int,
    index_output: bool,
    repeated: tuple[object, int, int] | None = None,
) -> pd.DataFrame:
    """The customers of one partition whose first purchase is after ``cal_day``."""
    import pandas as pd

    _check_split(int(end), None if first_seen is None else int(first_seen), cal_day, repeated)
    new = history[history["n_purchases"].to_numpy() == 0]
    first = (new["first_day"].to_numpy(dtype=np.int64) * _SECONDS_PER_DAY).astype("M8[s]")
    if index_output:
        keyed: pd.DataFrame = pd.DataFrame({"first_purchase": first}, index=new.index)
        return keyed
    table: pd.DataFrame = pd.DataFrame(
        {"customer_id": new["customer_id"].to_numpy(), "first_purchase": first}
    )
    return table


def _customer_partitions(
    history: pd.DataFrame, index_output: bool, partition_info: Mapping[str, object] | None = None
) -> pd.DataFrame:
    """Each customer of one partition with the partition's number (for the check)."""
    import pandas as pd

    ids = history.index.to_numpy() if index_output else history["customer_id"].to_numpy()
    number = int(partition_info["number"]) if partition_info else 0  # type: ignore[call-overload]
    where: pd.DataFrame = pd.DataFrame(
        {"customer_id": ids, "partition": np.full(len(ids), number, dtype=np.int64)}
    )
    return where


def _first_repeated(*spreads: pd.DataFrame) -> tuple[object, int, int] | None:
    """The first customer (in partition order) found in two partitions, or ``None``."""
    for spread in spreads:
        split = spread[spread["min"].to_numpy() != spread["max"].to_numpy()]
        if len(split):
            customer = split.index[0]
            return (
                customer.item() if hasattr(customer, "item") else customer,
                int(split["min"].iloc[0]),
                int(split["max"].iloc[0]),
            )
    return None


# ------------------------------------------------------------------------------ the graph
@attrs.frozen(eq=False)
class _Histories:
    """The lazy per-customer histories and what step 2 needs besides them."""

    history: Any  # dd.DataFrame
    end: Any  # int or a lazy scalar
    first_seen: Any  # lazy scalar or None
    cal_day: int | None
    unit: float
    with_value: bool
    index_output: bool
    repeated: Any  # a Delayed (first customer found in two partitions) or None
    id_meta: Any  # pandas Index or array, dtype of the ids


def _require_columns(transactions: dd.DataFrame, names: Mapping[str, str | None]) -> None:
    columns = list(transactions.columns)
    for argument, column in names.items():
        if column is not None and column not in columns:
            raise InvalidInputError(
                f"'{argument}' names a column the transactions do not have (got {column!r}; "
                f"columns: {columns})"
            )


def _histories(
    transactions: dd.DataFrame,
    *,
    customer_id: str,
    timestamp: str,
    value: str | None,
    unit: str | float,
    observation_end: Moment | None,
    calibration_end: Moment | None,
    npartitions: int | None,
    assume_partitioned_by_customer: Partitioning,
) -> _Histories:
    import dask
    import pandas as pd

    if not hasattr(transactions, "map_partitions") or not hasattr(transactions, "columns"):
        raise InvalidInputError(
            f"'transactions' must be a dask DataFrame (got {type(transactions).__name__})"
        )
    if not (
        isinstance(assume_partitioned_by_customer, (bool, np.bool_))
        or (
            isinstance(assume_partitioned_by_customer, str)
            and assume_partitioned_by_customer == "check"
        )
    ):
        raise InvalidInputError(
            "'assume_partitioned_by_customer' must be True, False or 'check' (got "
            f"{assume_partitioned_by_customer!r})"
        )
    id_in_index = (
        customer_id not in list(transactions.columns) and transactions.index.name == customer_id
    )
    if not id_in_index and customer_id not in list(transactions.columns):
        raise InvalidInputError(
            f"'customer_id' names a column the transactions do not have (got {customer_id!r}; "
            f"columns: {list(transactions.columns)}, index: {transactions.index.name!r})"
        )
    _require_columns(transactions, {"timestamp": timestamp, "value": value})
    id_dtype = transactions.index.dtype if id_in_index else transactions[customer_id].dtype
    if id_dtype.kind == "f" or id_dtype.kind == "b":
        raise InvalidInputError(
            f"'{customer_id}' must hold integers or strings (got dtype {id_dtype})"
        )
    length = unit_days(unit)
    end_day = None if observation_end is None else day_number(observation_end, "observation_end")
    cal_day = None if calibration_end is None else day_number(calibration_end, "calibration_end")
    if cal_day is not None and end_day is not None and cal_day >= end_day:
        raise InvalidInputError(
            f"'calibration_end' must be before observation_end (got {_date(cal_day)} >= "
            f"{_date(end_day)})"
        )

    meta = transactions._meta
    id_meta = meta.index.to_numpy() if id_in_index else meta[customer_id].to_numpy()
    day_value = {"day": np.zeros(0, dtype=np.int64), "value": np.zeros(0, dtype=np.float64)}
    if id_in_index:
        rows_meta = pd.DataFrame(day_value, index=pd.Index(id_meta, name="customer_id"))
    else:
        rows_meta = pd.DataFrame({"customer_id": id_meta, **day_value})
    rows = transactions.map_partitions(
        _purchase_rows, customer_id, id_in_index, timestamp, value, end_day, meta=rows_meta
    )
    end = rows["day"].max() if end_day is None else end_day
    first_seen = rows["day"].min() if cal_day is not None else None

    whole_customers = (id_in_index and transactions.known_divisions) or bool(
        assume_partitioned_by_customer
    )
    ids_in_index = id_in_index
    if not whole_customers:
        if id_in_index:
            rows = rows.reset_index()
            ids_in_index = False
        rows = rows.shuffle(on="customer_id", npartitions=npartitions)
    history_columns: dict[str, NDArray[np.generic]] = {
        "first_day": np.zeros(0, dtype=np.int64),
        "last_day": np.zeros(0, dtype=np.int64),
        "n_purchases": np.zeros(0, dtype=np.int64),
        "repeat_value": np.zeros(0),
        "valued_repeats": np.zeros(0, dtype=np.int64),
    }
    if cal_day is not None:
        history_columns["holdout_purchases"] = np.zeros(0, dtype=np.int64)
        history_columns["holdout_value"] = np.zeros(0)
    if id_in_index:
        history_meta = pd.DataFrame(history_columns, index=pd.Index(id_meta, name="customer_id"))
    else:
        history_meta = pd.DataFrame({"customer_id": id_meta, **history_columns})
    history = rows.map_partitions(
        _customer_history, cal_day, ids_in_index, id_in_index, meta=history_meta
    )
    repeated = None
    known_whole = id_in_index and transactions.known_divisions
    if assume_partitioned_by_customer == "check" and not known_whole:
        where = history.map_partitions(
            _customer_partitions,
            id_in_index,
            meta=pd.DataFrame({"customer_id": id_meta, "partition": np.zeros(0, np.int64)}),
        )
        spread = where.groupby("customer_id")["partition"].agg(
            ["min", "max"], split_out=max(1, where.npartitions)
        )
        repeated = dask.delayed(_first_repeated)(*spread.to_delayed())
    return _Histories(
        history, end, first_seen, cal_day, length, value is not None, id_in_index, repeated,
        id_meta,
    )  # fmt: skip


def _summary_meta(h: _Histories) -> pd.DataFrame:
    import pandas as pd

    columns: dict[str, NDArray[np.generic]] = {
        "frequency": np.zeros(0, dtype=np.int64),
        "recency": np.zeros(0),
        "T": np.zeros(0),
    }
    if h.with_value:
        columns["monetary_value"] = np.zeros(0)
    if h.cal_day is not None:
        columns["holdout_frequency"] = np.zeros(0, dtype=np.int64)
        if h.with_value:
            columns["holdout_monetary_value"] = np.zeros(0)
        columns["holdout_duration"] = np.zeros(0)
    if h.with_value:
        columns["spend_frequency"] = np.zeros(0, dtype=np.int64)
        columns["spend_value"] = np.zeros(0)
    meta: pd.DataFrame
    if h.index_output:
        meta = pd.DataFrame(columns, index=pd.Index(h.id_meta, name="customer_id"))
    else:
        meta = pd.DataFrame({"customer_id": h.id_meta, **columns})
    return meta


# ------------------------------------------------------------------------------ public API
def summarize_transactions(
    transactions: dd.DataFrame,
    *,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    value: str | None = "value",
    unit: str | float = "W",
    observation_end: Moment | None = None,
    calibration_end: Moment | None = None,
    npartitions: int | None = None,
    assume_partitioned_by_customer: Partitioning = False,
) -> dd.DataFrame:
    """Per-customer RFM summary of a Dask DataFrame of transactions, computed on the cluster.

    The conventions are those of :func:`privtraffic.data.summarize_transactions` with
    ``merge_same_day=True``: purchases are distinct (customer, day) pairs with their values
    summed, ``frequency`` counts repeat purchases, ``recency`` and ``T`` are in ``unit``,
    ``monetary_value`` is the mean value of the repeat purchases (0 without any), and
    ``spend_frequency`` / ``spend_value`` the spend model's view of them (only repeat
    purchases with a value above 0: a zero-value order is a purchase, not spend); with
    ``calibration_end``, the same calibration/holdout split and columns. The log is validated
    partition by partition, brought together by customer (a shuffle on the customer id,
    unless the partitions already hold whole customers) and reduced with pandas group-bys.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per transaction.
    customer_id : str, default "customer_id"
        The customer id (integers or strings): a column, or the name of the index.
    timestamp : str, default "timestamp"
        Column of the transaction time (datetimes or ISO 8601 strings; only the day is used).
    value : str or None, default "value"
        Column name of the transaction value (``>= 0``); ``None`` for no monetary column.
    unit : {"W", "D", "M"} or float, default "W"
        Unit of ``recency``, ``T`` and ``holdout_duration``: days, weeks of 7 days, months of
        365.25 / 12 days, or a positive number of days.
    observation_end : timestamp, optional
        Last day of observation, inclusive; by default the day of the last transaction
        (computed lazily in the same pass). A later transaction is an error.
    calibration_end : timestamp, optional
        Last day of the calibration period, inclusive (a whole day: a purchase at 23:59 on
        that day is a calibration purchase). The summary then describes the calibration
        period (``T`` runs to ``calibration_end``) and adds ``holdout_frequency`` (purchases
        after it, up to ``observation_end``), ``holdout_monetary_value`` (mean value per
        holdout purchase, with ``value``) and ``holdout_duration``. Customers whose first
        purchase is in the holdout have no row: :func:`new_in_holdout` lists them.
    npartitions : int, optional
        Partitions of the summary when the log is shuffled (default: those of
        ``transactions``). Without a shuffle the summary is partitioned like the log.
    assume_partitioned_by_customer : bool or "check", default False
        Whether each customer's transactions are all in one partition, so that the shuffle
        can be skipped. When ``customer_id`` is the index and its divisions are known, the
        divisions prove it and the shuffle is skipped whatever this says. ``True`` trusts
        the caller; ``"check"`` also verifies it, at the cost of a group-by over the
        customer ids of the per-partition summaries (one small row per customer, not the
        transactions), and fails with the first customer found in two partitions.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; one row per customer, each customer in exactly one partition; columns
        ``frequency, recency, T`` (and ``monetary_value``, and the holdout columns). The
        customer id is where it was in ``transactions``: a ``customer_id`` column, or the
        index (named ``customer_id``, sorted within each partition), keeping the input's
        divisions when no shuffle was needed, so that joining on the customer id needs no
        shuffle either. ``persist()`` it when it is used for both fitting and scoring.

    Raises
    ------
    InvalidInputError
        At once: a named column is missing, ``unit`` is unknown, ``observation_end`` or
        ``calibration_end`` is not a timestamp, ``calibration_end`` is not before
        ``observation_end``, a float id column, a bad ``assume_partitioned_by_customer``.
        When computed: a missing id, an unparseable or missing timestamp, a missing, infinite
        or negative value, or a transaction after ``observation_end``, each named with its
        index within its partition; ``calibration_end`` before the first transaction or not
        before the (default) observation end; with ``"check"``, a customer in two partitions.

    Notes
    -----
    Same-day merging cannot be switched off on this path (the first purchase of a customer
    with several transactions at the same second would depend on the shuffle's row order).

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
     'monetary_value': [20.0, 0.0], 'spend_frequency': [1, 0], 'spend_value': [20.0, 0.0]}

    A calibration/holdout split, as in memory (customer 3 starts in the holdout):

    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-10 18:00",
    ...                                  "2024-01-31 23:59", "2024-02-01"], format="ISO8601"),
    ...     "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> s = summarize_transactions(dd.from_pandas(log, npartitions=2), unit="D",
    ...                            calibration_end="2024-01-31").compute()
    >>> s.sort_values("customer_id")[["customer_id", "frequency", "T", "holdout_frequency",
    ...     "holdout_duration"]].to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'customer_id': [1, 2], 'frequency': [1, 0], 'T': [30.0, 0.0], 'holdout_frequency': [1, 0],
     'holdout_duration': [10.0, 10.0]}
    """
    h = _histories(
        transactions,
        customer_id=customer_id,
        timestamp=timestamp,
        value=value,
        unit=unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
        npartitions=npartitions,
        assume_partitioned_by_customer=assume_partitioned_by_customer,
    )
    summary: dd.DataFrame = h.history.map_partitions(
        _summary_rows,
        h.end,
        h.first_seen,
        h.cal_day,
        h.unit,
        h.with_value,
        h.index_output,
        h.repeated,
        meta=_summary_meta(h),
    )
    return summary


def new_in_holdout(
    transactions: dd.DataFrame,
    *,
    calibration_end: Moment,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    value: str | None = "value",
    unit: str | float = "W",
    observation_end: Moment | None = None,
    npartitions: int | None = None,
    assume_partitioned_by_customer: Partitioning = False,
) -> dd.DataFrame:
    """The customers first seen after ``calibration_end``, who have no calibration row.

    The Dask counterpart of ``n_new_in_holdout`` of the in-memory
    :func:`privtraffic.data.summarize_transactions`: ``len(new_in_holdout(...))`` is that
    number. Called with the same arguments as :func:`summarize_transactions`, it builds the
    same graph up to the per-customer step, so ``dask.compute(summary, newcomers)`` (or
    ``dask.persist``) validates and shuffles the log once for both.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per transaction.
    calibration_end : timestamp
        Last day of the calibration period, inclusive.
    customer_id, timestamp, value, unit, observation_end, npartitions, assume_partitioned_by_customer
        As for :func:`summarize_transactions` (pass the same values to share its work).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; ``first_purchase`` (midnight of the day of the first purchase, ``datetime64[s]``)
        per new customer, the customer id where :func:`summarize_transactions` puts it.

    Raises
    ------
    InvalidInputError
        As :func:`summarize_transactions`.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-10", "2024-01-03",
    ...                                  "2024-02-01 09:30"], format="ISO8601"),
    ...     "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> new = new_in_holdout(dd.from_pandas(log, npartitions=2), calibration_end="2024-01-31")
    >>> new.compute().to_dict("list")
    {'customer_id': [3], 'first_purchase': [Timestamp('2024-02-01 00:00:00')]}
    """  # noqa: E501
    import pandas as pd

    if calibration_end is None:
        raise InvalidInputError("'calibration_end' is required (got None)")
    h = _histories(
        transactions,
        customer_id=customer_id,
        timestamp=timestamp,
        value=value,
        unit=unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
        npartitions=npartitions,
        assume_partitioned_by_customer=assume_partitioned_by_customer,
    )
    assert h.cal_day is not None
    first = {"first_purchase": np.zeros(0, dtype="M8[s]")}
    if h.index_output:
        meta = pd.DataFrame(first, index=pd.Index(h.id_meta, name="customer_id"))
    else:
        meta = pd.DataFrame({"customer_id": h.id_meta, **first})
    newcomers: dd.DataFrame = h.history.map_partitions(
        _newcomer_rows, h.end, h.first_seen, h.cal_day, h.index_output, h.repeated, meta=meta
    )
    return newcomers
