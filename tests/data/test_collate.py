from collections import OrderedDict, UserList, defaultdict, namedtuple
from collections.abc import Mapping, Sequence
from types import MappingProxyType

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

# PyTorch 2.13 batches Python numbers with torch.tensor(values) when the first is
# a bool or an int (a float among them gives float32), and with float64 when the
# first is a float.


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], np.array([1, 2, 3], dtype=np.int64)),
        ([1.5, 2.0], np.array([1.5, 2.0], dtype=np.float64)),
        ([True, False], np.array([True, False])),
        ([1, 2.5], np.array([1.0, 2.5], dtype=np.float32)),
        ([1.5, 2], np.array([1.5, 2.0], dtype=np.float64)),
        ([True, 2], np.array([1, 2], dtype=np.int64)),
        ([1, True], np.array([1, 1], dtype=np.int64)),
        ([True, 2.5], np.array([1.0, 2.5], dtype=np.float32)),
        ([2.5, True], np.array([2.5, 1.0], dtype=np.float64)),
    ],
    ids=[
        "int",
        "float",
        "bool",
        "int_then_float",
        "float_then_int",
        "bool_then_int",
        "int_then_bool",
        "bool_then_float",
        "float_then_bool",
    ],
)
def test_collate_python_numbers(values, expected):
    assert_tensor(default_collate(values), expected)


def test_collate_int_overflow_names_position():
    with pytest.raises(OverflowError, match=r"int in the values at \[0\] does not"):
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


def test_collate_range_samples():
    batch = default_collate([range(3), range(1, 4)])

    assert type(batch) is list
    assert len(batch) == 3
    assert_tensor(batch[0], np.array([0, 1]))
    assert_tensor(batch[2], np.array([2, 3]))


def test_collate_mixed_sequence_types():
    batch = default_collate([range(2), [5, 6], (7, 8)])
    assert type(batch) is list
    assert_tensor(batch[1], np.array([1, 6, 8]))


class Tagged(UserList):
    """A mutable sequence with an attribute that its constructor does not set."""

    tag = "class"


class Frozen(Sequence):
    """A read-only sequence that can be built from a list."""

    def __init__(self, items):
        self._items = list(items)

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self):
        return len(self._items)


class Sub(tuple):
    """A tuple subclass that is not a named tuple."""


def test_collate_copies_first_mutable_sequence():
    first = Tagged([1, 2])
    first.tag = "first"
    batch = default_collate([first, Tagged([3, 4])])

    assert type(batch) is Tagged
    assert batch.tag == "first"
    assert list(first) == [1, 2]
    assert_tensor(batch[0], np.array([1, 3]))


def test_collate_rebuilds_read_only_sequence():
    batch = default_collate([Frozen([1, 2]), Frozen([3, 4])])
    assert type(batch) is Frozen
    assert_tensor(batch[1], np.array([2, 4]))


def test_collate_tuple_subclass_gives_list():
    batch = default_collate([Sub((1, 2)), Sub((3, 4))])
    assert type(batch) is list


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


def test_collate_keeps_defaultdict_factory():
    batch = default_collate([defaultdict(int, a=1), defaultdict(int, a=2)])

    assert type(batch) is defaultdict
    assert batch.default_factory is int
    assert_tensor(batch["a"], np.array([1, 2]))


class TaggedDict(dict):
    """A dict subclass with an attribute that its constructor does not set."""

    tag = "class"


class FrozenMapping(Mapping):
    """A read-only mapping that can be built from a dict."""

    def __init__(self, items):
        self._items = dict(items)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)


class KeywordMapping(FrozenMapping):
    """A read-only mapping whose constructor does not take a dict."""

    def __init__(self, *, a):
        super().__init__({"a": a})


def test_collate_copies_first_mutable_mapping():
    first, second = TaggedDict(a=1), TaggedDict(a=2)
    first.tag = "first"
    batch = default_collate([first, second])

    assert type(batch) is TaggedDict
    assert batch.tag == "first"
    assert batch is not first
    assert first["a"] == 1
    assert_tensor(batch["a"], np.array([1, 2]))


def test_collate_rebuilds_read_only_mapping():
    batch = default_collate([FrozenMapping({"a": 1}), FrozenMapping({"a": 2})])
    assert type(batch) is FrozenMapping
    assert_tensor(batch["a"], np.array([1, 2]))

    proxies = [MappingProxyType({"a": 1}), MappingProxyType({"a": 2})]
    assert type(default_collate(proxies)) is MappingProxyType


