"""BG/NBD: privtraffic against lifetimes 0.11.3 and a closed-form numpy floor, in one run.

Data: 1,000,000 customers (``--quick``: 100,000) drawn from BG/NBD with the published CDNOW
parameters (r=0.243, alpha=4.414, a=0.793, b=2.426; weeks). Each customer is acquired on one
of 84 days and observed until a common end date, so T is a whole number of days expressed in
weeks; purchase times are simulated in continuous time and the last one is floored to its day,
as ``summarize_transactions(unit="W")`` reports day-resolution data.

Every comparison runs through ``benchmarks/_harness.py``: the sides are interleaved (A B C,
C B A, ...) for ``--repeats`` rounds (default 5) after one untimed round, and each ratio is the
median of the per-round ratios. Every timing includes what the caller would run:
privtraffic's fit checks the inputs and collapses identical rows itself; for "lifetimes fed
pre-collapsed weights" the pandas groupby that collapses the rows is timed with the fit.

Predictions (``expected_purchases(39)`` + ``probability_alive`` as two calls, and the one call
``predict(39, ...)`` that gives both, checked identical) are timed on the same
customers and on ``--predict-size`` customers (default 10,000,000: the 1M data repeated ten
times) against two numpy floors: the closed-form P(alive) alone (Fader, Hardie & Lee 2008,
note 021, eq. 2; one expression per customer, the least any E[X] + P(alive) must compute) and
the closed forms of both (eq. 2 and FHL 2005 eq. 10 with scipy's ``hyp2f1`` per customer).
The memory the two calls and the one call allocate beyond their inputs (``tracemalloc``, numpy
included) is printed per customer.

btyd (the lifetimes successor on PyPI, 0.1b3) is timed when it imports; its release needs
``inspect.getargspec`` (removed in Python 3.11) through its pinned autograd.

Run: ``python benchmarks/bench_clv.py [--quick] [--repeats N] [--predict-size N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import warnings

import numpy as np
from _harness import Bench, traced_peak

from privtraffic.clv import BetaGeo

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
NAMES = tuple(PARAMS)
ONE_CALL = "privtraffic, one call (predict)"


def make_data(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    age_days = 39 * 7 - rng.integers(0, 84, n)
    model = BetaGeo.from_params(PARAMS)
    sim = model.simulate(n, age_days / 7.0, rng=rng)
    recency = np.floor(sim.recency * 7.0) / 7.0
    return sim.frequency, recency, sim.T


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


def collapse_with_pandas(x, rec, T):
    import pandas as pd

    df = pd.DataFrame({"frequency": x, "recency": rec, "T": T})
    return df.groupby(["frequency", "recency", "T"], sort=False).size().reset_index(name="weights")


def palive_floor(params, x, rec, T):
    """Closed-form P(alive) (FHL 2008, eq. 2), one numpy expression per customer."""
    r, alpha, a, b = params
    with np.errstate(all="ignore"):
        odds = a / (b + x - 1.0) * ((alpha + T) / (alpha + rec)) ** (r + x)
        return np.where(x > 0, 1.0 / (1.0 + odds), 1.0)


def closed_form_floor(params, t, x, rec, T):
    """E[X(T, T + t] | x, t_x, T] (FHL 2005, eq. 10, scipy hyp2f1 per customer) and P(alive)."""
    from scipy.special import hyp2f1

    r, alpha, a, b = params
    p = palive_floor(params, x, rec, T)
    z = t / (alpha + T + t)
    h = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    e = (a + b + x - 1.0) / (a - 1.0) * (1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h)
    return e * p, p


def btyd_fitter():
    try:
        from btyd import BetaGeoFitter  # type: ignore[import-not-found]
    except Exception as exc:  # any import failure: not timed
        print(f"btyd not timed: {type(exc).__name__}: {exc}")
        return None
    return BetaGeoFitter


def rel_diff(ours, other) -> float:
    return max(abs(ours.params_[k] - other.params_[k]) / abs(other.params_[k]) for k in NAMES)


def bench_predictions(bench, params, x, rec, T, peer=None, label=""):
    n = len(x)
    m = BetaGeo.from_params(dict(zip(NAMES, params, strict=True)))
    sides = {
        "privtraffic": lambda: (
            m.expected_purchases(39.0, x, rec, T),
            m.probability_alive(x, rec, T),
        ),
        ONE_CALL: lambda: m.predict(39.0, x, rec, T),
        "floor: closed-form P(alive) alone": lambda: palive_floor(params, x, rec, T),
        "floor: closed forms of both": lambda: closed_form_floor(params, 39.0, x, rec, T),
    }
    if peer is not None:
        sides["lifetimes"] = lambda: (
            peer.conditional_expected_number_of_purchases_up_to_time(39.0, x, rec, T),
            peer.conditional_probability_alive(x, rec, T),
        )
    comp = bench.compare(
        sides,
        baseline="privtraffic",
        title=f"expected_purchases(39) + probability_alive, {n:,} customers{label}",
    )
    comp.print()
    ours = comp.outputs["privtraffic"]
    e_floor, p_floor = comp.outputs["floor: closed forms of both"]
    ok = np.isfinite(e_floor)
    print(
        "  largest relative difference to the closed forms: "
        f"E[X] {np.max(np.abs(ours[0][ok] / e_floor[ok] - 1.0)):.1e}, "
        f"P(alive) {np.max(np.abs(ours[1] - p_floor)):.1e} (absolute)"
    )
    peak, _ = traced_peak(
        lambda: (m.expected_purchases(39.0, x, rec, T), m.probability_alive(x, rec, T))
    )
    ratio = comp.ratio("floor: closed-form P(alive) alone")
    print(
        f"  memory beyond the inputs (both outputs included): {peak / n:.1f} bytes per customer "
        f"(target <= 32); privtraffic / P(alive)-alone floor = {1 / ratio:.2f}x, "
        f"/ closed forms of both = {1 / comp.ratio('floor: closed forms of both'):.2f}x "
        "(target <= 2x)"
    )
    fused = comp.outputs[ONE_CALL]
    same = np.array_equal(fused.expected_purchases, ours[0]) and np.array_equal(
        fused.probability_alive, ours[1]
    )
    peak, _ = traced_peak(lambda: m.predict(39.0, x, rec, T))
    floor = "floor: closed-form P(alive) alone"
    paired = statistics.median(
        a / b for a, b in zip(comp.times[ONE_CALL], comp.times[floor], strict=True)
    )
    verdict = "met" if paired <= 2.0 else "NOT met"
    print(
        f"  E[X] + P(alive), one call: {paired:.2f}x the P(alive)-alone floor (median of the "
        f"per-round ratios; target <= 2x: {verdict}); memory {peak / n:.1f} bytes per customer "
        f"(target <= 32); identical to the two calls: {same}"
    )
    return comp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--predict-size", type=int, default=10_000_000)
    parser.add_argument("--no-raw-lifetimes", action="store_true", help="skip lifetimes' raw fit")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000

    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter

    bench = Bench(f"BG/NBD, {n:,} simulated customers (benchmarks/bench_clv.py)", args.repeats)
    bench.header()
    print("privtraffic vs lifetimes 0.11.3; day-resolution ages in weeks; CDNOW parameters")
    x, rec, T = make_data(n)
    print(f"distinct (frequency, recency, T) rows: {len(collapse_with_pandas(x, rec, T)):,}")

    def lifetimes_collapsed():
        df = collapse_with_pandas(x, rec, T)
        return BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"], weights=df["weights"])

    sides = {"privtraffic": lambda: BetaGeo().fit(x, rec, T)}
    if not args.no_raw_lifetimes:
        sides["lifetimes (raw rows)"] = lambda: BetaGeoFitter().fit(x, rec, T)
    sides["lifetimes (pre-collapsed)"] = lifetimes_collapsed
    btyd = btyd_fitter()
    if btyd is not None:
        sides["btyd (raw rows)"] = lambda: btyd().fit(x, rec, T)
    fit = bench.compare(sides, baseline="privtraffic", title=f"fit, {n:,} customers")
    fit.print(target={"lifetimes (raw rows)": 150.0, "lifetimes (pre-collapsed)": 15.0})
    ours = fit.outputs["privtraffic"]
    print(f"  privtraffic: {ours} ({ours.n_iter_} Newton iterations on all rows)")
    rel = max(rel_diff(ours, fit.outputs[s]) for s in fit.outputs if s.startswith("lifetimes"))
    print(f"  largest relative parameter difference vs the lifetimes fits: {rel:.1e}")
    peer = fit.outputs["lifetimes (pre-collapsed)"]

    params = tuple(ours.params_[k] for k in NAMES)
    print()
    bench_predictions(bench, params, x, rec, T, peer=peer)
    if args.predict_size > n:
        k = -(-args.predict_size // n)
        big = [np.tile(c, k)[: args.predict_size] for c in (x, rec, T)]
        print()
        bench_predictions(bench, params, *big, label=" (the data repeated)")
        del big

    print(f"\nimport privtraffic (fresh interpreter, median of 7): {import_time():.3f} s")
    bench.footer()


if __name__ == "__main__":
    main()
