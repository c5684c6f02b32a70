"""Dtype names and the rules for turning user input into NumPy dtypes.

Tensors use NumPy's dtypes directly. The aliases below let code read like
PyTorch: ``x.to(tinygrad_edu.float64)``.
"""

import functools
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np

DTypeLike: TypeAlias = Any

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

_FLOAT32 = float32


def default_float() -> np.dtype:
    """Return the dtype that Python floats become: float32, as in PyTorch."""
    return _FLOAT32


def to_dtype(dtype: DTypeLike) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype.

    Raises:
        TypeError: if NumPy does not know the dtype.
    """
    try:
        return np.dtype(dtype)
    except TypeError as error:
        raise TypeError(
            f"{dtype!r} is not a dtype; use a NumPy dtype such as np.float32 or a "
            "name such as 'float64'"
        ) from error


def is_floating(dtype: np.dtype) -> bool:
    """Return True for floating-point dtypes, the only ones that carry grad."""
    return np.dtype(dtype).kind == "f"


# Operand ranks in type promotion, lowest first: as in PyTorch, a tensor with at
# least one dimension outranks a 0-d tensor, which outranks a Python number.
NUMBER, ZERO_DIM, DIMENSIONED = 0, 1, 2


def _category(dtype: np.dtype) -> int:
    """Return 0 for bool, 1 for integer and 2 for floating-point dtypes."""
    kind = np.dtype(dtype).kind
    if kind == "b":
        return 0
    if kind == "f":
        return 2
    return 1


def promote_types(operands: Sequence[tuple[np.dtype, int]]) -> np.dtype:
    """Return the dtype of an operation's result, by PyTorch's promotion rules.

    Each operand is a pair (dtype, rank), with rank ``NUMBER``, ``ZERO_DIM`` or
    ``DIMENSIONED``. The highest category (bool < integer < floating point)
    wins. Among the operands of that category only those of the highest rank
    count, and their dtypes promote as in NumPy. So a float32 tensor times a
    float64 0-d tensor stays float32, an int32 tensor plus a Python int stays
    int32, and an int64 tensor plus a Python float gives float32 (a Python
    float counts as ``default_float()``).
    """
    first = operands[0][0]
    if all(dtype == first for dtype, _ in operands):
        return np.dtype(first)

    category = max(_category(dtype) for dtype, _ in operands)
    candidates = [
        (dtype, rank) for dtype, rank in operands if _category(dtype) == category
    ]
    top = max(rank for _, rank in candidates)
    dtypes = [np.dtype(dtype) for dtype, rank in candidates if rank == top]
    return functools.reduce(np.promote_types, dtypes)
