"""Checks that every system computes the same numbers before any is timed.

Training: each system starts from the same weights and trains ``steps``
times on the same batches (two steps by default, so momentum takes part).
Its loss at each step must match the reference's to ``LOSS_RTOL``, and each
weight afterwards must lie within ``WEIGHT_RTOL * |w_ref|`` plus
``UPDATE_FRACTION`` of the largest change that training made to that array
in the reference. The second term scales the tolerance to the size of the
update, so a wrong gradient cannot hide behind the size of the weights.

The chain: the output must match to ``CHAIN_VALUE_RTOL`` and the gradient
to ``CHAIN_GRAD_RTOL``. The gradient is a product of one factor per op, so
its float32 rounding error grows with the length: about 1e-4 relative
after 1,000 ops. It shrinks by about 0.9 per three ops and underflows to 0
after some 2,000 ops, so it is compared meaningfully only on shorter chains.

Float32 sums taken in another order differ in the last bits, for example
between PyTorch's MKL and NumPy's OpenBLAS. The tolerances leave room for
that, and a wrong gradient in any one element still exceeds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from benchmarks.systems import System, Trainer
from benchmarks.workloads import MLPSetup

LOSS_RTOL = 1e-5
WEIGHT_RTOL = 1e-5
UPDATE_FRACTION = 1e-3
CHAIN_VALUE_RTOL = 1e-5
CHAIN_GRAD_RTOL = 1e-3
# A few steps of float32's smallest subnormal (1.4e-45), so that a gradient
# that underflows to 0 in one system and to a subnormal in another agrees.
CHAIN_GRAD_ATOL = 1e-44


class AgreementError(RuntimeError):
    """Raised when a system's numbers differ from the reference's."""


@dataclass
class Agreement:
    """The largest difference from the reference found for each system.

    ``worst`` maps a system's name to the largest difference as a fraction
    of its tolerance (1.0 is at the limit).
    """

    workload: str
    worst: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        figures = ", ".join(f"{name} {value:.2g}" for name, value in self.worst.items())
        return (
            f"agreement with the reference checked before timing; largest "
            f"difference as a fraction of the tolerance: {figures or 'no peers'}"
        )


def run_training(trainer: Trainer, steps: int) -> tuple[list[float], list[np.ndarray]]:
    """Train ``steps`` times, cycling through the batches; return losses, weights."""
    losses = [trainer.step(i) for i in range(steps)]
    return losses, trainer.weights()


def check_training(systems: list[System], setup: MLPSetup, steps: int = 2) -> Agreement:
    """Compare each system's losses and updated weights with the reference's.

    ``systems[0]`` is the reference. Raises ``AgreementError`` naming every
    system and quantity that is out of tolerance.
    """
    setup = _repeat_batches(setup, steps)
    ref_losses, ref_weights = run_training(systems[0].make_trainer(setup), steps)
    changes = [
        np.max(np.abs(w - w0)) for w, w0 in zip(ref_weights, setup.weights, strict=True)
    ]

    agreement = Agreement(_describe(setup))
    problems = []
    for system in systems[1:]:
        losses, weights = run_training(system.make_trainer(setup), steps)
        worst = 0.0
        for step, (loss, ref_loss) in enumerate(zip(losses, ref_losses, strict=True)):
            fraction = abs(loss - ref_loss) / (LOSS_RTOL * abs(ref_loss) + 1e-12)
            worst = max(worst, fraction)
            if fraction > 1:
                problems.append(
                    f"{system.name}: loss at step {step + 1} is {loss!r}, "
                    f"the reference's is {ref_loss!r}"
                )
        for index, (w, ref, change) in enumerate(
            zip(weights, ref_weights, changes, strict=True)
        ):
            fraction = _weight_fraction(w, ref, change)
            worst = max(worst, fraction)
            if fraction > 1:
                problems.append(
                    f"{system.name}: parameter {index} ({_param_name(index)}) "
                    f"differs by up to {np.max(np.abs(w - ref)):.3g} after "
                    f"{steps} steps, {fraction:.3g} times the tolerance"
                )
        agreement.worst[system.name] = worst

    _raise_if(problems, agreement.workload)
    return agreement


def check_chain(
    results: dict[str, tuple[float, float]], reference_name: str, length: int
) -> Agreement:
    """Compare each system's chain output and gradient with the reference's.

    ``results`` maps a system's name to the ``(output, gradient)`` that its
    chain function returned. Raises ``AgreementError`` if any differs.
    """
    ref_value, ref_grad = results[reference_name]
    agreement = Agreement(f"elementwise chain of {length} ops")
    problems = []
    for name, (value, grad) in results.items():
        if name == reference_name:
            continue
        fractions = [
            abs(value - ref_value) / (CHAIN_VALUE_RTOL * abs(ref_value) + 1e-12),
            abs(grad - ref_grad) / (CHAIN_GRAD_RTOL * abs(ref_grad) + CHAIN_GRAD_ATOL),
        ]
        agreement.worst[name] = max(fractions)
        if max(fractions) > 1:
            problems.append(
                f"{name}: output {value!r} and gradient {grad!r}, the "
                f"reference's are {ref_value!r} and {ref_grad!r}"
            )

    _raise_if(problems, agreement.workload)
    return agreement


def _weight_fraction(w: np.ndarray, ref: np.ndarray, change: float) -> float:
    """Return max |w - ref| / tolerance over the array's elements."""
    if w.shape != ref.shape:
        return float("inf")
    tolerance = WEIGHT_RTOL * np.abs(ref) + UPDATE_FRACTION * change + 1e-12
    return float(np.max(np.abs(w - ref) / tolerance))


def _repeat_batches(setup: MLPSetup, steps: int) -> MLPSetup:
    """Return ``setup`` with at least ``steps`` batches, reusing the first."""
    if len(setup.batches) >= steps:
        return setup
    batches = [setup.batches[i % len(setup.batches)] for i in range(steps)]
    return MLPSetup(
        setup.sizes,
        setup.activation,
        setup.lr,
        setup.momentum,
        setup.weights,
        batches,
        setup.data_note,
    )


def _describe(setup: MLPSetup) -> str:
    sizes = "-".join(str(size) for size in setup.sizes)
    rows = len(setup.batches[0][1])
    return f"MLP {sizes} {setup.activation}, batch {rows}"


def _param_name(index: int) -> str:
    kind = "weight" if index % 2 == 0 else "bias"
    return f"layer {index // 2 + 1} {kind}"


def _raise_if(problems: list[str], workload: str) -> None:
    if problems:
        raise AgreementError(
            f"the systems disagree on the {workload}, so their timings would "
            "not compare the same computation:\n  " + "\n  ".join(problems)
        )
