import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError, ShapeError
from tinygrad_edu.ops.conv import avg_pool2d, conv2d, max_pool2d
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import gradcheck


def values(tensor):
    return tensor.detach().numpy()


def conv_reference(x, weight, bias, stride, padding):
    """Cross-correlate with one loop step per output pixel, channel and kernel."""
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    (kernel_h, kernel_w) = weight.shape[2:]
    out_h = (x.shape[2] - kernel_h) // stride[0] + 1
    out_w = (x.shape[3] - kernel_w) // stride[1] + 1
    out = np.zeros((x.shape[0], weight.shape[0], out_h, out_w))
    for n in range(x.shape[0]):
        for o in range(weight.shape[0]):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride[0], j * stride[1]
                    window = x[n, :, top : top + kernel_h, left : left + kernel_w]
                    out[n, o, i, j] = np.sum(window * weight[o]) + bias[o]
    return out


def output_size(size, kernel, stride, padding):
    """PyTorch's output size for a dilation of 1."""
    return math.floor((size + 2 * padding - kernel) / stride) + 1


# Conv2d ------------------------------------------------------------------------------


def test_conv2d_parameter_shapes():
    layer = nn.Conv2d(2, 5, kernel_size=(3, 2))
    assert layer.weight.shape == (5, 2, 3, 2)
    assert layer.bias.shape == (5,)
    assert layer.weight.dtype == np.float32
    assert isinstance(layer.weight, nn.Parameter)


def test_conv2d_parameter_names():
    names = [name for name, _ in nn.Conv2d(1, 2, 3).named_parameters()]
    assert names == ["weight", "bias"]


def test_conv2d_state_dict_keys():
    assert list(nn.Conv2d(1, 2, 3).state_dict()) == ["weight", "bias"]


def test_conv2d_without_bias():
    layer = nn.Conv2d(1, 2, 3, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_conv2d_dtype_option():
    layer = nn.Conv2d(1, 2, 3, dtype="float64")
    assert layer.weight.dtype == np.float64
    assert layer.bias.dtype == np.float64


def test_conv2d_init_bounds():
    layer = nn.Conv2d(6, 400, kernel_size=3)
    bound = 1 / math.sqrt(6 * 3 * 3)
    assert np.abs(values(layer.weight)).max() <= bound
    assert np.abs(values(layer.weight)).max() > 0.95 * bound
    assert np.abs(values(layer.bias)).max() <= bound
    assert np.abs(values(layer.bias)).max() > 0.9 * bound


def test_conv2d_reset_parameters_redraws():
    layer = nn.Conv2d(1, 2, 3)
    before = values(layer.weight).copy()
    layer.reset_parameters()
    assert not np.array_equal(before, values(layer.weight))


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (
            nn.Conv2d(1, 8, 3, padding=1),
            "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
        ),
        (
            nn.Conv2d(2, 3, (2, 3), stride=2, bias=False),
            "Conv2d(2, 3, kernel_size=(2, 3), stride=(2, 2), bias=False)",
        ),
    ],
)
def test_conv2d_repr(layer, expected):
    assert repr(layer) == expected


@pytest.mark.parametrize(
    ("stride", "padding"), [(1, 0), (1, 1), (2, 0), (2, 1), ((1, 2), (2, 0))]
)
def test_conv2d_matches_loop_reference(rng, stride, padding):
    layer = nn.Conv2d(2, 3, kernel_size=(3, 2), stride=stride, padding=padding)
    layer.double()
    x = rng.standard_normal((2, 2, 5, 6))
    steps = stride if isinstance(stride, tuple) else (stride, stride)
    pads = padding if isinstance(padding, tuple) else (padding, padding)

    out = values(layer(Tensor(x)))

    expected = conv_reference(x, values(layer.weight), values(layer.bias), steps, pads)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@given(
    size=st.integers(1, 9),
    kernel=st.integers(1, 4),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
)
def test_conv2d_output_size_formula(size, kernel, stride, padding):
    assume(size + 2 * padding >= kernel)
    layer = nn.Conv2d(1, 2, kernel, stride=stride, padding=padding)
    out = layer(Tensor(np.zeros((1, 1, size, size + 1), np.float32)))
    expected_h = output_size(size, kernel, stride, padding)
    expected_w = output_size(size + 1, kernel, stride, padding)
    assert out.shape == (1, 2, expected_h, expected_w)


def test_conv2d_unbatched_input(rng):
    layer = nn.Conv2d(2, 3, 2)
    x = rng.standard_normal((2, 4, 4)).astype(np.float32)
    out = layer(Tensor(x))
    batched = layer(Tensor(x[None]))
    assert out.shape == (3, 3, 3)
    np.testing.assert_array_equal(values(out), values(batched)[0])


def test_conv2d_float32_gradients(rng):
    layer = nn.Conv2d(2, 3, 2)
    x = Tensor(rng.standard_normal((1, 2, 4, 4)).astype(np.float32), requires_grad=True)
    layer(x).sum().backward()
    assert x.grad.dtype == np.float32
    assert layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32


def test_conv2d_gradient_matches_differences(rng):
    layer = nn.Conv2d(2, 2, 2, stride=2, padding=1).double()
    x = Tensor(rng.standard_normal((2, 2, 3, 4)), requires_grad=True)

    def function(x, weight, bias):
        return conv2d(x, weight, bias, stride=2, padding=1)

    assert gradcheck(function, [x, layer.weight, layer.bias])


def test_conv2d_wrong_channels_names_layer():
    layer = nn.Conv2d(2, 3, 3)
    with pytest.raises(ShapeError, match=r"Conv2d\(2, 3, kernel_size=\(3, 3\)"):
        layer(Tensor(np.zeros((1, 1, 5, 5), np.float32)))


