"""Exceptions raised by tinygrad_edu.

Every error the library raises on purpose derives from ``TinygradEduError``. Each
class also derives from the built-in exception that PyTorch raises in the same
situation, so ``except RuntimeError`` keeps working for code written for PyTorch.
"""


class TinygradEduError(Exception):
    """Base class of the errors that tinygrad_edu raises on purpose."""


class GraphError(TinygradEduError, RuntimeError):
    """A backward pass cannot run: no graph, a released graph, or a bad gradient."""


class ShapeError(TinygradEduError, RuntimeError):
    """Operand shapes do not fit the operation."""


class DTypeError(TinygradEduError, RuntimeError):
    """A dtype does not fit the operation, such as an integer tensor asked for grad."""


class InPlaceError(TinygradEduError, RuntimeError):
    """An in-place change would break the recorded graph."""


class FileFormatError(TinygradEduError, ValueError):
    """A file is not in the format its reader expects."""
