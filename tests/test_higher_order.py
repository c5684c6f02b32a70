"""Second and third derivatives: closed forms, a Hessian-vector product, and
the finite-difference check of second derivatives."""

import numpy as np
import pytest
from hypothesis import given

from tinygrad_edu import Tensor
from tinygrad_edu.autograd import grad
from tinygrad_edu.testing import gradgradcheck
from tinygrad_edu.testing.strategies import tensors


def _second_derivative(function, values):
    x = Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    (first,) = grad(function(x).sum(), x, create_graph=True)
    (second,) = grad(first.sum(), x)
    return second.numpy()


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


POINTS = [-2.0, -0.5, 0.3, 1.7]
CLOSED_FORMS = {
    "tanh": (
        lambda x: x.tanh(),
        lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
        POINTS,
    ),
    "sigmoid": (
        lambda x: x.sigmoid(),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
        POINTS,
    ),
    "exp": (lambda x: x.exp(), np.exp, POINTS),
    "log": (lambda x: x.log(), lambda x: -1 / x**2, [0.2, 1.0, 3.5]),
    "pow": (lambda x: x**3.5, lambda x: 3.5 * 2.5 * x**1.5, [0.2, 1.0, 3.5]),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_second_derivative_matches_closed_form(name):
    function, expected, points = CLOSED_FORMS[name]
    result = _second_derivative(function, points)
    np.testing.assert_allclose(result, expected(np.asarray(points)), rtol=1e-12)


def test_pow_second_derivative_in_exponent():
    base = Tensor([2.0], dtype=np.float64)
    exponent = Tensor([1.5], dtype=np.float64, requires_grad=True)
    (first,) = grad((base**exponent).sum(), exponent, create_graph=True)
    (second,) = grad(first.sum(), exponent)
    np.testing.assert_allclose(second.numpy(), 2.0**1.5 * np.log(2.0) ** 2)


def test_third_derivative_of_cubic():
    x = Tensor([1.5], dtype=np.float64, requires_grad=True)
    y = (2 * x**3 - x**2 + 4 * x).sum()
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1.sum(), x, create_graph=True)
    (d3,) = grad(d2.sum(), x)
    assert d1.tolist() == [2 * 3 * 1.5**2 - 2 * 1.5 + 4]
    assert d2.tolist() == [12 * 1.5 - 2]
    assert d3.tolist() == [12.0]


def _mlp_loss(params, x, labels):
    w1, b1, w2, b2 = params
    hidden = (x @ w1.T + b1).tanh()
    log_probs = (hidden @ w2.T + b2).log_softmax(dim=1)
    return -log_probs.gather(1, labels.reshape(-1, 1)).mean()


def _mlp_problem(rng):
    shapes = [(5, 4), (5,), (3, 5), (3,)]
    params = [Tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]
    x = Tensor(rng.standard_normal((6, 4)))
    labels = Tensor(rng.integers(0, 3, 6))
    return params, x, labels


def test_mlp_hessian_vector_product_matches_finite_differences(rng):
    params, x, labels = _mlp_problem(rng)
    vector = [Tensor(rng.standard_normal(p.shape)) for p in params]

    grads = grad(_mlp_loss(params, x, labels), params, create_graph=True)
    dot = sum((g * v).sum() for g, v in zip(grads, vector, strict=True))
    hvp = grad(dot, params)

    eps = 1e-5

    def gradient_at(sign):
        moved = [
            Tensor(p.detach().numpy() + sign * eps * v.numpy(), requires_grad=True)
            for p, v in zip(params, vector, strict=True)
        ]
        return grad(_mlp_loss(moved, x, labels), moved)

    plus, minus = gradient_at(1), gradient_at(-1)
    for product, high, low in zip(hvp, plus, minus, strict=True):
        estimate = (high.numpy() - low.numpy()) / (2 * eps)
        np.testing.assert_allclose(product.numpy(), estimate, rtol=1e-6, atol=1e-9)


@given(tensors(shape=(2, 3)), tensors(shape=(3,)))
def test_gradgradcheck_on_composite(x, y):
    assert gradgradcheck(lambda a, b: (a * b).sigmoid().sum(1) * (a**2).sum(), [x, y])
