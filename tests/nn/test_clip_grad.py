import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.nn import utils
from tinygrad_edu.nn.utils import clip_grad_norm_, clip_grad_value_
from tinygrad_edu.tensor import Tensor

SHAPES = [(3, 4), (5,), ()]


def params_with_grads(seed, dtype=np.float64, scale=1.0):
    """Return parameters of SHAPES whose grads are random, and those grads."""
    rng = np.random.default_rng(seed)
    grads = [(scale * rng.standard_normal(shape)).astype(dtype) for shape in SHAPES]
    params = []
    for grad in grads:
        param = Tensor(np.zeros_like(grad), requires_grad=True)
        param.grad = Tensor(grad.copy())
        params.append(param)
    return params, grads


def reference_norm(grads, norm_type):
    """Return the norm of all gradients taken as one float64 vector.

    For norm_type 0, return the number of gradients with a nonzero entry.
    """
    flat = np.concatenate([np.ravel(grad).astype(np.float64) for grad in grads])
    if norm_type == math.inf:
        return np.max(np.abs(flat))
    if norm_type == 0:
        return float(sum(np.any(grad != 0) for grad in grads))
    return np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)


def test_clip_grad_exported_from_nn():
    assert utils.clip_grad_norm_ is clip_grad_norm_


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, 0.5, math.inf, 0.0])
def test_clip_grad_norm_returns_total_norm(norm_type):
    params, grads = params_with_grads(0)
    total = clip_grad_norm_(params, max_norm=1e9, norm_type=norm_type)

    np.testing.assert_allclose(float(total), reference_norm(grads, norm_type))


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_clip_grad_norm_scales_grads(norm_type):
    params, grads = params_with_grads(1)
    max_norm = 0.5
    total = reference_norm(grads, norm_type)
    clip_grad_norm_(params, max_norm, norm_type)

    coef = max_norm / (total + 1e-6)
    for param, grad in zip(params, grads, strict=True):
        np.testing.assert_allclose(param.grad.numpy(), grad * coef, rtol=1e-12)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, math.inf])
def test_clip_grad_norm_new_norm_is_max_norm(norm_type):
    params, _ = params_with_grads(2, scale=10.0)
    clip_grad_norm_(params, 2.0, norm_type)
    new_grads = [param.grad.numpy() for param in params]

    np.testing.assert_allclose(reference_norm(new_grads, norm_type), 2.0, rtol=1e-6)


def test_clip_grad_norm_keeps_small_grads():
    params, grads = params_with_grads(3)
    clip_grad_norm_(params, max_norm=1e6)

    for param, grad in zip(params, grads, strict=True):
        np.testing.assert_array_equal(param.grad.numpy(), grad)


def test_clip_grad_norm_float32_dtype():
    params, grads = params_with_grads(4, np.float32, scale=5.0)
    total = clip_grad_norm_(params, 1.0)

    assert total.dtype == np.float32
    for param in params:
        assert param.grad.dtype == np.float32
    np.testing.assert_allclose(float(total), reference_norm(grads, 2.0), rtol=1e-5)


def test_clip_grad_norm_accepts_single_tensor():
    param = Tensor([0.0, 0.0], requires_grad=True)
    param.grad = Tensor([3.0, 4.0])
    total = clip_grad_norm_(param, 1.0)

    assert float(total) == 5.0
    np.testing.assert_allclose(param.grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_accepts_generator():
    params, grads = params_with_grads(5)
    total = clip_grad_norm_((param for param in params), 1e9)

    np.testing.assert_allclose(float(total), reference_norm(grads, 2.0))


def test_clip_grad_norm_skips_missing_grads():
    params, grads = params_with_grads(6)
    without_grad = Tensor([1.0, 2.0], requires_grad=True)
    total = clip_grad_norm_([*params, without_grad], 1e9)

    np.testing.assert_allclose(float(total), reference_norm(grads, 2.0))
    assert without_grad.grad is None


def test_clip_grad_norm_no_grads_returns_zero():
    total = clip_grad_norm_([Tensor([1.0], requires_grad=True)], 1.0)

    assert float(total) == 0.0
    assert total.dtype == np.float32


def test_clip_grad_norm_nonfinite_raises():
    params, grads = params_with_grads(7)
    params[0].grad = Tensor(np.full(SHAPES[0], np.inf))

    with pytest.raises(RuntimeError, match="total norm of order 2.0"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[1].grad.numpy(), grads[1])


def test_clip_grad_norm_nonfinite_scales_by_default():
    params, _ = params_with_grads(8)
    params[0].grad = Tensor(np.full(SHAPES[0], np.nan))
    total = clip_grad_norm_(params, 1.0)

    assert math.isnan(float(total))
    assert np.isnan(params[1].grad.numpy()).all()


def test_clip_grad_norm_records_no_graph():
    params, _ = params_with_grads(9, scale=10.0)
    total = clip_grad_norm_(params, 1.0)

    assert total.grad_fn is None
    for param in params:
        assert param.grad.grad_fn is None


@given(
    seed=st.integers(0, 2**32 - 1),
    max_norm=st.floats(0.01, 10.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, math.inf]),
    scale=st.floats(0.01, 100.0),
)
def test_clip_grad_norm_random(seed, max_norm, norm_type, scale):
    params, grads = params_with_grads(seed, scale=scale)
    total = reference_norm(grads, norm_type)
    returned = clip_grad_norm_(params, max_norm, norm_type)

    coef = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(float(returned), total, rtol=1e-12)
    for param, grad in zip(params, grads, strict=True):
        np.testing.assert_allclose(param.grad.numpy(), grad * coef, rtol=1e-12)


def test_clip_grad_value_clamps():
    param = Tensor([0.0, 0.0, 0.0, 0.0], requires_grad=True)
    param.grad = Tensor([-3.0, -0.5, 0.25, 2.0])
    result = clip_grad_value_([param], 1.0)

    assert result is None
    np.testing.assert_array_equal(param.grad.numpy(), [-1.0, -0.5, 0.25, 1.0])


def test_clip_grad_value_matches_numpy_clip():
    params, grads = params_with_grads(10, np.float32)
    clip_grad_value_(params, 0.3)

    for param, grad in zip(params, grads, strict=True):
        np.testing.assert_array_equal(param.grad.numpy(), np.clip(grad, -0.3, 0.3))
        assert param.grad.dtype == np.float32


def test_clip_grad_value_skips_missing_grads():
    param = Tensor([1.0], requires_grad=True)
    clip_grad_value_(param, 1.0)

    assert param.grad is None


def test_clip_grad_value_keeps_grad_object():
    param = Tensor([0.0, 0.0], requires_grad=True)
    param.grad = Tensor([5.0, -5.0])
    grad = param.grad
    clip_grad_value_(param, 2.0)

    assert param.grad is grad
