"""Find the operation whose backward is wrong inside a composite function.

When gradcheck fails on f = h(g(x)), the mismatch shows only that the gradient
of f is wrong. ``localize_fault`` records f's graph with every node keeping its
inputs, then re-checks each node on its own: it re-runs that node's operation
on float64 copies of the node's recorded inputs and runs gradcheck on it.
The first node, in the order the forward pass ran them, whose backward
disagrees with finite differences is the one to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_edu.engine import topological_order
from tinygrad_edu.function import Function
from tinygrad_edu.grad_mode import keep_inputs
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.jacobian import (
    GradcheckError,
    check_inputs,
    compare_gradients,
)


@dataclass(frozen=True)
class Fault:
    """A node whose backward disagrees with finite differences on its inputs."""

    node_name: str
    position: int
    node_count: int
    input_shapes: tuple[tuple[int, ...] | None, ...]
    detail: str

    def __str__(self) -> str:
        return (
            f"the backward of {self.node_name} is wrong (operation {self.position} "
            f"of {self.node_count} in forward order, inputs of shapes "
            f"{list(self.input_shapes)}):\n{self.detail}"
        )


def localize_fault(
    fn: Callable[..., Any],
    inputs: Sequence[Tensor],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> Fault | None:
    """Return the first node of ``fn``'s graph whose own gradcheck fails.

    Returns None when every node passes on its own, which means the fault lies
    in how the nodes are connected, or in an operation that is not a Function.
    """
    with keep_inputs():
        result = fn(*inputs)
    outputs = [result] if isinstance(result, Tensor) else list(result)
    roots = [o.grad_fn for o in outputs if isinstance(o, Tensor) and o.grad_fn]

    nodes = list(reversed(topological_order(roots)))
    for position, node in enumerate(nodes, start=1):
        detail = _check_node(node, eps, atol, rtol)
        if detail is not None:
            return Fault(node.name(), position, len(nodes), node.input_shapes, detail)
    return None


def _check_node(node: Function, eps: float, atol: float, rtol: float) -> str | None:
    """Run gradcheck on one node's operation at its recorded inputs."""
    if node.inputs is None:
        return None

    arguments = list(node.inputs)
    positions = [
        i
        for i, arg in enumerate(arguments)
        if isinstance(arg, Tensor) and arg.requires_grad
    ]
    tensors = [
        Tensor(arguments[i].detach()._array.astype(np.float64), requires_grad=True)
        for i in positions
    ]

    def rerun(*replacements: Tensor) -> Tensor:
        call = list(arguments)
        for i, tensor in zip(positions, replacements, strict=True):
            call[i] = tensor
        return type(node).apply(*call)

    check_inputs(tensors)
    try:
        return compare_gradients(rerun, tensors, eps, atol, rtol)
    except GradcheckError as error:
        return str(error)
