"""``Function``: the one mechanism behind every differentiable operation.

An operation is a subclass of ``Function`` with two static methods:

- ``forward(ctx, *inputs)`` receives NumPy arrays (each Tensor argument is
  unwrapped; other arguments, such as an axis, pass through) and returns one
  NumPy array. It may stash what backward needs with ``ctx.save_for_backward``
  and plain attributes on ``ctx``.
- ``backward(ctx, grad_output)`` receives the gradient of the loss with respect
  to the output, as a Tensor, and returns one gradient per argument of
  ``forward`` (``None`` for arguments that need none). It is written with
  Tensor operations, so that it is itself differentiable.

``apply`` runs forward and, when a gradient is needed, records the node in the
graph. The base class does the chain-rule bookkeeping that the engine needs:
it remembers each input's shape and dtype so that the engine can sum a
broadcast gradient back to the input's shape and cast it to the input's dtype.

Example, a user-defined operation::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

    y = Cube.apply(Tensor([2.0], requires_grad=True))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.anomaly import anomaly_enabled, check_finite_output
from tinygrad_edu.errors import GraphError, InPlaceError
from tinygrad_edu.grad_mode import is_grad_enabled, keeps_inputs
from tinygrad_edu.tensor import Tensor, checksum

# The kinds of saved value, so that saved_tensors can rebuild each one.
_SAVED_INPUT = 0
_SAVED_OUTPUT = 1
_SAVED_CONSTANT = 2


class Function:
    """Base class of all differentiable operations; an instance is a graph node.

    The instance made by ``apply`` is both the ``ctx`` that forward and backward
    receive and the ``grad_fn`` of the output Tensor. ``parents`` holds, for each
    argument of forward, where its gradient goes: the ``grad_fn`` of a
    non-leaf input, the leaf Tensor itself, or ``None`` when no gradient is
    needed. ``inputs`` contains the arguments themselves only inside
    ``grad_mode.keep_inputs()``, and is None otherwise.
    """

    # Defaults at class level: apply sets them on the nodes it records, so a
    # node made when no gradient is needed costs no attribute writes.
    parents: tuple[Function | Tensor | None, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    input_shapes: tuple[tuple[int, ...] | None, ...] = ()
    input_dtypes: tuple[np.dtype | None, ...] = ()
    inputs: tuple[Any, ...] | None = None
    _to_save: tuple[Any, ...] = ()
    _saved: tuple[tuple[int, Any, Any, int | None], ...] | None = ()
    _output: np.ndarray | None = None
    _output_version: Any = None
    _hooks: list[Any] | None = None
    # Where user code created the node; set only in anomaly mode.
    created_at: str = "an unknown location"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @classmethod
    def name(cls) -> str:
        """Return the node's display name, such as ``MulBackward``."""
        return f"{cls.__name__}Backward"

    @staticmethod
    def forward(ctx: Any, *args: Any) -> np.ndarray:
        """Compute the output from NumPy arrays. Subclasses must override it."""
        raise NotImplementedError("Function subclasses must implement forward")

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Any:
        """Return the gradient of each forward argument. Subclasses override it."""
        raise NotImplementedError("Function subclasses must implement backward")

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays for backward; read them back with ``saved_tensors``.

        Pass the very arrays that forward received or returned: an input comes
        back as its Tensor, and the output as a Tensor whose ``grad_fn`` is this
        node, so that backward stays differentiable. Any other array comes back
        as a constant Tensor, which is right only for values that do not depend
        smoothly on the inputs, such as a mask.
        """
        self._to_save = values

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """Return the saved values as Tensors, in the order they were saved.

        Raises:
            GraphError: if the graph was released by an earlier backward.
            InPlaceError: if a saved Tensor was changed in place since.
        """
        if self._saved is None:
            raise GraphError(
                f"cannot run backward through {self.name()} a second time: its "
                "saved values were released after the first backward. Pass "
                "retain_graph=True to the first backward() to keep them."
            )

        tensors: list[Tensor | None] = []
        for kind, value, version, saved_checksum in self._saved:
            if kind == _SAVED_INPUT:
                _check_version(self, value._version, version)
                _check_untracked_writes(self, value, saved_checksum)
                tensors.append(value)
            elif kind == _SAVED_OUTPUT:
                _check_version(self, self._output_version, version)
                assert self._output is not None, "a saved output is kept"
                output = Tensor._make(self._output, self, True, self._output_version)
                _check_untracked_writes(self, output, saved_checksum)
                tensors.append(output)
            else:
                tensors.append(None if value is None else Tensor._make(value))
        return tuple(tensors)

    def release(self) -> None:
        """Free the saved values; a later backward through this node raises."""
        self._saved = None
        self._output = None

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Run forward on ``args`` and record the node when a gradient is needed.

        Tensor arguments reach forward as NumPy arrays; other arguments pass
        through unchanged. Returns the output Tensor.
        """
        ctx = cls()
        arrays = [arg._array if isinstance(arg, Tensor) else arg for arg in args]
        # IEEE results such as log(0) = -inf are silent, as in PyTorch.
        with np.errstate(all="ignore"):
            raw_out = cls.forward(ctx, *arrays)
        # NumPy returns scalars, not 0-d arrays, from many 0-d operations.
        out = raw_out if isinstance(raw_out, np.ndarray) else np.asarray(raw_out)

        version = None if out.base is None else _shared_version(out, args)
        if anomaly_enabled():
            check_finite_output(ctx, out)
        if is_grad_enabled():
            needs_grad = tuple(
                isinstance(arg, Tensor) and arg._requires_grad for arg in args
            )
            if True in needs_grad:
                result = Tensor._make(out, ctx, True, version)
                ctx._record(args, arrays, needs_grad, result, raw_out)
                return result
        return Tensor._make(out, version=version)

    def _record(
        self,
        args: tuple[Any, ...],
        arrays: list[Any],
        needs_grad: tuple[bool, ...],
        result: Tensor,
        raw_out: Any,
    ) -> None:
        """Store the graph edges, the input metadata and the saved values."""
        self.needs_input_grad = needs_grad
        self.parents = tuple(
            _gradient_target(arg) if needed else None
            for arg, needed in zip(args, needs_grad, strict=True)
        )
        self.input_shapes = tuple(getattr(arg, "shape", None) for arg in args)
        self.input_dtypes = tuple(getattr(arg, "dtype", None) for arg in args)
        if keeps_inputs():
            self.inputs = args

        saved = []
        for value in self._to_save:
            saved.append(self._locate_saved(value, args, arrays, result, raw_out))
        self._saved = tuple(saved)
        self._to_save = ()

    def _locate_saved(
        self,
        value: Any,
        args: tuple[Any, ...],
        arrays: list[Any],
        result: Tensor,
        raw_out: Any,
    ) -> tuple[int, Any, Any, int | None]:
        """Classify one saved value as an input, the output or a constant.

        Returns (kind, value, version, checksum). The checksum is taken only
        for a tensor whose array ``numpy()`` handed out, to detect writes
        through that array.
        """
        for arg, array in zip(args, arrays, strict=True):
            if value is array and arg is not array:
                return (
                    _SAVED_INPUT,
                    arg,
                    arg._version.value,
                    _checksum_if_exposed(arg),
                )

        if value is result._array or value is raw_out:
            self._output = result._array
            self._output_version = result._version
            return (_SAVED_OUTPUT, None, result._version.value, None)

        return (_SAVED_CONSTANT, value, None, None)


