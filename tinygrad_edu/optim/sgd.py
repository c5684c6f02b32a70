"""``SGD``: stochastic gradient descent with optional momentum and weight decay."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update rule and defaults.

    For each parameter ``p`` with a gradient, step ``t`` computes::

        g = -p.grad if maximize else p.grad
        g = g + weight_decay * p                      (if weight_decay != 0)
        b = g                                         (if momentum != 0, t = 1)
        b = momentum * b + (1 - dampening) * g        (if momentum != 0, t > 1)
        g = g + momentum * b if nesterov else b       (if momentum != 0)
        p = p - lr * g

    ``b`` is the momentum buffer, kept in ``state[p]["momentum_buffer"]``. As in
    PyTorch 2.13, no state is stored when ``momentum`` is 0. Dampening does not
    apply on the first step. Parameters whose ``grad`` is None are skipped and
    get no state. The update writes into each parameter's array, so a model
    that contains the parameter uses the new values, and the dtype is kept.

    Args:
        params: the Tensors to optimize, or dicts that define parameter groups
            (see ``Optimizer``).
        lr: the learning rate, >= 0.
        momentum: the momentum factor, >= 0; 0 turns momentum off.
        dampening: the factor that scales the new gradient in the momentum
            buffer by ``1 - dampening``.
        weight_decay: the L2 penalty factor, >= 0.
        nesterov: use Nesterov momentum, which needs ``momentum > 0`` and
            ``dampening == 0``.
        maximize: maximize the objective by stepping along the gradient.

    Raises:
        ValueError: if ``lr``, ``momentum``, ``dampening`` or ``weight_decay``
            is NaN or infinite, if ``lr``, ``momentum`` or ``weight_decay`` is
            negative, if ``nesterov`` is set without momentum or with
            dampening, or for the reasons that ``Optimizer`` lists. Parameter
            groups that override these values are checked the same way.
        TypeError: if one of those four values is not a real number or a
            one-element Tensor, or for the reasons that ``Optimizer`` lists.

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.8, -1.6], dtype=float32, requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        # Checked before the parameters, so a bad value is reported first, as
        # in PyTorch. add_param_group checks each group again.
        _check_options(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        _check_options(group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update, as the class docstring defines it, to each parameter.

        Args:
            closure: a function that recomputes the loss (including its
                backward) and returns it. It runs with grad mode enabled,
                before the update.

        Returns:
            The closure's return value, or None without a closure.
        """
        loss = self._evaluate_closure(closure)
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        # float() keeps a NumPy float64 hyperparameter from promoting float32
        # parameters and buffers to float64.
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])

        for param in group["params"]:
            grad = param.grad
            if grad is None:
                continue

            direction = _decayed_gradient(param, grad, weight_decay, group["maximize"])
            if momentum != 0:
                state = self.state[param]
                direction, buffer = _apply_momentum(
                    direction,
                    grad,
                    state.get("momentum_buffer"),
                    momentum,
                    dampening,
                    group["nesterov"],
                )
                state["momentum_buffer"] = buffer
            param.add_(direction, alpha=-lr)


def _check_options(group: dict[str, Any]) -> None:
    """Raise unless the SGD hyperparameters in ``group`` are valid.

    ``lr``, ``momentum`` and ``weight_decay`` must be finite and >= 0, and
    ``dampening`` finite. PyTorch 2.13 accepts NaN and infinity here, and its
    steps then fill the parameters with NaN or infinity.
    """
    lr = _finite_number(group, "lr")
    momentum = _finite_number(group, "momentum")
    dampening = _finite_number(group, "dampening")
    weight_decay = _finite_number(group, "weight_decay")

    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr} (lr must be >= 0)")
    if momentum < 0.0:
        raise ValueError(f"Invalid momentum value: {momentum} (momentum must be >= 0)")
    if weight_decay < 0.0:
        raise ValueError(
            f"Invalid weight_decay value: {weight_decay} (weight_decay must be >= 0)"
        )
    if group["nesterov"] and (momentum <= 0 or dampening != 0):
        raise ValueError(
            "Nesterov momentum requires a momentum and zero dampening, but got "
            f"momentum={momentum} and dampening={dampening}"
        )


def _finite_number(group: dict[str, Any], name: str) -> float:
    """Return ``group[name]`` as a float, raising unless it is a finite number."""
    value = group[name]
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    is_scalar_tensor = isinstance(value, Tensor) and value.numel() == 1
    if not (is_number or is_scalar_tensor):
        raise TypeError(
            f"SGD: {name} must be a real number, got {type(value).__name__} {value!r}"
        )

    number = float(value)
    if not math.isfinite(number):
        raise ValueError(
            f"SGD: {name} must be a finite number, got {number}, which would "
            "make the parameters NaN or infinite. Pass a finite value."
        )
    return number


def _decayed_gradient(
    param: Tensor, grad: Tensor, weight_decay: float, maximize: bool
) -> Tensor:
    """Return ``(-grad if maximize else grad) + weight_decay * param``.

    The result is ``grad`` itself when there is nothing to change, and a new
    Tensor otherwise, so callers must not change it in place if it is ``grad``.
    """
    direction = -grad if maximize else grad
    if weight_decay == 0:
        return direction
    decayed = param * weight_decay
    return decayed.add_(direction)


def _apply_momentum(
    direction: Tensor,
    grad: Tensor,
    buffer: Tensor | None,
    momentum: float,
    dampening: float,
    nesterov: bool,
) -> tuple[Tensor, Tensor]:
    """Update the momentum buffer in place and return (step direction, buffer).

    ``grad`` is only compared with ``direction``: when they are the same
    Tensor, the first buffer must be a copy, because the gradient belongs to
    the parameter. Otherwise ``direction`` is a temporary, kept as the buffer.
    """
    if buffer is None:
        buffer = direction.clone() if direction is grad else direction
    else:
        buffer.mul_(momentum).add_(direction, alpha=1 - dampening)

    if not nesterov:
        return buffer, buffer
    lookahead = buffer * momentum
    return lookahead.add_(direction), buffer
