import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.data import Split, load_mnist, read_idx, write_idx
from tinygrad_edu.errors import FileFormatError

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]
MNIST_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def sample_array(dtype, shape=(3, 4, 2)):
    values = np.arange(np.prod(shape)).reshape(shape) - 5
    if np.issubdtype(dtype, np.unsignedinteger):
        values = values + 5
    return values.astype(dtype)


def write_fake_mnist(directory, num_train=5, num_test=3, rows=4, cols=3, gz=()):
    """Write small MNIST-shaped IDX files and return the arrays written.

    ``gz`` lists the roles (keys of MNIST_NAMES) whose file is gzipped.
    """
    generator = np.random.default_rng(0)
    arrays = {
        "train_images": generator.integers(0, 256, (num_train, rows, cols), np.uint8),
        "train_labels": generator.integers(0, 10, num_train, np.uint8),
        "test_images": generator.integers(0, 256, (num_test, rows, cols), np.uint8),
        "test_labels": generator.integers(0, 10, num_test, np.uint8),
    }
    for role, array in arrays.items():
        suffix = ".gz" if role in gz else ""
        write_idx(directory / f"{MNIST_NAMES[role]}{suffix}", array)
    return arrays


@pytest.mark.parametrize("dtype", IDX_DTYPES)
@pytest.mark.parametrize("name", ["data.idx", "data.idx.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    array = sample_array(dtype)
    write_idx(tmp_path / name, array)
    loaded = read_idx(tmp_path / name)

    assert loaded.dtype == np.dtype(dtype)
    assert loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize("shape", [(), (0,), (7,), (2, 0, 3), (1, 1, 1, 1, 2)])
def test_idx_round_trip_shapes(tmp_path, shape):
    array = np.ones(shape, dtype=np.float32)
    write_idx(tmp_path / "a.idx", array)
    loaded = read_idx(tmp_path / "a.idx")
    assert loaded.shape == shape


def test_idx_writes_big_endian(tmp_path):
    write_idx(tmp_path / "a.idx", np.array([1, 258], dtype=np.int32))
    content = (tmp_path / "a.idx").read_bytes()
    assert content == bytes.fromhex("00000c01 00000002 00000001 00000102")


def test_idx_reads_hand_written_file(tmp_path):
    header = bytes.fromhex("00000802 00000002 00000003")
    (tmp_path / "a").write_bytes(header + bytes(range(6)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), [[0, 1, 2], [3, 4, 5]])


def test_idx_reads_native_byte_order(tmp_path):
    write_idx(tmp_path / "a.idx", np.array([1.5], dtype=np.float64))
    assert read_idx(tmp_path / "a.idx").dtype.isnative


def test_idx_accepts_str_path(tmp_path):
    path = str(tmp_path / "a.idx")
    write_idx(path, np.arange(3, dtype=np.uint8))
    np.testing.assert_array_equal(read_idx(path), [0, 1, 2])


def test_idx_gzip_detected_by_magic(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(4, dtype=np.int16))
    (tmp_path / "a.gz").rename(tmp_path / "renamed.idx")
    np.testing.assert_array_equal(read_idx(tmp_path / "renamed.idx"), np.arange(4))


def test_idx_plain_file_named_gz(tmp_path):
    write_idx(tmp_path / "a.idx", np.arange(4, dtype=np.int16))
    (tmp_path / "a.idx").rename(tmp_path / "plain.gz")
    np.testing.assert_array_equal(read_idx(tmp_path / "plain.gz"), np.arange(4))


def test_idx_gz_file_is_gzip(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(4, dtype=np.uint8))
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"


@settings(deadline=None, max_examples=50)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(IDX_DTYPES),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
    )
)
def test_idx_round_trip_property(tmp_path_factory, array):
    path = tmp_path_factory.mktemp("idx") / "a.idx"
    write_idx(path, array)
    loaded = read_idx(path)

    assert loaded.dtype == array.dtype
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.float16, np.uint16])
def test_write_idx_rejects_dtype(tmp_path, dtype):
    with pytest.raises(TypeError, match="write_idx supports the dtypes"):
        write_idx(tmp_path / "a.idx", np.zeros(2, dtype=dtype))


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.idx")


