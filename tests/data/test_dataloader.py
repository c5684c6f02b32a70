import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.data.dataloader as dataloader_module
from tinygrad_edu.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Split,
    TensorDataset,
    default_collate,
)
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import Tensor


class RowDataset(Dataset):
    """Sample i is the tuple of row i of each array, as NumPy views or scalars.

    It serves the same samples as ``TensorDataset`` through the per-sample
    path of ``DataLoader``, which reads one sample at a time.
    """

    def __init__(self, *arrays):
        self.arrays = arrays

    def __getitem__(self, index):
        return tuple(array[index] for array in self.arrays)

    def __len__(self):
        return len(self.arrays[0])


def seeded(seed: int) -> tg.Generator:
    return tg.Generator().manual_seed(seed)


def numbered(size: int) -> TensorDataset:
    return TensorDataset(np.arange(size))


def collect(loader):
    """Return one pass over the loader as lists of NumPy arrays."""
    return [[t.numpy() for t in batch] for batch in loader]


def first_column_order(loader):
    """Return the row order of one pass, read from a loader over arange."""
    return np.concatenate([batch[0] for batch in collect(loader)])


# Length and batch sizes -----------------------------------------------------------


def test_loader_len_keeps_partial_batch():
    loader = DataLoader(TensorDataset(np.zeros((10, 2))), batch_size=3)
    assert len(loader) == 4


def test_loader_len_drop_last():
    loader = DataLoader(TensorDataset(np.zeros((10, 2))), batch_size=3, drop_last=True)
    assert len(loader) == 3


def test_loader_len_drop_last_smaller_than_batch():
    loader = DataLoader(TensorDataset(np.zeros(2)), batch_size=3, drop_last=True)
    assert len(loader) == 0
    assert collect(loader) == []


def test_loader_default_batch_size_is_one():
    loader = DataLoader(TensorDataset(np.zeros((3, 2))))
    assert len(loader) == 3
    assert [b[0].shape for b in collect(loader)] == [(1, 2)] * 3


def test_loader_batches_in_order():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    batches = collect(DataLoader(TensorDataset(x), batch_size=4))

    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)


def test_loader_drop_last_skips_partial():
    x = np.arange(10)
    loader = DataLoader(TensorDataset(x), batch_size=4, drop_last=True)
    batches = collect(loader)

    assert [len(b[0]) for b in batches] == [4, 4]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x[:8])


def test_loader_accepts_numpy_int_batch_size():
    loader = DataLoader(TensorDataset(np.zeros(4)), batch_size=np.int64(3))
    assert len(loader) == 2


def test_loader_empty_dataset_yields_nothing():
    loader = DataLoader(TensorDataset(np.zeros((0, 3)), np.zeros(0)), batch_size=2)
    assert len(loader) == 0
    assert collect(loader) == []


# Batch contents -------------------------------------------------------------------


def test_loader_yields_tensor_lists():
    loader = DataLoader(TensorDataset(np.zeros((4, 3)), np.zeros(4)), batch_size=2)
    batch = next(iter(loader))

    assert type(batch) is list
    assert len(batch) == 2
    assert all(isinstance(t, Tensor) for t in batch)
    assert not any(t.requires_grad for t in batch)


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]
)
def test_loader_keeps_dtype(dtype):
    x = np.ones((5, 2), dtype=dtype)
    loader = DataLoader(TensorDataset(x), batch_size=2, shuffle=True)
    for (batch,) in loader:
        assert batch.dtype == np.dtype(dtype)


