"""The backward pass: walk the recorded graph from the output to the leaves.

1. Collect the nodes reachable from the roots and order them so that every
   node comes before the nodes that produced its inputs. The walk uses an
   explicit stack, so a chain of any length runs without RecursionError, in
   time linear in the size of the graph.
2. Seed each root's node with the root's gradient (ones for a scalar loss).
3. Visit the nodes in that order. A node's gradient is complete when it is
   visited, because every node that consumes its output came earlier and has
   already added its contribution. Call the node's backward, fit each returned
   gradient to its input (sum broadcast axes, cast the dtype), then add it to
   the parent node's pending gradient or to the leaf's pending gradient.
4. Release each node's saved values unless ``retain_graph`` is set.
5. Run each leaf's hooks on its summed gradient and add it to ``.grad``.

Hooks, the backward trace and anomaly mode are each read once per pass, so
they cost nothing per node when they are off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.anomaly import (
    anomaly_enabled,
    check_finite_gradient,
    forward_checks_paused,
)
from tinygrad_edu.errors import GraphError, ShapeError, warn_caller
from tinygrad_edu.function import Function
from tinygrad_edu.grad_mode import set_grad_enabled
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tracing import active_trace


def topological_order(roots: Sequence[Function]) -> list[Function]:
    """Return the nodes reachable from ``roots``, each before its parents."""
    post_order: list[Function] = []
    visited: set[int] = set()
    stack: list[tuple[Function, bool]] = [(root, False) for root in roots]

    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            post_order.append(node)
            continue
        if id(node) in visited:
            continue

        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if isinstance(parent, Function) and id(parent) not in visited:
                stack.append((parent, False))

    post_order.reverse()
    return post_order


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Backpropagate ``root_grads`` from ``roots`` through the recorded graph.

    With ``inputs=None``, gradients accumulate into the ``.grad`` of every leaf
    reached. Otherwise nothing is accumulated, and the gradient of each Tensor
    in ``inputs`` (a leaf or not) is returned, ``None`` where none arrives.
    With ``create_graph``, the backward computations are recorded too, so the
    gradients can be differentiated again.
    """
    backward_pass = _BackwardPass(retain_graph, create_graph, inputs)
    # In anomaly mode the pass checks each gradient itself; the operations
    # that backward methods run inside it are not checked a second time.
    with set_grad_enabled(create_graph), forward_checks_paused():
        start_nodes = []
        for root, grad in zip(roots, root_grads, strict=True):
            if root.grad_fn is None:
                backward_pass.add_leaf_grad(root, grad)
            else:
                backward_pass.add_node_grad(root.grad_fn, grad)
                start_nodes.append(root.grad_fn)

        for node in topological_order(start_nodes):
            backward_pass.visit(node)
        backward_pass.deliver_leaf_grads()

    if inputs is None:
        return None
    return [backward_pass.captured.get(id(t)) for t in inputs]


class _BackwardPass:
    """The state of one backward pass: pending gradients and what to report.

    A node's gradient is complete when the node is visited. A leaf's gradient
    is complete only at the end, so leaf gradients are summed here first and
    delivered (through the leaf's hooks) once, as PyTorch does.
    """

    def __init__(
        self, retain_graph: bool, create_graph: bool, inputs: Sequence[Tensor] | None
    ) -> None:
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.node_grads: dict[int, Tensor] = {}
        self.leaf_grads: dict[int, tuple[Tensor, Tensor]] = {}
        self.captured: dict[int, Tensor] = {}
        self.input_nodes = {}
        if inputs is not None:
            self.input_nodes = {id(t.grad_fn): t for t in inputs if t.grad_fn}
        self.input_leaves = None if inputs is None else {id(t) for t in inputs}
        self.tracer = active_trace()
        self.check_finite = anomaly_enabled()

    def add_node_grad(self, node: Function, grad: Tensor) -> None:
        key = id(node)
        pending = self.node_grads.get(key)
        self.node_grads[key] = grad if pending is None else pending + grad

    def add_leaf_grad(self, leaf: Tensor, grad: Tensor) -> None:
        key = id(leaf)
        pending = self.leaf_grads.get(key)
        self.leaf_grads[key] = (leaf, grad if pending is None else pending[1] + grad)

    def visit(self, node: Function) -> None:
        """Run one node's backward and pass its gradients on to the parents."""
        grad_output = self.node_grads.pop(id(node), None)
        if grad_output is None:
            return
        for hook in node._hooks or ():
            grad_output = _apply_hook(hook, grad_output)
        if id(node) in self.input_nodes:
            self.captured[id(self.input_nodes[id(node)])] = grad_output

        grad_inputs = _call_backward(node, grad_output)
        if not self.retain_graph:
            node.release()

        passed = []
        for index, grad in enumerate(grad_inputs):
            parent = node.parents[index]
            if parent is None or grad is None:
                continue
            grad, note = _fit_to_input(node, index, grad)
            if self.check_finite:
                check_finite_gradient(node, index, grad)
            passed.append((index, grad, note))
            if isinstance(parent, Function):
                self.add_node_grad(parent, grad)
            else:
                self.add_leaf_grad(parent, grad)

        if self.tracer is not None:
            self.tracer.record(node, grad_output, passed)

    def deliver_leaf_grads(self) -> None:
        """Run each leaf's hooks on its summed gradient, then store or capture it."""
        for leaf, grad in self.leaf_grads.values():
            for hook in leaf._hooks or ():
                grad = _apply_hook(hook, grad)
            if self.input_leaves is None:
                _accumulate_into_grad(leaf, grad, self.create_graph)
            elif id(leaf) in self.input_leaves:
                self.captured[id(leaf)] = grad


