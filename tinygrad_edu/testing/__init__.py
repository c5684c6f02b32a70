"""Tools for testing gradients: finite-difference checks of first and second
derivatives."""

from tinygrad_edu.testing.gradcheck import (
    GradcheckError,
    analytic_jacobian,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)

__all__ = [
    "GradcheckError",
    "analytic_jacobian",
    "gradcheck",
    "gradgradcheck",
    "numerical_jacobian",
]
