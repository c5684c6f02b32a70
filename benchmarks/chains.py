"""Graph workloads: per-op overhead, and chains of up to a million ops.

Both run the same chain on a 1-element float32 tensor: ``x + 0.01``,
``x * 1.05`` and ``tanh`` in turn, forward and then backward. The arrays
are tiny, so the time is almost all framework overhead per node.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.agreement import check_chain
from benchmarks.memory import traced_peak
from benchmarks.report import (
    MISSED,
    Table,
    mebibytes,
    ratio,
    seconds,
    timing_cells,
    timing_record,
    verdict,
)
from benchmarks.systems import System
from benchmarks.timing import Timing, time_interleaved
from benchmarks.training import TARGET_SYSTEM
from benchmarks.workloads import LINEARITY_TARGET, OVERHEAD_TARGET, Settings

# Failures that a long graph can cause in a system, reported instead of raised.
GRAPH_FAILURES = (RecursionError, MemoryError)


def run_chains(
    systems: list[System], length: int
) -> tuple[dict[str, Callable[[], tuple[float, float]]], dict[str, str], str]:
    """Build and run each system's chain once, and check that they agree.

    The run doubles as the warm-up. Returns the chain functions of the
    systems that ran, the failure of each that did not, and the agreement.
    """
    functions, failures, results = {}, {}, {}
    for system in systems:
        function = system.make_chain(length)
        try:
            results[system.name] = function()
        except GRAPH_FAILURES as error:
            failures[system.name] = f"{type(error).__name__}: {error}"[:120]
            continue
        functions[system.name] = function
    if systems[0].name not in results:
        raise RuntimeError(f"the reference failed: {failures[systems[0].name]}")
    agreement = check_chain(results, systems[0].name, length)
    return functions, failures, agreement.summary()


def overhead_table(systems: list[System], settings: Settings) -> Table:
    """Time forward plus backward per op on the chain, as a ratio to PyTorch."""
    length = settings.overhead_length
    functions, failures, agreement = run_chains(systems, length)
    timings = time_interleaved(functions, settings.plan(15, 0.1))
    reference = timings[systems[0].name]
    torch = timings.get("torch")

    table = Table(
        f"Per-op overhead, chain of {length} elementwise ops on 1 element",
        ["system", "per op (median)", "per op (min)", "× ref (median)"]
        + ["× ref (min)", "× torch (median)", "target", "result"],
    )
    for name, timing in timings.items():
        record = {"system": name, **timing_record(timing, reference)}
        to_torch = timing.median / torch.median if torch else None
        record["torch_ratio"] = to_torch
        goal, result = "", ""
        if name == TARGET_SYSTEM:
            goal = f"≤ {OVERHEAD_TARGET:.2f}× torch"
            result = verdict(to_torch, OVERHEAD_TARGET) if torch else "n/a: no torch"
            record.update(target=OVERHEAD_TARGET, result=result)
        cells = timing_cells(timing, reference, per=length)
        table.add([name, *cells, ratio(to_torch), goal, result], record)

    table.notes += [f"{name} failed: {error}" for name, error in failures.items()]
    table.notes += [
        "Times are per op: one forward op and its backward, including the "
        "Python loop that builds the chain.",
        agreement,
    ]
    return table


def chain_tables(systems: list[System], settings: Settings) -> list[Table]:
    """Time chains of growing length and compare their time per node."""
    table = Table(
        "Chain of N elementwise ops: time and memory per node",
        ["N", "system", "per node (median)", "per node (min)", "× ref (median)"]
        + ["× ref (min)", "peak memory", "per node"],
    )
    per_node: dict[str, dict[int, float]] = {system.name: {} for system in systems}
    failed: dict[str, str] = {}
    for length in settings.chain_lengths:
        timings, failures, agreement = _time_chain(systems, length, settings)
        failed.update({name: f"N = {length}: {e}" for name, e in failures.items()})
        reference = timings[systems[0].name]
        for system in systems:
            if system.name not in timings:
                continue
            timing = timings[system.name]
            per_node[system.name][length] = timing.median / length
            peak = _chain_peak(system, length)
            record = {"system": system.name, "N": length, "peak_bytes": peak}
            record.update(timing_record(timing, reference))
            cells = [str(length), system.name]
            cells += timing_cells(timing, reference, per=length)
            cells += [mebibytes(peak), _bytes_per_node(peak, length)]
            table.add(cells, record)
        table.notes.append(f"N = {length}: {agreement}")
    table.notes.append(
        "Peak memory is tracemalloc's peak during one forward and backward "
        "pass; it cannot see PyTorch's allocator, so torch shows n/a."
    )
    return [table, _linearity_table(systems, per_node, failed)]


def _time_chain(
    systems: list[System], length: int, settings: Settings
) -> tuple[dict[str, Timing], dict[str, str], str]:
    functions, failures, agreement = run_chains(systems, length)
    repeats = 3
    if length <= 100_000:
        repeats = 5
    if length <= 10_000:
        repeats = 10
    plan = settings.plan(repeats, 0.1, warmup=0)
    return time_interleaved(functions, plan), failures, agreement


def _chain_peak(system: System, length: int) -> int | None:
    if not system.numpy_memory:
        return None
    return traced_peak(system.make_chain(length))


def _bytes_per_node(peak: int | None, length: int) -> str:
    return "n/a" if peak is None else f"{peak / length:,.0f} B"


def _linearity_table(
    systems: list[System], per_node: dict[str, dict[int, float]], failed: dict[str, str]
) -> Table:
    """Compare time per node at the largest and smallest N of each system."""
    table = Table(
        "Chain of N elementwise ops: linearity",
        ["system", "per node, smallest N", "per node, largest N", "spread"]
        + ["target", "result"],
    )
    for system in systems:
        times = per_node[system.name]
        spread = max(times.values()) / min(times.values()) if times else None
        goal, result = "", ""
        if system.name == TARGET_SYSTEM:
            goal = f"≤ {LINEARITY_TARGET:.2f}×, no RecursionError"
            result = verdict(spread, LINEARITY_TARGET)
            if system.name in failed:
                result = MISSED
        first = seconds(times[min(times)]) if times else "n/a"
        last = seconds(times[max(times)]) if times else "n/a"
        cells = [system.name, first, last, ratio(spread), goal, result]
        record = {"system": system.name, "per_node_s": times, "spread": spread}
        record.update(failure=failed.get(system.name), result=result or None)
        table.add(cells, record)
    table.notes += [f"{name} failed at {error}" for name, error in failed.items()]
    table.notes.append(
        "Spread is the largest median time per node over the smallest, across "
        "all N; 1.00× is perfectly linear."
    )
    return table