def test_loader_accepts_tensors():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(3, 2), requires_grad=True)
    y = Tensor(np.array([0, 1, 2]))
    batches = list(DataLoader(TensorDataset(x, y), batch_size=2))

    assert not any(t.requires_grad for batch in batches for t in batch)
    np.testing.assert_array_equal(batches[0][0].numpy(), [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(batches[1][1].numpy(), [2])


def test_loader_accepts_split_arrays():
    split = Split(np.zeros((3, 2)), np.zeros(3), np.zeros((1, 2)), np.zeros(1))
    loader = DataLoader(TensorDataset(split.x_train, split.y_train), batch_size=2)
    assert len(loader) == 2


@pytest.mark.parametrize(
    "make_dataset", [TensorDataset, RowDataset], ids=["gathered", "per_sample"]
)
def test_loader_batches_are_copies(make_dataset):
    x = np.zeros((4, 2))
    y = np.zeros(4)
    (xb, yb) = next(iter(DataLoader(make_dataset(x, y), batch_size=2)))

    xb.numpy()[...] = 7.0
    yb.numpy()[...] = 7.0

    assert np.all(x == 0.0)
    assert np.all(y == 0.0)


def test_loader_unbatched_samples_are_copies():
    x = np.zeros((4, 2))
    (row,) = next(iter(DataLoader(RowDataset(x), batch_size=None)))
    row.numpy()[...] = 7.0
    assert np.all(x == 0.0)


def test_loader_batches_never_require_grad():
    class GradRows(Dataset):
        def __getitem__(self, index):
            return Tensor(np.full(2, float(index)), requires_grad=True)

        def __len__(self):
            return 3

    (batch,) = list(DataLoader(GradRows(), batch_size=3))
    (sample, *_) = list(DataLoader(GradRows(), batch_size=None))

    assert not batch.requires_grad
    assert not sample.requires_grad


# Automatic batching off -----------------------------------------------------------


def test_loader_batch_size_none_yields_samples():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    loader = DataLoader(TensorDataset(x, np.array([4, 5, 6])), batch_size=None)
    samples = list(loader)

    assert len(loader) == 3
    assert loader.batch_sampler is None
    assert [sample[0].shape for sample in samples] == [(2,)] * 3
    assert [sample[1].item() for sample in samples] == [4, 5, 6]


def test_loader_batch_size_none_applies_collate_fn():
    loader = DataLoader(RowDataset(np.arange(3)), batch_size=None, collate_fn=repr)
    assert list(loader) == ["(np.int64(0),)", "(np.int64(1),)", "(np.int64(2),)"]


def test_loader_batch_size_none_shuffles():
    loader = DataLoader(numbered(6), batch_size=None, shuffle=True, generator=seeded(1))
    order = [sample[0].item() for sample in loader]
    assert order == np.random.default_rng(1).permutation(6).tolist()


# Samplers and collate_fn ----------------------------------------------------------


def test_loader_default_samplers():
    plain = DataLoader(numbered(4))
    generator = seeded(0)
    shuffled = DataLoader(numbered(4), shuffle=True, generator=generator)

    assert type(plain.sampler) is SequentialSampler
    assert type(plain.batch_sampler) is BatchSampler
    assert type(shuffled.sampler) is RandomSampler
    assert shuffled.sampler.generator is generator
    assert shuffled.generator is generator


def test_loader_shuffle_none_means_false():
    loader = DataLoader(numbered(5), batch_size=2, shuffle=None)
    np.testing.assert_array_equal(first_column_order(loader), np.arange(5))


def test_loader_follows_sampler():
    loader = DataLoader(numbered(5), batch_size=2, sampler=[4, 0, 3])
    assert [b[0].tolist() for b in collect(loader)] == [[4, 0], [3]]
    assert len(loader) == 2


def test_loader_follows_batch_sampler():
    loader = DataLoader(numbered(5), batch_sampler=[[4], [0, 3, 1]])
    batches = [b[0].tolist() for b in collect(loader)]

    assert batches == [[4], [0, 3, 1]]
    assert len(loader) == 2
    assert loader.batch_size is None
    assert loader.drop_last is False


def test_loader_collate_fn_gets_sample_list():
    received = []

    def keep(samples):
        received.append(samples)
        return len(samples)

    loader = DataLoader(RowDataset(np.arange(5)), batch_size=2, collate_fn=keep)

    assert list(loader) == [2, 2, 1]
    assert received[0] == [(0,), (1,)]


def test_loader_calls_dataset_getitems():
    class Batched(RowDataset):
        calls: list

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [self[i] for i in indices]

    dataset = Batched(np.arange(5))
    dataset.calls = []
    batches = collect(DataLoader(dataset, batch_size=3))

    assert dataset.calls == [[0, 1, 2], [3, 4]]
    assert [b[0].tolist() for b in batches] == [[0, 1, 2], [3, 4]]


def test_loader_len_needs_sampler_len():
    loader = DataLoader(numbered(4), batch_size=2, sampler=iter(range(4)))
    with pytest.raises(TypeError):
        len(loader)


def test_loader_repr_names_settings():
    loader = DataLoader(numbered(5), batch_size=2, shuffle=True)
    text = repr(loader)
    assert "TensorDataset(shapes=[(5,)])" in text
    assert "batch_size=2" in text
    assert "sampler=RandomSampler" in text


# Shuffling ------------------------------------------------------------------------


def test_loader_shuffle_keeps_rows_paired():
    x = np.arange(30)
    loader = DataLoader(TensorDataset(x, x * 10), batch_size=7, shuffle=True)
    for xb, yb in collect(loader):
        np.testing.assert_array_equal(yb, xb * 10)


def test_loader_shuffle_is_permutation():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True)
    np.testing.assert_array_equal(np.sort(first_column_order(loader)), np.arange(50))


def test_loader_shuffle_changes_order():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True)
    assert not np.array_equal(first_column_order(loader), np.arange(50))


