"""Functions behind the layers: activations, ``linear`` and the losses.

Import it as PyTorch code does: ``import tinygrad_edu.nn.functional as F``.
Activations and ``linear`` are thin wrappers over Tensor operations.
``nll_loss`` and ``cross_entropy`` are defined here, because they are built
on ``log_softmax``. The other losses are defined in ``losses`` and
re-exported, so that every loss is reachable as ``F.<name>``. All losses
follow the rules stated in ``losses``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, is_floating
from tinygrad_edu.errors import DTypeError, ShapeError, warn_caller
from tinygrad_edu.nn.losses import (
    IndexCrossEntropy,
    _float_input,
    _like_input,
    _reduce,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    check_reduction,
    mse_loss,
)
from tinygrad_edu.ops.conv import avg_pool2d, conv2d, max_pool2d
from tinygrad_edu.ops.matmul import Affine
from tinygrad_edu.ops.selection import where
from tinygrad_edu.tensor import Tensor

__all__ = [
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


# Activations -----------------------------------------------------------------------


def _tensor_input(name: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Return max(x, 0) elementwise; the gradient at x = 0 is 0.

    Args:
        inplace: write the result into ``input`` and return it. This raises
            InPlaceError on a leaf that requires grad, outside ``no_grad``.
    """
    input = _tensor_input("relu", input)
    if inplace:
        return input.copy_(input.relu())
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """Return 1 / (1 + e**-x) elementwise, finite for any x."""
    return _tensor_input("sigmoid", input).sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Return the hyperbolic tangent elementwise."""
    return _tensor_input("tanh", input).tanh()


def _softmax_dim(name: str, ndim: int) -> int:
    """Return PyTorch's legacy choice of dimension for ``dim=None``, with a warning.

    The choice is 0 for 0-, 1- and 3-dimensional inputs and 1 otherwise.
    """
    dim = 0 if ndim in (0, 1, 3) else 1
    warn_caller(
        f"{name}: implicit dimension choice is deprecated; dim={dim} was chosen "
        f"for a {ndim}-dimensional input. Pass dim explicitly."
    )
    return dim


def softmax(
    input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None
) -> Tensor:
    """Return e**x / sum(e**x) along ``dim``; the values along it sum to 1.

    Args:
        dim: the dimension to normalise. None picks one with a UserWarning,
            as PyTorch does: 0 for 0-, 1- and 3-dimensional inputs, else 1.
        dtype: convert the input to this dtype first.
    """
    input = _tensor_input("softmax", input)
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return input.softmax(dim)


def log_softmax(
    input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None
) -> Tensor:
    """Return x - log(sum(e**x)) along ``dim``, finite for logits of any size.

    The arguments are those of ``softmax``.
    """
    input = _tensor_input("log_softmax", input)
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return input.log_softmax(dim)


# Linear -----------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Return input @ weight.T + bias.

    Shape:
        input (*, in_features), weight (out_features, in_features) and bias
        (out_features,) give (*, out_features).

    Raises:
        ShapeError: if the shapes do not fit.
        DTypeError: if input, weight and bias differ in dtype.
    """
    input = _tensor_input("linear", input)
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {input.shape} does not fit weight of shape "
            f"{weight.shape}; the weight must be (out_features, in_features) and "
            "the input (*, in_features)"
        )
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ShapeError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape "
            f"{weight.shape}; expected bias shape {weight.shape[:1]}"
        )

    operands = {"input": input, "weight": weight}
    if bias is not None:
        operands["bias"] = bias
    if len({tensor.dtype for tensor in operands.values()}) > 1:
        found = ", ".join(f"{name} {t.dtype}" for name, t in operands.items())
        raise DTypeError(
            f"linear: input, weight and bias must have one dtype, got {found}. "
            "Convert the input (x.float()) or the module (model.double())."
        )

    return Affine.apply(input, weight, bias)


# Class losses: nll_loss and cross_entropy ----------------------------------------


