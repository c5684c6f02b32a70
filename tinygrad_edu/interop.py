"""Move state dicts between tinygrad_edu and PyTorch.

A tinygrad_edu state dict uses PyTorch's key names and weight shapes, so
``to_torch(model.state_dict())`` loads with ``load_state_dict`` into the same
architecture built from ``torch.nn``, and ``from_torch`` goes the other way.

PyTorch is optional. This module imports it only inside the functions, so
``import tinygrad_edu.interop`` works without it. The package's
``__init__`` does not import this module.

Both functions copy every array, so later changes to one model's weights do
not reach the other's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor


def _import_torch(caller: str) -> Any:
    """Import and return ``torch``, raising an ImportError with the install command."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"{caller} needs PyTorch, which is not installed. Install it with "
            "`pip install torch` and call it again."
        ) from error
    return torch


def to_torch(state_dict: Mapping[str, Any]) -> OrderedDict[str, Any]:
    """Convert a state dict of Tensors or NumPy arrays to torch tensors.

    Each value is copied into a new CPU ``torch.Tensor`` with the same shape
    and dtype (float32 stays float32, an int64 counter stays int64). The
    result has the same keys in the same order.

    Args:
        state_dict: a mapping from dotted names to ``Tensor`` or
            ``np.ndarray`` values, as ``Module.state_dict()`` returns.

    Returns:
        An OrderedDict from the same keys to ``torch.Tensor`` values, ready
        for ``torch.nn.Module.load_state_dict``.

    Raises:
        ImportError: if PyTorch is not installed.
        TypeError: if a value is neither a Tensor nor an ndarray, or PyTorch
            has no dtype for its NumPy dtype.
    """
    torch = _import_torch("to_torch")

    converted: OrderedDict[str, Any] = OrderedDict()
    for key, value in state_dict.items():
        if isinstance(value, Tensor):
            array = value.detach().numpy()
        elif isinstance(value, np.ndarray):
            array = value
        else:
            raise TypeError(
                f"to_torch requires Tensor or np.ndarray values, but "
                f"{key!r} is a {type(value).__name__}; convert it to a Tensor "
                "or drop it from the state dict"
            )

        # A C-ordered copy: torch.from_numpy rejects negative strides and
        # would otherwise share memory with the tinygrad_edu tensor.
        copy = np.array(array, copy=True, order="C")
        try:
            converted[key] = torch.from_numpy(copy)
        except TypeError as error:
            raise TypeError(
                f"PyTorch has no dtype for {key!r}, which has dtype "
                f"{array.dtype}; cast it to a supported dtype such as float32 "
                "or int64 first"
            ) from error
    return converted


def from_torch(state_dict: Mapping[str, Any]) -> OrderedDict[str, Tensor]:
    """Convert a state dict of torch tensors to tinygrad_edu Tensors.

    Each value is detached, moved to the CPU and copied into a new ``Tensor``
    with the same shape and dtype and ``requires_grad=False``. The result has
    the same keys in the same order.

    Args:
        state_dict: a mapping from dotted names to ``torch.Tensor`` values,
            as ``torch.nn.Module.state_dict()`` returns.

    Returns:
        An OrderedDict from the same keys to ``Tensor`` values, ready for
        ``Module.load_state_dict``.

    Raises:
        ImportError: if PyTorch is not installed.
        TypeError: if a value is not a ``torch.Tensor``, or NumPy has no
            dtype for it (such as ``torch.bfloat16``), or it is not a dense
            tensor (sparse and quantized tensors are rejected).
    """
    torch = _import_torch("from_torch")

    converted: OrderedDict[str, Tensor] = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"from_torch requires torch.Tensor values, but {key!r} is a "
                f"{type(value).__name__}; convert it with torch.as_tensor or "
                "drop it from the state dict"
            )

        try:
            array = value.detach().cpu().numpy()
        except (TypeError, RuntimeError) as error:
            raise TypeError(
                f"cannot convert {key!r} (dtype {value.dtype}, layout "
                f"{value.layout}) to a NumPy array: {error}. Convert it to a "
                "dense tensor with a NumPy dtype, such as value.to_dense().float()"
            ) from error
        converted[key] = Tensor(np.array(array, copy=True, order="C"))
    return converted
