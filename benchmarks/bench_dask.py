"""Scale-out benchmark: a transaction log in partitioned Parquet, summarised, fitted and scored
with Dask on a 2-worker LocalCluster (spilling on).

The log is simulated once per size and written to Parquet the way event logs are stored: one
file per time window (about ``--partition-rows`` transactions each), so that every customer's
purchases are spread across many files. ``dd.read_parquet`` reads it; the pipeline is
``privtraffic.integrations.dask``: summary (validation, shuffle on the customer id, group-bys)
→ BG/NBD and Gamma-Gamma fitted by map-reduce over the histogram's partitions (the client
sends the parameters and receives a handful of floats per partition per step) → expected
purchases, P(alive), expected spend and CLV per partition (column sums collected).

Reported: sizes, the wall time of each stage, the peak resident memory (``ru_maxrss``) of each
worker process beside the size of the largest input partition and of the whole log in memory,
the client's peak memory, and how much the client allocates during the distributed fits
(``tracemalloc`` peak and resident-memory growth, sampled every 10 ms).

Peers, measured in the same run:

- the client-side fit of the previous design: the histogram (and the repeat buyers' pairs)
  collected to the client and fitted there; the two are run interleaved ``--fit-repeats``
  times (A B A B ...) and the median of the paired time ratios is printed with the largest
  relative differences of the estimates;
- with ``--peer`` (default below 50M transactions), the in-memory path in a separate process:
  the whole log read into numpy, ``privtraffic.data.summarize_transactions``, the in-memory
  fits and the same predictions.

Usage::

    python benchmarks/bench_dask.py --transactions 20000000
    python benchmarks/bench_dask.py --transactions 200000000 --no-peer
    python benchmarks/bench_dask.py --quick          # 2,000,000 transactions, a minute
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import math
import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

START = np.datetime64("2022-01-01T00:00:00", "s")
END_DAY = "2023-12-31"  # two years of observation
N_DAYS = 730
PARAMS = {"r": 2.0, "alpha": 30.0, "a": 1.0, "b": 9.0}  # BG/NBD in days
SPEND = {"p": 4.0, "q": 5.0, "v": 48.0}  # Gamma-Gamma: mean spend p v / (q - 1) = 48
ROWS_PER_CUSTOMER = 15.9  # mean transactions per customer of this simulation (measured)
BLOCK_ROWS = 4_000_000  # transactions simulated per block (one process each)
GIB = 2**30
MIB = 2**20


# ----------------------------------------------------------------------------- the data
def simulate_block(number: int, rows: int, seed: int) -> dict[str, Any]:
    """About ``rows`` transactions of a block of BG/NBD customers (ids unique to the block).

    Whole customer histories are simulated (no truncation, which would bias the fit), so the
    number of rows is random around ``rows``.
    """
    rng = np.random.default_rng([seed, number])
    n = max(1, round(rows / ROWS_PER_CUSTOMER))
    first_id = number * 10 * n
    lam = rng.gamma(PARAMS["r"], 1.0 / PARAMS["alpha"], n)
    p = rng.beta(PARAMS["a"], PARAMS["b"], n)
    t = rng.uniform(0, 365, n)  # acquisition during the first year
    ids = np.arange(first_id, first_id + n)
    ids_out, days_out = [ids], [t]
    alive = np.ones(n, dtype=bool)
    while alive.any():  # BG/NBD: Poisson(lam) purchases, dropout with p after each repeat one
        t = t + rng.exponential(1.0, n) / lam
        alive &= t < N_DAYS
        ids_out.append(ids[alive])
        days_out.append(t[alive])
        alive &= rng.random(n) >= p
    all_ids = np.concatenate(ids_out)
    days = np.concatenate(days_out)
    # Gamma-Gamma spend: each customer's rate nu ~ Gamma(q, rate v), values ~ Gamma(p, rate nu).
    nu = rng.gamma(SPEND["q"], 1.0 / SPEND["v"], n)
    split = rng.random(len(all_ids)) < 0.1  # a second transaction on the same day
    all_ids = np.concatenate([all_ids, all_ids[split]])
    days = np.concatenate([days, days[split]])
    order = np.argsort(days, kind="stable")  # in time order, like an event log
    seconds = (np.floor(days[order]) * 86_400 + rng.integers(0, 86_400, len(order))).astype(
        np.int64
    )
    return {
        "customer_id": all_ids[order],
        "seconds": seconds,
        "value": np.round(rng.gamma(SPEND["p"], 1.0 / nu[all_ids[order] - first_id]), 2),
        "customers": n,
    }


def write_parquet(n_rows: int, partition_rows: int, root: Path, seed: int) -> dict[str, Any]:
    """Simulate the log in blocks and write one Parquet file per time window.

    The window boundaries are quantiles of the first block's transaction times, so that the
    files hold about ``partition_rows`` transactions each; every block appends one row group
    to every file. Cached: a finished directory (with ``_done.json``) is reused.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    done = root / "_done.json"
    if done.exists():
        info: dict[str, Any] = json.loads(done.read_text())
        return info
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    n_blocks = max(1, math.ceil(n_rows / BLOCK_ROWS))
    n_files = max(2, round(n_rows / partition_rows))
    schema = pa.schema(
        [("customer_id", pa.int64()), ("timestamp", pa.timestamp("s")), ("value", pa.float64())]
    )
    writers = [pq.ParquetWriter(root / f"part-{k:05d}.parquet", schema) for k in range(n_files)]
    edges = None
    total = customers = 0
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        pending: list[concurrent.futures.Future[dict[str, Any]]] = []
        submitted = 0
        while submitted < n_blocks or pending:
            while submitted < n_blocks and len(pending) < 3:  # at most three blocks in flight
                pending.append(pool.submit(simulate_block, submitted, n_rows // n_blocks, seed))
                submitted += 1
            block = pending.pop(0).result()
            if edges is None:
                edges = np.quantile(block["seconds"], np.linspace(0, 1, n_files + 1)[1:-1])
            cuts = np.searchsorted(block["seconds"], edges, side="right")
            bounds = [0, *cuts.tolist(), len(block["seconds"])]
            for k in range(n_files):
                lo, hi = bounds[k], bounds[k + 1]
                stamps = (START + block["seconds"][lo:hi].astype("m8[s]")).astype("M8[s]")
                table = pa.table(
                    {
                        "customer_id": block["customer_id"][lo:hi],
                        "timestamp": pa.array(stamps, type=pa.timestamp("s")),
                        "value": block["value"][lo:hi],
                    },
                    schema=schema,
                )
                writers[k].write_table(table)
            total += len(block["seconds"])
            customers += int(block["customers"])
            del block
    for w in writers:
        w.close()
    info = {"transactions": total, "customers": customers, "files": n_files, "seed": seed}
    done.write_text(json.dumps(info))
    return info


# ----------------------------------------------------------------------------- memory
def peak_rss_bytes() -> int:
    """Peak resident memory of the calling process (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def worker_memory(dask_worker: Any) -> dict[str, float]:
    """A worker's peak RSS and what it spilled to disk (read inside the worker)."""
    spilled = getattr(getattr(dask_worker, "data", None), "spilled_total", None)
    disk = float(getattr(spilled, "disk", 0.0)) if spilled is not None else 0.0
    return {"peak_rss": float(peak_rss_bytes()), "spilled_to_disk": disk}


@contextmanager
def client_memory() -> Iterator[dict[str, float]]:
    """tracemalloc peak and resident-memory growth of this process inside the block."""
    out: dict[str, float] = {}
    stop = threading.Event()
    base = current_rss_bytes()
    high = [base]

    def sample() -> None:
        while not stop.is_set():
            high[0] = max(high[0], current_rss_bytes())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    sampler.start()
    try:
        yield out
    finally:
        stop.set()
        sampler.join()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["tracemalloc_peak"] = float(peak)
        out["rss_growth"] = float(max(high[0], current_rss_bytes()) - base)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


_PEER_CLIENT: Any = None


def client_side_fit(address: str, which: str, measure_memory: bool) -> dict[str, Any]:
    """The previous design, in its own client process: collect the histogram (or the repeat
    buyers' pairs) from the cluster's persisted summary and fit it there."""
    global _PEER_CLIENT
    from distributed import Client

    import privtraffic.clv as clv
    from privtraffic.integrations import dask as pdask

    if _PEER_CLIENT is None:
        logging.getLogger("distributed").setLevel(logging.ERROR)
        _PEER_CLIENT = Client(address)
    summary = _PEER_CLIENT.get_dataset("summary")

    def fit() -> Any:
        if which == "BetaGeo":
            hist = pdask.rfm_histogram(summary)
            return clv.BetaGeo().fit(
                hist["frequency"], hist["recency"], hist["T"], weights=hist["weights"]
            )
        repeat = summary[summary["frequency"] > 0]
        pairs = repeat.groupby(["frequency", "monetary_value"]).size().compute()
        pairs = pairs.rename("weights").reset_index()
        return clv.GammaGamma().fit(
            pairs["frequency"], pairs["monetary_value"], weights=pairs["weights"]
        )

    out: dict[str, Any] = {}
    if measure_memory:
        with client_memory() as memory:
            fit()
        out["memory"] = memory
        return out
    out["time"], model = timed(fit)
    out["params"] = dict(model.params_)
    out["log_likelihood"] = model.log_likelihood_
    out["covariance"] = np.asarray(model.covariance_).tolist()
    out["n_customers"] = model.n_customers_
    return out


# ----------------------------------------------------------------------------- the runs
def run_dask(path: Path, n_workers: int, memory_limit: str, fit_repeats: int) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster, wait

    import privtraffic.clv as clv
    from privtraffic.integrations import dask as pdask

    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    out: dict[str, Any] = {"memory_limit": memory_limit}
    spill_dir = tempfile.mkdtemp(prefix="privtraffic-bench-spill-")
    memory = {"target": 0.6, "spill": 0.7, "pause": 0.8, "terminate": 0.95}  # spilling on
    with (
        dask.config.set({f"distributed.worker.memory.{k}": v for k, v in memory.items()}),
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=memory_limit,
            local_directory=spill_dir,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("privtraffic.integrations.dask"))
        t0 = time.perf_counter()
        transactions = dd.read_parquet(str(path), columns=["customer_id", "timestamp", "value"])
        summary = pdask.summarize_transactions(transactions, unit="W", observation_end=END_DAY)
        n_tx = transactions.map_partitions(len).sum()
        in_memory = transactions.map_partitions(lambda f: f.memory_usage(deep=True).sum())
        summary, n_tx, largest, whole = dask.persist(
            summary, n_tx, in_memory.max(), in_memory.sum()
        )
        wait(summary)
        out["n_transactions"] = int(n_tx.compute())
        out["partition_bytes"] = float(largest.compute())
        out["log_bytes"] = float(whole.compute())
        out["n_partitions"] = transactions.npartitions
        out["n_files"] = len(list(path.glob("*.parquet")))
        out["t_summary"] = time.perf_counter() - t0

        # The fits by map-reduce here (A) and, in a separate client process, on the
        # collected histogram (B, the previous design), interleaved: A B A B ...
        client.publish_dataset(summary=summary)
        out["managed_per_worker"] = sorted(
            client.run(lambda dask_worker: float(dask_worker.state.nbytes)).values()
        )

        def distributed_fit() -> Any:  # max_client_rows=0: by map-reduce at every size
            return pdask.fit_transaction_model(summary, clv.BetaGeo(), max_client_rows=0)

        def distributed_spend() -> Any:
            return pdask.fit_spend_model(summary, clv.GammaGamma(), max_client_rows=0)

        ctx = multiprocessing.get_context("spawn")
        peer = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx)
        address = cluster.scheduler_address

        def client_side(which: str, memory: bool = False) -> dict[str, Any]:
            result: dict[str, Any] = peer.submit(client_side_fit, address, which, memory).result()
            return result

        times: dict[str, list[float]] = {"A": [], "B": [], "A_gg": [], "B_gg": []}
        with peer:
            for _ in range(fit_repeats):
                t, model = timed(distributed_fit)
                times["A"].append(t)
                local = client_side("BetaGeo")
                times["B"].append(local["time"])
                t, spend = timed(distributed_spend)
                times["A_gg"].append(t)
                local_spend = client_side("GammaGamma")
                times["B_gg"].append(local_spend["time"])
            gg_memory = client_side("GammaGamma", True)["memory"]
            bg_memory = client_side("BetaGeo", True)["memory"]
            out["client_side_fit_memory"] = {
                k: max(gg_memory[k], bg_memory[k]) for k in ("tracemalloc_peak", "rss_growth")
            }
        out["fit_times"] = times
        out["n_customers"] = int(model.n_customers_)
        out["n_rows"] = int(model.n_rows_)
        out["n_pairs"] = int(spend.n_rows_)
        out["n_iter"] = int(model.n_iter_)
        out["params"] = dict(model.params_)
        out["client_params"] = local["params"]
        out["log_likelihood"] = (model.log_likelihood_, local["log_likelihood"])
        out["spend_params"] = dict(spend.params_)
        out["client_spend_params"] = local_spend["params"]
        out["spend_log_likelihood"] = (spend.log_likelihood_, local_spend["log_likelihood"])
        cov = np.asarray(local_spend["covariance"])
        scale = np.array(list(local_spend["params"].values()))
        out["spend_log_hessian_eigenvalues"] = [
            float(v) / local_spend["n_customers"]
            for v in np.linalg.eigvalsh(np.linalg.inv(cov / np.outer(scale, scale)))
        ]

        t3 = time.perf_counter()
        scores = pdask.score_customers(
            summary, model, t=52.0, spend_model=spend, horizon=12, discount_rate=0.01, unit="W"
        )
        totals = scores.drop(columns="customer_id").sum().compute()
        out["t_score"] = time.perf_counter() - t3
        out["totals"] = {k: float(v) for k, v in pd.Series(totals).items()}
        out["t_pipeline"] = out["t_summary"] + times["A"][0] + times["A_gg"][0] + out["t_score"]
        with client_memory() as fit_memory:
            distributed_fit()
            distributed_spend()
        out["client_fit_memory"] = fit_memory
        out["workers"] = sorted(client.run(worker_memory).values(), key=lambda w: w["peak_rss"])
        out["client_peak_rss"] = peak_rss_bytes()
        client.unpublish_dataset("summary")
        client.cancel(summary)  # released before the cluster closes, not "lost" by it

        def quiet() -> None:  # closing: no heartbeat errors from workers shutting down
            logging.getLogger("distributed").setLevel(logging.CRITICAL)

        client.run(quiet)
        quiet()
    shutil.rmtree(spill_dir, ignore_errors=True)
    return out


def run_in_memory(path: str) -> dict[str, Any]:
    """The in-memory peer, in a fresh process: the whole log in numpy, the numpy path."""
    import pyarrow.parquet as pq

    import privtraffic.clv as clv
    from privtraffic.data import summarize_transactions

    table = pq.read_table(path, columns=["customer_id", "timestamp", "value"])
    ids = table.column("customer_id").to_numpy()
    stamps = table.column("timestamp").to_numpy()
    values = table.column("value").to_numpy()
    del table
    t0 = time.perf_counter()
    s = summarize_transactions(ids, stamps, values, unit="W", observation_end=END_DAY)
    t_summary = time.perf_counter() - t0
    model = clv.BetaGeo().fit(s.frequency, s.recency, s.T)
    repeat = s.frequency > 0
    assert s.monetary_value is not None
    spend = clv.GammaGamma().fit(s.frequency[repeat], s.monetary_value[repeat])
    t_fit = time.perf_counter() - t0 - t_summary
    totals = {
        "expected_purchases": float(
            model.expected_purchases(52.0, s.frequency, s.recency, s.T).sum()
        ),
        "probability_alive": float(model.probability_alive(s.frequency, s.recency, s.T).sum()),
        "expected_spend": float(spend.expected_spend(s.frequency, s.monetary_value).sum()),
        "clv": float(
            clv.customer_lifetime_value(
                model, spend, s, horizon=12, discount_rate=0.01, unit="W"
            ).sum()
        ),
    }
    return {
        "n_transactions": len(ids),
        "n_customers": len(s),
        "t_summary": t_summary,
        "t_fit": t_fit,
        "t_total": time.perf_counter() - t0,
        "params": dict(model.params_),
        "spend_params": dict(spend.params_),
        "spend_log_likelihood": spend.log_likelihood_,
        "log_likelihood": model.log_likelihood_,
        "totals": totals,
        "peak_rss": peak_rss_bytes(),
    }


# ----------------------------------------------------------------------------- the report
def max_rel_diff(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in b)


def rounded(values: dict[str, float], digits: int = 4) -> dict[str, float]:
    return {k: round(v, digits) for k, v in values.items()}


def median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000,000 transactions")
    parser.add_argument("--transactions", type=int, default=20_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB", help="per worker")
    parser.add_argument("--fit-repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--data-dir", default=os.path.join(tempfile.gettempdir(), "privtraffic-bench-data")
    )
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument("--peer", dest="peer", action="store_true", default=None)
    peer.add_argument("--no-peer", dest="peer", action="store_false")
    args = parser.parse_args()
    n_rows = 2_000_000 if args.quick else args.transactions
    partition_rows = 250_000 if args.quick else args.partition_rows
    run_peer = args.peer if args.peer is not None else n_rows < 50_000_000
    warnings.simplefilter("ignore", category=UserWarning)  # dashboard port notices

    root = Path(args.data_dir) / f"bgnbd-{n_rows}-{partition_rows}-seed{args.seed}"
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as writer:
        # in its own process, so that this one's peak memory is the benchmark's alone
        t_write, info = timed(
            lambda: writer.submit(write_parquet, n_rows, partition_rows, root, args.seed).result()
        )
    size_on_disk = sum(f.stat().st_size for f in root.glob("*.parquet"))
    print(f"privtraffic.integrations.dask: {info['transactions']:,} transactions of "
          f"{info['customers']:,} customers in {info['files']} Parquet files "
          f"({size_on_disk / GIB:.2f} GiB on disk, one file per time window; written or "
          f"found in {t_write:.0f} s)")  # fmt: skip
    print(f"  {args.workers} worker processes x 1 thread, memory limit {args.memory_limit} "
          "each, spilling to disk from 70% of it; load average before: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    d = run_dask(root, args.workers, args.memory_limit, args.fit_repeats)
    times = d["fit_times"]
    print(f"  read by dd.read_parquet into {d['n_partitions']} partitions; customers "
          f"{d['n_customers']:,}; distinct (frequency, recency, T) rows {d['n_rows']:,}; "
          f"distinct (frequency, monetary_value) pairs of repeat buyers "
          f"{d['n_pairs']:,}")  # fmt: skip
    print(f"  summary (read + validate + shuffle + group-bys), persisted   {d['t_summary']:8.1f} s")
    print(f"  BG/NBD fit by map-reduce (median of {len(times['A'])})"
          f"                   {statistics.median(times['A']):8.1f} s")  # fmt: skip
    print(f"  Gamma-Gamma fit by map-reduce (median of {len(times['A_gg'])})"
          f"              {statistics.median(times['A_gg']):8.1f} s")  # fmt: skip
    print(f"  scoring with map_partitions (+ column sums)                 {d['t_score']:8.1f} s")
    print(f"  pipeline (summary + first fits + scoring)                   {d['t_pipeline']:8.1f} s")
    peaks = ", ".join(f"{w['peak_rss'] / GIB:.2f}" for w in d["workers"])
    spilled = ", ".join(f"{w['spilled_to_disk'] / GIB:.2f}" for w in d["workers"])
    managed = ", ".join(f"{b / MIB:.0f}" for b in d["managed_per_worker"])
    print(f"  memory: largest input partition {d['partition_bytes'] / MIB:.0f} MiB in pandas; "
          f"the whole log {d['log_bytes'] / GIB:.2f} GiB; peak RSS per worker {peaks} GiB "
          f"(spilled to disk {spilled} GiB); the persisted summary holds {managed} MiB "
          "on each")  # fmt: skip
    fm, lm = d["client_fit_memory"], d["client_side_fit_memory"]
    print(f"  client (this process, which also hosts the LocalCluster's scheduler): peak RSS "
          f"{d['client_peak_rss'] / GIB:.2f} GiB over the whole run; during the two map-reduce "
          f"fits it allocated at most {fm['tracemalloc_peak'] / MIB:.1f} MiB (tracemalloc) and "
          f"grew by {fm['rss_growth'] / MIB:.0f} MiB RSS; a client-side fit of a collected "
          f"histogram (the previous design, in its own client process) allocates "
          f"{lm['tracemalloc_peak'] / MIB:.0f} MiB and grows it by {lm['rss_growth'] / MIB:.0f} "
          "MiB")  # fmt: skip
    truth = {"r": PARAMS["r"], "alpha": PARAMS["alpha"] / 7, "a": PARAMS["a"], "b": PARAMS["b"]}
    print(f"  BG/NBD estimates (weeks) {rounded(d['params'])}; simulated truth {rounded(truth)}")
    print(f"  Gamma-Gamma estimates {rounded(d['spend_params'])}; simulated truth {SPEND}")
    print(f"  column sums of the scores {rounded(d['totals'], 1)}")
    print("client-side fit of the collected histogram (the previous design), same run, "
          f"interleaved x{len(times['B'])}:")  # fmt: skip
    print(f"  BG/NBD: median time ratio map-reduce / client-side "
          f"{median_ratio(times['A'], times['B']):.2f} (client-side "
          f"{statistics.median(times['B']):.1f} s); largest relative difference of the "
          f"estimates {max_rel_diff(d['params'], d['client_params']):.1e} (same to 1e-8: "
          f"{max_rel_diff(d['params'], d['client_params']) < 1e-8})")  # fmt: skip
    ll, ll_local = d["spend_log_likelihood"]
    eig = d["spend_log_hessian_eigenvalues"]
    print(f"  Gamma-Gamma: median time ratio {median_ratio(times['A_gg'], times['B_gg']):.2f} "
          f"(client-side {statistics.median(times['B_gg']):.1f} s); log-likelihoods "
          f"{abs(ll - ll_local) / abs(ll_local):.1e} apart, estimates "
          f"{max_rel_diff(d['spend_params'], d['client_spend_params']):.1e}; Hessian per "
          f"customer in log(p, q, v) has eigenvalues "
          f"{', '.join(f'{e:.1e}' for e in eig)}")  # fmt: skip
    print(f"  load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not run_peer:
        print("in-memory peer (the whole log in one process) not run at this size")
        return
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        m = pool.submit(run_in_memory, str(root)).result()
    print("in-memory peer (numpy path, the whole log in one process; reading it not timed):")
    print(f"  summary {m['t_summary']:.1f} s, fits {m['t_fit']:.1f} s, total {m['t_total']:.1f} s, "
          f"peak RSS {m['peak_rss'] / GIB:.2f} GiB")  # fmt: skip
    same = (d["n_transactions"], d["n_customers"]) == (m["n_transactions"], m["n_customers"])
    print(f"  same transactions and customers: {same}; largest relative differences dask vs "
          f"in-memory: BG/NBD estimates {max_rel_diff(d['params'], m['params']):.1e}, "
          f"Gamma-Gamma log-likelihood "
          f"{abs(ll - m['spend_log_likelihood']) / abs(m['spend_log_likelihood']):.1e} and "
          f"estimates {max_rel_diff(d['spend_params'], m['spend_params']):.1e}, score sums "
          f"{max_rel_diff(d['totals'], m['totals']):.1e}")  # fmt: skip
    worst = max(w["peak_rss"] for w in d["workers"])
    print(f"  ratios dask / in-memory: wall time {d['t_pipeline'] / m['t_total']:.2f} (dask's "
          f"includes reading the files), peak memory of the largest process "
          f"{worst / m['peak_rss']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
