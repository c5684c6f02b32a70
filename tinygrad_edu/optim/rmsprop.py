"""``RMSprop``: gradient steps scaled by a moving average of squared gradients."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.creation import zeros_like
from tinygrad_edu.optim.adam import check_at_least, real_number
from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop, with PyTorch's update rule, defaults and state names.

    For each parameter ``p`` with a gradient, each step computes::

        g = -p.grad if maximize else p.grad
        g = g + weight_decay * p                  (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g           (if centered)
        denom = sqrt(v - a * a) + eps             (if centered)
        denom = sqrt(v) + eps                     (otherwise)
        b = momentum * b + g / denom              (if momentum > 0)
        p = p - lr * b                            (if momentum > 0)
        p = p - lr * g / denom                    (otherwise)

    ``v``, ``a`` and ``b`` start at zero and are kept in ``state[p]`` as
    ``'square_avg'``, ``'grad_avg'`` (only if ``centered``) and
    ``'momentum_buffer'`` (only if ``momentum > 0``), in the parameter's
    dtype. ``state[p]['step']`` counts the steps as a float32 scalar Tensor,
    as in PyTorch 2.13. Parameters whose ``grad`` is None are skipped and get
    no state. The update writes into each parameter's array, so its dtype
    stays.

    Args:
        params: the Tensors to optimize, or dicts that define parameter groups
            (see ``Optimizer``).
        lr: the learning rate, >= 0.
        alpha: the decay rate of the moving averages, >= 0.
        eps: the term added to the denominator, >= 0.
        weight_decay: the L2 penalty factor, >= 0.
        momentum: the momentum factor, >= 0; 0 turns momentum off.
        centered: subtract the squared moving average of the gradient, which
            estimates the gradient's variance in place of its second moment.
        maximize: maximize the objective by stepping along the gradient.

    Raises:
        ValueError: if a hyperparameter is NaN, infinite or negative, or for
            the reasons that ``Optimizer`` lists. Groups that override these
            values are checked the same way. PyTorch 2.13 accepts NaN and
            infinity.
        TypeError: if a hyperparameter is not a real number or a one-element
            Tensor, or for the reasons that ``Optimizer`` lists.

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w.detach().numpy().round(6)  # each entry moves by 0.1 on step 1
        array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        # Checked before the parameters, so a bad value is reported first, as
        # in PyTorch. add_param_group checks each group again.
        _check_options(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        _check_options(group)

    def _update_param(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        # float() keeps a NumPy float64 hyperparameter from promoting float32
        # parameters and state to float64.
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        momentum = float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        state = self._param_state(param, group)

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + param * weight_decay

        state["step"].add_(1)
        square_avg = state["square_avg"].mul_(alpha).add_(grad * grad, alpha=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            denom = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            denom = square_avg.sqrt()
        denom.add_(float(group["eps"]))

        if momentum > 0:
            buffer = state["momentum_buffer"].mul_(momentum).add_(grad / denom)
            param.add_(buffer, alpha=-lr)
        else:
            param.add_(grad / denom, alpha=-lr)

    def _param_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """Return ``state[param]``, creating the zero buffers it needs on first use.

        A buffer that a group option turns on later (``centered`` or
        ``momentum``) starts at zero when it is first needed.
        """
        state = self.state[param]
        if len(state) == 0:
            state["step"] = Tensor(0.0, dtype="float32")
            state["square_avg"] = zeros_like(param)
        if float(group["momentum"]) > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = zeros_like(param)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = zeros_like(param)
        return state


def _check_options(group: dict[str, Any]) -> None:
    """Raise unless the RMSprop hyperparameters in ``group`` are valid."""
    checks = [
        ("lr", "Invalid learning rate"),
        ("eps", "Invalid epsilon value"),
        ("momentum", "Invalid momentum value"),
        ("weight_decay", "Invalid weight_decay value"),
        ("alpha", "Invalid alpha value"),
    ]
    for name, prefix in checks:
        value = real_number(group[name], name, "RMSprop")
        check_at_least(value, 0.0, prefix, name)