def _apply_hook(hook: Any, grad: Tensor) -> Tensor:
    """Call a gradient hook; it may return a replacement of the same shape."""
    replacement = hook(grad)
    if replacement is None:
        return grad
    if not isinstance(replacement, Tensor):
        raise GraphError(
            f"gradient hook {hook!r} returned a {type(replacement).__name__}; "
            "return None to keep the gradient, or a Tensor to replace it"
        )
    if replacement.shape != grad.shape or replacement.dtype != grad.dtype:
        raise GraphError(
            f"gradient hook {hook!r} returned a Tensor of shape "
            f"{replacement.shape} and dtype {replacement.dtype}, but the gradient "
            f"has shape {grad.shape} and dtype {grad.dtype}; a replacement must "
            "keep both, as in PyTorch"
        )
    return replacement


def _accumulate_into_grad(leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
    """Add ``grad`` to ``leaf.grad``."""
    if leaf.grad is None:
        # A fresh array, because the same gradient array may reach other leaves
        # and later accumulation adds into it in place.
        leaf.grad = grad if create_graph else Tensor._make(grad._array.copy())
    elif create_graph or leaf.grad.requires_grad:
        # Out of place, so a gradient recorded by create_graph stays intact.
        leaf.grad = leaf.grad + grad
    else:
        leaf.grad._array += grad._array


def _call_backward(node: Function, grad_output: Tensor) -> tuple[Tensor | None, ...]:
    """Call the node's backward and check that it returned one value per input."""
    grad_inputs = type(node).backward(node, grad_output)
    if not isinstance(grad_inputs, tuple):
        grad_inputs = (grad_inputs,)

    if len(grad_inputs) != len(node.parents):
        raise GraphError(
            f"{node.name()} returned {len(grad_inputs)} gradients, but its forward "
            f"took {len(node.parents)} arguments. Return one value per argument of "
            "forward, using None for arguments that need no gradient."
        )
    return grad_inputs


def _fit_to_input(
    node: Function, index: int, grad: Tensor
) -> tuple[Tensor, str | None]:
    """Sum broadcast axes of ``grad`` and cast it to input ``index``'s dtype.

    Returns the fitted gradient and a note saying what was done, or None.
    """
    if not isinstance(grad, Tensor):
        raise GraphError(
            f"{node.name()} returned a {type(grad).__name__} as the gradient of "
            f"argument {index}; backward must return Tensors or None."
        )

    note = None
    shape = node.input_shapes[index]
    assert shape is not None, "a Tensor argument has a recorded shape"
    if grad.shape != shape:
        note = (
            f"summed to {shape}: this input was broadcast from {shape} to {grad.shape}"
        )
        grad = _sum_to_shape(node, index, grad, shape)

    dtype = node.input_dtypes[index]
    if grad.dtype != dtype:
        cast = f"cast from {grad.dtype} to the input's {dtype}"
        note = cast if note is None else f"{note}; {cast}"
        grad = grad.to(dtype)
    return grad, note


def _sum_to_shape(
    node: Function, index: int, grad: Tensor, shape: tuple[int, ...]
) -> Tensor:
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added."""
    extra = grad.ndim - len(shape)
    fits = extra >= 0 and all(
        size == 1 or size == grad_size
        for size, grad_size in zip(shape, grad.shape[extra:], strict=True)
    )
    if not fits:
        raise GraphError(
            f"{node.name()} returned a gradient of shape {grad.shape} for argument "
            f"{index}, whose shape is {shape}; the shapes must match or broadcast."
        )

    stretched = tuple(
        extra + axis
        for axis, size in enumerate(shape)
        if size == 1 and grad.shape[extra + axis] != 1
    )
    summed = grad.sum(dim=tuple(range(extra)) + stretched, keepdim=True)
    return summed.reshape(shape)


def backward_seed(tensor: Tensor, gradient: Any, caller: str) -> Tensor:
    """Check that ``tensor`` can start a backward pass and build its gradient."""
    if not tensor.requires_grad:
        raise GraphError(
            f"{caller}: the tensor does not require grad and has no grad_fn, so "
            "there is nothing to differentiate. Set requires_grad=True on the "
            "inputs, and do not compute the output inside no_grad()."
        )
    if gradient is None:
        if tensor.numel() != 1:
            raise GraphError(
                f"{caller}: a gradient can be created implicitly only for a tensor "
                f"with one element, but this one has shape {tensor.shape}. Pass "
                "gradient= with the same shape, or reduce it first (.sum())."
            )
        if not np.isfinite(tensor._array).all():
            # An implicit gradient means the tensor is a loss, so warn that it diverged.
            warn_caller(
                f"{caller}: the loss is {tensor.item()}, so every gradient computed "
                "from it is non-finite. Training has diverged or hit an invalid "
                "value: lower the learning rate, or find the operation with "
                "tinygrad_edu.autograd.detect_anomaly().",
                RuntimeWarning,
            )
        return Tensor._make(np.ones(tensor.shape, dtype=tensor.dtype))

    seed = gradient if isinstance(gradient, Tensor) else Tensor(gradient)
    if seed.shape != tensor.shape:
        raise ShapeError(
            f"{caller}: the gradient has shape {seed.shape}, but the tensor has "
            f"shape {tensor.shape}; they must match"
        )
    return seed.to(tensor.dtype)
