"""Map-style datasets, as in ``torch.utils.data``: indexable collections of samples.

A dataset maps an index in ``range(len(dataset))`` to one sample.
``TensorDataset`` serves the rows of in-memory arrays, ``Subset`` selects some
indices of another dataset, ``ConcatDataset`` chains datasets end to end, and
``random_split`` cuts a dataset into random non-overlapping ``Subset``s.
``DataLoader`` turns any of them into mini-batches.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from tinygrad_edu.errors import warn_caller
from tinygrad_edu.random import Generator, numpy_generator
from tinygrad_edu.tensor import Tensor

T_co = TypeVar("T_co", covariant=True)

# Dtype kinds that a Tensor can contain: bool, signed and unsigned ints, floats.
_TENSOR_KINDS = "biuf"


class Dataset(Generic[T_co]):
    """Base class of map-style datasets.

    A subclass implements ``__getitem__(index)``, which returns the sample at
    ``index``, and ``__len__``, which returns the number of samples and which
    samplers and ``DataLoader`` need. This class defines no ``__len__``, so
    ``len()`` of a subclass without one raises TypeError. A subclass may also
    define ``__getitems__(indices)``, returning the list of samples at a list
    of indices, and ``DataLoader`` then calls it once per batch.

    ``dataset_a + dataset_b`` is a ``ConcatDataset`` of the two.
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(
            f"{type(self).__name__} must implement __getitem__(index), the method "
            "that returns one sample"
        )

    def __add__(self, other: Dataset[Any]) -> ConcatDataset[Any]:
        return ConcatDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """A dataset whose sample ``i`` is row ``i`` of each of some arrays.

    Sample ``i`` is the tuple ``(tensors[0][i], tensors[1][i], ...)``, so
    inputs and labels given as separate arrays stay paired. Each element is a
    new Tensor that owns a copy of the row, keeps the array's dtype and does
    not require grad. A write to it leaves the dataset unchanged, where
    PyTorch's ``TensorDataset`` returns views.

    Args:
        *tensors: Tensors or NumPy arrays (bool, integer or floating point)
            with at least one dimension and the same size along the first.
            They are stored without a copy: a NumPy array is wrapped as
            ``torch.from_numpy`` would, and a Tensor is stored through
            ``detach()``, so later writes to them show in the samples, but
            their gradient history does not.

    Attributes:
        tensors: the stored Tensors, one per argument, in argument order.

    Raises:
        ValueError: if no arrays are given, an array is 0-d, or the sizes
            along the first dimension differ.
        TypeError: if an argument is neither a Tensor nor a NumPy array, or
            its dtype is not bool, integer or floating point.

    Example:
        >>> x = np.arange(6, dtype=np.float32).reshape(3, 2)
        >>> y = np.array([0, 1, 1])
        >>> dataset = TensorDataset(x, y)
        >>> len(dataset)
        3
        >>> features, label = dataset[1]
        >>> features.shape, label.item()
        ((2,), 1)
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one Tensor or array")

        self.tensors = tuple(
            _as_stored_tensor(tensor, position)
            for position, tensor in enumerate(tensors)
        )
        sizes = [tensor.shape[0] for tensor in self.tensors]
        if len(set(sizes)) > 1:
            raise ValueError(
                "TensorDataset needs the same size along the first dimension in "
                f"every array, got sizes {sizes}"
            )

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        """Return row ``index`` of every array, as new Tensors.

        ``index`` is an integer (a Python or NumPy int, or a 0-d integer
        Tensor), negative counting from the end, or anything else that NumPy
        indexing takes: a slice, an integer list or array, or a bool mask.

        Raises:
            IndexError: if an integer index is out of range, or NumPy rejects
                the index, as for a float.
            TypeError: if ``index`` is a str or bytes.
        """
        length = len(self)
        position = _integer_index(index)
        if position is not None:
            _check_in_range(position, length, "TensorDataset")
            index = position
        elif isinstance(index, (str, bytes)):
            raise TypeError(
                f"TensorDataset: cannot index with the {type(index).__name__} "
                f"{index!r}. Pass an integer, a slice, or an integer or bool array."
            )
        array_index = index.detach()._array if isinstance(index, Tensor) else index

        try:
            rows = [tensor._array[array_index] for tensor in self.tensors]
        except IndexError as error:
            raise IndexError(
                f"TensorDataset: cannot index a dataset of length {length} with "
                f"{_describe(index)} (NumPy: {error}). Pass an integer, a slice, "
                "or an integer or bool array."
            ) from error
        # np.array copies the row, and keeps a 0-d row as an array.
        return tuple(Tensor._make(np.array(row)) for row in rows)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __repr__(self) -> str:
        shapes = ", ".join(str(tensor.shape) for tensor in self.tensors)
        return f"TensorDataset(shapes=[{shapes}])"


def _integer_index(index: Any) -> int | None:
    """Return ``index`` as an int if it is one integer, and None otherwise.

    Python and NumPy ints and 0-d integer arrays and Tensors count. Bools do
    not, because NumPy reads them as masks.
    """
    if isinstance(index, (bool, np.bool_)):
        return None
    if isinstance(index, (int, np.integer)):
        return int(index)
    array = index.detach()._array if isinstance(index, Tensor) else index
    if isinstance(array, np.ndarray) and array.ndim == 0 and array.dtype.kind in "iu":
        return int(array)
    return None


def _check_in_range(index: int, length: int, owner: str) -> None:
    """Raise IndexError unless ``-length <= index < length``."""
    if not -length <= index < length:
        valid = f"an index in [{-length}, {length - 1}]" if length else "no index"
        raise IndexError(
            f"{owner}: index {index} is out of range for a dataset of length "
            f"{length}, which takes {valid}"
        )


def _describe(value: Any) -> str:
    """Name a value and its type for a message, such as ``the float 2.0``."""
    if isinstance(value, (np.ndarray, Tensor)):
        kind = type(value).__name__
        return f"a {kind} of dtype {value.dtype} and shape {value.shape}"
    return f"the {type(value).__name__} {value!r}"


def _as_stored_tensor(value: Any, position: int) -> Tensor:
    """Return ``value`` as a Tensor without grad that shares its memory."""
    if isinstance(value, Tensor):
        tensor = value.detach()
    elif isinstance(value, np.ndarray):
        if value.dtype.kind not in _TENSOR_KINDS:
            raise TypeError(
                f"TensorDataset: the array at position {position} has dtype "
                f"{value.dtype}, but a Tensor contains bool, integer or "
                "floating-point values. Convert it with astype first."
            )
        tensor = Tensor._make(value)
    else:
        raise TypeError(
            "TensorDataset expects Tensors or NumPy arrays, got "
            f"{type(value).__name__} at position {position}. Convert it with "
            "np.asarray first."
        )

    if tensor.ndim == 0:
        raise ValueError(
            "TensorDataset needs arrays with a first dimension to index along, "
            f"got a 0-d array at position {position}"
        )
    return tensor


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    ``subset[i]`` is ``dataset[indices[i]]``, for an integer ``i`` in
    ``[-len(indices), len(indices))``. A list index selects several samples at
    once: ``subset[[i, j]]`` is ``dataset[[indices[i], indices[j]]]``. Any other
    index, such as a slice, selects from ``indices`` as ``indices[index]``.

    Args:
        dataset: the dataset to select from.
        indices: indices into ``dataset``, kept as given (not copied).

    Attributes:
        dataset: the dataset passed in.
        indices: the indices passed in.
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        """Return the sample, or samples, of ``dataset`` at ``indices[index]``.

        Raises:
            IndexError: if an integer index is out of range.
            TypeError: if ``indices`` cannot be indexed with ``index``, as
                for a float or a str when ``indices`` is a list.
        """
        if isinstance(index, list):
            return self.dataset[[self._parent_index(i) for i in index]]
        return self.dataset[self._parent_index(index)]

    def _parent_index(self, index: Any) -> Any:
        """Return ``indices[index]``, the index of the sample in ``dataset``."""
        position = _integer_index(index)
        if position is not None:
            _check_in_range(position, len(self.indices), "Subset")
            return self.indices[position]
        try:
            return self.indices[index]
        except (IndexError, TypeError) as error:
            raise type(error)(
                f"Subset: cannot select from its indices with {_describe(index)} "
                f"({error}). Pass an integer, a list of integers or a slice."
            ) from error

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """Return the samples at several indices, for ``DataLoader``.

        The batch is read with one ``__getitems__`` call on the underlying
        dataset when it has that method. A subclass of ``Subset`` that
        overrides ``__getitem__`` is read one sample at a time through its own
        ``__getitem__``, so ``DataLoader`` never bypasses the override.
        """
        parent_getitems = getattr(self.dataset, "__getitems__", None)
        if type(self).__getitem__ is not Subset.__getitem__ or parent_getitems is None:
            return [self[index] for index in indices]
        return list(parent_getitems([self.indices[index] for index in indices]))

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T_co]):
    """Several datasets joined end to end.

    Index ``i`` falls in the first dataset whose cumulative size exceeds
    ``i``. Indices are integers (Python or NumPy ints, or 0-d integer
    Tensors), and negative indices count from the end, as for a list.

    Args:
        datasets: an iterable of one or more datasets, each with ``__len__``.

    Attributes:
        datasets: the datasets, as a list.
        cumulative_sizes: ``cumulative_sizes[k]`` is the total length of
            ``datasets[0]`` to ``datasets[k]``.

    Raises:
        ValueError: if ``datasets`` is empty.
        TypeError: if a dataset has no ``__len__``.

    Example:
        >>> first, second = TensorDataset(np.zeros(2)), TensorDataset(np.ones(3))
        >>> joined = ConcatDataset([first, second])
        >>> joined.cumulative_sizes, len(joined)
        ([2, 5], 5)
    """

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset, got none")

        self.cumulative_sizes: list[int] = []
        total = 0
        for position, dataset in enumerate(self.datasets):
            if not isinstance(dataset, Sized):
                raise TypeError(
                    f"ConcatDataset: the dataset at position {position}, of type "
                    f"{type(dataset).__name__}, has no __len__, which ConcatDataset "
                    "needs to find where each dataset starts. Define __len__."
                )
            total += len(dataset)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> T_co:
        """Return sample ``index`` of the joined datasets.

        Raises:
            IndexError: if ``index`` is out of range.
            TypeError: if ``index`` is not an integer, such as a float or a
                slice.
        """
        position = _integer_index(index)
        if position is None:
            raise TypeError(
                f"ConcatDataset: indices must be integers, got {_describe(index)}. "
                "Pass one int index, and read several samples one at a time."
            )
        index = position
        length = len(self)
        _check_in_range(index, length, "ConcatDataset")
        if index < 0:
            index += length

        # The first dataset whose cumulative size exceeds the index contains it.
        dataset_index = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[dataset_index - 1] if dataset_index else 0
        return self.datasets[dataset_index][index - start]


def random_split(
    dataset: Dataset[T_co],
    lengths: Sequence[int | float],
    generator: Generator | None = None,
) -> list[Subset[T_co]]:
    """Split ``dataset`` into random, non-overlapping ``Subset``s of given sizes.

    ``lengths`` contains either the length of each split, which must sum to
    ``len(dataset)``, or the fraction of each split. Fractions are used when
    their sum is at most 1 and ``math.isclose`` to 1 (so integer lengths that
    sum to 1, such as ``[0, 1]``, count as fractions too, as in PyTorch). Split
    ``k`` then gets ``floor(len(dataset) * lengths[k])`` samples, and the
    samples that the floors leave over go one each to splits 0, 1, 2, ...
    in turn. A split that ends up empty gets a UserWarning.

    One permutation of ``range(len(dataset))`` is drawn, and the splits take
    consecutive pieces of it.

    Args:
        dataset: the dataset to split, with ``__len__``.
        lengths: the integer lengths, or the fractions, of the splits.
        generator: draw the permutation from this generator; if None, from
            the shared generator that ``tinygrad_edu.manual_seed`` seeds.

    Returns:
        One ``Subset`` per entry of ``lengths``, with lists of ints as indices.

    Raises:
        ValueError: if a fraction is outside [0, 1], an integer length is
            negative, or the lengths do not sum to ``len(dataset)``.
        TypeError: if ``lengths`` is not a sequence, a length is not a
            number or is a non-integer that is not part of a list of
            fractions, ``dataset`` has no ``__len__``, or ``generator`` is
            not a ``Generator``.

    Example:
        >>> parts = random_split(TensorDataset(np.arange(10)), [0.5, 0.3, 0.2])
        >>> [len(part) for part in parts]
        [5, 3, 2]
    """
    rng = numpy_generator(generator, "random_split")
    if not isinstance(dataset, Sized):
        raise TypeError(
            f"random_split: the dataset, of type {type(dataset).__name__}, has no "
            "__len__, which random_split needs. Define __len__."
        )
    if not isinstance(lengths, Iterable) or isinstance(lengths, (str, bytes)):
        raise TypeError(
            f"random_split: lengths must be a sequence of lengths or fractions, "
            f"got {_describe(lengths)}. Pass a list such as [8, 2] or [0.8, 0.2]."
        )
    size = len(dataset)
    requested: list[Any] = list(lengths)
    _check_length_types(requested)

    total = sum(requested)
    are_fractions = math.isclose(total, 1) and total <= 1
    counts = _lengths_from_fractions(requested, size) if are_fractions else requested
    if sum(counts) != size:
        raise ValueError(
            f"random_split: the lengths {counts} sum to {sum(counts)}, "
            f"but the dataset has {size} samples. Pass lengths that sum to "
            f"{size}, or fractions that sum to 1."
        )
    split_lengths = counts if are_fractions else _integer_lengths(counts)

    permutation = rng.permutation(size).tolist()
    subsets = []
    start = 0
    for length in split_lengths:
        subsets.append(Subset(dataset, permutation[start : start + length]))
        start += length
    return subsets


def _check_length_types(lengths: list[Any]) -> None:
    for position, length in enumerate(lengths):
        is_number = isinstance(length, (int, float, np.integer, np.floating))
        if not is_number or isinstance(length, (bool, np.bool_)):
            raise TypeError(
                f"random_split: lengths[{position}] is {length!r} of type "
                f"{type(length).__name__}. Pass ints or floats."
            )


def _lengths_from_fractions(fractions: list[float], size: int) -> list[int]:
    """Turn fractions into lengths that sum to ``size``, warning on empty ones."""
    for position, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(
                f"random_split: the fraction at index {position} is {fraction}, "
                "outside [0, 1]"
            )

    lengths = [math.floor(size * fraction) for fraction in fractions]
    # The samples that the floors left over go one each to splits 0, 1, ...
    for extra in range(size - sum(lengths)):
        lengths[extra % len(lengths)] += 1

    for position, length in enumerate(lengths):
        if length == 0:
            warn_caller(
                f"random_split: the split at index {position} has length 0, so "
                "its Subset is empty"
            )
    return lengths


def _integer_lengths(lengths: list[Any]) -> list[int]:
    result = []
    for position, length in enumerate(lengths):
        if isinstance(length, (float, np.floating)):
            raise TypeError(
                f"random_split: lengths[{position}] is the float {length}, but "
                f"the lengths sum to {sum(lengths)}, not 1, so they are read as "
                "integer lengths. Pass ints, or fractions that sum to 1."
            )
        if length < 0:
            raise ValueError(
                f"random_split: lengths[{position}] is {length}, but a length "
                "must not be negative"
            )
        result.append(int(length))
    return result
