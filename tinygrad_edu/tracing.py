"""The backward trace: a record of each step of the chain rule.

Inside ``with trace() as t:``, every backward pass appends one ``TraceStep``
per operation it visits, in the order visited. A step records the operation,
its local rule, the gradient that arrived and the gradient passed to each
input. A note states where a gradient was summed back to a broadcast input's
shape or cast to the input's dtype. ``print(t)`` shows the steps as a
readable log, and the steps are plain data for tests and notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.grad_mode import _state

if TYPE_CHECKING:
    from tinygrad_edu.function import Function
    from tinygrad_edu.tensor import Tensor


@dataclass(frozen=True)
class GradientPassed:
    """The gradient one backward step passed to one input of its operation."""

    input_index: int
    grad: np.ndarray
    note: str | None


@dataclass(frozen=True)
class TraceStep:
    """One operation's step of the chain rule."""

    operation: str
    rule: str
    grad_output: np.ndarray
    passed: tuple[GradientPassed, ...]


@dataclass
class BackwardTrace:
    """The steps recorded inside a ``trace()`` block, in the order they ran."""

    steps: list[TraceStep] = field(default_factory=list)
    _previous: BackwardTrace | None = field(default=None, repr=False, compare=False)

    def __enter__(self) -> BackwardTrace:
        self._previous = _state.trace
        _state.trace = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        _state.trace = self._previous

    def record(
        self,
        node: Function,
        grad_output: Tensor,
        passed: list[tuple[int, Tensor, str | None]],
    ) -> None:
        """Append the step that ``node``'s backward just took.

        An enclosing trace block records the step too.
        """
        if self._previous is not None:
            self._previous.record(node, grad_output, passed)
        self.steps.append(
            TraceStep(
                operation=node.name(),
                rule=_rule_of(node),
                grad_output=grad_output._array.copy(),
                passed=tuple(
                    GradientPassed(index, grad._array.copy(), note)
                    for index, grad, note in passed
                ),
            )
        )

    def __str__(self) -> str:
        lines = []
        for number, step in enumerate(self.steps, start=1):
            lines.append(f"step {number}: {step.operation}    {step.rule}")
            lines.append(f"    gradient in:  {_short(step.grad_output)}")
            for item in step.passed:
                lines.append(f"    to input {item.input_index}:   {_short(item.grad)}")
                if item.note:
                    lines.append(f"        ({item.note})")
        return "\n".join(lines) if lines else "(no backward step was recorded)"


def trace() -> BackwardTrace:
    """Return a context manager that records the backward passes run inside it."""
    return BackwardTrace()


def active_trace() -> BackwardTrace | None:
    """Return the trace that is recording in this thread, or None."""
    return _state.trace


def _rule_of(node: Function) -> str:
    """Return the first line of the operation's docstring, which states its rule."""
    doc = (type(node).__doc__ or "").strip()
    if not doc:
        return type(node).__name__
    # Docstrings mark code with double backquotes, which read as noise in a log.
    return doc.splitlines()[0].replace("``", "")


def _short(array: np.ndarray) -> str:
    text = np.array2string(array, precision=4, separator=", ", threshold=8)
    return " ".join(text.split())
