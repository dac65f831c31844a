"""BTYD estimators: privtraffic against lifetimes 0.11.3, measured in one run on the same data.

Data: 1,000,000 customers (``--quick``: 100,000) drawn from BG/NBD with the published CDNOW
parameters (r=0.243, alpha=4.414, a=0.793, b=2.426; weeks). Each customer is acquired on one
of 84 days and observed until a common end date, so T is a whole number of days expressed in
weeks; purchase times are simulated in continuous time and the last one is floored to its day,
as ``summarize_transactions(unit="W")`` reports day-resolution data.

Timings are medians of repeats (privtraffic: 5 for fits, 3 for predictions; lifetimes: 1 for
fits, which take long, 3 for predictions). Every timing includes what the caller would run:
privtraffic's fit collapses identical rows itself; for "lifetimes fed pre-collapsed weights"
the pandas groupby that collapses the rows is timed together with the fit.

Run: ``python benchmarks/bench_clv.py [--quick]``.
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


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


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
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000

    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter

    print(f"privtraffic vs lifetimes 0.11.3 — BG/NBD, {n:,} simulated customers")
    print("(day-resolution ages in weeks; CDNOW parameters; 2-core machine)")
    print(f"load average at start (1, 5, 15 min): {load_average()}")
    x, rec, T = make_data(n)
    print(f"distinct (frequency, recency, T) rows: {len(collapse_with_pandas(x, rec, T)):,}")

    ours_fit, ours = median_time(lambda: BetaGeo().fit(x, rec, T), 5)
    print(f"\nprivtraffic BetaGeo().fit (incl. collapsing): {ours_fit:8.3f} s   {ours}")

    raw_time, raw_peer = median_time(lambda: BetaGeoFitter().fit(x, rec, T), 1)
    print(f"lifetimes BetaGeoFitter().fit on the same {n:,} raw rows: {raw_time:8.3f} s")

    def lifetimes_collapsed():
        df = collapse_with_pandas(x, rec, T)
        return BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"], weights=df["weights"])

    collapsed_time, peer = median_time(lifetimes_collapsed, 1)
    print(f"lifetimes collapse (pandas groupby) + fit with weights: {collapsed_time:8.3f} s")
    rel = max(
        abs(ours.params_[k] - other.params_[k]) / abs(other.params_[k])
        for k in PARAMS
        for other in (peer, raw_peer)
    )
    print(f"largest relative parameter difference vs both lifetimes fits: {rel:.2e}")

    m = BetaGeo.from_params(ours.params_)
    ours_pred, _ = median_time(
        lambda: (m.expected_purchases(39.0, x, rec, T), m.probability_alive(x, rec, T)), 3
    )
    peer_pred, _ = median_time(
        lambda: (
            peer.conditional_expected_number_of_purchases_up_to_time(39.0, x, rec, T),
            peer.conditional_probability_alive(x, rec, T),
        ),
        3,
    )
    print(f"\nexpected_purchases(39) + probability_alive on {n:,} customers:")
    print(f"  privtraffic {ours_pred:.3f} s, lifetimes {peer_pred:.3f} s")

    imp = import_time()
    print(f"import privtraffic (fresh interpreter, median of 7): {imp:.3f} s")

    print("\nratio                                              measured   target")
    print(
        f"fit vs lifetimes on raw rows                       {raw_time / ours_fit:8.1f}x   >= 100x"
    )
    ratio = collapsed_time / ours_fit
    print(f"fit vs lifetimes on pre-collapsed weights          {ratio:8.1f}x   >= 2x")
    print(f"same parameters (max relative difference)          {rel:8.1e}    <= 1e-4")
    print(
        f"expected_purchases + probability_alive             {peer_pred / ours_pred:8.1f}x   >= 5x"
    )
    print(f"import privtraffic                                 {imp:8.3f}s   < 0.5 s")
    print(f"\nload average at end (1, 5, 15 min): {load_average()}")


if __name__ == "__main__":
    main()
