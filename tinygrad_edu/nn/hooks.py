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
are joined into one flat tensor by ``cat`` and sliced back into copies, and
the module's forward runs on the copies. The backward pass then collects the
gradients of all inputs in the joined tensor's gradient, and a tensor hook
(``Tensor.register_hook``) on it calls the module's hooks once with all of
them. The joined tensor is built from existing operations, so these extra
steps appear in the graph and the backward trace as ``ReshapeBackward``,
``CatBackward`` and ``GetItemBackward`` nodes. The outputs are routed the same
way, so that every ``grad_output`` is known by then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_edu.creation import zeros
from tinygrad_edu.errors import GraphError, warn_caller
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
        warn_caller(
            "a module forward hook with always_call=True raised an error, which "
            f"was ignored because forward had already raised: {error}",
            RuntimeWarning,
        )


# Routing gradients through one node --------------------------------------------


# (start, stop, shape): where one tensor lies in the joined flat tensor.
Piece = tuple[int, int, tuple[int, ...]]


def _join_and_split(tensors: list[Tensor]) -> tuple[Tensor, list[Tensor], list[Piece]]:
    """Join ``tensors`` into one flat tensor and compute a copy of each from it.

    The join is one ``cat`` node, so the gradients of all the copies add up
    in its gradient. The tensors are cast to their common dtype for the join,
    and each copy is cast back to its tensor's dtype.
    """
    dtype = np.result_type(*[tensor.dtype for tensor in tensors])
    joined = cat([tensor.reshape(-1).to(dtype) for tensor in tensors])

    pieces: list[Piece] = []
    copies = []
    start = 0
    for tensor in tensors:
        stop = start + tensor.numel()
        pieces.append((start, stop, tensor.shape))
        copies.append(joined[start:stop].reshape(tensor.shape).to(tensor.dtype))
        start = stop
    return joined, copies, pieces


def _positions_needing_grad(values: tuple[Any, ...]) -> list[int]:
    return [
        index
        for index, value in enumerate(values)
        if isinstance(value, Tensor) and value.requires_grad
    ]


class _BackwardHookCall:
    """The full backward hooks of one module call and the gradients seen so far.

    The graph's nodes keep this object alive through the hooks registered on
    them, so it stores no tensor or node of the graph itself, which keeps the
    graph free of reference cycles.
    """

    def __init__(self, module: Any, hooks: list[Callable[..., Any]]) -> None:
        self.module = module
        self.hooks = hooks
        self.input_count = 0
        self.input_positions: list[int] | None = None
        self.input_pieces: list[Piece] = []
        self.input_dtypes: dict[int, Any] = {}
        self.zero_inputs: dict[int, tuple[tuple[int, ...], Any]] = {}
        self.output_count = 0
        self.output_positions: list[int] = []
        self.captured: dict[int, Tensor] = {}
        self.grad_outputs: tuple[Tensor | None, ...] | None = None

    def route_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``args`` with the tensors that require grad routed through
        one joined tensor, whose gradient hook calls the module's hooks."""
        self.input_count = len(args)
        positions = _positions_needing_grad(args)
        if not positions or not is_grad_enabled():
            return args

        self.input_positions = positions
        for index, arg in enumerate(args):
            if isinstance(arg, Tensor) and index not in positions:
                self.zero_inputs[index] = (arg.shape, arg.dtype)
        self.input_dtypes = {index: args[index].dtype for index in positions}

        tensors = [args[index] for index in positions]
        joined, copies, self.input_pieces = _join_and_split(tensors)
        joined.register_hook(self._on_input_grads)
        routed = list(args)
        for index, copy in zip(positions, copies, strict=True):
            routed[index] = copy
        return tuple(routed)

    def route_outputs(self, result: Any) -> Any:
        """Return ``result`` with its tensors routed through one joined tensor,
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
        tensors = [outputs[index] for index in positions]
        joined, copies, _ = _join_and_split(tensors)
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
        if self.grad_outputs is None:
            # The gradient reached the inputs without passing through the
            # outputs (as in a second-order backward), so no hook is called.
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
        if not replaced:
            return None
        return self._join_replacements(grad_input, grad)

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

    def _join_replacements(self, grad_input: tuple[Any, ...], grad: Tensor) -> Tensor:
        """Return the replacement gradients as one joined tensor."""
        parts = []
        for number, index in enumerate(self.input_positions or []):
            start, stop, shape = self.input_pieces[number]
            value = grad_input[index]
            if value is None:
                # NOTE: PyTorch gives such an input no gradient at all, but a
                # gradient hook can only replace a tensor, so it gets zeros.
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

        return cat(parts)


def _describe_result(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a Tensor of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"
