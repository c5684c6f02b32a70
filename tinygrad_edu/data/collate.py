"""Turning samples into batches: ``default_collate`` and ``default_convert``.

``DataLoader`` calls ``default_collate`` on the list of samples of each
mini-batch, and ``default_convert`` on each sample when automatic batching is
off (``batch_size=None``). Both return new Tensors that do not require grad
and share no memory with the samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DIMENSIONED, promote_types
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import Tensor

# Dtype kinds that a Tensor can contain: bool, signed and unsigned ints, floats.
_TENSOR_KINDS = "biuf"

_SUPPORTED = (
    "default_collate handles Tensors, NumPy arrays and scalars, bools, ints, "
    "floats, strs and bytes, and dicts, lists and tuples of these"
)


def default_collate(batch: Sequence[Any]) -> Any:
    """Combine a list of samples into one batch, keeping the samples' structure.

    The rule depends on the type of the values at each position of the
    samples, read from the first sample:

    - Tensors, NumPy arrays and NumPy scalars of one shape are stacked along
      a new first dimension into one Tensor. Their dtype is kept, and mixed
      dtypes promote as in PyTorch (an int64 and a float32 give float32).
    - Python bools become a bool Tensor, ints an int64 Tensor, floats a
      float64 Tensor. Ints mixed with floats give float64, and bools mixed
      with ints give int64.
    - strs and bytes are returned as a list.
    - dicts are batched key by key into a dict of the same type.
    - tuples and lists are transposed and batched position by position. A
      plain tuple gives a list, as in PyTorch. A named tuple, a list or
      another sequence type keeps its type.

    For example, the samples ``(x_i, 3)`` with ``x_i`` float32 of shape (2,)
    give ``[Tensor of shape (n, 2), int64 Tensor of shape (n,)]``.

    Args:
        batch: a non-empty list of samples with the same structure.

    Returns:
        The batch, in the structure of one sample, with a leading batch
        dimension of size ``len(batch)`` on every Tensor.

    Raises:
        TypeError: if a value has a type that the rules above do not cover,
            an array has a dtype that a Tensor cannot contain, or the samples
            have values of different types at one position. The message names
            the type and its position, such as ``sample[1]['label']``.
        ShapeError: if arrays at one position differ in shape, or tuples or
            lists at one position differ in length.
        KeyError: if dicts at one position have different keys.
        ValueError: if ``batch`` is empty.

    Example:
        >>> images = np.zeros((2, 3), dtype=np.float32)
        >>> out = default_collate([(images, 0), (images, 1)])
        >>> type(out).__name__, out[0].shape, out[1].dtype
        ('list', (2, 2, 3), dtype('int64'))
    """
    samples = list(batch)
    if not samples:
        raise ValueError(
            "default_collate: the batch is empty. Pass at least one sample."
        )
    return _collate(samples, "")


def default_convert(data: Any) -> Any:
    """Turn the arrays in one sample into Tensors, keeping its structure.

    ``DataLoader`` uses it when ``batch_size=None``. Tensors and numeric
    NumPy arrays become new Tensors that own a copy of the data and do not
    require grad. dicts, lists and tuples are converted element by element
    and keep their type. Anything else, including NumPy scalars and arrays of
    strings, is returned unchanged.
    """
    if isinstance(data, Tensor):
        return Tensor._make(data.detach()._array.copy())
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in _TENSOR_KINDS:
            return data
        return Tensor._make(data.copy())
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        return _rebuild_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, (tuple, list)):
        return _rebuild_sequence(data, [default_convert(value) for value in data])
    return data


def _collate(values: list[Any], path: str) -> Any:
    """Batch ``values``, the values at ``path`` in each sample."""
    first = values[0]
    if isinstance(first, (str, bytes)):
        _check_same_kind(values, (str, bytes), "strs or bytes", path)
        return list(values)
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        return _stack_arrays(values, path)
    if isinstance(first, (bool, int, float)):
        return _number_tensor(values, path)
    if isinstance(first, Mapping):
        return _collate_mappings(values, path)
    if isinstance(first, (tuple, list)):
        return _collate_sequences(values, path)
    raise TypeError(
        f"default_collate: cannot batch a value of type {type(first).__name__} "
        f"at {_where(path)}. {_SUPPORTED}. Convert the value in the dataset's "
        "__getitem__, or pass a collate_fn that handles it."
    )


def _stack_arrays(values: list[Any], path: str) -> Tensor:
    _check_same_kind(
        values, (Tensor, np.ndarray, np.generic), "Tensors or NumPy arrays", path
    )
    arrays = [
        value.detach()._array if isinstance(value, Tensor) else np.asarray(value)
        for value in values
    ]

    for position, array in enumerate(arrays):
        if array.dtype.kind not in _TENSOR_KINDS:
            raise TypeError(
                f"default_collate: the array at {_where(path)} of sample "
                f"{position} has dtype {array.dtype}, but a Tensor contains "
                "bool, integer or floating-point values. Convert it in the "
                "dataset, or pass a collate_fn that handles it."
            )
        if array.shape != arrays[0].shape:
            raise ShapeError(
                f"default_collate: the arrays at {_where(path)} need one shape "
                f"to be stacked, but sample 0 has {arrays[0].shape} and sample "
                f"{position} has {array.shape}. Pad or resize them in the "
                "dataset, or pass a collate_fn that handles them."
            )

    dtype = promote_types([(array.dtype, DIMENSIONED) for array in arrays])
    return Tensor._make(np.stack([array.astype(dtype, copy=False) for array in arrays]))


def _number_tensor(values: list[Any], path: str) -> Tensor:
    _check_same_kind(values, (bool, int, float), "Python numbers", path)
    if all(isinstance(value, bool) for value in values):
        dtype: type = np.bool_
    elif any(isinstance(value, float) for value in values):
        dtype = np.float64
    else:
        dtype = np.int64

    try:
        return Tensor._make(np.array(values, dtype=dtype))
    except OverflowError as error:
        raise OverflowError(
            f"default_collate: an int at {_where(path)} does not fit in int64 ({error})"
        ) from error


def _collate_mappings(values: list[Any], path: str) -> Any:
    _check_same_kind(values, (Mapping,), "dicts", path)
    first = values[0]
    for position, value in enumerate(values):
        if set(value) != set(first):
            raise KeyError(
                f"default_collate: the dicts at {_where(path)} need the same keys, "
                f"but sample 0 has {sorted(map(repr, first))} and sample "
                f"{position} has {sorted(map(repr, value))}"
            )

    batched = {
        key: _collate([value[key] for value in values], f"{path}[{key!r}]")
        for key in first
    }
    return _rebuild_mapping(first, batched)


def _collate_sequences(values: list[Any], path: str) -> Any:
    _check_same_kind(values, (tuple, list), "tuples or lists", path)
    first = values[0]
    for position, value in enumerate(values):
        if len(value) != len(first):
            raise ShapeError(
                f"default_collate: the sequences at {_where(path)} need one "
                f"length, but sample 0 has {len(first)} elements and sample "
                f"{position} has {len(value)}"
            )

    # Transpose: element k of the result batches element k of every sample.
    batched = [
        _collate(list(column), f"{path}[{index}]")
        for index, column in enumerate(zip(*values, strict=True))
    ]
    return _rebuild_sequence(first, batched)


def _rebuild_mapping(like: Mapping[Any, Any], items: dict[Any, Any]) -> Any:
    """Return ``items`` as a mapping of ``like``'s type, or as a dict."""
    if type(like) is dict:
        return items
    mapping_type: Any = type(like)
    try:
        return mapping_type(items)
    except TypeError:
        return items


def _rebuild_sequence(like: tuple[Any, ...] | list[Any], items: list[Any]) -> Any:
    """Return ``items`` as a sequence of ``like``'s type, or a list for a tuple."""
    if type(like) in (tuple, list):
        return items
    if isinstance(like, tuple) and hasattr(like, "_fields"):
        return type(like)(*items)
    fallback: Callable[[list[Any]], Any] = tuple if isinstance(like, tuple) else list
    try:
        return type(like)(items)
    except TypeError:
        return fallback(items)


def _check_same_kind(
    values: list[Any], kinds: tuple[type, ...], description: str, path: str
) -> None:
    for position, value in enumerate(values):
        if not isinstance(value, kinds):
            raise TypeError(
                f"default_collate: the values at {_where(path)} need one kind, "
                f"but sample 0 has {type(values[0]).__name__} and sample "
                f"{position} has {type(value).__name__}. Expected {description}."
            )


def _where(path: str) -> str:
    """Name a position inside a sample, such as ``sample[1]['label']``."""
    return f"sample{path}"
