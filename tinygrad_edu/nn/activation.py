"""Activation modules; each calls the function of the same name in ``functional``."""

from __future__ import annotations

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class ReLU(Module):
    """Apply max(x, 0) elementwise; the gradient at x = 0 is 0.

    Args:
        inplace: overwrite the input with the result.

    Shape:
        - Input: any shape.
        - Output: the same shape.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """Apply 1 / (1 + e**-x) elementwise.

    Shape:
        - Input: any shape.
        - Output: the same shape, with values in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """Apply the hyperbolic tangent elementwise.

    Shape:
        - Input: any shape.
        - Output: the same shape, with values in [-1, 1].
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Softmax(Module):
    """Apply e**x / sum(e**x) along ``dim``, so that each slice sums to 1.

    Args:
        dim: the dimension to normalise. None picks one at each call with a
            UserWarning, as PyTorch does: 0 for 0-, 1- and 3-dimensional
            inputs, else 1.

    Shape:
        - Input: any shape.
        - Output: the same shape.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Apply x - log(sum(e**x)) along ``dim``, finite for logits of any size.

    Args:
        dim: as for ``Softmax``.

    Shape:
        - Input: any shape.
        - Output: the same shape.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
