"""Learning-rate schedules that change each parameter group's ``'lr'``, as in PyTorch.

A scheduler wraps an optimizer. Its constructor stores every group's starting
learning rate as ``group['initial_lr']`` and sets ``group['lr']`` for step 0.
Each call to ``step()``, made after ``optimizer.step()``, moves to the next
step and writes that step's learning rate into the groups::

    optimizer = SGD(params, lr=0.1)
    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(optimizer)
        scheduler.step()

The schedules and their numbers follow PyTorch 2.13's ``torch.optim.lr_scheduler``.
Learning rates are Python numbers. A Tensor learning rate is not supported.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.optim.optimizer import Optimizer


class LRScheduler:
    """Base class of the schedulers: step counting, base rates and state dicts.

    A subclass implements ``get_lr()``, which returns the learning rate of each
    group for the step number ``last_epoch``.

    Args:
        optimizer: the optimizer whose groups' ``'lr'`` the scheduler sets.
        last_epoch: the index of the last step already taken. The default -1
            starts a new schedule and sets ``group['initial_lr']`` to
            ``group['lr']`` in each group that has no ``'initial_lr'`` yet.
            A value >= 0 resumes a schedule, and then every group must
            already have an ``'initial_lr'``.

    Raises:
        TypeError: if ``optimizer`` is not an ``Optimizer``.
        KeyError: if ``last_epoch >= 0`` and a group has no ``'initial_lr'``.

    Attributes:
        base_lrs: each group's ``'initial_lr'``, the rate that step 0 starts from.
        last_epoch: the number of the current step, 0 right after construction.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer

        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{index}] "
                        "when resuming scheduler with last_epoch >= 0. Load the "
                        "optimizer's state dict first, or pass last_epoch=-1."
                    )

        self.base_lrs: list[float] = [
            group["initial_lr"] for group in optimizer.param_groups
        ]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Take step 0, which sets the starting learning rates."""
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """Compute the learning rate of each group for step ``last_epoch``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_lr(), which LRScheduler "
            "leaves abstract"
        )

    def step(self) -> None:
        """Advance ``last_epoch`` by one and set each group's ``'lr'`` for it.

        PyTorch's deprecated ``step(epoch)`` argument is not supported.
        """
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """Return the learning rates that the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's attributes, except the optimizer, as a dict.

        Save the optimizer's own state dict with it: the groups' ``'lr'`` and
        ``'initial_lr'`` are stored there.
        """
        return {
            key: _copy_value(value)
            for key, value in self.__dict__.items()
            if key != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes from a dict returned by ``state_dict()``.

        Raises:
            TypeError: if ``state_dict`` is not a dict.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"state_dict must be a dict, but got {type(state_dict).__name__}. "
                "Pass the value returned by the scheduler's state_dict()"
            )
        self.__dict__.update({k: _copy_value(v) for k, v in state_dict.items()})


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


