"""The map-reduce fit on a real LocalCluster (worker processes) equals the in-memory fit.

Peer: privtraffic's in-memory fit (``Model().fit`` on the same customers, in this process),
itself checked against published estimates and lifetimes in the clv tests. Each model is fitted
with ``max_client_rows=0``, so that the histogram stays on the workers and every optimiser step
is a round over its partitions.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask.dataframe as dd  # noqa: E402

from privtraffic.clv import (  # noqa: E402
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    gammagamma,
)
from privtraffic.data import load_donations  # noqa: E402
from privtraffic.errors import InvalidInputError  # noqa: E402
from privtraffic.integrations import dask as pdask  # noqa: E402
from support import local_dask_client  # noqa: E402

N_CUSTOMERS = 40_000


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_dask_client() as c:
        yield c


@pytest.fixture(scope="module")
def customers() -> Any:
    """40,000 simulated BG/NBD customers at day resolution (about 33,000 distinct rows, so
    the in-memory fit also takes its subsample-then-Newton path), with Gamma-Gamma spend."""
    rng = np.random.default_rng(7)
    T = rng.integers(30, 730, N_CUSTOMERS) / 7.0
    sim = BetaGeo.from_params(r=0.8, alpha=30 / 7, a=0.9, b=4.0).simulate(N_CUSTOMERS, T, rng=rng)
    frequency = sim.frequency.astype(np.int64)
    recency = np.minimum(np.round(sim.recency * 7) / 7, T)
    recency[frequency == 0] = 0.0
    spend = np.zeros(N_CUSTOMERS)
    repeat = frequency > 0
    spend[repeat] = np.round(
        gammagamma.simulate((6.0, 4.0, 15.0), frequency[repeat], rng), 2
    )  # rounded to cents, as money is
    return pd.DataFrame(
        {
            "customer_id": np.arange(N_CUSTOMERS),
            "frequency": frequency,
            "recency": recency,
            "T": T,
            "monetary_value": spend,
        }
    )


@pytest.fixture(scope="module")
def summary(client: Any, customers: Any) -> Any:
    return dd.from_pandas(customers, npartitions=4).persist()


def relative(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[k] / b[k] - 1.0) for k in b)


@pytest.mark.parametrize(
    "model_type, penalizer",
    [(BetaGeo, 0.0), (BetaGeo, 0.01), (ModifiedBetaGeo, 0.0), (ParetoNBD, 0.0)],
    ids=["BetaGeo", "BetaGeo-penalized", "ModifiedBetaGeo", "ParetoNBD"],
)
def test_map_reduce_fit_equals_the_in_memory_fit(
    summary: Any, customers: Any, model_type: Any, penalizer: float
) -> None:
    fitted = pdask.fit_transaction_model(summary, model_type(penalizer), max_client_rows=0)
    local = model_type(penalizer).fit(customers.frequency, customers.recency, customers["T"])
    assert relative(fitted.params_, local.params_) < 1e-8
    assert fitted.log_likelihood_ == pytest.approx(local.log_likelihood_, rel=1e-12)
    assert fitted.n_customers_ == local.n_customers_ == N_CUSTOMERS
    assert fitted.n_rows_ == local.n_rows_
    # Standard errors: exact Hessians on both sides for BG/NBD and MBG/NBD, finite
    # differences of the gradient for Pareto/NBD.
    assert relative(fitted.standard_errors_, local.standard_errors_) < 1e-4
    assert model_type.from_json(fitted.to_json()).params_ == fitted.params_
    # The fit diagnostics carry over (set_fitted_state judges them by fit's rules).
    assert fitted.fit_diagnostics_ is not None and local.fit_diagnostics_ is not None
    assert fitted.fit_diagnostics_.converged and local.fit_diagnostics_.converged
    assert fitted.fit_diagnostics_.messages == local.fit_diagnostics_.messages == ()
    assert fitted.fit_diagnostics_.at_boundary == local.fit_diagnostics_.at_boundary


def test_small_histograms_are_fitted_on_the_client(summary: Any, customers: Any) -> None:
    # The default threshold: the in-memory fit on the collapsed histogram, bit for bit.
    fitted = pdask.fit_transaction_model(summary)
    hist = pdask.rfm_histogram(summary)
    local = BetaGeo().fit(hist.frequency, hist.recency, hist["T"], weights=hist.weights)
    assert fitted.params_ == local.params_
    assert fitted.n_rows_ == len(hist) < pdask.DEFAULT_MAX_CLIENT_ROWS


def test_gamma_gamma_log_likelihoods_agree(summary: Any, customers: Any) -> None:
    fitted = pdask.fit_spend_model(summary, max_client_rows=0)
    repeat = customers[customers.frequency > 0]
    local = GammaGamma().fit(repeat.frequency, repeat.monetary_value)
    assert fitted.log_likelihood_ == pytest.approx(local.log_likelihood_, rel=1e-12)
    assert fitted.n_customers_ == local.n_customers_ == len(repeat)
    # The likelihood is nearly flat along q ~ v (the mean spend p v / (q - 1) is what the
    # data pin down): the parameters agree less tightly than the log-likelihoods.
    assert relative(fitted.params_, local.params_) < 1e-5
    mean = {m.params_["p"] * m.params_["v"] / (m.params_["q"] - 1) for m in (fitted, local)}
    assert max(mean) / min(mean) - 1 < 1e-8


def test_bg_bb_map_reduce_fit(client: Any) -> None:
    donations = load_donations()
    rows = np.repeat(np.arange(len(donations)), donations.weights.astype(np.int64))
    frame = pd.DataFrame(
        {
            "frequency": donations.frequency[rows],
            "recency": donations.recency[rows],
            "n_periods": donations.n_periods[rows],
        }
    )
    fitted = pdask.fit_transaction_model(
        dd.from_pandas(frame, npartitions=3), BetaGeoBetaBinom(), max_client_rows=0
    )
    local = BetaGeoBetaBinom().fit(
        donations.frequency, donations.recency, donations.n_periods, weights=donations.weights
    )
    # BG/BB's seam: its analytic gradient on bgbb.index_data's indexes (the Hessian by
    # forward differences of it, as in memory).
    assert relative(fitted.params_, local.params_) < 1e-7
    assert fitted.fit_diagnostics_ is not None and fitted.fit_diagnostics_.converged
    assert fitted.log_likelihood_ == pytest.approx(local.log_likelihood_, rel=1e-12)


def test_bad_rows_and_arguments_are_refused(summary: Any, customers: Any) -> None:
    bad = customers.copy()
    bad.loc[12_345, "recency"] = bad.loc[12_345, "T"] + 1.0
    with pytest.raises(InvalidInputError, match=r"'recency' must be <= T .* partition 1"):
        pdask.fit_transaction_model(dd.from_pandas(bad, npartitions=4), max_client_rows=0)
    with pytest.raises(InvalidInputError, match=r"'summary' must be a dask DataFrame"):
        pdask.fit_transaction_model(customers)
    with pytest.raises(InvalidInputError, match=r"'max_client_rows' must be a whole number"):
        pdask.fit_transaction_model(summary, max_client_rows=-1)
    with pytest.raises(InvalidInputError, match=r"'model' must be a BetaGeo"):
        pdask.fit_transaction_model(summary, object())  # type: ignore[call-overload]
    with pytest.raises(InvalidInputError, match=r"must have the model's data columns"):
        pdask.fit_transaction_model(summary, BetaGeoBetaBinom())
    zero_spend = customers.assign(monetary_value=0.0)
    with pytest.raises(InvalidInputError, match=r"'monetary_value' must be > 0"):
        pdask.fit_spend_model(dd.from_pandas(zero_spend, npartitions=2), max_client_rows=0)


def test_a_worker_killed_mid_fit_gives_the_same_result(client: Any, customers: Any) -> None:
    # Last in this module: it kills one of the module's workers (its nanny restarts it).
    cl = client
    summary = dd.from_pandas(customers, npartitions=4).persist()
    reference = pdask.fit_transaction_model(summary, ParetoNBD(), max_client_rows=0)

    result: list[Any] = []
    failure: list[BaseException] = []

    def fit() -> None:
        try:
            result.append(pdask.fit_transaction_model(summary, ParetoNBD(), max_client_rows=0))
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)

    def likelihood_tasks(dask_scheduler: Any) -> int:
        return sum(str(k).startswith("privtraffic-likelihood") for k in dask_scheduler.tasks)

    deadline = time.monotonic() + 60
    while cl.run_on_scheduler(likelihood_tasks) > 0:  # the reference fit's are forgotten
        assert time.monotonic() < deadline
        time.sleep(0.01)
    pids_before = cl.run(os.getpid)
    thread = threading.Thread(target=fit)
    thread.start()
    deadline = time.monotonic() + 60
    while cl.run_on_scheduler(likelihood_tasks) == 0:  # the optimiser's first round
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    assert thread.is_alive()
    victim = sorted(pids_before)[0]
    os.kill(pids_before[victim], signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive() and not failure, failure
    cl.wait_for_workers(2, timeout=60)
    assert set(cl.run(os.getpid).values()) != set(pids_before.values())  # restarted
    fitted = result[0]
    # The partitions are sorted before every sum and summed in partition order, so the
    # recomputed partitions give the same numbers.
    assert fitted.params_ == pytest.approx(reference.params_, rel=1e-12)
    assert fitted.log_likelihood_ == pytest.approx(reference.log_likelihood_, rel=1e-14)
