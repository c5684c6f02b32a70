"""Turning samples into batches: ``default_collate`` and ``default_convert``.

``DataLoader`` calls ``default_collate`` on the list of samples of each
mini-batch, and ``default_convert`` on each sample when automatic batching is
off (``batch_size=None``). Both return new Tensors that do not require grad
and share no memory with the samples.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DIMENSIONED, default_float, promote_types
from tinygrad_edu.errors import ShapeError, TinygradEduError
from tinygrad_edu.tensor import Tensor

# Dtype kinds that a Tensor can contain: bool, signed and unsigned ints, floats.
_TENSOR_KINDS = "biuf"

_SUPPORTED = (
    "default_collate handles Tensors, NumPy arrays and scalars, bools, ints, "
    "floats, strs and bytes, and mappings and sequences (dicts, lists, tuples) "
    "of these"
)


class CollateKeyError(TinygradEduError, KeyError):
    """Mappings at one position of the samples have different keys.

    A KeyError, as in PyTorch, whose message prints as written: a plain
    KeyError shows its message in quotes, as it would show a missing key.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def default_collate(batch: Sequence[Any]) -> Any:
    """Combine a list of samples into one batch, keeping the samples' structure.

    The rule depends on the type of the values at each position of the
    samples, read from the first sample:

    - Tensors, NumPy arrays and NumPy scalars of one shape are stacked along
      a new first dimension into one Tensor. Their dtype is kept, and mixed
      dtypes promote as in PyTorch (an int64 and a float32 give float32).
    - Python numbers follow ``torch.tensor(values)`` when the first is a bool
      or an int: all bools give a bool Tensor, a float among them gives
      float32 (the default float dtype), and otherwise the result is int64.
      When the first is a float, the result is float64, as in PyTorch.
    - strs and bytes are returned as a list.
    - Mappings are batched key by key. A mutable mapping (a dict, an
      ``OrderedDict``, a ``defaultdict``) gives a shallow copy of the first
      sample's mapping with its values replaced, so its type and attributes
      such as ``default_factory`` are kept. Another mapping type is built from
      a dict of the batched values, and a plain dict is returned when that
      fails.
    - Other sequences (tuples, lists, ``range``, ...) are transposed and
      batched position by position. A named tuple keeps its type, and any
      other tuple gives a list, as in PyTorch. A mutable sequence gives a
      shallow copy of the first sample's sequence with its elements replaced,
      and another sequence type is built from the list of batched values. A
      list is returned when that fails, as for ``range``.

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
            the position, such as ``sample 2`` at the top level or
            ``sample 2 at [1]['label']`` inside a sample.
        ShapeError: if arrays at one position differ in shape, or sequences
            at one position differ in length.
        CollateKeyError: a KeyError, if mappings at one position have
            different keys.
        OverflowError: if a Python int does not fit in int64.
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

    ``DataLoader`` uses it when ``batch_size=None``. Tensors, numeric NumPy
    arrays and numeric NumPy scalars become new Tensors that own a copy of
    the data and do not require grad (a NumPy scalar gives a 0-d Tensor, as
    ``torch.as_tensor`` does). Mappings and sequences are converted element
    by element and rebuilt as ``default_collate`` rebuilds them, so a plain
    tuple or a ``range`` gives a list. Anything else, including Python
    numbers, strs and NumPy arrays of strings, is returned unchanged.
    """
    if isinstance(data, Tensor):
        return Tensor._make(data.detach()._array.copy())
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind not in _TENSOR_KINDS:
            return data
        return Tensor._make(np.array(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        return _rebuild_mapping(data, converted)
    if isinstance(data, Sequence):
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
    if isinstance(first, Sequence):
        return _collate_sequences(values, path)
    raise TypeError(
        f"default_collate: cannot batch {_value_at(path, 0)}, of type "
        f"{type(first).__name__}. {_SUPPORTED}. Convert the value in the "
        "dataset's __getitem__, or pass a collate_fn that handles it."
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
                f"default_collate: {_value_at(path, position)} is an array of "
                f"dtype {array.dtype}, but a Tensor contains bool, integer or "
                "floating-point values. Convert it in the dataset, or pass a "
                "collate_fn that handles it."
            )
        if array.shape != arrays[0].shape:
            raise ShapeError(
                f"default_collate: {_values_at(path)} need one shape to be "
                f"stacked, but sample 0 has {arrays[0].shape} and sample "
                f"{position} has {array.shape}. Pad or resize them in the "
                "dataset, or pass a collate_fn that handles them."
            )

    dtype = promote_types([(array.dtype, DIMENSIONED) for array in arrays])
    return Tensor._make(np.stack([array.astype(dtype, copy=False) for array in arrays]))


def _number_tensor(values: list[Any], path: str) -> Tensor:
    """Batch Python numbers with the dtype that PyTorch 2.13 gives them."""
    _check_same_kind(values, (bool, int, float), "Python numbers", path)
    dtype: np.dtype[Any] | type
    if isinstance(values[0], float):
        # PyTorch batches floats with an explicit float64.
        dtype = np.float64
    elif all(isinstance(value, bool) for value in values):
        dtype = np.bool_
    elif any(isinstance(value, float) for value in values):
        # PyTorch batches ints with torch.tensor(values), which gives the
        # default float dtype as soon as one value is a float.
        dtype = default_float()
    else:
        dtype = np.int64

    try:
        return Tensor._make(np.array(values, dtype=dtype))
    except OverflowError as error:
        raise OverflowError(
            f"default_collate: an int in {_values_at(path)} does not fit in "
            f"int64 ({error}). Reduce it in the dataset, or pass it as a float."
        ) from error


def _collate_mappings(values: list[Any], path: str) -> Any:
    _check_same_kind(values, (Mapping,), "mappings such as dicts", path)
    first = values[0]
    for position, value in enumerate(values):
        missing = [key for key in first if key not in value]
        unexpected = [key for key in value if key not in first]
        if missing or unexpected:
            raise CollateKeyError(
                f"default_collate: {_values_at(path)} need the keys of sample 0, "
                f"but sample {position} {_key_difference(missing, unexpected)}. "
                "Give every sample the same keys, or pass a collate_fn that "
                "handles missing keys."
            )

    batched = {
        key: _collate([value[key] for value in values], f"{path}[{key!r}]")
        for key in first
    }
    return _rebuild_mapping(first, batched)


def _key_difference(missing: list[Any], unexpected: list[Any]) -> str:
    """Describe how a mapping's keys differ: ``is missing the key 'x'``."""
    parts = []
    if missing:
        parts.append(f"is missing the {_keys(missing)}")
    if unexpected:
        parts.append(f"has the unexpected {_keys(unexpected)}")
    return " and ".join(parts)


def _keys(keys: list[Any]) -> str:
    noun = "key" if len(keys) == 1 else "keys"
    return f"{noun} {', '.join(map(repr, keys))}"


def _collate_sequences(values: list[Any], path: str) -> Any:
    _check_same_kind(
        values, (Sequence,), "sequences such as tuples or lists", path, (str, bytes)
    )
    first = values[0]
    for position, value in enumerate(values):
        if len(value) != len(first):
            raise ShapeError(
                f"default_collate: {_values_at(path)} need one length, but "
                f"sample 0 has {len(first)} elements and sample {position} has "
                f"{len(value)}. Give every sample the same structure, or pass a "
                "collate_fn that handles it."
            )

    # Transpose: element k of the result batches element k of every sample.
    batched = [
        _collate(list(column), f"{path}[{index}]")
        for index, column in enumerate(zip(*values, strict=True))
    ]
    return _rebuild_sequence(first, batched)


def _rebuild_mapping(like: Mapping[Any, Any], items: dict[Any, Any]) -> Any:
    """Return ``items`` as a mapping of ``like``'s type, or as a dict."""
    try:
        if isinstance(like, MutableMapping):
            # A copy keeps what a constructor call would lose, such as a
            # defaultdict's default_factory.
            clone = copy.copy(like)
            clone.update(items)
            return clone
        mapping_type: Any = type(like)
        return mapping_type(items)
    except TypeError:
        return items


def _rebuild_sequence(like: Sequence[Any], items: list[Any]) -> Any:
    """Return ``items`` as a sequence of ``like``'s type, or as a list.

    Named tuples keep their type, and other tuples give a list, as in PyTorch.
    """
    if isinstance(like, tuple):
        if hasattr(like, "_fields"):
            return type(like)(*items)
        return items
    try:
        if isinstance(like, MutableSequence):
            clone = copy.copy(like)
            for index, item in enumerate(items):
                clone[index] = item
            return clone
        sequence_type: Any = type(like)
        return sequence_type(items)
    except TypeError:
        return items


def _check_same_kind(
    values: list[Any],
    kinds: tuple[type, ...],
    description: str,
    path: str,
    excluded: tuple[type, ...] = (),
) -> None:
    for position, value in enumerate(values):
        if not isinstance(value, kinds) or isinstance(value, excluded):
            raise TypeError(
                f"default_collate: {_values_at(path)} need one kind of value, "
                f"but sample 0 has {type(values[0]).__name__} and sample "
                f"{position} has {type(value).__name__}. Expected {description}."
            )


def _value_at(path: str, position: int) -> str:
    """Name the value at ``path`` in sample ``position``: ``sample 2 at [1]['x']``."""
    if not path:
        return f"sample {position}"
    return f"sample {position} at {path}"


def _values_at(path: str) -> str:
    """Name the values at ``path`` in every sample: ``the values at [1]['x']``."""
    if not path:
        return "the samples"
    return f"the values at {path}"