class OneCycleLR(LRScheduler):
    """Raise the learning rate to ``max_lr`` and then anneal it far below the start.

    The 1cycle policy of Smith and Topin, "Super-Convergence: Very Fast Training
    of Neural Networks Using Large Learning Rates" (2017), stepped once per batch. With
    ``N = total_steps``, ``p = pct_start``, ``start = max_lr / div_factor`` and
    ``end = start / final_div_factor``, the schedule is made of phases that
    each run from one rate to another. Phase ``k`` ends at step ``e_k`` and
    starts where the previous one ended (``e_0 = 0``):

    - two phases (default): ``start -> max_lr`` ending at ``p * N - 1``, then
      ``max_lr -> end`` ending at ``N - 1``;
    - ``three_phase=True``: ``start -> max_lr`` ending at ``p * N - 1``,
      ``max_lr -> start`` ending at ``2 * p * N - 2``, then ``start -> end``
      ending at ``N - 1``.

    Step ``t`` lies in the first phase with ``t <= e_k`` (or in the last
    phase). With ``f = (t - e_{k-1}) / (e_k - e_{k-1})``, the rate from ``a``
    to ``b`` is::

        cos:     lr(t) = b + (a - b) * (1 + cos(pi * f)) / 2
        linear:  lr(t) = a + (b - a) * f

    With ``cycle_momentum=True`` the momentum runs the other way, with the
    same phases and annealing: ``max_momentum -> base_momentum`` while the
    rate rises, ``base_momentum -> max_momentum`` while it falls, and it stays
    at ``max_momentum`` in the third phase. It sets ``group['momentum']``, or
    the first entry of ``group['betas']`` for an optimizer that has betas.

    The constructor sets ``'initial_lr'``, ``'max_lr'`` and ``'min_lr'`` in each
    group (and ``'max_momentum'`` and ``'base_momentum'`` when cycling
    momentum) unless ``last_epoch >= 0``. Stepping past ``total_steps`` raises.

    Args:
        optimizer: the optimizer to schedule.
        max_lr: the peak learning rate, one number or a list with one per group.
        total_steps: the number of steps in the cycle. If None, it is
            ``epochs * steps_per_epoch``.
        epochs: the number of epochs, used when ``total_steps`` is None.
        steps_per_epoch: the number of steps per epoch, used with ``epochs``.
        pct_start: the fraction of the cycle spent raising the rate, a float
            in [0, 1].
        anneal_strategy: ``'cos'`` or ``'linear'``.
        cycle_momentum: cycle the momentum inversely to the learning rate.
        base_momentum: the lowest momentum, a number or a list per group.
        max_momentum: the highest momentum, a number or a list per group.
        div_factor: ``max_lr / div_factor`` is the starting rate.
        final_div_factor: the starting rate divided by it is the final rate.
        three_phase: use the three phases above instead of two.
        last_epoch: the index of the last step already taken (see
            ``LRScheduler``).

    Raises:
        ValueError: if neither ``total_steps`` nor both ``epochs`` and
            ``steps_per_epoch`` are given, one of them is not a positive
            integer, ``pct_start`` is not a float in [0, 1],
            ``anneal_strategy`` is unknown, a list argument has the wrong
            length, the optimizer has neither momentum nor betas while
            ``cycle_momentum`` is True, or ``step()`` runs past
            ``total_steps``.
        TypeError: for the reasons that ``LRScheduler`` lists.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        # As in PyTorch, an int such as 1 is rejected: pct_start must be a float.
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(
                f"Expected float between 0 and 1 pct_start, but got {pct_start}"
            )
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "anneal_strategy must be one of 'cos' or 'linear', instead got "
                f"{anneal_strategy}"
            )
        self.anneal_strategy = anneal_strategy
        self.phases = _one_cycle_phases(self.total_steps, pct_start, three_phase)

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(
                optimizer.param_groups, max_lrs, strict=True
            ):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._set_up_momentum(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _set_up_momentum(
        self,
        optimizer: Optimizer,
        base_momentum: float | list[float],
        max_momentum: float | list[float],
        last_epoch: int,
    ) -> None:
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError(
                "optimizer must support momentum or beta1 with `cycle_momentum` "
                "option enabled"
            )
        self.use_beta1 = "betas" in optimizer.defaults
        max_momentums = _per_group("max_momentum", optimizer, max_momentum)
        base_momentums = _per_group("base_momentum", optimizer, base_momentum)
        if last_epoch != -1:
            return
        for group, high, low in zip(
            optimizer.param_groups, max_momentums, base_momentums, strict=True
        ):
            self._set_momentum(group, high)
            group["max_momentum"] = high
            group["base_momentum"] = low

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, fraction: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch`` (and set momentum).

        Raises:
            ValueError: if ``last_epoch`` is past ``total_steps``.
        """
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps "
                f"is {self.total_steps}"
            )

        start_step = 0.0
        for index, phase in enumerate(self.phases):
            if step <= phase["end_step"] or index == len(self.phases) - 1:
                break
            start_step = phase["end_step"]
        fraction = (step - start_step) / (phase["end_step"] - start_step)

        lrs = []
        for group in self.optimizer.param_groups:
            lr_ends = group[phase["start_lr"]], group[phase["end_lr"]]
            lrs.append(self._anneal(*lr_ends, fraction))
            if self.cycle_momentum:
                momentum_ends = (
                    group[phase["start_momentum"]],
                    group[phase["end_momentum"]],
                )
                self._set_momentum(group, self._anneal(*momentum_ends, fraction))
        return lrs


def _total_steps(
    total_steps: int | None, epochs: int | None, steps_per_epoch: int | None
) -> int:
    """Return the cycle length that OneCycleLR's arguments define."""
    if total_steps is not None:
        _check_positive_int("total_steps", total_steps)
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError(
            "You must define either total_steps OR (epochs AND steps_per_epoch)"
        )
    _check_positive_int("epochs", epochs)
    _check_positive_int("steps_per_epoch", steps_per_epoch)
    return epochs * steps_per_epoch


def _one_cycle_phases(
    total_steps: int, pct_start: float, three_phase: bool
) -> list[dict[str, Any]]:
    """Return OneCycleLR's phases: the last step and the group keys of each end."""
    rise_end = float(pct_start * total_steps) - 1
    rise = {
        "end_step": rise_end,
        "start_lr": "initial_lr",
        "end_lr": "max_lr",
        "start_momentum": "max_momentum",
        "end_momentum": "base_momentum",
    }
    if not three_phase:
        fall = {
            "end_step": total_steps - 1,
            "start_lr": "max_lr",
            "end_lr": "min_lr",
            "start_momentum": "base_momentum",
            "end_momentum": "max_momentum",
        }
        return [rise, fall]

    fall = {
        "end_step": float(2 * pct_start * total_steps) - 2,
        "start_lr": "max_lr",
        "end_lr": "initial_lr",
        "start_momentum": "base_momentum",
        "end_momentum": "max_momentum",
    }
    final = {
        "end_step": total_steps - 1,
        "start_lr": "initial_lr",
        "end_lr": "min_lr",
        "start_momentum": "max_momentum",
        "end_momentum": "max_momentum",
    }
    return [rise, fall, final]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """Return ``value`` once per group, or check that a list has one per group."""
    group_count = len(optimizer.param_groups)
    if not isinstance(value, (list, tuple)):
        return [value] * group_count
    if len(value) != group_count:
        raise ValueError(
            f"{name} must have the same length as optimizer.param_groups. "
            f"{name} has {len(value)} values, param_groups has {group_count}."
        )
    return list(value)


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _check_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Expected positive integer {name}, but got {value!r}")


def _copy_value(value: Any) -> Any:
    """Copy lists and dicts so a state dict does not share them with a scheduler."""
    if isinstance(value, list):
        return [_copy_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in value.items()}
    return value


__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "OneCycleLR",
    "StepLR",
]
