"""Recurrent layers: ``RNNCell``, one time step of an Elman network."""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, default_float, to_dtype
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor

_NONLINEARITIES = ("tanh", "relu")


class RNNCell(Module):
    """Compute one step of an Elman RNN.

    h' = f(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh), where f is
    tanh or ReLU. Without ``hx`` the hidden state h starts at zeros.

    Args:
        input_size: the number of features in the input x.
        hidden_size: the number of features in the hidden state h.
        bias: whether to learn the biases ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        dtype: the dtype of the parameters, float32 by default.

    Attributes:
        weight_ih: Parameter of shape (hidden_size, input_size).
        weight_hh: Parameter of shape (hidden_size, hidden_size).
        bias_ih, bias_hh: Parameters of shape (hidden_size,), or None.
        All are drawn from U(-k, k) with k = 1 / sqrt(hidden_size).

    Shape:
        - Input: (N, input_size) or (input_size,).
        - hx: (N, hidden_size) or (hidden_size,), matching the input.
        - Output: (N, hidden_size) or (hidden_size,).

    Raises:
        ValueError: if a size is not a non-negative integer or
            ``nonlinearity`` is unknown.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, np.integer))
                or value < 0
            ):
                raise ValueError(
                    f"RNNCell: {name} must be a non-negative integer, got {value!r}"
                )
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(
                f"RNNCell: unknown nonlinearity {nonlinearity!r}; "
                f"use one of {_NONLINEARITIES}"
            )

        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        self.nonlinearity = nonlinearity
        dtype = to_dtype(dtype) if dtype is not None else default_float()
        self.weight_ih = Parameter(np.empty((self.hidden_size, self.input_size), dtype))
        self.weight_hh = Parameter(
            np.empty((self.hidden_size, self.hidden_size), dtype)
        )
        if bias:
            self.bias_ih = Parameter(np.empty((self.hidden_size,), dtype))
            self.bias_hh = Parameter(np.empty((self.hidden_size,), dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-k, k), k = 1 / sqrt(hidden_size)."""
        bound = 1 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check_shapes(input, hx)
        if hx is None:
            batch = input.shape[:-1]
            hx = Tensor(np.zeros((*batch, self.hidden_size), input.dtype))

        pre_activation = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(
            hx, self.weight_hh, self.bias_hh
        )
        if self.nonlinearity == "tanh":
            return pre_activation.tanh()
        return pre_activation.relu()

    def _check_shapes(self, input: Tensor, hx: Tensor | None) -> None:
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ShapeError(
                f"RNNCell expects input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got shape {input.shape}"
            )
        expected = (*input.shape[:-1], self.hidden_size)
        if hx is not None and hx.shape != expected:
            raise ShapeError(
                f"RNNCell expects hx of shape {expected} for an input of shape "
                f"{input.shape}, got shape {hx.shape}"
            )

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text
