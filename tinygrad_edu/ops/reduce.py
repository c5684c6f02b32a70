"""Reductions: sum, and amax/amin with their tie rule.

Both take ``dims``, a tuple of non-negative dimensions to reduce, and
``keepdim``, which keeps each reduced dimension with size 1. The gradient of a
reduction has the reduced shape; backward restores the input's shape by
inserting the reduced dimensions and broadcasting.
"""

from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.function import Function
from tinygrad_edu.ops.shape import gather
from tinygrad_edu.shapes import normalize_dims, resolve_dim
from tinygrad_edu.tensor import Tensor


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    """Return ``shape`` with each dimension in ``dims`` set to 1."""
    return tuple(1 if axis in dims else size for axis, size in enumerate(shape))


class Sum(Function):
    """y = sum of x over ``dims``; dy/dx = 1 for every element.

    Shape: x of any shape; y with ``dims`` removed (or of size 1 if keepdim).
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, dims: tuple[int, ...], keepdim: bool
    ) -> np.ndarray:
        ctx.shape, ctx.dims = x.shape, dims
        return np.sum(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None]:
        kept = grad_output.reshape(_kept_shape(ctx.shape, ctx.dims))
        return kept.expand(ctx.shape), None, None


class Extreme(Function):
    """y = max (or min) of x over ``dims``; used by amax, amin, max() and min().

    The gradient goes to the elements equal to the extreme value. When several
    elements tie, they share it evenly, as PyTorch's amax and full max do:
    dy/dx_i = 1 / (number of ties) for each tied element, 0 elsewhere.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: np.ndarray,
        dims: tuple[int, ...],
        keepdim: bool,
        find_max: bool,
    ) -> np.ndarray:
        if x.size == 0 and any(x.shape[d] == 0 for d in dims):
            raise ValueError(
                f"{'max' if find_max else 'min'}: cannot reduce an empty dimension "
                f"of a tensor of shape {x.shape}; there is no identity element"
            )
        reducer = np.max if find_max else np.min
        out = reducer(x, axis=dims, keepdims=True)
        ties = x == out
        weights = ties / ties.sum(axis=dims, keepdims=True)
        ctx.save_for_backward(weights.astype(x.dtype, copy=False))
        ctx.kept_shape = out.shape
        return (
            out
            if keepdim
            else out.reshape([s for axis, s in enumerate(x.shape) if axis not in dims])
        )

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None, None]:
        (weights,) = ctx.saved_tensors
        return grad_output.reshape(ctx.kept_shape) * weights, None, None, None


class ValuesIndices(NamedTuple):
    """The result of ``max(dim)`` and ``min(dim)``: values and their positions."""

    values: Tensor
    indices: Tensor


def extreme(
    tensor: Tensor,
    dim: int | None,
    keepdim: bool,
    axis: int | None,
    keepdims: bool | None,
    find_max: bool,
) -> Any:
    """Implement ``Tensor.max`` and ``Tensor.min``; see their docstrings."""
    name = "max" if find_max else "min"
    chosen = dim if axis is None else axis
    if chosen is not None and not isinstance(chosen, (int, np.integer)):
        raise TypeError(
            f"{name}(dim) takes one int dimension and returns (values, indices), "
            f"got {chosen!r}; use amax/amin to reduce several dimensions"
        )
    dims, keep = resolve_dim(dim, keepdim, axis, keepdims, tensor.ndim, name)
    if chosen is None:
        return Extreme.apply(tensor, dims, keep, find_max)

    finder = np.argmax if find_max else np.argmin
    if tensor.ndim == 0:
        return ValuesIndices(tensor.clone(), arg_extreme(finder, tensor, 0, keep))
    indices = arg_extreme(finder, tensor, dims[0], True)
    values = gather(tensor, dims[0], indices)
    if not keep:
        values, indices = values.squeeze(dims[0]), indices.squeeze(dims[0])
    return ValuesIndices(values, indices)


def arg_extreme(finder: Any, tensor: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    """Return the int64 positions that ``finder`` (np.argmax or np.argmin) picks."""
    if dim is None:
        if tensor.numel() == 0:
            raise ShapeError(
                f"{finder.__name__}: the tensor of shape {tensor.shape} is empty, so "
                "it has no extreme element"
            )
        index = finder(tensor._array)
        shape = (1,) * tensor.ndim if keepdim else ()
        return Tensor._make(np.asarray(index, dtype=np.int64).reshape(shape))

    axis = normalize_dims(dim, tensor.ndim, finder.__name__)[0]
    if tensor.ndim == 0:
        return Tensor._make(np.zeros((), dtype=np.int64))
    if tensor.shape[axis] == 0:
        raise ShapeError(
            f"{finder.__name__}: dimension {dim} of shape {tensor.shape} is empty, "
            "so it has no extreme element; reduce a non-empty dimension"
        )
    index = finder(tensor._array, axis=axis, keepdims=keepdim)
    return Tensor._make(index.astype(np.int64))
