"""Initialisers that fill a tensor in place, with PyTorch's names and formulas.

Every initialiser draws from the shared generator (``manual_seed`` makes it
repeatable), writes under ``no_grad`` so that it works on parameters that
require grad, keeps the tensor's dtype, and returns the tensor.

The fans of a weight of shape (out, in, *kernel) are
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu.errors import warn_caller
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.random import default_generator
from tinygrad_edu.tensor import Tensor

_LINEAR_GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Return the recommended gain for weights feeding ``nonlinearity``.

    The gain is 1 for linear, convolution and sigmoid, 5/3 for tanh, sqrt(2)
    for relu, 3/4 for selu (a value PyTorch found empirically) and
    sqrt(2 / (1 + slope**2)) for leaky_relu, whose negative slope is ``param``
    (default 0.01).

    Raises:
        ValueError: for an unknown nonlinearity or a slope that is not a number.
    """
    if nonlinearity in _LINEAR_GAINS:
        return _LINEAR_GAINS[nonlinearity]
    if nonlinearity != "leaky_relu":
        raise ValueError(
            f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one "
            f"of {sorted([*_LINEAR_GAINS, 'leaky_relu'])}"
        )

    if param is None:
        slope = 0.01
    elif isinstance(param, (int, float)) and not isinstance(param, bool):
        slope = float(param)
    else:
        raise ValueError(
            f"calculate_gain: negative_slope {param!r} is not a valid number"
        )
    return math.sqrt(2.0 / (1 + slope**2))


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight of shape (out, in, *kernel).

    Raises:
        ValueError: if the tensor has fewer than 2 dimensions.
    """
    if tensor.ndim < 2:
        raise ValueError(
            "fan in and fan out need a tensor with at least 2 dimensions "
            f"(out_features, in_features, ...), got shape {tensor.shape}"
        )
    receptive_field = int(np.prod(tensor.shape[2:]))
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _write(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Copy ``values`` into ``tensor`` in place, in the tensor's dtype."""
    with no_grad():
        tensor.copy_(Tensor._make(values.astype(tensor.dtype, copy=False)))
    return tensor


def uniform_(
    tensor: Tensor,
    a: float = 0.0,
    b: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` with samples from the uniform distribution U(a, b).

    Args:
        generator: draw from this generator instead of the shared one.
    """
    generator = generator if generator is not None else default_generator()
    return _write(tensor, generator.uniform(a, b, size=tensor.shape))


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` with samples from the normal distribution N(mean, std**2).

    Raises:
        ValueError: if ``std`` is negative.
    """
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    generator = generator if generator is not None else default_generator()
    return _write(tensor, generator.normal(mean, std, size=tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with the value ``val``."""
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill ``tensor`` from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    This variance keeps the scale of activations and of gradients similar
    across layers.

    Raises:
        ValueError: if the tensor has fewer than 2 dimensions.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill ``tensor`` from N(0, std**2), std = gain * sqrt(2 / (fan_in + fan_out)).

    Raises:
        ValueError: if the tensor has fewer than 2 dimensions.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _warn_if_empty(tensor: Tensor) -> bool:
    """Warn and return True for a tensor with no elements, as PyTorch does."""
    if tensor.numel() == 0:
        warn_caller("initializing a zero-element tensor is a no-op")
        return True
    return False


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` from U(-bound, bound), bound = gain * sqrt(3 / fan).

    Here ``gain = calculate_gain(nonlinearity, a)``, and ``fan``
    is fan_in or fan_out as ``mode`` selects. A tensor with no elements is left
    as it is, with a UserWarning.

    Args:
        a: the negative slope of the leaky_relu that follows the layer.
        mode: "fan_in" keeps the variance of activations in the forward pass,
            "fan_out" that of gradients in the backward pass.
        nonlinearity: the activation after the layer; see ``calculate_gain``.

    Raises:
        ValueError: for fewer than 2 dimensions, or an unknown mode or
            nonlinearity.
    """
    if _warn_if_empty(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` from N(0, std**2), std = gain / sqrt(fan).

    The arguments are those of ``kaiming_uniform_``.

    Raises:
        ValueError: for fewer than 2 dimensions, or an unknown mode or
            nonlinearity.
    """
    if _warn_if_empty(tensor):
        return tensor
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator)
