"""The functional interface to the backward pass, and tools to watch it.

``grad(outputs, inputs)`` returns the gradients instead of adding them to
``.grad``, which is what higher-order derivatives and gradient checks need.
``trace()`` records each step of a backward pass, and ``detect_anomaly()``
stops at the first NaN or infinity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu.anomaly import AnomalyError, detect_anomaly
from tinygrad_edu.engine import backward_seed, run_backward
from tinygrad_edu.errors import GraphError
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tracing import BackwardTrace, TraceStep, trace

__all__ = [
    "AnomalyError",
    "BackwardTrace",
    "TraceStep",
    "detect_anomaly",
    "grad",
    "trace",
]


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if isinstance(value, Tensor) or value is None:
        return (value,)
    return tuple(value)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradient of ``outputs`` with respect to each of ``inputs``.

    Computes sum_k grad_outputs[k] . d outputs[k] / d inputs[i] for each i,
    without touching any ``.grad``.

    Args:
        outputs: tensors to differentiate.
        inputs: tensors to differentiate with respect to; leaves or not.
        grad_outputs: the gradient with respect to each output; may be None
            for outputs with one element, where it is 1.
        retain_graph: keep the graph for another backward; defaults to
            ``create_graph``.
        create_graph: record the computation of the gradients, so that they
            can be differentiated again.
        allow_unused: return None for an input that does not affect the
            outputs instead of raising.

    Returns:
        A tuple with one gradient per input, each of the input's shape.

    Raises:
        GraphError: if an input does not require grad, or is unused and
            ``allow_unused`` is False.
    """
    output_list = _as_tuple(outputs)
    input_list = _as_tuple(inputs)
    if grad_outputs is None:
        grad_list: tuple[Any, ...] = (None,) * len(output_list)
    else:
        grad_list = _as_tuple(grad_outputs)
    if len(grad_list) != len(output_list):
        raise ValueError(
            f"grad: got {len(grad_list)} grad_outputs for {len(output_list)} outputs"
        )

    for position, tensor in enumerate(input_list):
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            raise GraphError(
                f"grad: input {position} does not require grad, so it has no "
                "gradient; set requires_grad=True on it before the forward pass"
            )

    seeds = [
        backward_seed(output, seed, "grad")
        for output, seed in zip(output_list, grad_list, strict=True)
    ]
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(
        output_list, seeds, retain_graph, create_graph, inputs=input_list
    )
    assert results is not None, "run_backward returns a list when given inputs"

    for position, result in enumerate(results):
        if result is None and not allow_unused:
            raise GraphError(
                f"grad: input {position} was not used to compute the outputs, so "
                "it has no gradient; pass allow_unused=True to get None for it"
            )
    return tuple(results)
