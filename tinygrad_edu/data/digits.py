"""The 8x8 handwritten digits that ship with scikit-learn, split for training.

The data are 1,797 scans of the digits 0 to 9 (the UCI "Optical Recognition
of Handwritten Digits" test set), stored inside the scikit-learn package, so
loading them needs no network. scikit-learn is an optional dependency, which
is imported only when ``load_digits`` runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.data.split import Split

# Each pixel value is the number of set pixels in one 4x4 block of a 32x32
# bitmap, an integer from 0 to 16 (per the dataset's DESCR in scikit-learn).
_MAX_PIXEL = 16.0


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Load scikit-learn's digits and split them into training and test sets.

    The split is stratified: every class puts ``test_fraction`` of its samples,
    rounded to the nearest integer with halves up, into the test set. The same
    seed gives the same split. Train and test are disjoint and together contain
    all samples, each in the order of the original data.

    Args:
        test_fraction: fraction of each class to put in the test set,
            strictly between 0 and 1.
        seed: non-negative integer that fixes which samples go to the test set.

    Returns:
        A ``Split`` of NumPy arrays: ``x_train`` and ``x_test`` are float32 of
        shape ``(N, 64)`` with pixels scaled from 0..16 to [0, 1] (row-major
        8x8 images), and ``y_train`` and ``y_test`` are int64 digit labels of
        shape ``(N,)``.

    Raises:
        ImportError: if scikit-learn is not installed.
        ValueError: if ``test_fraction`` or ``seed`` is out of range.
    """
    _check_split_arguments(test_fraction, seed)
    try:
        from sklearn.datasets import load_digits as _sklearn_load_digits
    except ImportError as error:
        raise ImportError(
            "load_digits reads the digits bundled with scikit-learn, which is "
            'not installed. Run pip install "tinygrad-edu[examples]" or '
            "pip install scikit-learn"
        ) from error

    bunch = _sklearn_load_digits()
    x = (np.asarray(bunch.data) / _MAX_PIXEL).astype(np.float32)
    y = np.asarray(bunch.target).astype(np.int64)

    train_index, test_index = stratified_split_indices(y, test_fraction, seed)
    return Split(x[train_index], y[train_index], x[test_index], y[test_index])


def stratified_split_indices(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Divide sample indices into train and test sets, class by class.

    A class with ``n`` samples sends ``floor(test_fraction * n + 0.5)`` of them,
    chosen at random, to the test set and the rest to the training set.

    Args:
        labels: 1-d array with the class label of each sample.
        test_fraction: fraction of each class to put in the test set,
            strictly between 0 and 1.
        seed: non-negative integer seed of the random choice.

    Returns:
        ``(train_index, test_index)``, two sorted int64 arrays that are
        disjoint and together contain ``0 .. len(labels) - 1``.

    Raises:
        ValueError: if ``labels`` is not 1-d, ``test_fraction`` is not in
            (0, 1), or ``seed`` is not a non-negative integer.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-d array, got shape {labels.shape}")
    _check_split_arguments(test_fraction, seed)
    generator = np.random.default_rng(seed)

    test_parts = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        num_test = int(np.floor(test_fraction * len(members) + 0.5))
        test_parts.append(generator.permutation(members)[:num_test])

    is_test = np.zeros(len(labels), dtype=bool)
    if test_parts:
        is_test[np.concatenate(test_parts)] = True

    train_index = np.flatnonzero(~is_test).astype(np.int64)
    test_index = np.flatnonzero(is_test).astype(np.int64)
    return train_index, test_index


def _check_split_arguments(test_fraction: Any, seed: Any) -> None:
    is_real = isinstance(test_fraction, (int, float, np.integer, np.floating))
    if isinstance(test_fraction, bool) or not is_real or not 0 < test_fraction < 1:
        raise ValueError(
            f"test_fraction must be a number strictly between 0 and 1, "
            f"got {test_fraction!r}"
        )

    is_int = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if not is_int or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
