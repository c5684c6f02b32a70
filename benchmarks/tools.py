"""The cost of debugging tools while they are switched off.

A tool that is off should cost nothing: the training step with the tool
present but off should take as long as the step of a build without the
tool. ``without.py`` makes that build from the library's source by taking
out the tool's statements, and each row is the ratio of the two times.

What is taken out, per tool (``TOOLS``):

- version checks, which are always on: the ``_check_version`` calls with
  which ``saved_tensors`` compares each saved tensor's version counter with
  the count at save time. The counters are still kept, so the row is a
  lower bound on what version tracking costs;
- anomaly mode: the ``anomaly_enabled()`` test in ``Function.apply`` and the
  ``check_finite`` test of the backward pass;
- tracing: the backward pass's ``tracer`` and the ``passed`` list that it
  collects for the tracer;
- hooks: the loops over ``_hooks`` in the backward pass, and the test for
  hooks in ``Module.__call__``.

Tests that run once per backward pass, not once per node or op, stay in
both builds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from benchmarks.report import Table, ratio, verdict
from benchmarks.systems import System
from benchmarks.timing import time_interleaved
from benchmarks.without import BuildError, Removal, without
from benchmarks.workloads import TOOL_TARGET, Settings, mlp_setup

_ENGINE = "tinygrad_edu.engine"
_FUNCTION = "tinygrad_edu.function"

# Each tool: the public name that shows it exists, and what to take out.
TOOLS: dict[str, tuple[tuple[str, str], list[Removal]]] = {
    "version checks": (
        (_FUNCTION, "_check_version"),
        [Removal(_FUNCTION, "Function.saved_tensors", ("_check_version",))],
    ),
    "anomaly mode": (
        ("tinygrad_edu.autograd", "detect_anomaly"),
        [
            Removal(_FUNCTION, "Function.apply", ("anomaly_enabled",)),
            Removal(_ENGINE, "_BackwardPass.__init__", ("check_finite",)),
            Removal(_ENGINE, "_BackwardPass.visit", ("check_finite",)),
        ],
    ),
    "tracing": (
        ("tinygrad_edu.autograd", "trace"),
        [
            Removal(_ENGINE, "_BackwardPass.__init__", ("tracer",)),
            Removal(_ENGINE, "_BackwardPass.visit", ("tracer", "passed")),
        ],
    ),
    "hooks": (
        ("tinygrad_edu.tensor", "Tensor.register_hook"),
        [
            Removal(_ENGINE, "_BackwardPass.visit", ("_hooks",)),
            Removal(_ENGINE, "_BackwardPass.deliver_leaf_grads", ("_hooks",)),
            Removal("tinygrad_edu.nn.module", "Module.__call__", ("_hooks",), "body"),
        ],
    ),
}


def _exists(module_name: str, path: str) -> bool:
    """Return True if the module has the attribute at dotted ``path``."""
    value: Any = importlib.import_module(module_name)
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return False
    return True


def tools_table(tinygrad: System, settings: Settings) -> Table:
    """Time the step and the chain with each tool off, against builds without it."""
    table = Table(
        "Switched-off tools: tinygrad_edu with the tool over without it",
        ["tool", "workload", "× without (median)", "× without (min)", "target"]
        + ["result"],
    )
    goal = f"≤ {TOOL_TARGET:.2f}×"
    for tool, (public, removals) in TOOLS.items():
        if not _exists(*public):
            _add_unmeasured(table, tool, goal, "not implemented yet")
            continue
        for label, make in _tool_workloads(tinygrad, settings).items():
            try:
                _add_tool_row(table, tool, label, make, removals, settings)
            except BuildError as error:
                _add_unmeasured(table, tool, goal, "not measured")
                table.notes.append(f"{tool}: {error}")
                break
    table.notes.append(
        f"The target treats a change within {TOOL_TARGET - 1:.0%} of the median "
        "as nothing measurable."
    )
    return table


def _add_unmeasured(table: Table, tool: str, goal: str, status: str) -> None:
    table.add([tool, "—", "n/a", "n/a", goal, status], {"tool": tool, "result": status})


def _tool_workloads(
    tinygrad: System, settings: Settings
) -> dict[str, Callable[[], Callable[[], Any]]]:
    """Return a factory per workload; each call builds a fresh copy."""
    batch = min(settings.mlp_batches)
    setup = mlp_setup("sigmoid", batch)
    length = settings.overhead_length

    def step() -> Callable[[], Any]:
        trainer = tinygrad.make_trainer(setup)
        return lambda: trainer.step(0)

    return {
        f"training step, batch {batch}": step,
        f"chain of {length} ops": lambda: tinygrad.make_chain(length),
    }


def _add_tool_row(
    table: Table,
    tool: str,
    label: str,
    make: Callable[[], Callable[[], Any]],
    removals: list[Removal],
    settings: Settings,
) -> None:
    """Check that both builds compute the same, then time them."""
    plain, stripped = make(), without(removals, make())
    expected = [plain() for _ in range(2)]
    if [stripped() for _ in range(2)] != expected:
        raise BuildError(f"the build without it computes other results on {label}")

    timings = time_interleaved(
        {"with": plain, "without": stripped}, settings.plan(15, 0.1)
    )
    median, minimum = timings["with"].ratio(timings["without"])
    result = verdict(median, TOOL_TARGET)
    table.add(
        [tool, label, ratio(median), ratio(minimum), f"≤ {TOOL_TARGET:.2f}×", result],
        {
            "tool": tool,
            "workload": label,
            "median_ratio": median,
            "min_ratio": minimum,
            "result": result,
        },
    )
