import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError, ShapeError
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.jacobian import numerical_gradient


def values(tensor):
    return tensor.detach().numpy()


def softmax_ref(x, axis):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (F.tanh, np.tanh),
    "softmax": (lambda t: F.softmax(t, dim=1), lambda x: softmax_ref(x, 1)),
    "log_softmax": (
        lambda t: F.log_softmax(t, dim=-1),
        lambda x: np.log(softmax_ref(x, -1)),
    ),
}


def test_functional_reachable_from_nn():
    assert nn.functional is F


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward(rng, name):
    ours, reference = ACTIVATIONS[name]
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(values(ours(Tensor(x))), reference(x), rtol=1e-12)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_backward(rng, name):
    ours, reference = ACTIVATIONS[name]
    # Keep x away from relu's kink at 0, where the difference quotient is 1/2.
    x = rng.uniform(0.1, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4))
    probe = rng.standard_normal((3, 4))
    inputs = Tensor(x, requires_grad=True)
    (ours(inputs) * Tensor(probe)).sum().backward()

    expected = numerical_gradient(lambda a: (reference(a) * probe).sum(), x)
    np.testing.assert_allclose(values(inputs.grad), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_keeps_float32(name):
    ours, _ = ACTIVATIONS[name]
    assert ours(Tensor(np.zeros((2, 3), np.float32))).dtype == np.float32


def test_relu_gradient_zero_at_kink():
    x = Tensor([0.0], requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.item() == 0.0


def test_activation_rejects_array():
    with pytest.raises(TypeError, match="Tensor"):
        F.sigmoid(np.zeros(3))


def test_softmax_dtype_argument():
    out = F.softmax(Tensor(np.zeros((2, 3), np.float32)), dim=1, dtype="float64")
    assert out.dtype == np.float64


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="dim=1"):
        F.softmax(Tensor(np.zeros((2, 3))))


def test_log_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="dim=0"):
        F.log_softmax(Tensor(np.zeros(3)))


def test_log_softmax_huge_logits_finite():
    x = Tensor(np.array([[1000.0, -1000.0, 0.0]], np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.log_softmax(x, dim=1)
        out.sum().backward()
    assert np.all(np.isfinite(values(out)))
    assert np.all(np.isfinite(values(x.grad)))


# linear ------------------------------------------------------------------------------


@settings(max_examples=25)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    in_features=st.integers(1, 4),
    out_features=st.integers(1, 4),
    with_bias=st.booleans(),
)
def test_linear_forward(batch, in_features, out_features, with_bias):
    generator = np.random.default_rng(0)
    x = generator.standard_normal((*batch, in_features))
    weight = generator.standard_normal((out_features, in_features))
    bias = generator.standard_normal(out_features) if with_bias else None
    out = F.linear(Tensor(x), Tensor(weight), None if bias is None else Tensor(bias))
    expected = x @ weight.T + (0 if bias is None else bias)
    np.testing.assert_allclose(values(out), expected, rtol=1e-12)


def test_linear_vector_input(rng):
    x, weight = rng.standard_normal(3), rng.standard_normal((2, 3))
    out = F.linear(Tensor(x), Tensor(weight))
    assert out.shape == (2,)
    np.testing.assert_allclose(values(out), weight @ x)


def test_linear_backward(rng):
    x = rng.standard_normal((4, 3))
    weight = rng.standard_normal((2, 3))
    bias = rng.standard_normal(2)
    probe = rng.standard_normal((4, 2))
    tensors = [Tensor(a, requires_grad=True) for a in (x, weight, bias)]
    (F.linear(*tensors) * Tensor(probe)).sum().backward()

    def loss(x_, w_, b_):
        return ((x_ @ w_.T + b_) * probe).sum()

    expected = [
        numerical_gradient(lambda a: loss(a, weight, bias), x),
        numerical_gradient(lambda a: loss(x, a, bias), weight),
        numerical_gradient(lambda a: loss(x, weight, a), bias),
    ]
    for tensor, grad in zip(tensors, expected, strict=True):
        np.testing.assert_allclose(values(tensor.grad), grad, rtol=1e-6)


def test_linear_shape_mismatch_raises():
    with pytest.raises(ShapeError, match=r"\(2, 5\).*\(3, 4\)"):
        F.linear(Tensor(np.zeros((2, 5))), Tensor(np.zeros((3, 4))))


def test_linear_bias_shape_raises():
    with pytest.raises(ShapeError, match="bias"):
        F.linear(
            Tensor(np.zeros((2, 4))), Tensor(np.zeros((3, 4))), Tensor(np.zeros(4))
        )


def test_linear_dtype_mismatch_raises():
    with pytest.raises(DTypeError, match="float32"):
        F.linear(Tensor(np.zeros((2, 4))), Tensor(np.zeros((3, 4), np.float32)))
