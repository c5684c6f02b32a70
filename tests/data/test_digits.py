import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.data import Split, load_digits
from tinygrad_edu.data.digits import stratified_split_indices

NUM_DIGITS = 1797


@pytest.fixture(scope="module")
def split():
    pytest.importorskip("sklearn")
    return load_digits()


@pytest.fixture(scope="module")
def reference():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_digits()
    return bunch.data / 16.0, bunch.target


def sorted_rows(x, y):
    """Return the samples as rows of [pixels..., label], sorted lexicographically."""
    table = np.column_stack([x.astype(np.float64), y])
    return table[np.lexsort(table.T[::-1])]


def test_digits_returns_split(split):
    assert isinstance(split, Split)


def test_digits_shapes(split):
    assert split.x_train.shape[1] == 64
    assert split.x_test.shape[1] == 64
    assert split.y_train.shape == (len(split.x_train),)
    assert split.y_test.shape == (len(split.x_test),)


def test_digits_dtypes(split):
    assert split.x_train.dtype == np.float32
    assert split.x_test.dtype == np.float32
    assert split.y_train.dtype == np.int64
    assert split.y_test.dtype == np.int64


def test_digits_pixels_scaled(split):
    pixels = np.concatenate([split.x_train, split.x_test])
    assert pixels.min() == 0.0
    assert pixels.max() == 1.0
    assert np.all(pixels * 16 == np.round(pixels * 16))


def test_digits_covers_all_samples(split, reference):
    assert len(split.x_train) + len(split.x_test) == NUM_DIGITS

    x = np.concatenate([split.x_train, split.x_test])
    y = np.concatenate([split.y_train, split.y_test])
    np.testing.assert_array_equal(sorted_rows(x, y), sorted_rows(*reference))


def test_digits_stratified(split, reference):
    _, labels = reference
    for digit in range(10):
        count = np.sum(labels == digit)
        expected_test = int(np.floor(0.2 * count + 0.5))
        assert np.sum(split.y_test == digit) == expected_test
        assert np.sum(split.y_train == digit) == count - expected_test


def test_digits_same_seed_same_split(split):
    again = load_digits(seed=0)
    np.testing.assert_array_equal(again.x_test, split.x_test)
    np.testing.assert_array_equal(again.y_train, split.y_train)


def test_digits_other_seed_other_split(split):
    other = load_digits(seed=1)
    assert not np.array_equal(other.x_test, split.x_test)


def test_digits_test_fraction():
    pytest.importorskip("sklearn")
    half = load_digits(test_fraction=0.5)
    assert abs(len(half.y_test) - NUM_DIGITS / 2) <= 5


@pytest.mark.parametrize("test_fraction", [0, 1, -0.1, 1.5, True, "0.2", None])
def test_digits_rejects_bad_fraction(test_fraction):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        load_digits(test_fraction=test_fraction)


@pytest.mark.parametrize("seed", [-1, 0.5, None, "1"])
def test_digits_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        load_digits(seed=seed)


def test_digits_without_sklearn(monkeypatch):
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "tinygrad-edu\[examples\]"'):
        load_digits()


def test_stratified_indices_small_classes():
    labels = np.array([0, 0, 0, 0, 0, 1, 2, 2])
    train_index, test_index = stratified_split_indices(labels, 0.4, seed=3)

    assert np.sum(labels[test_index] == 0) == 2
    assert np.sum(labels[test_index] == 1) == 0
    assert np.sum(labels[test_index] == 2) == 1
    assert len(train_index) == 5


def test_stratified_indices_rejects_2d_labels():
    with pytest.raises(ValueError, match="1-d array"):
        stratified_split_indices(np.zeros((3, 2)), 0.5, seed=0)


def test_stratified_indices_empty_labels():
    train_index, test_index = stratified_split_indices(np.array([], int), 0.5, 0)
    assert len(train_index) == 0
    assert len(test_index) == 0


@settings(deadline=None, max_examples=100)
@given(
    labels=st.lists(st.integers(0, 4), min_size=1, max_size=80),
    test_fraction=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32),
)
def test_stratified_indices_partition(labels, test_fraction, seed):
    labels = np.array(labels)
    train_index, test_index = stratified_split_indices(labels, test_fraction, seed)
    both = np.concatenate([train_index, test_index])

    assert train_index.dtype == np.int64
    assert test_index.dtype == np.int64
    assert np.all(np.diff(train_index) > 0)
    assert np.all(np.diff(test_index) > 0)
    np.testing.assert_array_equal(np.sort(both), np.arange(len(labels)))

    for label in np.unique(labels):
        count = np.sum(labels == label)
        num_test = np.sum(labels[test_index] == label)
        assert abs(num_test - test_fraction * count) <= 0.5


@settings(deadline=None, max_examples=30)
@given(labels=st.lists(st.integers(0, 3), min_size=1, max_size=50))
def test_stratified_indices_deterministic(labels):
    first = stratified_split_indices(np.array(labels), 0.3, seed=11)
    second = stratified_split_indices(np.array(labels), 0.3, seed=11)
    np.testing.assert_array_equal(first[1], second[1])