def _class_target(name: str, target: Tensor, input: Tensor) -> Tensor:
    """Check an integer target of shape (N, d1, ...) for input (N, C, d1, ...)."""
    if not np.issubdtype(target.dtype, np.integer):
        raise DTypeError(
            f"{name}: class-index targets must be an integer tensor, got dtype "
            f"{target.dtype}; convert it with .long()"
        )
    expected = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if target.shape != expected:
        raise ShapeError(
            f"{name}: target of shape {target.shape} does not fit input of shape "
            f"{input.shape}; expected target shape {expected}, because input "
            "(N, C, d1, ...) takes target (N, d1, ...) and input (C,) takes ()"
        )
    return target


def _class_count(name: str, input: Tensor) -> int:
    if input.ndim == 0:
        raise ShapeError(
            f"{name}: input must have shape (C,), (N, C) or (N, C, d1, ...), got a "
            "0-d tensor"
        )
    return input.shape[0 if input.ndim == 1 else 1]


def _class_weight(name: str, weight: Any, input: Tensor, classes: int) -> Any:
    if weight is None:
        return None
    weight = _like_input(weight, input)
    if weight.shape != (classes,):
        raise ShapeError(
            f"{name}: weight must have shape ({classes},), one value per class, "
            f"got shape {weight.shape}"
        )
    return weight


def _check_class_range(
    name: str, target: np.ndarray, classes: int, ignore_index: int
) -> None:
    invalid = (target != ignore_index) & ((target < 0) | (target >= classes))
    if invalid.any():
        first = target[invalid].flat[0]
        raise IndexError(
            f"{name}: target {first} is out of range for {classes} classes; class "
            f"indices must be in [0, {classes - 1}] or equal ignore_index "
            f"({ignore_index})"
        )


def _class_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """Return the weighted NLL of checked log-probabilities, smoothed and reduced.

    Per target t with class weight w[t] (0 where t == ignore_index):
    loss = (1 - s) * -w[t] * input[t] + (s / C) * -sum_c w[c] * input[c].
    "mean" divides the sum by the sum of w[t], as PyTorch does.
    """
    unbatched = input.ndim == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)

    keep = target._array != ignore_index
    safe_target = np.where(keep, target._array, 0)
    keep_mask = Tensor._make(keep)
    if weight is None:
        target_weights = Tensor._make(keep.astype(input.dtype))
    else:
        target_weights = where(keep_mask, weight[safe_target], 0)

    picked = input.gather(1, np.expand_dims(safe_target, 1)).squeeze(1)
    # NOTE: where() rather than a product with the zero weight alone, so that
    # an ignored -inf log-probability gives 0 and not NaN.
    losses = where(keep_mask, -picked * target_weights, 0)

    if label_smoothing > 0:
        classes = input.shape[1]
        per_class = input if weight is None else input * _along_classes(weight, input)
        smooth = where(keep_mask, -per_class.sum(1), 0)
        losses = losses * (1 - label_smoothing) + smooth * (label_smoothing / classes)

    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / target_weights.sum()


