"""Functions that make new tensors: from data, filled, ranges and random.

Floating-point results are float32 unless ``dtype`` is given, as in
PyTorch. Random tensors draw from the generator that ``manual_seed`` sets.
"""

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, default_float, is_floating, to_dtype
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.promotion import number_dtype
from tinygrad_edu.random import default_generator
from tinygrad_edu.shapes import shape_argument
from tinygrad_edu.tensor import Tensor


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``zeros(2, 3)`` and ``zeros((2, 3))``; sizes must be ints >= 0."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = shape_argument(size, "size")
    if any(s < 0 for s in shape):
        raise ValueError(f"size: sizes must be non-negative, got {shape}")
    return shape


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array).requires_grad_(requires_grad)


def tensor(
    data: Any, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return a new tensor holding a copy of ``data``; see ``Tensor``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(
    *size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return a tensor of the given shape filled with 0."""
    return full(_shape(size), 0.0, dtype=dtype, requires_grad=requires_grad)


def ones(
    *size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return a tensor of the given shape filled with 1."""
    return full(_shape(size), 1.0, dtype=dtype, requires_grad=requires_grad)


def full(
    size: Any,
    fill_value: float,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return a tensor of shape ``size`` filled with ``fill_value``.

    Without ``dtype``, the dtype follows ``fill_value`` as in PyTorch: bool for
    a bool, int64 for an int and float32 for a float.
    """
    if dtype is None:
        dtype = number_dtype(fill_value)
    dtype = to_dtype(dtype)
    return _new(np.full(_shape((size,)), fill_value, dtype=dtype), requires_grad)


def zeros_like(
    other: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return zeros with the shape (and, by default, the dtype) of ``other``."""
    dtype = to_dtype(dtype) if dtype is not None else other.dtype
    return _new(np.zeros(other.shape, dtype=dtype), requires_grad)


def ones_like(
    other: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return ones with the shape (and, by default, the dtype) of ``other``."""
    dtype = to_dtype(dtype) if dtype is not None else other.dtype
    return _new(np.ones(other.shape, dtype=dtype), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return evenly spaced values in [start, end); int64 for integer arguments.

    Raises:
        ValueError: if ``step`` is 0.
    """
    if step == 0:
        raise ValueError("arange: step must be nonzero, got 0")
    if end is None:
        start, end = 0, start
    array = np.arange(start, end, step)
    if dtype is not None:
        array = array.astype(to_dtype(dtype))
    elif array.dtype == np.float64:
        array = array.astype(default_float())
    return _new(array, requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """Return an n x m matrix with ones on the diagonal."""
    return Tensor._make(
        np.eye(n, m, dtype=to_dtype(dtype) if dtype else default_float())
    )


def _random_dtype(dtype: DTypeLike | None, name: str) -> np.dtype:
    dtype = to_dtype(dtype) if dtype is not None else default_float()
    if not is_floating(dtype):
        raise DTypeError(
            f"{name}: random samples need a floating-point dtype, got {dtype}; "
            "draw floats and convert them, or use a float dtype"
        )
    return dtype


def rand(
    *size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return samples from the uniform distribution on [0, 1)."""
    dtype = _random_dtype(dtype, "rand")
    array = default_generator().random(_shape(size)).astype(dtype)
    return _new(array, requires_grad)


def randn(
    *size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Return samples from the standard normal distribution."""
    dtype = _random_dtype(dtype, "randn")
    array = default_generator().standard_normal(_shape(size)).astype(dtype)
    return _new(array, requires_grad)
