"""Tools for testing gradients.

- ``gradcheck`` and ``gradgradcheck``: first and second derivatives against
  central finite differences in float64.
- ``localize_fault``: the first operation in a graph whose backward is wrong.
- ``check_module``: a Hypothesis property test of a module's gradients.
- ``strategies``: Hypothesis strategies for shapes and tensors.

``check_module`` and ``strategies`` need Hypothesis (``pip install
"tinygrad-edu[test]"``); they are imported on first use.
"""

from typing import Any

from tinygrad_edu.testing.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing.jacobian import (
    GradcheckError,
    analytic_jacobian,
    numerical_gradient,
    numerical_jacobian,
)
from tinygrad_edu.testing.localize import Fault, localize_fault

__all__ = [
    "Fault",
    "GradcheckError",
    "analytic_jacobian",
    "check_module",
    "gradcheck",
    "gradgradcheck",
    "localize_fault",
    "numerical_gradient",
    "numerical_jacobian",
]


def __getattr__(name: str) -> Any:
    # check_module and strategies import Hypothesis, a test-only dependency.
    if name == "check_module":
        from tinygrad_edu.testing.modules import check_module

        return check_module
    if name == "strategies":
        import tinygrad_edu.testing.strategies as strategies

        return strategies
    raise AttributeError(f"module 'tinygrad_edu.testing' has no attribute {name!r}")
