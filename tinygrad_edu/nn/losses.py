"""Loss functions and the argument checks that all losses share.

This file contains ``mse_loss`` and the two binary cross-entropy losses with
their ``Function`` classes. ``nll_loss`` and ``cross_entropy`` are built from
``log_softmax`` and live in ``functional``; the loss modules are in
``loss_modules``. Every loss follows the same rules, with PyTorch's names,
arguments and values:

- ``reduction`` is "mean" (the default), "sum" or "none" (one loss per
  element, or per sample for the class losses).
- ``input`` must be a floating-point Tensor. Targets, ``weight`` and
  ``pos_weight`` are converted to ``input``'s dtype, so a float32 input gives a
  float32 loss. Class-index targets are the exception: they stay integers.
- Logits of any size give finite values and gradients, because the class
  losses work on ``log_softmax`` and the logit loss on a stable softplus.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import is_floating
from tinygrad_edu.errors import DTypeError, ShapeError, warn_caller
from tinygrad_edu.function import Function
from tinygrad_edu.ops.selection import where
from tinygrad_edu.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


# Argument checks -----------------------------------------------------------------


def check_reduction(reduction: Any) -> str:
    """Return ``reduction`` if it is "mean", "sum" or "none".

    Raises:
        ValueError: for any other value.
    """
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; use 'mean', 'sum' "
            "or 'none'"
        )
    return reduction


def _float_input(name: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if not is_floating(input.dtype):
        raise DTypeError(
            f"{name}: input must be a floating-point tensor, got dtype "
            f"{input.dtype}; convert it with .float()"
        )
    return input


def _like_input(value: Any, input: Tensor) -> Tensor:
    """Return ``value`` as a Tensor of ``input``'s dtype."""
    if isinstance(value, Tensor):
        return value.to(input.dtype)
    return Tensor(value, dtype=input.dtype)


def _same_shape(name: str, argument: str, value: Tensor, input: Tensor) -> None:
    if value.shape != input.shape:
        raise ShapeError(
            f"{name}: {argument} has shape {value.shape} but input has shape "
            f"{input.shape}; they must be equal"
        )


