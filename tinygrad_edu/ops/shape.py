"""Operations that move elements without changing them.

Reshape, permute and expand rearrange or repeat elements; indexing, gather and
cat select or join them. Each backward routes the gradient back to the
positions the elements came from, adding where one element was used twice.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DIMENSIONED, promote_types
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.function import Function
from tinygrad_edu.shapes import Dim, normalize_dims
from tinygrad_edu.tensor import Tensor


class Reshape(Function):
    """y = x with a new shape of the same number of elements."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {x.shape} "
                f"({x.size} elements) into shape {shape}"
            ) from None

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        return grad_output.reshape(ctx.shape), None


class Permute(Function):
    """y = x with its dimensions reordered: y.shape[i] = x.shape[order[i]]."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
        ctx.order = order
        return np.transpose(x, order)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        return grad_output.permute(*np.argsort(ctx.order).tolist()), None


class Expand(Function):
    """y = x broadcast to ``shape``; the gradient is summed over the copies."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        # The engine sums the gradient back to the input's shape.
        return grad_output, None


def expanded_shape(tensor: Tensor, sizes: Sequence[Any]) -> tuple[int, ...]:
    """Return the target shape of ``expand(*sizes)``, where -1 keeps a size."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    extra = len(sizes) - tensor.ndim
    if extra < 0:
        raise ShapeError(
            f"expand: the target {tuple(sizes)} has fewer dimensions than the "
            f"tensor's shape {tensor.shape}"
        )

    shape = []
    for axis, size in enumerate(sizes):
        old = tensor.shape[axis - extra] if axis >= extra else None
        if size == -1 and old is not None:
            size = old
        if size < 0 or (old is not None and old not in (1, size)):
            raise ShapeError(
                f"expand: cannot expand shape {tensor.shape} to {tuple(sizes)}; only "
                "size-1 dimensions can grow"
            )
        shape.append(int(size))
    return tuple(shape)


def flattened_shape(
    shape: tuple[int, ...], start_dim: int, end_dim: int
) -> tuple[int, ...]:
    """Return ``shape`` with dimensions start_dim..end_dim merged into one."""
    if not shape:
        return (1,)
    start, end = (
        normalize_dims(d, len(shape), "flatten")[0] for d in (start_dim, end_dim)
    )
    if start > end:
        raise ShapeError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim}"
        )
    merged = int(np.prod(shape[start : end + 1]))
    return shape[:start] + (merged,) + shape[end + 1 :]


def squeezed_shape(shape: tuple[int, ...], dim: Dim) -> tuple[int, ...]:
    """Return ``shape`` without its size-1 dimensions (only those in ``dim``).

    As in PyTorch, a dimension in ``dim`` whose size is not 1 is kept.
    """
    dims = (
        range(len(shape)) if dim is None else normalize_dims(dim, len(shape), "squeeze")
    )
    return tuple(s for axis, s in enumerate(shape) if not (axis in dims and s == 1))


def unsqueezed_shape(shape: tuple[int, ...], dim: int) -> tuple[int, ...]:
    """Return ``shape`` with a size-1 dimension inserted at ``dim``."""
    position = normalize_dims(dim, len(shape) + 1, "unsqueeze")[0]
    return shape[:position] + (1,) + shape[position:]


# Indexing -----------------------------------------------------------------------


def normalize_index(index: Any) -> tuple[Any, ...]:
    """Return ``index`` as a tuple of ints, slices, None, Ellipsis and arrays.

    Tensors and lists become NumPy arrays (an empty list an int64 one). A 0-d
    integer array becomes an int, as PyTorch treats it. Boolean masks stay
    masks, so NumPy checks their shape against the indexed dimensions.

    Raises:
        IndexError: if an array used as an index is neither integer nor bool.
    """
    parts = index if isinstance(index, tuple) else (index,)
    result: list[Any] = []
    for part in parts:
        if isinstance(part, Tensor):
            part = part._array
        elif isinstance(part, (list, range)):
            part = np.asarray(part)
            if part.size == 0:
                part = part.astype(np.int64)

        if isinstance(part, np.ndarray) and part.dtype != np.bool_:
            if not np.issubdtype(part.dtype, np.integer):
                raise IndexError(
                    "tensors and lists used as indices must hold integers or "
                    f"bools, got dtype {part.dtype}; convert them with .long()"
                )
            if part.ndim == 0:
                part = int(part)
        result.append(part)
    return tuple(result)


def _is_int(part: Any) -> bool:
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)


def index_steps(index: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Split an index that mixes ints and arrays into two NumPy indexing steps.

    NumPy counts an int as an advanced index, so for x of shape (3, 4, 5),
    ``x[1, :, [0, 2]]`` moves the broadcast index dimension to the front and
    has shape (2, 4). PyTorch applies the ints first, as basic indexing, and
    gets (4, 2). Indexing by the ints and slices first, then by the arrays,
    gives PyTorch's result.
    """
    has_int = any(_is_int(part) for part in index)
    has_array = any(isinstance(part, np.ndarray) and part.ndim > 0 for part in index)
    if not (has_int and has_array):
        return [index]

    first: list[Any] = []
    second: list[Any] = []
    for part in index:
        if isinstance(part, np.ndarray):
            # A boolean mask covers as many dimensions as it has.
            width = part.ndim if part.dtype == np.bool_ else 1
            first.extend([slice(None)] * width)
            second.append(part)
        elif part is Ellipsis:
            first.append(part)
            second.append(part)
        elif _is_int(part):
            first.append(part)
        else:
            first.append(part)
            second.append(slice(None))
    return [tuple(first), tuple(second)]


