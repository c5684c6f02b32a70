import enum
import json
import math
import os
import pathlib
import pickle
import stat
import zipfile
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.errors import FileFormatError
from tinygrad_edu.optim import SGD
from tinygrad_edu.serialization import load, save
from tinygrad_edu.tensor import Tensor

MANIFEST_KEY = "__tinygrad_edu_manifest__"
DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]


class CreatesFileWhenUnpickled:
    """A pickle payload that creates ``path`` if anything unpickles it."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def assert_same(actual, expected):
    """Assert equal structure, leaf types, dtypes and values (NaN equals NaN)."""
    assert type(actual) is type(expected)
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        assert [type(key) for key in actual] == [type(key) for key in expected]
        for key in expected:
            assert_same(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for actual_item, expected_item in zip(actual, expected, strict=True):
            assert_same(actual_item, expected_item)
    elif isinstance(expected, Tensor):
        assert_same(actual.detach().numpy(), expected.detach().numpy())
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert actual.dtype == expected.dtype
        assert actual.shape == expected.shape
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, float):
        assert actual.hex() == expected.hex() or (
            math.isnan(actual) and math.isnan(expected)
        )
    else:
        assert actual == expected


def round_trip(obj, tmp_path):
    path = tmp_path / "state.npz"
    save(obj, path)
    return load(path)


def write_npz(path, manifest, **arrays):
    """Write an .npz with ``manifest`` as JSON bytes, the way save stores it."""
    manifest_bytes = json.dumps(manifest).encode("utf-8")
    arrays[MANIFEST_KEY] = np.frombuffer(manifest_bytes, dtype=np.uint8)
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def manifest_for(root, version=2):
    return {"format": "tinygrad_edu.save", "version": version, "root": root}


def key_node(key):
    """Return the manifest node of a scalar, as version 2 stores a dict key."""
    return {"type": type(key).__name__, "value": key}


@pytest.mark.parametrize("dtype", DTYPES)
def test_save_round_trip_dtype(tmp_path, dtype):
    array = np.arange(6).reshape(2, 3).astype(dtype)
    assert_same(round_trip({"weight": array}, tmp_path), {"weight": array})


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (0, 2, 5)])
def test_save_round_trip_shape(tmp_path, shape):
    array = np.zeros(shape, dtype=np.float32)
    assert_same(round_trip([array], tmp_path), [array])


def test_save_round_trip_nested(tmp_path):
    obj = {
        "model": {
            "layer1": {"weight": np.ones((2, 2)), "bias": np.zeros(2)},
            "layer2": {"weight": np.eye(3, dtype=np.float32)},
        },
        "history": [1.5, 2.5, (3, "three", None)],
        "empty": {"dict": {}, "list": [], "tuple": ()},
    }
    assert_same(round_trip(obj, tmp_path), obj)


def test_save_round_trip_optimizer_state(tmp_path):
    state = {
        "state": [
            {"momentum_buffer": None, "step": 0},
            {"momentum_buffer": np.full(3, 0.5, dtype=np.float32), "step": 4},
        ],
        "param_groups": [
            {"lr": 0.1, "momentum": 0.9, "nesterov": False, "params": [0, 1]}
        ],
    }
    assert_same(round_trip(state, tmp_path), state)


@pytest.mark.parametrize(
    "value",
    [0, -7, 2**80, 0.1, -0.0, 1e-310, math.inf, -math.inf, math.nan, True, False],
)
def test_save_round_trip_number(tmp_path, value):
    assert_same(round_trip({"value": value}, tmp_path), {"value": value})


@pytest.mark.parametrize("value", ["", "plain", "ünïcödé ✓ 学习率", 'quo"te\n'])
def test_save_round_trip_str(tmp_path, value):
    assert_same(round_trip([value], tmp_path), [value])


def test_save_round_trip_unicode_keys(tmp_path):
    obj = {"βeta": 1, "学习率": 2.0, "": None, "a'b\"c": "x", "emoji 🙂": [1]}
    assert_same(round_trip(obj, tmp_path), obj)


def test_save_keeps_key_order(tmp_path):
    obj = {"z": 1, "a": 2, "m": 3}
    assert list(round_trip(obj, tmp_path)) == ["z", "a", "m"]


def test_save_round_trip_int_keys(tmp_path):
    obj = {
        "state": {0: {"momentum_buffer": np.ones(2)}, 2: {"step": 3}},
        "by_index": {-1: {10: [1, 2]}, 2**70: {}, 0: None},
    }
    loaded = round_trip(obj, tmp_path)

    assert_same(loaded, obj)
    assert list(loaded["state"]) == [0, 2]
    assert type(next(iter(loaded["state"]))) is int


def test_save_colliding_keys_stay_apart(tmp_path):
    obj = {1: "int one", "1": "str one", "0": "str zero", 0: "int zero", "a": 5}
    loaded = round_trip(obj, tmp_path)

    assert_same(loaded, obj)
    assert loaded[1] == "int one"
    assert loaded["1"] == "str one"
    assert list(loaded) == [1, "1", "0", 0, "a"]


def test_save_int_enum_key_loads_as_int(tmp_path):
    loaded = round_trip({Color.RED: "red"}, tmp_path)
    assert_same(loaded, {1: "red"})


def test_save_error_names_int_key_location(tmp_path):
    obj = {"state": {0: {"buffer": object()}}}
    with pytest.raises(TypeError, match=r"obj\['state'\]\[0\]\['buffer'\]"):
        save(obj, tmp_path / "state.npz")


@pytest.mark.parametrize(
    "value", [np.float32(1.5), np.int64(-3), np.bool_(True), np.uint8(200)]
)
def test_save_round_trip_numpy_scalar(tmp_path, value):
    assert_same(round_trip({"value": value}, tmp_path), {"value": value})


def test_save_round_trip_top_level_values(tmp_path):
    for obj in [None, 5, "text", (1, 2), np.arange(3)]:
        assert_same(round_trip(obj, tmp_path), obj)


def test_save_subclasses_load_as_base(tmp_path):
    Point = namedtuple("Point", "x y")
    loaded = round_trip({"point": Point(1, 2)}, tmp_path)
    assert_same(loaded, {"point": (1, 2)})


class Color(enum.IntEnum):
    RED = 1


class Mode(str, enum.Enum):
    TRAIN = "train"


def test_save_enums_load_as_values(tmp_path):
    loaded = round_trip({"color": Color.RED, "mode": Mode.TRAIN}, tmp_path)
    assert_same(loaded, {"color": 1, "mode": "train"})


def test_save_memmap_loads_as_ndarray(tmp_path):
    mapped = np.memmap(tmp_path / "raw.bin", dtype=np.int16, mode="w+", shape=(3,))
    mapped[:] = [1, 2, 3]
    loaded = round_trip([mapped], tmp_path)
    assert_same(loaded, [np.array([1, 2, 3], dtype=np.int16)])


def test_save_rejects_masked_array(tmp_path):
    masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match="mask would be lost"):
        save([masked], tmp_path / "state.npz")


def test_save_round_trip_tensor(tmp_path):
    tensor = Tensor(np.arange(4, dtype=np.float32), requires_grad=True)
    loaded = round_trip({"weight": tensor}, tmp_path)["weight"]

    assert isinstance(loaded, Tensor)
    assert not loaded.requires_grad
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded.detach().numpy(), [0, 1, 2, 3])


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.bool_])
def test_save_tensor_keeps_dtype(tmp_path, dtype):
    tensor = Tensor(np.zeros((2, 3), dtype=dtype))
    loaded = round_trip([tensor], tmp_path)[0]
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.shape == (2, 3)


def test_save_tensor_and_array_stay_apart(tmp_path):
    obj = {"tensor": Tensor(np.ones(2)), "array": np.ones(2)}
    loaded = round_trip(obj, tmp_path)
    assert isinstance(loaded["tensor"], Tensor)
    assert type(loaded["array"]) is np.ndarray


def test_save_exact_path_without_suffix(tmp_path):
    path = tmp_path / "model.ckpt"
    save({"a": 1}, path)
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt"]


def test_save_accepts_str_path(tmp_path):
    path = str(tmp_path / "state")
    save({"a": np.ones(2)}, path)
    assert_same(load(path), {"a": np.ones(2)})


def test_save_accepts_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save([1], "relative.npz")
    assert load(pathlib.Path("relative.npz")) == [1]


def test_save_overwrites_existing_file(tmp_path):
    path = tmp_path / "state.npz"
    save({"version": 1}, path)
    save({"version": 2}, path)
    assert load(path) == {"version": 2}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_new_file_mode(tmp_path):
    save([1], tmp_path / "state.npz")
    assert stat.S_IMODE(os.stat(tmp_path / "state.npz").st_mode) == 0o644


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_keeps_existing_mode(tmp_path):
    path = tmp_path / "state.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    save([1], path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("failing", ["replace", "savez", "fsync"])
def test_save_failure_keeps_old_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "state.npz"
    save({"version": 1}, path)

    def fail(*args, **kwargs):
        raise OSError("simulated failure")

    target = {"replace": os, "savez": np, "fsync": os}[failing]
    monkeypatch.setattr(target, failing, fail)
    with pytest.raises(OSError, match="simulated failure"):
        save({"version": 2}, path)
    monkeypatch.undo()

    assert load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["state.npz"]


def test_save_failure_without_old_file(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("simulated failure")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        save([1], tmp_path / "state.npz")
    assert os.listdir(tmp_path) == []


def test_save_interrupt_removes_temp_file(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save([1], tmp_path / "state.npz")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("key", "type_name"),
    [
        (("a", 1), "tuple"),
        (1.5, "float"),
        (True, "bool"),
        (np.int64(0), "int64"),
        (None, "NoneType"),
        (b"key", "bytes"),
    ],
)
def test_save_rejects_key_type(tmp_path, key, type_name):
    message = rf"obj\['state'\] has the key .* of type {type_name}\."
    with pytest.raises(TypeError, match=message):
        save({"state": {key: np.ones(1)}}, tmp_path / "state.npz")
    assert os.listdir(tmp_path) == []


def test_save_key_error_names_rule(tmp_path):
    with pytest.raises(TypeError, match="only str and int dict keys"):
        save({("a", 1): 1}, tmp_path / "state.npz")


def test_save_rejects_object_array(tmp_path):
    array = np.array([{"a": 1}, None], dtype=object)
    with pytest.raises(TypeError, match=r"obj\['x'\]\[1\]: arrays of dtype object"):
        save({"x": [1, array]}, tmp_path / "state.npz")
    assert os.listdir(tmp_path) == []


def test_save_rejects_object_field_dtype(tmp_path):
    array = np.zeros(2, dtype=[("name", object), ("value", np.float32)])
    with pytest.raises(TypeError, match="need pickle"):
        save([array], tmp_path / "state.npz")


@pytest.mark.parametrize("value", [{1, 2}, object(), b"bytes", 1 + 2j])
def test_save_rejects_unsupported_type(tmp_path, value):
    with pytest.raises(TypeError, match=r"cannot store obj\['value'\] of type"):
        save({"value": value}, tmp_path / "state.npz")


def test_save_rejects_self_reference(tmp_path):
    items = [1]
    items.append(items)
    with pytest.raises(ValueError, match=r"obj\[1\], which contains itself"):
        save(items, tmp_path / "state.npz")


def test_save_allows_shared_leaves(tmp_path):
    shared = np.ones(2)
    loaded = round_trip([shared, shared, [shared]], tmp_path)
    assert_same(loaded, [np.ones(2), np.ones(2), [np.ones(2)]])


@pytest.mark.parametrize("path", [123, None, 1.5])
def test_save_rejects_bad_path_type(path):
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        save([1], path)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.npz")


def test_load_rejects_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not an archive")

    with pytest.raises(FileFormatError, match="ZIP signature") as caught:
        load(path)
    assert str(path) in str(caught.value)


def test_load_rejects_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(FileFormatError, match="ZIP signature"):
        load(path)


def test_load_rejects_npy_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    with pytest.raises(FileFormatError, match="not a file written by"):
        load(path)


def test_load_rejects_raw_pickle(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "state.pkl"
    path.write_bytes(pickle.dumps(CreatesFileWhenUnpickled(marker)))

    with pytest.raises(FileFormatError):
        load(path)
    assert not marker.exists()


def test_load_rejects_pickled_array(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "state.npz"
    payload = np.array([CreatesFileWhenUnpickled(marker)], dtype=object)
    write_npz(path, manifest_for({"type": "ndarray", "array": "a0"}), a0=payload)

    with pytest.raises(FileFormatError, match="cannot read array 'a0'") as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert not marker.exists()


def test_load_rejects_archive_without_manifest(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.ones(2))
    with pytest.raises(FileFormatError, match="has no manifest"):
        load(path)


def test_load_rejects_truncated_file(tmp_path):
    path = tmp_path / "state.npz"
    save({"weight": np.ones(1000)}, path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])

    with pytest.raises(FileFormatError) as caught:
        load(path)
    assert str(path) in str(caught.value)


def test_load_rejects_invalid_json(tmp_path):
    path = tmp_path / "state.npz"
    manifest = np.frombuffer(b'{"format": "tinygrad_edu.save", ', dtype=np.uint8)
    np.savez(path, **{MANIFEST_KEY: manifest})
    with pytest.raises(FileFormatError, match="corrupt manifest"):
        load(path)


def test_load_rejects_invalid_utf8(tmp_path):
    path = tmp_path / "state.npz"
    np.savez(path, **{MANIFEST_KEY: np.array([0xFF, 0xFE], dtype=np.uint8)})
    with pytest.raises(FileFormatError, match="corrupt manifest"):
        load(path)


def test_load_rejects_manifest_dtype(tmp_path):
    path = tmp_path / "state.npz"
    np.savez(path, **{MANIFEST_KEY: np.zeros(3, dtype=np.float32)})
    with pytest.raises(FileFormatError, match="expected a 1-d uint8 array"):
        load(path)


def test_load_rejects_foreign_format(tmp_path):
    path = tmp_path / "state.npz"
    write_npz(path, {"format": "other", "version": 1, "root": {"type": "none"}})
    with pytest.raises(FileFormatError, match="format is not"):
        load(path)


@pytest.mark.parametrize("version", [3, 0, True, 1.0, "2", None])
def test_load_rejects_unknown_version(tmp_path, version):
    path = tmp_path / "state.npz"
    write_npz(path, manifest_for({"type": "none"}, version=version))
    with pytest.raises(FileFormatError, match="unsupported format version"):
        load(path)


def test_load_reads_version_1(tmp_path):
    # Version 1 stored each dict key as a bare JSON string.
    path = tmp_path / "state.npz"
    tensor_node = {"type": "tensor", "array": "a0"}
    inner = {"type": "dict", "items": [["weight", tensor_node]]}
    root = {"type": "dict", "items": [["layer", inner], ["lr", key_node(0.5)]]}
    write_npz(path, manifest_for(root, version=1), a0=np.ones(2, dtype=np.float32))

    loaded = load(path)
    assert list(loaded) == ["layer", "lr"]
    assert loaded["lr"] == 0.5
    np.testing.assert_array_equal(loaded["layer"]["weight"].numpy(), [1, 1])


@pytest.mark.parametrize("key", [0, {"type": "str", "value": "a"}])
def test_load_version_1_rejects_non_str_key(tmp_path, key):
    path = tmp_path / "state.npz"
    root = {"type": "dict", "items": [[key, {"type": "none"}]]}
    write_npz(path, manifest_for(root, version=1))
    with pytest.raises(FileFormatError, match="invalid dict key"):
        load(path)


def test_load_rejects_missing_root(tmp_path):
    path = tmp_path / "state.npz"
    write_npz(path, {"format": "tinygrad_edu.save", "version": 1})
    with pytest.raises(FileFormatError, match="root entry is missing"):
        load(path)


def test_load_rejects_missing_array(tmp_path):
    path = tmp_path / "state.npz"
    items = [[key_node("w"), {"type": "tensor", "array": "a7"}]]
    root = {"type": "dict", "items": items}
    write_npz(path, manifest_for(root))

    with pytest.raises(FileFormatError, match="array 'a7', which is missing") as caught:
        load(path)
    assert str(path) in str(caught.value)


# Manifest roots that load must reject, each with a pattern of the message.
BAD_NODES = {
    "unknown_type": ({"type": "set", "items": []}, "invalid entry for obj"),
    "not_a_dict": ([1, 2], "invalid entry for obj"),
    "int_as_bool": ({"type": "int", "value": True}, "obj should be int"),
    "float_as_str": ({"type": "float", "value": "1.0"}, "obj should be float"),
    "bool_as_int": ({"type": "bool", "value": 1}, "obj should be bool"),
    "items_missing": ({"type": "list"}, "obj has no item list"),
    "bad_dict_item": (
        {"type": "dict", "items": [[key_node("a")]]},
        "invalid dict item in obj",
    ),
    "bare_str_key": (
        {"type": "dict", "items": [["a", {"type": "none"}]]},
        "invalid dict key 'a' in obj",
    ),
    "float_key": (
        {"type": "dict", "items": [[key_node(1.0), {"type": "none"}]]},
        "invalid dict key",
    ),
    "bool_as_int_key": (
        {"type": "dict", "items": [[{"type": "int", "value": True}, {"type": "none"}]]},
        "a key of obj should be int",
    ),
    "duplicate_key": (
        {
            "type": "dict",
            "items": [[key_node(0), {"type": "none"}], [key_node(0), {"type": "none"}]],
        },
        "obj has the key 0 twice",
    ),
    "nested_bad": (
        {"type": "tuple", "items": [{"type": "none"}, {"type": "str"}]},
        r"obj\[1\] should be str",
    ),
    "array_name_not_str": ({"type": "ndarray", "array": 3}, "array 3"),
}


@pytest.mark.parametrize("case", BAD_NODES)
def test_load_rejects_bad_node(tmp_path, case):
    root, message = BAD_NODES[case]
    path = tmp_path / "state.npz"
    write_npz(path, manifest_for(root))

    with pytest.raises(FileFormatError, match=message):
        load(path)


def test_load_rejects_scalar_with_shape(tmp_path):
    path = tmp_path / "state.npz"
    write_npz(
        path, manifest_for({"type": "numpy_scalar", "array": "a0"}), a0=np.ones(2)
    )
    with pytest.raises(FileFormatError, match="should be a NumPy scalar"):
        load(path)


def test_save_writes_plain_npz(tmp_path):
    path = tmp_path / "state.npz"
    save({"w": np.ones(2)}, path)

    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
    assert names == [f"{MANIFEST_KEY}.npy", "a0.npy"]


def test_save_manifest_is_readable_json(tmp_path):
    path = tmp_path / "state.npz"
    save({"w": np.ones(2), "lr": 0.5, 3: "three"}, path)

    with np.load(path, allow_pickle=False) as archive:
        manifest = json.loads(archive[MANIFEST_KEY].tobytes().decode("utf-8"))
    items = manifest["root"]["items"]
    assert manifest["format"] == "tinygrad_edu.save"
    assert manifest["version"] == 2
    assert items[1] == [key_node("lr"), {"type": "float", "value": 0.5}]
    assert items[2] == [key_node(3), {"type": "str", "value": "three"}]


def test_load_outlives_file(tmp_path):
    # load reads every array before it closes the file.
    path = tmp_path / "state.npz"
    save({"w": np.arange(3)}, path)
    loaded = load(path)
    os.remove(path)
    np.testing.assert_array_equal(loaded["w"], [0, 1, 2])


leaf_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    hnp.arrays(
        dtype=st.sampled_from(DTYPES),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    ),
)
dict_keys = st.one_of(st.text(max_size=6), st.integers(-(2**70), 2**70))
nested_values = st.recursive(
    leaf_values,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(dict_keys, children, max_size=4),
    ),
    max_leaves=12,
)


@settings(deadline=None, max_examples=80)
@given(obj=nested_values)
def test_save_round_trip_property(tmp_path_factory, obj):
    path = tmp_path_factory.mktemp("save") / "state.npz"
    save(obj, path)
    assert_same(load(path), obj)


def make_params():
    """Return three parameters of different shapes and floating dtypes."""
    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal((2, 3)).astype(np.float32),
        rng.standard_normal(4),
        np.array(0.5, dtype=np.float32),
    ]
    return [Tensor(array, requires_grad=True) for array in arrays]


def copy_params(params):
    return [
        Tensor(param.detach().numpy().copy(), requires_grad=True) for param in params
    ]


def set_grads(params, seed):
    rng = np.random.default_rng(seed)
    for param in params:
        param.grad = Tensor(rng.standard_normal(param.shape).astype(param.dtype))


def stepped_sgd():
    """Return parameters and an SGD with momentum that has taken one step."""
    params = make_params()
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    set_grads(params, seed=1)
    optimizer.step()
    return params, optimizer


def test_save_round_trip_sgd_state_dict(tmp_path):
    _, optimizer = stepped_sgd()
    state_dict = optimizer.state_dict()
    loaded = round_trip(state_dict, tmp_path)

    assert_same(loaded, state_dict)
    assert list(loaded["state"]) == [0, 1, 2]
    assert loaded["param_groups"][0]["params"] == [0, 1, 2]


def test_save_sgd_resumes_identically(tmp_path):
    params, optimizer = stepped_sgd()
    path = tmp_path / "optimizer.npz"
    save(optimizer.state_dict(), path)

    copies = copy_params(params)
    restored = SGD(copies, lr=0.1, momentum=0.9)
    restored.load_state_dict(load(path))
    for seed in (2, 3, 4):
        set_grads(params, seed)
        set_grads(copies, seed)
        optimizer.step()
        restored.step()

    for param, copy in zip(params, copies, strict=True):
        assert copy.dtype == param.dtype
        np.testing.assert_array_equal(copy.detach().numpy(), param.detach().numpy())


def test_save_sgd_without_state_diverges():
    # Shows that the resume test can fail: without the momentum buffers, the
    # next step differs.
    params, optimizer = stepped_sgd()
    copies = copy_params(params)
    fresh = SGD(copies, lr=0.1, momentum=0.9)
    set_grads(params, seed=2)
    set_grads(copies, seed=2)
    optimizer.step()
    fresh.step()

    first, first_copy = params[0].detach().numpy(), copies[0].detach().numpy()
    assert not np.array_equal(first, first_copy)


def test_save_into_missing_directory_names_the_path(tmp_path):
    target = tmp_path / "missing" / "weights.npz"
    with pytest.raises(FileNotFoundError, match="weights.npz"):
        save({"w": np.ones(2)}, target)
