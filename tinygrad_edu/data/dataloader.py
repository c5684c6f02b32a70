"""``DataLoader``, as in ``torch.utils.data``: mini-batches from a dataset.

A ``DataLoader`` combines a dataset, a sampler that sets the order of the
indices, a ``BatchSampler`` that groups them, and a collate function that
turns each group of samples into one batch. Every pass (``for batch in
loader``) iterates over the sampler again, so a random sampler gives a
new order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

import numpy as np

from tinygrad_edu.data.collate import default_collate, default_convert
from tinygrad_edu.data.dataset import Dataset, TensorDataset
from tinygrad_edu.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    is_positive_int,
)
from tinygrad_edu.errors import warn_caller
from tinygrad_edu.random import Generator, check_generator
from tinygrad_edu.tensor import Tensor

# Attributes that the samplers were built from; changing one later would make
# them disagree, so __setattr__ rejects it, as PyTorch's DataLoader does.
_FIXED_ATTRIBUTES = ("dataset", "batch_size", "drop_last", "sampler", "batch_sampler")

# The prefetch_factor that PyTorch 2.13 stores when num_workers > 0 and none
# is given.
_DEFAULT_PREFETCH_FACTOR = 2


class DataLoader:
    """Iterate over a dataset in mini-batches.

    With the defaults, ``DataLoader(dataset, batch_size=n)`` reads indices
    ``0, 1, 2, ...`` in groups of ``n`` and yields ``default_collate`` of the
    samples of each group. For a ``TensorDataset`` of inputs and labels each
    batch is a list ``[inputs, labels]`` of Tensors whose first dimension is
    the batch size. Yielded Tensors do not require grad, and writing to them
    never changes the dataset.

    Args:
        dataset: a map-style dataset: ``dataset[i]`` returns sample ``i``, and
            ``len(dataset)`` is needed unless ``sampler`` or ``batch_sampler``
            provides the indices.
        batch_size: samples per batch, a positive integer. None turns off
            automatic batching: each sample is yielded on its own, passed
            through ``default_convert`` (or ``collate_fn``).
        shuffle: if True, each pass visits the samples in a new random order,
            drawn by a ``RandomSampler``. None means False.
        sampler: an iterable of indices that sets the order instead.
        batch_sampler: an iterable of lists of indices, one list per batch,
            that sets the batches instead.
        num_workers: accepted for compatibility with PyTorch. A value above 0
            gives a UserWarning, and loading still happens in the main
            process with the same batches as ``num_workers=0``.
        collate_fn: a function from a list of samples to a batch (or, with
            ``batch_size=None``, from one sample to its converted form).
            Defaults to ``default_collate`` (``default_convert``).
        pin_memory: accepted for compatibility with PyTorch. tinygrad_edu
            has no accelerator, so there is no pinned memory to copy batches
            into: True gives a UserWarning, as PyTorch gives on a machine
            without an accelerator, and the batches are unchanged.
        drop_last: if True, leave out a last batch smaller than
            ``batch_size``.
        timeout: seconds to wait for a batch from a worker, a non-negative
            number. There are no workers, so it has no effect.
        worker_init_fn: a function that PyTorch calls in each worker process
            with the worker id. There are no workers, so it is never called.
        multiprocessing_context: how PyTorch starts worker processes. Only
            valid with ``num_workers > 0``, and without effect here.
        generator: with ``shuffle=True``, draw the orders from this generator
            only, one permutation per pass, so saving ``generator.get_state()``
            between passes and restoring it later reproduces the passes that
            follow. If None, the orders come from the shared generator that
            ``tinygrad_edu.manual_seed`` seeds.
        prefetch_factor: batches that PyTorch loads ahead per worker, a
            non-negative int. Only valid with ``num_workers > 0``, where None
            is stored as 2, as in PyTorch, and without effect here.
        persistent_workers: if True, PyTorch keeps its workers between
            passes. Only valid with ``num_workers > 0``, and without effect
            here.

    The worker options (``timeout``, ``worker_init_fn``,
    ``multiprocessing_context``, ``prefetch_factor``, ``persistent_workers``)
    raise where PyTorch 2.13 raises for the same ``num_workers``, and their
    types are checked too, which PyTorch leaves to its workers. They are
    stored as attributes of the same names, so code written for PyTorch runs
    unchanged, and the one ``num_workers`` warning covers them.

    Raises:
        ValueError: if ``batch_size``, ``num_workers``, ``drop_last``,
            ``timeout`` or ``prefetch_factor`` is out of range, or arguments
            conflict. ``sampler`` conflicts with ``shuffle=True``, and
            ``batch_sampler`` with a ``batch_size`` other than 1, ``shuffle``,
            ``sampler`` or ``drop_last``. ``batch_size=None`` conflicts with
            ``drop_last=True``, and ``num_workers=0`` with
            ``persistent_workers=True``, a ``prefetch_factor`` or a
            ``multiprocessing_context``.
        TypeError: if an argument has the wrong type. ``dataset`` needs
            ``__getitem__``, and ``__len__`` too unless ``sampler`` or
            ``batch_sampler`` is given. ``sampler`` and ``batch_sampler``
            must be iterable, ``collate_fn`` and ``worker_init_fn`` callable,
            ``timeout`` a number, ``prefetch_factor`` an int, and
            ``generator`` None or a ``Generator``.

    Example:
        >>> x = np.arange(10, dtype=np.float32).reshape(5, 2)
        >>> y = np.array([0, 1, 0, 1, 1])
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=2)
        >>> len(loader)
        3
        >>> [tuple(xb.shape) for xb, _ in loader]
        [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(
        self,
        dataset: Dataset[Any],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[list[int]] | Iterable[list[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        _check_sources(dataset, sampler, batch_sampler)
        _check_callable(collate_fn, "collate_fn", "a list of samples to a batch")
        _check_callable(worker_init_fn, "worker_init_fn", "a worker id to None")
        _check_worker_options(
            num_workers,
            timeout,
            multiprocessing_context,
            prefetch_factor,
            persistent_workers,
        )
        check_generator(generator, "DataLoader")
        shuffle = bool(shuffle)
        _check_conflicts(batch_size, shuffle, sampler, batch_sampler, drop_last)

        if batch_sampler is not None:
            batch_size, drop_last = None, False
        elif batch_size is not None and not is_positive_int(batch_size):
            raise ValueError(
                "DataLoader: batch_size must be a positive integer, or None to "
                f"turn off automatic batching, got batch_size={batch_size!r}"
            )

        # Dataset declares no __len__ (as in PyTorch), hence the ignores below.
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            automatic = batch_sampler is not None
            collate_fn = default_collate if automatic else default_convert

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        if prefetch_factor is None and num_workers > 0:
            prefetch_factor = _DEFAULT_PREFETCH_FACTOR
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self._initialized = True

        if num_workers > 0:
            warn_caller(
                f"DataLoader: num_workers={num_workers} is accepted for "
                "compatibility with PyTorch, but tinygrad_edu has no worker "
                "processes. Every batch is loaded in the main process, and the "
                "batches are the same as with num_workers=0. The worker options "
                "timeout, worker_init_fn, multiprocessing_context, "
                "prefetch_factor and persistent_workers have no effect either."
            )
        if self.pin_memory:
            warn_caller(
                "DataLoader: pin_memory=True has no effect, because tinygrad_edu "
                "has no accelerator and so no pinned memory to copy batches "
                "into. The batches are the same as with pin_memory=False."
            )

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_initialized", False) and name in _FIXED_ATTRIBUTES:
            raise ValueError(
                f"DataLoader: {name} cannot be changed after the DataLoader is "
                "built, because its samplers were made from it. Build a new "
                "DataLoader instead."
            )
        super().__setattr__(name, value)

    def __len__(self) -> int:
        """Return the number of items one pass yields: batches, or samples.

        It is the length of the batch sampler, or of the sampler when
        ``batch_size=None``, so the sampler must have ``__len__``.
        """
        return len(self._index_sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return

        for indices in self.batch_sampler:
            yield self._fetch_batch(indices)

    @property
    def _index_sampler(self) -> Iterable[Any]:
        """The sampler whose items are fetched: index lists, or single indices."""
        if self.batch_sampler is not None:
            return self.batch_sampler
        return self.sampler

    def _fetch_batch(self, indices: Any) -> Any:
        """Read the samples at ``indices`` and collate them into one batch."""
        if self._can_gather_rows():
            batch = _gather_rows(self.dataset, indices)  # type: ignore[arg-type]
            if batch is not None:
                return batch

        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            samples = getitems(indices)
        else:
            samples = [self.dataset[index] for index in indices]
        return self.collate_fn(samples)

    def _can_gather_rows(self) -> bool:
        """Return True if a batch can be read from a TensorDataset's arrays at once.

        The shortcut gives the batch that ``default_collate`` gives for the
        samples one at a time, so it applies only when neither the collate
        function nor the way a sample is read was replaced.
        """
        dataset_type = type(self.dataset)
        return (
            self.collate_fn is default_collate
            and isinstance(self.dataset, TensorDataset)
            and dataset_type.__getitem__ is TensorDataset.__getitem__
            and getattr(dataset_type, "__getitems__", None) is None
        )

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={self.dataset!r}, batch_size={self.batch_size}, "
            f"sampler={type(self.sampler).__name__}, drop_last={self.drop_last}, "
            f"num_workers={self.num_workers})"
        )


def _gather_rows(dataset: TensorDataset, indices: Any) -> list[Tensor] | None:
    """Index every array of ``dataset`` with the whole batch of ``indices``.

    NumPy's integer-array indexing copies the rows, as the per-sample path
    does, and returns them stacked, so the result equals ``default_collate``
    of the samples in values, dtypes and shapes. Returns None for indices
    that are not a non-empty 1-d sequence of integers, so that the caller
    takes the per-sample path and raises its errors.
    """
    try:
        rows = np.asarray(indices)
    except (TypeError, ValueError):  # ragged or otherwise not an index array
        return None
    if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
        return None
    return [
        Tensor._make(np.ascontiguousarray(tensor._array[rows]))
        for tensor in dataset.tensors
    ]


def _check_sources(dataset: Any, sampler: Any, batch_sampler: Any) -> None:
    """Raise TypeError for a dataset or sampler that iteration could not use."""
    if not callable(getattr(dataset, "__getitem__", None)):
        raise TypeError(
            "DataLoader: dataset must be a map-style dataset, with __getitem__ "
            f"returning one sample, got {_received(dataset)}. Wrap arrays in "
            "TensorDataset(inputs, labels), or subclass Dataset."
        )
    if sampler is None and batch_sampler is None and not isinstance(dataset, Sized):
        raise TypeError(
            f"DataLoader: the dataset, of type {type(dataset).__name__}, has no "
            "__len__, which the default sampler needs to know which indices "
            "exist. Define __len__, or pass a sampler or batch_sampler."
        )
    if sampler is not None and not isinstance(sampler, Iterable):
        raise TypeError(
            "DataLoader: sampler must be an iterable of indices, such as a "
            f"Sampler or a list of ints, got {_received(sampler)}"
        )
    if batch_sampler is not None and not isinstance(batch_sampler, Iterable):
        raise TypeError(
            "DataLoader: batch_sampler must be an iterable of lists of indices, "
            f"such as a BatchSampler, got {_received(batch_sampler)}"
        )


def _check_callable(function: Any, name: str, signature: str) -> None:
    if function is not None and not callable(function):
        raise TypeError(
            f"DataLoader: {name} must be None or a function from {signature}, "
            f"got {_received(function)}"
        )


def _check_worker_options(
    num_workers: Any,
    timeout: Any,
    multiprocessing_context: Any,
    prefetch_factor: Any,
    persistent_workers: Any,
) -> None:
    """Check the worker options with PyTorch 2.13's rules for ``num_workers``."""
    _check_num_workers(num_workers)

    is_number = isinstance(timeout, (int, float, np.integer, np.floating))
    if not is_number or isinstance(timeout, (bool, np.bool_)):
        raise TypeError(
            f"DataLoader: timeout must be a number of seconds, got "
            f"{_received(timeout)}. Pass 0 to wait without a limit."
        )
    if not timeout >= 0:
        raise ValueError(
            f"DataLoader: timeout must be non-negative, got timeout={timeout!r}. "
            "Pass 0 to wait without a limit."
        )

    if num_workers == 0:
        _reject_without_workers(
            multiprocessing_context, prefetch_factor, persistent_workers
        )
    elif prefetch_factor is not None:
        is_int = isinstance(prefetch_factor, (int, np.integer))
        if not is_int or isinstance(prefetch_factor, (bool, np.bool_)):
            raise TypeError(
                "DataLoader: prefetch_factor must be None or an int, got "
                f"{_received(prefetch_factor)}"
            )
        if prefetch_factor < 0:
            raise ValueError(
                "DataLoader: prefetch_factor must be non-negative, got "
                f"prefetch_factor={prefetch_factor}"
            )


def _reject_without_workers(
    multiprocessing_context: Any, prefetch_factor: Any, persistent_workers: Any
) -> None:
    """Raise ValueError for the worker options that need ``num_workers > 0``."""
    if persistent_workers:
        raise ValueError(
            "DataLoader: persistent_workers=True needs num_workers > 0, but "
            "num_workers=0 starts no workers to keep. Leave "
            "persistent_workers=False."
        )
    if prefetch_factor is not None:
        raise ValueError(
            f"DataLoader: prefetch_factor={prefetch_factor!r} needs "
            "num_workers > 0, but num_workers=0 loads in the main process "
            "without prefetching. Leave prefetch_factor=None."
        )
    if multiprocessing_context is not None:
        raise ValueError(
            "DataLoader: multiprocessing_context needs num_workers > 0, but "
            f"got {_received(multiprocessing_context)} with num_workers=0. "
            "Leave multiprocessing_context=None."
        )


def _received(value: Any) -> str:
    """Name a value for a message: its type, and its repr when that is short."""
    text = repr(value)
    if len(text) > 40:
        return type(value).__name__
    return f"{type(value).__name__} {text}"


def _check_num_workers(num_workers: Any) -> None:
    is_int = isinstance(num_workers, (int, np.integer)) and not isinstance(
        num_workers, (bool, np.bool_)
    )
    if not is_int or num_workers < 0:
        raise ValueError(
            "DataLoader: num_workers must be a non-negative integer, got "
            f"num_workers={num_workers!r}. Use num_workers=0 to load in the main "
            "process."
        )


def _check_conflicts(
    batch_size: Any, shuffle: bool, sampler: Any, batch_sampler: Any, drop_last: Any
) -> None:
    """Raise ValueError for the argument combinations that PyTorch rejects."""
    if sampler is not None and shuffle:
        raise ValueError(
            "DataLoader: sampler and shuffle=True cannot be used together, "
            "because the sampler sets the order. Pass shuffle=False, or leave "
            "sampler=None and shuffle=True to get a RandomSampler."
        )

    if batch_sampler is not None:
        conflicts = []
        if batch_size != 1:
            conflicts.append(f"batch_size={batch_size!r}")
        if shuffle:
            conflicts.append("shuffle=True")
        if sampler is not None:
            conflicts.append(f"sampler={type(sampler).__name__}")
        if drop_last:
            conflicts.append(f"drop_last={drop_last!r}")
        if conflicts:
            raise ValueError(
                "DataLoader: batch_sampler cannot be used with "
                f"{', '.join(conflicts)}, because the batch sampler already "
                "sets the batches. Leave batch_size=1, shuffle, sampler and "
                "drop_last at their defaults, or pass sampler and batch_size "
                "instead of batch_sampler."
            )
    elif batch_size is None and drop_last:
        raise ValueError(
            "DataLoader: drop_last=True needs automatic batching, but "
            "batch_size=None turns it off. Pass a batch_size, or drop_last=False."
        )
