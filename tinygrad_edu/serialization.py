"""Saving and loading state dicts without pickle.

``save`` writes a NumPy ``.npz`` archive. Every array in the object is stored
under a generated name (``a0``, ``a1``, ...). One extra uint8 array contains a
UTF-8 JSON manifest, which records the nesting of dicts, lists and tuples, the
type of every leaf and the type of every dict key. ``load`` rebuilds the object
from the manifest and reads arrays with ``allow_pickle=False``, so loading a
file never runs code from it.

Supported values: dicts with str or int keys, lists, tuples, Tensors, NumPy
arrays and scalars (such as ``np.float32(1.5)``), and the Python types int,
float, bool, str and None. Each value and each key comes back with the type it
was saved as, so an optimizer's ``state_dict()``, whose ``'state'`` has int
keys, loads unchanged, and the keys ``1`` and ``"1"`` of one dict stay apart.
Subclasses come back as their base type (a named tuple as a tuple, an IntEnum
as an int, an ``np.memmap`` as an ndarray). Tensors come back with
``requires_grad=False``.

Format versions: version 2 stores each dict key as a typed node such as
``{"type": "int", "value": 0}``. Version 1, which ``load`` still reads, stored
each key as a bare JSON string.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from typing import Any

import numpy as np

from tinygrad_edu.errors import FileFormatError

_MANIFEST_KEY = "__tinygrad_edu_manifest__"
_FORMAT_NAME = "tinygrad_edu.save"
_FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)
# np.savez writes a ZIP archive, which starts with a local file header.
_ZIP_SIGNATURE = b"PK\x03\x04"

# Permission bits of a newly created file, the usual rw-r--r--. mkstemp makes
# its temporary file readable by the owner only.
_NEW_FILE_MODE = 0o644

_SCALAR_TYPES = {"bool": bool, "int": int, "float": float, "str": str}


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Save a state dict, or any nesting of the supported values, to a file.

    The write is atomic: the data go to a temporary file in the target's
    directory, which is flushed, synced to disk and then renamed onto
    ``path``. If anything fails, the temporary file is removed and an existing
    file at ``path`` is left unchanged. A new file gets mode 0o644 whatever
    the umask, and an existing one keeps its permission bits. The exact
    ``path`` is used, and no ``.npz`` suffix is added.

    Args:
        obj: the object to save (see the module docstring for the types).
        path: the file to write, as ``str`` or ``os.PathLike``.

    Raises:
        TypeError: if a value has an unsupported type, a dict key is not a
            str or an int (a bool key is rejected too), an array has object
            dtype or is masked, or ``path`` is not a str or os.PathLike.
        ValueError: if a container contains itself.
    """
    path = _check_path(path)
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, arrays, location="obj", ancestors=set())

    manifest = {"format": _FORMAT_NAME, "version": _FORMAT_VERSION, "root": root}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    arrays[_MANIFEST_KEY] = np.frombuffer(manifest_bytes, dtype=np.uint8)

    _write_atomically(path, arrays)


def load(path: str | os.PathLike[str]) -> Any:
    """Load an object written by ``save``.

    Args:
        path: the file to read, as ``str`` or ``os.PathLike``.

    Returns:
        The saved object, with dicts, lists, tuples, Tensors, NumPy arrays and
        scalars, Python scalars and dict keys of the types they were saved
        with. Tensors do not require grad.

    Raises:
        FileNotFoundError: if the file does not exist.
        FileFormatError: if the file is not an archive written by ``save``,
            its manifest is corrupt, an array it names is missing, or an
            array would need pickle to load.
    """
    path = _check_path(path)
    with open(path, "rb") as file:
        signature = file.read(len(_ZIP_SIGNATURE))
        if signature != _ZIP_SIGNATURE:
            raise FileFormatError(
                f"{path}: not a file written by tinygrad_edu.save, because it does "
                "not start with the ZIP signature of an .npz archive"
            )

        file.seek(0)
        try:
            archive = np.load(file, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise FileFormatError(f"{path}: corrupt .npz archive: {error}") from error

        with archive:
            reader = _ArchiveReader(path, archive)
            return reader.decode(reader.read_root(), location="obj")


def _check_path(path: Any) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def _encode(
    value: Any, arrays: dict[str, np.ndarray], location: str, ancestors: set[int]
) -> dict[str, Any]:
    """Return the manifest node of ``value`` and add its arrays to ``arrays``.

    ``location`` is the path from the saved object to ``value``, written like
    ``obj['state'][0]``, for error messages. ``ancestors`` contains the ids of
    the containers that enclose ``value``, to detect a container that
    contains itself.
    """
    if value is None:
        return {"type": "none"}
    # bool is tested before int because bool is a subclass of int.
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, (int, float, str)):
        return _encode_scalar(value)
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"save cannot store {location}, a masked array, because the mask "
            "would be lost. Save its data and mask as two plain arrays"
        )
    if isinstance(value, (np.ndarray, np.generic)):
        kind = "ndarray" if isinstance(value, np.ndarray) else "numpy_scalar"
        return {"type": kind, "array": _add_array(np.asarray(value), arrays, location)}
    if isinstance(value, (dict, list, tuple)):
        return _encode_container(value, arrays, location, ancestors)

    # Imported here so that saving NumPy-only objects does not load the engine.
    from tinygrad_edu.tensor import Tensor

    if isinstance(value, Tensor):
        array = value.detach()._array
        return {"type": "tensor", "array": _add_array(array, arrays, location)}

    raise TypeError(
        f"save cannot store {location} of type {type(value).__name__}. Supported "
        "types are dict, list, tuple, Tensor, NumPy arrays and scalars, int, "
        "float, bool, str and None"
    )


