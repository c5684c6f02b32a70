"""``Adam`` and ``AdamW``: adaptive moment estimation, with L2 or decoupled decay."""

from __future__ import annotations

import math
import numbers
from typing import Any

from tinygrad_edu.creation import zeros_like
from tinygrad_edu.ops.selection import maximum
from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor


class Adam(Optimizer):
    """Adam, with PyTorch's update rule, defaults and state names.

    For each parameter ``p`` with a gradient, step ``t`` (counted from 1)
    computes::

        g = -p.grad if maximize else p.grad
        p = p * (1 - lr * weight_decay)           (decoupled_weight_decay)
        g = g + weight_decay * p                  (otherwise, if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = maximum(v_max, v)                 (if amsgrad)
        denom = sqrt(v_max if amsgrad else v) / sqrt(1 - beta2**t) + eps
        p = p - lr / (1 - beta1**t) * m / denom

    ``m``, ``v`` and ``v_max`` start at zero and are kept in ``state[p]`` as
    ``'exp_avg'``, ``'exp_avg_sq'`` and ``'max_exp_avg_sq'`` (the last only
    with ``amsgrad``), in the parameter's dtype. ``state[p]['step']`` is ``t``
    as a float32 scalar Tensor, as in PyTorch 2.13. Parameters whose ``grad``
    is None are skipped and get no state. The update writes into each
    parameter's array, so its dtype stays.

    Args:
        params: the Tensors to optimize, or dicts that define parameter groups
            (see ``Optimizer``).
        lr: the learning rate, >= 0.
        betas: the decay rates ``(beta1, beta2)`` of the two moving averages,
            each in [0, 1).
        eps: the term added to the denominator, >= 0.
        weight_decay: the weight decay factor, >= 0.
        amsgrad: divide by the running maximum of ``v`` (the AMSGrad variant).
        maximize: maximize the objective by stepping along the gradient.
        decoupled_weight_decay: shrink the parameter directly, as AdamW does,
            in place of adding ``weight_decay * p`` to the gradient.

    Raises:
        ValueError: if a hyperparameter is NaN, infinite or out of the range
            given above, or for the reasons that ``Optimizer`` lists. Groups
            that override these values are checked the same way. PyTorch
            2.13 accepts NaN and infinity.
        TypeError: if a hyperparameter is not a real number or a one-element
            Tensor, if ``betas`` is not a pair, or for the reasons that
            ``Optimizer`` lists.

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w.detach().numpy().round(6)  # each entry moves by lr on step 1
        array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        # Checked before the parameters, so a bad value is reported first, as
        # in PyTorch. add_param_group checks each group again.
        _check_options(defaults, type(self).__name__)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        _check_options(group, type(self).__name__)

    def _update_param(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        # float() keeps a NumPy float64 hyperparameter from promoting float32
        # parameters and state to float64.
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        weight_decay = float(group["weight_decay"])
        state = self._param_state(param, group["amsgrad"])

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        elif weight_decay != 0:
            grad = grad + param * weight_decay

        state["step"].add_(1)
        step = float(state["step"])
        exp_avg = state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq = state["exp_avg_sq"].mul_(beta2).add_(grad * grad, alpha=1 - beta2)
        if group["amsgrad"]:
            state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
            exp_avg_sq = state["max_exp_avg_sq"]

        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(float(group["eps"]))
        param.add_(exp_avg / denom, alpha=-lr / bias_correction1)

    def _param_state(self, param: Tensor, amsgrad: bool) -> dict[str, Any]:
        """Return ``state[param]``, creating the zero moments on first use."""
        state = self.state[param]
        if len(state) == 0:
            state["step"] = Tensor(0.0, dtype="float32")
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
        if amsgrad and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = zeros_like(param)
        return state


class AdamW(Adam):
    """Adam with weight decay decoupled from the gradient.

    The update is ``Adam``'s with ``decoupled_weight_decay=True``: each step
    first shrinks the parameter, ``p = p * (1 - lr * weight_decay)``, and the
    gradient gets no decay term. The default ``weight_decay`` is 1e-2, as in
    PyTorch 2.13. The arguments, state and errors are ``Adam``'s.

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.85, -1.8 ], dtype=float32, requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


def _check_options(group: dict[str, Any], owner: str) -> None:
    """Raise unless the Adam hyperparameters in ``group`` are valid."""
    lr = real_number(group["lr"], "lr", owner)
    eps = real_number(group["eps"], "eps", owner)
    weight_decay = real_number(group["weight_decay"], "weight_decay", owner)
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")

    check_at_least(lr, 0.0, "Invalid learning rate", "lr")
    check_at_least(eps, 0.0, "Invalid epsilon value", "eps")
    for index, beta in enumerate(betas):
        value = real_number(beta, f"betas[{index}]", owner)
        if not 0.0 <= value < 1.0:
            raise ValueError(
                f"Invalid beta parameter at index {index}: {value} "
                f"(betas[{index}] must be in [0, 1))"
            )
    check_at_least(weight_decay, 0.0, "Invalid weight_decay value", "weight_decay")


def check_at_least(value: float, minimum: float, prefix: str, name: str) -> None:
    """Raise ValueError, with PyTorch's message ``prefix``, if ``value < minimum``."""
    if value < minimum:
        raise ValueError(f"{prefix}: {value} ({name} must be >= {minimum:g})")


def real_number(value: Any, name: str, owner: str) -> float:
    """Return ``value`` as a float, raising unless it is a finite real number.

    A one-element Tensor is accepted, as PyTorch accepts one for ``lr``.
    """
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    is_scalar_tensor = isinstance(value, Tensor) and value.numel() == 1
    if not (is_number or is_scalar_tensor):
        raise TypeError(
            f"{owner}: {name} must be a real number, got {type(value).__name__} "
            f"{value!r}"
        )

    number = float(value)
    if not math.isfinite(number):
        raise ValueError(
            f"{owner}: {name} must be a finite number, got {number}, which would "
            "make the parameters NaN or infinite. Pass a finite value."
        )
    return number
