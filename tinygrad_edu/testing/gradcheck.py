"""Compare analytic gradients with central finite differences.

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
from tinygrad_edu.grad_mode import enable_grad, no_grad
from tinygrad_edu.tensor import Tensor


class GradcheckError(TinygradEduError, AssertionError):
    """An analytic gradient differs from its finite-difference estimate."""


def _outputs_of(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> list[Tensor]:
    result = fn(*inputs)
    outputs = [result] if isinstance(result, Tensor) else list(result)
    for position, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(
                f"gradcheck: output {position} of fn is a {type(output).__name__}, "
                "but fn must return a Tensor or a sequence of Tensors"
            )
    return outputs


def _check_inputs(inputs: Sequence[Tensor]) -> None:
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
        sizes = [output.numel() for output in _outputs_of(fn, inputs)]
        blocks = [[np.zeros((size, t.numel())) for t in inputs] for size in sizes]

        for i, tensor in enumerate(inputs):
            if not tensor.requires_grad:
                continue
            flat = tensor._array.reshape(-1)
            for j in range(flat.size):
                original = flat[j]
                flat[j] = original + eps
                plus = [o._array.ravel().copy() for o in _outputs_of(fn, inputs)]
                flat[j] = original - eps
                minus = [o._array.ravel().copy() for o in _outputs_of(fn, inputs)]
                flat[j] = original
                for o in range(len(sizes)):
                    blocks[o][i][:, j] = (plus[o] - minus[o]) / (2 * eps)
    return blocks


def analytic_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Tensor]
) -> list[list[np.ndarray]]:
    """Return J[o][i] built from one backward pass per output element."""
    outputs = _outputs_of(fn, inputs)
    wanted = [t for t in inputs if t.requires_grad]
    blocks = [[np.zeros((o.numel(), t.numel())) for t in inputs] for o in outputs]

    for o, output in enumerate(outputs):
        if not output.requires_grad:
            continue
        for k in range(output.numel()):
            seed = np.zeros(output.shape, dtype=output.dtype)
            seed.reshape(-1)[k] = 1
            grads = grad(
                output, wanted, Tensor._make(seed), retain_graph=True, allow_unused=True
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


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    localize: bool = True,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against finite differences.

    Every input that requires grad must be float64. An element passes when
    ``|analytic - numerical| <= atol + rtol * |numerical|``. The analytic
    Jacobian is computed twice, and both must agree exactly.

    Args:
        fn: a function of the inputs returning a Tensor or a sequence of them.
        inputs: a Tensor or a sequence of Tensors.
        eps: the finite-difference step.
        atol, rtol: the absolute and relative tolerance.
        raise_exception: raise on a mismatch instead of returning False.
        localize: on a mismatch, re-check each operation in ``fn``'s graph on
            its own recorded inputs, and name the first one whose backward is
            wrong in the error message.

    Returns:
        True when all gradients match.

    Raises:
        GradcheckError: on a mismatch, naming the output, the input, the
            element positions and both values, and listing the worst elements.
        DTypeError: if an input that requires grad is not float64.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    _check_inputs(inputs)

    try:
        analytic = analytic_jacobian(fn, inputs)
        _check_repeatable(analytic, analytic_jacobian(fn, inputs))
        numerical = numerical_jacobian(fn, inputs, eps)
        outputs = _outputs_of(fn, inputs)
        for o, output in enumerate(outputs):
            for i, tensor in enumerate(inputs):
                if not tensor.requires_grad:
                    continue
                a, n = analytic[o][i], numerical[o][i]
                tolerance = atol + rtol * np.abs(n)
                if not np.all(np.abs(a - n) <= tolerance):
                    message = _describe_mismatch(
                        a, n, o, i, output.shape, tensor.shape, tolerance
                    )
                    if localize:
                        message += _localized(fn, inputs, eps, atol, rtol)
                    raise GradcheckError(message)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _localized(
    fn: Callable[..., Any],
    inputs: Sequence[Tensor],
    eps: float,
    atol: float,
    rtol: float,
) -> str:
    """Return a paragraph naming the faulty operation, for the error message."""
    from tinygrad_edu.testing.localize import localize_fault

    fault = localize_fault(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if fault is None:
        return (
            "\nEach recorded operation passes gradcheck on its own inputs, so the "
            "fault is in code outside Function.apply."
        )
    return f"\nLocalized: {fault}"


def _check_repeatable(
    first: list[list[np.ndarray]], second: list[list[np.ndarray]]
) -> None:
    for o, (row_a, row_b) in enumerate(zip(first, second, strict=True)):
        for i, (a, b) in enumerate(zip(row_a, row_b, strict=True)):
            if not np.array_equal(a, b, equal_nan=True):
                raise GradcheckError(
                    f"gradcheck: backward is not repeatable: two runs gave different "
                    f"gradients of output {o} with respect to input {i}"
                )


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Sequence[Tensor] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the second derivatives of ``fn`` against finite differences.

    Runs ``gradcheck`` on the map (x, v) -> v . d fn(x) / dx, whose gradient
    with respect to x holds the second derivatives. ``v`` is ``grad_outputs``,
    or random float64 tensors from a fixed seed when None.

    Returns and raises as ``gradcheck``.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    _check_inputs(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor(rng.standard_normal(o.shape), requires_grad=True)
            for o in _outputs_of(fn, inputs)
            if o.requires_grad
        ]
    count = len(inputs)

    def first_derivative(*args: Tensor) -> list[Tensor]:
        xs, vs = args[:count], args[count:]
        differentiable = [t for t in xs if t.requires_grad]
        # The numerical pass runs under no_grad, but this map needs a graph.
        with enable_grad():
            outputs = [o for o in _outputs_of(fn, xs) if o.requires_grad]
            grads = grad(
                outputs, differentiable, vs, create_graph=True, allow_unused=True
            )
        return [
            g if g is not None else Tensor._make(np.zeros(t.shape))
            for g, t in zip(grads, differentiable, strict=True)
        ]

    return gradcheck(
        first_derivative,
        [*inputs, *grad_outputs],
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