# Each case: raw file bytes and a pattern the error message must contain.
CORRUPT_FILES = {
    "too_short": (b"\x00\x00\x08", "fewer than the 4-byte IDX magic number"),
    "bad_magic": (
        bytes.fromhex("01000801 00000001 05"),
        "invalid IDX magic number 01 00 08 01",
    ),
    "unknown_dtype": (
        bytes.fromhex("00000a01 00000001 05"),
        "unknown IDX element type code 0x0A",
    ),
    "truncated_dims": (
        bytes.fromhex("00000803 00000002 0000"),
        "declares 3 dimensions, which need 16 header bytes",
    ),
    "data_too_short": (
        bytes.fromhex("00000c01 00000003") + bytes(11),
        "needs 12 data bytes, but the file has 11",
    ),
    "data_too_long": (
        bytes.fromhex("00000801 00000002") + bytes(3),
        "needs 2 data bytes, but the file has 3",
    ),
    "empty": (b"", "the file has 0 bytes"),
}


@pytest.mark.parametrize("case", CORRUPT_FILES)
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_rejects_corrupt(tmp_path, case, compress):
    content, message = CORRUPT_FILES[case]
    path = tmp_path / f"{case}.idx"
    path.write_bytes(gzip.compress(content) if compress else content)

    with pytest.raises(FileFormatError, match=message) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_rejects_corrupt_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"not a deflate stream")

    with pytest.raises(FileFormatError, match="cannot be decompressed") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_rejects_truncated_gzip(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(100, dtype=np.int32))
    content = (tmp_path / "a.gz").read_bytes()
    (tmp_path / "a.gz").write_bytes(content[: len(content) // 2])

    with pytest.raises(FileFormatError, match="cannot be decompressed"):
        read_idx(tmp_path / "a.gz")


def test_mnist_returns_split(tmp_path):
    write_fake_mnist(tmp_path)
    assert isinstance(load_mnist(tmp_path), Split)


def test_mnist_shapes_and_dtypes(tmp_path):
    write_fake_mnist(tmp_path, num_train=5, num_test=3, rows=4, cols=3)
    split = load_mnist(tmp_path)

    assert split.x_train.shape == (5, 12)
    assert split.x_test.shape == (3, 12)
    assert split.y_train.shape == (5,)
    assert split.x_train.dtype == np.float32
    assert split.y_test.dtype == np.int64


def test_mnist_values(tmp_path):
    arrays = write_fake_mnist(tmp_path)
    split = load_mnist(tmp_path)

    expected_x = arrays["train_images"].reshape(5, -1) / np.float32(255)
    np.testing.assert_array_equal(split.x_train, expected_x)
    np.testing.assert_array_equal(split.y_test, arrays["test_labels"])
    assert split.x_test.min() >= 0.0
    assert split.x_test.max() <= 1.0


def test_mnist_reads_gzipped_files(tmp_path):
    arrays = write_fake_mnist(tmp_path, gz=("train_images", "test_labels"))
    split = load_mnist(str(tmp_path))
    np.testing.assert_array_equal(split.y_test, arrays["test_labels"])


def test_mnist_prefers_plain_file(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.full(3, 9, np.uint8))
    split = load_mnist(tmp_path)
    assert not np.all(split.y_test == 9)


def test_mnist_missing_files(tmp_path):
    write_fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()

    with pytest.raises(FileNotFoundError) as caught:
        load_mnist(tmp_path)
    message = str(caught.value)
    assert "t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz" in message
    assert "train-images" not in message


def test_mnist_empty_directory_lists_all(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        load_mnist(tmp_path)
    for name in MNIST_NAMES.values():
        assert f"{name}.gz" in str(caught.value)


def test_mnist_count_mismatch(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))

    with pytest.raises(FileFormatError, match="has 5 images but .* has 4 labels"):
        load_mnist(tmp_path)


def test_mnist_rejects_float_images(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 4, 3), np.float32))

    with pytest.raises(FileFormatError, match="expected uint8 images"):
        load_mnist(tmp_path)


def test_mnist_rejects_flat_images(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((5, 12), np.uint8))

    with pytest.raises(FileFormatError, match=r"got uint8 of shape \(5, 12\)"):
        load_mnist(tmp_path)


def test_mnist_rejects_2d_labels(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros((5, 1), np.uint8))

    with pytest.raises(FileFormatError, match="1-d array of integer labels"):
        load_mnist(tmp_path)


def test_mnist_rejects_size_mismatch(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8))

    with pytest.raises(FileFormatError, match="training images have 12 pixels"):
        load_mnist(tmp_path)


def test_mnist_rejects_corrupt_file(tmp_path):
    write_fake_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00")

    with pytest.raises(FileFormatError, match="train-labels-idx1-ubyte"):
        load_mnist(tmp_path)