def test_loader_shuffle_new_order_each_epoch():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True, generator=seeded(0))
    first = first_column_order(loader)
    second = first_column_order(loader)
    assert not np.array_equal(first, second)


def test_loader_generator_one_permutation_per_pass():
    loader = DataLoader(numbered(12), batch_size=5, shuffle=True, generator=seeded(4))
    rng = np.random.default_rng(4)
    for _ in range(3):
        np.testing.assert_array_equal(first_column_order(loader), rng.permutation(12))


def test_loader_generator_reproduces_epochs():
    loader_a = DataLoader(numbered(40), batch_size=6, shuffle=True, generator=seeded(3))
    loader_b = DataLoader(numbered(40), batch_size=6, shuffle=True, generator=seeded(3))
    for _ in range(3):
        np.testing.assert_array_equal(
            first_column_order(loader_a), first_column_order(loader_b)
        )


def test_loader_generator_ignores_shared_generator():
    tg.manual_seed(0)
    loader = DataLoader(numbered(40), batch_size=6, shuffle=True, generator=seeded(5))
    expected = first_column_order(loader)
    tg.manual_seed(99)
    loader = DataLoader(numbered(40), batch_size=6, shuffle=True, generator=seeded(5))
    np.testing.assert_array_equal(first_column_order(loader), expected)


def test_loader_manual_seed_controls_order():
    loader = DataLoader(numbered(40), batch_size=6, shuffle=True)
    tg.manual_seed(7)
    first = first_column_order(loader)
    tg.manual_seed(7)
    second = first_column_order(loader)

    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, np.random.default_rng(7).permutation(40))


def test_loader_generator_state_restores_later_epochs():
    generator = seeded(21)
    loader = DataLoader(numbered(15), batch_size=4, shuffle=True, generator=generator)
    first_column_order(loader)
    state = generator.get_state()
    expected = [first_column_order(loader) for _ in range(2)]

    generator.set_state(state)

    for expected_order in expected:
        np.testing.assert_array_equal(first_column_order(loader), expected_order)


# Workers --------------------------------------------------------------------------


def test_loader_workers_warn_once_same_batches():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loader = DataLoader(
            numbered(9), batch_size=2, shuffle=True, num_workers=2, generator=seeded(1)
        )
        batches = [first_column_order(loader) for _ in range(2)]

    reference = DataLoader(numbered(9), batch_size=2, shuffle=True, generator=seeded(1))
    assert len(caught) == 1
    assert caught[0].category is UserWarning
    assert "num_workers=2" in str(caught[0].message)
    assert "main process" in str(caught[0].message)
    assert caught[0].filename == __file__
    assert loader.num_workers == 2
    for batch in batches:
        np.testing.assert_array_equal(batch, first_column_order(reference))


