"""Check gradients against central finite differences: gradcheck, gradgradcheck.

See ``jacobian.py`` for how the two Jacobians are computed and compared, and
``localize.py`` for how a mismatch is traced to one operation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.autograd import grad
from tinygrad_edu.grad_mode import enable_grad
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.jacobian import (
    GradcheckError,
    check_inputs,
    compare_gradients,
    outputs_of,
)
from tinygrad_edu.testing.localize import localize_fault


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
    check_inputs(inputs)

    try:
        message = compare_gradients(fn, inputs, eps, atol, rtol)
        if message is not None:
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
    fault = localize_fault(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if fault is None:
        return (
            "\nEach recorded operation passes gradcheck on its own inputs, so the "
            "fault is in code outside Function.apply."
        )
    return f"\nLocalized: {fault}"


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
    with respect to x contains the second derivatives. ``v`` is ``grad_outputs``,
    or random float64 tensors from a fixed seed when None.

    Returns and raises as ``gradcheck``.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    check_inputs(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor(rng.standard_normal(o.shape), requires_grad=True)
            for o in outputs_of(fn, inputs)
            if o.requires_grad
        ]
    count = len(inputs)

    def first_derivative(*args: Tensor) -> list[Tensor]:
        xs, vs = args[:count], args[count:]
        differentiable = [t for t in xs if t.requires_grad]
        # The numerical pass runs under no_grad, but this map needs a graph.
        with enable_grad():
            outputs = [o for o in outputs_of(fn, xs) if o.requires_grad]
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
