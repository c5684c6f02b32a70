import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.data import (
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    random_split,
)
from tinygrad_edu.tensor import Tensor


class Squares(Dataset):
    """Sample i is i * i. It records every call of __getitems__."""

    def __init__(self, size: int, batched: bool = False):
        self.size = size
        self.batched_calls: list[list[int]] = []
        if batched:
            self.__getitems__ = self._getitems

    def __getitem__(self, index):
        if not -self.size <= index < self.size:
            raise IndexError(index)
        return index % self.size * (index % self.size)

    def __len__(self):
        return self.size

    def _getitems(self, indices):
        self.batched_calls.append(list(indices))
        return [self[i] for i in indices]


# Dataset --------------------------------------------------------------------------


def test_dataset_getitem_not_implemented():
    class NoItems(Dataset):
        pass

    with pytest.raises(NotImplementedError, match="NoItems must implement"):
        NoItems()[0]


def test_dataset_has_no_len():
    with pytest.raises(TypeError):
        len(Dataset())


def test_dataset_add_gives_concat():
    first, second = Squares(2), Squares(3)
    joined = first + second

    assert isinstance(joined, ConcatDataset)
    assert joined.datasets == [first, second]
    assert [joined[i] for i in range(len(joined))] == [0, 1, 0, 1, 4]


# TensorDataset --------------------------------------------------------------------


def test_tensor_dataset_item_is_row_tuple():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.array([5, 6, 7, 8])
    dataset = TensorDataset(x, y)

    features, label = dataset[2]

    assert len(dataset) == 4
    assert isinstance(dataset[2], tuple)
    assert isinstance(features, Tensor)
    np.testing.assert_array_equal(features.numpy(), x[2])
    assert features.dtype == np.float32
    assert label.shape == ()
    assert label.dtype == np.int64
    assert label.item() == 7


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, bool]
)
def test_tensor_dataset_keeps_dtype(dtype):
    x = np.ones((3, 2), dtype=dtype)
    (row,) = TensorDataset(x)[1]
    assert row.dtype == np.dtype(dtype)


def test_tensor_dataset_accepts_tensors():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(3, 2), requires_grad=True)
    dataset = TensorDataset(x, np.array([0, 1, 2]))

    features, _ = dataset[1]

    assert all(isinstance(t, Tensor) for t in dataset.tensors)
    assert len(dataset.tensors) == 2
    assert not dataset.tensors[0].requires_grad
    assert not features.requires_grad
    np.testing.assert_array_equal(features.numpy(), [2.0, 3.0])


def test_tensor_dataset_item_is_copy():
    x = np.zeros((3, 2))
    dataset = TensorDataset(x)

    (row,) = dataset[0]
    row.numpy()[...] = 7.0

    assert np.all(x == 0.0)
    assert np.all(dataset[0][0].numpy() == 0.0)


def test_tensor_dataset_shares_input_array():
    # Stored without a copy, like torch.from_numpy: a later write shows.
    x = np.zeros(3)
    dataset = TensorDataset(x)
    x[1] = 4.0
    assert dataset[1][0].item() == 4.0


@pytest.mark.parametrize(
    ("index", "expected"),
    [(-1, [9]), (slice(1, 3), [3, 6]), ([0, 2], [0, 6]), (np.array([3, 1]), [9, 3])],
    ids=["negative", "slice", "list", "array"],
)
def test_tensor_dataset_numpy_indexing(index, expected):
    dataset = TensorDataset(np.arange(4) * 3)
    (values,) = dataset[index]
    np.testing.assert_array_equal(values.numpy(), expected)


def test_tensor_dataset_tensor_index():
    dataset = TensorDataset(np.arange(4) * 3)
    assert dataset[Tensor(np.array(2))][0].item() == 6


@pytest.mark.parametrize(
    "index",
    [
        np.int64(2),
        np.int32(-2),
        Tensor(np.array(2)),
        np.array(-2),
        Tensor(np.array(-2)),
    ],
    ids=["numpy_int", "negative_numpy_int", "tensor", "0d_array", "negative_tensor"],
)
def test_tensor_dataset_integer_index_types(index):
    (value,) = TensorDataset(np.arange(4) * 3)[index]
    assert value.shape == ()
    assert value.item() == 6


