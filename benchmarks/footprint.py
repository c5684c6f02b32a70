"""Memory workloads: the peak that training adds, and the cost of the import."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.memory import MIB, measure_import, measure_training
from benchmarks.report import MET, MISSED, Table, mebibytes, ratio, verdict
from benchmarks.systems import System
from benchmarks.training import TARGET_SYSTEM
from benchmarks.workloads import (
    IMPORT_TARGET_MIB,
    MEMORY_TARGET,
    MLP_SIZES,
    OPTIONAL_MODULES,
    Settings,
)


def training_memory_table(systems: list[System], settings: Settings) -> Table:
    """Measure the peak memory that training steps add, in a fresh process each."""
    batch, steps = settings.memory_batch, settings.memory_steps
    peaks = {system.name: _training_peaks(system, settings) for system in systems}

    sizes = "-".join(str(size) for size in MLP_SIZES)
    table = Table(
        f"Peak memory added by {steps} training steps, MLP {sizes} sigmoid, "
        f"batch {batch}",
        ["system", "tracemalloc peak", "× ref", "resident peak", "× ref"]
        + ["target", "result"],
    )
    reference = peaks[systems[0].name]
    for system in systems:
        peak = peaks[system.name]
        traced = _ratio(peak["tracemalloc"], reference["tracemalloc"])
        resident = _ratio(peak["resident"], reference["resident"])
        goal, result = "", ""
        if system.name == TARGET_SYSTEM:
            goal = f"≤ {MEMORY_TARGET:.2f}× (tracemalloc)"
            result = verdict(traced, MEMORY_TARGET)
        record: dict[str, Any] = {"system": system.name}
        record.update(tracemalloc_bytes=peak["tracemalloc"])
        record.update(resident_bytes=peak["resident"], tracemalloc_ratio=traced)
        record.update(resident_ratio=resident, result=result or None)
        cells = [system.name, mebibytes(peak["tracemalloc"]), ratio(traced)]
        cells += [mebibytes(peak["resident"]), ratio(resident), goal, result]
        table.add(cells, record)

    table.notes += [
        "Each system runs in a fresh process: the model and batch are built "
        "first, then the peak above that point is measured while it trains.",
        "tracemalloc peak: bytes allocated through Python and NumPy; PyTorch's "
        "tensors are invisible to it, so torch shows n/a.",
        "resident peak: the process's peak resident set (VmHWM) over its size "
        "before training, in pages touched, for every system.",
    ]
    return table


def _training_peaks(system: System, settings: Settings) -> dict[str, int | None]:
    """Return the tracemalloc and resident peaks of one system's training."""
    batch, steps, threads = (
        settings.memory_batch,
        settings.memory_steps,
        settings.threads,
    )
    traced = None
    if system.numpy_memory:
        traced = measure_training(system.name, "tracemalloc", batch, steps, threads)
    resident = measure_training(system.name, "resident", batch, steps, threads)
    return {"tracemalloc": traced, "resident": resident}


def _ratio(value: int | None, reference: int | None) -> float | None:
    if value is None or not reference:
        return None
    return value / reference


def import_table(settings: Settings) -> Table:
    """Measure what ``import tinygrad_edu`` adds over ``import numpy``."""
    table = Table(
        "import tinygrad_edu, in a fresh interpreter after import numpy",
        ["measure", "value", "target", "result"],
    )
    runs = _import_runs(1 if settings.quick else 3)
    if runs is None:
        table.notes.append("not measured: /proc/self/status is not available")
        return table

    _add_import_rows(table, runs)
    count = "One run" if len(runs) == 1 else f"Median of {len(runs)} runs"
    extras = ", ".join(OPTIONAL_MODULES)
    table.notes.append(
        f"{count}, each in a fresh interpreter; the extras looked for are {extras}."
    )
    return table


def _add_import_rows(table: Table, runs: list[dict[str, Any]]) -> None:
    added = statistics.median(run["added_kib"] * 1024 for run in runs)
    added_result = verdict(added / MIB, IMPORT_TARGET_MIB)
    table.add(
        ["resident memory added", mebibytes(added)]
        + [f"≤ {IMPORT_TARGET_MIB:.0f} MiB", added_result],
        {"measure": "resident_bytes_added", "value": added, "result": added_result},
    )

    extras = sorted(name for name in OPTIONAL_MODULES if name in runs[0]["modules"])
    extras_result = MISSED if extras else MET
    table.add(
        ["optional extras imported", ", ".join(extras) or "none", "none"]
        + [extras_result],
        {"measure": "optional_modules", "value": extras, "result": extras_result},
    )

    seconds = statistics.median(run["seconds"] for run in runs)
    table.add(
        ["import time", f"{seconds * 1e3:.0f} ms", "", ""],
        {"measure": "import_seconds", "value": seconds},
    )
    numpy_bytes = runs[0]["numpy_kib"] * 1024
    table.add(
        ["resident memory after import numpy", mebibytes(numpy_bytes), "", ""],
        {"measure": "numpy_resident_bytes", "value": numpy_bytes},
    )


def _import_runs(count: int) -> list[dict[str, Any]] | None:
    """Run the import probe ``count`` times; None where it cannot measure."""
    runs = []
    for _ in range(count):
        run = measure_import()
        if run is None:
            return None
        runs.append(run)
    return runs