def _is_advanced(index: tuple[Any, ...]) -> bool:
    return any(isinstance(part, np.ndarray) for part in index)


class GetItem(Function):
    """y = x[index], with NumPy's basic and advanced indexing.

    The gradient is added into a zero tensor of x's shape at the same
    positions; an element picked several times receives the sum.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, index: tuple[Any, ...]) -> np.ndarray:
        ctx.shape, ctx.index = x.shape, index
        try:
            if _is_advanced(index):
                return x[index].copy()
            if not any(part is Ellipsis for part in index):
                # A trailing ... makes x[1] a 0-d view, not a NumPy scalar copy,
                # so that an in-place change through it reaches x, as in PyTorch.
                index = (*index, Ellipsis)
            return x[index]
        except IndexError as error:
            # NOTE: an index that mixes ints and arrays is applied in two steps
            # (see index_steps), so for the arrays the shape named here is the
            # shape left after the ints were applied.
            raise IndexError(
                f"indexing a tensor of shape {x.shape} failed: {error}"
            ) from None

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        return IndexAdd.apply(grad_output, ctx.shape, ctx.index), None


class IndexAdd(Function):
    """y = zeros(shape) with ``grad`` added at ``index``; the inverse of GetItem.

    Its own gradient is the incoming gradient read back at ``index``.
    """

    @staticmethod
    def forward(
        ctx: Any, grad: np.ndarray, shape: tuple[int, ...], index: tuple[Any, ...]
    ) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=grad.dtype)
        if _is_advanced(index):
            np.add.at(out, index, grad)
        else:
            out[index] = grad
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None]:
        return GetItem.apply(grad_output, ctx.index), None, None


def gather(tensor: Tensor, dim: int, index: Any) -> Tensor:
    """Return ``out`` with ``out[i][j] = tensor[i][index[i][j]]`` for ``dim=1``.

    ``index`` is an integer tensor with as many dimensions as ``tensor``; along
    every other dimension it may be shorter than ``tensor``. Elements picked
    more than once add their gradients.

    Raises:
        ShapeError: if ``index`` is not an integer tensor of that many
            dimensions, is longer than ``tensor`` along another dimension, or
            has a value outside [0, size of ``dim``).
    """
    index_array = index._array if isinstance(index, Tensor) else np.asarray(index)
    axis = normalize_dims(dim, tensor.ndim, "gather")[0]
    if index_array.ndim != tensor.ndim or not np.issubdtype(
        index_array.dtype, np.integer
    ):
        raise ShapeError(
            f"gather: index must be an integer tensor with {tensor.ndim} dimensions "
            f"like the input, got dtype {index_array.dtype} and shape "
            f"{index_array.shape}"
        )
    _check_gather_range(tensor.shape, axis, index_array)

    grid: list[Any] = []
    if tensor.ndim:
        grid = list(np.indices(index_array.shape, sparse=True))
        grid[axis] = index_array
    return GetItem.apply(tensor, tuple(grid))


def _check_gather_range(shape: tuple[int, ...], axis: int, index: np.ndarray) -> None:
    """Raise ShapeError unless ``index`` fits a gather from ``shape`` along ``axis``.

    As in PyTorch, index values must be in [0, shape[axis]), without negative
    indices counting from the end, and along every other dimension the index
    may not be longer than the input.
    """
    for dim, (index_size, size) in enumerate(zip(index.shape, shape, strict=True)):
        if dim != axis and index_size > size:
            raise ShapeError(
                f"gather: index of shape {index.shape} is larger than the input "
                f"of shape {shape} in dimension {dim}; only dimension {axis} may "
                "differ"
            )

    size = shape[axis] if shape else 1
    outside = (index < 0) | (index >= size)
    if outside.any():
        raise ShapeError(
            f"gather: index {index[outside].flat[0]} is out of range for dimension "
            f"{axis} of size {size} (input shape {shape}); index values must be in "
            f"[0, {size - 1}]"
        )


class CopySlices(Function):
    """y = x with the elements that the view ``rebuild(x)`` covers set to ``value``.

    An in-place change of a view enters the graph this way: the base's new
    value is its old value with the view's elements overwritten. dL/dx is the
    incoming gradient with the view's elements set to 0, and dL/dvalue is the
    incoming gradient read through the same view.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, value: np.ndarray, rebuild: Any) -> np.ndarray:
        out = x.copy(order="K")
        np.copyto(_view_array(out, rebuild), value, casting="unsafe")
        keep = np.ones_like(x)
        _view_array(keep, rebuild)[...] = 0
        ctx.save_for_backward(keep)
        ctx.rebuild = rebuild
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, Tensor, None]:
        (keep,) = ctx.saved_tensors
        return grad_output * keep, ctx.rebuild(grad_output), None


