"""Training workloads: one MLP step at three batch sizes, and a digits epoch."""

from __future__ import annotations

import functools

from benchmarks.agreement import Agreement, check_training
from benchmarks.report import Table, timing_cells, timing_record, verdict
from benchmarks.systems import System, Trainer
from benchmarks.timing import Timing, TimingPlan, time_interleaved
from benchmarks.workloads import (
    ACTIVATIONS,
    DIGITS_TARGET,
    MLP_SIZES,
    MLPSetup,
    Settings,
    digits_setup,
    mlp_setup,
    step_target,
)

TIMING_COLUMNS = ["median", "min", "× ref (median)", "× ref (min)"]
TARGET_SYSTEM = "tinygrad_edu"


def add_timing_rows(
    table: Table,
    systems: list[System],
    timings: dict[str, Timing],
    target: float,
    lead: list[str],
    per: float = 1.0,
) -> None:
    """Add a row per system; the target and verdict go on tinygrad_edu's row.

    ``lead`` are the cells before the system's name, such as the batch size.
    The verdict compares the median ratio with ``target``.
    """
    reference = timings[systems[0].name]
    for system in systems:
        timing = timings[system.name]
        record = {"system": system.name, **timing_record(timing, reference)}
        goal, result = "", ""
        if system.name == TARGET_SYSTEM:
            goal = f"≤ {target:.2f}×"
            result = verdict(record["median_ratio"], target)
            record.update(target=target, result=result)
        cells = [*lead, system.name, *timing_cells(timing, reference, per)]
        table.add([*cells, goal, result], record)


def step_tables(
    systems: list[System], settings: Settings, thread_label: str
) -> list[Table]:
    """Time one training step of the MLP, one table per activation."""
    tables = []
    sizes = "-".join(str(size) for size in MLP_SIZES)
    for activation in ACTIVATIONS:
        table = Table(
            f"Training step, MLP {sizes} {activation}, {thread_label}",
            ["batch", "system", *TIMING_COLUMNS, "target", "result"],
        )
        for batch in settings.mlp_batches:
            setup = mlp_setup(activation, batch)
            agreement = check_training(systems, setup)
            timings = _time_steps(systems, setup, settings.plan(15, 0.1))
            target = step_target(batch)
            add_timing_rows(table, systems, timings, target, [str(batch)])
            table.notes.append(f"batch {batch}: {agreement.summary()}")
        table.notes.append(
            "One step is zero_grad, forward, softmax cross-entropy, backward and "
            "an SGD update (lr 0.1) on the same batch; each system starts from "
            "the same float32 weights. The result compares the median ratio "
            "with the target."
        )
        tables.append(table)
    return tables


def _time_steps(
    systems: list[System], setup: MLPSetup, plan: TimingPlan
) -> dict[str, Timing]:
    functions = {
        system.name: functools.partial(system.make_trainer(setup).step, 0)
        for system in systems
    }
    return time_interleaved(functions, plan)


def digits_table(systems: list[System], settings: Settings) -> Table:
    """Time one epoch of the digits example's network and optimizer."""
    setup = digits_setup()
    agreement: Agreement = check_training(systems, setup, steps=3)

    functions = {
        system.name: functools.partial(_epoch, system.make_trainer(setup), setup)
        for system in systems
    }
    timings = time_interleaved(functions, settings.plan(10, 0.2))

    rows = sum(len(y) for _, y in setup.batches)
    table = Table(
        f"Digits epoch, MLP 64-64-10 sigmoid, {len(setup.batches)} batches of "
        f"32 ({rows} rows)",
        ["system", *TIMING_COLUMNS, "target", "result"],
    )
    add_timing_rows(table, systems, timings, DIGITS_TARGET, [])
    table.notes += [
        f"Data: {setup.data_note}, standardised once before training.",
        "SGD with lr 1.0 and momentum 0.9; each step also reads the loss as a "
        "Python float, as examples/train_digits.py does.",
        agreement.summary(),
    ]
    return table


def _epoch(trainer: Trainer, setup: MLPSetup) -> None:
    for index in range(len(setup.batches)):
        trainer.step(index)
