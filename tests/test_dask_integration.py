"""The Dask path on a real distributed LocalCluster with worker processes equals the in-memory path.

Peer: privtraffic's own in-memory pipeline (summarize_transactions, BetaGeo().fit, the
model's predictions), itself checked against lifetimes in tests/test_data.py and the clv tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask.dataframe as dd  # noqa: E402

from privtraffic.clv import BetaGeo, GammaGamma, customer_lifetime_value  # noqa: E402
from privtraffic.data import load_cdnow, summarize_transactions  # noqa: E402
from privtraffic.errors import InvalidInputError, NotFittedError  # noqa: E402
from privtraffic.integrations import dask as pdask  # noqa: E402
from support import local_dask_client  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_dask_client() as c:
        yield c


@pytest.fixture(scope="module")
def cdnow_frame() -> Any:
    log = load_cdnow("transactions")
    frame = pd.DataFrame({"customer_id": log.customer_id, "timestamp": log.timestamp,
                          "value": log.value})  # fmt: skip
    # Rows in time order, so that each customer's purchases are spread over partitions.
    return frame.sort_values("timestamp", kind="stable", ignore_index=True)


def sorted_frame(frame: Any) -> Any:
    return frame.sort_values("customer_id", ignore_index=True)


def assert_summary_equal(dask_summary: Any, local: Any) -> None:
    got = sorted_frame(dask_summary)
    np.testing.assert_array_equal(got["customer_id"].to_numpy(), local.customer_id)
    np.testing.assert_array_equal(got["frequency"].to_numpy(), local.frequency)
    assert got["frequency"].dtype == np.int64
    for name in ("recency", "T", "monetary_value"):
        if getattr(local, name) is None:
            assert name not in got.columns
            continue
        np.testing.assert_allclose(got[name].to_numpy(), getattr(local, name), rtol=1e-12)


def test_summary_fit_and_scores_equal_the_in_memory_path(client: Any, cdnow_frame: Any) -> None:
    transactions = dd.from_pandas(cdnow_frame, npartitions=5)
    summary = pdask.summarize_transactions(transactions, unit="W").persist()
    local = summarize_transactions(
        cdnow_frame["customer_id"], cdnow_frame["timestamp"], cdnow_frame["value"], unit="W"
    )
    assert_summary_equal(summary.compute(), local)

    # The histogram is the in-memory summary's distinct rows with their counts.
    hist = pdask.rfm_histogram(summary)
    rows = np.column_stack([local.frequency, local.recency, local.T])
    distinct, counts = np.unique(rows, axis=0, return_counts=True)
    np.testing.assert_array_equal(
        hist[["frequency", "recency", "T"]].to_numpy(dtype=float), distinct
    )
    np.testing.assert_array_equal(hist["weights"].to_numpy(), counts)

    model = pdask.fit_transaction_model(summary)
    reference = BetaGeo().fit(local.frequency, local.recency, local.T)
    for name, value in reference.params_.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-10), name
    assert model.log_likelihood_ == pytest.approx(reference.log_likelihood_, rel=1e-12)

    scores = sorted_frame(pdask.score_customers(summary, model, t=39.0).compute())
    np.testing.assert_array_equal(scores["customer_id"].to_numpy(), local.customer_id)
    np.testing.assert_allclose(
        scores["expected_purchases"].to_numpy(),
        model.expected_purchases(39.0, local.frequency, local.recency, local.T),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        scores["probability_alive"].to_numpy(),
        model.probability_alive(local.frequency, local.recency, local.T),
        rtol=1e-12,
    )


def test_spend_model_and_clv_equal_the_in_memory_path(client: Any, cdnow_frame: Any) -> None:
    transactions = dd.from_pandas(cdnow_frame, npartitions=3)
    summary = pdask.summarize_transactions(transactions, unit="W").persist()
    local = summarize_transactions(
        cdnow_frame["customer_id"], cdnow_frame["timestamp"], cdnow_frame["value"], unit="W"
    )
    model = BetaGeo().fit(local.frequency, local.recency, local.T)
    spend = pdask.fit_spend_model(summary)
    repeat = local.frequency > 0
    reference = GammaGamma().fit(local.frequency[repeat], local.monetary_value[repeat])
    for name, value in reference.params_.items():
        # the mean spends agree to the last bit or two (summation order), not beyond
        assert spend.params_[name] == pytest.approx(value, rel=1e-6), name

    scores = pdask.score_customers(
        summary, model, t=26.0, spend_model=spend, horizon=12, discount_rate=0.01, unit="W"
    )
    got = sorted_frame(scores.compute())
    assert list(got.columns) == [
        "customer_id", "expected_purchases", "probability_alive", "expected_spend", "clv"
    ]  # fmt: skip
    np.testing.assert_allclose(
        got["expected_spend"].to_numpy(),
        spend.expected_spend(local.frequency, local.monetary_value),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        got["clv"].to_numpy(),
        customer_lifetime_value(model, spend, local, horizon=12, discount_rate=0.01),
        rtol=1e-10,
    )
    with pytest.raises(InvalidInputError, match=r"'horizon', 'discount_rate' and 'unit'"):
        pdask.score_customers(summary, model, t=26.0, spend_model=spend, horizon=12)
    no_value = pdask.summarize_transactions(transactions, value=None)
    with pytest.raises(InvalidInputError, match=r"'summary' must have a 'monetary_value'"):
        pdask.fit_spend_model(no_value)


def test_string_ids_same_day_merge_and_observation_end(client: Any) -> None:
    rng = np.random.default_rng(0)
    n = 3000
    ids = np.array([f"u{i:03d}" for i in rng.integers(0, 300, n)])
    seconds = rng.integers(0, 200, n) * 86_400 + rng.choice([0, 3600, 86_399], n)
    stamps = np.datetime64("2023-05-01T00:00:00") + seconds.astype("timedelta64[s]")
    values = np.round(rng.gamma(2.0, 15.0, n), 2)
    frame = pd.DataFrame({"cid": ids, "at": stamps, "amount": values})
    transactions = dd.from_pandas(frame, npartitions=4)
    for kwargs in ({"unit": "D"}, {"unit": "M", "observation_end": "2024-01-31"}):
        got = pdask.summarize_transactions(
            transactions, customer_id="cid", timestamp="at", value="amount", npartitions=3,
            **kwargs,
        ).compute()  # fmt: skip
        local = summarize_transactions(ids, stamps, values, **kwargs)
        assert_summary_equal(got, local)
    no_value = pdask.summarize_transactions(
        transactions, customer_id="cid", timestamp="at", value=None
    ).compute()
    assert_summary_equal(no_value, summarize_transactions(ids, stamps))


def test_bad_transactions_fail_with_the_row_and_partition(client: Any) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "timestamp": ["2024-01-01", "2024-01-05", "2024-01-09", "not a day"],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    bad_time = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(
        InvalidInputError, match=r"'timestamp'.*'not a day' at index 1.*partition 1"
    ):
        pdask.summarize_transactions(bad_time).compute()
    refund = dd.from_pandas(frame.assign(timestamp="2024-01-01", value=[1.0, -2.0, 3.0, 4.0]), 2)
    with pytest.raises(InvalidInputError, match=r"'value' must be >= 0.*-2.0 at index 1"):
        pdask.summarize_transactions(refund).compute()
    late = dd.from_pandas(frame.assign(timestamp="2024-01-20"), npartitions=2)
    with pytest.raises(InvalidInputError, match=r"'observation_end' must be on or after"):
        pdask.summarize_transactions(late, observation_end="2024-01-10").compute()
    with pytest.raises(InvalidInputError, match=r"'timestamp' names a column .*'when'"):
        pdask.summarize_transactions(bad_time, timestamp="when")
    with pytest.raises(InvalidInputError, match=r"'unit' must be"):
        pdask.summarize_transactions(bad_time, unit="fortnight")
    with pytest.raises(InvalidInputError, match=r"'transactions' must be a dask DataFrame"):
        pdask.summarize_transactions(frame)
    float_ids = dd.from_pandas(frame.assign(customer_id=[1.0, 1.5, 2.0, 2.0]), npartitions=2)
    with pytest.raises(InvalidInputError, match=r"'customer_id' must hold integers or strings"):
        pdask.summarize_transactions(float_ids)
    summary = dd.from_pandas(
        pd.DataFrame({"customer_id": [1], "frequency": [0], "recency": [0.0], "T": [1.0]}), 1
    )
    with pytest.raises(NotFittedError):
        pdask.score_customers(summary, BetaGeo(), t=1.0)