def _gradient_target(tensor: Tensor) -> Function | Tensor:
    """Return where a tensor's gradient goes: its grad_fn, or itself for a leaf."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    return tensor


def _shared_version(out: np.ndarray, args: tuple[Any, ...]) -> Any:
    """Return the version counter of the input that ``out`` is a view of, if any.

    A view, such as the result of reshape or basic indexing, shares memory with
    its input, so an in-place change through either must be seen by both.
    """
    for arg in args:
        if isinstance(arg, Tensor) and np.may_share_memory(out, arg._array):
            return arg._version
    return None


def _checksum_if_exposed(tensor: Tensor) -> int | None:
    if tensor._version.exposed_checksum is None:
        return None
    return checksum(tensor._array)


def _check_untracked_writes(
    node: Function, tensor: Tensor, saved_checksum: int | None
) -> None:
    """Raise if a saved tensor was written through an array from ``numpy()``.

    A tensor saved after its array was handed out is compared with its
    checksum at saving. One saved before is compared through the array that
    was handed out, with the checksum taken at that moment.
    """
    counter = tensor._version
    if counter.exposed_checksum is None:
        return
    if saved_checksum is not None:
        changed = checksum(tensor._array) != saved_checksum
    else:
        assert counter.exposed_array is not None, "an exposed counter has an array"
        changed = checksum(counter.exposed_array) != counter.exposed_checksum
    if changed:
        raise InPlaceError(
            f"a tensor that {node.name()} saved for backward was changed through "
            "the NumPy array that .numpy() returned, after it was saved. Change "
            "it only after backward, or work on a copy (.numpy().copy())."
        )


def _check_version(node: Function, counter: Any, saved_version: int) -> None:
    if counter.value != saved_version:
        raise InPlaceError(
            f"a tensor that {node.name()} saved for backward was changed in place "
            f"after it was saved (version {saved_version}, now {counter.value}). "
            "Use an out-of-place operation (x = x + 1 instead of x += 1), or "
            ".clone() the tensor before changing it."
        )
