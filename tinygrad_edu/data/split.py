"""The train/test ``Split`` that the data readers of this package return."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Split:
    """A dataset divided into a training part and a test part.

    ``eq=False`` keeps identity comparison, because ``==`` on arrays is
    elementwise and has no single truth value.

    Attributes:
        x_train: training inputs, one sample per row.
        y_train: training labels, one per row of ``x_train``.
        x_test: test inputs, one sample per row.
        y_test: test labels, one per row of ``x_test``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            x = getattr(self, f"x_{part}")
            y = getattr(self, f"y_{part}")
            if len(x) != len(y):
                raise ValueError(
                    f"Split needs one label per sample, but x_{part} has {len(x)} "
                    f"rows and y_{part} has {len(y)}"
                )