def test_loader_no_workers_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(numbered(3), num_workers=0, pin_memory=False, timeout=2.5))


def test_loader_worker_options_with_workers():
    calls = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loader = DataLoader(
            numbered(5),
            batch_size=2,
            num_workers=2,
            timeout=5,
            worker_init_fn=calls.append,
            multiprocessing_context="spawn",
            prefetch_factor=0,
            persistent_workers=True,
        )
        order = first_column_order(loader)

    assert len(caught) == 1
    message = str(caught[0].message)
    assert "num_workers=2" in message
    assert "prefetch_factor and persistent_workers have no effect" in message
    assert calls == []
    np.testing.assert_array_equal(order, np.arange(5))
    assert len(loader) == 3
    assert loader.timeout == 5
    assert loader.worker_init_fn == calls.append
    assert loader.multiprocessing_context == "spawn"
    assert loader.prefetch_factor == 0
    assert loader.persistent_workers is True


def test_loader_prefetch_factor_default():
    # PyTorch 2.13 stores 2 when workers are requested and None otherwise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert DataLoader(numbered(3), num_workers=1).prefetch_factor == 2
    assert DataLoader(numbered(3)).prefetch_factor is None


def test_loader_pin_memory_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loader = DataLoader(numbered(4), batch_size=3, pin_memory=True)

    assert len(caught) == 1
    assert caught[0].category is UserWarning
    assert "pin_memory=True has no effect" in str(caught[0].message)
    assert "no accelerator" in str(caught[0].message)
    assert caught[0].filename == __file__
    assert loader.pin_memory is True
    np.testing.assert_array_equal(first_column_order(loader), np.arange(4))
    assert len(loader) == 2


def test_loader_positional_order_matches_torch():
    # dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
    # collate_fn, pin_memory, drop_last, as in torch.utils.data.DataLoader.
    loader = DataLoader(numbered(5), 2, False, None, None, 0, None, False, True)
    assert loader.drop_last is True
    assert len(loader) == 2


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"persistent_workers": True}, "persistent_workers=True needs num_workers"),
        ({"prefetch_factor": 2}, "prefetch_factor=2 needs num_workers > 0"),
        ({"prefetch_factor": 0}, "prefetch_factor=0 needs num_workers > 0"),
        ({"multiprocessing_context": "spawn"}, "multiprocessing_context needs"),
        ({"timeout": -1}, "timeout must be non-negative, got timeout=-1."),
        ({"timeout": float("nan")}, "timeout must be non-negative, got timeout=nan"),
        (
            {"num_workers": 2, "prefetch_factor": -1},
            "prefetch_factor must be non-negative, got prefetch_factor=-1",
        ),
    ],
    ids=[
        "persistent",
        "prefetch",
        "prefetch_zero",
        "context",
        "negative_timeout",
        "nan_timeout",
        "negative_prefetch",
    ],
)
def test_loader_rejects_worker_options(arguments, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as info:
            DataLoader(numbered(4), **arguments)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"timeout": "5"}, "timeout must be a number of seconds, got str '5'."),
        ({"timeout": None}, "timeout must be a number of seconds, got NoneType"),
        (
            {"num_workers": 1, "prefetch_factor": 2.5},
            "prefetch_factor must be None or an int, got float 2.5",
        ),
        ({"worker_init_fn": 5}, "worker_init_fn must be None or a function"),
    ],
    ids=["str_timeout", "none_timeout", "float_prefetch", "worker_init_fn"],
)
def test_loader_rejects_worker_option_types(arguments, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TypeError) as info:
            DataLoader(numbered(4), **arguments)
    assert fragment in str(info.value)


# Argument errors ------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "3"])
def test_loader_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(numbered(4), batch_size=batch_size)


@pytest.mark.parametrize("num_workers", [-1, 1.5, True, "2"])
def test_loader_rejects_bad_num_workers(num_workers):
    with pytest.raises(ValueError, match="num_workers must be a non-negative integer"):
        DataLoader(numbered(4), num_workers=num_workers)


class NoLength(Dataset):
    def __getitem__(self, index):
        return index


