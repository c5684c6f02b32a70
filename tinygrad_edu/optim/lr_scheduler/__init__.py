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

from tinygrad_edu.optim.lr_scheduler.base import LRScheduler
from tinygrad_edu.optim.lr_scheduler.one_cycle import OneCycleLR
from tinygrad_edu.optim.lr_scheduler.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    StepLR,
)

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "OneCycleLR",
    "StepLR",
]