def test_conv2d_wrong_rank_names_layer():
    layer = nn.Conv2d(2, 3, 3)
    with pytest.raises(ShapeError, match=r"Conv2d\(2, 3.*got shape \(5, 5\)"):
        layer(Tensor(np.zeros((5, 5), np.float32)))


def test_conv2d_kernel_larger_than_image_raises():
    layer = nn.Conv2d(1, 1, 3)
    with pytest.raises(ShapeError, match="larger than the input image"):
        layer(Tensor(np.zeros((1, 1, 2, 5), np.float32)))


def test_conv2d_dtype_mismatch_raises():
    layer = nn.Conv2d(1, 1, 2)
    with pytest.raises(DTypeError, match="one dtype"):
        layer(Tensor(np.zeros((1, 1, 3, 3), np.float64)))


@pytest.mark.parametrize(
    "arguments",
    [
        {"in_channels": 0},
        {"out_channels": -1},
        {"in_channels": 1.5},
        {"kernel_size": 0},
        {"kernel_size": (2, 2, 2)},
        {"stride": 0},
        {"padding": -1},
        {"padding": True},
    ],
)
def test_conv2d_bad_arguments_raise(arguments):
    settings = {"in_channels": 1, "out_channels": 1, "kernel_size": 2, **arguments}
    with pytest.raises(ValueError):
        nn.Conv2d(**settings)


def test_conv2d_function_bias_shape_raises():
    with pytest.raises(ShapeError, match="bias of shape"):
        conv2d(
            Tensor(np.zeros((1, 1, 3, 3))),
            Tensor(np.zeros((2, 1, 2, 2))),
            Tensor(np.zeros(3)),
        )


# Pooling -----------------------------------------------------------------------------


def pool_reference(x, kernel, stride, reducer):
    out_h = (x.shape[2] - kernel[0]) // stride[0] + 1
    out_w = (x.shape[3] - kernel[1]) // stride[1] + 1
    out = np.zeros((*x.shape[:2], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride[0], j * stride[1]
            window = x[:, :, top : top + kernel[0], left : left + kernel[1]]
            out[:, :, i, j] = reducer(window, axis=(2, 3))
    return out


@pytest.mark.parametrize(
    ("layer_class", "reducer"), [(nn.MaxPool2d, np.max), (nn.AvgPool2d, np.mean)]
)
@pytest.mark.parametrize(
    ("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (1, 2)), (2, 3)]
)
def test_pool_matches_loop_reference(rng, layer_class, reducer, kernel, stride):
    x = rng.standard_normal((2, 3, 5, 6))
    kernels = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    steps = kernels if stride is None else stride
    steps = steps if isinstance(steps, tuple) else (steps, steps)

    out = values(layer_class(kernel, stride)(Tensor(x)))

    expected = pool_reference(x, kernels, steps, reducer)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer_class", [nn.MaxPool2d, nn.AvgPool2d])
def test_pool_default_stride_is_kernel(layer_class):
    layer = layer_class(2)
    assert layer.stride == 2
    assert layer(Tensor(np.zeros((1, 1, 5, 4), np.float32))).shape == (1, 1, 2, 2)


@pytest.mark.parametrize("layer_class", [nn.MaxPool2d, nn.AvgPool2d])
def test_pool_unbatched_input(layer_class):
    out = layer_class(2)(Tensor(np.zeros((3, 4, 4), np.float32)))
    assert out.shape == (3, 2, 2)


def test_max_pool_tie_goes_to_first_element():
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    assert x.grad.numpy().ravel().tolist() == [1.0, 0.0, 0.0, 0.0]


def test_max_pool_overlapping_windows_add_gradients():
    x = Tensor(np.array([[[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]]))
    x.requires_grad = True
    max_pool2d(x, 2, stride=1).sum().backward()
    assert x.grad.numpy()[0, 0, 1, 1] == 4.0


def test_avg_pool_overlapping_windows_share_gradient():
    x = Tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    avg_pool2d(x, 2, stride=1).sum().backward()
    assert x.grad.numpy()[0, 0, 1, 1] == 1.0
    assert x.grad.numpy()[0, 0, 0, 0] == 0.25


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (nn.MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2)"),
        (nn.AvgPool2d((2, 3), 1), "AvgPool2d(kernel_size=(2, 3), stride=1)"),
    ],
)
def test_pool_repr(layer, expected):
    assert repr(layer) == expected


@pytest.mark.parametrize("layer_class", [nn.MaxPool2d, nn.AvgPool2d])
def test_pool_wrong_rank_names_layer(layer_class):
    with pytest.raises(ShapeError, match=rf"{layer_class.__name__}\(kernel_size=2"):
        layer_class(2)(Tensor(np.zeros((4, 4), np.float32)))


@pytest.mark.parametrize("layer_class", [nn.MaxPool2d, nn.AvgPool2d])
def test_pool_kernel_larger_than_image_raises(layer_class):
    with pytest.raises(ShapeError, match="larger than the input image"):
        layer_class(3)(Tensor(np.zeros((1, 1, 2, 2), np.float32)))


@pytest.mark.parametrize("layer_class", [nn.MaxPool2d, nn.AvgPool2d])
@pytest.mark.parametrize("arguments", [(0,), (2, 0), ((2, 2, 2),), (1.5,)])
def test_pool_bad_arguments_raise(layer_class, arguments):
    with pytest.raises(ValueError):
        layer_class(*arguments)


@pytest.mark.parametrize("layer_class", [nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d])
def test_conv_layer_docstring_has_shape(layer_class):
    assert "Shape:" in layer_class.__doc__


def test_max_pool_integer_input_raises():
    with pytest.raises(DTypeError, match="floating-point"):
        max_pool2d(Tensor(np.zeros((1, 1, 2, 2), np.int64)), 2)
