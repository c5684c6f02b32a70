"""Grad mode: whether new operations are recorded for backward, and how.

Grad mode is per thread, as in PyTorch. ``no_grad`` and ``enable_grad`` switch
it for a block of code; both work as context managers and as decorators.
``keep_inputs`` makes each recorded node also keep its inputs, which the
gradient checker uses to re-check one node at a time. The same per-thread
state contains the switches of anomaly mode and of the backward trace (see
``anomaly.py`` and ``tracing.py``).
"""

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradModeState(threading.local):
    """Per-thread settings; the class attributes are each new thread's defaults."""

    enabled = True
    keep_inputs = False
    anomaly = False
    trace: Any = None


_state = _GradModeState()


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for backward."""
    return _state.enabled


def _set_enabled(enabled: bool) -> None:
    _state.enabled = enabled


def keeps_inputs() -> bool:
    """Return True when recorded nodes keep their inputs (see ``keep_inputs``)."""
    return _state.keep_inputs


class keep_inputs:  # noqa: N801 (reads like no_grad)
    """Make each node recorded inside the block keep its input arguments.

    The inputs stay alive as long as the graph does, so use this only for
    debugging, as ``tinygrad_edu.testing.localize_fault`` does.
    """

    def __enter__(self) -> None:
        self._previous = keeps_inputs()
        _state.keep_inputs = True

    def __exit__(self, *exc_info: object) -> None:
        _state.keep_inputs = self._previous


class _GradModeContext:
    """A context manager and decorator that sets grad mode, then restores it."""

    enabled: bool = True

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        _set_enabled(self.enabled)

    def __exit__(self, *exc_info: object) -> None:
        _set_enabled(self._previous)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801 (PyTorch's name)
    """Stop recording operations inside a block or a decorated function.

    Results computed inside have ``requires_grad=False``, which saves the memory
    of the graph. Use it for evaluation and for hand-written parameter updates::

        with no_grad():
            w -= lr * w.grad
    """

    enabled = False


class enable_grad(_GradModeContext):  # noqa: N801 (PyTorch's name)
    """Record operations again inside a block, even within ``no_grad``."""

    enabled = True


class set_grad_enabled(_GradModeContext):  # noqa: N801 (PyTorch's name)
    """Set grad mode to ``mode`` for a block, or at once when called bare."""

    def __init__(self, mode: bool) -> None:
        self.enabled = bool(mode)
        self._previous = is_grad_enabled()
        _set_enabled(self.enabled)

    def __enter__(self) -> None:
        pass

    def __call__(self, func: F) -> F:
        mode = self.enabled
        _set_enabled(self._previous)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
