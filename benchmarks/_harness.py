"""The one timing harness of the benchmark scripts: interleaved sides, medians of paired ratios.

On a small shared machine the load changes from one second to the next, so timing one side five
times and then the other once gives ratios that swing with the load. Here every round runs each
side once, one after the other (A B C, then C B A, ...), and the ratio of a peer to privtraffic
is taken *within* a round; the reported ratio is the median of those paired ratios (at least five
rounds), beside the median time of each side.

Use::

    from _harness import Bench

    bench = Bench("tier classification", repeats=5)
    bench.header()                                   # date, machine, load average
    result = bench.compare({"privtraffic": ours, "polars": peer}, baseline="privtraffic")
    result.print()                                   # median times, paired ratios
    bench.footer()                                   # load average again, peak RSS

Each side is a function of no arguments returning its result (kept for the caller's checks in
``result.outputs``). The harness imports nothing of privtraffic: it is timing only.
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

MIN_REPEATS = 5


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as printed by ``uptime``."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def memory_gib() -> float:
    """Total memory of the machine in GiB (from /proc/meminfo; 0 when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:  # pragma: no cover - not Linux
        pass
    return 0.0


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, GiB (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform != "darwin" else peak / 2**30


def traced_peak(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Peak bytes allocated through Python's allocator hooks (numpy arrays included) during one
    call of ``fn``, above what was allocated before it, and its result.

    Allocations of native libraries that bypass those hooks (polars, duckdb, igraph) are not
    seen; use it for privtraffic and numpy code only.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before, out


@dataclass
class Comparison:
    """Times of every side of one comparison, round by round, and the paired ratios."""

    title: str
    baseline: str
    times: dict[str, list[float]]
    outputs: dict[str, Any] = field(repr=False)

    def median(self, side: str) -> float:
        """Median time of one side, seconds."""
        return statistics.median(self.times[side])

    def ratios(self, side: str) -> list[float]:
        """Per round: time of ``side`` / time of the baseline in the same round."""
        return [a / b for a, b in zip(self.times[side], self.times[self.baseline], strict=True)]

    def ratio(self, side: str) -> float:
        """Median of the paired ratios of ``side`` to the baseline (> 1: the baseline is faster)."""
        return statistics.median(self.ratios(side))

    def print(self, *, target: Mapping[str, float] | None = None) -> None:
        """One line per side: median time, range, and the median paired ratio (with a verdict
        for each side given in ``target``: the ratio it must reach)."""
        n = len(self.times[self.baseline])
        print(f"{self.title} ({n} interleaved rounds; ratio = median of per-round ratios)")
        width = max(len(s) for s in self.times)
        for side, ts in self.times.items():
            line = (
                f"  {side:<{width}}  {statistics.median(ts):8.3f} s  "
                f"(min {min(ts):.3f}, max {max(ts):.3f})"
            )
            if side != self.baseline:
                rs = self.ratios(side)
                line += (
                    f"  {self.ratio(side):6.2f}x {self.baseline} "
                    f"(rounds {min(rs):.2f}-{max(rs):.2f})"
                )
                if target and side in target:
                    goal = target[side]
                    verdict = "met" if self.ratio(side) >= goal else "NOT met"
                    line += f"  target >= {goal:g}x: {verdict}"
            print(line)


@dataclass
class Bench:
    """One benchmark run: header and footer lines, and interleaved comparisons."""

    name: str
    repeats: int = MIN_REPEATS
    warmup: int = 1
    started: float = field(default_factory=time.time)
    load_at_start: str = field(default_factory=load_average)

    def header(self) -> None:
        """Print what was run where: the date, the machine's size and its load average."""
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        import numpy as np

        print(f"# {self.name}")
        print(
            f"# {now}; {os.cpu_count()} cores, {memory_gib():.0f} GiB; python "
            f"{platform.python_version()}, numpy {np.__version__}; "
            f"load average {self.load_at_start} (1, 5, 15 min)"
        )
        if self.repeats < MIN_REPEATS:
            print(f"# note: {self.repeats} rounds (< {MIN_REPEATS}): a quick look, not a result")

    def footer(self) -> None:
        """Print the load average now, the wall time and the peak RSS of the process."""
        print(
            f"# done in {time.time() - self.started:.0f} s; load average {load_average()} "
            f"(at the start {self.load_at_start}); peak RSS of this process "
            f"{peak_rss_gib():.2f} GiB"
        )

    def compare(
        self,
        sides: Mapping[str, Callable[[], Any]],
        *,
        baseline: str,
        title: str = "",
        repeats: int | None = None,
        warmup: int | None = None,
    ) -> Comparison:
        """Time every side ``repeats`` times, interleaved, after ``warmup`` untimed rounds.

        Round ``r`` runs the sides in their given order when ``r`` is even and in reverse when
        it is odd, so that no side always runs right after the same other one. A garbage
        collection (not timed) precedes each call.
        """
        names = list(sides)
        if baseline not in sides:
            raise ValueError(f"baseline {baseline!r} is not one of the sides {names}")
        rounds = self.repeats if repeats is None else repeats
        times: dict[str, list[float]] = {n: [] for n in names}
        outputs: dict[str, Any] = {}
        for _ in range(self.warmup if warmup is None else warmup):
            for n in names:
                outputs[n] = sides[n]()
        for r in range(rounds):
            for n in names if r % 2 == 0 else names[::-1]:
                gc.collect()
                t0 = time.perf_counter()
                out = sides[n]()
                times[n].append(time.perf_counter() - t0)
                outputs[n] = out
                del out
        return Comparison(title or self.name, baseline, times, outputs)

    def time(self, fn: Callable[[], Any], *, repeats: int | None = None) -> tuple[float, Any]:
        """Median time of ``fn`` alone (for lines without a peer), and its last result."""
        comp = self.compare({"x": fn}, baseline="x", repeats=repeats, warmup=0)
        return comp.median("x"), comp.outputs["x"]
