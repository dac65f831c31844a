"""Scale-out benchmark: 20,000,000 transactions summarised, fitted and scored with Dask.

The transactions are simulated *inside the workers*, partition by partition (BG/NBD buyers,
about 9 purchases each over two years, 10% of purchases split into two same-day
transactions); the client never holds them. The pipeline is privtraffic.integrations.dask:
summary (shuffle on customer id + group-bys) → histogram → BetaGeo fit on the client →
expected purchases, P(alive) (and Gamma-Gamma CLV when privtraffic.clv provides it) per
partition. We report the size, the wall time of each stage and the peak resident memory of
every worker process (``ru_maxrss``) and of the client.

The peer is the in-memory path (privtraffic.data.summarize_transactions + BetaGeo().fit + the
same predictions) on the same 20,000,000 transactions built in one separate process; the
script checks that both give the same parameters and prints time and memory ratios.

Usage: ``python benchmarks/bench_dask.py [--quick] [--transactions N] [--partitions P]``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import resource
import time
from typing import Any

import numpy as np

START = np.datetime64("2022-01-01T00:00:00", "s")
END_DAY = "2023-12-31"  # two years of observation
N_DAYS = 730
PARAMS = {"r": 2.0, "alpha": 30.0, "a": 1.0, "b": 9.0}  # BG/NBD in days
ROWS_PER_CUSTOMER = 15.9  # mean transactions per customer of this simulation (measured)
TARGET_RATIO_NOTE = "issue 7: fit and score 20M transactions without the raw data in one process"


def simulate_partition(number: int, rows: int, seed: int = 2026) -> Any:
    """About ``rows`` transactions of a block of BG/NBD customers owned by partition ``number``.

    Whole customer histories are simulated (no truncation, which would bias the fit), so the
    number of rows is random around ``rows``; the script reports the actual total.
    """
    import pandas as pd

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
    ids = np.concatenate(ids_out)
    days = np.concatenate(days_out)
    split = rng.random(len(ids)) < 0.1  # a second transaction on the same day
    ids = np.concatenate([ids, ids[split]])
    days = np.concatenate([days, days[split]])
    order = np.argsort(days, kind="stable")  # in time order, like an event log
    seconds = (np.floor(days[order]) * 86_400 + rng.integers(0, 86_400, len(order))).astype(
        np.int64
    )
    return pd.DataFrame(
        {
            "customer_id": ids[order],
            "timestamp": START + seconds.astype("timedelta64[s]"),
            "value": np.round(rng.gamma(4.0, 12.0, len(order)), 2),
        }
    )


def peak_rss_bytes() -> int:
    """Peak resident memory of the calling process (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_dask(n_rows: int, n_partitions: int, n_workers: int) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster, wait

    import privtraffic.clv as clv
    from privtraffic.integrations import dask as pdask

    rows = n_rows // n_partitions
    meta = simulate_partition(0, 10).iloc[:0]
    out: dict[str, Any] = {}
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("privtraffic.integrations.dask"))
        t0 = time.perf_counter()
        transactions = dd.from_map(
            simulate_partition, range(n_partitions), rows=rows, meta=meta, enforce_metadata=False
        )
        summary = pdask.summarize_transactions(
            transactions, unit="W", observation_end=END_DAY, npartitions=n_partitions
        )
        n_tx = transactions.map_partitions(len).sum()
        summary, n_tx = dask.persist(summary, n_tx)
        wait(summary)
        out["n_transactions"] = int(n_tx.compute())
        out["t_summary"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        model = pdask.fit_transaction_model(summary)
        out["t_fit"] = time.perf_counter() - t1
        out["n_customers"] = int(model.n_customers_)
        out["n_rows"] = int(model.n_rows_)
        out["params"] = dict(model.params_)

        spend = None
        t2 = time.perf_counter()
        if hasattr(clv, "GammaGamma") and hasattr(clv, "customer_lifetime_value"):
            spend = pdask.fit_spend_model(summary)
            out["spend_params"] = dict(spend.params_)
        out["t_fit_spend"] = time.perf_counter() - t2

        t3 = time.perf_counter()
        if spend is not None:
            scores = pdask.score_customers(
                summary,
                model,
                t=52.0,
                spend_model=spend,
                horizon=12,
                discount_rate=0.01,
                unit="W",
            )
        else:
            scores = pdask.score_customers(summary, model, t=52.0)
        totals = scores.drop(columns="customer_id").sum().compute()
        out["t_score"] = time.perf_counter() - t3
        out["totals"] = {k: float(v) for k, v in pd.Series(totals).items()}
        out["t_total"] = time.perf_counter() - t0
        out["worker_peak_rss"] = sorted(client.run(peak_rss_bytes).values())
    out["client_peak_rss"] = peak_rss_bytes()
    return out


def run_in_memory(n_rows: int, n_partitions: int) -> dict[str, Any]:
    """The peer, in a fresh process: build all rows in one place and use the numpy path."""
    import pandas as pd

    import privtraffic.clv as clv
    from privtraffic.data import summarize_transactions

    rows = n_rows // n_partitions
    frame = pd.concat([simulate_partition(k, rows) for k in range(n_partitions)], ignore_index=True)
    ids = frame["customer_id"].to_numpy()
    stamps = frame["timestamp"].to_numpy()
    values = frame["value"].to_numpy()
    del frame
    t0 = time.perf_counter()
    s = summarize_transactions(ids, stamps, values, unit="W", observation_end=END_DAY)
    t_summary = time.perf_counter() - t0
    model = clv.BetaGeo().fit(s.frequency, s.recency, s.T)
    t_fit = time.perf_counter() - t0 - t_summary
    totals = {
        "expected_purchases": float(
            model.expected_purchases(52.0, s.frequency, s.recency, s.T).sum()
        ),
        "probability_alive": float(model.probability_alive(s.frequency, s.recency, s.T).sum()),
    }
    out: dict[str, Any] = {}
    if hasattr(clv, "GammaGamma") and hasattr(clv, "customer_lifetime_value"):
        repeat = s.frequency > 0
        spend = clv.GammaGamma().fit(s.frequency[repeat], s.monetary_value[repeat])
        out["spend_params"] = dict(spend.params_)
        totals["expected_spend"] = float(spend.expected_spend(s.frequency, s.monetary_value).sum())
        totals["clv"] = float(
            clv.customer_lifetime_value(
                model, spend, s, horizon=12, discount_rate=0.01, unit="W"
            ).sum()
        )
    t_total = time.perf_counter() - t0
    return out | {
        "n_transactions": len(ids),
        "n_customers": len(s),
        "t_summary": t_summary,
        "t_fit": t_fit,
        "t_total": t_total,
        "params": dict(model.params_),
        "totals": totals,
        "peak_rss": peak_rss_bytes(),
    }


def close(a: dict[str, float], b: dict[str, float], rel: float) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= rel * abs(b[k]) for k in b)


