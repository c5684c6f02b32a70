"""Module hooks: code that runs around a module's forward and backward.

``Module`` keeps a ``ModuleHooks`` registry only once a hook is registered, so
calling a module without hooks costs one falsy check. With hooks, ``call``
runs the forward pre-hooks, ``forward``, the forward hooks, and sets up the
full backward hooks, in the order ``torch.nn.Module.__call__`` does (PyTorch
2.13).

A full backward hook ``hook(module, grad_input, grad_output)`` needs all the
gradients of one call's inputs at once, and a chance to replace them before
they flow on. Each Function node has one output, so one node per input would
see the inputs' gradients one at a time. Instead the inputs that require grad
are joined into one flat tensor by a ``HookJoin`` node and split back into
copies by ``HookSplit`` nodes, and the module's forward runs on the copies.
The backward pass then sums the gradients of all inputs into the joined
tensor's gradient, and a tensor hook (``Tensor.register_hook``) on it calls
the module's hooks once with all of them. The outputs are routed the same
way, so that every ``grad_output`` is known by then.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_edu.creation import zeros
from tinygrad_edu.errors import GraphError, warn_caller
from tinygrad_edu.function import Function
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.hooks import RemovableHandle
from tinygrad_edu.ops.shape import cat
from tinygrad_edu.tensor import Tensor


@dataclass(eq=False)
class HookEntry:
    """A registered hook and its options.

    Entries compare by identity, so a function registered twice makes two
    entries, and each handle removes its own.
    """

    fn: Callable[..., Any]
    with_kwargs: bool = False
    always_call: bool = False


class ModuleHooks:
    """The hooks registered on one module, each list in call order."""

    def __init__(self) -> None:
        self.forward_pre: list[HookEntry] = []
        self.forward: list[HookEntry] = []
        self.backward: list[HookEntry] = []

    def __bool__(self) -> bool:
        return bool(self.forward_pre or self.forward or self.backward)

    def add(self, hooks: list[HookEntry], entry: HookEntry, prepend: bool) -> Any:
        """Insert ``entry`` first or last and return its RemovableHandle.

        Raises:
            TypeError: if the hook is not callable.
        """
        if not callable(entry.fn):
            raise TypeError(
                f"a module hook must be callable, got {type(entry.fn).__name__}"
            )
        if prepend:
            hooks.insert(0, entry)
        else:
            hooks.append(entry)
        return RemovableHandle(hooks, entry)

    def call(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run ``module.forward`` on ``args`` with the hooks around it.

        If anything raises, the forward hooks registered with ``always_call``
        that have not run yet are called before the error propagates.
        """
        done: set[int] = set()
        result = None
        try:
            args, kwargs = self._run_pre_hooks(module, args, kwargs)
            backward = None
            if self.backward:
                backward = _BackwardHookCall(module, [e.fn for e in self.backward])
                args = backward.route_inputs(args)

            result = module.forward(*args, **kwargs)
            for entry in tuple(self.forward):
                done.add(id(entry))
                result = _run_forward_hook(entry, module, args, kwargs, result)

            if backward is not None:
                result = backward.route_outputs(result)
            return result
        except Exception:
            for entry in tuple(self.forward):
                if entry.always_call and id(entry) not in done:
                    _run_after_error(entry, module, args, kwargs, result)
            raise

    def _run_pre_hooks(
        self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Run the forward pre-hooks; each may replace the arguments."""
        for entry in tuple(self.forward_pre):
            if not entry.with_kwargs:
                new_args = entry.fn(module, args)
                if new_args is not None:
                    args = new_args if isinstance(new_args, tuple) else (new_args,)
                continue

            replaced = entry.fn(module, args, kwargs)
            if replaced is None:
                continue
            if not (isinstance(replaced, tuple) and len(replaced) == 2):
                raise TypeError(
                    "a forward pre-hook registered with with_kwargs=True must "
                    f"return None or a tuple (args, kwargs), got {replaced!r}"
                )
            args, kwargs = replaced
        return args, kwargs


def _run_forward_hook(
    entry: HookEntry,
    module: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    result: Any,
) -> Any:
    """Call one forward hook; return its replacement, or ``result`` for None."""
    if entry.with_kwargs:
        replaced = entry.fn(module, args, kwargs, result)
    else:
        replaced = entry.fn(module, args, result)
    return result if replaced is None else replaced


def _run_after_error(
    entry: HookEntry,
    module: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    result: Any,
) -> None:
    """Call an ``always_call`` forward hook after forward raised.

    The hook's own error becomes a warning, so that the caller receives the
    error that forward raised.
    """
    try:
        _run_forward_hook(entry, module, args, kwargs, result)
    except Exception as error:
        warnings.warn(
            "a module forward hook with always_call=True raised an error, which "
            f"was ignored because forward had already raised: {error}",
            RuntimeWarning,
            stacklevel=2,
        )


# Routing gradients through one node --------------------------------------------


class HookJoin(Function):
    """y = concat(ravel(x_i) for each i); grad x_i = y's slice i, in x_i's shape.

    The slices are the gradient of each input, so a tensor hook on y sees them
    all in one call.
    """

    @staticmethod
    def forward(ctx: Any, *arrays: np.ndarray) -> np.ndarray:
        ctx.pieces = []
        start = 0
        for array in arrays:
            ctx.pieces.append((start, start + array.size, array.shape))
            start += array.size
        # Indices of inputs whose gradient a backward hook replaced with None.
        ctx.dropped = frozenset()
        return np.concatenate([array.ravel() for array in arrays])

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        return tuple(
            None if index in ctx.dropped else grad_output[start:stop].reshape(shape)
            for index, (start, stop, shape) in enumerate(ctx.pieces)
        )


class HookSplit(Function):
    """y = joined[start:stop] reshaped; grad joined = grad y at that slice, else 0.

    The output is cast back to the dtype of the input it copies.
    """

    @staticmethod
    def forward(
        ctx: Any, joined: np.ndarray, start: int, shape: tuple[int, ...], dtype: Any
    ) -> np.ndarray:
        size = int(np.prod(shape, dtype=np.int64))
        ctx.start, ctx.stop, ctx.total = start, start + size, joined.size
        # astype copies, so the result shares no memory with the input.
        return joined[start : start + size].reshape(shape).astype(dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        before = zeros(ctx.start, dtype=grad_output.dtype)
        after = zeros(ctx.total - ctx.stop, dtype=grad_output.dtype)
        return cat([before, grad_output.reshape(-1), after]), None, None, None


def _join_and_split(tensors: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
    """Return the joined tensor and one copy of each tensor computed from it."""
    joined = HookJoin.apply(*tensors)
    pieces = joined.grad_fn.pieces  # type: ignore[union-attr]
    copies = [
        HookSplit.apply(joined, start, shape, tensor.dtype)
        for (start, _, shape), tensor in zip(pieces, tensors, strict=True)
    ]
    return joined, copies


def _positions_needing_grad(values: tuple[Any, ...]) -> list[int]:
    return [
        index
        for index, value in enumerate(values)
        if isinstance(value, Tensor) and value.requires_grad
    ]


class _BackwardHookCall:
    """The full backward hooks of one module call and the gradients seen so far.

    It holds no reference to a tensor or node of the graph (only a weak one to
    the inputs' join node), so the graph stays free of reference cycles.
    """

    def __init__(self, module: Any, hooks: list[Callable[..., Any]]) -> None:
        self.module = module
        self.hooks = hooks
        self.input_count = 0
        self.input_positions: list[int] | None = None
        self.input_pieces: list[tuple[int, int, tuple[int, ...]]] = []
        self.input_dtypes: dict[int, Any] = {}
        self.zero_inputs: dict[int, tuple[tuple[int, ...], Any]] = {}
        self.input_node: Callable[[], Function | None] = lambda: None
        self.output_count = 0
        self.output_positions: list[int] = []
        self.captured: dict[int, Tensor] = {}
        self.grad_outputs: tuple[Tensor | None, ...] | None = None

    def route_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``args`` with the tensors that require grad routed through
        one HookJoin node, whose gradient hook calls the module's hooks."""
        self.input_count = len(args)
        positions = _positions_needing_grad(args)
        if not positions or not is_grad_enabled():
            return args

        self.input_positions = positions
        for index, arg in enumerate(args):
            if isinstance(arg, Tensor) and index not in positions:
                self.zero_inputs[index] = (arg.shape, arg.dtype)
        self.input_dtypes = {index: args[index].dtype for index in positions}

        joined, copies = _join_and_split([args[index] for index in positions])
        self.input_pieces = list(joined.grad_fn.pieces)  # type: ignore[union-attr]
        self.input_node = weakref.ref(joined.grad_fn)  # type: ignore[arg-type]
        joined.register_hook(self._on_input_grads)
        routed = list(args)
        for index, copy in zip(positions, copies, strict=True):
            routed[index] = copy
        return tuple(routed)

    def route_outputs(self, result: Any) -> Any:
        """Return ``result`` with its tensors routed through one HookJoin node,
        so that every output's gradient is captured before the inputs' hook."""
        if not isinstance(result, (Tensor, tuple)):
            warn_caller(
                "backward hooks are called only when the module's output is a "
                f"Tensor or a tuple of Tensors, but {type(self.module).__name__} "
                f"returned a {type(result).__name__}"
            )
            return result

        outputs = result if isinstance(result, tuple) else (result,)
        positions = _positions_needing_grad(outputs)
        if not positions or not is_grad_enabled():
            return result

        self.output_count = len(outputs)
        self.output_positions = positions
        joined, copies = _join_and_split([outputs[index] for index in positions])
        for number, copy in enumerate(copies):
            copy.register_hook(self._capture_grad_output(number))
        joined.register_hook(self._on_output_grads)

        routed = list(outputs)
        for index, copy in zip(positions, copies, strict=True):
            routed[index] = copy
        return tuple(routed) if isinstance(result, tuple) else routed[0]

    def _capture_grad_output(self, number: int) -> Callable[[Tensor], None]:
        def capture(grad: Tensor) -> None:
            self.captured[number] = grad

        return capture

    def _on_output_grads(self, grad: Tensor) -> None:
        """Collect the outputs' gradients, None for outputs that got none."""
        grad_outputs: list[Tensor | None] = [None] * self.output_count
        for number, index in enumerate(self.output_positions):
            grad_outputs[index] = self.captured.pop(number, None)
        self.grad_outputs = tuple(grad_outputs)
        if self.input_positions is None:
            self._call_without_input_grads()

    def _call_without_input_grads(self) -> None:
        """Call the hooks with grad_input all None, as no input requires grad."""
        warn_caller(
            f"the full backward hooks of {type(self.module).__name__} are called "
            "when the gradients of its outputs are known, because none of its "
            "inputs requires grad, so every grad_input is None"
        )
        grad_input = (None,) * self.input_count
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None and any(value is not None for value in result):
                raise GraphError(
                    f"a full backward hook of {type(self.module).__name__} returned "
                    "gradients, but none of the module's inputs requires grad; "
                    "return None (or a tuple of None) from the hook"
                )
        self.grad_outputs = None

    def _on_input_grads(self, grad: Tensor) -> Tensor | None:
        """Call the module's hooks; return the joined replacement, if any."""
        node = self.input_node()
        if self.grad_outputs is None or node is None:
            # The gradient reached the inputs without passing through the
            # outputs (as in a second-order backward), so there is no report.
            return None

        grad_input = self._split_input_grads(grad)
        replaced = False
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is None:
                continue
            if not isinstance(result, (tuple, list)) or len(result) != len(grad_input):
                raise GraphError(
                    f"a full backward hook of {type(self.module).__name__} must "
                    f"return None or {len(grad_input)} gradients (one per forward "
                    f"argument), got {_describe_result(result)}"
                )
            grad_input = tuple(result)
            replaced = True

        self.grad_outputs = None
        node.dropped = frozenset()  # type: ignore[attr-defined]
        if not replaced:
            return None
        return self._join_replacements(grad_input, grad, node)

    def _split_input_grads(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        """Return one gradient per forward argument, as PyTorch passes them.

        An argument that is no Tensor gets None. A Tensor that does not
        require grad gets zeros of its shape and dtype.
        """
        grads: list[Tensor | None] = [None] * self.input_count
        for index, (shape, dtype) in self.zero_inputs.items():
            grads[index] = zeros(shape, dtype=dtype)
        for (start, stop, shape), index in zip(
            self.input_pieces, self.input_positions or [], strict=True
        ):
            grads[index] = grad[start:stop].reshape(shape).to(self.input_dtypes[index])
        return tuple(grads)

    def _join_replacements(
        self, grad_input: tuple[Any, ...], grad: Tensor, node: Function
    ) -> Tensor:
        """Return the replacement gradients as one joined tensor.

        A None replacement becomes zeros here, and the join node's backward
        passes None for it, so that input gets no gradient at all.
        """
        parts = []
        dropped = set()
        for number, index in enumerate(self.input_positions or []):
            start, stop, shape = self.input_pieces[number]
            value = grad_input[index]
            if value is None:
                dropped.add(number)
                parts.append(zeros(stop - start, dtype=grad.dtype))
                continue
            if not isinstance(value, Tensor) or value.shape != shape:
                raise GraphError(
                    f"a full backward hook of {type(self.module).__name__} returned "
                    f"{_describe_result(value)} as the gradient of argument "
                    f"{index}, whose shape is {shape}; return a Tensor of that "
                    "shape, or None"
                )
            parts.append(value.reshape(-1).to(grad.dtype))

        node.dropped = frozenset(dropped)  # type: ignore[attr-defined]
        return cat(parts)


def _describe_result(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a Tensor of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"
