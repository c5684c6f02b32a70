"""Gradients at points where no derivative exists follow PyTorch's conventions."""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def _grad(function, values):
    x = Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    out = function(x)
    out.backward(Tensor(np.ones(out.shape)))
    return x.grad.numpy()


def test_relu_gradient_at_zero_is_zero():
    assert _grad(lambda x: x.relu(), [0.0]).tolist() == [0.0]


def test_abs_gradient_at_zero_is_zero():
    assert _grad(lambda x: x.abs(), [0.0]).tolist() == [0.0]


def test_sqrt_gradient_at_zero_is_infinite():
    assert _grad(lambda x: x.sqrt(), [0.0]).tolist() == [np.inf]


def test_log_gradient_at_zero_is_infinite():
    assert _grad(lambda x: x.log(), [0.0]).tolist() == [np.inf]


@pytest.mark.parametrize("value", [-1.0, 1.0])
def test_clamp_gradient_is_one_at_bounds(value):
    assert _grad(lambda x: x.clamp(-1.0, 1.0), [value]).tolist() == [1.0]


def test_clamp_gradient_is_zero_outside_bounds():
    assert _grad(lambda x: x.clamp(-1.0, 1.0), [-2.0, 2.0]).tolist() == [0.0, 0.0]


def test_clamp_inverted_bounds():
    x = Tensor([0.0, 5.0], dtype=np.float64, requires_grad=True)
    out = x.clamp(2.0, 1.0)
    out.sum().backward()
    assert out.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("method", ["max", "min", "amax", "amin"])
def test_full_reduction_splits_gradient_among_ties(method):
    grad = _grad(lambda x: getattr(x, method)(), [2.0, 2.0, 2.0, 2.0])
    assert grad.tolist() == [0.25, 0.25, 0.25, 0.25]


def test_amax_along_dim_splits_ties_per_slice():
    grad = _grad(lambda x: x.amax(dim=1), [[1.0, 3.0, 3.0], [5.0, 0.0, 0.0]])
    assert grad.tolist() == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]


def test_max_along_dim_gives_gradient_to_first_index():
    grad = _grad(lambda x: x.max(dim=1).values, [[1.0, 3.0, 3.0]])
    assert grad.tolist() == [[0.0, 1.0, 0.0]]


def test_max_along_dim_indices_name_first_maximum():
    result = Tensor([[1.0, 3.0, 3.0], [4.0, 4.0, 0.0]]).max(dim=1)
    assert result.indices.tolist() == [1, 0]


@pytest.mark.parametrize("function", [tg.maximum, tg.minimum])
def test_elementwise_extreme_splits_ties(function):
    x = Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = Tensor([1.0, 0.0], dtype=np.float64, requires_grad=True)
    function(x, y).sum().backward()
    assert x.grad.tolist()[0] == 0.5
    assert y.grad.tolist()[0] == 0.5


def test_pow_zero_exponent_gradient_at_zero_base():
    x = Tensor([0.0], dtype=np.float64, requires_grad=True)
    (x**0.0).sum().backward()
    assert x.grad.tolist() == [0.0]


def test_pow_exponent_gradient_at_zero_base_is_zero():
    x = Tensor([0.0], dtype=np.float64)
    y = Tensor([2.0], dtype=np.float64, requires_grad=True)
    (x**y).sum().backward()
    assert y.grad.tolist() == [0.0]


def test_repeated_index_accumulates_gradient():
    grad = _grad(lambda x: x[[0, 0, 2, 0]], [1.0, 2.0, 3.0])
    assert grad.tolist() == [3.0, 0.0, 1.0]


def test_sigmoid_of_large_logits_is_finite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = _grad(lambda x: x.sigmoid(), [-1000.0, 1000.0])
    assert grad.tolist() == [0.0, 0.0]


def test_softmax_of_large_logits_is_finite():
    out = Tensor([[1000.0, -1000.0, 0.0]]).log_softmax(1)
    assert np.all(np.isfinite(out.numpy()))
