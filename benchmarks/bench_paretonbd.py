"""Pareto/NBD and BG/BB fits: privtraffic against lifetimes 0.11.3 on the same arrays, one run.

Pareto/NBD: 1,000,000 customers (``--size``) simulated from the CDNOW estimates, acquired
over 12 weeks and observed to week 39, with purchase times at day resolution expressed in
weeks (as real transaction logs give them). privtraffic's time includes input checks,
collapsing identical rows and the standard errors; lifetimes fits with its defaults
(Nelder-Mead from all parameters 1), given the distinct rows and their counts (the collapsing,
``numpy.unique``, counted in its time) on all customers, and the raw rows of the first
100,000 (``--peer-size``; its raw fit of 1M takes minutes a run here). Both comparisons go
through ``benchmarks/_harness.py`` (interleaved rounds, medians of paired ratios). Targets
(issue 16): 1M customers under 1 s; the same parameters as lifetimes to its tolerance.

BG/BB, for information: 100,000 customers with 6 opportunities each (the donations design), then
with 10-52 each; lifetimes is given the rows pre-collapsed into weights (its documented usage),
and the collapsing is counted in its time.

OpenBLAS threads: on busy shared 2-core machines OpenBLAS' worker threads spin after each BLAS
call and steal the CPU from the main thread. ``--one-blas-thread`` sets
``OPENBLAS_NUM_THREADS=1`` for both libraries to measure without that effect; the setting in
force is printed.

Run: ``python benchmarks/bench_paretonbd.py [--size N] [--peer-size N] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

if "--one-blas-thread" in sys.argv:  # must happen before numpy loads OpenBLAS
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np
from _harness import Bench

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


def bench_bgbb(
    bench: Bench,
    label: str,
    periods: np.ndarray,
    rng: np.random.Generator,
    peer_cls: type,
    repeats: int | None = None,
) -> None:
    n = len(periods)
    d = BetaGeoBetaBinom.from_params(**DONATIONS).simulate(n, periods, rng=rng)

    def peer():
        rows, counts = np.unique(
            np.c_[d.frequency, d.recency, d.n_periods], axis=0, return_counts=True
        )
        try:
            return peer_cls().fit(rows[:, 0], rows[:, 1], rows[:, 2], counts)
        except Exception as exc:  # lifetimes raises its own ConvergenceError
            return exc

    comp = bench.compare(
        {
            "privtraffic": lambda: BetaGeoBetaBinom().fit(d.frequency, d.recency, d.n_periods),
            "lifetimes (pre-collapsed)": peer,
        },
        baseline="privtraffic",
        title=f"BG/BB fit, {n:,} customers, {label}",
        repeats=repeats,
        warmup=0 if repeats == 1 else None,
    )
    comp.print()
    theirs = comp.outputs["lifetimes (pre-collapsed)"]
    if isinstance(theirs, Exception):
        print(f"  lifetimes FAILED: {type(theirs).__name__} (did not converge)")
        return
    ours = comp.outputs["privtraffic"]
    rel = max(abs(ours.params_[k] / theirs.params_[k] - 1.0) for k in DONATIONS)
    print(f"  max relative parameter difference {rel:.1e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="Pareto/NBD customers")
    parser.add_argument("--peer-size", type=int, default=100_000, help="lifetimes' raw fit size")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--one-blas-thread", action="store_true", help="OPENBLAS_NUM_THREADS=1")
    args = parser.parse_args()
    bench = Bench("Pareto/NBD and BG/BB (benchmarks/bench_paretonbd.py)", args.repeats)
    bench.header()
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}")
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoBetaBinomFitter, ParetoNBDFitter

    rng = np.random.default_rng(2026)
    n = args.size
    x, rec, T = pareto_data(n, rng)
    rows, counts = np.unique(np.c_[x, rec, T], axis=0, return_counts=True)
    print(f"Pareto/NBD, {n:,} customers ({len(counts):,} distinct rows)")

    def lifetimes_collapsed():
        r, c = np.unique(np.c_[x, rec, T], axis=0, return_counts=True)
        return ParetoNBDFitter().fit(r[:, 0], r[:, 1], r[:, 2], c, initial_params=np.ones(4))

    fit = bench.compare(
        {
            "privtraffic": lambda: ParetoNBD().fit(x, rec, T),
            "lifetimes (pre-collapsed)": lifetimes_collapsed,
        },
        baseline="privtraffic",
        title=f"Pareto/NBD fit, {n:,} customers (lifetimes given the distinct rows and counts)",
    )
    fit.print(target={"lifetimes (pre-collapsed)": 15.0})
    ours = fit.outputs["privtraffic"]
    verdict = "met" if fit.median("privtraffic") < 1.0 else "NOT met"
    seconds = fit.median("privtraffic")
    print(f"  privtraffic {seconds:.3f} s for {n:,} customers (target < 1 s: {verdict})")
    ours_p = np.array([ours.params_[k] for k in NAMES])
    peer_p = np.array([fit.outputs["lifetimes (pre-collapsed)"].params_[k] for k in NAMES])
    print("  parameters  " + "  ".join(f"{k}={v:.5f}" for k, v in zip(NAMES, ours_p, strict=True)))
    print("  lifetimes   " + "  ".join(f"{k}={v:.5f}" for k, v in zip(NAMES, peer_p, strict=True)))
    ll_ours = log_likelihood(tuple(ours_p), rows[:, 0], rows[:, 1], rows[:, 2]) @ counts
    ll_peer = log_likelihood(tuple(peer_p), rows[:, 0], rows[:, 1], rows[:, 2]) @ counts
    print(
        f"  max relative difference {np.max(np.abs(ours_p / peer_p - 1.0)):.1e} (lifetimes' "
        f"Nelder-Mead stops at tol=1e-4); log-likelihood {ll_ours:.4f} vs lifetimes' {ll_peer:.4f}"
    )
    print("  standard errors " + "  ".join(f"{k}={ours.standard_errors_[k]:.4f}" for k in NAMES))

    m = args.peer_size
    xs, rs, Ts = x[:m], rec[:m], T[:m]
    raw = bench.compare(
        {
            "privtraffic": lambda: ParetoNBD().fit(xs, rs, Ts),
            "lifetimes (raw rows)": lambda: ParetoNBDFitter().fit(
                xs, rs, Ts, initial_params=np.ones(4)
            ),
        },
        baseline="privtraffic",
        title=f"Pareto/NBD fit, the first {m:,} customers (lifetimes on the raw rows)",
    )
    raw.print(target={"lifetimes (raw rows)": 150.0})

    # BG/BB, for information
    # (lifetimes takes ~25 s and then fails on the second design: one round of it)
    for label, periods, repeats in (
        ("6 opportunities each (as the donations data)", np.full(100_000, 6.0), None),
        ("10-52 opportunities each", rng.integers(10, 53, 100_000).astype(float), 1),
    ):
        bench_bgbb(bench, label, periods, rng, BetaGeoBetaBinomFitter, repeats)
    bench.footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