def _along_classes(weight: Tensor, input: Tensor) -> Tensor:
    """Reshape a (C,) weight to broadcast along dimension 1 of ``input``."""
    class_dim = 0 if input.ndim == 1 else 1
    shape = [1] * input.ndim
    shape[class_dim] = weight.shape[0]
    return weight.reshape(shape)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Return the negative log-likelihood loss of log-probabilities ``input``.

    Per target t: loss = -weight[t] * input[t], where input[t] is the entry of
    class t, and 0 where t == ignore_index. "mean" divides the sum of the
    losses by the sum of weight[t] over targets that are not ignored, so it
    is NaN when every target is ignored, as in PyTorch.

    Args:
        input: log-probabilities of shape (N, C), (N, C, d1, ...) or (C,).
        target: class indices, an integer Tensor or array of shape (N,),
            (N, d1, ...) or (), with values in [0, C) or equal to ignore_index.
        weight: a rescaling weight per class, of shape (C,).
        ignore_index: a target value that contributes neither to the loss nor
            to the mean's denominator.
        reduction: "mean", "sum" or "none" (a loss per target).

    Raises:
        DTypeError: if target is not an integer tensor.
        ShapeError: if target or weight do not fit the input's shape.
        IndexError: if a target is outside [0, C) and not ignore_index.
        ValueError: for an unknown ``reduction``.
    """
    check_reduction(reduction)
    input = _float_input("nll_loss", input)
    classes = _class_count("nll_loss", input)
    weight = _class_weight("nll_loss", weight, input, classes)
    target = target if isinstance(target, Tensor) else Tensor(target)
    target = _class_target("nll_loss", target, input)
    _check_class_range("nll_loss", target._array, classes, ignore_index)
    return _class_loss(input, target, weight, ignore_index, reduction, 0.0)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Return the cross-entropy between ``softmax(input)`` and the target.

    This is ``nll_loss(log_softmax(input, dim=1), target, ...)``, computed
    stably for logits of any size. With label smoothing s, each target
    becomes (1 - s) times its one-hot vector plus s / C for every class.

    A target of the input's shape contains class probabilities instead of
    indices. Then loss = -sum_c weight[c] * p[c] * log_softmax(input)[c], and
    "mean" divides by the number of samples.

    Args:
        input: logits of shape (N, C), (N, C, d1, ...) or (C,).
        target: class indices as for ``nll_loss``, or floating-point class
            probabilities of the input's shape.
        weight: a rescaling weight per class, of shape (C,).
        ignore_index: a class-index target value to skip; see ``nll_loss``.
        reduction: "mean", "sum" or "none".
        label_smoothing: s in [0, 1].

    Raises:
        DTypeError: if a target is neither integer indices nor floating
            probabilities of the input's shape.
        ShapeError: if target or weight do not fit the input's shape.
        IndexError: if a target is outside [0, C) and not ignore_index.
        ValueError: for an unknown ``reduction``, ``label_smoothing`` outside
            [0, 1], or ``ignore_index >= 0`` with probability targets.
    """
    check_reduction(reduction)
    input = _float_input("cross_entropy", input)
    classes = _class_count("cross_entropy", input)
    weight = _class_weight("cross_entropy", weight, input, classes)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}"
        )

    target = target if isinstance(target, Tensor) else Tensor(target)
    if _is_plain_index_case(input, target, weight, label_smoothing):
        target = _class_target("cross_entropy", target, input)
        _check_class_range("cross_entropy", target._array, classes, ignore_index)
        return IndexCrossEntropy.apply(input, target, ignore_index, reduction)

    log_probs = input.log_softmax(0 if input.ndim == 1 else 1)
    if target.shape == input.shape:
        return _probability_cross_entropy(
            log_probs, target, weight, ignore_index, reduction, label_smoothing
        )

    target = _class_target("cross_entropy", target, input)
    _check_class_range("cross_entropy", target._array, classes, ignore_index)
    return _class_loss(
        log_probs, target, weight, ignore_index, reduction, label_smoothing
    )


def _is_plain_index_case(
    input: Tensor, target: Tensor, weight: Any, label_smoothing: float
) -> bool:
    """Return True when ``IndexCrossEntropy`` computes the loss in one operation.

    That is the case of (N, C) logits, integer class indices, no class weights
    and no label smoothing. Other cases take the general path, built from
    log_softmax and ``_class_loss``; a test checks that both paths agree.
    """
    return (
        input.ndim == 2
        and target.ndim == 1
        and weight is None
        and label_smoothing == 0
        and target.dtype.kind in "iu"
    )


def _probability_cross_entropy(
    log_probs: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    if not is_floating(target.dtype):
        raise DTypeError(
            f"cross_entropy: a target of the input's shape {target.shape} is read "
            f"as class probabilities, so it must be floating-point, but has dtype "
            f"{target.dtype}. For class indices, give a target of shape (N, d1, ...)."
        )
    if ignore_index >= 0:
        raise ValueError(
            "cross_entropy: ignore_index is not supported with class-probability "
            f"targets, got ignore_index={ignore_index}"
        )

    target = target.to(log_probs.dtype)
    classes = log_probs.shape[0 if log_probs.ndim == 1 else 1]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes

    terms = log_probs * target
    if weight is not None:
        terms = terms * _along_classes(weight, log_probs)
    return _reduce(-terms.sum(0 if log_probs.ndim == 1 else 1), reduction)
