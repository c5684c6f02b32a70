"""Checks and conversions for dimension arguments, shared by the operations."""

import operator
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

from tinygrad_edu.errors import DimError, ShapeError

Dim: TypeAlias = int | Sequence[int] | None


def normalize_dims(dims: int | Sequence[int], ndim: int, op: str) -> tuple[int, ...]:
    """Return ``dims`` as non-negative positions in a tensor of ``ndim`` dims.

    A 0-d tensor accepts dimension 0 and -1, as in PyTorch.

    Raises:
        ShapeError: if a dimension is out of range or repeated.
    """
    if isinstance(dims, int):
        dims = (dims,)
    rank = max(ndim, 1)

    result = []
    for dim in dims:
        if not -rank <= dim < rank:
            raise DimError(
                f"{op}: dimension {dim} is out of range for a tensor with {ndim} "
                f"dimensions (expected a value in [{-rank}, {rank - 1}])"
            )
        result.append(dim % rank if ndim else 0)

    if len(set(result)) != len(result):
        raise ShapeError(f"{op}: dimension {tuple(dims)} names a dimension twice")
    return tuple(result)


def resolve_dim(
    dim: Dim,
    keepdim: bool,
    axis: Dim,
    keepdims: bool | None,
    ndim: int,
    op: str,
) -> tuple[tuple[int, ...], bool]:
    """Merge PyTorch's ``dim``/``keepdim`` with NumPy's ``axis``/``keepdims``.

    Returns the dimensions to reduce (all of them for None or an empty
    sequence) and keepdim.

    Raises:
        TypeError: if both spellings of the same argument are given.
    """
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: pass dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims

    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        # An empty list of dims reduces every dimension, as in PyTorch.
        return tuple(range(ndim)), bool(keepdim)
    dims = normalize_dims(dim, ndim, op)
    if ndim == 0:
        dims = ()
    return dims, bool(keepdim)


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """Return the shape that ``shapes`` broadcast to, as NumPy and PyTorch do.

    Raises:
        ShapeError: if two sizes in one aligned position differ and neither is 1.
    """
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " and ".join(str(tuple(shape)) for shape in shapes)
        raise ShapeError(
            f"{op}: operands of shapes {listed} cannot be broadcast together. "
            "Shapes are aligned from the right, and each pair of sizes must be "
            "equal or include a 1; reshape or unsqueeze an operand first."
        ) from None


def shape_argument(sizes: Sequence[object], op: str) -> tuple[int, ...]:
    """Return ``sizes`` as a tuple of ints; -1 is allowed, as reshape infers it.

    Raises:
        TypeError: if a size is not an integer (a float such as 2.0 included).
        ValueError: if a size is below -1.
    """
    result = []
    for size in sizes:
        try:
            value = operator.index(size)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"{op}: sizes must be integers, got {size!r} of type "
                f"{type(size).__name__} in {tuple(sizes)}"
            ) from None
        if value < -1:
            raise ValueError(f"{op}: sizes must be non-negative, got {tuple(sizes)}")
        result.append(value)
    return tuple(result)
