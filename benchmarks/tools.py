"""The cost of debugging tools that are switched off, on the training step.

A tool that is off should cost nothing: the step with the tool present but
off should take as long as the step of a build without the tool. The suite
builds the second step by replacing the tool's entry point with a no-op for
the duration of each call.

Only the version check exists so far. It is always on: every
``saved_tensors`` read compares each saved tensor's version counter with
the count at save time (``tinygrad_edu.function._check_version``). The
"without" build skips that comparison. The counters themselves are still
created and incremented, so the ratio is a lower bound on what version
tracking costs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from benchmarks.report import Table, ratio, verdict
from benchmarks.systems import System
from benchmarks.timing import time_interleaved
from benchmarks.workloads import TOOL_TARGET, Settings, mlp_setup

# The (module, attribute) of each tool that the suite cannot measure yet. A
# tool found there is reported as existing, otherwise as not implemented.
VERSION_CHECK = ("tinygrad_edu.function", "_check_version")
PLANNED_TOOLS = {
    "anomaly mode": [("tinygrad_edu.autograd", "detect_anomaly")],
    "tracing": [("tinygrad_edu.autograd", "trace")],
    "hooks": [("tinygrad_edu.tensor", "Tensor.register_hook")],
}


def _lookup(module_name: str, path: str) -> Any:
    """Return the attribute at dotted ``path`` in the module, or None."""
    value: Any = importlib.import_module(module_name)
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def without_version_check(function: Callable[[], object]) -> Callable[[], object]:
    """Wrap ``function`` so that it runs with the version check skipped."""
    module = importlib.import_module(VERSION_CHECK[0])
    original = getattr(module, VERSION_CHECK[1])

    def skip_check(*args: object) -> None:
        return None

    def run() -> object:
        setattr(module, VERSION_CHECK[1], skip_check)
        try:
            return function()
        finally:
            setattr(module, VERSION_CHECK[1], original)

    return run


def tools_table(tinygrad: System, settings: Settings) -> Table:
    """Time the step and the chain with each tool off, against builds without it."""
    table = Table(
        "Switched-off tools: tinygrad_edu with the tool over without it",
        ["tool", "workload", "× without (median)", "× without (min)", "target"]
        + ["result"],
    )
    if _lookup(*VERSION_CHECK) is None:
        table.add(
            ["version checks", "—", "n/a", "n/a", "", "not measured"],
            {"tool": "version checks", "result": "not found"},
        )
        table.notes.append(
            f"{'.'.join(VERSION_CHECK)} was not found, so the check could not "
            "be skipped; update VERSION_CHECK in benchmarks/tools.py."
        )
    else:
        for label, function in _tool_workloads(tinygrad, settings).items():
            _add_version_row(table, label, function, settings)

    for tool, places in PLANNED_TOOLS.items():
        found = any(_lookup(module, path) is not None for module, path in places)
        status = "exists, not measured yet" if found else "not implemented yet"
        table.add(
            [tool, "—", "n/a", "n/a", f"≤ {TOOL_TARGET:.2f}×", status],
            {"tool": tool, "result": status},
        )
    table.notes.append(
        f"The target treats a change within {TOOL_TARGET - 1:.0%} of the median "
        "as nothing measurable."
    )
    return table


def _tool_workloads(
    tinygrad: System, settings: Settings
) -> dict[str, Callable[[], object]]:
    batch = min(settings.mlp_batches)
    trainer = tinygrad.make_trainer(mlp_setup("sigmoid", batch))
    return {
        f"training step, batch {batch}": lambda: trainer.step(0),
        f"chain of {settings.overhead_length} ops": tinygrad.make_chain(
            settings.overhead_length
        ),
    }


def _add_version_row(
    table: Table, label: str, function: Callable[[], object], settings: Settings
) -> None:
    timings = time_interleaved(
        {"with": function, "without": without_version_check(function)},
        settings.plan(15, 0.1),
    )
    median, minimum = timings["with"].ratio(timings["without"])
    result = verdict(median, TOOL_TARGET)
    table.add(
        ["version checks", label, ratio(median), ratio(minimum)]
        + [f"≤ {TOOL_TARGET:.2f}×", result],
        {
            "tool": "version checks",
            "workload": label,
            "median_ratio": median,
            "min_ratio": minimum,
            "result": result,
        },
    )
