"""``Tensor``: an n-dimensional array that records the operations applied to it.

A Tensor wraps a NumPy array. When it requires grad, every operation on it goes
through a ``Function`` (see ``function.py``), which records a node in the
graph. ``backward()`` then walks that graph in reverse (see ``engine.py``).

The math lives in ``ops/``: the methods here are thin wrappers that pick the
operation and pass the arguments on. In-place methods live in ``inplace.py``.
"""

from __future__ import annotations

import builtins
import weakref
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_edu.dtypes import (
    DIMENSIONED,
    DTypeLike,
    default_float,
    is_floating,
    promote_types,
    to_dtype,
)
from tinygrad_edu.errors import DTypeError, GraphError, ShapeError, warn_caller
from tinygrad_edu.hooks import RemovableHandle
from tinygrad_edu.inplace import InPlaceMethods, ViewRecord, track_view
from tinygrad_edu.shapes import (
    Dim,
    normalize_dims,
    resolve_dim,
    shape_argument,
)

if TYPE_CHECKING:
    from tinygrad_edu.function import Function


class VersionCounter:
    """Counts in-place changes of an array, shared by Tensors that alias it.

    Writes through an array that ``numpy()`` handed out bypass the count, so
    the first such hand-out also records a checksum of the array. Backward
    compares it to detect those writes (see ``Function.saved_tensors``).
    """

    __slots__ = ("value", "exposed_array", "exposed_checksum")

    def __init__(self) -> None:
        self.value = 0
        self.exposed_array: np.ndarray | None = None
        self.exposed_checksum: int | None = None

    def expose(self, array: np.ndarray) -> None:
        """Note that ``array`` was handed out, with its checksum at that moment."""
        if self.exposed_checksum is None:
            self.exposed_array = array
            self.exposed_checksum = checksum(array)


def checksum(array: np.ndarray) -> int:
    """Return a CRC-32 of the array's bytes, to detect untracked writes."""
    return zlib.crc32(np.ascontiguousarray(array).data)


