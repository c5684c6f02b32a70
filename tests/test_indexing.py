"""Tensor indexing: ints, slices, None, ..., integer arrays and boolean masks.

The source tensor holds 0..59, so every value names its own flat position. The
gradient of ``(x[index] * w).sum()`` is then ``w`` added at the positions that
the output values name, which gives an exact reference for any index.
Shapes where PyTorch and NumPy disagree follow PyTorch 2.13 (checked by hand).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, autograd

BASE = np.arange(60, dtype=np.float32).reshape(3, 4, 5)

# (index, expected shape); each index is applied to a fresh Tensor(BASE).
CASES = [
    (0, (4, 5)),
    (-1, (4, 5)),
    ((1, 2), (5,)),
    ((1, 2, 3), ()),
    (slice(1, None), (2, 4, 5)),
    ((slice(None), slice(1, 3)), (3, 2, 5)),
    ((Ellipsis, 1), (3, 4)),
    (None, (1, 3, 4, 5)),
    ((slice(None), None), (3, 1, 4, 5)),
    ((Ellipsis, None), (3, 4, 5, 1)),
    ((None, Ellipsis, None), (1, 3, 4, 5, 1)),
    ((1, Ellipsis, 2), (4,)),
    (slice(None, None, 2), (2, 4, 5)),
    (slice(5, None), (0, 4, 5)),
    (slice(-10, None), (3, 4, 5)),
    ((slice(None), slice(3, 1)), (3, 0, 5)),
    ((), (3, 4, 5)),
    # Negative steps: NumPy semantics (PyTorch rejects them).
    (slice(None, None, -1), (3, 4, 5)),
    ((slice(None), slice(None, None, -2)), (3, 2, 5)),
    ((slice(None, None, -1), 0), (3, 5)),
    # Integer arrays, lists and tensors.
    ([0, 2], (2, 4, 5)),
    ([0, 0, 2], (3, 4, 5)),
    ([-1], (1, 4, 5)),
    ([], (0, 4, 5)),
    (np.array([0, 2]), (2, 4, 5)),
    (Tensor([0, 2]), (2, 4, 5)),
    (Tensor([[0], [2]]), (2, 1, 4, 5)),
    (Tensor(1), (4, 5)),
    (np.int64(1), (4, 5)),
    (range(2), (2, 4, 5)),
    (([0, 2], [1, 3]), (2, 5)),
    (([0, 2], slice(None), [1, 3]), (2, 4)),
    ((slice(None), [0, 2], [1, 3]), (3, 2)),
    (([0, 1], [1, 2], [2, 3]), (2,)),
    (([0, 1], [[1], [2]]), (2, 2, 5)),
    ((None, [0, 1]), (1, 2, 4, 5)),
    (([0, 2], None), (2, 1, 4, 5)),
    ((Ellipsis, [0, 1]), (3, 4, 2)),
    ((slice(1, 3), [0, 1]), (2, 2, 5)),
    (([1, 0], slice(1, 3)), (2, 2, 5)),
    ((slice(None), Tensor([[0, 1], [2, 3]]), 0), (3, 2, 2)),
    # Ints mixed with arrays: the ints apply first, as in PyTorch.
    (([0, 2], 1), (2, 5)),
    ((1, [0, 2]), (2, 5)),
    ((1, slice(None), [0, 2]), (4, 2)),
    (([0, 1], slice(None), 1), (2, 4)),
    ((1, [0, 2], slice(1, 3)), (2, 2)),
    (([0, 2], slice(1, 3), 1), (2, 2)),
    ((Tensor(1), slice(None), [0, 2]), (4, 2)),
    (([0, 2], Ellipsis, [1, 3]), (2, 4)),
    (([0, 2], None, [1, 3]), (2, 1, 5)),
    (([0, 2], slice(1, 3), [1, 3]), (2, 2)),
    # Boolean masks.
    (BASE > 30, (29,)),
    (Tensor([True, False, True]), (2, 4, 5)),
    ([True, False, True], (2, 4, 5)),
    (np.array([True, False, True]), (2, 4, 5)),
    ((slice(None), Tensor([True, False, True, False])), (3, 2, 5)),
    ((Tensor([True, False, True]), 1), (2, 5)),
    ((Tensor([True, False, True]), slice(None), [0, 1]), (2, 4)),
    (Tensor(np.ones((3, 4), dtype=bool)), (12, 5)),
    (Tensor(True), (1, 3, 4, 5)),
    (Tensor(False), (0, 3, 4, 5)),
    (True, (1, 3, 4, 5)),
]

CASE_IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize("index, shape", CASES, ids=CASE_IDS)
def test_index_shape(index, shape):
    assert Tensor(BASE)[index].shape == shape


@pytest.mark.parametrize("index, shape", CASES, ids=CASE_IDS)
def test_index_dtype(index, shape):
    assert Tensor(BASE)[index].dtype == np.float32


@pytest.mark.parametrize("index, shape", CASES, ids=CASE_IDS)
def test_index_gradient(index, shape):
    x = Tensor(BASE.copy(), requires_grad=True)
    out = x[index]
    weights = np.arange(1, out.numel() + 1, dtype=np.float32).reshape(out.shape)
    (out * Tensor(weights)).sum().backward()

    expected = np.zeros(BASE.size, dtype=np.float32)
    np.add.at(expected, out.detach().numpy().astype(np.int64).ravel(), weights.ravel())
    np.testing.assert_array_equal(x.grad.numpy(), expected.reshape(BASE.shape))


@pytest.mark.parametrize(
    "index, reference",
    [
        ((1, slice(None), [0, 2]), lambda a: a[1][:, [0, 2]]),
        (([0, 1], slice(None), 1), lambda a: a[:, :, 1][[0, 1]]),
        ((1, [0, 2], slice(1, 3)), lambda a: a[1][[0, 2], 1:3]),
        (([0, 2], slice(1, 3), [1, 3]), lambda a: a[[0, 2], 1:3, [1, 3]]),
        ((slice(None, None, -1), 0), lambda a: a[::-1, 0]),
        (BASE > 30, lambda a: a[a > 30]),
        ((Tensor([True, False, True]), 1), lambda a: a[[0, 2], 1]),
    ],
)
def test_index_values(index, reference):
    np.testing.assert_array_equal(Tensor(BASE)[index].numpy(), reference(BASE))


def test_index_basic_is_view():
    x = Tensor(BASE.copy())
    view = x[1:, 2]
    x.add_(1)
    assert view[0, 0].item() == BASE[1, 2, 0] + 1


def test_index_advanced_is_copy():
    x = Tensor(BASE.copy())
    picked = x[[0, 1]]
    x.add_(1)
    assert picked[0, 0, 0].item() == 0.0


def test_index_repeated_gradient_adds():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_index_second_order_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (grad,) = autograd.grad((x[[0, 2]] ** 2).sum(), [x], create_graph=True)
    grad.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0]


def test_index_float64_gradient_dtype():
    x = Tensor(BASE.astype(np.float64), requires_grad=True)
    x[1, :, [0, 2]].sum().backward()
    assert x.grad.dtype == np.float64


@pytest.mark.parametrize(
    "index",
    [3, -4, (1, 2, 3, 4), [3], (0, 4), Tensor([True, False]), [[True, False]]],
)
def test_index_out_of_range_raises(index):
    with pytest.raises(IndexError):
        Tensor(BASE)[index]


@pytest.mark.parametrize("index", [1.0, Tensor(1.0), Tensor([1.0]), [0, 1.5], "a"])
def test_index_bad_type_raises(index):
    with pytest.raises(IndexError):
        Tensor(BASE)[index]


def test_index_float_tensor_message():
    with pytest.raises(IndexError, match="long"):
        Tensor(BASE)[Tensor([1.0])]


def test_index_zero_step_raises():
    with pytest.raises(ValueError, match="step"):
        Tensor(BASE)[::0]


def test_index_0d_tensor_raises():
    with pytest.raises(IndexError):
        Tensor(3.0)[0]


@pytest.mark.parametrize("index", [None, Ellipsis, ()])
def test_index_0d_tensor_allowed(index):
    assert Tensor(3.0)[index].numel() == 1


# Random basic indexes compared with NumPy ---------------------------------------

_bound = st.integers(-6, 6) | st.none()
_step = st.sampled_from([None, 1, 2, 3, -1, -2])
_slices = st.builds(slice, _bound, _bound, _step)
_parts = st.one_of(_slices, st.integers(-3, 2), st.none(), st.just(Ellipsis))


def _valid_index(parts):
    return sum(part is Ellipsis for part in parts) <= 1


@settings(deadline=None, max_examples=25)
@given(parts=st.lists(_parts, max_size=4).filter(_valid_index))
def test_index_random_basic_matches_numpy(parts):
    index = tuple(parts)
    try:
        expected = BASE[index]
    except IndexError:
        with pytest.raises(IndexError):
            Tensor(BASE)[index]
        return
    np.testing.assert_array_equal(Tensor(BASE)[index].numpy(), expected)


@settings(deadline=None, max_examples=25)
@given(parts=st.lists(_parts, max_size=4).filter(_valid_index))
def test_index_random_basic_gradient(parts):
    index = tuple(parts)
    try:
        BASE[index]
    except IndexError:
        return
    x = Tensor(BASE.copy(), requires_grad=True)
    out = x[index]
    out.sum().backward()
    expected = np.zeros(BASE.size, dtype=np.float32)
    np.add.at(expected, out.detach().numpy().astype(np.int64).ravel(), 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected.reshape(BASE.shape))


@settings(deadline=None, max_examples=25)
@given(
    rows=st.lists(st.integers(-3, 2), min_size=1, max_size=4),
    cols=st.lists(st.integers(-5, 4), min_size=1, max_size=4),
    layer=st.integers(-4, 3),
)
def test_index_random_int_array_mix(rows, cols, layer):
    size = min(len(rows), len(cols))
    rows, cols = rows[:size], cols[:size]
    out = Tensor(BASE)[rows, layer, cols]
    np.testing.assert_array_equal(out.numpy(), BASE[rows, layer, cols])
