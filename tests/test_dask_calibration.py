"""Calibration/holdout and partition awareness of the Dask summary, on a real LocalCluster.

Peer: the in-memory :func:`privtraffic.data.summarize_transactions` with ``calibration_end``
(tested against lifetimes' ``calibration_and_holdout_data`` in tests/test_data.py), on the same
log in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402

from privtraffic.clv import BetaGeo  # noqa: E402
from privtraffic.data import summarize_transactions  # noqa: E402
from privtraffic.errors import InvalidInputError  # noqa: E402
from privtraffic.integrations import dask as pdask  # noqa: E402

CALIBRATION_END = "2024-06-30"
OBSERVATION_END = "2024-09-30"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def make_log(n: int = 6000, n_customers: int = 500, seed: int = 3) -> Any:
    """A log in time order with the cases a day boundary gets wrong.

    Random purchases over 2024-01-01 .. 2024-09-30, plus, for chosen customers: two
    transactions on one day; a purchase at 23:59:59 on the calibration end and one at 00:00:00
    the next day; purchases at 00:00:00 and 23:59:59 on the last day; customers whose first
    purchase is in the holdout (some on its first day).
    """
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    ids = rng.integers(0, n_customers, n)
    seconds = rng.integers(0, 274 * 86_400, n)
    stamps = start + seconds.astype("m8[s]")
    extra_ids, extra_stamps = [], []

    def add(customer: int, moment: str) -> None:
        extra_ids.append(customer)
        extra_stamps.append(np.datetime64(moment, "s"))

    for c in range(0, 40):  # same day twice
        add(c, "2024-03-05T08:00:00")
        add(c, "2024-03-05T20:30:00")
    for c in range(40, 80):  # the last second of the calibration period, the first after it
        add(c, f"{CALIBRATION_END}T23:59:59")
        add(c, "2024-07-01T00:00:00")
    for c in range(80, 120):  # the last day of observation
        add(c, f"{OBSERVATION_END}T00:00:00")
        add(c, f"{OBSERVATION_END}T23:59:59")
    for c in range(n_customers, n_customers + 30):  # first seen in the holdout
        add(c, "2024-07-01T00:00:00" if c % 2 else "2024-08-15T12:00:00")
        add(c, "2024-09-01T10:00:00")
    ids = np.concatenate([ids, np.array(extra_ids)])
    stamps = np.concatenate([stamps, np.array(extra_stamps, dtype="M8[s]")])
    values = np.round(rng.gamma(2.0, 20.0, len(ids)), 2)
    frame = pd.DataFrame({"customer_id": ids, "timestamp": stamps, "value": values})
    return frame.sort_values("timestamp", kind="stable", ignore_index=True)


def in_memory(frame: Any, **kwargs: Any) -> Any:
    return summarize_transactions(
        frame["customer_id"].to_numpy(),
        frame["timestamp"].to_numpy(),
        None if "value" not in frame else frame["value"].to_numpy(),
        **kwargs,
    )


def assert_same_summary(got: Any, local: Any) -> None:
    """``got`` (computed Dask summary, id in a column or the index) equals ``local``."""
    if "customer_id" not in got.columns:
        got = got.reset_index()
    got = got.sort_values("customer_id", ignore_index=True)
    expected = local.to_pandas()
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_array_equal(got["customer_id"].to_numpy(), expected["customer_id"])
    for name in expected.columns[1:]:
        if expected[name].dtype.kind == "i":
            assert got[name].dtype == np.int64, name
            np.testing.assert_array_equal(got[name].to_numpy(), expected[name], err_msg=name)
        else:
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit": "D", "observation_end": OBSERVATION_END},
        {"unit": "W"},  # the observation end is the last transaction's day
    ],
    ids=["days-explicit-end", "weeks-default-end"],
)
def test_calibration_holdout_equals_the_in_memory_split(client: Any, kwargs: Any) -> None:
    frame = make_log()
    transactions = dd.from_pandas(frame, npartitions=5)
    summary = pdask.summarize_transactions(
        transactions, calibration_end=CALIBRATION_END, npartitions=4, **kwargs
    )
    newcomers = pdask.new_in_holdout(
        transactions, calibration_end=CALIBRATION_END, npartitions=4, **kwargs
    )
    got, new = dask.compute(summary, newcomers)  # one pass over the log for both
    local = in_memory(frame, calibration_end=CALIBRATION_END, **kwargs)
    assert_same_summary(got, local)
    assert local.n_new_in_holdout == len(new) == 30
    expected_new = np.setdiff1d(np.unique(frame["customer_id"]), local.customer_id)
    np.testing.assert_array_equal(np.sort(new["customer_id"].to_numpy()), expected_new)
    first = frame.groupby("customer_id")["timestamp"].min().dt.floor("D")
    np.testing.assert_array_equal(
        new.sort_values("customer_id")["first_purchase"].to_numpy(),
        first.loc[expected_new].to_numpy().astype("M8[s]"),
    )
    # The day-boundary customers: the 23:59:59 purchase is in the calibration period.
    boundary = got.set_index("customer_id").loc[40]
    assert boundary["holdout_frequency"] >= 1


def test_calibration_without_values_and_with_string_ids(client: Any) -> None:
    frame = make_log(seed=5)
    frame["customer_id"] = [f"u{i:04d}" for i in frame["customer_id"]]
    frame = frame.drop(columns="value")
    got = pdask.summarize_transactions(
        dd.from_pandas(frame, npartitions=3), value=None, unit="D",
        calibration_end=CALIBRATION_END,
    ).compute()  # fmt: skip
    assert_same_summary(got, in_memory(frame, unit="D", calibration_end=CALIBRATION_END))


def test_calibration_errors(client: Any) -> None:
    transactions = dd.from_pandas(make_log(), npartitions=3)
    with pytest.raises(InvalidInputError, match=r"'calibration_end' must be before observation"):
        pdask.summarize_transactions(
            transactions, calibration_end="2024-10-01", observation_end=OBSERVATION_END
        )
    with pytest.raises(InvalidInputError, match=r"'calibration_end' must be before observation"):
        pdask.summarize_transactions(transactions, calibration_end=OBSERVATION_END).compute()
    with pytest.raises(InvalidInputError, match=r"on or after the first transaction"):
        pdask.summarize_transactions(transactions, calibration_end="2023-12-31").compute()
    with pytest.raises(InvalidInputError, match=r"'calibration_end' must be"):
        pdask.summarize_transactions(transactions, calibration_end="not a day")
    with pytest.raises(InvalidInputError, match=r"'calibration_end' is required"):
        pdask.new_in_holdout(transactions, calibration_end=None)  # type: ignore[arg-type]


def key_prefixes(collection: Any) -> set[str]:
    keys = collection.__dask_graph__().keys()
    return {(k[0] if isinstance(k, tuple) else k).rsplit("-", 1)[0] for k in keys}


def test_known_divisions_skip_the_shuffle_and_carry_to_the_scores(client: Any) -> None:
    frame = make_log(seed=11)
    indexed = frame.set_index("customer_id").sort_index()
    transactions = dd.from_pandas(indexed, npartitions=4, sort=True)
    assert transactions.known_divisions
    summary = pdask.summarize_transactions(
        transactions, unit="D", calibration_end=CALIBRATION_END
    ).persist()
    assert summary.divisions == transactions.divisions
    assert summary.index.name == "customer_id" and "customer_id" not in summary.columns
    assert not any("shuffle" in p for p in key_prefixes(summary))
    assert_same_summary(
        summary.compute(), in_memory(frame, unit="D", calibration_end=CALIBRATION_END)
    )

    model = BetaGeo.from_params(r=0.5, alpha=10.0, a=0.8, b=2.5)
    scores = pdask.score_customers(summary, model, t=30.0)
    assert scores.divisions == transactions.divisions
    ids = np.unique(frame["customer_id"])  # a customer table: every customer, a tier each
    tiers = pd.DataFrame({"tier": ids % 3}, index=pd.Index(ids, name="customer_id"))
    customers = dd.from_pandas(tiers, npartitions=2, sort=True).repartition(
        divisions=scores.divisions
    )
    joined = scores.merge(customers, left_index=True, right_index=True)
    assert not any("shuffle" in p or "hash" in p for p in key_prefixes(joined))
    got = joined.compute().sort_index()
    local = in_memory(frame, unit="D", calibration_end=CALIBRATION_END)
    np.testing.assert_array_equal(got.index.to_numpy(), local.customer_id)
    np.testing.assert_allclose(
        got["probability_alive"],
        model.probability_alive(local.frequency, local.recency, local.T),
        rtol=1e-12,
    )
    np.testing.assert_array_equal(got["tier"], local.customer_id % 3)


def by_customer(frame: Any, n: int) -> Any:
    """A Dask frame whose partition k holds the customers with ``id % n == k``."""
    parts = [frame[frame["customer_id"] % n == k].reset_index(drop=True) for k in range(n)]
    return dd.from_delayed([dask.delayed(p) for p in parts], meta=frame.iloc[:0])


def test_assume_partitioned_by_customer(client: Any) -> None:
    frame = make_log(seed=13)
    local = in_memory(frame, unit="W")
    partitioned = by_customer(frame, 4)
    for assume in (True, "check"):
        summary = pdask.summarize_transactions(partitioned, assume_partitioned_by_customer=assume)
        if assume is True:  # ("check" shuffles the customer ids, not the transactions)
            assert not any("shuffle" in p for p in key_prefixes(summary))
        assert summary.npartitions == 4
        assert_same_summary(summary.compute(), local)
    spread = dd.from_pandas(frame, npartitions=4)  # in time order: customers span partitions
    with pytest.raises(InvalidInputError, match=r"customer \d+ has transactions in partitions"):
        pdask.summarize_transactions(spread, assume_partitioned_by_customer="check").compute()
    with pytest.raises(InvalidInputError, match=r"must be True, False or 'check'"):
        pdask.summarize_transactions(spread, assume_partitioned_by_customer="yes")  # type: ignore[arg-type]
