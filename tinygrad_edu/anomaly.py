"""Anomaly mode: stop at the first NaN or infinity, and report where it came from.

Inside ``detect_anomaly()``, every operation checks its forward output and
every backward step checks the gradients it passes on. The first non-finite
value raises ``AnomalyError``, naming the operation and the line of user code
that created it. Outside the block nothing is checked, so it costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_edu.errors import TinygradEduError
from tinygrad_edu.grad_mode import _state

if TYPE_CHECKING:
    from tinygrad_edu.function import Function
    from tinygrad_edu.tensor import Tensor

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class AnomalyError(TinygradEduError, RuntimeError):
    """A forward or backward computation produced NaN or infinity."""


def anomaly_enabled() -> bool:
    """Return True inside ``detect_anomaly()``."""
    return _state.anomaly


class detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Raise at the first operation whose output or gradient is not finite.

    Example::

        with detect_anomaly():
            loss = model(x).log().sum()   # raises here if a log gets 0 or less
            loss.backward()               # or here, naming the operation
    """

    def __enter__(self) -> detect_anomaly:
        self._previous = _state.anomaly
        _state.anomaly = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        _state.anomaly = self._previous


@contextlib.contextmanager
def forward_checks_paused() -> Iterator[None]:
    """Turn off the forward checks of anomaly mode for the block."""
    previous = _state.anomaly
    _state.anomaly = False
    try:
        yield
    finally:
        _state.anomaly = previous


def user_frame() -> str:
    """Return "file:line in function" for the innermost caller outside the package."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "an unknown location"


def check_finite_output(node: Function, out: np.ndarray) -> None:
    """Raise if a forward output has NaN or infinity; otherwise note its origin."""
    node.created_at = user_frame()
    if np.issubdtype(out.dtype, np.floating) and not np.isfinite(out).all():
        raise AnomalyError(
            f"anomaly mode: the forward of {type(node).__name__} produced "
            f"{_describe(out)}. The operation was created at {node.created_at}."
        )


def check_finite_gradient(node: Function, index: int, grad: Tensor) -> None:
    """Raise if the gradient a node passes to input ``index`` is not finite."""
    if not np.isfinite(grad._array).all():
        created_at = node.created_at
        raise AnomalyError(
            f"anomaly mode: the backward of {node.name()} produced "
            f"{_describe(grad._array)} in the gradient of its input {index}. The "
            f"operation was created at {created_at}."
        )


def _describe(array: Any) -> str:
    nan = int(np.isnan(array).sum())
    infinite = int(np.isinf(array).sum())
    return f"{nan} NaN and {infinite} infinite values out of {array.size}"
