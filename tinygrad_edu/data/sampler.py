"""Samplers, as in ``torch.utils.data``: the order in which a loader reads a dataset.

A sampler is an iterable over dataset indices. ``SequentialSampler`` yields
``0, 1, 2, ...``, ``RandomSampler`` a random order (or draws with
replacement), and ``SubsetRandomSampler`` a random order of given indices.
``BatchSampler`` groups the indices of another sampler into lists, one list
per mini-batch.

The random samplers draw from the ``generator`` passed to them, or, when it
is None, from the shared generator that ``tinygrad_edu.manual_seed`` seeds.
They draw when a pass starts, so a generator state saved between passes
reproduces the passes after it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from tinygrad_edu.random import Generator, check_generator, numpy_generator

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers.

    A subclass implements ``__iter__``, which yields indices (or, for a batch
    sampler, lists of indices), and usually ``__len__``, the number of items
    one pass yields, which ``len(DataLoader)`` needs.
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(
            f"{type(self).__name__} must implement __iter__, the method that "
            "yields the indices"
        )


class SequentialSampler(Sampler[int]):
    """Yield ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source: the dataset, or anything with ``__len__``.
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Yield indices of ``data_source`` in a random order.

    Without replacement, a pass yields a fresh random permutation of
    ``range(len(data_source))``. If ``num_samples`` is larger than the
    dataset, whole permutations follow one another, and the last one is cut
    to the number still missing. With replacement, each of the
    ``num_samples`` indices is drawn uniformly and independently from
    ``range(len(data_source))``.

    Args:
        data_source: the dataset, or anything with ``__len__``. Its length is
            read at the start of each pass.
        replacement: draw with replacement if True.
        num_samples: number of indices per pass; None means
            ``len(data_source)``.
        generator: draw from this generator; if None, from the shared
            generator that ``tinygrad_edu.manual_seed`` seeds.

    Raises:
        TypeError: if ``replacement`` is not a bool, or ``generator`` is
            neither None nor a ``Generator``.
        ValueError: if ``num_samples`` is neither None nor a positive
            integer, or it is None and ``data_source`` is empty.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(replacement, (bool, np.bool_)):
            raise TypeError(
                "RandomSampler: replacement must be a bool, got "
                f"{type(replacement).__name__} {replacement!r}"
            )
        check_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = num_samples
        self.generator = generator

        if num_samples is None and len(data_source) == 0:
            raise ValueError(
                "RandomSampler: data_source is empty, so there is nothing to "
                "sample, and num_samples (None) defaults to its length, 0. Pass "
                "a dataset with at least one sample."
            )
        if num_samples is not None and not is_positive_int(num_samples):
            raise ValueError(
                "RandomSampler: num_samples must be a positive integer, got "
                f"{type(num_samples).__name__} {num_samples!r}. Pass an int such "
                "as len(data_source), or None for one pass over the data."
            )

    @property
    def num_samples(self) -> int:
        """The number of indices per pass."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        size = len(self.data_source)
        if size == 0:
            raise ValueError("RandomSampler: cannot draw from an empty data_source")
        rng = numpy_generator(self.generator, "RandomSampler")

        if self.replacement:
            yield from rng.integers(0, size, size=self.num_samples).tolist()
            return

        whole_passes, remainder = divmod(self.num_samples, size)
        for _ in range(whole_passes):
            yield from rng.permutation(size).tolist()
        if remainder:
            yield from rng.permutation(size)[:remainder].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """Yield the elements of ``indices`` in a new random order each pass.

    Args:
        indices: the indices to yield, typically a list of ints.
        generator: draw from this generator; if None, from the shared
            generator that ``tinygrad_edu.manual_seed`` seeds.

    Raises:
        TypeError: if ``generator`` is neither None nor a ``Generator``.
    """

    def __init__(
        self, indices: Sequence[int], generator: Generator | None = None
    ) -> None:
        check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = numpy_generator(self.generator, "SubsetRandomSampler")
        for position in rng.permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Every list has ``batch_size`` indices except perhaps the last, which has
    the ones left over. ``drop_last=True`` leaves that last list out.

    Args:
        sampler: any iterable of indices, such as a ``Sampler``.
        batch_size: the number of indices per list, a positive integer.
        drop_last: if True, skip a last list shorter than ``batch_size``.

    Raises:
        ValueError: if ``batch_size`` is not a positive integer or
            ``drop_last`` is not a bool.

    Example:
        >>> list(BatchSampler(range(7), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
        >>> list(BatchSampler(range(7), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5]]
    """

    def __init__(
        self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool
    ) -> None:
        if not is_positive_int(batch_size):
            raise ValueError(
                "BatchSampler: batch_size must be a positive integer, got "
                f"batch_size={batch_size!r}"
            )
        if not isinstance(drop_last, (bool, np.bool_)):
            raise ValueError(
                f"BatchSampler: drop_last must be a bool, got drop_last={drop_last!r}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        """Return the number of lists, which needs the sampler's ``__len__``."""
        num_indices = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return num_indices // self.batch_size
        return math.ceil(num_indices / self.batch_size)


def is_positive_int(value: Any) -> bool:
    """Return True for a positive int or NumPy integer, and False for a bool."""
    is_int = isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )
    return is_int and value > 0
