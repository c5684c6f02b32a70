"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type`` norm of the vector of per-gradient
    norms. For a positive p and for ``inf`` (the largest absolute value), it
    equals the norm of all gradients taken as one vector. For 0 it is the
    number of gradients that have a nonzero entry, as in PyTorch 2.13. Each
    gradient is then multiplied by::

        min(1, max_norm / (total_norm + 1e-6))

    so gradients whose total norm is already below ``max_norm`` keep their
    values. Parameters whose ``grad`` is None are skipped.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` to clip.
        max_norm: the largest total norm to allow.
        norm_type: the order of the norm: any order that
            ``numpy.linalg.norm`` accepts for a vector.
        error_if_nonfinite: raise if the total norm is NaN or infinite, in
            place of scaling the gradients by a NaN or zero factor.

    Returns:
        The total norm before clipping, as a scalar Tensor with the dtype of
        the gradients (the promoted dtype, if they differ). It is 0.0
        (float32) if no parameter has a gradient.

    Raises:
        RuntimeError: if ``error_if_nonfinite`` is True and the total norm is
            NaN or infinite. The gradients are then left unchanged.
    """
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if len(grads) == 0:
        return Tensor(0.0)

    norms = [np.linalg.norm(grad.numpy().ravel(), ord=norm_type) for grad in grads]
    dtype = np.result_type(*norms)
    total_norm = np.linalg.norm(np.array(norms, dtype=dtype), ord=norm_type)
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` "
            "is non-finite, so it cannot be clipped. To disable this error and "
            "scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )

    # The coefficient is computed in the gradients' dtype, as in PyTorch 2.13,
    # so float32 gradients get the same scale factor as in PyTorch.
    clip_coef = dtype.type(max_norm) / (total_norm + dtype.type(1e-6))
    clip_coef = min(clip_coef, dtype.type(1.0))
    with no_grad():
        for grad in grads:
            grad.mul_(float(clip_coef))
    return Tensor(total_norm, dtype=dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp each gradient in place to ``[-clip_value, clip_value]``.

    Parameters whose ``grad`` is None are skipped.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` to clip.
        clip_value: the largest absolute value a gradient entry may keep.
    """
    clip_value = float(clip_value)
    with no_grad():
        for grad in _grads(parameters):
            grad.clamp_(min=-clip_value, max=clip_value)


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """Return the gradients that are not None, for one Tensor or an iterable."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [param.grad for param in parameters if param.grad is not None]