def _encode_scalar(value: int | float | str) -> dict[str, Any]:
    # Subclasses such as IntEnum are stored as their base type, which is the
    # type that load returns. The base's own conversion method skips any
    # override, so a (str, Enum) member stores its value, not "Class.NAME".
    if isinstance(value, int):
        return {"type": "int", "value": int.__int__(value)}
    if isinstance(value, float):
        return {"type": "float", "value": float.__float__(value)}
    return {"type": "str", "value": str.__str__(value)}


def _encode_container(
    value: dict | list | tuple,
    arrays: dict[str, np.ndarray],
    location: str,
    ancestors: set[int],
) -> dict[str, Any]:
    if id(value) in ancestors:
        raise ValueError(f"save cannot store {location}, which contains itself")
    ancestors = ancestors | {id(value)}

    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            key_node = _encode_key(key, location)
            item_location = f"{location}[{key_node['value']!r}]"
            items.append([key_node, _encode(item, arrays, item_location, ancestors)])
        return {"type": "dict", "items": items}

    nodes = [
        _encode(item, arrays, f"{location}[{index}]", ancestors)
        for index, item in enumerate(value)
    ]
    # Subclasses such as named tuples are stored as the plain base type.
    kind = "tuple" if isinstance(value, tuple) else "list"
    return {"type": kind, "items": nodes}


def _encode_key(key: Any, location: str) -> dict[str, Any]:
    """Return the manifest node of a dict key, which must be a str or an int."""
    # bool is a subclass of int, and True == 1, so it is excluded explicitly.
    if isinstance(key, (str, int)) and not isinstance(key, bool):
        return _encode_scalar(key)
    raise TypeError(
        f"save supports only str and int dict keys, but {location} has the key "
        f"{key!r} of type {type(key).__name__}. Convert the keys to str or int"
    )


def _add_array(array: np.ndarray, arrays: dict[str, np.ndarray], location: str) -> str:
    if array.dtype.hasobject:
        raise TypeError(
            f"save cannot store {location}: arrays of dtype {array.dtype} contain "
            "Python objects, which need pickle. Convert it to a numeric dtype"
        )
    name = f"a{len(arrays)}"
    arrays[name] = array
    return name


def _write_atomically(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an .npz archive to ``path`` through a temporary file."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"save: cannot write {path!r}, because its directory {directory!r} "
            "does not exist; create the directory first"
        )
    mode = _existing_mode(path)
    descriptor, temporary_path = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            # Writing through a file object stops np.savez from appending
            # ".npz" to the name.
            # NumPy's stubs type **kwds of savez like its allow_pickle flag.
            np.savez(file, **arrays)  # type: ignore[arg-type]
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary_path, mode)
        os.replace(temporary_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary_path)
        raise

    _fsync_directory(directory)