def _broadcastable(name: str, argument: str, value: Tensor, input: Tensor) -> None:
    try:
        shape = np.broadcast_shapes(value.shape, input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ShapeError(
            f"{name}: {argument} of shape {value.shape} must broadcast to the input's "
            f"shape {input.shape}"
        )


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


# Mean squared error ----------------------------------------------------------------


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Return the squared error (input - target)**2, reduced.

    A target whose shape differs from the input's is broadcast with a
    UserWarning, as in PyTorch, because that is rarely intended.

    Raises:
        ShapeError: if target and input shapes do not broadcast.
        ValueError: for an unknown ``reduction``.
    """
    check_reduction(reduction)
    input = _float_input("mse_loss", input)
    target = _like_input(target, input)

    if target.shape != input.shape:
        try:
            np.broadcast_shapes(target.shape, input.shape)
        except ValueError:
            raise ShapeError(
                f"mse_loss: target of shape {target.shape} does not broadcast with "
                f"input of shape {input.shape}"
            ) from None
        warn_caller(
            f"mse_loss: target shape {target.shape} differs from input shape "
            f"{input.shape}, so the two are broadcast; this is rarely intended. "
            "Give them the same shape."
        )

    difference = input - target
    return _reduce(difference * difference, reduction)


# Binary cross-entropy --------------------------------------------------------------


class BinaryCrossEntropy(Function):
    """l = -(y * max(log x, -100) + (1 - y) * max(log(1 - x), -100)), elementwise.

    The floor at -100 keeps l finite at x = 0 and x = 1, as in PyTorch.

    dl/dx = -y / x + (1 - y) / (1 - x), where each term is 0 where its log is
    floored. dl/dy = max(log(1 - x), -100) - max(log x, -100).

    NOTE: this dl/dx is the exact derivative of l, floors included. PyTorch
    instead returns (x - y) / max(x (1 - x), 1e-12), which agrees wherever
    x (1 - x) >= 1e-12 but loses the true value near 0 and 1: at x = 1e-30,
    y = 0.7 PyTorch gives -7e11 where the derivative is -7e29, and at x = 0
    or x = 1, where a floor is active, the two differ in sign.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        log_x = np.log(x)
        log_rest = np.log1p(-x)
        x_live, rest_live = log_x >= -100, log_rest >= -100
        ctx.save_for_backward(x, y, x_live, rest_live)
        return -(y * np.maximum(log_x, -100) + (1 - y) * np.maximum(log_rest, -100))

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Any, Any]:
        x, y, x_live, rest_live = ctx.saved_tensors
        # Safe operands keep floored positions finite, so no NaN reaches where().
        safe_x = where(x_live, x, 1)
        safe_rest = where(rest_live, 1 - x, 1)

        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            slope = where(x_live, -y / safe_x, 0) + where(
                rest_live, (1 - y) / safe_rest, 0
            )
            grad_x = grad_output * slope
        if ctx.needs_input_grad[1]:
            log_x = where(x_live, safe_x.log(), -100)
            log_rest = where(rest_live, safe_rest.log(), -100)
            grad_y = grad_output * (log_rest - log_x)
        return grad_x, grad_y


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """Return the binary cross-entropy between probabilities and targets.

    Elementwise l = -weight * (y * log x + (1 - y) * log(1 - x)), with each log
    floored at -100 as in PyTorch; see ``BinaryCrossEntropy`` for the
    gradient, which is exact where PyTorch's is not.

    Args:
        input: probabilities x in [0, 1], of any shape.
        target: y of the input's shape, usually 0 or 1.
        weight: a rescaling weight that broadcasts to the input's shape.
        reduction: "mean", "sum" or "none".

    Raises:
        ShapeError: if target's shape differs from input's, or weight does not
            broadcast to it.
        ValueError: if an input value is outside [0, 1] (or NaN), or for an
            unknown ``reduction``.
    """
    check_reduction(reduction)
    input = _float_input("binary_cross_entropy", input)
    target = _like_input(target, input)
    _same_shape("binary_cross_entropy", "target", target, input)

    outside = ~((input._array >= 0) & (input._array <= 1))
    if outside.any():
        raise ValueError(
            "binary_cross_entropy: input must contain probabilities in [0, 1], "
            f"found {input._array[outside].flat[0]}. Apply sigmoid first, or pass "
            "the raw scores to binary_cross_entropy_with_logits."
        )

    losses = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        weight = _like_input(weight, input)
        _broadcastable("binary_cross_entropy", "weight", weight, input)
        losses = losses * weight
    return _reduce(losses, reduction)


def _softplus_of_negative(x: Tensor) -> Tensor:
    """Return log(1 + e**-x), computed without overflow for any x."""
    return (-x.abs()).exp().log1p() + (-x).relu()


