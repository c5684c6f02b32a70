"""Behaviour of the public Tensor API, checked against PyTorch's documented rules.

The expected values are written out by hand or computed with NumPy; PyTorch
2.13 was run separately to confirm each rule, and is not imported here.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
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


def test_requires_grad_true_on_nonleaf_is_noop():
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


def test_max_dim_of_empty_rows_is_empty():
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


def test_construct_int_data_float_dtype_requires_grad():
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
