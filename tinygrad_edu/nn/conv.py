"""Image layers: the convolution ``Conv2d`` and the poolings ``MaxPool2d``
and ``AvgPool2d``, over (N, C, H, W) batches or single (C, H, W) images."""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, default_float, to_dtype
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.ops.conv import Pair, avg_pool2d, conv2d, max_pool2d, to_pair
from tinygrad_edu.tensor import Tensor


class Conv2d(Module):
    """Apply a 2-D cross-correlation with learned kernels, plus a bias.

    out[n, o] = bias[o] + sum over c of weight[o, c] (cross-correlated with)
    input[n, c], taken at every ``stride``-th position of the input padded
    with ``padding`` zeros on each side.

    Args:
        in_channels: the number of channels of the input.
        out_channels: the number of kernels, so of output channels.
        kernel_size: the kernel size, an int or (kh, kw).
        stride: the step between windows, an int or (sh, sw).
        padding: zeros added on both sides of H and W, an int or (ph, pw).
        bias: whether to learn an additive bias.
        dtype: the dtype of the parameters, float32 by default.

    Attributes:
        weight: Parameter of shape (out_channels, in_channels, kh, kw),
            initialised from U(-k, k) with k = 1 / sqrt(in_channels * kh * kw),
            as PyTorch's ``kaiming_uniform_(a=sqrt(5))`` gives.
        bias: Parameter of shape (out_channels,) from U(-k, k), or None.

    Shape:
        - Input: (N, in_channels, H, W) or (in_channels, H, W).
        - Output: (N, out_channels, OH, OW) or (out_channels, OH, OW), with
          OH = floor((H + 2 * ph - kh) / sh) + 1 and OW likewise.

    Raises:
        ValueError: for a channel count below 1, a kernel size or stride below
            1, or a negative padding.

    Example:
        >>> layer = Conv2d(1, 8, kernel_size=3, padding=1)
        >>> layer(Tensor(np.zeros((32, 1, 8, 8), dtype=np.float32))).shape
        (32, 8, 8, 8)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair = 0,
        bias: bool = True,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, np.integer))
                or value < 1
            ):
                raise ValueError(
                    f"Conv2d: {name} must be a positive integer, got {value!r}"
                )

        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = to_pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = to_pair("Conv2d", "stride", stride, 1)
        self.padding = to_pair("Conv2d", "padding", padding, 0)
        dtype = to_dtype(dtype) if dtype is not None else default_float()
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and biases from the shared generator, as PyTorch does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            # The layer's repr line names it as print(model) shows it.
            raise ShapeError(
                f"{type(self).__name__}({self.extra_repr()}) expects input of shape "
                f"(N, {self.in_channels}, H, W) or ({self.in_channels}, H, W), got "
                f"shape {input.shape}"
            )
        return conv2d(input, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text


class _Pool2d(Module):
    """The arguments and checks that both poolings share."""

    def __init__(
        self, kernel_size: int | Pair, stride: int | Pair | None = None
    ) -> None:
        super().__init__()
        name = type(self).__name__
        to_pair(name, "kernel_size", kernel_size, 1)
        if stride is not None:
            to_pair(name, "stride", stride, 1)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def _check_input(self, input: Tensor) -> None:
        if input.ndim not in (3, 4):
            raise ShapeError(
                f"{type(self).__name__}({self.extra_repr()}) expects input of shape "
                f"(N, C, H, W) or (C, H, W), got shape {input.shape}"
            )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """Take the maximum of each window of each channel.

    The gradient of a window goes to its first maximal element, as in PyTorch.

    Args:
        kernel_size: the window size, an int or (kh, kw).
        stride: the step between windows, or ``kernel_size`` when None.

    Shape:
        - Input: (N, C, H, W) or (C, H, W).
        - Output: (N, C, OH, OW) or (C, OH, OW), with
          OH = floor((H - kh) / sh) + 1 and OW likewise.

    Raises:
        ValueError: for a kernel size or stride below 1.
    """

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return max_pool2d(input, self.kernel_size, self.stride)


class AvgPool2d(_Pool2d):
    """Take the mean of each window of each channel.

    Each input element receives g / (kh * kw) of the gradient g of every
    window that contains it.

    Args:
        kernel_size: the window size, an int or (kh, kw).
        stride: the step between windows, or ``kernel_size`` when None.

    Shape:
        - Input: (N, C, H, W) or (C, H, W).
        - Output: (N, C, OH, OW) or (C, OH, OW), with
          OH = floor((H - kh) / sh) + 1 and OW likewise.

    Raises:
        ValueError: for a kernel size or stride below 1.
    """

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return avg_pool2d(input, self.kernel_size, self.stride)
