"""Arithmetic: + - * / ** and negation.

Operands may have different shapes that broadcast as in NumPy. Each backward
returns the gradient at the output's (broadcast) shape, and the engine sums it
back to each operand's own shape.
"""

from typing import Any

import numpy as np

from tinygrad_edu.function import Function
from tinygrad_edu.tensor import Tensor


class Add(Function):
    """z = x + y; dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x + y

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        return grad_output, grad_output


class Sub(Function):
    """z = x - y; dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x - y

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        return grad_output, -grad_output


class Neg(Function):
    """z = -x; dz/dx = -1."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        return -grad_output


class Mul(Function):
    """z = x * y; dz/dx = y, dz/dy = x."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        grad_x = grad_output * y if ctx.needs_input_grad[0] else None
        grad_y = grad_output * x if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Div(Function):
    """z = x / y; dz/dx = 1 / y, dz/dy = -x / y**2.

    At y = 0 the gradients are infinite or NaN, as the quotient itself is.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        grad_x = grad_output / y if ctx.needs_input_grad[0] else None
        grad_y = -grad_output * x / (y * y) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Pow(Function):
    """z = x ** y; dz/dx = y * x**(y - 1), dz/dy = x**y * log(x).

    Conventions where the formulas break down, as in PyTorch: dz/dx is 0 where
    y = 0 (x**0 is constant, even at x = 0), and dz/dy is 0 where x = 0 and
    y >= 0 (0**y is constant there).
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.power(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        from tinygrad_edu.ops.selection import where

        x, y, out = ctx.saved_tensors
        grad_x = grad_y = None

        if ctx.needs_input_grad[0]:
            # Where y = 0 the slope is 0 * x**1 = 0, with no 0 * inf.
            grad_x = grad_output * y * x ** where(y == 0, 1.0, y - 1)
        if ctx.needs_input_grad[1]:
            constant = (x == 0) & (y >= 0)
            safe_x = where(constant, 1.0, x)
            grad_y = grad_output * where(constant, 0.0, out * safe_x.log())
        return grad_x, grad_y
