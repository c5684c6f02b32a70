"""In-place methods of Tensor: ``add_``, ``-=``, ``zero_`` and the rest.

An in-place method writes into the tensor's own array, so every Tensor that
shares the array reflects the change. That is what makes a hand-written update
work: ``with no_grad(): p -= lr * p.grad`` changes the parameter that the model
holds.

Two cases:

- Nothing needs recording (grad mode is off, or no operand requires grad):
  a NumPy ufunc writes straight into the array.
- A graph is being built: the operation runs out of place on a copy of the old
  value, the result is written into the array, and the tensor takes the new
  node as its ``grad_fn``. Nodes that saved the old value notice the change
  through the version counter and raise if they are run.

Changing a leaf that requires grad, outside ``no_grad``, raises: its old value
may already be saved in the graph, and the update could not be differentiated.

Views: reshape, permute, expand and basic indexing return tensors that share
their input's array. Each view records its base (the tensor that owns the
memory) and a function that rebuilds the view from it. Changing a view in
place while recording gives the base a ``CopySlices`` node (the old base with
the view's elements replaced), and after any recorded in-place change every
live view of the base gets a ``grad_fn`` rebuilt from the base's new history,
as PyTorch does.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tinygrad_edu.dtypes import is_floating
from tinygrad_edu.errors import DTypeError, InPlaceError, ShapeError
from tinygrad_edu.grad_mode import is_grad_enabled

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class ViewRecord(NamedTuple):
    """The link from a view to its base, the tensor that owns its memory."""

    base: Tensor
    rebuild: Callable[[Tensor], Tensor]
    recorded: bool  # whether grad mode was on when the view was made


def track_view(
    source: Tensor, out: Tensor, rebuild: Callable[[Tensor], Tensor]
) -> Tensor:
    """Record ``out`` as a view of ``source``'s base if it shares the memory.

    ``rebuild(source)`` must return the same view again. Views of views are
    recorded against the root base with the two rebuild functions composed.
    """
    if out is source or out._version is not source._version:
        return out

    base = source
    if source._view_of is not None:
        base = source._view_of.base
        outer = source._view_of.rebuild

        def composed(tensor: Tensor) -> Tensor:
            return rebuild(outer(tensor))

        out._view_of = ViewRecord(base, composed, is_grad_enabled())
    else:
        out._view_of = ViewRecord(base, rebuild, is_grad_enabled())

    if base._views is None:
        base._views = weakref.WeakSet()
    base._views.add(out)
    return out


class InPlaceMethods:
    """Mixin with the in-place methods; ``Tensor`` is the only class using it."""

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """Add ``alpha * other`` to this tensor in place."""
        other = other if alpha == 1 else other * alpha
        return _update(self, "add_", np.add, "__add__", other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """Subtract ``alpha * other`` from this tensor in place."""
        other = other if alpha == 1 else other * alpha
        return _update(self, "sub_", np.subtract, "__sub__", other)

    def mul_(self, other: Any) -> Tensor:
        """Multiply this tensor by ``other`` in place."""
        return _update(self, "mul_", np.multiply, "__mul__", other)

    def div_(self, other: Any) -> Tensor:
        """Divide this tensor by ``other`` in place."""
        return _update(self, "div_", np.true_divide, "__truediv__", other)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def copy_(self, source: Any) -> Tensor:
        """Copy ``source`` (broadcast to this shape) into this tensor.

        The values are converted to this tensor's dtype whatever their dtype,
        as in PyTorch: copying 3.7 into an int64 tensor stores 3.
        """
        return _update(self, "copy_", _take_right, "_copy_from", source)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``, a number or a 0-d tensor."""
        if getattr(value, "ndim", 0) != 0:
            raise ShapeError(
                f"fill_: the value must be a number or a 0-d tensor, got shape "
                f"{value.shape}; use copy_ to copy a tensor of values"
            )
        return self.copy_(value)

    def zero_(self) -> Tensor:
        """Set every element to zero."""
        return self.copy_(0)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit the elements to [min, max] in place; see ``Tensor.clamp``."""
        from tinygrad_edu.ops.unary import clamp_bounds

        low, high = clamp_bounds(min, max)
        tensor: Tensor = self  # type: ignore[assignment]
        _check_writable(tensor, "clamp_")
        for bound in (low, high):
            if bound is not None:
                _check_result_dtype(tensor, bound, "clamp_")

        if _records_graph(tensor, ()):
            return _rebase(tensor, lambda old: old.clamp(low, high), "clamp_")
        np.clip(tensor._array, low, high, out=tensor._array, casting="unsafe")
        tensor._version.value += 1
        return tensor

    def _before(self) -> Tensor:
        """Return a copy of the current value that keeps the current history."""
        tensor: Tensor = self  # type: ignore[assignment]
        return type(tensor)._make(
            tensor._array.copy(), tensor.grad_fn, tensor.requires_grad
        )

    def _copy_from(self, source: Tensor) -> Tensor:
        """Return ``source`` broadcast to this shape; the old value gets no grad."""
        from tinygrad_edu.ops.selection import Where

        tensor: Tensor = self  # type: ignore[assignment]
        keep_old = type(tensor)._make(np.zeros(tensor.shape, dtype=np.bool_))
        return Where.apply(keep_old, tensor, source.to(tensor.dtype))


def _take_right(left: np.ndarray, right: np.ndarray, **kwargs: Any) -> None:
    np.copyto(kwargs["out"], right, casting=kwargs["casting"])


def _check_writable(tensor: Tensor, name: str) -> None:
    """Raise for a leaf that requires grad, in grad mode, and for expanded views."""
    if tensor.is_leaf and tensor.requires_grad and is_grad_enabled():
        raise InPlaceError(
            f"{name}: a leaf tensor that requires grad cannot be changed in place "
            "while grad mode is on, because the change could not be "
            "differentiated. Wrap the update in `with no_grad():`."
        )
    if not tensor._array.flags.writeable:
        raise InPlaceError(
            f"{name}: this tensor is an expanded view, so several of its elements "
            "share one memory location and cannot be written separately. "
            "Call .clone() first."
        )


def _check_result_dtype(tensor: Tensor, operand: Any, name: str) -> None:
    """Raise if ``tensor <op> operand`` has a dtype the tensor cannot hold.

    As in PyTorch, the result may narrow within its kind (float64 into
    float32) but not change kind (float into int, int into bool). True
    division (``div_``) always gives a floating-point result.
    """
    from tinygrad_edu.dtypes import DIMENSIONED, default_float, promote_types
    from tinygrad_edu.promotion import promotion_entry

    entries = [(tensor.dtype, DIMENSIONED), promotion_entry(operand)]
    result = promote_types(entries)
    if name == "div_" and not is_floating(result):
        result = default_float()
    if not np.can_cast(result, tensor.dtype, casting="same_kind"):
        raise DTypeError(
            f"{name}: the result has dtype {result}, which cannot be stored in "
            f"this tensor of dtype {tensor.dtype}. Use the out-of-place "
            "operation, or convert the tensor first (for example with .float())."
        )


def _records_graph(tensor: Tensor, operands: tuple[Any, ...]) -> bool:
    from tinygrad_edu.tensor import Tensor

    base_requires_grad = (
        tensor._view_of is not None and tensor._view_of.base.requires_grad
    )
    return is_grad_enabled() and (
        tensor.requires_grad
        or base_requires_grad
        or any(isinstance(x, Tensor) and x.requires_grad for x in operands)
    )


def _update(self: Any, name: str, ufunc: Any, method: str, other: Any) -> Tensor:
    """Apply ``self = self <op> other`` in place; see the module docstring."""
    from tinygrad_edu.promotion import wrap_operand

    tensor: Tensor = self
    _check_writable(tensor, name)
    operand = wrap_operand(other, tensor)
    # The checks are skipped in the common case they cannot fail: an operand of
    # this tensor's own shape and dtype, as in an optimizer's update.
    if operand.shape != tensor.shape:
        _check_shape(tensor, operand, name)
    if name != "copy_" and (operand.dtype != tensor.dtype or name == "div_"):
        _check_result_dtype(tensor, operand, name)

    if _records_graph(tensor, (operand,)):
        return _rebase(tensor, lambda old: getattr(old, method)(operand), name)

    # The dtype was checked above; copy_ converts any dtype, as in PyTorch.
    ufunc(tensor._array, operand._array, out=tensor._array, casting="unsafe")
    tensor._version.value += 1
    return tensor


def _check_shape(tensor: Tensor, operand: Tensor, name: str) -> None:
    try:
        shape = np.broadcast_shapes(tensor.shape, operand.shape)
    except ValueError:
        shape = None
    if shape != tensor.shape:
        raise ShapeError(
            f"{name}: an operand of shape {operand.shape} cannot be broadcast to "
            f"this tensor's shape {tensor.shape}, which an in-place result must keep"
        )


def _rebase(tensor: Tensor, compute: Callable[[Tensor], Tensor], name: str) -> Tensor:
    """Write ``compute(old value)`` into ``tensor`` and record it in the graph.

    ``compute`` receives a copy of the old value that carries its history. For
    a view, the base's history is rebased instead (see the module docstring).
    """
    view = tensor._view_of
    if view is None:
        result = compute(tensor._before())
        np.copyto(tensor._array, result._array, casting="unsafe")
        tensor._version.value += 1
        tensor.grad_fn = result.grad_fn
        tensor._requires_grad = result.requires_grad
        _refresh_views(tensor)
        return tensor

    base = view.base
    _check_view_base(view, name)
    from tinygrad_edu.ops.shape import CopySlices

    base_before = base._before()
    result = compute(view.rebuild(base_before))
    new_base = CopySlices.apply(base_before, result, view.rebuild)
    np.copyto(base._array, new_base._array, casting="unsafe")
    base._version.value += 1
    base.grad_fn = new_base.grad_fn
    base._requires_grad = new_base.requires_grad
    _refresh_views(base)
    return tensor


def _check_view_base(view: ViewRecord, name: str) -> None:
    if not view.recorded:
        raise InPlaceError(
            f"{name}: this view was made inside no_grad(), so the graph does not "
            "know it shares memory with its base; changing it in place while "
            "grad mode is on could not be differentiated. Change it inside "
            "no_grad(), or make the view with grad mode on."
        )
    if view.base.is_leaf and view.base.requires_grad:
        raise InPlaceError(
            f"{name}: this tensor is a view of a leaf tensor that requires grad, "
            "so changing it in place would change the leaf. Wrap the update in "
            "`with no_grad():`, or .clone() the view first."
        )


def _refresh_views(base: Tensor) -> None:
    """Give every live view of ``base`` a grad_fn built from base's new history."""
    for view in list(base._views or ()):
        record = view._view_of
        if record is None or not record.recorded:
            continue
        fresh = record.rebuild(base)
        view.grad_fn = fresh.grad_fn
        view._requires_grad = fresh.requires_grad
