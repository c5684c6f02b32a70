"""Extreme inputs give finite values and gradients, without NumPy warnings.

Each function runs forward and backward on inputs as large as ±1e4, in float32
and in float64, with every warning turned into an error and NumPy's
floating-point errors set to raise. The operations' forwards run with NumPy's
errors ignored, because IEEE results such as log(0) = -inf are silent in
PyTorch too, so the finiteness checks are what catch an unstable formula. A
weighted sum is the loss, so that each gradient is nontrivial. The references
are written in NumPy with the stable formulas, in float64.

``log`` of a probability is finite for any probability at or above the
smallest normal float. A probability computed as ``softmax(x)`` or
``sigmoid(x)`` from logits near ±1e4 underflows to 0, and its log is -inf, so
``log_softmax`` and the logit losses are the stable route from logits.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.nn import functional as F

DTYPES = ["float32", "float64"]
VECTOR = np.array([-1e4, -1e3, -30.0, -1.0, 0.0, 1.0, 30.0, 1e3, 1e4])
LOGITS = np.array(
    [
        [1e4, -1e4, 0.0],
        [-1e4, -1e4, -1e4],
        [1e4, 9999.0, -1e4],
        [-1e4, 0.0, 1e4],
    ]
)
CLASSES = np.array([1, 0, 2, 0])
BINARY_TARGETS = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0])


def probabilities(dtype: str) -> np.ndarray:
    return np.array([np.finfo(dtype).tiny, 1e-30, 1e-8, 0.5, 1.0])


def loss_weights(shape: tuple[int, ...]) -> np.ndarray:
    return np.linspace(-1.0, 2.0, num=int(np.prod(shape))).reshape(shape)


# Stable references, in float64 ---------------------------------------------------


def sigmoid_reference(x: np.ndarray) -> np.ndarray:
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + small), small / (1 + small))


def softmax_reference(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def log_softmax_reference(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softplus_reference(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def reference_sigmoid(x, w):
    s = sigmoid_reference(x)
    return s, w * s * (1 - s)


def reference_tanh(x, w):
    t = np.tanh(x)
    return t, w * (1 - t * t)


def reference_softmax(x, w):
    p = softmax_reference(x)
    return p, p * (w - (p * w).sum(axis=1, keepdims=True))


def reference_log_softmax(x, w):
    p = softmax_reference(x)
    return log_softmax_reference(x), w - p * w.sum(axis=1, keepdims=True)


def reference_cross_entropy(x, w):
    rows = np.arange(len(x))
    losses = -log_softmax_reference(x)[rows, CLASSES]
    one_hot = np.eye(x.shape[1])[CLASSES]
    return losses.mean(), w * (softmax_reference(x) - one_hot) / len(x)


def reference_bce_with_logits(x, w):
    losses = softplus_reference(x) - BINARY_TARGETS * x
    return losses.mean(), w * (sigmoid_reference(x) - BINARY_TARGETS) / len(x)


def reference_log(p, w):
    return np.log(p), w / p


# Each case: name, input for a dtype, the function under test, its NumPy reference.
CASES: list[tuple[str, Callable, Callable, Callable]] = [
    ("sigmoid", lambda d: VECTOR, lambda x: x.sigmoid(), reference_sigmoid),
    ("tanh", lambda d: VECTOR, lambda x: x.tanh(), reference_tanh),
    ("softmax", lambda d: LOGITS, lambda x: x.softmax(1), reference_softmax),
    (
        "log_softmax",
        lambda d: LOGITS,
        lambda x: x.log_softmax(1),
        reference_log_softmax,
    ),
    (
        "cross_entropy",
        lambda d: LOGITS,
        lambda x: F.cross_entropy(x, Tensor(CLASSES)),
        reference_cross_entropy,
    ),
    (
        "bce_with_logits",
        lambda d: VECTOR,
        lambda x: F.binary_cross_entropy_with_logits(
            x, Tensor(BINARY_TARGETS, dtype=x.dtype)
        ),
        reference_bce_with_logits,
    ),
    ("log_of_probability", probabilities, lambda x: x.log(), reference_log),
]
CASE_IDS = [case[0] for case in CASES]


def run_strictly(function: Callable, data: np.ndarray, dtype: str):
    """Return (output, gradient), with warnings and floating-point errors raising."""
    x = Tensor(data, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out = function(x)
        weights = Tensor(loss_weights(out.shape), dtype=dtype)
        (out * weights).sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("name", "make_input", "function", "reference"), CASES, ids=CASE_IDS
)
def test_extreme_inputs_stay_finite(name, make_input, function, reference, dtype):
    out, grad = run_strictly(function, make_input(dtype), dtype)

    assert np.isfinite(out).all()
    assert np.isfinite(grad).all()
    assert out.dtype == dtype
    assert grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("name", "make_input", "function", "reference"), CASES, ids=CASE_IDS
)
def test_extreme_inputs_match_reference(name, make_input, function, reference, dtype):
    data = make_input(dtype)
    out, grad = run_strictly(function, data, dtype)

    rounded = data.astype(dtype).astype(np.float64)
    weights = loss_weights(np.shape(out)).astype(dtype).astype(np.float64)
    with np.errstate(under="ignore"):
        expected_out, expected_grad = reference(rounded, weights)
    tolerance = {"float32": 1e-5, "float64": 1e-12}[dtype]
    np.testing.assert_allclose(out, expected_out, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(grad, expected_grad, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_of_saturated_sigmoid_is_finite(dtype):
    # At ±1e3 and ±1e4 the probabilities are exactly 0 and 1, and the floor
    # of each log at -100 keeps the loss finite, as in PyTorch.
    targets = Tensor(BINARY_TARGETS, dtype=dtype)
    out, grad = run_strictly(
        lambda x: F.binary_cross_entropy(x.sigmoid(), targets), VECTOR, dtype
    )

    assert np.isfinite(out).all()
    assert np.isfinite(grad).all()


# Divergence ---------------------------------------------------------------------


def test_backward_of_nonfinite_loss_warns():
    # Plain regression with a learning rate far above 2 / (largest curvature)
    # grows the weights geometrically until the float32 loss overflows.
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((16, 4)).astype(np.float32) * 10)
    y = Tensor(rng.standard_normal((16, 1)).astype(np.float32))
    model = nn.Linear(4, 1)
    optimizer = optim.SGD(model.parameters(), lr=1.0)

    losses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(200):
            loss = F.mse_loss(model(x), y)
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if caught:
                break

    first_bad = next(i for i, value in enumerate(losses) if not np.isfinite(value))
    assert len(caught) == 1
    assert issubclass(caught[0].category, RuntimeWarning)
    assert "non-finite" in str(caught[0].message)
    assert f"the loss is {losses[first_bad]}" in str(caught[0].message)
    assert first_bad == len(losses) - 1
    assert caught[0].filename == __file__