def test_collate_mapping_falls_back_to_dict():
    batch = default_collate([KeywordMapping(a=1), KeywordMapping(a=2)])
    assert type(batch) is dict
    assert_tensor(batch["a"], np.array([1, 2]))


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
        ([{1, 2}, {3}], "cannot batch sample 0, of type set."),
        ([None, None], "cannot batch sample 0, of type NoneType."),
        (
            [(0, {"label": object()})] * 2,
            "cannot batch sample 0 at [1]['label'], of type object.",
        ),
    ],
    ids=["set", "none", "nested_object"],
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
    assert "the values at [0] need one kind of value" in message
    assert "sample 0 has Tensor and sample 2 has int" in message


def test_collate_rejects_mixed_kinds_at_top():
    with pytest.raises(TypeError) as info:
        default_collate(["a", 1])
    message = str(info.value)
    assert message.startswith("default_collate: the samples need one kind of value")
    assert "sample 0 has str and sample 1 has int" in message


def test_collate_rejects_string_among_sequences():
    with pytest.raises(TypeError, match="sample 0 has list and sample 1 has str"):
        default_collate([[1, 2], "ab"])


@pytest.mark.parametrize("values", [np.array(["a"]), np.array([None])])
def test_collate_rejects_non_numeric_array(values):
    with pytest.raises(TypeError) as info:
        default_collate([{"x": values}, {"x": values}])
    expected = f"sample 0 at ['x'] is an array of dtype {values.dtype},"
    assert expected in str(info.value)


def test_collate_rejects_non_numeric_array_at_top():
    with pytest.raises(TypeError) as info:
        default_collate([np.array(["a"]), np.array(["b"])])
    expected = "default_collate: sample 0 is an array of dtype <U1,"
    assert str(info.value).startswith(expected)


def test_collate_rejects_shape_mismatch():
    with pytest.raises(ShapeError) as info:
        default_collate([(1, np.zeros(2)), (2, np.zeros(2)), (3, np.zeros(3))])
    message = str(info.value)
    assert "the values at [1] need one shape" in message
    assert "sample 0 has (2,) and sample 2 has (3,)" in message


def test_collate_rejects_shape_mismatch_at_top():
    with pytest.raises(ShapeError) as info:
        default_collate([np.zeros(2), np.zeros(3)])
    assert str(info.value).startswith("default_collate: the samples need one shape")


def test_collate_rejects_length_mismatch():
    with pytest.raises(ShapeError, match="sample 0 has 2 elements and sample 1 has 1"):
        default_collate([(1, 2), (3,)])


def test_collate_rejects_key_mismatch():
    with pytest.raises(KeyError) as info:
        default_collate([{"a": 1}, {"b": 2}])
    assert str(info.value) == (
        "default_collate: the samples need the keys of sample 0, but sample 1 "
        "is missing the key 'a' and has the unexpected key 'b'. Give every "
        "sample the same keys, or pass a collate_fn that handles missing keys."
    )


def test_collate_key_mismatch_nested():
    samples = [(0, {"x": 1, "y": 2}), (1, {"x": 1}), (2, {"x": 1, "z": 3, "w": 4})]
    with pytest.raises(KeyError) as info:
        default_collate(samples)
    message = str(info.value)
    assert message.startswith("default_collate: the values at [1] need the keys")
    assert "sample 1 is missing the key 'y'." in message


def test_collate_key_mismatch_lists_every_key():
    with pytest.raises(KeyError) as info:
        default_collate([{"x": 1}, {"x": 1, "z": 3, "w": 4}])
    assert "sample 1 has the unexpected keys 'z', 'w'." in str(info.value)


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
    assert_tensor(converted.label["f"], np.array(2, dtype=np.float32))


@pytest.mark.parametrize(
    "value", [np.float32(3), np.float64(2.5), np.int64(-4), np.uint8(7), np.bool_(1)]
)
def test_convert_numpy_scalar_to_0d_tensor(value):
    assert_tensor(default_convert(value), np.array(value))


@pytest.mark.parametrize("value", [np.str_("a"), np.bytes_(b"a"), 3, 2.5, "s"])
def test_convert_leaves_non_array_scalars(value):
    assert default_convert(value) is value


def test_convert_sequences_and_mappings():
    assert default_convert(range(3)) == [0, 1, 2]
    assert default_convert((1, 2)) == [1, 2]

    converted = default_convert(defaultdict(list, a=np.ones(1)))
    assert type(converted) is defaultdict
    assert converted.default_factory is list
    assert_tensor(converted["a"], np.ones(1))


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
