"""Elementwise functions of one tensor: exp, log, log1p, sqrt, abs, relu, sigmoid, tanh,
clamp, and the dtype cast.

Each keeps its input's shape and dtype. Where a derivative does not exist, the
value used is stated in the class docstring; it matches PyTorch.
"""

from typing import Any

import numpy as np

from tinygrad_edu.function import Function
from tinygrad_edu.tensor import Tensor


class Exp(Function):
    """y = e**x; dy/dx = e**x = y."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad_output * out


class Log(Function):
    """y = ln(x); dy/dx = 1 / x. At x = 0, y = -inf and the gradient is inf."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad_output / x


class Log1p(Function):
    """y = ln(1 + x); dy/dx = 1 / (1 + x). Accurate for tiny x, unlike log(1 + x)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad_output / (1 + x)


class Sqrt(Function):
    """y = sqrt(x); dy/dx = 1 / (2 sqrt(x)). At x = 0 the gradient is inf."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad_output / (2 * out)


class Abs(Function):
    """y = |x|; dy/dx = sign(x), which is 0 at x = 0 (as in PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(np.sign(x))
        return np.abs(x)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (sign,) = ctx.saved_tensors
        return grad_output * sign


class Relu(Function):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0 (also at x = 0)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        # The mask is saved in x's dtype, so backward multiplies without a cast.
        ctx.save_for_backward((x > 0).astype(x.dtype))
        return np.maximum(x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (positive,) = ctx.saved_tensors
        return grad_output * positive


class Sigmoid(Function):
    """y = 1 / (1 + e**-x); dy/dx = y (1 - y)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        # NOTE: for very negative x, e**-x overflows to inf and 1 / (1 + inf)
        # is exactly 0, the limit, so the plain formula stays finite without a
        # branch. It loses only results below the smallest normal number
        # (x < -87 in float32), which become 0 instead of a subnormal.
        out = np.negative(x, out=np.empty_like(x))
        np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad_output * out * (1 - out)


class Tanh(Function):
    """y = tanh(x); dy/dx = 1 - y**2."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad_output * (1 - out * out)


def clamp_bounds(
    low: float | None, high: float | None
) -> tuple[float | None, float | None]:
    """Check clamp's bounds: at least one must be given.

    Raises:
        ValueError: if both are None.
    """
    if low is None and high is None:
        raise ValueError("clamp: give at least one of min and max")
    return low, high


class Clamp(Function):
    """y = min(max(x, low), high); dy/dx = 1 where low <= x <= high, else 0.

    The gradient is 1 at the bounds themselves, as in PyTorch. With
    low > high every element becomes ``high`` and every gradient is 0.
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, low: float | None, high: float | None
    ) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        ctx.save_for_backward(inside)
        return np.clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None]:
        (inside,) = ctx.saved_tensors
        return grad_output * inside, None, None


class Cast(Function):
    """y = x converted to ``dtype``; the gradient is converted back."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        return grad_output.to(ctx.dtype), None


class Clone(Function):
    """y = a copy of x; dy/dx = 1."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        return grad_output
