from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.data import default_collate, default_convert
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import Tensor

Pair = namedtuple("Pair", ["image", "label"])


def assert_tensor(actual, expected: np.ndarray) -> None:
    """Assert a Tensor without grad with the dtype, shape and values of ``expected``."""
    assert isinstance(actual, Tensor)
    assert not actual.requires_grad
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual.numpy(), expected)


# Numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], np.array([1, 2, 3], dtype=np.int64)),
        ([1.5, 2.0], np.array([1.5, 2.0], dtype=np.float64)),
        ([True, False], np.array([True, False])),
        ([1, 2.5], np.array([1.0, 2.5], dtype=np.float64)),
        ([1.5, 2], np.array([1.5, 2.0], dtype=np.float64)),
        ([True, 2], np.array([1, 2], dtype=np.int64)),
    ],
    ids=["int", "float", "bool", "int_then_float", "float_then_int", "bool_then_int"],
)
def test_collate_python_numbers(values, expected):
    assert_tensor(default_collate(values), expected)


def test_collate_int_overflow_names_position():
    with pytest.raises(OverflowError, match=r"int at sample\[0\] does not fit"):
        default_collate([(2**70,), (1,)])


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float16, np.int16, np.uint8, np.bool_]
)
def test_collate_numpy_scalars_keep_dtype(dtype):
    values = [dtype(1), dtype(0)]
    assert_tensor(default_collate(values), np.array([1, 0], dtype=dtype))


# Arrays and Tensors ---------------------------------------------------------------


def test_collate_stacks_numpy_arrays():
    samples = [np.full((2, 3), i, dtype=np.uint8) for i in range(4)]
    assert_tensor(default_collate(samples), np.stack(samples))


def test_collate_stacks_0d_arrays():
    samples = [np.array(1.0), np.array(2.0)]
    assert_tensor(default_collate(samples), np.array([1.0, 2.0]))


def test_collate_stacks_tensors_without_grad():
    samples = [Tensor(np.ones(3) * i, requires_grad=True) for i in range(2)]
    expected = np.stack([np.zeros(3), np.ones(3)])
    assert_tensor(default_collate(samples), expected)


def test_collate_batch_does_not_share_memory():
    arrays = [np.zeros(2), np.zeros(2)]
    tensors = [Tensor(np.zeros(2)), Tensor(np.zeros(2))]

    default_collate(arrays).numpy()[...] = 1.0
    default_collate(tensors).numpy()[...] = 1.0

    assert all(np.all(array == 0.0) for array in arrays)
    assert all(np.all(tensor.numpy() == 0.0) for tensor in tensors)


# The expected dtypes follow PyTorch's promotion: the higher category wins
# (bool < integer < float) and, within it, NumPy's promote_types.
@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ((np.int64, np.float32), np.float32),
        ((np.int32, np.uint8), np.int32),
        ((np.bool_, np.int8), np.int8),
        ((np.float16, np.float64), np.float64),
        ((np.uint8, np.int8), np.int16),
    ],
)
def test_collate_promotes_mixed_dtypes(dtypes, expected):
    samples = [Tensor(np.ones(2, dtype=dtype)) for dtype in dtypes]
    assert default_collate(samples).dtype == np.dtype(expected)


def test_collate_mixes_tensors_and_arrays():
    samples = [Tensor(np.ones(2, dtype=np.float32)), np.zeros(2, dtype=np.float32)]
    assert_tensor(default_collate(samples), np.array([[1, 1], [0, 0]], np.float32))


# Containers -----------------------------------------------------------------------


def test_collate_tuple_gives_list():
    samples = [(np.float32(i), i) for i in range(3)]
    batch = default_collate(samples)

    assert type(batch) is list
    assert len(batch) == 2
    assert_tensor(batch[0], np.array([0, 1, 2], dtype=np.float32))
    assert_tensor(batch[1], np.array([0, 1, 2], dtype=np.int64))


def test_collate_list_stays_list():
    batch = default_collate([[1, 2.0], [3, 4.0]])

    assert type(batch) is list
    assert_tensor(batch[0], np.array([1, 3]))
    assert_tensor(batch[1], np.array([2.0, 4.0]))


