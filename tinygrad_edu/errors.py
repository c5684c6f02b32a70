"""Exceptions raised by tinygrad_edu.

Every error the library raises on purpose derives from ``TinygradEduError``. Each
class also derives from the built-in exception that PyTorch raises in the same
situation, so ``except RuntimeError`` keeps working for code written for PyTorch.
Warnings go through ``warn_caller``, so they point at the user's code.
"""

import os
import sys
import types
import warnings


class TinygradEduError(Exception):
    """Base class of the errors that tinygrad_edu raises on purpose."""


class GraphError(TinygradEduError, RuntimeError):
    """A backward pass cannot run: no graph, a released graph, or a bad gradient."""


class ShapeError(TinygradEduError, RuntimeError):
    """Operand shapes do not fit the operation."""


class DimError(ShapeError, IndexError):
    """A dimension argument is out of range; an IndexError, as in PyTorch."""


class DTypeError(TinygradEduError, RuntimeError):
    """A dtype does not fit the operation, such as an integer tensor asked for grad."""


class InPlaceError(TinygradEduError, RuntimeError):
    """An in-place change would break the recorded graph."""


class StateDictError(TinygradEduError, RuntimeError):
    """A state dict does not fit the module: keys or shapes differ."""


class FileFormatError(TinygradEduError, ValueError):
    """A file is not in the format its reader expects."""


def warn_caller(message: str, category: type[Warning] = UserWarning) -> None:
    """Issue a warning that points at the first caller outside tinygrad_edu.

    A library warning is about the user's line, so it skips the frames of the
    package itself, however deeply the warning was raised inside it.
    """
    package = os.path.dirname(os.path.abspath(__file__))
    frame: types.FrameType | None = sys._getframe(1)
    level = 2  # stacklevel 2 names the frame that called warn_caller.
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        package + os.sep
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