@pytest.mark.parametrize(
    ("index", "error", "fragment"),
    [
        (4, IndexError, "index 4 is out of range for a dataset of length 4"),
        (-5, IndexError, "index -5 is out of range for a dataset of length 4"),
        ("a", TypeError, "cannot index with the str 'a'."),
        (2.0, IndexError, "of length 4 with the float 2.0 (NumPy: only integers"),
        (Tensor(np.array(1.0)), IndexError, "with a Tensor of dtype float64"),
        ([0, 9], IndexError, "with the list [0, 9] (NumPy: index 9 is out"),
    ],
    ids=["too_large", "too_negative", "str", "float", "float_tensor", "list"],
)
def test_tensor_dataset_rejects_bad_index(index, error, fragment):
    with pytest.raises(error) as info:
        TensorDataset(np.arange(4))[index]
    message = str(info.value)
    assert message.startswith("TensorDataset: ")
    assert fragment in message


def test_tensor_dataset_allows_zero_rows():
    dataset = TensorDataset(np.zeros((0, 3)), np.zeros(0))
    assert len(dataset) == 0


def test_tensor_dataset_repr_lists_shapes():
    dataset = TensorDataset(np.zeros((4, 2)), np.zeros(4))
    assert repr(dataset) == "TensorDataset(shapes=[(4, 2), (4,)])"


def test_tensor_dataset_rejects_no_arrays():
    with pytest.raises(ValueError, match="at least one Tensor or array"):
        TensorDataset()


def test_tensor_dataset_rejects_size_mismatch():
    with pytest.raises(ValueError, match=r"got sizes \[3, 4, 3\]"):
        TensorDataset(np.zeros(3), np.zeros((4, 2)), np.zeros(3))


def test_tensor_dataset_rejects_0d_array():
    with pytest.raises(ValueError, match="0-d array at position 1"):
        TensorDataset(np.zeros(3), np.array(1.0))


def test_tensor_dataset_rejects_list():
    with pytest.raises(TypeError, match="got list at position 0"):
        TensorDataset([1, 2, 3])


@pytest.mark.parametrize("values", [np.array(["a", "b"]), np.array([None, 1])])
def test_tensor_dataset_rejects_non_numeric(values):
    with pytest.raises(TypeError, match=f"position 1 has dtype {values.dtype}"):
        TensorDataset(np.zeros(2), values)


# Subset ---------------------------------------------------------------------------


def test_subset_maps_indices():
    subset = Subset(Squares(10), [7, 2, 5])

    assert len(subset) == 3
    assert [subset[i] for i in range(3)] == [49, 4, 25]
    assert subset[-1] == 25
    assert subset.indices == [7, 2, 5]


def test_subset_list_index():
    subset = Subset(TensorDataset(np.arange(10) * 10), [7, 2, 5])
    (values,) = subset[[2, 0]]
    np.testing.assert_array_equal(values.numpy(), [50, 70])


@pytest.mark.parametrize(
    ("index", "expected"),
    [(np.int64(1), 4), (Tensor(np.array(2)), 25), (-3, 49), (slice(0, 2), [49, 4])],
    ids=["numpy_int", "tensor", "negative", "slice"],
)
def test_subset_index_types(index, expected):
    subset = Subset(TensorDataset(np.arange(10) ** 2), [7, 2, 5])
    (values,) = subset[index]
    np.testing.assert_array_equal(values.numpy(), expected)


@pytest.mark.parametrize(
    ("index", "error", "fragment"),
    [
        (3, IndexError, "Subset: index 3 is out of range for a dataset of length 3"),
        (-4, IndexError, "Subset: index -4 is out of range"),
        ([0, 5], IndexError, "Subset: index 5 is out of range"),
        ("a", TypeError, "Subset: cannot select from its indices with the str 'a'"),
        (1.0, TypeError, "Subset: cannot select from its indices with the float"),
    ],
    ids=["too_large", "too_negative", "list", "str", "float"],
)
def test_subset_rejects_bad_index(index, error, fragment):
    subset = Subset(Squares(10), [4, 0, 2])
    with pytest.raises(error) as info:
        subset[index]
    assert fragment in str(info.value)


def test_subset_getitems_uses_parent_getitems():
    parent = Squares(10, batched=True)
    subset = Subset(parent, [7, 2, 5])

    assert subset.__getitems__([2, 0]) == [25, 49]
    assert parent.batched_calls == [[5, 7]]


def test_subset_getitems_without_parent_getitems():
    assert Subset(Squares(10), [7, 2, 5]).__getitems__([1, 1]) == [4, 4]


