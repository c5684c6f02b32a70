"""The schedulers LambdaLR, StepLR, ExponentialLR and CosineAnnealingLR."""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.optim.lr_scheduler.base import (
    LRScheduler,
    _check_optimizer,
    _check_positive_int,
    _copy_value,
)
from tinygrad_edu.optim.optimizer import Optimizer


class LambdaLR(LRScheduler):
    """Set each group's learning rate to its base rate times a function of the step.

    At step ``t`` (``last_epoch``), group ``i`` gets::

        lr_i(t) = initial_lr_i * lr_lambda_i(t)

    Args:
        optimizer: the optimizer to schedule.
        lr_lambda: a function of the step number that returns a factor, or a
            list or tuple with one such function per parameter group.
        last_epoch: the index of the last step already taken (see
            ``LRScheduler``).

    Raises:
        ValueError: if ``lr_lambda`` is a list or tuple whose length is not
            the number of parameter groups.
        TypeError: if a given ``lr_lambda`` is not callable, or for the reasons
            that ``LRScheduler`` lists.

    ``state_dict()`` stores the attributes of callable objects in place of the
    functions, and None for plain functions and lambdas, as PyTorch does.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        group_count = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != group_count:
                raise ValueError(
                    f"Expected {group_count} lr_lambdas, but got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * group_count

        for function in self.lr_lambdas:
            if not callable(function):
                raise TypeError(
                    f"lr_lambda should be a function, but got {type(function).__name__}"
                )
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute ``initial_lr * lr_lambda(last_epoch)`` for each group."""
        return [
            base_lr * function(self.last_epoch)
            for function, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]

    def state_dict(self) -> dict[str, Any]:
        """Return the attributes, with ``lr_lambdas`` stored as described above."""
        state = {
            key: _copy_value(value)
            for key, value in self.__dict__.items()
            if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(function, types.FunctionType) else dict(vars(function))
            for function in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes, and those of callable-object ``lr_lambdas``."""
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for function, saved in zip(self.lr_lambdas, saved_lambdas, strict=False):
            if saved is not None:
                vars(function).update(saved)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    At step ``t``::

        lr(t) = initial_lr * gamma ** (t // step_size)

    It is computed recursively, as in PyTorch: the current ``'lr'`` is
    multiplied by ``gamma`` at each multiple of ``step_size``, so a change to
    ``'lr'`` made by other code carries on.

    Args:
        optimizer: the optimizer to schedule.
        step_size: the number of steps between two decays, a positive integer.
        gamma: the factor applied at each decay.
        last_epoch: the index of the last step already taken (see
            ``LRScheduler``).

    Raises:
        ValueError: if ``step_size`` is not a positive integer. PyTorch 2.13
            accepts it and raises ZeroDivisionError on a later step.
        TypeError: for the reasons that ``LRScheduler`` lists.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        step_size: int,
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        _check_positive_int("step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch`` from the current ones."""
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at every step.

    At step ``t``::

        lr(t) = initial_lr * gamma ** t

    It is computed recursively, as in PyTorch: each step multiplies the
    current ``'lr'`` by ``gamma``.

    Args:
        optimizer: the optimizer to schedule.
        gamma: the factor applied at each step.
        last_epoch: the index of the last step already taken (see
            ``LRScheduler``).

    Raises:
        TypeError: for the reasons that ``LRScheduler`` lists.
    """

    def __init__(
        self, optimizer: Optimizer, gamma: float, last_epoch: int = -1
    ) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch`` from the current ones."""
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from its base rate to ``eta_min`` along a cosine.

    Untouched by other code, the learning rate at step ``t`` is::

        lr(t) = eta_min + (initial_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    It falls to ``eta_min`` at ``t = T_max`` and, past it, rises again with
    period ``2 * T_max``. As in PyTorch, it is computed recursively from the
    current ``'lr'``, so the numbers equal the formula up to rounding::

        lr(t) = eta_min + (lr(t-1) - eta_min)
                * (1 + cos(pi * t / T_max)) / (1 + cos(pi * (t-1) / T_max))

    except at ``t = T_max + 1 (mod 2 * T_max)``, where the denominator is 0
    and the step adds ``(initial_lr - eta_min) * (1 - cos(pi / T_max)) / 2``.

    Args:
        optimizer: the optimizer to schedule.
        T_max: the number of steps from the base rate down to ``eta_min``, a
            positive integer.
        eta_min: the minimum learning rate.
        last_epoch: the index of the last step already taken (see
            ``LRScheduler``).

    Raises:
        ValueError: if ``T_max`` is not a positive integer. PyTorch 2.13
            accepts it and raises ZeroDivisionError on a later step.
        TypeError: for the reasons that ``LRScheduler`` lists.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_max: int,  # noqa: N803 (PyTorch's argument name)
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        _check_positive_int("T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch`` from the current ones."""
        groups = self.optimizer.param_groups
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return [group["lr"] for group in groups]

        if (t - 1 - period) % (2 * period) == 0:
            rise = (1 - math.cos(math.pi / period)) / 2
            return [
                group["lr"] + (base_lr - eta_min) * rise
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]

        ratio = (1 + math.cos(math.pi * t / period)) / (
            1 + math.cos(math.pi * (t - 1) / period)
        )
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]