@pytest.mark.parametrize(
    ("dataset", "arguments", "fragment"),
    [
        (None, {}, "dataset must be a map-style dataset, with __getitem__"),
        (5, {}, "returning one sample, got int 5."),
        (NoLength(), {}, "the dataset, of type NoLength, has no __len__"),
        (numbered(4), {"sampler": 3}, "sampler must be an iterable of indices"),
        (numbered(4), {"batch_sampler": 3}, "batch_sampler must be an iterable"),
        (numbered(4), {"collate_fn": 5}, "collate_fn must be None or a function"),
    ],
    ids=["none", "int", "no_len", "sampler", "batch_sampler", "collate_fn"],
)
def test_loader_rejects_unusable_inputs(dataset, arguments, fragment):
    with pytest.raises(TypeError) as info:
        DataLoader(dataset, **arguments)
    message = str(info.value)
    assert message.startswith("DataLoader: ")
    assert fragment in message


def test_loader_dataset_without_len_takes_sampler():
    loader = DataLoader(NoLength(), batch_size=2, sampler=[3, 1, 2])
    assert [batch.numpy().tolist() for batch in loader] == [[3, 1], [2]]


def test_loader_rejects_numpy_generator():
    with pytest.raises(TypeError, match="DataLoader: generator must be"):
        DataLoader(numbered(4), shuffle=True, generator=np.random.default_rng(0))


def test_loader_rejects_non_bool_drop_last():
    with pytest.raises(ValueError, match="drop_last must be a bool"):
        DataLoader(numbered(4), batch_size=2, drop_last=1)


def test_loader_rejects_sampler_with_shuffle():
    with pytest.raises(ValueError) as info:
        DataLoader(numbered(4), sampler=[0, 1], shuffle=True)
    message = str(info.value)
    assert "sampler and shuffle=True cannot be used together" in message
    assert "Pass shuffle=False" in message


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"batch_size": 4}, "batch_size=4"),
        ({"batch_size": None}, "batch_size=None"),
        ({"shuffle": True}, "shuffle=True"),
        ({"sampler": SequentialSampler(range(4))}, "sampler=SequentialSampler"),
        ({"drop_last": True}, "drop_last=True"),
        ({"batch_size": 2, "drop_last": True}, "batch_size=2, drop_last=True"),
    ],
)
def test_loader_rejects_batch_sampler_conflict(arguments, named):
    with pytest.raises(ValueError) as info:
        DataLoader(numbered(4), batch_sampler=[[0, 1]], **arguments)
    message = str(info.value)
    assert f"batch_sampler cannot be used with {named}, because" in message
    assert "pass sampler and batch_size instead of batch_sampler" in message


def test_loader_rejects_drop_last_without_batching():
    with pytest.raises(ValueError) as info:
        DataLoader(numbered(4), batch_size=None, drop_last=True)
    message = str(info.value)
    assert "drop_last=True needs automatic batching" in message
    assert "Pass a batch_size, or drop_last=False" in message


def test_loader_shuffle_empty_dataset_raises():
    with pytest.raises(ValueError, match="RandomSampler: data_source is empty"):
        DataLoader(numbered(0), shuffle=True)


@pytest.mark.parametrize(
    "name", ["dataset", "batch_size", "drop_last", "sampler", "batch_sampler"]
)
def test_loader_attribute_fixed_after_init(name):
    loader = DataLoader(numbered(4), batch_size=2)
    before = getattr(loader, name)

    with pytest.raises(ValueError, match=f"{name} cannot be changed after"):
        setattr(loader, name, None)

    assert getattr(loader, name) is before


def test_loader_other_attributes_settable():
    loader = DataLoader(numbered(4), batch_size=2)
    loader.collate_fn = len
    assert list(loader) == [2, 2]


# Gathering whole batches from a TensorDataset -------------------------------------


