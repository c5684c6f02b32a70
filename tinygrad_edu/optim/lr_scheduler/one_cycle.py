"""OneCycleLR: the 1cycle policy, which also cycles momentum or Adam's beta1."""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.optim.lr_scheduler.base import (
    LRScheduler,
    _check_optimizer,
    _check_positive_int,
)
from tinygrad_edu.optim.optimizer import Optimizer


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