def test_subset_subclass_getitem_not_bypassed():
    class Negated(Subset):
        def __getitem__(self, index):
            return -super().__getitem__(index)

    parent = Squares(10, batched=True)
    assert Negated(parent, [3, 4]).__getitems__([0, 1]) == [-9, -16]
    assert parent.batched_calls == []


# ConcatDataset --------------------------------------------------------------------


def test_concat_cumulative_sizes():
    joined = ConcatDataset([Squares(2), Squares(0), Squares(3)])

    assert joined.cumulative_sizes == [2, 2, 5]
    assert len(joined) == 5
    assert [joined[i] for i in range(5)] == [0, 1, 0, 1, 4]


def test_concat_accepts_generator_of_datasets():
    joined = ConcatDataset(Squares(n) for n in (1, 2))
    assert len(joined.datasets) == 2


@pytest.mark.parametrize(("index", "expected"), [(-1, 4), (-5, 0), (-3, 0)])
def test_concat_negative_index(index, expected):
    joined = ConcatDataset([Squares(2), Squares(3)])
    assert joined[index] == expected


@pytest.mark.parametrize("index", [5, 6, -6])
def test_concat_index_out_of_range(index):
    joined = ConcatDataset([Squares(2), Squares(3)])
    with pytest.raises(IndexError, match=f"index {index} is out of range"):
        joined[index]


@pytest.mark.parametrize(
    ("index", "fragment"),
    [
        (1.0, "got the float 1.0."),
        (slice(0, 2), "got the slice slice(0, 2, None)."),
        (True, "got the bool True."),
        (Tensor(np.array(1.0)), "got a Tensor of dtype float64 and shape ()."),
    ],
    ids=["float", "slice", "bool", "float_tensor"],
)
def test_concat_rejects_non_integer_index(index, fragment):
    with pytest.raises(TypeError) as info:
        ConcatDataset([Squares(2)])[index]
    message = str(info.value)
    assert message.startswith("ConcatDataset: indices must be integers")
    assert fragment in message


@pytest.mark.parametrize(
    "index", [np.int64(3), Tensor(np.array(3)), np.array(-2)], ids=str
)
def test_concat_integer_index_types(index):
    assert ConcatDataset([Squares(2), Squares(3)])[index] == 1


def test_concat_rejects_dataset_without_len():
    with pytest.raises(TypeError, match="position 1, of type object, has no __len__"):
        ConcatDataset([Squares(2), object()])


def test_concat_rejects_no_datasets():
    with pytest.raises(ValueError, match="at least one dataset"):
        ConcatDataset([])


@given(sizes=st.lists(st.integers(0, 6), min_size=1, max_size=5))
def test_concat_matches_numpy_concatenate(sizes):
    arrays = [np.arange(size) + 100 * position for position, size in enumerate(sizes)]
    joined = ConcatDataset([TensorDataset(array) for array in arrays])
    expected = np.concatenate(arrays)

    assert len(joined) == len(expected)
    assert joined.cumulative_sizes == np.cumsum(sizes).tolist()
    for index in range(-len(expected), len(expected)):
        assert joined[index][0].item() == expected[index]


# random_split ---------------------------------------------------------------------


def split_lengths(size, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = random_split(TensorDataset(np.arange(size)), lengths)
    return [len(part) for part in parts]


# Expected lengths worked out by hand from the rule: floor(size * fraction),
# then the leftover samples go one each to splits 0, 1, 2, ...
@pytest.mark.parametrize(
    ("size", "lengths", "expected"),
    [
        (10, [3, 7], [3, 7]),
        (10, [0.3, 0.3, 0.4], [3, 3, 4]),
        (5, [0.1, 0.9], [1, 4]),
        (7, [0.5, 0.5], [4, 3]),
        (11, [0.25] * 4, [3, 3, 3, 2]),
        (3, [0.1, 0.1, 0.8], [1, 0, 2]),
        (10, [0.1] * 10, [1] * 10),
        (4, [0.1] * 10, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]),
        (10, [0.2, 0.2, 0.2, 0.2, 0.19999999999], [3, 2, 2, 2, 1]),
        (10, [0, 1], [0, 10]),
        (1, [1], [1]),
        (0, [], []),
    ],
)
def test_random_split_lengths(size, lengths, expected):
    assert split_lengths(size, lengths) == expected


