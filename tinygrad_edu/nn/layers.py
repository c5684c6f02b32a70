"""Layers with parameters or shape logic: ``Linear``, ``Identity``, ``Flatten``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, default_float, to_dtype
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor


class Linear(Module):
    """Apply an affine map: y = x @ weight.T + bias.

    Args:
        in_features: the size of each input sample.
        out_features: the size of each output sample.
        bias: whether to learn an additive bias.
        dtype: the dtype of the parameters, float32 by default.

    Attributes:
        weight: Parameter of shape (out_features, in_features), initialised
            from U(-k, k) with k = 1 / sqrt(in_features), as PyTorch's
            ``kaiming_uniform_(a=sqrt(5))`` gives.
        bias: Parameter of shape (out_features,) from U(-k, k), or None.

    Shape:
        - Input: (*, in_features), where * is any number of dimensions.
        - Output: (*, out_features).

    Raises:
        ValueError: if a feature count is negative or not an integer.

    Example:
        >>> layer = Linear(64, 10)
        >>> layer(Tensor(np.zeros((32, 64), dtype=np.float32))).shape
        (32, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        for name, value in (
            ("in_features", in_features),
            ("out_features", out_features),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, np.integer))
                or value < 0
            ):
                raise ValueError(
                    f"Linear: {name} must be a non-negative integer, got {value!r}"
                )

        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = to_dtype(dtype) if dtype is not None else default_float()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and biases from the shared generator, as PyTorch does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            # The layer's repr line names it as print(model) shows it.
            raise ShapeError(
                f"{type(self).__name__}({self.extra_repr()}) expects input of shape "
                f"(*, {self.in_features}), got shape {input.shape}; its weight has "
                f"shape {self.weight.shape}"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Return the input unchanged; a placeholder where a layer is optional.

    Any constructor arguments are accepted and ignored, as in PyTorch.

    Shape:
        - Input: any shape.
        - Output: the same shape.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one.

    The default keeps the batch dimension: (N, C, H, W) becomes (N, C*H*W).

    Args:
        start_dim: the first dimension to merge.
        end_dim: the last dimension to merge; negative counts from the end.

    Shape:
        - Input: (*, S_start, ..., S_end, *).
        - Output: (*, S_start * ... * S_end, *).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