class BinaryCrossEntropyWithLogits(Function):
    """l = (1 - y) x + (1 + (p - 1) y) softplus(-x), elementwise.

    This is -(p y log(sigmoid(x)) + (1 - y) log(1 - sigmoid(x))) for logits x,
    targets y and positive-class weight p (1 when ``pos_weight`` is None).
    softplus(-x) = log(1 + e**-|x|) + max(-x, 0) cannot overflow, because
    e**-|x| <= 1.

    dl/dx = (1 + (p - 1) y) sigmoid(x) - p y, which is sigmoid(x) - y for p = 1.
    dl/dy = (p - 1) softplus(-x) - x and dl/dp = y softplus(-x).
    NOTE: the exact dl/dx is written out because a composite of relu and abs
    would take their subgradient at x = 0 and get the wrong value there.
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, y: np.ndarray, pos_weight: np.ndarray | None
    ) -> np.ndarray:
        ctx.save_for_backward(x, y, pos_weight)
        softplus = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
        if pos_weight is None:
            return (1 - y) * x + softplus
        return (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Any, Any, Any]:
        x, y, pos_weight = ctx.saved_tensors
        needs_x, needs_y, needs_pos_weight = ctx.needs_input_grad

        grad_x = grad_y = grad_pos_weight = None
        if pos_weight is None:
            grad_x = grad_output * (x.sigmoid() - y) if needs_x else None
            grad_y = grad_output * -x if needs_y else None
            return grad_x, grad_y, None

        softplus = _softplus_of_negative(x)
        if needs_x:
            grad_x = grad_output * (
                (1 + (pos_weight - 1) * y) * x.sigmoid() - pos_weight * y
            )
        if needs_y:
            grad_y = grad_output * ((pos_weight - 1) * softplus - x)
        if needs_pos_weight:
            grad_pos_weight = grad_output * y * softplus
        return grad_x, grad_y, grad_pos_weight


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Return the binary cross-entropy between sigmoid(input) and the target.

    Stable for logits of any size; see ``BinaryCrossEntropyWithLogits`` for
    the formula and its gradient.

    Args:
        input: logits x, of any shape.
        target: y of the input's shape, usually in [0, 1].
        weight: a rescaling weight that broadcasts to the input's shape.
        reduction: "mean", "sum" or "none".
        pos_weight: a weight p for the positive term, broadcast along the
            last dimensions, such as one value per class of shape (C,).
            p > 1 raises recall, p < 1 precision.

    Raises:
        ShapeError: if target's shape differs from input's, or weight or
            pos_weight does not broadcast to it.
        ValueError: for an unknown ``reduction``.
    """
    name = "binary_cross_entropy_with_logits"
    check_reduction(reduction)
    input = _float_input(name, input)
    target = _like_input(target, input)
    _same_shape(name, "target", target, input)

    if pos_weight is not None:
        pos_weight = _like_input(pos_weight, input)
        _broadcastable(name, "pos_weight", pos_weight, input)

    losses = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        weight = _like_input(weight, input)
        _broadcastable(name, "weight", weight, input)
        losses = losses * weight
    return _reduce(losses, reduction)


# Cross-entropy over class indices -------------------------------------------------


class IndexCrossEntropy(Function):
    """l_n = -log_softmax(x_n)[t_n] for logits x (N, C) and class indices t (N,).

    Rows whose target equals ``ignore_index`` give 0 and do not count in the
    mean. This is the common case of ``cross_entropy`` (no class weights, no
    label smoothing) as one operation: the general path takes about ten.

    dl_n/dx_n = softmax(x_n) - onehot(t_n). Backward recomputes the softmax
    from x with a Tensor operation, so the loss can be differentiated twice.
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, target: np.ndarray, ignore_index: int, reduction: str
    ) -> np.ndarray:
        shifted = x - x.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        keep = target != ignore_index
        rows = np.arange(len(target))
        losses = (log_norm - shifted[rows, np.where(keep, target, 0)]) * keep

        # Each row's share of the reduced loss: 1/count for "mean", else 1.
        count = np.count_nonzero(keep)
        share = keep / count if reduction == "mean" else keep.astype(x.dtype)
        onehot = np.zeros_like(x)
        onehot[rows[keep], target[keep]] = 1
        ctx.save_for_backward(x, share.astype(x.dtype), onehot)
        ctx.reduction = reduction

        if reduction == "none":
            return losses.astype(x.dtype, copy=False)
        total = losses.sum(dtype=x.dtype)
        return total / x.dtype.type(count) if reduction == "mean" else total

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Any, None, None, None]:
        x, share, onehot = ctx.saved_tensors
        scale = share * grad_output
        grad_x = (x.softmax(1) - onehot) * scale.reshape(-1, 1)
        return grad_x, None, None, None
