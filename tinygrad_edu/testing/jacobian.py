"""Jacobians by backward and by central differences, and their comparison.

For a function f of tensors x_1..x_n with outputs y_1..y_m, the Jacobian block
J[o, i] holds d y_o / d x_i, one row per output element and one column per
input element. The analytic block comes from backward, one row at a time; the
numerical block from central differences,

    (f(x + eps e_j) - f(x - eps e_j)) / (2 eps),

whose error shrinks like eps**2. Both need float64: in float32 the rounding
error of f, about 1e-7 * |f| / eps, swamps the difference for any useful eps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.autograd import grad
from tinygrad_edu.errors import DTypeError, TinygradEduError
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor


class GradcheckError(TinygradEduError, AssertionError):
    """An analytic gradient differs from its finite-difference estimate."""


def outputs_of(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> list[Tensor]:
    result = fn(*inputs)
    outputs = [result] if isinstance(result, Tensor) else list(result)
    for position, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(
                f"gradcheck: output {position} of fn is a {type(output).__name__}, "
                "but fn must return a Tensor or a sequence of Tensors"
            )
    return outputs


def check_inputs(inputs: Sequence[Tensor]) -> None:
    for position, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor):
            raise TypeError(
                f"gradcheck: input {position} is a {type(tensor).__name__}, not a "
                "Tensor"
            )
        if tensor.requires_grad and tensor.dtype != np.float64:
            raise DTypeError(
                f"gradcheck: input {position} has dtype {tensor.dtype}, but finite "
                "differences need float64: in lower precision the rounding error "
                "of f divided by eps is larger than the derivative's own error. "
                "Pass inputs made with dtype=tinygrad_edu.float64 (or .double())."
            )


def numerical_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Tensor], eps: float
) -> list[list[np.ndarray]]:
    """Return J[o][i], each an array of shape (outputs[o].size, inputs[i].size).

    Each input element in turn is moved by +eps and -eps in place, and
    restored afterwards; inputs that do not require grad get no block.
    """
    with no_grad():
        sizes = [output.numel() for output in outputs_of(fn, inputs)]
        blocks = [[np.zeros((size, t.numel())) for t in inputs] for size in sizes]

        for i, tensor in enumerate(inputs):
            if not tensor.requires_grad:
                continue
            flat = tensor._array.reshape(-1)
            for j in range(flat.size):
                original = flat[j]
                flat[j] = original + eps
                plus = [o._array.ravel().copy() for o in outputs_of(fn, inputs)]
                flat[j] = original - eps
                minus = [o._array.ravel().copy() for o in outputs_of(fn, inputs)]
                flat[j] = original
                for o in range(len(sizes)):
                    blocks[o][i][:, j] = (plus[o] - minus[o]) / (2 * eps)
    return blocks


def analytic_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Tensor]
) -> list[list[np.ndarray]]:
    """Return J[o][i] built from one backward pass per output element."""
    outputs = outputs_of(fn, inputs)
    differentiable = [t for t in inputs if t.requires_grad]
    blocks = [[np.zeros((o.numel(), t.numel())) for t in inputs] for o in outputs]

    for o, output in enumerate(outputs):
        if not output.requires_grad:
            continue
        for k in range(output.numel()):
            seed = np.zeros(output.shape, dtype=output.dtype)
            seed.reshape(-1)[k] = 1
            grads = grad(
                output,
                differentiable,
                Tensor._make(seed),
                retain_graph=True,
                allow_unused=True,
            )
            _store_row(blocks[o], inputs, grads, k)
    return blocks


def _store_row(
    blocks: list[np.ndarray],
    inputs: Sequence[Tensor],
    grads: Sequence[Tensor | None],
    row: int,
) -> None:
    """Write one backward pass's gradients into row ``row`` of each block."""
    position = 0
    for i, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            continue
        gradient = grads[position]
        position += 1
        if gradient is None:
            continue
        if gradient.shape != tensor.shape or gradient.dtype != tensor.dtype:
            raise GradcheckError(
                f"gradcheck: the gradient of input {i} has shape {gradient.shape} "
                f"and dtype {gradient.dtype}, but the input has shape "
                f"{tensor.shape} and dtype {tensor.dtype}"
            )
        blocks[i][row] = gradient._array.ravel()


def _describe_mismatch(
    analytic: np.ndarray,
    numerical: np.ndarray,
    output_index: int,
    input_index: int,
    output_shape: tuple[int, ...],
    input_shape: tuple[int, ...],
    tolerance: np.ndarray,
) -> str:
    """Explain the worst mismatches of one Jacobian block."""
    excess = np.abs(analytic - numerical) - tolerance
    order = np.argsort(excess, axis=None)[::-1][:5]
    row, column = np.unravel_index(order[0], analytic.shape)
    lines = [
        f"gradcheck: the gradient of output {output_index} with respect to input "
        f"{input_index} is wrong.",
        f"At output element {_position(row, output_shape)} and input element "
        f"{_position(column, input_shape)}: analytic {float(analytic[row, column])!r}, "
        f"numerical {float(numerical[row, column])!r}.",
        "Worst elements (output element, input element: analytic vs numerical):",
    ]
    for flat in order:
        r, c = np.unravel_index(flat, analytic.shape)
        if excess[r, c] <= 0:
            break
        lines.append(
            f"  {_position(r, output_shape)}, {_position(c, input_shape)}: "
            f"{analytic[r, c]:.10g} vs {numerical[r, c]:.10g}"
        )
    return "\n".join(lines)


def _position(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def check_repeatable(
    first: list[list[np.ndarray]], second: list[list[np.ndarray]]
) -> None:
    for o, (row_a, row_b) in enumerate(zip(first, second, strict=True)):
        for i, (a, b) in enumerate(zip(row_a, row_b, strict=True)):
            if not np.array_equal(a, b, equal_nan=True):
                raise GradcheckError(
                    f"gradcheck: backward is not repeatable: two runs gave different "
                    f"gradients of output {o} with respect to input {i}"
                )


def compare_gradients(
    fn: Callable[..., Any],
    inputs: Sequence[Tensor],
    eps: float,
    atol: float,
    rtol: float,
) -> str | None:
    """Return a description of the first gradient mismatch, or None if all match.

    The analytic Jacobian is computed twice, and both must agree exactly.

    Raises:
        GradcheckError: if a gradient has the wrong shape or dtype, or backward
            is not repeatable.
    """
    analytic = analytic_jacobian(fn, inputs)
    check_repeatable(analytic, analytic_jacobian(fn, inputs))
    numerical = numerical_jacobian(fn, inputs, eps)
    outputs = outputs_of(fn, inputs)

    for o, output in enumerate(outputs):
        for i, tensor in enumerate(inputs):
            if not tensor.requires_grad:
                continue
            a, n = analytic[o][i], numerical[o][i]
            tolerance = atol + rtol * np.abs(n)
            if not np.all(np.abs(a - n) <= tolerance):
                return _describe_mismatch(
                    a, n, o, i, output.shape, tensor.shape, tolerance
                )
    return None


def numerical_gradient(
    value_of: Callable[[np.ndarray], float], array: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Return the central-difference gradient of a scalar NumPy function.

    Useful for a reference gradient computed from a NumPy formula, independent
    of tinygrad_edu. ``array`` is not changed.
    """
    point = np.array(array, dtype=np.float64)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + eps
        plus = value_of(point)
        point[index] = original - eps
        minus = value_of(point)
        point[index] = original
        gradient[index] = (plus - minus) / (2 * eps)
    return gradient