@pytest.mark.parametrize(
    ("size", "lengths", "empty"),
    [(3, [0.1, 0.1, 0.8], [1]), (10, [0, 1], [0]), (4, [0.125] * 8, [4, 5, 6, 7])],
)
def test_random_split_warns_for_empty_fraction_split(size, lengths, empty):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        random_split(TensorDataset(np.arange(size)), lengths)

    messages = [str(warning.message) for warning in caught]
    assert all(warning.category is UserWarning for warning in caught)
    assert messages == [
        f"random_split: the split at index {i} has length 0, so its Subset is empty"
        for i in empty
    ]
    assert all(warning.filename == __file__ for warning in caught)


def test_random_split_integer_zero_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parts = random_split(TensorDataset(np.arange(5)), [0, 5])
    assert [len(part) for part in parts] == [0, 5]


def test_random_split_uses_one_permutation():
    dataset = TensorDataset(np.arange(10))
    parts = random_split(dataset, [3, 0, 7], generator=tg.Generator().manual_seed(4))
    expected = np.random.default_rng(4).permutation(10).tolist()

    assert [part.indices for part in parts] == [expected[:3], [], expected[3:]]
    assert all(part.dataset is dataset for part in parts)
    assert all(type(i) is int for i in parts[0].indices)


def test_random_split_default_uses_shared_generator():
    tg.manual_seed(8)
    parts = random_split(TensorDataset(np.arange(6)), [0.5, 0.5])
    expected = np.random.default_rng(8).permutation(6).tolist()

    assert parts[0].indices + parts[1].indices == expected


def test_random_split_generator_ignores_shared():
    tg.manual_seed(1)
    first = random_split(range(8), [4, 4], generator=tg.Generator().manual_seed(2))
    tg.manual_seed(2)
    second = random_split(range(8), [4, 4], generator=tg.Generator().manual_seed(2))

    assert first[0].indices == second[0].indices


@pytest.mark.parametrize(
    ("lengths", "error", "fragment"),
    [
        ([3, 8], ValueError, "the lengths [3, 8] sum to 11, but the dataset has 10"),
        ([0.5, 0.6], ValueError, "sum to 1.1, but the dataset has 10"),
        ([-0.5, 1.5], ValueError, "the fraction at index 0 is -0.5, outside [0, 1]"),
        ([-1, 11], ValueError, "lengths[0] is -1, but a length must not be negative"),
        ([2.5, 7.5], TypeError, "lengths[0] is the float 2.5"),
        ([True, 9], TypeError, "lengths[0] is True of type bool"),
        (["5", 5], TypeError, "lengths[0] is '5' of type str"),
    ],
)
def test_random_split_rejects_bad_lengths(lengths, error, fragment):
    with pytest.raises(error) as info:
        random_split(TensorDataset(np.arange(10)), lengths)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("lengths", "fragment"), [(5, "got the int 5."), ("ab", "got the str 'ab'.")]
)
def test_random_split_rejects_non_sequence_lengths(lengths, fragment):
    with pytest.raises(TypeError) as info:
        random_split(TensorDataset(np.arange(10)), lengths)
    message = str(info.value)
    assert message.startswith("random_split: lengths must be a sequence")
    assert fragment in message


def test_random_split_rejects_dataset_without_len():
    with pytest.raises(TypeError, match="random_split: the dataset, of type object"):
        random_split(object(), [1])


def test_random_split_rejects_numpy_generator():
    with pytest.raises(TypeError, match="random_split: generator must be"):
        random_split(range(4), [2, 2], generator=np.random.default_rng(0))


@given(
    size=st.integers(0, 50),
    weights=st.lists(st.integers(1, 20), min_size=1, max_size=6),
    seed=st.integers(0, 2**32),
)
def test_random_split_fractions_partition(size, weights, seed):
    fractions = [weight / sum(weights) for weight in weights]
    # Rounding can push the sum just above 1, and then they are not fractions.
    assume(math.isclose(sum(fractions), 1) and sum(fractions) <= 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = random_split(
            range(size), fractions, generator=tg.Generator().manual_seed(seed)
        )

    lengths = [len(part) for part in parts]
    floors = [math.floor(size * fraction) for fraction in fractions]
    all_indices = [i for part in parts for i in part.indices]

    assert sum(lengths) == size
    assert all(
        0 <= length - floor <= 1 for length, floor in zip(lengths, floors, strict=True)
    )
    assert all_indices == np.random.default_rng(seed).permutation(size).tolist()
