"""``Adagrad``: steps scaled by the sum of all past squared gradients."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.creation import zeros_like
from tinygrad_edu.optim.adam import check_at_least, real_number
from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor


class Adagrad(Optimizer):
    """Adagrad, with PyTorch's update rule, defaults and state names.

    For each parameter ``p`` with a gradient, step ``t`` (counted from 1)
    computes::

        g = -p.grad if maximize else p.grad
        g = g + weight_decay * p                  (if weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (sqrt(s) + eps)

    ``s`` is kept in ``state[p]['sum']`` in the parameter's dtype and starts
    at ``initial_accumulator_value``. ``state[p]['step']`` is ``t`` as a
    float32 scalar Tensor. As in PyTorch 2.13, the constructor creates this
    state for every parameter, and a group added later with
    ``add_param_group`` gets it too. Parameters whose ``grad`` is None are
    skipped. The update writes into each parameter's array, so its dtype
    stays.

    Args:
        params: the Tensors to optimize, or dicts that define parameter groups
            (see ``Optimizer``).
        lr: the learning rate, >= 0.
        lr_decay: the factor that lowers the learning rate each step, >= 0.
        weight_decay: the L2 penalty factor, >= 0.
        initial_accumulator_value: the start value of ``s``, >= 0.
        eps: the term added to the denominator, >= 0.
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
        >>> optimizer = Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.9, -1.9], dtype=float32, requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        # Checked before the parameters, so a bad value is reported first, as
        # in PyTorch. add_param_group checks each group again.
        _check_options(defaults)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group as ``Optimizer`` does, and create its state.

        Each new parameter gets ``'step'`` 0 and ``'sum'`` filled with the
        group's ``initial_accumulator_value``.
        """
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        initial = float(group["initial_accumulator_value"])
        for param in group["params"]:
            state = self.state[param]
            state["step"] = Tensor(0.0, dtype="float32")
            state["sum"] = zeros_like(param).fill_(initial)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        _check_options(group)

    def _update_param(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        # float() keeps a NumPy float64 hyperparameter from promoting float32
        # parameters and state to float64.
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        weight_decay = float(group["weight_decay"])
        state = self.state[param]

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + param * weight_decay

        state["step"].add_(1)
        step = float(state["step"])
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum = state["sum"].add_(grad * grad)
        std = state_sum.sqrt().add_(float(group["eps"]))
        param.add_(grad / std, alpha=-clr)


def _check_options(group: dict[str, Any]) -> None:
    """Raise unless the Adagrad hyperparameters in ``group`` are valid."""
    checks = [
        ("lr", "Invalid learning rate"),
        ("lr_decay", "Invalid lr_decay value"),
        ("weight_decay", "Invalid weight_decay value"),
        ("initial_accumulator_value", "Invalid initial_accumulator_value value"),
        ("eps", "Invalid epsilon value"),
    ]
    for name, prefix in checks:
        value = real_number(group[name], name, "Adagrad")
        check_at_least(value, 0.0, prefix, name)
