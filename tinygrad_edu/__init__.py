"""tinygrad_edu: a small, exact reverse-mode autodiff framework on NumPy.

Import it like a small PyTorch::

    from tinygrad_edu import Tensor, nn, optim, no_grad

The engine is ``tensor`` (the array with a graph), ``function`` (the base
class of every operation), ``engine`` (the backward pass) and ``ops`` (the
operations). ``nn``, ``optim`` and ``data`` build on it.
"""

from tinygrad_edu.tensor import Tensor  # noqa: I001 (load first)
from tinygrad_edu.function import Function
from tinygrad_edu.creation import (
    arange,
    eye,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from tinygrad_edu.dtypes import bool_, float16, float32, float64, int32, int64
from tinygrad_edu.grad_mode import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tinygrad_edu.ops.selection import maximum, minimum, where
from tinygrad_edu.ops.shape import cat, stack
from tinygrad_edu.random import Generator, manual_seed
from tinygrad_edu.serialization import load, save
from tinygrad_edu import autograd, data, nn, optim, viz  # noqa: E402 (after Tensor)

__version__ = "0.1.0"

__all__ = [
    "Function",
    "Generator",
    "autograd",
    "data",
    "load",
    "nn",
    "optim",
    "save",
    "Tensor",
    "arange",
    "bool_",
    "cat",
    "enable_grad",
    "eye",
    "float16",
    "float32",
    "float64",
    "full",
    "int32",
    "int64",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "set_grad_enabled",
    "stack",
    "tensor",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]
