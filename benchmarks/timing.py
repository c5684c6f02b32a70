"""Wall-clock timing with ``time.perf_counter``, interleaved across systems.

Each function is first warmed up and calibrated: the number of calls per
repetition doubles until one repetition lasts ``min_seconds``. Then the
repetitions run in rounds, one repetition of every function per round, so
a slow drift of the machine (frequency, a noisy neighbour) affects every
system alike instead of the one that happens to run last.

The garbage collector stays on, as in a real training loop, but a full
collection runs before each repetition, so the garbage that one system
leaves is not collected on another's time.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the median and minimum over the repetitions."""

    median: float
    minimum: float
    repeats: int
    calls: int

    def ratio(self, other: Timing) -> tuple[float, float]:
        """Return (median ratio, minimum ratio) of this timing to ``other``."""
        return self.median / other.median, self.minimum / other.minimum


@dataclass(frozen=True)
class TimingPlan:
    """How long and how often to time each function."""

    repeats: int
    min_seconds: float
    warmup: int = 1


def calibrate(function: Callable[[], object], min_seconds: float) -> int:
    """Return how many calls of ``function`` make a repetition of min_seconds."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds or calls >= 1 << 20:
            return calls
        calls *= 2


def time_repetition(function: Callable[[], object], calls: int) -> float:
    """Return the seconds per call of one repetition of ``calls`` calls."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def time_interleaved(
    functions: Mapping[str, Callable[[], object]], plan: TimingPlan
) -> dict[str, Timing]:
    """Time each function in ``functions``; return a ``Timing`` per name."""
    calls = {}
    for name, function in functions.items():
        for _ in range(plan.warmup):
            function()
        calls[name] = calibrate(function, plan.min_seconds)

    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(plan.repeats):
        for name, function in functions.items():
            samples[name].append(time_repetition(function, calls[name]))

    return {
        name: Timing(
            median=statistics.median(values),
            minimum=min(values),
            repeats=plan.repeats,
            calls=calls[name],
        )
        for name, values in samples.items()
    }
