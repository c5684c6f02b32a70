"""Operations that pick elements: maximum, minimum and where."""

from typing import Any

import numpy as np

from tinygrad_edu.function import Function
from tinygrad_edu.promotion import promote_operands, wrap_operand
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import Tensor


class Maximum(Function):
    """z = max(x, y) elementwise.

    dz/dx is 1 where x > y and 0 where x < y; where x == y each operand gets
    half the gradient, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(_share_of_first(x, y, np.greater))
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        (share,) = ctx.saved_tensors
        return grad_output * share, grad_output * (1 - share)


class Minimum(Function):
    """z = min(x, y) elementwise; ties split the gradient as in ``Maximum``."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(_share_of_first(x, y, np.less))
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        (share,) = ctx.saved_tensors
        return grad_output * share, grad_output * (1 - share)


def _share_of_first(x: np.ndarray, y: np.ndarray, wins: Any) -> np.ndarray:
    """Return 1 where x wins, 0.5 on ties and 0 where y wins, in x and y's dtype."""
    dtype = np.result_type(x, y)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float32)
    return wins(x, y).astype(dtype) + (x == y).astype(dtype) * dtype.type(0.5)


class Where(Function):
    """z = x where condition else y; each gradient goes to the chosen operand."""

    @staticmethod
    def forward(
        ctx: Any, condition: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        ctx.save_for_backward(condition)
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[None, Tensor, Tensor]:
        (condition,) = ctx.saved_tensors
        zero = grad_output * 0
        return (
            None,
            where(condition, grad_output, zero),
            where(condition, zero, grad_output),
        )


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Return elements of ``x`` where ``condition`` is true, else of ``y``.

    Args:
        condition: a bool tensor or array; broadcasts with ``x`` and ``y``.
        x, y: tensors, arrays or numbers.

    Raises:
        ShapeError: if the three shapes do not broadcast together.
    """
    condition = wrap_operand(condition, None)
    if condition.dtype != np.bool_:
        condition = Tensor._make(condition._array.astype(bool))
    x_tensor, y_tensor = promote_operands(x, y, "where")
    broadcast_shapes("where", condition.shape, x_tensor.shape, y_tensor.shape)
    return Where.apply(condition, x_tensor, y_tensor)


def maximum(left: Any, right: Any) -> Tensor:
    """Return the elementwise maximum; tied elements share the gradient."""
    return Maximum.apply(*promote_operands(left, right, "maximum"))


def minimum(left: Any, right: Any) -> Tensor:
    """Return the elementwise minimum; tied elements share the gradient."""
    return Minimum.apply(*promote_operands(left, right, "minimum"))