def _view_array(array: np.ndarray, rebuild: Any) -> np.ndarray:
    """Return the view that ``rebuild`` makes of ``array``, as a writable array."""
    view = rebuild(Tensor._make(array))._array
    assert np.shares_memory(view, array), "a recorded view must share memory"
    return view


# Joining ------------------------------------------------------------------------


class Cat(Function):
    """y = the inputs joined along ``dim``; each gets its slice of the gradient."""

    @staticmethod
    def forward(ctx: Any, dim: int, *arrays: np.ndarray) -> np.ndarray:
        ctx.dim = dim
        ctx.sizes = [array.shape[dim] for array in arrays]
        try:
            return np.concatenate(arrays, axis=dim)
        except ValueError:
            shapes = [array.shape for array in arrays]
            raise ShapeError(
                f"cat: tensors of shapes {shapes} must match in every dimension "
                f"except {dim}"
            ) from None

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Any, ...]:
        grads: list[Any] = [None]
        start = 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad_output[index])
            start += size
        return tuple(grads)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension ``dim``.

    Raises:
        ValueError: if ``tensors`` is empty.
        ShapeError: if the shapes differ outside ``dim``.
    """
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    ndims = {t.ndim for t in tensors}
    if len(ndims) != 1 or 0 in ndims:
        raise ShapeError(
            f"cat: all tensors need the same number of dimensions (at least 1), "
            f"got shapes {[t.shape for t in tensors]}"
        )
    axis = normalize_dims(dim, tensors[0].ndim, "cat")[0]
    dtype = promote_types([(t.dtype, DIMENSIONED) for t in tensors])
    return Cat.apply(axis, *[t.to(dtype) for t in tensors])


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension ``dim``.

    Raises:
        ValueError: if ``tensors`` is empty.
        ShapeError: if the shapes differ.
    """
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ShapeError(
            f"stack: all tensors need the same shape, got {[t.shape for t in tensors]}"
        )
    position = normalize_dims(dim, tensors[0].ndim + 1, "stack")[0]
    return cat([t.unsqueeze(position) for t in tensors], dim=position)
