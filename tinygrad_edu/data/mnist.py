"""Reading and writing IDX files, and loading MNIST from a local directory.

IDX is the format of the MNIST files. A file starts with a 4-byte magic
number: two zero bytes, a byte with the element type, and a byte with the
number of dimensions. Then come the dimension sizes as big-endian uint32,
then the elements in row-major order, big-endian. MNIST is often shipped
gzipped, so ``read_idx`` also accepts a gzip stream.

Nothing here downloads data: ``load_mnist`` reads files that are already on
disk.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from tinygrad_edu.data.split import Split
from tinygrad_edu.errors import FileFormatError

# Element type code of the IDX magic number -> big-endian NumPy dtype.
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES: dict[np.dtype, int] = {
    dtype.newbyteorder("="): code for code, dtype in _IDX_DTYPES.items()
}

_GZIP_MAGIC = b"\x1f\x8b"
_MAGIC_SIZE = 4
_DIM_SIZE = 4
_MAX_DIM = 2**32 - 1

_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, plain or gzipped, into a NumPy array.

    Gzip is detected from the first two bytes of the file (1f 8b), whatever
    the file name is.

    Args:
        path: the file to read.

    Returns:
        A native-endian array with the shape from the header and the dtype of
        the element type code: uint8 (0x08), int8 (0x09), int16 (0x0B), int32
        (0x0C), float32 (0x0D) or float64 (0x0E).

    Raises:
        FileNotFoundError: if the file does not exist.
        FileFormatError: if the gzip stream is corrupt, the magic number is
            invalid, the type code is unknown, or the number of data bytes
            differs from what the header declares.
    """
    content = _read_maybe_gzipped(Path(path))

    if len(content) < _MAGIC_SIZE:
        raise FileFormatError(
            f"{path}: the file has {len(content)} bytes, fewer than the "
            f"{_MAGIC_SIZE}-byte IDX magic number"
        )
    if content[0] != 0 or content[1] != 0:
        raise FileFormatError(
            f"{path}: invalid IDX magic number {content[:_MAGIC_SIZE].hex(' ')}, "
            "because an IDX file must start with two zero bytes"
        )

    type_code, ndim = content[2], content[3]
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in _IDX_DTYPES)
        raise FileFormatError(
            f"{path}: unknown IDX element type code 0x{type_code:02X} "
            f"(known codes: {known})"
        )
    dtype = _IDX_DTYPES[type_code]

    header_size = _MAGIC_SIZE + _DIM_SIZE * ndim
    if len(content) < header_size:
        raise FileFormatError(
            f"{path}: the header declares {ndim} dimensions, which need "
            f"{header_size} header bytes, but the file has only {len(content)}"
        )
    shape = tuple(
        int(size) for size in np.frombuffer(content, ">u4", ndim, _MAGIC_SIZE)
    )

    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(content) - header_size
    if found != expected:
        raise FileFormatError(
            f"{path}: the header declares shape {shape} of {dtype.newbyteorder('=')}, "
            f"which needs {expected} data bytes, but the file has {found}"
        )

    data = np.frombuffer(content, dtype, offset=header_size)
    return data.astype(dtype.newbyteorder("=")).reshape(shape)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write an array to an IDX file, gzipped when the path ends in ``.gz``.

    Args:
        path: the file to write. An existing file is overwritten.
        array: an array of dtype uint8, int8, int16, int32, float32 or
            float64, with at most 255 dimensions of at most 2**32 - 1 each.

    Raises:
        TypeError: if the dtype has no IDX type code.
        ValueError: if the array has too many dimensions or a dimension
            that is too large for the header.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _IDX_CODES:
        names = ", ".join(str(dtype) for dtype in _IDX_CODES)
        raise TypeError(
            f"write_idx supports the dtypes {names}, got {array.dtype}; "
            "convert the array with astype first"
        )
    if array.ndim > 255:
        raise ValueError(
            f"an IDX header stores at most 255 dimensions, got {array.ndim}"
        )
    if any(size > _MAX_DIM for size in array.shape):
        raise ValueError(
            f"an IDX header stores dimension sizes up to {_MAX_DIM}, "
            f"got shape {array.shape}"
        )

    magic = bytes([0, 0, _IDX_CODES[native], array.ndim])
    sizes = np.asarray(array.shape, dtype=">u4").tobytes()
    data = np.ascontiguousarray(array, dtype=native.newbyteorder(">")).tobytes()
    content = magic + sizes + data

    path = Path(path)
    if path.name.endswith(".gz"):
        content = gzip.compress(content)
    path.write_bytes(content)


def load_mnist(directory: str | os.PathLike[str]) -> Split:
    """Load MNIST from the four standard IDX files in a directory.

    The files are ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or
    with a ``.gz`` suffix. The plain name is used when both exist.

    Args:
        directory: the directory that contains the files.

    Returns:
        A ``Split`` with ``x_train`` and ``x_test`` as float32 arrays of shape
        ``(N, rows * cols)`` (``(N, 784)`` for MNIST) with pixels scaled from
        0..255 to [0, 1], and ``y_train`` and ``y_test`` as int64 arrays of
        shape ``(N,)``.

    Raises:
        FileNotFoundError: if a file is missing. The message lists the names
            tried.
        FileFormatError: if a file is not valid IDX or the arrays do not fit
            MNIST. Images must be uint8 of shape ``(N, rows, cols)`` and
            labels a 1-d integer array with one label per image. Training
            and test images must have the same size.
    """
    directory = Path(directory)
    paths = _find_mnist_files(directory)

    x_train, y_train = _read_images_and_labels(
        paths["train_images"], paths["train_labels"]
    )
    x_test, y_test = _read_images_and_labels(paths["test_images"], paths["test_labels"])

    if x_train.shape[1] != x_test.shape[1]:
        raise FileFormatError(
            f"{directory}: training images have {x_train.shape[1]} pixels and "
            f"test images {x_test.shape[1]}, but both sets must have one size"
        )
    return Split(x_train, y_train, x_test, y_test)


def _read_maybe_gzipped(path: Path) -> bytes:
    content = path.read_bytes()
    if not content.startswith(_GZIP_MAGIC):
        return content

    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as error:
        raise FileFormatError(
            f"{path}: the file starts with the gzip magic bytes but cannot be "
            f"decompressed: {error}"
        ) from error


def _find_mnist_files(directory: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    missing: list[str] = []
    for role, name in _MNIST_FILES.items():
        candidates = [directory / name, directory / f"{name}.gz"]
        existing = [path for path in candidates if path.is_file()]
        if existing:
            found[role] = existing[0]
        else:
            missing.extend(path.name for path in candidates)

    if missing:
        raise FileNotFoundError(
            f"MNIST files not found in {directory} (tried {', '.join(missing)}). "
            "Download the four IDX files into that directory first"
        )
    return found


def _read_images_and_labels(
    images_path: Path, labels_path: Path
) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path)
    labels = read_idx(labels_path)

    if images.dtype != np.uint8 or images.ndim != 3:
        raise FileFormatError(
            f"{images_path}: expected uint8 images of shape (N, rows, cols), "
            f"got {images.dtype} of shape {images.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise FileFormatError(
            f"{labels_path}: expected a 1-d array of integer labels, "
            f"got {labels.dtype} of shape {labels.shape}"
        )
    if len(images) != len(labels):
        raise FileFormatError(
            f"{images_path} has {len(images)} images but {labels_path} has "
            f"{len(labels)} labels, and the counts must match"
        )

    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    y = labels.astype(np.int64)
    return x, y