def max_rel_diff(a: dict[str, float], b: dict[str, float]) -> float:
    return max((abs(a[k] - b[k]) / abs(b[k]) for k in b), default=0.0)


def rounded(values: dict[str, float], digits: int = 4) -> dict[str, float]:
    return {k: round(v, digits) for k, v in values.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 2,000,000 transactions")
    parser.add_argument("--transactions", type=int, default=20_000_000)
    parser.add_argument("--partitions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip the in-memory run")
    args = parser.parse_args()
    n_rows = 2_000_000 if args.quick else args.transactions
    n_partitions = max(4, args.partitions // 10) if args.quick else args.partitions
    gib = 2**30

    print(f"privtraffic.integrations.dask, about {n_rows:,} transactions in {n_partitions} "
          f"partitions, {args.workers} worker processes x 1 thread")  # fmt: skip
    d = run_dask(n_rows, n_partitions, args.workers)
    raw_bytes = d["n_transactions"] * (8 + 8 + 8)
    print(f"  transactions {d['n_transactions']:,} (raw log {raw_bytes / gib:.2f} GiB as int64 id, "
          f"datetime64, float64), customers {d['n_customers']:,}, "
          f"distinct (frequency, recency, T) rows {d['n_rows']:,}")  # fmt: skip
    print(f"  summary (simulate + validate + shuffle + group-bys) {d['t_summary']:7.1f} s")
    print(f"  BG/NBD fit on the histogram (client)                {d['t_fit']:7.1f} s")
    if "spend_params" in d:
        print(f"  Gamma-Gamma fit on repeat buyers (client)           {d['t_fit_spend']:7.1f} s")
    print(f"  scoring with map_partitions (+ column sums)         {d['t_score']:7.1f} s")
    print(f"  total wall time                                     {d['t_total']:7.1f} s")
    peaks = ", ".join(f"{p / gib:.2f}" for p in d["worker_peak_rss"])
    worst = max(d["worker_peak_rss"])
    print(f"  peak RSS per worker process: {peaks} GiB; client process "
          f"{d['client_peak_rss'] / gib:.2f} GiB")  # fmt: skip
    truth = {"r": PARAMS["r"], "alpha": PARAMS["alpha"] / 7, "a": PARAMS["a"], "b": PARAMS["b"]}
    print(f"  BG/NBD estimates (weeks) {rounded(d['params'])}; simulated truth {rounded(truth)}")
    if "spend_params" in d:
        print(f"  Gamma-Gamma estimates {rounded(d['spend_params'])}")
    print(f"  column sums of the scores {rounded(d['totals'], 1)}")
    print(f"  target ({TARGET_RATIO_NOTE}): the log is simulated, shuffled and reduced in the "
          "workers; the client only receives the histogram, the repeat buyers' (frequency, "
          "monetary_value) and the sums")  # fmt: skip
    if args.no_peer:
        return
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        m = pool.submit(run_in_memory, n_rows, n_partitions).result()
    print("in-memory peer (numpy path, the whole log in one process; building it not timed):")
    print(f"  summary {m['t_summary']:.1f} s, fits {m['t_fit']:.1f} s, total {m['t_total']:.1f} s, "
          f"peak RSS {m['peak_rss'] / gib:.2f} GiB")  # fmt: skip
    print(f"  same transactions and customers: "
          f"{(d['n_transactions'], d['n_customers']) == (m['n_transactions'], m['n_customers'])}; "
          f"same BG/NBD estimates (1e-8): {close(d['params'], m['params'], 1e-8)}; "
          f"same Gamma-Gamma estimates (1e-6): "
          f"{close(d.get('spend_params', {}), m.get('spend_params', {}), 1e-6)}; "
          f"same score sums (1e-8): {close(d['totals'], m['totals'], 1e-8)}")  # fmt: skip
    for key in ("params", "spend_params", "totals"):
        print(f"  largest relative difference dask vs in-memory, {key}: "
              f"{max_rel_diff(d.get(key, {}), m.get(key, {})):.1e}")  # fmt: skip
    print(f"  ratios dask / in-memory: wall time {d['t_total'] / m['t_total']:.2f} (dask's "
          f"includes simulating the log in the workers); peak memory of the largest process "
          f"{worst / m['peak_rss']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