class Tensor(InPlaceMethods):
    """An array with an optional gradient and a record of how it was computed.

    Args:
        data: a number, a nested list, a NumPy array or a Tensor. The data is
            copied. Python floats become float32, Python ints int64 and Python
            bools bool; a NumPy array keeps its dtype.
        requires_grad: record operations on this tensor so that ``backward``
            can compute its gradient. Only floating-point tensors can.
        dtype: a NumPy dtype or its name, such as ``"float64"``.

    Raises:
        DTypeError: if ``requires_grad`` is set on a non-floating tensor.

    Example:
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.], dtype=float32)
    """

    # NumPy defers to Tensor's reflected operators, so array * tensor works.
    __array_ufunc__ = None

    # Set on views and on tensors that have views; see inplace.track_view.
    # Class-level defaults, so that subclasses that set fields directly work.
    _view_of: ViewRecord | None = None
    _views: weakref.WeakSet[Tensor] | None = None
    # Gradient hooks of a leaf; a non-leaf's hooks live on its grad_fn.
    _hooks: list[Any] | None = None
    _retains_grad = False

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: DTypeLike | None = None
    ) -> None:
        self._array = _to_array(data, dtype)
        self._version = VersionCounter()
        self.grad_fn: Function | None = None
        self._grad: Tensor | None = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _make(
        cls,
        array: np.ndarray,
        grad_fn: Function | None = None,
        requires_grad: bool = False,
        version: VersionCounter | None = None,
    ) -> Tensor:
        """Wrap ``array`` without copying or checking; for the library's own use."""
        tensor = cls.__new__(cls)
        tensor._array = array
        tensor._version = version if version is not None else VersionCounter()
        tensor.grad_fn = grad_fn
        tensor._grad = None
        tensor._requires_grad = requires_grad
        return tensor

    # Properties ---------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension."""
        return self._array.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the elements."""
        return self._array.dtype

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Return the shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.shape
        return self.shape[normalize_dims(dim, self.ndim, "size")[0]]

    def dim(self) -> int:
        """Return the number of dimensions."""
        return self.ndim

    def numel(self) -> int:
        """Return the number of elements."""
        return int(self._array.size)

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not self.is_leaf and value:
            # A computed tensor already requires grad, so True changes nothing.
            return
        if not self.is_leaf:
            raise GraphError(
                "requires_grad can only be turned off on leaf tensors; this tensor "
                f"was computed by {self.grad_fn!r}. Use .detach() to get a leaf."
            )
        if value and not is_floating(self.dtype):
            raise DTypeError(
                "only floating-point tensors can require gradients, but this "
                f"tensor has dtype {self.dtype}. Convert it first with .float()."
            )
        self._requires_grad = bool(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors that no recorded operation produced."""
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient, a Tensor of this tensor's shape, or None.

        Only leaves get one, unless ``retain_grad()`` was called; reading it on
        another non-leaf warns, as in PyTorch, since it stays None.
        """
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            warn_caller(
                "the .grad of a non-leaf tensor is read, but backward fills in "
                "only the .grad of leaves. Call .retain_grad() on this tensor "
                "before backward to keep its gradient, or read the leaf's .grad."
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad must be a Tensor or None, got {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise ShapeError(
                    f"cannot assign a gradient of shape {value.shape} to a tensor "
                    f"of shape {self.shape}"
                )
        self._grad = value

    @property
    def data(self) -> Tensor:
        """A tensor that shares this one's memory but is outside the graph.

        Changes through it are not tracked, so backward cannot detect them;
        prefer ``detach()`` or ``no_grad()``.
        """
        return Tensor._make(self._array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._array = value._array

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """This tensor with its dimensions in reverse order."""
        return self.permute(*reversed(range(self.ndim)))

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` each time this tensor's gradient is computed.

        The hook may return a Tensor of the same shape, which replaces the
        gradient from then on, or None to leave it. For a leaf, the hook receives
        the gradient of one backward pass, summed over all uses, before it is
        added to ``.grad``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            GraphError: if this tensor does not require grad.
        """
        if not callable(hook):
            raise TypeError(
                f"register_hook expects a function of the gradient, got "
                f"{type(hook).__name__}"
            )
        if not self.requires_grad:
            raise GraphError(
                "cannot register a hook on a tensor that does not require grad; "
                "set requires_grad=True on it (or on the inputs it is computed from)"
            )
        owner: Any = self if self.grad_fn is None else self.grad_fn
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return RemovableHandle(owner._hooks, hook)

    def retain_grad(self) -> None:
        """Make backward fill in this non-leaf tensor's ``.grad`` too.

        The gradient accumulates across backward calls, as a leaf's does. On a
        leaf this does nothing, because leaves keep their gradient anyway.
        """
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        # A weak reference, so the hook on the node keeps no cycle through it.
        tensor = weakref.ref(self)

        def store(grad: Tensor) -> None:
            owner = tensor()
            if owner is not None:
                owner._grad = grad if owner._grad is None else owner._grad + grad

        self.register_hook(store)

    # Conversion ---------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """Return the underlying array; it shares memory with this tensor.

        A write through the array to a value that a graph saved for backward
        makes that backward raise, as an in-place method would. The check
        compares checksums, so it costs time only for tensors that were
        handed out this way.

        Raises:
            GraphError: if the tensor requires grad; call ``.detach()`` first.
        """
        if self.requires_grad:
            raise GraphError(
                "cannot call numpy() on a tensor that requires grad, because "
                "changes to the array would bypass the graph. Use "
                "tensor.detach().numpy() instead."
            )
        self._version.expose(self._array)
        return self._array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self) -> Any:
        """Return the value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise ShapeError(
                f"item() needs a tensor with one element, but this one has "
                f"{self._array.size} (shape {self.shape})"
            )
        return self._array.item()

    def tolist(self) -> Any:
        """Return the values as (nested) Python lists of numbers."""
        return self._array.tolist()

    def detach(self) -> Tensor:
        """Return a tensor sharing this one's memory, outside the graph."""
        return Tensor._make(self._array, version=self._version)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return this tensor."""
        self.requires_grad = requires_grad
        return self

    def to(self, dtype: DTypeLike) -> Tensor:
        """Return this tensor converted to ``dtype``; itself if it already is."""
        dtype = to_dtype(dtype)
        if dtype == self.dtype:
            return self
        return unary.Cast.apply(self, dtype)

    def float(self) -> Tensor:
        """Return this tensor as float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """Return this tensor as float64."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """Return this tensor as int64."""
        return self.to(np.int64)

    def clone(self) -> Tensor:
        """Return a copy that stays in the graph: its gradient flows back here."""
        return unary.Clone.apply(self)

    # Python protocols -----------------------------------------------------------

    def __repr__(self) -> str:
        body = np.array2string(self._array, separator=", ", prefix="tensor(")
        extras = f", dtype={self.dtype}"
        if self.grad_fn is not None:
            extras += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    __hash__ = object.__hash__

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise ShapeError(
                f"the truth value of a tensor with {self._array.size} elements is "
                "ambiguous; use .any() or .all()"
            )
        return bool(self._array.item())

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if is_floating(self.dtype):
            raise TypeError("only integer tensors of one element can be an index")
        return int(self.item())

    # Backward -------------------------------------------------------------------

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate the gradient of this tensor into every leaf's ``.grad``.

        Args:
            gradient: the gradient with respect to this tensor, of its shape.
                It may be omitted only for a tensor with one element, where it
                is 1.
            retain_graph: keep the saved values, so that backward can run
                through this graph again. Defaults to ``create_graph``.
            create_graph: record the backward computations, so that the
                gradients can be differentiated again.

        Raises:
            GraphError: if this tensor does not require grad, if ``gradient``
                is missing for a tensor with more than one element, or if the
                graph was released by an earlier backward.
            ShapeError: if ``gradient`` has the wrong shape.
        """
        from tinygrad_edu.engine import backward_seed, run_backward

        if retain_graph is None:
            retain_graph = create_graph
        seed = backward_seed(self, gradient, "backward")
        run_backward([self], [seed], retain_graph, create_graph)

    # Arithmetic -----------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return arithmetic.Add.apply(*promote_operands(self, other, "add (+)"))

    def __radd__(self, other: Any) -> Tensor:
        return arithmetic.Add.apply(*promote_operands(other, self, "add (+)"))

    def __sub__(self, other: Any) -> Tensor:
        return arithmetic.Sub.apply(*promote_operands(self, other, "sub (-)"))

    def __rsub__(self, other: Any) -> Tensor:
        return arithmetic.Sub.apply(*promote_operands(other, self, "sub (-)"))

    def __mul__(self, other: Any) -> Tensor:
        return arithmetic.Mul.apply(*promote_operands(self, other, "mul (*)"))

    def __rmul__(self, other: Any) -> Tensor:
        return arithmetic.Mul.apply(*promote_operands(other, self, "mul (*)"))

    def __truediv__(self, other: Any) -> Tensor:
        return arithmetic.Div.apply(
            *promote_operands(self, other, "div (/)", true_division=True)
        )

    def __rtruediv__(self, other: Any) -> Tensor:
        return arithmetic.Div.apply(
            *promote_operands(other, self, "div (/)", true_division=True)
        )

    def __pow__(self, exponent: Any) -> Tensor:
        return arithmetic.Pow.apply(*promote_operands(self, exponent, "pow (**)"))

    def __rpow__(self, base: Any) -> Tensor:
        return arithmetic.Pow.apply(*promote_operands(base, self, "pow (**)"))

    def __matmul__(self, other: Any) -> Tensor:
        return matmul.MatMul.apply(*promote_operands(self, other, "matmul (@)"))

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul.MatMul.apply(*promote_operands(other, self, "matmul (@)"))

    def __neg__(self) -> Tensor:
        if self.dtype == np.bool_:
            raise DTypeError(
                "negation (-) of a bool tensor is not supported; use ~ to invert a mask"
            )
        return arithmetic.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def matmul(self, other: Any) -> Tensor:
        """Return the matrix product, following ``numpy.matmul``'s shape rules."""
        return self @ other

    # Comparisons give boolean tensors that carry no gradient.

    def __lt__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.less, self, other, "lt (<)")

    def __le__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.less_equal, self, other, "le (<=)")

    def __gt__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.greater, self, other, "gt (>)")

    def __ge__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.greater_equal, self, other, "ge (>=)")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.equal, self, other, "eq (==)")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.not_equal, self, other, "ne (!=)")

    # Bitwise operators: logical on bool tensors, bitwise on integer tensors.

    def __invert__(self) -> Tensor:
        check_bitwise(self.dtype, "invert (~)")
        return Tensor._make(np.invert(self._array))

    def __and__(self, other: Any) -> Tensor:
        return compare(np.bitwise_and, self, other, "and (&)")

    def __or__(self, other: Any) -> Tensor:
        return compare(np.bitwise_or, self, other, "or (|)")

    def __xor__(self, other: Any) -> Tensor:
        return compare(np.bitwise_xor, self, other, "xor (^)")

    __rand__ = __and__
    __ror__ = __or__
    __rxor__ = __xor__

    # Elementwise functions ------------------------------------------------------

    def exp(self) -> Tensor:
        """Return e**x elementwise."""
        return unary.Exp.apply(as_float(self))

    def log(self) -> Tensor:
        """Return the natural logarithm elementwise."""
        return unary.Log.apply(as_float(self))

    def log1p(self) -> Tensor:
        """Return ln(1 + x) elementwise, accurate for tiny x."""
        return unary.Log1p.apply(as_float(self))

    def sqrt(self) -> Tensor:
        """Return the square root elementwise."""
        return unary.Sqrt.apply(as_float(self))

    def abs(self) -> Tensor:
        """Return the absolute value elementwise."""
        return unary.Abs.apply(self)

    __abs__ = abs

    def relu(self) -> Tensor:
        """Return max(x, 0) elementwise."""
        return unary.Relu.apply(self)

    def sigmoid(self) -> Tensor:
        """Return 1 / (1 + e**-x) elementwise."""
        return unary.Sigmoid.apply(as_float(self))

    def tanh(self) -> Tensor:
        """Return the hyperbolic tangent elementwise."""
        return unary.Tanh.apply(as_float(self))

    def clamp(
        self, min: builtins.float | None = None, max: builtins.float | None = None
    ) -> Tensor:
        """Return x limited to [min, max]; see ``ops.unary.Clamp``.

        Float bounds on an integer tensor give a float32 result, as in PyTorch.
        """
        low, high = unary.clamp_bounds(min, max)
        bounds = [promotion_entry(b) for b in (low, high) if b is not None]
        dtype = promote_types([(self.dtype, DIMENSIONED), *bounds])
        return unary.Clamp.apply(self.to(dtype), low, high)

    clip = clamp

    def softmax(self, dim: int) -> Tensor:
        """Return exp(x) / sum(exp(x)) along ``dim``."""
        axis = normalize_dims(dim, self.ndim, "softmax")[0]
        return softmax.Softmax.apply(as_float(self), axis)

    def log_softmax(self, dim: int) -> Tensor:
        """Return x - log(sum(exp(x))) along ``dim``, computed stably."""
        axis = normalize_dims(dim, self.ndim, "log_softmax")[0]
        return softmax.LogSoftmax.apply(as_float(self), axis)

    # Reductions -----------------------------------------------------------------

    def sum(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Return the sum over ``dim`` (all dimensions when None)."""
        dims, keep = resolve_dim(dim, keepdim, axis, keepdims, self.ndim, "sum")
        return reduce.Sum.apply(self, dims, keep)

    def mean(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Return the mean over ``dim`` (all dimensions when None)."""
        if not is_floating(self.dtype):
            raise DTypeError(
                f"mean() needs a floating-point tensor, got dtype {self.dtype}; "
                "convert it with .float() first"
            )
        dims, keep = resolve_dim(dim, keepdim, axis, keepdims, self.ndim, "mean")
        count = int(np.prod([self.shape[d] for d in dims]))
        summed = reduce.Sum.apply(self, dims, keep)
        if count == 0:
            # The mean of no elements is NaN, as in PyTorch, without a warning.
            return summed * np.nan
        return summed / count

    def amax(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Return the maximum over ``dim``; tied elements share the gradient."""
        dims, keep = resolve_dim(dim, keepdim, axis, keepdims, self.ndim, "amax")
        return reduce.Extreme.apply(self, dims, keep, True)

    def amin(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Return the minimum over ``dim``; tied elements share the gradient."""
        dims, keep = resolve_dim(dim, keepdim, axis, keepdims, self.ndim, "amin")
        return reduce.Extreme.apply(self, dims, keep, False)

    def max(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Any:
        """Return the maximum, like ``torch.max``.

        ``max()`` reduces everything, splitting the gradient evenly among ties.
        ``max(dim)`` returns ``(values, indices)``; the gradient goes to the
        first maximal element of each slice, the one ``indices`` names.
        ``max(other)`` with a Tensor is ``maximum(self, other)``.
        """
        if isinstance(dim, Tensor):
            return selection.maximum(self, dim)
        return reduce.extreme(self, dim, keepdim, axis, keepdims, find_max=True)

    def min(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Any:
        """Return the minimum, like ``torch.min``; see ``max`` for the forms."""
        if isinstance(dim, Tensor):
            return selection.minimum(self, dim)
        return reduce.extreme(self, dim, keepdim, axis, keepdims, find_max=False)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Return the index of the first maximum, over all elements or ``dim``."""
        return reduce.arg_extreme(np.argmax, self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Return the index of the first minimum, over all elements or ``dim``."""
        return reduce.arg_extreme(np.argmin, self, dim, keepdim)

    def any(self) -> Tensor:
        """Return a bool tensor: whether any element is nonzero."""
        return Tensor._make(np.asarray(self._array.any()))

    def all(self) -> Tensor:
        """Return a bool tensor: whether every element is nonzero."""
        return Tensor._make(np.asarray(self._array.all()))

    # Shape ----------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """Return the elements in a new shape; one size may be -1."""
        return _view_op(self, shape_ops.Reshape, _shape_argument(shape, "reshape"))

    def view(self, *shape: Any) -> Tensor:
        """Return the elements in a new shape; the same as ``reshape`` here."""
        return self.reshape(*shape)

    def expand(self, *sizes: Any) -> Tensor:
        """Return this tensor broadcast to ``sizes``; -1 keeps a dimension."""
        return _view_op(self, shape_ops.Expand, shape_ops.expanded_shape(self, sizes))

    def permute(self, *dims: Any) -> Tensor:
        """Return the tensor with its dimensions reordered."""
        order = normalize_dims(_shape_argument(dims, "permute"), self.ndim, "permute")
        if sorted(order) != list(range(self.ndim)):
            raise ShapeError(
                f"permute needs each of the {self.ndim} dimensions once, got {dims}"
            )
        return _view_op(self, shape_ops.Permute, order)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Return the tensor with dimensions ``dim0`` and ``dim1`` swapped."""
        first = normalize_dims(dim0, self.ndim, "transpose")[0]
        second = normalize_dims(dim1, self.ndim, "transpose")[0]
        order = list(range(self.ndim))
        order[first], order[second] = order[second], order[first]
        return _view_op(self, shape_ops.Permute, tuple(order))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Return the tensor with dimensions ``start_dim..end_dim`` merged."""
        return self.reshape(shape_ops.flattened_shape(self.shape, start_dim, end_dim))

    def squeeze(self, dim: Dim = None) -> Tensor:
        """Remove size-1 dimensions (only those in ``dim`` when given)."""
        return self.reshape(shape_ops.squeezed_shape(self.shape, dim))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dimension at position ``dim``."""
        return self.reshape(shape_ops.unsqueezed_shape(self.shape, dim))

    def __getitem__(self, index: Any) -> Tensor:
        out = self
        for step in shape_ops.index_steps(shape_ops.normalize_index(index)):
            out = _view_op(out, shape_ops.GetItem, step)
        return out

    def gather(self, dim: int, index: Any) -> Tensor:
        """Return the elements at ``index`` along ``dim``, like ``torch.gather``.

        For ``dim=1``: ``out[i][j] = self[i][index[i][j]]``.
        """
        return shape_ops.gather(self, dim, index)


# Helpers used by the methods above -----------------------------------------------


def _to_array(data: Any, dtype: DTypeLike | None) -> np.ndarray:
    """Copy ``data`` into a new array, with Python floats as float32."""
    if isinstance(data, Tensor):
        data = data._array
    target = to_dtype(dtype) if dtype is not None else None

    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data, dtype=target, copy=True)
    else:
        try:
            array = np.array(data, dtype=target)
        except ValueError as error:
            raise ValueError(
                f"cannot make a tensor from this data: {error}. Use numbers, or "
                "nested lists whose lists at each depth have the same length."
            ) from None
        if target is None and array.dtype == np.float64:
            array = array.astype(default_float())

    if array.dtype == object or not (
        array.dtype.kind in "biuf" or array.dtype == np.bool_
    ):
        raise DTypeError(
            f"cannot make a tensor from data of dtype {array.dtype}; use numbers, "
            "nested lists of numbers or a numeric NumPy array"
        )
    return array


def _shape_argument(shape: Sequence[Any], op: str) -> tuple[int, ...]:
    """Accept both ``reshape(2, 3)`` and ``reshape((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return shape_argument(shape, op)


def _view_op(source: Tensor, op: type[Function], argument: Any) -> Tensor:
    """Apply a shape operation; if it returns a view, record how to rebuild it.

    The record lets an in-place change through the view, or through its base,
    update the other's history (see ``inplace.track_view``).
    """
    out = op.apply(source, argument)
    return track_view(source, out, lambda base: op.apply(base, argument))


# These modules import Tensor, so they are imported once the class exists.
from tinygrad_edu.ops import (  # noqa: E402
    arithmetic,
    matmul,
    reduce,
    selection,
    softmax,
    unary,
)
from tinygrad_edu.ops import shape as shape_ops  # noqa: E402
from tinygrad_edu.promotion import (  # noqa: E402
    as_float,
    check_bitwise,
    compare,
    promote_operands,
    promotion_entry,
)
