"""``Parameter``: a Tensor that a Module registers as one of its weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import default_float
from tinygrad_edu.tensor import Tensor, VersionCounter


class Parameter(Tensor):
    """A leaf Tensor that a Module lists in ``parameters()`` when assigned to it.

    Assigning a Parameter to an attribute of a Module registers it, so that
    ``parameters()``, ``state_dict()`` and optimizers find it. A plain Tensor
    assigned the same way stays an ordinary attribute.

    Args:
        data: a Tensor, whose memory the parameter shares (as in PyTorch),
            or anything ``Tensor(data)`` accepts, which is copied. None gives
            an empty float32 tensor of shape (0,).
        requires_grad: whether backward computes a gradient for it. Only
            floating-point data can require grad.

    Raises:
        DTypeError: if ``requires_grad`` is set on non-floating data.

    Example:
        >>> w = Parameter(Tensor([1.0, 2.0]))
        >>> isinstance(w, Tensor), w.requires_grad, w.is_leaf
        (True, True, True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=default_float())
            version = VersionCounter()
        elif isinstance(data, Tensor):
            # Like detach(): the same memory and version counter, but a new leaf.
            array, version = data._array, data._version
        else:
            array, version = Tensor(data)._array, VersionCounter()

        # The fields that Tensor.__init__ sets, without its copy of the data.
        self._array = array
        self._version = version
        self.grad_fn = None
        self._grad = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
