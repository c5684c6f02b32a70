"""Hypothesis strategies for property tests of tensors and gradients.

The default elements stay away from the points where common operations have
no derivative (0 for abs, relu and log), so a finite-difference check does
not fail on a kink. Pass ``elements=`` to test elsewhere.

Example::

    from hypothesis import given
    from tinygrad_edu.testing import gradcheck
    from tinygrad_edu.testing.strategies import tensors

    @given(tensors())
    def test_tanh_gradient(x):
        assert gradcheck(lambda t: t.tanh(), [x])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.tensor import Tensor


def away_from_zero(low: float = 0.1, high: float = 3.0) -> st.SearchStrategy[float]:
    """Floats with ``low <= |x| <= high``: off the kinks of abs, relu and sign."""
    magnitude = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.builds(
        lambda m, negative: -m if negative else m, magnitude, st.booleans()
    )


def positive(low: float = 0.1, high: float = 3.0) -> st.SearchStrategy[float]:
    """Floats in [low, high], off the poles of log, sqrt and 1/x."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d and size-1 dimensions included by default."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    shape: tuple[int, ...],
    min_dims: int = 0,
    max_dims: int | None = None,
    min_side: int = 1,
    max_side: int = 3,
) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes that broadcast with ``shape``."""
    return hnp.broadcastable_shapes(
        shape,
        min_dims=min_dims,
        max_dims=max_dims if max_dims is not None else max(len(shape), 1),
        min_side=min_side,
        max_side=max_side,
    )


def mutually_broadcastable_shapes(
    count: int, max_dims: int = 3, max_side: int = 3
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of ``count`` shapes that broadcast together."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=count, min_dims=0, max_dims=max_dims, max_side=max_side
    ).map(lambda result: result.input_shapes)


def arrays(
    shape: Any = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy[float] | None = None,
    unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``shape`` (a tuple or a strategy; any shape when None)."""
    return hnp.arrays(
        dtype=dtype,
        shape=shapes() if shape is None else shape,
        elements=away_from_zero() if elements is None else elements,
        unique=unique,
    )


def tensors(
    shape: Any = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy[float] | None = None,
    requires_grad: bool = True,
    unique: bool = False,
) -> st.SearchStrategy[Tensor]:
    """Tensors of ``shape`` (a tuple or a strategy; any shape when None).

    Args:
        shape: a shape, a strategy of shapes, or None for ``shapes()``.
        dtype: float64 by default, which finite differences need.
        elements: a strategy of values; ``away_from_zero()`` by default.
        requires_grad: whether the tensors require grad.
        unique: draw distinct values, so that max and min have no ties.
    """
    return arrays(shape, dtype, elements, unique).map(
        lambda array: Tensor(array, requires_grad=requires_grad)
    )