def test_loader_gathers_tensor_dataset_rows(monkeypatch):
    calls = []
    gather = dataloader_module._gather_rows

    def counting_gather(dataset, indices):
        batch = gather(dataset, indices)
        calls.append(batch is not None)
        return batch

    monkeypatch.setattr(dataloader_module, "_gather_rows", counting_gather)
    list(DataLoader(numbered(10), batch_size=4, shuffle=True))

    assert calls == [True, True, True]


def test_loader_respects_overridden_getitem():
    class Shifted(TensorDataset):
        def __getitem__(self, index):
            (value,) = super().__getitem__(index)
            return (value + 100,)

    batches = collect(DataLoader(Shifted(np.arange(4)), batch_size=2))
    assert [b[0].tolist() for b in batches] == [[100, 101], [102, 103]]


def test_loader_gathering_skips_custom_collate():
    loader = DataLoader(numbered(4), batch_size=2, collate_fn=lambda samples: samples)
    batch = next(iter(loader))
    assert isinstance(batch, list)
    assert [sample[0].item() for sample in batch] == [0, 1]


def test_loader_gathering_falls_back_on_nested_indices():
    # Each index is itself a list, so dataset[index] is a batch of rows.
    loader = DataLoader(numbered(4), batch_sampler=[[[0, 1], [3, 2]]])
    (batch,) = collect(loader)
    np.testing.assert_array_equal(batch[0], [[0, 1], [3, 2]])


def test_loader_gathering_falls_back_on_ragged_indices():
    loader = DataLoader(numbered(4), batch_sampler=[[[0, 1], [2]]])
    with pytest.raises(ShapeError, match=r"sample 0 has \(2,\) and sample 1 has"):
        list(loader)


def test_loader_gathering_empty_batch_raises():
    loader = DataLoader(numbered(4), batch_sampler=[[]])
    with pytest.raises(ValueError, match="the batch is empty"):
        list(loader)


DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, bool]
)


@given(
    data=st.data(),
    size=st.integers(1, 12),
    batch_size=st.integers(1, 5),
    drop_last=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_gathered_batches_equal_per_sample(data, size, batch_size, drop_last, seed):
    # Bit-identical batches: the same bytes, dtypes and shapes, NaN included.
    arrays = []
    for _ in range(data.draw(st.integers(1, 3))):
        row_shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
        arrays.append(data.draw(hnp.arrays(data.draw(DTYPES), (size, *row_shape))))

    def batches(dataset):
        loader = DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=True,
            drop_last=drop_last,
            generator=seeded(seed),
        )
        return list(loader)

    gathered = batches(TensorDataset(*arrays))
    per_sample = batches(RowDataset(*arrays))

    assert len(gathered) == len(per_sample)
    for fast, slow in zip(gathered, per_sample, strict=True):
        assert type(fast) is type(slow) is list
        for fast_tensor, slow_tensor in zip(fast, slow, strict=True):
            assert fast_tensor.dtype == slow_tensor.dtype
            assert fast_tensor.shape == slow_tensor.shape
            assert fast_tensor.numpy().tobytes() == slow_tensor.numpy().tobytes()


@given(
    size=st.integers(1, 60),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    per_sample=st.booleans(),
)
def test_loader_pass_covers_rows(size, batch_size, shuffle, drop_last, per_sample):
    make_dataset = RowDataset if per_sample else TensorDataset
    loader = DataLoader(
        make_dataset(np.arange(size)),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=seeded(0),
    )
    batches = collect(loader)
    sizes = [len(batch[0]) for batch in batches]
    rows = np.concatenate([batch[0] for batch in batches]) if batches else []
    expected_rows = size - size % batch_size if drop_last else size

    assert len(sizes) == len(loader)
    assert all(batch_size == s for s in sizes[:-1])
    assert all(0 < s <= batch_size for s in sizes)
    assert len(rows) == expected_rows
    assert len(np.unique(rows)) == len(rows)
    if not shuffle:
        np.testing.assert_array_equal(rows, np.arange(expected_rows))
    if not drop_last:
        np.testing.assert_array_equal(np.sort(rows), np.arange(size))


def test_default_collate_is_module_function():
    # The gathering path is chosen by identity with this function.
    assert DataLoader(numbered(2)).collate_fn is default_collate
