"""Softmax and log-softmax along one dimension, computed stably.

Shifting x by its maximum along ``dim`` leaves both functions unchanged and
keeps every exponent <= 0, so logits of any size give finite results.
"""

from typing import Any

import numpy as np

from tinygrad_edu.function import Function
from tinygrad_edu.tensor import Tensor


def _max_or_zero(x: np.ndarray, dim: int) -> np.ndarray:
    """Return the maximum along ``dim`` (kept), or 0 where ``dim`` is empty.

    The shift only guards against overflow, so any finite value gives the same
    result. An empty dimension has no maximum, and its softmax is empty too.
    """
    if x.ndim and x.shape[dim] == 0:
        return np.zeros((), dtype=x.dtype)
    return x.max(axis=dim, keepdims=True)


class Softmax(Function):
    """y_i = e**x_i / sum_j e**x_j along ``dim``.

    dL/dx = y * (g - sum(g * y)) along ``dim``, where g = dL/dy.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int) -> np.ndarray:
        shifted = np.exp(x - _max_or_zero(x, dim))
        out = shifted / shifted.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        (out,) = ctx.saved_tensors
        weighted = (grad_output * out).sum(dim=ctx.dim, keepdim=True)
        return out * (grad_output - weighted), None


class LogSoftmax(Function):
    """y_i = x_i - log(sum_j e**x_j) along ``dim``.

    dL/dx = g - e**y * sum(g) along ``dim``, where g = dL/dy.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - _max_or_zero(x, dim)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        (out,) = ctx.saved_tensors
        total = grad_output.sum(dim=ctx.dim, keepdim=True)
        return grad_output - out.exp() * total, None
