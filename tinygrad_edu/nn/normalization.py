"""Batch normalization: ``BatchNorm1d`` and ``BatchNorm2d``.

Both normalise each channel (dimension 1) by its mean and variance over the
batch and the spatial dimensions, and differ only in the input ranks they
accept. The forward pass is composed of Tensor operations, so the backward
pass comes from theirs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, default_float, to_dtype
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor


class _BatchNorm(Module):
    """Normalise each channel over all dimensions except dimension 1.

    y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.

    In training mode (or when running statistics are not tracked) mean and
    var are the batch statistics, with the biased variance (dividing by n).
    Training also updates the running statistics, with n elements per channel:

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)

    so the running variance is unbiased. With ``momentum=None`` the factor is
    1 / num_batches_tracked, a cumulative average. In eval mode the running
    statistics replace the batch ones.

    Args:
        num_features: the number of channels C.
        eps: the value added to the variance for numerical stability.
        momentum: the weight of the new batch in the running statistics, or
            None for a cumulative average.
        affine: whether to learn a per-channel ``weight`` (initially ones)
            and, if ``bias`` is also true, a ``bias`` (initially zeros).
        track_running_stats: whether to keep ``running_mean``,
            ``running_var`` and ``num_batches_tracked`` buffers. Without
            them, eval mode uses batch statistics too.
        dtype: the dtype of parameters and running statistics, float32 by
            default.
        bias: whether to learn ``bias`` when ``affine`` is true (keyword only).

    Raises:
        ValueError: if ``num_features`` is not a positive integer.
    """

    # Buffers, registered in __init__ (None without running statistics).
    running_mean: Any
    running_var: Any
    num_batches_tracked: Any

    _valid_ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if (
            isinstance(num_features, bool)
            or not isinstance(num_features, (int, np.integer))
            or num_features < 1
        ):
            raise ValueError(
                f"{type(self).__name__}: num_features must be a positive integer, "
                f"got {num_features!r}"
            )

        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.use_bias = affine and bias
        self.track_running_stats = track_running_stats
        dtype = to_dtype(dtype) if dtype is not None else default_float()
        self._register_state(dtype)
        self.reset_parameters()

    def _register_state(self, dtype: np.dtype) -> None:
        channels = self.num_features
        if self.affine:
            self.weight = Parameter(np.empty((channels,), dtype))
        else:
            self.register_parameter("weight", None)
        if self.use_bias:
            self.bias = Parameter(np.empty((channels,), dtype))
        else:
            self.register_parameter("bias", None)

        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(channels, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(channels, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Set the running mean to zeros, the variance to ones and the count to 0."""
        if self.track_running_stats:
            buffers: dict[str, Any] = dict(self.named_buffers(recurse=False))
            with no_grad():
                buffers["running_mean"].zero_()
                buffers["running_var"].fill_(1)
                buffers["num_batches_tracked"].zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and set ``weight`` to 1 and ``bias`` to 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        axes = tuple(i for i in range(input.ndim) if i != 1)
        channel_shape = (1, self.num_features) + (1,) * (input.ndim - 2)

        if self.training or not self.track_running_stats:
            mean = input.mean(dim=axes, keepdim=True)
            var = ((input - mean) ** 2).mean(dim=axes, keepdim=True)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, input.numel() // input.shape[1])
        else:
            mean = self.running_mean.reshape(channel_shape)
            var = self.running_var.reshape(channel_shape)

        out = (input - mean) / (var + self.eps).sqrt()
        if self.weight is not None:
            out = out * self.weight.reshape(channel_shape)
        if self.bias is not None:
            out = out + self.bias.reshape(channel_shape)
        return out

    def _check_input(self, input: Tensor) -> None:
        name = type(self).__name__
        if input.ndim not in self._valid_ranks:
            ranks = " or ".join(f"{rank}D" for rank in self._valid_ranks)
            raise ValueError(
                f"{name} expects {ranks} input, got {input.ndim}D input of shape "
                f"{input.shape}"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{name}({self.num_features}) expects {self.num_features} channels "
                f"in dimension 1, got input of shape {input.shape}"
            )
        if self.training and input.numel() // input.shape[1] < 2:
            raise ValueError(
                f"{name} needs more than 1 value per channel to compute batch "
                f"statistics in training, got input of shape {input.shape}; use a "
                "larger batch or call .eval()"
            )

    def _update_running_stats(self, mean: Tensor, var: Tensor, count: int) -> None:
        self.num_batches_tracked = Tensor(self.num_batches_tracked.numpy() + 1)
        if self.momentum is None:
            factor = 1.0 / float(self.num_batches_tracked.item())
        else:
            factor = self.momentum

        with no_grad():
            batch_mean = mean.detach().reshape(self.num_features)
            batch_var = var.detach().reshape(self.num_features) * (count / (count - 1))
            running_mean = self.running_mean * (1 - factor) + batch_mean * factor
            running_var = self.running_var * (1 - factor) + batch_var * factor
        self.running_mean = running_mean.to(self.running_mean.dtype)
        self.running_var = running_var.to(self.running_var.dtype)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.use_bias}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a 2D or 3D input; see ``_BatchNorm`` for the math.

    Shape:
        - Input: (N, C) or (N, C, L).
        - Output: the same shape.
    """

    _valid_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a 4D input; see ``_BatchNorm`` for the math.

    Shape:
        - Input: (N, C, H, W).
        - Output: the same shape.
    """

    _valid_ranks = (4,)
