"""Behaviour of the public Tensor API, which follows PyTorch's rules.

The expected values are written out by hand or computed with NumPy. Each rule
was confirmed by running PyTorch 2.13 separately; the tests do not import it.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor, autograd
from tinygrad_edu.errors import DTypeError, ShapeError

# Broadcasting errors ----------------------------------------------------------

BINARY_OPS = {
    "add": (lambda a, b: a + b, "add (+)"),
    "sub": (lambda a, b: a - b, "sub (-)"),
    "mul": (lambda a, b: a * b, "mul (*)"),
    "div": (lambda a, b: a / b, "div (/)"),
    "pow": (lambda a, b: a**b, "pow (**)"),
    "lt": (lambda a, b: a < b, "lt (<)"),
    "eq": (lambda a, b: a == b, "eq (==)"),
    "maximum": (tg.maximum, "maximum"),
    "minimum": (tg.minimum, "minimum"),
}


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_broadcast_failure_raises_shape_error(name):
    op, label = BINARY_OPS[name]
    with pytest.raises(ShapeError) as info:
        op(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))
    assert label in str(info.value)
    assert "(2,) and (3,)" in str(info.value)


@pytest.mark.parametrize("name", ["add", "mul", "lt"])
def test_broadcast_failure_with_array_on_left(name):
    op, _ = BINARY_OPS[name]
    with pytest.raises(ShapeError) as info:
        op(np.ones(3), Tensor([1.0, 2.0]))
    assert "(3,)" in str(info.value)
    assert "(2,)" in str(info.value)


def test_broadcast_failure_where():
    with pytest.raises(ShapeError, match="where"):
        tg.where(Tensor([True, False]), Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))


def test_broadcast_failure_where_condition():
    with pytest.raises(ShapeError, match=r"\(3,\) and \(2,\) and \(\)"):
        tg.where(Tensor([True, False, True]), Tensor([1.0, 2.0]), 0.0)


def test_broadcast_failure_matmul_batch():
    x, y = Tensor(np.ones((2, 1, 3))), Tensor(np.ones((3, 3, 4)))
    with pytest.raises(ShapeError, match="batch"):
        x @ y


def test_broadcast_matmul_batch_shape():
    out = Tensor(np.ones((2, 1, 1, 3))) @ Tensor(np.ones((3, 3, 4)))
    assert out.shape == (2, 3, 1, 4)


# Type promotion ---------------------------------------------------------------

F32, F64, I32, I64, BOOL = np.float32, np.float64, np.int32, np.int64, np.bool_


def _t(values, dtype):
    return Tensor(np.array(values, dtype=dtype))


PROMOTION = [
    # (left, right, expected dtype of left + right)
    (_t([1.0], F32), 2.5, F32),
    (2.5, _t([1.0], F32), F32),
    (_t([1.0], F64), 2.5, F64),
    (_t([1], I64), 2.5, F32),
    (_t([1], I64), 2, I64),
    (_t([1], I32), 2, I32),
    (_t([1], I32), _t([1], I64), I64),
    (_t([1], I64), _t([1.0], F32), F32),
    (_t([1.0], F32), _t([1.0], F64), F64),
    (_t([True], BOOL), 1, I64),
    (_t([True], BOOL), True, BOOL),
    (_t([True], BOOL), 1.5, F32),
    (_t([1.0], np.float16), 2.5, np.float16),
    (_t([1.0], np.float16), _t([1], I64), np.float16),
    # A 0-d tensor does not widen a dimensioned tensor of the same category.
    (_t([1.0], F32), _t(1.0, F64), F32),
    (_t(1.0, F64), _t([1.0], F32), F32),
    (_t([1], I32), _t(1, I64), I32),
    (_t([1], I64), _t(1.0, F64), F64),
    (_t(1, I32), _t(1.0, F32), F32),
    (_t(1.0, F32), _t(1.0, F64), F64),
    # NumPy scalars count as Python numbers; NumPy arrays as tensors.
    (_t([1.0], F32), np.float64(2.0), F32),
    (np.float64(2.0), _t([1.0], F32), F32),
    (_t([1], I32), np.int64(1), I32),
    (_t([1], I64), np.float64(2.0), F32),
    (_t([1.0], F32), np.array([2.0]), F64),
    (np.array([2.0]), _t([1.0], F32), F64),
    (np.array([1, 2]), _t([1.0, 2.0], F32), F32),
]


@pytest.mark.parametrize("left, right, expected", PROMOTION)
def test_promotion_add(left, right, expected):
    assert (left + right).dtype == expected


@pytest.mark.parametrize("left, right, expected", PROMOTION)
def test_promotion_mul(left, right, expected):
    assert (left * right).dtype == expected


def test_promotion_numpy_scalar_keeps_float32_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * np.sqrt(2.0)).sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "left, right",
    [(_t([1, 2], I64), 2), (_t([1, 2], I32), _t([2, 2], I32)), (1, _t([1, 2], I64))],
)
def test_promotion_int_true_division_is_float32(left, right):
    assert (left / right).dtype == np.float32


def test_promotion_int_division_values():
    np.testing.assert_array_equal((Tensor([1, 2]) / 2).numpy(), [0.5, 1.0])


def test_promotion_float16_division_stays():
    assert (_t([1.0], np.float16) / 2).dtype == np.float16


def test_promotion_bool_plus_int_values():
    assert (Tensor([True, False]) + 1).tolist() == [2, 1]


def test_promotion_int_pow_float():
    assert (Tensor([2, 3]) ** 0.5).dtype == np.float32


def test_promotion_int_pow_int():
    assert (Tensor([2, 3]) ** 2).tolist() == [4, 9]


def test_promotion_rpow_float_base_int_exponent():
    assert (2.0 ** Tensor([1, 2])).dtype == np.float32


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: tg.maximum(_t([1], I64), _t([1.5], F32)), F32),
        (lambda: tg.maximum(_t([1.0], F32), _t(2.0, F64)), F32),
        (lambda: tg.where(Tensor([True]), _t([1], I64), 1.5), F32),
        (lambda: tg.where(Tensor([True]), 1, 2), I64),
        (lambda: tg.where(Tensor([True]), _t([1.0], F32), _t(2.0, F64)), F32),
        (lambda: tg.cat([_t([1], I64), _t([1.0], F32)]), F32),
        (lambda: tg.cat([_t([1.0], F32), _t([1.0], F64)]), F64),
        (lambda: tg.stack([_t(1, I64), _t(1.0, F32)]), F32),
        (lambda: _t([1, 2], I64).clamp(0.5, 1.5), F32),
        (lambda: _t([1, 2], I64).clamp(0, 1), I64),
        (lambda: _t([1, 2], I64).exp(), F32),
        (lambda: _t([True], BOOL).sigmoid(), F32),
        (lambda: _t([1, 2], I64).abs(), I64),
    ],
)
def test_promotion_functions(make, expected):
    assert make().dtype == expected


def test_clamp_int_float_bounds_values():
    assert Tensor([1, 2]).clamp(0.5, 1.5).tolist() == [1.0, 1.5]


@pytest.mark.parametrize("value", [None, "a", object()])
def test_eq_unsupported_is_false(value):
    assert (Tensor([1.0]) == value) is False


@pytest.mark.parametrize("value", [None, "a"])
def test_ne_unsupported_is_true(value):
    assert (Tensor([1.0]) != value) is True


@pytest.mark.parametrize("value", [None, "a", object()])
def test_add_unsupported_raises_type_error(value):
    with pytest.raises(TypeError, match="unsupported operand"):
        Tensor([1.0]) + value


def test_lt_unsupported_raises_type_error():
    with pytest.raises(TypeError):
        _ = Tensor([1.0]) < None


# Leaves and requires_grad -----------------------------------------------------


def test_requires_grad_true_nonleaf_noop():
    y = Tensor([1.0], requires_grad=True) * 2
    assert y.requires_grad_(True) is y


def test_requires_grad_false_on_nonleaf_raises():
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


# Reductions -------------------------------------------------------------------

X234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("dims", [(), []])
def test_reduce_empty_dims_reduces_all(name, dims):
    out = getattr(Tensor(X234), name)(dims)
    assert out.shape == ()


@pytest.mark.parametrize("name", ["sum", "amax"])
def test_reduce_empty_dims_keepdim(name):
    assert getattr(Tensor(X234), name)((), keepdim=True).shape == (1, 1, 1)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_dim_on_0d(name):
    values, indices = getattr(Tensor(5.0), name)(0)
    assert values.item() == 5.0
    assert indices.item() == 0


def test_max_dim_on_0d_gradient():
    x = Tensor(2.0, requires_grad=True)
    x.max(0).values.backward()
    assert x.grad.item() == 1.0


@pytest.mark.parametrize("dim", [(0, 1), [0], 1.0])
def test_max_dim_tuple_raises_type_error(dim):
    with pytest.raises(TypeError, match="amax"):
        Tensor(X234).max(dim)


def test_max_dim_empty_raises_shape_error():
    with pytest.raises(ShapeError, match="empty"):
        Tensor(np.zeros((0, 3))).max(0)


def test_argmax_empty_raises_shape_error():
    with pytest.raises(ShapeError, match="empty"):
        Tensor(np.zeros((0, 3))).argmax()


def test_max_dim_empty_rows():
    values, indices = Tensor(np.zeros((0, 3))).max(1)
    assert values.shape == (0,)
    assert indices.shape == (0,)


@pytest.mark.parametrize("dims", [(1, 1), (0, -3), (-1, 2)])
def test_transpose_same_dim_is_identity(dims):
    assert Tensor(X234).transpose(*dims).shape == (2, 3, 4)


# Creation functions -----------------------------------------------------------


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: tg.zeros(2, 3), (2, 3)),
        (lambda: tg.zeros((2, 3)), (2, 3)),
        (lambda: tg.zeros([2]), (2,)),
        (lambda: tg.zeros(()), ()),
        (lambda: tg.ones(2, 1), (2, 1)),
        (lambda: tg.rand(2, 3), (2, 3)),
        (lambda: tg.randn((4,)), (4,)),
        (lambda: tg.full((2, 2), 0.5), (2, 2)),
        (lambda: tg.eye(2, 3), (2, 3)),
        (lambda: tg.arange(5), (5,)),
    ],
)
def test_creation_shape(make, shape):
    assert make().shape == shape


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: tg.zeros(2), np.float32),
        (lambda: tg.ones(2), np.float32),
        (lambda: tg.zeros(2, dtype=tg.int64), np.int64),
        (lambda: tg.full((2,), 1.5), np.float32),
        (lambda: tg.full((2,), 3), np.int64),
        (lambda: tg.full((2,), True), np.bool_),
        (lambda: tg.full((2,), 3, dtype=tg.float64), np.float64),
        (lambda: tg.arange(5), np.int64),
        (lambda: tg.arange(2.0), np.float32),
        (lambda: tg.arange(0, 1, 0.25), np.float32),
        (lambda: tg.arange(3, dtype=tg.float32), np.float32),
        (lambda: tg.eye(2), np.float32),
        (lambda: tg.eye(2, dtype=tg.int64), np.int64),
        (lambda: tg.rand(3), np.float32),
        (lambda: tg.randn(3), np.float32),
        (lambda: tg.randn(3, dtype=tg.float64), np.float64),
        (lambda: tg.tensor([1, 2.0]), np.float32),
        (lambda: tg.tensor([1, 2], dtype=tg.float64), np.float64),
        (lambda: tg.zeros_like(Tensor([1, 2])), np.int64),
        (lambda: tg.ones_like(Tensor([1.0]), dtype=tg.float64), np.float64),
    ],
)
def test_creation_dtype(make, dtype):
    assert make().dtype == dtype


@pytest.mark.parametrize(
    "make, values",
    [
        (lambda: tg.arange(5), [0, 1, 2, 3, 4]),
        (lambda: tg.arange(3, 0, -1), [3, 2, 1]),
        (lambda: tg.arange(0, 1, 0.25), [0.0, 0.25, 0.5, 0.75]),
        (lambda: tg.eye(2), [[1.0, 0.0], [0.0, 1.0]]),
        (lambda: tg.full((2,), 3), [3, 3]),
        (lambda: tg.ones_like(Tensor([5.0, 6.0])), [1.0, 1.0]),
    ],
)
def test_creation_values(make, values):
    assert make().tolist() == values


@pytest.mark.parametrize(
    "make",
    [
        lambda: tg.zeros(2, requires_grad=True),
        lambda: tg.randn(2, requires_grad=True),
        lambda: tg.arange(3.0, requires_grad=True),
        lambda: tg.zeros_like(Tensor([1.0]), requires_grad=True),
        lambda: tg.tensor([1.0], requires_grad=True),
    ],
)
def test_creation_requires_grad(make):
    out = make()
    assert out.requires_grad
    assert out.is_leaf


def test_creation_int_requires_grad_raises():
    with pytest.raises(RuntimeError, match="floating"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)


def test_rand_range():
    values = tg.rand(1000).numpy()
    assert values.min() >= 0.0
    assert values.max() < 1.0


def test_randn_seeded_repeats():
    tg.manual_seed(3)
    first = tg.randn(4).numpy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(tg.randn(4).numpy(), first)


@pytest.mark.parametrize(
    "make", [lambda: tg.rand(2, dtype=tg.int64), lambda: tg.randn(2, dtype=tg.int64)]
)
def test_random_int_dtype_raises(make):
    with pytest.raises(RuntimeError, match="floating-point"):
        make()


def test_arange_zero_step_raises():
    with pytest.raises(ValueError, match="step"):
        tg.arange(0, 3, 0)


@pytest.mark.parametrize("size", [(2.0,), (2, 1.5)])
def test_zeros_float_size_raises(size):
    with pytest.raises(TypeError, match="integers"):
        tg.zeros(*size)


def test_zeros_negative_size_raises():
    with pytest.raises(ValueError, match="non-negative"):
        tg.zeros(-1)


@pytest.mark.parametrize("shape", [(2.0, 12), (2.5, 12)])
def test_reshape_float_size_raises(shape):
    with pytest.raises(TypeError, match="integers"):
        Tensor(X234).reshape(*shape)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((0, 3), 0), ((2, 0), 1), ((0, 3), 1)])
def test_softmax_empty(name, shape, dim):
    x = Tensor(np.ones(shape, dtype=np.float32), requires_grad=True)
    out = getattr(x, name)(dim)
    out.sum().backward()
    assert out.shape == shape
    assert x.grad.shape == shape


# Bitwise operators ------------------------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (
            lambda: Tensor([True, True, False]) & Tensor([True, False, False]),
            [True, False, False],
        ),
        (lambda: Tensor([True, False]) | Tensor([False, False]), [True, False]),
        (lambda: Tensor([True, False]) ^ True, [False, True]),
        (lambda: True & Tensor([True, False]), [True, False]),
        (lambda: ~Tensor([True, False]), [False, True]),
        (lambda: Tensor([1, 2]) & Tensor([1, 0]), [1, 0]),
        (lambda: Tensor([3]) | 4, [7]),
        (lambda: Tensor([3]) ^ 1, [2]),
        (lambda: ~Tensor([1, 2]), [-2, -3]),
    ],
)
def test_bitwise_values(make, expected):
    assert make().tolist() == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tensor([1.0]) & Tensor([1.0]),
        lambda: Tensor([1.0]) | True,
        lambda: ~Tensor([1.0]),
    ],
)
def test_bitwise_float_raises(make):
    with pytest.raises(DTypeError, match="bool or integer"):
        make()


# Construction -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float32),
        (3, np.int64),
        (True, np.bool_),
        ([1, 2.5], np.float32),
        ([True, 2], np.int64),
        ([[1.0, 2.0], [3.0, 4.0]], np.float32),
        ([], np.float32),
        (np.array([1.0]), np.float64),
        (np.array([1], dtype=np.int32), np.int32),
        (np.array([1.0], dtype=np.float16), np.float16),
        (np.float64(1.0), np.float64),
        (np.int32(1), np.int32),
        ([Tensor(1.0), Tensor(2.0)], np.float32),
    ],
)
def test_construct_dtype(data, dtype):
    assert Tensor(data).dtype == dtype


@pytest.mark.parametrize(
    "data, shape",
    [
        (1.5, ()),
        ([1.0], (1,)),
        ([[1, 2, 3]], (1, 3)),
        ([], (0,)),
        (np.ones((2, 0)), (2, 0)),
    ],
)
def test_construct_shape(data, shape):
    assert Tensor(data).shape == shape


@pytest.mark.parametrize(
    "dtype", [tg.float64, "float64", np.float64, np.dtype("float64")]
)
def test_construct_dtype_argument(dtype):
    assert Tensor([1, 2], dtype=dtype).dtype == np.float64


def test_construct_copies_numpy_array():
    array = np.array([1.0, 2.0])
    t = Tensor(array)
    array[0] = 9.0
    assert t.tolist() == [1.0, 2.0]


def test_construct_from_tensor_copies():
    source = Tensor([1.0, 2.0])
    t = Tensor(source)
    source.add_(1)
    assert t.tolist() == [1.0, 2.0]


def test_construct_from_tensor_is_leaf():
    t = Tensor(Tensor([1.0], requires_grad=True) * 2)
    assert t.is_leaf
    assert not t.requires_grad


@pytest.mark.parametrize("data", [3, [1, 2], True, np.array([1], dtype=np.int32)])
def test_construct_int_requires_grad_raises(data):
    with pytest.raises(DTypeError, match="floating-point"):
        Tensor(data, requires_grad=True)


def test_construct_float_dtype_requires_grad():
    t = Tensor([1, 2], dtype=tg.float32, requires_grad=True)
    assert t.requires_grad


@pytest.mark.parametrize("data", [[[1, 2], [3]], [1, [2]]])
def test_construct_ragged_raises(data):
    with pytest.raises(ValueError, match="same length"):
        Tensor(data)


@pytest.mark.parametrize("data", ["abc", None, 1j, [object()]])
def test_construct_non_numeric_raises(data):
    with pytest.raises(DTypeError, match="numbers"):
        Tensor(data)


def test_construct_bad_dtype_raises():
    with pytest.raises(TypeError, match="dtype"):
        Tensor([1.0], dtype="not a dtype")


# Conversion and properties ----------------------------------------------------


def test_numpy_shares_memory():
    t = Tensor([1.0, 2.0])
    t.numpy()[0] = 5.0
    assert t.tolist() == [5.0, 2.0]


def test_numpy_requires_grad_raises():
    with pytest.raises(RuntimeError, match="detach"):
        Tensor([1.0], requires_grad=True).numpy()


def test_np_asarray_of_tensor():
    np.testing.assert_array_equal(np.asarray(Tensor([1.0, 2.0])), [1.0, 2.0])


@pytest.mark.parametrize(
    "data, value, kind",
    [
        ([2.5], 2.5, float),
        (2, 2, int),
        ([[True]], True, bool),
        (np.float64(0.1), 0.1, float),
    ],
)
def test_item(data, value, kind):
    out = Tensor(data).item()
    assert out == value
    assert type(out) is kind


def test_item_many_elements_raises():
    with pytest.raises(RuntimeError, match="one element"):
        Tensor([1.0, 2.0]).item()


@pytest.mark.parametrize(
    "data, expected",
    [([[1, 2]], [[1, 2]]), (3.0, 3.0), ([], []), ([0.5, 0.25], [0.5, 0.25])],
)
def test_tolist(data, expected):
    assert Tensor(data).tolist() == expected


def test_tolist_float32_value():
    assert Tensor([0.1]).tolist() == [float(np.float32(0.1))]


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 0, 4)])
def test_shape_ndim_numel(shape):
    t = Tensor(np.zeros(shape))
    assert t.shape == shape
    assert t.ndim == len(shape)
    assert t.dim() == len(shape)
    assert t.numel() == int(np.prod(shape))
    assert t.size() == shape


@pytest.mark.parametrize("dim, size", [(0, 2), (1, 3), (-1, 3), (-2, 2)])
def test_size_dim(dim, size):
    assert Tensor(np.zeros((2, 3))).size(dim) == size


def test_size_bad_dim_raises():
    with pytest.raises(ShapeError, match="out of range"):
        Tensor(np.zeros((2, 3))).size(2)


@pytest.mark.parametrize(
    "shape, expected",
    [((2, 3), (3, 2)), ((2, 3, 4), (4, 3, 2)), ((3,), (3,)), ((), ())],
)
def test_transpose_property(shape, expected):
    assert Tensor(np.zeros(shape)).T.shape == expected


def test_transpose_property_values():
    assert Tensor([[1, 2], [3, 4]]).T.tolist() == [[1, 3], [2, 4]]


@pytest.mark.parametrize(
    "method, source, dtype",
    [
        ("float", np.int64, np.float32),
        ("float", np.float64, np.float32),
        ("double", np.float32, np.float64),
        ("double", np.int64, np.float64),
        ("long", np.float32, np.int64),
    ],
)
def test_cast_methods(method, source, dtype):
    assert getattr(Tensor(np.array([1, 2], dtype=source)), method)().dtype == dtype


@pytest.mark.parametrize("dtype", [tg.float64, "float64", np.float64])
def test_to_dtype(dtype):
    assert Tensor([1.0]).to(dtype).dtype == np.float64


def test_to_same_dtype_is_self():
    t = Tensor([1.0])
    assert t.to(tg.float32) is t


def test_float_of_float32_is_self():
    t = Tensor([1.0])
    assert t.float() is t


def test_to_float64_gradient_is_float32():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32


def test_to_float64_gradient_values():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_to_int_truncates():
    assert Tensor([1.7, -1.7]).long().tolist() == [1, -1]


def test_detach_is_leaf_without_grad():
    y = Tensor([1.0], requires_grad=True) * 2
    d = y.detach()
    assert d.is_leaf
    assert not d.requires_grad
    assert d.grad_fn is None


def test_requires_grad_underscore_returns_self():
    t = Tensor([1.0])
    assert t.requires_grad_() is t
    assert t.requires_grad


def test_requires_grad_underscore_false():
    t = Tensor([1.0], requires_grad=True)
    t.requires_grad_(False)
    assert not t.requires_grad


def test_is_leaf_and_grad_fn():
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf
    assert x.grad_fn is None
    assert not y.is_leaf
    assert y.grad_fn is not None


def test_result_without_grad_is_leaf():
    y = Tensor([1.0]) * 2
    assert y.is_leaf
    assert not y.requires_grad


def test_no_grad_result_is_leaf():
    x = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = x * 2
    assert y.is_leaf
    assert not y.requires_grad


def test_clone_is_copy_in_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert y.grad_fn is not None


def test_clone_does_not_share_memory():
    x = Tensor([1.0, 2.0])
    y = x.clone()
    y.add_(1)
    assert x.tolist() == [1.0, 2.0]


# Representation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Tensor([1.0, 2.0]), "tensor([1., 2.], dtype=float32)"),
        (lambda: Tensor(3.0), "tensor(3., dtype=float32)"),
        (lambda: Tensor([1, 2]), "tensor([1, 2], dtype=int64)"),
        (lambda: Tensor([1.0], dtype="float64"), "tensor([1.], dtype=float64)"),
        (
            lambda: Tensor([1.0], requires_grad=True),
            "tensor([1.], dtype=float32, requires_grad=True)",
        ),
        (
            lambda: Tensor([1.0], requires_grad=True) * 2,
            "tensor([2.], dtype=float32, grad_fn=<MulBackward>)",
        ),
    ],
)
def test_repr(make, expected):
    assert repr(make()) == expected


def test_repr_multiline():
    assert repr(Tensor([[1, 2], [3, 4]])) == (
        "tensor([[1, 2],\n        [3, 4]], dtype=int64)"
    )


# Python protocols -------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected", [([0.0], False), (1.0, True), ([[2]], True), (True, True)]
)
def test_bool_one_element(data, expected):
    assert bool(Tensor(data)) is expected


@pytest.mark.parametrize("data", [[0.0, 1.0], []])
def test_bool_ambiguous_raises(data):
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(Tensor(data))


def test_len():
    assert len(Tensor(np.zeros((3, 2)))) == 3


def test_len_0d_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_iter_rows():
    rows = list(Tensor([[1, 2], [3, 4]]))
    assert [row.tolist() for row in rows] == [[1, 2], [3, 4]]


def test_iter_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    total = sum(value * value for value in x)
    total.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_iter_0d_raises():
    with pytest.raises(TypeError, match="0-d"):
        iter(Tensor(1.0))


def test_hash_is_identity():
    a, b = Tensor(1.0), Tensor(1.0)
    table = {a: "a", b: "b"}
    assert table[a] == "a"
    assert table[b] == "b"


def test_in_dict():
    t = Tensor([1.0, 2.0])
    assert t in {t: 1}


def test_in_set():
    t = Tensor([1.0, 2.0])
    assert t in {t}


def test_eq_number_gives_tensor():
    out = Tensor([1, 2]) == 1
    assert isinstance(out, Tensor)
    assert out.tolist() == [True, False]


@pytest.mark.parametrize(
    "convert, data, expected",
    [(float, [2.5], 2.5), (int, [3.9], 3), (int, 7, 7), (float, 4, 4.0)],
)
def test_number_conversion(convert, data, expected):
    assert convert(Tensor(data)) == expected


def test_index_protocol_int_tensor():
    assert [10, 20, 30][Tensor(1)] == 20


def test_index_protocol_float_raises():
    with pytest.raises(TypeError, match="integer"):
        [10, 20][Tensor(1.0)]


def test_negate_bool_raises():
    with pytest.raises(DTypeError, match="~"):
        -Tensor([True])


# Arithmetic operators ---------------------------------------------------------

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=np.float32)
B = np.array([2.0, 0.5, -4.0], dtype=np.float32)

OPERATORS = [
    ("add", lambda x, y: x + y),
    ("sub", lambda x, y: x - y),
    ("mul", lambda x, y: x * y),
    ("div", lambda x, y: x / y),
    ("pow", lambda x, y: abs(x) ** y),
]


@pytest.mark.parametrize("name, op", OPERATORS)
@pytest.mark.parametrize(
    "wrap_left, wrap_right",
    [
        (Tensor, Tensor),
        (Tensor, lambda a: a),
        (lambda a: a, Tensor),
        (Tensor, lambda a: a.tolist()),
    ],
    ids=["tensor-tensor", "tensor-array", "array-tensor", "tensor-list"],
)
def test_operator_values(name, op, wrap_left, wrap_right):
    if name == "pow":
        out = wrap_left(np.abs(A)) ** wrap_right(B)
    else:
        out = op(wrap_left(A), wrap_right(B))
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), op(A, B), rtol=1e-6)


@pytest.mark.parametrize("name, op", OPERATORS)
@pytest.mark.parametrize("scalar", [2, 2.5, np.float64(2.5), np.int64(3)])
def test_operator_scalar_right(name, op, scalar):
    out = op(Tensor(A), scalar)
    np.testing.assert_allclose(out.numpy(), op(A, np.float32(scalar)), rtol=1e-6)
    assert out.dtype == np.float32


@pytest.mark.parametrize("name, op", OPERATORS[:4])
@pytest.mark.parametrize("scalar", [2, 2.5, np.float64(2.5)])
def test_operator_scalar_left(name, op, scalar):
    out = op(scalar, Tensor(A))
    np.testing.assert_allclose(out.numpy(), op(np.float32(scalar), A), rtol=1e-6)
    assert out.dtype == np.float32


def test_rpow_scalar_base():
    np.testing.assert_allclose((2.0 ** Tensor(B)).numpy(), 2.0**B, rtol=1e-6)


def test_neg():
    np.testing.assert_array_equal((-Tensor(A)).numpy(), -A)


def test_pos_is_self():
    t = Tensor(A)
    assert +t is t


@pytest.mark.parametrize(
    "left, right",
    [
        ((2, 3), (3, 4)),
        ((3,), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3,)),
        ((5, 2, 3), (3, 4)),
    ],
)
def test_matmul_values(left, right):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(left).astype(np.float32)
    y = rng.standard_normal(right).astype(np.float32)
    out = Tensor(x) @ Tensor(y)
    np.testing.assert_allclose(out.numpy(), x @ y, rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32


def test_matmul_numpy_left():
    out = A @ Tensor(A.T)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), A @ A.T, rtol=1e-6)


def test_matmul_method():
    np.testing.assert_allclose(Tensor(A).matmul(Tensor(A.T)).numpy(), A @ A.T)


@pytest.mark.parametrize("left, right", [((2, 3), (2, 3)), ((3,), (4,)), ((), (3,))])
def test_matmul_bad_shapes_raise(left, right):
    with pytest.raises(ShapeError, match="matmul"):
        Tensor(np.ones(left)) @ Tensor(np.ones(right))


def test_numpy_array_times_tensor_is_tensor():
    out = np.ones(3, dtype=np.float32) * Tensor(B)
    assert isinstance(out, Tensor)
    assert out.tolist() == B.tolist()


def test_numpy_array_times_tensor_gradient():
    x = Tensor(B, requires_grad=True)
    (np.full(3, 2.0, dtype=np.float32) * x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


COMPARISONS = [
    ("lt", lambda x, y: x < y),
    ("le", lambda x, y: x <= y),
    ("gt", lambda x, y: x > y),
    ("ge", lambda x, y: x >= y),
    ("eq", lambda x, y: x == y),
    ("ne", lambda x, y: x != y),
]


@pytest.mark.parametrize("name, op", COMPARISONS)
@pytest.mark.parametrize("right", [np.float32(0.5), B, 0.5])
def test_comparison_values(name, op, right):
    wrapped = Tensor(right) if isinstance(right, np.ndarray) else right
    out = op(Tensor(A), wrapped)
    np.testing.assert_array_equal(out.numpy(), op(A, right))


@pytest.mark.parametrize("name, op", COMPARISONS)
def test_comparison_is_bool_without_grad(name, op):
    out = op(Tensor(A, requires_grad=True), 0.5)
    assert out.dtype == np.bool_
    assert not out.requires_grad
    assert out.grad_fn is None


@pytest.mark.parametrize("name, op", COMPARISONS)
def test_comparison_reflected(name, op):
    np.testing.assert_array_equal(op(0.5, Tensor(A)).numpy(), op(0.5, A))


def test_comparison_int_with_float():
    assert (Tensor([1, 2]) < 1.5).tolist() == [True, False]


def test_comparison_eq_int_float():
    assert (Tensor([1, 2]) == 1.0).tolist() == [True, False]


def test_sum_of_bool_is_int64():
    out = Tensor([True, True, False]).sum()
    assert out.dtype == np.int64
    assert out.item() == 2


def test_sum_of_int32_is_int64():
    assert Tensor(np.array([1, 2], dtype=np.int32)).sum().dtype == np.int64


@pytest.mark.parametrize("data", [[1, 2], [True, False]])
def test_mean_of_int_raises(data):
    with pytest.raises(DTypeError, match="float"):
        Tensor(data).mean()


def test_mean_of_empty_is_nan():
    assert np.isnan(Tensor([]).mean().item())


# Methods with dim/keepdim and axis/keepdims ------------------------------------

REDUCTIONS = [
    ("sum", np.sum),
    ("mean", np.mean),
    ("amax", np.max),
    ("amin", np.min),
]


@pytest.mark.parametrize("name, reference", REDUCTIONS)
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (2, 0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_matches_numpy(name, reference, dim, keepdim):
    out = getattr(Tensor(X234), name)(dim, keepdim)
    expected = reference(X234, axis=dim, keepdims=keepdim)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert out.dtype == np.float32


@pytest.mark.parametrize("name, reference", REDUCTIONS)
@pytest.mark.parametrize("dim", [0, (1, 2)])
def test_reduction_numpy_spelling(name, reference, dim):
    method = getattr(Tensor(X234), name)
    np.testing.assert_allclose(
        method(axis=dim, keepdims=True).numpy(), method(dim=dim, keepdim=True).numpy()
    )


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "max", "min"])
def test_reduction_dim_and_axis_raises(name):
    with pytest.raises(TypeError, match="dim or axis"):
        getattr(Tensor(X234), name)(dim=0, axis=0)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "softmax", "argmax"])
@pytest.mark.parametrize("dim", [3, -4])
def test_bad_dim_raises(name, dim):
    with pytest.raises(ShapeError) as info:
        getattr(Tensor(X234), name)(dim)
    assert name in str(info.value)
    assert str(dim) in str(info.value)
    assert "[-3, 2]" in str(info.value)


@pytest.mark.parametrize("name", ["sum", "amax"])
def test_repeated_dim_raises(name):
    with pytest.raises(ShapeError, match="twice"):
        getattr(Tensor(X234), name)((0, 0))


@pytest.mark.parametrize("name, finder", [("max", np.argmax), ("min", np.argmin)])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_dim_values_indices(name, finder, dim, keepdim):
    values, indices = getattr(Tensor(X234), name)(dim, keepdim)
    expected_indices = finder(X234, axis=dim, keepdims=keepdim)
    np.testing.assert_array_equal(indices.numpy(), expected_indices)
    np.testing.assert_array_equal(
        values.numpy(),
        np.take_along_axis(X234, finder(X234, axis=dim, keepdims=True), dim).reshape(
            expected_indices.shape
        ),
    )
    assert indices.dtype == np.int64


def test_max_dim_named_fields():
    out = Tensor(X234).max(dim=1)
    assert out.values.shape == (2, 4)
    assert out.indices.shape == (2, 4)


def test_max_axis_spelling():
    assert Tensor(X234).max(axis=1, keepdims=True).values.shape == (2, 1, 4)


def test_max_first_index_of_ties():
    assert Tensor([1.0, 3.0, 3.0]).max(0).indices.item() == 1


def test_max_dim_gradient_goes_to_index():
    x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max(0).values.backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize("name", ["max", "amax"])
def test_max_all_gradient_splits_ties(name):
    x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    getattr(x, name)().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]


def test_max_with_tensor_is_maximum():
    assert Tensor([1.0, 5.0]).max(Tensor([3.0, 2.0])).tolist() == [3.0, 5.0]


def test_min_with_tensor_is_minimum():
    assert Tensor([1.0, 5.0]).min(Tensor([3.0, 2.0])).tolist() == [1.0, 2.0]


def test_max_nan_propagates():
    assert np.isnan(Tensor([1.0, float("nan"), 3.0]).max().item())


@pytest.mark.parametrize(
    "dim, keepdim, expected",
    [(None, False, 23), (1, False, [[2, 2, 2, 2]] * 2), (None, True, [[[23]]])],
)
def test_argmax(dim, keepdim, expected):
    assert Tensor(X234).argmax(dim, keepdim).tolist() == expected


def test_argmin_last_dim():
    assert Tensor(X234).argmin(-1).tolist() == [[0, 0, 0], [0, 0, 0]]


UNARY = [
    ("exp", np.exp, X234 / 10),
    ("log", np.log, np.abs(X234) + 1),
    ("sqrt", np.sqrt, np.abs(X234)),
    ("abs", np.abs, X234),
    ("relu", lambda a: np.maximum(a, 0), X234),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), X234),
    ("tanh", np.tanh, X234 / 10),
]


@pytest.mark.parametrize("name, reference, data", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_matches_numpy(name, reference, data, dtype):
    out = getattr(Tensor(data.astype(dtype)), name)()
    np.testing.assert_allclose(out.numpy(), reference(data.astype(dtype)), rtol=1e-6)
    assert out.dtype == dtype


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_matches_numpy(name, dim):
    shifted = X234 - X234.max(axis=dim, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    expected = np.exp(log_probs) if name == "softmax" else log_probs
    out = getattr(Tensor(X234), name)(dim)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_softmax_large_logits_finite():
    out = Tensor([1000.0, 0.0, -1000.0]).softmax(0)
    assert out.tolist() == [1.0, 0.0, 0.0]


def test_softmax_0d():
    assert Tensor(2.0).softmax(0).item() == 1.0


@pytest.mark.parametrize(
    "low, high, expected",
    [
        (0.0, 3.0, np.clip(X234, 0, 3)),
        (None, 0.0, np.minimum(X234, 0)),
        (0.0, None, np.maximum(X234, 0)),
        (3.0, 0.0, np.full_like(X234, 0.0)),
    ],
)
def test_clamp_values(low, high, expected):
    np.testing.assert_array_equal(Tensor(X234).clamp(low, high).numpy(), expected)


def test_clamp_keywords_and_clip():
    t = Tensor(X234)
    np.testing.assert_array_equal(t.clamp(min=-1, max=1).numpy(), t.clip(-1, 1).numpy())


def test_clamp_without_bounds_raises():
    with pytest.raises(ValueError, match="min"):
        Tensor(X234).clamp()


def test_clamp_gradient_at_bounds():
    x = Tensor([0.0, 1.0, 2.0, 3.0, 4.0], requires_grad=True)
    x.clamp(1, 3).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


# Shape methods ----------------------------------------------------------------

SHAPES = [
    (lambda t: t.reshape(6, 4), (6, 4)),
    (lambda t: t.reshape((6, -1)), (6, 4)),
    (lambda t: t.reshape([4, 6]), (4, 6)),
    (lambda t: t.reshape(-1), (24,)),
    (lambda t: t.view(4, 6), (4, 6)),
    (lambda t: t.view(-1, 4), (6, 4)),
    (lambda t: t.transpose(0, 2), (4, 3, 2)),
    (lambda t: t.transpose(-1, 0), (4, 3, 2)),
    (lambda t: t.permute(2, 0, 1), (4, 2, 3)),
    (lambda t: t.permute((2, 0, 1)), (4, 2, 3)),
    (lambda t: t.permute(-1, 0, 1), (4, 2, 3)),
    (lambda t: t.flatten(), (24,)),
    (lambda t: t.flatten(1), (2, 12)),
    (lambda t: t.flatten(0, 1), (6, 4)),
    (lambda t: t.flatten(-2), (2, 12)),
    (lambda t: t.unsqueeze(0), (1, 2, 3, 4)),
    (lambda t: t.unsqueeze(-1), (2, 3, 4, 1)),
    (lambda t: t.unsqueeze(3), (2, 3, 4, 1)),
    (lambda t: t.unsqueeze(-4), (1, 2, 3, 4)),
    (lambda t: t.reshape(1, 2, 1, 12).squeeze(), (2, 12)),
    (lambda t: t.reshape(1, 2, 1, 12).squeeze(0), (2, 1, 12)),
    (lambda t: t.reshape(1, 2, 1, 12).squeeze(1), (1, 2, 1, 12)),
    (lambda t: t.reshape(1, 2, 1, 12).squeeze((0, 2)), (2, 12)),
    (lambda t: t.expand(2, 2, 3, 4), (2, 2, 3, 4)),
    (lambda t: t[:, :1].expand(-1, 3, -1), (2, 3, 4)),
    (lambda t: t[:, :1].expand((2, 5, 4)), (2, 5, 4)),
]


@pytest.mark.parametrize("make, shape", SHAPES)
def test_shape_method(make, shape):
    assert make(Tensor(X234)).shape == shape


@pytest.mark.parametrize("make, shape", SHAPES)
def test_shape_method_gradient(make, shape):
    # Every value of the input is its own position, so the output's values
    # name the input element each output element came from.
    positions = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = Tensor(positions, requires_grad=True)
    out = make(x)
    out.sum().backward()

    expected = np.zeros(24, dtype=np.float32)
    np.add.at(expected, out.detach().numpy().astype(np.int64).ravel(), 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected.reshape(2, 3, 4))


def test_permute_values():
    np.testing.assert_array_equal(
        Tensor(X234).permute(2, 0, 1).numpy(), X234.transpose(2, 0, 1)
    )


@pytest.mark.parametrize(
    "shape, expected",
    [((), ()), ((1,), ()), ((3,), (3,))],
)
def test_squeeze_small(shape, expected):
    assert Tensor(np.zeros(shape)).squeeze().shape == expected


def test_flatten_0d():
    assert Tensor(1.0).flatten().shape == (1,)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda t: t.reshape(5, 5), "reshape"),
        (lambda t: t.reshape(-1, -1), "reshape"),
        (lambda t: t.transpose(0, 3), "transpose"),
        (lambda t: t.permute(0, 1), "permute"),
        (lambda t: t.permute(0, 0, 1), "twice"),
        (lambda t: t.flatten(2, 1), "flatten"),
        (lambda t: t.unsqueeze(4), "unsqueeze"),
        (lambda t: t.squeeze(5), "squeeze"),
        (lambda t: t.expand(3, 3, 4), "expand"),
        (lambda t: t.expand(3, 4), "expand"),
    ],
)
def test_shape_errors(make, match):
    with pytest.raises(ShapeError, match=match):
        make(Tensor(X234))


def test_expand_shares_values():
    out = Tensor([[1.0], [2.0]]).expand(2, 3)
    assert out.tolist() == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]


# Joining and selecting --------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cat_values(dim):
    out = tg.cat([Tensor(X234), Tensor(X234 * 2)], dim)
    np.testing.assert_array_equal(out.numpy(), np.concatenate([X234, X234 * 2], dim))


@pytest.mark.parametrize("dim", [0, 1, 3, -1])
def test_stack_values(dim):
    out = tg.stack([Tensor(X234), Tensor(X234 * 2)], dim)
    np.testing.assert_array_equal(out.numpy(), np.stack([X234, X234 * 2], dim))


def test_cat_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0], requires_grad=True)
    (tg.cat([x, y]) * Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]
    assert y.grad.tolist() == [3.0]


def test_stack_0d():
    assert tg.stack([Tensor(1.0), Tensor(2.0)]).tolist() == [1.0, 2.0]


def test_cat_tuple_input():
    assert tg.cat((Tensor([1.0]), Tensor([2.0]))).tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: tg.cat([]), ValueError),
        (lambda: tg.stack([]), ValueError),
        (lambda: tg.cat([Tensor(X234), Tensor(X234[0])]), ShapeError),
        (lambda: tg.cat([Tensor(X234), Tensor(X234[:, :2])], 0), ShapeError),
        (lambda: tg.cat([Tensor(1.0), Tensor(2.0)]), ShapeError),
        (lambda: tg.cat([Tensor(X234)], 3), ShapeError),
        (lambda: tg.stack([Tensor(X234), Tensor(X234[0])]), ShapeError),
        (lambda: tg.stack([Tensor(X234)], 4), ShapeError),
    ],
)
def test_join_errors(make, error):
    with pytest.raises(error):
        make()


def test_where_values():
    out = tg.where(Tensor(X234 > 0), Tensor(X234), 0.0)
    np.testing.assert_array_equal(out.numpy(), np.where(X234 > 0, X234, 0.0))


def test_where_broadcasts():
    out = tg.where(Tensor([True, False]), Tensor([1.0, 2.0]), Tensor([[3.0], [4.0]]))
    assert out.tolist() == [[1.0, 3.0], [1.0, 4.0]]


def test_where_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = Tensor([4.0, 5.0, 6.0], requires_grad=True)
    tg.where(Tensor([True, False, True]), x, y).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
    assert y.grad.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "name, reference", [("maximum", np.maximum), ("minimum", np.minimum)]
)
def test_maximum_minimum_values(name, reference):
    out = getattr(tg, name)(Tensor(A), Tensor(B))
    np.testing.assert_array_equal(out.numpy(), reference(A, B))


def test_maximum_tie_gradient():
    x = Tensor([1.0, 3.0, 4.0], requires_grad=True)
    tg.maximum(x, Tensor([3.0, 3.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 0.5, 1.0]


def test_gather_values():
    index = np.array([[[0, 2, 1, 0]], [[2, 2, 0, 1]]])
    out = Tensor(X234).gather(1, Tensor(index))
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(X234, index, 1))


def test_gather_gradient_adds_repeats():
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    x.gather(1, Tensor([[0, 0, 2]])).sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0, 1.0]]


@pytest.mark.parametrize(
    "index",
    [
        np.zeros((2, 1), dtype=np.int64),
        np.zeros((2, 1, 4)),
    ],
)
def test_gather_bad_index_raises(index):
    with pytest.raises(ShapeError, match="gather"):
        Tensor(X234).gather(1, Tensor(index))


# Dtype preservation end to end -----------------------------------------------

DTYPE_OPS = {
    "add": lambda x: x + 1.5,
    "radd": lambda x: 2 + x,
    "sub": lambda x: x - 0.5,
    "rsub": lambda x: 1 - x,
    "mul": lambda x: x * 3,
    "div": lambda x: x / 3,
    "rdiv": lambda x: 1 / (x + 5),
    "pow": lambda x: (x + 5) ** 2.5,
    "rpow": lambda x: 2.0**x,
    "pow_tensor": lambda x: (x + 5) ** x,
    "neg": lambda x: -x,
    "matmul": lambda x: x @ x.T,
    "exp": lambda x: x.exp(),
    "log": lambda x: (x + 5).log(),
    "sqrt": lambda x: (x + 5).sqrt(),
    "abs": lambda x: x.abs(),
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "softmax": lambda x: x.softmax(-1),
    "log_softmax": lambda x: x.log_softmax(0),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
    "sum": lambda x: x.sum(0),
    "mean": lambda x: x.mean(),
    "mean_dim": lambda x: x.mean(1, keepdim=True),
    "max": lambda x: x.max(),
    "max_dim": lambda x: x.max(1).values,
    "amax": lambda x: x.amax(0),
    "amin": lambda x: x.amin(),
    "min_dim": lambda x: x.min(0).values,
    "reshape": lambda x: x.reshape(-1),
    "transpose": lambda x: x.T,
    "permute": lambda x: x.permute(1, 0),
    "flatten": lambda x: x.flatten(),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "index": lambda x: x[[0, 1], 1:],
    "mask": lambda x: x[x > 0],
    "cat": lambda x: tg.cat([x, x]),
    "stack": lambda x: tg.stack([x, x], 1),
    "where": lambda x: tg.where(x > 0, x, 0.0),
    "maximum": lambda x: tg.maximum(x, 0.1),
    "minimum": lambda x: tg.minimum(x, x * 2),
    "expand": lambda x: x[:, :1].expand(2, 5),
    "gather": lambda x: x.gather(1, Tensor([[0, 2], [1, 1]])),
    "clone": lambda x: x.clone(),
    "numpy_scalar": lambda x: x * np.float64(2.0),
    "numpy_sqrt": lambda x: x / np.sqrt(3.0),
    "int_tensor": lambda x: x + Tensor([1, 2, 3]),
    "int_0d": lambda x: x / Tensor(3),
    "float64_0d": lambda x: x * Tensor(np.float64(2.0)),
}


@pytest.mark.parametrize("name", sorted(DTYPE_OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_forward_and_backward(name, dtype):
    data = np.random.default_rng(0).standard_normal((2, 3)).astype(dtype)
    x = Tensor(data, requires_grad=True)
    out = DTYPE_OPS[name](x)
    out.sum().backward()
    assert out.dtype == dtype
    assert x.grad.dtype == dtype


@pytest.mark.parametrize(
    "name", ["exp", "softmax", "log_softmax", "matmul", "pow", "sigmoid", "tanh"]
)
def test_dtype_kept_second_order(name):
    x = Tensor(
        np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]], np.float32), requires_grad=True
    )
    (grad,) = autograd.grad(DTYPE_OPS[name](x).sum(), [x], create_graph=True)
    (grad * grad).sum().backward()
    assert grad.dtype == np.float32
    assert x.grad.dtype == np.float32


# Random shapes ------------------------------------------------------------------

_float = st.floats(-10, 10, width=32)


@settings(deadline=None, max_examples=25)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4),
    data=st.data(),
)
def test_random_broadcast_arithmetic(shapes, data):
    left_shape, right_shape = shapes.input_shapes
    left = data.draw(hnp.arrays(np.float32, left_shape, elements=_float))
    right = data.draw(hnp.arrays(np.float32, right_shape, elements=_float))
    x = Tensor(left, requires_grad=True)
    y = Tensor(right, requires_grad=True)
    out = x * y + x - y
    out.sum().backward()
    np.testing.assert_allclose(
        out.detach().numpy(), left * right + left - right, rtol=1e-5
    )
    assert out.shape == shapes.result_shape
    assert x.grad.shape == left_shape
    expected = _sum_to(np.broadcast_to(right + 1, shapes.result_shape), left_shape)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-5)


def _sum_to(array, shape):
    extra = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and array.shape[i] != 1)
    return array.sum(axis=axes, keepdims=True).reshape(shape)


@settings(deadline=None, max_examples=25)
@given(
    array=hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
        elements=_float,
    ),
    data=st.data(),
)
def test_random_reduction_dims(array, data):
    dims = data.draw(st.lists(st.integers(0, array.ndim - 1), unique=True, min_size=1))
    keepdim = data.draw(st.booleans())
    name, reference = data.draw(st.sampled_from(REDUCTIONS))
    out = getattr(Tensor(array), name)(tuple(dims), keepdim)
    expected = reference(array, axis=tuple(dims), keepdims=keepdim)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32


@settings(deadline=None, max_examples=25)
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
    data=st.data(),
)
def test_random_permute_round_trip(shape, data):
    order = data.draw(st.permutations(range(len(shape))))
    array = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    out = Tensor(array).permute(*order)
    np.testing.assert_array_equal(out.numpy(), array.transpose(order))
    back = out.permute(*np.argsort(order).tolist())
    np.testing.assert_array_equal(back.numpy(), array)
