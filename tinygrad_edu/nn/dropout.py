"""``Dropout``: zero random elements while training, to regularise a model."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.nn.module import Module
from tinygrad_edu.random import default_generator
from tinygrad_edu.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability ``p`` in training, and scale the rest.

    In training mode, y = x * m / (1 - p), where each element of the mask m is
    1 with probability 1 - p and 0 otherwise, drawn from the shared generator
    (``tinygrad_edu.random.default_generator``). The scaling keeps the
    expected value of each element unchanged. With ``p = 1`` every element is
    zeroed. In eval mode the layer returns its input unchanged.

    The gradient is dy/dx = m / (1 - p), elementwise.

    Args:
        p: the probability of zeroing an element, in [0, 1].

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Raises:
        ValueError: if ``p`` is not a number in [0, 1].
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)):
            raise ValueError(f"Dropout: p must be a number in [0, 1], got {p!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(
                f"Dropout: p is a probability and must be in [0, 1], got {p}"
            )
        self.p = float(p)

    def forward(self, input: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return input

        keep = default_generator().random(input.shape) >= self.p
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        mask = Tensor((keep * scale).astype(input.dtype))
        return input * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"
