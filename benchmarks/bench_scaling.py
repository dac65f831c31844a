"""Scaling: BTYD fit and predictions, classify, commissions and the referral forest at 100k-10M.

Issue 16, item 5: the time at three sizes, ten times apart, and whether it grows linearly. The
data come from the other scripts' generators, scaled together:

* classify (relationship ladder): users = size, events = 10 x size (``bench_lifecycle``);
* compute_commissions: orders = size over size / 10 distributors (``bench_commission``);
* referral forest, build + downline aggregates + influence: users = size (``bench_referral``);
* BG/NBD fit and predictions (``expected_purchases(39)`` + ``probability_alive``): customers =
  size (``bench_clv``), against one per-row log-likelihood and the closed-form P(alive).

For each, the script prints the median time, the time per unit (ns per event, order or user),
the growth factor from one size to the next (10.0 is linear), the peak memory the call
allocates (numpy arrays included) per unit, and the time of a reference measured in the same
interleaved rounds, with its own growth factor: the numpy floors of the other scripts, or for
classify one ``np.sort`` of as many int64 keys as there are events. A reference that grows
like privtraffic says the growth is the problem's (a larger network or forest no longer fits
in the processor's cache), not the engine's. ``--only fit predict`` runs the cases whose name
contains one of the words.

Run: ``python benchmarks/bench_scaling.py`` (``--sizes 100000 1000000`` to leave out 10M; the
10M run needs about 6 GiB and a few minutes here).
"""

from __future__ import annotations

import argparse
import gc

import bench_commission
import bench_lifecycle
import bench_referral
import numpy as np
from _harness import Bench, traced_peak

from privtraffic.commission import compute_commissions


def _sort_floor(n_keys: int):
    """The dominant primitive of classify: one value sort of ``n_keys`` random int64 keys."""
    keys = np.random.default_rng(1).integers(0, 2**55, n_keys)
    return lambda: np.sort(keys)


def classify_case(size: int):
    m = bench_lifecycle.machine_of("ladder")
    p = bench_lifecycle.KIND_P["ladder"]
    user, kind, t, as_of = bench_lifecycle.make_events(size, 10 * size, m.kinds, p)
    import pandas as pd

    kinds = pd.Categorical.from_codes(kind, categories=list(m.kinds))
    at = t.astype("datetime64[s]")
    del t
    q = np.datetime64(as_of, "s")
    run = lambda: m.classify(user, kinds, at, as_of=q)  # noqa: E731
    return 10 * size, "event", run, ("np.sort of as many int64 keys", _sort_floor(10 * size))


def commission_case(size: int):
    network, orders = bench_commission.make_data(size, max(size // 10, 10))
    plan = bench_commission.PLAN
    run = lambda: compute_commissions(plan, network, orders)  # noqa: E731
    floor = lambda: bench_commission.numpy_floor(network, orders)  # noqa: E731
    return size, "order", run, ("the numpy int64 floor (bench_commission.py)", floor)


def referral_case(size: int):
    rng = np.random.default_rng(2026)
    parent = bench_referral.referral_forest(size, rng)
    buyers, values = bench_referral.orders(size, int(0.4 * size), rng)
    value = np.bincount(buyers, weights=values, minlength=size)
    child = np.flatnonzero(parent >= 0)
    perm = rng.permutation(child.size)
    src, dst = parent[child][perm], child[perm]
    users = np.arange(size)
    del parent, buyers, values, child, perm
    run = lambda: bench_referral.ours(src, dst, users, value)  # noqa: E731
    floor = lambda: bench_referral.numpy_floor(src, dst, size, value)  # noqa: E731
    return size, "user", run, ("the numpy floor (bench_referral.py)", floor)


def btyd_data(size: int):
    import bench_clv

    return bench_clv.make_data(size)


def fit_case(size: int):
    from privtraffic.clv import BetaGeo, bgnbd

    x, rec, T = btyd_data(size)
    params = tuple(bench_clv_params())
    run = lambda: BetaGeo().fit(x, rec, T)  # noqa: E731
    ref = lambda: bgnbd.log_likelihood(params, x, rec, T)  # noqa: E731
    return size, "customer", run, ("one BG/NBD log-likelihood per row (bgnbd.log_likelihood)", ref)


def predict_case(size: int):
    import bench_clv

    from privtraffic.clv import BetaGeo

    x, rec, T = btyd_data(size)
    params = tuple(bench_clv_params())
    m = BetaGeo.from_params(bench_clv.PARAMS)
    run = lambda: (m.expected_purchases(39.0, x, rec, T), m.probability_alive(x, rec, T))  # noqa: E731
    ref = lambda: bench_clv.palive_floor(params, x, rec, T)  # noqa: E731
    return size, "customer", run, ("the closed-form P(alive) floor (bench_clv.py)", ref)


def bench_clv_params():
    import bench_clv

    return bench_clv.PARAMS.values()


CASES = {
    "BG/NBD fit (BetaGeo().fit)": fit_case,
    "BG/NBD predict: expected_purchases(39) + probability_alive": predict_case,
    "classify (ladder; 10 events per user)": classify_case,
    "compute_commissions (2 levels)": commission_case,
    "referral build + aggregates + influence": referral_case,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="sizes 10,000 and 100,000")
    parser.add_argument("--only", nargs="+", default=None, help="cases whose name has a word")
    args = parser.parse_args()
    if args.quick:
        args.sizes = [10_000, 100_000]
    bench = Bench("scaling (benchmarks/bench_scaling.py)", args.repeats)
    bench.header()
    for name, make in CASES.items():
        if args.only and not any(w.lower() in name.lower() for w in args.only):
            continue
        print(f"\n## {name}")
        previous = previous_ref = None
        for size in args.sizes:
            units, unit, fn, (ref_name, ref) = make(size)
            comp = bench.compare({"privtraffic": fn, "reference": ref}, baseline="privtraffic")
            seconds, ref_s = comp.median("privtraffic"), comp.median("reference")
            peak, _ = traced_peak(fn)
            per = seconds / units * 1e9
            growth = f"  {seconds / previous:5.1f}x" if previous else "       "
            ref_growth = f" ({ref_s / previous_ref:4.1f}x)" if previous_ref else ""
            print(
                f"  {size:>12,}: {seconds:8.3f} s {per:7.1f} ns per {unit} {growth}; "
                f"peak {peak / 2**30:5.2f} GiB ({peak / units:4.0f} B per {unit}); "
                f"{ref_name}: {ref_s:.3f} s{ref_growth}"
            )
            previous, previous_ref = seconds, ref_s
            del fn, ref, comp
            gc.collect()
    bench.footer()


if __name__ == "__main__":
    main()
