"""Property-test a module's gradients with one call: ``check_module``."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.gradcheck import gradcheck
from tinygrad_edu.testing.jacobian import GradcheckError


def check_module(
    module: Any,
    inputs: st.SearchStrategy[Any],
    *,
    max_examples: int | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Check a module's gradients against finite differences on drawn inputs.

    The module is converted to float64 in place (``module.double()``). For each
    input that Hypothesis draws, gradcheck compares the analytic gradients of
    ``module(x)`` with respect to ``x`` and to every parameter with central
    differences. On failure Hypothesis shrinks the input to a minimal example
    and reports it. The error names the parameter (by its dotted name) whose
    gradient is wrong and the operation that computed it.

    Args:
        module: an ``nn.Module`` (anything with ``double()``,
            ``named_parameters()`` and ``__call__``).
        inputs: a strategy of input Tensors or arrays, such as
            ``strategies.tensors(shape=(2, 3))``.
        max_examples: how many inputs to try; the active Hypothesis profile's
            setting when None.
        eps, atol, rtol: as in ``gradcheck``.

    Raises:
        GradcheckError: for the minimal failing input.
        TypeError: if ``module`` is not a module, ``inputs`` is not a
            strategy, or the module's output is not floating-point.
    """
    _check_arguments(module, inputs)
    module.double()
    named = list(module.named_parameters())
    names = [name for name, _ in named]
    params = [param for _, param in named]
    legend = ["input 0 is the module's input"] + [
        f"input {i} is parameter {name!r}" for i, name in enumerate(names, start=1)
    ]

    def run(x: Any) -> None:
        x = x if isinstance(x, Tensor) else Tensor(x)
        x = Tensor(x.detach()._array.astype("float64"), requires_grad=True)
        _check_output(module(x))
        try:
            gradcheck(
                lambda value, *_: module(value),
                [x, *params],
                eps=eps,
                atol=atol,
                rtol=rtol,
            )
        except GradcheckError as error:
            message = f"{error}\n({'; '.join(legend)})"
            raise GradcheckError(message) from None

    test = given(inputs)(run)
    if max_examples is not None:
        test = settings(max_examples=max_examples)(test)
    test()


def _check_arguments(module: Any, inputs: Any) -> None:
    if not (callable(module) and hasattr(module, "named_parameters")):
        raise TypeError(
            f"check_module expects an nn.Module, got {type(module).__name__}; "
            "for a plain function of tensors, use gradcheck"
        )
    if not isinstance(inputs, st.SearchStrategy):
        raise TypeError(
            f"check_module expects a Hypothesis strategy of inputs, got "
            f"{type(inputs).__name__}; use for example "
            "tinygrad_edu.testing.strategies.tensors(shape=(4, 3))"
        )


def _check_output(output: Any) -> None:
    outputs = [output] if isinstance(output, Tensor) else list(output)
    for position, tensor in enumerate(outputs):
        if not isinstance(tensor, Tensor) or tensor.dtype.kind != "f":
            found = getattr(tensor, "dtype", type(tensor).__name__)
            raise TypeError(
                f"check_module: output {position} of the module is {found}, but "
                "gradients exist only for floating-point Tensor outputs"
            )
