"""The gradient kit fails when it should: wrong backwards are caught and named."""

import numpy as np
import pytest
from hypothesis import given, settings

from tinygrad_edu import Function, Tensor, nn
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.testing import (
    GradcheckError,
    check_module,
    gradcheck,
    gradgradcheck,
    localize_fault,
)
from tinygrad_edu.testing.strategies import tensors


def _inputs(*shapes):
    rng = np.random.default_rng(1)
    return [Tensor(rng.uniform(0.5, 2.0, s), requires_grad=True) for s in shapes]


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class SquareDroppedFactor(Square):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x


class SquareWrongSign(Square):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return -grad_output * 2 * x


class RowScale(Function):
    """z = x * w with w of shape (m,) broadcast over the rows of x."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output * w, (grad_output * x).sum(0)


class RowScaleWrongReduction(RowScale):
    """Reduces over the rows by taking the first one instead of summing."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output * w, (grad_output * x)[0]


class ProductSwapped(Function):
    """z = x * y with each gradient sent to the other input."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * x, grad_output * y


def test_correct_backward_passes():
    assert gradcheck(Square.apply, _inputs((3,)))


def test_correct_broadcast_backward_passes():
    assert gradcheck(RowScale.apply, _inputs((2, 3), (3,)))


@pytest.mark.parametrize(
    ("function", "shapes"),
    [
        (SquareDroppedFactor.apply, [(3,)]),
        (SquareWrongSign.apply, [(3,)]),
        (RowScaleWrongReduction.apply, [(2, 3), (3,)]),
        (ProductSwapped.apply, [(3,), (3,)]),
    ],
    ids=["dropped_factor", "wrong_sign", "wrong_reduction", "wrong_input"],
)
def test_wrong_backward_is_caught(function, shapes):
    with pytest.raises(GradcheckError):
        gradcheck(function, _inputs(*shapes))


def test_wrong_backward_returns_false_without_raise():
    assert not gradcheck(SquareWrongSign.apply, _inputs((3,)), raise_exception=False)


def test_mismatch_message_names_input_element_and_values():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(RowScaleWrongReduction.apply, _inputs((2, 3), (3,)))
    message = str(caught.value)
    assert "with respect to input 1" in message
    assert "analytic" in message
    assert "numerical" in message
    assert "Worst elements" in message


def test_mismatch_message_localizes_operation():
    def composite(x):
        return SquareDroppedFactor.apply(x.tanh()).exp().sum()

    with pytest.raises(GradcheckError, match="backward of SquareDroppedFactorBackward"):
        gradcheck(composite, _inputs((3,)))


def test_localize_fault_names_first_wrong_node():
    def composite(x, y):
        return ProductSwapped.apply(x.sigmoid(), y) * 2

    fault = localize_fault(composite, _inputs((2,), (2,)))
    assert fault.node_name == "ProductSwappedBackward"
    assert fault.position == 2


def test_localize_fault_returns_none_for_correct_graph():
    assert localize_fault(lambda x: Square.apply(x).exp(), _inputs((3,))) is None


def test_float32_input_is_rejected_with_reason():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(DTypeError, match="float64"):
        gradcheck(Square.apply, [x])


def test_gradgradcheck_catches_wrong_second_derivative():
    class CubeWithConstantSlope(Function):
        """Backward uses a detached x, so its second derivative is lost."""

        @staticmethod
        def forward(ctx, x):
            ctx.x = x.copy()
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 3 * Tensor(ctx.x) ** 2

    x = _inputs((3,))
    assert gradcheck(CubeWithConstantSlope.apply, x)
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeWithConstantSlope.apply, x)


class _ScaledSquare(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x, scale)
        return x * x * scale

    @staticmethod
    def backward(ctx, grad_output):
        x, scale = ctx.saved_tensors
        # The factor 2 is missing from the gradient of the input.
        return grad_output * x * scale, (grad_output * x * x).sum(0)


class _BrokenLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(Tensor(np.ones(3)))

    def forward(self, x):
        return _ScaledSquare.apply(x, self.scale)


def test_check_module_passes_linear_layer():
    check_module(nn.Linear(3, 2), tensors(shape=(4, 3)), max_examples=5)


def test_check_module_reports_broken_layer():
    with pytest.raises(GradcheckError) as caught:
        check_module(_BrokenLayer(), tensors(shape=(2, 3)), max_examples=10)
    assert "module's input" in str(caught.value)


@settings(max_examples=5)
@given(tensors(shape=(2, 3)))
def test_strategies_default_to_float64_away_from_zero(x):
    assert x.dtype == np.float64
    assert np.all(np.abs(x.detach().numpy()) >= 0.1)


def test_check_module_rejects_function():
    with pytest.raises(TypeError, match="nn.Module"):
        check_module(lambda x: x, tensors(shape=(2, 3)))


def test_check_module_rejects_tensor_inputs():
    with pytest.raises(TypeError, match="strategy"):
        check_module(nn.Linear(3, 2), Tensor(np.ones((2, 3))))


class _ArgmaxLayer(nn.Module):
    def forward(self, x):
        return x.argmax(1)


def test_check_module_rejects_integer_output():
    with pytest.raises(TypeError, match="int64"):
        check_module(_ArgmaxLayer(), tensors(shape=(2, 3)), max_examples=2)
