"""BTYD estimators: privtraffic against lifetimes 0.11.3, measured in one run on the same data.

Data: 1,000,000 customers (``--quick``: 100,000) drawn from BG/NBD with the published CDNOW
parameters (r=0.243, alpha=4.414, a=0.793, b=2.426; weeks). Each customer is acquired on one
of 84 days and observed until a common end date, so T is a whole number of days expressed in
weeks; purchase times are simulated in continuous time and the last one is floored to its day,
as ``summarize_transactions(unit="W")`` reports day-resolution data.

The two sides are interleaved (ours, lifetimes, ours, lifetimes, ...) and each ratio is the
median of the paired ratios of ``--repeats`` rounds (default 5), so a load spike on the shared
machine hits both sides of a pair; the medians of each side's times are printed too. Every
timing includes what the caller would run: privtraffic's fit collapses identical rows itself;
for "lifetimes fed pre-collapsed weights" the pandas groupby that collapses the rows is timed
together with the fit.

Run: ``python benchmarks/bench_clv.py [--quick] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

from privtraffic.clv import BetaGeo

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def make_data(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    age_days = 39 * 7 - rng.integers(0, 84, n)
    model = BetaGeo.from_params(PARAMS)
    sim = model.simulate(n, age_days / 7.0, rng=rng)
    recency = np.floor(sim.recency * 7.0) / 7.0
    return sim.frequency, recency, sim.T


def paired(ours_fn, peer_fns, repeats: int) -> tuple[float, list[float], list[float], object]:
    """Interleave ``ours_fn`` with each of ``peer_fns`` for ``repeats`` rounds.

    Returns the median time of ours, the median time of each peer, the median of the paired
    ratios (peer / ours) for each peer, and ours' last result.
    """
    ours_times: list[float] = []
    peer_times: list[list[float]] = [[] for _ in peer_fns]
    ratios: list[list[float]] = [[] for _ in peer_fns]
    out = None
    for _ in range(repeats):
        for j, peer in enumerate(peer_fns):
            start = time.perf_counter()
            out = ours_fn()
            mine = time.perf_counter() - start
            start = time.perf_counter()
            peer()
            theirs = time.perf_counter() - start
            ours_times.append(mine)
            peer_times[j].append(theirs)
            ratios[j].append(theirs / mine)
    return (
        statistics.median(ours_times),
        [statistics.median(t) for t in peer_times],
        [statistics.median(r) for r in ratios],
        out,
    )


def import_time(repeats: int = 7) -> float:
    code = (
        "import time; t = time.perf_counter(); import privtraffic; print(time.perf_counter() - t)"
    )
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats)
    ]
    return statistics.median(times)


def load_average() -> str:
    """The machine's load averages: the benchmark shares a small machine with other jobs."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # not available on this platform
        return "n/a"


def collapse_with_pandas(x, rec, T):
    import pandas as pd

    df = pd.DataFrame({"frequency": x, "recency": rec, "T": T})
    return df.groupby(["frequency", "recency", "T"], sort=False).size().reset_index(name="weights")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (>= 5)")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000

    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter

    print(f"privtraffic vs lifetimes 0.11.3 — BG/NBD, {n:,} simulated customers")
    print("(day-resolution ages in weeks; CDNOW parameters; 2-core machine)")
    print(f"load average at start (1, 5, 15 min): {load_average()}")
    x, rec, T = make_data(n)
    print(f"distinct (frequency, recency, T) rows: {len(collapse_with_pandas(x, rec, T)):,}")

    def lifetimes_collapsed():
        df = collapse_with_pandas(x, rec, T)
        return BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"], weights=df["weights"])

    peer = lifetimes_collapsed()
    raw_peer = BetaGeoFitter().fit(x, rec, T)
    ours_fit, (raw_time, collapsed_time), (raw_ratio, collapsed_ratio), ours = paired(
        lambda: BetaGeo().fit(x, rec, T),
        [lambda: BetaGeoFitter().fit(x, rec, T), lifetimes_collapsed],
        args.repeats,
    )
    print(f"\nprivtraffic BetaGeo().fit (incl. collapsing): {ours_fit:8.3f} s   {ours}")
    print(f"lifetimes BetaGeoFitter().fit on the same {n:,} raw rows: {raw_time:8.3f} s")
    print(f"lifetimes collapse (pandas groupby) + fit with weights: {collapsed_time:8.3f} s")
    rel = max(
        abs(ours.params_[k] - other.params_[k]) / abs(other.params_[k])
        for k in PARAMS
        for other in (peer, raw_peer)
    )
    print(f"largest relative parameter difference vs both lifetimes fits: {rel:.2e}")

    m = BetaGeo.from_params(ours.params_)
    ours_pred, (peer_pred,), (pred_ratio,), _ = paired(
        lambda: (m.expected_purchases(39.0, x, rec, T), m.probability_alive(x, rec, T)),
        [
            lambda: (
                peer.conditional_expected_number_of_purchases_up_to_time(39.0, x, rec, T),
                peer.conditional_probability_alive(x, rec, T),
            )
        ],
        args.repeats,
    )
    print(f"\nexpected_purchases(39) + probability_alive on {n:,} customers:")
    print(f"  privtraffic {ours_pred:.3f} s, lifetimes {peer_pred:.3f} s")

    imp = import_time()
    print(f"import privtraffic (fresh interpreter, median of 7): {imp:.3f} s")

    print(f"\nratio (median of {args.repeats} paired ratios)             measured   target")
    print(f"fit vs lifetimes on raw rows                       {raw_ratio:8.1f}x   >= 100x")
    print(f"fit vs lifetimes on pre-collapsed weights          {collapsed_ratio:8.1f}x   >= 2x")
    print(f"same parameters (max relative difference)          {rel:8.1e}    <= 1e-4")
    print(f"expected_purchases + probability_alive             {pred_ratio:8.1f}x   >= 5x")
    print(f"import privtraffic                                 {imp:8.3f}s   < 0.5 s")
    print(f"\nload average at end (1, 5, 15 min): {load_average()}")


if __name__ == "__main__":
    main()
