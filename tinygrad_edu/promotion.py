"""Operand conversion and dtype promotion for Tensor's operators.

Binary operations accept Tensors, Python and NumPy numbers, lists and arrays
on either side. These helpers turn both operands into Tensors of one dtype,
following PyTorch's rules (see ``dtypes.promote_types``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import (
    DIMENSIONED,
    NUMBER,
    ZERO_DIM,
    default_float,
    is_floating,
    promote_types,
)
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import Tensor

NUMBER_TYPES = (bool, int, float, np.bool_, np.integer, np.floating)


def number_dtype(value: Any) -> np.dtype:
    """Return the dtype a Python or NumPy scalar counts as in type promotion."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return default_float()


def is_operand(value: Any) -> bool:
    """Return True for the types that arithmetic and comparisons accept."""
    return isinstance(value, (Tensor, np.ndarray, list, tuple, *NUMBER_TYPES))


def wrap_operand(value: Any, like: Tensor | None) -> Tensor:
    """Make ``value`` a Tensor; a number takes the dtype it promotes to with ``like``.

    NumPy scalars count as Python numbers, as in PyTorch, so ``x * np.sqrt(2.0)``
    keeps a float32 ``x`` in float32.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, NUMBER_TYPES):
        dtype = number_dtype(value)
        if like is not None:
            dtype = promote_types([(like.dtype, DIMENSIONED), (dtype, NUMBER)])
        return Tensor._make(np.asarray(value, dtype=dtype))
    return Tensor(value)


def promotion_entry(value: Any) -> tuple[np.dtype, int]:
    if isinstance(value, Tensor):
        return value.dtype, DIMENSIONED if value.ndim else ZERO_DIM
    return number_dtype(value), NUMBER


def common_operands(
    left: Any, right: Any, op: str, true_division: bool = False
) -> tuple[Any, Any, np.dtype]:
    """Check two operands and return them with the dtype they promote to.

    Lists and arrays become Tensors; numbers stay numbers.

    Raises:
        TypeError: if an operand is not a Tensor, a number, a list or an array.
    """
    operands = []
    for value in (left, right):
        if not is_operand(value):
            raise TypeError(
                f"{op}: unsupported operand of type {type(value).__name__}; use a "
                "Tensor, a number, a (nested) list or a NumPy array"
            )
        if not isinstance(value, (Tensor, *NUMBER_TYPES)):
            value = Tensor(value)
        operands.append(value)

    dtype = promote_types([promotion_entry(value) for value in operands])
    if true_division and not is_floating(dtype):
        dtype = default_float()
    return operands[0], operands[1], dtype


def promote_operands(
    left: Any, right: Any, op: str, true_division: bool = False
) -> tuple[Tensor, Tensor]:
    """Turn two operands into Tensors of one dtype, promoted as PyTorch does.

    See ``dtypes.promote_types``. A float32 tensor with a Python float or a
    NumPy scalar stays float32, and an integer tensor meets a floating one as
    that floating dtype. Two floating tensors of the same rank promote as in
    NumPy (float32 with float64 gives float64). True division of integers
    happens in float32.

    Raises:
        TypeError: if an operand is of an unsupported type.
        ShapeError: if the shapes do not broadcast (except for ``matmul``,
            which checks its own shape rules).
    """
    fast = _same_float_dtype(left, right)
    if fast is not None:
        return fast

    left, right, dtype = common_operands(left, right, op, true_division)
    tensors = []
    for value in (left, right):
        if isinstance(value, Tensor):
            tensors.append(value.to(dtype))
        else:
            tensors.append(Tensor._make(np.asarray(value, dtype=dtype)))

    if not op.startswith("matmul") and tensors[0].shape != tensors[1].shape:
        broadcast_shapes(op, tensors[0].shape, tensors[1].shape)
    return tensors[0], tensors[1]


def _same_float_dtype(left: Any, right: Any) -> tuple[Tensor, Tensor] | None:
    """Handle the common cases quickly, or return None for the general rules.

    The common cases are two floating Tensors of one dtype and one shape, and
    a floating Tensor with a Python float or int, which takes the Tensor's
    dtype. They need no promotion table and no broadcast check.
    """
    if isinstance(left, Tensor) and left._array.dtype.kind == "f":
        if isinstance(right, Tensor):
            if right._array.dtype == left._array.dtype and right.shape == left.shape:
                return left, right
        elif type(right) in (float, int):
            return left, Tensor._make(np.asarray(right, dtype=left._array.dtype))
    elif isinstance(right, Tensor) and right._array.dtype.kind == "f":
        if type(left) in (float, int):
            return Tensor._make(np.asarray(left, dtype=right._array.dtype)), right
    return None


def as_float(tensor: Tensor) -> Tensor:
    """Return an integer or bool tensor as float32, a float tensor unchanged."""
    return tensor if is_floating(tensor.dtype) else tensor.to(default_float())


def compare(ufunc: Any, left: Tensor, right: Any, op: str) -> Any:
    """Apply a comparison or bitwise ufunc; the result carries no gradient.

    Returns NotImplemented for an unsupported operand, so that ``x == None`` is
    False as in PyTorch.
    """
    if not is_operand(right):
        return NotImplemented
    left, right, dtype = common_operands(left, right, op)
    if ufunc in (np.bitwise_and, np.bitwise_or, np.bitwise_xor):
        check_bitwise(dtype, op)
    arrays = [np.asarray(_value_array(value), dtype=dtype) for value in (left, right)]
    broadcast_shapes(op, arrays[0].shape, arrays[1].shape)
    return Tensor._make(np.asarray(ufunc(*arrays)))


def check_bitwise(dtype: np.dtype, op: str) -> None:
    if is_floating(dtype):
        raise DTypeError(
            f"{op} needs bool or integer tensors, got dtype {dtype}; compare "
            "first (x > 0) to get a bool tensor"
        )


def _value_array(value: Any) -> Any:
    return value._array if isinstance(value, Tensor) else value