def test_collate_named_tuple_stays_named():
    batch = default_collate([Pair(np.zeros(2), 0), Pair(np.ones(2), 1)])

    assert type(batch) is Pair
    assert_tensor(batch.image, np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert_tensor(batch.label, np.array([0, 1]))


def test_collate_dict_per_key():
    batch = default_collate([{"x": 1.0, "name": "a"}, {"name": "b", "x": 2.0}])

    assert type(batch) is dict
    assert list(batch) == ["x", "name"]
    assert_tensor(batch["x"], np.array([1.0, 2.0]))
    assert batch["name"] == ["a", "b"]


def test_collate_keeps_mapping_type():
    batch = default_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert type(batch) is OrderedDict


def test_collate_nested_structure():
    samples = [
        (np.full(2, i, dtype=np.int32), {"label": i, "tags": ["t", 0.5 * i]})
        for i in range(3)
    ]
    images, info = default_collate(samples)

    assert_tensor(images, np.repeat(np.arange(3, dtype=np.int32), 2).reshape(3, 2))
    assert_tensor(info["label"], np.array([0, 1, 2]))
    assert info["tags"][0] == ["t", "t", "t"]
    assert_tensor(info["tags"][1], np.array([0.0, 0.5, 1.0]))


@pytest.mark.parametrize(
    "values", [["a", "b"], [b"a", b"b"], [np.str_("a"), np.str_("b")]]
)
def test_collate_strings_stay_a_list(values):
    batch = default_collate(values)
    assert batch == values
    assert type(batch) is list


# Errors ---------------------------------------------------------------------------


def test_collate_rejects_empty_batch():
    with pytest.raises(ValueError, match="the batch is empty"):
        default_collate([])


@pytest.mark.parametrize(
    ("samples", "fragment"),
    [
        ([{1, 2}, {3}], "type set at sample."),
        ([None, None], "type NoneType at sample."),
        ([(0, {"label": object()})] * 2, "type object at sample[1]['label']."),
    ],
)
def test_collate_rejects_unsupported_type(samples, fragment):
    with pytest.raises(TypeError) as info:
        default_collate(samples)
    assert fragment in str(info.value)
    assert "pass a collate_fn" in str(info.value)


def test_collate_rejects_mixed_kinds():
    samples = [(Tensor(np.zeros(2)),), (np.zeros(2),), (3,)]
    with pytest.raises(TypeError) as info:
        default_collate(samples)
    message = str(info.value)
    assert "values at sample[0] need one kind" in message
    assert "sample 0 has Tensor and sample 2 has int" in message


@pytest.mark.parametrize("values", [np.array(["a"]), np.array([None])])
def test_collate_rejects_non_numeric_array(values):
    with pytest.raises(TypeError) as info:
        default_collate([{"x": values}, {"x": values}])
    assert f"array at sample['x'] of sample 0 has dtype {values.dtype}" in str(
        info.value
    )


def test_collate_rejects_shape_mismatch():
    with pytest.raises(ShapeError) as info:
        default_collate([(1, np.zeros(2)), (2, np.zeros(2)), (3, np.zeros(3))])
    message = str(info.value)
    assert "arrays at sample[1] need one shape" in message
    assert "sample 0 has (2,) and sample 2 has (3,)" in message


def test_collate_rejects_length_mismatch():
    with pytest.raises(ShapeError, match="sample 0 has 2 elements and sample 1 has 1"):
        default_collate([(1, 2), (3,)])


def test_collate_rejects_key_mismatch():
    with pytest.raises(KeyError, match="dicts at sample need the same keys"):
        default_collate([{"a": 1}, {"b": 2}])


# default_convert ------------------------------------------------------------------


def test_convert_copies_arrays_into_tensors():
    array = np.arange(3, dtype=np.int16)
    tensor = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)

    converted_array, converted_tensor = default_convert((array, tensor))
    converted_array.numpy()[...] = 9
    converted_tensor.numpy()[...] = 9

    assert_tensor(converted_array, np.full(3, 9, dtype=np.int16))
    np.testing.assert_array_equal(array, [0, 1, 2])
    np.testing.assert_array_equal(tensor.detach().numpy(), [1.0, 1.0])


def test_convert_keeps_structure_and_other_values():
    sample = Pair(image=[np.zeros(1), "s"], label={"k": 3, "f": np.float32(2)})
    converted = default_convert(sample)

    assert type(converted) is Pair
    assert type(converted.image) is list
    assert_tensor(converted.image[0], np.zeros(1))
    assert converted.image[1] == "s"
    assert converted.label["k"] == 3
    assert type(converted.label["f"]) is np.float32


def test_convert_leaves_string_arrays():
    values = np.array(["a", "b"])
    assert default_convert(values) is values


# Invariants -----------------------------------------------------------------------

DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, bool]
)


@given(data=st.data(), dtype=DTYPES, batch_size=st.integers(1, 6))
def test_collate_matches_numpy_stack(data, dtype, batch_size):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    arrays = [
        data.draw(hnp.arrays(dtype, shape, elements={"allow_nan": False}))
        if np.dtype(dtype).kind == "f"
        else data.draw(hnp.arrays(dtype, shape))
        for _ in range(batch_size)
    ]
    labels = data.draw(
        st.lists(st.integers(-5, 5), min_size=batch_size, max_size=batch_size)
    )

    images, batch_labels = default_collate(list(zip(arrays, labels, strict=True)))

    assert_tensor(images, np.stack(arrays))
    assert_tensor(batch_labels, np.array(labels, dtype=np.int64))
