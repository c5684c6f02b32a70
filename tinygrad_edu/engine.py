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
   the parent node's gradient or to the leaf's ``.grad``.
4. Release each node's saved values unless ``retain_graph`` is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.errors import GraphError, ShapeError
from tinygrad_edu.function import Function
from tinygrad_edu.grad_mode import set_grad_enabled
from tinygrad_edu.tensor import Tensor


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
    grads: dict[int, Tensor] = {}
    captured: dict[int, Tensor] = {}
    wanted = {id(t) for t in inputs} if inputs is not None else None
    wanted_nodes = (
        {id(t.grad_fn): t for t in inputs if t.grad_fn is not None}
        if inputs is not None
        else {}
    )

    with set_grad_enabled(create_graph):
        start_nodes = []
        for root, grad in zip(roots, root_grads, strict=True):
            if root.grad_fn is None:
                _deliver_to_leaf(root, grad, wanted, captured, create_graph)
                continue
            _accumulate(grads, root.grad_fn, grad)
            start_nodes.append(root.grad_fn)

        for node in topological_order(start_nodes):
            grad_output = grads.pop(id(node), None)
            if grad_output is None:
                continue
            if id(node) in wanted_nodes:
                captured[id(wanted_nodes[id(node)])] = grad_output

            grad_inputs = _call_backward(node, grad_output)
            if not retain_graph:
                node.release()

            for index, grad in enumerate(grad_inputs):
                parent = node.parents[index]
                if parent is None or grad is None:
                    continue
                grad = _fit_to_input(node, index, grad)
                if isinstance(parent, Function):
                    _accumulate(grads, parent, grad)
                else:
                    _deliver_to_leaf(parent, grad, wanted, captured, create_graph)

    if inputs is None:
        return None
    return [captured.get(id(t)) for t in inputs]


def _accumulate(grads: dict[int, Tensor], node: Function, grad: Tensor) -> None:
    key = id(node)
    grads[key] = grad if key not in grads else grads[key] + grad


def _deliver_to_leaf(
    leaf: Tensor,
    grad: Tensor,
    wanted: set[int] | None,
    captured: dict[int, Tensor],
    create_graph: bool,
) -> None:
    """Add ``grad`` to ``leaf.grad``, or capture it when ``inputs`` were given."""
    if wanted is not None:
        if id(leaf) in wanted:
            key = id(leaf)
            captured[key] = grad if key not in captured else captured[key] + grad
        return

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


def _fit_to_input(node: Function, index: int, grad: Tensor) -> Tensor:
    """Sum broadcast axes of ``grad`` and cast it to input ``index``'s dtype."""
    if not isinstance(grad, Tensor):
        raise GraphError(
            f"{node.name()} returned a {type(grad).__name__} as the gradient of "
            f"argument {index}; backward must return Tensors or None."
        )

    shape = node.input_shapes[index]
    if grad.shape != shape:
        grad = _sum_to_shape(node, index, grad, shape)

    dtype = node.input_dtypes[index]
    if grad.dtype != dtype:
        grad = grad.to(dtype)
    return grad


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
        return Tensor._make(np.ones(tensor.shape, dtype=tensor.dtype))

    seed = gradient if isinstance(gradient, Tensor) else Tensor(gradient)
    if seed.shape != tensor.shape:
        raise ShapeError(
            f"{caller}: the gradient has shape {seed.shape}, but the tensor has "
            f"shape {tensor.shape}; they must match"
        )
    return seed.to(tensor.dtype)
