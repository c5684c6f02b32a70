import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.data import BatchLoader, Split
from tinygrad_edu.random import manual_seed
from tinygrad_edu.tensor import Tensor


def collect(loader):
    """Return one pass over the loader as lists of NumPy arrays."""
    return [[t.detach().numpy() for t in batch] for batch in loader]


def first_column_order(loader):
    """Return the row order of one pass, read from a loader over arange."""
    return np.concatenate([batch[0] for batch in collect(loader)])


def test_loader_len_keeps_partial_batch():
    loader = BatchLoader(np.zeros((10, 2)), batch_size=3)
    assert len(loader) == 4


def test_loader_len_drop_last():
    loader = BatchLoader(np.zeros((10, 2)), batch_size=3, drop_last=True)
    assert len(loader) == 3


def test_loader_len_drop_last_smaller_than_batch():
    loader = BatchLoader(np.zeros(2), batch_size=3, drop_last=True)
    assert len(loader) == 0
    assert collect(loader) == []


def test_loader_batches_in_order():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    batches = collect(BatchLoader(x, batch_size=4))

    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)


def test_loader_drop_last_skips_partial():
    x = np.arange(10)
    batches = collect(BatchLoader(x, batch_size=4, drop_last=True))

    assert [len(b[0]) for b in batches] == [4, 4]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x[:8])


def test_loader_yields_tensor_tuples():
    loader = BatchLoader(np.zeros((4, 3)), np.zeros(4), batch_size=2)
    batch = next(iter(loader))

    assert isinstance(batch, tuple)
    assert len(batch) == 2
    assert all(isinstance(t, Tensor) for t in batch)
    assert not any(t.requires_grad for t in batch)


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]
)
def test_loader_keeps_dtype(dtype):
    x = np.ones((5, 2), dtype=dtype)
    for (batch,) in BatchLoader(x, batch_size=2, shuffle=True, seed=0):
        assert batch.dtype == np.dtype(dtype)


def test_loader_batches_are_copies():
    x = np.zeros((4, 2))
    (batch,) = next(iter(BatchLoader(x, batch_size=2)))
    batch.detach().numpy()[...] = 7.0

    assert np.all(x == 0.0)


def test_loader_accepts_tensors():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(3, 2), requires_grad=True)
    y = Tensor(np.array([0, 1, 2]))
    batches = collect(BatchLoader(x, y, batch_size=2))

    np.testing.assert_array_equal(batches[0][0], [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(batches[1][1], [2])


def test_loader_accepts_split_arrays():
    split = Split(np.zeros((3, 2)), np.zeros(3), np.zeros((1, 2)), np.zeros(1))
    loader = BatchLoader(split.x_train, split.y_train, batch_size=2)
    assert len(loader) == 2


def test_loader_shuffle_keeps_rows_paired():
    x = np.arange(30)
    y = x * 10
    for xb, yb in collect(BatchLoader(x, y, batch_size=7, shuffle=True, seed=1)):
        np.testing.assert_array_equal(yb, xb * 10)


def test_loader_shuffle_is_permutation():
    order = first_column_order(BatchLoader(np.arange(50), batch_size=8, shuffle=True))
    np.testing.assert_array_equal(np.sort(order), np.arange(50))


def test_loader_shuffle_changes_order():
    order = first_column_order(BatchLoader(np.arange(50), batch_size=8, shuffle=True))
    assert not np.array_equal(order, np.arange(50))


def test_loader_shuffle_new_order_each_epoch():
    loader = BatchLoader(np.arange(50), batch_size=8, shuffle=True, seed=0)
    first = first_column_order(loader)
    second = first_column_order(loader)
    assert not np.array_equal(first, second)


def test_loader_seed_reproduces_epochs():
    x = np.arange(40)
    loader_a = BatchLoader(x, batch_size=6, shuffle=True, seed=123)
    loader_b = BatchLoader(x, batch_size=6, shuffle=True, seed=123)
    for _ in range(3):
        np.testing.assert_array_equal(
            first_column_order(loader_a), first_column_order(loader_b)
        )


def test_loader_seed_ignores_shared_generator():
    x = np.arange(40)
    manual_seed(0)
    expected = first_column_order(BatchLoader(x, batch_size=6, shuffle=True, seed=5))
    manual_seed(99)
    actual = first_column_order(BatchLoader(x, batch_size=6, shuffle=True, seed=5))
    np.testing.assert_array_equal(actual, expected)


def test_loader_manual_seed_controls_order():
    loader = BatchLoader(np.arange(40), batch_size=6, shuffle=True)
    manual_seed(7)
    first = first_column_order(loader)
    manual_seed(7)
    second = first_column_order(loader)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "3", None])
def test_loader_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        BatchLoader(np.zeros(4), batch_size=batch_size)


def test_loader_accepts_numpy_int_batch_size():
    loader = BatchLoader(np.zeros(4), batch_size=np.int64(3))
    assert len(loader) == 2


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_loader_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be None or a non-negative"):
        BatchLoader(np.zeros(4), shuffle=True, seed=seed)


def test_loader_rejects_no_arrays():
    with pytest.raises(ValueError, match="at least one array"):
        BatchLoader(batch_size=2)


def test_loader_rejects_empty_arrays():
    with pytest.raises(ValueError, match="at least one sample"):
        BatchLoader(np.zeros((0, 3)), np.zeros(0))


def test_loader_rejects_length_mismatch():
    with pytest.raises(ValueError, match=r"got lengths \[3, 4, 3\]"):
        BatchLoader(np.zeros(3), np.zeros((4, 2)), np.zeros(3))


def test_loader_rejects_0d_array():
    with pytest.raises(ValueError, match="0-d array at position 1"):
        BatchLoader(np.zeros(3), np.array(1.0))


def test_loader_rejects_list():
    with pytest.raises(TypeError, match="got list at position 0"):
        BatchLoader([1, 2, 3])


def test_loader_repr_names_settings():
    loader = BatchLoader(np.zeros(5), np.zeros(5), batch_size=2, shuffle=True)
    text = repr(loader)
    assert "num_samples=5" in text
    assert "batch_size=2" in text
    assert "shuffle=True" in text


@settings(deadline=None, max_examples=60)
@given(
    num_samples=st.integers(1, 60),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
)
def test_loader_pass_covers_rows(num_samples, batch_size, shuffle, drop_last):
    loader = BatchLoader(
        np.arange(num_samples),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=0,
        drop_last=drop_last,
    )
    sizes = [len(batch[0]) for batch in collect(loader)]
    rows = first_column_order(loader) if sizes else np.array([], dtype=int)
    expected_rows = num_samples - num_samples % batch_size if drop_last else num_samples

    assert len(sizes) == len(loader)
    assert all(size == batch_size for size in sizes[:-1])
    assert all(0 < size <= batch_size for size in sizes)
    assert len(rows) == expected_rows
    assert len(np.unique(rows)) == len(rows)
