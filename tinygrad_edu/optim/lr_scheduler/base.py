"""The base class of the schedulers and the argument checks they share."""

from __future__ import annotations

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
