"""The matrix product, with NumPy's rules for 1-D and batched operands."""

from typing import Any

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.function import Function
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import Tensor


class MatMul(Function):
    """z = x @ y, following ``numpy.matmul``.

    Shapes: (n, k) @ (k, m) -> (n, m). A 1-D x of shape (k,) acts as a row
    (1, k) and a 1-D y as a column (k, 1). The added dimension is then removed
    from z. Leading batch dimensions broadcast: (b, n, k) @ (k, m) -> (b, n, m).

    Gradients: dL/dx = g @ y^T and dL/dy = x^T @ g, where g = dL/dz and ^T
    swaps the last two dimensions. The engine sums broadcast batch dimensions.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if x.ndim == 0 or y.ndim == 0:
            raise ShapeError(
                f"matmul needs operands with at least 1 dimension, got shapes "
                f"{x.shape} and {y.shape}; use * to multiply by a scalar"
            )
        if x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
            raise ShapeError(
                f"matmul: shapes {x.shape} and {y.shape} cannot be multiplied "
                f"({x.shape[-1]} columns in the first, "
                f"{y.shape[-2 if y.ndim > 1 else 0]} rows in the second)"
            )
        broadcast_shapes("matmul (@) batch dimensions", x.shape[:-2], y.shape[:-2])
        ctx.save_for_backward(x, y)
        return np.matmul(x, y)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        x_matrix = x.unsqueeze(0) if x.ndim == 1 else x
        y_matrix = y.unsqueeze(-1) if y.ndim == 1 else y

        grad = grad_output
        if x.ndim == 1:
            grad = grad.unsqueeze(-2 if y.ndim > 1 else 0)
        if y.ndim == 1:
            grad = grad.unsqueeze(-1)

        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad @ y_matrix.transpose(-1, -2)
            grad_x = grad_x.squeeze(-2) if x.ndim == 1 else grad_x
        if ctx.needs_input_grad[1]:
            grad_y = x_matrix.transpose(-1, -2) @ grad
            grad_y = grad_y.squeeze(-1) if y.ndim == 1 else grad_y
        return grad_x, grad_y


class Affine(Function):
    """y = x @ w^T + b: the affine map of a linear layer, as one operation.

    Shapes: x (*, in), w (out, in), b (out,) or None; y (*, out).

    Gradients, with g = dL/dy and the leading dimensions of x and g flattened
    into rows: dL/dx = g @ w, dL/dw = g^T @ x, dL/db = the sum of g's rows
    (backward returns g, and the engine sums the axes that b was broadcast on).
    One node instead of a transpose, a product and a sum keeps the
    per-operation overhead of small batches down.
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
    ) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        rows, x_rows = grad_output, x
        if x.ndim != 2:
            # One row per sample; a batch of shape (N, in) already is.
            rows = grad_output.reshape(-1, weight.shape[0])
            x_rows = x.reshape(-1, weight.shape[1])

        grad_x = grad_output @ weight if needs_x else None
        grad_weight = rows.T @ x_rows if needs_weight else None
        # b was broadcast over the leading dimensions, so the engine sums them.
        grad_bias = grad_output if needs_bias else None
        return grad_x, grad_weight, grad_bias
