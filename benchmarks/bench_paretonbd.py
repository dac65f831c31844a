"""Pareto/NBD and BG/BB fits: privtraffic against lifetimes 0.11.3 on the same arrays, one run.

Pareto/NBD: 100,000 customers simulated from the CDNOW estimates, acquired over 12 weeks and
observed to week 39, with purchase times at day resolution expressed in weeks (as real
transaction logs give them). privtraffic's time includes input checks, collapsing identical
rows and the standard errors; lifetimes fits the raw arrays with its defaults (Nelder-Mead)
from its usual starting point (all parameters 1). Target (issue 2): >= 50x faster, the same
parameters to ~1e-4 relative.

BG/BB, for information: 100,000 customers with 10-52 opportunities each.

BG/BB, for information: 100,000 customers with 6 opportunities each (the donations design), then
with 10-52 each; lifetimes is given the rows pre-collapsed into weights (its documented usage),
and the collapsing is counted in its time.

OpenBLAS threads: on busy shared 2-core machines OpenBLAS' worker threads spin after each BLAS
call and steal the CPU from the main thread. ``--one-blas-thread`` sets
``OPENBLAS_NUM_THREADS=1`` for both libraries to measure without that effect; the setting in
force is printed.

Run: ``python benchmarks/bench_paretonbd.py`` (``--quick`` times lifetimes' Pareto/NBD fit on a
20,000-customer slice and scales it linearly to 100,000).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

if "--one-blas-thread" in sys.argv:  # must happen before numpy loads OpenBLAS
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np

from privtraffic.clv.bgbb import BetaGeoBetaBinom
from privtraffic.clv.paretonbd import ParetoNBD, log_likelihood

CDNOW = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # Fader, Hardie & Lee (2005)
DONATIONS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}  # FHS (2010)
NAMES = ("r", "alpha", "s", "beta")


def pareto_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    acquired = rng.integers(0, 84, n)  # day of first purchase
    T = (273 - acquired) / 7.0
    s = ParetoNBD.from_params(**CDNOW).simulate(n, T, rng=rng)
    recency = np.where(s.frequency > 0, np.minimum(np.ceil(s.recency * 7.0) / 7.0, T), 0.0)
    return s.frequency, recency, T


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def bench_bgbb(label: str, periods: np.ndarray, rng: np.random.Generator, peer_cls: type) -> None:
    n = len(periods)
    d = BetaGeoBetaBinom.from_params(**DONATIONS).simulate(n, periods, rng=rng)
    print(f"\nBG/BB, {n:,} customers, {label}")
    ours_s, ours = median_time(
        lambda: BetaGeoBetaBinom().fit(d.frequency, d.recency, d.n_periods), 3
    )
    print(f"  privtraffic BetaGeoBetaBinom().fit      {ours_s:8.2f} s  (median of 3)")
    t0 = time.perf_counter()
    rows, counts = np.unique(np.c_[d.frequency, d.recency, d.n_periods], axis=0, return_counts=True)
    try:
        peer = peer_cls().fit(rows[:, 0], rows[:, 1], rows[:, 2], counts)
    except Exception as exc:  # lifetimes raises its own ConvergenceError
        peer_s = time.perf_counter() - t0
        print(f"  lifetimes BetaGeoBetaBinomFitter().fit  {peer_s:8.2f} s", end="")
        print(f"  FAILED: {type(exc).__name__} (did not converge)")
        return
    peer_s = time.perf_counter() - t0
    print(f"  lifetimes BetaGeoBetaBinomFitter().fit  {peer_s:8.2f} s", end="")
    print(f"  ({len(counts):,} weighted rows)")
    print(f"  speed-up {peer_s / ours_s:6.1f}x")
    rel = max(abs(ours.params_[k] / peer.params_[k] - 1.0) for k in DONATIONS)
    print(f"  max relative parameter difference {rel:.1e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time lifetimes on a 20k slice")
    parser.add_argument("--one-blas-thread", action="store_true", help="OPENBLAS_NUM_THREADS=1")
    args = parser.parse_args()
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}")
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoBetaBinomFitter, ParetoNBDFitter

    rng = np.random.default_rng(2026)
    n = 100_000
    x, rec, T = pareto_data(n, rng)
    print(
        f"Pareto/NBD, {n:,} customers ({len(np.unique(np.c_[x, rec, T], axis=0)):,} distinct rows)"
    )

    ours_s, ours = median_time(lambda: ParetoNBD().fit(x, rec, T), repeats=3)
    m = n if not args.quick else 20_000
    t0 = time.perf_counter()
    peer = ParetoNBDFitter().fit(x[:m], rec[:m], T[:m], initial_params=np.ones(4))
    peer_s = (time.perf_counter() - t0) * n / m
    note = "" if m == n else f" (measured on {m:,}, scaled x{n / m:g})"
    ratio = peer_s / ours_s
    print(f"  privtraffic ParetoNBD().fit   {ours_s:8.2f} s  (median of 3)")
    print(f"  lifetimes ParetoNBDFitter.fit {peer_s:8.2f} s{note}")
    print(f"  speed-up {ratio:6.1f}x  (target >= 50x: {'met' if ratio >= 50 else 'NOT met'})")
    ours_p = np.array([ours.params_[k] for k in NAMES])
    if m == n:
        peer_p = np.array([peer.params_[k] for k in NAMES])
        rel = np.abs(ours_p / peer_p - 1.0)
        ll_ours = log_likelihood(tuple(ours_p), x, rec, T).sum()
        ll_peer = log_likelihood(tuple(peer_p), x, rec, T).sum()
        print(
            "  parameters  " + "  ".join(f"{k}={v:.5f}" for k, v in zip(NAMES, ours_p, strict=True))
        )
        print(
            "  lifetimes   " + "  ".join(f"{k}={v:.5f}" for k, v in zip(NAMES, peer_p, strict=True))
        )
        print(f"  max relative difference {rel.max():.1e}  (target ~1e-4)")
        print(f"  log-likelihood: privtraffic {ll_ours:.4f}, lifetimes' estimates {ll_peer:.4f}")
    print("  standard errors " + "  ".join(f"{k}={ours.standard_errors_[k]:.4f}" for k in NAMES))

    # BG/BB, for information
    for label, periods in (
        ("6 opportunities each (as the donations data)", np.full(n, 6.0)),
        ("10-52 opportunities each", rng.integers(10, 53, n).astype(float)),
    ):
        bench_bgbb(label, periods, rng, BetaGeoBetaBinomFitter)
    return 0


if __name__ == "__main__":
    sys.exit(main())
