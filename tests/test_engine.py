"""The backward pass: ordering, accumulation, release, errors and grad mode."""

import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor, enable_grad, no_grad
from tinygrad_edu.autograd import grad
from tinygrad_edu.errors import GraphError, InPlaceError, ShapeError


def _leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


class _CountingDouble(Function):
    """y = 2x, counting how often backward runs."""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad_output):
        _CountingDouble.calls += 1
        return grad_output * 2


def test_long_chain_has_no_recursion_error():
    x = _leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_each_node_runs_backward_once():
    _CountingDouble.calls = 0
    x = _leaf(1.0)
    y = x
    for _ in range(1000):
        y = _CountingDouble.apply(y) + _CountingDouble.apply(y) * 0
    y.backward()
    assert _CountingDouble.calls == 2000


def test_reused_tensor_sums_contributions():
    x = _leaf([3.0])
    (x * x + x).backward(Tensor(np.ones(1)))
    assert x.grad.tolist() == [7.0]


def test_diamond_graph_accumulates_before_propagating():
    _CountingDouble.calls = 0
    x = _leaf(2.0)
    shared = _CountingDouble.apply(x)
    (shared * shared + shared.exp()).backward()
    assert _CountingDouble.calls == 1
    np.testing.assert_allclose(x.grad.item(), 2 * (2 * 4.0 + np.exp(4.0)))


def test_grad_accumulates_across_backward_calls():
    x = _leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_leaf_grad_arrays_are_not_shared():
    a, b = _leaf([1.0]), _leaf([1.0])
    (a + b).sum().backward()
    a.grad += 1
    assert b.grad.tolist() == [1.0]


def test_second_backward_through_released_graph_raises():
    x = _leaf(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(GraphError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = _leaf(2.0)
    y = x.exp()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 2 * np.exp(2.0))


def test_graph_is_freed_without_cycle_collector():
    gc.disable()
    try:
        x = _leaf(np.ones(3))
        y = (x.exp() * x).sigmoid().sum()
        node = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert node() is None
    finally:
        gc.enable()


def test_saved_values_released_after_backward():
    x = _leaf(np.ones(3))
    y = x.exp()
    z = y.sum()
    z.backward()
    assert y.grad_fn._saved is None


def test_backward_on_non_scalar_needs_gradient():
    x = _leaf([1.0, 2.0])
    with pytest.raises(GraphError, match="shape \\(2,\\)"):
        (x * 2).backward()


def test_backward_accepts_one_element_tensor():
    x = _leaf([1.0])
    (x * 2).backward()
    assert x.grad.tolist() == [2.0]


def test_backward_without_grad_raises():
    with pytest.raises(GraphError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_backward_with_wrong_gradient_shape_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(ShapeError, match="\\(3,\\)"):
        (x * 2).backward(Tensor(np.ones(3)))


def test_backward_on_leaf_sets_its_grad():
    x = _leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_gradient_argument_scales_result():
    x = _leaf([1.0, 2.0])
    (x * x).backward(Tensor([1.0, 10.0], dtype=np.float64))
    assert x.grad.tolist() == [2.0, 40.0]


def test_no_grad_stops_recording():
    x = _leaf([1.0])
    with no_grad():
        y = x * 2
    assert not y.requires_grad
    assert y.grad_fn is None


def test_no_grad_as_decorator():
    @no_grad()
    def double(t):
        return t * 2

    assert not double(_leaf([1.0])).requires_grad


def test_enable_grad_inside_no_grad():
    x = _leaf([1.0])
    with no_grad():
        with enable_grad():
            y = x * 2
    assert y.requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with no_grad():
            raise ValueError("boom")
    assert tg.is_grad_enabled()


def test_backward_wrong_gradient_count_raises():
    class TwoGradients(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    x = _leaf([1.0])
    with pytest.raises(GraphError, match="returned 2 gradients"):
        TwoGradients.apply(x).sum().backward()


def test_backward_wrong_gradient_shape_from_function_raises():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad_output):
            return Tensor(np.ones(5))

    x = _leaf([1.0, 2.0])
    with pytest.raises(GraphError, match="shape \\(5,\\)"):
        BadShape.apply(x).sum().backward()


def test_custom_function_gradient():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

    x = _leaf([2.0])
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [12.0]
    assert repr(Cube.apply(x).grad_fn) == "<CubeBackward>"


def test_modified_saved_tensor_raises():
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = y * y
    with no_grad():
        y.mul_(2)
    with pytest.raises(InPlaceError, match="changed in place"):
        z.sum().backward()


def test_grad_returns_without_accumulating():
    x = _leaf([1.0, 2.0])
    (gx,) = grad((x * x).sum(), x)
    assert gx.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_grad_of_non_leaf_input():
    x = _leaf([1.0, 2.0])
    y = x * 3
    (gy,) = grad((y * y).sum(), y)
    assert gy.tolist() == [6.0, 12.0]


def test_grad_unused_input_raises():
    x, unused = _leaf([1.0]), _leaf([1.0])
    with pytest.raises(GraphError, match="allow_unused"):
        grad((x * 2).sum(), [x, unused])


def test_grad_allow_unused_gives_none():
    x, unused = _leaf([1.0]), _leaf([1.0])
    assert grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None


def test_create_graph_gives_second_derivative():
    x = _leaf(2.0)
    y = x**3
    (first,) = grad(y, x, create_graph=True)
    (second,) = grad(first, x)
    assert first.item() == 12.0
    assert second.item() == 12.0


def test_backward_create_graph_gives_differentiable_grad():
    x = _leaf(3.0)
    (x**2).backward(create_graph=True)
    assert x.grad.requires_grad
    (second,) = grad(x.grad, x)
    assert second.item() == 2.0


def test_third_derivative_of_polynomial():
    x = _leaf(2.0)
    y = x**4 + 2 * x**3
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert d3.item() == 24 * 2.0 + 12


def test_plain_backward_after_create_graph_keeps_recorded_grad():
    x = _leaf(3.0)
    (x**2).backward(create_graph=True)
    recorded = x.grad
    (x * 1.0).backward()
    assert recorded.item() == 6.0
    assert x.grad.item() == 7.0