def _existing_mode(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return _NEW_FILE_MODE


def _fsync_directory(directory: str) -> None:
    # Syncing the directory makes the rename itself survive a power loss. Only
    # POSIX systems can open a directory for this.
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class _ArchiveReader:
    """Rebuild a saved object from an open archive, checking each manifest node.

    Every problem becomes a ``FileFormatError`` that names the file.
    """

    def __init__(self, path: str, archive: np.lib.npyio.NpzFile) -> None:
        self.path = path
        self.archive = archive
        # The format version of the file, set by read_root.
        self.version = _FORMAT_VERSION

    def read_root(self) -> Any:
        """Read and check the manifest, and return its root node."""
        if _MANIFEST_KEY not in self.archive.files:
            raise self.error(
                "not a file written by tinygrad_edu.save: the archive has no manifest"
            )
        raw = self.read_array(_MANIFEST_KEY)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise self.error(
                f"corrupt manifest: expected a 1-d uint8 array, got {raw.dtype} "
                f"of shape {raw.shape}"
            )

        try:
            manifest = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise self.error(f"corrupt manifest: {error}") from error

        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT_NAME:
            raise self.error(f"corrupt manifest: the format is not {_FORMAT_NAME!r}")
        version = manifest.get("version")
        # type() rather than isinstance, because JSON true and 1.0 equal 1.
        if type(version) is not int or version not in _READABLE_VERSIONS:
            readable = ", ".join(map(str, _READABLE_VERSIONS))
            raise self.error(
                f"unsupported format version {version!r}. This version of "
                f"tinygrad_edu reads versions {readable}"
            )
        if "root" not in manifest:
            raise self.error("corrupt manifest: the root entry is missing")

        self.version = version
        return manifest["root"]

    def read_array(self, name: Any) -> np.ndarray:
        """Return the array stored under ``name``."""
        if not isinstance(name, str) or name not in self.archive.files:
            raise self.error(f"the manifest names the array {name!r}, which is missing")
        try:
            return self.archive[name]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            # NumPy raises ValueError for an object array, which needs pickle.
            raise self.error(f"cannot read array {name!r}: {error}") from error

    def decode(self, node: Any, location: str) -> Any:
        """Return the value that the manifest node describes."""
        kind = node.get("type") if isinstance(node, dict) else None
        if kind == "none":
            return None
        if kind in _SCALAR_TYPES:
            return self.decode_scalar(node, kind, location)
        if kind in ("tensor", "ndarray", "numpy_scalar"):
            return self.decode_array(node, kind, location)
        if kind in ("dict", "list", "tuple"):
            return self.decode_container(node, kind, location)
        raise self.error(f"corrupt manifest: invalid entry for {location}: {node!r}")

    def decode_scalar(self, node: dict, kind: str, location: str) -> Any:
        value = node.get("value")
        # type() rather than isinstance, because JSON true must not pass as int.
        if type(value) is not _SCALAR_TYPES[kind]:
            raise self.error(
                f"corrupt manifest: {location} should be {kind}, got {value!r}"
            )
        return value

    def decode_array(self, node: dict, kind: str, location: str) -> Any:
        array = self.read_array(node.get("array"))
        if kind == "ndarray":
            return array
        if kind == "numpy_scalar":
            if array.ndim != 0:
                raise self.error(
                    f"corrupt file: {location} should be a NumPy scalar, got "
                    f"an array of shape {array.shape}"
                )
            return array[()]

        # Imported here so that loading NumPy-only files does not load the engine.
        from tinygrad_edu.tensor import Tensor

        return Tensor(array)

    def decode_container(self, node: dict, kind: str, location: str) -> Any:
        items = node.get("items")
        if not isinstance(items, list):
            raise self.error(f"corrupt manifest: {location} has no item list")
        if kind != "dict":
            values = [
                self.decode(item, f"{location}[{index}]")
                for index, item in enumerate(items)
            ]
            return tuple(values) if kind == "tuple" else values

        result: dict[str | int, Any] = {}
        for pair in items:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.error(f"corrupt manifest: invalid dict item in {location}")
            key = self.decode_key(pair[0], location)
            if key in result:
                raise self.error(
                    f"corrupt manifest: {location} has the key {key!r} twice"
                )
            result[key] = self.decode(pair[1], f"{location}[{key!r}]")
        return result

    def decode_key(self, node: Any, location: str) -> str | int:
        """Return the dict key that the manifest node describes."""
        if self.version == 1:
            if isinstance(node, str):
                return node
        elif isinstance(node, dict) and node.get("type") in ("str", "int"):
            return self.decode_scalar(node, node["type"], f"a key of {location}")
        raise self.error(f"corrupt manifest: invalid dict key {node!r} in {location}")

    def error(self, problem: str) -> FileFormatError:
        """Return a FileFormatError that names the file and the problem."""
        return FileFormatError(f"{self.path}: {problem}")
