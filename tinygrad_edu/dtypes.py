"""Dtype names and the rules for turning user input into NumPy dtypes.

Tensors use NumPy's dtypes directly. The aliases below let code read like
PyTorch: ``x.to(tinygrad_edu.float64)``.
"""

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
    return np.issubdtype(dtype, np.floating)
