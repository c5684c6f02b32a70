"""Behaviour of the public Tensor API, checked against PyTorch's documented rules.

The expected values are written out by hand or computed with NumPy; PyTorch
2.13 was run separately to confirm each rule, and is not imported here.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.errors import ShapeError

# Broadcasting errors ------------------------------------------------------------

BINARY_OPS = {
    "add": (lambda a, b: a + b, "add (+)"),
    "sub": (lambda a, b: a - b, "sub (-)"),
    "mul": (lambda a, b: a * b, "mul (*)"),
    "div": (lambda a, b: a / b, "div (/)"),
    "pow": (lambda a, b: a**b, "pow (**)"),
    "lt": (lambda a, b: a < b, "lt (<)"),
    "eq": (lambda a, b: a == b, "eq (==)"),
    "maximum": (tg.maximum, "maximum"),
    "minimum": (tg.minimum, "minimum"),
}


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_broadcast_failure_raises_shape_error(name):
    op, label = BINARY_OPS[name]
    with pytest.raises(ShapeError) as info:
        op(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))
    assert label in str(info.value)
    assert "(2,) and (3,)" in str(info.value)


@pytest.mark.parametrize("name", ["add", "mul", "lt"])
def test_broadcast_failure_with_array_on_left(name):
    op, _ = BINARY_OPS[name]
    with pytest.raises(ShapeError) as info:
        op(np.ones(3), Tensor([1.0, 2.0]))
    assert "(3,)" in str(info.value)
    assert "(2,)" in str(info.value)


def test_broadcast_failure_where():
    with pytest.raises(ShapeError, match="where"):
        tg.where(Tensor([True, False]), Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))


def test_broadcast_failure_where_condition():
    with pytest.raises(ShapeError, match=r"\(3,\) and \(2,\) and \(\)"):
        tg.where(Tensor([True, False, True]), Tensor([1.0, 2.0]), 0.0)


def test_broadcast_failure_matmul_batch():
    x, y = Tensor(np.ones((2, 1, 3))), Tensor(np.ones((3, 3, 4)))
    with pytest.raises(ShapeError, match="batch"):
        x @ y


def test_broadcast_matmul_batch_shape():
    out = Tensor(np.ones((2, 1, 1, 3))) @ Tensor(np.ones((3, 3, 4)))
    assert out.shape == (2, 3, 1, 4)
