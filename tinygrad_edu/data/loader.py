"""Mini-batch iteration over in-memory arrays.

``BatchLoader`` does the work of PyTorch's ``DataLoader`` over a
``TensorDataset``. It slices equal-length arrays along their first dimension
and yields one tuple of Tensors per batch. The data readers in this package
return a ``Split`` of NumPy arrays that can be passed straight to it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_edu.random import default_generator

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class BatchLoader:
    """Iterate over equal-length arrays in mini-batches of Tensors.

    Each batch is a tuple with one Tensor per input array. All Tensors of a
    batch contain the same rows, so inputs and labels stay paired. Dtypes are kept.
    The yielded Tensors are copies that do not require grad.

    Args:
        *arrays: NumPy arrays or Tensors with the same length along the first
            dimension. A Tensor is read through ``detach()``, so its gradient
            history is not part of the batches.
        batch_size: number of samples per batch, a positive integer.
        shuffle: if True, every pass over the loader visits the samples in a
            new random order. If False, batches follow the order of the arrays.
        seed: with ``shuffle``, seed of a generator that this loader owns, so
            the orders of successive passes can be reproduced from the seed.
            If None, orders are drawn from ``tinygrad_edu.random``'s shared
            generator, which ``manual_seed`` controls.
        drop_last: if True, leave out the last batch when it has fewer than
            ``batch_size`` samples. If False, keep it.

    Raises:
        ValueError: if no arrays are given, an array has no first dimension,
            the lengths differ or are 0, ``batch_size`` is not a positive integer, or
            ``seed`` is not a non-negative integer.
        TypeError: if an array is neither a NumPy array nor a Tensor.

    Example:
        >>> x = np.arange(10, dtype=np.float32).reshape(5, 2)
        >>> y = np.array([0, 1, 0, 1, 1])
        >>> loader = BatchLoader(x, y, batch_size=2)
        >>> len(loader)
        3
        >>> [tuple(xb.shape) for xb, _ in loader]
        [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(
        self,
        *arrays: np.ndarray | Tensor,
        batch_size: int = 32,
        shuffle: bool = False,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        _check_batch_size(batch_size)
        _check_seed(seed)
        self.arrays = _as_equal_length_arrays(arrays)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)

        # A seeded loader owns its generator, so the orders of successive
        # epochs depend only on the seed and the number of passes made so far,
        # or on the state that load_state_dict restored.
        self._generator = None if seed is None else np.random.default_rng(seed)

    @property
    def num_samples(self) -> int:
        """Number of rows in each array."""
        return len(self.arrays[0])

    def __len__(self) -> int:
        """Return the number of batches in one pass."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        from tinygrad_edu.tensor import Tensor

        for rows in self._batch_rows():
            yield tuple(Tensor(array[rows]) for array in self.arrays)

    def _batch_rows(self) -> Iterator[slice | np.ndarray]:
        """Yield the row selection of each batch of one pass.

        Without shuffling a selection is a slice. With shuffling it is an
        index array cut from a permutation drawn once per pass.
        """
        order = None
        if self.shuffle:
            generator = self._generator
            if generator is None:
                generator = default_generator()
            order = generator.permutation(self.num_samples)

        for batch in range(len(self)):
            start = batch * self.batch_size
            stop = min(start + self.batch_size, self.num_samples)
            yield slice(start, stop) if order is None else order[start:stop]

    def state_dict(self) -> dict[str, Any]:
        """Return the state of the loader's own generator, to resume shuffling.

        A new loader built with the same arguments and given this state by
        ``load_state_dict`` draws the same orders, pass for pass, as this
        loader will from now on. Save the state between passes: one saved
        during a pass resumes at the start of the next pass. The dict contains
        only str keys, ints and strs, so ``tinygrad_edu.save`` can store it in
        a checkpoint.

        Returns:
            ``{"generator": state}`` with the NumPy ``bit_generator.state`` of
            the loader's generator, or ``{"generator": None}`` for a loader
            built without a seed, whose orders come from the shared generator
            that ``manual_seed`` controls.
        """
        if self._generator is None:
            return {"generator": None}
        return {"generator": copy.deepcopy(self._generator.bit_generator.state)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict``.

        The loader is unchanged when an error is raised.

        Raises:
            TypeError: if ``state_dict`` is not a dict.
            ValueError: if it has no ``"generator"`` entry, if it has a
                generator state but this loader was built without a seed (or
                the reverse), or if the state is not a valid state of NumPy's
                default bit generator.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(
                "BatchLoader.load_state_dict expects the dict returned by "
                f"state_dict(), got {type(state_dict).__name__}"
            )
        if "generator" not in state_dict:
            raise ValueError(
                "BatchLoader.load_state_dict: the state has no 'generator' entry; "
                f"got the keys {sorted(map(str, state_dict))}"
            )

        state = state_dict["generator"]
        if state is None and self._generator is not None:
            raise ValueError(
                "BatchLoader.load_state_dict: the state comes from a loader built "
                "without a seed, but this loader has one. Build both loaders with "
                "the same arguments."
            )
        if state is not None and self._generator is None:
            raise ValueError(
                "BatchLoader.load_state_dict: the state comes from a loader built "
                "with a seed, but this loader has none (seed=None). Build both "
                "loaders with the same arguments."
            )
        if state is not None:
            self._generator = _generator_from_state(state)

    def __repr__(self) -> str:
        return (
            f"BatchLoader(num_arrays={len(self.arrays)}, "
            f"num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _generator_from_state(state: Any) -> np.random.Generator:
    """Return a new generator set to ``state``, or raise ValueError."""
    generator = np.random.default_rng()
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        name = type(generator.bit_generator).__name__
        raise ValueError(
            f"BatchLoader.load_state_dict: invalid {name} generator state "
            f"({type(error).__name__}: {error}). Pass the dict that "
            "BatchLoader.state_dict() returned."
        ) from error
    return generator


def _check_batch_size(batch_size: Any) -> None:
    is_int = isinstance(batch_size, (int, np.integer)) and not isinstance(
        batch_size, bool
    )
    if not is_int or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _check_seed(seed: Any) -> None:
    if seed is None:
        return
    is_int = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if not is_int or seed < 0:
        raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")


def _as_equal_length_arrays(arrays: tuple[Any, ...]) -> tuple[np.ndarray, ...]:
    """Return the inputs as NumPy arrays after checking that their lengths agree."""
    if not arrays:
        raise ValueError("BatchLoader needs at least one array, got none")

    converted = tuple(
        _as_array(array, position) for position, array in enumerate(arrays)
    )

    lengths = [len(array) for array in converted]
    if len(set(lengths)) > 1:
        raise ValueError(
            "BatchLoader needs arrays of the same length along the first "
            f"dimension, got lengths {lengths}"
        )
    if lengths[0] == 0:
        raise ValueError(
            "BatchLoader needs at least one sample, got arrays of length 0"
        )
    return converted


def _as_array(array: Any, position: int) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        # Imported here so that importing this module does not load the engine.
        from tinygrad_edu.tensor import Tensor

        if not isinstance(array, Tensor):
            raise TypeError(
                f"BatchLoader expects NumPy arrays or Tensors, got "
                f"{type(array).__name__} at position {position}. Convert it "
                "with np.asarray first"
            )
        array = array.detach()._array

    if array.ndim == 0:
        raise ValueError(
            f"BatchLoader needs arrays with a first dimension to batch along, "
            f"got a 0-d array at position {position}"
        )
    return array
