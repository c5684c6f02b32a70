"""Loss modules: each stores its arguments and calls the function in ``functional``.

``weight`` and ``pos_weight`` are registered as buffers, so they appear in
``state_dict()`` and follow ``to(dtype)``, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.losses import check_reduction
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class _Loss(Module):
    """Base of the loss modules: checks and stores ``reduction``."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction)


class MSELoss(_Loss):
    """Mean squared error, (input - target)**2 reduced; see ``F.mse_loss``.

    Shape:
        - Input: any shape.
        - Target: the input's shape.
        - Output: a scalar, or the input's shape for reduction="none".
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, kept as a buffer."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, Tensor):
            weight = Tensor(weight)
        self.register_buffer("weight", weight)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities; see ``F.nll_loss``.

    Args:
        weight: a rescaling weight per class, of shape (C,).
        ignore_index: a target value that is skipped.
        reduction: "mean", "sum" or "none".

    Shape:
        - Input: (N, C), (N, C, d1, ...) or (C,) log-probabilities.
        - Target: (N,), (N, d1, ...) or () class indices.
        - Output: a scalar, or the target's shape for reduction="none".
    """

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits and class targets; see ``F.cross_entropy``.

    Args:
        weight: a rescaling weight per class, of shape (C,).
        ignore_index: a class-index target value that is skipped.
        reduction: "mean", "sum" or "none".
        label_smoothing: s in [0, 1]; see ``F.cross_entropy``.

    Shape:
        - Input: (N, C), (N, C, d1, ...) or (C,) logits.
        - Target: (N,), (N, d1, ...) or () class indices, or probabilities of
          the input's shape.
        - Output: a scalar, or one loss per sample for reduction="none".

    Raises:
        ValueError: if ``label_smoothing`` is outside [0, 1].
    """

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got "
                f"{label_smoothing}"
            )
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            self.ignore_index,
            self.reduction,
            self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities; see ``F.binary_cross_entropy``.

    Args:
        weight: a rescaling weight that broadcasts to the input's shape.
        reduction: "mean", "sum" or "none".

    Shape:
        - Input: any shape, with values in [0, 1].
        - Target: the input's shape.
        - Output: a scalar, or the input's shape for reduction="none".
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of logits, computed stably.

    See ``F.binary_cross_entropy_with_logits``.

    Args:
        weight: a rescaling weight that broadcasts to the input's shape.
        reduction: "mean", "sum" or "none".
        pos_weight: a weight for the positive term, such as one per class of
            shape (C,); kept as a buffer like ``weight``.

    Shape:
        - Input: any shape of logits.
        - Target: the input's shape.
        - Output: a scalar, or the input's shape for reduction="none".
    """

    def __init__(
        self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
    ) -> None:
        super().__init__(weight, reduction)
        if pos_weight is not None and not isinstance(pos_weight, Tensor):
            pos_weight = Tensor(pos_weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )
